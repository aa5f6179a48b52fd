"""Layers the networks use beyond Keras's own."""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="ganlab")
class MinibatchStdDev(layers.Layer):
    """Append the minibatch standard deviation as one more feature.

    Karras et al. 2018, "Progressive Growing of GANs",
    https://arxiv.org/abs/1710.10196, section 3: the standard deviation of
    every feature over the batch, averaged into one scalar s ≥ 0, is
    appended to every example as a constant channel. A collapsed generator's
    batch has s ≈ 0 while a real batch does not, so D can tell them apart
    and G is pushed to vary its samples.

    Input (B, ..., C) → output (B, ..., C + 1). The whole batch is one
    group; the statistic is per replica under ``tf.distribute``.
    """

    def call(self, x):
        std = ops.sqrt(ops.var(x, axis=0) + 1e-8)
        s = ops.mean(std)
        feature = ops.ones_like(x[..., :1]) * s
        return ops.concatenate([x, feature], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)
