"""Mode-collapse benchmark: vanilla GAN and remedies on the 2-D ring and grid.

Protocol of VEEGAN / PacGAN (see ganlab.toy): 2,500 samples scored for modes
covered, % high-quality samples and reverse KL; mean ± std over seeds.

    python bench/mode_collapse.py --seeds 5 --steps 2000
    python bench/mode_collapse.py --quick          # seconds: a smoke test
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

from ganlab import models, toy  # noqa: E402
from ganlab.gan import GAN  # noqa: E402

# name -> (compile options, discriminator builder options)
VARIANTS: dict[str, tuple[dict, dict]] = {
    "vanilla": ({}, {}),
    "minimax": ({"loss": "minimax"}, {}),
    "lsgan": ({"loss": "least_squares"}, {}),
    "wgan-gp": ({"loss": "wasserstein", "gradient_penalty": 0.1}, {}),
    "smoothing": ({}, {}),  # BCE(label_smoothing=0.1), see _compile_options
    "noise": ({"instance_noise": 0.1}, {}),
    "spectral": ({}, {"spectral_norm": True}),
    "unrolled5": ({"unrolled_steps": 5, "unrolled_lr": 1e-2}, {}),
    "pack2": ({"pack": 2}, {"pack": 2}),
    "pack4": ({"pack": 4}, {"pack": 4}),
    "mbstd": ({}, {"minibatch_std": True}),
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
        from ganlab.losses import BCE

        options["loss"] = BCE(label_smoothing=0.1)
    return options


def train_one(
    variant: str,
    data_name: str,
    seed: int,
    steps: int,
    batch: int = 256,
    lr: float = 1e-3,
    hidden: int = 128,
    frames_every: int = 0,
):
    """Train one run; return (metrics dict, seconds, frames list)."""
    keras.utils.set_random_seed(seed)
    data, modes, std = toy.toy_data(data_name, n=batch * 250, seed=seed)
    options, d_options = _compile_options(variant), VARIANTS[variant][1]
    gan = GAN(
        models.make_mlp_generator(latent_dim=2, hidden=hidden),
        models.make_mlp_discriminator(hidden=hidden, **d_options),
        seed=seed,
    )
    if "instance_noise" in options:
        options["instance_noise_steps"] = max(steps // 2, 1)
    spe = min(50, steps)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        steps_per_execution=spe,
        **options,
    )
    frames = []
    chunk = frames_every or steps
    start = time.perf_counter()
    done = 0
    ds = toy_dataset(data, batch, seed)
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
    """An endless shuffled dataset of (batch, 2) toy samples."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(data).shuffle(len(data), seed=seed)
    return ds.repeat().batch(batch, drop_remainder=True).prefetch(2)


def _fmt(values, pct: bool = False) -> str:
    v = np.asarray(values, dtype=float) * (100 if pct else 1)
    return f"{v.mean():.1f} ± {v.std():.1f}" + ("%" if pct else "")


def main(argv=None) -> list[str]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--variants", default="vanilla,pack2")
    parser.add_argument("--data", default="ring,grid")
    parser.add_argument("--quick", action="store_true", help="a few steps, 1 seed")
    parser.add_argument("--frames", default="", help="save a scatter strip here")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.steps = 1, 20
    variants = list(VARIANTS) if args.variants == "all" else args.variants.split(",")
    rows = [
        "| variant | data | modes | HQ | reverse KL | s/run |",
        "|---|---|---|---|---|---|",
    ]
    for variant in variants:
        for data_name in args.data.split(","):
            runs = [
                train_one(variant, data_name, seed, args.steps)
                for seed in range(args.seeds)
            ]
            m = [r[0] for r in runs]
            k = len(toy.toy_data(data_name, n=1)[1])
            rows.append(
                f"| {variant} | {data_name} | {_fmt([x['modes'] for x in m])}/{k} "
                f"| {_fmt([x['high_quality'] for x in m], pct=True)} "
                f"| {_fmt([x['reverse_kl'] for x in m])} "
                f"| {np.mean([r[1] for r in runs]):.0f} |"
            )
            print(rows[-1], flush=True)
    print("\n".join(rows))
    print(PUBLISHED)
    if args.frames:
        save_frames(args.frames, variants[0], args.data.split(",")[0], args.steps)
    return rows


def save_frames(path: str, variant: str, data_name: str, steps: int) -> None:
    """Train one run and save a strip of sample scatters over training."""
    from ganlab.plotting import save_scatter_strip

    _, _, frames = train_one(variant, data_name, 0, steps, frames_every=steps // 8)
    modes = toy.toy_data(data_name, n=1)[1]
    save_scatter_strip(frames, modes, path, title=f"{variant} on {data_name}")


if __name__ == "__main__":
    main()
