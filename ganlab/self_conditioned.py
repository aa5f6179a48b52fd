"""Self-conditioned GAN: a conditional GAN on clusters of the images, no labels.

A conditional GAN draws much cleaner digits than an unconditional one: the
label tells G which digit to draw, so it never has to blend two of them. A
self-conditioned GAN (Liu et al. 2020, "Diverse Image Generation via
Self-Conditioned GANs", https://arxiv.org/abs/2006.10728) gets the same
benefit without labels: it clusters the training images and trains a
conditional GAN on the cluster ids instead.

- :func:`pixel_clusters` clusters images with k-means on their leading
  principal components (Liu et al. cluster D's features instead; the
  pixels are enough for MNIST, and cost seconds);
- :class:`SelfConditionedGAN` is a :class:`ganlab.ConditionalGAN` whose
  ``fit(images)`` clusters the images itself, and whose ``generate(n)``
  draws each image's cluster as often as the data has it: to its users it
  is an unconditional GAN.

With 100 clusters of MNIST (87 % of the images share their cluster's
majority digit), ``python -m ganlab train``'s recipe reaches a Fréchet
distance ≤ 10, an Inception Score ≥ 9 and all 10 digits after 800 steps;
the plain DCGAN's Inception Score is still near 8 after 6,000 steps
(bench/README.md, "Without labels: self-conditioning on pixel clusters").
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from ganlab.conditional import (
    ConditionalGAN,
    make_conditional_discriminator,
    make_conditional_generator,
)
from ganlab.data import check_images
from ganlab.gan import _is_keras_dataset


def pixel_clusters(
    images, k: int, components: int = 50, iterations: int = 20, seed: int = 0
) -> np.ndarray:
    """k-means cluster ids of images, computed from the pixels alone.

    The images are flattened and centred, projected on their ``components``
    leading principal components (the eigenvectors of XᵀX with the largest
    eigenvalues), and clustered by ``scipy.cluster.vq.kmeans2`` with
    k-means++ seeding. k-means minimises the within-cluster sum of squares
    Σ_i ‖p_i − μ_{c(i)}‖² over the assignments c and the centres μ; it does
    not depend on the images' scale or offset, so uint8 and [-1, 1] images
    give the same clusters.

    Args:
        images: array (N, H, W) or (N, H, W, C), any numeric dtype and range.
        k: number of clusters, 2 ≤ k ≤ N.
        components: principal components kept (fewer if the images have
            fewer pixels or N is smaller).
        iterations: k-means iterations.
        seed: seed of the k-means++ seeding; the same seed gives the same ids.

    Returns:
        int32 array (N,) of cluster ids in [0, k).

    Raises:
        ValueError: for non-numeric or empty images, NaN or inf, or k out of
            range.
    """
    from scipy.cluster.vq import kmeans2

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
    x = x.reshape(len(x), -1).astype("float32")
    if not np.isfinite(x).all():
        raise ValueError("images contain NaN or inf; clean them before clustering.")
    x -= x.mean(axis=0)
    n_components = max(1, min(int(components), x.shape[1], len(x) - 1))
    _, vectors = np.linalg.eigh(x.T @ x)  # eigenvalues in ascending order
    projected = x @ vectors[:, ::-1][:, :n_components]
    _, ids = kmeans2(projected, int(k), iter=int(iterations), minit="++", seed=seed)
    return ids.astype("int32")


@keras.saving.register_keras_serializable(package="ganlab")
class SelfConditionedGAN(ConditionalGAN):
    """A conditional GAN on k-means clusters of its training images.

    To a user it is an unconditional GAN: ``fit(images)`` needs no labels
    and ``generate(n)`` draws n images. Inside, it is a
    :class:`ganlab.ConditionalGAN` whose classes are the clusters of
    :func:`pixel_clusters`:

    - ``fit(images)`` clusters the images (K = the networks' number of
      classes), records how often each cluster occurs (:attr:`cluster_prior`,
      saved with the model) and trains on (image, cluster id) pairs;
    - ``generate(n, seed)`` draws n cluster ids from that prior, then one
      image for each; ``generate(ids)`` with a sequence draws the clusters
      you name, as ``ConditionalGAN.generate`` does.

    Args:
        generator, discriminator, num_classes, latent_dim, seed: as for
            :class:`ganlab.ConditionalGAN`; K, the number of clusters, is
            the networks' number of classes. See
            :func:`build_self_conditioned_dcgan`.

    Example:
        >>> gan = ganlab.build_self_conditioned_dcgan(num_clusters=100, width=32)
        >>> gan.compile()
        >>> gan.fit(x_train, epochs=1, batch_size=64)  # no labels
        >>> digits = gan.generate(16, seed=0)  # (16, 28, 28, 1), [-1, 1]
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        k = self.num_classes
        self.cluster_prior = np.full(k, 1.0 / k)

    @property
    def num_clusters(self) -> int:
        """K, the number of clusters (the networks' number of classes)."""
        return self.num_classes

    def set_cluster_prior(self, cluster_ids) -> np.ndarray:
        """Set :attr:`cluster_prior` from the cluster ids (N,) of the data.

        Returns:
            float64 array (K,): the share of the data in each cluster.
        """
        ids = np.asarray(cluster_ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(
                f"cluster ids must be integers of shape (N,); got {ids.dtype} "
                f"{ids.shape}."
            )
        if len(ids) == 0 or ids.min() < 0 or ids.max() >= self.num_clusters:
            raise ValueError(
                f"cluster ids must be a non-empty array of ints in "
                f"[0, {self.num_clusters})."
            )
        counts = np.bincount(ids, minlength=self.num_clusters)
        self.cluster_prior = counts / counts.sum()
        return self.cluster_prior

    def fit(self, x=None, y=None, batch_size: int | None = None, **kwargs):
        """Cluster the images, then train on (image, cluster id) pairs.

        Args:
            x: real images, a NumPy array (N, H, W) or (N, H, W, C), uint8 in
                [0, 255] or float in [-1, 1]. The clustering needs all the
                images at once, so ``tf.data`` datasets are not accepted.
            y: None (the images are clustered with :func:`pixel_clusters`,
                seeded with the model's seed), or cluster ids (N,) in [0, K)
                computed by you.
            batch_size: batch size (default 128).
            **kwargs: as for ``keras.Model.fit``.

        Raises:
            ValueError: for a dataset, fewer images than clusters, or images
                the GAN cannot train on, with what to do about it.
        """
        if isinstance(x, tf.data.Dataset) or _is_keras_dataset(x):
            raise ValueError(
                "A SelfConditionedGAN clusters its training images, so fit() "
                "needs them as one NumPy array (N, H, W[, C]); a dataset cannot "
                "be clustered. Load the images into an array, or train a "
                "ganlab.GAN on the dataset instead."
            )
        if x is None:
            raise ValueError("fit() needs real images as x.")
        if y is None and isinstance(x, tuple) and len(x) == 2:
            x, y = x  # (images, cluster ids), as ConditionalGAN.fit takes
        if y is None:
            images = check_images(x, self.image_shape)
            if len(images) < self.num_clusters:
                raise ValueError(
                    f"{len(images)} images cannot fill {self.num_clusters} "
                    "clusters: train on more images, or build the model with "
                    "fewer clusters (num_clusters)."
                )
            verbose = kwargs.get("verbose", "auto") != 0
            if verbose:
                print(
                    f"Clustering {len(images)} images into {self.num_clusters} "
                    "groups (k-means on their pixels)...",
                    end=" ",
                    flush=True,
                )
            start = time.perf_counter()
            y = pixel_clusters(images, self.num_clusters, seed=self.seed or 0)
            if verbose:
                print(f"done in {time.perf_counter() - start:.0f} s.", flush=True)
        self.set_cluster_prior(y)
        return super().fit(x, y, batch_size=batch_size, **kwargs)

    def sample_labels(self, n: int, seed: int | None = None) -> np.ndarray:
        """n cluster ids (n,) drawn from :attr:`cluster_prior` (each cluster as
        often as the data has it, not equally often)."""
        rng = np.random.default_rng(seed)
        return rng.choice(self.num_clusters, size=int(n), p=self.cluster_prior)

    def generate(self, n, seed: int | None = None, batch_size: int = 256) -> np.ndarray:
        """Generate images in inference mode.

        Args:
            n: a number of images, each from a cluster drawn from
                :attr:`cluster_prior`; or a sequence of cluster ids (n,) (or
                one-hot rows (n, K)) to draw those clusters.
            seed: an int gives the same clusters and noise, hence the same
                images, every time and after save/load; None draws fresh ones.
            batch_size: images per generator call.

        Returns:
            float32 array (n, H, W, C) with values in [-1, 1].
        """
        if np.ndim(n) > 0:
            return super().generate(n, seed=seed, batch_size=batch_size)
        if int(n) < 0:
            raise ValueError(f"n must be >= 0, got {n}.")
        return super().generate(
            self.sample_labels(n, seed), seed=seed, batch_size=batch_size
        )

    def save_own_variables(self, store) -> None:
        super().save_own_variables(store)
        store["cluster_prior"] = np.asarray(self.cluster_prior, "float64")

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        if "cluster_prior" in store.keys():
            self.cluster_prior = np.asarray(store["cluster_prior"], "float64")


def build_self_conditioned_dcgan(
    latent_dim: int = 100,
    num_clusters: int = 100,
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    seed: int | None = None,
    **discriminator_kwargs,
) -> SelfConditionedGAN:
    """A :class:`SelfConditionedGAN` with the conditional DCGAN nets, not compiled.

    D is the projection discriminator (Miyato & Koyama 2018) without the
    tiled label channels: the cluster id enters D only through the
    projection term, so D costs no more than the unconditional one however
    many clusters there are.

    Args:
        latent_dim: size of z.
        num_clusters: K, the number of k-means clusters.
        image_shape: (H, W, C) of the images.
        width: width of both networks.
        seed: seed of the model's noise and of the clustering.
        **discriminator_kwargs: passed to
            :func:`ganlab.make_conditional_discriminator`.
    """
    discriminator_kwargs = {
        "projection": True,
        "tile_label": False,
        **discriminator_kwargs,
    }
    return SelfConditionedGAN(
        make_conditional_generator(latent_dim, num_clusters, image_shape, width=width),
        make_conditional_discriminator(
            image_shape, num_clusters, width=width, **discriminator_kwargs
        ),
        seed=seed,
    )
