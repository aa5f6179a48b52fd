"""The GAN model: fit, logs, generate, save/load/resume, callbacks, errors,
and the train step checked number by number against NumPy."""

import json
import math

import keras
import numpy as np
import pytest
from conftest import BACKEND, LEGACY_DIR, make_tiny_gan, weights_of

import ganlab

LOG_KEYS = {
    "d_loss",
    "g_loss",
    "d_real",
    "d_fake",
    "d_grad_norm",
    "g_grad_norm",
    "loss",
}


def _value(variable):
    return np.asarray(keras.ops.convert_to_numpy(variable))


@pytest.mark.backends
def test_fit_logs_each_metric_once(tiny_gan, tiny_images):
    history = tiny_gan.fit(tiny_images, epochs=2, batch_size=64, verbose=0)
    assert set(history.history) == LOG_KEYS
    for key, values in history.history.items():
        assert len(values) == 2 and np.all(np.isfinite(values)), key
    h = history.history
    assert 0 < h["d_real"][0] < 1 and 0 < h["d_fake"][0] < 1
    assert h["d_grad_norm"][0] > 0 and h["g_grad_norm"][0] > 0
    np.testing.assert_allclose(
        np.array(h["loss"]), np.array(h["d_loss"]) + np.array(h["g_loss"]), rtol=1e-5
    )
    assert _value(tiny_gan.d_optimizer.iterations) == 2 * 4
    assert _value(tiny_gan.g_optimizer.iterations) == 2 * 4


def test_progress_bar_shows_the_losses(tiny_gan, tiny_images, capsys):
    tiny_gan.fit(tiny_images, epochs=1, batch_size=128, verbose=2)
    out = capsys.readouterr().out
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert out.count(f"{key}:") == 1


def test_metrics_are_epoch_means_not_last_batch(tiny_gan, tiny_images):
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(logs["d_real"]))

    history = tiny_gan.fit(
        tiny_images, epochs=1, batch_size=32, verbose=0, callbacks=[Record()]
    )
    # Running means: the epoch value is the last running mean, which differs
    # from a plain last-batch value unless every batch agreed.
    assert history.history["d_real"][0] == pytest.approx(seen[-1], rel=1e-6)
    assert len(set(np.round(seen, 6))) > 1


def test_d_steps_updates_discriminator_k_times(tiny_images):
    gan = make_tiny_gan(d_steps=3)
    gan.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    assert _value(gan.d_optimizer.iterations) == 3 * 4
    assert _value(gan.g_optimizer.iterations) == 4


def test_unconditional_gan_ignores_labels_in_a_dataset(tiny_gan, tiny_images):
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((tiny_images, np.zeros(256, "int32")))
    history = tiny_gan.fit(ds.batch(64), epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])
    assert _value(tiny_gan.g_optimizer.iterations) == 4


def test_generate_shape_range_and_seed(tiny_gan):
    a = tiny_gan.generate(5, seed=7)
    assert a.shape == (5, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= -1 and a.max() <= 1
    np.testing.assert_array_equal(a, tiny_gan.generate(5, seed=7))
    assert not np.allclose(a, tiny_gan.generate(5, seed=8))
    # Without a seed, draws advance the model's noise generator.
    assert not np.allclose(tiny_gan.generate(5), tiny_gan.generate(5))
    assert tiny_gan.generate(0).shape == (0, 28, 28, 1)
    # generate is generate_from on the seed's noise.
    z = np.random.default_rng(7).standard_normal((5, 8)).astype("float32")
    np.testing.assert_allclose(tiny_gan.generate_from(z), a, atol=1e-6)
    # call(z) runs the sampler.
    z = np.zeros((2, 8), "float32")
    assert tuple(tiny_gan(z).shape) == (2, 28, 28, 1)
    for bad in (-1, 2.5, [1, 2]):
        with pytest.raises(ValueError, match="n must be a number of images"):
            tiny_gan.generate(bad)
    with pytest.raises(ValueError, match="unconditional"):
        tiny_gan.generate(2, labels=[0, 1])


def test_discriminate_gives_one_logit_per_image(tiny_gan, tiny_images):
    logits = tiny_gan.discriminate(tiny_images[:3])
    assert logits.shape == (3,) and logits.dtype == np.float32
    x = ganlab.check_images(tiny_images[:3])
    expected = _value(tiny_gan.discriminator(x, training=False)).reshape(-1)
    np.testing.assert_allclose(logits, expected, atol=1e-5)


def test_save_load_roundtrip_and_resume(tmp_path, tiny_images):
    gan = make_tiny_gan(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.RMSprop(5e-4),
        loss=ganlab.gan.losses.BCE(label_smoothing=0.1),
        d_steps=2,
    )
    gan.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)

    assert isinstance(loaded, ganlab.GAN)
    np.testing.assert_array_equal(loaded.generate(6, seed=3), gan.generate(6, seed=3))
    assert loaded.latent_dim == 8 and loaded.d_steps == 2
    assert loaded.loss_fn.label_smoothing == pytest.approx(0.1)
    assert isinstance(loaded.g_optimizer, keras.optimizers.RMSprop)
    assert float(loaded.d_optimizer.learning_rate) == pytest.approx(1e-3)
    # Optimizer state (step count and moments) is restored: training resumes.
    for opt_name in ("d_optimizer", "g_optimizer"):
        saved, restored = getattr(gan, opt_name), getattr(loaded, opt_name)
        assert _value(restored.iterations) == _value(saved.iterations) > 0
        for a, b in zip(weights_of(saved.variables), weights_of(restored.variables)):
            np.testing.assert_array_equal(a, b)
    # The noise generator's state is saved too: unseeded draws continue alike.
    np.testing.assert_array_equal(
        _value(loaded.seed_generator.state), _value(gan.seed_generator.state)
    )
    np.testing.assert_array_equal(loaded.generate(3), gan.generate(3))
    loaded.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    assert _value(loaded.g_optimizer.iterations) == 8


