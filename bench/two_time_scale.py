"""Two time-scales: equal learning rates against a faster discriminator, at equal steps.

The two time-scale update rule (TTUR, Heusel et al. 2017) gives each player
its own learning rate; SAGAN (Zhang et al. 2019) popularised D at 4e-4 and
G at 1e-4. ganlab needs no option for it: ``GAN.compile`` takes a
``d_optimizer`` and a ``g_optimizer``, so

    gan.compile(d_optimizer=keras.optimizers.Adam(4e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5))

is TTUR. This script trains the recipe's plain DCGAN networks (width 32,
BatchNorm in D, batch 64, no EMA, so the raw generator is scored) on the
60,000 MNIST training digits with

- ``equal``: Adam(2e-4, β₁ = 0.5) for both (the DCGAN paper's rate), and
- ``ttur``: Adam(4e-4) for D and Adam(1e-4) for G (the SAGAN rates, β₁ = 0.5),

for the same seeds, and scores both with the shipped MNIST evaluator
(:func:`ganlab.evaluate`, 5,000 samples against 5,000 test digits) at the
same step counts, printed side by side.

    python bench/two_time_scale.py                 # ~15 min on 2 cores
    python bench/two_time_scale.py --quick         # seconds
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganlab.data.datasets import load_mnist  # noqa: E402
from ganlab.evaluation.report import evaluate  # noqa: E402
from ganlab.gan.recipes import build_recipe_gan, compile_recipe  # noqa: E402

# setting -> (D's learning rate, G's learning rate)
SETTINGS = {"equal": (2e-4, 2e-4), "ttur": (4e-4, 1e-4)}


def train_and_score(
    setting: str, seed: int, x, x_test, *, checkpoints, n: int
) -> list[dict]:
    """Train one setting; its scores at each step count in ``checkpoints``."""
    keras.utils.set_random_seed(seed)
    d_lr, g_lr = SETTINGS[setting]
    gan = compile_recipe(
        build_recipe_gan(seed=seed), d_lr=d_lr, g_lr=g_lr, ema=0.0,
        steps_per_execution=25,
    )  # fmt: skip
    done, seconds, rows = 0, 0.0, []
    for steps in checkpoints:
        start = time.perf_counter()
        gan.fit(x, batch_size=64, epochs=1, steps_per_epoch=steps - done, verbose=0)
        seconds += time.perf_counter() - start
        done = steps
        r = evaluate(gan, x_test, n=n, seed=0)
        rows.append({"steps": steps, "seconds": seconds, "fd": r["fid"],
                     "is": r["is_mean"], "recall": r["recall"]})  # fmt: skip
        print(f"{setting} seed {seed}, {steps} steps ({seconds:.0f} s): "
              f"FD {r['fid']:.1f}, IS {r['is_mean']:.2f}, recall {r['recall']:.2f}",
              flush=True)  # fmt: skip
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--checkpoints", default="400,800,1200")
    parser.add_argument("--samples", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="a few steps")
    args = parser.parse_args(argv)
    checkpoints = [int(c) for c in args.checkpoints.split(",")]
    (x_train, _), (x_test, _) = load_mnist()
    if args.quick:
        checkpoints, args.samples, args.seeds = [25, 50], 200, "0"
        x_train = x_train[:2000]
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {
        (s, seed): train_and_score(
            s, seed, x_train, x_test, checkpoints=checkpoints, n=args.samples
        )
        for seed in seeds
        for s in SETTINGS
    }
    print(f"\nFD / IS ({args.samples} samples, shipped MNIST evaluator); "
          "equal: D and G Adam 2e-4; ttur: D 4e-4, G 1e-4\n")  # fmt: skip
    print("| steps | seed | equal FD | TTUR FD | equal IS | TTUR IS |")
    print("|---|---|---|---|---|---|")
    for i, steps in enumerate(checkpoints):
        for seed in seeds:
            e, t = results["equal", seed][i], results["ttur", seed][i]
            print(f"| {steps} | {seed} | {e['fd']:.1f} | {t['fd']:.1f} | "
                  f"{e['is']:.2f} | {t['is']:.2f} |")  # fmt: skip
        mean = {s: np.mean([results[s, k][i]["fd"] for k in seeds]) for s in SETTINGS}
        print(f"| {steps} | mean | {mean['equal']:.1f} | {mean['ttur']:.1f} | | |")
    return results


if __name__ == "__main__":
    main()
