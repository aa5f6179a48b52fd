"""Disc pictures and the check that tells a disc picture from anything else."""

import numpy as np
import pytest
from skimage.transform import resize

from ganlab.data import toy_images
from ganlab.data.image_folders import load_image_folder


def disc_on(background, disc_colour, *, size=32, radius=6.0, centre=(16.0, 16.0)):
    yy, xx = np.mgrid[:size, :size] + 0.5
    inside = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < radius**2
    image = np.where(inside[..., None], disc_colour, background)
    return image.astype(np.uint8)


def test_pictures_are_uint8_rgb_repeatable_and_varied():
    a = toy_images.disc_pictures(20, size=32, seed=3)
    assert a.shape == (20, 32, 32, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, toy_images.disc_pictures(20, size=32, seed=3))
    assert not np.array_equal(a, toy_images.disc_pictures(20, size=32, seed=4))
    # Every picture has exactly two colours, at least 120 apart in RGB.
    for picture in a:
        colours = np.unique(picture.reshape(-1, 3), axis=0).astype(float)
        assert len(colours) == 2
        assert np.linalg.norm(colours[0] - colours[1]) >= 120


def test_a_hand_drawn_disc_passes_and_a_square_does_not():
    disc = disc_on([20, 20, 20], [220, 200, 10])
    square = np.full((32, 32, 3), 20, np.uint8)
    square[10:22, 10:22] = [220, 200, 10]
    two_discs = np.maximum(
        disc_on([20, 20, 20], [220, 200, 10], centre=(8.0, 8.0), radius=5.0),
        disc_on([20, 20, 20], [220, 200, 10], centre=(24.0, 24.0), radius=5.0),
    )
    assert toy_images.is_disc_picture(disc.astype(np.float32))
    assert not toy_images.is_disc_picture(square.astype(np.float32))
    assert not toy_images.is_disc_picture(two_discs.astype(np.float32))
    # Too small (radius 2 of 32) and too faint (within tol of the background).
    assert not toy_images.is_disc_picture(disc_on([20] * 3, [220] * 3, radius=2.0))
    assert not toy_images.is_disc_picture(disc_on([20] * 3, [40] * 3))


def test_share_is_high_on_the_pictures_and_zero_on_noise_and_squares():
    pictures = toy_images.disc_pictures(200, size=48, seed=0)
    small = (resize(pictures, (200, 32, 32, 3), order=1) * 255).round()
    assert toy_images.disc_share(small.astype(np.uint8)) >= 0.97
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (50, 32, 32, 3), dtype=np.uint8)
    squares = np.repeat(rng.integers(0, 256, (50, 1, 1, 3)), 32, 1).repeat(32, 2)
    squares[:, 8:20, 10:22] = 255 - squares[:, :1, :1]
    assert toy_images.disc_share(noise) == 0.0
    assert toy_images.disc_share(squares.astype(np.uint8)) == 0.0


def test_share_reads_generator_range_like_pixels():
    pictures = toy_images.disc_pictures(30, size=32, seed=1)
    as_samples = pictures.astype(np.float32) / 127.5 - 1.0
    assert toy_images.disc_share(as_samples) == toy_images.disc_share(pictures)


def test_geometry_finds_the_drawn_centre_and_radius():
    disc = disc_on([20, 20, 20], [220, 200, 10], radius=6.0, centre=(12.0, 20.0))
    row, col, radius = toy_images.disc_geometry(disc.astype(np.float32))
    # Pixel (i, j) covers [i, i + 1): its index is its centre minus 0.5.
    np.testing.assert_allclose([row, col], [11.5 / 32, 19.5 / 32], atol=0.5 / 32)
    np.testing.assert_allclose(radius, 6.0 / 32, atol=0.5 / 32)
    square = np.full((32, 32, 3), 20, np.float32)
    square[10:22, 10:22] = [220, 200, 10]
    assert toy_images.disc_geometry(square) is None


def test_spread_tells_one_disc_repeated_from_the_pictures():
    pictures = toy_images.disc_pictures(400, size=48, seed=0)
    spread = toy_images.disc_spread(pictures)
    assert spread["discs"] == 400
    # Centres uniform in [r + 0.1, 0.9 - r], r ~ U(0.13, 0.25) of the side;
    # radii U(0.13, 0.25): standard deviation 0.12 / √12 = 0.035.
    assert 0.11 < spread["centre_std"] < 0.135
    assert 0.03 < spread["radius_std"] < 0.04
    # A collapsed generator: one disc, redrawn in other colours.
    same = [disc_on([20] * 3, [220, 20 * i, 10], size=48, radius=9.0, centre=(24, 24))
            for i in range(10)]  # fmt: skip
    collapsed = toy_images.disc_spread(np.stack(same))
    assert collapsed["discs"] == 10
    assert collapsed["centre_std"] == 0.0 and collapsed["radius_std"] == 0.0
    assert toy_images.disc_share(np.stack(same)) == 1.0  # which the share misses
    none = toy_images.disc_spread(np.zeros((3, 32, 32, 3), np.uint8))
    assert none["discs"] == 0 and np.isnan(none["centre_std"])


def test_folder_round_trip(tmp_path):
    folder = toy_images.write_disc_folder(tmp_path / "discs", 5, size=40, seed=2)
    read = load_image_folder(folder, image_size=40)
    np.testing.assert_array_equal(read, toy_images.disc_pictures(5, size=40, seed=2))


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((0, 32, 32, 3), np.uint8), "empty"),
        (np.zeros((4, 32, 32, 1), np.uint8), "RGB"),
        (np.full((4, 32, 32, 3), 300.0), "range|\\[-1, 1\\]"),
    ],
)
def test_share_rejects_bad_batches(images, match):
    with pytest.raises(ValueError, match=match):
        toy_images.disc_share(images)
    with pytest.raises(ValueError, match=match):
        toy_images.disc_spread(images)


def test_pictures_reject_bad_arguments():
    with pytest.raises(ValueError, match="n >= 1"):
        toy_images.disc_pictures(0)
    with pytest.raises(ValueError, match="size >= 16"):
        toy_images.disc_pictures(3, size=8)
