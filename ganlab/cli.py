"""Command line: ``python -m ganlab train|sample ...``.

``train`` trains the default recipe on MNIST (a DCGAN self-conditioned on
pixel clusters) and writes everything a person wants to look at into one
folder; an interrupted run started again with the same ``--out`` continues
from its last finished epoch.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

# The default recipe: good digits in a few minutes on 2 CPU cores. See the
# README ("The default recipe") and bench/README.md ("Time to quality") for
# the search that chose each value.
RECIPE = {
    "width": 32,
    "latent_dim": 100,
    "batch_size": 64,
    "lr": 1e-3,
    "beta_1": 0.5,
    "d_batch_norm": True,  # BatchNorm in D's later convolutions, no dropout
    "ema": 0.999,  # samples from the moving average of G's weights
    "clusters": 100,  # self-conditioned on k-means clusters of the pixels
    "epochs": 5,
}


def recipe_dropout(d_batch_norm: bool) -> float:
    """D's dropout rate in the recipe: 0 when D has BatchNorm, else the DCGAN
    tutorial's 0.3 (bench/README.md's recipe search measured the pairing)."""
    return 0.0 if d_batch_norm else 0.3


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
        help="network width (64 gives the seed material's DCGAN; default: a "
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

    from ganlab.callbacks import GANMonitor
    from ganlab.datasets import load_mnist
    from ganlab.gan import build_dcgan
    from ganlab.plotting import plot_history
    from ganlab.precision import set_precision

    out = Path(args.out)
    _check_out_folder(out, args.overwrite)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    set_precision(args.precision)
    (x_train, y_train), _ = load_mnist(args.data_dir)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    clusters = _clusters(args, len(x_train))
    print(f"ganlab: training on {len(x_train)} MNIST images for {args.epochs} epochs")

    d_recipe = dict(
        batch_norm=RECIPE["d_batch_norm"],
        dropout=recipe_dropout(RECIPE["d_batch_norm"]),
    )
    if args.conditional:
        # The same recipe plus a projection D; bench/README.md ("Conditional
        # GAN") measured it against the earlier Adam 2e-4, dropout, no-EMA one.
        from ganlab.conditional import ClassGridMonitor, build_conditional_dcgan

        gan = build_conditional_dcgan(
            args.latent_dim,
            10,
            (28, 28, 1),
            width=args.width,
            seed=args.seed,
            projection=True,
            **d_recipe,
        )
        monitor = ClassGridMonitor(out, n_per_class=10, seed=args.seed)
    elif clusters:
        from ganlab.self_conditioned import build_self_conditioned_dcgan

        gan = build_self_conditioned_dcgan(
            args.latent_dim,
            clusters,
            (28, 28, 1),
            width=args.width,
            seed=args.seed,
            **d_recipe,
        )
        monitor, y_train = GANMonitor(out, n=64, seed=args.seed), None
    else:
        gan = build_dcgan(
            args.latent_dim, (28, 28, 1), width=args.width, seed=args.seed, **d_recipe
        )
        monitor, y_train = GANMonitor(out, n=64, seed=args.seed), None
    gan.compile(
        d_optimizer=keras.optimizers.Adam(args.lr, beta_1=RECIPE["beta_1"]),
        g_optimizer=keras.optimizers.Adam(args.lr, beta_1=RECIPE["beta_1"]),
        ema=RECIPE["ema"],
        jit_compile=True if args.jit_compile else "auto",
    )
    # The backup comes last: an epoch counts as done only once its grid and
    # its history row are written, so a kill at any point loses nothing.
    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        monitor,
        keras.callbacks.BackupAndRestore(str(out / "backup")),
    ]
    start = time.perf_counter()
    gan.fit(
        x_train,
        y_train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start

    history = _read_history(out / "history.csv")
    (out / "history.json").write_text(json.dumps(history, indent=2))
    if history:
        plot_history(history, out / "losses.png")
    model_path = out / "model.keras"
    gan.save(model_path)
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
    """Every evaluation metric of ``n`` generated digits vs ``real``; prints it."""
    from ganlab.conditional import ConditionalGAN
    from ganlab.evaluation import evaluate, format_report

    n = min(n, len(real))
    if isinstance(gan, ConditionalGAN):  # its classes as it samples them
        generated = gan.generate(gan.sample_labels(n, seed), seed=seed)
    else:
        generated = gan.generate(n, seed=seed)
    results = evaluate(generated, real, n=n, seed=seed)
    print(format_report(results))
    return results


def evaluate_model(args: argparse.Namespace) -> dict:
    """Score a saved model against the MNIST test set and print the report."""
    import keras

    import ganlab  # noqa: F401  (registers the GAN classes for loading)
    from ganlab.datasets import load_mnist

    if not os.path.exists(args.model):
        raise SystemExit(f"error: no model file at {args.model}")
    gan = keras.models.load_model(args.model)
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
    import keras
    import numpy as np

    import ganlab  # registers the GAN classes for loading
    from ganlab.plotting import save_image_grid

    if not os.path.exists(args.model):
        raise SystemExit(f"error: no model file at {args.model}")
    gan = keras.models.load_model(args.model)
    ncols = None
    conditional = isinstance(gan, ganlab.ConditionalGAN) and not isinstance(
        gan, ganlab.SelfConditionedGAN
    )
    if args.label is not None and not conditional:
        raise ValueError(
            "--label picks the digit of a conditional model (train "
            "--conditional); this model was trained without labels. Leave "
            "--label out."
        )
    if conditional:
        k = gan.num_classes
        if args.label is not None:
            labels = np.full(args.n, args.label)
        elif args.n % k == 0:  # row r holds class r
            ncols = args.n // k
            labels = np.repeat(np.arange(k), ncols)
        else:
            labels = np.arange(args.n) % k
        images = gan.generate(labels, seed=args.seed)
    else:
        images = gan.generate(args.n, seed=args.seed)
    save_image_grid(images, args.out, ncols=ncols, scale=args.scale)
    print(f"ganlab: wrote {args.n} samples to {args.out}")
    return Path(args.out)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ganlab``."""
    args = _build_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
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
