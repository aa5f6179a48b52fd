"""Closed-form and brute-force checks of ganlab.evaluation.metrics."""

import math
import warnings

import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import cdist

from ganlab.evaluation import manifold as manifold_metrics
from ganlab.evaluation import metrics


def random_covariance(rng, dim):
    a = rng.normal(size=(dim, dim))
    return a @ a.T + 0.1 * np.eye(dim)


# --------------------------------------------------------------------------
# Fréchet distance
# --------------------------------------------------------------------------


def test_frechet_diagonal_gaussians_closed_form():
    # Commuting covariances: d² = |μ1-μ2|² + Σ (√a_i - √b_i)².
    a, b = np.array([1.0, 2.0, 3.0]), np.array([4.0, 1.0, 9.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, -2.0, 0.5])
    expected = 1 + 4 + 0.25 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = metrics.gaussian_frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-10)


def test_frechet_general_gaussians_match_symmetric_form():
    # Tr (Σ1 Σ2)^½ = Tr (Σ1^½ Σ2 Σ1^½)^½, computed here with eigh only.
    rng = np.random.default_rng(0)
    dim = 6
    s1, s2 = random_covariance(rng, dim), random_covariance(rng, dim)
    mu1, mu2 = rng.normal(size=dim), rng.normal(size=dim)
    w, v = np.linalg.eigh(s1)
    root1 = v @ np.diag(np.sqrt(w)) @ v.T
    inner = np.linalg.eigvalsh(root1 @ s2 @ root1)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2) - 2 * np.sum(np.sqrt(inner))
    got = metrics.gaussian_frechet_distance(mu1, s1, mu2, s2)
    assert got == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_samples_approaches_analytic_value():
    rng = np.random.default_rng(1)
    mu2, s2 = np.array([1.0, 0.0, -1.0]), np.diag([0.25, 1.0, 4.0])
    x = rng.normal(size=(50000, 3))
    y = rng.multivariate_normal(mu2, s2, size=50000)
    expected = 2.0 + (1 - 0.5) ** 2 + 0 + (1 - 2) ** 2  # = 3.25
    assert metrics.frechet_distance(x, y) == pytest.approx(expected, rel=0.03)


def test_frechet_distance_to_itself_is_zero():
    x = np.random.default_rng(2).normal(size=(1000, 32))
    assert abs(metrics.frechet_distance(x, x)) < 1e-8


def test_frechet_warns_with_fewer_samples_than_dimensions():
    rng = np.random.default_rng(3)
    with pytest.warns(UserWarning, match="Fewer samples"):
        metrics.frechet_distance(rng.normal(size=(20, 50)), rng.normal(size=(20, 50)))


def test_frechet_raises_on_large_imaginary_part():
    # A "covariance" with a negative eigenvalue: (Σ1Σ2)^½ has diagonal i.
    with pytest.raises(ValueError, match="imaginary"):
        metrics.gaussian_frechet_distance(
            np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2)
        )


def test_frechet_adds_diagonal_offset_when_sqrtm_is_not_finite(monkeypatch):
    calls = []

    def flaky_sqrtm(matrix):
        calls.append(matrix)
        if len(calls) == 1:
            return np.full_like(matrix, np.nan)
        return scipy.linalg.sqrtm(matrix)

    monkeypatch.setattr(metrics, "_sqrtm", flaky_sqrtm)
    s = np.diag([1.0, 4.0])
    with pytest.warns(UserWarning, match="singular"):
        got = metrics.gaussian_frechet_distance(
            np.zeros(2), s, np.zeros(2), s, eps=1e-3
        )
    np.testing.assert_allclose(
        calls[1], (s + 1e-3 * np.eye(2)) @ (s + 1e-3 * np.eye(2))
    )
    assert abs(got) < 1e-2  # only the offset's effect on the traces remains


@pytest.mark.parametrize(
    "a, b, match",
    [
        (np.zeros(10), np.zeros((10, 1)), "2-D"),
        (np.zeros((10, 3)), np.zeros((10, 4)), "same feature extractor"),
        (np.full((10, 3), np.nan), np.zeros((10, 3)), "NaN"),
        (np.zeros((1, 3)), np.zeros((10, 3)), "at least 2"),
    ],
)
def test_frechet_rejects_bad_input(a, b, match):
    with pytest.raises(ValueError, match=match):
        metrics.frechet_distance(a, b)


# --------------------------------------------------------------------------
# Inception Score and class coverage
# --------------------------------------------------------------------------


