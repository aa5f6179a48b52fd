"""One data path: turn what users have into the batches a GAN trains on.

ganlab's convention: images are float32 of shape (N, H, W, C) with values in
[-1, 1], the range of the generator's tanh output; labels (for a conditional
GAN) are one-hot float32 (N, K). :func:`training_data` accepts NumPy arrays,
``tf.data`` datasets (including ``keras.utils.image_dataset_from_directory``)
and ``keras.utils.PyDataset``, with or without labels, and one rule decides
the pixel range (:func:`pixel_scale`), for a whole data set at once:

- integers must lie in [0, 255] and are scaled by x / 127.5 - 1;
- floats above 1 (and in [0, 255]) are [0, 255] pixels and are scaled too;
- floats in [-1, 1] pass, with a warning when they all lie in [0, 1];
- anything else (NaN, inf, other ranges, non-numbers) is a ``ValueError``
  that says what to do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from ganlab.data.batches import AUTOTUNE, shuffled_batches

_TOLERANCE = 1e-3


# ------------------------------------------------------------ the one rule --
def pixel_scale(lo: float, hi: float, *, integer: bool, name: str = "images") -> bool:
    """Whether images with values in [lo, hi] are [0, 255] pixels to scale.

    Args:
        lo, hi: the smallest and largest value of the whole data set.
        integer: whether the images have an integer dtype.
        name: what to call them in messages.

    Returns:
        True for [0, 255] pixels (scale by x / 127.5 - 1), False for images
        already in [-1, 1].

    Raises:
        ValueError: for NaN/inf or a range that is neither.
    """
    if integer:
        if lo < 0 or hi > 255:
            raise ValueError(
                f"Integer {name} must lie in [0, 255]; found values in [{lo}, {hi}]."
            )
        return True
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(
            f"{name} contain NaN or inf values; remove or repair those images."
        )
    if lo >= 0.0 and 1.0 + _TOLERANCE < hi <= 255.0:
        return True
    if lo < -1.0 - _TOLERANCE or hi > 1.0 + _TOLERANCE:
        raise ValueError(
            f"Float {name} must lie in [-1, 1] (the generator's tanh range) or be "
            f"[0, 255] pixels; found values in [{lo:.3g}, {hi:.3g}]. Scale pixels "
            "in [0, 1] with 2 * x - 1."
        )
    if lo >= 0.0:
        warnings.warn(
            f"Float {name} lie in [0, 1]; ganlab expects [-1, 1] and trains on them "
            "as they are, so the generator will learn [0, 1] images. If these are "
            "[0, 1] pixels, pass 2 * x - 1 (or drop a Rescaling(1/255) layer).",
            stacklevel=3,
        )
    return False


def check_images(
    images,
    image_shape: Sequence[int] | None = None,
    *,
    name: str = "images",
    what: str = "the generator produces",
) -> np.ndarray:
    """Validate images and return them as float32 (N, H, W, C) in [-1, 1].

    (N, H, W) is expanded to (N, H, W, 1); the value range follows
    :func:`pixel_scale`.

    Args:
        images: array-like of images.
        image_shape: (H, W, C) the images must have (the generator's
            output, or a translator's input), to check against.
        name: what to call the array in error messages.
        what: how messages introduce ``image_shape`` ("the generator
            produces", "the model takes").

    Returns:
        float32 array of shape (N, H, W, C), values in [-1, 1].

    Raises:
        ValueError: for an empty array, a wrong rank or dtype, NaN or inf,
            values out of range, or a shape the generator does not produce.
    """
    x = np.asarray(images)
    if x.dtype == object or x.dtype == bool or not np.issubdtype(x.dtype, np.number):
        raise ValueError(
            f"{name} must hold numbers (uint8 in [0, 255] or float in [-1, 1]); "
            f"got dtype {x.dtype}. Convert them with np.asarray(..., dtype='float32')."
        )
    if x.ndim == 3 and (image_shape is None or tuple(image_shape)[-1] == 1):
        x = x[..., np.newaxis]
    if x.ndim != 4:
        raise ValueError(
            f"{name} must have shape (N, H, W) or (N, H, W, C); got {x.shape}."
            + _expected(image_shape, what)
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: the data set holds no images.")
    _check_shape(tuple(x.shape[1:]), image_shape, name, what)
    integer = bool(np.issubdtype(x.dtype, np.integer))
    lo, hi = (int(x.min()), int(x.max())) if integer else (x.min(), x.max())
    if pixel_scale(float(lo), float(hi), integer=integer, name=name):
        return (x.astype(np.float32) / 127.5 - 1.0).astype(np.float32)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def check_labels(labels, num_classes: int, *, n: int | None = None) -> np.ndarray:
    """Validate class labels and return them one-hot.

    Args:
        labels: integer class ids of shape (N,) in [0, num_classes), or
            one-hot (or any probability) rows of shape (N, num_classes) with
            values in [0, 1] summing to 1.
        num_classes: number of classes K.
        n: the number of images the labels go with, to check against.

    Returns:
        float32 array (N, num_classes).

    Raises:
        ValueError: for missing labels, a wrong shape or dtype, class ids out
            of range, rows that are not probability vectors, or a count that
            differs from ``n``.
    """
    if labels is None:
        raise ValueError(
            "This GAN is conditional: pass class labels, integer ids (N,) in "
            f"[0, {num_classes}) or one-hot rows (N, {num_classes})."
        )
    y = np.asarray(labels)
    if y.dtype == object or y.dtype == bool or not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"Labels must be numbers; got dtype {y.dtype}.")
    if y.ndim == 1:
        y = _ids_to_one_hot(y, num_classes)
    elif y.ndim == 2 and y.shape[1] == num_classes:
        y = _check_one_hot(y.astype(np.float32))
    else:
        raise ValueError(
            f"Labels must have shape (N,) (class ids) or (N, {num_classes}) "
            f"(one-hot); got {y.shape}."
        )
    if n is not None and len(y) != n:
        raise ValueError(
            f"Got {len(y)} labels for {n} images: pass one label per image."
        )
    return y


def _ids_to_one_hot(y: np.ndarray, num_classes: int) -> np.ndarray:
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(
                "Labels of shape (N,) must be integer class ids; got non-integer "
                "values."
            )
        y = y.astype(np.int64)
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"Class ids must lie in [0, {num_classes}); found values in "
            f"[{int(y.min())}, {int(y.max())}]."
        )
    return np.eye(num_classes, dtype=np.float32)[y.astype(np.int64)]


def _check_one_hot(y: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(y)) or y.min(initial=0) < 0 or y.max(initial=0) > 1:
        raise ValueError("One-hot labels must hold values in [0, 1].")
    if len(y) and not np.allclose(y.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(
            "Each one-hot label row must sum to 1 (exactly one class, or a "
            "probability mix of classes)."
        )
    return y


def _expected(image_shape: Sequence[int] | None, what: str) -> str:
    return f" {what.capitalize()} {tuple(image_shape)}." if image_shape else ""


def _channel_fix(have: int, want: int) -> str:
    """How to turn ``have`` channels into ``want`` (NumPy, on (N, H, W, C))."""
    if have == 4 and want == 3:
        return "drop the alpha channel: x[..., :3] (or composite onto a background)"
    if have == 1 and want == 3:
        return "repeat the gray channel: np.repeat(x, 3, axis=-1)"
    if have in (3, 4) and want == 1:
        return "convert to gray: x[..., :3].mean(axis=-1, keepdims=True)"
    return f"convert them to {want} channel(s)"


def _check_shape(shape: tuple, image_shape, name: str, what: str) -> None:
    if image_shape is None or shape == tuple(image_shape):
        return
    if shape[:2] == tuple(image_shape[:2]):
        fix = (
            f"They have {shape[-1]} channel(s) where {image_shape[-1]} are expected: "
            f"{_channel_fix(shape[-1], image_shape[-1])}, or build the networks "
            f"for {shape}."
        )
    else:
        fix = f"Resize them, or build the networks for {shape}."
    raise ValueError(
        f"{name} have shape {shape} per image, but {what} {tuple(image_shape)}. {fix}"
    )


# ------------------------------------------------------------ the data path --
class TrainingData(NamedTuple):
    """What :func:`training_data` hands to ``keras.Model.fit``."""

    data: object  # a tf.data.Dataset or a keras.utils.PyDataset
    steps_per_epoch: int | None  # None: the data ends its own epochs
    label_counts: np.ndarray | None  # (K,) for labelled arrays, else None


def training_data(
    x,
    y=None,
    *,
    image_shape: Sequence[int],
    num_classes: int | None = None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
) -> TrainingData:
    """Check a training set and turn it into batches for ``fit``.

    Batches are float32 images (B, H, W, C) in [-1, 1] and, for a
    conditional GAN (``num_classes`` set), one-hot labels (B, K). An
    unconditional GAN drops labels it is given (as
    ``image_dataset_from_directory`` yields them).

    Args:
        x: images, a NumPy array (N, H, W[, C]) (with labels as ``y``, or an
            (images, labels) tuple), a ``tf.data.Dataset`` of images or of
            (images, labels), batched or not, or a ``keras.utils.PyDataset``
            of batches.
        y: labels for NumPy images: ids (N,) or one-hot (N, K).
        image_shape: (H, W, C) the generator produces; (D,) for vector data.
        num_classes: K for a conditional GAN, else None.
        batch_size: batch size for arrays and unbatched datasets.
        shuffle: reshuffle arrays every epoch (datasets keep their order).
        seed: shuffle seed.

    Returns:
        A :class:`TrainingData`. Datasets are repeated and get
        ``steps_per_epoch`` (one pass of the data), so that per-epoch
        callbacks fire even when their length is unknown to Keras.

    Raises:
        ValueError: for anything the GAN cannot train on, with the fix.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    if isinstance(x, tf.data.Dataset):
        if y is not None:
            raise ValueError(
                "Pass either a dataset of (images, labels) or arrays x and y."
            )
        if len(image_shape) == 1:  # vector (toy) data: batches pass as they are
            return TrainingData(x, None, None)
        return _dataset(x, image_shape, num_classes, batch_size)
    if isinstance(x, keras.utils.PyDataset):
        return TrainingData(_CheckedPyDataset(x, image_shape, num_classes), None, None)
    if hasattr(x, "__next__"):
        raise ValueError(
            "fit() takes arrays, a tf.data.Dataset or a keras.utils.PyDataset; wrap "
            "a Python generator in tf.data.Dataset.from_generator or a PyDataset."
        )
    if y is None and isinstance(x, tuple) and len(x) == 2:
        x, y = x
    return _arrays(x, y, image_shape, num_classes, batch_size, shuffle, seed)


def _arrays(x, y, image_shape, num_classes, batch_size, shuffle, seed):
    if len(image_shape) == 1:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or len(x) == 0 or not np.all(np.isfinite(x)):
            raise ValueError(
                f"Vector data must be finite, shape (N, D); got {x.shape}."
            )
        if x.shape[1] != image_shape[0]:
            raise ValueError(
                f"Samples have {x.shape[1]} values; expected {image_shape}."
            )
    else:
        x = check_images(x, image_shape)
    arrays, counts = x, None
    if num_classes is not None:
        labels = check_labels(y, num_classes, n=len(x))
        arrays, counts = (x, labels), labels.sum(axis=0)
    ds = shuffled_batches(arrays, batch_size, shuffle=shuffle, seed=seed)
    return TrainingData(ds.repeat(), int(ds.cardinality()), counts)


# ---------------------------------------------------------------- tf.data --
def _dataset(ds: tf.data.Dataset, image_shape, num_classes, batch_size):
    spec = ds.element_spec
    labelled = isinstance(spec, tuple) and len(spec) >= 2
    x_spec = spec[0] if isinstance(spec, tuple) else spec
    if not isinstance(x_spec, tf.TensorSpec):
        raise ValueError(
            "The dataset must yield image tensors or (images, labels) tuples; "
            f"it yields {spec}."
        )
    if not (x_spec.dtype.is_integer or x_spec.dtype.is_floating):
        raise ValueError(f"Dataset images must be numbers; got {x_spec.dtype.name}.")
    if num_classes is not None and not labelled:
        raise ValueError(
            "This GAN is conditional: the dataset must yield (images, labels) "
            f"pairs; it yields {spec}."
        )
    ds = ds.map(lambda *e: (e[0], e[1]) if num_classes else e[0])
    batched, channelless = _layout(x_spec.shape, image_shape)
    if not batched:
        ds = ds.batch(batch_size)
    steps, lo, hi = scan_images(ds, x_spec.dtype)
    scale = pixel_scale(lo, hi, integer=x_spec.dtype.is_integer, name="dataset images")
    ds = ds.map(
        batch_converter(scale, channelless, num_classes), num_parallel_calls=AUTOTUNE
    )
    ds = ds.prefetch(AUTOTUNE)
    return TrainingData(ds if steps is None else ds.repeat(), steps, None)


def _layout(shape: tf.TensorShape, image_shape) -> tuple[bool, bool]:
    """(batched, channel-less) for dataset elements of ``shape``."""
    image_shape = tuple(image_shape)
    if shape.rank is None:
        raise ValueError(
            "The dataset's images have an unknown shape: give them one (e.g. "
            "output_signature= in from_generator, or ensure_shape in a .map)."
        )
    dims = tuple(shape)

    def matches(got, want):
        return all(g is None or g == w for g, w in zip(got, want))

    if shape.rank == 4 and matches(dims[1:], image_shape):
        return True, False
    if shape.rank == 3 and matches(dims, image_shape):
        return False, False
    if shape.rank in (2, 3) and matches(dims[-2:], image_shape[:2]):
        what = "(B, H, W) batches" if shape.rank == 3 else "(H, W) images"
        if image_shape[-1] == 1:
            return shape.rank == 3, True
        raise ValueError(
            f"The dataset yields grayscale {what} without a channel axis, shape "
            f"{dims}, but the generator produces {image_shape} colour images. "
            "Convert them with .map(lambda x: tf.image.grayscale_to_rgb(x[..., "
            "None])), or build the networks with image_shape="
            f"{image_shape[:2] + (1,)}."
        )
    per_image = dims[1:] if shape.rank == 4 else dims
    what = "the generator produces"
    _check_shape(per_image, image_shape, "Dataset images", what)
    raise ValueError(
        f"Dataset elements have shape {dims}." + _expected(image_shape, what)
    )


def scan_images(ds: tf.data.Dataset, dtype: tf.DType):
    """One pass over ``ds``: (batches per epoch, min, max) of the images.

    The whole data set decides the pixel range: a first batch of dark
    [0, 255] images could look like [0, 1]. Skipped for infinite datasets,
    whose first batch decides and whose every batch is then checked.
    """
    cardinality = int(ds.cardinality())
    if cardinality == tf.data.INFINITE_CARDINALITY:
        first = next(iter(ds.take(1)))
        first = first[0] if isinstance(first, tuple) else first
        return None, float(tf.reduce_min(first)), float(tf.reduce_max(first))

    def step(state, element):
        x = element[0] if isinstance(element, tuple) else element
        x = tf.cast(x, tf.float32)
        n, lo, hi = state
        return n + 1, tf.minimum(lo, tf.reduce_min(x)), tf.maximum(hi, tf.reduce_max(x))

    init = (tf.constant(0, tf.int64), tf.constant(np.inf), tf.constant(-np.inf))
    n, lo, hi = ds.reduce(init, step)
    if int(n) == 0:
        raise ValueError("The dataset is empty: it yields no images.")
    return int(n), float(lo), float(hi)


def batch_converter(scale: bool, channelless: bool, num_classes):
    """The per-batch map: channel axis, [-1, 1], one-hot labels, range check."""

    def images(x):
        if channelless:
            x = x[..., tf.newaxis]
        x = tf.cast(x, tf.float32)
        x = x / 127.5 - 1.0 if scale else x
        # Every batch is checked: one outside the range decided above (an
        # infinite stream whose first batch misled) stops training.
        tf.debugging.assert_less_equal(
            tf.reduce_max(tf.abs(x)), 1.0 + _TOLERANCE, "an image batch left [-1, 1]"
        )
        return x

    def labels(y):
        if y.shape.rank == 1:
            y = tf.cast(y, tf.int32)
            tf.debugging.assert_less(y, num_classes, "class id out of range")
            tf.debugging.assert_non_negative(y, "class id out of range")
            y = tf.one_hot(y, num_classes)
        return tf.cast(y, tf.float32)

    if num_classes is None:
        return images
    return lambda x, y: (images(x), labels(y))


# --------------------------------------------------------------- PyDataset --
class _CheckedPyDataset(keras.utils.PyDataset):
    """A user's PyDataset whose every batch passes :func:`check_images`.

    A PyDataset is read batch by batch, so floats must already lie in
    [-1, 1] (or be integers in [0, 255]): a float batch above 1 is refused
    rather than guessed.
    """

    def __init__(self, inner: keras.utils.PyDataset, image_shape, num_classes):
        super().__init__(
            workers=inner.workers,
            use_multiprocessing=inner.use_multiprocessing,
            max_queue_size=inner.max_queue_size,
        )
        self.inner, self.image_shape, self.num_classes = inner, image_shape, num_classes

    def __len__(self):
        return len(self.inner)

    @property
    def num_batches(self):
        return self.inner.num_batches

    def on_epoch_end(self):
        self.inner.on_epoch_end()

    def __getitem__(self, index):
        batch = self.inner[index]
        x, y = (batch[0], batch[1]) if isinstance(batch, tuple) else (batch, None)
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.floating) and x.size and x.max() > 1 + _TOLERANCE:
            raise ValueError(
                f"PyDataset batch {index} has float values up to {x.max():.3g}; "
                "yield uint8 pixels or floats in [-1, 1] (x / 127.5 - 1)."
            )
        x = check_images(x, self.image_shape, name=f"PyDataset batch {index}")
        if self.num_classes is None:
            return x
        return x, check_labels(y, self.num_classes, n=len(x))
