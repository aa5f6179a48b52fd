"""The command line: train writes every output and resumes; sample draws;
evaluate scores; none of them prints TensorFlow's start-up log."""

import json
import os
import subprocess
import sys

import imageio.v3 as iio
import keras
import numpy as np
import pytest

import ganlab
from ganlab import cli

TINY = ["--limit", "256", "--width", "4", "--latent-dim", "8", "--batch-size", "64"]
TINY += ["--eval-n", "0"]


@pytest.fixture
def trained(tmp_path, mnist):
    out = tmp_path / "run"
    assert (
        cli.main(
            ["train", "--epochs", "2", "--out", str(out), "--seed", "1", *TINY]
            + ["--eval-n", "500"]
        )
        == 0
    )
    return out


def test_train_writes_every_output(trained):
    names = {p.name for p in trained.iterdir()}
    # Every file docs/command_line.md's table lists, and nothing else but the folder.
    assert names == {
        "epoch_001.png",
        "epoch_002.png",
        "progress.gif",
        "losses.png",
        "history.json",
        "history.csv",
        "model.keras",
        "metrics.json",
    }
    history = json.loads((trained / "history.json").read_text())
    assert len(history["d_loss"]) == 2 and len(history["g_loss"]) == 2
    assert iio.imread(trained / "epoch_001.png").shape == (2 * (8 * 30 + 2),) * 2
    gan = keras.models.load_model(trained / "model.keras")
    assert gan.generate(3, seed=0).shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(gan.generate(5, seed=2), gan.generate(5, seed=2))
    # The default recipe: self-conditioned on 100 clusters of the 256 images,
    # sampled as often as the data has them; EMA on, D with the projection
    # term only.
    assert type(gan) is ganlab.GAN and gan.num_classes == 100
    assert isinstance(gan.label_prior, np.ndarray)
    assert gan.label_prior.sum() == pytest.approx(1.0)
    assert (gan.label_prior > 0).sum() > 50
    assert gan.ema == 0.999
    layers = {layer.name for layer in gan.discriminator.layers}
    assert "projection" in layers and "tile_label" not in layers
    assert not (trained / "backup").exists()  # removed after a finished run
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["n_generated"] == 500
    assert {"fid", "is_mean", "precision", "recall", "kid_mean"} <= set(metrics)


def test_jit_compile_flag_turns_xla_on_and_is_saved(tmp_path, mnist):
    out = tmp_path / "xla"
    argv = ["train", "--epochs", "1", "--out", str(out), *TINY, "--jit-compile"]
    assert cli.main([*argv, "--clusters", "0"]) == 0
    gan = keras.models.load_model(out / "model.keras")
    assert gan.jit_compile is True
    assert gan.num_classes is None  # --clusters 0: the plain DCGAN
    assert gan.label_prior is None


def test_conditional_train_draws_the_digit_asked_for(tmp_path, mnist):
    out = tmp_path / "cond"
    argv = ["train", "--conditional", "--epochs", "1", "--out", str(out), *TINY]
    assert cli.main(argv) == 0
    # One row per digit, 10 columns, scale 2.
    assert iio.imread(out / "epoch_001.png").shape == (2 * (10 * 30 + 2),) * 2
    gan = keras.models.load_model(out / "model.keras")
    assert gan.num_classes == 10 and gan.label_prior is None
    layers = {layer.name for layer in gan.discriminator.layers}
    assert {"projection", "tile_label"} <= layers

    grid = tmp_path / "rows.png"
    argv = ["sample", str(out / "model.keras"), "--n", "20", "--scale", "1"]
    assert cli.main([*argv, "--out", str(grid), "--seed", "0"]) == 0
    assert iio.imread(grid).shape == (10 * 30 + 2, 2 * 30 + 2)  # a row per digit
    threes = tmp_path / "threes.png"
    argv = ["sample", str(out / "model.keras"), "--n", "4", "--label", "3"]
    assert cli.main([*argv, "--out", str(threes), "--seed", "0"]) == 0
    expected = gan.generate(4, labels=np.full(4, 3), seed=0)
    assert not np.allclose(expected, gan.generate(4, labels=np.full(4, 5), seed=0))
    written = iio.imread(threes)
    np.testing.assert_array_equal(
        written, ganlab.plotting.image_grid(expected).repeat(2, 0).repeat(2, 1)[..., 0]
    )
    assert cli.main([*argv[:-1], "10", "--out", str(tmp_path / "x.png")]) == 2


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--clusters", "300"], "256 images cannot fill --clusters 300"),
        (["--clusters", "1"], "0 (off) or at least 2"),
        (["--conditional", "--clusters", "5"], "Use one of the two"),
    ],
)
def test_bad_cluster_counts_are_clear_errors(tmp_path, mnist, capsys, flags, message):
    argv = ["train", "--out", str(tmp_path / "o"), *TINY, *flags]
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not list((tmp_path / "o").glob("*"))  # nothing trained or written


