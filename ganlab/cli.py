"""Command line: ``python -m ganlab train|sample|evaluate ...``.

``train`` trains the default recipe (:mod:`ganlab.recipes`) on MNIST and
writes everything a person wants to look at into one folder; an interrupted
run started again with the same ``--out`` continues from its last finished
epoch. ``sample`` draws a grid from a saved model, ``evaluate`` scores one.
This module parses the arguments and runs the commands; what is trained is
decided in :mod:`ganlab.recipes`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

from ganlab.recipes import RECIPE


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ganlab",
        description="Train and sample DCGANs on MNIST with ganlab.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser(
        "train",
        help="train a DCGAN on MNIST",
        description=(
            "Train a DCGAN on MNIST, by default self-conditioned on 100 "
            "clusters of the digits' pixels (no labels; --clusters 0: a plain "
            "DCGAN). Writes to --out: epoch_NNN.png grids, "
            "progress.gif, losses.png, history.json, history.csv, model.keras "
            "and metrics.json. Start the same command again after an "
            "interruption to resume; a folder holding a finished run is left "
            "alone unless --overwrite is given."
        ),
    )
    train.add_argument(
        "--epochs",
        type=int,
        default=RECIPE["epochs"],
        help="passes over the data (default %(default)s)",
    )
    train.add_argument("--out", required=True, help="output folder (created)")
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the outputs of a finished run already in --out (without "
        "it, such a folder is an error, so that two runs never mix)",
    )
    train.add_argument(
        "--data-dir",
        default=None,
        help="folder with the MNIST files (IDX .gz or mnist.npz), or the data "
        "root holding mnist/; default $GANLAB_DATA_DIR/mnist, else Keras's "
        "download",
    )
    train.add_argument(
        "--batch-size", type=int, default=RECIPE["batch_size"], help="images per step"
    )
    train.add_argument("--seed", type=int, default=0, help="random seed")
    train.add_argument(
        "--width",
        type=int,
        default=RECIPE["width"],
        help="network width (64 gives the TensorFlow tutorial's DCGAN; default: a "
        "faster half-width version)",
    )
    train.add_argument(
        "--latent-dim", type=int, default=RECIPE["latent_dim"], help="size of z"
    )
    train.add_argument(
        "--lr",
        type=float,
        default=RECIPE["lr"],
        help="Adam learning rate, both nets (default %(default)s)",
    )
    train.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on the first N images only (for quick tries)",
    )
    train.add_argument(
        "--clusters",
        type=int,
        default=None,
        help="self-conditioning, no labels: cluster the images into K groups "
        f"(k-means on the pixels) and train a GAN conditioned on the group "
        f"(default {RECIPE['clusters']}; 0: a plain DCGAN)",
    )
    train.add_argument(
        "--conditional",
        action="store_true",
        help="train a conditional GAN on (image, label) pairs: generate the "
        "digit you ask for; the grids show one row per digit",
    )

    train.add_argument(
        "--precision",
        choices=["float32", "bfloat16"],
        default="float32",
        help="bfloat16: mixed precision, faster on CPUs with AVX512-BF16/AMX and "
        "on recent GPUs (see ganlab.set_precision)",
    )
    train.add_argument(
        "--jit-compile",
        action="store_true",
        help="compile the train step with XLA. Off by default on CPUs (Keras's "
        "'auto'), where it helps on some and hurts on others: 1.2x faster for "
        "this recipe on an AVX2 AMD EPYC, 0.64x for the TensorFlow tutorial's "
        "networks on an AMX Intel CPU (bench/README.md)",
    )
    train.add_argument(
        "--eval-n",
        type=int,
        default=10000,
        help="after training, score this many generated digits against the MNIST "
        "test set with the shipped evaluator and write metrics.json (0: skip)",
    )

    evaluate = sub.add_parser(
        "evaluate",
        help="score a saved model on MNIST (IS, FID, KID, precision/recall, ...)",
        description=(
            "Generate --n digits from a saved .keras GAN and score them against "
            "the MNIST test set with the shipped MNIST evaluator; print the report."
        ),
    )
    evaluate.add_argument("model", help="a .keras file written by ganlab")
    evaluate.add_argument(
        "--n", type=int, default=10000, help="generated and real images (max 10000)"
    )
    evaluate.add_argument(
        "--data-dir", default=None, help="MNIST folder (as for train)"
    )
    evaluate.add_argument("--seed", type=int, default=0, help="noise seed")
    evaluate.add_argument(
        "--json", default=None, help="also write the numbers to this JSON file"
    )

    sample = sub.add_parser(
        "sample",
        help="draw images from a saved model",
        description="Draw images from a saved .keras GAN into one PNG grid.",
    )
    sample.add_argument("model", help="a .keras file written by ganlab")
    sample.add_argument("--n", type=int, default=64, help="number of images")
    sample.add_argument("--out", default="grid.png", help="output PNG")
    sample.add_argument("--seed", type=int, default=None, help="noise seed")
    sample.add_argument(
        "--scale", type=int, default=2, help="integer upscaling of the grid"
    )
    sample.add_argument(
        "--label",
        type=int,
        default=None,
        help="conditional models: draw this digit only (default: --n images "
        "cycling through the classes, one row per class when --n is a multiple "
        "of the class count)",
    )
    return parser


def _read_history(csv_path: Path) -> dict[str, list[float]]:
    """Per-epoch logs from CSVLogger's file, the last row of each epoch winning.

    CSVLogger appends after a resume, so an epoch redone after an
    interruption appears twice; the later row is the one that counted.
    """
    if not csv_path.exists():
        return {}
    with open(csv_path, newline="") as f:
        rows = {int(r["epoch"]): r for r in csv.DictReader(f) if r.get("epoch")}
    epochs = sorted(rows)
    # CSVLogger also writes val_* columns filled with "NA": a GAN has no
    # validation step.
    keys = [
        k
        for k in (rows[epochs[0]] if epochs else {})
        if k != "epoch" and all(rows[e][k] not in ("", "NA") for e in epochs)
    ]
    return {k: [float(rows[e][k]) for e in epochs] for k in keys}


# What ``train`` writes into --out (the backup/ folder aside).
_RUN_OUTPUTS = (
    "epoch_*.png",
    "progress.gif",
    "losses.png",
    "history.json",
    "history.csv",
    "model.keras",
    "metrics.json",
)


def _check_out_folder(out: Path, overwrite: bool) -> None:
    """Keep two runs from mixing in one folder.

    A folder with ``backup/`` holds an interrupted run: ``fit`` resumes it. A
    folder with outputs but no backup holds a finished run: an error, unless
    ``overwrite``, which deletes those outputs (and nothing else).
    """
    if (out / "backup").exists():
        return
    old = sorted({p for pattern in _RUN_OUTPUTS for p in out.glob(pattern)})
    if not old:
        return
    if not overwrite:
        raise FileExistsError(
            f"{out} already holds a finished run ({', '.join(p.name for p in old[:3])}"
            f"{', ...' if len(old) > 3 else ''}). Choose another --out, or pass "
            "--overwrite to replace it. (An interrupted run resumes by itself: "
            "its backup/ folder is still there.)"
        )
    for path in old:
        path.unlink()


def train(args: argparse.Namespace) -> Path:
    """Train on MNIST and write the outputs; return the saved model's path."""
    import keras

    from ganlab.datasets import load_mnist
    from ganlab.precision import set_precision

    out = Path(args.out)
    _check_out_folder(out, args.overwrite)
    (x_train, y_train), _ = load_mnist(args.data_dir)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    clusters = _clusters(args, len(x_train))
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    set_precision(args.precision)
    gan = _recipe_gan(args, clusters)
    print(f"ganlab: training on {len(x_train)} MNIST images for {args.epochs} epochs")
    start = time.perf_counter()
    _fit(gan, x_train, y_train, args, out)
    seconds = time.perf_counter() - start
    model_path = _write_results(gan, out)
    print(
        f"ganlab: trained in {seconds:.0f} s; wrote {model_path}, progress.gif, "
        f"losses.png and history.json in {out}"
    )
    if args.eval_n:
        _, (x_test, _) = load_mnist(args.data_dir)
        results = _score(gan, x_test, args.eval_n, args.seed)
        (out / "metrics.json").write_text(json.dumps(results, indent=2))
        print(f"ganlab: wrote {out / 'metrics.json'}")
    return model_path


