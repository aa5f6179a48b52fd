"""Checks that a GAN's networks and training options fit together.

Each raises a ``ValueError`` that says what to change: networks whose shapes
or labels do not match, a discriminator ending in a sigmoid, options that
cannot be combined, or a float16 policy.
"""

from __future__ import annotations

import keras
import numpy as np

from ganlab.gan.mixtures import num_heads


def check_networks(generator, discriminator, latent_dim):
    """(latent_dim, num_classes or None), or a ValueError that says the fix."""
    for net, what in ((generator, "generator"), (discriminator, "discriminator")):
        if not isinstance(net, keras.Model) or not net.built:
            raise ValueError(
                f"The {what} must be a built keras.Model (e.g. from "
                f"ganlab.make_{what}()); got {type(net).__name__}."
            )
    g_in, d_in = generator.input_shape, discriminator.input_shape
    conditional = isinstance(g_in, list) and isinstance(d_in, list)
    if isinstance(d_in, list) and not conditional:
        raise ValueError(
            "Either both networks take labels (a generator on [z, y], a "
            "discriminator on [x, y]) or neither does; build both with the same "
            "num_classes."
        )
    z_shape = g_in[0] if isinstance(g_in, list) else g_in
    if len(z_shape) != 2:
        raise ValueError(
            f"The generator must take noise of shape (batch, latent_dim); its input "
            f"shape is {g_in}."
        )
    if latent_dim is not None and latent_dim != z_shape[-1]:
        raise ValueError(
            f"latent_dim={latent_dim} does not match the generator, which takes "
            f"noise of size {z_shape[-1]}. Pass latent_dim={z_shape[-1]} or rebuild "
            f"the generator with make_generator(latent_dim={latent_dim})."
        )
    num_classes = int(g_in[1][-1]) if conditional else None
    _check_pair(generator.output_shape, d_in[0] if conditional else d_in, num_classes,
                d_in[1][-1] if conditional else None)  # fmt: skip
    _check_logit(generator, discriminator)
    return int(z_shape[-1]), num_classes


def _check_pair(g_out, d_in, num_classes, d_label_dim) -> None:
    packs = d_in[-1] // g_out[-1] if d_in[-1] and g_out[-1] else 1
    # A packing discriminator (PacGAN) takes m samples concatenated on the
    # last axis: (..., m·C). GAN.compile(pack=m) checks m.
    if tuple(g_out[1:-1]) != tuple(d_in[1:-1]) or d_in[-1] != packs * g_out[-1]:
        raise ValueError(
            f"The generator produces images of shape {tuple(g_out[1:])} but the "
            f"discriminator expects {tuple(d_in[1:])}. Build both with the same "
            "image_shape."
        )
    if num_classes is not None and d_label_dim != packs * num_classes:
        raise ValueError(
            f"The generator takes {num_classes} classes but the discriminator's "
            f"label input has {d_label_dim} values. Build both with the same "
            "num_classes."
        )


def _check_logit(generator, discriminator) -> None:
    out = discriminator.output_shape
    if isinstance(out, list) or len(out) not in (1, 2) or (out[1:] and not out[1]):
        raise ValueError(
            "The discriminator must end in one logit per image, shape (batch, 1) "
            "(or (batch, N) for N discriminators, (batch, 1 + K) for a mixture of "
            f"K generators; see ganlab.gan.mixtures); its output shape is {out}."
        )
    num_heads(generator, discriminator)
    last = discriminator.layers[-1]
    activation = getattr(last, "activation", None)
    if getattr(activation, "__name__", "") == "sigmoid":
        raise ValueError(
            f"The discriminator ends in a sigmoid (layer {last.name!r}), but "
            "ganlab's losses take logits and apply the sigmoid themselves: D(x) "
            "would be squeezed into (0.5, 0.73) and learn almost nothing. Remove "
            "the activation (Dense(1) with no activation)."
        )


def check_options(d_steps, simultaneous, extras) -> None:
    if int(d_steps) != d_steps or int(d_steps) < 1:
        raise ValueError(f"d_steps must be a positive integer, got {d_steps}.")
    if simultaneous and (int(d_steps) != 1 or extras):
        raise ValueError(
            "simultaneous=True updates D once per step, without penalties or "
            "unrolling: use d_steps=1, or the default alternating update."
        )


def check_remedies(gp, r1, r2, noise, noise_steps, unrolled, ema) -> None:
    if min(gp, r1, r2, noise, unrolled) < 0:
        raise ValueError(
            "gradient_penalty, r1, r2, instance_noise and unrolled_steps must be >= 0."
        )
    if int(noise_steps) < 1:
        raise ValueError(f"instance_noise_steps must be >= 1, got {noise_steps}.")
    if not 0.0 <= float(ema) < 1.0:
        raise ValueError(f"ema must be in [0, 1) (e.g. 0.999), got {ema}.")


def check_label_prior(prior, num_classes):
    """A GAN's label prior (None, "data" or (K,) float64 summing to exactly
    1), or a ValueError that says what it must be."""
    if prior is not None and not isinstance(prior, str):
        prior = np.asarray(prior, dtype="float64")
        if num_classes is None or prior.shape != (num_classes,):
            raise ValueError(
                f"label_prior must have shape ({num_classes},) for this "
                f"conditional GAN; got {prior.shape}."
            )
        if np.any(prior < 0) or not np.isclose(prior.sum(), 1.0, atol=1e-6):
            raise ValueError("label_prior must be probabilities summing to 1.")
        # Exactly 1 in float64: Generator.choice allows only ~1e-8 (a
        # float32 prior from label counts is further off).
        prior = prior / prior.sum()
    elif prior is not None and prior != "data":
        raise ValueError(f"label_prior must be None, 'data' or (K,); got {prior!r}.")
    if prior is not None and num_classes is None:
        raise ValueError("label_prior needs a conditional GAN (networks with y).")
    return prior


def refuse_float16(generator) -> None:
    policies = {keras.config.dtype_policy().name, generator.dtype_policy.name}
    if "mixed_float16" in policies:
        raise ValueError(
            "ganlab does not train in float16: without loss scaling the gradients "
            "underflow. Use bfloat16, which needs none: "
            "keras.mixed_precision.set_global_policy('mixed_bfloat16') or "
            "ganlab.set_precision('bfloat16'), then rebuild the networks."
        )


def check_style_mixing(generator, probability) -> None:
    """Raise a ValueError unless ``generator`` mixes styles (has ``mixing``)."""
    if probability is not None and not hasattr(generator, "mixing"):
        raise ValueError(
            f"style_mixing={probability} needs a style-based generator "
            "(ganlab.nets.make_style_generator); "
            f"{type(generator).__name__} takes one latent. Leave style_mixing=None."
        )


def check_progressive(generator, phase_steps: int) -> None:
    """Raise a ValueError unless ``generator`` can fade its resolutions in
    (it has a ``lod`` variable, as :class:`ganlab.nets.StyleGenerator`)."""
    if phase_steps and getattr(generator, "lod", None) is None:
        raise ValueError(
            "progressive growing fades in a generator's resolutions; "
            f"{type(generator).__name__} cannot. Use "
            "ganlab.nets.make_style_generator (a skip generator with a level of "
            "detail), or compile with progressive=0."
        )
