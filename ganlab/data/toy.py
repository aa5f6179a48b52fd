"""2-D Gaussian mixtures for mode-collapse experiments, and their metrics.

The benchmarks and protocol of VEEGAN (Srivastava et al. 2017,
https://arxiv.org/abs/1705.07761) and PacGAN (Lin et al. 2018,
https://arxiv.org/abs/1712.04086):

- ring: 8 Gaussians at (cos 2πk/8, sin 2πk/8), k = 0..7, std 0.01;
- grid: 25 Gaussians at {-4, -2, 0, 2, 4}², std 0.05;
- score 2,500 generated samples: a sample is *high quality* when it lies
  within 3 std of its nearest mode; a mode is *covered* when it is the
  nearest mode of at least one high-quality sample; the reverse KL is
  KL(histogram of the high-quality samples' modes ‖ uniform).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import rel_entr

RING_STD = 0.01
GRID_STD = 0.05
NUM_EVAL_SAMPLES = 2500


def ring_modes(n_modes: int = 8, radius: float = 1.0) -> np.ndarray:
    """Means of the ring: (n_modes, 2) float32 at angles 2πk/n_modes.

    Built with ``arange``, not ``linspace(0, 2π, n)``, whose last point
    repeats the first (the Unrolled-GAN demo's 7-mode pitfall).
    """
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(
        np.float32
    )


def grid_modes(side: int = 5, spacing: float = 2.0) -> np.ndarray:
    """Means of the grid: (side², 2) float32, {-4, -2, 0, 2, 4}² by default."""
    ticks = spacing * (np.arange(side) - (side - 1) / 2)
    xx, yy = np.meshgrid(ticks, ticks, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def sample_mixture(
    modes: np.ndarray, std: float, n: int, seed: int | None = None
) -> np.ndarray:
    """n samples (n, 2) float32 of the equal-weight isotropic mixture."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(modes), n)
    return (modes[which] + std * rng.standard_normal((n, modes.shape[1]))).astype(
        np.float32
    )


def toy_data(name: str, n: int = 100_000, seed: int | None = 0):
    """(samples, modes, std) for ``"ring"`` or ``"grid"``."""
    if name == "ring":
        modes, std = ring_modes(), RING_STD
    elif name == "grid":
        modes, std = grid_modes(), GRID_STD
    else:
        raise ValueError(f"Unknown toy data set {name!r}: use 'ring' or 'grid'.")
    return sample_mixture(modes, std, n, seed), modes, std


def mode_metrics(samples, modes, std: float) -> dict:
    """Score samples by the VEEGAN / PacGAN protocol.

    Args:
        samples: (N, 2) generated samples (the protocol uses N = 2,500).
        modes: (K, 2) mixture means.
        std: per-axis std of every mode.

    Returns:
        dict with ``modes`` (int, covered modes in [0, K]),
        ``high_quality`` (fraction in [0, 1] of samples within 3 std of
        their nearest mode), ``reverse_kl`` (KL(p ‖ uniform) ≥ 0 in nats, p
        the histogram of the high-quality samples over their nearest modes;
        inf when there is none) and ``histogram`` ((K,) int counts).
    """
    x = np.asarray(samples, dtype=np.float64)
    mu = np.asarray(modes, dtype=np.float64)
    dist = cdist(x, mu) / std
    nearest = dist.argmin(axis=1)
    hq = dist[np.arange(len(x)), nearest] <= 3.0
    hist = np.bincount(nearest[hq], minlength=len(mu))
    if hist.sum() == 0:
        kl = float("inf")
    else:
        p = hist / hist.sum()
        kl = float(rel_entr(p, np.full(len(mu), 1.0 / len(mu))).sum())
    return {
        "modes": int((hist > 0).sum()),
        "high_quality": float(hq.mean()) if len(x) else 0.0,
        "reverse_kl": kl,
        "histogram": hist,
    }
