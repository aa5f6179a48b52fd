"""ganlab.evaluation.report: evaluate(), format_report() and QualityMonitor."""

import json
import math

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan

import ganlab
from ganlab.evaluation.report import (
    LOGGED_KEYS,
    QualityMonitor,
    evaluate,
    format_report,
)

SMALL = {"kid_subsets": 10, "kid_subset_size": 200}


@pytest.fixture(scope="module")
def real_vs_real(mnist):
    (x_train, _), (x_test, _) = mnist
    return evaluate(x_train[:1000], x_test, n=1000, **SMALL)


def test_real_images_score_like_a_perfect_generator(real_vs_real):
    r = real_vs_real
    assert r["n_generated"] == r["n_real"] == 1000
    assert r["is_mean"] > 9.0
    assert r["fid"] < 5.0
    # KID of noise images is about 100 on these features; real vs real is 0
    # up to sampling noise (std over subsets of 200 about 0.04).
    assert abs(r["kid_mean"]) < 0.1
    assert r["precision"] > 0.6 and r["recall"] > 0.6
    assert 0.7 < r["density"] < 1.3 and r["coverage"] > 0.8
    assert r["classes_present"] == 10 and r["class_kl"] < 0.02


def test_noise_scores_far_worse_than_real_images(mnist, real_vs_real):
    _, (x_test, _) = mnist
    noise = np.random.default_rng(0).uniform(-1, 1, (1000, 28, 28, 1))
    r = evaluate(noise, x_test, n=1000, **SMALL)
    assert r["fid"] > 20 * real_vs_real["fid"]
    assert r["kid_mean"] > 20 * abs(real_vs_real["kid_mean"])
    assert r["coverage"] < 0.1


def test_results_are_flat_and_json_serializable(real_vs_real):
    decoded = json.loads(json.dumps(real_vs_real))
    assert decoded == real_vs_real
    assert len(decoded["class_histogram"]) == 10
    assert all(
        isinstance(v, (int, float))
        for k, v in decoded.items()
        if k != "class_histogram"
    )


def test_format_report_lists_every_metric(real_vs_real):
    report = format_report(real_vs_real)
    for label in ("Inception Score", "Frechet", "KID", "Precision", "Recall"):
        assert label in report
    assert "Density" in report and "Coverage" in report
    assert "10 / 10" in report and "1000 generated vs 1000 real" in report


def test_format_report_shows_no_spread_when_none_was_measured(real_vs_real):
    # One IS split, or KID on no more samples than its subset size, gives a
    # std of 0: "± 0" would claim a certainty that was never measured.
    one = dict(real_vs_real, is_std=0.0, kid_std=0.0)
    lines = format_report(one).splitlines()
    kid = next(line for line in lines if "KID" in line)
    score = next(line for line in lines if "Inception Score" in line)
    assert "±" not in kid and "±" not in score
    spread = format_report(dict(real_vs_real, kid_std=0.002)).splitlines()
    assert "± 0.002" in next(line for line in spread if "KID" in line)


class FakeGenerator:
    """Any object with generate(n, seed) works; records what it was asked."""

    def __init__(self, images):
        self.images, self.calls = images, []

    def generate(self, n, seed=None):
        self.calls.append((n, seed))
        return self.images[:n]


def test_evaluate_accepts_an_object_with_generate(mnist):
    (x_train, _), (x_test, _) = mnist
    gen = FakeGenerator((x_train[:300, ..., None] / 127.5 - 1).astype(np.float32))
    r = evaluate(gen, x_test, n=300, seed=3, **SMALL)
    assert gen.calls == [(300, 3)]
    assert r["n_generated"] == 300 and r["fid"] < 20


def test_evaluate_with_a_custom_feature_function_skips_class_metrics(mnist):
    (x_train, _), (x_test, _) = mnist

    def flat(images):
        return np.asarray(images, np.float32).reshape(len(images), -1)[:, ::8]

    r = evaluate(x_train[:200], x_test, n=200, features=flat, **SMALL)
    assert "is_mean" not in r and "class_histogram" not in r
    assert {"fid", "kid_mean", "precision", "coverage"} <= set(r)
    assert "Inception Score" not in format_report(r)


