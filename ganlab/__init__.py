"""ganlab: Generative Adversarial Networks with Keras 3, to learn and to use.

Runs on every Keras 3 backend (``KERAS_BACKEND=tensorflow``, ``jax`` or
``torch``). The public API, by module:

- networks (:mod:`ganlab.models`): ``make_generator``, ``make_discriminator``
  (unconditional or conditioned on ``num_classes``), ``make_mlp_generator``,
  ``make_mlp_discriminator``, ``MinibatchStdDev``;
- the game (:mod:`ganlab.gan`, :mod:`ganlab.step`): ``GAN`` and its compile
  options ``GANOptions`` (:mod:`ganlab.gan_options`); ``build_dcgan``
  (:mod:`ganlab.recipes`); ``TwoPlayerModel`` (:mod:`ganlab.two_player`),
  the base that ``GAN``, ``Pix2Pix`` and ``CycleGAN`` share (optimizers,
  saving, seeds, augmentation);
  several generators (MGAN) or discriminators (GMAN) (:mod:`ganlab.mixtures`):
  ``num_generators=`` / ``num_discriminators=`` in the builders,
  ``discriminator_ensemble``;
  self-conditioning (:mod:`ganlab.clusters`): ``pixel_clusters``,
  ``fit_self_conditioned``;
- image-to-image translation (:mod:`ganlab.image_to_image`): ``Pix2Pix``
  (paired), ``CycleGAN`` (unpaired), the U-Net and PatchGAN builders,
  ``TranslationMonitor``;
- losses and penalties (:mod:`ganlab.losses`): BCE, least squares,
  Wasserstein, hinge; gradient penalty, R1; packing;
- augmentation for D on small data (:mod:`ganlab.augment`): DiffAugment,
  ADA, through ``GAN.compile(augment=...)``;
- data (:mod:`ganlab.data`, :mod:`ganlab.datasets`, :mod:`ganlab.toy`,
  :mod:`ganlab.toy_images`): ``check_images``, ``load_mnist``, 2-D mixtures,
  disc pictures with a check of each sample;
- evaluation (:mod:`ganlab.metrics`, :mod:`ganlab.manifold_metrics`,
  :mod:`ganlab.evaluator`, :mod:`ganlab.evaluation`): ``evaluate``,
  ``format_report``, ``QualityMonitor``, ``mode_metrics``;
- diagnosis (:mod:`ganlab.doctor`, :mod:`ganlab.diagnoses`): ``GANDoctor``,
  a callback that names what is going wrong in training and the remedy to try;
- pictures (:mod:`ganlab.callbacks`, :mod:`ganlab.plotting`,
  :mod:`ganlab.latent`): ``GANMonitor``, ``ClassGridMonitor``, grids, GIFs,
  loss curves;
- speed (:mod:`ganlab.precision`): ``set_precision("bfloat16")``,
  ``bfloat16_supported``.
"""

import os as _os
import sys as _sys

if _sys.argv[:1] == ["-m"]:  # `python -m ganlab ...`: a quiet command line
    # TensorFlow 2.21 prints its oneDNN and CUDA-stub notices on import even
    # with TF_CPP_MIN_LOG_LEVEL=3, so its import runs with stderr closed.
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _stderr, _null = _os.dup(2), _os.open(_os.devnull, _os.O_WRONLY)
    _os.dup2(_null, 2)
    try:
        import tensorflow  # noqa: F401
    finally:
        _os.dup2(_stderr, 2)
        _os.close(_stderr)
        _os.close(_null)

from ganlab import (
    augment,
    callbacks,
    clusters,
    data,
    datasets,
    doctor,
    evaluation,
    evaluator,
    image_folders,
    image_to_image,
    latent,
    legacy,  # noqa: F401  (registers ganlab 0.1's class names for loading)
    losses,
    manifold_metrics,
    metrics,
    mixtures,
    models,
    plotting,
    precision,
    recipes,
    toy,
    toy_images,
    two_player,
)
from ganlab.callbacks import ClassGridMonitor, GANMonitor
from ganlab.clusters import fit_self_conditioned, pixel_clusters
from ganlab.data import check_images
from ganlab.datasets import load_mnist
from ganlab.doctor import GANDoctor
from ganlab.evaluation import QualityMonitor, evaluate, format_report
from ganlab.evaluator import InceptionWeightsError
from ganlab.gan import GAN
from ganlab.gan_options import GANOptions
from ganlab.image_folders import load_image_folder
from ganlab.image_to_image import CycleGAN, Pix2Pix, TranslationMonitor
from ganlab.mixtures import discriminator_ensemble
from ganlab.models import (
    MinibatchStdDev,
    make_discriminator,
    make_generator,
    make_mlp_discriminator,
    make_mlp_generator,
)
from ganlab.precision import bfloat16_supported, set_precision
from ganlab.recipes import build_dcgan, folder_recipe, gan_from_recipe
from ganlab.toy import mode_metrics
from ganlab.two_player import TwoPlayerModel

__version__ = "0.2.0"

__all__ = [
    "GAN",
    "GANOptions",
    "TwoPlayerModel",
    "CycleGAN",
    "Pix2Pix",
    "TranslationMonitor",
    "ClassGridMonitor",
    "GANDoctor",
    "GANMonitor",
    "InceptionWeightsError",
    "MinibatchStdDev",
    "QualityMonitor",
    "augment",
    "bfloat16_supported",
    "build_dcgan",
    "callbacks",
    "check_images",
    "clusters",
    "data",
    "datasets",
    "discriminator_ensemble",
    "doctor",
    "evaluate",
    "evaluation",
    "evaluator",
    "image_folders",
    "image_to_image",
    "fit_self_conditioned",
    "folder_recipe",
    "gan_from_recipe",
    "format_report",
    "latent",
    "load_image_folder",
    "load_mnist",
    "losses",
    "manifold_metrics",
    "make_discriminator",
    "make_generator",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "metrics",
    "mixtures",
    "mode_metrics",
    "models",
    "pixel_clusters",
    "plotting",
    "precision",
    "recipes",
    "set_precision",
    "toy",
    "toy_images",
    "two_player",
]
