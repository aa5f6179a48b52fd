"""Pictures: image grids, training GIFs and loss curves."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np


def to_uint8(images) -> np.ndarray:
    """Map images in [-1, 1] (the generator's tanh range) to uint8 [0, 255].

    Args:
        images: float array of any shape, values in [-1, 1] (clipped).

    Returns:
        uint8 array of the same shape.
    """
    x = np.asarray(images, dtype=np.float32)
    return np.round((np.clip(x, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def image_grid(images, ncols: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile images into one picture.

    Args:
        images: (N, H, W, C) or (N, H, W), float in [-1, 1] or uint8.
        ncols: images per row; about sqrt(N) when None.
        pad: pixels of black border between images.

    Returns:
        uint8 array (rows·(H + pad) + pad, ncols·(W + pad) + pad, C) with
        C = 1 or 3 kept from the input (a missing channel axis becomes C = 1).
    """
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"Expected a non-empty (N, H, W, C) batch, got {x.shape}.")
    if x.dtype != np.uint8:
        x = to_uint8(x)
    n, h, w, c = x.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.zeros((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), np.uint8)
    for i, img in enumerate(x):
        r, q = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + q * (w + pad)
        grid[top : top + h, left : left + w] = img
    return grid


def _as_image_file(grid: np.ndarray) -> np.ndarray:
    return grid[..., 0] if grid.shape[-1] == 1 else grid


def save_image_grid(
    images, path: str | os.PathLike, ncols: int | None = None, scale: int = 1
) -> np.ndarray:
    """Write images as one PNG grid (see :func:`image_grid`); return the grid.

    Args:
        scale: integer upscaling (nearest neighbour), to make small digits
            easier to see.
    """
    import imageio.v3 as iio

    grid = image_grid(images, ncols)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    iio.imwrite(path, _as_image_file(grid))
    return grid


def save_gif(
    frames: Sequence, path: str | os.PathLike, fps: float = 4, loop: int = 0
) -> None:
    """Write frames (uint8 (H, W[, C]) arrays or image file paths) as a GIF.

    Args:
        frames: the pictures, all the same size, in order.
        path: output ``.gif`` file.
        fps: frames per second.
        loop: 0 loops forever.
    """
    import imageio.v2 as iio2
    import imageio.v3 as iio

    if len(frames) == 0:
        raise ValueError("save_gif needs at least one frame.")
    pictures = [
        iio.imread(f) if isinstance(f, (str, os.PathLike)) else np.asarray(f)
        for f in frames
    ]
    pictures = [_as_image_file(p) if p.ndim == 3 else p for p in pictures]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    iio2.mimsave(path, pictures, duration=1000.0 / fps, loop=loop)


