"""The default recipe: the GAN that ``python -m ganlab train`` trains on MNIST.

What it is (docs/command_line.md, "The default recipe"): the training digits are first
clustered into **100 groups by their pixels** (k-means on the 50 leading
principal components; no labels), and a GAN is trained **conditioned on the
group**, a self-conditioned GAN (Liu et al. 2020, "Diverse Image Generation
via Self-Conditioned GANs"). Its networks are the TensorFlow tutorial's DCGAN at
**half width** (width 32: a 7×7×128 seed grid, then transposed convolutions
with 64 and 32 filters; a discriminator with 32 and 64 filters), with the
group's one-hot code appended to z and, in D, a projection term; **batch
64**, **Adam(1e-3, β₁ = 0.5)** for both networks, **BatchNorm instead of
dropout** in D's second convolution, samples from an **exponential moving
average of G's weights** (``ema=0.999``), and **5 epochs**. Sampling draws a
group as often as the data has it (``label_prior="data"``), so
``generate(n)`` works as for any GAN.

Why (timed with bench/time_to_quality.py; the search and its numbers are in
bench/results/time_to_quality.md):

- self-conditioning: told which group to draw, G never blends two groups,
  the blends that keep a plain DCGAN's Inception Score near 8. 100 groups
  are purer than 50 and got there sooner. The group reaches D only through
  the projection term, so D costs what the unconditional one costs;
- half width cuts the ~435 MFLOP per image and step of the full networks
  about fourfold, so the same minutes see about four times the images;
- batch 64: on MNIST the number of updates, not the batch size, turns blobs
  into strokes;
- Adam at 1e-3 learns faster than the DCGAN paper's 2e-4, BatchNorm in D
  lets D keep up, and the EMA generator averages out the game's wobble:
  the recipe search measured them in a fixed time against the DCGAN
  paper's settings.

It reaches FD ≤ 10, IS ≥ 9 and all 10 digits after 800 steps (the seconds
are in bench/results/time_to_quality.md). ``train --conditional`` uses the
same recipe on the digit labels, with D also seeing the label as tiled
channels (bench/results/conditional.md); ``--clusters 0`` the plain DCGAN.

``train --images DIR`` trains on a folder of pictures with the recipe of
:data:`FOLDER_RECIPES` nearest the image size (:func:`folder_recipe`): the
same self-conditioned GAN, EMA and Adam(β₁ = 0.5), with networks, batch,
learning rate and number of steps chosen for 32, 64 or 128 pixels, and a
number of clusters that grows with the number of pictures
(:func:`folder_clusters`).

:func:`build_dcgan` builds the plain DCGAN at any width, the networks the
recipes start from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np

from ganlab.data.pipeline import check_images
from ganlab.gan.model import GAN
from ganlab.gan.self_conditioning import pixel_clusters
from ganlab.nets.dcgan import make_discriminator, make_generator

RECIPE = {
    "width": 32,
    "kernel_size": 5,
    "latent_dim": 100,
    "batch_size": 64,
    "lr": 1e-3,
    "beta_1": 0.5,
    "d_batch_norm": True,  # BatchNorm in D's later convolutions, no dropout
    "ema": 0.999,  # samples from the moving average of G's weights
    "clusters": 100,  # self-conditioned on k-means clusters of the pixels
    "epochs": 5,
}

DIGITS = 10  # the classes of ``train --conditional``

# The recipes of ``train --images DIR``, keyed by image side in pixels; the
# other RECIPE entries (β₁, BatchNorm in D, EMA, self-conditioning with
# label_prior="data") are shared. "steps" sets the default number of epochs:
# enough passes over the folder for about that many updates.
#
# 32: MNIST's recipe as it is (the builders add one up-sampling stage for
# 32×32). On 48×48 disc pictures read at 32×32×3 its discs grow fewer and
# fainter when it trains much longer, with D confident throughout: hence
# 1,500 steps.
#
# 64: the networks deepen by one stage per doubling, and at width 32 G's last
# stages are thin (16 and 8 channels at 16×16 and 32×32), which drew few
# discs. Hence G at width 64 (D stays at 32: D at 64 costs much more per
# step) and 4×4 kernels, which tile a stride-2 transposed convolution evenly
# (5×5 kernels left a checkerboard) and cost 16/25 as much. Left alone, D
# then wins. The R1 penalty on real images (Mescheder et al. 2018) at γ = 1
# keeps it in the game, at a higher cost per step, and G draws discs spread
# over the picture as the training pictures' are; at γ = 0.1 the share of
# good samples swung. DiffAugment (Zhao et al.
# 2020) instead of R1 also kept D in the game, but G then drew every disc at
# the centre, at one size: D sees real and generated discs shifted at
# random, so a centred disc passes for a real one; neither the minibatch
# standard deviation in D nor PacGAN's packing undid that.
#
# 128: G width 64 and 4×4 kernels as at 64 px, with D at width 16 and
# batch 32 to keep an update within a CPU's reach, and R1 (γ = 1) as at
# 64 px; DiffAugment in place of R1 drew no clear disc, with G at width 64
# or 128.
#
# Measured (bench/folder_training.py through the command, and the probes
# behind each choice) in bench/results/folder_training.md.
FOLDER_RECIPES = {
    32: {"width": 32, "d_width": 32, "kernel_size": 5, "latent_dim": 100,
         "batch_size": 64, "lr": 1e-3, "r1": 0.0, "augment": "none", "steps": 1500},
    64: {"width": 64, "d_width": 32, "kernel_size": 4, "latent_dim": 100,
         "batch_size": 64, "lr": 1e-3, "r1": 1.0, "augment": "none",
         "steps": 2000},
    128: {"width": 64, "d_width": 16, "kernel_size": 4, "latent_dim": 128,
          "batch_size": 32, "lr": 1e-3, "r1": 1.0, "augment": "none",
          "steps": 4000},
}  # fmt: skip
FOLDER_IMAGE_SIZE = 32  # train --images' default --image-size
MIN_FOLDER_IMAGES = 100  # fewer pictures cannot teach a GAN from scratch
IMAGES_PER_CLUSTER = 100  # folder_clusters: K = N // 100, at most RECIPE's 100
MAX_GRIDS = 50  # a grid every few epochs beyond this many epochs

# How the label reaches D. Conditional (digit labels): tiled channels and the
# projection term. Self-conditioned: the projection term only, so that D
# costs the same for any number of clusters.
CONDITIONAL_D = {"projection": True, "tile_label": True}
SELF_CONDITIONED_D = {"projection": True, "tile_label": False}


def folder_clusters(n_images: int) -> int:
    """Default number of pixel clusters for a folder of ``n_images`` pictures.

    K = N // 100, at most 100 (MNIST's 60,000 digits get RECIPE's 100), and
    0 (a plain DCGAN) when that is under 2: k-means needs many images per
    cluster for its groups to mean something (a few hundred pictures in 100
    groups would be groups of two or three), and D's projection term learns
    one embedding per cluster from that cluster's images alone.

    Examples: 150 pictures → 0, 250 → 2, 3,000 → 30, 60,000 → 100.
    """
    k = min(RECIPE["clusters"], int(n_images) // IMAGES_PER_CLUSTER)
    return k if k >= 2 else 0


def nearest_recipe_size(image_size: int) -> int:
    """The :data:`FOLDER_RECIPES` size closest to ``image_size`` in ratio
    (28 → 32, 48 → 64, 100 → 128); a tie goes to the smaller size."""
    return min(
        FOLDER_RECIPES, key=lambda s: (abs(math.log2(image_size / s)), s)
    )  # fmt: skip


def folder_recipe(image_size: int = FOLDER_IMAGE_SIZE, n_images: int = 3000) -> dict:
    """The settings ``python -m ganlab train --images DIR`` uses by default.

    >>> folder_recipe(32, 3000)  # doctest: +NORMALIZE_WHITESPACE
    {'size': 32, 'width': 32, 'd_width': 32, 'kernel_size': 5, 'latent_dim': 100,
     'batch_size': 64, 'lr': 0.001, 'r1': 0.0, 'augment': 'none', 'steps': 1500,
     'epochs': 33, 'clusters': 30, 'grid_every': 1}

    Build and train the GAN from it as the command does::

        r = folder_recipe(32, len(images))
        gan = gan_from_recipe(r, images.shape[1:])
        gan.fit(images, training_labels(gan, images), epochs=r["epochs"],
                batch_size=r["batch_size"])

    Args:
        image_size: side S of the (square) training images, in pixels; the
            recipe of the nearest of 32, 64 and 128 is used
            (:func:`nearest_recipe_size`).
        n_images: number of training pictures; sets the epochs and the
            clusters.

    Returns:
        A new dict: ``size`` (the recipe's key), ``width`` (G's),
        ``d_width``, ``kernel_size``, ``latent_dim``, ``batch_size``, ``lr``
        (Adam, both networks), ``r1`` (γ of the R1 penalty, 0: off),
        ``augment`` (what D sees: ``"none"`` or ``"diffaugment"``),
        ``steps`` (the updates aimed at), ``epochs`` (the passes over N
        images that give at least ``steps`` updates, rounded up to a
        multiple of ``grid_every``),
        ``clusters`` (:func:`folder_clusters`; 0: a plain DCGAN) and
        ``grid_every`` (epochs between sample grids, so that there are at
        most ``MAX_GRIDS``).

    Raises:
        ValueError: for an ``image_size`` or ``n_images`` below 1.
    """
    if int(image_size) < 1 or int(n_images) < 1:
        raise ValueError(
            f"image_size and n_images must be positive; got {image_size} and "
            f"{n_images}."
        )
    size = nearest_recipe_size(int(image_size))
    recipe = {"size": size, **FOLDER_RECIPES[size]}
    # fit drops the last, smaller batch of each epoch.
    steps_per_epoch = max(1, int(n_images) // recipe["batch_size"])
    epochs = math.ceil(recipe["steps"] / steps_per_epoch)
    every = grid_every(epochs)
    recipe["epochs"] = math.ceil(epochs / every) * every
    recipe["clusters"] = folder_clusters(n_images)
    recipe["grid_every"] = every
    return recipe


def mnist_recipe() -> dict:
    """The settings ``python -m ganlab train`` uses on MNIST, with the keys
    of :func:`folder_recipe`: :data:`RECIPE`'s networks for both G and D, no
    R1, no augmentation, a grid every epoch."""
    keys = ("width", "kernel_size", "latent_dim", "batch_size", "lr", "epochs")
    recipe = {key: RECIPE[key] for key in keys}
    recipe.update(d_width=RECIPE["width"], r1=0.0, augment="none")
    recipe.update(clusters=RECIPE["clusters"], grid_every=1)
    return recipe


def grid_every(epochs: int) -> int:
    """Epochs between two sample grids: 1, or more so that ``epochs`` epochs
    write at most ``MAX_GRIDS`` grids."""
    return max(1, math.ceil(int(epochs) / MAX_GRIDS))


def describe_folder_recipes() -> str:
    """One line per :data:`FOLDER_RECIPES` entry, for ``train --help``."""
    return "; ".join(
        describe_recipe(r, size=size) for size, r in FOLDER_RECIPES.items()
    )  # fmt: skip


def describe_recipe(recipe: dict, *, size: int) -> str:
    """One :data:`FOLDER_RECIPES` entry in words, e.g. "64 px: G width 64,
    D width 32, 4×4 kernels, z of 100, batch 64, Adam 0.001, R1 1, about
    2000 steps"."""
    r = recipe
    extras = [f"R1 {r['r1']:g}"] if r["r1"] else []
    extras += [] if r["augment"] == "none" else [r["augment"]]
    return ", ".join(
        [f"{size} px: G width {r['width']}", f"D width {r['d_width']}",
         f"{r['kernel_size']}×{r['kernel_size']} kernels",
         f"z of {r['latent_dim']}", f"batch {r['batch_size']}",
         f"Adam {r['lr']:g}", *extras, f"about {r['steps']} steps"]
    )  # fmt: skip


