"""ganlab: Generative Adversarial Networks with Keras 3, to learn and to use.

The public API, by module:

- networks (:mod:`ganlab.models`): ``make_generator``, ``make_discriminator``,
  ``make_mlp_generator``, ``make_mlp_discriminator``, ``MinibatchStdDev``;
- the game (:mod:`ganlab.gan`, :mod:`ganlab.conditional`,
  :mod:`ganlab.self_conditioned`): ``GAN``, ``build_dcgan``,
  ``ConditionalGAN``, ``build_conditional_dcgan``, ``SelfConditionedGAN``,
  ``build_self_conditioned_dcgan``, ``pixel_clusters``;
- losses (:mod:`ganlab.losses`): BCE, least squares, Wasserstein;
- data (:mod:`ganlab.data`, :mod:`ganlab.datasets`, :mod:`ganlab.toy`):
  ``check_images``, ``make_dataset``, ``load_mnist``, 2-D mixtures;
- evaluation (:mod:`ganlab.metrics`, :mod:`ganlab.evaluator`,
  :mod:`ganlab.evaluation`): ``evaluate``, ``format_report``,
  ``QualityMonitor``, ``mode_metrics``;
- pictures (:mod:`ganlab.callbacks`, :mod:`ganlab.plotting`,
  :mod:`ganlab.latent`): ``GANMonitor``, grids, GIFs, loss curves;
- speed (:mod:`ganlab.precision`): ``set_precision("bfloat16")``,
  ``bfloat16_supported``.
"""

from ganlab import (
    callbacks,
    conditional,
    data,
    datasets,
    evaluation,
    evaluator,
    latent,
    losses,
    metrics,
    models,
    plotting,
    precision,
    self_conditioned,
    toy,
)
from ganlab.callbacks import GANMonitor
from ganlab.conditional import (
    ConditionalGAN,
    build_conditional_dcgan,
    make_conditional_discriminator,
    make_conditional_generator,
)
from ganlab.data import check_images, make_dataset
from ganlab.datasets import load_mnist
from ganlab.evaluation import QualityMonitor, evaluate, format_report
from ganlab.gan import GAN, build_dcgan
from ganlab.models import (
    MinibatchStdDev,
    make_discriminator,
    make_generator,
    make_mlp_discriminator,
    make_mlp_generator,
)
from ganlab.precision import bfloat16_supported, set_precision
from ganlab.self_conditioned import (
    SelfConditionedGAN,
    build_self_conditioned_dcgan,
    pixel_clusters,
)
from ganlab.toy import mode_metrics

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "ConditionalGAN",
    "GANMonitor",
    "MinibatchStdDev",
    "QualityMonitor",
    "SelfConditionedGAN",
    "bfloat16_supported",
    "build_conditional_dcgan",
    "build_dcgan",
    "build_self_conditioned_dcgan",
    "callbacks",
    "check_images",
    "conditional",
    "data",
    "datasets",
    "evaluate",
    "evaluation",
    "evaluator",
    "format_report",
    "latent",
    "load_mnist",
    "losses",
    "make_conditional_discriminator",
    "make_conditional_generator",
    "make_dataset",
    "make_discriminator",
    "make_generator",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "metrics",
    "mode_metrics",
    "models",
    "pixel_clusters",
    "plotting",
    "precision",
    "self_conditioned",
    "set_precision",
    "toy",
]
