"""Self-conditioning: clusters of the training images stand in for labels.

A conditional GAN draws much cleaner digits than an unconditional one: the
label tells G which digit to draw, so it never has to blend two of them. A
self-conditioned GAN (Liu et al. 2020, "Diverse Image Generation via
Self-Conditioned GANs", https://arxiv.org/abs/2006.10728) gets the same
benefit without labels: it clusters the training images and trains a
conditional GAN on the cluster ids. In ganlab that is the one
:class:`ganlab.GAN`, built with ``num_classes=K`` and
``label_prior="data"``, fitted on ``(images, pixel_clusters(images, K))``;
``generate(n)`` then draws each image's cluster as often as the data has it,
so to its users it is an unconditional GAN. :func:`fit_self_conditioned`
does both steps.

With 100 clusters of MNIST, ``python -m ganlab train``'s recipe reaches a
Fréchet distance ≤ 10, an Inception Score ≥ 9 and all 10 digits, where the
plain DCGAN's Inception Score levels off near 8 (the clusters' purity, the
steps and the seconds are in bench/results/time_to_quality.md).
"""

from __future__ import annotations

import time

import numpy as np

from ganlab.data.pipeline import check_images

CLUSTER_SIDE = 32  # larger images are shrunk to this side before clustering


def pixel_clusters(
    images,
    k: int,
    *,
    components: int = 50,
    iterations: int = 20,
    seed: int = 0,
    progress: bool = False,
) -> np.ndarray:
    """k-means cluster ids of images, computed from the pixels alone.

    Images larger than ``CLUSTER_SIDE`` (32) pixels on a side are first
    shrunk, aspect kept, with anti-aliasing (``skimage.transform.resize``):
    clusters follow layout and colour, which 32×32 keeps, and a 128×128×3
    image would otherwise give 49,152 pixels to decompose. The images are
    then flattened and centred, projected on their ``components`` leading
    principal components (eigenvectors of the smaller of XᵀX and XXᵀ), and
    clustered by ``scipy.cluster.vq.kmeans2`` with k-means++ seeding.
    k-means minimises the within-cluster sum of squares Σ_i ‖p_i − μ_{c(i)}‖²
    over the assignments c and the centres μ; it does not depend on the
    images' scale or offset, so uint8 and [-1, 1] images give the same
    clusters.

    Args:
        images: array (N, H, W) or (N, H, W, C) of any size and any number
            of channels, or (N, D) vectors; any numeric dtype and range.
        k: number of clusters, 2 ≤ k ≤ N.
        components: principal components kept (fewer if the images have
            fewer pixels or N is smaller).
        iterations: k-means iterations.
        seed: seed of the k-means++ seeding; the same seed gives the same ids.
        progress: show a ``keras.utils.Progbar``: one step for the principal
            components, one per k-means iteration.

    Returns:
        int32 array (N,) of cluster ids in [0, k).

    Raises:
        ValueError: for non-numeric or empty images, NaN or inf, or k out of
            range.
    """
    x = np.asarray(images)
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise ValueError(f"images must hold numbers; got dtype {x.dtype}.")
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(
            f"images must be a non-empty array (N, ...) of images; got shape {x.shape}."
        )
    if not 2 <= int(k) <= len(x):
        raise ValueError(
            f"k must be between 2 and the number of images ({len(x)}); got {k}."
        )
    bar = _progress_bar(iterations + 1) if progress else None
    x = _shrink(x).reshape(len(x), -1)
    if not np.isfinite(x).all():
        raise ValueError("images contain NaN or inf; clean them before clustering.")
    projected = _principal_components(x, components)
    if bar is not None:
        bar.update(1)
    return _kmeans(projected, int(k), iterations=int(iterations), seed=seed, bar=bar)


def _progress_bar(steps: int):
    import keras  # only here: importing keras is slow

    return keras.utils.Progbar(steps, unit_name="step")


