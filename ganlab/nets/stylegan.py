"""A small StyleGAN2 generator and residual discriminator.

StyleGAN (Karras et al. 2019, "A Style-Based Generator Architecture for
Generative Adversarial Networks", https://arxiv.org/abs/1812.04948) does not
feed the noise z to the first layer. A **mapping network** of fully connected
layers turns z into an intermediate latent w, and w steers every layer of a
**synthesis network** that starts from a learned constant 4×4 input: each
convolution's input channels are scaled by a *style* s = A(w), an affine map
of w. Per-pixel noise, scaled by learned strengths, gives the stochastic
detail (hair, pores; strokes' texture here). StyleGAN2 (Karras et al. 2020,
"Analyzing and Improving the Image Quality of StyleGAN",
https://arxiv.org/abs/1912.04958) replaces the AdaIN normalisation by
**weight demodulation** (:class:`ModulatedConv2D`), draws the image as a sum
of RGB outputs of every resolution ("skip" generator) and judges it with a
**residual discriminator**.

Because every layer reads its own copy of w, the generator takes one w per
style input, ``ws`` (N, num_ws, w_dim): different w's at different layers
mix the styles of two latents (style mixing, a regulariser during training),
and pulling w toward the average w trades variety for quality (the
truncation trick, ``GAN.generate(n, truncation=psi)``).

What is smaller or simpler than the papers', for a CPU at 32×32:

- channels ``width``·(H / r) at resolution r, at most 4·width (the papers:
  up to 512), and a mapping network of 2 to 4 layers (the papers: 8);
- upsampling is bilinear (``keras.ops.image.resize``) for the features and
  the skip images: with half-pixel centres that is StyleGAN2's [1, 3, 3, 1]
  filter up to the border handling; the discriminator downsamples by 2×2
  average pooling (StyleGAN2: blur, then a strided convolution);
- the generator ends in tanh, so its images lie in [-1, 1] as ganlab's
  GAN expects (StyleGAN2's output is linear and unbounded);
- the output skips of the residual discriminator and the layers all use
  equalized learning rate, as StyleGAN does, but no lazy regularisation,
  path-length regulariser or ``conv_clamp``.

Train it with ``ganlab.GAN``, with R1 as StyleGAN2 does, style mixing, and
optionally PGGAN's progressive growing (:mod:`ganlab.gan.progressive`)::

    g = make_style_generator(128, image_shape=(32, 32, 1), width=16, num_mapping=2)
    d = make_style_discriminator((32, 32, 1), width=16)
    gan = ganlab.GAN(g, d)
    adam = lambda: keras.optimizers.Adam(2e-3, beta_1=0.0, beta_2=0.99)
    gan.compile(adam(), adam(), r1=1.0, style_mixing=0.9, progressive=150)
    gan.fit(images_32x32, epochs=1, batch_size=32)
    samples = gan.generate(16, seed=0, truncation=0.7)

``bench/stylegan.py`` measures it against the default DCGAN recipe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import layers, ops

from ganlab.nets.layers import MinibatchStdDev
from ganlab.nets.style_layers import (
    _LRELU_GAIN,
    ConstantInput,
    EqualizedConv2D,
    EqualizedDense,
    ModulatedConv2D,
    NoiseInjection,
    PixelNorm,
    SkipFade,
    _seed_state_io,
)


# -------------------------------------------------------------- helpers --
def mix_styles(w1, w2, crossover, num_ws: int):
    """Style mixing: ws (N, num_ws, w_dim) with rows ``0 .. crossover - 1``
    from w1 and rows ``crossover .. num_ws - 1`` from w2.

    Karras et al. 2019, section 3.1. ``crossover`` is an int or a scalar
    tensor in [0, num_ws]; num_ws (or more) gives w1 everywhere, 0 gives w2
    everywhere. w1, w2: (N, w_dim).
    """
    rows = ops.arange(num_ws)[None, :, None]  # (1, num_ws, 1)
    first = rows < ops.cast(crossover, rows.dtype)
    return ops.where(first, w1[:, None, :], w2[:, None, :])


def check_style_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    """(H, W, C) for a square image whose side is 4·2^k, k >= 1 (8, 16, 32,
    64...), or a ValueError that says so."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"image_shape must be (height, width, channels), e.g. (32, 32, 1); got "
            f"{tuple(image_shape)}."
        )
    side = shape[0]
    k = int(round(math.log2(side / 4))) if side >= 4 else -1
    if shape[0] != shape[1] or k < 1 or 4 * 2**k != side:
        raise ValueError(
            f"A StyleGAN network needs square images whose side is 4·2^k (8, 16, 32, "
            f"64...), got {shape[0]}×{shape[1]}. Pad MNIST's 28×28 digits to 32×32 "
            "(e.g. np.pad(x, ((0, 0), (2, 2), (2, 2))))."
        )
    return shape


