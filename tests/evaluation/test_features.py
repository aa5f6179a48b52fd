"""The shipped MNIST evaluator and the InceptionV3 feature plumbing."""

import numpy as np
import pytest

from ganlab.evaluation import features as evaluator


def test_weights_ship_inside_the_package_and_are_small():
    assert evaluator.WEIGHTS_PATH.is_file()
    assert evaluator.WEIGHTS_PATH.stat().st_size < 3_000_000


def test_evaluator_reaches_99_percent_on_the_mnist_test_set(mnist):
    _, (x_test, y_test) = mnist
    probs = evaluator.classifier_probabilities(x_test)
    accuracy = np.mean(probs.argmax(axis=1) == y_test)
    assert accuracy >= 0.99


def test_outputs_have_documented_shapes_and_ranges(mnist):
    _, (x_test, _) = mnist
    feats, probs = evaluator.classifier_outputs(x_test[:64])
    assert feats.shape == (64, evaluator.FEATURE_DIM) and feats.dtype == np.float32
    assert probs.shape == (64, 10)
    assert feats.min() >= 0
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_uint8_and_float_inputs_give_the_same_features(mnist):
    _, (x_test, _) = mnist
    x = x_test[:32]
    scaled = (x.astype(np.float32) / 127.5 - 1.0)[..., None]
    np.testing.assert_allclose(
        evaluator.classifier_features(x),
        evaluator.classifier_features(scaled),
        rtol=1e-5,
        atol=1e-5,
    )


def test_to_model_range_scales_float_pixels_like_uint8():
    # The one pixel rule of ganlab.data.pipeline: floats above 1 are [0, 255] pixels.
    x = np.array([[[0.0, 127.5, 255.0]]], np.float32)
    np.testing.assert_allclose(evaluator.to_model_range(x).ravel(), [-1.0, 0.0, 1.0])


def test_to_model_range_converts_uint8_and_adds_channel():
    x = np.array([[[0, 255]]], np.uint8)
    out = evaluator.to_model_range(x)
    assert out.shape == (1, 1, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out.ravel(), [-1.0, 1.0])


@pytest.mark.parametrize(
    "images, match",
    [
        (np.full((2, 28, 28), 300.0), r"\[-1, 1\]"),
        (np.full((2, 28, 28), -3.0), r"\[-1, 1\]"),
        (np.full((2, 28, 28), np.nan), "NaN"),
        (np.zeros((28, 28)), "shape"),
        (np.zeros((2, 32, 32, 3)), "inception"),
    ],
)
def test_classifier_rejects_bad_images(images, match):
    with pytest.raises(ValueError, match=match):
        evaluator.classifier_features(images)


def test_inception_features_plumbing_without_download():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16)).astype(np.float32)
    feats = evaluator.inception_features(images, weights=None)
    assert feats.shape == (2, 2048) and feats.dtype == np.float32
    assert np.all(np.isfinite(feats)) and feats.min() >= 0
