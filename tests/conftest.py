"""Shared fixtures: tiny networks and a small slice of MNIST.

Tests never download: MNIST comes from $GANLAB_DATA_DIR, which defaults here
to ../shared/data beside the repository (as in CI).
"""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("GANLAB_DATA_DIR", str(_ROOT.parent / "shared" / "data"))
# Absolute, so that subprocesses and notebooks running elsewhere find it too.
os.environ["GANLAB_DATA_DIR"] = str(Path(os.environ["GANLAB_DATA_DIR"]).resolve())
# Under pytest-xdist (`pytest -n 2`, as CI runs) each worker, and every
# script or notebook kernel it starts, keeps TensorFlow's ops on one thread:
# the tiny test networks gain nothing from two, and two workers each using
# both cores slow each other down. Set before TensorFlow is imported.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ganlab  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """(x_train, y_train), (x_test, y_test) from the local MNIST files."""
    folder = Path(os.environ["GANLAB_DATA_DIR"]) / "mnist"
    if not folder.is_dir():
        pytest.skip(f"MNIST not found in {folder}; set GANLAB_DATA_DIR")
    return ganlab.load_mnist()


@pytest.fixture
def tiny_images():
    """256 random uint8 28×28 images: enough to run fit for a few steps."""
    return np.random.default_rng(0).integers(0, 256, (256, 28, 28), dtype=np.uint8)


def make_tiny_gan(latent_dim=8, image_shape=(28, 28, 1), seed=1, **compile_kwargs):
    """A compiled GAN with very narrow networks, for fast tests."""
    keras.utils.set_random_seed(seed)
    gan = ganlab.build_dcgan(latent_dim, image_shape, width=4, seed=seed)
    gan.compile(**compile_kwargs)
    return gan


@pytest.fixture
def tiny_gan():
    return make_tiny_gan()
