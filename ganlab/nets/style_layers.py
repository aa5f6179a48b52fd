"""The layers of StyleGAN2 (Karras et al. 2020), for :mod:`ganlab.nets.stylegan`.

Equalized learning rate (:class:`EqualizedDense`, :class:`EqualizedConv2D`;
Karras et al. 2018), weight modulation and demodulation
(:class:`ModulatedConv2D`), per-pixel noise (:class:`NoiseInjection`), the
learned constant input (:class:`ConstantInput`) and pixel norm
(:class:`PixelNorm`). The networks built from them, and what they leave out
of the papers', are described in :mod:`ganlab.nets.stylegan`.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

_LRELU_GAIN = math.sqrt(2.0)


def _activate(x, activation: str):
    """Linear, or leaky ReLU (slope 0.2) times √2, StyleGAN's gain that
    keeps unit-variance inputs at about unit variance."""
    if activation == "lrelu":
        return ops.leaky_relu(x, 0.2) * _LRELU_GAIN
    return x


def _check_activation(activation: str) -> str:
    if activation not in ("linear", "lrelu"):
        raise ValueError(f"activation must be 'linear' or 'lrelu', got {activation!r}.")
    return activation


def _add_conv_weights(layer, channels: int) -> None:
    """An equalized-learning-rate convolution's weights on ``layer`` (which
    has ``kernel_size``, ``filters`` and ``use_bias``): a (k, k, channels,
    filters) kernel drawn from N(0, 1), scaled at run time by
    ``layer.weight_gain`` = 1 / sqrt(fan in), and a zero bias."""
    k = layer.kernel_size
    layer.kernel = layer.add_weight(
        shape=(k, k, channels, layer.filters),
        initializer=keras.initializers.RandomNormal(stddev=1.0),
        name="kernel",
    )
    if layer.use_bias:
        layer.bias = layer.add_weight(
            shape=(layer.filters,), initializer="zeros", name="bias"
        )
    layer.weight_gain = 1.0 / math.sqrt(channels * k * k)


def _seed_state_io(layer, store, *, save: bool) -> None:
    """Save or load a layer's own variables and its seed generators' states,
    so that noise drawn after a load continues as it would have."""
    own = layer._trainable_variables + layer._non_trainable_variables
    seeds = [sg.state for sg in layer._seed_generators]
    for i, variable in enumerate(own):
        if save:
            store[f"{i}"] = variable
        else:
            variable.assign(store[f"{i}"])
    for i, state in enumerate(seeds):
        key = f"seed_state_{i}"
        if save:
            store[key] = state
        elif key in store.keys():
            state.assign(store[key])


# --------------------------------------------------------------- layers --
@keras.saving.register_keras_serializable(package="ganlab")
class EqualizedDense(layers.Layer):
    """A fully connected layer with equalized learning rate (StyleGAN).

    Karras et al. 2018 ("Progressive Growing of GANs",
    https://arxiv.org/abs/1710.10196, section 4.1): the kernel is drawn
    from N(0, 1/λ²) and scaled at run time by λ/√fan_in, and the bias is
    scaled by λ, with λ the learning-rate multiplier:

    .. math::

        y = \\phi\\Big(x \\cdot \\frac{\\lambda}{\\sqrt{n_{in}}} W + \\lambda b\\Big).

    Adam's steps are the same size for every weight whatever the layer's
    fan-in, so every layer learns at the same speed, λ times the optimizer's
    rate: StyleGAN's mapping network uses λ = 0.01.

    Args:
        units: output size.
        lr_multiplier: λ.
        bias_init: the effective bias at initialisation (1 for the styles
            of :class:`ModulatedConv2D`, so they start near 1).
        activation: ``"linear"`` or ``"lrelu"`` (leaky ReLU 0.2 times √2).

    Input (N, ..., n_in) → output (N, ..., units).
    """

    def __init__(
        self,
        units: int,
        *,
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
        activation: str = "linear",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = int(units)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = _check_activation(activation)

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.kernel = self.add_weight(
            shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(stddev=1 / self.lr_multiplier),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,),
            initializer=keras.initializers.Constant(
                self.bias_init / self.lr_multiplier
            ),
            name="bias",
        )
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        kernel = ops.cast(self.kernel, x.dtype) * self.weight_gain
        bias = ops.cast(self.bias, x.dtype) * self.lr_multiplier
        return _activate(ops.matmul(x, kernel) + bias, self.activation)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "lr_multiplier": self.lr_multiplier,
            "bias_init": self.bias_init,
            "activation": self.activation,
        }


@keras.saving.register_keras_serializable(package="ganlab")
class EqualizedConv2D(layers.Layer):
    """A 2-D convolution ('same' padding, stride 1) with equalized learning
    rate: kernel ~ N(0, 1) scaled at run time by 1/√(k²·C_in) (see
    :class:`EqualizedDense`), then an optional bias and activation.

    Args:
        filters: output channels.
        kernel_size: side k of the square kernel.
        use_bias: add a learned per-channel bias (initialised to 0).
        activation: ``"linear"`` or ``"lrelu"`` (leaky ReLU 0.2 times √2).
        gain: a constant the output is multiplied by (StyleGAN2's residual
            branches use √½).

    Input (N, H, W, C_in) → output (N, H, W, filters).
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        *,
        use_bias: bool = True,
        activation: str = "linear",
        gain: float = 1.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.use_bias = bool(use_bias)
        self.activation = _check_activation(activation)
        self.gain = float(gain)

    def build(self, input_shape):
        channels = int(input_shape[-1])
        _add_conv_weights(self, channels)

    def call(self, x):
        kernel = ops.cast(self.kernel, x.dtype) * self.weight_gain
        y = ops.conv(x, kernel, padding="same")
        if self.use_bias:
            y = y + ops.cast(self.bias, x.dtype)
        y = _activate(y, self.activation)
        return y * self.gain if self.gain != 1.0 else y

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "use_bias": self.use_bias,
            "activation": self.activation,
            "gain": self.gain,
        }


