"""Sample-quality metrics for generative models, on features or probabilities.

Every function here is pure NumPy/SciPy and takes arrays that a feature
extractor (see :mod:`ganlab.evaluation.features`) has already produced:

* ``feats``: float arrays (N, D) of features, one row per image;
* ``probs``: float arrays (N, C) of class probabilities, rows summing to 1.

Pairwise distances are computed in row blocks of at most ``_BLOCK_ELEMENTS``
entries, so memory stays bounded (about 64 MB per block) whatever N is. The
k-NN metrics that use them (precision, recall, density, coverage) are in
:mod:`ganlab.evaluation.manifold`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import scipy.linalg
import scipy.spatial.distance
from scipy.special import xlogy

_BLOCK_ELEMENTS = 1 << 24  # entries of one block of the distance matrix


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _as_matrix(x: np.ndarray, name: str, min_rows: int = 2) -> np.ndarray:
    """Check that ``x`` is a finite (N, D) array with N ≥ min_rows."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (samples, features), got shape {x.shape}. "
            "Reshape images with x.reshape(len(x), -1) or extract features first."
        )
    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{name} must be numeric, got dtype {x.dtype}.")
    if len(x) < min_rows:
        raise ValueError(
            f"{name} has {len(x)} samples; this metric needs at least {min_rows}. "
            "Pass more samples."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(
            f"{name} contains NaN or infinite values; check the generator output "
            "(a diverged GAN produces NaN)."
        )
    return x


def check_feature_pair(
    a: np.ndarray, b: np.ndarray, names: tuple[str, str], min_rows: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Check two feature matrices that must share their feature dimension."""
    a = _as_matrix(a, names[0], min_rows)
    b = _as_matrix(b, names[1], min_rows)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"{names[0]} has {a.shape[1]} features per sample but {names[1]} has "
            f"{b.shape[1]}; extract both with the same feature extractor."
        )
    return a, b


def _as_probs(probs: np.ndarray, min_rows: int) -> np.ndarray:
    """Check an (N, C) matrix of class probabilities."""
    probs = _as_matrix(probs, "probs", min_rows).astype(np.float64)
    if probs.min() < 0 or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "probs must hold probabilities: non-negative rows that sum to 1. "
            "Apply a softmax to logits first."
        )
    return probs


# --------------------------------------------------------------------------
# Inception Score and class coverage (on class probabilities)
# --------------------------------------------------------------------------


def inception_score(probs: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Inception Score of a set of class predictions.

    IS = exp(E_x KL(p(y|x) ‖ p(y))), where p(y) is the mean prediction over
    the split. Computed on each of ``splits`` consecutive, equal-sized parts
    of the samples; the mean and the standard deviation over the parts are
    returned. Salimans et al. 2016, "Improved Techniques for Training GANs".

    It ranges from 1 (every sample gets the same prediction) to C (confident
    predictions spread evenly over the C classes). The value depends on the
    split size (fewer samples per split give lower scores) and on the
    classifier, so compare only numbers computed the same way.

    Args:
        probs: (N, C) class probabilities p(y|x), rows summing to 1, N ≥ splits.
        splits: number of parts.

    Returns:
        ``(mean, std)`` over the splits; both floats, mean in [1, C].
    """
    if splits < 1:
        raise ValueError(f"splits must be ≥ 1, got {splits}.")
    probs = _as_probs(probs, min_rows=splits)
    scores = []
    for part in np.array_split(probs, splits):
        marginal = part.mean(axis=0, keepdims=True)
        kl = (xlogy(part, part) - xlogy(part, marginal)).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_coverage(probs: np.ndarray, threshold: float = 0.9) -> dict:
    """How the samples spread over the classes (mode coverage on MNIST).

    Each sample is assigned its most probable class. With h the share of
    samples assigned to each of the C classes:

    * ``class_histogram``: h, a list of C shares summing to 1;
    * ``class_kl``: KL(h ‖ uniform) = Σ_c h_c log(C h_c), in nats; 0 for
      an even spread, log C when every sample falls in one class (the
      reverse-KL mode score of VEEGAN, Srivastava et al. 2017, and PacGAN,
      Lin et al. 2018);
    * ``confident_share``: share of samples whose top probability is ≥
      ``threshold`` (a proxy for sample quality: blurry or mixed digits get
      uncertain predictions);
    * ``classes_present``: number of classes that are the top class of at
      least one confidently classified sample (as a mode is "covered" when
      it holds at least one high-quality sample in the 2-D mixture
      benchmarks).

    Args:
        probs: (N, C) class probabilities, rows summing to 1.
        threshold: confidence level in (0, 1].

    Returns:
        dict with the four entries above; floats, an int and a list.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}.")
    probs = _as_probs(probs, min_rows=1)
    num_classes = probs.shape[1]
    labels = probs.argmax(axis=1)
    confident = probs.max(axis=1) >= threshold
    hist = np.bincount(labels, minlength=num_classes) / len(labels)
    kl = xlogy(hist, hist * num_classes).sum()
    return {
        "class_histogram": [float(h) for h in hist],
        "classes_present": int(np.unique(labels[confident]).size),
        "class_kl": float(kl),
        "confident_share": float(confident.mean()),
    }


def sample_diversity(fake: np.ndarray, real: np.ndarray, n: int = 500) -> float:
    """Mean distance between two generated samples, relative to real ones.

    With x, x' distinct samples among the first n of ``fake`` and y, y' among
    the first n of ``real``::

        diversity = mean ‖x − x'‖₂ / mean ‖y − y'‖₂

    0 when every generated sample is the same (complete mode collapse), about
    1 when the generator varies as much as the data. It sees *spread* only,
    not quality (noise scores high) nor which modes are covered: read it with
    precision and recall. A pixel-space, L2 cousin of the pairwise MS-SSIM
    diversity of Odena et al. 2017 ("Conditional Image Synthesis with
    Auxiliary Classifier GANs", https://arxiv.org/abs/1610.09585).

    Args:
        fake: (N, D) generated samples (pixels or features), N ≥ 2.
        real: (M, D) real samples in the same space and range, M ≥ 2, not all
            the same.
        n: at most this many rows of each are used (the cost is O(n²)).

    Returns:
        The ratio, a float ≥ 0.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}.")
    fake, real = check_feature_pair(fake, real, ("fake", "real"))
    scale = scipy.spatial.distance.pdist(real[:n].astype(np.float64)).mean()
    if scale == 0:
        raise ValueError("real samples are all identical; diversity is undefined.")
    spread = scipy.spatial.distance.pdist(fake[:n].astype(np.float64)).mean()
    return float(spread / scale)


# --------------------------------------------------------------------------
# Fréchet distance and KID (on features)
# --------------------------------------------------------------------------


def gaussian_frechet_distance(
    mu1: np.ndarray,
    sigma1: np.ndarray,
    mu2: np.ndarray,
    sigma2: np.ndarray,
    eps: float = 1e-6,
) -> float:
    """Squared Fréchet (2-Wasserstein) distance between two Gaussians.

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^½)

    This is the FID formula of Heusel et al. 2017, "GANs Trained by a Two
    Time-Scale Update Rule Converge to a Local Nash Equilibrium" (Dowson &
    Landau 1982 for the Gaussian closed form). The matrix square root is
    ``scipy.linalg.sqrtm``. When it is not finite (near-singular
    covariances), ``eps`` times the identity is added to both covariances. A
    square root with a real spectrum is expected: tiny imaginary parts from
    round-off are dropped, but an imaginary diagonal entry above 1e-3 raises.

    Args:
        mu1, mu2: (D,) means.
        sigma1, sigma2: (D, D) covariance matrices (symmetric, positive
            semi-definite).
        eps: diagonal offset used only when the square root is not finite.

    Returns:
        The squared distance, a float ≥ 0 up to round-off (it may come out
        around -1e-10 for identical inputs).
    """
    mu1, mu2 = (np.atleast_1d(m).astype(np.float64) for m in (mu1, mu2))
    sigma1, sigma2 = (np.atleast_2d(s).astype(np.float64) for s in (sigma1, sigma2))
    dim = mu1.shape[0]
    if mu2.shape != (dim,) or sigma1.shape != (dim, dim) or sigma2.shape != (dim, dim):
        raise ValueError(
            f"Shapes do not match: mu1 {mu1.shape}, sigma1 {sigma1.shape}, "
            f"mu2 {mu2.shape}, sigma2 {sigma2.shape}; expected (D,) and (D, D)."
        )
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        warnings.warn(
            f"The product of covariances is singular; adding {eps:g}·I to both "
            "covariances. Use more samples than feature dimensions.",
            stacklevel=2,
        )
        offset = eps * np.eye(dim)
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        max_imag = np.max(np.abs(np.diagonal(covmean).imag))
        if max_imag > 1e-3:
            raise ValueError(
                f"The matrix square root has imaginary components up to "
                f"{max_imag:.3g}; the covariances are not valid. Check that the "
                "features are finite and use more samples."
            )
        covmean = covmean.real
    diff = mu1 - mu2
    return float(
        diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)
    )


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """scipy.linalg.sqrtm, with its singular-matrix warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return scipy.linalg.sqrtm(matrix)


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Fréchet distance between two feature sets (FID in Inception space).

    Fits a Gaussian (mean, unbiased covariance) to each set and returns
    :func:`gaussian_frechet_distance` of the two. With InceptionV3 pool
    features this is the FID of Heusel et al. 2017; on other features (e.g.
    ganlab's MNIST evaluator) it is the same formula in that space, and its
    values are not comparable to published FIDs.

    FID is biased upwards at small N: use at least as many samples as
    feature dimensions (a warning is emitted otherwise), and ≥ 10k to
    compare with the literature.

    Args:
        feats_a: (N_a, D) features, N_a ≥ 2.
        feats_b: (N_b, D) features, N_b ≥ 2.

    Returns:
        The squared distance, a float ≥ 0 (up to round-off).
    """
    feats_a, feats_b = check_feature_pair(feats_a, feats_b, ("feats_a", "feats_b"))
    dim = feats_a.shape[1]
    if min(len(feats_a), len(feats_b)) < dim:
        warnings.warn(
            f"Fewer samples ({len(feats_a)}, {len(feats_b)}) than feature "
            f"dimensions ({dim}): the covariances are singular and the distance "
            "is biased. Use more samples.",
            stacklevel=2,
        )
    stats = [(f.mean(axis=0), np.cov(f, rowvar=False)) for f in (feats_a, feats_b)]
    stats = [(mu.astype(np.float64), np.atleast_2d(cov)) for mu, cov in stats]
    return gaussian_frechet_distance(*stats[0], *stats[1])


def kernel_inception_distance(
    feats_a: np.ndarray,
    feats_b: np.ndarray,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int | None = 0,
) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD² with a cubic polynomial kernel.

    k(x, y) = (xᵀy / D + 1)³, and on subsets X, Y of m samples each

    MMD²_u = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1))
             − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²

    averaged over ``num_subsets`` random subsets drawn without replacement.
    Bińkowski et al. 2018, "Demystifying MMD GANs". The estimate is
    unbiased, so two samples of one distribution give values around 0,
    sometimes slightly negative.

    Args:
        feats_a: (N_a, D) features.
        feats_b: (N_b, D) features.
        num_subsets: number of random subsets.
        subset_size: m; lowered to min(N_a, N_b) when either set is smaller.
        seed: seed for drawing the subsets (None: not reproducible).

    Returns:
        ``(mean, std)`` of MMD² over the subsets. When m = N_a = N_b every
        subset is the whole of both sets: the MMD² is computed once and its
        std is 0, which says nothing about the estimate's uncertainty.
    """
    feats_a, feats_b = check_feature_pair(feats_a, feats_b, ("feats_a", "feats_b"))
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be ≥ 1, got {num_subsets}.")
    m = min(subset_size, len(feats_a), len(feats_b))
    # Rows [x / D, 1] and [y, 1]: their dot product is xᵀy / D + 1.
    a_scaled, a_ones = _append_one(feats_a / feats_a.shape[1]), _append_one(feats_a)
    b_scaled, b_ones = _append_one(feats_b / feats_b.shape[1]), _append_one(feats_b)
    if m == len(feats_a) == len(feats_b):
        num_subsets = 1  # every subset would be the same
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        i = rng.choice(len(feats_a), m, replace=False)
        j = rng.choice(len(feats_b), m, replace=False)
        within = _off_diagonal_sum(_cube(a_scaled[i] @ a_ones[i].T))
        within += _off_diagonal_sum(_cube(b_scaled[j] @ b_ones[j].T))
        cross = _cube(a_scaled[i] @ b_ones[j].T).sum(dtype=np.float64)
        values.append(within / (m * (m - 1)) - 2 * cross / m**2)
    return float(np.mean(values)), float(np.std(values))


def _append_one(x: np.ndarray) -> np.ndarray:
    """(N, D) -> float32 (N, D + 1) with a last column of ones."""
    return np.hstack([x, np.ones((len(x), 1))]).astype(np.float32)


def _cube(k: np.ndarray) -> np.ndarray:
    """k³ elementwise, overwriting k."""
    cube = k * k
    k *= cube
    return k


def _off_diagonal_sum(k: np.ndarray) -> float:
    """Sum of a square matrix without its diagonal, accumulated in float64."""
    return float(k.sum(dtype=np.float64) - np.trace(k, dtype=np.float64))


# --------------------------------------------------------------------------
# Pairwise distances in blocks (for the k-NN metrics of ganlab.evaluation.manifold)
# --------------------------------------------------------------------------


def _sq_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x)


def distance_blocks(
    a: np.ndarray, b: np.ndarray
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(start, stop, d2)`` with d2 = squared distances a[start:stop] × b.

    Uses ‖a−b‖² = ‖a‖² + ‖b‖² − 2 aᵀb as one float32 matrix product of the
    augmented rows [a, ‖a‖², 1] and [−2b, 1, ‖b‖²], block by block over the
    rows of ``a`` so that a block holds at most ``_BLOCK_ELEMENTS`` entries.
    """
    ones_a, ones_b = np.ones((len(a), 1), a.dtype), np.ones((len(b), 1), b.dtype)
    a_aug = np.hstack([a, _sq_norms(a)[:, None], ones_a])
    b_aug_t = np.hstack([-2 * b, ones_b, _sq_norms(b)[:, None]]).T.copy()
    rows = max(1, _BLOCK_ELEMENTS // len(b))
    for start in range(0, len(a), rows):
        d2 = a_aug[start : start + rows] @ b_aug_t
        np.maximum(d2, 0.0, out=d2)
        yield start, start + len(d2), d2


def __getattr__(name):
    """Names that lived here in ganlab 0.1, with a DeprecationWarning."""
    from ganlab import _moved

    return _moved.moved_name("ganlab.evaluation.metrics", name)
