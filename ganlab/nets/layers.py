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


@keras.saving.register_keras_serializable(package="ganlab")
class SelfAttention(layers.Layer):
    """Self-attention over the positions of a feature map (SAGAN).

    Zhang et al. 2019, "Self-Attention Generative Adversarial Networks",
    https://arxiv.org/abs/1805.08318, section 3. Convolutions see a small
    neighbourhood; this layer lets every position look at every other. With
    x of shape (B, H, W, C) and N = H·W positions, 1×1 convolutions give
    queries f(x), keys g(x) (C/8 channels each) and values h(x) (C), and

    .. math::

        \\beta_{j,i} = \\operatorname{softmax}_i\\big(f(x_j)^\\top g(x_i)\\big),
        \\qquad o_j = v\\Big(\\sum_i \\beta_{j,i}\\, h(x_i)\\Big), \\qquad
        y = \\gamma\\, o + x,

    with v another 1×1 convolution and γ a learned scalar that starts at 0:
    the layer begins as the identity and the network learns how much
    non-local evidence to use.

    Args:
        spectral_norm: wrap the four 1×1 convolutions in
            ``keras.layers.SpectralNormalization`` (SAGAN uses it in G and D).

    Input (B, H, W, C) with C ≥ 8 → output of the same shape. The attention
    matrix is (B, N, N): memory grows with the square of the positions, so
    place the layer at a middle resolution (16×16 or 32×32).
    """

    def __init__(self, *, spectral_norm: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = spectral_norm

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels < 8:
            raise ValueError(
                f"SelfAttention needs at least 8 channels, got {channels}: place "
                "it after a wider layer."
            )

        def conv(filters, name):
            layer = layers.Conv2D(filters, 1, name=name)
            if self.spectral_norm:
                layer = layers.SpectralNormalization(layer, name=f"sn_{name}")
            layer.build((*input_shape[:-1], channels))
            return layer

        self.query = conv(channels // 8, "query")
        self.key = conv(channels // 8, "key")
        self.value = conv(channels, "value")
        self.out = conv(channels, "out")
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")

    def call(self, x):
        shape = ops.shape(x)
        batch, positions = shape[0], shape[1] * shape[2]
        q = ops.reshape(self.query(x), (batch, positions, -1))
        k = ops.reshape(self.key(x), (batch, positions, -1))
        v = ops.reshape(self.value(x), (batch, positions, -1))
        attention = ops.softmax(ops.matmul(q, ops.transpose(k, (0, 2, 1))), axis=-1)
        o = ops.reshape(ops.matmul(attention, v), shape)
        return x + ops.cast(self.gamma, x.dtype) * self.out(o)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "spectral_norm": self.spectral_norm}