def _channels(width: int, side: int, resolution: int) -> int:
    """Channels at ``resolution``: width·(side / resolution), at most 4·width."""
    return int(min(width * (side // resolution), 4 * width))


def _resolutions(side: int) -> list[int]:
    return [4 * 2**i for i in range(int(round(math.log2(side // 4))) + 1)]


# ------------------------------------------------------------ generator --
@keras.saving.register_keras_serializable(package="ganlab")
class StyleGenerator(keras.Model):
    """A small StyleGAN2 generator: z (N, latent_dim) → images (N, H, W, C)
    in [-1, 1].

    Karras et al. 2019 and 2020 (see :mod:`ganlab.nets.stylegan`). Two
    sub-networks:

    - the mapping network (:meth:`mapping`): z → pixel norm →
      ``num_mapping`` :class:`EqualizedDense` layers of ``latent_dim``
      units, leaky ReLU 0.2, learning-rate multiplier 0.01 → w (N, w_dim),
      with w_dim = latent_dim;
    - the synthesis network (:meth:`synthesis`): one w per style input,
      ws (N, num_ws, w_dim). A learned constant 4×4 (:class:`ConstantInput`),
      one modulated 3×3 convolution at 4×4 and two at every higher resolution
      (the first upsampling), each followed by noise
      (:class:`NoiseInjection`) and leaky ReLU; after each resolution a
      to-RGB layer (a 1×1 :class:`ModulatedConv2D` without demodulation)
      whose output is added to the upsampled image so far (the "skip"
      generator of StyleGAN2's figure 7), each resolution's output weighted
      by the fade-in of progressive growing (:attr:`lod`; all 1 unless
      ``GAN.compile(progressive=T)``); tanh at the end. As in StyleGAN2,
      each to-RGB layer reads the same w as the next resolution's first
      convolution, so num_ws = 2·log₂(H) - 2 (8 at 32×32).

    In training (``call(z, training=True)``, as ``GAN.fit`` calls it):

    - the tracked mean ``w_avg`` (w_dim,), a non-trainable variable, moves
      toward the batch's mean w: w_avg ← mean(w) + β (w_avg - mean(w)),
      β = ``w_avg_beta`` (a lerp, like BatchNorm's moving mean);
    - style mixing (section 3.1 of the 2019 paper): with probability
      ``mixing`` a second z, drawn from the model's ``SeedGenerator``, gives
      w2, and the styles from a crossover index c, uniform in
      1 .. num_ws - 1, on use w2 (:func:`mix_styles`), one c per batch as in
      StyleGAN2's code. Mixing stops the network from assuming that
      adjacent styles are correlated.

    In inference (``training=False``, ``predict``, ``GAN.generate``) the
    truncation trick applies: w = w_avg + ψ (w - w_avg) with
    ψ = :attr:`truncation_psi` (1.0: none; 0: every z gives the mean-w
    image, up to the noise). Noise is drawn fresh in both modes.

    Args:
        latent_dim: size of z and w.
        image_shape: (H, W, C), H = W = 4·2^k, k >= 1.
        width: channels at the output resolution; resolution r has
            width·(H / r), at most 4·width.
        num_mapping: fully connected layers in the mapping network.
        mixing: style-mixing probability in training (0 to 1);
            ``GAN.compile(style_mixing=p)`` sets it.
        w_avg_beta: decay β of the tracked mean w.
        truncation_psi: ψ for inference calls.
        seed: seed of the model's ``SeedGenerator`` (mixing) and, offset
            by the layer's index, of the noise layers'; None draws them.

    Build it with :func:`make_style_generator`. It saves and loads in a
    ``.keras`` file (alone or inside a ``GAN``) on every backend.
    """

    def __init__(
        self,
        latent_dim: int = 128,
        image_shape: Sequence[int] = (32, 32, 1),
        *,
        width: int = 32,
        num_mapping: int = 4,
        mixing: float = 0.9,
        w_avg_beta: float = 0.995,
        truncation_psi: float = 1.0,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if int(latent_dim) < 1:
            raise ValueError(
                f"latent_dim must be a positive integer, got {latent_dim}."
            )
        if int(num_mapping) < 1:
            raise ValueError(f"num_mapping must be >= 1, got {num_mapping}.")
        if not 0.0 <= float(mixing) <= 1.0:
            raise ValueError(f"mixing must be a probability in [0, 1], got {mixing}.")
        if not 0.0 <= float(w_avg_beta) <= 1.0:
            raise ValueError(f"w_avg_beta must be in [0, 1], got {w_avg_beta}.")
        if int(width) < 1:
            raise ValueError(f"width must be a positive integer, got {width}.")
        self.latent_dim = int(latent_dim)
        self.image_shape = check_style_image_shape(image_shape)
        self.width = int(width)
        self.num_mapping = int(num_mapping)
        self.mixing = float(mixing)
        self.w_avg_beta = float(w_avg_beta)
        self.seed = seed
        self.w_dim = self.latent_dim
        side, _, channels = self.image_shape
        resolutions = _resolutions(side)
        self._num_ws = 2 * len(resolutions)
        self.seed_generator = keras.random.SeedGenerator(seed, name="mixing_seed")
        self.mapping_network = self._build_mapping()
        self.synthesis_network = self._build_synthesis(resolutions, channels, seed)
        self.w_avg = self.add_weight(
            shape=(self.w_dim,), initializer="zeros", trainable=False, name="w_avg"
        )
        self.truncation_psi = truncation_psi
        self.built = True

    # -------------------------------------------------------- structure --
    def _build_mapping(self) -> keras.Model:
        z = keras.Input((self.latent_dim,), name="z")
        x = PixelNorm(name="pixel_norm")(z)
        for i in range(self.num_mapping):
            x = EqualizedDense(
                self.w_dim, lr_multiplier=0.01, activation="lrelu", name=f"fc{i}"
            )(x)
        return keras.Model(z, x, name="mapping")

    def _build_synthesis(self, resolutions, channels, seed) -> keras.Model:
        side = self.image_shape[0]
        ws = keras.Input((self._num_ws, self.w_dim), name="ws")
        noise_seeds = iter(range(1, 10_000))

        def styled(x, index, filters, name, upsample=False):
            x = ModulatedConv2D(filters, 3, upsample=upsample, name=f"{name}_conv")(
                [x, ws[:, index]]
            )
            noise_seed = None if seed is None else int(seed) + next(noise_seeds)
            x = NoiseInjection(seed=noise_seed, name=f"{name}_noise")(x)
            return layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x) * _LRELU_GAIN

        x = ConstantInput(_channels(self.width, side, 4), name="const")(ws)
        fade = SkipFade(len(resolutions) - 1, name="skip_fade")
        image, index = None, 0
        for level, r in enumerate(resolutions):
            filters = _channels(self.width, side, r)
            if r == 4:
                x = styled(x, index, filters, "b4_0")
                index += 1
            else:
                x = styled(x, index, filters, f"b{r}_0", upsample=True)
                x = styled(x, index + 1, filters, f"b{r}_1")
                index += 2
            rgb = ModulatedConv2D(channels, 1, demodulate=False, name=f"b{r}_torgb")(
                [x, ws[:, index]]
            )
            if image is not None:
                image = ops.image.resize(image, (r, r), interpolation="bilinear")
                rgb = fade([image, rgb], level=level)
            image = rgb
        image = layers.Activation("tanh", dtype="float32", name="tanh")(image)
        return keras.Model(ws, image, name="synthesis")

    # ----------------------------------------------------------- shapes --
    @property
    def num_ws(self) -> int:
        """How many w's the synthesis network takes: 2·log₂(H) - 2."""
        return self._num_ws

    @property
    def num_levels(self) -> int:
        """L = log₂(H / 4): the resolutions above 4×4."""
        return self.num_ws // 2 - 1

    @property
    def lod(self):
        """The level of detail, a non-trainable scalar variable in [0, L]:
        0 (the default) draws at full resolution, L at 4×4, a fraction fades
        a resolution in (:class:`~ganlab.nets.style_layers.SkipFade`). Set by
        progressive growing (``GAN.compile(progressive=T)``)."""
        return self.synthesis_network.get_layer("skip_fade").lod

    @property
    def growth_steps(self):
        """Training steps taken under progressive growing (a non-trainable
        scalar variable): the clock of its schedule, saved with the model."""
        return self.synthesis_network.get_layer("skip_fade").growth_steps

    @property
    def input_shape(self):
        return (None, self.latent_dim)

    @property
    def output_shape(self):
        return (None, *self.image_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_shape)

    @property
    def truncation_psi(self) -> float:
        """ψ of the truncation trick for inference calls (1.0: none).

        Setting it drops the compiled ``predict`` function, which holds ψ
        as a constant, so the next ``predict`` uses the new value."""
        return self._truncation_psi

    @truncation_psi.setter
    def truncation_psi(self, psi: float) -> None:
        psi = float(psi)
        if not math.isfinite(psi):
            raise ValueError(f"truncation_psi must be a finite number, got {psi}.")
        self._truncation_psi = psi
        self.predict_function = None

    # ------------------------------------------------------------- calls --
    def mapping(self, z, training: bool = False):
        """w (N, w_dim) for z (N, latent_dim): the mapping network alone
        (no truncation, no w_avg update)."""
        return self.mapping_network(z, training=training)

    def synthesis(self, ws, training: bool = False):
        """Images (N, H, W, C) in [-1, 1] for ws (N, num_ws, w_dim), one w
        per style input (row i steers the i-th modulated layer, counting
        each to-RGB layer with the next resolution's first convolution)."""
        return self.synthesis_network(ws, training=training)

    def broadcast(self, w):
        """ws (N, num_ws, w_dim) with every row w (N, w_dim)."""
        return ops.repeat(w[:, None, :], self.num_ws, axis=1)

    def truncate(self, w, psi: float | None = None):
        """w_avg + ψ (w - w_avg), with ψ = :attr:`truncation_psi` when None."""
        psi = self.truncation_psi if psi is None else float(psi)
        if psi == 1.0:
            return w
        w_avg = ops.cast(self.w_avg, w.dtype)
        return w_avg + psi * (w - w_avg)

    def call(self, z, training: bool = False):
        w = self.mapping(z, training=training)
        if not training:
            return self.synthesis(self.broadcast(self.truncate(w)), training=False)
        batch_mean = ops.stop_gradient(ops.mean(w, axis=0))
        w_avg = ops.cast(self.w_avg, batch_mean.dtype)
        self.w_avg.assign(
            ops.cast(batch_mean + self.w_avg_beta * (w_avg - batch_mean), "float32")
        )
        ws = self.broadcast(w)
        if self.mixing > 0.0:
            z2 = keras.random.normal(
                ops.shape(z), seed=self.seed_generator, dtype=self.compute_dtype
            )
            w2 = self.mapping(z2, training=training)
            crossover = keras.random.randint(
                (), 1, self.num_ws, seed=self.seed_generator, dtype="int32"
            )
            mix = keras.random.uniform((), seed=self.seed_generator) < self.mixing
            crossover = ops.where(mix, crossover, self.num_ws)
            ws = mix_styles(w, w2, crossover, self.num_ws)
        return self.synthesis(ws, training=training)

    # ------------------------------------------------------------ config --
    def save_own_variables(self, store):
        _seed_state_io(self, store, save=True)

    def load_own_variables(self, store):
        _seed_state_io(self, store, save=False)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "latent_dim": self.latent_dim,
            "image_shape": list(self.image_shape),
            "width": self.width,
            "num_mapping": self.num_mapping,
            "mixing": self.mixing,
            "w_avg_beta": self.w_avg_beta,
            "truncation_psi": self.truncation_psi,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def make_style_generator(latent_dim: int = 128, **options) -> StyleGenerator:
    """A small StyleGAN2 generator: ``StyleGenerator(latent_dim, **options)``,
    named like ganlab's other network builders (``make_generator``).

    ``options`` are :class:`StyleGenerator`'s: ``image_shape`` ((H, W, C),
    H = W = 4·2^k; default (32, 32, 1)), ``width`` (channels at the output
    resolution, doubling toward 4×4, at most 4·width), ``num_mapping``,
    ``mixing``, ``w_avg_beta``, ``truncation_psi``, ``seed``, ``name``.

    Returns:
        A built ``keras.Model`` mapping z (N, latent_dim) to (N, H, W, C)
        float32 images in [-1, 1] (tanh), for ``ganlab.GAN(generator=...)``.

    Raises:
        ValueError: as :class:`StyleGenerator`.
    """
    options.setdefault("name", "style_generator")
    return StyleGenerator(latent_dim, **options)


# -------------------------------------------------------- discriminator --
def make_style_discriminator(
    image_shape: Sequence[int] = (32, 32, 1),
    *,
    width: int = 32,
    name: str = "style_discriminator",
) -> keras.Model:
    """StyleGAN2's residual discriminator, small: image → one logit.

    Karras et al. 2020, figure 7(c): a 1×1 from-RGB layer, then one residual
    block per resolution down to 4×4 — main branch 3×3 conv → leaky ReLU →
    3×3 conv → leaky ReLU → 2×2 average pooling, skip branch 2×2 average
    pooling → 1×1 conv (no bias), summed and scaled by √½ — then at 4×4 the
    minibatch standard deviation (:class:`~ganlab.nets.layers.MinibatchStdDev`,
    ProGAN's), a 3×3 conv, a dense layer and a dense logit. All layers have
    equalized learning rate and leaky ReLU 0.2 (times √2); channels mirror
    :func:`make_style_generator` with the same ``width``.

    Args:
        image_shape: (H, W, C), H = W = 4·2^k, k >= 1.
        width: channels at the input resolution (doubling toward 4×4, at
            most 4·width).
        name: model name.

    Returns:
        A functional model mapping images (N, H, W, C) in [-1, 1] to (N, 1)
        logits, with no sigmoid, for ``ganlab.GAN(discriminator=...)``.
        Train with ``compile(r1=γ)`` as StyleGAN2 does.

    Raises:
        ValueError: for an image shape that is not square with side 4·2^k.
    """
    side, _, _ = check_style_image_shape(image_shape)
    resolutions = _resolutions(side)[::-1]  # side, ..., 8, 4
    images = keras.Input(tuple(image_shape), name="images")
    x = EqualizedConv2D(
        _channels(width, side, side), 1, activation="lrelu", name="fromrgb"
    )(images)
    half = math.sqrt(0.5)
    for r in resolutions[:-1]:
        c_in, c_out = _channels(width, side, r), _channels(width, side, r // 2)
        skip = layers.AveragePooling2D(2, name=f"b{r}_skip_pool")(x)
        skip = EqualizedConv2D(c_out, 1, use_bias=False, gain=half, name=f"b{r}_skip")(
            skip
        )
        x = EqualizedConv2D(c_in, 3, activation="lrelu", name=f"b{r}_conv0")(x)
        x = EqualizedConv2D(c_out, 3, activation="lrelu", name=f"b{r}_conv1")(x)
        x = layers.AveragePooling2D(2, name=f"b{r}_pool")(x)
        x = layers.Rescaling(half, name=f"b{r}_scale")(x)
        x = layers.Add(name=f"b{r}_add")([skip, x])
    channels = _channels(width, side, 4)
    x = MinibatchStdDev(name="minibatch_std")(x)
    x = EqualizedConv2D(channels, 3, activation="lrelu", name="b4_conv")(x)
    x = layers.Flatten(name="flatten")(x)
    x = EqualizedDense(channels, activation="lrelu", name="b4_fc")(x)
    logit = EqualizedDense(1, name="logit", dtype="float32")(x)
    return keras.Model(images, logit, name=name)
