"""Command line for image-to-image translation: ``python -m ganlab translate``.

``translate train`` trains a Pix2Pix (Isola et al. 2017, paired data) or a
CycleGAN (Zhu et al. 2017, unpaired data) on one of the MNIST tasks of
:mod:`ganlab.translation.tasks` (``--task inpaint|superres|cycle``), on
folders of pairs (``--pairs DIR``, with ``DIR/A`` and ``DIR/B``) or on two
folders of unpaired pictures (``--domains DIR_A DIR_B``), and writes to
``--out`` what ``python -m ganlab train`` writes: a strip per epoch, the
history, losses.png, model.keras and metrics.json. An interrupted run
resumes; a finished one is not overwritten without ``--overwrite``.

``translate apply`` translates every picture of a folder with a saved
model and writes PNGs of the same names.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ganlab.cli.budget import (
    DEFAULT_STEPS,
    add_budget_flags,
    plan_training,
)
from ganlab.translation.tasks import TASKS

N_STRIPS = 8  # examples in the per-epoch strips


def add_translate_parser(sub) -> None:
    """Register ``translate`` and its sub-commands on ``sub``."""
    parser = sub.add_parser(
        "translate",
        help="image-to-image translation (Pix2Pix, CycleGAN)",
        description="Train an image-to-image model, or apply a saved one.",
    )
    commands = parser.add_subparsers(
        dest="translate_command", required=True, metavar="COMMAND"
    )
    _add_train_parser(commands)
    _add_apply_parser(commands)


def _add_train_parser(commands) -> None:
    train = commands.add_parser(
        "train",
        help="train Pix2Pix or CycleGAN",
        description=(
            "Train a Pix2Pix (paired: --task inpaint or superres, or --pairs) or a "
            "CycleGAN (unpaired: --task cycle, or --domains). Writes to --out: "
            "epoch_NNN.png strips (input | output | target, or input | translated "
            "| translated back), history.csv, history.json, losses.png, "
            "model.keras and metrics.json. Start the same command again after an "
            "interruption to resume; a folder holding a finished run is left "
            "alone unless --overwrite is given."
        ),
    )
    data = train.add_mutually_exclusive_group(required=True)
    data.add_argument(
        "--task",
        choices=TASKS,
        help="an MNIST task: inpaint (lower half hidden → digit), superres (7×7 → "
        "28×28), cycle (thin ↔ thick strokes, unpaired)",
    )
    data.add_argument(
        "--pairs",
        metavar="DIR",
        help="your own paired pictures: DIR/A holds the inputs, DIR/B the targets, "
        "with the same file names (A/0001.jpg with B/0001.jpg)",
    )
    data.add_argument(
        "--domains",
        nargs=2,
        metavar=("DIR_A", "DIR_B"),
        help="your own unpaired pictures: two folders, one per domain (CycleGAN)",
    )
    train.add_argument("--out", required=True, help="output folder (created)")
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the outputs of a finished run already in --out",
    )
    train.add_argument(
        "--test-pairs",
        metavar="DIR",
        help="with --pairs: held-out pairs (same layout) to score into metrics.json",
    )
    train.add_argument(
        "--image-size",
        type=int,
        default=64,
        help="own pictures: centre square resized to this side (even, >= 8; "
        "default %(default)s; the papers use 256)",
    )
    add_budget_flags(train, default=f"default {DEFAULT_STEPS}, whatever the data")
    train.add_argument(
        "--augment",
        choices=("none", "diffaugment", "ada"),
        default="none",
        help="augment what the discriminators see, for small sets: DiffAugment "
        "(Zhao et al. 2020) or ADA (Karras et al. 2020); Pix2Pix moves both "
        "images of a pair alike (default none)",
    )
    train.add_argument(
        "--batch-size", type=int, default=64, help="images per step (default 64)"
    )
    train.add_argument(
        "--width",
        type=int,
        default=16,
        help="channels of the networks' first convolution (default 16; the papers: 64)",
    )
    train.add_argument(
        "--lr", type=float, default=2e-4, help="Adam's learning rate (default 2e-4)"
    )
    train.add_argument(
        "--l1-weight", type=float, default=100.0, help="Pix2Pix's λ (default 100)"
    )
    train.add_argument(
        "--cycle-weight",
        type=float,
        default=10.0,
        help="CycleGAN's λ_cyc (default 10; 0 drops the cycle loss)",
    )
    train.add_argument(
        "--identity-weight",
        type=float,
        default=0.5,
        help="CycleGAN's identity weight as a fraction of λ_cyc (default 0.5)",
    )
    train.add_argument("--seed", type=int, default=0, help="random seed")
    train.add_argument(
        "--limit", type=int, default=None, help="train on the first N images only"
    )
    train.add_argument(
        "--n-test",
        type=int,
        default=2000,
        help="images scored into metrics.json (L1, L2, SSIM; for MNIST, the "
        "share the shipped classifier still reads as the digit); 0: skip",
    )
    train.add_argument(
        "--data-dir", default=None, help="MNIST folder (as for python -m ganlab train)"
    )


def _add_apply_parser(commands) -> None:
    apply = commands.add_parser(
        "apply",
        help="translate a folder of pictures with a saved model",
        description=(
            "Translate every picture under INPUT_DIR (sub-folders too) with a "
            "Pix2Pix or CycleGAN saved by translate train, and write one PNG per "
            "picture to --out, with the same relative name (photo.jpg → "
            "photo.png)."
        ),
    )
    apply.add_argument("model", help="a .keras file written by translate train")
    apply.add_argument("input_dir", help="folder of pictures to translate")
    apply.add_argument("--out", required=True, help="output folder (created)")
    apply.add_argument(
        "--direction",
        choices=("a_to_b", "b_to_a"),
        default=None,
        help="CycleGAN: which generator (default a_to_b); Pix2Pix has only a_to_b",
    )
    apply.add_argument(
        "--resize",
        action="store_true",
        help="centre-crop and resize pictures whose size is not the model's "
        "(without it, such pictures are an error)",
    )
    apply.add_argument(
        "--overwrite", action="store_true", help="replace PNGs already in --out"
    )
    apply.add_argument(
        "--batch-size", type=int, default=64, help="pictures per generator call"
    )


def translate(args: argparse.Namespace):
    """Run ``translate train`` or ``translate apply``."""
    if args.translate_command == "apply":
        return apply(args)
    return train(args)


# ------------------------------------------------------------------ train --
def train(args: argparse.Namespace) -> Path:
    """Train on the chosen data, write the outputs; return the model's path."""
    import keras

    from ganlab.cli.train import check_out_folder, write_results
    from ganlab.translation.tasks import plot_translation_history, task_scores

    _check_train_args(args)
    out = Path(args.out)
    check_out_folder(out, args.overwrite)
    data = _training_data(args)
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(args.seed)
    model = _build(args, data)
    plan = _plan(args, data)
    sizes = " and ".join(str(len(x)) for x in data.train[: 1 if data.paired else 2])
    what = "pairs" if data.paired else "pictures (A and B)"
    print(f"ganlab: training a {type(model).__name__} on {sizes} {what}: "
          f"{plan.describe()}")  # fmt: skip
    start = time.perf_counter()
    _fit(model, data, args, out, plan)
    print(f"ganlab: trained in {time.perf_counter() - start:.0f} s")
    model_path = write_results(model, out, plot=plot_translation_history)
    if args.n_test:
        metrics = task_scores(model, data, n=args.n_test)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
        print(json.dumps(metrics, indent=2))
        for warning in metrics.get("warnings", []):
            print(f"ganlab: warning: {warning}")
    print(f"ganlab: wrote {model_path}, losses.png and history.json in {out}")
    return model_path


