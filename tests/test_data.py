"""Input checking and dataset building: what users pass, and clear errors."""

import numpy as np
import pytest
import tensorflow as tf

import ganlab
from ganlab.data import check_images, make_dataset, prepare_tf_dataset

SHAPE = (28, 28, 1)


def test_uint8_without_channel_axis_is_scaled_and_expanded():
    x = np.array([[[0, 255], [127, 128]]], dtype=np.uint8)
    out = check_images(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    expected = [[-1, 1], [127 / 127.5 - 1, 128 / 127.5 - 1]]
    np.testing.assert_allclose(out[0, :, :, 0], expected, atol=1e-6)


def test_float_in_range_passes_through():
    x = np.linspace(-1, 1, 28 * 28 * 2, dtype=np.float32).reshape(2, 28, 28, 1)
    np.testing.assert_array_equal(check_images(x, SHAPE), x)


def test_float_in_unit_interval_warns():
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        check_images(np.full((1, 28, 28), 0.5, np.float32))


@pytest.mark.parametrize(
    "images, message",
    [
        (np.full((2, 28, 28), 255.0, np.float32), r"must lie in \[-1, 1\]"),
        (np.full((2, 28, 28), np.nan, np.float32), "NaN or inf"),
        (np.full((2, 28, 28), np.inf, np.float32), "NaN or inf"),
        (np.zeros((0, 28, 28), np.uint8), "empty"),
        (np.zeros((2, 32, 32, 1), np.uint8), r"generator produces \(28, 28, 1\)"),
        (np.zeros((28, 28), np.uint8), "shape"),
        (np.zeros((2, 1, 28, 28, 1), np.uint8), "shape"),
        (np.array([["a"]]), "numbers"),
        (np.zeros((2, 28, 28), bool), "numbers"),
        (np.full((2, 28, 28), 300, np.int32), r"\[0, 255\]"),
    ],
)
def test_bad_images_raise_clear_errors(images, message):
    with pytest.raises(ValueError, match=message):
        check_images(images, SHAPE)


def test_make_dataset_batches_and_scales():
    x = np.random.default_rng(0).integers(0, 256, (100, 28, 28), dtype=np.uint8)
    ds = make_dataset(x, batch_size=32, seed=0)
    batches = list(ds)
    assert len(batches) == 3  # the last, smaller batch is dropped
    b = batches[0].numpy()
    assert b.shape == (32, 28, 28, 1) and b.dtype == np.float32
    assert b.min() >= -1 and b.max() <= 1


def test_tf_dataset_with_labels_unbatched_channelless():
    x = np.random.default_rng(0).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    ds = tf.data.Dataset.from_tensor_slices((x, np.arange(10)))
    b = next(iter(prepare_tf_dataset(ds, SHAPE, batch_size=4))).numpy()
    assert b.shape == (4, 28, 28, 1)
    np.testing.assert_allclose(b[..., 0], x[:4] / 127.5 - 1, atol=1e-6)


def test_tf_dataset_of_float_pixels_0_255_is_scaled():
    x = np.full((4, 28, 28, 1), 255.0, np.float32)
    ds = tf.data.Dataset.from_tensor_slices(x).batch(2)
    b = next(iter(prepare_tf_dataset(ds, SHAPE))).numpy()
    np.testing.assert_allclose(b, 1.0)


@pytest.mark.parametrize(
    "ds, message",
    [
        (
            tf.data.Dataset.from_tensor_slices(np.zeros((0, 28, 28, 1), np.float32)),
            "empty",
        ),
        (
            tf.data.Dataset.from_tensor_slices(np.zeros((4, 16, 16, 1), np.float32)),
            "produces",
        ),
        (
            tf.data.Dataset.from_tensor_slices(
                np.full((4, 28, 28, 1), -5.0, np.float32)
            ),
            r"\[-1, 1\]",
        ),
        (
            tf.data.Dataset.from_tensor_slices(
                np.full((4, 28, 28, 1), np.nan, np.float32)
            ),
            "NaN",
        ),
        (
            tf.data.Dataset.from_tensor_slices(
                np.zeros((4, 2, 2, 28, 28, 1), np.float32)
            ),
            "shape",
        ),
        (tf.data.Dataset.from_tensor_slices(np.array(["a", "b"])), "numbers"),
    ],
)
def test_bad_tf_datasets_raise(ds, message):
    with pytest.raises(ValueError, match=message):
        prepare_tf_dataset(ds, SHAPE)


def test_image_dataset_from_directory_colour_images(tmp_path):
    """A folder of the user's own RGB images at another size."""
    import imageio.v3 as iio
    import keras

    rng = np.random.default_rng(0)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(6):
            iio.imwrite(
                tmp_path / cls / f"{i}.png",
                rng.integers(0, 256, (40, 36, 3), dtype=np.uint8),
            )
    ds = keras.utils.image_dataset_from_directory(
        tmp_path, image_size=(32, 32), batch_size=4, seed=0
    )
    b = next(iter(prepare_tf_dataset(ds, (32, 32, 3)))).numpy()
    assert b.shape == (4, 32, 32, 3)
    assert b.min() >= -1 and b.max() <= 1 and b.max() > 0.5
    gan = ganlab.build_dcgan(8, (32, 32, 3), width=4, seed=0)
    gan.compile()
    history = gan.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_shuffled_batches_visit_every_row_once_per_epoch_and_reshuffle():
    from ganlab.data import shuffled_batches

    x = np.arange(10, dtype="float32")[:, None]
    y = np.arange(10) * 10
    ds = shuffled_batches((x, y), batch_size=3, seed=0).repeat(2)
    batches = list(ds.as_numpy_iterator())
    assert len(batches) == 2 * 3  # 10 // 3 batches per epoch, the remainder dropped
    assert all(b[0].shape == (3, 1) and b[1].shape == (3,) for b in batches)
    for bx, by in batches:  # rows stay paired
        np.testing.assert_array_equal(bx[:, 0] * 10, by)
    first = np.concatenate([b[1] for b in batches[:3]])
    second = np.concatenate([b[1] for b in batches[3:]])
    assert len(set(first)) == 9 and len(set(second)) == 9
    assert not np.array_equal(first, second)  # a new order every epoch
    single = next(iter(shuffled_batches(x, batch_size=4, shuffle=False)))
    np.testing.assert_array_equal(single[:, 0], [0, 1, 2, 3])


def test_in_memory_pipeline_runs_without_the_autotune_thread():
    # That thread held up the end of the process for up to 49 s after a fit
    # that stopped mid-pass (see ganlab.data._NO_AUTOTUNE_MODEL); what fit
    # builds from arrays, with repeat(), must keep it off.
    from ganlab.gan import repeat_epochs

    ds = make_dataset(np.zeros((8, 28, 28), "uint8"), batch_size=4)
    kwargs = {}
    repeated = repeat_epochs(ds, kwargs)
    assert kwargs["steps_per_epoch"] == 2
    assert repeated.options().autotune.enabled is False
    assert next(iter(repeated)).shape == (4, 28, 28, 1)
