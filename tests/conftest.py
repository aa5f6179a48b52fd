"""Shared fixtures: tiny networks and a small slice of MNIST.

Tests never download: MNIST comes from $GANLAB_DATA_DIR, which defaults here
to ../shared/data beside the repository (as in CI).

The model tests that must pass on every Keras backend carry the ``backends``
marker: ``KERAS_BACKEND=jax python -m pytest -m backends`` (or ``torch``).
"""

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("GANLAB_DATA_DIR", str(_ROOT.parent / "shared" / "data"))
# Absolute, so that subprocesses and notebooks running elsewhere find it too.
os.environ["GANLAB_DATA_DIR"] = str(Path(os.environ["GANLAB_DATA_DIR"]).resolve())
LEGACY_DIR = _ROOT / "tests" / "fixtures" / "legacy"


def _keras_backend() -> str:
    """The backend Keras will pick, read before Keras (and TF, JAX) start."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    config = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


BACKEND = _keras_backend()
_XDIST = "PYTEST_XDIST_WORKER" in os.environ
# Under pytest-xdist (`pytest -n 2`, as CI runs) each worker, and every
# script or notebook kernel it starts, keeps the backend's ops on one thread:
# the tiny test networks gain nothing from two, and two workers each using
# both cores slow each other down. Set before the backend is imported.
if _XDIST and BACKEND == "tensorflow":
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
# XLA's compile time, not the run, is most of a tiny network's test on JAX
# and with TensorFlow's jit_compile (every new model compiles its step):
# LLVM's lowest optimisation level compiles 2-2.5 times faster. The
# computation is the same, less optimised.
_XLA_FLAGS = [
    "--xla_backend_optimization_level=0",
    "--xla_llvm_disable_expensive_passes=true",
]
if _XDIST and BACKEND == "jax":
    _XLA_FLAGS.append("--xla_cpu_multi_thread_eigen=false")
os.environ.setdefault("XLA_FLAGS", " ".join(_XLA_FLAGS))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import ganlab  # noqa: E402

if _XDIST and BACKEND == "torch":
    import torch

    torch.set_num_threads(1)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "backends: model tests that must pass on every Keras backend "
        "(tensorflow, jax, torch); run with KERAS_BACKEND=... pytest -m backends",
    )
    config.addinivalue_line(
        "markers",
        "slow: smoke runs of the bench/ scripts, a few minutes in all; CI leaves "
        'them out (pytest -m "not slow"), run them with pytest -m slow',
    )


# The files that hold the slowest tests (notebooks, scripts and trainings in
# a subprocess, other backends: 10-70 s each on 2 cores). Under pytest-xdist
# they go first: handed out last, one of them would leave the other worker
# idle at the end.
SLOW_FIRST = (
    "test_notebooks.py",
    "test_bench.py",
    "test_data_efficiency.py",
    "test_backends.py",
    "test_remedies.py",
)


def pytest_collection_modifyitems(config, items):
    """Run the slowest files' tests first, in SLOW_FIRST's order (the order
    is otherwise kept)."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


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


@pytest.fixture
def labels():
    """Class ids 0..9 for ``tiny_images``."""
    return np.arange(256) % 10


def make_tiny_gan(
    latent_dim=8,
    image_shape=(28, 28, 1),
    seed=1,
    *,
    num_classes=None,
    label_prior=None,
    width=4,
    d_kwargs=None,
    **compile_kwargs,
):
    """A compiled GAN with very narrow networks, for fast tests.

    ``num_classes`` makes it conditional; ``label_prior="data"`` with it is
    the self-conditioned GAN; ``d_kwargs`` go to ``make_discriminator``.
    """
    keras.utils.set_random_seed(seed)
    gan = ganlab.build_dcgan(
        latent_dim,
        image_shape=image_shape,
        num_classes=num_classes,
        label_prior=label_prior,
        width=width,
        seed=seed,
        **(d_kwargs or {}),
    )
    gan.compile(**compile_kwargs)
    return gan


def make_tiny_cgan(seed=1, num_classes=10, **kwargs):
    """A compiled conditional tiny GAN (10 classes by default)."""
    return make_tiny_gan(seed=seed, num_classes=num_classes, **kwargs)


@pytest.fixture
def tiny_gan():
    return make_tiny_gan()


def weights_of(variables):
    """NumPy copies of variables' values (any backend)."""
    return [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]
