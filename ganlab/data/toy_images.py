"""Disc pictures: a synthetic image set whose every sample can be checked.

A folder of one's own pictures rarely comes with a way to say how many
samples are right. These do: each picture is one disc of a random colour,
radius and position on a plain background of another colour, and
:func:`is_disc_picture` decides, from its shape alone, whether a picture
(a training one or a sample) is one disc on a plain background, and
:func:`disc_geometry` where its disc is. Notebook 05 and
``bench/folder_training.py`` train ``python -m ganlab train --images`` on a
folder of them and report :func:`disc_share`, the share of samples that
pass, against the training pictures' own; the bench also reports
:func:`disc_spread`, how varied the passing discs' centres and radii are,
which tells a generator that draws one disc again and again (a partial
mode collapse) from one that draws them all.
"""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
from scipy import ndimage
from skimage import measure

from ganlab.data.pipeline import check_images

MIN_COLOUR_DISTANCE = 120.0  # disc vs background, RGB on a 0-255 scale
RADIUS = (0.13, 0.25)  # of the side, drawn uniformly


def disc_picture(rng: np.random.Generator, *, size: int = 48) -> np.ndarray:
    """One disc on a plain background: (size, size, 3) uint8.

    The radius is drawn from 13-25 % of the side, the centre so that the disc
    stays at least 10 % of the side from every edge, and the two colours
    uniformly in RGB until they are at least 120 apart (0-255 per channel).
    """
    yy, xx = np.mgrid[:size, :size] + 0.5
    radius = rng.uniform(*RADIUS) * size
    margin = radius + 0.1 * size
    cy, cx = rng.uniform(margin, size - margin, 2)
    while True:
        background, disc = rng.integers(0, 256, (2, 3))
        if np.linalg.norm(background - disc) >= MIN_COLOUR_DISTANCE:
            break
    inside = (yy - cy) ** 2 + (xx - cx) ** 2 < radius**2
    return np.where(inside[..., None], disc, background).astype(np.uint8)


def disc_pictures(n: int, *, size: int = 48, seed: int = 0) -> np.ndarray:
    """n disc pictures, (n, size, size, 3) uint8; the same for the same seed.

    Raises:
        ValueError: for n < 1 or a size under 16 pixels.
    """
    if n < 1 or size < 16:
        raise ValueError(f"Need n >= 1 and size >= 16; got n={n}, size={size}.")
    rng = np.random.default_rng(seed)
    return np.stack([disc_picture(rng, size=size) for _ in range(n)])


def write_disc_folder(folder, n: int, *, size: int = 48, seed: int = 0) -> Path:
    """Write :func:`disc_pictures` as ``folder/0000.png``, ...; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, picture in enumerate(disc_pictures(n, size=size, seed=seed)):
        iio.imwrite(folder / f"{i:04d}.png", picture)
    return folder


def disc_geometry(image: np.ndarray, *, tol: float = 48.0) -> np.ndarray | None:
    """The disc of one picture, if it is one disc on a plain background.

    Three tests, on a 0-255 RGB scale:

    1. **plain background**: its colour is the median of the border pixels,
       and at least 90 % of the border lies within ``tol`` of it;
    2. **one object**: the pixels farther than ``tol`` from it are the
       foreground, and its largest connected region holds at least 90 % of
       the foreground;
    3. **a disc**: that region's area is that of a disc of radius 10-28 % of
       the side, its solidity (area over convex hull) is at least 0.9, its
       eccentricity at most 0.75 (0: a circle) and its extent (area over
       bounding box) between 0.65 and 0.9 (a disc: π/4 ≈ 0.79; a square: 1).

    It looks at shape, not texture: a disc speckled with noise passes.

    Args:
        image: (S, S, 3) float, on a 0-255 scale (see :func:`disc_share`,
            which takes batches in either of ganlab's ranges).
        tol: the RGB distance within which a pixel counts as background.

    Returns:
        None if a test fails, else the disc's (row, column, radius) as
        fractions of the side: its centroid, and the radius of a disc of its
        area.
    """
    x = np.asarray(image, np.float32)
    border = np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])
    background = np.median(border, axis=0)
    if np.mean(np.linalg.norm(border - background, axis=-1) < tol) < 0.9:
        return None
    foreground = np.linalg.norm(x - background, axis=-1) >= tol
    regions, n = ndimage.label(foreground)
    if n == 0:
        return None
    sizes = np.bincount(regions.ravel())[1:]
    if sizes.max() < 0.9 * foreground.sum():
        return None
    disc = regions == sizes.argmax() + 1
    props = measure.regionprops(disc.astype(np.uint8))[0]
    side = x.shape[0]
    if not np.pi * (0.1 * side) ** 2 <= props.area <= np.pi * (0.28 * side) ** 2:
        return None
    if props.solidity < 0.9 or props.eccentricity > 0.75:
        return None
    if not 0.65 <= props.extent <= 0.9:
        return None
    radius = np.sqrt(props.area / np.pi)
    return np.array([*props.centroid, radius]) / side


def is_disc_picture(image: np.ndarray, *, tol: float = 48.0) -> bool:
    """Whether one picture is one disc on a plain background
    (:func:`disc_geometry` finds its disc)."""
    return disc_geometry(image, tol=tol) is not None


def disc_share(images) -> float:
    """The share (0-1) of pictures that are one disc on a plain background.

    Args:
        images: (N, S, S, 3) uint8 in [0, 255] or float in [-1, 1] (samples
            from ``GAN.generate``), as :func:`ganlab.data.check_images` reads
            them.

    Raises:
        ValueError: for empty, non-RGB or out-of-range images.
    """
    x = check_images(images, name="pictures")
    return len(_discs(x)) / len(x)


def disc_spread(images) -> dict:
    """How varied the discs of a batch are, beside :func:`disc_share`.

    A GAN can pass the disc check with one disc drawn again and again (a
    partial collapse): this measures the variety the share cannot. The
    training pictures place their centres uniformly at least ``r + 0.1`` of
    the side from every edge and draw radii from 13-25 % of the side, so
    their spreads are about 0.12 (centre) and 0.035 (radius) of the side.

    Args:
        images: as :func:`disc_share`.

    Returns:
        ``{"discs": M, "centre_std": s_c, "radius_std": s_r}``: the number of
        pictures that pass :func:`is_disc_picture`, the standard deviation of
        their discs' centres (the root mean of the row and column variances)
        and of their radii, both as fractions of the side; NaN for M < 2.

    Raises:
        ValueError: as :func:`disc_share`.
    """
    discs = _discs(check_images(images, name="pictures"))
    if len(discs) < 2:
        return {"discs": len(discs), "centre_std": np.nan, "radius_std": np.nan}
    centre_var = discs[:, :2].var(axis=0, ddof=1).mean()
    return {
        "discs": len(discs),
        "centre_std": float(np.sqrt(centre_var)),
        "radius_std": float(discs[:, 2].std(ddof=1)),
    }


def _discs(x: np.ndarray) -> np.ndarray:
    """(M, 3) disc geometries of the pictures of a checked [-1, 1] batch."""
    if x.shape[-1] != 3:
        raise ValueError(f"Disc pictures are RGB (N, S, S, 3); got {x.shape}.")
    found = [disc_geometry(image) for image in (x + 1.0) * 127.5]
    return np.array([g for g in found if g is not None]).reshape(-1, 3)