def test_load_without_compile_still_generates(tmp_path, tiny_gan):
    tiny_gan.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras", compile=False)
    np.testing.assert_array_equal(
        loaded.generate(2, seed=0), tiny_gan.generate(2, seed=0)
    )


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt("simulated kill")


def test_backup_and_restore_resumes_from_last_finished_epoch(tmp_path, tiny_images):
    backup = str(tmp_path / "backup")
    gan = make_tiny_gan()
    with pytest.raises(KeyboardInterrupt):
        gan.fit(
            tiny_images,
            epochs=4,
            batch_size=64,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup), _Interrupt(2)],
        )
    finished = _value(gan.g_optimizer.iterations)
    assert finished == 2 * 4
    weights = weights_of(gan.generator.weights)

    # A fresh process would build a fresh model: start again from scratch.
    fresh = make_tiny_gan(seed=2)
    epochs_run = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch)
    )
    restore = keras.callbacks.BackupAndRestore(backup)
    # Restoring happens at train begin; check the weights via a callback.
    restored = {}
    check = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: restored.update(
            g=weights_of(fresh.generator.weights),
            it=_value(fresh.g_optimizer.iterations),
        )
    )
    fresh.fit(
        tiny_images,
        epochs=4,
        batch_size=64,
        verbose=0,
        callbacks=[restore, check, record],
    )
    assert epochs_run == [2, 3]
    assert restored["it"] == finished
    for a, b in zip(weights, restored["g"]):
        np.testing.assert_array_equal(a, b)
    assert _value(fresh.g_optimizer.iterations) == 4 * 4


@keras.saving.register_keras_serializable(package="ganlab_tests")
class _NaNLoss(ganlab.gan.losses.BCE):
    def discriminator_loss(self, real_logits, fake_logits):
        return super().discriminator_loss(real_logits, fake_logits) * np.nan


