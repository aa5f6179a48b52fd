"""DCGAN generator and discriminator builders.

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

MIN_START_SIDE = 4


def _check_image_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
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
    height, width, _ = _check_image_shape(image_shape)
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
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    kernel_size: int = 5,
    bn_momentum: float = 0.9,
    name: str = "generator",
) -> keras.Model:
    """The DCGAN generator: noise vector → image.

    Dense → (h0, w0, 4·width) → BatchNorm → LeakyReLU → Conv2DTranspose
    2·width (stride 1) → [Conv2DTranspose width/2^i (stride 2) → BatchNorm →
    LeakyReLU] × (n - 1) → Conv2DTranspose C (stride 2, tanh). For 28×28×1
    and width 64 this is exactly 7×7×256 → 128 → 64 → 1 of the seed material.

    Args:
        latent_dim: size of the noise vector z.
        image_shape: (H, W, C) of the images to produce.
        width: channels of the last hidden layer; the others are multiples.
        kernel_size: side of every transposed-convolution kernel.
        bn_momentum: BatchNorm moving-average momentum. 0.9 (Keras uses 0.99)
            makes ``training=False`` images good after a few hundred steps.
        name: model name.

    Returns:
        A functional model mapping (batch, latent_dim) floats to
        (batch, H, W, C) float32 images in [-1, 1]. The channel axis is kept
        even when C = 1.
    """
    height, width_px, channels = _check_image_shape(image_shape)
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim}.")
    n = num_upsamplings(image_shape)
    h0, w0 = height // 2**n, width_px // 2**n

    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(h0 * w0 * 4 * width, use_bias=False)(z)
    x = layers.BatchNormalization(momentum=bn_momentum)(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((h0, w0, 4 * width))(x)
    filters = [2 * width] + [max(width // 2 ** (i - 1), 8) for i in range(1, n)]
    strides = [1] + [2] * (n - 1)
    for f, s in zip(filters, strides):
        x = layers.Conv2DTranspose(f, kernel_size, s, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=bn_momentum)(x)
        x = layers.LeakyReLU(0.2)(x)
    image = layers.Conv2DTranspose(
        channels, kernel_size, 2, padding="same", activation="tanh", dtype="float32"
    )(x)
    return keras.Model(z, image, name=name)


def make_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    kernel_size: int = 5,
    dropout: float = 0.3,
    batch_norm: bool = False,
    name: str = "discriminator",
) -> keras.Model:
    """The DCGAN discriminator: image → one real/fake logit.

    [Conv2D width·2^i (stride 2) → (BatchNorm) → LeakyReLU → Dropout] × n →
    Flatten → Dense(1). For 28×28 and width 64 this is the seed material's
    Conv 64 → Conv 128 → Dense(1).

    The output is a linear logit, with no sigmoid: the losses in
    :mod:`ganlab.losses` work from logits, and ``D(x) = sigmoid(logit)``.

    Args:
        image_shape: (H, W, C) of the images to judge.
        width: channels of the first convolution; each stage doubles it.
        kernel_size: side of every convolution kernel.
        dropout: dropout rate after each stage (0 turns it off).
        batch_norm: add BatchNorm after every convolution but the first.
        name: model name.

    Returns:
        A functional model mapping (batch, H, W, C) images in [-1, 1] to
        (batch, 1) float32 logits, any real value.
    """
    image_shape = _check_image_shape(image_shape)
    n = num_upsamplings(image_shape)

    image = keras.Input(image_shape, name="image")
    x = image
    for i in range(n):
        x = layers.Conv2D(width * 2**i, kernel_size, 2, padding="same")(x)
        if batch_norm and i > 0:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout)(x)
    x = layers.Flatten()(x)
    logit = layers.Dense(1, dtype="float32", name="logit")(x)
    return keras.Model(image, logit, name=name)
