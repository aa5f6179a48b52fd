"""ganlab: Generative Adversarial Networks with Keras 3, to learn and to use.

Runs on every Keras 3 backend (``KERAS_BACKEND=tensorflow``, ``jax`` or
``torch``). The package, by subpackage:

- :mod:`ganlab.gan`: the game. ``GAN`` (a ``keras.Model``; ``fit`` trains
  both players), its train step, the losses and penalties (BCE, least
  squares, Wasserstein, hinge; gradient penalty, R1; packing), ``GANOptions``
  (``compile``'s options), ``TwoPlayerModel`` (the base that ``GAN``,
  ``Pix2Pix`` and ``CycleGAN`` share), augmentation for D on small data
  (DiffAugment, ADA), several generators (MGAN) or discriminators (GMAN),
  self-conditioning, the default recipe (``build_dcgan``);
- :mod:`ganlab.nets`: the networks. ``make_generator``,
  ``make_discriminator`` (DCGAN, unconditional or conditioned on
  ``num_classes``), the MLPs, the U-Net and PatchGAN, ``MinibatchStdDev``,
  ``SelfAttention`` (SAGAN), a small StyleGAN2 (``make_style_generator``,
  ``make_style_discriminator``);
- :mod:`ganlab.translation`: image-to-image translation. ``Pix2Pix``
  (paired), ``CycleGAN`` (unpaired), ``TranslationMonitor``;
- :mod:`ganlab.data`: ``check_images`` (the one image validator), the one
  data path into ``fit``, ``load_mnist``, ``load_image_folder``, 2-D
  mixtures and disc pictures whose every sample can be checked;
- :mod:`ganlab.evaluation`: IS, FID, KID, precision/recall and
  density/coverage on the shipped MNIST classifier's features;
  ``evaluate``, ``format_report``, ``QualityMonitor``; the Classification
  Accuracy Score; the real-or-fake test (HYPE) and pairwise preference;
- :mod:`ganlab.diagnosis`: ``GANDoctor``, a callback that names what is
  going wrong in training and the remedy to try;
- :mod:`ganlab.cli`: ``python -m ganlab train|sample|evaluate|translate``;
- pictures (:mod:`ganlab.callbacks`, :mod:`ganlab.plotting`):
  ``GANMonitor``, ``ClassGridMonitor``, grids, GIFs, loss curves;
- speed (:mod:`ganlab.mixed_precision`): ``set_precision("bfloat16")``,
  ``bfloat16_supported``; :mod:`ganlab.backend`: the one place per backend
  where a gradient is taken.

The module paths of ganlab 0.2 (``ganlab.models``, ``ganlab.metrics``, ...)
still import, with a ``DeprecationWarning`` naming the new path, until 0.4.
"""

import os as _os
import sys as _sys


def _quiet_tensorflow_import() -> None:
    """Import TensorFlow with stderr closed when its start-up notices are
    not wanted: under ``python -m ganlab``, or when TF_CPP_MIN_LOG_LEVEL is
    2 or more (a notebook asking for quiet). TensorFlow 2.21 prints its
    oneDNN and CUDA-stub notices on import whatever TF_CPP_MIN_LOG_LEVEL
    says. Nothing happens when TensorFlow is imported already or Keras is
    set to another backend (KERAS_BACKEND, or ~/.keras/keras.json)."""
    import json

    if "tensorflow" in _sys.modules:
        return
    backend = _os.environ.get("KERAS_BACKEND")
    if not backend:
        home = _os.environ.get("KERAS_HOME", _os.path.expanduser("~/.keras"))
        try:
            with open(_os.path.join(home, "keras.json")) as f:
                backend = json.load(f).get("backend")
        except (OSError, ValueError):
            backend = None
    if (backend or "tensorflow") != "tensorflow":
        return
    if _sys.argv[:1] == ["-m"]:  # `python -m ganlab ...`: a quiet command line
        _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        quiet = int(_os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")) >= 2
    except ValueError:
        quiet = False
    if not quiet:
        return
    _sys.stderr.flush()
    _stderr, _null = _os.dup(2), _os.open(_os.devnull, _os.O_WRONLY)
    _os.dup2(_null, 2)
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        pass  # Keras says what is missing, with stderr open
    finally:
        _os.dup2(_stderr, 2)
        _os.close(_stderr)
        _os.close(_null)


_quiet_tensorflow_import()

from ganlab import _moved  # noqa: E402

_moved.install()

from ganlab import (  # noqa: E402
    callbacks,
    data,
    diagnosis,
    evaluation,
    gan,
    mixed_precision,
    nets,
    plotting,
    translation,
)
from ganlab.callbacks import ClassGridMonitor, GANMonitor  # noqa: E402
from ganlab.data import check_images, load_image_folder, load_mnist  # noqa: E402
from ganlab.data.toy import mode_metrics  # noqa: E402
from ganlab.diagnosis import GANDoctor  # noqa: E402
from ganlab.evaluation import (  # noqa: E402
    InceptionWeightsError,
    QualityMonitor,
    evaluate,
    format_report,
)
from ganlab.gan import GAN, GANOptions, TwoPlayerModel, legacy  # noqa: E402, F401
from ganlab.gan.mixtures import discriminator_ensemble  # noqa: E402
from ganlab.gan.recipes import build_dcgan, folder_recipe, gan_from_recipe  # noqa: E402
from ganlab.gan.self_conditioning import (  # noqa: E402
    fit_self_conditioned,
    pixel_clusters,
)
from ganlab.mixed_precision import bfloat16_supported, set_precision  # noqa: E402
from ganlab.nets import (  # noqa: E402
    MinibatchStdDev,
    SelfAttention,
    StyleGenerator,
    make_discriminator,
    make_generator,
    make_mlp_discriminator,
    make_mlp_generator,
    make_style_discriminator,
    make_style_generator,
)
from ganlab.translation import CycleGAN, Pix2Pix, TranslationMonitor  # noqa: E402

__version__ = "0.3.0"


def __getattr__(name):
    """``ganlab.metrics`` and the other 0.2 module names, with a warning."""
    if f"ganlab.{name}" in _moved.MOVED:
        import importlib

        return importlib.import_module(f"ganlab.{name}")
    raise AttributeError(f"module 'ganlab' has no attribute {name!r}")


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
    "SelfAttention",
    "StyleGenerator",
    "QualityMonitor",
    "bfloat16_supported",
    "build_dcgan",
    "callbacks",
    "check_images",
    "data",
    "diagnosis",
    "discriminator_ensemble",
    "evaluate",
    "evaluation",
    "fit_self_conditioned",
    "folder_recipe",
    "format_report",
    "gan",
    "gan_from_recipe",
    "load_image_folder",
    "load_mnist",
    "make_discriminator",
    "make_generator",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "make_style_discriminator",
    "make_style_generator",
    "mixed_precision",
    "mode_metrics",
    "nets",
    "pixel_clusters",
    "plotting",
    "set_precision",
    "translation",
]