def test_terminate_on_nan_stops_training(tiny_images):
    gan = make_tiny_gan(loss=_NaNLoss())
    history = gan.fit(
        tiny_images,
        epochs=3,
        batch_size=32,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert _value(gan.d_optimizer.iterations) == 1  # stopped after one batch
    assert len(history.history.get("loss", [])) <= 1


def test_fit_rejects_bad_input(tiny_gan):
    with pytest.raises(ValueError, match="empty"):
        tiny_gan.fit(np.zeros((0, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"generator produces \(28, 28, 1\)"):
        tiny_gan.fit(np.zeros((8, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        tiny_gan.fit(np.full((8, 28, 28), -2.0, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        tiny_gan.fit(np.full((8, 28, 28), np.nan, np.float32))
    with pytest.raises(ValueError, match="y=None"):
        tiny_gan.fit(np.zeros((8, 28, 28), np.uint8), np.zeros(8))
    with pytest.raises(ValueError, match="real images"):
        tiny_gan.fit()
    with pytest.raises(ValueError, match="compile"):
        ganlab.build_dcgan(8, width=4).fit(np.zeros((8, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="Python generator"):
        tiny_gan.fit(iter([np.zeros((8, 28, 28), np.uint8)]))


def test_builder_and_compile_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        ganlab.build_dcgan(8, (28, 28, 1))
    with pytest.raises(TypeError):
        ganlab.make_generator(8, (28, 28, 1))
    gan = ganlab.build_dcgan(8, width=4)
    with pytest.raises(TypeError):
        gan.compile(None, None, "bce")
    gan.compile(keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.2))
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.2)


def test_mismatched_networks_raise():
    g = ganlab.make_generator(latent_dim=8, width=4)
    d = ganlab.make_discriminator(width=4)
    with pytest.raises(ValueError, match="latent_dim=16 does not match"):
        ganlab.GAN(g, d, latent_dim=16)
    with pytest.raises(ValueError, match="discriminator expects"):
        ganlab.GAN(g, ganlab.make_discriminator((32, 32, 3), width=4))
    with pytest.raises(ValueError, match="both networks take labels|neither"):
        ganlab.GAN(g, ganlab.make_discriminator(num_classes=3, width=4))
    with pytest.raises(ValueError, match="built keras.Model"):
        ganlab.GAN(g, "discriminator")
    gan = ganlab.GAN(g, d)
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        gan.generate_from(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="two optimizer objects"):
        opt = keras.optimizers.Adam()
        gan.compile(d_optimizer=opt, g_optimizer=opt)
    with pytest.raises(ValueError, match="d_steps"):
        gan.compile(d_steps=0)
    with pytest.raises(ValueError, match="label_prior needs a conditional GAN"):
        ganlab.GAN(g, d, label_prior="data")


def test_a_sigmoid_discriminator_is_refused_with_the_fix():
    g = ganlab.make_generator(latent_dim=8, width=4)
    image = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(image)
    d = keras.Model(image, keras.layers.Dense(1, activation="sigmoid")(x))
    with pytest.raises(ValueError, match=r"sigmoid.*Remove the activation"):
        ganlab.GAN(g, d)


def test_mixed_float16_is_refused_at_compile():
    gan = ganlab.build_dcgan(8, width=4)
    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        with pytest.raises(ValueError, match="float16.*bfloat16"):
            gan.compile()
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert keras.config.dtype_policy().name == "float32"


def test_gan_config_is_json_serializable(tiny_gan):
    config = tiny_gan.get_config()
    json.dumps(config)
    json.dumps(tiny_gan.get_compile_config())
    rebuilt = ganlab.GAN.from_config(config)
    assert rebuilt.latent_dim == tiny_gan.latent_dim


@pytest.mark.backends
def test_ema_generator_is_the_moving_average_of_the_generator(tiny_images):
    gan = make_tiny_gan(ema=0.9)
    start = weights_of(gan.generator.trainable_variables)
    gan.fit(tiny_images[:64], epochs=1, batch_size=64, verbose=0)  # one step
    # Step t = 1 (the optimizer has counted it): β_1 = min(0.9, 2/11).
    beta = 2.0 / 11.0
    now = weights_of(gan.generator.trainable_variables)
    for s, w, avg in zip(start, now, weights_of(gan.ema_generator.trainable_variables)):
        np.testing.assert_allclose(avg, beta * s + (1 - beta) * w, rtol=1e-5, atol=1e-7)
    # BatchNorm statistics are copied, not averaged.
    for w, avg in zip(
        weights_of(gan.generator.non_trainable_variables),
        weights_of(gan.ema_generator.non_trainable_variables),
    ):
        np.testing.assert_array_equal(avg, w)
    # Sampling goes through the averaged weights, which differ from G's.
    assert gan.sampler is gan.ema_generator
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    ema_images = gan.ema_generator.predict(z, verbose=0)
    np.testing.assert_allclose(gan.generate_from(z), ema_images, atol=1e-6)
    np.testing.assert_allclose(_value(gan(z)), ema_images, atol=1e-6)
    assert not np.allclose(ema_images, gan.generator.predict(z, verbose=0))


def test_ema_survives_save_and_load(tmp_path, tiny_images):
    gan = make_tiny_gan(ema=0.99)
    gan.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ema == pytest.approx(0.99)
    for a, b in zip(
        weights_of(gan.ema_generator.weights), weights_of(loaded.ema_generator.weights)
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.generate(4, seed=1), gan.generate(4, seed=1))


@pytest.mark.parametrize("ema", [-0.1, 1.0])
def test_ema_out_of_range_raises(ema):
    with pytest.raises(ValueError, match="ema must be in"):
        make_tiny_gan(ema=ema)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="TensorFlow's jit_compile")
def test_xla_is_off_by_default_on_cpu(tiny_gan):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("the CPU default only")
    # bench/throughput.py: XLA is slower on CPU, so "auto" must resolve to off.
    assert tiny_gan.jit_compile is False


# ------------------------------------------------ legacy (ganlab 0.1) files --
def test_legacy_files_load_as_gan_and_draw_the_same_images():
    # The images were drawn on TensorFlow from z_seed3.npy = normal((4, 8),
    # seed=3); other backends draw other noise for a seed, so they are
    # compared through generate_from on that noise.
    z = np.load(LEGACY_DIR / "z_seed3.npy")
    exact = BACKEND == "tensorflow"
    gan = keras.models.load_model(LEGACY_DIR / "gan.keras")
    assert type(gan) is ganlab.GAN and gan.num_classes is None
    assert gan.ema == pytest.approx(0.9) and gan.sampler is gan.ema_generator
    want = np.load(LEGACY_DIR / "gan_img.npy")
    np.testing.assert_allclose(gan.generate_from(z), want, atol=1e-6 if exact else 1e-5)
    cgan = keras.models.load_model(LEGACY_DIR / "cgan.keras")
    assert type(cgan) is ganlab.GAN and cgan.num_classes == 4
    assert cgan.label_prior is None and cgan.sampler is cgan.ema_generator
    want = np.load(LEGACY_DIR / "cgan_img.npy")
    np.testing.assert_allclose(
        cgan.generate_from(z, labels=[1, 2, 3, 0]), want, atol=1e-6 if exact else 1e-5
    )
    # The optimizers' state came along: the loaded model resumes training.
    assert cgan.compiled and _value(cgan.g_optimizer.iterations) == 2


def test_legacy_self_conditioned_file_keeps_its_prior(tmp_path):
    scgan = keras.models.load_model(LEGACY_DIR / "scgan.keras")
    assert type(scgan) is ganlab.GAN and scgan.num_classes == 4
    prior = np.load(LEGACY_DIR / "scgan_prior.npy")
    assert isinstance(scgan.label_prior, np.ndarray)
    np.testing.assert_allclose(scgan.label_prior, prior, atol=1e-12)
    # generate() draws clusters from that prior, as the old model did.
    drawn = scgan.sample_labels(4000, seed=0)
    np.testing.assert_allclose(np.bincount(drawn, minlength=4) / 4000, prior, atol=0.03)
    # Saved again, it is a new-format file with the same prior.
    scgan.save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.label_prior, prior, atol=1e-12)
    np.testing.assert_array_equal(again.generate(3, seed=1), scgan.generate(3, seed=1))


# ----------------------------------- the step by hand (tiny dense networks) --
B, LATENT, DIM, HIDDEN, LR = 8, 2, 3, 4, 0.1


def _dense_gan(seed=0, *, linear_d=False, **compile_kwargs):
    """G: z ↦ z·Wg + bg (linear); D: x ↦ tanh(x·W1 + b1)·W2 + b2, or a
    linear x·w + b; SGD(LR) for both; no BatchNorm, no dropout."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((LATENT,))
    g = keras.Model(z, keras.layers.Dense(DIM)(z))
    x = keras.Input((DIM,))
    h = x if linear_d else keras.layers.Dense(HIDDEN, activation="tanh")(x)
    d = keras.Model(x, keras.layers.Dense(1)(h))
    gan = ganlab.GAN(g, d, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(LR),
        g_optimizer=keras.optimizers.SGD(LR),
        **compile_kwargs,
    )
    return gan


def _noise_draws(gan, *shapes):
    """The normal draws the step will take, from a copy of the model's seed."""
    copy = keras.random.SeedGenerator(0)
    copy.state.assign(gan.seed_generator.state.value)
    return [
        np.asarray(keras.ops.convert_to_numpy(keras.random.normal(s, seed=copy)), "f8")
        for s in shapes
    ]


def _real_batch():
    return np.random.default_rng(5).uniform(-1, 1, (B, DIM)).astype("float32")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _d_forward(p, x):
    w1, b1, w2, b2 = p
    h = np.tanh(x @ w1 + b1)
    return h @ w2 + b2, h


def _d_backward(p, x, h, dl):
    """Gradients of Σ dl·D(x) with respect to (W1, b1, W2, b2) and x."""
    w1, _, w2, _ = p
    dh = dl @ w2.T
    da = dh * (1.0 - h**2)
    return [x.T @ da, da.sum(0), h.T @ dl, dl.sum(0)], da @ w1.T


def _numpy_step(g, d, real, z_d, z_g, simultaneous=False):
    """One alternating (or simultaneous) BCE step with SGD(LR), in float64.

    Returns new G and D weights and the logged d_loss, g_loss, d_real."""
    wg, bg = g
    fake = z_d @ wg + bg
    lr_, hr = _d_forward(d, real)
    lf, hf = _d_forward(d, fake)
    d_loss = np.mean(_softplus(-lr_) + _softplus(lf))
    gr, _ = _d_backward(d, real, hr, (_sigmoid(lr_) - 1.0) / B)
    gf, _ = _d_backward(d, fake, hf, _sigmoid(lf) / B)
    new_d = [w - LR * (a + b) for w, a, b in zip(d, gr, gf)]
    d_for_g, z = (d, z_d) if simultaneous else (new_d, z_g)
    fake = z @ wg + bg
    lg, hg = _d_forward(d_for_g, fake)
    g_loss = np.mean(_softplus(-lg))
    _, dx = _d_backward(d_for_g, fake, hg, (_sigmoid(lg) - 1.0) / B)
    new_g = [wg - LR * z.T @ dx, bg - LR * dx.sum(0)]
    return new_g, new_d, d_loss, g_loss, np.mean(_sigmoid(lr_))


@pytest.mark.backends
@pytest.mark.parametrize("simultaneous", [False, True])
def test_one_step_matches_a_hand_computed_update(simultaneous):
    gan = _dense_gan(simultaneous=simultaneous)
    g0 = [w.astype("f8") for w in gan.generator.get_weights()]
    d0 = [w.astype("f8") for w in gan.discriminator.get_weights()]
    # The alternating step draws D's noise, then G's; the simultaneous one once.
    z_d, z_g = _noise_draws(gan, (B, LATENT), (B, LATENT))
    real = _real_batch()
    history = gan.fit(real, batch_size=B, epochs=1, shuffle=False, verbose=0)
    g1, d1, d_loss, g_loss, d_real = _numpy_step(
        g0, d0, real.astype("f8"), z_d, z_g, simultaneous
    )
    for got, want in zip(gan.discriminator.get_weights(), d1):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for got, want in zip(gan.generator.get_weights(), g1):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    h = history.history
    assert h["d_loss"][0] == pytest.approx(d_loss, rel=1e-5)
    assert h["g_loss"][0] == pytest.approx(g_loss, rel=1e-5)
    assert h["d_real"][0] == pytest.approx(d_real, rel=1e-5)
    # The update is not a no-op (so the comparison above means something).
    assert not np.allclose(gan.generator.get_weights()[0], g0[0], atol=1e-4)


@pytest.mark.backends
@pytest.mark.parametrize("penalty", ["gradient_penalty", "r1", "r2"])
def test_gradient_penalties_reach_the_discriminator(penalty):
    # A linear critic D(x) = x·w + b has ∇ₓD = w everywhere, so every penalty
    # is known in closed form: GP λ(‖w‖ - 1)², R1/R2 (γ/2)‖w‖².
    strength = 0.7
    runs = {}
    for on in (False, True):
        gan = _dense_gan(
            seed=3,
            linear_d=True,
            loss="wasserstein",
            **{penalty: strength if on else 0},
        )
        w0 = gan.discriminator.get_weights()[0].astype("f8")
        (z_d,) = _noise_draws(gan, (B, LATENT))
        wg, bg = (v.astype("f8") for v in gan.generator.get_weights())
        real = _real_batch()
        history = gan.fit(real, batch_size=B, epochs=1, shuffle=False, verbose=0)
        runs[on] = (gan, history.history["d_loss"][0])
    fake = z_d @ wg + bg
    norm = np.linalg.norm(w0)
    if penalty == "gradient_penalty":
        value, grad = strength * (norm - 1) ** 2, strength * 2 * (norm - 1) * w0 / norm
    else:
        value, grad = 0.5 * strength * norm**2, strength * w0
    base = float(np.mean(fake @ w0 - real @ w0))
    assert runs[False][1] == pytest.approx(base, rel=1e-5, abs=1e-6)
    assert runs[True][1] == pytest.approx(base + value, rel=1e-5, abs=1e-6)
    want_w = w0 - LR * ((fake.mean(0) - real.mean(0))[:, None] + grad)
    got_w = runs[True][0].discriminator.get_weights()[0]
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got_w, runs[False][0].discriminator.get_weights()[0])


@pytest.mark.backends
def test_instance_noise_reaches_the_discriminator():
    sigma = 0.5
    results = {}
    for noise in (0.0, sigma):
        gan = _dense_gan(seed=4, linear_d=True, instance_noise=noise)
        w0, b0 = (v.astype("f8") for v in gan.discriminator.get_weights())
        wg, bg = (v.astype("f8") for v in gan.generator.get_weights())
        draws = _noise_draws(gan, (B, LATENT), (B, DIM), (B, DIM))
        real = _real_batch().astype("f8")
        history = gan.fit(real, batch_size=B, epochs=1, shuffle=False, verbose=0)
        results[noise] = (gan, history.history)
    z_d, n_real, n_fake = draws
    # D's step draws z, then the real batch's noise, then the fakes' (σ_0 at t=0).
    real_in = real + sigma * n_real
    fake_in = z_d @ wg + bg + sigma * n_fake
    lr_, lf = real_in @ w0 + b0, fake_in @ w0 + b0
    h = results[sigma][1]
    assert h["d_real"][0] == pytest.approx(np.mean(_sigmoid(lr_)), rel=1e-5)
    assert h["d_fake"][0] == pytest.approx(np.mean(_sigmoid(lf)), rel=1e-5)
    assert h["d_real"][0] != pytest.approx(results[0.0][1]["d_real"][0], rel=1e-4)
    dl_r, dl_f = (_sigmoid(lr_) - 1) / B, _sigmoid(lf) / B
    want_w = w0 - LR * (real_in.T @ dl_r + fake_in.T @ dl_f)
    got_w = results[sigma][0].discriminator.get_weights()[0]
    np.testing.assert_allclose(got_w, want_w, rtol=1e-5, atol=1e-6)


def _label_spy_gan(pack=1, **compile_kwargs):
    """A conditional pair that checks the pairing of images with labels.

    G([z, y]) = y + 0·z: the fake *is* its label. D([x, y]) = Σ (x - y)²:
    0 exactly when every image is paired with its own label, so
    D = sigmoid(0) = 1/2. Real images are one-hot labels too."""
    k = 4
    z, y = keras.Input((LATENT,)), keras.Input((k,))
    zero = keras.layers.Dense(k, kernel_initializer="zeros")(z)
    g = keras.Model([z, y], keras.layers.Add()([zero, y]))
    x, yd = keras.Input((k * pack,)), keras.Input((k * pack,))
    diff = keras.layers.Subtract()([x, yd])
    square = keras.layers.Multiply()([diff, diff])
    logit = keras.layers.Dense(1, kernel_initializer="ones")(square)
    gan = ganlab.GAN(g, keras.Model([x, yd], logit), seed=0)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.0),
        g_optimizer=keras.optimizers.SGD(0.0),
        pack=pack,
        **compile_kwargs,
    )
    return gan


@pytest.mark.backends
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"simultaneous": True},
        {"d_steps": 2},
        {"pack": 2},
        {"unrolled_steps": 1},
        {"gradient_penalty": 1.0},
        {"ema": 0.5},
    ],
    ids=lambda o: ",".join(o) or "default",
)
def test_fakes_are_paired_with_the_batch_labels(options):
    gan = _label_spy_gan(**options)
    ids = np.random.default_rng(0).permutation(np.arange(32) % 4)
    images = np.eye(4, dtype="float32")[ids]
    history = gan.fit(images, ids, batch_size=8, epochs=1, verbose=0).history
    # Every real and every fake met D with its own label (a shuffled or a
    # balanced-but-different set of labels gives Σ(x - y)² = 2 somewhere).
    assert history["d_real"][0] == pytest.approx(0.5, abs=1e-6)
    assert history["d_fake"][0] == pytest.approx(0.5, abs=1e-6)
    assert history["g_loss"][0] == pytest.approx(math.log(2), rel=1e-6)
    # The spy can see a mismatch.
    wrong = np.roll(ids, 1)
    spy = _label_spy_gan(**options)
    spied = spy.fit(images, wrong, batch_size=8, epochs=1, verbose=0).history
    assert spied["d_real"][0] > 0.5 + 1e-3
