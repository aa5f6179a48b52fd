"""Read a folder of pictures into one uint8 array a GAN can train on.

``load_image_folder("my_photos", image_size=64)`` finds every ``.png``,
``.jpg``/``.jpeg``, ``.gif`` and ``.bmp`` file under the folder (sub-folders
too), opens each with Pillow, turns it upright (EXIF), keeps the first frame
of an animation, puts transparent pixels on white, crops the centre square
and resizes it with Lanczos. Files that Pillow cannot read are skipped, with
one warning at the end. The uint8 result goes to training as it is:
:func:`ganlab.data.check_images` scales it to [-1, 1].
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
PROGRESS_MIN_FILES = 200
_GRAY_MODES = {"1", "L", "LA", "La", "I", "F"}  # plus every "I;16..." variant
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}


def _check_folder(folder) -> Path:
    path = Path(folder).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"Image folder {str(path)!r} does not exist: check the path, or "
            "create it and put your pictures in it."
        )
    if not path.is_dir():
        raise ValueError(
            f"{str(path)!r} is a file, not a folder: pass the folder that "
            "holds your pictures."
        )
    return path


def list_image_files(folder) -> list[Path]:
    """Every image file under ``folder``, sub-folders included, sorted.

    A file counts when its extension, in any case, is one of
    ``IMAGE_EXTENSIONS``. Hidden files and folders (name starting with
    ".", such as macOS "._photo.jpg" or ".ipynb_checkpoints") are left out.

    Raises:
        FileNotFoundError: if ``folder`` does not exist.
        ValueError: if ``folder`` is a file.
    """
    root = _check_folder(folder)
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix.lower() in IMAGE_EXTENSIONS
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
        and path.is_file()
    )


def _is_gray(mode: str) -> bool:
    return mode in _GRAY_MODES or mode.startswith("I;16")


def _check_arguments(image_size, channels, min_images) -> None:
    if (
        isinstance(image_size, bool)
        or not isinstance(image_size, (int, np.integer))
        or image_size < 8
        or image_size % 2
    ):
        raise ValueError(
            f"image_size must be an even integer of at least 8 (such as 32, 64 "
            f"or 128), got {image_size!r}."
        )
    if channels not in (None, 1, 3):
        raise ValueError(
            f"channels must be 1 (grayscale), 3 (RGB) or None (1 if every "
            f"picture is grayscale, else 3), got {channels!r}."
        )
    if isinstance(min_images, bool) or not isinstance(min_images, int):
        raise ValueError(f"min_images must be an integer, got {min_images!r}.")


def _peek_mode(path: Path) -> str | None:
    """The Pillow mode of ``path`` from its header, or None if unreadable.

    A palette ("P") image whose colours are all gray counts as "L".
    """
    try:
        with Image.open(path) as img:
            if img.mode == "P":
                palette = np.asarray(img.getpalette() or [0, 0, 0]).reshape(-1, 3)
                return "L" if (palette == palette[:, :1]).all() else "P"
            return img.mode
    except Exception:  # Pillow raises many kinds for bad files
        return None


def _to_mode(img: Image.Image, mode: str) -> Image.Image:
    """``img`` as "L" or "RGB": alpha on white, 16-bit gray scaled to 8-bit."""
    if img.mode in _ALPHA_MODES or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    elif img.mode in ("I", "F") or img.mode.startswith("I;16"):
        values = np.asarray(img, dtype=np.float32)
        if values.size and values.max() > 255:
            values = values / 257.0  # 16-bit samples, 65535 -> 255
        img = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
    return img.convert(mode)


def _read_image(path: Path, *, image_size: int, mode: str) -> np.ndarray:
    """(S, S) or (S, S, 3) uint8 pixels of one file, centre-cropped and resized.

    Raises whatever Pillow raises for an unreadable or truncated file.
    """
    with Image.open(path) as img:
        img.draft("RGB" if mode == "RGB" else "L", (image_size, image_size))
        img = _to_mode(ImageOps.exif_transpose(img), mode)  # GIF: first frame
        width, height = img.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        # Crop first: resize(box=...) would blend in pixels outside the box.
        img = img.crop((left, top, left + side, top + side))
        img = img.resize((image_size, image_size), Image.Resampling.LANCZOS)
        return np.asarray(img, dtype=np.uint8)


def _warn_skipped(skipped: list[Path]) -> None:
    names = ", ".join(path.name for path in skipped[:3])
    more = ", ..." if len(skipped) > 3 else ""
    warnings.warn(
        f"Skipped {len(skipped)} file(s) that could not be read as images "
        f"({names}{more}); delete or re-save them to use them.",
        stacklevel=3,
    )


def load_image_folder(
    folder,
    *,
    image_size: int,
    channels: int | None = None,
    min_images: int = 1,
    progress: bool = True,
) -> np.ndarray:
    """Read every picture under ``folder`` into one array.

    Each image is opened with Pillow, turned upright from its EXIF
    orientation, reduced to its first frame (GIF), composited on white where
    transparent, converted to grayscale or RGB, centre-cropped to a square
    of its shorter side and resized to ``image_size`` with Lanczos.

    Args:
        folder: folder to search, sub-folders included (see
            :func:`list_image_files`).
        image_size: side S of the square output images; even, at least 8.
        channels: 1 for grayscale, 3 for RGB, or None for 1 if every
            readable picture is grayscale and 3 otherwise.
        min_images: fewest readable pictures to accept.
        progress: show a ``keras.utils.Progbar`` when there are more than
            ``PROGRESS_MIN_FILES`` files.

    Returns:
        uint8 array of shape (N, S, S, C), values in [0, 255], in the sorted
        order of the file paths; N counts the readable pictures.

    Warns:
        UserWarning: once, naming up to 3 of the files that were skipped
            because Pillow could not read them (corrupt or truncated).

    Raises:
        FileNotFoundError: if ``folder`` does not exist.
        ValueError: if ``folder`` is a file, holds no image files, has fewer
            than ``min_images`` readable ones, or for a bad ``image_size``
            or ``channels``.
    """
    _check_arguments(image_size, channels, min_images)
    files = list_image_files(folder)
    if not files:
        raise ValueError(
            f"No image files in {str(folder)!r} or its sub-folders: put "
            f"pictures ending in {', '.join(IMAGE_EXTENSIONS)} there "
            "(any letter case)."
        )
    modes = {path: _peek_mode(path) for path in files}
    skipped = [path for path in files if modes[path] is None]
    readable = [path for path in files if modes[path] is not None]
    if channels is None:  # all([]) is True: no readable file gives 1
        channels = 1 if all(_is_gray(modes[path]) for path in readable) else 3
    mode = "L" if channels == 1 else "RGB"

    images = np.empty((len(readable), image_size, image_size, channels), np.uint8)
    bar = None
    if progress and len(files) > PROGRESS_MIN_FILES:
        import keras  # only here: importing keras is slow

        bar = keras.utils.Progbar(len(readable), unit_name="image")
    count = 0
    for index, path in enumerate(readable):
        try:
            pixels = _read_image(path, image_size=image_size, mode=mode)
        except Exception:  # truncated or corrupt data found while decoding
            skipped.append(path)
        else:
            images[count] = pixels.reshape(images.shape[1:])
            count += 1
        if bar is not None:
            bar.update(index + 1)

    if skipped:
        _warn_skipped(sorted(skipped))
    if count < max(min_images, 1):
        raise ValueError(
            f"Found {count} readable picture(s) in {str(folder)!r} "
            f"({len(files)} image file(s), {len(skipped)} unreadable); at "
            f"least {max(min_images, 1)} needed: add more pictures."
        )
    return images if count == len(readable) else images[:count].copy()
