"""The game: the ``GAN`` model, its train step, losses and remedies.

- :mod:`~ganlab.gan.model`: :class:`GAN`, a ``keras.Model`` whose
  ``fit`` trains both players;
- :mod:`~ganlab.gan.step`: its train step, written once for every backend;
- :mod:`~ganlab.gan.losses`: the adversarial losses and penalties;
- :mod:`~ganlab.gan.options`: ``compile``'s options as :class:`GANOptions`;
- :mod:`~ganlab.gan.two_player`: :class:`TwoPlayerModel`, the base that
  ``GAN``, ``Pix2Pix`` and ``CycleGAN`` share;
- :mod:`~ganlab.gan.optimizers`, :mod:`~ganlab.gan.checks`: the players'
  optimizers, and checks that networks and options fit together;
- remedies: :mod:`~ganlab.gan.augment` (DiffAugment, ADA),
  :mod:`~ganlab.gan.mixtures` (several generators or discriminators);
- :mod:`~ganlab.gan.self_conditioning`: clusters of the training images as
  labels; :mod:`~ganlab.gan.recipes`: the default recipe;
  :mod:`~ganlab.gan.latent`: walks through the latent space.
"""

from ganlab.gan import mixtures  # noqa: I001  (before the networks need it)
from ganlab.gan import augment, latent, losses, optimizers, recipes, self_conditioning
from ganlab.gan.model import GAN
from ganlab.gan.options import GANOptions
from ganlab.gan.two_player import TwoPlayerModel

__all__ = [
    "GAN",
    "GANOptions",
    "TwoPlayerModel",
    "augment",
    "latent",
    "losses",
    "mixtures",
    "optimizers",
    "recipes",
    "self_conditioning",
]


def __getattr__(name):
    """Names that lived here in ganlab 0.1, with a DeprecationWarning."""
    from ganlab import _moved

    return _moved.moved_name("ganlab.gan", name)
