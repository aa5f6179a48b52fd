"""ganlab: Generative Adversarial Networks with Keras 3, to learn and to use."""

from ganlab import callbacks, data, datasets, latent, losses, models, plotting
from ganlab.callbacks import GANMonitor
from ganlab.conditional import (
    ConditionalGAN,
    build_conditional_dcgan,
    make_conditional_discriminator,
    make_conditional_generator,
)
from ganlab.data import check_images, make_dataset
from ganlab.datasets import load_mnist
from ganlab.gan import GAN, build_dcgan
from ganlab.models import make_discriminator, make_generator

__version__ = "0.1.0"

# Mode-collapse lab (issue 4).
from ganlab import toy  # noqa: E402
from ganlab.models import (  # noqa: E402
    MinibatchStdDev,
    make_mlp_discriminator,
    make_mlp_generator,
)
from ganlab.toy import mode_metrics  # noqa: E402

__all__ = [
    "ConditionalGAN",
    "build_conditional_dcgan",
    "make_conditional_discriminator",
    "make_conditional_generator",
    "GAN",
    "GANMonitor",
    "build_dcgan",
    "callbacks",
    "check_images",
    "data",
    "datasets",
    "latent",
    "load_mnist",
    "losses",
    "make_dataset",
    "make_discriminator",
    "make_generator",
    "models",
    "plotting",
    "toy",
    "MinibatchStdDev",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "mode_metrics",
]
