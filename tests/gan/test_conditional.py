"""Conditional GANs: ganlab.GAN on networks that take labels. Label
handling, training, save/load, class grids and interpolation."""

import imageio.v3 as iio
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import make_tiny_cgan, weights_of

import ganlab
from ganlab.data.pipeline import check_labels
from ganlab.plotting import (
    class_grid,
    interpolate_classes,
    save_class_grid,
    save_interpolation_gif,
)

K = 10


@pytest.fixture(scope="module")
def cgan():
    return make_tiny_cgan()


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_network_shapes():
    g = ganlab.make_generator(8, num_classes=K, width=4)
    d = ganlab.make_discriminator(num_classes=K, width=4)
    z = keras.ops.zeros((3, 8))
    y = keras.ops.convert_to_tensor(np.eye(K, dtype="float32")[[0, 1, 2]])
    images = g([z, y])
    assert tuple(images.shape) == (3, 28, 28, 1)
    assert float(keras.ops.max(keras.ops.abs(images))) <= 1.0
    assert tuple(d([images, y]).shape) == (3, 1)
    # Other image shapes and class counts work too.
    g3 = ganlab.make_generator(4, image_shape=(32, 32, 3), num_classes=3, width=4)
    assert g3.output_shape == (None, 32, 32, 3)
    gan = ganlab.GAN(g, d)
    assert gan.num_classes == K and gan.latent_dim == 8


def test_projection_discriminator_uses_the_label(tmp_path, tiny_images, labels):
    d = ganlab.make_discriminator(num_classes=K, width=4, dropout=0, projection=True)
    x = keras.ops.convert_to_tensor(
        (tiny_images[:2, ..., None] / 127.5 - 1).astype("float32")
    )
    y3 = keras.ops.convert_to_tensor(np.eye(K, dtype="float32")[[3, 3]])
    y7 = keras.ops.convert_to_tensor(np.eye(K, dtype="float32")[[7, 7]])
    assert d.output_shape == (None, 1)
    # The projection term <embed(y), features(x)> makes the logit label-dependent.
    assert not np.allclose(_np(d([x, y3])), _np(d([x, y7])))
    cgan = ganlab.GAN(ganlab.make_generator(8, num_classes=K, width=4), d)
    cgan.compile()
    cgan.fit(tiny_images, labels, epochs=1, batch_size=128, verbose=0)
    cgan.save(tmp_path / "p.keras")
    loaded = keras.models.load_model(tmp_path / "p.keras")
    np.testing.assert_array_equal(
        loaded.generate(2, labels=[1, 2], seed=0),
        cgan.generate(2, labels=[1, 2], seed=0),
    )
    np.testing.assert_allclose(
        _np(loaded.discriminator([x, y7])), _np(cgan.discriminator([x, y7])), atol=1e-6
    )
    np.testing.assert_allclose(
        loaded.discriminate(tiny_images[:2], labels=[7, 7]),
        _np(cgan.discriminator([x, y7], training=False)).reshape(-1),
        atol=1e-5,
    )


def test_label_changes_the_image_and_the_logit():
    g = ganlab.make_generator(8, num_classes=K, width=4)
    d = ganlab.make_discriminator(num_classes=K, width=4, dropout=0)
    z = np.random.default_rng(0).normal(size=(1, 8)).astype("float32")
    a = _np(g([z, np.eye(K, dtype="float32")[[3]]]))
    b = _np(g([z, np.eye(K, dtype="float32")[[7]]]))
    assert not np.allclose(a, b)
    la = _np(d([a, np.eye(K, dtype="float32")[[3]]]))
    lb = _np(d([a, np.eye(K, dtype="float32")[[7]]]))
    assert not np.allclose(la, lb)


def test_check_labels_int_and_one_hot():
    one_hot = check_labels([2, 0, 9], K)
    assert one_hot.shape == (3, K) and one_hot.dtype == np.float32
    np.testing.assert_array_equal(one_hot.argmax(1), [2, 0, 9])
    np.testing.assert_array_equal(check_labels(one_hot, K), one_hot)
    np.testing.assert_array_equal(check_labels(np.array([2.0, 0.0, 9.0]), K), one_hot)


