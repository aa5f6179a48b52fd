"""Feature extractors for the quality metrics in :mod:`ganlab.evaluation.metrics`.

Two networks turn images into the vectors the metrics compare:

* the **MNIST evaluator**, a small CNN whose trained weights ship inside the
  package (``ganlab/weights/mnist_classifier.weights.h5``, trained by
  ``bench/train_evaluator.py``). Its penultimate layer (128 units) gives the
  features for the distance metrics (FID, KID, precision/recall,
  density/coverage) and its softmax the class probabilities (Inception Score,
  class coverage). Nothing is downloaded.
* **InceptionV3** from ``keras.applications`` (``include_top=False``,
  average pooling, 2048-d features; Szegedy et al. 2016, "Rethinking the
  Inception Architecture"), the standard FID feature space for other data
  sets (Heusel et al. 2017). Its ImageNet weights (about 90 MB) are
  downloaded once by Keras, where the internet is reachable, and cached in
  ``~/.keras/models/`` (``$KERAS_HOME/models/``);
  :func:`inception_weights_path` finds them or raises
  :class:`InceptionWeightsError`, which says how to copy them in by hand.

Images follow ganlab's convention: float arrays in [-1, 1] of shape
(N, H, W) or (N, H, W, C). uint8 arrays in [0, 255] are accepted too and
scaled to [-1, 1].
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

WEIGHTS_PATH = Path(__file__).parents[1] / "weights" / "mnist_classifier.weights.h5"
FEATURE_LAYER = "features"
FEATURE_DIM = 128
INCEPTION_SIZE = 299
INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + INCEPTION_WEIGHTS_FILE
)
_INCEPTION_WEIGHTS_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"  # keras.applications'
_DOWNLOAD_TIMEOUT_S = 30  # per socket operation: fail, do not hang, offline


class InceptionWeightsError(FileNotFoundError):
    """InceptionV3's ImageNet weights are not cached and cannot be fetched."""


