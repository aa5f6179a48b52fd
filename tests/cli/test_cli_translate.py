"""``python -m ganlab translate``: train writes every output, resumes and
refuses to mix runs; apply translates a folder; both fail clearly."""

import json

import imageio.v3 as iio
import keras
import numpy as np
import pytest
from PIL import Image

import ganlab
from ganlab import cli
from ganlab.translation.tasks import hide_lower_half

TINY = ["--limit", "256", "--width", "4", "--batch-size", "64", "--n-test", "100"]


def _save(folder, images, names, suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    for image, name in zip(images, names):
        Image.fromarray(np.squeeze(image)).save(folder / f"{name}{suffix}")


@pytest.fixture(scope="module")
def inpaint_run(tmp_path_factory, mnist):
    out = tmp_path_factory.mktemp("inpaint") / "run"
    argv = ["translate", "train", "--task", "inpaint", "--out", str(out), *TINY]
    assert cli.main([*argv, "--epochs", "2"]) == 0
    return out


def test_train_writes_every_output(inpaint_run):
    names = {p.name for p in inpaint_run.iterdir()}
    assert names == {
        "epoch_001.png",
        "epoch_002.png",
        "history.csv",
        "history.json",
        "losses.png",
        "model.keras",
        "metrics.json",
    }
    history = json.loads((inpaint_run / "history.json").read_text())
    assert set(history) == {"d_loss", "g_loss", "l1", "d_real", "d_fake"}
    assert all(len(v) == 2 for v in history.values())
    # 8 strips of input | output | target, 28×28 panels at scale 2.
    assert iio.imread(inpaint_run / "epoch_002.png").shape == (
        2 * (8 * 30 + 2),
        2 * (3 * 30 + 2),
    )
    model = keras.models.load_model(inpaint_run / "model.keras")
    assert isinstance(model, ganlab.Pix2Pix) and model.l1_weight == 100.0
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 8
    metrics = json.loads((inpaint_run / "metrics.json").read_text())
    assert metrics["n_test"] == 100
    for key in ("input", "output"):
        assert set(metrics[key]) == {"l1", "l2", "ssim", "class_acc"}
    # The input is the digit with its lower half black: hand-check its L1.
    _, (x_test, _) = ganlab.load_mnist()
    x = x_test[:100].astype(np.float64) / 127.5 - 1
    expected = np.abs(np.where(np.arange(28)[:, None] >= 14, -1.0, x) - x).mean()
    assert metrics["input"]["l1"] == pytest.approx(expected)
    assert not (inpaint_run / "backup").exists()


def test_apply_round_trip(inpaint_run, tmp_path, mnist):
    _, (x_test, _) = mnist
    hidden = hide_lower_half(x_test[:5])
    source = tmp_path / "in"
    _save(source, hidden[:3], ["a", "b", "c"])
    _save(source / "more", hidden[3:], ["d", "e"])
    out = tmp_path / "out"
    argv = ["translate", "apply", str(inpaint_run / "model.keras"), str(source)]
    assert cli.main([*argv, "--out", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.png"))
    assert written == ["a.png", "b.png", "c.png", "more/d.png", "more/e.png"]
    model = keras.models.load_model(inpaint_run / "model.keras")
    expected = np.round((model.translate(hidden) + 1) * 127.5)[..., 0]
    got = np.stack([iio.imread(out / name) for name in written])
    assert got.dtype == np.uint8 and got.shape == (5, 28, 28)
    np.testing.assert_allclose(got, expected, atol=1)

    # Outputs already there: refused, then replaced with --overwrite.
    assert cli.main([*argv, "--out", str(out)]) == 2
    assert cli.main([*argv, "--out", str(out), "--overwrite"]) == 0


def test_apply_errors(inpaint_run, tmp_path, capsys):
    model = str(inpaint_run / "model.keras")
    good = tmp_path / "good"
    _save(good, np.zeros((1, 28, 28), np.uint8), ["x"])
    big = tmp_path / "big"
    _save(big, np.zeros((1, 32, 32), np.uint8), ["y"])
    (tmp_path / "empty").mkdir()
    (tmp_path / "junk.keras").write_text("not a model")
    gan = ganlab.build_dcgan(8, width=4)
    gan.compile()
    gan.save(tmp_path / "gan.keras")
    out = str(tmp_path / "out")
    cases = [
        ([model, str(big)], "not 28×28"),
        ([model, str(tmp_path / "empty")], "No pictures"),
        ([model, str(tmp_path / "nowhere")], "does not exist"),
        ([model, str(good), "--direction", "b_to_a"], "one way only"),
        ([str(tmp_path / "none.keras"), str(good)], "No model file"),
        ([str(tmp_path / "junk.keras"), str(good)], "Could not load"),
        ([str(tmp_path / "gan.keras"), str(good)], "holds a GAN"),
        ([model, str(good), "--out", str(good)], "must not be INPUT_DIR"),
    ]
    for args, message in cases:
        argv = ["translate", "apply", *args]
        assert cli.main(argv if "--out" in args else [*argv, "--out", out]) == 2
        assert message in capsys.readouterr().err
    # --resize accepts the 32×32 picture and writes a 28×28 translation.
    argv = ["translate", "apply", model, str(big), "--out", out, "--resize"]
    assert cli.main(argv) == 0
    assert iio.imread(tmp_path / "out" / "y.png").shape == (28, 28)


def test_finished_run_is_not_mixed_with_a_new_one(inpaint_run, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in inpaint_run.iterdir()}
    again = ["translate", "train", "--task", "inpaint", "--out", str(inpaint_run)]
    again += [*TINY, "--epochs", "1", "--limit", "128", "--n-test", "0"]
    assert cli.main(again) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert {p.name: p.stat().st_mtime_ns for p in inpaint_run.iterdir()} == before

    assert cli.main([*again, "--overwrite"]) == 0
    history = json.loads((inpaint_run / "history.json").read_text())
    assert len(history["d_loss"]) == 1
    assert [p.name for p in inpaint_run.glob("epoch_*.png")] == ["epoch_001.png"]
    assert not (inpaint_run / "metrics.json").exists()  # --n-test 0


def test_train_resumes_after_interruption(tmp_path, mnist, monkeypatch, capsys):
    """Kill the run in the middle of epoch 2; the same command finishes it."""
    from ganlab.translation.pix2pix import TranslationMonitor

    out = tmp_path / "run"
    argv = ["translate", "train", "--task", "superres", "--out", str(out), *TINY]
    argv += ["--epochs", "3", "--n-test", "0"]

    def kill_mid_epoch_two(self, batch, logs=None):
        if int(keras.ops.convert_to_numpy(self.model.g_optimizer.iterations)) == 6:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(TranslationMonitor, "on_train_batch_begin", kill_mid_epoch_two)
    assert cli.main(argv) == 130
    assert "run the same command again" in capsys.readouterr().err.lower()
    monkeypatch.undo()
    assert (out / "backup").exists()
    assert [p.name for p in out.glob("epoch_*.png")] == ["epoch_001.png"]

    assert cli.main(argv) == 0
    history = json.loads((out / "history.json").read_text())
    assert len(history["l1"]) == 3
    assert len(list(out.glob("epoch_*.png"))) == 3
    model = keras.models.load_model(out / "model.keras")
    # 3 epochs of 4 steps in all: epoch 2 was redone from its start.
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 12


def test_cyclegan_on_two_folders_then_apply_both_ways(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (12, 16, 16), dtype=np.uint8)  # grayscale
    b = rng.integers(0, 256, (8, 16, 16, 3), dtype=np.uint8)  # colour
    _save(tmp_path / "A", a, [f"a{i}" for i in range(12)])
    _save(tmp_path / "B", b, [f"b{i}" for i in range(8)], suffix=".jpg")
    out = tmp_path / "run"
    argv = ["translate", "train", "--domains", str(tmp_path / "A")]
    argv += [str(tmp_path / "B"), "--image-size", "16", "--width", "4"]
    argv += ["--batch-size", "4", "--epochs", "1", "--out", str(out)]
    assert cli.main(argv) == 0
    model = keras.models.load_model(out / "model.keras")
    assert isinstance(model, ganlab.CycleGAN)
    # Each domain keeps its channels (pytorch-CycleGAN-and-pix2pix #1114);
    # the identity loss, which needs equal shapes, is off.
    assert model.shape_a == (16, 16, 1) and model.shape_b == (16, 16, 3)
    assert model.identity_weight == 0.0
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 3
    history = json.loads((out / "history.json").read_text())
    assert {"cycle", "identity", "d_loss", "g_loss"} <= set(history)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 12 and metrics["split"] == "train"
    assert set(metrics) == {
        "split", "n_test", "a_to_b_to_a", "b_to_a_to_b", "a_to_b_vs_input",
        "b_to_a_vs_input", "warnings",
    }  # fmt: skip
    assert metrics["a_to_b_vs_input"]["l1"] > 0.02 and metrics["warnings"] == []
    # Strips: 8 of input | translated | translated back, 16×16 at scale 4.
    strip = iio.imread(out / "epoch_001.png")
    assert strip.shape == (4 * (8 * 18 + 2), 4 * (3 * 18 + 2), 3)
    # Into B: colour PNGs; into A: grayscale ones.
    for direction, source, name, shape in (
        ("a_to_b", "A", "a0.png", (16, 16, 3)),
        ("b_to_a", "B", "b0.png", (16, 16)),
    ):
        dest = tmp_path / direction
        apply = ["translate", "apply", str(out / "model.keras"), str(tmp_path / source)]
        assert cli.main([*apply, "--out", str(dest), "--direction", direction]) == 0
        assert iio.imread(dest / name).shape == shape


def test_pairs_folders(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (10, 16, 16), dtype=np.uint8)
    names = [f"{i:02d}" for i in range(10)]
    _save(tmp_path / "train" / "A", x[:8], names[:8])
    _save(tmp_path / "train" / "B", 255 - x[:8], names[:8], suffix=".bmp")
    _save(tmp_path / "test" / "A", x[8:], names[8:])
    _save(tmp_path / "test" / "B", 255 - x[8:], names[8:])
    out = tmp_path / "run"
    argv = ["translate", "train", "--pairs", str(tmp_path / "train"), "--out"]
    argv += [str(out), "--image-size", "16", "--width", "4", "--batch-size", "4"]
    argv += ["--epochs", "1", "--test-pairs", str(tmp_path / "test")]
    assert cli.main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 2 and set(metrics["output"]) == {"l1", "l2", "ssim"}
    # The inputs against their inverted targets, by hand.
    x_test = x[8:].astype(np.float64) / 127.5 - 1
    assert metrics["input"]["l1"] == pytest.approx(np.abs(2 * x_test).mean())

    # A target without its input: named in the error; nothing written.
    (tmp_path / "train" / "A" / "03.png").unlink()
    bad = ["translate", "train", "--pairs", str(tmp_path / "train"), "--out"]
    assert cli.main([*bad, str(tmp_path / "bad"), "--image-size", "16"]) == 2
    err = capsys.readouterr().err
    assert "no partner" in err and "03" in err
    assert not (tmp_path / "bad").exists()
    no_sub_folders = ["translate", "train", "--pairs", str(tmp_path), "--out"]
    assert cli.main([*no_sub_folders, str(tmp_path / "bad")]) == 2
    assert "sub-folders, A/" in capsys.readouterr().err


def test_flag_errors(tmp_path, capsys):

    out = ["--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit):  # argparse: one data source is required
        cli.main(["translate", "train", *out])
    with pytest.raises(SystemExit):
        cli.main(["translate", "train", "--task", "inpaint", "--pairs", "x", *out])
    cases = [
        (["--task", "cycle", "--test-pairs", "x"], "--test-pairs goes with --pairs"),
        (["--task", "cycle", "--epochs", "0"], "--epochs must be at least 1"),
        (["--task", "cycle", "--epochs", "1", "--steps", "5"], "give --epochs alone"),
        (["--domains", str(tmp_path / "a"), str(tmp_path)], "does not exist"),
    ]
    for args, message in cases:
        assert cli.main(["translate", "train", *args, *out]) == 2
        assert message in capsys.readouterr().err


def test_steps_minutes_and_training_pairs_as_scores(tmp_path, capsys):
    """--steps runs exactly that many steps whatever the folder's size;
    --minutes stops at the end of the step that uses them up; without
    --test-pairs, metrics.json scores training pairs and says so."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (12, 16, 16), dtype=np.uint8)
    names = [f"{i:02d}" for i in range(12)]
    _save(tmp_path / "pairs" / "A", x, names)
    _save(tmp_path / "pairs" / "B", 255 - x, names)
    base = ["translate", "train", "--pairs", str(tmp_path / "pairs"), "--width", "4"]
    base += ["--image-size", "16", "--batch-size", "4"]
    assert cli.main([*base, "--steps", "7", "--out", str(tmp_path / "s")]) == 0
    printed = capsys.readouterr().out
    assert "7 steps (1 epoch of 7 steps, batch 4)" in printed
    assert "training pairs" in printed
    model = keras.models.load_model(tmp_path / "s" / "model.keras")
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 7
    metrics = json.loads((tmp_path / "s" / "metrics.json").read_text())
    assert metrics["split"] == "train" and metrics["n_test"] == 12
    assert cli.main([*base, "--minutes", "1e-6", "--out", str(tmp_path / "m")]) == 0
    assert "budget is used up: stopped after 1 steps" in capsys.readouterr().out
    model = keras.models.load_model(tmp_path / "m" / "model.keras")
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 1
    assert (tmp_path / "m" / "metrics.json").is_file()


def test_a_translation_that_returns_its_input_is_flagged():
    """CycleGAN's round trips are perfect for generators that do nothing
    (pytorch-CycleGAN-and-pix2pix #924): metrics.json says so."""
    from ganlab.translation.tasks import TaskData, in_channels, task_scores

    class Unchanged:  # translates every picture into itself
        def translate(self, x, direction="a_to_b"):
            return in_channels(x, 1)

    a = np.random.default_rng(0).integers(0, 256, (6, 16, 16, 1), dtype=np.uint8)
    data = TaskData(False, (a, a), (a, a), None, split="train")
    scores = task_scores(Unchanged(), data, n=6)
    assert scores["a_to_b_to_a"]["ssim"] == pytest.approx(1.0)
    assert scores["a_to_b_vs_input"]["l1"] == 0.0
    assert len(scores["warnings"]) == 2 and "barely changed" in scores["warnings"][0]
