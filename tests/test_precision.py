"""Opt-in bfloat16 mixed precision: the policy, its checks, and a GAN under it."""

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan

import ganlab
from ganlab import mixed_precision as precision


@pytest.fixture
def bf16():
    """The mixed_bfloat16 policy for one test, then float32 again."""
    yield ganlab.set_precision("bfloat16")
    ganlab.set_precision("float32")


def test_bfloat16_gan_trains_in_bf16_and_returns_float32_images(bf16, tiny_images):
    assert bf16 == "mixed_bfloat16"
    gan = make_tiny_gan()
    conv = [layer for layer in gan.generator.layers if "conv" in layer.name][0]
    assert conv.compute_dtype == "bfloat16" and conv.variable_dtype == "float32"
    assert gan.discriminator.output.dtype == "float32"  # the logit stays float32
    history = gan.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())
    images = gan.generate(8, seed=0)
    assert images.dtype == np.float32 and images.shape == (8, 28, 28, 1)
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_float32_restores_full_precision():
    ganlab.set_precision("bfloat16")
    assert ganlab.set_precision("float32") == "float32"
    assert keras.layers.Dense(2).compute_dtype == "float32"


def test_float16_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="loss scaling"):
        ganlab.set_precision("float16")


def test_warns_where_bfloat16_would_be_emulated(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2"})
    monkeypatch.setattr(precision.tf.config, "list_physical_devices", lambda kind: [])
    assert not ganlab.bfloat16_supported()
    try:
        with pytest.warns(UserWarning, match="emulated"):
            ganlab.set_precision("bfloat16")
    finally:
        ganlab.set_precision("float32")


def test_bfloat16_supported_follows_the_cpu_flags(monkeypatch):
    monkeypatch.setattr(precision.tf.config, "list_physical_devices", lambda kind: [])
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2", "amx_bf16"})
    assert ganlab.bfloat16_supported()


def test_evaluator_stays_float32_under_bfloat16(bf16):
    from ganlab.evaluation.features import load_mnist_evaluator

    load_mnist_evaluator.cache_clear()
    try:
        model = load_mnist_evaluator()
        assert {layer.compute_dtype for layer in model.layers} == {"float32"}
    finally:
        load_mnist_evaluator.cache_clear()
