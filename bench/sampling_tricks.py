"""Two sampling tricks on a trained MNIST GAN, scored beside plain sampling.

Run from the repository root, on a model from ``python -m ganlab train``:

    GANLAB_DATA_DIR=../shared/data python bench/sampling_tricks.py \
        runs/mnist/model.keras

Prints FD, IS, precision, recall and the confident share of ``--n`` samples
(the same noise for every row) against the MNIST test digits:

- **truncation** (BigGAN, Brock et al. 2019): z scaled by ψ < 1, fewer
  unusual samples for less variety;
- **standing statistics** (also BigGAN): the EMA generator's BatchNorm moving
  statistics recomputed from its own activations, over ``--batches`` batches
  of 256 noise vectors, instead of the live generator's copied ones.

Conditional and self-conditioned models (the default recipe's) work too: every
row uses the same labels, drawn once by the model's ``sample_labels`` (a
self-conditioned model draws its clusters as often as the data has them), and
the standing statistics run the generator on (noise, labels) drawn the same
way.
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import ganlab
from ganlab.data.pipeline import check_labels

PSIS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)


def labels_for(gan: ganlab.GAN, n: int, seed: int):
    """Labels (n,) as the model draws them with ``seed``; None without any."""
    return None if gan.num_classes is None else gan.sample_labels(n, seed=seed)


def score(gan, z: np.ndarray, labels, x_test: np.ndarray, tag: str) -> dict:
    """Evaluate the samples for noise ``z`` and ``labels``; print one row."""
    r = ganlab.evaluate(gan.generate_from(z, labels=labels), x_test, n=len(z))
    print(
        f"{tag:<34} FD {r['fid']:6.2f}  IS {r['is_mean']:5.2f}  "
        f"precision {r['precision']:.2f}  recall {r['recall']:.2f}  "
        f"confident {r['confident_share']:.3f}",
        flush=True,
    )
    return r


def standing_statistics(gan: ganlab.GAN, batches: int, seed: int = 1) -> None:
    """Set the sampler's BatchNorm statistics to the mean over ``batches``
    batches of its own activations (a running average: momentum k/(k+1))."""
    sampler = gan.sampler
    norms = [
        layer
        for layer in sampler.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not norms:
        raise ValueError("The sampler has no BatchNormalization layer to update.")
    rng = np.random.default_rng(seed)
    for k in range(batches):
        for layer in norms:
            layer.momentum = k / (k + 1)
        noise = rng.standard_normal((256, gan.latent_dim)).astype("float32")
        inputs = noise
        if gan.num_classes is not None:
            labels = labels_for(gan, 256, seed=seed * 100_003 + k)
            inputs = [noise, check_labels(labels, gan.num_classes)]
        sampler(inputs, training=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="a .keras GAN trained on MNIST")
    parser.add_argument("--n", type=int, default=10000, help="samples per row")
    parser.add_argument("--batches", type=int, default=100, help="standing stats")
    args = parser.parse_args(argv)

    gan = keras.models.load_model(args.model)
    _, (x_test, _) = ganlab.load_mnist()
    z = np.random.default_rng(0).standard_normal((args.n, gan.latent_dim))
    z = z.astype("float32")
    labels = labels_for(gan, args.n, seed=0)
    for psi in PSIS:
        score(gan, z * psi, labels, x_test, f"truncation psi = {psi}")
    standing_statistics(gan, args.batches)
    score(gan, z, labels, x_test, f"standing statistics ({args.batches} x 256)")


if __name__ == "__main__":
    main()