@keras.saving.register_keras_serializable(package="ganlab")
class ModulatedConv2D(layers.Layer):
    """StyleGAN2's modulated convolution, with weight demodulation.

    Karras et al. 2020, "Analyzing and Improving the Image Quality of
    StyleGAN", https://arxiv.org/abs/1912.04958, section 2.2. An affine
    layer A (:class:`EqualizedDense`, bias initialised to 1) maps w to one
    style per input channel, s = A(w) (N, C_in). The kernel w_ijk (input
    channel i, output channel j, tap k) is modulated by the style and
    demodulated so that each output channel has about unit variance again:

    .. math::

        w'_{ijk} = s_i\\, w_{ijk}, \\qquad
        w''_{ijk} = \\frac{w'_{ijk}}{\\sqrt{\\sum_{i,k} {w'_{ijk}}^2 + 10^{-8}}}.

    Demodulation replaces StyleGAN's AdaIN, whose normalisation of the
    feature maps caused the "droplet" artifacts. The kernel differs per
    sample, but no per-sample kernel is formed here: as in StyleGAN2's
    non-fused path, the input is scaled by s, convolved with the shared
    kernel, and the output multiplied by the demodulation coefficients

    .. math::

        d_j = \\Big(\\sum_i s_i^2 \\sum_k w_{ijk}^2 + 10^{-8}\\Big)^{-1/2},

    which is the same result: conv(x · s, w) · d = conv(x, w'').

    The kernel has equalized learning rate (N(0, 1), scaled by
    1/√(k²·C_in) at run time), as in StyleGAN.

    Args:
        filters: output channels C_out.
        kernel_size: side k of the square kernel ('same' padding).
        demodulate: divide by the demodulation coefficients (False for the
            to-RGB layers).
        upsample: double H and W first, by bilinear resizing
            (``keras.ops.image.resize``), before the convolution.
        use_bias: add a learned per-channel bias after (de)modulation.

    Called on ``[x, w]``: x (N, H, W, C_in) features, w (N, w_dim). Returns
    (N, H', W', C_out), H' = 2H with ``upsample`` else H. With demodulation
    and N(0, 1) inputs the outputs have about unit variance (a little less
    at the borders, where the padding is zero); without it they scale with s.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        *,
        demodulate: bool = True,
        upsample: bool = False,
        use_bias: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.demodulate = bool(demodulate)
        self.upsample = bool(upsample)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        x_shape, w_shape = input_shape
        channels = int(x_shape[-1])
        self.affine = EqualizedDense(channels, bias_init=1.0, name="affine")
        self.affine.build(w_shape)
        _add_conv_weights(self, channels)

    def styles(self, w):
        """The styles s = A(w), (N, C_in)."""
        return self.affine(w)

    def effective_kernel(self):
        """The shared kernel with its equalized-learning-rate scale,
        (k, k, C_in, C_out)."""
        return self.kernel * self.weight_gain

    def call(self, inputs):
        x, w = inputs
        s = ops.cast(self.styles(w), x.dtype)
        kernel = ops.cast(self.effective_kernel(), x.dtype)
        if self.upsample:
            height, width = x.shape[1], x.shape[2]
            x = ops.image.resize(x, (2 * height, 2 * width), interpolation="bilinear")
        y = ops.conv(x * s[:, None, None, :], kernel, padding="same")
        if self.demodulate:
            w_sq = ops.sum(ops.square(kernel), axis=(0, 1))  # (C_in, C_out)
            d = ops.rsqrt(ops.matmul(ops.square(s), w_sq) + 1e-8)  # (N, C_out)
            y = y * d[:, None, None, :]
        if self.use_bias:
            y = y + ops.cast(self.bias, y.dtype)
        return y

    def compute_output_shape(self, input_shape):
        x_shape = input_shape[0]
        n, h, w = x_shape[:3]
        if self.upsample:
            h, w = (None if h is None else 2 * h), (None if w is None else 2 * w)
        return (n, h, w, self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "demodulate": self.demodulate,
            "upsample": self.upsample,
            "use_bias": self.use_bias,
        }


@keras.saving.register_keras_serializable(package="ganlab")
class NoiseInjection(layers.Layer):
    """Per-pixel noise times a learned per-channel strength (StyleGAN).

    Karras et al. 2019, section 3.2: y = x + b ⊙ n, with n ~ N(0, 1) of
    shape (N, H, W, 1), one value per pixel broadcast over the channels,
    and b (C,) learned per-channel strengths that start at 0 (StyleGAN2
    uses one scalar per layer). Fresh noise is drawn from the layer's own
    ``SeedGenerator`` on every call, in training and in inference; its
    state is saved with the model. With every strength 0 the layer is the
    identity.

    Args:
        seed: the seed generator's seed; None draws one.

    Input (N, H, W, C) → output of the same shape.
    """

    def __init__(self, *, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")

    def build(self, input_shape):
        self.strength = self.add_weight(
            shape=(int(input_shape[-1]),), initializer="zeros", name="strength"
        )

    def call(self, x):
        shape = ops.shape(x)
        noise = keras.random.normal(
            (shape[0], shape[1], shape[2], 1),
            seed=self.seed_generator,
            dtype=self.compute_dtype,
        )
        return x + noise * ops.cast(self.strength, x.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def save_own_variables(self, store):
        _seed_state_io(self, store, save=True)

    def load_own_variables(self, store):
        _seed_state_io(self, store, save=False)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganlab")
class ConstantInput(layers.Layer):
    """The learned constant input of StyleGAN's synthesis network.

    Karras et al. 2019, section 2: the synthesis network starts from a
    learned (size, size, channels) tensor, initialised N(0, 1), instead of
    from z; everything that varies comes in through the styles and noise.

    Args:
        channels: its channels.
        size: its side (4 in the papers).

    Called on any tensor with a batch axis (N, ...) (only N is read).
    Returns the constant tiled over the batch, (N, size, size, channels).
    """

    def __init__(self, channels: int, size: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.channels = int(channels)
        self.size = int(size)

    def build(self, input_shape):
        self.constant = self.add_weight(
            shape=(self.size, self.size, self.channels),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            name="constant",
        )

    def call(self, x):
        const = ops.cast(self.constant, self.compute_dtype)
        return ops.broadcast_to(
            const[None], (ops.shape(x)[0], self.size, self.size, self.channels)
        )

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="ganlab")
class PixelNorm(layers.Layer):
    """Normalise each vector to unit root mean square over its last axis.

    Karras et al. 2018 (ProGAN), section 4.2:
    x / √(mean(x²) + 1e-8). StyleGAN applies it to z before the mapping
    network, so z lies near the sphere of radius √latent_dim.

    Input (N, ..., D) → output of the same shape.
    """

    def call(self, x):
        return x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + 1e-8)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="ganlab")
class SkipFade(layers.Layer):
    """The sum of a skip generator's RGB outputs, with PGGAN's fade-in.

    StyleGAN2's skip generator (Karras et al. 2020, figure 7b) draws its
    image as upsample(image so far) + RGB output of the next resolution.
    Progressive growing (Karras et al. 2018; :mod:`ganlab.gan.progressive`)
    fades each resolution in: the RGB output of resolution 4·2^i (``level``
    i >= 1) is weighted by α_i = clip(L - lod - i + 1, 0, 1), with
    L = ``levels`` and ``lod`` this layer's non-trainable level of detail
    (0, the default, is the full resolution: every α is 1, a plain sum).

    ``growth_steps`` counts the training steps taken under progressive
    growing, the clock of its schedule (saved with the weights, so a resumed
    or recompiled GAN goes on growing where it stopped).

    One instance serves every resolution (one ``lod``): call it as
    ``fade([image, rgb], level=i)`` on two tensors of the same shape
    (N, r, r, C); it returns their faded sum, the same shape.
    """

    def __init__(self, levels: int, **kwargs):
        super().__init__(**kwargs)
        self.levels = int(levels)

    def build(self, input_shape):
        self.lod = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="lod"
        )
        self.growth_steps = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="growth_steps"
        )

    def call(self, inputs, level: int = 1):
        image, rgb = inputs
        lod = ops.cast(self.lod, rgb.dtype)
        alpha = ops.clip(float(self.levels - level + 1) - lod, 0.0, 1.0)
        return image + alpha * rgb

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "levels": self.levels}