def recipe_dropout(d_batch_norm: bool) -> float:
    """D's dropout rate in the recipe: 0 when D has BatchNorm, else the DCGAN
    tutorial's 0.3 (the recipe search in bench/results/time_to_quality.md
    measured the pairing)."""
    return 0.0 if d_batch_norm else 0.3


def discriminator_options(
    *,
    num_classes: int | None = None,
    self_conditioned: bool = False,
    batch_norm: bool = RECIPE["d_batch_norm"],
    dropout: float | None = None,
    **overrides,
) -> dict:
    """``make_discriminator`` options of the recipe; ``overrides`` win."""
    options = {"batch_norm": batch_norm}
    options["dropout"] = recipe_dropout(batch_norm) if dropout is None else dropout
    if num_classes is not None:
        options.update(SELF_CONDITIONED_D if self_conditioned else CONDITIONAL_D)
    return {**options, **overrides}


def build_dcgan(
    latent_dim: int = 100,
    *,
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int | None = None,
    label_prior=None,
    width: int = 64,
    seed: int | None = None,
    **discriminator_kwargs,
) -> GAN:
    """A :class:`GAN` with the DCGAN generator and discriminator, not compiled.

    Args:
        latent_dim: size of z.
        image_shape: (H, W, C) of the images.
        num_classes: K to condition both networks on labels (or clusters).
        label_prior: see :class:`GAN`.
        width: width of both networks (64 gives the TensorFlow tutorial's).
        seed: seed of the model's noise.
        **discriminator_kwargs: passed to :func:`ganlab.make_discriminator`
            (e.g. ``projection=True``, ``batch_norm=True``, ``dropout=0.0``).
    """
    return GAN(
        make_generator(
            latent_dim, image_shape=image_shape, num_classes=num_classes, width=width
        ),
        make_discriminator(
            image_shape, num_classes=num_classes, width=width, **discriminator_kwargs
        ),
        label_prior=label_prior,
        seed=seed,
    )


