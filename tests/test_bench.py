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


def test_time_to_quality_info_loss_is_lambda_times_cross_entropy():
    import keras

    gan = _search_gan(seed=0)
    gan.latent_modes = 3
    gan.enable_info(2.0, keras.optimizers.Adam())
    logits = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]], "float32")
    c = np.array([0, 2])
    log_q = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -2.0 * log_q[[0, 1], c]  # 2 (0.3490, ln 3)
    np.testing.assert_allclose(gan._info_loss(c, logits), expected, rtol=1e-5)
    d_logits, q_logits = gan._d_and_q(np.zeros((4, 28, 28, 1), "float32"))
    assert d_logits.shape == (4, 1) and q_logits.shape == (4, 3)


def test_time_to_quality_infogan_makes_the_latent_mode_readable():
    import keras

    gan = _search_gan(seed=1)
    gan.latent_modes = 3
    gan.enable_info(1.0, keras.optimizers.Adam(1e-2))
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2)
    )

    def info_loss():  # Q's cross-entropy on fresh fakes; ln 3 = 1.10 is chance
        z, c = gan.latent_and_mode(256)
        _, q_logits = gan._d_and_q(gan.generator(z, training=False))
        return float(np.mean(gan._info_loss(c, q_logits)))

    before = info_loss()
    real = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(real, batch_size=16, epochs=30, verbose=0)
    assert abs(before - np.log(3)) < 0.05
    assert info_loss() < 0.7  # G and Q agree on the mode (measured: 0.23)


def test_time_to_quality_info_weight_needs_latent_modes():
    import keras
    import pytest

    with pytest.raises(ValueError, match="latent_modes"):
        _search_gan().enable_info(1.0, keras.optimizers.Adam())


def test_time_to_quality_recipe_flags_run(tmp_path):
    out = _run(
        "time_to_quality.py", "--quick", "--clusters", 0, "--top-k", 0.5,
        "--loss", "least_squares", "--latent-modes", 3, "--info-weight", 1,
        "--d-ranked", "--max-steps", 2,
    )  # fmt: skip
    assert out.count("step      2  FD") == 1
    assert "latent mode → the evaluator's majority digit: 0→" in out
    assert "distinct majority digits:" in out
    assert "the half of 1000 samples D rates most real: FD" in out


def test_time_to_quality_conditional_runs_and_refuses_unconditional_flags():
    out = _run("time_to_quality.py", "--quick", "--conditional", "--max-steps", 2)
    assert out.count("step      2  FD") == 1
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "time_to_quality.py"), "--conditional",
         "--latent-modes", "3", "--kernel-size", "3"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "drop ['--latent-modes', '--kernel-size']" in proc.stderr


def test_time_to_quality_clusters_run_and_refuse_the_plain_dcgan_flags():
    out = _run("time_to_quality.py", "--quick", "--clusters", 5, "--max-steps", 2)
    assert "5 pixel clusters, sizes" in out and "label purity" in out
    assert out.count("step      2  FD") == 1
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "time_to_quality.py"),
         "--latent-modes", "3"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--clusters builds conditional networks: drop ['--latent-modes']" in (
        proc.stderr
    )
    assert "add --clusters 0" in proc.stderr


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
