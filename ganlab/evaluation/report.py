"""One-call evaluation of a GAN's samples, and a callback that tracks it in fit.

>>> results = evaluate(gan, x_test)          # doctest: +SKIP
>>> print(format_report(results))            # doctest: +SKIP

:func:`evaluate` draws samples from a GAN (or takes generated images),
extracts features with the shipped MNIST evaluator (or InceptionV3, or any
function), and returns every metric of :mod:`ganlab.evaluation.metrics` and
:mod:`ganlab.evaluation.manifold` in a flat, JSON-serializable dict.
:class:`QualityMonitor` does the same every few epochs during ``fit`` and
writes the numbers into the epoch logs, so they land in ``History``,
``CSVLogger`` and ``TensorBoard``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import keras
import numpy as np

from ganlab.evaluation import manifold as manifold_metrics
from ganlab.evaluation import metrics
from ganlab.evaluation.features import (
    classifier_outputs,
    inception_features,
    inception_weights_path,
)

FeatureFn = Callable[[np.ndarray], np.ndarray]

#: Scalar results that :class:`QualityMonitor` writes into the epoch logs.
LOGGED_KEYS = (
    "is_mean",
    "fid",
    "kid_mean",
    "precision",
    "recall",
    "density",
    "coverage",
    "classes_present",
    "class_kl",
    "confident_share",
)
_PROBABILITY_KEYS = ("is_mean", "classes_present", "class_kl", "confident_share")


def _sample_images(source, n: int, seed: int | None) -> np.ndarray:
    """n images from a generator object (``.generate``) or an image array."""
    if hasattr(source, "generate"):
        return np.asarray(source.generate(n, seed=seed))
    images = np.asarray(source)
    if images.ndim not in (3, 4):
        raise ValueError(
            "generated must be an object with a .generate(n, seed) method or "
            f"an image array (N, H, W[, C]); got an array of shape {images.shape}."
        )
    return images[:n]


def _subsample(images: np.ndarray, n: int, seed: int | None) -> np.ndarray:
    """A random subset of n images (all of them when there are fewer)."""
    images = np.asarray(images)
    if len(images) <= n:
        return images
    index = np.sort(np.random.default_rng(seed).choice(len(images), n, replace=False))
    return images[index]


def extract(
    images: np.ndarray, features: str | FeatureFn = "mnist"
) -> tuple[np.ndarray, np.ndarray | None]:
    """Features (and class probabilities where available) of images.

    Args:
        images: (N, H, W[, C]) images, float in [-1, 1] or uint8 in [0, 255].
        features: ``"mnist"`` (the shipped MNIST evaluator: 128-d features and
            10 class probabilities; 28x28x1 images only), ``"inception"``
            (InceptionV3 pool features, 2048-d; Keras downloads the ImageNet
            weights once, where the internet is reachable, into
            ``~/.keras/models/``), or a function mapping images to (N, D)
            features.

    Returns:
        ``(features, probs)``: (N, D) float32 features, and (N, 10)
        probabilities for ``"mnist"``, else None.
    """
    if callable(features):
        return np.asarray(features(images)), None
    if features == "mnist":
        return classifier_outputs(images)
    if features == "inception":
        return inception_features(images), None
    raise ValueError(
        f"features must be 'mnist', 'inception' or a function, got {features!r}."
    )


def evaluate_features(
    fake_feats: np.ndarray,
    real_feats: np.ndarray,
    fake_probs: np.ndarray | None = None,
    *,
    seed: int | None = 0,
    k_pr: int = 3,
    k_dc: int = 5,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    is_splits: int = 10,
    confidence: float = 0.9,
) -> dict:
    """Every metric of :mod:`ganlab.evaluation.metrics` and
    :mod:`ganlab.evaluation.manifold` on precomputed features.

    Args:
        fake_feats: (M, D) features of generated images.
        real_feats: (N, D) features of real images.
        fake_probs: (M, C) class probabilities of the generated images, or
            None to skip the Inception Score and class coverage.
        seed: seed of the KID subsets.
        k_pr, k_dc: neighbour ranks of precision/recall and density/coverage.
        kid_subsets, kid_subset_size: KID subsets and their size.
        is_splits: Inception Score splits.
        confidence: threshold of :func:`ganlab.evaluation.metrics.class_coverage`.

    Returns:
        dict of floats (and ``class_histogram``, a list): ``fid``,
        ``kid_mean``, ``kid_std``, ``precision``, ``recall``, ``density``,
        ``coverage``, and with probabilities also ``is_mean``, ``is_std``,
        ``classes_present``, ``class_kl``, ``confident_share``,
        ``class_histogram``.
    """
    results: dict = {}
    if fake_probs is not None:
        results["is_mean"], results["is_std"] = metrics.inception_score(
            fake_probs, splits=is_splits
        )
    results["fid"] = metrics.frechet_distance(fake_feats, real_feats)
    results["kid_mean"], results["kid_std"] = metrics.kernel_inception_distance(
        fake_feats, real_feats, kid_subsets, kid_subset_size, seed=seed
    )
    results.update(manifold_metrics.prdc(real_feats, fake_feats, k_pr=k_pr, k_dc=k_dc))
    if fake_probs is not None:
        results.update(metrics.class_coverage(fake_probs, threshold=confidence))
    return results


def evaluate(
    generated,
    real: np.ndarray,
    *,
    n: int = 10000,
    features: str | FeatureFn = "mnist",
    seed: int | None = 0,
    **metric_kwargs,
) -> dict:
    """Score generated images against real ones with every ganlab metric.

    Args:
        generated: a GAN (any object with ``.generate(n, seed=None)``
            returning (n, H, W, C) images in [-1, 1]), or an array of
            generated images (N, H, W[, C]) of which the first n are used.
        real: real images (N, H, W[, C]), uint8 in [0, 255] or float in
            [-1, 1]; a random subset of n is used when there are more. For
            MNIST, the test set (never seen in training) is the natural choice.
        n: number of generated and of real images (≥ 10k recommended; FID is
            biased upwards at small n).
        features: ``"mnist"``, ``"inception"`` or a function; see
            :func:`extract`. The Inception Score and class coverage need
            class probabilities, so only ``"mnist"`` reports them. For your
            own images use ``"inception"`` and read KID first: unlike FID it
            is unbiased, so it compares fairly at the few hundred or
            thousand images a folder holds (Bińkowski et al. 2018,
            "Demystifying MMD GANs").
        seed: seed for sampling the GAN, the real subset and KID's subsets.
        **metric_kwargs: passed to :func:`evaluate_features` (``k_pr``,
            ``k_dc``, ``kid_subsets``, ``kid_subset_size``, ``is_splits``,
            ``confidence``).

    Returns:
        A flat, JSON-serializable dict: the entries of
        :func:`evaluate_features`, plus ``n_generated``, ``n_real`` and
        ``seconds`` (wall time of the whole call, sampling included).

    Raises:
        ValueError: for n < 2 or images a feature extractor cannot take.
        ganlab.evaluation.features.InceptionWeightsError: ``features="inception"``
            when InceptionV3's weights are neither cached nor downloadable
            (checked before any image is drawn).
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}.")
    if isinstance(features, str) and features == "inception":
        inception_weights_path()  # fail before the slow part, not after
    start = time.perf_counter()
    fake_images = _sample_images(generated, n, seed)
    real_images = _subsample(real, n, seed)
    fake_feats, fake_probs = extract(fake_images, features)
    real_feats, _ = extract(real_images, features)
    results = evaluate_features(
        fake_feats, real_feats, fake_probs, seed=seed, **metric_kwargs
    )
    results["n_generated"] = len(fake_feats)
    results["n_real"] = len(real_feats)
    results["seconds"] = time.perf_counter() - start
    return results


