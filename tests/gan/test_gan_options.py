"""GAN.compile's options as one object (ganlab.GANOptions)."""

import dataclasses

import keras
import pytest
from conftest import make_tiny_gan

import ganlab
from ganlab.gan.options import GANOptions


def test_options_by_keyword_or_object_are_the_same():
    by_keyword = make_tiny_gan(r1=1.0, loss="hinge", pack=1)
    opts = GANOptions(loss="hinge", r1=1.0)
    assert by_keyword.options == opts
    gan = make_tiny_gan()
    gan.compile(options=opts, d_steps=2)  # keywords override the object
    assert gan.options == dataclasses.replace(opts, d_steps=2)
    assert gan.d_steps == 2 and gan.r1 == 1.0
    assert isinstance(gan.loss_fn, ganlab.gan.losses.Hinge)


def test_values_are_cast_and_checked_once():
    opts = GANOptions(d_steps=2.0, r1=1, ema=0)
    assert opts.d_steps == 2 and type(opts.d_steps) is int
    assert type(opts.r1) is float and type(opts.ema) is float
    with pytest.raises(ValueError, match="d_steps must be a whole number"):
        GANOptions(d_steps=1.5)
    with pytest.raises(ValueError, match="ema must be in"):
        GANOptions(ema=1.0)
    with pytest.raises(ValueError, match="simultaneous=True"):
        GANOptions(simultaneous=True, r1=1.0)


def test_an_unknown_option_names_the_closest():
    gan = make_tiny_gan()
    with pytest.raises(ValueError, match="Did you mean 'instance_noise'"):
        gan.compile(instnce_noise=0.1)
    with pytest.raises(ValueError, match="must be a ganlab.GANOptions"):
        gan.compile(options={"r1": 1.0})


def test_the_compile_config_is_the_options(tmp_path):
    gan = make_tiny_gan(r1=0.5, ema=0.9, augment="diffaugment")
    config = gan.get_compile_config()
    assert set(GANOptions.names()) <= set(config)
    gan.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert dataclasses.replace(loaded.options, augment=None, loss=None) == (
        dataclasses.replace(gan.options, augment=None, loss=None)
    )
    assert repr(loaded.augmenter) == repr(gan.augmenter)