def test_inception_score_of_uniform_one_hot_predictions_is_ten():
    probs = np.tile(np.eye(10), (100, 1))
    mean, std = metrics.inception_score(probs, splits=10)
    assert mean == pytest.approx(10.0, rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("row", [np.eye(10)[3], np.full(10, 0.1)])
def test_inception_score_of_identical_predictions_is_one(row):
    mean, std = metrics.inception_score(np.tile(row, (500, 1)))
    assert mean == pytest.approx(1.0, abs=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_lies_between_one_and_number_of_classes():
    probs = np.random.default_rng(4).dirichlet(np.full(10, 0.3), size=2000)
    mean, std = metrics.inception_score(probs)
    assert 1.0 < mean < 10.0 and std > 0


def test_inception_score_rejects_logits_and_too_few_samples():
    with pytest.raises(ValueError, match="softmax"):
        metrics.inception_score(np.random.default_rng(5).normal(size=(100, 10)))
    with pytest.raises(ValueError, match="at least 10"):
        metrics.inception_score(np.full((5, 10), 0.1), splits=10)


def test_class_coverage_of_a_balanced_confident_set():
    out = metrics.class_coverage(np.tile(np.eye(10), (7, 1)))
    assert out["classes_present"] == 10
    assert out["class_kl"] == pytest.approx(0.0, abs=1e-12)
    assert out["confident_share"] == 1.0
    assert out["class_histogram"] == pytest.approx([0.1] * 10)


def test_class_coverage_of_a_collapsed_set():
    probs = np.tile(np.eye(10)[7], (50, 1))
    out = metrics.class_coverage(probs)
    assert out["classes_present"] == 1
    assert out["class_kl"] == pytest.approx(math.log(10))
    assert out["class_histogram"][7] == 1.0


def test_class_coverage_ignores_unconfident_samples_for_presence():
    probs = np.vstack([np.tile(np.eye(10)[2], (9, 1)), np.full((1, 10), 0.1)])
    out = metrics.class_coverage(probs, threshold=0.9)
    assert out["confident_share"] == pytest.approx(0.9)
    assert out["classes_present"] == 1  # the uncertain sample's argmax is not counted


# --------------------------------------------------------------------------
# KID
# --------------------------------------------------------------------------


def brute_force_mmd2(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    m = len(x)
    kxx, kyy = k(x, x), k(y, y)
    off = lambda g: (g.sum() - np.trace(g)) / (m * (m - 1))  # noqa: E731
    return off(kxx) + off(kyy) - 2 * k(x, y).mean()


def test_kid_matches_brute_force_on_one_full_subset():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(200, 8)), rng.normal(0.3, 1.0, size=(200, 8))
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=1, subset_size=200)
    assert mean == pytest.approx(brute_force_mmd2(x, y), rel=1e-5)
    assert std == 0.0


def test_kid_on_whole_sets_computes_one_subset_with_no_spread():
    # m = N_a = N_b: every subset is the whole of both sets, so the many
    # subsets asked for would all give the same number.
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(150, 8)), rng.normal(0.3, 1.0, size=(150, 8))
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=50)
    assert mean == pytest.approx(brute_force_mmd2(x, y), rel=1e-5)
    assert std == 0.0


def test_kid_of_one_distribution_is_about_zero_and_can_be_negative():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(4000, 32)), rng.normal(size=(4000, 32))
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=50, subset_size=500)
    shifted, _ = metrics.kernel_inception_distance(
        x, y + 0.5, num_subsets=50, subset_size=500
    )
    assert abs(mean) < 3 * std / math.sqrt(50) + 1e-3
    assert shifted > 50 * abs(mean)
    values = [
        metrics.kernel_inception_distance(x, y, num_subsets=1, subset_size=300, seed=s)[
            0
        ]
        for s in range(20)
    ]
    assert min(values) < 0 < max(values)  # unbiased: scatters around zero


# --------------------------------------------------------------------------
# Precision, recall, density, coverage
# --------------------------------------------------------------------------


def brute_force_prdc(real, fake, k_pr, k_dc):
    """Reference implementation with full scipy distance matrices."""
    rr, ff, rf = cdist(real, real), cdist(fake, fake), cdist(real, fake)
    r_pr = np.sort(rr, axis=1)[:, k_pr]  # column 0 is the point itself
    f_pr = np.sort(ff, axis=1)[:, k_pr]
    r_dc = np.sort(rr, axis=1)[:, k_dc]
    return {
        "precision": (rf < r_pr[:, None]).any(axis=0).mean(),
        "recall": (rf < f_pr[None, :]).any(axis=1).mean(),
        "density": (rf < r_dc[:, None]).sum() / (k_dc * len(fake)),
        "coverage": (rf.min(axis=1) < r_dc).mean(),
    }


