"""``python -m ganlab train --images DIR``: any folder of pictures, the recipe
for its size, self-conditioning on its clusters, the outputs and the resume
of the MNIST run, clear errors; ``evaluate --images`` on Inception features
with a clear error where the weights cannot be fetched."""

import doctest
import json
import os
import subprocess
import sys

import imageio.v3 as iio
import keras
import numpy as np
import pytest
from PIL import Image

import ganlab
from ganlab import cli
from ganlab.cli import train as cli_train
from ganlab.data.toy_images import disc_pictures
from ganlab.evaluation import features as evaluator
from ganlab.gan import recipes
from ganlab.gan.augment import DiffAugment
from ganlab.gan.recipes import folder_clusters, folder_recipe, nearest_recipe_size

TINY = ["--width", "4", "--latent-dim", "8", "--image-size", "16"]
N_GOOD = 210  # readable pictures in the example folder: 2 clusters by default


def _write_folder(root, n_good=N_GOOD):
    """n_good small pictures of discs in every format, size and mode the
    loader reads (PNG, JPG, GIF, BMP; RGB and grayscale; one sub-folder two
    levels deep), plus one corrupt file and one text file."""
    rng = np.random.default_rng(0)
    kinds = [("png", "RGB"), ("jpg", "RGB"), ("gif", "L"), ("bmp", "RGB"), ("png", "L")]
    for i in range(n_good):
        ext, mode = kinds[i % len(kinds)]
        size = (12 + i % 9, 10 + i % 13)  # mixed sizes and aspect ratios
        yy, xx = np.mgrid[: size[1], : size[0]]
        disc = (yy - size[1] / 2) ** 2 + (xx - size[0] / 2) ** 2 < (size[1] / 3) ** 2
        colour = rng.integers(0, 256, 3)
        pixels = np.where(disc[..., None], colour, 255 - colour).astype(np.uint8)
        folder = root / "sub" / "deeper" if i % 4 == 0 else root
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).convert(mode).save(folder / f"{i:03d}.{ext}")
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (root / "notes.txt").write_text("not a picture")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _write_folder(tmp_path_factory.mktemp("pictures"))


@pytest.fixture(scope="module")
def trained(folder, tmp_path_factory):
    """One real ``python -m ganlab train --images`` in a fresh process."""
    out = tmp_path_factory.mktemp("run") / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ABSL"))}
    argv = ["train", "--images", str(folder), "--out", str(out), "--epochs", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "ganlab", *argv, *TINY],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_train_on_a_folder_writes_what_the_mnist_run_writes(trained):
    out, proc = trained
    assert {p.name for p in out.iterdir()} == {
        "epoch_001.png",
        "epoch_002.png",
        "progress.gif",
        "losses.png",
        "history.json",
        "history.csv",
        "model.keras",
        "metrics.json",
    }
    # Scored on pixel features against the folder, not by the MNIST evaluator.
    metrics = json.loads((out / "metrics.json").read_text())
    assert (
        metrics["features"] == "pixels 8×8" and metrics["real"] == "training pictures"
    )
    assert 0 <= metrics["precision"] <= 1 and 0 <= metrics["coverage"] <= 1
    # 8×8 grid of 16-pixel RGB images with 2-pixel gaps, scaled twice.
    assert iio.imread(out / "epoch_002.png").shape == (2 * (8 * 18 + 2),) * 2 + (3,)
    assert iio.imread(out / "progress.gif", index=None).shape[0] == 2
    assert len(json.loads((out / "history.json").read_text())["d_loss"]) == 2
    gan = keras.models.load_model(out / "model.keras")
    images = gan.generate(5, seed=0)
    assert images.shape == (5, 16, 16, 3)  # colour: some pictures are RGB
    assert images.min() >= -1 and images.max() <= 1
    # Self-conditioned on 210 // 100 = 2 clusters, sampled as the data has them.
    assert gan.num_classes == 2 and isinstance(gan.label_prior, np.ndarray)
    assert gan.label_prior.sum() == pytest.approx(1) and (gan.label_prior > 0).all()
    assert gan.ema == 0.999
    # What it read, skipped, chose and clustered, and no TensorFlow log lines.
    assert f"training on {N_GOOD} 16×16×3 pictures" in proc.stdout
    assert "Adam 0.001, 2 clusters" in proc.stdout
    assert f"clustering {N_GOOD} images into 2 groups" in proc.stdout
    assert "Skipped 1 file(s)" in proc.stderr and "broken.jpg" in proc.stderr
    assert "oneDNN" not in proc.stderr and "cuda" not in proc.stderr.lower()
    assert "absl" not in proc.stderr