def test_evaluate_rejects_bad_arguments(mnist):
    _, (x_test, _) = mnist
    with pytest.raises(ValueError, match="generate"):
        evaluate(np.zeros((10, 784)), x_test, n=10)
    with pytest.raises(ValueError, match="features"):
        evaluate(x_test[:10], x_test, n=10, features="vgg")
    with pytest.raises(ValueError, match="inception"):
        evaluate(np.zeros((20, 32, 32, 3)), x_test, n=20)


def test_evaluate_a_real_ganlab_gan(mnist):
    _, (x_test, _) = mnist
    gan = ganlab.build_dcgan(latent_dim=8, width=4, seed=0)
    r = evaluate(gan, x_test, n=200, **SMALL)
    assert r["n_generated"] == 200 and math.isfinite(r["fid"])


class NoiseModel(keras.Model):
    """A trainable stand-in for a GAN: generate() maps fixed noise to images."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(28 * 28, activation="tanh")

    def call(self, z):
        return keras.ops.reshape(self.dense(z), (-1, 28, 28, 1))

    def generate(self, n, seed=None):
        z = np.random.default_rng(seed).normal(size=(n, 4)).astype(np.float32)
        return np.asarray(self(z))

    def train_step(self, data):
        return {"loss": 0.0}


def fit_noise_model(x_test, callbacks, epochs=3):
    model = NoiseModel()
    model.compile()
    return model.fit(
        np.zeros((8, 4), np.float32),
        epochs=epochs,
        batch_size=8,
        verbose=0,
        callbacks=callbacks,
    )


def test_quality_monitor_logs_every_n_epochs_into_history(mnist):
    _, (x_test, _) = mnist
    monitor = QualityMonitor(x_test, every=2, n=200, **SMALL)
    history = fit_noise_model(x_test, [monitor], epochs=3)
    assert [rec["epoch"] for rec in monitor.records] == [1, 2]  # every 2 + last
    for key in LOGGED_KEYS:
        values = history.history[key]
        assert len(values) == 3 and math.isnan(values[0])
        assert math.isfinite(values[1]) and math.isfinite(values[2])
    assert history.history["fid"][1] == pytest.approx(monitor.records[0]["fid"])


def test_quality_monitor_numbers_reach_tensorboard(mnist, tmp_path):
    pytest.importorskip("tensorboard")
    _, (x_test, _) = mnist
    monitor = QualityMonitor(x_test, n=200, **SMALL)
    board = keras.callbacks.TensorBoard(log_dir=str(tmp_path))
    fit_noise_model(x_test, [monitor, board], epochs=1)
    assert set(LOGGED_KEYS) <= _tensorboard_tags(tmp_path)


def _tensorboard_tags(log_dir):
    import tensorflow as tf

    tags = set()
    for path in log_dir.rglob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            tags |= {v.tag.removeprefix("epoch_") for v in event.summary.value}
    return tags


def test_quality_monitor_rejects_bad_every(mnist):
    _, (x_test, _) = mnist
    with pytest.raises(ValueError, match="every"):
        QualityMonitor(x_test, every=0)


def test_quality_monitor_during_a_real_gan_fit(mnist, tiny_gan, tiny_images):
    _, (x_test, _) = mnist
    monitor = QualityMonitor(x_test, every=1, n=200, prefix="q_", **SMALL)
    history = tiny_gan.fit(
        tiny_images, epochs=1, batch_size=64, verbose=0, callbacks=[monitor]
    )
    assert len(monitor.records) == 1
    assert history.history["q_fid"] == [pytest.approx(monitor.records[0]["fid"])]


@pytest.mark.parametrize("kind", ["plain", "conditional", "self_conditioned"])
def test_every_kind_of_gan_works_with_the_tools(kind, mnist, tmp_path):
    """GANMonitor, QualityMonitor, evaluate and the sampling contract on an
    unconditional, a conditional and a self-conditioned (label_prior="data")
    GAN: none of them may need to know which it is."""
    (x_train, y_train), (x_test, _) = mnist
    x, y = x_train[:64], y_train[:64]
    options = {
        "plain": {},
        "conditional": {"num_classes": 10},
        "self_conditioned": {
            "num_classes": 4,
            "label_prior": "data",
            "d_kwargs": {"projection": True, "tile_label": False},
        },
    }[kind]
    gan = make_tiny_gan(**options)
    if kind == "conditional":
        labels = y
    elif kind == "self_conditioned":
        labels = ganlab.pixel_clusters(x, 4, seed=0)
    else:
        labels = None
    images_dir = tmp_path / "grids"
    monitor = ganlab.GANMonitor(images_dir, n=4, scale=1)
    quality = QualityMonitor(x_test, every=1, n=100, prefix="q_", **SMALL)
    history = gan.fit(
        x, labels, epochs=1, batch_size=32, verbose=0, callbacks=[monitor, quality]
    )
    assert (images_dir / "epoch_001.png").exists()
    assert (images_dir / "progress.gif").exists()
    assert math.isfinite(history.history["q_fid"][0])
    if kind == "self_conditioned":
        counts = np.bincount(labels, minlength=4)
        np.testing.assert_allclose(gan.label_prior, counts / counts.sum())
    r = evaluate(gan, x_test, n=100, seed=0, **SMALL)
    assert r["n_generated"] == 100 and math.isfinite(r["fid"])
    # The sampling contract.
    a = gan.generate(6, seed=1)
    assert a.shape == (6, 28, 28, 1) and a.dtype == np.float32
    assert np.all(np.abs(a) <= 1)
    np.testing.assert_array_equal(a, gan.generate(6, seed=1))
    z = np.random.default_rng(1).standard_normal((6, 8)).astype("float32")
    inputs = z
    if gan.num_classes:
        drawn = gan.sample_labels(6, seed=1)
        np.testing.assert_array_equal(a, gan.generate_from(z, labels=drawn))
        np.testing.assert_array_equal(a, gan.generate(6, labels=drawn, seed=1))
        inputs = [z, np.eye(gan.num_classes, dtype="float32")[drawn]]
    else:
        np.testing.assert_array_equal(a, gan.generate_from(z))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gan(inputs)), a, atol=1e-5)


def test_report_leads_with_kid_without_class_probabilities():
    """Inception or custom features: KID first (unbiased at small n); MNIST
    features: the Inception Score first, as before."""
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(60, 8))
    results = ganlab.evaluation.report.evaluate_features(feats[:30], feats[30:], seed=0)
    lines = format_report(results).splitlines()
    assert lines[1].split()[0] == "KID" and lines[2].startswith("  Frechet")
    probs = np.full((30, 10), 0.1)
    with_is = ganlab.evaluation.report.evaluate_features(feats[:30], feats[30:], probs)
    lines = format_report(with_is).splitlines()
    assert lines[1].startswith("  Inception Score") and lines[2].startswith("  Frechet")


def test_inception_without_weights_fails_before_sampling(tmp_path, monkeypatch):
    """No cached weights and no internet: InceptionWeightsError with what to
    do, raised before the (slow) sampling and feature extraction."""
    from ganlab.evaluation.features import InceptionWeightsError

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -3] Temporary failure")

    monkeypatch.setattr(keras.utils, "get_file", offline)

    class Generator:
        calls = 0

        def generate(self, n, seed=None):
            Generator.calls += 1
            return np.zeros((n, 32, 32, 3))

    with pytest.raises(InceptionWeightsError) as info:
        evaluate(Generator(), np.zeros((10, 32, 32, 3)), n=10, features="inception")
    message = str(info.value)
    assert str(tmp_path / "models") in message and "about 90 MB" in message
    assert "keras.applications.InceptionV3" in message  # how to fetch elsewhere
    assert "features='mnist'" in message
    assert Generator.calls == 0
    assert isinstance(info.value, FileNotFoundError)  # the CLI prints it, no trace
