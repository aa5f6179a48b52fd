"""DCGAN builders: shapes, value ranges, logits, and clear errors."""

import keras
import numpy as np
import pytest

import ganlab
from ganlab.nets.dcgan import num_upsamplings


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3), (48, 32, 1)])
def test_generator_output_shape_keeps_channel_axis(shape):
    g = ganlab.make_generator(latent_dim=8, image_shape=shape, width=4)
    out = _np(g(np.random.normal(size=(2, 8)).astype("float32")))
    assert out.shape == (2, *shape)
    assert out.dtype == np.float32
    assert np.all(out >= -1.0) and np.all(out <= 1.0)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_discriminator_outputs_one_unbounded_logit(shape):
    d = ganlab.make_discriminator(image_shape=shape, width=4)
    assert d.output_shape == (None, 1)
    # Linear output: no sigmoid, so logits are not confined to [0, 1].
    assert d.layers[-1].activation is keras.activations.linear
    d.layers[-1].bias.assign([5.0])
    out = _np(d(np.zeros((2, *shape), "float32"), training=False))
    assert out.shape == (2, 1)
    assert np.all(out > 1.0)


def test_generator_without_batch_norm_has_biases_instead():
    g = ganlab.make_generator(latent_dim=8, width=4, batch_norm=False)
    assert not any(isinstance(la, keras.layers.BatchNormalization) for la in g.layers)
    weighted = [
        la
        for la in g.layers
        if isinstance(la, (keras.layers.Dense, keras.layers.Conv2DTranspose))
    ]
    assert weighted and all(la.use_bias for la in weighted)
    out = _np(g(np.random.normal(size=(3, 8)).astype("float32")))
    assert out.shape == (3, 28, 28, 1) and np.all(np.abs(out) <= 1.0)
    with_bn = ganlab.make_generator(latent_dim=8, width=4)
    assert (
        sum(isinstance(la, keras.layers.BatchNormalization) for la in with_bn.layers)
        == 3
    )


def test_default_networks_are_the_seed_dcgan():
    g = ganlab.make_generator()
    assert g.input_shape == (None, 100) and g.output_shape == (None, 28, 28, 1)
    convs = [la for la in g.layers if isinstance(la, keras.layers.Conv2DTranspose)]
    assert [c.filters for c in convs] == [128, 64, 1]
    assert [c.strides for c in convs] == [(1, 1), (2, 2), (2, 2)]
    assert convs[-1].activation is keras.activations.tanh
    dense = [la for la in g.layers if isinstance(la, keras.layers.Dense)][0]
    assert dense.units == 7 * 7 * 256
    d = ganlab.make_discriminator()
    convs = [la for la in d.layers if isinstance(la, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 128]


def test_upsampling_counts():
    assert num_upsamplings((28, 28, 1)) == 2
    assert num_upsamplings((32, 32, 3)) == 3
    assert num_upsamplings((64, 64, 3)) == 4


@pytest.mark.parametrize("shape", [(27, 27, 1), (6, 6, 1), (28, 28), (0, 28, 1)])
def test_unbuildable_shapes_raise(shape):
    with pytest.raises(ValueError, match="image_shape|Cannot build"):
        ganlab.make_generator(image_shape=shape)
    with pytest.raises(ValueError, match="image_shape|Cannot build"):
        ganlab.make_discriminator(image_shape=shape)


def test_bad_latent_dim_raises():
    with pytest.raises(ValueError, match="latent_dim"):
        ganlab.make_generator(latent_dim=0)


def test_builders_take_keyword_arguments_after_the_first():
    with pytest.raises(TypeError):
        ganlab.make_generator(8, (28, 28, 1))
    with pytest.raises(TypeError):
        ganlab.make_discriminator((28, 28, 1), 10)


@pytest.mark.parametrize("pack", [1, 3])
@pytest.mark.parametrize(
    "label_options",
    [{}, {"projection": True}, {"projection": True, "tile_label": False}],
)
def test_conditional_and_packing_discriminators(pack, label_options):
    k = 5
    d = ganlab.make_discriminator(
        num_classes=k, width=4, pack=pack, dropout=0, **label_options
    )
    assert d.input_shape == [(None, 28, 28, pack), (None, pack * k)]
    x = np.zeros((2, 28, 28, pack), "float32")
    y = np.eye(pack * k, dtype="float32")[[0, 1]]
    assert _np(d([x, y])).shape == (2, 1)
    tiled = "tile_label" in [layer.name for layer in d.layers]
    assert tiled == label_options.get("tile_label", True)
    assert ("projection" in [layer.name for layer in d.layers]) == bool(label_options)


def test_conditional_generator_takes_noise_and_label():
    g = ganlab.make_generator(8, num_classes=3, width=4, image_shape=(32, 32, 3))
    assert g.input_shape == [(None, 8), (None, 3)]
    out = _np(g([np.zeros((2, 8), "float32"), np.eye(3, dtype="float32")[:2]]))
    assert out.shape == (2, 32, 32, 3)


@pytest.mark.parametrize("bad", [1, 2.5, 0])
def test_bad_class_counts_and_packs_raise(bad):
    with pytest.raises(ValueError, match="num_classes must be an integer"):
        ganlab.make_generator(8, num_classes=bad)
    with pytest.raises(ValueError, match="pack must be a positive integer"):
        ganlab.make_discriminator(pack=bad if bad != 1 else -1)


def test_pack_discriminator_fits_a_gan_compiled_with_that_pack():
    g = ganlab.make_generator(8, width=4)
    gan = ganlab.GAN(g, ganlab.make_discriminator(width=4, pack=2))
    with pytest.raises(ValueError, match="pack=1 needs a discriminator taking"):
        gan.compile()
    gan.compile(pack=2)
    assert gan.pack == 2