@pytest.mark.parametrize(
    "bad, match",
    [
        (None, "pass class labels"),
        ([0, 10, 3], r"must lie in \[0, 10\)"),
        ([-1, 2], r"must lie in \[0, 10\)"),
        (np.zeros((4, 3)), r"shape \(N,\) .* or \(N, 10\)"),
        (np.zeros((4, 10, 1)), r"shape \(N,\) .* or \(N, 10\)"),
        (np.zeros((2, 10)), "sum to 1"),
        ([0.5, 1.0], "integer class ids"),
        (np.array(["a", "b"]), "must be numbers"),
    ],
)
def test_check_labels_rejects_bad_labels(bad, match):
    with pytest.raises(ValueError, match=match):
        check_labels(bad, K)


def test_fit_with_int_and_one_hot_labels(tiny_images, labels):
    cgan = make_tiny_cgan()
    h = cgan.fit(tiny_images, labels, epochs=1, batch_size=64, verbose=0)
    assert set(h.history) == {
        "d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm", "loss"
    }  # fmt: skip
    assert np.isfinite(h.history["loss"][0])
    one_hot = np.eye(K, dtype="float32")[labels]
    cgan.fit((tiny_images, one_hot), epochs=1, batch_size=64, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((tiny_images, labels))
    cgan.fit(ds.batch(64), epochs=1, verbose=0)
    cgan.fit(ds, batch_size=64, epochs=1, verbose=0)  # unbatched
    assert _np(cgan.g_optimizer.iterations) == 4 * 4


@pytest.mark.parametrize(
    "y, match",
    [
        (None, "pass class labels"),
        ("range", r"must lie in \[0, 10\)"),
        ("shape", r"shape \(N,\) .* or \(N, 10\)"),
        ("count", "Got 100 labels for 256 images"),
    ],
)
def test_fit_rejects_bad_labels(cgan, tiny_images, labels, y, match):
    bad = {
        "range": labels + 1,
        "shape": labels.reshape(128, 2),
        "count": labels[:100],
    }.get(y)
    with pytest.raises(ValueError, match=match):
        cgan.fit(tiny_images, bad, epochs=1, verbose=0)


def test_fit_rejects_datasets_without_or_with_bad_labels(cgan, tiny_images, labels):
    with pytest.raises(ValueError, match=r"must yield \(images, labels\)"):
        cgan.fit(tf.data.Dataset.from_tensor_slices(tiny_images).batch(64), verbose=0)
    bad = tf.data.Dataset.from_tensor_slices((tiny_images, labels + 5)).batch(64)
    with pytest.raises(Exception, match="class id out of range"):
        cgan.fit(bad, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="must lie in"):
        cgan.fit(tiny_images.astype("float32") * 2, labels, verbose=0)  # [0, 510]


def test_pack_works_with_labels(tiny_images, labels):
    # ganlab 0.1 refused pack for conditional GANs; now D takes m labels too.
    with pytest.raises(ValueError, match=r"make_discriminator\(\.\.\., pack=2\)"):
        make_tiny_cgan().compile(pack=2)
    cgan = make_tiny_cgan(pack=2, d_kwargs={"pack": 2})
    assert cgan.discriminator.input_shape[1] == (None, 2 * K)
    h = cgan.fit(tiny_images[:64], labels[:64], epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    with pytest.raises(ValueError, match="judges packs"):
        cgan.discriminate(tiny_images[:2], labels=[0, 1])


def test_mismatched_networks_raise():
    g = ganlab.make_generator(8, num_classes=K, width=4)
    with pytest.raises(ValueError, match="same num_classes"):
        ganlab.GAN(g, ganlab.make_discriminator(num_classes=3, width=4))
    with pytest.raises(ValueError, match=r"both networks take labels.*neither"):
        ganlab.GAN(g, ganlab.make_discriminator(width=4))
    d = ganlab.make_discriminator(num_classes=K, width=4)
    with pytest.raises(ValueError, match=r"label_prior must have shape \(10,\)"):
        ganlab.GAN(g, d, label_prior=[0.5, 0.5])
    with pytest.raises(ValueError, match="summing to 1"):
        ganlab.GAN(g, d, label_prior=np.full(K, 0.5))
    with pytest.raises(ValueError, match="label_prior must be None"):
        ganlab.GAN(g, d, label_prior="uniform")


def test_generate_requested_labels_and_seed(cgan):
    a = cgan.generate(3, labels=[3, 3, 8], seed=4)
    assert a.shape == (3, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= -1 and a.max() <= 1
    np.testing.assert_array_equal(a, cgan.generate(3, labels=[3, 3, 8], seed=4))
    # Same seed, other labels: other images (the label enters the generator).
    assert not np.allclose(a, cgan.generate(3, labels=[5, 5, 1], seed=4))
    np.testing.assert_array_equal(
        a, cgan.generate(3, labels=np.eye(K)[[3, 3, 8]], seed=4)
    )
    assert cgan.generate(0).shape == (0, 28, 28, 1)
    # Unrequested labels: every class equally often, image i gets class i mod K.
    np.testing.assert_array_equal(cgan.sample_labels(12), [*range(10), 0, 1])
    z = np.random.default_rng(5).standard_normal((12, 8)).astype("float32")
    np.testing.assert_array_equal(
        cgan.generate(12, seed=5), cgan.generate_from(z, labels=np.arange(12) % K)
    )
    np.testing.assert_array_equal(cgan.generate_from(z), cgan.generate(12, seed=5))
    with pytest.raises(ValueError, match="must lie in"):
        cgan.generate(1, labels=[11])
    with pytest.raises(ValueError, match="Got 2 labels for 3 images"):
        cgan.generate(3, labels=[1, 2])
    with pytest.raises(ValueError, match="pass the labels as generate"):
        cgan.generate([1, 2])
    z = np.zeros((2, 8), "float32")
    assert tuple(cgan([z, np.eye(K, dtype="float32")[:2]]).shape) == (2, 28, 28, 1)


def test_label_prior_draws_the_labels_of_generate():
    prior = np.array([0.7, 0.2, 0.1] + [0.0] * 7)
    cgan = make_tiny_cgan(label_prior=prior)
    drawn = cgan.sample_labels(20000, seed=0)
    np.testing.assert_allclose(
        np.bincount(drawn, minlength=K) / 20000, prior, atol=0.01
    )
    np.testing.assert_array_equal(
        cgan.sample_labels(50, seed=1), cgan.sample_labels(50, seed=1)
    )
    z = np.random.default_rng(2).standard_normal((6, 8)).astype("float32")
    np.testing.assert_array_equal(
        cgan.generate(6, seed=2),
        cgan.generate_from(z, labels=cgan.sample_labels(6, seed=2)),
    )


def test_save_load_roundtrip_and_resume(tmp_path, tiny_images, labels):
    cgan = make_tiny_cgan(
        g_optimizer=keras.optimizers.RMSprop(5e-4), d_steps=2, simultaneous=False
    )
    cgan.fit(tiny_images, labels, epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "cgan.keras"
    cgan.save(path)
    loaded = keras.models.load_model(path)

    assert isinstance(loaded, ganlab.GAN)
    assert loaded.num_classes == K and loaded.latent_dim == 8 and loaded.d_steps == 2
    want = [0, 4, 9, 9]
    np.testing.assert_array_equal(
        loaded.generate(4, labels=want, seed=3), cgan.generate(4, labels=want, seed=3)
    )
    assert isinstance(loaded.g_optimizer, keras.optimizers.RMSprop)
    for name in ("d_optimizer", "g_optimizer"):
        saved, restored = getattr(cgan, name), getattr(loaded, name)
        assert _np(restored.iterations) == _np(saved.iterations) > 0
        for a, b in zip(weights_of(saved.variables), weights_of(restored.variables)):
            np.testing.assert_array_equal(a, b)
    loaded.fit(tiny_images, labels, epochs=1, batch_size=64, verbose=0)
    assert _np(loaded.g_optimizer.iterations) == 8


def test_simultaneous_update_trains(tiny_images, labels):
    cgan = make_tiny_cgan(simultaneous=True)
    before = weights_of(cgan.generator.trainable_weights)
    cgan.fit(tiny_images, labels, epochs=1, batch_size=64, verbose=0)
    after = weights_of(cgan.generator.trainable_weights)
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    assert _np(cgan.d_optimizer.iterations) == 4


def test_class_grid_is_one_row_per_class(cgan, tmp_path):
    n = 3
    grid = class_grid(cgan, n_per_class=n, seed=5)
    assert grid.shape == (K * n, 28, 28, 1)
    z = np.random.default_rng(5).standard_normal((n, 8)).astype("float32")
    for k in (0, 7):
        row = cgan.generate_from(z, labels=np.full(n, k))
        np.testing.assert_allclose(grid[k * n : (k + 1) * n], row, atol=1e-6)
    picture = save_class_grid(cgan, tmp_path / "grid.png", n_per_class=n, scale=1)
    assert iio.imread(tmp_path / "grid.png").shape == picture.shape[:2]
    assert picture.shape[:2] == (K * 30 + 2, n * 30 + 2)


def test_interpolation_between_two_classes(cgan, tmp_path):
    path = interpolate_classes(cgan, 1, 7, steps=5, seed=2)
    assert path.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(
        path[0], cgan.generate(1, labels=[1], seed=2)[0], atol=1e-6
    )
    np.testing.assert_allclose(
        path[-1], cgan.generate(1, labels=[7], seed=2)[0], atol=1e-6
    )
    frames = save_interpolation_gif(
        cgan, tmp_path / "interp.gif", 1, 7, steps=5, n=3, scale=1
    )
    gif = iio.imread(tmp_path / "interp.gif", index=None)
    assert len(gif) == 5 + 3  # forward, then back without repeating the ends
    assert frames.shape[0] == 5 and gif.shape[1:3] == frames.shape[1:3]
    with pytest.raises(ValueError, match="must lie in"):
        interpolate_classes(cgan, 1, 12)


def test_class_grid_monitor_writes_grids_and_gif(tmp_path, tiny_images, labels):
    cgan = make_tiny_cgan()
    monitor = ganlab.ClassGridMonitor(tmp_path, n_per_class=2, scale=1)
    cgan.fit(tiny_images, labels, epochs=2, batch_size=128, callbacks=[monitor])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"epoch_001.png", "epoch_002.png", "progress.gif"} <= names
    assert iio.imread(tmp_path / "epoch_002.png").shape == (K * 30 + 2, 2 * 30 + 2)


def test_ema_generator_draws_the_conditional_samples(tmp_path, tiny_images, labels):
    cgan = make_tiny_cgan(ema=0.9)
    cgan.fit(tiny_images, labels, epochs=1, batch_size=64, verbose=0)
    z = np.random.default_rng(0).normal(size=(K, 8)).astype("float32")
    y = np.eye(K, dtype="float32")
    expected = cgan.ema_generator.predict([z, y], verbose=0)
    np.testing.assert_allclose(
        cgan.generate_from(z, labels=np.arange(K)), expected, atol=1e-6
    )
    assert not np.allclose(expected, cgan.generator.predict([z, y], verbose=0))
    cgan.save(tmp_path / "cgan.keras")
    loaded = keras.models.load_model(tmp_path / "cgan.keras")
    np.testing.assert_array_equal(
        loaded.generate(K, labels=np.arange(K), seed=2),
        cgan.generate(K, labels=np.arange(K), seed=2),
    )