def build_recipe_gan(
    latent_dim: int = RECIPE["latent_dim"],
    *,
    num_classes: int | None = None,
    self_conditioned: bool = False,
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = RECIPE["width"],
    d_width: int | None = None,
    kernel_size: int = RECIPE["kernel_size"],
    seed: int | None = None,
    **discriminator_kwargs,
) -> GAN:
    """The recipe's networks in a :class:`ganlab.GAN`, not compiled.

    Args:
        latent_dim: size of z.
        num_classes: None for the plain DCGAN; K to condition on K labels
            (the digits) or, with ``self_conditioned``, K clusters.
        self_conditioned: the labels are clusters of the images: D sees them
            through the projection term only and ``generate`` draws them as
            often as the training data has them (``label_prior="data"``).
        image_shape: (H, W, C) of the images.
        width: width of both networks (``d_width``: D's, when given).
        d_width: D's width; ``width`` when None.
        kernel_size: kernel side of every (transposed) convolution.
        seed: seed of the model's noise.
        **discriminator_kwargs: :func:`discriminator_options` overrides
            (``batch_norm``, ``dropout``, ``tile_label``, ...).

    Raises:
        ValueError: for ``self_conditioned`` without ``num_classes``.
    """
    if self_conditioned and num_classes is None:
        raise ValueError("A self-conditioned GAN needs num_classes (the clusters).")
    generator = make_generator(
        latent_dim, image_shape=image_shape, num_classes=num_classes,
        width=width, kernel_size=kernel_size,
    )  # fmt: skip
    options = discriminator_options(
        num_classes=num_classes, self_conditioned=self_conditioned,
        **discriminator_kwargs,
    )  # fmt: skip
    discriminator = make_discriminator(
        image_shape, num_classes=num_classes, width=d_width or width,
        kernel_size=kernel_size, **options,
    )  # fmt: skip
    prior = "data" if self_conditioned else None
    return GAN(generator, discriminator, label_prior=prior, seed=seed)


