"""Command line: ``python -m ganlab train|sample|evaluate|translate ...``.

``train`` (:mod:`ganlab.cli.train`) trains the default recipe
(:mod:`ganlab.gan.recipes`) on MNIST, or with ``--images DIR`` on a folder of
pictures, and writes everything a person wants to look at into one folder;
an interrupted run started again with the same ``--out`` continues from its
last finished epoch. ``sample`` draws a grid from a saved model,
``evaluate`` (:mod:`ganlab.cli.evaluate`) scores one. This module builds the
parser, draws samples and runs the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ganlab.cli import evaluate, train, translate
from ganlab.cli.evaluate import load_model


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ganlab",
        description="Train and sample DCGANs on MNIST or your own pictures with "
        "ganlab.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_train_parser(sub)
    evaluate.add_evaluate_parser(sub)
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
    translate.add_translate_parser(sub)
    return parser


def sample(args: argparse.Namespace) -> Path:
    """Draw ``--n`` images from a saved model into a PNG grid."""
    from ganlab.plotting import save_image_grid

    gan = load_model(args.model)
    labels, ncols = _sample_labels(gan, args.n, args.label)
    images = gan.generate(args.n, labels=labels, seed=args.seed)
    save_image_grid(images, args.out, ncols=ncols, scale=args.scale)
    print(f"ganlab: wrote {args.n} samples to {args.out}")
    return Path(args.out)


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
    commands = {
        "train": train.train,
        "sample": sample,
        "evaluate": evaluate.evaluate_model,
        "translate": translate.translate,
    }
    try:
        commands[args.command](args)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if args.command not in ("train", "translate") or (
            args.command == "translate" and args.translate_command != "train"
        ):
            raise
        print(
            "\nganlab: interrupted. Run the same command again to resume from the "
            "last finished epoch.",
            file=sys.stderr,
        )
        return 130
    return 0
