"""The networks: DCGAN and MLP players, the U-Net and PatchGAN, layers.

- :mod:`~ganlab.nets.dcgan`: the DCGAN generator and discriminator of
  Radford et al. 2016, unconditional or conditional, and small MLPs;
- :mod:`~ganlab.nets.translation`: the U-Net generator and PatchGAN
  discriminator of Pix2Pix (Isola et al. 2017);
- :mod:`~ganlab.nets.layers`: layers beyond Keras's own.
"""

from ganlab.nets.dcgan import (
    make_discriminator,
    make_generator,
    make_mlp_discriminator,
    make_mlp_generator,
)
from ganlab.nets.layers import MinibatchStdDev, SelfAttention
from ganlab.nets.translation import make_patchgan_discriminator, make_unet_generator

__all__ = [
    "MinibatchStdDev",
    "SelfAttention",
    "make_discriminator",
    "make_generator",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "make_patchgan_discriminator",
    "make_unet_generator",
]
