"""The Classification Accuracy Score: trained on one set, tested on real images."""

import numpy as np
import pytest

from ganlab.evaluation import classification_accuracy_score


def _two_classes(n, seed, *, flip=False):
    """Class 0: dark images, class 1: bright ones (8x8, noise 0.1)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = np.where(labels[:, None, None, None] == 1, 0.6, -0.6)
    images = np.clip(images + 0.1 * rng.standard_normal((n, 8, 8, 1)), -1, 1)
    return images.astype("float32"), (1 - labels) if flip else labels


def test_samples_of_the_class_asked_for_score_like_real_data():
    x, y = _two_classes(512, 0)
    x_test, y_test = _two_classes(128, 1)
    result = classification_accuracy_score(x, y, x_test, y_test, epochs=10)
    assert result["accuracy"] == 1.0
    np.testing.assert_array_equal(result["per_class"], [1.0, 1.0])
    assert result["train_size"] == 512 and result["test_size"] == 128


def test_samples_of_the_wrong_class_score_near_zero():
    """A generator that draws a 1 when asked for a 0: sharp samples, CAS 0."""
    x, y = _two_classes(512, 0, flip=True)
    x_test, y_test = _two_classes(128, 1)
    assert classification_accuracy_score(x, y, x_test, y_test, epochs=10)[
        "accuracy"
    ] == pytest.approx(0.0, abs=0.02)


def test_a_class_missing_from_the_test_set_is_nan_and_ids_set_k():
    x, y = _two_classes(64, 0)
    x_test, y_test = _two_classes(64, 1)
    keep = y_test == 0
    result = classification_accuracy_score(
        x, y, x_test[keep], y_test[keep], num_classes=3, epochs=1
    )
    assert result["per_class"].shape == (3,)
    assert np.isnan(result["per_class"][1]) and np.isnan(result["per_class"][2])


def test_real_mnist_digits_train_a_classifier_above_90_percent(mnist):
    (x, y), (x_test, y_test) = mnist
    result = classification_accuracy_score(
        x[:2000], y[:2000], x_test[:500], y_test[:500], epochs=3
    )
    assert result["accuracy"] > 0.9


def test_one_hot_labels_give_the_same_score_as_ids():
    x, y = _two_classes(64, 0)
    x_test, y_test = _two_classes(32, 1)
    by_ids = classification_accuracy_score(x, y, x_test, y_test, epochs=1)
    by_rows = classification_accuracy_score(
        x, np.eye(2)[y], x_test, np.eye(2)[y_test], epochs=1
    )
    assert by_ids["accuracy"] == by_rows["accuracy"]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: {**a, "train_labels": a["train_labels"][:-1]}, "one label per"),
        (lambda a: {**a, "test_images": a["test_images"][:, :4]}, "test_images"),
        (lambda a: {**a, "train_images": a["train_images"][:0]}, "empty"),
        (lambda a: {**a, "train_labels": a["train_labels"] + 0.5}, "integer class ids"),
        (lambda a: {**a, "num_classes": 1}, "num_classes >= 2"),
        (lambda a: {**a, "test_labels": a["test_labels"] - 1}, r"lie in \[0, 2\)"),
    ],
)
def test_bad_input_is_refused_with_what_to_do(change, message):
    x, y = _two_classes(16, 0)
    x_test, y_test = _two_classes(8, 1)
    args = dict(train_images=x, train_labels=y, test_images=x_test, test_labels=y_test)
    args = change(args)
    with pytest.raises(ValueError, match=message):
        classification_accuracy_score(**args, epochs=1)