def compile_recipe(
    gan: GAN,
    *,
    lr: float = RECIPE["lr"],
    d_lr: float | None = None,
    g_lr: float | None = None,
    beta_1: float = RECIPE["beta_1"],
    ema: float = RECIPE["ema"],
    decay_steps: int = 0,
    jit_compile: bool = False,
    **compile_kwargs,
) -> GAN:
    """Compile ``gan`` with the recipe's optimizers and EMA; return it.

    Args:
        gan: the GAN to compile.
        lr: Adam's learning rate for both networks (``d_lr``, ``g_lr``:
            one network's, when given).
        d_lr: D's learning rate; ``lr`` when None.
        g_lr: G's learning rate; ``lr`` when None.
        beta_1: Adam's β₁.
        ema: β of the generator's weight average (0: off).
        decay_steps: cosine-decay the learning rates to 0 over this many
            steps (0: constant).
        jit_compile: XLA on; off means Keras's ``"auto"`` (off on CPUs).
        **compile_kwargs: other ``GAN.compile`` options (``loss``, ...).
    """

    def adam(rate: float) -> keras.optimizers.Optimizer:
        if decay_steps:
            rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps)
        return keras.optimizers.Adam(rate, beta_1=beta_1)

    gan.compile(
        d_optimizer=adam(lr if d_lr is None else d_lr),
        g_optimizer=adam(lr if g_lr is None else g_lr),
        ema=ema,
        jit_compile=True if jit_compile else "auto",
        **compile_kwargs,
    )
    return gan


