"""``python -m ganlab evaluate``: score a saved model.

A model of 28×28×1 digits is scored against the MNIST test set with the
shipped MNIST evaluator (no download). With ``--images DIR``, a model of any
other pictures is scored against that folder on InceptionV3 features
(Szegedy et al. 2016), whose ImageNet weights Keras downloads once where the
internet is reachable; where it is not, the command stops with an error that
says where to copy them (:class:`ganlab.evaluation.features.InceptionWeightsError`).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def add_evaluate_parser(sub) -> None:
    """Register ``evaluate`` and its flags on the sub-parsers ``sub``."""
    evaluate = sub.add_parser(
        "evaluate",
        help="score a saved model (MNIST evaluator, or Inception features with "
        "--images)",
        description=(
            "Generate --n images from a saved .keras GAN and score them; print "
            "the report. Digits are scored against the MNIST test set with the "
            "shipped MNIST evaluator (Inception Score, FD, KID, precision/recall, "
            "...). With --images DIR, the model's pictures are scored against "
            "those in DIR on InceptionV3 features, KID first (unlike FD it is "
            "unbiased on a few hundred images). InceptionV3's ImageNet weights "
            "(about 90 MB) are downloaded once by Keras where the internet is "
            "reachable and kept in ~/.keras/models/; offline, copy them there. "
            "Slow on a CPU: about 6 GFLOP per image."
        ),
    )
    evaluate.add_argument("model", help="a .keras file written by ganlab")
    evaluate.add_argument(
        "--n",
        type=int,
        default=10000,
        help="generated and real images (at most 10000 for MNIST, at most the "
        "folder's pictures for --images)",
    )
    evaluate.add_argument(
        "--images",
        default=None,
        metavar="DIR",
        help="score against the pictures in this folder (read at the model's "
        "size and channels) on Inception features, instead of MNIST",
    )
    evaluate.add_argument(
        "--data-dir", default=None, help="MNIST folder (as for train)"
    )
    evaluate.add_argument("--seed", type=int, default=0, help="noise seed")
    evaluate.add_argument(
        "--json", default=None, help="also write the numbers to this JSON file"
    )


def score(gan, real, n: int, seed: int, *, features: str = "mnist") -> dict:
    """Every evaluation metric of ``n`` generated images vs ``real``; prints it.

    The labels of a conditional or self-conditioned GAN are the ones
    ``generate`` draws by the model's ``label_prior``.
    """
    from ganlab.evaluation.report import evaluate, format_report

    n = min(n, len(real))
    results = evaluate(gan, real, n=n, seed=seed, features=features)
    print(format_report(results))
    return results


def evaluate_model(args: argparse.Namespace) -> dict:
    """Score a saved model against MNIST or ``--images`` and print the report."""
    if args.images is not None and args.data_dir is not None:
        raise ValueError("--data-dir is MNIST's folder; with --images leave it out.")
    gan = load_model(args.model)
    if args.images is not None:
        results = _score_on_folder(gan, args)
    else:
        from ganlab.data.datasets import load_mnist

        if tuple(gan.image_shape) != (28, 28, 1):
            raise ValueError(
                f"The MNIST evaluator scores 28×28×1 digits; this model makes "
                f"{tuple(gan.image_shape)} images. Score it against its training "
                "pictures on Inception features: evaluate MODEL --images DIR."
            )
        _, (x_test, _) = load_mnist(args.data_dir)
        results = score(gan, x_test, args.n, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return results


def _score_on_folder(gan, args: argparse.Namespace) -> dict:
    """Inception-feature scores of the model against the pictures in
    ``--images``, read at the model's size and channels."""
    from ganlab.data.image_folders import load_image_folder
    from ganlab.evaluation.features import inception_weights_path

    height, width, channels = tuple(gan.image_shape)
    if height != width:
        raise ValueError(
            f"--images reads square pictures; this model makes {height}×{width}."
        )
    inception_weights_path()  # before reading and generating: fail fast
    real = load_image_folder(args.images, image_size=height, channels=channels)
    return score(gan, real, args.n, args.seed, features="inception")


def load_model(path: str):
    """The GAN saved at ``path`` (any ganlab version), or SystemExit."""
    import keras

    import ganlab  # noqa: F401  (registers the GAN classes for loading)

    if not os.path.exists(path):
        raise SystemExit(f"error: no model file at {path}")
    return keras.models.load_model(path)
