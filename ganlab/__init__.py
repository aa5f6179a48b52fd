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
]
