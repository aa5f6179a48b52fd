"""Does a generator copy its training images? Nearest-neighbour distances.

A generator that returns (near-)copies of its training images scores well
on FID and precision/recall, and leaks the training data: a privacy
problem when the images are people's. The test of Meehan et al. 2020 ("A
Non-Parametric Test to Detect Data-Copying in Generative Models") compares
two sets of distances to the nearest training sample: those of the
generated samples, and those of real samples the generator never saw
(a held-out test set). A generator that neither copies nor misses the data
puts its samples as far from the training set as new real samples are.

With :math:`d_g` the m generated samples' distances and :math:`d_t` the n
held-out samples', the Mann-Whitney statistic
:math:`U = \\sum_{i,j} [d_{g,i} > d_{t,j}] + \\tfrac12 [d_{g,i} = d_{t,j}]`
has mean :math:`mn/2` and variance :math:`mn(m+n+1)/12` when both come
from one distribution, and

.. math::  Z_U = \\frac{U - mn/2}{\\sqrt{mn(m+n+1)/12}}.

:math:`Z_U \\ll 0`: the samples sit closer to the training images than new
real images do (data copying); :math:`Z_U \\gg 0`: farther (the samples miss
the data, underfitting); near 0: neither. This is the test on the whole
feature space; Meehan et al. also average it over k-means cells, so that
copying in one region is not hidden by underfitting in another.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ganlab.evaluation.metrics import check_feature_pair, distance_blocks


def nearest_training_sample(
    features: np.ndarray, train_features: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's nearest training row, in Euclidean distance.

    Args:
        features: (N, D) features of the samples to look up.
        train_features: (M, D) features of the training samples.

    Returns:
        ``(distances, indices)``: (N,) float32 distances and (N,) int indices
        into ``train_features``.

    Raises:
        ValueError: for arrays that are not 2-D, empty, hold NaN or inf, or
            differ in their feature dimension.
    """
    x, train = check_feature_pair(
        features, train_features, ("features", "train_features"), min_rows=1
    )
    x, train = x.astype(np.float32), train.astype(np.float32)
    distances = np.empty(len(x), np.float32)
    indices = np.empty(len(x), np.int64)
    for start, stop, d2 in distance_blocks(x, train):
        indices[start:stop] = d2.argmin(axis=1)
        distances[start:stop] = np.sqrt(
            d2[np.arange(stop - start), indices[start:stop]]
        )
    return distances, indices


def data_copying_test(
    sample_features: np.ndarray,
    *,
    train_features: np.ndarray,
    test_features: np.ndarray,
) -> dict:
    """Meehan et al. 2020's data-copying statistic :math:`Z_U` (module
    docstring), on the whole feature space.

    Args:
        sample_features: (m, D) features of generated samples.
        train_features: (M, D) features of the generator's training images.
        test_features: (n, D) features of held-out real images (never
            trained on), the reference for how far new data lies.

    Returns:
        ``z``: :math:`Z_U` (negative: copying; positive: underfitting);
        ``p_value``: two-sided, of the Mann-Whitney U test
        (``scipy.stats.mannwhitneyu``); ``sample_distance`` and
        ``test_distance``: the median nearest-training distances;
        ``near_copies``: the share of samples nearer a training image than
        the nearest 1 % of held-out images are (about 0.01 when nothing is
        copied); ``distances`` and ``nearest``: (m,) each sample's distance
        to its nearest training image and that image's index, to look at
        the pairs.

    Raises:
        ValueError: for feature arrays that cannot be compared (see
            :func:`nearest_training_sample`) or fewer than 2 rows.
    """
    samples, test = check_feature_pair(
        sample_features, test_features, ("sample_features", "test_features")
    )
    d_sample, nearest = nearest_training_sample(samples, train_features)
    d_test, _ = nearest_training_sample(test, train_features)
    m, n = len(d_sample), len(d_test)
    u = stats.mannwhitneyu(d_sample, d_test, alternative="two-sided")
    z = (u.statistic - m * n / 2) / np.sqrt(m * n * (m + n + 1) / 12)
    return {
        "z": float(z),
        "p_value": float(u.pvalue),
        "sample_distance": float(np.median(d_sample)),
        "test_distance": float(np.median(d_test)),
        "near_copies": float(np.mean(d_sample < np.quantile(d_test, 0.01))),
        "distances": d_sample,
        "nearest": nearest,
    }
