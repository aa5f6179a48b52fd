"""Progressive growing (Karras et al. 2018), as a schedule of the level of detail.

PGGAN ("Progressive Growing of GANs for Improved Quality, Stability, and
Variation", https://arxiv.org/abs/1710.10196) trains G and D first on 4×4
images, then adds layers for 8×8, 16×16... one resolution at a time, each
new layer **faded in**: its output is blended with the upsampled output of
the layers before it, with a weight α that rises linearly from 0 to 1. Big
structure is learned first, where the game is easy; details are added on top.

ganlab writes this, as StyleGAN's own code does for its "linear" structure,
with networks that always have their full size and a *level of detail*
``lod`` ∈ [0, L], L = log₂(side / 4): 0 is the full resolution, L is 4×4,
and a fraction is a fade between two resolutions.

- The generator (:class:`ganlab.nets.StyleGenerator`, a "skip" generator
  whose image is the sum of every resolution's RGB output) weights the RGB
  output of its resolution 4·2^i by α_i = clip(L - lod - i + 1, 0, 1), so
  that at ``lod = L`` it draws a 4×4 image (upsampled) and resolution i
  fades in while lod goes from L - i + 1 to L - i.
- The discriminator sees every image, real or fake, at the same level of
  detail (:func:`level_of_detail`), so it cannot ask for details the
  generator cannot yet draw.
- The schedule (:func:`lod_schedule`) follows PGGAN's: ``T`` steps at 4×4,
  then for each higher resolution ``T`` steps of fade-in and ``T`` steps of
  training at that resolution: full resolution from step 2L·T on.

``gan.compile(progressive=T)`` turns it on (``GANOptions.progressive``).

What this leaves out of PGGAN: the networks do their full-size arithmetic
from the first step (PGGAN's small early networks are cheaper; here the
lesson is the curriculum, not the speed), and D's layers are not grown.
"""

from __future__ import annotations

import math

from keras import ops


def num_levels(side: int) -> int:
    """L = log₂(side / 4): the halvings from ``side`` down to 4×4."""
    return max(0, int(round(math.log2(max(int(side), 4) / 4))))


def lod_schedule(step, *, phase_steps: int, levels: int):
    """The level of detail after ``step`` generator steps (a float tensor).

    PGGAN's schedule with phases of T = ``phase_steps`` steps: 4×4 for T
    steps (lod = L = ``levels``), then each resolution faded in over T steps
    (lod falls by 1) and trained for T steps (lod constant): lod = 0, the
    full resolution, from step 2L·T on.

    Args:
        step: the generator's step count t (an int or scalar tensor).
        phase_steps: T > 0.
        levels: L >= 0.
    """
    p = ops.cast(step, "float32") / float(phase_steps) - 1.0
    pairs = ops.floor(p / 2.0)
    grown = pairs + ops.clip(p - 2.0 * pairs, 0.0, 1.0)
    return ops.clip(float(levels) - grown, 0.0, float(levels))


def level_of_detail(images, lod, *, levels: int):
    """Images (N, H, W, C) blurred to level of detail ``lod`` ∈ [0, levels].

    Level j is the image average-pooled over 2^j × 2^j blocks and
    upsampled back by repetition (PGGAN's downscale/upscale); a fractional
    lod blends the two levels around it linearly, weight max(0, 1 - abs(lod - j))
    on level j. Same shape and range as ``images``; ``lod = 0`` returns
    them unchanged.
    """
    out = None
    for j in range(levels + 1):
        weight = ops.maximum(0.0, 1.0 - ops.abs(ops.cast(lod, images.dtype) - j))
        level = images if j == 0 else _block_average(images, 2**j)
        out = weight * level if out is None else out + weight * level
    return out


def _block_average(images, factor: int):
    """Each factor×factor block replaced by its mean (same shape)."""
    pooled = ops.average_pool(images, factor, strides=factor, padding="valid")
    return ops.repeat(ops.repeat(pooled, factor, axis=1), factor, axis=2)


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
