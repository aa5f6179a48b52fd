"""Pix2Pix, CycleGAN, their networks, losses and metrics, on every backend.

Run with KERAS_BACKEND=tensorflow, jax or torch. The train-step tests share
module-scoped tiny models (16×16 images, width 4): on JAX every new model
compiles its step again, which is what costs time here.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from ganlab.gan.losses import cycle_consistency_loss, identity_loss, l1_loss
from ganlab.nets.translation import patchgan_receptive_field
from ganlab.translation.metrics import (
    class_preserved,
    l1_error,
    l2_error,
    ssim,
    translation_scores,
)
from ganlab.translation.pix2pix import (
    CycleGAN,
    Pix2Pix,
    TranslationMonitor,
    make_patchgan_discriminator,
    make_unet_generator,
)

pytestmark = pytest.mark.backends  # the models run on every backend

SHAPE = (16, 16, 1)
RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (16, *SHAPE), dtype=np.uint8)
Y = RNG.integers(0, 256, (16, *SHAPE), dtype=np.uint8)


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _changed(before, model):
    return any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


# ------------------------------------------------------------- networks --
@pytest.mark.parametrize(
    "shape, levels", [((28, 28, 1), 2), ((32, 32, 3), 3), ((64, 64, 3), 4)]
)
def test_unet_shapes_range_and_skips(shape, levels):
    g = make_unet_generator(shape, width=4)
    x = RNG.uniform(-1, 1, (2, *shape)).astype("float32")
    y = g.predict(x, verbose=0)  # one compiled call (eager JAX compiles per op)
    assert y.shape == (2, *shape)
    assert np.all(np.abs(y) <= 1.0) and y.std() > 0
    concats = [
        layer for layer in g.layers if isinstance(layer, keras.layers.Concatenate)
    ]
    assert len(concats) == levels - 1  # one skip per inner resolution
    strided = [layer for layer in g.layers if getattr(layer, "strides", None) == (2, 2)]
    assert len(strided) == 2 * levels  # down and up


def test_unet_out_channels_and_instance_norm():
    g = make_unet_generator(
        (16, 16, 1), out_channels=3, width=4, norm="instance", dropout=0.0
    )
    assert g.output_shape == (None, 16, 16, 3)
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in g.layers)
    assert not any(isinstance(la, keras.layers.BatchNormalization) for la in g.layers)
    # Instance norm: an image's output does not depend on its batch mates.
    x = RNG.uniform(-1, 1, (3, 16, 16, 1)).astype("float32")
    np.testing.assert_allclose(
        _np(g(x[:1], training=True)), _np(g(x, training=True))[:1], atol=1e-5
    )


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_patchgan_conditioned_and_not(shape):
    plain = make_patchgan_discriminator(shape, width=4)
    cond = make_patchgan_discriminator(shape, condition_shape=shape[:2] + (2,), width=4)
    side = 7 if shape[0] == 28 else shape[0] // 8
    assert plain.output_shape == cond.output_shape == (None, side, side, 1)
    assert len(cond.inputs) == 2 and not isinstance(plain.input_shape, list)
    x = RNG.uniform(-1, 1, (2, *shape)).astype("float32")
    c = RNG.uniform(-1, 1, (2, *shape[:2], 2)).astype("float32")
    out = cond.predict([np.concatenate([c, -c]), np.concatenate([x, x])], verbose=0)
    assert out.shape == (4, side, side, 1)
    # The condition matters: another condition, other logits.
    assert not np.allclose(out[:2], out[2:])


def test_patchgan_receptive_field_is_the_papers():
    assert [patchgan_receptive_field(n) for n in (1, 2, 3)] == [16, 34, 70]


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: make_unet_generator((27, 27, 1)), "even"),
        (lambda: make_unet_generator((28, 28)), "channels"),
        (lambda: make_unet_generator((28, 28, 1), depth=3), "depth"),
        (lambda: make_unet_generator((28, 28, 1), norm="layer"), "norm"),
        (lambda: make_patchgan_discriminator((32, 32, 3), n_layers=4), "n_layers"),
        (
            lambda: make_patchgan_discriminator(
                (32, 32, 3), condition_shape=(16, 16, 3)
            ),
            "height and width",
        ),
    ],
)
def test_builder_errors(build, match):
    with pytest.raises(ValueError, match=match):
        build()


# --------------------------------------------------------------- losses --
def test_l1_loss_by_hand():
    target = np.zeros((2, 2, 2, 1), "float32")
    output = np.array([[1, -1, 0.5, 0], [0.25, 0.25, 0.25, 0.25]], "float32")
    np.testing.assert_allclose(
        _np(l1_loss(target, output.reshape(2, 2, 2, 1))), [0.625, 0.25]
    )


def test_cycle_and_identity_losses_by_hand():
    a = np.full((2, 2, 2, 1), 0.5, "float32")
    b = np.full((2, 2, 2, 3), -1.0, "float32")
    a_back = a - np.array([0.1, 0.3], "float32").reshape(2, 1, 1, 1)
    b_back = b + 2.0  # all 1: error 2 everywhere
    np.testing.assert_allclose(
        _np(cycle_consistency_loss(a, a_back, b, b_back)), [2.1, 2.3]
    )
    np.testing.assert_allclose(_np(identity_loss(a, a, b, b)), [0.0, 0.0])
    np.testing.assert_allclose(_np(identity_loss(a, -a, b, b_back)), [3.0, 3.0])


# -------------------------------------------------------------- metrics --
def test_l1_l2_closed_form():
    out = np.zeros((2, 4, 4, 1), "float32")
    target = np.stack([np.full((4, 4, 1), 0.5), np.full((4, 4, 1), -1.0)])
    np.testing.assert_allclose(l1_error(out, target), [0.5, 1.0])
    np.testing.assert_allclose(l2_error(out, target), [0.25, 1.0])
    # uint8 is mapped to [-1, 1]: 0 → -1, 255 → 1.
    np.testing.assert_allclose(
        l1_error(np.zeros((1, 4, 4), np.uint8), np.full((1, 4, 4), 255, np.uint8)),
        [2.0],
    )


def test_ssim_is_one_on_itself_and_matches_skimage():
    from skimage.metrics import structural_similarity

    gray = RNG.uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    noisy = np.clip(gray + RNG.normal(0, 0.3, gray.shape), -1, 1).astype("float32")
    np.testing.assert_allclose(ssim(gray, gray), 1.0)
    expected = [
        structural_similarity(a[..., 0], b[..., 0], data_range=2.0)
        for a, b in zip(noisy, gray)
    ]
    np.testing.assert_allclose(ssim(noisy, gray), expected, rtol=1e-6)
    assert np.all(ssim(noisy, gray) < 0.9)
    colour = RNG.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    other = np.clip(colour + 0.2, -1, 1)
    expected = [
        structural_similarity(a, b, data_range=2.0, channel_axis=-1)
        for a, b in zip(other, colour)
    ]
    np.testing.assert_allclose(ssim(other, colour), expected, rtol=1e-6)


def test_metric_errors():
    with pytest.raises(ValueError, match="same shape"):
        l1_error(np.zeros((2, 4, 4, 1)), np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        ssim(np.full((1, 8, 8, 1), 300.0), np.zeros((1, 8, 8, 1)))


def test_class_preserved_on_mnist(mnist):
    from ganlab.evaluation.features import classifier_probabilities

    _, (x_test, y_test) = mnist
    x, labels = x_test[:200], y_test[:200]
    predicted = classifier_probabilities(x).argmax(axis=1)
    assert class_preserved(x, x, labels) == pytest.approx(np.mean(predicted == labels))
    assert class_preserved(x, x, labels) > 0.95
    # Without labels the input's own reading is the reference.
    assert class_preserved(x, x) == 1.0
    blank = np.zeros_like(x)
    assert class_preserved(x, blank, labels) < 0.3
    scores = translation_scores(x, x, labels=labels)
    assert scores["l1"] == 0 and scores["ssim"] == pytest.approx(1.0)


# -------------------------------------------------------------- Pix2Pix --
def _pix2pix(seed=1, **compile_kwargs):
    keras.utils.set_random_seed(seed)
    g = make_unet_generator(SHAPE, width=4)
    d = make_patchgan_discriminator(SHAPE, condition_shape=SHAPE, width=4)
    model = Pix2Pix(g, d, seed=seed)
    model.compile(**compile_kwargs)
    return model


@pytest.fixture(scope="module")
def pix2pix():
    return _pix2pix()


def test_pix2pix_step_updates_both_networks(pix2pix):
    g0, d0 = _weights(pix2pix.generator), _weights(pix2pix.discriminator)
    history = pix2pix.fit((X, Y), batch_size=8, epochs=1, verbose=0)
    assert sorted(history.history) == ["d_fake", "d_loss", "d_real", "g_loss", "l1"]
    assert _changed(g0, pix2pix.generator) and _changed(d0, pix2pix.discriminator)
    assert int(_np(pix2pix.d_optimizer.iterations)) == 2
    assert int(_np(pix2pix.g_optimizer.iterations)) == 2
    logs = {k: v[-1] for k, v in history.history.items()}
    assert 0 < logs["d_real"] < 1 and 0 < logs["d_fake"] < 1
    assert 0 < logs["l1"] < 2 and np.isfinite(logs["d_loss"])


def test_pix2pix_step_matches_hand_computed_update():
    """1×1 convolutions, SGD: the whole step in closed form with NumPy."""
    inp = keras.Input((4, 4, 1))
    g = keras.Model(inp, keras.layers.Conv2D(1, 1, activation="tanh")(inp))
    cond, img = keras.Input((4, 4, 1)), keras.Input((4, 4, 1))
    pair = keras.layers.Concatenate()([cond, img])
    d = keras.Model([cond, img], keras.layers.Conv2D(1, 1)(pair))
    a, c, w, b = 0.7, 0.1, np.array([0.5, -0.8]), 0.2
    g.set_weights([np.full((1, 1, 1, 1), a), np.array([c])])
    d.set_weights([w.reshape(1, 1, 2, 1), np.array([b])])
    model = Pix2Pix(g, d)
    lr_d, lr_g, lam = 0.5, 0.3, 2.0
    model.compile(
        keras.optimizers.SGD(lr_d),
        g_optimizer=keras.optimizers.SGD(lr_g),
        l1_weight=lam,
    )
    x = RNG.uniform(-1, 1, (2, 4, 4, 1)).astype("float32")
    y = RNG.uniform(-1, 1, (2, 4, 4, 1)).astype("float32")
    logs = model.fit((x, y), batch_size=2, shuffle=False, verbose=0).history

    def sigmoid(t):
        return 1 / (1 + np.exp(-t))

    x, y, n = x.astype(np.float64), y.astype(np.float64), x.size
    fake = np.tanh(a * x + c)
    # D: 0.5 (BCE(real, 1) + BCE(fake, 0)), mean over patches and batch.
    l_real, l_fake = w[0] * x + w[1] * y + b, w[0] * x + w[1] * fake + b
    d_loss = 0.5 * np.mean(np.logaddexp(0, -l_real) + np.logaddexp(0, l_fake))
    g_real, g_fake = 0.5 * (sigmoid(l_real) - 1) / n, 0.5 * sigmoid(l_fake) / n
    grad_w = [np.sum((g_real + g_fake) * x), np.sum(g_real * y + g_fake * fake)]
    w2 = w - lr_d * np.array(grad_w)
    b2 = b - lr_d * np.sum(g_real + g_fake)
    # G through the updated D: -log D(x, G(x)) + λ |y - G(x)|.
    l_new = w2[0] * x + w2[1] * fake + b2
    d_out = (-(1 - sigmoid(l_new)) * w2[1] + lam * np.sign(fake - y)) / n
    d_pre = d_out * (1 - fake**2)
    a2, c2 = a - lr_g * np.sum(d_pre * x), c - lr_g * np.sum(d_pre)

    dk, db = d.get_weights()
    gk, gb = g.get_weights()
    np.testing.assert_allclose(dk.ravel(), w2, rtol=1e-5)
    np.testing.assert_allclose(db, [b2], rtol=1e-5)
    np.testing.assert_allclose([gk.ravel()[0], gb[0]], [a2, c2], rtol=1e-5)
    np.testing.assert_allclose(logs["d_loss"][0], d_loss, rtol=1e-5)
    np.testing.assert_allclose(
        logs["g_loss"][0], np.mean(np.logaddexp(0, -l_new)), rtol=1e-5
    )
    np.testing.assert_allclose(logs["l1"][0], np.mean(np.abs(y - fake)), rtol=1e-5)


def test_pix2pix_fits_a_dataset_and_writes_strips(pix2pix, tmp_path):
    ds = tf.data.Dataset.from_tensor_slices((X, Y))  # unbatched uint8 pairs
    monitor = TranslationMonitor(tmp_path, inputs=X[:3], targets=Y[:3], scale=1)
    history = pix2pix.fit(ds, batch_size=8, epochs=1, verbose=0, callbacks=[monitor])
    assert np.isfinite(history.history["g_loss"][0])
    import imageio.v3 as iio

    grid = iio.imread(tmp_path / "epoch_001.png")
    assert grid.shape[:2] == (3 * 18 + 2, 3 * 18 + 2)  # 3 strips of 3 panels
    # The third column is the target, the first the input.
    np.testing.assert_array_equal(grid[2:18, 2 * 18 + 2 : 3 * 18, ...], Y[0, ..., 0])
    np.testing.assert_array_equal(grid[2:18, 2:18, ...], X[0, ..., 0])


def test_pix2pix_save_load_round_trip(pix2pix, tmp_path):
    path = tmp_path / "p2p.keras"
    pix2pix.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Pix2Pix) and loaded.l1_weight == 100.0
    np.testing.assert_array_equal(loaded.translate(X), pix2pix.translate(X))
    out = loaded.translate(X[:2])
    assert out.shape == (2, *SHAPE) and out.dtype == np.float32
    assert np.all(np.abs(out) <= 1)
    assert loaded.translate(X[:0]).shape == (0, *SHAPE)


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("simulated kill")


def test_pix2pix_resumes_with_backup_and_restore(pix2pix, tmp_path):
    backup = str(tmp_path / "backup")
    callbacks = [keras.callbacks.BackupAndRestore(backup), _Interrupt()]
    with pytest.raises(KeyboardInterrupt):
        pix2pix.fit((X, Y), batch_size=8, epochs=3, verbose=0, callbacks=callbacks)
    saved = _weights(pix2pix.generator)
    iterations = int(_np(pix2pix.g_optimizer.iterations))
    # Lose the state, as a new process would, then resume from the backup.
    pix2pix.generator.set_weights([np.zeros_like(w) for w in saved])
    pix2pix.g_optimizer.iterations.assign(0)
    seen, epochs = {}, []
    check = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.update(
            g=_weights(pix2pix.generator), it=int(_np(pix2pix.g_optimizer.iterations))
        ),
        on_epoch_begin=lambda epoch, logs: epochs.append(epoch),
    )
    pix2pix.fit(
        (X, Y), batch_size=8, epochs=3, verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(backup), check],
    )  # fmt: skip
    assert epochs == [1, 2] and seen["it"] == iterations
    for a, b in zip(saved, seen["g"]):
        np.testing.assert_array_equal(a, b)
    assert int(_np(pix2pix.g_optimizer.iterations)) == iterations + 4


def test_pix2pix_input_errors(pix2pix):
    ok = np.zeros((4, *SHAPE), "float32")
    cases = [
        ((ok, np.zeros((4, 8, 8, 1), "float32")), "targets have shape"),
        ((ok, np.full((4, *SHAPE), 300.0, "float32")), r"\[-1, 1\]"),
        ((ok[:0], ok[:0]), "empty"),
        ((ok, ok[:3]), "pairs"),
        ((np.full((4, *SHAPE), np.nan, "float32"), ok), "NaN"),
        (ok, "x=\\(inputs, targets\\)"),
        (tf.data.Dataset.from_tensor_slices(ok), "pairs"),
        (tf.data.Dataset.from_tensor_slices((ok - 3, ok)), r"\[-1, 1\]"),
    ]
    for x, match in cases:
        with pytest.raises(ValueError, match=match):
            pix2pix.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation"):
        pix2pix.fit((ok, ok), validation_data=(ok, ok))
    with pytest.raises(ValueError, match="x have shape"):
        pix2pix.translate(np.zeros((2, 28, 28, 1), "float32"))
    g, d = pix2pix.generator, pix2pix.discriminator
    with pytest.raises(ValueError, match="condition"):
        Pix2Pix(g, make_patchgan_discriminator(SHAPE, width=4))
    with pytest.raises(ValueError, match="compile"):
        Pix2Pix(g, d).fit((ok, ok))
    with pytest.raises(ValueError, match="built keras.Model"):
        Pix2Pix(g, "discriminator")


# ------------------------------------------------------------- CycleGAN --
@pytest.fixture(scope="module")
def cyclegan():
    keras.utils.set_random_seed(2)
    nets = [make_unet_generator(SHAPE, width=4, norm="instance") for _ in range(2)]
    nets += [
        make_patchgan_discriminator(SHAPE, width=4, norm="instance") for _ in range(2)
    ]
    model = CycleGAN(*nets, pool_size=8, seed=2)
    model.compile()
    return model


def test_cyclegan_step_updates_all_networks(cyclegan):
    nets = (
        cyclegan.generator_ab, cyclegan.generator_ba,
        cyclegan.discriminator_a, cyclegan.discriminator_b,
    )  # fmt: skip
    before = [_weights(net) for net in nets]
    # Unpaired sets of different sizes: 16 and 12 images, 2 steps of 6.
    history = cyclegan.fit(X, Y[:12], batch_size=6, epochs=1, verbose=0)
    assert sorted(history.history) == ["cycle", "d_loss", "g_loss", "identity"]
    assert all(_changed(w, net) for w, net in zip(before, nets))
    assert int(_np(cyclegan.g_optimizer.iterations)) == 2
    # One optimizer for both generators, one for both discriminators.
    assert len(cyclegan.g_optimizer.variables) > 2 * len(nets[0].trainable_variables)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert 0 < logs["cycle"] < 4 and 0 < logs["identity"] < 4
    # The pool filled with the 12 fakes of 2 steps (of 8 slots: full).
    assert int(_np(cyclegan.pool_count)) == 8
    assert np.all(np.abs(_np(cyclegan.pool_a)).sum(axis=(1, 2, 3)) > 0)


def test_cyclegan_fits_datasets_and_writes_strips(cyclegan, tmp_path):
    steps = int(_np(cyclegan.g_optimizer.iterations))
    a = tf.data.Dataset.from_tensor_slices(X)  # unbatched uint8
    b = tf.data.Dataset.from_tensor_slices((Y[:12], np.zeros(12)))  # labels dropped
    monitor = TranslationMonitor(tmp_path, inputs=X[:2], direction="b_to_a", scale=1)
    cyclegan.fit(a, b, batch_size=6, epochs=1, verbose=0, callbacks=[monitor])
    assert int(_np(cyclegan.g_optimizer.iterations)) == steps + 2  # 16 // 6
    import imageio.v3 as iio

    grid = iio.imread(tmp_path / "epoch_001.png")
    assert grid.shape[:2] == (2 * 18 + 2, 3 * 18 + 2)  # input | translated | back
    np.testing.assert_array_equal(grid[2:18, 2:18], X[0, ..., 0])
    back = cyclegan.translate(cyclegan.translate(X[:1], direction="b_to_a"))
    np.testing.assert_array_equal(
        grid[2:18, 2 * 18 + 2 : 3 * 18], np.round((back[0, ..., 0] + 1) * 127.5)
    )


def test_pool_returns_new_or_past_fakes(cyclegan):
    nets = (
        cyclegan.generator_ab, cyclegan.generator_ba,
        cyclegan.discriminator_a, cyclegan.discriminator_b,
    )  # fmt: skip
    model = CycleGAN(*nets, pool_size=4, seed=0)

    def batch(values):  # one constant image per value
        values = np.asarray(values, "float32").reshape(-1, 1, 1, 1)
        return values * np.ones((1, *SHAPE), "float32")

    def means(images):
        return np.round(_np(images).mean(axis=(1, 2, 3)).astype(np.float64), 4)

    first = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    out = means(model._query_pool(model.pool_a, ops.convert_to_numpy(batch(first))))
    # The first four fill the empty pool and go to D as they are; the last
    # two go as they are or swapped for one just stored.
    np.testing.assert_allclose(out[:4], first[:4])
    assert out[4] in (0.5, 0.1, 0.2, 0.3, 0.4) and out[5] in (0.6, 0.1, 0.2, 0.3, 0.4)
    stored = set(means(model.pool_a))
    assert len(stored) == 4 and stored <= set(first)
    # Full pool: about half of the fakes are swapped for stored ones.
    model.pool_count.assign(4)
    new = np.arange(1, 401) / 1000.0
    out = means(model._query_pool(model.pool_a, batch(new)))
    swapped = out != np.round(new, 4)
    assert 0.35 < swapped.mean() < 0.65
    assert set(out[swapped]) <= stored
    assert set(means(model.pool_a)) <= stored | set(np.round(new, 4))


def test_cyclegan_save_load_round_trip(cyclegan, tmp_path):
    path = tmp_path / "cycle.keras"
    cyclegan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.cycle_weight == 10.0 and loaded.identity_weight == 0.5
    for direction in ("a_to_b", "b_to_a"):
        np.testing.assert_array_equal(
            loaded.translate(X, direction=direction),
            cyclegan.translate(X, direction=direction),
        )
    np.testing.assert_array_equal(_np(loaded.pool_b), _np(cyclegan.pool_b))
    assert loaded.translate(X[:2]).shape == (2, *SHAPE)


def test_cyclegan_errors(cyclegan, tmp_path):
    g_ab, d_a = cyclegan.generator_ab, cyclegan.discriminator_a
    wide = make_unet_generator(SHAPE, out_channels=3, width=4)
    with pytest.raises(ValueError, match="generator_ba must take"):
        CycleGAN(wide, g_ab, d_a, d_a)
    back = make_unet_generator((16, 16, 3), out_channels=1, width=4)
    d_b = make_patchgan_discriminator((16, 16, 3), width=4)
    model = CycleGAN(wide, back, d_a, d_b, pool_size=0)
    with pytest.raises(ValueError, match="identity_weight=0"):
        model.compile()
    model.compile(identity_weight=0.0)  # A and B may differ then
    with pytest.raises(ValueError, match="b_images have shape"):
        model.fit(X, X, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="direction"):
        cyclegan.translate(X, direction="sideways")
    with pytest.raises(ValueError, match="empty"):
        cyclegan.fit(X[:0], X, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        cyclegan.fit(tf.data.Dataset.from_tensor_slices(X).batch(4), X, verbose=0)
