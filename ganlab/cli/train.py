"""``python -m ganlab train``: the default recipe on MNIST or on a folder.

One path for both: the images come from MNIST or, with ``--images DIR``,
from :func:`ganlab.data.image_folders.load_image_folder`; the recipe is
:data:`ganlab.gan.recipes.RECIPE` or the :func:`ganlab.gan.recipes.folder_recipe`
for the image size; clustering, ``fit`` with its monitors, log and backup,
the output files and the resume/``--overwrite`` rule are the same.

How long it trains (:mod:`ganlab.cli.budget`, shared with ``translate
train``): MNIST, 5 epochs of one pass (937 steps of 64 digits each); a
folder, its recipe's steps (1,500, 2,000 or 4,000 for 32, 64 or 128 px) in
epochs of one pass but at least 100 steps; ``--steps N``, ``--minutes M``
or ``--epochs E`` instead. The plan is printed before training, and the
projected time after the first 20 steps.

metrics.json: MNIST, the shipped evaluator's scores of ``--eval-n``
generated digits against the test set; a folder, KID, FD and
precision/recall/density/coverage of generated pictures against the
folder's own on pixel features (:func:`pixel_features`: 8×8 area averages;
crude, for comparing runs on one folder; ``evaluate --images`` scores on
Inception features).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
import warnings
from pathlib import Path

from ganlab.cli.budget import TrainingClock, add_budget_flags, plan_training
from ganlab.gan.recipes import (
    FOLDER_IMAGE_SIZE,
    IMAGES_PER_CLUSTER,
    MIN_FOLDER_IMAGES,
    RECIPE,
    describe_folder_recipes,
)

# Flags whose default depends on the data (MNIST: RECIPE; a folder: its
# size's recipe), so argparse leaves them None.
_RECIPE_FLAGS = ("batch_size", "width", "latent_dim", "lr", "augment")
PIXEL_SIDE = 8  # pixel_features: pictures area-averaged to 8×8
FOLDER_EVAL_N = 2000  # --images: at most this many pictures scored by default


def add_train_parser(sub) -> None:
    """Register ``train`` and its flags on the sub-parsers ``sub``."""
    train = sub.add_parser(
        "train",
        help="train a DCGAN on MNIST or on a folder of your pictures",
        description=(
            "Train a DCGAN on MNIST, or with --images on a folder of your own "
            "pictures, by default self-conditioned on clusters of the images' "
            "pixels (no labels; --clusters 0: a plain DCGAN). Writes to --out: "
            "epoch_NNN.png grids, progress.gif, losses.png, history.json, "
            "history.csv, model.keras and metrics.json. Start the same "
            "command again after an interruption to resume; a folder holding a "
            "finished run is left alone unless --overwrite is given. "
            f"MNIST: width {RECIPE['width']}, z of {RECIPE['latent_dim']}, batch "
            f"{RECIPE['batch_size']}, Adam {RECIPE['lr']:g}, {RECIPE['epochs']} "
            f"epochs, {RECIPE['clusters']} clusters. --images: the recipe of the "
            f"nearest of these sizes: {describe_folder_recipes()} (epochs of one "
            "pass over the folder, at least 100 steps), and the clusters are one per "
            f"{IMAGES_PER_CLUSTER} pictures (at most {RECIPE['clusters']}; "
            "none under 200 pictures). Every flag below overrides its recipe."
        ),
    )
    _add_data_flags(train)
    _add_recipe_flags(train)
    _add_run_flags(train)


def _add_data_flags(train: argparse.ArgumentParser) -> None:
    train.add_argument("--out", required=True, help="output folder (created)")
    train.add_argument(
        "--images",
        default=None,
        metavar="DIR",
        help="train on the pictures in this folder and its sub-folders (png, "
        "jpg, gif, bmp; any sizes: centre-cropped and resized; unreadable "
        f"files skipped) instead of MNIST; at least {MIN_FOLDER_IMAGES}",
    )
    train.add_argument(
        "--image-size",
        type=int,
        default=None,
        metavar="S",
        help=f"with --images: train on S×S pictures (default {FOLDER_IMAGE_SIZE}; "
        "any even S of at least 8, such as 28, 48 or 64; the recipe is that "
        "of the nearest of 32, 64 and 128)",
    )
    train.add_argument(
        "--channels",
        type=int,
        choices=[1, 3],
        default=None,
        help="with --images: 1 (grayscale) or 3 (colour); default 1 when every "
        "picture is grayscale, else 3",
    )
    train.add_argument(
        "--data-dir",
        default=None,
        help="folder with the MNIST files (IDX .gz or mnist.npz), or the data "
        "root holding mnist/; default $GANLAB_DATA_DIR/mnist, else Keras's "
        "download",
    )
    train.add_argument(
        "--limit",
        type=int,
        default=None,
        help="train on the first N images only (for quick tries)",
    )


def _add_recipe_flags(train: argparse.ArgumentParser) -> None:
    add_budget_flags(
        train,
        default=f"default: a folder, its recipe's; MNIST, {RECIPE['epochs']} epochs "
        "of one pass",
    )
    train.add_argument(
        "--batch-size", type=int, default=None, help="images per step (default: recipe)"
    )
    train.add_argument(
        "--width",
        type=int,
        default=None,
        help="width of both networks (64 gives the TensorFlow tutorial's DCGAN; "
        "default: the recipe's, a faster narrower version)",
    )
    train.add_argument(
        "--latent-dim", type=int, default=None, help="size of z (default: recipe)"
    )
    train.add_argument(
        "--lr",
        type=float,
        default=None,
        help="Adam learning rate, both nets (default: recipe)",
    )
    train.add_argument(
        "--clusters",
        type=int,
        default=None,
        help="self-conditioning, no labels: cluster the images into K groups "
        "(k-means on the pixels) and train a GAN conditioned on the group "
        f"(default: MNIST {RECIPE['clusters']}, a folder one per "
        f"{IMAGES_PER_CLUSTER} pictures; 0: a plain DCGAN)",
    )
    train.add_argument(
        "--augment",
        choices=["none", "diffaugment", "ada"],
        default=None,
        help="augment every image D sees, real and generated, for folders of a "
        "few hundred pictures: diffaugment (Zhao et al. 2020: colour, "
        "translation, cutout) or ada (Karras et al. 2020: a probability that "
        "rises while D is overconfident, logged as aug_p); train longer with "
        "it than without (default: the recipe's, listed above)",
    )
    train.add_argument(
        "--conditional",
        action="store_true",
        help="MNIST only: train a conditional GAN on (image, label) pairs: "
        "generate the digit you ask for; the grids show one row per digit",
    )


def _add_run_flags(train: argparse.ArgumentParser) -> None:
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the outputs of a finished run already in --out (without "
        "it, such a folder is an error, so that two runs never mix)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed")
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
        "'auto'), where it helps on some and hurts on others (measured in "
        "bench/results/throughput.md)",
    )
    train.add_argument(
        "--eval-n",
        type=int,
        default=None,
        help="after training, score this many generated images and write "
        "metrics.json; 0: skip. MNIST: against the test set with the shipped "
        "evaluator (default 10000). --images: against the folder's pictures on "
        f"{PIXEL_SIDE}×{PIXEL_SIDE} pixel features (default: every picture, at "
        f"most {FOLDER_EVAL_N}); for Inception features, afterwards: python -m "
        "ganlab evaluate MODEL --images DIR",
    )


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


def check_out_folder(out: Path, overwrite: bool) -> None:
    """Keep two runs from mixing in one folder.

    A folder with ``backup/`` holds an interrupted run: ``fit`` resumes it. A
    folder with outputs but no backup holds a finished run: an error, unless
    ``overwrite``, which deletes those outputs (and nothing else).
    """
    if (out / "backup").exists():
        print(f"ganlab: resuming the interrupted run in {out} from its last epoch")
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


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse flag combinations that make no sense, before any work."""
    if args.images is None:
        folder_only = {"--image-size": args.image_size, "--channels": args.channels}
        for flag, value in folder_only.items():
            if value is not None:
                raise ValueError(
                    f"{flag} applies to --images DIR only (MNIST is 28×28×1)."
                )
        return
    refused = {
        "--conditional": args.conditional,
        "--data-dir": args.data_dir is not None,
    }
    for flag, given in refused.items():
        if given:
            raise ValueError(
                f"--images trains on your pictures, without labels; {flag} is for "
                "MNIST. Leave it out."
            )
    size = FOLDER_IMAGE_SIZE if args.image_size is None else args.image_size
    from ganlab.nets.dcgan import num_upsamplings

    try:
        num_upsamplings((size, size, 1))
    except ValueError as err:
        raise ValueError(f"--image-size {size}: {err}") from None


