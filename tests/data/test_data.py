"""Input checking and dataset building: what users pass, and clear errors."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import make_tiny_gan

import ganlab
from ganlab.data.pipeline import check_images, pixel_scale, training_data

SHAPE = (28, 28, 1)


def prepare_tf_dataset(ds, image_shape, batch_size=128):
    """The batches ``fit`` would train on (one epoch of them)."""
    prepared = training_data(ds, image_shape=image_shape, batch_size=batch_size)
    data = prepared.data
    return data.take(prepared.steps_per_epoch) if prepared.steps_per_epoch else data


def make_dataset(x, batch_size=128, seed=None):
    prepared = training_data(x, image_shape=SHAPE, batch_size=batch_size, seed=seed)
    return prepared.data.take(prepared.steps_per_epoch)


def test_uint8_without_channel_axis_is_scaled_and_expanded():
    x = np.array([[[0, 255], [127, 128]]], dtype=np.uint8)
    out = check_images(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    expected = [[-1, 1], [127 / 127.5 - 1, 128 / 127.5 - 1]]
    np.testing.assert_allclose(out[0, :, :, 0], expected, atol=1e-6)


def test_float_in_range_passes_through():
    x = np.linspace(-1, 1, 28 * 28 * 2, dtype=np.float32).reshape(2, 28, 28, 1)
    np.testing.assert_array_equal(check_images(x, SHAPE), x)


def test_float_pixels_0_255_are_scaled_like_uint8():
    x = np.array([[[0.0, 255.0], [127.0, 128.0]]], np.float32)
    np.testing.assert_allclose(
        check_images(x), check_images(x.astype(np.uint8)), atol=1e-6
    )


def test_float_in_unit_interval_warns():
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        check_images(np.full((1, 28, 28), 0.5, np.float32))


@pytest.mark.parametrize(
    "images, message",
    [
        (np.full((2, 28, 28), 300.0, np.float32), r"must lie in \[-1, 1\]"),
        (np.full((2, 28, 28), -3.0, np.float32), r"must lie in \[-1, 1\]"),
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
    gan = ganlab.build_dcgan(8, image_shape=(32, 32, 3), width=4, seed=0)
    gan.compile()
    history = gan.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_shuffled_batches_visit_every_row_once_per_epoch_and_reshuffle():
    from ganlab.data.batches import shuffled_batches

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
    # that stopped mid-pass (see ganlab.data.batches._NO_AUTOTUNE_MODEL); what fit
    # builds from arrays, with repeat(), must keep it off.
    prepared = training_data(
        np.zeros((8, 28, 28), "uint8"), image_shape=SHAPE, batch_size=4
    )
    assert prepared.steps_per_epoch == 2
    assert prepared.data.options().autotune.enabled is False
    assert next(iter(prepared.data)).shape == (4, 28, 28, 1)
    assert prepared.label_counts is None


def test_pixel_scale_is_one_rule_for_the_whole_data_set():
    assert pixel_scale(0, 255, integer=True) is True
    assert pixel_scale(0.0, 255.0, integer=False) is True
    assert pixel_scale(-1.0, 1.0, integer=False) is False
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        assert pixel_scale(0.0, 1.0, integer=False) is False
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        pixel_scale(-1, 3, integer=True)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        pixel_scale(-3.0, 1.0, integer=False)


def test_training_data_counts_labels():
    x = np.zeros((12, 28, 28), "uint8")
    prepared = training_data(
        x, np.arange(12) % 3, image_shape=SHAPE, num_classes=3, batch_size=4
    )
    np.testing.assert_array_equal(prepared.label_counts, [4, 4, 4])
    images, one_hot = next(iter(prepared.data))
    assert images.shape == (4, 28, 28, 1) and one_hot.shape == (4, 3)


# ------------------------------------------- issue 17 item 4: the inputs --
def test_tf_dataset_of_float_unit_images_warns_like_the_array():
    x = np.random.default_rng(0).uniform(0, 1, (32, 28, 28, 1)).astype("float32")
    with pytest.warns(UserWarning, match=r"lie in \[0, 1\]") as from_array:
        check_images(x, SHAPE)
    gan = make_tiny_gan()
    ds = tf.data.Dataset.from_tensor_slices(x).batch(16)
    with pytest.warns(UserWarning, match=r"lie in \[0, 1\]") as from_dataset:
        gan.fit(ds, epochs=1, verbose=0)
    array_message = str(from_array[0].message)
    assert "2 * x - 1" in array_message
    assert any("2 * x - 1" in str(w.message) for w in from_dataset)


def test_dataset_of_unknown_length_finishes_its_epochs():
    x = np.random.default_rng(0).integers(0, 256, (48, 28, 28), dtype=np.uint8)
    ds = tf.data.Dataset.from_tensor_slices(x).filter(lambda image: True).batch(16)
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    ends = []
    counter = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ends.append(epoch)
    )
    gan = make_tiny_gan()
    history = gan.fit(ds, epochs=2, verbose=0, callbacks=[counter])
    assert ends == [0, 1]
    assert len(history.history["d_loss"]) == 2
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 2 * 3


def test_channelless_grayscale_batches_for_a_colour_gan_say_what_they_are():
    gan = ganlab.build_dcgan(8, image_shape=(96, 96, 3), width=4)
    gan.compile()
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((32, 96, 96), "uint8")).batch(16)
    with pytest.raises(ValueError, match="without a channel axis") as error:
        gan.fit(ds, epochs=1, verbose=0)
    message = str(error.value)
    assert "(B, H, W) batches" in message and "grayscale_to_rgb" in message
    # The batch axis is not taken for an image's height.
    assert "(16, 96, 96) per image" not in message
    assert "image_shape=(16, 96, 96)" not in message
    assert "image_shape=(96, 96, 1)" in message


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, index):
        return self.x[index * self.batch_size : (index + 1) * self.batch_size]


@pytest.mark.backends  # PyDataset input on every backend
def test_a_py_dataset_trains():
    x = np.random.default_rng(0).integers(0, 256, (48, 28, 28), dtype=np.uint8)
    gan = make_tiny_gan()
    history = gan.fit(_Batches(x, 16), epochs=2, verbose=0)
    assert len(history.history["d_loss"]) == 2
    assert int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations)) == 2 * 3
    bad = _Batches(x.astype("float32"), 16)  # [0, 255] floats, batch by batch
    with pytest.raises(ValueError, match="yield uint8 pixels"):
        gan.fit(bad, epochs=1, verbose=0)


def test_dark_first_batch_of_float_pixels_is_scaled_by_the_whole_dataset():
    # The first batch holds only 0s and 1s: alone it would pass for [0, 1]
    # images. The whole data set reaches 255, so every batch is scaled.
    x = np.zeros((32, 28, 28, 1), "float32")
    x[:16] = np.random.default_rng(0).integers(0, 2, (16, 28, 28, 1))
    x[16:] = 255.0
    ds = tf.data.Dataset.from_tensor_slices(x).batch(16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "[0, 1]" warning either
        batches = list(prepare_tf_dataset(ds, SHAPE))
    np.testing.assert_allclose(batches[0].numpy(), x[:16] / 127.5 - 1, atol=1e-6)
    np.testing.assert_allclose(batches[1].numpy(), 1.0)
    gan = make_tiny_gan()
    history = gan.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
