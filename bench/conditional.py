"""Conditional GAN quality bench (issue 5): does it draw the digit asked for?

Trains the default conditional recipe (``python -m ganlab train
--conditional``), then, with the shipped MNIST evaluator
(:mod:`ganlab.evaluation.features`):

- draws ``--per-class`` digits of each class and reports the share that the
  evaluator classifies as the requested class, per class and overall
  (target: >= 95 %);
- the class-conditional FID: for each class, the Fréchet distance between
  evaluator features (128-d) of the generated digits and of the real MNIST
  test digits of that class, and the mean over classes. As a floor for
  these sample sizes, the same distance between real training and real test
  digits of each class.

It also writes ``class_grid.png`` and ``interpolation_4_to_9.gif`` (a latent
walk from 4 to 9 for eight noise vectors) beside the model.

Usage:
    python bench/conditional.py --out runs/bench_conditional
    python bench/conditional.py --model runs/cmnist/model.keras   # no training
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def evaluate(cgan, per_class: int, seed: int) -> dict:
    """Per-class accuracy and class-conditional FD of a conditional GAN."""
    from ganlab.data.datasets import load_mnist
    from ganlab.evaluation.features import classifier_outputs
    from ganlab.evaluation.metrics import frechet_distance

    (x_train, y_train), (x_test, y_test) = load_mnist()
    rng = np.random.default_rng(seed)
    report = {"per_class": {}}
    hits = 0
    for k in range(cgan.num_classes):
        fake = cgan.generate(per_class, labels=np.full(per_class, k), seed=seed + k)
        feats, probs = classifier_outputs(fake)
        acc = float(np.mean(probs.argmax(1) == k))
        hits += int(np.sum(probs.argmax(1) == k))
        real_test, real_probs = classifier_outputs(x_test[y_test == k])
        train_k = x_train[y_train == k]
        train_k = train_k[rng.choice(len(train_k), len(real_test), replace=False)]
        floor = frechet_distance(classifier_outputs(train_k)[0], real_test)
        report["per_class"][k] = {
            "accuracy": acc,
            "real_test_accuracy": float(np.mean(real_probs.argmax(1) == k)),
            "fid": frechet_distance(feats, real_test),
            "fid_real_floor": floor,
            "n_real_test": int(len(real_test)),
        }
    rows = report["per_class"].values()
    report["accuracy"] = hits / (per_class * cgan.num_classes)
    report["mean_class_fid"] = float(np.mean([r["fid"] for r in rows]))
    report["mean_real_floor"] = float(np.mean([r["fid_real_floor"] for r in rows]))
    return report


def print_report(report: dict) -> None:
    print("class  accuracy  real-test-acc  class-FID  real-train-vs-test FD  n_test")
    for k, r in report["per_class"].items():
        print(
            f"{k:>5}  {100 * r['accuracy']:7.2f}%  "
            f"{100 * r['real_test_accuracy']:12.2f}%  {r['fid']:9.2f}  "
            f"{r['fid_real_floor']:21.2f}  {r['n_real_test']:6d}"
        )
    print(
        f"  all  {100 * report['accuracy']:7.2f}%  {'':13}  "
        f"{report['mean_class_fid']:9.2f}  "
        f"{report['mean_real_floor']:21.2f}   (FD columns: mean over classes)"
    )


def write_pictures(cgan, folder: Path, seed: int) -> None:
    """class_grid.png (one row per digit) and interpolation_4_to_9.gif."""
    from ganlab.plotting import save_class_grid, save_interpolation_gif

    save_class_grid(cgan, folder / "class_grid.png", n_per_class=10, seed=seed)
    gif = folder / "interpolation_4_to_9.gif"
    save_interpolation_gif(cgan, gif, 4, 9, steps=16, n=8, seed=seed)
    print(f"wrote {folder / 'class_grid.png'} and {gif}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out",
        default="runs/bench_conditional",
        help="folder for the trained model (unless --model), the report and pictures",
    )
    parser.add_argument("--model", default=None, help="evaluate this .keras model")
    parser.add_argument("--per-class", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--epochs", type=int, default=None, help="default: the CLI's default"
    )
    args = parser.parse_args(argv)

    import keras

    import ganlab  # noqa: F401  (registers the classes for loading)
    from ganlab import cli

    model_path = args.model
    seconds = None
    if model_path is None:
        start = time.perf_counter()
        epochs = [] if args.epochs is None else ["--epochs", str(args.epochs)]
        code = cli.main(["train", "--conditional", "--out", args.out, *epochs])
        if code:
            raise SystemExit(code)
        seconds = time.perf_counter() - start
        model_path = str(Path(args.out) / "model.keras")
    cgan = keras.models.load_model(model_path)
    if cgan.num_classes is None or cgan.label_prior is not None:
        raise SystemExit(
            f"{model_path} is not a conditional model (train --conditional): it "
            "has no digit labels to ask for."
        )
    report = evaluate(cgan, args.per_class, args.seed)
    report["train_seconds"] = seconds
    report["model"] = model_path
    print_report(report)
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    write_pictures(cgan, folder, args.seed)
    if seconds is not None:
        print(f"training (python -m ganlab train --conditional): {seconds:.0f} s")
    out = folder / "conditional_bench.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