def _load_data(args: argparse.Namespace):
    """(images, digit labels or None, what they are) for this run."""
    if args.images is None:
        from ganlab.data.datasets import load_mnist

        (x, y), _ = load_mnist(args.data_dir)
        x = x[..., None]  # (N, 28, 28, 1), as a folder's pictures
        name = "MNIST images"
    else:
        from ganlab.data.image_folders import load_image_folder

        size = FOLDER_IMAGE_SIZE if args.image_size is None else args.image_size
        print(f"ganlab: reading the pictures in {args.images}")
        x = load_image_folder(
            args.images, image_size=size, channels=args.channels,
            min_images=MIN_FOLDER_IMAGES,
        )  # fmt: skip
        y = None
        name = f"{size}×{size}×{x.shape[-1]} pictures from {args.images}"
    if args.limit:
        x = x[: args.limit]
        y = None if y is None else y[: args.limit]
    return x, y, name


def _settings(args: argparse.Namespace, images) -> dict:
    """The run's recipe: the data's defaults, overridden by the flags given."""
    from ganlab.gan.recipes import folder_recipe, grid_every, mnist_recipe

    if args.images is None:
        recipe = mnist_recipe()
    else:
        recipe = folder_recipe(images.shape[1], len(images))
    for key in _RECIPE_FLAGS:
        if getattr(args, key) is not None:
            recipe[key] = getattr(args, key)
    if args.width is not None:  # --width sets both networks'
        recipe["d_width"] = args.width
    recipe["plan"] = plan = training_plan(args, recipe, len(images))
    recipe["epochs"] = plan.epochs
    recipe["grid_every"] = 1 if plan.steps is None else grid_every(plan.epochs)
    recipe["clusters"] = _clusters(args, len(images), recipe["clusters"])
    return recipe


