"""On TensorFlow, the retracing warning about Keras's predict functions is
dropped (ganlab traces each model's predict twice by design); the rest of
TensorFlow's warnings are kept."""

import logging

import keras
import pytest

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="TensorFlow's own logger"
)


def _passes(message):
    import tensorflow as tf

    record = logging.LogRecord(
        "tensorflow", logging.WARNING, __file__, 1, message, None, None
    )
    return all(f.filter(record) for f in tf.get_logger().filters)


def test_the_predict_retracing_warning_is_dropped_and_others_pass():
    import ganlab  # noqa: F401  (installs the filter)

    assert not _passes(
        "5 out of the last 10 calls to <function TensorFlowTrainer."
        "make_predict_function.<locals>.one_step_on_data_distributed at 0x7f> "
        "triggered tf.function retracing."
    )
    assert _passes(
        "5 out of the last 10 calls to <function my_step> triggered retracing."
    )
    assert _passes("Some other TensorFlow warning.")


def test_sampling_many_models_warns_no_more(caplog, tiny_images):
    from conftest import make_tiny_gan

    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for seed in range(4):
            gan = make_tiny_gan(seed=seed)
            for n in (3, 5, 7):
                gan.generate(n, seed=0)
                gan.discriminate(tiny_images[:n])
    assert "retracing" not in caplog.text