def test_train_on_a_folder_resumes_after_interruption(
    folder, tmp_path, monkeypatch, capsys
):
    from ganlab.callbacks import GANMonitor

    out = tmp_path / "run"
    argv = ["train", "--images", str(folder), "--out", str(out), *TINY]
    argv += ["--epochs", "3", "--channels", "1", "--clusters", "0"]

    def kill_in_epoch_two(self, batch, logs=None):
        if self.model.g_optimizer.iterations.numpy() == 5:  # epoch 2, batch 2
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(GANMonitor, "on_train_batch_begin", kill_in_epoch_two)
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        assert cli.main(argv) == 130
    assert "run the same command again" in capsys.readouterr().err.lower()
    monkeypatch.undo()
    assert [p.name for p in out.glob("epoch_*.png")] == ["epoch_001.png"]

    with pytest.warns(UserWarning, match="Skipped 1 file"):
        assert cli.main(argv) == 0
    resumed = capsys.readouterr().out
    assert "Epoch 2/3" in resumed and "Epoch 1/3" not in resumed
    assert f"resuming the interrupted run in {out}" in resumed
    assert len(json.loads((out / "history.json").read_text())["d_loss"]) == 3
    assert (out / "history.csv").read_text().count("\n0,") == 1  # epoch 1 once
    assert iio.imread(out / "progress.gif", index=None).shape[0] == 3
    gan = keras.models.load_model(out / "model.keras")
    assert gan.generate(2, seed=0).shape == (2, 16, 16, 1)  # --channels 1
    assert gan.num_classes is None  # --clusters 0: the plain DCGAN
    # 3 epochs of 210 // 64 = 3 steps; epoch 2 was redone from its start.
    assert gan.g_optimizer.iterations.numpy() == 9
    assert not (out / "backup").exists()

    assert cli.main(argv) == 2  # finished: not mixed with a new run (not read)
    assert "--overwrite" in capsys.readouterr().err


def test_train_on_a_folder_with_augmentation(folder, tmp_path, capsys):
    out = tmp_path / "ada"
    argv = ["train", "--images", str(folder), "--out", str(out), *TINY]
    argv += ["--epochs", "2", "--clusters", "0", "--augment", "ada"]
    with pytest.warns(UserWarning, match="Skipped 1 file"):
        assert cli.main(argv) == 0
    assert "no clusters, augment ada)" in capsys.readouterr().out
    history = json.loads((out / "history.json").read_text())
    assert len(history["aug_p"]) == 2  # ADA's p, logged every epoch
    assert all(0.0 <= p <= 1.0 for p in history["aug_p"])
    gan = keras.models.load_model(out / "model.keras")
    assert gan.augment_adaptive  # the saved model keeps its augmentation


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--conditional"], "--conditional is for MNIST"),
        (["--data-dir", "x"], "--data-dir is for MNIST"),
        (["--image-size", "6"], "--image-size 6: Cannot build a DCGAN"),
        (["--image-size", "27"], "--image-size 27: Cannot build a DCGAN"),
        (["--clusters", "300"], "210 images cannot fill --clusters 300"),
    ],
)
def test_flags_that_make_no_sense_with_images(folder, tmp_path, capsys, flags, message):
    argv = ["train", "--images", str(folder), "--out", str(tmp_path / "o"), *flags]
    with pytest.warns(UserWarning) if "--clusters" in flags else _no_warning():
        assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # nothing trained or written


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


def test_image_flags_need_images(tmp_path, capsys):
    argv = ["train", "--out", str(tmp_path / "o"), "--image-size", "32"]
    assert cli.main(argv) == 2
    assert "--image-size applies to --images DIR only" in capsys.readouterr().err


