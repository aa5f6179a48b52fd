"""Mode collapse on MNIST, collapsed vs remedied (issue 4).

The collapsing setting: a small DCGAN (width 16) whose generator learns 50×
faster than its discriminator (Adam 1e-2 vs 2e-4, β₁ = 0.5). For a nearly fixed
discriminator the generator's best answer is the one image D likes most, so
within a few hundred steps every z maps to (nearly) the same picture. The
remedies change only the discriminator: the minibatch standard-deviation
feature (Karras et al. 2018) and packing (PacGAN, Lin et al. 2018) let it see
that a batch has no variety.

Each setting is trained over several seeds with the same data and step budget;
2,000 samples of each are scored with the shipped MNIST evaluator:

- the digit-class histogram (each sample's most probable class, from
  :func:`ganlab.evaluate`);
- **diversity** (:func:`ganlab.evaluation.metrics.sample_diversity`): the mean pixel
  distance between two samples over the same for real test digits (about 1
  for a healthy generator, 0 for a collapsed one);
- FD, precision and recall on the evaluator's features (:func:`ganlab.evaluate`).

The histogram alone can mislead: the evaluator gives *some* class to anything,
even to a blob it has never seen, so one collapsed image is counted as "100% of
class 7" and a near-collapse can even look spread over several classes. Read it
with the diversity and recall, and look at the samples (the figure shows them).

    python bench/mnist_collapse.py                  # about 7 min on one core
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

from ganlab.evaluation.metrics import sample_diversity  # noqa: E402
from ganlab.evaluation.report import evaluate  # noqa: E402
from ganlab.gan.model import GAN  # noqa: E402
from ganlab.nets.dcgan import make_discriminator, make_generator  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# name -> (GAN.compile options, make_discriminator options)
SETTINGS: dict[str, tuple[dict, dict]] = {
    "plain": ({}, {}),  # non-saturating BCE, no remedy
    "mbstd": ({}, {"minibatch_std": True}),
    "pack2": ({"pack": 2}, {"pack": 2}),
}


def train(
    setting: str,
    x: np.ndarray,
    steps: int,
    seed: int = 0,
    batch: int = 64,
    g_lr: float = 1e-2,
    d_lr: float = 2e-4,
    width: int = 16,
    latent_dim: int = 100,
) -> tuple[GAN, float]:
    """Train one DCGAN in ``setting`` on uint8 images; return (gan, seconds)."""
    keras.utils.set_random_seed(seed)
    options, d_options = SETTINGS[setting]
    gan = GAN(
        make_generator(latent_dim, width=width),
        make_discriminator(width=width, **d_options),
        seed=seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(g_lr, beta_1=0.5),
        steps_per_execution=min(steps, 25),
        **options,
    )
    start = time.perf_counter()
    gan.fit(x, batch_size=batch, epochs=1, steps_per_epoch=steps, verbose=0)
    return gan, time.perf_counter() - start


def score(images: np.ndarray, x_test: np.ndarray) -> dict:
    """Class histogram, diversity, FD, precision and recall of ``images``."""
    r = evaluate(images, x_test, n=len(images), seed=0)
    p = np.asarray(r["class_histogram"])
    hist = np.rint(p * len(images)).astype(int)
    real = x_test.reshape(len(x_test), -1).astype(np.float32) / 127.5 - 1.0
    return {
        "hist": hist,
        "classes": int((p >= 0.01).sum()),
        "top": float(p.max()),
        "diversity": sample_diversity(images.reshape(len(images), -1), real),
        "fd": r["fid"],
        "precision": r["precision"],
        "recall": r["recall"],
    }


def save_figure(runs: dict[str, dict], path: str, title: str = "") -> None:
    """Per setting: 16 samples above the class histogram (the first seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlab.plotting import image_grid

    names = list(runs)
    fig, axes = plt.subplots(
        2, len(names), figsize=(3.4 * len(names), 5.4), squeeze=False
    )
    for col, name in enumerate(names):
        s, images = runs[name]["scores"][0], runs[name]["images"]
        axes[0, col].imshow(image_grid(images[:16], ncols=4), cmap="gray")
        axes[0, col].set_title(
            f"{name}\ndiversity {s['diversity']:.2f}, recall {s['recall']:.2f}",
            fontsize=8,
        )
        axes[0, col].axis("off")
        ax = axes[1, col]
        ax.bar(range(10), 100 * s["hist"] / s["hist"].sum())
        ax.axhline(10, color="gray", lw=0.8, ls="--")
        ax.set(xticks=range(10), xlabel="digit (evaluator)", ylim=(0, 100))
        ax.set_title(
            f"{s['classes']}/10 classes ≥ 1%, top {s['top']:.0%}, FD {s['fd']:.0f}",
            fontsize=8,
        )
    axes[1, 0].set_ylabel("% of samples")
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def mean_std(values: list[float], fmt: str = ".2f") -> str:
    return f"{np.mean(values):{fmt}} ± {np.std(values):{fmt}}"


def main(argv=None) -> dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--g-lr", type=float, default=1e-2)
    parser.add_argument("--d-lr", type=float, default=2e-4)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--settings", default="plain,mbstd,pack2")
    parser.add_argument("--train-images", type=int, default=20_000)
    parser.add_argument("--out", default=str(ROOT / "assets" / "mnist_collapse.png"))
    parser.add_argument("--quick", action="store_true", help="a few steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.samples, args.train_images, args.seeds = 4, 100, 512, 1
    unknown = set(args.settings.split(",")) - set(SETTINGS)
    if unknown:
        parser.error(
            f"unknown settings {sorted(unknown)}; choose from {list(SETTINGS)}"
        )
    from ganlab.data.datasets import load_mnist

    (x_train, _), (x_test, _) = load_mnist()
    x = x_train[: args.train_images]
    runs: dict[str, dict] = {}
    for setting in args.settings.split(","):
        runs[setting] = {"scores": []}
        for seed in range(args.seeds):
            gan, seconds = train(
                setting,
                x,
                args.steps,
                seed=seed,
                batch=args.batch,
                g_lr=args.g_lr,
                d_lr=args.d_lr,
                width=args.width,
            )
            images = gan.generate(args.samples, seed=1)
            s = score(images, x_test)
            runs[setting]["scores"].append(s)
            if seed == 0:
                runs[setting]["images"] = images
            print(
                f"{setting} seed {seed}: {args.steps} steps in {seconds:.0f} s; "
                f"histogram {s['hist'].tolist()}; classes ≥1% {s['classes']}/10, "
                f"top {s['top']:.0%}, diversity {s['diversity']:.2f}, "
                f"FD {s['fd']:.1f}, precision {s['precision']:.2f}, "
                f"recall {s['recall']:.2f}",
                flush=True,
            )
    print(f"\nmean ± std over {args.seeds} seeds (real test digits: diversity 1)")
    print(
        "| setting | classes ≥ 1% | top class | diversity | FD | precision | recall |"
    )
    print("|---|---|---|---|---|---|---|")
    for setting, run in runs.items():
        col = {k: [s[k] for s in run["scores"]] for k in run["scores"][0]}
        print(
            f"| {setting} | {mean_std(col['classes'], '.1f')} | "
            f"{mean_std([100 * t for t in col['top']], '.0f')}% | "
            f"{mean_std(col['diversity'])} | {mean_std(col['fd'], '.0f')} | "
            f"{mean_std(col['precision'])} | {mean_std(col['recall'])} |"
        )
    title = (
        f"DCGAN width {args.width}, batch {args.batch}, Adam β₁=0.5, "
        f"G lr {args.g_lr:g}, D lr {args.d_lr:g}, {args.steps} steps; seed 0 shown"
    )
    save_figure(runs, args.out, title)
    print(f"saved {args.out}")
    return runs


if __name__ == "__main__":
    main()