def plot_history(history, path: str | os.PathLike | None = None):
    """Plot the losses and D's outputs over training.

    Left: d_loss and g_loss. Right: D(x) on real and D(G(z)) on generated
    images. With the BCE loss, a game near equilibrium has D(x) and D(G(z))
    near 0.5 and d_loss near 2·ln 2 ≈ 1.39; D(x) → 1 with D(G(z)) → 0 means
    the discriminator has won and the generator gets little signal.

    Args:
        history: a ``keras.callbacks.History`` or its ``.history`` dict
            (key → list of per-epoch values).
        path: write a PNG there when given.

    Returns:
        The matplotlib figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    logs: Mapping = getattr(history, "history", history)
    if not logs:
        raise ValueError("The history is empty: train for at least one epoch.")
    epochs = np.arange(1, len(next(iter(logs.values()))) + 1)
    fig, (ax_loss, ax_prob) = plt.subplots(1, 2, figsize=(10, 3.6))
    for key in ("d_loss", "g_loss"):
        if key in logs:
            ax_loss.plot(epochs, logs[key], marker=".", label=key)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="Losses")
    ax_loss.legend()
    for key, label in (("d_real", "D(x), real"), ("d_fake", "D(G(z)), generated")):
        if key in logs:
            ax_prob.plot(epochs, logs[key], marker=".", label=label)
    ax_prob.axhline(0.5, color="gray", lw=0.8, ls="--")
    ax_prob.set(
        xlabel="epoch", ylabel="mean probability", ylim=(0, 1), title="Discriminator"
    )
    ax_prob.legend()
    for ax in (ax_loss, ax_prob):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    if path is not None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        fig.savefig(path, dpi=100)
    return fig


def show_images(images, ncols: int | None = None, title: str | None = None, ax=None):
    """Show a grid of images with matplotlib (for notebooks); return the axes."""
    import matplotlib.pyplot as plt

    grid = image_grid(images, ncols)
    if ax is None:
        _, ax = plt.subplots(
            figsize=(max(2, grid.shape[1] / 40), max(2, grid.shape[0] / 40))
        )
    ax.imshow(_as_image_file(grid), cmap="gray" if grid.shape[-1] == 1 else None)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


def save_scatter_strip(
    frames: Sequence,
    modes=None,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    lim: float | None = None,
):
    """Scatter plots of 2-D samples over training, side by side.

    Args:
        frames: sequence of (step, samples) with samples (N, 2) floats.
        modes: optional (K, 2) mixture means, drawn as red crosses.
        path: save the figure here (PNG) when given.
        title: figure title.
        lim: axis half-width; from the modes (or samples) when None.

    Returns:
        The matplotlib figure (one panel per frame).
    """
    import matplotlib.pyplot as plt

    if lim is None:
        ref = np.asarray(modes if modes is not None else frames[-1][1])
        lim = 1.3 * float(np.abs(ref).max())
    fig, axes = plt.subplots(1, len(frames), figsize=(2.2 * len(frames), 2.4))
    axes = np.atleast_1d(axes)
    for ax, (step, samples) in zip(axes, frames):
        s = np.asarray(samples)
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.5)
        if modes is not None:
            m = np.asarray(modes)
            ax.scatter(m[:, 0], m[:, 1], s=20, c="red", marker="x")
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[], yticks=[])
        ax.set_title(f"step {step}", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=80)
    return fig


def save_scatter_gif(
    frames: Sequence,
    modes=None,
    path: str | os.PathLike = "samples.gif",
    title: str = "",
    fps: float = 3,
) -> None:
    """Animate 2-D samples over training: one scatter plot per frame.

    Args:
        frames: sequence of (step, samples) with samples (N, 2) floats.
        modes: optional (K, 2) mixture means, drawn as red crosses.
        path: output ``.gif``.
        title: prefix of each frame's title (the step is appended).
        fps: frames per second.
    """
    import matplotlib.pyplot as plt

    ref = np.asarray(modes if modes is not None else frames[-1][1])
    lim = 1.3 * float(np.abs(ref).max())
    pictures = []
    for step, samples in frames:
        fig, ax = plt.subplots(figsize=(3.2, 3.4))
        ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.5)
        if modes is not None:
            ax.scatter(modes[:, 0], modes[:, 1], s=20, c="red", marker="x")
        ax.set(xlim=(-lim, lim), ylim=(-lim, lim), xticks=[], yticks=[])
        ax.set_title(f"{title} step {step}".strip(), fontsize=8)
        fig.tight_layout()
        fig.canvas.draw()
        pictures.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)
    save_gif(pictures, path, fps=fps)


# ---------------------------------------------------- conditional GANs --
def class_grid(gan, *, n_per_class: int = 10, seed: int = 0):
    """One row per class, the same noise down each column.

    Args:
        gan: a conditional :class:`ganlab.GAN`.
        n_per_class: images per class (columns).
        seed: seed of the ``n_per_class`` noise vectors, shared by all rows, so
            a column shows one "style" drawn as every class.

    Returns:
        float32 array (num_classes · n_per_class, H, W, C) in [-1, 1]; image
        ``k * n_per_class + j`` is class k with noise j.
    """
    k = gan.num_classes
    z = np.tile(gan.noise(n_per_class, seed=int(seed)), (k, 1))
    labels = np.repeat(np.arange(k), n_per_class)
    return gan.generate_from(z, labels=labels)


def save_class_grid(
    gan,
    path: str | os.PathLike,
    *,
    n_per_class: int = 10,
    seed: int = 0,
    scale: int = 2,
) -> np.ndarray:
    """Write :func:`class_grid` as a PNG, one row per class; return the grid."""
    images = class_grid(gan, n_per_class=n_per_class, seed=seed)
    return save_image_grid(images, path, ncols=n_per_class, scale=scale)


def interpolate_classes(
    gan,
    class_a: int,
    class_b: int,
    *,
    steps: int = 16,
    seed: int = 0,
    seed_b: int | None = None,
) -> np.ndarray:
    """Images along a straight path from (z_a, class_a) to (z_b, class_b).

    The label moves from one-hot(class_a) to one-hot(class_b) through the
    mixes (1 - t)·y_a + t·y_b, t = 0 … 1; the noise moves linearly from z_a
    to z_b (both drawn from ``seed`` when ``seed_b`` is None, so only the
    class changes).

    Args:
        gan: a conditional :class:`ganlab.GAN`.
        class_a, class_b: class ids in [0, K).
        steps: number of images (≥ 2), both ends included.
        seed: seed of z_a.
        seed_b: seed of z_b; None keeps z fixed.

    Returns:
        float32 array (steps, H, W, C) in [-1, 1].
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}.")
    from ganlab.data.pipeline import check_labels

    ends = check_labels([class_a, class_b], gan.num_classes)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    labels = (1 - t) * ends[0] + t * ends[1]
    z_a = gan.noise(1, seed=int(seed))
    z_b = z_a if seed_b is None else gan.noise(1, seed=int(seed_b))
    z = (1 - t) * z_a + t * z_b
    return gan.generate_from(z, labels=labels)


def save_interpolation_gif(
    gan,
    path: str | os.PathLike,
    class_a: int,
    class_b: int,
    *,
    steps: int = 16,
    n: int = 8,
    seed: int = 0,
    fps: float = 8,
    scale: int = 3,
) -> np.ndarray:
    """Animate class_a → class_b for ``n`` noise vectors side by side.

    Frame i is a row of ``n`` images at step i of :func:`interpolate_classes`
    (seeds ``seed`` … ``seed + n - 1``, z fixed along each path); the GIF
    plays forward then back.

    Returns:
        uint8 array (steps, h, w, C) of the frames (before the playback
        reversal), for display.
    """
    paths = np.stack(
        [
            interpolate_classes(gan, class_a, class_b, steps=steps, seed=seed + i)
            for i in range(n)
        ]
    )  # (n, steps, H, W, C)
    frames = [image_grid(paths[:, i], ncols=n) for i in range(steps)]
    frames = [f.repeat(scale, axis=0).repeat(scale, axis=1) for f in frames]
    save_gif(frames + frames[-2:0:-1], path, fps=fps)
    return np.stack(frames)
