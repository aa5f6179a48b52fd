"""The GAN model: fit, logs, generate, save/load/resume, callbacks, errors."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import make_tiny_gan

import ganlab

LOG_KEYS = {"d_loss", "g_loss", "d_real", "d_fake", "loss"}


def test_fit_logs_each_metric_once(tiny_gan, tiny_images):
    history = tiny_gan.fit(tiny_images, epochs=2, batch_size=64, verbose=0)
    assert set(history.history) == LOG_KEYS
    for key, values in history.history.items():
        assert len(values) == 2 and np.all(np.isfinite(values)), key
    h = history.history
    assert 0 < h["d_real"][0] < 1 and 0 < h["d_fake"][0] < 1
    np.testing.assert_allclose(
        np.array(h["loss"]), np.array(h["d_loss"]) + np.array(h["g_loss"]), rtol=1e-5
    )
    assert tiny_gan.d_optimizer.iterations.numpy() == 2 * 4
    assert tiny_gan.g_optimizer.iterations.numpy() == 2 * 4


def test_progress_bar_shows_the_losses(tiny_gan, tiny_images, capsys):
    tiny_gan.fit(tiny_images, epochs=1, batch_size=128, verbose=2)
    out = capsys.readouterr().out
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert out.count(f"{key}:") == 1


def test_metrics_are_epoch_means_not_last_batch(tiny_gan, tiny_images):
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["d_real"])

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
    assert gan.d_optimizer.iterations.numpy() == 3 * 4
    assert gan.g_optimizer.iterations.numpy() == 4


def test_accepts_image_label_batches(tiny_gan, tiny_images):
    ds = tf.data.Dataset.from_tensor_slices((tiny_images, np.zeros(256, "int32")))
    history = tiny_gan.fit(ds.batch(64), epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][0])


def test_generate_shape_range_and_seed(tiny_gan):
    a = tiny_gan.generate(5, seed=7)
    assert a.shape == (5, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= -1 and a.max() <= 1
    np.testing.assert_array_equal(a, tiny_gan.generate(5, seed=7))
    assert not np.allclose(a, tiny_gan.generate(5, seed=8))
    # Without a seed, draws advance the model's noise generator.
    assert not np.allclose(tiny_gan.generate(5), tiny_gan.generate(5))
    assert tiny_gan.generate(0).shape == (0, 28, 28, 1)
    # call(z) runs the generator.
    z = np.zeros((2, 8), "float32")
    assert tuple(tiny_gan(z).shape) == (2, 28, 28, 1)


def test_save_load_roundtrip_and_resume(tmp_path, tiny_images):
    gan = make_tiny_gan(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.RMSprop(5e-4),
        loss=ganlab.losses.BCE(label_smoothing=0.1),
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
        assert restored.iterations.numpy() == saved.iterations.numpy() > 0
        for a, b in zip(saved.variables, restored.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # The noise generator's state is saved too: unseeded draws continue alike.
    np.testing.assert_array_equal(
        loaded.seed_generator.state.numpy(), gan.seed_generator.state.numpy()
    )
    loaded.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    assert loaded.g_optimizer.iterations.numpy() == 8


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
    finished = gan.g_optimizer.iterations.numpy()
    assert finished == 2 * 4
    weights = [w.numpy() for w in gan.generator.weights]

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
            g=[w.numpy() for w in fresh.generator.weights],
            it=fresh.g_optimizer.iterations.numpy(),
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
    assert fresh.g_optimizer.iterations.numpy() == 4 * 4


@keras.saving.register_keras_serializable(package="ganlab_tests")
class _NaNLoss(ganlab.losses.BCE):
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
    assert gan.d_optimizer.iterations.numpy() == 1  # stopped after one batch
    assert len(history.history.get("loss", [])) <= 1


def test_fit_rejects_bad_input(tiny_gan):
    with pytest.raises(ValueError, match="empty"):
        tiny_gan.fit(np.zeros((0, 28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"generator produces \(28, 28, 1\)"):
        tiny_gan.fit(np.zeros((8, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        tiny_gan.fit(np.full((8, 28, 28), 2.0, np.float32))
    with pytest.raises(ValueError, match="NaN"):
        tiny_gan.fit(np.full((8, 28, 28), np.nan, np.float32))
    with pytest.raises(ValueError, match="y=None"):
        tiny_gan.fit(np.zeros((8, 28, 28), np.uint8), np.zeros(8))
    with pytest.raises(ValueError, match="compile"):
        ganlab.build_dcgan(8, width=4).fit(np.zeros((8, 28, 28), np.uint8))


def test_mismatched_networks_raise():
    g = ganlab.make_generator(latent_dim=8, width=4)
    d = ganlab.make_discriminator(width=4)
    with pytest.raises(ValueError, match="latent_dim=16 does not match"):
        ganlab.GAN(g, d, latent_dim=16)
    with pytest.raises(ValueError, match="discriminator expects"):
        ganlab.GAN(g, ganlab.make_discriminator((32, 32, 3), width=4))
    gan = ganlab.GAN(g, d)
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        gan.generate_from(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="two optimizer objects"):
        opt = keras.optimizers.Adam()
        gan.compile(d_optimizer=opt, g_optimizer=opt)
    with pytest.raises(ValueError, match="d_steps"):
        gan.compile(d_steps=0)


def test_gan_config_is_json_serializable(tiny_gan):
    config = tiny_gan.get_config()
    json.dumps(config)
    json.dumps(tiny_gan.get_compile_config())
    rebuilt = ganlab.GAN.from_config(config)
    assert rebuilt.latent_dim == tiny_gan.latent_dim


def test_simultaneous_update_matches_a_hand_written_two_tape_step(tiny_images):
    """simultaneous=True is the TF tutorial's step: both grads from one G(z)."""
    gan = make_tiny_gan(
        d_optimizer=keras.optimizers.SGD(0.1),
        g_optimizer=keras.optimizers.SGD(0.1),
        simultaneous=True,
    )
    # Remove randomness other than z: no dropout, and a known z.
    for layer in gan.discriminator.layers:
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    real = ganlab.check_images(tiny_images[:16])
    state = gan.seed_generator.state.numpy()
    z = tf.random.stateless_normal((16, gan.latent_dim), seed=state)
    g0 = [w.numpy() for w in gan.generator.trainable_weights]
    d0 = [w.numpy() for w in gan.discriminator.trainable_weights]
    with tf.GradientTape() as dt, tf.GradientTape() as gt:
        fake = gan.generator(z, training=True)
        rl = gan.discriminator(real, training=True)
        fl = gan.discriminator(fake, training=True)
        d_loss = tf.reduce_mean(ganlab.losses.bce_discriminator_loss(rl, fl))
        g_loss = tf.reduce_mean(ganlab.losses.bce_generator_loss(fl))
    dg = dt.gradient(d_loss, gan.discriminator.trainable_weights)
    gg = gt.gradient(g_loss, gan.generator.trainable_weights)
    # Reset the BN statistics that the manual pass moved, then train one step.
    gan2 = make_tiny_gan(
        d_optimizer=keras.optimizers.SGD(0.1),
        g_optimizer=keras.optimizers.SGD(0.1),
        simultaneous=True,
    )
    for layer in gan2.discriminator.layers:
        if isinstance(layer, keras.layers.Dropout):
            layer.rate = 0.0
    gan2.fit(real, epochs=1, batch_size=16, shuffle=False, verbose=0)
    for w, w0, g in zip(gan2.discriminator.trainable_weights, d0, dg):
        np.testing.assert_allclose(w.numpy(), w0 - 0.1 * g.numpy(), atol=1e-5)
    for w, w0, g in zip(gan2.generator.trainable_weights, g0, gg):
        np.testing.assert_allclose(w.numpy(), w0 - 0.1 * g.numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="d_steps=1"):
        gan.compile(simultaneous=True, d_steps=2)


