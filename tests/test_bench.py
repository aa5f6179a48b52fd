"""Benchmark scripts are scripts, not tests: here they only have to run on a
tiny setting and print the comparison they promise."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # the scripts import as modules


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


@pytest.mark.slow
def test_throughput_quick_prints_the_side_by_side_table():
    # Without the bfloat16 rows (emulated on a CPU without bfloat16 units,
    # most of the run); mixed precision itself is tested in test_precision.py.
    out = _run("throughput.py", "--quick", "--no-bf16")
    assert "FLOPs per image: G forward 103.5 M, D forward 20.7 M" in out
    for row in ("tutorial loop (baseline)", "GAN.fit simultaneous", "XLA"):
        assert row in out
    assert "mixed_bfloat16" not in out
    assert "matmul peak" in out
    assert "input pipeline" in out and "in-memory batch" in out


@pytest.mark.slow
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


@pytest.mark.slow
def test_time_to_quality_conditional_runs_with_the_recipe_flags():
    # One run (each costs a Python, TensorFlow and evaluator start-up):
    # the conditional recipe, with the flags that change the networks.
    out = _run(
        "time_to_quality.py", "--quick", "--conditional", "--loss", "least_squares",
        "--d-width", 8, "--kernel-size", 3, "--decay-steps", 10, "--max-steps", 2,
    )  # fmt: skip
    assert out.count("step      2  FD") == 1
    assert '"conditional": true' in out and '"clusters": 0' in out
    assert '"d_width": 8' in out and '"kernel_size": 3' in out
    assert '"loss": "least_squares"' in out and '"decay_steps": 10' in out
    assert "pixel clusters" not in out  # digit labels, not clusters


@pytest.mark.slow
def test_time_to_quality_plain_dcgan_runs(capsys):
    """--clusters 0 without labels: the plain DCGAN (in this process)."""
    import time_to_quality

    time_to_quality.main(["--quick", "--clusters", "0", "--max-steps", "2"])
    out = capsys.readouterr().out
    assert out.count("step      2  FD") == 1
    assert '"conditional": false' in out and '"clusters": 0' in out
    assert "pixel clusters" not in out


def test_time_to_quality_builds_the_recipe_from_ganlab_recipes():
    import time_to_quality

    from ganlab.gan import recipes

    assert time_to_quality.build_recipe_gan is recipes.build_recipe_gan
    assert time_to_quality.RECIPE is recipes.RECIPE
    assert not hasattr(time_to_quality, "SearchGAN")


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--latent-modes", "3"], "unrecognized arguments: --latent-modes 3"),
        (["--top-k", "0.5"], "unrecognized arguments: --top-k 0.5"),
        (["--info-weight", "1"], "unrecognized arguments: --info-weight 1"),
        (["--d-ranked"], "unrecognized arguments: --d-ranked"),
        (["--clusters", "0", "--tile-label"], "an option of conditional networks"),
        (["--clusters", "1"], "--clusters needs K >= 2"),
    ],
)
def test_time_to_quality_refuses_what_it_does_not_do(flags, message, capsys):
    import time_to_quality

    with pytest.raises(SystemExit) as exit_:
        time_to_quality.parse_args(flags)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_time_to_quality_clusters_run():
    out = _run("time_to_quality.py", "--quick", "--clusters", 5, "--max-steps", 2)
    assert "5 pixel clusters, sizes" in out and "label purity" in out
    assert out.count("step      2  FD") == 1


@pytest.mark.slow
def test_mnist_collapse_quick_prints_the_table_and_draws_the_figure(tmp_path, capsys):
    import mnist_collapse

    mnist_collapse.main(["--quick", "--out", str(tmp_path / "c.png")])
    out = capsys.readouterr().out
    for setting in ("plain", "mbstd", "pack2"):
        assert f"| {setting} |" in out
    assert "diversity" in out and "recall" in out
    assert (tmp_path / "c.png").stat().st_size > 10_000


def _check_sampling_tricks(path, capsys, *, batches=3):
    # In this process: a subprocess would add a TensorFlow start-up.
    import sampling_tricks

    sampling_tricks.main([str(path), "--n", "300", "--batches", str(batches)])
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("truncation psi")]
    assert len(rows) == 6 and all(" FD " in r and " IS " in r for r in rows)
    standing = [line for line in out.splitlines() if line.startswith("standing")]
    assert len(standing) == 1 and f"standing statistics ({batches} x 256)" in out
    return rows[0], standing[0]


def _moving_means(gan):
    import keras

    return [
        np.array(layer.moving_mean)
        for layer in gan.sampler.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]


def test_sampling_tricks_on_a_plain_model(tmp_path, capsys):
    import ganlab

    gan = ganlab.build_dcgan(8, width=4, seed=0)
    gan.compile(ema=0.9)
    gan.save(tmp_path / "g.keras")
    plain, standing = _check_sampling_tricks(tmp_path / "g.keras", capsys)
    assert plain.split("FD")[1] != standing.split("FD")[1]  # the trick acted


@pytest.mark.parametrize("self_conditioned", [True, False])
def test_sampling_tricks_on_conditional_models(tmp_path, capsys, self_conditioned):
    """The default recipe's model (self-conditioned) and train --conditional's:
    the same labels in every row, and standing statistics that act."""
    import keras
    import sampling_tricks

    from ganlab.gan import recipes

    gan = recipes.build_recipe_gan(
        8, num_classes=5, self_conditioned=self_conditioned, width=4, seed=0
    )
    recipes.compile_recipe(gan, ema=0.9)
    if self_conditioned:
        gan.label_prior = [0.1, 0.2, 0.3, 0.2, 0.2]  # as fit sets it
    gan.save(tmp_path / "c.keras")
    _check_sampling_tricks(tmp_path / "c.keras", capsys)

    loaded = keras.models.load_model(tmp_path / "c.keras")
    labels = sampling_tricks.labels_for(loaded, 300, seed=0)
    np.testing.assert_array_equal(labels, loaded.sample_labels(300, seed=0))
    if not self_conditioned:
        np.testing.assert_array_equal(labels, np.arange(300) % 5)
    before = _moving_means(loaded)
    sampling_tricks.standing_statistics(loaded, 2)
    after = _moving_means(loaded)
    assert len(before) == 3 and all(
        not np.allclose(b, a) for b, a in zip(before, after)
    )


def test_sampling_tricks_refuses_a_sampler_without_batch_norm():
    import pytest
    import sampling_tricks

    import ganlab

    gan = ganlab.GAN(ganlab.make_mlp_generator(), ganlab.make_mlp_discriminator())
    with pytest.raises(ValueError, match="no BatchNormalization"):
        sampling_tricks.standing_statistics(gan, 1)


@pytest.mark.slow
def test_conditional_bench_scores_a_conditional_model(tmp_path, capsys):
    from ganlab.gan import recipes

    gan = recipes.build_recipe_gan(8, num_classes=10, width=4, seed=0)
    recipes.compile_recipe(gan)
    gan.save(tmp_path / "c.keras")
    import conditional

    conditional.main(["--model", str(tmp_path / "c.keras"), "--per-class", "20",
                      "--out", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert out.count("%") >= 20 and "mean over classes" in out
    assert (tmp_path / "class_grid.png").exists()
    assert (tmp_path / "interpolation_4_to_9.gif").exists()
    assert (tmp_path / "conditional_bench.json").exists()


@pytest.mark.slow
def test_conditional_bench_refuses_a_self_conditioned_model(tmp_path):
    from ganlab.gan import recipes

    gan = recipes.build_recipe_gan(
        8, num_classes=10, self_conditioned=True, width=4, seed=0
    )
    recipes.compile_recipe(gan)
    gan.save(tmp_path / "s.keras")
    import conditional

    with pytest.raises(SystemExit, match="not a conditional model"):
        conditional.main(["--model", str(tmp_path / "s.keras"), "--out", str(tmp_path)])


def test_folder_training_interrupts_a_command_that_prints_a_lot(capsys):
    """run_command reads the command's output while it waits: a command that
    writes more than a pipe holds (64 KiB) is still interrupted on time and
    exits 130, with what it printed kept, instead of blocking on its writes."""
    import folder_training

    chatty = ("import sys, time\nprint('ganlab: started', flush=True)\n"
              "sys.stdout.write('x' * 1_000_000 + '\\n')\nsys.stdout.flush()\n"
              "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
              "    print('ganlab: interrupted', flush=True)\n"
              "    sys.exit(130)\n")  # fmt: skip
    code, seconds = folder_training.run_command(
        [sys.executable, "-c", chatty], interrupt_after=3.0
    )
    assert code == 130 and seconds < 30
    out = capsys.readouterr().out
    assert "ganlab: started" in out and "ganlab: interrupted" in out


@pytest.mark.slow
def test_own_folder_translation_quick_runs_the_command_and_l1_alone(tmp_path, capsys):
    """Folders of edge maps → disc pictures, the command (in this process),
    L1 alone for as many steps, the table, the strip and the JSON."""
    import own_folder_translation as bench

    report = bench.main(
        ["--quick", "--in-process", "--tasks", "edges", "--out", str(tmp_path),
         "--command-args", "--l1-weight 10"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "$ python -m ganlab translate train --pairs" in out
    assert out.count("--l1-weight 10") == 1  # --command-args reach the command
    assert "| edges → picture | the command (" in out
    for row in ("L1 alone, same U-Net and steps", "the input", "the target"):
        assert f"| {row}" in out
    edges = report["tasks"]["edges"]
    assert edges["steps"] >= 1 and edges["pix2pix"]["train_s"] is not None
    assert edges["target"]["one_disc"] > 0.8 and edges["target"]["iou"] == 1.0
    assert edges["input"]["one_disc"] == 0.0  # an edge map is a ring, not a disc
    for part, n in (("train", 64), ("test", 8)):
        folder = tmp_path / "folders" / "edges" / part
        names = sorted(p.name for p in (folder / "A").iterdir())
        targets = sorted(p.name for p in (folder / "B").iterdir())
        assert len(names) == n and names == targets
    assert (tmp_path / "edges_strip.png").stat().st_size > 1000
    assert (tmp_path / "own_folder_translation.json").exists()


def test_own_folder_translation_palettes():
    """--palettes N recolours every picture with one of N fixed colour pairs
    (the same for both folders), keeping its disc."""
    import own_folder_translation as bench

    from ganlab.data.toy_images import disc_geometry, disc_pictures

    colours = bench.palettes(3, seed=0)
    assert colours.shape == (3, 2, 3) and colours.dtype == np.uint8
    assert (
        np.linalg.norm(np.diff(colours.astype(float), axis=1), axis=-1) >= 120
    ).all()
    np.testing.assert_array_equal(colours, bench.palettes(3, seed=0))
    pictures = disc_pictures(12, size=32, seed=0)
    recoloured = bench.recolour(pictures, colours, seed=0)
    pairs = {tuple(map(tuple, colours[k])) for k in range(3)}
    for before, after in zip(pictures, recoloured):
        background = tuple(after[0, 0])
        used = {tuple(c) for c in after.reshape(-1, 3)}
        assert len(used) == 2 and any(background == pair[0] for pair in pairs)
        np.testing.assert_allclose(
            disc_geometry(after.astype(float)), disc_geometry(before.astype(float))
        )
    assert bench.parse_args([]).palettes == 5
    with pytest.raises(SystemExit):
        bench.parse_args(["--palettes", "-1"])


def test_own_folder_translation_inputs_and_disc_overlap():
    import own_folder_translation as bench

    from ganlab.data.toy_images import disc_pictures

    pictures = disc_pictures(4, size=32, seed=0)
    edges, gray = bench.edge_maps(pictures), bench.grayscale(pictures)
    assert edges.shape == gray.shape == (4, 32, 32) and edges.dtype == np.uint8
    assert (edges.max(axis=(1, 2)) == 255).all()  # scaled per picture
    assert (edges[:, [0, -1]] == 0).all()  # the edges are the disc's, not the frame's
    assert bench.circle_iou((0.5, 0.5, 0.2), (0.5, 0.5, 0.2)) == pytest.approx(1.0)
    assert bench.circle_iou((0.5, 0.5, 0.2), (0.5, 0.5, 0.1)) == pytest.approx(0.25)
    assert bench.circle_iou((0.2, 0.2, 0.1), (0.8, 0.8, 0.1)) == 0.0
    # two unit-radius discs one radius apart: lens 2π/3 − √3/2 over its union
    lens = 2 * np.pi / 3 - np.sqrt(3) / 2
    iou = bench.circle_iou((0, 0, 1), (0, 1, 1))
    assert iou == pytest.approx(lens / (2 * np.pi - lens))


@pytest.mark.slow
def test_stylegan_quick_prints_both_tables():
    out = _run("stylegan.py", "--quick", "--runs", "stylegan,progressive")
    assert "seconds of training to reach each milestone" in out
    assert "the last evaluation of each run" in out
    for name in ("stylegan", "progressive"):
        assert f"truncation, {name}: ψ, FD, IS, precision, recall" in out
    assert out.count("  ψ 0.3  FD") == 2


@pytest.mark.slow
def test_backends_quick_times_pytorch_beside_keras_s_own_op():
    out = _run("backends.py", "--quick", "--backends", "torch,torch-keras-op")
    for config in ("recipe:", "tutorial:"):
        assert config in out
    assert out.count("torch-keras-op") == 2 and "failed" not in out
