"""The small StyleGAN2: layers, generator, discriminator, truncation, in a GAN."""

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan

import ganlab
from ganlab.nets.stylegan import (
    ModulatedConv2D,
    NoiseInjection,
    StyleGenerator,
    make_style_discriminator,
    make_style_generator,
    mix_styles,
)

# The models, truncation, mixing and save/load/resume run on every backend
# (the backends marker); the layers' math, in keras.ops, on TensorFlow only.

LATENT = 8


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _z(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, LATENT)).astype("float32")


def _tiny_generator(**kwargs):
    kwargs = {"image_shape": (32, 32, 1), "width": 4, "num_mapping": 2, "seed": 1,
              **kwargs}  # fmt: skip
    return make_style_generator(LATENT, **kwargs)


@pytest.fixture(scope="module")
def generator():
    """Noise strengths are 0 at initialisation: the outputs are deterministic."""
    keras.utils.set_random_seed(0)
    return _tiny_generator()


@pytest.mark.backends
def test_shapes_and_ranges(generator):
    assert generator.num_ws == 8  # 2·log2(32) - 2
    assert generator.input_shape == (None, LATENT)
    assert generator.output_shape == (None, 32, 32, 1)
    z = _z(3)
    w = _np(generator.mapping(z))
    assert w.shape == (3, LATENT)
    images = _np(generator(z))
    assert images.shape == (3, 32, 32, 1) and images.dtype == np.float32
    assert np.all(np.abs(images) <= 1.0) and images.std() > 0.01
    ws = generator.broadcast(keras.ops.convert_to_tensor(w))
    assert tuple(ws.shape) == (3, 8, LATENT)
    np.testing.assert_allclose(_np(generator.synthesis(ws)), images, atol=1e-5)

    d = make_style_discriminator((32, 32, 1), width=4)
    assert d.output_shape == (None, 1)
    logits = _np(d(images, training=False))
    assert logits.shape == (3, 1) and np.all(np.isfinite(logits))
    rgb = make_style_generator(LATENT, image_shape=(16, 16, 3), width=4, num_mapping=1)
    assert rgb.num_ws == 6 and _np(rgb(_z(2))).shape == (2, 16, 16, 3)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 16, 1), (4, 4, 1), (24, 24, 1)])
def test_bad_image_shapes_raise(shape):
    with pytest.raises(ValueError, match="4·2\\^k"):
        make_style_generator(LATENT, image_shape=shape)
    with pytest.raises(ValueError, match="4·2\\^k"):
        make_style_discriminator(shape)


def test_demodulation_keeps_unit_variance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 32, 32, 16)).astype("float32")
    w = 3.0 * rng.standard_normal((4, 8)).astype("float32")  # styles far from 1
    keras.utils.set_random_seed(0)
    std = _np(ModulatedConv2D(16, 3)([x, w])).std()
    plain = _np(ModulatedConv2D(16, 3, demodulate=False)([x, w])).std()
    # 'same' zero padding lowers the variance at the border a little.
    assert 0.9 < std < 1.05
    assert plain > 1.5


def test_non_fused_modulation_equals_per_sample_kernels():
    rng = np.random.default_rng(1)
    n, side, c_in, c_out, k = 2, 5, 3, 4, 3
    x = rng.standard_normal((n, side, side, c_in)).astype("float32")
    w = rng.standard_normal((n, 6)).astype("float32")
    layer = ModulatedConv2D(c_out, k)
    layer([x, w])
    layer.bias.assign(rng.standard_normal(c_out).astype("float32"))
    s = _np(layer.styles(w))  # (n, c_in)
    kernel = _np(layer.effective_kernel())  # (k, k, c_in, c_out)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.zeros((n, side, side, c_out), "float64")
    for b in range(n):
        modulated = kernel * s[b][None, None, :, None]  # w' = s_i w_ijk
        demod = modulated / np.sqrt((modulated**2).sum(axis=(0, 1, 2)) + 1e-8)
        for i in range(side):
            for j in range(side):
                patch = padded[b, i : i + k, j : j + k, :]  # cross-correlation
                expected[b, i, j] = np.einsum("hwc,hwco->o", patch, demod)
    expected += _np(layer.bias)
    np.testing.assert_allclose(_np(layer([x, w])), expected, atol=1e-4)

    up = ModulatedConv2D(c_out, 1, upsample=True, demodulate=False)
    assert _np(up([x, w])).shape == (n, 2 * side, 2 * side, c_out)


def test_noise_injection_is_fresh_and_starts_off():
    x = np.zeros((2, 4, 4, 3), "float32")
    layer = NoiseInjection(seed=0)
    np.testing.assert_array_equal(_np(layer(x)), x)  # strength 0
    layer.strength.assign([1.0, 2.0, 0.0])
    a, b = _np(layer(x)), _np(layer(x))
    assert not np.allclose(a, b)  # a new draw every call
    np.testing.assert_allclose(a[..., 1], 2.0 * a[..., 0], atol=1e-6)  # one channel
    np.testing.assert_array_equal(a[..., 2], 0.0)


