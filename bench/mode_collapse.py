"""Mode-collapse benchmark: vanilla GAN and remedies on the 2-D ring and grid.

Protocol of VEEGAN / PacGAN (see ganlab.data.toy): 2,500 samples scored for modes
covered, % high-quality samples and reverse KL; mean ± std over seeds.

Default recipe: MLPs of 3 hidden layers of 128 units, z ∈ R², batch 256,
Adam(1e-3, β₁ = 0.5) for both players, 12,000 steps, the learning rates held
for the first half and cosine-decayed to 1% over the second half (the decay
is what makes the grid's samples sharp enough to count as high quality).

    python bench/mode_collapse.py --variants vanilla,pack2 --data grid
    python bench/mode_collapse.py --steps 2000 --variants all   # the sweep
    python bench/mode_collapse.py --variants minimax --data grid --steps 2000 \
        --frames bench/mode_collapse_minimax_grid.gif
    python bench/mode_collapse.py --quick          # seconds: a smoke test

``--setup collapse`` switches to a Metz-style setup in which the plain GAN
does collapse on the ring (as in notebook 02): MLPs of 2 hidden layers of
128, z ∈ R²⁵⁶, batch 512, Adam(β₁ = 0.5) with G lr 1e-3 and D lr 1e-4, held
constant, 3,000 steps. Any explicit flag overrides the setup's value.

    python bench/mode_collapse.py --setup collapse --data ring
    python bench/mode_collapse.py --setup collapse --variants vanilla \
        --data ring --frames bench/mode_collapse_ring.gif --n-frames 30
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

from ganlab.data import toy  # noqa: E402
from ganlab.gan.model import GAN  # noqa: E402
from ganlab.nets import dcgan as models  # noqa: E402

# name -> (compile options, discriminator builder options)
VARIANTS: dict[str, tuple[dict, dict]] = {
    "vanilla": ({}, {}),
    "minimax": ({"loss": "minimax"}, {}),
    "lsgan": ({"loss": "least_squares"}, {}),
    "wgan-gp": ({"loss": "wasserstein", "gradient_penalty": 0.1, "d_steps": 5}, {}),
    "smoothing": ({}, {}),  # BCE(label_smoothing=0.1), see _compile_options
    "noise": ({"instance_noise": 0.1}, {}),
    "spectral": ({}, {"spectral_norm": True}),
    "clip": ({"clipnorm": 1.0}, {}),  # both optimizers clip each gradient's norm
    # η of the unrolled SGD steps comes from the setup (see SETUPS).
    "unrolled5": ({"unrolled_steps": 5}, {}),
    "pack2": ({"pack": 2}, {"pack": 2}),
    "pack4": ({"pack": 4}, {"pack": 4}),
    "mbstd": ({}, {"minibatch_std": True}),
    # The hinge loss of Lim & Ye 2017 / Miyato et al. 2018.
    "hinge": ({"loss": "hinge"}, {}),
    # R1 (Mescheder et al. 2018): (γ/2)·E‖∇D(x)‖² on real samples, γ = 1.
    "r1": ({"r1": 1.0}, {}),
    # MGAN (Hoang et al. 2018): K = 4 generators sharing all but their first
    # layer, D with a K-way classifier head, β = 1 (the defaults of the MGAN
    # class in the authors' code, qhoangdl/MGAN); see ganlab.gan.mixtures.
    "mgan": ({"mgan_beta": 1.0}, {"num_generators": 4}),
    # GMAN (Durugkar et al. 2017): N = 5 discriminators, G on their softmax
    # mean with λ = 1 (the paper's GMAN-1).
    "gman": ({"gman_lambda": 1.0}, {"num_discriminators": 5}),
}

# name -> generator builder options (the generator of a mixture).
G_OPTIONS: dict[str, dict] = {"mgan": {"num_generators": 4}}

# The default recipe (see bench/results/mode_collapse.md).
STEPS = 12000
FINAL_LR = 0.01

# name -> recipe; command-line flags override these values.
SETUPS: dict[str, dict] = {
    "default": {
        "steps": STEPS,
        "batch": 256,
        "lr": 1e-3,
        "d_lr": None,  # None: the same as lr
        "final_lr": FINAL_LR,
        "hidden": 128,
        "depth": 3,
        "latent_dim": 2,
        # η of unrolled5's SGD steps: 1e-2 (the value before) made G chase
        # the over-stepped D_k and end off the ring (0/8 modes); 1e-3 works.
        "unrolled_lr": 1e-3,
    },
    # Metz et al. 2017's ring setup, as in notebook 02: a wide latent space, a
    # fast generator and a slow discriminator; the plain GAN collapses.
    "collapse": {
        "steps": 3000,
        "batch": 512,
        "lr": 1e-3,
        "d_lr": 1e-4,
        "final_lr": 1.0,
        "hidden": 128,
        "depth": 2,
        "latent_dim": 256,
        # With D's slow lr (1e-4) D_k needs bigger steps: 1e-3 still collapsed.
        "unrolled_lr": 1e-2,
    },
}

PUBLISHED = """Published (VEEGAN Table 1 / PacGAN Table 1):
| model | ring modes /8 | ring HQ | grid modes /25 | grid HQ | source |
|---|---|---|---|---|---|
| GAN | 1 | 99.3% | 3.3 | 0.5% | VEEGAN |
| Unrolled GAN | 7.6 | 35.6% | 23.6 | 16% | VEEGAN |
| GAN | 6.3±0.5 | 98.2% | 17.3±0.8 | 94.8% | PacGAN |
| PacGAN2 | 7.9±0.1 | 95.6% | 23.8±0.7 | 91.3% | PacGAN |
| PacGAN4 | 7.8±0.1 | 95.9% | 24.8±0.2 (rev. KL 0.04) | 93.6% | PacGAN |"""


def _compile_options(name: str) -> dict:
    options = dict(VARIANTS[name][0])
    if name == "smoothing":
        from ganlab.gan.losses import BCE

        options["loss"] = BCE(label_smoothing=0.1)
    return options


def lr_schedule(lr: float, steps: int, final: float):
    """Constant ``lr`` for the first half, then cosine decay to ``final`` · lr.

    The decay sharpens the samples: high quality on the grid needs the
    generator's spread around each mode below 3 std (0.15), which a
    constant step size keeps jittering above.
    """
    if final >= 1.0:
        return lr
    half = steps // 2
    cosine = keras.optimizers.schedules.CosineDecay(
        lr, decay_steps=max(steps - half, 1), alpha=final
    )
    return _Delayed(cosine, half, lr)


class _Delayed(keras.optimizers.schedules.LearningRateSchedule):
    """``schedule(step - start)`` after ``start`` steps, ``lr`` before."""

    def __init__(self, schedule, start: int, lr: float):
        self.schedule, self.start, self.lr = schedule, start, lr

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        late = self.schedule(keras.ops.maximum(step - self.start, 0.0))
        return keras.ops.where(step < self.start, self.lr, late)

    def get_config(self):
        return {"start": self.start, "lr": self.lr}


def train_one(
    variant: str,
    data_name: str,
    seed: int,
    steps: int,
    batch: int = 256,
    lr: float = 1e-3,
    hidden: int = 128,
    depth: int = 3,
    final_lr: float = 1.0,
    frames_every: int = 0,
    d_lr: float | None = None,
    latent_dim: int = 2,
    unrolled_lr: float = 1e-3,
):
    """Train one run; return (metrics dict, seconds, frames list).

    ``lr`` is G's learning rate and D's too unless ``d_lr`` is given.
    """
    d_lr = lr if d_lr is None else d_lr
    keras.utils.set_random_seed(seed)
    data, modes, std = toy.toy_data(data_name, n=batch * 250, seed=seed)
    options, d_options = _compile_options(variant), VARIANTS[variant][1]
    if options.get("unrolled_steps"):
        options.setdefault("unrolled_lr", unrolled_lr)
    gan = GAN(
        models.make_mlp_generator(
            latent_dim=latent_dim,
            hidden=hidden,
            depth=depth,
            **G_OPTIONS.get(variant, {}),
        ),
        models.make_mlp_discriminator(hidden=hidden, depth=depth, **d_options),
        seed=seed,
    )
    if "instance_noise" in options:
        options["instance_noise_steps"] = max(steps // 2, 1)
    clip = options.pop("clipnorm", None)
    d_steps = options.get("d_steps", 1)
    opt = {"beta_1": 0.5} if clip is None else {"beta_1": 0.5, "clipnorm": clip}
    if options.get("loss") == "wasserstein":
        opt = {"beta_1": 0.5, "beta_2": 0.9}  # the WGAN-GP paper's Adam
    spe = min(50, steps)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(
            lr_schedule(d_lr, steps * d_steps, final_lr), **opt
        ),
        g_optimizer=keras.optimizers.Adam(lr_schedule(lr, steps, final_lr), **opt),
        steps_per_execution=spe,
        **options,
    )
    frames = []
    chunk = frames_every or steps
    start = time.perf_counter()
    done = 0
    ds = toy_dataset(data, batch, seed)
    if frames_every:
        frames.append((0, gan.generate(500, seed=0)))
    while done < steps:
        n = min(chunk, steps - done)
        gan.fit(ds, epochs=1, steps_per_epoch=n, verbose=0)
        done += n
        if frames_every:
            frames.append((done, gan.generate(500, seed=0)))
    seconds = time.perf_counter() - start
    metrics = toy.mode_metrics(gan.generate(2500, seed=10_000 + seed), modes, std)
    return metrics, seconds, frames


def toy_dataset(data: np.ndarray, batch: int, seed: int):
    """An endless dataset of (batch, 2) toy samples.

    Each batch is drawn uniformly with replacement from ``data`` by one
    gather: for these tiny MLPs a per-sample shuffle buffer,
    ``shuffle(...).batch(...)``, costs a large share of each step (measured
    in bench/results/tried.md).
    """
    import tensorflow as tf

    table, n = tf.constant(data), len(data)
    ds = tf.data.Dataset.random(seed=seed).batch(batch, drop_remainder=True)
    return ds.map(lambda i: tf.gather(table, tf.math.floormod(i, n))).prefetch(2)


def _fmt(values, pct: bool = False, digits: int = 1) -> str:
    v = np.asarray(values, dtype=float) * (100 if pct else 1)
    return f"{v.mean():.{digits}f} ± {v.std():.{digits}f}" + ("%" if pct else "")


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--setup",
        default="default",
        choices=list(SETUPS),
        help="the recipe whose values the flags below default to: "
        + "; ".join(f"{k}: {v}" for k, v in SETUPS.items()),
    )
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float, help="G's (and D's) learning rate")
    parser.add_argument("--d-lr", type=float, help="D's learning rate, if not lr")
    parser.add_argument(
        "--final-lr",
        type=float,
        help="cosine-decay both learning rates to this fraction over the "
        "second half of training (1 = constant)",
    )
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--depth", type=int)
    parser.add_argument("--latent-dim", type=int)
    parser.add_argument(
        "--unrolled-lr", type=float, help="η of the unrolled variants' SGD steps"
    )
    parser.add_argument(
        "--variants", default="all", help=f"comma-separated, or all: {list(VARIANTS)}"
    )
    parser.add_argument("--data", default="ring,grid")
    parser.add_argument("--quick", action="store_true", help="a few steps, 1 seed")
    parser.add_argument(
        "--frames",
        default="",
        help="save a scatter strip (.png) or animation (.gif) of the first "
        "variant on the first data set here",
    )
    parser.add_argument("--n-frames", type=int, default=8)
    args = parser.parse_args(argv)
    for key, value in SETUPS[args.setup].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.quick:
        args.seeds, args.steps = 1, 20
    variants = list(VARIANTS) if args.variants == "all" else args.variants.split(",")
    recipe = {
        "batch": args.batch,
        "lr": args.lr,
        "hidden": args.hidden,
        "depth": args.depth,
        "final_lr": args.final_lr,
        "d_lr": args.d_lr,
        "latent_dim": args.latent_dim,
        "unrolled_lr": args.unrolled_lr,
    }
    print(
        f"setup={args.setup} steps={args.steps} seeds={args.seeds} {recipe}",
        flush=True,
    )
    rows = [
        "| variant | data | modes | HQ | reverse KL | s/run |",
        "|---|---|---|---|---|---|",
    ]
    for variant in variants:
        for data_name in args.data.split(","):
            runs = [
                train_one(variant, data_name, seed, args.steps, **recipe)
                for seed in range(args.seeds)
            ]
            m = [r[0] for r in runs]
            k = len(toy.toy_data(data_name, n=1)[1])
            rows.append(
                f"| {variant} | {data_name} | {_fmt([x['modes'] for x in m])}/{k} "
                f"| {_fmt([x['high_quality'] for x in m], pct=True)} "
                f"| {_fmt([x['reverse_kl'] for x in m], digits=2)} "
                f"| {np.mean([r[1] for r in runs]):.0f} |"
            )
            print(rows[-1], flush=True)
    print("\n".join(rows))
    print(PUBLISHED)
    if args.frames:
        save_frames(
            args.frames,
            variants[0],
            args.data.split(",")[0],
            args.steps,
            n_frames=args.n_frames,
            **recipe,
        )
    return rows


def save_frames(
    path: str, variant: str, data_name: str, steps: int, n_frames: int = 8, **recipe
) -> None:
    """Train one run (seed 0) and save its samples over training.

    A ``.gif`` path gets one scatter plot per frame (``n_frames`` of them
    plus step 0) as an animation; any other path a PNG strip.
    """
    from ganlab.plotting import save_scatter_strip

    every = max(steps // n_frames, 1)
    metrics, _, frames = train_one(
        variant, data_name, 0, steps, frames_every=every, **recipe
    )
    modes = toy.toy_data(data_name, n=1)[1]
    title = (
        f"{variant} on {data_name}: {metrics['modes']}/{len(modes)} modes, "
        f"{100 * metrics['high_quality']:.0f}% HQ"
    )
    if not str(path).endswith(".gif"):
        save_scatter_strip(frames, modes, path, title=title)
        return
    from ganlab.plotting import save_scatter_gif

    save_scatter_gif(frames, modes, path, title=f"{variant} on {data_name},")
    print(f"saved {path}: {title}", flush=True)


if __name__ == "__main__":
    main()
