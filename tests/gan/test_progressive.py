"""Progressive growing and style mixing as compile options, with the StyleGAN."""

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan

import ganlab
from ganlab.gan import progressive
from ganlab.gan.progressive import level_of_detail, lod_schedule
from ganlab.nets.stylegan import make_style_discriminator, make_style_generator

LATENT = 8


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _style_gan(side=8, seed=0):
    keras.utils.set_random_seed(seed)
    g = make_style_generator(
        LATENT, image_shape=(side, side, 1), width=4, num_mapping=1, seed=seed
    )
    d = make_style_discriminator((side, side, 1), width=4)
    return ganlab.GAN(generator=g, discriminator=d, latent_dim=LATENT, seed=seed)


def test_lod_schedule_follows_pggan():
    # T = 2 steps a phase, L = 2: 4×4 for 2 steps, 8×8 faded in over 2 and
    # trained 2, 16×16 faded in over 2, then full resolution.
    lods = [float(_np(lod_schedule(t, phase_steps=2, levels=2))) for t in range(10)]
    assert lods == [2.0, 2.0, 2.0, 1.5, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0]


def test_level_of_detail_is_block_averages():
    x = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    blocks = x.reshape(2, 4, 2, 4, 2, 3).mean(axis=(2, 4))
    level1 = np.repeat(np.repeat(blocks, 2, axis=1), 2, axis=2)
    np.testing.assert_array_equal(_np(level_of_detail(x, 0.0, levels=2)), x)
    lod1 = _np(level_of_detail(x, 1.0, levels=2))
    np.testing.assert_allclose(lod1, level1, atol=1e-6)
    half = _np(level_of_detail(x, 0.5, levels=2))
    np.testing.assert_allclose(half, 0.5 * x + 0.5 * level1, atol=1e-6)
    level2 = np.repeat(np.repeat(x.reshape(2, 2, 4, 2, 4, 3).mean(axis=(2, 4)),
                                 4, axis=1), 4, axis=2)  # fmt: skip
    lod2 = _np(level_of_detail(x, 2.0, levels=2))
    np.testing.assert_allclose(lod2, level2, atol=1e-6)
    with pytest.raises(ValueError, match="divisible by 16"):
        level_of_detail(x, 1.0, levels=4)


def test_generator_fades_its_top_resolution_in():
    gan = _style_gan(side=16)
    g = gan.generator
    z = np.random.default_rng(1).standard_normal((3, LATENT)).astype("float32")
    top = g.synthesis_network.get_layer("b16_torgb")
    kernel = _np(top.kernel)
    outputs = {}
    for lod in (2.0, 1.0, 0.5, 0.0):
        g.lod.assign(lod)
        before = _np(g(z))
        top.kernel.assign(3.0 * kernel)
        outputs[lod] = np.abs(_np(g(z)) - before).max()
        top.kernel.assign(kernel)
    g.lod.assign(0.0)
    # At lod >= 1 the 16×16 to-RGB layer has no effect; below 1 it fades in.
    assert outputs[2.0] == 0.0 and outputs[1.0] == 0.0
    assert 0.0 < outputs[0.5] < outputs[0.0]