def build_classifier(
    input_shape: Sequence[int],
    num_classes: int,
    *,
    name: str = "classifier",
    batchnorm_momentum: float = 0.99,
) -> keras.Model:
    """Build the (untrained) evaluator network for any image size and classes.

    Conv(32, 3x3) -> pool -> Conv(64, 3x3) -> pool -> Dense(128) ->
    Dense(``num_classes``, softmax), with batch normalization and ReLU after
    each hidden layer and dropout 0.4 before the softmax.

    Args:
        input_shape: (H, W, C) of the images, H and W at least 4.
        num_classes: number of classes K.
        name: the model's name.
        batchnorm_momentum: of the moving statistics that inference uses;
            0.9 settles within tens of steps, for short training.

    Returns:
        An uncompiled model mapping images (N, H, W, C) in [-1, 1] to class
        probabilities (N, K). Its layer named ``"features"`` outputs the
        (N, 128) penultimate features (non-negative, after ReLU).
    """
    inputs = keras.Input(tuple(input_shape), name="image")
    x = inputs
    for filters in (32, 64):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=batchnorm_momentum)(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(FEATURE_DIM, use_bias=False)(x)
    x = keras.layers.BatchNormalization(momentum=batchnorm_momentum)(x)
    x = keras.layers.ReLU(name=FEATURE_LAYER)(x)
    x = keras.layers.Dropout(0.4)(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", name="probabilities"
    )(x)
    return keras.Model(inputs, outputs, name=name)


def build_mnist_classifier() -> keras.Model:
    """Build the (untrained) MNIST evaluator: :func:`build_classifier` for
    (28, 28, 1) and 10 classes. About 0.42 M parameters (1.7 MB of float32
    weights).

    Returns:
        A model mapping images (N, 28, 28, 1) in [-1, 1] to class
        probabilities (N, 10). Its layer named ``"features"`` outputs the
        (N, 128) penultimate features (non-negative, after ReLU).
    """
    return build_classifier((28, 28, 1), 10, name="mnist_evaluator")


@functools.cache
def load_mnist_evaluator() -> keras.Model:
    """Load the shipped MNIST evaluator (cached: built once per process).

    Returns:
        A model mapping images (N, 28, 28, 1) in [-1, 1] to two outputs:
        features (N, 128) and class probabilities (N, 10).

    Raises:
        FileNotFoundError: the weights file is missing from the package; run
            ``python bench/train_evaluator.py`` to create it.
    """
    if not WEIGHTS_PATH.exists():
        raise FileNotFoundError(
            f"The MNIST evaluator weights are missing ({WEIGHTS_PATH}). "
            "Reinstall ganlab or run `python bench/train_evaluator.py`."
        )
    # Always float32, whatever global policy (e.g. mixed_bfloat16) is set:
    # scores must not depend on the precision the GAN trained in.
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        classifier = build_mnist_classifier()
    finally:
        keras.config.set_dtype_policy(policy)
    classifier.load_weights(WEIGHTS_PATH)
    features = classifier.get_layer(FEATURE_LAYER).output
    return keras.Model(classifier.input, [features, classifier.output])


def to_model_range(images: np.ndarray) -> np.ndarray:
    """Return images as float32 (N, H, W, C) in [-1, 1].

    The one image validator, :func:`ganlab.data.check_images`: (N, H, W) or
    (N, H, W, C); uint8 in [0, 255] or float in [-1, 1].

    Raises:
        ValueError: wrong rank, non-finite values, or floats outside [-1, 1].
    """
    from ganlab.data.pipeline import check_images

    return check_images(images)


def _check_mnist_shape(images: np.ndarray) -> None:
    if images.shape[1:] != (28, 28, 1):
        raise ValueError(
            f"The MNIST evaluator takes 28x28 grayscale images, got shape "
            f"{images.shape[1:]}. Use features='inception' for other images."
        )


def classifier_outputs(
    images: np.ndarray, batch_size: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Run the MNIST evaluator once and return features and probabilities.

    Args:
        images: (N, 28, 28) or (N, 28, 28, 1); float in [-1, 1] or uint8.
        batch_size: images per forward pass.

    Returns:
        ``(features, probabilities)``: float32 arrays (N, 128), values ≥ 0,
        and (N, 10), rows summing to 1.
    """
    images = to_model_range(images)
    _check_mnist_shape(images)
    model = load_mnist_evaluator()
    features, probs = model.predict(images, batch_size=batch_size, verbose=0)
    return np.asarray(features, np.float32), np.asarray(probs, np.float32)


def classifier_features(images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Penultimate-layer features of the MNIST evaluator.

    Args:
        images: (N, 28, 28) or (N, 28, 28, 1); float in [-1, 1] or uint8.
        batch_size: images per forward pass.

    Returns:
        float32 array (N, 128), values ≥ 0.
    """
    return classifier_outputs(images, batch_size)[0]


def classifier_probabilities(images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities p(y|x) of the MNIST evaluator.

    Args:
        images: (N, 28, 28) or (N, 28, 28, 1); float in [-1, 1] or uint8.
        batch_size: images per forward pass.

    Returns:
        float32 array (N, 10); each row sums to 1.
    """
    return classifier_outputs(images, batch_size)[1]


def keras_cache_dir() -> Path:
    """Where Keras caches downloads: ``$KERAS_HOME``, else ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser()


def inception_weights_path(*, download: bool = True) -> Path:
    """The local file of InceptionV3's ImageNet weights (no top), fetched once.

    Looks in ``keras_cache_dir() / "models"`` (``~/.keras/models/``), where
    ``keras.applications.InceptionV3(weights="imagenet")`` keeps them. When
    the file is missing and ``download`` is true, Keras downloads it there
    from :data:`INCEPTION_WEIGHTS_URL` (about 90 MB, checked against its
    MD5), with a 30 s time-out per network operation.

    Returns:
        Path of the weights file.

    Raises:
        InceptionWeightsError: the file is missing and ``download`` is false
            or the download failed (no internet, a proxy, a time-out); the
            message says where to put a copy.
    """
    cached = keras_cache_dir() / "models" / INCEPTION_WEIGHTS_FILE
    if cached.is_file():
        return cached
    reason = "download=False"
    if download:
        old_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(_DOWNLOAD_TIMEOUT_S)
        try:
            return Path(
                keras.utils.get_file(
                    INCEPTION_WEIGHTS_FILE,
                    INCEPTION_WEIGHTS_URL,
                    cache_dir=str(keras_cache_dir()),
                    cache_subdir="models",
                    file_hash=_INCEPTION_WEIGHTS_MD5,
                )  # fmt: skip
            )
        except Exception as err:  # urllib, hash and OS errors alike
            reason = f"{type(err).__name__}: {err}"
        finally:
            socket.setdefaulttimeout(old_timeout)
    raise InceptionWeightsError(_missing_weights_message(cached, reason))


def _missing_weights_message(cached: Path, reason: str) -> str:
    return (
        "Inception features need InceptionV3's ImageNet weights, which Keras "
        f"downloads once (about 90 MB, from {INCEPTION_WEIGHTS_URL}) and keeps in "
        f"{cached.parent}; they are not there and could not be fetched ({reason}). "
        'On a machine with internet, run  python -c "import keras; '
        "keras.applications.InceptionV3(include_top=False, weights='imagenet')\"  "
        f"and copy ~/.keras/models/{INCEPTION_WEIGHTS_FILE} to {cached} here (or "
        "download that URL to it). MNIST digits need no download: the shipped "
        "MNIST evaluator scores them (features='mnist'; python -m ganlab "
        "evaluate without --images)."
    )


@functools.cache
def _inception(weights: str | None) -> keras.Model:
    if weights == "imagenet":
        weights = str(inception_weights_path())
    return keras.applications.InceptionV3(
        include_top=False,
        weights=weights,
        input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
        pooling="avg",
    )


def inception_features(
    images: np.ndarray, weights: str | None = "imagenet", batch_size: int = 50
) -> np.ndarray:
    """InceptionV3 pool features, the feature space of the standard FID.

    Images are resized bilinearly to 299x299, grayscale is repeated to RGB,
    and the [-1, 1] range is what ``inception_v3.preprocess_input`` produces,
    so no further scaling is needed. Slow on CPU (about 6 GFLOP per image).

    Args:
        images: (N, H, W) or (N, H, W, C) with C in {1, 3}; float in [-1, 1]
            or uint8 in [0, 255].
        weights: ``"imagenet"`` (downloaded once, ~90 MB: see
            :func:`inception_weights_path`), a path to a weights file, or
            None for random weights (for tests of the plumbing).
        batch_size: images per forward pass.

    Returns:
        float32 array (N, 2048), values ≥ 0.

    Raises:
        InceptionWeightsError: ``"imagenet"`` weights that are not cached
            and cannot be downloaded.
        ValueError: images that are not (N, H, W[, C]) with 1 or 3 channels
            in [-1, 1] or uint8.
    """
    images = to_model_range(images)
    if images.shape[-1] not in (1, 3):
        raise ValueError(f"Expected 1 or 3 channels, got {images.shape[-1]}.")
    model = _inception(weights)
    out = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        batch = keras.ops.image.resize(batch, (INCEPTION_SIZE, INCEPTION_SIZE))
        if batch.shape[-1] == 1:
            batch = keras.ops.repeat(batch, 3, axis=-1)
        out.append(keras.ops.convert_to_numpy(model(batch, training=False)))
    if not out:
        return np.zeros((0, 2048), np.float32)
    return np.concatenate(out).astype(np.float32, copy=False)
