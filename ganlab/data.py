"""Turn user images into the training data a GAN expects.

ganlab's convention: images are float32 of shape (N, H, W, C) with values in
[-1, 1], the range of the generator's tanh output. The helpers here accept
what users have: uint8 in [0, 255] or float in [-1, 1], with or without the
channel axis, as NumPy arrays or ``tf.data`` datasets (including
``keras.utils.image_dataset_from_directory``), and raise a ``ValueError``
that says what to do for anything else.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE

# tf.data's autotuning runs a background thread per iterator. ``fit`` repeats
# in-memory data (one iterator for the whole run), so when training stops,
# that iterator is freed mid-pass, and freeing it waits for the thread's next
# wake-up: on TF 2.21 the Python process then hung for 8 to 49 s after the
# script's last line, about every other run. A gather from memory needs no
# tuning (with the model off it delivers as many images per second).
_NO_AUTOTUNE_MODEL = tf.data.Options()
_NO_AUTOTUNE_MODEL.autotune.enabled = False


def _expected(image_shape: Sequence[int] | None) -> str:
    return f" The generator produces {tuple(image_shape)}." if image_shape else ""


def check_images(
    images, image_shape: Sequence[int] | None = None, name: str = "images"
) -> np.ndarray:
    """Validate images and return them as float32 (N, H, W, C) in [-1, 1].

    - (N, H, W) is expanded to (N, H, W, 1);
    - integer images must lie in [0, 255] and are scaled by x / 127.5 - 1;
    - float images must already lie in [-1, 1].

    Args:
        images: array-like of images.
        image_shape: (H, W, C) the generator produces, to check against.
        name: what to call the array in error messages.

    Returns:
        float32 array of shape (N, H, W, C), values in [-1, 1].

    Raises:
        ValueError: for an empty array, a wrong rank or dtype, NaN or inf,
            values out of range, or a shape the generator does not produce.
    """
    x = np.asarray(images)
    if x.dtype == object or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise ValueError(
            f"{name} must hold numbers (uint8 in [0, 255] or float in [-1, 1]); "
            f"got dtype {x.dtype}. Convert them with np.asarray(..., dtype='float32')."
        )
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, H, W) or (N, H, W, C); got {x.shape}."
            + _expected(image_shape)
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: the data set holds no images.")
    if image_shape is not None and tuple(x.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"{name} have shape {tuple(x.shape[1:])} per image, but the generator "
            f"produces {tuple(image_shape)}. Resize the images, or build the "
            f"networks with image_shape={tuple(x.shape[1:])}."
        )
    if np.issubdtype(x.dtype, np.integer):
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > 255:
            raise ValueError(
                f"Integer {name} must lie in [0, 255]; found values in [{lo}, {hi}]."
            )
        return (x.astype(np.float32) / 127.5 - 1.0).astype(np.float32)
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{name} contain NaN or inf values; remove or repair those images."
        )
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.0 - 1e-6 or hi > 1.0 + 1e-6:
        raise ValueError(
            f"Float {name} must lie in [-1, 1] (the generator's tanh range); found "
            f"values in [{lo:.3g}, {hi:.3g}]. Scale pixels in [0, 255] with "
            "x / 127.5 - 1 (or pass them as uint8), and pixels in [0, 1] with "
            "2 * x - 1."
        )
    if lo >= 0.0 and hi <= 1.0:
        warnings.warn(
            f"Float {name} lie in [0, 1]; ganlab expects [-1, 1]. If these are "
            "[0, 1] pixels, pass 2 * x - 1.",
            stacklevel=2,
        )
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def make_dataset(
    images,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    image_shape: Sequence[int] | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Build a shuffled, batched, prefetched dataset of images in [-1, 1].

    Args:
        images: a NumPy array (see :func:`check_images`) or a ``tf.data``
            dataset (see :func:`prepare_tf_dataset`).
        batch_size: images per batch.
        shuffle: reshuffle every epoch (NumPy input; a dataset keeps its own
            order).
        seed: shuffle seed, for reproducible runs.
        image_shape: (H, W, C) the generator produces, to check against.
        drop_remainder: drop the last, smaller batch, so that every step sees
            the same batch size.

    Returns:
        A dataset yielding float32 batches (batch_size, H, W, C) in [-1, 1].
    """
    if isinstance(images, tf.data.Dataset):
        return prepare_tf_dataset(images, image_shape, batch_size=batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    x = check_images(images, image_shape)
    return shuffled_batches(x, batch_size, shuffle, seed, drop_remainder)


def shuffled_batches(
    arrays,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Batches of in-memory arrays, reshuffled every epoch, prefetched.

    Shuffles indices, not rows: the shuffle buffer, refilled at the start of
    every epoch, holds N integers instead of N images, and each batch is
    gathered from the arrays in one op (a buffer of 60,000 MNIST images took
    seconds to refill on a 2-core CPU).

    Args:
        arrays: an array (N, ...) or a tuple of arrays with the same N.
        batch_size: rows per batch (at most N).
        shuffle: reshuffle every epoch.
        seed: shuffle seed.
        drop_remainder: drop the last, smaller batch.

    Returns:
        A dataset of batches with the arrays' structure and dtypes.
    """
    single = not isinstance(arrays, tuple)
    tensors = tuple(tf.constant(a) for a in ((arrays,) if single else arrays))
    n = int(tensors[0].shape[0])
    ds = tf.data.Dataset.range(n)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(min(batch_size, n), drop_remainder=drop_remainder)

    def gather(index):
        rows = tuple(tf.gather(t, index) for t in tensors)
        return rows[0] if single else rows

    ds = ds.map(gather, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
    return ds.with_options(_NO_AUTOTUNE_MODEL)


def _images_only(*element):
    """Drop labels: (images, labels) → images."""
    return element[0]


def prepare_tf_dataset(
    ds: tf.data.Dataset,
    image_shape: Sequence[int] | None = None,
    batch_size: int = 128,
) -> tf.data.Dataset:
    """Check a ``tf.data`` dataset of images and scale it to [-1, 1].

    Accepts batched or unbatched images, with or without labels (labels are
    dropped), with or without the channel axis. The value range is read from
    the dtype and the first batch:

    - integers are taken as [0, 255] and scaled;
    - floats above 1 are taken as [0, 255] pixels, as
      ``keras.utils.image_dataset_from_directory`` yields, and scaled;
    - other floats must lie in [-1, 1] and pass through.

    Unbatched datasets are batched with ``batch_size``.

    Returns:
        A prefetched dataset of float32 batches (B, H, W, C) in [-1, 1].

    Raises:
        ValueError: for an empty dataset, a wrong rank or dtype, NaN/inf, or
            values or an image shape the generator cannot match.
    """
    spec = ds.element_spec
    if isinstance(spec, tuple):
        spec = spec[0]
    if isinstance(spec, dict) or not isinstance(spec, tf.TensorSpec):
        raise ValueError(
            "The dataset must yield image tensors or (images, labels) tuples; "
            f"it yields {ds.element_spec}."
        )
    ds = ds.map(_images_only, num_parallel_calls=AUTOTUNE)
    if not (spec.dtype.is_integer or spec.dtype.is_floating):
        raise ValueError(
            f"Dataset images must be numbers; got dtype {spec.dtype.name}."
        )

    rank = spec.shape.rank
    image_rank = 2 if _is_channelless(spec.shape, image_shape) else 3
    if rank == image_rank:  # unbatched
        ds = ds.batch(batch_size, drop_remainder=False)
    elif rank != image_rank + 1:
        raise ValueError(
            f"Dataset elements have shape {spec.shape}; expected images (H, W, C) "
            "or batches (B, H, W, C)." + _expected(image_shape)
        )
    if image_rank == 2:
        ds = ds.map(lambda x: x[..., tf.newaxis], num_parallel_calls=AUTOTUNE)

    first = next(iter(ds.take(1)), None)
    if first is None:
        raise ValueError("The dataset is empty: it yields no images.")
    first = first.numpy()
    if image_shape is not None and tuple(first.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"Dataset images have shape {tuple(first.shape[1:])}, but the generator "
            f"produces {tuple(image_shape)}. Resize them (e.g. image_size= in "
            "image_dataset_from_directory), or build the networks for that shape."
        )
    scale = _infer_scale(first, spec.dtype)
    if scale:
        ds = ds.map(
            lambda x: tf.cast(x, tf.float32) / 127.5 - 1.0, num_parallel_calls=AUTOTUNE
        )
    else:
        ds = ds.map(lambda x: tf.cast(x, tf.float32), num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def _is_channelless(shape: tf.TensorShape, image_shape) -> bool:
    """True when elements look like (H, W) or (B, H, W) grayscale images."""
    if image_shape is None or image_shape[-1] != 1 or shape.rank not in (2, 3):
        return False
    return tuple(shape[-2:]) == tuple(image_shape[:2]) and (
        shape.rank == 2 or tuple(shape[-3:]) != tuple(image_shape)
    )


def _infer_scale(batch: np.ndarray, dtype: tf.DType) -> bool:
    """Whether a batch holds [0, 255] pixels that need scaling (see above)."""
    if dtype.is_integer:
        lo, hi = batch.min(), batch.max()
        if lo < 0 or hi > 255:
            raise ValueError(
                f"Integer images must lie in [0, 255]; found [{lo}, {hi}]."
            )
        return True
    if not np.all(np.isfinite(batch)):
        raise ValueError("Dataset images contain NaN or inf values.")
    lo, hi = float(batch.min()), float(batch.max())
    if lo >= 0.0 and 1.0 < hi <= 255.0:
        return True
    if lo < -1.0 - 1e-6 or hi > 1.0 + 1e-6:
        raise ValueError(
            f"Float dataset images must lie in [-1, 1] or [0, 255]; found "
            f"[{lo:.3g}, {hi:.3g}]. Rescale them with a .map()."
        )
    return False
