"""GAN samples as training data: the Classification Accuracy Score.

The Classification Accuracy Score (CAS) of Ravuri & Vinyals 2019 ("Classification
Accuracy Score for Conditional Generative Models") asks whether a conditional
generator's samples can *replace* the real training set: train a classifier on
generated images only, labelled with the classes they were asked for, and
measure its accuracy on **real** held-out images,

.. math::

    \\mathrm{CAS} = \\frac{1}{|T|} \\sum_{(x, y) \\in T}
        [\\hat y_{G}(x) = y], \\qquad \\hat y_G \\text{ trained on }
        \\{(G(z, y), y)\\},

reported beside the same classifier trained on the real training set. The
gap between the two is what the generator fails to capture: a GAN with good
FID but few modes per class, or samples of the wrong class, scores low,
because the classifier never saw the real variety (the paper finds BigGAN's
ImageNet samples reach 43 % top-1 where real data gives 73 %).

:func:`classification_accuracy_score` trains a fresh classifier; call it once
with generated images and once with real ones, same arguments otherwise::

    labels = np.repeat(np.arange(10), 1000)
    fake = gan.generate(len(labels), labels=labels, seed=0)
    cas = classification_accuracy_score(fake, labels, x_test, y_test)
    real = classification_accuracy_score(x_train[:10000], y_train[:10000],
                                         x_test, y_test)
"""

from __future__ import annotations

import keras
import numpy as np

from ganlab.data.pipeline import check_images, check_labels
from ganlab.evaluation.features import build_classifier


def _num_classes(labels) -> int:
    """K that ids (N,) or one-hot rows (N, K) imply (checked later)."""
    y = np.asarray(labels)
    if y.ndim == 2:
        return y.shape[1]
    if y.size == 0 or not np.issubdtype(y.dtype, np.number):
        return 0  # check_labels says what is wrong
    return int(np.nanmax(y)) + 1


def classification_accuracy_score(
    train_images,
    train_labels,
    test_images,
    test_labels,
    *,
    num_classes: int | None = None,
    epochs: int = 5,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    seed: int | None = 0,
    verbose: int = 0,
) -> dict:
    """Train a classifier on ``train_images`` and score it on real test images.

    With generated training images this is the Classification Accuracy Score
    of Ravuri & Vinyals 2019 (the formula is in this module's docstring);
    with the real training set it is the baseline CAS is read against.

    Args:
        train_images: (N, H, W) or (N, H, W, C), uint8 in [0, 255] or float
            in [-1, 1]: a conditional GAN's samples (``gan.generate(n,
            labels=...)``) or real images.
        train_labels: the class of each training image, ids (N,) or one-hot
            (N, K): for samples, the labels they were generated for.
        test_images: real held-out images, same (H, W, C) and range rules.
        test_labels: their classes, ids (M,) or one-hot (M, K).
        num_classes: K; None takes the largest id in either label set + 1.
        epochs: passes over the training images (Adam, fixed learning rate;
            nothing is chosen on the test set).
        batch_size: images per step.
        learning_rate: Adam's step size.
        seed: ``keras.utils.set_random_seed(seed)`` before building and
            training, so a score repeats (this sets Python's, NumPy's and the
            backend's global seeds); None leaves them alone.
        verbose: Keras ``fit`` verbosity (1 shows a progress bar).

    Returns:
        dict with ``accuracy`` (fraction of test images classified right, in
        [0, 1]), ``per_class`` (float array (K,), accuracy on each class's test
        images; NaN for a class with none), ``train_size`` and ``test_size``.

    Raises:
        ValueError: empty or malformed images or labels (as
            :func:`ganlab.data.check_images` and
            :func:`ganlab.data.pipeline.check_labels` say), labels not one per
            image, test images of another shape than the training images,
            or fewer than two classes.
    """
    x = check_images(train_images, name="train_images")
    x_test = check_images(
        test_images, x.shape[1:], name="test_images", what="the training images have"
    )
    k = num_classes or max(_num_classes(train_labels), _num_classes(test_labels))
    if k < 2:
        raise ValueError(f"CAS needs at least two classes (num_classes >= 2); got {k}.")
    # The one label validator: ids or one-hot rows, in range, one per image.
    y = check_labels(train_labels, k, n=len(x)).argmax(axis=1)
    y_test = check_labels(test_labels, k, n=len(x_test)).argmax(axis=1)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    # Momentum 0.9: batch norm's moving statistics settle within the few
    # hundred steps a sample set of thousands trains for.
    classifier = build_classifier(
        x.shape[1:], k, name="cas_classifier", batchnorm_momentum=0.9
    )
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
    )
    classifier.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    predicted = np.argmax(classifier.predict(x_test, batch_size=1000, verbose=0), 1)
    right = predicted == y_test
    per_class = np.array(
        [right[y_test == c].mean() if np.any(y_test == c) else np.nan for c in range(k)]
    )
    return {
        "accuracy": float(right.mean()),
        "per_class": per_class,
        "train_size": len(x),
        "test_size": len(x_test),
    }
