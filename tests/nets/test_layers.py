"""SelfAttention (SAGAN): shape, identity at start, attention that mixes positions."""

import keras
import numpy as np
import pytest

import ganlab
from ganlab.nets.layers import SelfAttention

pytestmark = pytest.mark.backends


def _features(shape=(2, 8, 8, 16), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def test_output_has_the_input_shape_and_gamma_starts_at_zero():
    layer = SelfAttention()
    x = _features()
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == x.shape
    assert float(keras.ops.convert_to_numpy(layer.gamma)) == 0.0
    np.testing.assert_array_equal(y, x)  # gamma = 0: the identity


def test_with_gamma_one_every_position_sees_every_other():
    """Change one corner pixel: with attention, the far corner's output moves."""
    layer = SelfAttention()
    x = _features()
    layer(x)
    layer.gamma.assign(1.0)
    x2 = x.copy()
    x2[:, 0, 0, :] += 5.0
    y, y2 = (keras.ops.convert_to_numpy(layer(v)) for v in (x, x2))
    assert np.abs(y2[:, -1, -1] - y[:, -1, -1]).max() > 1e-4


def test_the_attention_weights_match_a_hand_computed_softmax():
    layer = SelfAttention()
    x = _features((1, 2, 2, 8), seed=1)
    layer(x)
    layer.gamma.assign(1.0)
    flat = x.reshape(1, 4, 8)

    def conv(c, v):  # a 1x1 convolution is a matrix product plus bias
        kernel, bias = (keras.ops.convert_to_numpy(w) for w in c.weights)
        return v @ kernel[0, 0] + bias

    q, k, v = (conv(c, flat) for c in (layer.query, layer.key, layer.value))
    logits = q @ k.transpose(0, 2, 1)
    beta = np.exp(logits - logits.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    expected = flat + conv(layer.out, beta @ v)
    got = keras.ops.convert_to_numpy(layer(x)).reshape(1, 4, 8)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_networks_place_attention_at_the_side_asked_for():
    g = ganlab.make_generator(16, image_shape=(32, 32, 1), width=16, attention_at=16)
    (attention,) = [la for la in g.layers if isinstance(la, SelfAttention)]
    assert attention.output.shape[1:3] == (16, 16)
    assert g.output.shape[1:] == (32, 32, 1)
    d = ganlab.make_discriminator(
        (32, 32, 1), width=16, attention_at=16, spectral_norm=True
    )
    assert sum(isinstance(la, SelfAttention) for la in d.layers) == 1
    with pytest.raises(ValueError, match="choose one of"):
        ganlab.make_generator(16, image_shape=(32, 32, 1), attention_at=12)


def test_a_gan_with_attention_trains_saves_and_loads(tmp_path):
    g = ganlab.make_generator(8, image_shape=(16, 16, 1), width=8, attention_at=8)
    d = ganlab.make_discriminator((16, 16, 1), width=8, attention_at=8)
    gan = ganlab.GAN(g, d, latent_dim=8, seed=0)
    gan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, (64, 16, 16, 1))
    gan.fit(images.astype("float32"), batch_size=32, epochs=1, verbose=0)
    path = tmp_path / "sagan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(
        loaded.generate(4, seed=1), gan.generate(4, seed=1), atol=1e-6
    )