def _recipe_gan(args: argparse.Namespace, clusters: int):
    """The recipe's compiled GAN: conditional on the digits, self-conditioned
    on ``clusters`` groups, or plain."""
    from ganlab.recipes import DIGITS, build_recipe_gan, compile_recipe

    num_classes = DIGITS if args.conditional else (clusters or None)
    gan = build_recipe_gan(
        args.latent_dim, num_classes=num_classes, self_conditioned=bool(clusters),
        width=args.width, seed=args.seed,
    )  # fmt: skip
    return compile_recipe(gan, lr=args.lr, jit_compile=args.jit_compile)


def _fit(gan, x_train, y_train, args: argparse.Namespace, out: Path) -> None:
    """``gan.fit`` with the monitors, the log and the backup that resumes."""
    import keras

    from ganlab.callbacks import ClassGridMonitor, GANMonitor
    from ganlab.recipes import training_labels

    labels = training_labels(gan, x_train, y_train, seed=args.seed)
    if args.conditional:  # one row per digit
        monitor = ClassGridMonitor(out, n_per_class=10, seed=args.seed)
    else:
        monitor = GANMonitor(out, n=64, seed=args.seed)
    # The backup comes last: an epoch counts as done only once its grid and
    # its history row are written, so a kill at any point loses nothing.
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        monitor,
        keras.callbacks.BackupAndRestore(str(out / "backup")),
    ]
    gan.fit(x_train, labels, epochs=args.epochs, batch_size=args.batch_size,
            callbacks=callbacks)  # fmt: skip


