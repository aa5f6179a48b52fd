"""Toy mixtures and the VEEGAN / PacGAN mode-collapse metrics."""

import numpy as np
import pytest

from ganlab.data import toy


def test_ring_has_eight_distinct_modes_on_the_unit_circle():
    modes = toy.ring_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    assert len(np.unique(np.round(modes, 4), axis=0)) == 8
    np.testing.assert_allclose(modes[2], [0.0, 1.0], atol=1e-6)


def test_grid_modes():
    modes = toy.grid_modes()
    assert modes.shape == (25, 2)
    assert sorted(set(modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]


def test_all_samples_in_one_mode_cover_one_mode():
    modes = toy.ring_modes()
    samples = toy.sample_mixture(modes[3:4], toy.RING_STD, 2500, seed=0)
    m = toy.mode_metrics(samples, modes, toy.RING_STD)
    assert m["modes"] == 1
    assert m["histogram"][3] == m["histogram"].sum()
    np.testing.assert_allclose(m["reverse_kl"], np.log(8), rtol=1e-6)


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_exact_mixture_covers_every_mode_with_high_quality(name):
    samples, modes, std = toy.toy_data(name, n=2500, seed=1)
    m = toy.mode_metrics(samples, modes, std)
    assert m["modes"] == len(modes)
    # Within 3 std in 2-D (chi with 2 dof): 1 - exp(-4.5) = 98.9%.
    assert 0.98 < m["high_quality"] <= 1.0
    assert m["reverse_kl"] < 0.02


def test_far_samples_are_low_quality_and_cover_nothing():
    modes = toy.grid_modes()
    samples = np.full((100, 2), 1.0, np.float32)  # between four modes
    m = toy.mode_metrics(samples, modes, toy.GRID_STD)
    assert m["modes"] == 0 and m["high_quality"] == 0.0
    assert m["reverse_kl"] == float("inf")


def test_unknown_toy_data_raises():
    with pytest.raises(ValueError, match="ring"):
        toy.toy_data("moons")
