"""DCGAN generator and discriminator builders, unconditional or conditional.

Both follow the DCGAN guidelines (Radford et al. 2016, "Unsupervised
Representation Learning with Deep Convolutional GANs",
https://arxiv.org/abs/1511.06434): strided (transposed) convolutions instead
of pooling, batch norm in the generator, LeakyReLU, and a tanh output, so
generated pixels lie in [-1, 1] like the scaled training images.

With the default widths they are the networks of the TensorFlow DCGAN
tutorial; ``width`` scales every layer for a faster recipe.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from ganlab.gan import mixtures
from ganlab.nets.layers import MinibatchStdDev, SelfAttention

MIN_START_SIDE = 4


def check_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"image_shape must be (height, width, channels), e.g. (28, 28, 1); "
            f"got {tuple(image_shape)}. Add the channel axis for grayscale images."
        )
    return shape


def num_upsamplings(image_shape: Sequence[int]) -> int:
    """How many stride-2 stages turn a small seed grid into ``image_shape``.

    The generator starts from a grid of side >= 4 and doubles it at each
    stage: 28 = 7·2², 32 = 4·2³, 64 = 4·2⁴. The discriminator mirrors this.

    Raises:
        ValueError: when height and width cannot both be halved at least once
            down to a grid of side >= 4 (e.g. 27×27, or 6×6).
    """
    height, width, _ = check_image_shape(image_shape)
    n = 0
    while (
        height % 2 ** (n + 1) == 0
        and width % 2 ** (n + 1) == 0
        and min(height, width) // 2 ** (n + 1) >= MIN_START_SIDE
    ):
        n += 1
    if n == 0:
        raise ValueError(
            f"Cannot build a DCGAN for images of {height}×{width}: height and "
            f"width must both be even and at least {2 * MIN_START_SIDE} (e.g. "
            "28, 32, 64). Resize or crop your images to such a size."
        )
    return n


def make_generator(
    latent_dim: int = 100,
    *,
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int | None = None,
    width: int = 64,
    kernel_size: int = 5,
    bn_momentum: float = 0.9,
    batch_norm: bool = True,
    name: str = "generator",
    num_generators: int | None = None,
    attention_at: int | None = None,
) -> keras.Model:
    """The DCGAN generator: noise vector (and label) → image.

    Dense → (h0, w0, 4·width) → BatchNorm → LeakyReLU → Conv2DTranspose
    2·width (stride 1) → [Conv2DTranspose width/2^i (stride 2) → BatchNorm →
    LeakyReLU] × (n - 1) → Conv2DTranspose C (stride 2, tanh). For 28×28×1
    and width 64 this is exactly the 7×7×256 → 128 → 64 → 1 generator of the
    TensorFlow DCGAN tutorial.

    With ``num_classes=K`` it is the conditional generator of Mirza &
    Osindero 2014 ("Conditional Generative Adversarial Nets",
    https://arxiv.org/abs/1411.1784): z and the one-hot label y are
    concatenated into one (latent_dim + K) vector before the same stack.

    Args:
        latent_dim: size of the noise vector z.
        image_shape: (H, W, C) of the images to produce.
        num_classes: K, the number of classes (or clusters) to condition on;
            None for an unconditional generator.
        width: channels of the last hidden layer; the others are multiples.
        kernel_size: side of every transposed-convolution kernel.
        bn_momentum: BatchNorm moving-average momentum. 0.9 (Keras uses 0.99)
            makes ``training=False`` images good after a few hundred steps.
        batch_norm: keep the BatchNorm layers. ``False`` drops them (the
            layers before get a bias instead), to study what they do: the
            DCGAN paper (Radford et al. 2016) credits BatchNorm in G with
            keeping the generator from collapsing all samples to one point.
        name: model name.
        num_generators: K ≥ 2 for a mixture of K generators (MGAN, Hoang et
            al. 2018, see :mod:`ganlab.gan.mixtures`): the model takes
            ``[z, k]`` with k (batch, K) one-hot, its first Dense is K
            separate layers and the rest is shared, as in the paper. Pair
            it with ``make_discriminator(num_generators=K)``.
        attention_at: the side (in pixels of the feature map, e.g. 16) after
            whose hidden layer a :class:`~ganlab.nets.layers.SelfAttention`
            layer goes, as in SAGAN (Zhang et al. 2019); None for none.

    Returns:
        A functional model mapping z (batch, latent_dim), or ``[z, y]`` with
        y (batch, K) one-hot (or any probability vector), to (batch, H, W, C)
        float32 images in [-1, 1]. The channel axis is kept even when C = 1.

    Raises:
        ValueError: for a bad ``image_shape``, ``latent_dim``,
            ``num_classes`` or ``num_generators``, or both of the last two,
            or an ``attention_at`` that is not a hidden layer's side.
    """
    height, width_px, channels = check_image_shape(image_shape)
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim}.")
    n = num_upsamplings(image_shape)
    h0, w0 = height // 2**n, width_px // 2**n

    inputs, x = _first_layer(
        latent_dim, h0 * w0 * 4 * width, num_generators, num_classes,
        use_bias=not batch_norm,
    )  # fmt: skip
    if batch_norm:
        x = layers.BatchNormalization(momentum=bn_momentum)(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((h0, w0, 4 * width))(x)
    filters = [2 * width] + [max(width // 2 ** (i - 1), 8) for i in range(1, n)]
    strides = [1] + [2] * (n - 1)
    sides = [h0 * 2**i for i in range(n)]  # each hidden layer's output side
    _check_attention_at(attention_at, sides)
    for f, s, side in zip(filters, strides, sides):
        x = layers.Conv2DTranspose(
            f, kernel_size, s, padding="same", use_bias=not batch_norm
        )(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=bn_momentum)(x)
        x = layers.LeakyReLU(0.2)(x)
        if side == attention_at:
            x = SelfAttention(name=f"attention_{side}")(x)
    image = layers.Conv2DTranspose(
        channels, kernel_size, 2, padding="same", activation="tanh", dtype="float32"
    )(x)
    return keras.Model(inputs, image, name=name)


def make_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    *,
    num_classes: int | None = None,
    projection: bool = False,
    tile_label: bool = True,
    width: int = 64,
    kernel_size: int = 5,
    dropout: float = 0.3,
    batch_norm: bool = False,
    spectral_norm: bool = False,
    minibatch_std: bool = False,
    pack: int = 1,
    name: str = "discriminator",
    num_generators: int | None = None,
    num_discriminators: int | None = None,
    attention_at: int | None = None,
) -> keras.Model:
    """The DCGAN discriminator: image (and label) → one real/fake logit.

    [Conv2D width·2^i (stride 2) → (BatchNorm) → LeakyReLU → Dropout] × n →
    Flatten → Dense(1). For 28×28 and width 64 this is the TensorFlow DCGAN
    tutorial's Conv 64 → Conv 128 → Dense(1).

    The output is a linear logit, with no sigmoid: the losses in
    :mod:`ganlab.gan.losses` work from logits, and ``D(x) = sigmoid(logit)``.

    With ``num_classes=K`` D judges (image, label) pairs, so G can only fool
    it by drawing the requested class (Mirza & Osindero 2014). The label
    reaches D in one or both of two ways:

    - ``tile_label``: y is tiled to (H, W, K) and stacked onto the image as K
      extra channels, so every pixel sees the class;
    - ``projection``: the projection term of Miyato & Koyama 2018 ("cGANs
      with Projection Discriminator", https://arxiv.org/abs/1802.05637),
      logit = w·φ + ⟨E y, φ⟩, with φ the flattened features of the last
      convolution and E a learned (F, K) class embedding. It makes G follow
      the label much more closely, and without ``tile_label`` D costs what
      the unconditional D costs however many classes there are.

    Args:
        image_shape: (H, W, C) of the images to judge.
        num_classes: K, or None for an unconditional discriminator.
        projection: add the projection term (needs ``num_classes``).
        tile_label: feed the tiled label as extra channels (with
            ``num_classes``); it may be off only with ``projection``.
        width: channels of the first convolution; each stage doubles it.
        kernel_size: side of every convolution kernel.
        dropout: dropout rate after each stage (0 turns it off).
        batch_norm: add BatchNorm after every convolution but the first.
        spectral_norm: wrap every convolution, the logit layer and the class
            embedding in ``keras.layers.SpectralNormalization`` (see
            :func:`_maybe_sn`).
        minibatch_std: append the minibatch standard-deviation feature map
            before the last convolution (see :class:`MinibatchStdDev`).
        pack: m of PacGAN: the input holds m images concatenated on the
            channel axis, shape (H, W, m·C), and m labels, (m·K) (see
            ``GAN.compile(pack=m)``).
        name: model name.
        num_generators: K for a mixture of K generators (MGAN): MGAN's
            classifier as a second head on the features; the output becomes
            (batch, 1 + K), the logit first (see :mod:`ganlab.gan.mixtures`).
        num_discriminators: N ≥ 2 independently initialised discriminators
            (GMAN, Durugkar et al. 2017) in one model with output (batch,
            N) (:func:`ganlab.gan.mixtures.discriminator_ensemble`).
        attention_at: the side (pixels of the feature map, e.g. 16) after
            whose convolution a :class:`~ganlab.nets.layers.SelfAttention`
            layer goes (spectrally normalized with ``spectral_norm``), as
            in SAGAN (Zhang et al. 2019); None for none.

    Returns:
        A functional model mapping images (batch, H, W, m·C) in [-1, 1], or
        ``[images, y]`` with y (batch, m·K), to (batch, 1) float32 logits,
        any real value ((batch, 1 + K) or (batch, N) with the options above).

    Raises:
        ValueError: for a bad ``image_shape``, ``num_classes`` or ``pack``,
            a label that would not reach D, or an ``attention_at`` that is
            not a convolution's output side.
    """
    if num_discriminators is not None:
        return _ensemble(make_discriminator, num_discriminators, locals())
    height, width_px, channels = check_image_shape(image_shape)
    n = num_upsamplings(image_shape)
    _check_pack(pack)
    if num_generators is not None and (num_classes is not None):
        raise ValueError(
            "A discriminator for a mixture of generators (num_generators) takes "
            "samples alone: leave num_classes=None."
        )
    image = keras.Input((height, width_px, channels * pack), name="image")
    inputs, x, label = image, image, None
    if num_classes is not None:
        label_dim = check_num_classes(num_classes) * pack
        if not (tile_label or projection):
            raise ValueError(
                "The label must reach the discriminator: keep tile_label=True or "
                "set projection=True."
            )
        label = keras.Input((label_dim,), name="label")
        inputs = [image, label]
        if tile_label:
            tiled = layers.Reshape((1, 1, label_dim))(label)
            tiled = layers.UpSampling2D((height, width_px), name="tile_label")(tiled)
            x = layers.Concatenate(name="image_and_label")([image, tiled])
    elif projection:
        raise ValueError("projection=True needs num_classes (the labels to project).")
    _check_attention_at(attention_at, [height // 2 ** (i + 1) for i in range(n)])
    for i in range(n):
        if minibatch_std and i == n - 1:
            x = MinibatchStdDev()(x)
        conv = layers.Conv2D(width * 2**i, kernel_size, 2, padding="same")
        x = _maybe_sn(conv, spectral_norm)(x)
        if batch_norm and i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
        if height // 2 ** (i + 1) == attention_at:
            attention = SelfAttention(spectral_norm=spectral_norm, name="attention")
            x = attention(x)
    features = layers.Flatten()(x)
    if num_generators is not None:
        head = mixtures.mixture_head(
            features, num_generators, spectral_norm=spectral_norm
        )
        return keras.Model(inputs, head, name=name)
    logit_layer = layers.Dense(1, dtype="float32", name="logit")
    logit = _maybe_sn(logit_layer, spectral_norm)(features)
    if projection:
        embed = layers.Dense(features.shape[-1], use_bias=False, name="embed")
        embedded = _maybe_sn(embed, spectral_norm)(label)
        match = layers.Dot(axes=1, name="projection")([features, embedded])
        logit = layers.Add(dtype="float32")([logit, match])
    return keras.Model(inputs, logit, name=name)


def _first_layer(latent_dim, units, num_generators, num_classes, use_bias=True):
    """(inputs, first Dense's output) of a generator: on z, on [z, y] (a
    conditional one) or, with K separate layers, on [z, k] (a mixture)."""
    z = keras.Input((latent_dim,), name="z")
    if num_generators is not None:
        if num_classes is not None:
            raise ValueError(
                "A generator is either conditional (num_classes) or a mixture "
                "(num_generators), not both."
            )
        z, k = mixtures.mixture_inputs(latent_dim, num_generators)
        return [z, k], mixtures.MixtureDense(units, name="mixture_dense")([z, k])
    inputs, x = z, z
    if num_classes is not None:
        label = keras.Input((check_num_classes(num_classes),), name="label")
        inputs, x = [z, label], layers.Concatenate(name="z_and_label")([z, label])
    return inputs, layers.Dense(units, use_bias=use_bias)(x)


def _check_attention_at(attention_at: int | None, sides: list[int]) -> None:
    if attention_at is not None and attention_at not in sides:
        raise ValueError(
            f"attention_at={attention_at} is not the side of a hidden feature map "
            f"of this network; choose one of {sorted(set(sides))} (or None)."
        )


def check_num_classes(num_classes: int) -> int:
    """``num_classes`` as an int, or a ValueError when it is below 2."""
    if int(num_classes) != num_classes or int(num_classes) < 2:
        raise ValueError(
            f"num_classes must be an integer of at least 2, got {num_classes}."
        )
    return int(num_classes)


def _check_pack(pack: int) -> None:
    if int(pack) != pack or pack < 1:
        raise ValueError(f"pack must be a positive integer, got {pack}.")


def _maybe_sn(layer: layers.Layer, spectral_norm: bool) -> layers.Layer:
    """Wrap ``layer`` in spectral normalization when asked.

    Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
    Networks", https://arxiv.org/abs/1802.05957: each weight W is divided by
    its largest singular value σ(W), estimated by one power iteration per
    training step, so every layer is 1-Lipschitz and so is D (with
    1-Lipschitz activations). This bounds how sharply D can react to a
    collapsed generator, and its gradients stay informative.
    """
    if not spectral_norm:
        return layer
    return layers.SpectralNormalization(layer, name=f"sn_{layer.name}")


def make_mlp_generator(
    latent_dim: int = 2,
    output_dim: int = 2,
    hidden: int = 128,
    depth: int = 3,
    name: str = "mlp_generator",
    *,
    num_generators: int | None = None,
) -> keras.Model:
    """A small MLP generator for vector (e.g. toy 2-D) data.

    z → [Dense(hidden) → ReLU] × depth → Dense(output_dim), linear output:
    toy data (a 5×5 grid spans [-4, 4]) is not in [-1, 1].

    Args:
        latent_dim: size of the noise vector z.
        output_dim: dimension D of the samples.
        hidden: units per hidden layer.
        depth: number of hidden layers.
        name: model name.
        num_generators: K ≥ 2 for a mixture of K generators (MGAN, Hoang et
            al. 2018; see :mod:`ganlab.gan.mixtures`): the model takes ``[z, k]``
            with k (batch, K) one-hot, and its first layer is K separate
            dense layers (:class:`ganlab.gan.mixtures.MixtureDense`); the rest
            is shared. Pair it with
            ``make_mlp_discriminator(num_generators=K)``.

    Returns:
        A model mapping (batch, latent_dim), or ``[z, k]``, to (batch,
        output_dim) float32, unbounded values.
    """
    inputs, x = _first_layer(latent_dim, hidden, num_generators, None)
    x = layers.ReLU()(x)
    for _ in range(depth - 1):
        x = layers.Dense(hidden, activation="relu")(x)
    out = layers.Dense(output_dim, dtype="float32", name="sample")(x)
    return keras.Model(inputs, out, name=name)


def make_mlp_discriminator(
    input_dim: int = 2,
    hidden: int = 128,
    depth: int = 3,
    spectral_norm: bool = False,
    minibatch_std: bool = False,
    pack: int = 1,
    name: str = "mlp_discriminator",
    *,
    num_generators: int | None = None,
    num_discriminators: int | None = None,
) -> keras.Model:
    """A small MLP discriminator for vector data: sample(s) → one logit.

    [Dense(hidden) → LeakyReLU(0.2)] × depth → Dense(1).

    Args:
        input_dim: dimension D of one sample.
        hidden: units per hidden layer.
        depth: number of hidden layers.
        spectral_norm: spectrally normalize every Dense layer (Miyato et al.
            2018, see :func:`_maybe_sn`).
        minibatch_std: append the minibatch standard deviation before the
            last hidden layer (see :class:`MinibatchStdDev`).
        pack: m of PacGAN: the input is m samples concatenated, shape
            (batch, m·D).
        name: model name.
        num_generators: K for a mixture of K generators (MGAN): a second
            head, MGAN's classifier, on the same trunk; the output becomes
            (batch, 1 + K), the logit first (see :mod:`ganlab.gan.mixtures`).
        num_discriminators: N ≥ 2 independently initialised discriminators
            (GMAN, Durugkar et al. 2017) in one model with output (batch,
            N) (:func:`ganlab.gan.mixtures.discriminator_ensemble`).

    Returns:
        A model mapping (batch, m·D) floats to (batch, 1) float32 logits
        ((batch, 1 + K) or (batch, N) with the options above).
    """
    if num_discriminators is not None:
        return _ensemble(make_mlp_discriminator, num_discriminators, locals())
    _check_pack(pack)
    x_in = keras.Input((input_dim * pack,), name="sample")
    x = x_in
    for i in range(depth):
        if minibatch_std and i == depth - 1:
            x = MinibatchStdDev()(x)
        x = _maybe_sn(layers.Dense(hidden), spectral_norm)(x)
        x = layers.LeakyReLU(0.2)(x)
    if num_generators is not None:
        logit = mixtures.mixture_head(x, num_generators, spectral_norm=spectral_norm)
    else:
        logit = _maybe_sn(
            layers.Dense(1, dtype="float32", name="logit"), spectral_norm
        )(x)
    return keras.Model(x_in, logit, name=name)


def _ensemble(builder, n, arguments: dict) -> keras.Model:
    """``n`` discriminators from ``builder`` with ``arguments`` (its
    ``locals()``), each with fresh weights, as one N-logit model."""
    n = mixtures.check_count(n, "num_discriminators")
    kwargs = {k: v for k, v in arguments.items() if k != "num_discriminators"}
    name = kwargs.pop("name")
    members = [builder(**kwargs, name=f"{name}_{i}") for i in range(n)]
    return mixtures.discriminator_ensemble(members, name=name)
