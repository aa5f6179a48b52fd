"""Reference numbers and speed of ganlab's evaluation (issue 3).

Run from the repository root:

    GANLAB_DATA_DIR=../shared/data python bench/evaluation.py [--model M.keras]

Prints:
  (a) every metric for real MNIST: 10k training images scored against 10k test
      images, i.e. what a perfect generator scores;
  (b) the published precision/recall/density/coverage check (10k vs 10k draws
      of N(0, I) in 1000-d, k=5) over several seeds, beside the published values;
  (c) the wall time of evaluating 10k vs 10k images with every metric (cold:
      first call in the process; warm: evaluator already loaded), target ≤ 15 s;
  (d) with --model, the report for a trained GAN saved as .keras.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from ganlab.data.datasets import load_mnist
from ganlab.evaluation import manifold as manifold_metrics
from ganlab.evaluation import metrics
from ganlab.evaluation.features import classifier_outputs
from ganlab.evaluation.report import evaluate, format_report

PUBLISHED_PRDC = {
    "precision": 0.4772,
    "recall": 0.4705,
    "density": 1.0555,
    "coverage": 0.9735,
}
TIME_TARGET_S = 15.0


def real_vs_real(
    x_train: np.ndarray, x_test: np.ndarray, n: int, repeats: int = 3
) -> None:
    """(a) and (c): score a random train subset against the test set."""
    fake = x_train[np.random.default_rng(0).choice(len(x_train), n, replace=False)]
    load_before = os.getloadavg()[0]
    cold = evaluate(fake, x_test, n=n, seed=0)
    warm_runs = [evaluate(fake, x_test, n=n, seed=0) for _ in range(repeats)]
    warm = min(warm_runs, key=lambda r: r["seconds"])
    stages = stage_times(fake, x_test[:n], repeats)
    load_after = os.getloadavg()[0]

    print(f"(a) Real MNIST: {n} training images vs {n} test images")
    print(format_report(warm))
    test_probs = classifier_outputs(x_test)[1]
    is_mean, is_std = metrics.inception_score(test_probs)
    print(f"    Inception Score of the 10k test images: {is_mean:.3f} ± {is_std:.3f}")
    print("    (published with another classifier: 9.88 ± 0.06)")

    print(
        f"\n(c) Wall time, {n} generated vs {n} real, every metric "
        f"(target ≤ {TIME_TARGET_S:.0f} s):"
    )
    print(f"    cold (first call, loads the evaluator): {cold['seconds']:.2f} s")
    runs = ", ".join(f"{r['seconds']:.2f}" for r in warm_runs)
    print(f"    warm, best of {repeats}: {warm['seconds']:.2f} s  (runs: {runs} s)")
    print(
        f"    stages, best of {repeats} each: "
        + ", ".join(f"{name} {sec:.2f} s" for name, sec in stages.items())
    )
    print(f"    1-min load average before/after: {load_before:.1f} / {load_after:.1f}")


def stage_times(fake: np.ndarray, real: np.ndarray, repeats: int) -> dict:
    """Best-of-``repeats`` wall time of each stage of :func:`evaluate`."""
    fake_f, fake_p = classifier_outputs(fake)
    real_f, _ = classifier_outputs(real)
    stages = {
        "features (both sets)": lambda: [classifier_outputs(x) for x in (fake, real)],
        "IS": lambda: metrics.inception_score(fake_p),
        "FID": lambda: metrics.frechet_distance(fake_f, real_f),
        "KID": lambda: metrics.kernel_inception_distance(fake_f, real_f),
        "PRDC": lambda: manifold_metrics.prdc(real_f, fake_f),
        "classes": lambda: metrics.class_coverage(fake_p),
    }
    best = {}
    for name, stage in stages.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            stage()
            times.append(time.perf_counter() - start)
        best[name] = min(times)
    return best


def prdc_check(seeds: int, n: int = 10000, dim: int = 1000) -> None:
    """(b) the clovaai/generative-evaluation-prdc check, over several seeds."""
    rows = []
    start = time.perf_counter()
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        real = rng.standard_normal((n, dim), dtype=np.float32)
        fake = rng.standard_normal((n, dim), dtype=np.float32)
        rows.append(manifold_metrics.prdc(real, fake, k_pr=5, k_dc=5))
    per_seed = (time.perf_counter() - start) / seeds
    print(
        f"\n(b) PRDC, {n} vs {n} draws of N(0, I) in {dim}-d, k=5, "
        f"seeds 0-{seeds - 1} ({per_seed:.1f} s per seed):"
    )
    print(
        f"    {'metric':<10}{'published':>10}{'mean':>9}{'std':>8}{'min':>8}{'max':>8}"
    )
    for key, value in PUBLISHED_PRDC.items():
        got = np.array([r[key] for r in rows])
        print(
            f"    {key:<10}{value:>10.4f}{got.mean():>9.4f}{got.std():>8.4f}"
            f"{got.min():>8.4f}{got.max():>8.4f}"
        )


def trained_model(path: str, x_test: np.ndarray, n: int) -> None:
    """(d) evaluate a trained GAN saved with model.save(...keras)."""
    import keras

    import ganlab  # noqa: F401  (registers the GAN class for loading)

    gan = keras.models.load_model(path)
    results = evaluate(gan, x_test, n=n, seed=0)
    print(f"\n(d) Trained model {path}")
    print(format_report(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--seeds", type=int, default=5, help="seeds of the PRDC check")
    parser.add_argument("--repeats", type=int, default=3, help="warm timing runs")
    parser.add_argument("--model", help="a trained GAN (.keras) to evaluate")
    parser.add_argument("--skip-prdc", action="store_true")
    args = parser.parse_args()

    print(f"CPU cores available: {os.cpu_count()}")
    (x_train, _), (x_test, _) = load_mnist()
    real_vs_real(x_train, x_test, args.n, args.repeats)
    if not args.skip_prdc:
        prdc_check(args.seeds)
    if args.model:
        trained_model(args.model, x_test, args.n)


if __name__ == "__main__":
    main()