@pytest.mark.backends
def test_progressive_and_style_mixing_in_fit_save_and_load(tmp_path):
    gan = _style_gan(side=8)
    gan.compile(r1=1.0, progressive=2, style_mixing=0.25)
    assert gan.generator.mixing == 0.25
    images = np.random.default_rng(0).integers(0, 256, (24, 8, 8), dtype=np.uint8)
    lods = []
    callback = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: lods.append(float(logs["lod"]))
    )
    with pytest.warns(UserWarning, match="level of detail 1 .*steps to go: 2"):
        gan.fit(images, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    # L = 1 at 8×8: steps 0, 1 at 4×4, then the fade over steps 2, 3.
    assert lods == [1.0, 1.0, 1.0]
    gan.fit(images, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    assert lods[3:] == [0.5, 0.0, 0.0]
    assert float(_np(gan.generator.lod)) == 0.0
    # The schedule's clock is G's own: new optimizers do not restart growing.
    gan.compile(keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4),
                progressive=2)  # fmt: skip
    gan.fit(images, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    assert lods[6:] == [0.0, 0.0, 0.0]
    assert float(_np(gan.generator.growth_steps)) == 9.0

    path = tmp_path / "progressive.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.options.progressive == 2 and loaded.options.style_mixing is None
    assert loaded.generator.mixing == 0.25  # set on the generator, which keeps it
    assert float(_np(loaded.generator.growth_steps)) == 9.0
    loaded.fit(images, epochs=1, batch_size=8, verbose=0)
    assert int(_np(loaded.g_optimizer.iterations)) == 6


def test_progressive_and_style_mixing_refuse_other_generators_and_bad_values():
    dcgan = make_tiny_gan()
    with pytest.raises(ValueError, match="make_style_generator"):
        dcgan.compile(progressive=100)
    with pytest.raises(ValueError, match="style-based generator"):
        dcgan.compile(style_mixing=0.9)
    gan = _style_gan()
    with pytest.raises(ValueError, match=r"probability in \[0, 1\]"):
        gan.compile(style_mixing=1.5)
    with pytest.raises(ValueError, match="progressive must be >= 0"):
        gan.compile(progressive=-1)
    with pytest.raises(ValueError, match="whole number"):
        gan.compile(progressive=2.5)
    with pytest.raises(ValueError, match="progressive takes a number, not True"):
        gan.compile(progressive=True)
    with pytest.raises(ValueError, match="style_mixing takes a number"):
        gan.compile(style_mixing=True)


def test_d_sees_real_and_fake_at_the_level_of_detail(monkeypatch):
    gan = _style_gan(side=8)
    gan.compile(r1=1.0, progressive=1, ema=0.5, run_eagerly=True)
    seen = []
    blur = progressive.level_of_detail

    def spy(images, lod, *, levels):
        seen.append((float(_np(lod)), float(_np(gan.generator.lod)), levels))
        return blur(images, lod, levels=levels)

    monkeypatch.setattr(progressive, "level_of_detail", spy)
    images = np.random.default_rng(0).integers(0, 256, (16, 8, 8), dtype=np.uint8)
    gan.fit(images, epochs=1, batch_size=8, verbose=0)
    # Each step: D's real and fake batches, then the fakes of G's update.
    assert len(seen) == 6
    assert [s[0] for s in seen] == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert all(s[0] == s[1] and s[2] == 1 for s in seen)
    assert float(_np(gan.ema_generator.lod)) == float(_np(gan.generator.lod))


def test_gandoctor_checks_a_stylegan_run():
    gan = _style_gan(side=8)
    gan.compile(r1=1.0, progressive=2)
    images = np.random.default_rng(0).integers(0, 256, (32, 8, 8), dtype=np.uint8)
    doctor = ganlab.GANDoctor(
        every=2, warmup=0, train_images=images, n_samples=16, verbose=0
    )
    history = gan.fit(images, epochs=1, batch_size=8, verbose=0, callbacks=[doctor])
    assert [h["step"] for h in doctor.history] == [2, 4]
    assert np.isfinite(history.history["doctor_diversity"][-1])  # samples judged


def test_pacgan_with_a_style_discriminator_takes_m_times_the_channels():
    gan = _style_gan(side=8)
    with pytest.raises(ValueError, match=r"make_style_discriminator\(\(H, W, 2\)\)"):
        gan.compile(pack=2)
    packed = ganlab.GAN(gan.generator, make_style_discriminator((8, 8, 2), width=4))
    packed.compile(pack=2, r1=1.0)
    images = np.random.default_rng(0).integers(0, 256, (16, 8, 8), dtype=np.uint8)
    history = packed.fit(images, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
