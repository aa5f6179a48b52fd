"""Reading folders of pictures: shapes, crops, modes, bad files, errors."""

import warnings

import numpy as np
import pytest
from PIL import Image

from ganlab.data import image_folders
from ganlab.data.image_folders import (
    IMAGE_EXTENSIONS,
    list_image_files,
    load_image_folder,
)


def _save(path, array, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(array)).save(path, **kwargs)
    return path


def _rgb(width, height, color=(200, 30, 60)):
    return np.broadcast_to(np.array(color, np.uint8), (height, width, 3))


def _gray(width, height, value=128):
    return np.full((height, width), value, np.uint8)


def test_mixed_sizes_and_sub_folders(tmp_path):
    _save(tmp_path / "a.png", _rgb(40, 30))
    _save(tmp_path / "sub" / "b.jpg", _rgb(64, 64))
    _save(tmp_path / "sub" / "deeper" / "c.bmp", _rgb(100, 50))
    images = load_image_folder(tmp_path, image_size=16)
    assert images.shape == (3, 16, 16, 3)
    assert images.dtype == np.uint8
    np.testing.assert_allclose(images[..., 0], 200, atol=8)  # colour survives
    assert [p.name for p in list_image_files(tmp_path)] == ["a.png", "b.jpg", "c.bmp"]


def test_listing_is_sorted_case_insensitive_and_skips_hidden(tmp_path):
    for name in ["b.PNG", "a.JpEg", "c.GIF", "d.Bmp", "e.jpg"]:
        _save(tmp_path / name, _gray(8, 8))
    (tmp_path / "notes.txt").write_text("hi")
    _save(tmp_path / ".hidden" / "x.png", _gray(8, 8))
    _save(tmp_path / "._y.png", _gray(8, 8))
    names = [p.name for p in list_image_files(tmp_path)]
    assert names == ["a.JpEg", "b.PNG", "c.GIF", "d.Bmp", "e.jpg"]
    assert load_image_folder(tmp_path, image_size=8).shape == (5, 8, 8, 1)


def test_centre_crop_keeps_the_middle_square(tmp_path):
    pixels = np.zeros((20, 60), np.uint8)
    pixels[:, 20:40] = 255  # white middle, black sides
    _save(tmp_path / "wide.png", pixels)
    _save(tmp_path / "tall.png", pixels.T)
    images = load_image_folder(tmp_path, image_size=32)
    assert images.shape == (2, 32, 32, 1)
    assert images.min() >= 250


def test_channels_inferred_from_the_files(tmp_path):
    gray = tmp_path / "gray"
    _save(gray / "a.png", _gray(10, 12))
    _save(gray / "b.jpg", _gray(30, 20))
    _save(gray / "c.png", np.full((9, 9), 40000, np.uint16))  # 16-bit
    images = load_image_folder(gray, image_size=8)
    assert images.shape == (3, 8, 8, 1)
    np.testing.assert_allclose(images[2], 40000 / 257, atol=1)  # scaled, not clipped

    _save(gray / "colour.png", _rgb(10, 10))
    assert load_image_folder(gray, image_size=8).shape == (4, 8, 8, 3)


def test_channels_forced(tmp_path):
    _save(tmp_path / "colour.png", _rgb(10, 10, (255, 0, 0)))
    _save(tmp_path / "gray.png", _gray(10, 10, 90))
    gray = load_image_folder(tmp_path, image_size=8, channels=1)
    assert gray.shape == (2, 8, 8, 1)
    np.testing.assert_allclose(gray[0], 76, atol=2)  # ITU-R 601 luma of red
    rgb = load_image_folder(tmp_path, image_size=8, channels=3)
    assert rgb.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(rgb[1], 90)  # gray repeated on 3 channels


