"""Keras callbacks that show what a GAN is learning."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from ganlab.plotting import image_grid, save_class_grid, save_gif, save_image_grid


class GANMonitor(keras.callbacks.Callback):
    """Save a grid of images from a fixed latent batch after every epoch.

    The same noise is used every time, so the grids show how the generator's
    answer to one question changes over training. At the end of training
    (and on demand with :meth:`write_gif`) the grids become an animated GIF.

    Files written in ``out_dir``: ``epoch_001.png``, ``epoch_002.png``, ...
    and ``progress.gif``. Epoch numbers are 1-based and continue after a
    run resumed with ``keras.callbacks.BackupAndRestore``; the GIF takes
    every ``epoch_*.png`` in the folder, so a resumed run's GIF is complete.

    Args:
        out_dir: folder for the PNGs and the GIF.
        n: images per grid (64 gives 8×8).
        seed: seed of the fixed noise batch.
        every: write a grid every this many epochs.
        scale: integer upscaling of the PNGs (nearest neighbour).
        gif: write ``progress.gif`` at the end of training.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        *,
        n: int = 64,
        seed: int = 0,
        every: int = 1,
        scale: int = 2,
        gif: bool = True,
    ):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.n, self.seed, self.every = n, seed, every
        self.scale, self.gif = scale, gif
        self.grids: list[np.ndarray] = []

    def on_train_begin(self, logs=None):
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        images = self.model.generate(self.n, seed=self.seed)
        path = self.out_dir / f"epoch_{epoch + 1:03d}.png"
        save_image_grid(images, path, scale=self.scale)
        self.grids.append(image_grid(images))

    def frame_paths(self) -> list[Path]:
        """The saved grids, in epoch order."""
        return sorted(self.out_dir.glob("epoch_*.png"))

    def write_gif(self, fps: float = 4) -> Path | None:
        """Write ``progress.gif`` from the saved grids; return its path."""
        frames = self.frame_paths()
        if not frames:
            return None
        path = self.out_dir / "progress.gif"
        save_gif(frames, path, fps=fps)
        return path

    def on_train_end(self, logs=None):
        if self.gif:
            self.write_gif()


class ClassGridMonitor(GANMonitor):
    """A :class:`GANMonitor` whose grids are class grids, for conditional GANs.

    After every ``every`` epochs it writes ``epoch_NNN.png`` with one row per
    class and the same ``n_per_class`` noise vectors down the columns (see
    :func:`ganlab.plotting.class_grid`); at the end of training,
    ``progress.gif``.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        *,
        n_per_class: int = 10,
        seed: int = 0,
        every: int = 1,
        scale: int = 2,
        gif: bool = True,
    ):
        super().__init__(
            out_dir, n=n_per_class, seed=seed, every=every, scale=scale, gif=gif
        )

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = self.out_dir / f"epoch_{epoch + 1:03d}.png"
        save_class_grid(
            self.model, path, n_per_class=self.n, seed=self.seed, scale=self.scale
        )