_ROWS = (
    # key, label, (std key or None), comment
    ("is_mean", "Inception Score", "is_std", "higher is better, at most 10"),
    ("fid", "Frechet distance", None, "lower is better, 0 = same statistics"),
    ("kid_mean", "KID", "kid_std", "lower is better, about 0 = same distribution"),
    ("precision", "Precision", None, "fidelity: share of fakes on the real manifold"),
    ("recall", "Recall", None, "diversity: share of reals on the fake manifold"),
    ("density", "Density", None, "fidelity, about 1 for real data, may exceed 1"),
    ("coverage", "Coverage", None, "diversity: share of real neighbourhoods hit"),
    ("class_kl", "Class KL", None, "KL(digit histogram || uniform), nats"),
    ("confident_share", "Confident", None, "share with top class probability >= 0.9"),
)


def _format_value(value: float, std: float | None) -> str:
    text = f"{value:.4g}"
    # A std of 0 comes from a single subset or split (KID on N ≤ its subset
    # size, IS with one split): no spread was measured, so none is shown.
    return text if not std else f"{text} ± {std:.2g}"


def _report_rows(results: dict) -> tuple:
    """The report's rows: KID first when there are no class probabilities
    (Inception or custom features, for which it is the fair number at small
    n), else the Inception Score first."""
    if "is_mean" in results:
        return _ROWS
    kid = tuple(row for row in _ROWS if row[0] == "kid_mean")
    return kid + tuple(row for row in _ROWS if row[0] != "kid_mean")


