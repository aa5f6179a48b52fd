"""Data sets ganlab knows by name.

MNIST is read from a local folder when one is given (or named by the
``GANLAB_DATA_DIR`` environment variable), so that nothing is downloaded in
tests, CI or on an offline machine. Only when neither is set does ganlab fall
back to :func:`keras.datasets.mnist.load_data`, which downloads.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "GANLAB_DATA_DIR"

_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

MnistSplits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally gzip-compressed) into a NumPy array.

    The IDX format is a big-endian header: two zero bytes, a type code (0x08
    for unsigned bytes), the number of dimensions, then one uint32 per
    dimension, followed by the raw values.

    Args:
        path: path to a ``.idx`` or ``.gz`` file.

    Returns:
        A uint8 array with the shape given in the header, e.g. (60000, 28, 28)
        for the MNIST training images and (60000,) for their labels.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    if raw[2] != 0x08:
        raise ValueError(
            f"{path} holds IDX type code {raw[2]:#x}; only unsigned bytes (0x08) "
            "are supported."
        )
    ndim = raw[3]
    header_end = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw[4:header_end], dtype=">u4"))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_end)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"{path} is truncated: header says {shape} "
            f"({int(np.prod(shape))} values) but it holds {data.size}."
        )
    return data.reshape(shape)


def _mnist_folder(data_dir: str | os.PathLike | None) -> Path | None:
    """Resolve the folder to read MNIST from, or None to download."""
    if data_dir is None:
        env = os.environ.get(DATA_DIR_ENV)
        if not env:
            return None
        data_dir = env
    root = Path(data_dir).expanduser()
    # Accept both the data root (holding mnist/) and the mnist folder itself.
    if (root / "mnist").is_dir():
        return root / "mnist"
    return root


def load_mnist(data_dir: str | os.PathLike | None = None) -> MnistSplits:
    """Load MNIST as ``keras.datasets.mnist.load_data()`` does.

    Looks, in order, in ``data_dir``; then in ``$GANLAB_DATA_DIR/mnist`` when
    that variable is set; and only otherwise calls Keras's downloader. A
    folder may hold the four standard IDX ``.gz`` files or an ``mnist.npz``
    (the file Keras downloads). Either the data root or its ``mnist/``
    subfolder may be named.

    Args:
        data_dir: folder with the MNIST files, or None.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
        (60000, 28, 28) and (10000, 28, 28) with values in [0, 255], and uint8
        labels in 0..9 of shape (60000,) and (10000,).

    Raises:
        FileNotFoundError: the folder exists but holds neither format.
    """
    folder = _mnist_folder(data_dir)
    if folder is None:
        import keras

        return keras.datasets.mnist.load_data()

    idx_paths = {k: folder / name for k, name in _MNIST_FILES.items()}
    if all(p.exists() for p in idx_paths.values()):
        arrays = {k: read_idx(p) for k, p in idx_paths.items()}
    elif (folder / "mnist.npz").exists():
        with np.load(folder / "mnist.npz") as f:
            arrays = {k: f[k] for k in _MNIST_FILES}
    else:
        raise FileNotFoundError(
            f"No MNIST files in {folder}. Put the four IDX .gz files "
            f"({', '.join(_MNIST_FILES.values())}) or an mnist.npz there, or "
            f"unset {DATA_DIR_ENV} and pass data_dir=None to download with Keras."
        )
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
