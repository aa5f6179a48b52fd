"""Disc pictures and the check that tells a disc picture from anything else."""

import numpy as np
import pytest
from skimage.transform import resize

from ganlab import toy_images
from ganlab.image_folders import load_image_folder


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


def test_pictures_reject_bad_arguments():
    with pytest.raises(ValueError, match="n >= 1"):
        toy_images.disc_pictures(0)
    with pytest.raises(ValueError, match="size >= 16"):
        toy_images.disc_pictures(3, size=8)
