"""Train the MNIST evaluator whose weights ship in ganlab/weights/.

Run from the repository root (about 10 minutes on 2 CPU cores):

    GANLAB_DATA_DIR=../shared/data python bench/train_evaluator.py

It trains :func:`ganlab.evaluation.features.build_mnist_classifier` on the 60k MNIST
training images with light augmentation (shifts, small rotations and zooms)
and a fixed seed, for a fixed number of epochs (the test set is never used to
choose anything), then prints the test accuracy and writes the weights file.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ganlab.data.datasets import load_mnist
from ganlab.evaluation.features import WEIGHTS_PATH, build_mnist_classifier


def augmenter() -> keras.Sequential:
    """Random shifts (±10%), rotations (±11°) and zooms (±10%), active in training.

    The background of [-1, 1] images is -1, so new pixels are filled with -1.
    """
    fill = {"fill_mode": "constant", "fill_value": -1.0}
    return keras.Sequential(
        [
            keras.layers.RandomTranslation(0.1, 0.1, **fill),
            keras.layers.RandomRotation(0.03, **fill),
            keras.layers.RandomZoom(0.1, **fill),
        ],
        name="augment",
    )


def scale(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) in [0, 255] -> float32 (N, 28, 28, 1) in [-1, 1]."""
    return (images.astype(np.float32) / 127.5 - 1.0)[..., None]


def train(epochs: int, batch_size: int, seed: int) -> tuple[keras.Model, float]:
    """Train the classifier; return it and its MNIST test accuracy."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, x_test = scale(x_train), scale(x_test)

    classifier = build_mnist_classifier()
    model = keras.Sequential([keras.Input((28, 28, 1)), augmenter(), classifier])
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(
        x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2, shuffle=True
    )
    probs = classifier.predict(x_test, batch_size=1000, verbose=0)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))
    return classifier, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()

    start = time.perf_counter()
    classifier, accuracy = train(args.epochs, args.batch_size, args.seed)
    minutes = (time.perf_counter() - start) / 60
    args.out.parent.mkdir(parents=True, exist_ok=True)
    classifier.save_weights(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()[:16]
    size_mb = args.out.stat().st_size / 1e6
    print(f"test accuracy: {accuracy:.4f}  (training took {minutes:.1f} min)")
    print(f"wrote {args.out} ({size_mb:.2f} MB, sha256 {digest}...)")


if __name__ == "__main__":
    main()
