"""The small StyleGAN2 against the default DCGAN recipe on MNIST, side by side.

Three runs, one after the other on the same machine, each on a training
clock that stops while samples are scored (bench/time_to_quality.py's
``Clock`` and ``Scorer``: FD and IS on the shipped MNIST evaluator's
features against test digits, every ``--eval-every`` steps):

- ``dcgan``: ``python -m ganlab train``'s default recipe (self-conditioned
  DCGAN, :mod:`ganlab.gan.recipes`), stopped at FD ≤ 10, IS ≥ 9 and every
  digit present, or at the budget;
- ``stylegan``: ``ganlab.nets.make_style_generator`` / ``make_style_discriminator``
  at 32×32 (MNIST padded by 2 pixels; scored on the centre 28×28), width
  ``--width``, ``--mapping`` mapping layers, Adam(2e-3, β₁ 0, β₂ 0.99) for
  both, R1 γ = 1 (StyleGAN2's settings, Karras et al. 2020), style mixing
  0.9, batch 32;
- ``progressive``: the same with progressive growing
  (``compile(progressive=--phase)``, Karras et al. 2018).

Then the truncation table (Karras et al. 2019): FD, IS, precision and
recall (Kynkäänniemi et al. 2019, k = 3) of each StyleGAN's last model at
ψ = 1, 0.9, 0.7, 0.5, 0.3.

    GANLAB_DATA_DIR=../shared/data python bench/stylegan.py --budget 360
    python bench/stylegan.py --quick          # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's ganlab, time_to_quality

import keras  # noqa: E402
import numpy as np  # noqa: E402
import time_to_quality as ttq  # noqa: E402

import ganlab  # noqa: E402
from ganlab.evaluation import manifold, metrics  # noqa: E402
from ganlab.evaluation.features import classifier_outputs  # noqa: E402

PSIS = (1.0, 0.9, 0.7, 0.5, 0.3)


def pad32(x: np.ndarray) -> np.ndarray:
    """MNIST's 28×28 digits padded with 2 black pixels a side to 32×32."""
    return np.pad(x, ((0, 0), (2, 2), (2, 2)))


def crop28(images: np.ndarray) -> np.ndarray:
    return images[:, 2:30, 2:30]


def build_style_gan(args, *, progressive: int) -> ganlab.GAN:
    keras.utils.set_random_seed(args.seed)
    g = ganlab.nets.make_style_generator(
        args.latent_dim, image_shape=(32, 32, 1), width=args.width,
        num_mapping=args.mapping, seed=args.seed,
    )  # fmt: skip
    d = ganlab.nets.make_style_discriminator((32, 32, 1), width=args.width)
    gan = ganlab.GAN(g, d, seed=args.seed)

    def adam():
        return keras.optimizers.Adam(args.lr, beta_1=0.0, beta_2=0.99)

    gan.compile(adam(), adam(), r1=1.0, style_mixing=0.9, progressive=progressive)
    return gan


def style_samples(gan: ganlab.GAN, n: int) -> np.ndarray:
    """n samples, noise seed 0, their centre 28×28 (as MNIST's digits)."""
    return crop28(gan.generate(n, seed=0))


def run_style(args, clock: ttq.Clock, *, progressive: int) -> ganlab.GAN:
    gan = build_style_gan(args, progressive=progressive)
    (x_train, _), _ = ganlab.load_mnist()
    callback = ttq.EvalCallback(
        clock, args.eval_every, clock.scorer.n, images=style_samples
    )
    clock.last = time.perf_counter()
    gan.fit(
        pad32(x_train), batch_size=32, epochs=10_000, verbose=0, callbacks=[callback]
    )
    return gan


def run_dcgan(args, clock: ttq.Clock) -> None:
    recipe = ttq.parse_args(["--seed", str(args.seed)])
    recipe.eval_every = args.eval_every
    ttq.run_ganlab(recipe, clock)


def truncation_table(gan: ganlab.GAN, scorer: ttq.Scorer, n: int) -> list[dict]:
    """FD, IS, precision, recall of n samples at each ψ in PSIS."""
    rows = []
    for psi in PSIS:
        feats, probs = classifier_outputs(
            crop28(gan.generate(n, seed=1, truncation=psi))
        )
        pr = manifold.precision_recall(scorer.real_feats, feats)
        rows.append({
            "psi": psi,
            "fd": metrics.frechet_distance(feats, scorer.real_feats),
            "is": metrics.inception_score(probs)[0],
            **pr,
        })  # fmt: skip
    return rows


def print_truncation(name: str, rows: list[dict]) -> None:
    print(f"\ntruncation, {name}: ψ, FD, IS, precision, recall")
    for r in rows:
        print(
            f"  ψ {r['psi']:.1f}  FD {r['fd']:6.2f}  IS {r['is']:5.2f}  "
            f"precision {r['precision']:.3f}  recall {r['recall']:.3f}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=360, help="training seconds")
    parser.add_argument("--eval-every", type=int, default=250, help="steps")
    parser.add_argument("--n", type=int, default=2000, help="samples scored")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--mapping", type=int, default=2, help="mapping layers")
    parser.add_argument("--latent-dim", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--phase", type=int, default=150, help="progressive's T")
    parser.add_argument(
        "--runs", default="dcgan,stylegan,progressive", help="comma-separated"
    )
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.budget, args.eval_every, args.n = 1.0, 5, 200
        args.width, args.mapping, args.latent_dim, args.phase = 4, 1, 16, 2
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    scorer = ttq.Scorer(args.n)
    print(f"real train vs test digits: FD {scorer.floor:.2f} (n = {args.n})")
    runs, tables = {}, {}
    for name in args.runs.split(","):
        print(f"\n{name}", flush=True)
        clock = ttq.Clock(scorer, args.budget, max_steps=10 if args.quick else 0)
        if name == "dcgan":
            run_dcgan(args, clock)
        else:
            phase = args.phase if name == "progressive" else 0
            gan = run_style(args, clock, progressive=phase)
            tables[name] = truncation_table(gan, scorer, args.n)
        runs[name] = clock.rows
    ttq.compare(runs)
    print("\nthe last evaluation of each run")
    for name, rows in runs.items():
        r = rows[-1]
        print(
            f"  {name:12s} {r['seconds']:7.1f} s  step {r['step']:6d}  "
            f"FD {r['fd']:6.2f}  IS {r['is']:5.2f}  classes {r['classes']:2d}"
        )
    for name, rows in tables.items():
        print_truncation(name, rows)


if __name__ == "__main__":
    main()