def format_report(results: dict) -> str:
    """A readable multi-line report of :func:`evaluate`'s results.

    The Inception Score leads when there is one (MNIST features); otherwise
    KID, which unlike the Fréchet distance is unbiased at small n.

    Args:
        results: the dict returned by :func:`evaluate` or
            :func:`evaluate_features`.

    Returns:
        The report, one metric per line, without a trailing newline.
    """
    head = "Sample quality"
    if "n_generated" in results:
        head += f": {results['n_generated']} generated vs {results['n_real']} real"
    if "seconds" in results:
        head += f" ({results['seconds']:.1f} s)"
    lines = [head]
    for key, label, std_key, comment in _report_rows(results):
        if key in results:
            value = _format_value(results[key], results.get(std_key))
            lines.append(f"  {label:<17}{value:<20}{comment}")
    if "classes_present" in results:
        hist = results["class_histogram"]
        lines.append(
            f"  {'Classes present':<17}{results['classes_present']} / {len(hist)}"
        )
        shares = "  ".join(f"{c}:{100 * h:.1f}%" for c, h in enumerate(hist))
        lines.append(f"  {'Histogram':<17}{shares}")
    return "\n".join(lines)


class QualityMonitor(keras.callbacks.Callback):
    """Evaluate the GAN every few epochs and log the numbers during ``fit``.

    Every ``every`` epochs (and at the last epoch), draws ``n`` images with
    ``self.model.generate(n, seed=seed)`` (fixed noise, so epochs compare
    like for like) and scores them against ``real_images`` with
    :func:`evaluate_features`. The real features are computed once, when
    training starts. The scalar results (``keys``) are written into the
    epoch's ``logs``, so they appear in the progress bar, in
    ``History.history``, in ``CSVLogger`` files and, when a
    ``keras.callbacks.TensorBoard`` callback comes after this one in the
    callbacks list, in TensorBoard. On epochs without evaluation the keys
    hold NaN, so every history list has one entry per epoch.

    Args:
        real_images: real images (N, H, W[, C]), uint8 or float in [-1, 1].
        every: evaluate every this many epochs.
        n: generated and real images per evaluation (a random subset of
            ``real_images`` when it has more). Small n biases FID upwards.
        seed: noise seed for ``generate`` and for the real subset.
        features: ``"mnist"``, ``"inception"`` or a function (see
            :func:`extract`).
        prefix: prepended to the logged names (e.g. ``"q_"``).
        keys: result names to log; defaults to :data:`LOGGED_KEYS`. With
            features other than ``"mnist"`` the names that need class
            probabilities (``is_mean``, ``classes_present``, ``class_kl``,
            ``confident_share``) are dropped.
        **metric_kwargs: passed to :func:`evaluate_features`.

    Attributes:
        records: list of ``{"epoch": int, **results}``, one per evaluation.
    """

    def __init__(
        self,
        real_images: np.ndarray,
        every: int = 1,
        n: int = 5000,
        seed: int = 0,
        features: str | FeatureFn = "mnist",
        prefix: str = "",
        keys: Sequence[str] = LOGGED_KEYS,
        **metric_kwargs,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be ≥ 1, got {every}.")
        self.real_images = _subsample(real_images, n, seed)
        self.every, self.n, self.seed = every, n, seed
        self.features, self.prefix, self.keys = features, prefix, tuple(keys)
        self.metric_kwargs = metric_kwargs
        self.records: list[dict] = []
        self._real_feats: np.ndarray | None = None

    def on_train_begin(self, logs=None):
        if self._real_feats is None:
            self._real_feats, _ = extract(self.real_images, self.features)
        if self.features != "mnist":  # no class probabilities
            self.keys = tuple(k for k in self.keys if k not in _PROBABILITY_KEYS)

    def _due(self, epoch: int) -> bool:
        last = self.params.get("epochs") if self.params else None
        return (epoch + 1) % self.every == 0 or (last is not None and epoch + 1 == last)

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        results = {}
        if self._due(epoch):
            fake_feats, fake_probs = extract(
                self.model.generate(self.n, seed=self.seed), self.features
            )
            results = evaluate_features(
                fake_feats,
                self._real_feats,
                fake_probs,
                seed=self.seed,
                **self.metric_kwargs,
            )
            self.records.append({"epoch": epoch, **results})
        for key in self.keys:
            logs[self.prefix + key] = float(results.get(key, math.nan))
