"""The data-copying test (Meehan et al. 2020) against hand-computed values
and the three cases it tells apart: copying, a good generator, underfitting."""

import numpy as np
import pytest
from scipy.stats import norm

from ganlab.evaluation import data_copying_test, nearest_training_sample


def test_nearest_training_sample_by_hand():
    train = np.array([[0.0, 1.0], [6.0, 8.0], [3.0, 3.0]])
    distances, indices = nearest_training_sample(np.array([[0, 0], [3, 4]]), train)
    np.testing.assert_allclose(distances, [1.0, 1.0])
    np.testing.assert_array_equal(indices, [0, 2])


def test_z_is_the_mann_whitney_statistic_by_hand():
    # Distances to the one training point 0: samples 1, 2; held out 1.5, 3, 4.
    # U counts (sample, held-out) pairs with the sample farther: only (2, 1.5).
    # m = 2, n = 3: mean mn/2 = 3, variance mn(m+n+1)/12 = 3.
    out = data_copying_test(
        np.array([[1.0], [2.0]]),
        train_features=np.zeros((1, 1)),
        test_features=np.array([[1.5], [3.0], [4.0]]),
    )
    assert out["z"] == pytest.approx((1 - 3) / np.sqrt(3))
    assert out["sample_distance"] == pytest.approx(1.5)
    assert out["test_distance"] == pytest.approx(3.0)
    np.testing.assert_array_equal(out["nearest"], [0, 0])
    np.testing.assert_allclose(out["distances"], [1.0, 2.0])


@pytest.fixture
def gaussian():
    rng = np.random.default_rng(0)
    return rng, rng.standard_normal((2000, 16)), rng.standard_normal((500, 16))


def test_copies_of_training_samples_are_caught(gaussian):
    rng, train, test = gaussian
    copies = train[:500] + 0.01 * rng.standard_normal((500, 16))
    out = data_copying_test(copies, train_features=train, test_features=test)
    assert out["z"] < -10
    assert out["near_copies"] > 0.95
    np.testing.assert_array_equal(out["nearest"], np.arange(500))


def test_new_samples_of_the_same_distribution_pass(gaussian):
    rng, train, test = gaussian
    fresh = rng.standard_normal((500, 16))
    out = data_copying_test(fresh, train_features=train, test_features=test)
    assert abs(out["z"]) < 4  # Z_U is standard normal under the null
    assert out["near_copies"] < 0.05
    # With no ties, the two-sided p-value is that of the normal Z_U.
    assert out["p_value"] == pytest.approx(2 * norm.sf(abs(out["z"])), rel=0.01)


def test_samples_that_miss_the_data_score_positive(gaussian):
    rng, train, test = gaussian
    far = 1.5 * rng.standard_normal((500, 16))
    out = data_copying_test(far, train_features=train, test_features=test)
    assert out["z"] > 10


def test_bad_features_are_refused_clearly(gaussian):
    _, train, test = gaussian
    with pytest.raises(ValueError, match="same feature extractor"):
        data_copying_test(test[:, :8], train_features=train, test_features=test)
    with pytest.raises(ValueError, match="NaN"):
        data_copying_test(
            np.full((4, 16), np.nan), train_features=train, test_features=test
        )
    with pytest.raises(ValueError, match="2-D"):
        nearest_training_sample(np.zeros((4, 28, 28)), train)