def test_empty_missing_and_too_small_folders_are_clear_errors(tmp_path, capsys):
    out = str(tmp_path / "o")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["train", "--images", str(empty), "--out", out]) == 2
    assert "No image files" in capsys.readouterr().err
    missing = str(tmp_path / "nope")
    assert cli.main(["train", "--images", missing, "--out", out]) == 2
    assert "does not exist" in capsys.readouterr().err
    few = _write_folder(tmp_path / "few", n_good=30)
    with pytest.warns(UserWarning, match="Skipped 1"):
        assert cli.main(["train", "--images", str(few), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "Found 30 readable" in err and "at least 100 needed" in err
    assert not (tmp_path / "o").exists()


def test_help_says_what_each_size_gets(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for flag in ("--images DIR", "--image-size S", "--channels {1,3}"):
        assert flag in text
    for size, r in recipes.FOLDER_RECIPES.items():
        assert recipes.describe_recipe(r, size=size) in text
    assert "default 32" in text and "one per 100 pictures" in text


def test_a_recipe_in_words():
    r = {"width": 64, "d_width": 32, "kernel_size": 4, "latent_dim": 100,
         "batch_size": 64, "lr": 1e-3, "r1": 0.1, "augment": "diffaugment",
         "steps": 3000}  # fmt: skip
    assert recipes.describe_recipe(r, size=64) == (
        "64 px: G width 64, D width 32, 4×4 kernels, z of 100, batch 64, "
        "Adam 0.001, R1 0.1, diffaugment, about 3000 steps"
    )
    plain = {**r, "r1": 0.0, "augment": "none"}
    assert "Adam 0.001, about 3000 steps" in recipes.describe_recipe(plain, size=64)


def _recipe_gan_for(argv, size, n=3000):
    """The settings and the compiled GAN ``train`` builds for ``argv`` on n
    pictures of size×size×3, without reading or training anything."""
    args = cli._build_parser().parse_args(
        ["train", "--images", "x", "--out", "o", *argv]
    )
    images = np.zeros((n, size, size, 3), np.uint8)
    recipe = cli_train._settings(args, images)
    return recipe, cli_train._recipe_gan(args, recipe, images.shape[1:])


def _kernels(model):
    return {
        layer.kernel_size for layer in model.layers if hasattr(layer, "kernel_size")
    }


@pytest.mark.parametrize("size, last_channels", [(64, 16), (128, 8)])
def test_the_64_and_128_pixel_recipes_build_what_they_say(size, last_channels):
    recipe, gan = _recipe_gan_for([], size)
    r = recipes.FOLDER_RECIPES[size]
    assert _kernels(gan.generator) == _kernels(gan.discriminator) == {(4, 4)}
    # G: a 4×4×(4·width) seed, then 2·width, width, width/2, ... channels,
    # at least 8 (64 px: down to width/4 = 16; 128 px: width/8 = 8); D's
    # first convolution has d_width filters.
    reshape = next(la for la in gan.generator.layers if la.name.startswith("reshape"))
    assert reshape.output.shape[1:] == (4, 4, 4 * r["width"])
    assert gan.generator.get_layer(index=-1).input.shape[-1] == last_channels
    first = next(la for la in gan.discriminator.layers if hasattr(la, "kernel_size"))
    assert first.filters == r["d_width"]
    # R1 on real images, no augmentation (bench/README.md: DiffAugment's
    # translation let G draw every disc at the centre at 64 px, and at
    # 128 px no disc at all).
    assert gan.augmenter is None and gan.r1 == r["r1"] == 1.0
    assert recipe["clusters"] == 30 and recipe["batch_size"] == r["batch_size"]


def test_a_folder_recipe_trains_from_python():
    """The docstring's way: folder_recipe, gan_from_recipe, fit."""
    assert doctest.testmod(recipes).failed == 0
    pictures = disc_pictures(130, size=64, seed=0)
    r = folder_recipe(64, len(pictures))
    r.update(width=4, d_width=4, latent_dim=8)
    gan = ganlab.gan_from_recipe(r, pictures.shape[1:], seed=0)
    assert gan.r1 == 1.0 and r["clusters"] == 0
    gan.fit(pictures, None, epochs=1, batch_size=64, verbose=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    samples = gan.generate(3, seed=0)
    assert samples.shape == (3, 64, 64, 3) and np.abs(samples).max() <= 1.0


def test_the_mnist_recipe_has_the_folder_recipes_keys():
    mnist = recipes.mnist_recipe()
    assert set(mnist) == set(folder_recipe(32, 3000)) - {"size", "steps"}
    assert (mnist["width"], mnist["d_width"], mnist["kernel_size"]) == (32, 32, 5)
    assert (mnist["epochs"], mnist["clusters"], mnist["augment"]) == (5, 100, "none")


def test_flags_override_the_folder_recipe():
    recipe, gan = _recipe_gan_for(["--width", "8", "--augment", "diffaugment"], 64)
    assert recipe["width"] == recipe["d_width"] == 8  # --width: both networks
    first = next(la for la in gan.discriminator.layers if hasattr(la, "kernel_size"))
    assert first.filters == 8 and isinstance(gan.augmenter, DiffAugment)
    assert gan.r1 == 1.0  # the recipe's R1 stays


@pytest.mark.parametrize(
    "size, expected",
    [(8, 32), (28, 32), (45, 32), (46, 64), (64, 64), (90, 64), (91, 128), (500, 128)],
)
def test_sizes_take_the_nearest_recipe(size, expected):
    assert nearest_recipe_size(size) == expected


@pytest.mark.parametrize(
    "n, k",
    [(100, 0), (199, 0), (200, 2), (250, 2), (3000, 30), (10050, 100), (60000, 100)],
)
def test_clusters_grow_with_the_folder(n, k):
    assert folder_clusters(n) == k


def test_epochs_give_the_recipes_steps():
    r = folder_recipe(32, 3000)
    # fit drops the last partial batch: 3000 // 64 = 46 steps per epoch, and
    # 1500 steps take 33 epochs (1518 steps).
    assert (r["epochs"], r["clusters"], r["grid_every"]) == (33, 30, 1)
    assert (r["width"], r["d_width"], r["batch_size"], r["lr"]) == (32, 32, 64, 1e-3)
    assert (r["kernel_size"], r["augment"], r["r1"]) == (5, "none", 0.0)
    small = folder_recipe(28, 150)  # 2 steps per epoch: 750 epochs
    assert (small["epochs"], small["grid_every"]) == (750, 15)  # 50 grids
    odd = folder_recipe(32, 640)  # 10 steps per epoch: 150 epochs
    assert (odd["epochs"], odd["grid_every"]) == (150, 3)
    odd = folder_recipe(32, 1300)  # 20 steps per epoch: 75 epochs, 2 a grid
    assert (odd["epochs"], odd["grid_every"]) == (76, 2)  # rounded up to 38×2
    big = folder_recipe(128, 5000)
    assert big["size"] == 128 and big["epochs"] == 26  # 156 steps an epoch
    with pytest.raises(ValueError, match="must be positive"):
        folder_recipe(32, 0)


def test_evaluate_images_without_inception_weights_is_a_clear_error(
    trained, folder, tmp_path, monkeypatch, capsys
):
    """Offline and nothing cached: one clear message, no stack trace, and it
    fails before generating or reading anything."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    calls = []

    def no_internet(*args, **kwargs):
        calls.append(args)
        raise Exception("URL fetch failure on https://...: None -- [Errno -3]")

    monkeypatch.setattr(keras.utils, "get_file", no_internet)
    model = str(trained[0] / "model.keras")
    assert cli.main(["evaluate", model, "--images", str(folder)]) == 2
    err = capsys.readouterr().err
    cache = tmp_path / "keras_home" / "models"
    assert err.startswith("error: Inception features need InceptionV3's")
    assert str(cache) in err and evaluator.INCEPTION_WEIGHTS_FILE in err
    assert "could not be fetched (Exception: URL fetch failure" in err
    assert "copy ~/.keras/models/" in err and "Traceback" not in err
    assert len(calls) == 1  # one try, with Keras's own downloader

    with pytest.raises(evaluator.InceptionWeightsError, match="could not be fetched"):
        ganlab.evaluate(np.zeros((4, 16, 16, 3)), np.zeros((4, 16, 16, 3)), n=4,
                        features="inception")  # fmt: skip
    assert len(calls) == 2


def test_evaluate_images_scores_on_the_model_size_kid_first(
    trained, folder, tmp_path, monkeypatch, capsys
):
    """The plumbing, with a cheap stand-in for InceptionV3's features."""
    from ganlab.evaluation import report as evaluation

    seen = []

    def features(images):
        seen.append(images.shape)
        return np.asarray(images, np.float32).reshape(len(images), -1)[:, :64]

    monkeypatch.setattr(evaluation, "inception_weights_path", lambda: "cached")
    monkeypatch.setattr(evaluation, "inception_features", features)
    monkeypatch.setattr(evaluator, "inception_weights_path", lambda: "cached")
    out = tmp_path / "scores.json"
    argv = ["evaluate", str(trained[0] / "model.keras"), "--images", str(folder)]
    with pytest.warns(UserWarning, match="Skipped 1"):
        assert cli.main([*argv, "--n", "500", "--json", str(out)]) == 0
    assert seen == [(N_GOOD, 16, 16, 3)] * 2  # the folder at the model's size
    printed = capsys.readouterr().out
    report = printed[printed.index("Sample quality") :].splitlines()
    assert report[0].startswith(f"Sample quality: {N_GOOD} generated vs {N_GOOD} real")
    assert report[1].lstrip().startswith("KID")  # first: unbiased at small n
    assert "Inception Score" not in "\n".join(report)
    assert json.loads(out.read_text())["n_real"] == N_GOOD


def test_cached_inception_weights_are_used_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    cached = tmp_path / "models" / evaluator.INCEPTION_WEIGHTS_FILE
    cached.parent.mkdir()
    cached.write_bytes(b"stand-in")
    monkeypatch.setattr(keras.utils, "get_file", pytest.fail)
    assert evaluator.inception_weights_path() == cached
    cached.unlink()
    with pytest.raises(evaluator.InceptionWeightsError, match="download=False"):
        evaluator.inception_weights_path(download=False)
