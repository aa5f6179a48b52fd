"""Image-to-image translation: Pix2Pix (paired) and CycleGAN (unpaired).

How they differ from :class:`ganlab.GAN`: the generator takes a picture, not
a latent vector; the discriminator judges (input, output) pairs patch by
patch; and a reconstruction loss beside the adversarial one ties the output
to its input (L1 to the target in Pix2Pix, cycle consistency in CycleGAN).

- :mod:`~ganlab.translation.pix2pix`: :class:`Pix2Pix` (Isola et al. 2017)
  and :class:`TranslationMonitor`;
- :mod:`~ganlab.translation.cyclegan`: :class:`CycleGAN` (Zhu et al. 2017);
- :mod:`~ganlab.translation.core`: what both share (input checks, pipelines);
- :mod:`~ganlab.translation.tasks`: the MNIST tasks, folders of pairs, two
  domains; :mod:`~ganlab.translation.metrics`: L1, SSIM, class kept.
"""

from ganlab.translation.cyclegan import CycleGAN
from ganlab.translation.pix2pix import Pix2Pix, TranslationMonitor

__all__ = ["CycleGAN", "Pix2Pix", "TranslationMonitor"]
