"""The k-nearest-neighbour manifold metrics, on features.

Precision and recall (Kynkäänniemi et al. 2019) and density and coverage
(Naeem et al. 2020) judge generated samples by the balls that reach each
sample's k-th nearest neighbour. Inputs are (N, D) feature arrays, checked
as in :mod:`ganlab.evaluation.metrics`, whose blocked distances (bounded memory
whatever N is) they use.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganlab.evaluation.metrics import check_feature_pair, distance_blocks


def _kth_neighbour_sq_radii(x: np.ndarray, ks: Sequence[int]) -> dict[int, np.ndarray]:
    """Squared distance from each row of x to its k-th nearest other row.

    Args:
        x: (N, D) float32 features, N > max(ks).
        ks: neighbour ranks k ≥ 1.

    Returns:
        {k: (N,) squared radii}.
    """
    radii = {k: np.empty(len(x), np.float32) for k in ks}
    kth = sorted(k - 1 for k in ks)
    for start, stop, d2 in distance_blocks(x, x):
        d2[np.arange(stop - start), np.arange(start, stop)] = np.inf  # not itself
        part = np.partition(d2, kth, axis=1)
        for k in ks:
            radii[k][start:stop] = part[:, k - 1]
    return radii


def _prepare_knn(
    real: np.ndarray, fake: np.ndarray, max_k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Validate, centre on the real mean (less round-off) and cast to float32."""
    if max_k < 1:
        raise ValueError(f"k must be ≥ 1, got {max_k}.")
    real, fake = check_feature_pair(real, fake, ("real", "fake"), min_rows=max_k + 1)
    centre = real.mean(axis=0)
    return (real - centre).astype(np.float32), (fake - centre).astype(np.float32)


def prdc(real: np.ndarray, fake: np.ndarray, k_pr: int = 3, k_dc: int = 5) -> dict:
    """Precision, recall, density and coverage in one pass over the distances.

    The same numbers as :func:`precision_recall` (with ``k=k_pr``) and
    :func:`density_coverage` (with ``k=k_dc``), sharing the distance
    computations; see those functions for the definitions.

    Args:
        real: (N, D) features of real samples, N > max(k_pr, k_dc).
        fake: (M, D) features of generated samples, M > k_pr.
        k_pr: neighbour rank for precision and recall.
        k_dc: neighbour rank for density and coverage.

    Returns:
        dict with ``precision``, ``recall``, ``density``, ``coverage``.
    """
    return _manifold_metrics(real, fake, k_pr, k_dc)


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> dict:
    """Improved precision and recall (Kynkäänniemi et al. 2019).

    "Improved Precision and Recall Metric for Assessing Generative Models".
    Each set's manifold is the union of balls B(φ, NN_k(φ)) around its
    samples, with radius the distance to the k-th nearest other sample of
    the same set. Then

    precision = (1/M) Σⱼ 1[fakeⱼ lies in the real manifold]
    recall    = (1/N) Σᵢ 1[realᵢ lies in the fake manifold]

    Precision measures fidelity (fakes look real), recall diversity (the
    fakes cover the real variety). Both lie in [0, 1]. Distances are
    Euclidean, in blocks of bounded memory; ball membership is strict (<).

    Args:
        real: (N, D) features of real samples, N > k.
        fake: (M, D) features of generated samples, M > k.
        k: neighbour rank defining the radii (3 in the paper).

    Returns:
        dict with ``precision`` and ``recall``, floats in [0, 1].
    """
    return _manifold_metrics(real, fake, k_pr=k, k_dc=None)


def density_coverage(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict:
    """Density and coverage (Naeem et al. 2020).

    "Reliable Fidelity and Diversity Metrics for Generative Models". Only
    the real samples define balls, B(xᵢ, NND_k(xᵢ)) with radius the distance
    to the k-th nearest other real sample. With N reals and M fakes yⱼ:

    density  = (1 / (k M)) Σⱼ Σᵢ 1[yⱼ ∈ B(xᵢ, NND_k(xᵢ))]
    coverage = (1 / N) Σᵢ 1[∃ j: yⱼ ∈ B(xᵢ, NND_k(xᵢ))]

    Density counts how many real neighbourhoods hold each fake; it is about
    1 when fakes match the real distribution and can exceed 1. Coverage, in
    [0, 1], is the share of real neighbourhoods that hold at least one fake.
    Unlike precision and recall, both are robust to real outliers.
    Distances are Euclidean, in blocks of bounded memory; ball membership is
    strict (<).

    Args:
        real: (N, D) features of real samples, N > k.
        fake: (M, D) features of generated samples, M > k.
        k: neighbour rank defining the radii (5 in the paper).

    Returns:
        dict with ``density`` (float ≥ 0) and ``coverage`` (float in [0, 1]).
    """
    return _manifold_metrics(real, fake, k_pr=None, k_dc=k)


def _manifold_metrics(
    real: np.ndarray, fake: np.ndarray, k_pr: int | None, k_dc: int | None
) -> dict:
    """Shared implementation of precision/recall (k_pr) and density/coverage (k_dc)."""
    ks = [k for k in (k_pr, k_dc) if k is not None]
    real, fake = _prepare_knn(real, fake, max(ks))
    if k_pr is not None and len(fake) <= k_pr:
        raise ValueError(
            f"fake has {len(fake)} samples; recall needs more than k={k_pr}."
        )
    real_r2 = _kth_neighbour_sq_radii(real, sorted(set(ks)))
    fake_r2 = _kth_neighbour_sq_radii(fake, [k_pr])[k_pr] if k_pr else None

    in_real = np.zeros(len(fake), bool)  # fake inside the real manifold
    real_balls_hit = np.zeros(len(fake), np.int64)  # real k_dc-balls holding the fake
    in_fake = np.zeros(len(real), bool)  # real inside the fake manifold
    nearest_fake = np.full(len(real), np.inf, np.float32)  # squared, per real
    for start, stop, d2 in distance_blocks(fake, real):
        if k_pr is not None:
            in_real[start:stop] = (d2 < real_r2[k_pr]).any(axis=1)
            in_fake |= (d2 < fake_r2[start:stop, None]).any(axis=0)
        if k_dc is not None:
            real_balls_hit[start:stop] = (d2 < real_r2[k_dc]).sum(axis=1)
            np.minimum(nearest_fake, d2.min(axis=0), out=nearest_fake)

    out = {}
    if k_pr is not None:
        out["precision"] = float(in_real.mean())
        out["recall"] = float(in_fake.mean())
    if k_dc is not None:
        out["density"] = float(real_balls_hit.sum() / (k_dc * len(fake)))
        out["coverage"] = float((nearest_fake < real_r2[k_dc]).mean())
    return out
