"""Latent interpolation: end points, lines, and slerp's constant norm."""

import numpy as np
import pytest

from ganlab.gan.latent import interpolate


def test_linear_interpolation_is_a_line_with_both_ends():
    z = interpolate([0.0, 0.0], [2.0, 4.0], steps=3, spherical=False)
    np.testing.assert_allclose(z, [[0, 0], [1, 2], [2, 4]])


def test_slerp_keeps_the_norm_between_equal_norm_vectors():
    z = interpolate([1.0, 0.0], [0.0, 1.0], steps=5)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(z[2], [np.sqrt(0.5), np.sqrt(0.5)], rtol=1e-6)
    np.testing.assert_allclose(z[[0, -1]], [[1, 0], [0, 1]], atol=1e-7)


def test_errors():
    with pytest.raises(ValueError, match="same shape"):
        interpolate([0, 1], [0, 1, 2])
    with pytest.raises(ValueError, match="steps"):
        interpolate([0, 1], [1, 0], steps=1)
