"""What GAN, Pix2Pix and CycleGAN share (ganlab.gan.two_player), on every backend:
saving the seed and the optimizers, resuming exactly, augmentation of what
the discriminators see, and the translators' answers to bad input."""

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan, weights_of
from keras import ops

from ganlab.gan.two_player import TwoPlayerModel
from ganlab.translation.pix2pix import (
    CycleGAN,
    Pix2Pix,
    make_patchgan_discriminator,
    make_unet_generator,
)

pytestmark = pytest.mark.backends

SHAPE = (16, 16, 1)
RNG = np.random.default_rng(3)
X = RNG.integers(0, 256, (16, *SHAPE), dtype=np.uint8)
Y = RNG.integers(0, 256, (16, *SHAPE), dtype=np.uint8)


def _pix2pix(**compile_kwargs):
    keras.utils.set_random_seed(4)
    # No dropout: every random draw then comes from the model's own seed.
    g = make_unet_generator(SHAPE, width=4, dropout=0.0)
    d = make_patchgan_discriminator(SHAPE, condition_shape=SHAPE, width=4)
    model = Pix2Pix(g, d, seed=4)
    model.compile(**compile_kwargs)
    return model


def _cyclegan(**compile_kwargs):
    keras.utils.set_random_seed(5)
    nets = [
        make_unet_generator(SHAPE, width=4, norm="instance", dropout=0.0)
        for _ in range(2)
    ]
    nets += [
        make_patchgan_discriminator(SHAPE, width=4, norm="instance") for _ in range(2)
    ]
    model = CycleGAN(*nets, pool_size=4, seed=5)
    model.compile(**compile_kwargs)
    return model


def _fit(model, **kwargs):
    data = ((X, Y),) if isinstance(model, Pix2Pix) else (X, Y)
    return model.fit(
        *data, batch_size=8, epochs=1, steps_per_epoch=2, shuffle=False, verbose=0,
        **kwargs,
    )  # fmt: skip


def _optimizer_values(model):
    return weights_of(model.d_optimizer.variables + model.g_optimizer.variables)


def test_every_two_player_model_is_one_base():
    for cls in (Pix2Pix, CycleGAN):
        assert issubclass(cls, TwoPlayerModel)
    from ganlab import GAN

    assert issubclass(GAN, TwoPlayerModel)