def training_plan(args: argparse.Namespace, recipe: dict, n_images: int):
    """The :class:`~ganlab.cli.budget.TrainingPlan` of the flags: by
    default 5 passes over MNIST, or a folder recipe's steps."""
    batch = recipe["batch_size"]
    default = {"default_epochs": recipe["epochs"]} if args.images is None else {}
    return plan_training(
        max(1, n_images // batch), batch_size=batch, steps=args.steps,
        minutes=args.minutes, epochs=args.epochs,
        default_steps=recipe.get("steps", 1), **default,
    )  # fmt: skip


def train(args: argparse.Namespace) -> Path:
    """Train on MNIST or ``--images`` and write the outputs; return the
    saved model's path."""
    import keras

    from ganlab.mixed_precision import set_precision

    _check_flags(args)
    out = Path(args.out)
    check_out_folder(out, args.overwrite)
    x_train, y_train, name = _load_data(args)
    recipe = _settings(args, x_train)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    set_precision(args.precision)
    gan = _recipe_gan(args, recipe, x_train.shape[1:])
    print(
        f"ganlab: training on {len(x_train)} {name}: {recipe['plan'].describe()} "
        f"(width {recipe['width']}"
        + ("" if recipe["d_width"] == recipe["width"] else f" (D {recipe['d_width']})")
        + f", Adam {recipe['lr']:g}, {recipe['clusters'] or 'no'} clusters"
        + ("" if recipe["augment"] == "none" else f", augment {recipe['augment']}")
        + (f", R1 {recipe['r1']:g}" if recipe["r1"] else "")
        + ")"
    )
    start = time.perf_counter()
    _fit(gan, x_train, y_train, args, out, recipe)
    seconds = time.perf_counter() - start
    model_path = write_results(gan, out)
    print(
        f"ganlab: trained in {seconds:.0f} s; wrote {model_path}, progress.gif, "
        f"losses.png and history.json in {out}"
    )
    results = _quality(gan, x_train, args)
    if results is not None:
        (out / "metrics.json").write_text(json.dumps(results, indent=2))
        print(f"ganlab: wrote {out / 'metrics.json'}")
    return model_path


def _quality(gan, x_train, args: argparse.Namespace) -> dict | None:
    """metrics.json's scores (None with ``--eval-n 0``): MNIST, the shipped
    evaluator against the test set; a folder, pixel features against its
    own pictures."""
    from ganlab.cli.evaluate import score

    if args.images is None:
        from ganlab.data.datasets import load_mnist

        eval_n = 10000 if args.eval_n is None else args.eval_n
        if not eval_n:
            return None
        _, (x_test, _) = load_mnist(args.data_dir)
        return score(gan, x_test, eval_n, args.seed)
    n = min(FOLDER_EVAL_N, len(x_train)) if args.eval_n is None else args.eval_n
    n = min(n, len(x_train))
    if n < 2:
        return None
    print(f"ganlab: scoring {n} generated pictures against {n} of the folder's")
    with warnings.catch_warnings():  # FD with fewer pictures than dimensions
        warnings.filterwarnings("ignore", message="Fewer samples")
        results = score(gan, x_train, n, args.seed, features=pixel_features)
    dims = PIXEL_SIDE * PIXEL_SIDE * x_train.shape[-1]
    if n < dims:  # singular covariances: the Fréchet distance means little
        results.pop("fid", None)
    features = f"pixels {PIXEL_SIDE}×{PIXEL_SIDE}"
    return {"features": features, "real": "training pictures", **results}


def pixel_features(images):
    """Pictures as vectors for folder scores: (N, S, S, C) uint8 or [-1, 1]
    → float32 (N, 8·8·C), area-averaged to 8×8 on the [-1, 1] scale.

    No download and no trained network: differences in colour and layout
    show, texture hardly. Numbers compare runs on the same folder, not with
    published (Inception) scores.
    """
    import numpy as np
    from skimage.transform import resize

    from ganlab.translation.core import as_images

    x = as_images(images)
    n, side, _, channels = x.shape
    if side > PIXEL_SIDE:
        x = resize(x, (n, PIXEL_SIDE, PIXEL_SIDE, channels), order=1,
                   anti_aliasing=True)  # fmt: skip
    return np.asarray(x, np.float32).reshape(n, -1)


def _recipe_gan(args: argparse.Namespace, recipe: dict, image_shape):
    """The recipe's compiled GAN: conditional on the digits, self-conditioned
    on ``recipe["clusters"]`` groups, or plain."""
    from ganlab.gan.recipes import gan_from_recipe

    return gan_from_recipe(
        recipe, image_shape, conditional=args.conditional, seed=args.seed,
        jit_compile=args.jit_compile,
    )  # fmt: skip


def _fit(gan, x_train, y_train, args, out: Path, recipe: dict) -> None:
    """``gan.fit`` with the monitors, the log and the backup that resumes."""

    from ganlab.callbacks import ClassGridMonitor, GANMonitor
    from ganlab.gan.recipes import training_labels

    labels = training_labels(gan, x_train, y_train, seed=args.seed, progress=True)
    every = recipe["grid_every"]
    if args.conditional:  # one row per digit
        monitor = ClassGridMonitor(out, n_per_class=10, seed=args.seed, every=every)
    else:
        monitor = GANMonitor(out, n=64, seed=args.seed, every=every)
    plan = recipe["plan"]
    gan.fit(x_train, labels, epochs=plan.epochs,
            steps_per_epoch=plan.steps_per_epoch, batch_size=recipe["batch_size"],
            callbacks=run_callbacks(out, monitor, plan=plan), verbose=1)  # fmt: skip


def run_callbacks(out: Path, monitor, *, plan=None) -> list:
    """The callbacks of a command-line run writing into ``out``.

    The backup comes after the picture (``monitor``) and the history row: an
    epoch counts as done only once they are written, so a kill at any point
    loses nothing. With a :class:`~ganlab.cli.budget.TrainingPlan`, its
    :class:`~ganlab.cli.budget.TrainingClock` comes last: it ends the
    run after the planned steps or minutes and keeps the training time with
    the backup.
    """
    import keras

    callbacks = [
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=True),
        monitor,
        keras.callbacks.BackupAndRestore(str(out / "backup")),
    ]
    if plan is not None:
        callbacks.append(TrainingClock(plan, backup_dir=out / "backup"))
    return callbacks


def write_results(model, out: Path, *, plot=None) -> Path:
    """history.json, losses.png (drawn by ``plot(history, path)``; default
    ``plotting.plot_history``) and model.keras; return the model's path."""
    from ganlab.plotting import plot_history

    history = _read_history(out / "history.csv")
    (out / "history.json").write_text(json.dumps(history, indent=2))
    if history:
        (plot or plot_history)(history, out / "losses.png")
    model_path = out / "model.keras"
    model.save(model_path)
    return model_path


def _clusters(args: argparse.Namespace, n_images: int, default: int) -> int:
    """The number of clusters to self-condition on (0: none), checked."""
    if args.conditional:
        if args.clusters:
            raise ValueError(
                "--conditional trains on the digit labels; --clusters replaces "
                "them with clusters. Use one of the two."
            )
        return 0
    clusters = default if args.clusters is None else args.clusters
    if clusters == 1 or clusters < 0:
        raise ValueError(f"--clusters must be 0 (off) or at least 2; got {clusters}.")
    if clusters > n_images:
        raise ValueError(
            f"{n_images} images cannot fill --clusters {clusters}: pass fewer "
            "clusters (0: a plain DCGAN) or more images."
        )
    return clusters