@pytest.fixture(scope="module")
def gaussian_sets():
    rng = np.random.default_rng(8)
    return rng.normal(size=(600, 16)), rng.normal(0.2, 1.1, size=(500, 16))


def test_prdc_matches_brute_force(gaussian_sets):
    real, fake = gaussian_sets
    expected = brute_force_prdc(real, fake, 3, 5)
    got = manifold_metrics.prdc(real, fake, k_pr=3, k_dc=5)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=2e-3), key


def test_single_metric_functions_agree_with_prdc(gaussian_sets):
    real, fake = gaussian_sets
    both = manifold_metrics.prdc(real, fake, k_pr=3, k_dc=5)
    assert manifold_metrics.precision_recall(real, fake, k=3) == {
        k: both[k] for k in ("precision", "recall")
    }
    assert manifold_metrics.density_coverage(real, fake, k=5) == {
        k: both[k] for k in ("density", "coverage")
    }


def test_prdc_does_not_depend_on_block_size(gaussian_sets, monkeypatch):
    real, fake = gaussian_sets
    whole = manifold_metrics.prdc(real, fake)
    monkeypatch.setattr(metrics, "_BLOCK_ELEMENTS", 7 * 600)  # blocks of 7 rows
    assert manifold_metrics.prdc(real, fake) == whole


def test_prdc_near_published_values_on_high_dimensional_gaussians():
    # The clovaai/generative-evaluation-prdc check: 10k vs 10k draws of
    # N(0, I) in 1000-d with k=5 give 0.4772 / 0.4705 / 1.0555 / 0.9735.
    # These fluctuate from draw to draw: over seeds 0-4 we measured standard
    # deviations of 0.011 / 0.005 / 0.038 / 0.004 (bench/evaluation.py), so
    # the tolerances are about three of them. About 10 s on 2 cores.
    rng = np.random.default_rng(0)
    real = rng.standard_normal((10000, 1000), dtype=np.float32)
    fake = rng.standard_normal((10000, 1000), dtype=np.float32)
    got = manifold_metrics.prdc(real, fake, k_pr=5, k_dc=5)
    published = {
        "precision": 0.4772,
        "recall": 0.4705,
        "density": 1.0555,
        "coverage": 0.9735,
    }
    tolerance = {
        "precision": 0.035,
        "recall": 0.015,
        "density": 0.12,
        "coverage": 0.012,
    }
    for key, value in published.items():
        assert got[key] == pytest.approx(value, abs=tolerance[key]), key


def test_prdc_separates_disjoint_distributions():
    rng = np.random.default_rng(10)
    real, fake = rng.normal(size=(300, 8)), rng.normal(10.0, 1.0, size=(300, 8))
    assert manifold_metrics.prdc(real, fake) == {
        "precision": 0.0,
        "recall": 0.0,
        "density": 0.0,
        "coverage": 0.0,
    }


def test_prdc_rejects_too_few_samples_and_bad_k():
    x = np.zeros((5, 3))
    with pytest.raises(ValueError, match="at least 6"):
        manifold_metrics.density_coverage(x, x, k=5)
    with pytest.raises(ValueError, match="k must be"):
        manifold_metrics.precision_recall(np.zeros((20, 3)), np.zeros((20, 3)), k=0)


def test_no_runtime_warnings_on_duplicate_points():
    x = np.ones((50, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = manifold_metrics.prdc(x, x)
    # All radii are zero and membership is strict, so nothing is inside a ball.
    assert out == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_sample_diversity_closed_forms():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 5))
    # Every sample the same: complete collapse scores 0.
    assert metrics.sample_diversity(np.repeat(real[:1], 60, axis=0), real) == 0.0
    assert metrics.sample_diversity(real, real) == pytest.approx(1.0)
    # Distances scale with the samples: half the spread, half the diversity.
    assert metrics.sample_diversity(0.5 * real, real) == pytest.approx(0.5)
    # Two points at distance 2 vs two at distance 1 (n = 2: one pair each).
    fake = np.array([[0.0, 0.0], [2.0, 0.0]])
    assert metrics.sample_diversity(fake, np.array([[0.0, 0.0], [0.0, 1.0]])) == 2.0


def test_sample_diversity_rejects_bad_input():
    real = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="identical"):
        metrics.sample_diversity(real, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="features"):
        metrics.sample_diversity(real, real[:, :2])
    with pytest.raises(ValueError, match="2-D"):
        metrics.sample_diversity(real.reshape(10, 3, 1), real)
    with pytest.raises(ValueError, match="n must be"):
        metrics.sample_diversity(real, real, n=1)
