"""Loading ``.keras`` files saved by ganlab 0.1's conditional classes.

ganlab 0.1 had ``ConditionalGAN`` and ``SelfConditionedGAN`` beside ``GAN``;
they are now one :class:`ganlab.GAN` whose networks take labels. Their files
load as a ``GAN`` with the same networks, optimizers and weights (a
self-conditioned model keeps its cluster prior as ``label_prior``); save
them again to write the new format.
"""

import keras

from ganlab.gan.model import GAN


def _from_legacy_config(config, custom_objects=None):
    config = dict(config)
    config.pop("num_classes", None)
    return GAN.from_config(config, custom_objects=custom_objects)


@keras.saving.register_keras_serializable(package="ganlab", name="ConditionalGAN")
class _ConditionalGAN:
    def get_config(self):  # pragma: no cover - only loading is supported
        raise NotImplementedError

    from_config = staticmethod(_from_legacy_config)


@keras.saving.register_keras_serializable(package="ganlab", name="SelfConditionedGAN")
class _SelfConditionedGAN:
    def get_config(self):  # pragma: no cover - only loading is supported
        raise NotImplementedError

    @staticmethod
    def from_config(config, custom_objects=None):
        return _from_legacy_config({**config, "label_prior": "data"}, custom_objects)