def gan_from_recipe(
    recipe: dict,
    image_shape: Sequence[int],
    *,
    conditional: bool = False,
    seed: int | None = None,
    jit_compile: bool = False,
) -> GAN:
    """The compiled GAN of a recipe, as ``python -m ganlab train`` builds it.

    Args:
        recipe: a :func:`folder_recipe` dict (or one with the same keys):
            ``latent_dim``, ``width``, ``d_width``, ``kernel_size``, ``lr``,
            ``r1``, ``augment`` and ``clusters`` (0: no self-conditioning).
        image_shape: (H, W, C) of the training images.
        conditional: condition on the 10 digit labels instead
            (``train --conditional``; ``recipe["clusters"]`` must then be 0).
        seed: seed of the model's noise.
        jit_compile: XLA on (see :func:`compile_recipe`).
    """
    clusters = recipe["clusters"]
    gan = build_recipe_gan(
        recipe["latent_dim"], num_classes=DIGITS if conditional else clusters or None,
        self_conditioned=bool(clusters), image_shape=image_shape,
        width=recipe["width"], d_width=recipe["d_width"],
        kernel_size=recipe["kernel_size"], seed=seed,
    )  # fmt: skip
    return compile_recipe(
        gan, lr=recipe["lr"], r1=recipe["r1"], augment=recipe["augment"],
        jit_compile=jit_compile,
    )  # fmt: skip


def training_labels(
    gan: GAN, images, digits=None, *, seed: int = 0, progress: bool = False
):
    """What ``gan.fit`` takes beside the images: None for an unconditional
    GAN, ``digits`` for a conditional one, and for a self-conditioned one
    (``label_prior`` set) the :func:`ganlab.pixel_clusters` ids of the
    images, K = ``gan.num_classes``, computed with ``seed`` (``progress``:
    with a progress bar)."""
    if gan.num_classes is None:
        return None
    if gan.label_prior is None:
        return digits
    x = check_images(images, gan.image_shape)
    if progress:
        print(f"ganlab: clustering {len(x)} images into {gan.num_classes} groups "
              "by their pixels (k-means)")  # fmt: skip
    return pixel_clusters(x, gan.num_classes, seed=seed, progress=progress)


def cluster_purity(ids: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose label is their cluster's majority label (a
    check only: the labels never reach self-conditioned training)."""
    majority = sum(np.bincount(labels[ids == c]).max() for c in np.unique(ids))
    return float(majority / len(ids))