def test_alpha_palette_gif_bmp_jpg_all_load(tmp_path):
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., :3] = (0, 0, 255)
    rgba[:, 8:, 3] = 255  # left half transparent
    _save(tmp_path / "1_alpha.png", rgba)
    palette = Image.fromarray(_rgb(16, 16, (0, 255, 0)).copy()).convert(
        "P", palette=Image.Palette.ADAPTIVE, colors=4
    )
    frames = [palette, Image.fromarray(_rgb(16, 16, (255, 0, 0)).copy()).convert("P")]
    frames[0].save(tmp_path / "2_anim.GIF", save_all=True, append_images=frames[1:])
    _save(tmp_path / "3_plain.BMP", _rgb(16, 16, (10, 20, 30)))
    _save(tmp_path / "4_photo.JPG", _rgb(16, 16, (10, 20, 30)))
    images = load_image_folder(tmp_path, image_size=16)
    assert images.shape == (4, 16, 16, 3)
    np.testing.assert_array_equal(images[0, :, :6], 255)  # transparent -> white
    assert (images[0, :, 10:] == [0, 0, 255]).all()
    np.testing.assert_allclose(images[1], np.broadcast_to([0, 255, 0], (16, 16, 3)))
    np.testing.assert_array_equal(images[2], np.broadcast_to([10, 20, 30], (16, 16, 3)))
    np.testing.assert_allclose(images[3], images[2], atol=6)


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((32, 32, 3), np.uint8)
    pixels[:, :16] = (255, 0, 0)  # red left, blue right
    pixels[:, 16:] = (0, 0, 255)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # stored rotated: display after a 90 degree clockwise turn
    image.save(tmp_path / "rotated.jpg", exif=exif, quality=95)
    top, bottom = load_image_folder(tmp_path, image_size=16)[0, [2, 13], 8]
    assert top[0] > 200 and top[2] < 60  # red now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_bad_files_are_skipped_with_one_warning(tmp_path):
    _save(tmp_path / "good.png", _gray(10, 10))
    (tmp_path / "notes.txt").write_text("not a picture")
    (tmp_path / "corrupt.png").write_bytes(b"\x00garbage" * 20)
    _save(
        tmp_path / "big.png",
        np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8),
    )
    (tmp_path / "truncated.png").write_bytes((tmp_path / "big.png").read_bytes()[:200])
    (tmp_path / "big.png").unlink()
    with pytest.warns(UserWarning, match=r"Skipped 2 file") as record:
        images = load_image_folder(tmp_path, image_size=8)
    assert len(record) == 1
    message = str(record[0].message)
    assert "corrupt.png" in message and "truncated.png" in message
    assert "notes.txt" not in message
    assert images.shape == (1, 8, 8, 1)


def test_warning_names_at_most_three(tmp_path):
    _save(tmp_path / "good.png", _gray(10, 10))
    for index in range(5):
        (tmp_path / f"bad{index}.jpg").write_bytes(b"nope")
    with pytest.warns(UserWarning, match=r"Skipped 5 file") as record:
        load_image_folder(tmp_path, image_size=8)
    message = str(record[0].message)
    assert "bad2.jpg" in message and "bad3.jpg" not in message and "..." in message


def test_no_warning_when_all_files_read(tmp_path):
    _save(tmp_path / "good.png", _gray(10, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_image_folder(tmp_path, image_size=8)


def test_progress_bar_only_for_many_files(tmp_path, monkeypatch, capsys):
    for index in range(3):
        _save(tmp_path / f"{index}.png", _gray(8, 8))
    monkeypatch.setattr(image_folders, "PROGRESS_MIN_FILES", 2)
    load_image_folder(tmp_path, image_size=8, progress=False)
    assert capsys.readouterr().out == ""
    load_image_folder(tmp_path, image_size=8)
    assert "3/3" in capsys.readouterr().out
    monkeypatch.setattr(image_folders, "PROGRESS_MIN_FILES", 3)
    load_image_folder(tmp_path, image_size=8)
    assert capsys.readouterr().out == ""


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_image_folder(tmp_path / "nope", image_size=8)
    path = _save(tmp_path / "a.png", _gray(8, 8))
    with pytest.raises(ValueError, match="not a folder"):
        load_image_folder(path, image_size=8)


def test_empty_folder_and_only_other_files(tmp_path):
    accepted = ", ".join(IMAGE_EXTENSIONS)
    with pytest.raises(ValueError, match=f"No image files.*{accepted}"):
        load_image_folder(tmp_path, image_size=8)
    (tmp_path / "readme.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("1,2")
    with pytest.raises(ValueError, match="No image files"):
        load_image_folder(tmp_path, image_size=8)


def test_too_few_readable_images(tmp_path):
    _save(tmp_path / "a.png", _gray(8, 8))
    _save(tmp_path / "b.png", _gray(8, 8))
    with pytest.raises(ValueError, match=r"Found 2 readable.*at least 3 needed"):
        load_image_folder(tmp_path, image_size=8, min_images=3)
    assert len(load_image_folder(tmp_path, image_size=8, min_images=2)) == 2
    (tmp_path / "a.png").write_bytes(b"broken")
    (tmp_path / "b.png").write_bytes(b"broken")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="Found 0"):
        load_image_folder(tmp_path, image_size=8)


@pytest.mark.parametrize("size", [4, 7, 33, 32.0, "64", True, None])
def test_bad_image_size(tmp_path, size):
    _save(tmp_path / "a.png", _gray(8, 8))
    with pytest.raises(ValueError, match="image_size must be an even integer"):
        load_image_folder(tmp_path, image_size=size)


@pytest.mark.parametrize("channels", [0, 2, 4, "rgb"])
def test_bad_channels(tmp_path, channels):
    _save(tmp_path / "a.png", _gray(8, 8))
    with pytest.raises(ValueError, match="channels must be 1 .* 3 .* or None"):
        load_image_folder(tmp_path, image_size=8, channels=channels)
