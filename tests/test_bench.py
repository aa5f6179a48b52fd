"""Benchmark scripts are scripts, not tests: here they only have to run on a
tiny setting and print the comparison they promise."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _run(script, *args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_throughput_quick_prints_the_side_by_side_table():
    out = _run("throughput.py", "--quick")
    assert "FLOPs per image: G forward 103.5 M, D forward 20.7 M" in out
    for row in ("tutorial loop (baseline)", "GAN.fit simultaneous", "mixed_bfloat16"):
        assert row in out
    assert "matmul peak" in out
    assert "input pipeline" in out and "in-memory batch" in out


def test_time_to_quality_quick_scores_and_compares_both_recipes(tmp_path):
    out = _run(
        "time_to_quality.py",
        "--quick",
        "--recipe",
        "both",
        "--out",
        tmp_path / "r.json",
    )
    assert out.count("real train vs real test") == 2
    assert out.count("step      2  FD") == 2
    assert out.count("target not reached") == 2  # 2 steps cannot make digits
    assert "seconds of training to reach each milestone" in out
    assert (tmp_path / "r_ganlab.json").exists()
    assert (tmp_path / "r_tutorial.json").exists()


def _search_gan(**kwargs):
    """A tiny ``SearchGAN`` from bench/time_to_quality.py."""
    sys.path.insert(0, str(ROOT / "bench"))
    import time_to_quality

    import ganlab

    return time_to_quality.SearchGAN(
        ganlab.make_generator(8, width=4), ganlab.make_discriminator(width=4), **kwargs
    )


def test_time_to_quality_top_k_keeps_the_best_share_after_its_ramp():
    gan = _search_gan()
    gan.top_k, gan.top_k_steps = 0.5, 1000
    gan.compile()
    counts = []
    for step in (0, 500, 999, 1000, 5000):
        gan.g_optimizer.iterations.assign(step)
        counts.append(int(gan.top_k_count(64)))
    assert counts == [64, 48, 33, 32, 32]  # every sample, then the best half


def test_time_to_quality_mixture_latent_shifts_one_of_k_coordinates():
    gan = _search_gan(seed=0)
    gan.latent_modes, gan.mode_scale = 3, 4.0
    z = np.asarray(gan.sample_latent(6000))
    # each z is N(0, I) plus 4 on one of the first 3 coordinates, chosen uniformly
    np.testing.assert_allclose(z[:, :3].mean(axis=0), 4 / 3, atol=0.15)
    np.testing.assert_allclose(z[:, 3:].mean(axis=0), 0.0, atol=0.1)
    assert (z[:, :3].max(axis=1) > 2).mean() > 0.9  # 4 + N(0, 1) > 2: 97.7%
    np.testing.assert_array_equal(gan.generate(5, seed=1), gan.generate(5, seed=1))


def test_time_to_quality_recipe_flags_run(tmp_path):
    out = _run(
        "time_to_quality.py", "--quick", "--top-k", 0.5, "--loss", "least_squares",
        "--latent-modes", 3, "--d-ranked", "--max-steps", 2,
    )  # fmt: skip
    assert out.count("step      2  FD") == 1
    assert "the half of 1000 samples D rates most real: FD" in out


def test_mnist_collapse_quick_prints_the_table_and_draws_the_figure(tmp_path):
    out = _run("mnist_collapse.py", "--quick", "--out", tmp_path / "c.png")
    for setting in ("plain", "mbstd", "pack2"):
        assert f"| {setting} |" in out
    assert "diversity" in out and "recall" in out
    assert (tmp_path / "c.png").stat().st_size > 10_000


def test_sampling_tricks_prints_truncation_and_standing_statistics(tmp_path):
    import ganlab

    gan = ganlab.build_dcgan(8, (28, 28, 1), width=4, seed=0)
    gan.compile(ema=0.9)
    gan.save(tmp_path / "g.keras")
    out = _run("sampling_tricks.py", tmp_path / "g.keras", "--n", 300, "--batches", 3)
    rows = [line for line in out.splitlines() if line.startswith("truncation psi")]
    assert len(rows) == 6 and all(" FD " in r and " IS " in r for r in rows)
    assert "standing statistics (3 x 256)" in out


def test_exit_delay_times_both_modes():
    out = _run("exit_delay.py", "--runs", 1, "--steps", 3)
    assert "autotuning model  on: exit delays" in out
    assert "autotuning model off: exit delays" in out
