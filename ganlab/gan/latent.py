"""Walks through the latent space: linear and spherical interpolation."""

from __future__ import annotations

import numpy as np


def interpolate(z0, z1, steps: int = 8, spherical: bool = True) -> np.ndarray:
    """Points from ``z0`` to ``z1``, both ends included.

    Linear: z(t) = (1 - t) z0 + t z1.

    Spherical (slerp, Shoemake 1985; recommended for Gaussian latents by
    White 2016, "Sampling Generative Networks", https://arxiv.org/abs/1609.04468):

        z(t) = sin((1 - t) θ) / sin θ · z0 + sin(t θ) / sin θ · z1,
        θ = arccos(z0·z1 / (‖z0‖ ‖z1‖)).

    A straight line between two Gaussian samples passes near the origin,
    where the prior has almost no mass (high-dimensional Gaussians live on a
    shell of radius √d); slerp stays on that shell.

    Args:
        z0, z1: vectors of shape (latent_dim,).
        steps: number of points, >= 2.
        spherical: slerp when True, a straight line otherwise.

    Returns:
        float32 array (steps, latent_dim).
    """
    z0 = np.asarray(z0, np.float64).ravel()
    z1 = np.asarray(z1, np.float64).ravel()
    if z0.shape != z1.shape:
        raise ValueError(
            f"z0 and z1 must have the same shape; got {z0.shape}, {z1.shape}."
        )
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}.")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    if not spherical:
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1) + 1e-12)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    if theta < 1e-6:  # (anti-)parallel within rounding: a line is the same path
        return ((1 - t) * z0 + t * z1).astype(np.float32)
    w0 = np.sin((1 - t) * theta) / np.sin(theta)
    w1 = np.sin(t * theta) / np.sin(theta)
    return (w0 * z0 + w1 * z1).astype(np.float32)
