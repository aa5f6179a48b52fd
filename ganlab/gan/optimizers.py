"""The two players' optimizers: defaults, the pair check, and saving.

The default is the DCGAN paper's Adam(2e-4, beta_1=0.5) (Radford et al.
2016). Each player keeps its own optimizer, whose state (Adam's moments)
belongs to its own network's weights.
"""

from __future__ import annotations

import keras


def get_optimizer(identifier):
    """An optimizer from a name, config or object; the DCGAN paper's
    Adam(2e-4, beta_1=0.5) (Radford et al. 2016) when None."""
    if identifier is None:
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
    return keras.optimizers.get(identifier)


def optimizer_pair(d_optimizer, g_optimizer):
    """The two players' optimizers (:func:`get_optimizer` of each).

    Raises:
        ValueError: when both are one object: each keeps state (e.g. Adam's
            moments) for its own network's weights.
    """
    d, g = get_optimizer(d_optimizer), get_optimizer(g_optimizer)
    if d is g:
        raise ValueError(
            "d_optimizer and g_optimizer must be two optimizer objects: each "
            "keeps state (e.g. Adam's moments) for its own network's weights."
        )
    return d, g


def serialize_optimizer(optimizer) -> dict:
    """The optimizer's config, loadable on every backend: PyTorch's Adam is
    a class of ``keras.src.backend.torch``, whose import on another backend
    fails (or crashes TensorFlow); name the public class instead."""
    config = keras.saving.serialize_keras_object(optimizer)
    if str(config.get("module", "")).startswith("keras.src.backend."):
        config["module"] = "keras.optimizers"
    return config