@pytest.mark.parametrize(
    "build, compile_kwargs",
    [
        (_pix2pix, {"augment": "ada", "ada_target": -1.0, "ada_speed": 64}),
        (_cyclegan, {"augment": "diffaugment"}),
    ],
    ids=["pix2pix-ada", "cyclegan-diffaugment"],
)
def test_a_loaded_translator_resumes_exactly(build, compile_kwargs, tmp_path):
    """Save after two steps, load, and the next two steps are the same: the
    weights, both optimizers' state (Adam's moments, iterations), the seed's
    state (augmentation draws), ADA's p and CycleGAN's pools all came back."""
    model = build(**compile_kwargs)
    _fit(model)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded) is type(model)
    assert repr(loaded.augmenter) == repr(model.augmenter)
    for a, b in zip(_optimizer_values(model), _optimizer_values(loaded)):
        np.testing.assert_array_equal(a, b)
    assert int(ops.convert_to_numpy(loaded.g_optimizer.iterations)) == 2
    np.testing.assert_array_equal(
        ops.convert_to_numpy(loaded.seed_generator.state),
        ops.convert_to_numpy(model.seed_generator.state),
    )
    logs = [_fit(m).history for m in (model, loaded)]
    assert logs[0].keys() == logs[1].keys()
    if compile_kwargs["augment"] == "ada":
        assert "aug_p" in logs[0] and logs[0]["aug_p"][0] > 0
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for a, b in zip(_optimizer_values(model), _optimizer_values(loaded)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_the_seed_is_saved_under_one_key_and_old_files_load():
    gan = make_tiny_gan()
    for model in (gan, _pix2pix()):
        store = {}
        model.save_own_variables(store)
        assert "seed_state" in store
    # ganlab 0.2's GAN saved it as noise_seed_state.
    state = np.array([7, 9], dtype=np.asarray(gan.seed_generator.state).dtype)
    gan.load_own_variables({"noise_seed_state": state})
    np.testing.assert_array_equal(ops.convert_to_numpy(gan.seed_generator.state), state)


def test_one_draw_moves_both_images_of_a_pair():
    """Pix2Pix's D sees (x, y) through one augmentation: equal images stay
    equal, and the transform does change them."""
    model = _pix2pix(augment="diffaugment")
    x = ops.convert_to_tensor(X[:8].astype("float32") / 127.5 - 1)
    draws = model._draw_augment(8, SHAPE)
    seen_x, seen_y = (ops.convert_to_numpy(t) for t in model._seen(x, x, draws))
    np.testing.assert_array_equal(seen_x, seen_y)
    assert not np.allclose(seen_x, ops.convert_to_numpy(x))


def test_augmentation_reaches_the_discriminators_only():
    """With DiffAugment a step's D loss differs from the one without, from
    the same weights and data; translate() is never augmented."""
    plain, augmented = _pix2pix(), _pix2pix(augment="diffaugment")
    augmented.set_weights(plain.get_weights())
    np.testing.assert_array_equal(augmented.translate(X), plain.translate(X))
    d_plain = _fit(plain).history["d_loss"][0]
    d_augmented = _fit(augmented).history["d_loss"][0]
    assert np.isfinite(d_augmented) and abs(d_augmented - d_plain) > 1e-6


# ------------------------------------------------------------ bad input --
@pytest.fixture(scope="module")
def rgb_pix2pix():
    keras.utils.set_random_seed(0)
    shape = (16, 16, 3)
    g = make_unet_generator(shape, width=4)
    d = make_patchgan_discriminator(shape, condition_shape=shape, width=4)
    model = Pix2Pix(g, d, seed=0)
    model.compile()
    return model


@pytest.mark.parametrize(
    "images, match",
    [
        (np.zeros((4, 16, 16, 1), np.uint8), r"np\.repeat\(x, 3, axis=-1\)"),
        (np.zeros((4, 16, 16, 4), np.uint8), r"drop the alpha channel"),
        (np.zeros((4, 32, 32, 3), np.uint8), "Resize them"),
        (np.zeros((4, 16, 16, 3), bool), "must hold numbers"),
    ],
    ids=["gray-into-rgb", "rgba", "size", "bool"],
)
def test_translator_input_errors_say_the_fix(rgb_pix2pix, images, match):
    with pytest.raises(ValueError, match=match):
        rgb_pix2pix.translate(images)
    ok = np.zeros((4, 16, 16, 3), np.uint8)
    with pytest.raises(ValueError, match=match):
        rgb_pix2pix.fit((images, ok), epochs=1, verbose=0)


def test_uint8_and_float_pictures_translate_alike(rgb_pix2pix):
    pixels = RNG.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    floats = pixels.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(
        rgb_pix2pix.translate(pixels), rgb_pix2pix.translate(floats), atol=1e-6
    )
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        rgb_pix2pix.translate(pixels / 255.0)


def test_one_picture_and_labels_are_refused():
    model = _cyclegan()
    with pytest.raises(ValueError, match="CMP Facades"):
        model.fit(X[:1], Y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="takes no labels"):
        model.fit((X, np.arange(16) % 2), Y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="takes no labels"):
        model.fit(X, (Y, np.arange(16) % 2), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="CMP Facades"):
        _pix2pix().fit((X[:1], Y[:1]), epochs=1, verbose=0)


def test_a_unet_for_a_side_that_halves_once_warns():
    with pytest.warns(UserWarning, match="halve only once"):
        make_unet_generator((30, 30, 1), width=4)
