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
time on separate cores, see bench/README.md):

- ``ganlab``: ``fit`` with the recipe given by the flags. The defaults are
  ``python -m ganlab train``'s recipe: a ``SelfConditionedGAN`` on 100 k-means
  clusters of the pixels (no labels), the clustering charged to the clock;
  ``--clusters 0`` trains the plain DCGAN instead. With ``--conditional``, a
  ``ConditionalGAN`` (``train --conditional``'s networks) is trained with the
  same flags on (image, label) pairs and scored on every digit equally often;
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
from keras import ops  # noqa: E402

import ganlab  # noqa: E402
from ganlab import metrics  # noqa: E402
from ganlab.cli import RECIPE, recipe_dropout  # noqa: E402
from ganlab.conditional import ConditionalGAN, build_conditional_dcgan  # noqa: E402
from ganlab.evaluator import classifier_outputs  # noqa: E402
from ganlab.self_conditioned import (  # noqa: E402
    build_self_conditioned_dcgan,
    pixel_clusters,
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


class _EvalCallback(keras.callbacks.Callback):
    def __init__(self, clock: Clock, every: int, n: int):
        super().__init__()
        self.clock, self.every, self.n = clock, every, n

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step % self.every == 0:
            self.clock.checkpoint(step, lambda: samples(self.model, self.n))
            self.model.stop_training = self.clock.done


def samples(gan: ganlab.GAN, n: int) -> np.ndarray:
    """n scored samples, noise seed 0. A conditional GAN draws every digit
    n / 10 times; a self-conditioned one draws its clusters as often as the
    data has them."""
    if isinstance(gan, ConditionalGAN):
        return gan.generate(gan.sample_labels(n, seed=0), seed=0)
    return gan.generate(n, seed=0)


class SearchGAN(ganlab.GAN):
    """``ganlab.GAN`` with the options tried in the recipe search.

    Top-k training (Sinha et al. 2020, "Top-k Training of GANs: Improving GAN
    Performance by Throwing Away Bad Samples", https://arxiv.org/abs/2002.06224):
    G's loss is taken over only the k fakes D rates most real, since the worst
    rated samples' gradients pull G towards the middle of the data. Here
    k = B max(ν, 1 - (1 - ν) t / T) after t generator steps: every sample at
    first, ν B after T steps (the paper decays k by γ = 0.99 per epoch, too
    slowly for a few epochs). ``top_k = 1`` is off.

    A mixture latent with K separated modes: z = ε + a e_c, ε ~ N(0, I),
    c uniform in {0, ..., K-1}, e_c the c-th unit vector, a = ``mode_scale``.
    A generator continuous in z maps a connected latent onto a connected set,
    so with a plain Gaussian some samples must fall between digit classes
    (Khayatkhoei et al. 2018, "Disconnected Manifold Learning for Generative
    Adversarial Networks", https://arxiv.org/abs/1806.00880); separated modes
    let it leave those gaps empty. ``latent_modes = 0`` is off.

    InfoGAN on those modes (Chen et al. 2016, "InfoGAN: Interpretable
    Representation Learning by Information Maximizing Generative Adversarial
    Nets", https://arxiv.org/abs/1606.03657): a head Q on D's features
    predicts the mode c of each fake, and both players add
    λ E[-log Q(c | G(z))] to their losses, a lower bound on the mutual
    information I(c; G(z)) up to the constant H(c). G must make c readable
    from the image, so each mode becomes one distinct kind of digit.
    :meth:`enable_info` turns it on (λ > 0; it needs the modes).
    """

    top_k, top_k_steps = 1.0, 1000
    latent_modes, mode_scale = 0, 4.0
    info_weight = 0.0

    def enable_info(
        self, weight: float, optimizer: keras.optimizers.Optimizer, hidden: int = 128
    ) -> None:
        """Add Q: D's features → Dense(hidden) → LeakyReLU → K mode logits.

        Q's head learns with its own ``optimizer`` (D's is built for D's
        weights only); D's layers under it learn Q's loss with D's optimizer.
        """
        if not self.latent_modes:
            raise ValueError("InfoGAN predicts the latent mode: set latent_modes.")
        d = self.discriminator
        self.info_weight = float(weight)
        self.d_body = keras.Model(d.inputs, d.get_layer("logit").input)
        self.q_head = keras.Sequential(
            [
                keras.Input(self.d_body.output.shape[1:]),
                keras.layers.Dense(hidden),
                keras.layers.LeakyReLU(0.2),
                keras.layers.Dense(self.latent_modes, dtype="float32"),
            ],
            name="q_head",
        )
        self.q_optimizer = optimizer

    def _mode_offsets(self, c):
        return self.mode_scale * ops.one_hot(c, self.latent_dim)

    def latent_and_mode(self, batch_size):
        """z (batch, latent_dim) and its mode c (batch,) int32, or None."""
        z = super().sample_latent(batch_size)
        if not self.latent_modes:
            return z, None
        c = tf.random.stateless_uniform(
            (batch_size,),
            seed=self.seed_generator.next(),
            maxval=self.latent_modes,
            dtype="int32",
        )
        return z + self._mode_offsets(c), c

    def sample_latent(self, batch_size):
        return self.latent_and_mode(batch_size)[0]

    def _d_and_q(self, images):
        """D's logits (batch, 1) and Q's mode logits (batch, K), one pass."""
        features = self.d_body(images, training=True)
        logits = self.discriminator.get_layer("logit")(features)
        return logits, self.q_head(features, training=True)

    def _info_loss(self, c, mode_logits):
        """Per-example λ · cross-entropy of Q's guess of c."""
        return self.info_weight * keras.losses.sparse_categorical_crossentropy(
            c, mode_logits, from_logits=True
        )

    def _d_step(self, real):
        """``GAN._d_step``, plus Q's loss on the fakes when InfoGAN is on."""
        if not self.info_weight:
            return super()._d_step(real)
        z, c = self.latent_and_mode(ops.shape(real)[0])
        real, fake = self._d_inputs(real, self.generator(z, training=True))
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits, mode_logits = self._d_and_q(fake)
            d_per_example = self.loss_fn.discriminator_loss(real_logits, fake_logits)
            d_loss = ops.mean(d_per_example + self._info_loss(c, mode_logits))
        d_weights = self.discriminator.trainable_weights
        q_weights = self.q_head.trainable_weights
        grads = tape.gradient(d_loss, d_weights + q_weights)
        self.d_optimizer.apply_gradients(zip(grads[: len(d_weights)], d_weights))
        self.q_optimizer.apply_gradients(zip(grads[len(d_weights) :], q_weights))
        return d_per_example, real_logits, fake_logits

    def generate(self, n: int, seed: int | None = None, batch_size: int = 256):
        if not self.latent_modes or seed is None:
            return super().generate(n, seed, batch_size)
        z = keras.random.normal((n, self.latent_dim), seed=int(seed))
        c = np.random.default_rng(seed).integers(self.latent_modes, size=n)
        return self.generate_from(z + self._mode_offsets(c), batch_size)

    def top_k_count(self, batch):
        """k for the next generator step, an int32 scalar in [ν B, B]."""
        t = ops.cast(self.g_optimizer.iterations, "float32")
        share = ops.maximum(self.top_k, 1.0 - (1.0 - self.top_k) * t / self.top_k_steps)
        return ops.cast(ops.ceil(share * ops.cast(batch, "float32")), "int32")

    def _g_step(self, batch):
        """``GAN._g_step`` with the search options: InfoGAN's loss added per
        example, and the mean taken over the top k only."""
        if self.top_k >= 1 and not self.info_weight:
            return super()._g_step(batch)
        z, c = self.latent_and_mode(batch)
        with tf.GradientTape() as tape:
            fake = self._fake_input(self.generator(z, training=True))
            if self.info_weight:
                fake_logits, mode_logits = self._d_and_q(fake)
            else:
                fake_logits = self.discriminator(fake, training=True)
            per_example = self.loss_fn.generator_loss(fake_logits)
            loss = per_example
            if self.info_weight:
                loss = loss + self._info_loss(c, mode_logits)
            if self.top_k < 1:
                k = self.top_k_count(batch)
                best = tf.math.top_k(ops.reshape(fake_logits, (-1,)), k).indices
                loss = ops.take(loss, best)
            g_loss = ops.mean(loss)
        weights = self.generator.trainable_weights
        grads = tape.gradient(g_loss, weights)
        self.g_optimizer.apply_gradients(zip(grads, weights))
        return per_example


def cluster_purity(ids: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose label is their cluster's majority label (a
    check only: the labels never reach training)."""
    majority = sum(np.bincount(labels[ids == c]).max() for c in np.unique(ids))
    return float(majority / len(ids))


def mode_purity(gan: SearchGAN, per_mode: int = 1000) -> list[tuple[int, float]]:
    """Per latent mode c: the evaluator's majority digit and its share."""
    rows = []
    for c in range(gan.latent_modes):
        z = keras.random.normal((per_mode, gan.latent_dim), seed=100 + c)
        images = gan.generate_from(z + gan._mode_offsets(np.full(per_mode, c)))
        _, probs = classifier_outputs(images)
        counts = np.bincount(probs.argmax(axis=1), minlength=10)
        rows.append((int(counts.argmax()), float(counts.max() / per_mode)))
    return rows


def d_ranked_score(gan: ganlab.GAN, scorer: Scorer) -> dict:
    """Score the n of 2n samples that D rates most real (a rejection check)."""
    images = gan.generate(2 * scorer.n, seed=1)
    logits = np.asarray(gan.discriminator.predict(images, batch_size=500, verbose=0))
    keep = np.argsort(-logits.reshape(-1))[: scorer.n]
    return scorer(images[keep])


def build_gan(args) -> ganlab.GAN:
    """The compiled GAN that the recipe flags describe."""
    if args.precision == "bfloat16":
        keras.config.set_dtype_policy("mixed_bfloat16")
    keras.utils.set_random_seed(args.seed)

    def lr(value: float):
        if not args.decay_steps:
            return value
        return keras.optimizers.schedules.CosineDecay(value, args.decay_steps)

    d_kwargs = dict(
        kernel_size=args.kernel_size,
        dropout=recipe_dropout(args.d_batch_norm)
        if args.dropout is None
        else args.dropout,
        batch_norm=args.d_batch_norm,
    )
    if args.tile_label is not None:
        d_kwargs["tile_label"] = args.tile_label
    if args.clusters:  # train's default: self-conditioned, with these flags
        gan = build_self_conditioned_dcgan(
            args.latent_dim, args.clusters, width=args.width, seed=args.seed,
            **d_kwargs,
        )  # fmt: skip
    elif args.conditional:  # train --conditional's networks, with these flags
        gan = build_conditional_dcgan(
            args.latent_dim, 10, width=args.width, seed=args.seed,
            projection=True, **d_kwargs,
        )  # fmt: skip
    else:
        generator = ganlab.make_generator(
            args.latent_dim, width=args.width, kernel_size=args.kernel_size
        )
        discriminator = ganlab.make_discriminator(
            width=args.d_width or args.width, **d_kwargs
        )
        search = args.top_k < 1 or args.latent_modes
        gan = (SearchGAN if search else ganlab.GAN)(
            generator, discriminator, seed=args.seed
        )
        if search:
            gan.top_k, gan.top_k_steps = args.top_k, args.top_k_steps
            gan.latent_modes, gan.mode_scale = args.latent_modes, args.mode_scale
            if args.info_weight:
                q_optimizer = keras.optimizers.Adam(lr(args.d_lr), beta_1=args.beta_1)
                gan.enable_info(args.info_weight, q_optimizer)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(lr(args.d_lr), beta_1=args.beta_1),
        g_optimizer=keras.optimizers.Adam(lr(args.g_lr), beta_1=args.beta_1),
        loss=ganlab.losses.BCE(label_smoothing=args.label_smoothing)
        if args.label_smoothing
        else args.loss,
        ema=args.ema,
        simultaneous=args.simultaneous,
        jit_compile=True if args.jit_compile else "auto",
    )
    return gan


def run_ganlab(args, clock: Clock) -> None:
    gan = build_gan(args)
    (x_train, y_train), _ = ganlab.load_mnist()
    callback = _EvalCallback(clock, args.eval_every, clock.scorer.n)
    clock.last = time.perf_counter()
    labels = y_train if args.conditional else None
    if args.clusters:  # clustered as fit() would, on the training clock
        images = ganlab.check_images(x_train, gan.image_shape)
        labels = pixel_clusters(images, args.clusters, seed=args.seed)
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
    if args.latent_modes:
        purity = mode_purity(gan)
        cells = "  ".join(
            f"{c}→{d} ({share:.0%})" for c, (d, share) in enumerate(purity)
        )
        print(f"  latent mode → the evaluator's majority digit: {cells}")
        print(f"  distinct majority digits: {len({d for d, _ in purity})}/10")
    if args.d_ranked:
        score = d_ranked_score(gan, clock.scorer)
        print(
            f"  the half of {2 * clock.scorer.n} samples D rates most real: "
            f"FD {score['fd']:6.2f}  IS {score['is']:5.2f}  "
            f"classes {score['classes']:2d}",
            flush=True,
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


def main() -> None:
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
    parser.add_argument(
        "--d-ranked",
        action="store_true",
        help="at the end, also score the half of 2n samples D rates most real",
    )
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
        "--top-k",
        type=float,
        default=1.0,
        help="top-k training: G learns from the share ν of fakes D rates most "
        "real (1: off)",
    )
    recipe.add_argument(
        "--top-k-steps", type=int, default=1000, help="steps until k reaches ν B"
    )
    recipe.add_argument(
        "--latent-modes",
        type=int,
        default=0,
        help="K separated modes in the latent, z = N(0, I) + a e_c (0: off)",
    )
    recipe.add_argument("--mode-scale", type=float, default=4.0, help="a")
    recipe.add_argument(
        "--info-weight",
        type=float,
        default=0.0,
        help="InfoGAN: λ of Q's loss on the latent mode (needs --latent-modes; 0: off)",
    )
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
        help="self-conditioning, no labels: a SelfConditionedGAN on K k-means "
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
    args = parser.parse_args()
    if args.label_smoothing and args.loss != "bce":
        parser.error("--label-smoothing is a BCE option: use it with --loss bce")
    if args.info_weight and not args.latent_modes:
        parser.error("--info-weight predicts the latent mode: add --latent-modes K")
    unused = [
        flag
        for flag, on in [
            ("--latent-modes", args.latent_modes),
            ("--top-k", args.top_k < 1),
            ("--d-ranked", args.d_ranked),
            ("--d-width", args.d_width),
            ("--kernel-size", args.kernel_size != 5),  # G's stays 5
        ]
        if on
    ]
    if args.conditional:
        args.clusters = 0  # the digit labels replace the clusters
    elif args.tile_label is not None and not args.clusters:
        parser.error("--tile-label is an option of conditional networks")
    if args.clusters == 1 or args.clusters < 0:
        parser.error("--clusters needs K >= 2 (0: off)")
    if (args.conditional or args.clusters) and unused:
        parser.error(
            f"{'--conditional' if args.conditional else '--clusters'} builds "
            f"conditional networks: drop {unused}"
            + ("" if args.conditional else ", or add --clusters 0")
        )
    if args.quick:
        args.budget, args.eval_every, args.n = 1.0, 2, 500
        args.clusters = min(args.clusters, 10)  # seconds, not half a minute
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
