"""Loading MNIST from local files, never from the internet."""

import gzip
import struct

import numpy as np
import pytest

import ganlab
from ganlab.data.datasets import read_idx


def test_load_mnist_matches_the_keras_layout(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert y_train.dtype == np.uint8 and set(np.unique(y_train)) == set(range(10))
    # Class counts published with the files (shared/data/README.md).
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train).tolist() == counts
    assert x_train.min() == 0 and x_train.max() == 255


def _write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_roundtrip(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.gz", arr)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), arr)


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    with gzip.open(tmp_path / "bad.gz", "wb") as f:
        f.write(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + b"abc")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "bad.gz")
    with gzip.open(tmp_path / "png.gz", "wb") as f:
        f.write(b"\x89PNG....")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(tmp_path / "png.gz")


def test_load_from_npz_and_env_var(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        "y_train": np.arange(5, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "y_test": np.arange(2, dtype=np.uint8),
    }
    (tmp_path / "mnist").mkdir()
    np.savez(tmp_path / "mnist" / "mnist.npz", **arrays)
    monkeypatch.setenv("GANLAB_DATA_DIR", str(tmp_path))
    (x, y), (xt, yt) = ganlab.load_mnist()
    np.testing.assert_array_equal(x, arrays["x_train"])
    np.testing.assert_array_equal(yt, arrays["y_test"])
    # The mnist folder itself may be named too.
    (x2, _), _ = ganlab.load_mnist(tmp_path / "mnist")
    np.testing.assert_array_equal(x2, x)


def test_empty_folder_says_what_to_put_there(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        ganlab.load_mnist(tmp_path)