@pytest.mark.backends
def test_truncation(generator):
    z = _z(4)
    w_avg = np.random.default_rng(2).standard_normal(LATENT).astype("float32")
    old = _np(generator.w_avg)
    generator.w_avg.assign(w_avg)
    try:
        generator.truncation_psi = 0.0
        images = _np(generator(z))
        for row in images[1:]:
            np.testing.assert_allclose(row, images[0], atol=1e-5)
        mean_image = _np(generator.synthesis(generator.broadcast(w_avg[None])))
        np.testing.assert_allclose(images[:1], mean_image, atol=1e-5)
        generator.truncation_psi = 0.5
        w = _np(generator.mapping(z))
        half = _np(generator.synthesis(generator.broadcast(w_avg + 0.5 * (w - w_avg))))
        np.testing.assert_allclose(_np(generator(z)), half, atol=1e-5)
        generator.truncation_psi = 1.0
        plain = _np(generator.synthesis(generator.broadcast(w)))
        np.testing.assert_allclose(_np(generator(z)), plain, atol=1e-5)
    finally:
        generator.truncation_psi = 1.0
        generator.w_avg.assign(old)


def test_mix_styles_rows():
    w1 = np.ones((2, 3), "float32")
    w2 = -np.ones((2, 3), "float32")
    ws = _np(mix_styles(w1, w2, 3, 8))
    assert ws.shape == (2, 8, 3)
    np.testing.assert_array_equal(ws[:, :3], 1.0)
    np.testing.assert_array_equal(ws[:, 3:], -1.0)
    np.testing.assert_array_equal(_np(mix_styles(w1, w2, 8, 8)), 1.0)
    np.testing.assert_array_equal(_np(mix_styles(w1, w2, 0, 8)), -1.0)
    crossover = keras.ops.convert_to_tensor(5, "int32")
    np.testing.assert_array_equal(_np(mix_styles(w1, w2, crossover, 8))[:, 4:6, 0],
                                  [[1.0, -1.0], [1.0, -1.0]])  # fmt: skip


@pytest.mark.backends
def test_mixing_and_w_avg_in_training(generator):
    z = _z(6, seed=3)
    old = _np(generator.w_avg)
    try:
        generator.mixing = 0.0
        unmixed = _np(generator(z, training=True))
        after = _np(generator.w_avg)
        # w_avg <- mean(w) + β (w_avg - mean(w)), only in training mode.
        mean_w = _np(generator.mapping(z)).mean(axis=0)
        np.testing.assert_allclose(after, mean_w + 0.995 * (old - mean_w), atol=1e-6)
        assert np.abs(after - old).max() > 0
        inference = _np(generator(z, training=False))
        np.testing.assert_array_equal(_np(generator.w_avg), after)
        np.testing.assert_allclose(unmixed, inference, atol=1e-5)  # no mixing
        generator.mixing = 1.0
        mixed = _np(generator(z, training=True))
        assert np.abs(mixed - unmixed).max() > 1e-3
    finally:
        generator.mixing = 0.9
        generator.w_avg.assign(old)


@pytest.mark.backends
def test_gan_trains_saves_loads_and_resumes(tmp_path):
    # 8×8 (two resolutions: the 4×4 block and one upsampling block, one
    # residual D block) keeps the traced train steps small; 32×32 networks
    # are the same layers, tested above.
    keras.utils.set_random_seed(4)
    g = _tiny_generator(image_shape=(8, 8, 1), num_mapping=1)
    d = make_style_discriminator((8, 8, 1), width=4)
    gan = ganlab.GAN(generator=g, discriminator=d, latent_dim=LATENT, seed=4)
    gan.compile(r1=1.0)
    images = np.random.default_rng(0).integers(0, 256, (16, 8, 8), dtype=np.uint8)
    history = gan.fit(images, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.abs(_np(g.w_avg)).max() > 0  # tracked during fit
    strengths = [_np(v) for v in g.trainable_variables if "strength" in v.path]
    assert strengths and max(np.abs(s).max() for s in strengths) > 0

    truncated = gan.generate(4, truncation=0.0, seed=0)
    assert truncated.shape == (4, 8, 8, 1) and np.all(np.abs(truncated) <= 1)
    assert g.truncation_psi == 1.0  # restored

    path = tmp_path / "style.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.generator, StyleGenerator)
    np.testing.assert_array_equal(_np(loaded.generator.w_avg), _np(g.w_avg))
    # The noise layers' seed states are saved too, so the first draws after
    # saving are the same in both models: the same images, noise included.
    np.testing.assert_allclose(
        loaded.generate(4, seed=0), gan.generate(4, seed=0), atol=1e-5
    )
    loaded.fit(images, epochs=1, batch_size=8, verbose=0)
    assert int(_np(loaded.g_optimizer.iterations)) == 4


def test_truncation_is_restored_on_error_and_refused_without_style(generator):
    gan = ganlab.GAN(generator, make_style_discriminator((32, 32, 1), width=4))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    generator.predict = broken
    try:
        with pytest.raises(RuntimeError, match="boom"):
            gan.generate(2, truncation=0.3, seed=0)
    finally:
        del generator.predict
    assert generator.truncation_psi == 1.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gan.generate(2, truncation=1.5)
    dcgan = make_tiny_gan()
    with pytest.raises(ValueError, match="truncation needs a StyleGenerator"):
        dcgan.generate(2, truncation=0.5, seed=0)
    with pytest.raises(ValueError, match="truncation needs a StyleGenerator"):
        dcgan.generate_from(_z(2), truncation=0.5)