def test_evaluate_prints_the_report(trained, tmp_path, capsys):
    out = tmp_path / "m.json"
    argv = ["evaluate", str(trained / "model.keras"), "--n", "300", "--json", str(out)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "Inception Score" in printed or "IS" in printed
    assert json.loads(out.read_text())["n_generated"] == 300


def test_evaluate_rejects_non_mnist_models(tmp_path):
    gan = ganlab.build_dcgan(8, image_shape=(32, 32, 3), width=4)
    gan.compile()
    gan.save(tmp_path / "rgb.keras")
    assert cli.main(["evaluate", str(tmp_path / "rgb.keras")]) == 2


def test_train_resumes_after_interruption(tmp_path, mnist, monkeypatch, capsys):
    """Kill the run in the middle of epoch 2; the same command finishes it."""
    from ganlab.callbacks import GANMonitor

    out = tmp_path / "run"

    def kill_mid_epoch_two(self, batch, logs=None):
        if self.model.g_optimizer.iterations.numpy() == 6:  # epoch 2, batch 3
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(GANMonitor, "on_train_batch_begin", kill_mid_epoch_two)
    assert cli.main(["train", "--epochs", "3", "--out", str(out), *TINY]) == 130
    assert "run the same command again" in capsys.readouterr().err.lower()
    monkeypatch.undo()
    assert (out / "backup").exists()
    assert [p.name for p in out.glob("epoch_*.png")] == ["epoch_001.png"]

    assert cli.main(["train", "--epochs", "3", "--out", str(out), *TINY]) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["d_loss"]) == 3
    assert sorted(p.name for p in out.glob("epoch_*.png")) == [
        "epoch_001.png",
        "epoch_002.png",
        "epoch_003.png",
    ]
    assert iio.imread(out / "progress.gif", index=None).shape[0] == 3
    gan = keras.models.load_model(out / "model.keras")
    # 3 epochs of 4 steps in all: epoch 2 was redone from its start.
    assert gan.g_optimizer.iterations.numpy() == 12


def test_finished_run_is_not_mixed_with_a_new_one(trained, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in trained.iterdir()}
    again = ["train", "--epochs", "1", "--out", str(trained), *TINY]
    assert cli.main(again) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in trained.iterdir()} == before

    assert cli.main([*again, "--overwrite"]) == 0
    history = json.loads((trained / "history.json").read_text())
    assert len(history["d_loss"]) == 1  # not 1 new epoch + 1 left from before
    assert [p.name for p in trained.glob("epoch_*.png")] == ["epoch_001.png"]
    assert iio.imread(trained / "progress.gif", index=None).shape[0] == 1
    assert not (trained / "metrics.json").exists()  # --eval-n 0 this time


def test_sample_writes_a_grid(trained, tmp_path):
    out = tmp_path / "grid.png"
    code = cli.main(
        [
            "sample",
            str(trained / "model.keras"),
            "--n",
            "16",
            "--out",
            str(out),
            "--scale",
            "1",
        ]
    )
    assert code == 0
    assert iio.imread(out).shape == (4 * 30 + 2, 4 * 30 + 2)


def test_sample_refuses_a_digit_label_for_a_model_without_labels(
    trained, tmp_path, capsys
):
    argv = ["sample", str(trained / "model.keras"), "--label", "3"]
    assert cli.main([*argv, "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "trained without labels" in err and "clusters of pixels" in err
    assert not (tmp_path / "g.png").exists()


def test_sample_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no model file"):
        cli.main(["sample", str(tmp_path / "nope.keras")])


def test_help_prints_no_tensorflow_start_up_log():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ABSL"))}
    proc = subprocess.run(
        [sys.executable, "-m", "ganlab", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert proc.stdout.startswith("usage: python -m ganlab")
    assert "oneDNN" not in proc.stderr and "cuda" not in proc.stderr.lower()
    assert proc.stderr == ""


def test_help_explains_every_flag():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [sys.executable, "-m", "ganlab", "train", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    for flag in (
        "--epochs",
        "--out",
        "--data-dir",
        "--batch-size",
        "--seed",
        "--width",
        "--latent-dim",
        "--lr",
        "--limit",
        "--clusters",
        "--jit-compile",
    ):
        assert flag in out
    top = subprocess.run(
        [sys.executable, "-m", "ganlab", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert "train" in top and "sample" in top


def test_bad_data_dir_is_reported(tmp_path, capsys):
    assert (
        cli.main(["train", "--out", str(tmp_path / "o"), "--data-dir", str(tmp_path)])
        == 2
    )
    assert "No MNIST files" in capsys.readouterr().err
