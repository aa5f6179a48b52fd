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
  training at that resolution: full resolution from step 2L·T on. Its clock
  is the generator's own count of steps grown (``StyleGenerator.growth_steps``,
  saved with it), so a resumed or recompiled GAN grows on from where it was.
  PGGAN counts images shown to D; here a step is one generator step (with
  ``d_steps=k`` D sees k batches a step). A ``fit`` that ends before step
  2L·T warns: its samples and saved model are still below full resolution.

``gan.compile(progressive=T)`` turns it on (``GANOptions.progressive``).

What this leaves out of PGGAN: the networks do their full-size arithmetic
from the first step (PGGAN's small early networks are cheaper; here the
lesson is the curriculum, not the speed), and D's layers are not grown.
G's low resolutions are upsampled bilinearly (its skip path) while D's view
is block averages repeated back up (PGGAN's nearest-neighbour upscale), so
a raw sample at lod > 0 is smoother than what D judged.
"""

from __future__ import annotations

import warnings

from keras import ops


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

    Raises:
        ValueError: H or W not divisible by 2^levels.
    """
    factor = 2**levels
    if images.shape[1] % factor or images.shape[2] % factor:
        raise ValueError(
            f"level_of_detail with levels={levels} needs a height and width "
            f"divisible by {factor}; got {tuple(images.shape[1:3])}."
        )
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


def warn_if_growing(generator, phase_steps: int) -> None:
    """Warn when a fit ends before progressive growing reached full resolution."""
    if not phase_steps:
        return
    lod = float(ops.convert_to_numpy(generator.lod))
    if lod > 0.0:
        grown = int(ops.convert_to_numpy(generator.growth_steps))
        left = 2 * generator.num_levels * phase_steps - grown + 1
        warnings.warn(
            f"Progressive growing stopped at level of detail {lod:g} (0 is the "
            f"full resolution; generator steps to go: {left}). Until then "
            "samples and saved models are blurred; train on (fit again) or compile "
            "with a smaller progressive=T.",
            stacklevel=3,
        )
