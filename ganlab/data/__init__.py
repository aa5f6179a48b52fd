"""Data: one validator and one pipeline for what users have, and data sets.

- :mod:`~ganlab.data.pipeline`: :func:`check_images` (ganlab's one image
  validator), :func:`check_labels` and :func:`training_data`, the one data
  path into ``GAN.fit``;
- :mod:`~ganlab.data.batches`: shuffled ``tf.data`` batches of arrays;
- :mod:`~ganlab.data.datasets`: MNIST from ``GANLAB_DATA_DIR``;
- :mod:`~ganlab.data.image_folders`: a folder of pictures as one array;
- :mod:`~ganlab.data.toy`, :mod:`~ganlab.data.toy_images`: 2-D Gaussian
  mixtures and disc pictures, whose every sample can be checked.
"""

from ganlab.data.pipeline import (  # noqa: I001  (the validator first)
    TrainingData,
    check_images,
    check_labels,
    pixel_scale,
    training_data,
)
from ganlab.data import batches, datasets, image_folders, toy, toy_images
from ganlab.data.datasets import load_mnist
from ganlab.data.image_folders import load_image_folder

__all__ = [
    "TrainingData",
    "batches",
    "check_images",
    "check_labels",
    "datasets",
    "image_folders",
    "load_image_folder",
    "load_mnist",
    "pixel_scale",
    "toy",
    "toy_images",
    "training_data",
]


def __getattr__(name):
    """Names that lived here in ganlab 0.1, with a DeprecationWarning."""
    from ganlab import _moved

    return _moved.moved_name("ganlab.data", name)
