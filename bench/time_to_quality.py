"""Seconds of training until MNIST digits are good, for a recipe and the baseline.

"Good" is the issue's target, scored by the shipped MNIST evaluator on 10,000
generated digits (inference mode) against the 10,000 test digits:

- Fréchet distance ≤ 10 on the evaluator's features (real train vs real test:
  about 0.3, printed as the calibration);
- Inception Score ≥ 9 (10 splits of 1,000; real digits score about 9.8);
- all 10 digits present (each the top class of ≥ 1 confidently classified
  sample).

The clock counts training only: it stops while the samples are scored, every
``--eval-every`` steps. Two recipes, run one after the other (or at the same
time on separate cores, see bench/results/time_to_quality.md):

- ``ganlab``: ``fit`` with the recipe given by the flags. The defaults are
  ``python -m ganlab train``'s recipe (:mod:`ganlab.gan.recipes`): a GAN
  self-conditioned on 100 k-means clusters of the pixels (no labels), the
  clustering charged to the clock; ``--clusters 0`` trains the plain DCGAN
  instead. With ``--conditional``, ``train --conditional``'s networks are
  trained with the same flags on (image, label) pairs and scored on every
  digit equally often;
- ``tutorial``: the TensorFlow DCGAN tutorial's loop, networks and settings
  (Adam(1e-4) for both, batch 256; see bench/throughput.py).

    python bench/time_to_quality.py --recipe ganlab --budget 180
    python bench/time_to_quality.py --recipe tutorial --budget 1800
    python bench/time_to_quality.py --quick        # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's ganlab, throughput

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import ganlab  # noqa: E402
from ganlab.evaluation import metrics  # noqa: E402
from ganlab.evaluation.features import classifier_outputs  # noqa: E402
from ganlab.gan.recipes import (  # noqa: E402
    DIGITS,
    RECIPE,
    build_recipe_gan,
    cluster_purity,
    compile_recipe,
    training_labels,
)

FD_TARGET, IS_TARGET, CLASSES_TARGET = 10.0, 9.0, 10


class Scorer:
    """FD, IS and classes present of generated digits, against test digits."""

    def __init__(self, n: int):
        (x_train, _), (x_test, _) = ganlab.load_mnist()
        self.n = n
        self.real_feats, _ = classifier_outputs(x_test[:n])
        train_feats, _ = classifier_outputs(x_train[:n])
        self.floor = metrics.frechet_distance(train_feats, self.real_feats)

    def __call__(self, images: np.ndarray) -> dict:
        feats, probs = classifier_outputs(images)
        return {
            "fd": metrics.frechet_distance(feats, self.real_feats),
            "is": metrics.inception_score(probs)[0],
            "classes": metrics.class_coverage(probs)["classes_present"],
        }


def reached(score: dict) -> bool:
    return (
        score["fd"] <= FD_TARGET
        and score["is"] >= IS_TARGET
        and score["classes"] >= CLASSES_TARGET
    )


class Clock:
    """Training seconds, paused while scoring; logs one row per evaluation."""

    def __init__(self, scorer: Scorer, budget: float, max_steps: int = 0):
        self.scorer, self.budget, self.max_steps = scorer, budget, max_steps
        self.train_seconds, self.rows, self.done = 0.0, [], False
        self.last = time.perf_counter()

    def checkpoint(self, step: int, images_fn) -> None:
        self.train_seconds += time.perf_counter() - self.last
        score = self.scorer(images_fn())
        row = {"seconds": round(self.train_seconds, 1), "step": step, **score}
        self.rows.append(row)
        print(
            f"  {row['seconds']:7.1f} s  step {step:6d}  FD {score['fd']:6.2f}  "
            f"IS {score['is']:5.2f}  classes {score['classes']:2d}",
            flush=True,
        )
        self.done = (
            reached(score)
            or self.train_seconds >= self.budget
            or 0 < self.max_steps <= step
        )
        self.last = time.perf_counter()


class EvalCallback(keras.callbacks.Callback):
    """Scores ``images(gan, n)`` (default :func:`samples`) every ``every``
    generator steps on ``clock``, and stops ``fit`` when the clock is done."""

    def __init__(self, clock: Clock, every: int, n: int, images=None):
        super().__init__()
        self.clock, self.every, self.n = clock, every, n
        self.images = images or samples

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step % self.every == 0:
            self.clock.checkpoint(step, lambda: self.images(self.model, self.n))
            self.model.stop_training = self.clock.done


def samples(gan: ganlab.GAN, n: int) -> np.ndarray:
    """n scored samples, noise seed 0, labels as ``generate`` draws them: a
    conditional GAN draws every digit n / 10 times; a self-conditioned one
    draws its clusters as often as the data has them."""
    return gan.generate(n, seed=0)


def build_gan(args) -> ganlab.GAN:
    """The compiled GAN that the recipe flags describe (ganlab.gan.recipes)."""
    if args.precision == "bfloat16":
        keras.config.set_dtype_policy("mixed_bfloat16")
    keras.utils.set_random_seed(args.seed)
    d_options = {"batch_norm": args.d_batch_norm, "dropout": args.dropout}
    if args.tile_label is not None:
        d_options["tile_label"] = args.tile_label
    gan = build_recipe_gan(
        args.latent_dim,
        num_classes=DIGITS if args.conditional else (args.clusters or None),
        self_conditioned=bool(args.clusters),
        width=args.width,
        d_width=args.d_width,
        kernel_size=args.kernel_size,
        seed=args.seed,
        **d_options,
    )
    loss = args.loss
    if args.label_smoothing:
        loss = ganlab.gan.losses.BCE(label_smoothing=args.label_smoothing)
    return compile_recipe(
        gan, d_lr=args.d_lr, g_lr=args.g_lr, beta_1=args.beta_1, ema=args.ema,
        decay_steps=args.decay_steps, jit_compile=args.jit_compile, loss=loss,
        simultaneous=args.simultaneous,
    )  # fmt: skip


def run_ganlab(args, clock: Clock) -> None:
    gan = build_gan(args)
    (x_train, y_train), _ = ganlab.load_mnist()
    callback = EvalCallback(clock, args.eval_every, clock.scorer.n)
    clock.last = time.perf_counter()
    # Self-conditioned: clustered as train does, on the training clock.
    labels = training_labels(gan, x_train, y_train, seed=args.seed)
    if args.clusters:
        counts = np.bincount(labels, minlength=args.clusters)
        print(
            f"  {args.clusters} pixel clusters, sizes {counts.min()}–{counts.max()}; "
            f"label purity {cluster_purity(labels, y_train):.3f} (a check only)",
            flush=True,
        )
    gan.fit(
        x_train,
        labels,
        batch_size=args.batch_size,
        epochs=10_000,
        verbose=0,
        callbacks=[callback],
    )


def run_tutorial(args, clock: Clock) -> None:
    import throughput  # the tutorial's networks and train step

    keras.utils.set_random_seed(args.seed)
    batch = 256
    generator = throughput.tutorial_generator()
    discriminator = throughput.tutorial_discriminator()
    step_fn = throughput.make_tutorial_step(generator, discriminator, batch)
    (x_train, _), _ = ganlab.load_mnist()
    x = (x_train[..., None].astype("float32") - 127.5) / 127.5
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(60000, seed=args.seed)
    ds = ds.batch(batch, drop_remainder=True).repeat().prefetch(2)
    z_eval = keras.random.normal((clock.scorer.n, throughput.NOISE_DIM), seed=0)

    def images():
        return np.asarray(generator.predict(z_eval, batch_size=500, verbose=0))

    clock.last = time.perf_counter()
    for step, real in enumerate(ds, start=1):
        step_fn(real)
        if step % args.eval_every == 0:
            clock.checkpoint(step, images)
            if clock.done:
                return


MILESTONES = [("fd", v) for v in (100, 50, 30, 20, 15, 10)] + [
    ("is", v) for v in (3, 5, 7, 8, 9)
]


def first_time(rows: list[dict], key: str, value: float) -> float | None:
    """Training seconds of the first row with FD ≤ value (or IS ≥ value)."""
    for row in rows:
        if (row[key] <= value) if key == "fd" else (row[key] >= value):
            return row["seconds"]
    return None


def compare(runs: dict[str, list[dict]]) -> None:
    """Seconds to each milestone, per recipe, and the baseline's multiple."""
    names = list(runs)
    print("\nseconds of training to reach each milestone (— : not reached)")
    print(f"{'milestone':12s}" + "".join(f"{n:>14s}" for n in names) + "   ratio")
    for key, value in MILESTONES:
        label = f"FD ≤ {value}" if key == "fd" else f"IS ≥ {value}"
        times = [first_time(runs[n], key, value) for n in names]
        cells = "".join(f"{t:14.0f}" if t is not None else f"{'—':>14s}" for t in times)
        ratio = ""
        if len(times) == 2 and times[0] is not None:
            last = runs[names[1]][-1]["seconds"] if runs[names[1]] else 0
            if times[1] is not None:
                ratio = f"{times[1] / times[0]:7.1f}x"
            else:
                ratio = f"  > {last / times[0]:.1f}x"
        print(f"{label:12s}{cells}{ratio}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's settings; exits with 2 and a message on bad ones."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--recipe",
        choices=["ganlab", "tutorial", "both"],
        default="ganlab",
        help="both: ganlab, then the tutorial, then the comparison",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("GANLAB_JSON", "TUTORIAL_JSON"),
        help="no training: compare two runs saved with --out",
    )
    parser.add_argument("--budget", type=float, default=180, help="training seconds")
    parser.add_argument("--eval-every", type=int, default=200, help="steps")
    parser.add_argument(
        "--max-steps", type=int, default=0, help="also stop after these steps (0: no)"
    )
    parser.add_argument("--n", type=int, default=10000, help="samples scored")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the rows as JSON here")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    recipe = parser.add_argument_group(
        "the ganlab recipe (defaults: python -m ganlab train's)"
    )
    recipe.add_argument("--width", type=int, default=RECIPE["width"])
    recipe.add_argument("--d-width", type=int, default=None, help="default: --width")
    recipe.add_argument("--kernel-size", type=int, default=5)
    recipe.add_argument("--latent-dim", type=int, default=RECIPE["latent_dim"])
    recipe.add_argument(
        "--dropout", type=float, default=None, help="D's; default 0 with BN, else 0.3"
    )
    recipe.add_argument(
        "--d-batch-norm",
        action=argparse.BooleanOptionalAction,
        default=RECIPE["d_batch_norm"],
    )
    recipe.add_argument("--batch-size", type=int, default=RECIPE["batch_size"])
    recipe.add_argument("--g-lr", type=float, default=RECIPE["lr"])
    recipe.add_argument("--d-lr", type=float, default=RECIPE["lr"])
    recipe.add_argument("--beta-1", type=float, default=RECIPE["beta_1"])
    recipe.add_argument(
        "--decay-steps",
        type=int,
        default=0,
        help="cosine-decay both learning rates to 0 over this many steps (0: off)",
    )
    recipe.add_argument("--ema", type=float, default=RECIPE["ema"])
    recipe.add_argument(
        "--loss", choices=["bce", "least_squares", "minimax"], default="bce"
    )
    recipe.add_argument(
        "--label-smoothing",
        type=float,
        default=0.0,
        help="one-sided: D's real target 1 - s (BCE only)",
    )
    recipe.add_argument("--simultaneous", action="store_true")
    recipe.add_argument(
        "--conditional",
        action="store_true",
        help="train on (image, label) pairs: train --conditional's networks "
        "(projection D) with these flags; scores every digit equally often",
    )
    recipe.add_argument(
        "--clusters",
        type=int,
        default=RECIPE["clusters"],
        help="self-conditioning, no labels: a GAN conditioned on K k-means "
        "clusters of the pixels, sampled as often as the data has them "
        "(0: a plain DCGAN)",
    )
    recipe.add_argument(
        "--tile-label",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="conditional D: also feed the label as K tiled channels "
        "(default: on for --conditional, off for --clusters)",
    )
    recipe.add_argument(
        "--jit-compile",
        action="store_true",
        help="XLA on (default: Keras's 'auto', off on CPU)",
    )
    recipe.add_argument(
        "--precision", choices=["float32", "bfloat16"], default="float32"
    )
    args = parser.parse_args(argv)
    if args.label_smoothing and args.loss != "bce":
        parser.error("--label-smoothing is a BCE option: use it with --loss bce")
    if args.conditional:
        args.clusters = 0  # the digit labels replace the clusters
    elif args.tile_label is not None and not args.clusters:
        parser.error("--tile-label is an option of conditional networks")
    if args.clusters == 1 or args.clusters < 0:
        parser.error("--clusters needs K >= 2 (0: off)")
    if args.quick:
        args.budget, args.eval_every, args.n = 1.0, 2, 500
        args.clusters = min(args.clusters, 10)  # seconds, not half a minute
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.compare:
        runs = [json.loads(Path(f).read_text())["rows"] for f in args.compare]
        compare(dict(zip(["ganlab", "tutorial"], runs)))
        return
    if args.recipe == "both":
        runs, out = {}, args.out
        for recipe in ("ganlab", "tutorial"):
            args.recipe = recipe
            if out:  # one file per recipe: NAME_ganlab.json, NAME_tutorial.json
                args.out = str(Path(out).with_suffix("")) + f"_{recipe}.json"
            runs[recipe] = run(args)
        compare(runs)
        return
    run(args)


def run(args) -> list[dict]:
    """Train one recipe until the target or the budget; return its rows."""
    scorer = Scorer(args.n)
    if args.recipe == "tutorial":
        print("recipe tutorial: its networks, Adam(1e-4) for both, batch 256, z ∈ R¹⁰⁰")
    else:
        print(f"recipe ganlab: {json.dumps(vars(args))}")
    print(
        f"targets: FD ≤ {FD_TARGET}, IS ≥ {IS_TARGET}, {CLASSES_TARGET} classes; "
        f"real train vs real test ({args.n} each): FD {scorer.floor:.2f}"
    )
    clock = Clock(scorer, args.budget, args.max_steps)
    (run_tutorial if args.recipe == "tutorial" else run_ganlab)(args, clock)
    hit = next((r for r in clock.rows if reached(r)), None)
    if hit:
        print(
            f"target reached after {hit['seconds']:.0f} s of training "
            f"({hit['step']} steps)"
        )
    else:
        print(f"target not reached within {clock.train_seconds:.0f} s of training")
    if args.out:
        Path(args.out).write_text(json.dumps({"args": vars(args), "rows": clock.rows}))
    return clock.rows


if __name__ == "__main__":
    main()
