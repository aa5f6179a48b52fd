"""Mode collapse on MNIST, seen through the digit-class histogram (issue 4).

Trains a small DCGAN in several settings with the same seed, data and step
budget: the plain GAN at a high learning rate ("plain"), and the same with a
remedy, and labels 2,000 samples of each with the shipped MNIST evaluator
(:func:`ganlab.evaluator.classifier_probabilities`). A collapsed generator
puts most samples in few classes; a healthy one spreads them over all ten.

No setting here has been seen to collapse yet: "plain" (non-saturating BCE,
Adam(2e-3), 600 steps) covered all ten classes (see bench/README.md). It was
called "collapse" before, which was misleading.

    python bench/mnist_collapse.py                  # a few minutes on 2 cores
    python bench/mnist_collapse.py --quick          # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Use this checkout's ganlab, whatever copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganlab.gan import GAN  # noqa: E402
from ganlab.models import make_discriminator, make_generator  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# name -> (GAN.compile options, make_discriminator options)
SETTINGS: dict[str, tuple[dict, dict]] = {
    "plain": ({}, {}),  # non-saturating BCE, no remedy
    "pack2": ({"pack": 2}, {"pack": 2}),
    "mbstd": ({}, {"minibatch_std": True}),
}


def train(
    setting: str,
    x: np.ndarray,
    steps: int,
    seed: int = 0,
    batch: int = 64,
    lr: float = 2e-3,
    width: int = 16,
    latent_dim: int = 100,
) -> tuple[GAN, float]:
    """Train one DCGAN in ``setting``; return (gan, seconds)."""
    keras.utils.set_random_seed(seed)
    options, d_options = SETTINGS[setting]
    gan = GAN(
        make_generator(latent_dim, width=width),
        make_discriminator(width=width, **d_options),
        seed=seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        steps_per_execution=min(steps, 25),
        **options,
    )
    import tensorflow as tf

    ds = (
        tf.data.Dataset.from_tensor_slices(x)
        .shuffle(len(x), seed=seed)
        .repeat()
        .batch(batch, drop_remainder=True)
        .prefetch(2)
    )
    start = time.perf_counter()
    gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
    return gan, time.perf_counter() - start


def class_histogram(images: np.ndarray) -> np.ndarray:
    """(10,) counts of the evaluator's argmax class over ``images``."""
    from ganlab.evaluator import classifier_probabilities

    probs = classifier_probabilities(images)
    return np.bincount(probs.argmax(axis=1), minlength=10)


def summary(hist: np.ndarray) -> str:
    """Classes present (≥ 1% of samples), top-class share, KL to uniform."""
    p = hist / hist.sum()
    present = int((p >= 0.01).sum())
    nz = p[p > 0]
    kl = float((nz * np.log(nz * 10)).sum())
    return f"classes ≥1%: {present}/10, top class {p.max():.0%}, KL(p‖U) {kl:.2f}"


def save_bars(hists: dict[str, np.ndarray], path: str, title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(hists), figsize=(3.6 * len(hists), 2.8))
    for ax, (name, hist) in zip(np.atleast_1d(axes), hists.items()):
        ax.bar(range(10), 100 * hist / hist.sum())
        ax.axhline(10, color="gray", lw=0.8, ls="--")
        ax.set(xticks=range(10), xlabel="digit (evaluator)", ylim=(0, 100))
        ax.set_title(f"{name}\n{summary(hist)}", fontsize=7)
    np.atleast_1d(axes)[0].set_ylabel("% of samples")
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None) -> dict[str, np.ndarray]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--settings", default="plain,pack2")
    parser.add_argument("--train-images", type=int, default=20_000)
    parser.add_argument(
        "--out", default=str(ROOT / "assets" / "mnist_collapse_hist.png")
    )
    parser.add_argument("--quick", action="store_true", help="a few steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.samples, args.train_images = 4, 100, 512
    from ganlab.datasets import load_mnist

    (x_train, _), _ = load_mnist()
    x = x_train[: args.train_images, ..., None].astype(np.float32) / 127.5 - 1.0
    hists = {}
    for setting in args.settings.split(","):
        gan, seconds = train(
            setting,
            x,
            args.steps,
            seed=args.seed,
            batch=args.batch,
            lr=args.lr,
            width=args.width,
        )
        hist = class_histogram(gan.generate(args.samples, seed=1))
        hists[setting] = hist
        print(
            f"{setting}: {args.steps} steps in {seconds:.0f} s; histogram "
            f"{hist.tolist()}; {summary(hist)}",
            flush=True,
        )
    title = (
        f"DCGAN width {args.width}, batch {args.batch}, Adam({args.lr:g}, β₁=0.5), "
        f"{args.steps} steps, seed {args.seed}"
    )
    save_bars(hists, args.out, title)
    print(f"saved {args.out}")
    return hists


if __name__ == "__main__":
    main()