def _plan(args, data):
    """The run's :class:`~ganlab.cli.budget.TrainingPlan`: one pass is
    the larger training set in batches (CycleGAN draws A and B apart)."""
    n = max(len(x) for x in data.train)
    batch = min(args.batch_size, *(len(x) for x in data.train))
    return plan_training(
        max(1, n // batch), batch_size=batch, steps=args.steps,
        minutes=args.minutes, epochs=args.epochs,
    )  # fmt: skip


def _check_train_args(args) -> None:
    for flag in ("batch_size", "width"):
        if getattr(args, flag) < 1:
            raise ValueError(f"--{flag.replace('_', '-')} must be at least 1.")
    if args.n_test < 0 or (args.limit is not None and args.limit < 1):
        raise ValueError("--n-test must be >= 0 and --limit at least 1.")
    if args.test_pairs and not args.pairs:
        raise ValueError("--test-pairs goes with --pairs: held-out pairs to score.")


def _training_data(args):
    """The :class:`~ganlab.translation.tasks.TaskData` the flags ask for."""
    from ganlab.translation import tasks

    if args.task:
        from ganlab.data.datasets import load_mnist

        return tasks.mnist_task(args.task, load_mnist(args.data_dir), limit=args.limit)
    size = args.image_size
    if args.pairs:
        train = tasks.load_pairs(args.pairs, image_size=size)
        test = (
            tasks.load_pairs(args.test_pairs, image_size=size)
            if args.test_pairs
            else None
        )
        train = _limit(train, args.limit)
        if test is None:
            print(
                "ganlab: no --test-pairs: metrics.json scores training pairs "
                '("split": "train"), which flatter the model'
            )
            return tasks.TaskData(True, train, train, None, split="train")
        return tasks.TaskData(True, train, _match_channels(test, train), None)
    train = _limit(tasks.load_domains(*args.domains, image_size=size), args.limit)
    # Unpaired: no targets; metrics.json scores the round trips and how far
    # each translation moved from its input, on training pictures.
    return tasks.TaskData(False, train, train, None, split="train")


def _limit(arrays, limit):
    return arrays if limit is None else tuple(a[:limit] for a in arrays)


def _match_channels(test, train):
    """Test pairs with the training pairs' channel counts (gray ↔ RGB)."""
    import numpy as np

    out = []
    for x, ref in zip(test, train):
        if x.shape[-1] == 1 and ref.shape[-1] == 3:
            x = np.repeat(x, 3, axis=-1)
        elif x.shape[-1] == 3 and ref.shape[-1] == 1:
            x = np.round(x.mean(axis=-1, keepdims=True)).astype(np.uint8)
        out.append(x)
    return tuple(out)


def _shape(x) -> tuple:
    return tuple(x.shape[1:]) if x.ndim == 4 else (*x.shape[1:], 1)


def _build(args, data):
    from ganlab.translation.tasks import build_cyclegan, build_pix2pix

    augment = None if args.augment == "none" else args.augment
    if data.paired:
        return build_pix2pix(
            _shape(data.train[0]), _shape(data.train[1]), width=args.width,
            seed=args.seed, l1_weight=args.l1_weight, lr=args.lr, augment=augment,
        )  # fmt: skip
    shape_a, shape_b = (_shape(x) for x in data.train)
    identity = args.identity_weight
    if shape_a != shape_b and identity:
        print(
            f"ganlab: domain A is {shape_a}, B {shape_b}: no identity loss (it "
            "feeds B's pictures to the A → B generator), identity weight 0"
        )
        identity = 0.0
    return build_cyclegan(
        shape_a, shape_b, width=args.width, seed=args.seed, lr=args.lr,
        cycle_weight=args.cycle_weight, identity_weight=identity, augment=augment,
    )  # fmt: skip


def _fit(model, data, args, out: Path, plan) -> None:
    """``fit`` with the strips, the log and the backup that resumes."""
    from ganlab.cli.train import run_callbacks
    from ganlab.translation.pix2pix import TranslationMonitor

    examples = data.test if data.test is not None else data.train
    side = _shape(examples[0])[0]
    monitor = TranslationMonitor(
        out,
        inputs=examples[0][:N_STRIPS],
        targets=examples[1][:N_STRIPS] if data.paired else None,
        scale=max(1, 64 // side),
    )
    callbacks = run_callbacks(out, monitor, plan=plan)
    fit = dict(
        epochs=plan.epochs, steps_per_epoch=plan.steps_per_epoch,
        batch_size=args.batch_size, callbacks=callbacks, verbose=1,
    )  # fmt: skip
    if data.paired:
        model.fit(data.train, **fit)
    else:
        model.fit(*data.train, **fit)


# ------------------------------------------------------------------ apply --
def apply(args: argparse.Namespace) -> Path:
    """Translate every picture of ``args.input_dir``; return the output folder."""
    import keras
    import numpy as np

    from ganlab.data.image_folders import list_image_files
    from ganlab.translation.tasks import load_every_image

    model = _load_translator(args.model)
    net = _generator(model, args.direction)
    height, width, channels = net.input_shape[1:]
    if height != width:
        raise ValueError(
            f"The model takes {height}×{width} pictures; translate apply reads "
            "square ones. Translate from Python with model.translate(x)."
        )
    source = Path(args.input_dir)
    files = list_image_files(source)
    if not files:
        raise ValueError(f"No pictures in {source}: nothing to translate.")
    if not args.resize:
        _check_sizes(files, (height, width))
    out = Path(args.out)
    names = _output_names(files, source, out, args.overwrite)
    images = load_every_image(source, image_size=height, channels=channels)
    print(f"ganlab: translating {len(images)} pictures from {source} to {out}")
    bar = keras.utils.Progbar(len(images), unit_name="image")
    step = max(1, int(args.batch_size))
    for start in range(0, len(images), step):
        batch = images[start : start + step]
        translated = _translate(model, batch, args.direction)
        pixels = np.round((np.clip(translated, -1, 1) + 1) * 127.5).astype(np.uint8)
        for name, image in zip(names[start : start + step], pixels):
            _write_png(out / name, image)
        bar.update(start + len(batch))
    return out


def _load_translator(path):
    """The Pix2Pix or CycleGAN saved at ``path``; clear errors otherwise."""
    import keras

    from ganlab.translation.pix2pix import CycleGAN, Pix2Pix

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {path}.")
    if path.suffix != ".keras":
        raise ValueError(f"{path} is not a .keras file: pass the model.keras of a run.")
    try:
        model = keras.models.load_model(path)
    except Exception as err:  # zip, config and weight errors of many kinds
        raise ValueError(
            f"Could not load {path} as a Keras model ({type(err).__name__}: {err})."
        ) from err
    if not isinstance(model, (Pix2Pix, CycleGAN)):
        raise ValueError(
            f"{path} holds a {type(model).__name__}, not a Pix2Pix or CycleGAN: "
            "translate apply needs a model from translate train (python -m ganlab "
            "sample draws from a GAN)."
        )
    return model


def _generator(model, direction):
    from ganlab.translation.pix2pix import CycleGAN

    if isinstance(model, CycleGAN):
        return model.generator_ba if direction == "b_to_a" else model.generator_ab
    if direction == "b_to_a":
        raise ValueError(
            "A Pix2Pix translates one way only (its inputs to its targets): leave "
            "--direction out."
        )
    return model.generator


def _translate(model, images, direction):
    from ganlab.translation.pix2pix import CycleGAN

    if isinstance(model, CycleGAN):
        return model.translate(images, direction=direction or "a_to_b")
    return model.translate(images)


def _check_sizes(files, size) -> None:
    """Every picture must be ``size`` (H, W), or the message names some."""
    from PIL import Image

    wrong = []
    for path in files:
        try:
            with Image.open(path) as img:
                if (img.height, img.width) != tuple(size):
                    wrong.append(f"{path.name}: {img.width}×{img.height}")
        except Exception:  # unreadable: the loader reports it
            continue
    if wrong:
        raise ValueError(
            f"{len(wrong)} of {len(files)} pictures are not {size[1]}×{size[0]}, the "
            f"model's size ({', '.join(wrong[:3])}{', ...' if len(wrong) > 3 else ''}"
            "). Pass --resize to centre-crop and resize them, or resize them first."
        )


def _output_names(files, source: Path, out: Path, overwrite: bool) -> list[Path]:
    """Relative output paths (``a/b.jpg`` → ``a/b.png``), checked."""
    if out.resolve() == source.resolve():
        raise ValueError("--out must not be INPUT_DIR: choose another folder.")
    names = [p.relative_to(source).with_suffix(".png") for p in files]
    seen = {}
    for name, path in zip(names, files):
        if name in seen:
            raise ValueError(
                f"{seen[name].name} and {path.name} would both be written to {name}: "
                "rename one."
            )
        seen[name] = path
    existing = [n for n in names if (out / n).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{out} already holds {len(existing)} of the outputs ({existing[0]}, ...)"
            ": choose another --out, or pass --overwrite to replace them."
        )
    return names


def _write_png(path: Path, image) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(path)