def _write_results(gan, out: Path) -> Path:
    """history.json, losses.png and model.keras; return the model's path."""
    from ganlab.plotting import plot_history

    history = _read_history(out / "history.csv")
    (out / "history.json").write_text(json.dumps(history, indent=2))
    if history:
        plot_history(history, out / "losses.png")
    model_path = out / "model.keras"
    gan.save(model_path)
    return model_path


def _clusters(args: argparse.Namespace, n_images: int) -> int:
    """The number of clusters to self-condition on (0: none), checked."""
    if args.conditional:
        if args.clusters:
            raise ValueError(
                "--conditional trains on the digit labels; --clusters replaces "
                "them with clusters. Use one of the two."
            )
        return 0
    clusters = RECIPE["clusters"] if args.clusters is None else args.clusters
    if clusters == 1 or clusters < 0:
        raise ValueError(f"--clusters must be 0 (off) or at least 2; got {clusters}.")
    if clusters > n_images:
        raise ValueError(
            f"{n_images} images cannot fill --clusters {clusters}: pass fewer "
            "clusters (0: a plain DCGAN) or more images."
        )
    return clusters


def _score(gan, real, n: int, seed: int) -> dict:
    """Every evaluation metric of ``n`` generated digits vs ``real``; prints it.

    The labels of a conditional or self-conditioned GAN are the ones
    ``generate`` draws by the model's ``label_prior``.
    """
    from ganlab.evaluation import evaluate, format_report

    n = min(n, len(real))
    generated = gan.generate(n, seed=seed)
    results = evaluate(generated, real, n=n, seed=seed)
    print(format_report(results))
    return results


def evaluate_model(args: argparse.Namespace) -> dict:
    """Score a saved model against the MNIST test set and print the report."""
    from ganlab.datasets import load_mnist

    gan = _load(args.model)
    if tuple(gan.image_shape) != (28, 28, 1):
        raise ValueError(
            f"The MNIST evaluator scores 28×28×1 digits; this model makes "
            f"{tuple(gan.image_shape)} images. Use ganlab.evaluate(..., "
            "features='inception') from Python for other images."
        )
    _, (x_test, _) = load_mnist(args.data_dir)
    results = _score(gan, x_test, args.n, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


def sample(args: argparse.Namespace) -> Path:
    """Draw ``--n`` images from a saved model into a PNG grid."""
    from ganlab.plotting import save_image_grid

    gan = _load(args.model)
    labels, ncols = _sample_labels(gan, args.n, args.label)
    images = gan.generate(args.n, labels=labels, seed=args.seed)
    save_image_grid(images, args.out, ncols=ncols, scale=args.scale)
    print(f"ganlab: wrote {args.n} samples to {args.out}")
    return Path(args.out)


def _load(path: str):
    """The GAN saved at ``path`` (any ganlab version), or SystemExit."""
    import keras

    import ganlab  # noqa: F401  (registers the GAN classes for loading)

    if not os.path.exists(path):
        raise SystemExit(f"error: no model file at {path}")
    return keras.models.load_model(path)


def _sample_labels(gan, n: int, label: int | None):
    """(labels, grid columns) for ``sample``: ``--label`` for every image, or
    one row per class when n is a multiple of the classes, else (None, None):
    ``generate``'s own labels.

    Only a conditional model draws digits on request. A self-conditioned one
    (``label_prior`` "data" or an array) has clusters for labels, so
    ``--label`` is refused for it as for a model without labels.
    """
    import numpy as np

    conditional = gan.num_classes is not None and gan.label_prior is None
    if label is not None and not conditional:
        raise ValueError(
            "--label picks the digit of a conditional model (train --conditional); "
            "this model was trained without labels (a self-conditioned model's "
            "labels are clusters of pixels, not digits). Leave --label out."
        )
    if not conditional:
        return None, None
    k = gan.num_classes
    if label is not None:
        if not 0 <= label < k:
            raise ValueError(f"--label must be a class in 0..{k - 1}; got {label}.")
        return np.full(n, label), None
    if n % k == 0:  # row r holds class r
        return np.repeat(np.arange(k), n // k), n // k
    return None, None


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ganlab``."""
    args = _build_parser().parse_args(argv)
    commands = {"train": train, "sample": sample, "evaluate": evaluate_model}
    try:
        commands[args.command](args)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.command != "train":
            raise
        print(
            "\nganlab: interrupted. Run the same command again to resume from the "
            "last finished epoch.",
            file=sys.stderr,
        )
        return 130
    return 0
