"""Networks of image-to-image translation: the U-Net generator and PatchGAN.

Both follow Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks" (Pix2Pix), https://arxiv.org/abs/1611.07004, section
3.2 and appendix 6.1.2; CycleGAN (Zhu et al. 2017,
https://arxiv.org/abs/1703.10593) uses the same PatchGAN and, in ganlab,
the same U-Net (the paper's generator is a ResNet; its official code offers
the U-Net as an option).

Both work for every image size ganlab's DCGAN builders accept: the side is
halved by stride-2 convolutions while it stays even and at least 4
(28 → 14 → 7; 32 → 16 → 8 → 4; 64 → ... → 4), grayscale or colour.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import keras
from keras import layers

from ganlab.nets.dcgan import check_image_shape

MIN_SIDE = 4
NORMS = ("batch", "instance", "none")


def max_halvings(image_shape: Sequence[int]) -> int:
    """How many stride-2 convolutions an image of this shape can go through.

    The side is halved while height and width are both even and the halves
    are at least 4: 28 → 14 → 7 gives 2, 32 gives 3, 64 gives 4, 256 gives 6.

    Raises:
        ValueError: when the image cannot be halved even once (an odd side, or
            a side under 8); the message says which sizes work.
    """
    height, width, _ = check_image_shape(image_shape)
    n = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) // 2 >= MIN_SIDE:
        height, width, n = height // 2, width // 2, n + 1
    if n == 0:
        raise ValueError(
            f"Cannot build a U-Net or PatchGAN for {image_shape[0]}×{image_shape[1]} "
            f"images: height and width must both be even and at least "
            f"{2 * MIN_SIDE} (e.g. 28, 32, 64, 256). Resize or crop the images."
        )
    return n


def _norm(kind: str, name: str):
    """A normalization layer: batch norm, instance norm, or None."""
    if kind == "batch":
        # momentum 0.9 (Keras: 0.99), as ganlab's DCGAN: the moving statistics
        # used by translate() settle after a few hundred steps.
        return layers.BatchNormalization(momentum=0.9, name=name)
    if kind == "instance":
        # One group per channel: statistics per image and channel, which is
        # instance normalization (Ulyanov et al. 2016), as CycleGAN uses.
        return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)
    return None


def _check_norm(norm: str) -> str:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}.")
    return norm


def _filters(width: int, level: int) -> int:
    """width · 2^level, capped at 8·width (the paper's 64 → ... → 512)."""
    return width * 2 ** min(level, 3)


def make_unet_generator(
    image_shape: Sequence[int] = (28, 28, 1),
    *,
    out_channels: int | None = None,
    width: int = 32,
    depth: int | None = None,
    bottleneck: int = 2,
    norm: str = "batch",
    dropout: float = 0.5,
    name: str = "unet_generator",
) -> keras.Model:
    """The U-Net generator of Pix2Pix: image → image of the same size.

    An encoder-decoder whose decoder layer at each resolution is
    concatenated with the encoder layer of the same resolution (the skip
    connections of Ronneberger et al. 2015, as in Isola et al. 2017,
    section 3.2.1), so that low-level detail, e.g. where the strokes are,
    reaches the output without squeezing through the bottleneck:

    - encoder, ``depth`` levels: Conv 4×4 stride 2 → norm (not on the first)
      → LeakyReLU(0.2), with width·2^i channels (capped at 8·width);
    - ``bottleneck`` blocks at the innermost resolution: Conv 3×3 stride 1
      → norm → ReLU. An addition to the paper, whose 256×256 U-Net halves
      down to 1×1: a 28×28 image stops at 7×7, and these blocks widen the
      receptive field (from 10 to about 26 pixels at 28×28 with 2 blocks);
    - decoder: Conv2DTranspose 4×4 stride 2 → norm → ReLU → concatenate
      with the mirrored encoder output, then a last Conv2DTranspose to
      ``out_channels`` with tanh.

    Dropout (the paper's only noise source: G takes no z) follows the norm
    in the first three decoder layers (bottleneck blocks included), as in
    the paper. It is active in training only: ``translate`` runs in
    inference mode, deterministic (the paper also keeps it at test time).

    Args:
        image_shape: (H, W, C) of the input images; H and W even and >= 8.
        out_channels: channels of the output; C when None.
        width: channels of the first convolution.
        depth: number of stride-2 levels; the most the size allows (see
            :func:`max_halvings`: 2 for 28×28, 3 for 32×32) when None.
        bottleneck: 3×3 blocks at the innermost resolution (0 for none).
        norm: ``"batch"`` (Pix2Pix), ``"instance"`` (CycleGAN) or ``"none"``.
        dropout: dropout rate of the first three decoder layers; 0 is off.
        name: model name.

    Returns:
        A functional model mapping (batch, H, W, C) in [-1, 1] to
        (batch, H, W, out_channels) float32 in [-1, 1].

    Raises:
        ValueError: for a shape the U-Net cannot halve, a depth beyond it, a
            width, channel count or dropout out of range, an unknown norm.
    """
    height, width_px, channels = check_image_shape(image_shape)
    levels = max_halvings(image_shape)
    if levels < 2 and min(height, width_px) >= 16:
        warnings.warn(
            f"{height}×{width_px} images halve only once ({height} → {height // 2}): "
            "the U-Net gets 1 level and sees little context around each pixel. "
            "Sides divisible by 4 or 8 (e.g. 28, 32, 64) give it 2 or more.",
            stacklevel=2,
        )
    depth = levels if depth is None else int(depth)
    if not 1 <= depth <= levels:
        raise ValueError(
            f"depth must be between 1 and {levels} for {height}×{width_px} images "
            f"(each level halves the side while it stays even and >= {MIN_SIDE}); "
            f"got {depth}."
        )
    out_channels = channels if out_channels is None else int(out_channels)
    if width < 1 or out_channels < 1 or bottleneck < 0:
        raise ValueError(
            "width and out_channels must be positive and bottleneck >= 0; got "
            f"width={width}, out_channels={out_channels}, bottleneck={bottleneck}."
        )
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
    _check_norm(norm)
    biased = norm == "none"

    image = keras.Input((height, width_px, channels), name="image")
    x, skips = image, []
    for i in range(depth):
        x = layers.Conv2D(
            _filters(width, i), 4, 2, padding="same", use_bias=biased or i == 0,
            name=f"down{i}",
        )(x)  # fmt: skip
        if i > 0 and norm != "none":
            x = _norm(norm, f"down{i}_norm")(x)
        x = layers.LeakyReLU(0.2, name=f"down{i}_act")(x)
        skips.append(x)

    decoder_layer = 0  # dropout goes into the first three decoder layers

    def finish(x, label):
        nonlocal decoder_layer
        if norm != "none":
            x = _norm(norm, f"{label}_norm")(x)
        if dropout and decoder_layer < 3:
            x = layers.Dropout(dropout, name=f"{label}_dropout")(x)
        decoder_layer += 1
        return layers.ReLU(name=f"{label}_act")(x)

    for j in range(bottleneck):
        x = layers.Conv2D(
            _filters(width, depth - 1), 3, padding="same", use_bias=biased,
            name=f"bottleneck{j}",
        )(x)  # fmt: skip
        x = finish(x, f"bottleneck{j}")
    for i in reversed(range(1, depth)):
        x = layers.Conv2DTranspose(
            _filters(width, i - 1), 4, 2, padding="same", use_bias=biased,
            name=f"up{i}",
        )(x)  # fmt: skip
        x = finish(x, f"up{i}")
        x = layers.Concatenate(name=f"skip{i - 1}")([x, skips[i - 1]])
    output = layers.Conv2DTranspose(
        out_channels, 4, 2, padding="same", activation="tanh", dtype="float32",
        name="output",
    )(x)  # fmt: skip
    return keras.Model(image, output, name=name)


def patchgan_receptive_field(n_layers: int) -> int:
    """Side, in input pixels, of the patch one PatchGAN logit sees.

    From the output back: the two stride-1 4×4 convolutions give 7, each
    stride-2 4×4 convolution maps r to 2r + 2: 16, 34, 70 for
    n_layers = 1, 2, 3 (70 is the paper's 70×70 PatchGAN).
    """
    r = 7
    for _ in range(int(n_layers)):
        r = 2 * r + 2
    return r


def make_patchgan_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    *,
    condition_shape: Sequence[int] | None = None,
    width: int = 32,
    n_layers: int | None = None,
    norm: str = "batch",
    name: str = "patchgan_discriminator",
) -> keras.Model:
    """The PatchGAN discriminator: one real/fake logit per image patch.

    Isola et al. 2017, section 3.2.2: D classifies each N×N patch of the
    image as real or fake, and the loss averages over patches. It models
    the image as a Markov random field beyond the patch size and only
    penalizes structure at that scale (the L1 term takes care of the low
    frequencies); it is small and runs on any image size.

    Layers (the paper's C64-C128-C256-C512 for ``n_layers=3``): Conv 4×4
    stride 2 → (norm, not on the first) → LeakyReLU(0.2), ``n_layers``
    times with width·2^i channels (capped at 8·width); Conv 4×4 stride 1 →
    norm → LeakyReLU; Conv 4×4 stride 1 to one channel, a linear logit.
    "same" padding, so the logit grid is the image side / 2^n_layers. The
    receptive field is :func:`patchgan_receptive_field` (n_layers): 34 pixels
    for 2 layers, 70 for 3.

    Args:
        image_shape: (H, W, C) of the images judged.
        condition_shape: (H, W, C') of the image they are conditioned on
            (Pix2Pix's D sees the input and the output, concatenated on the
            channel axis); None for an unconditional D (CycleGAN's).
        width: channels of the first convolution.
        n_layers: stride-2 convolutions; min(3, what the size allows) when
            None (2 for 28×28: a 7×7 grid of 34×34 patches; 3 for 32×32).
        norm: ``"batch"``, ``"instance"`` or ``"none"``.
        name: model name.

    Returns:
        A functional model. Unconditional: (batch, H, W, C) → logits
        (batch, h, w, 1); conditional: [condition (batch, H, W, C'), image
        (batch, H, W, C)] → (batch, h, w, 1), with h = H / 2^n_layers.
        Logits are float32, any real value: D(patch) = sigmoid(logit).

    Raises:
        ValueError: for shapes that cannot be halved or do not match, an
            n_layers beyond what the size allows, or an unknown norm.
    """
    height, width_px, channels = check_image_shape(image_shape)
    levels = max_halvings(image_shape)
    n_layers = min(3, levels) if n_layers is None else int(n_layers)
    if not 1 <= n_layers <= levels:
        raise ValueError(
            f"n_layers must be between 1 and {levels} for {height}×{width_px} "
            f"images; got {n_layers}."
        )
    if width < 1:
        raise ValueError(f"width must be a positive integer, got {width}.")
    _check_norm(norm)
    biased = norm == "none"

    image = keras.Input((height, width_px, channels), name="image")
    if condition_shape is not None:
        try:
            c_shape = check_image_shape(condition_shape)
        except ValueError as err:
            raise ValueError(f"condition_shape: {err}") from None
        if c_shape[:2] != (height, width_px):
            raise ValueError(
                f"The condition must have the image's height and width "
                f"{(height, width_px)}; condition_shape is {c_shape}."
            )
        condition = keras.Input(c_shape, name="condition")
        inputs = [condition, image]
        x = layers.Concatenate(name="pair")(inputs)
    else:
        inputs = image
        x = image
    for i in range(n_layers + 1):
        stride = 2 if i < n_layers else 1
        x = layers.Conv2D(
            _filters(width, i), 4, stride, padding="same",
            use_bias=biased or i == 0, name=f"conv{i}",
        )(x)  # fmt: skip
        if i > 0 and norm != "none":
            x = _norm(norm, f"conv{i}_norm")(x)
        x = layers.LeakyReLU(0.2, name=f"conv{i}_act")(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)


__all__ = [
    "make_patchgan_discriminator",
    "make_unet_generator",
    "max_halvings",
    "patchgan_receptive_field",
]
