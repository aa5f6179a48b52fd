"""The networks: DCGAN and MLP players, the U-Net and PatchGAN, layers.

- :mod:`~ganlab.nets.dcgan`: the DCGAN generator and discriminator of
  Radford et al. 2016, unconditional or conditional, and small MLPs;
- :mod:`~ganlab.nets.translation`: the U-Net generator and PatchGAN
  discriminator of Pix2Pix (Isola et al. 2017);
- :mod:`~ganlab.nets.stylegan`: a small StyleGAN2 generator (mapping
  network, modulated convolutions, noise, style mixing, truncation) and
  residual discriminator (Karras et al. 2019, 2020);
- :mod:`~ganlab.nets.layers`: layers beyond Keras's own.
"""

from ganlab.nets.dcgan import (
    make_discriminator,
    make_generator,
    make_mlp_discriminator,
    make_mlp_generator,
)
from ganlab.nets.layers import MinibatchStdDev, SelfAttention
from ganlab.nets.stylegan import (
    ModulatedConv2D,
    StyleGenerator,
    make_style_discriminator,
    make_style_generator,
)
from ganlab.nets.translation import make_patchgan_discriminator, make_unet_generator

__all__ = [
    "MinibatchStdDev",
    "ModulatedConv2D",
    "SelfAttention",
    "StyleGenerator",
    "make_discriminator",
    "make_generator",
    "make_mlp_discriminator",
    "make_mlp_generator",
    "make_patchgan_discriminator",
    "make_style_discriminator",
    "make_style_generator",
    "make_unet_generator",
]