def _shrink(x: np.ndarray, side: int = CLUSTER_SIDE) -> np.ndarray:
    """float32 images, shrunk so that neither side exceeds ``side``."""
    if x.ndim not in (3, 4) or max(x.shape[1:3]) <= side:
        return x.astype("float32")
    from skimage.transform import resize

    scale = side / max(x.shape[1:3])
    shape = tuple(max(1, round(s * scale)) for s in x.shape[1:3]) + x.shape[3:]
    out = np.empty((len(x), *shape), "float32")
    for start in range(0, len(x), 1000):  # bounded memory for large folders
        chunk = x[start : start + 1000].astype("float32")
        out[start : start + 1000] = resize(
            chunk, (len(chunk), *shape), anti_aliasing=True, preserve_range=True
        )
    return out


def _principal_components(x: np.ndarray, components: int) -> np.ndarray:
    """(N, c) coordinates of the centred rows of ``x`` on their c leading
    principal components, from the smaller Gram matrix."""
    x = x - x.mean(axis=0)
    n_components = max(1, min(int(components), x.shape[1], len(x) - 1))
    if x.shape[1] <= len(x):
        _, vectors = np.linalg.eigh(x.T @ x)  # eigenvalues in ascending order
        return x @ vectors[:, ::-1][:, :n_components]
    # Fewer images than pixels: XXᵀ = UΛUᵀ gives the same coordinates UΛ^½.
    values, vectors = np.linalg.eigh(x @ x.T)
    values, vectors = values[::-1][:n_components], vectors[:, ::-1][:, :n_components]
    return vectors * np.sqrt(np.maximum(values, 0.0))


def _kmeans(points, k: int, *, iterations: int, seed: int, bar=None) -> np.ndarray:
    """``kmeans2(points, k, iter=iterations, minit="++", seed=seed)``'s ids,
    one iteration per call so that ``bar`` can advance (same result)."""
    from scipy.cluster.vq import kmeans2

    centres, ids = kmeans2(points, k, iter=1, minit="++", seed=seed)
    if bar is not None:
        bar.update(2)
    for step in range(1, iterations):
        centres, ids = kmeans2(points, centres, iter=1, minit="matrix")
        if bar is not None:
            bar.update(step + 2)
    return ids.astype("int32")


def fit_self_conditioned(gan, images, **fit_kwargs):
    """Cluster ``images`` (K = ``gan.num_classes``) and fit ``gan`` on them.

    Liu et al. cluster D's features and re-cluster during training; ganlab
    clusters the pixels once (:func:`pixel_clusters`, seeded with the
    model's seed), which takes seconds and suffices for MNIST.

    Args:
        gan: a conditional :class:`ganlab.GAN` (its K is the number of
            clusters), best built with ``label_prior="data"``.
        images: a NumPy array (N, H, W[, C]), uint8 or float in [-1, 1];
            a dataset cannot be clustered: load it into an array first
            (e.g. :func:`ganlab.data.image_folders.load_image_folder`).
        **fit_kwargs: passed to ``gan.fit``.

    Returns:
        The ``History`` of ``gan.fit``.

    Raises:
        ValueError: for an unconditional GAN, fewer images than clusters, or
            images it cannot train on.
    """
    if gan.num_classes is None:
        raise ValueError(
            "Self-conditioning needs a conditional GAN: build it with "
            "num_classes=K (the number of clusters)."
        )
    if not isinstance(images, (np.ndarray, list, tuple)):
        raise ValueError(
            "fit_self_conditioned clusters one NumPy array of images; got a "
            f"{type(images).__name__}. Load the dataset into an array first (e.g. "
            "ganlab.data.image_folders.load_image_folder)."
        )
    x = check_images(images, gan.image_shape)
    if len(x) < gan.num_classes:
        raise ValueError(
            f"{len(x)} images cannot fill {gan.num_classes} clusters: train on more "
            "images, or build the model with fewer clusters (num_classes)."
        )
    verbose = fit_kwargs.get("verbose", "auto") != 0
    if verbose:
        print(f"Clustering {len(x)} images into {gan.num_classes} groups (k-means "
              "on their pixels)...", end=" ", flush=True)  # fmt: skip
    start = time.perf_counter()
    ids = pixel_clusters(x, gan.num_classes, seed=gan.seed or 0)
    if verbose:
        print(f"done in {time.perf_counter() - start:.0f} s.", flush=True)
    return gan.fit(x, ids, **fit_kwargs)