def test_ema_generator_is_the_moving_average_of_the_generator(tiny_images):
    gan = make_tiny_gan(ema=0.9)
    start = [w.numpy() for w in gan.generator.trainable_variables]
    gan.fit(tiny_images[:64], epochs=1, batch_size=64, verbose=0)  # one step
    # Step t = 1 (the optimizer has counted it): β_1 = min(0.9, 2/11).
    beta = 2.0 / 11.0
    for s, w, avg in zip(
        start, gan.generator.trainable_variables, gan.ema_generator.trainable_variables
    ):
        np.testing.assert_allclose(
            avg.numpy(), beta * s + (1 - beta) * w.numpy(), rtol=1e-5, atol=1e-7
        )
    # BatchNorm statistics are copied, not averaged.
    for w, avg in zip(
        gan.generator.non_trainable_variables, gan.ema_generator.non_trainable_variables
    ):
        np.testing.assert_array_equal(avg.numpy(), w.numpy())
    # Sampling goes through the averaged weights, which differ from G's.
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    ema_images = gan.ema_generator.predict(z, verbose=0)
    np.testing.assert_allclose(gan.generate_from(z), ema_images, atol=1e-6)
    assert not np.allclose(ema_images, gan.generator.predict(z, verbose=0))


def test_ema_survives_save_and_load(tmp_path, tiny_images):
    gan = make_tiny_gan(ema=0.99)
    gan.fit(tiny_images, epochs=1, batch_size=64, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ema == pytest.approx(0.99)
    for a, b in zip(gan.ema_generator.weights, loaded.ema_generator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(loaded.generate(4, seed=1), gan.generate(4, seed=1))


@pytest.mark.parametrize("ema", [-0.1, 1.0])
def test_ema_out_of_range_raises(ema):
    with pytest.raises(ValueError, match="ema must be in"):
        make_tiny_gan(ema=ema)


@pytest.mark.skipif(
    bool(tf.config.list_physical_devices("GPU")), reason="the CPU default only"
)
def test_xla_is_off_by_default_on_cpu(tiny_gan):
    # bench/throughput.py: XLA is slower on CPU, so "auto" must resolve to off.
    assert tiny_gan.jit_compile is False
