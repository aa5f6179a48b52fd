"""ganlab.gan.augment: DiffAugment and ADA against hand-computed expectations."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from ganlab.backend import BACKEND, value_and_grad
from ganlab.gan.augment import ADA, DiffAugment, ada_update, get, overfitting_signal

SHAPES = [(28, 28, 1), (32, 32, 3), (16, 24, 3)]


def make_images(batch, shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (batch, *shape)).astype("f4")


def tensor(x, dtype="float32"):
    return ops.convert_to_tensor(np.asarray(x), dtype)


def as_np(x):
    return ops.convert_to_numpy(x)


def per_image(values):
    """(B,) floats → a (B, 1, 1, 1) float32 tensor, as draws hold them."""
    return tensor(np.asarray(values, "f4").reshape(-1, 1, 1, 1))


def color_draws(brightness=0.0, saturation=1.0, contrast=1.0, batch=2):
    return {
        "brightness": per_image(np.broadcast_to(brightness, (batch,))),
        "saturation": per_image(np.broadcast_to(saturation, (batch,))),
        "contrast": per_image(np.broadcast_to(contrast, (batch,))),
    }


def ada_draws(name, values, on=True):
    values = np.asarray(values)
    dtype = "int32" if values.dtype.kind == "i" else "float32"
    mask = np.full(len(values), on)
    return {name: tensor(values, dtype), f"{name}_mask": tensor(mask, "bool")}


def shift_zero(img, dy, dx):
    """np.roll with zero fill instead of wrap-around."""
    out = np.roll(img, (dy, dx), axis=(0, 1))
    out[: max(dy, 0)] = 0
    out[img.shape[0] + min(dy, 0) :] = 0
    out[:, : max(dx, 0)] = 0
    out[:, img.shape[1] + min(dx, 0) :] = 0
    return out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("augmenter", [DiffAugment(), ADA()], ids=repr)
def test_shape_and_dtype_kept(shape, augmenter):
    x = make_images(6, shape)
    seed = keras.random.SeedGenerator(0)
    for dtype in ("float32", "bfloat16"):
        draws = augmenter.draw(6, shape, seed_generator=seed, probability=0.8)
        y = augmenter.apply(tensor(x, dtype), draws)
        assert tuple(y.shape) == (6, *shape)
        assert keras.backend.standardize_dtype(y.dtype) == dtype
    assert not np.allclose(as_np(y).astype("f4"), x, atol=0.05)


@pytest.mark.parametrize("channels", [1, 3])
def test_diffaugment_color_matches_formulas(channels):
    x = make_images(2, (8, 8, channels))
    color = DiffAugment("color")
    y = color.apply(tensor(x), color_draws(brightness=[0.3, -0.2]))
    np.testing.assert_allclose(
        as_np(y), x + np.array([0.3, -0.2])[:, None, None, None], atol=1e-6
    )
    y = as_np(color.apply(tensor(x), color_draws(saturation=[0.0, 2.0])))
    mean_c = x.mean(-1, keepdims=True)
    expected = mean_c + (x - mean_c) * np.array([0.0, 2.0])[:, None, None, None]
    np.testing.assert_allclose(y, expected, atol=1e-5)
    if channels == 1:  # grey: saturation is a no-op
        np.testing.assert_allclose(y, x, atol=1e-6)
    else:  # s = 0 makes the first image grey
        np.testing.assert_allclose(y[0], np.repeat(mean_c[0], 3, axis=-1), atol=1e-6)
    y = as_np(color.apply(tensor(x), color_draws(contrast=[0.5, 1.5])))
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    expected = mean + (x - mean) * np.array([0.5, 1.5])[:, None, None, None]
    np.testing.assert_allclose(y, expected, atol=1e-5)


def test_diffaugment_translation_is_a_zero_filled_roll():
    x = make_images(3, (16, 24, 3))
    shifts = [(2, -3), (-4, 4), (0, 0)]
    draws = {"translation": tensor(shifts, "int32")}
    y = as_np(DiffAugment("translation").apply(tensor(x), draws))
    for img, out, (dy, dx) in zip(x, y, shifts):
        np.testing.assert_array_equal(out, shift_zero(img, dy, dx))


def test_diffaugment_cutout_zeroes_the_expected_rectangle():
    x = make_images(3, (16, 24, 3)) + 2.0  # no pixel is 0 before cutout
    corners = [(0, 0), (-3, 17), (10, 5)]  # an 8 × 12 rectangle, clipped
    y = as_np(
        DiffAugment("cutout").apply(tensor(x), {"cutout": tensor(corners, "int32")})
    )
    for img, out, (top, left) in zip(x, y, corners):
        expected = img.copy()
        expected[max(top, 0) : top + 8, max(left, 0) : left + 12] = 0
        np.testing.assert_array_equal(out, expected)
    assert (y[1] == 0).sum() == 5 * 7 * 3


def test_diffaugment_draw_ranges():
    seed = keras.random.SeedGenerator(1)
    draws = DiffAugment().draw(2000, (16, 24, 3), seed_generator=seed)
    for name, low, high in [
        ("brightness", -0.5, 0.5),
        ("saturation", 0, 2),
        ("contrast", 0.5, 1.5),
    ]:
        values = as_np(draws[name])
        assert values.shape == (2000, 1, 1, 1)
        assert low <= values.min() < low + 0.05 and high - 0.05 < values.max() <= high
    shift = as_np(draws["translation"])  # round(16/8) = 2, round(24/8) = 3
    assert shift.shape == (2000, 2)
    assert set(shift[:, 0]) == set(range(-2, 3)) and set(shift[:, 1]) == set(
        range(-3, 4)
    )
    corner = as_np(draws["cutout"])  # 8 × 12, centre in [0, 16] × [0, 24]
    assert set(corner[:, 0]) == set(range(-4, 13))
    assert set(corner[:, 1]) == set(range(-6, 19))


@pytest.mark.parametrize("augmenter", [DiffAugment(), ADA()], ids=repr)
def test_gradient_reaches_the_pixels(augmenter):
    x = tensor(make_images(4, (16, 16, 3)))
    draws = augmenter.draw(
        4, (16, 16, 3), seed_generator=keras.random.SeedGenerator(2), probability=1.0
    )
    (loss, _), grads = value_and_grad(
        lambda v: (ops.sum(augmenter.apply(v, draws) ** 2), None)
    )(x)
    grads = as_np(grads)
    assert grads.shape == (4, 16, 16, 3) and np.isfinite(grads).all()
    assert (np.abs(grads).reshape(4, -1).max(axis=1) > 0).all()


def test_translation_gradient_counts_the_pixels_kept():
    x = tensor(make_images(3, (16, 24, 3)))
    draws = {"translation": tensor([(2, -3), (-4, 4), (0, 0)], "int32")}
    shift = DiffAugment("translation")
    (_, kept), grads = value_and_grad(
        lambda v: (ops.sum(shift.apply(v, draws)), shift.apply(ops.ones_like(v), draws))
    )(x)
    grads = as_np(grads)
    assert set(np.unique(grads)) == {0.0, 1.0}
    np.testing.assert_array_equal(
        grads.sum(axis=(1, 2, 3)), as_np(kept).sum(axis=(1, 2, 3))
    )
    assert grads[2].min() == 1.0  # no shift: every pixel reaches the output


@pytest.mark.parametrize("shape", SHAPES)
def test_ada_p0_is_identity_p1_changes_every_image(shape):
    x = make_images(64, shape)
    ada, seed = ADA(), keras.random.SeedGenerator(3)
    draws = ada.draw(64, shape, seed_generator=seed, probability=tensor(0.0))
    np.testing.assert_allclose(as_np(ada.apply(tensor(x), draws)), x, atol=1e-6)
    draws = ada.draw(64, shape, seed_generator=seed, probability=keras.Variable(1.0))
    change = np.abs(as_np(ada.apply(tensor(x), draws)) - x).reshape(64, -1).max(axis=1)
    assert (change > 1e-3).all()


def test_ada_applies_each_transform_with_probability_p():
    seed, n = keras.random.SeedGenerator(4), 4000
    draws = ADA().draw(n, (8, 8, 3), seed_generator=seed, probability=tensor(0.5))
    for name in ADA().names:
        assert abs(as_np(draws[f"{name}_mask"]).mean() - 0.5) < 0.04, name
    bright = ADA("brightness")
    x = make_images(n, (4, 4, 3))
    draws = bright.draw(n, (4, 4, 3), seed_generator=seed, probability=0.5)
    changed = (as_np(bright.apply(tensor(x), draws)) != x).reshape(n, -1).any(axis=1)
    assert abs(changed.mean() - 0.5) < 0.04
    np.testing.assert_array_equal(changed, as_np(draws["brightness_mask"]))


def test_ada_geometric_transforms_exactly():
    x = make_images(4, (8, 8, 3))
    y = as_np(ADA("xflip").apply(tensor(x), ada_draws("xflip", [1, 0, 1, 0])))
    np.testing.assert_array_equal(y[0], x[0, :, ::-1])
    np.testing.assert_array_equal(y[1], x[1])
    y = as_np(ADA("rotate90").apply(tensor(x), ada_draws("rotate90", [0, 1, 2, 3])))
    for k in range(4):
        np.testing.assert_array_equal(y[k], np.rot90(x[k], k, axes=(0, 1)))
    shifts = [(1, -1), (-1, 0), (0, 1), (0, 0)]  # up to round(8/8) = 1
    y = as_np(ADA("xint").apply(tensor(x), ada_draws("xint", shifts)))
    for img, out, (dy, dx) in zip(x, y, shifts):
        padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="reflect")
        np.testing.assert_array_equal(out, padded[1 - dy : 9 - dy, 1 - dx : 9 - dx])
    off = ada_draws("rotate90", [1, 2, 3, 1], on=False)
    np.testing.assert_array_equal(as_np(ADA("rotate90").apply(tensor(x), off)), x)


def test_ada_color_transforms_exactly():
    x = make_images(2, (4, 4, 3))
    draws = {
        **ada_draws("brightness", [0.5, -0.25]),
        **ada_draws("contrast", [2.0, 0.5]),
    }
    y = as_np(ADA("brightness,contrast").apply(tensor(x), draws))
    np.testing.assert_allclose(
        y,
        (x + np.array([0.5, -0.25])[:, None, None, None])
        * np.array([2.0, 0.5])[:, None, None, None],
        atol=1e-6,
    )
    y = as_np(ADA("hue").apply(tensor(x), ada_draws("hue", [2 * math.pi / 3, 0.0])))
    np.testing.assert_allclose(y[0], np.roll(x[0], 1, axis=-1), atol=1e-5)  # R → G → B
    np.testing.assert_allclose(y[1], x[1], atol=1e-6)
    y = as_np(ADA("saturation").apply(tensor(x), ada_draws("saturation", [0.0, 3.0])))
    mean_c = x.mean(-1, keepdims=True)
    np.testing.assert_allclose(
        y, mean_c + (x - mean_c) * np.array([0.0, 3.0])[:, None, None, None], atol=1e-5
    )
    y = as_np(ADA("lumaflip").apply(tensor(x), ada_draws("lumaflip", [1, 0])))
    np.testing.assert_allclose(y[0], x[0] - 2 * mean_c[0], atol=1e-6)
    np.testing.assert_array_equal(y[1], x[1])
    grey = make_images(2, (4, 4, 1))
    draws = {
        **ada_draws("lumaflip", [1, 1]),
        **ada_draws("hue", [1.0, 2.0]),
        **ada_draws("saturation", [0.1, 4.0]),
    }
    y = as_np(ADA("lumaflip,hue,saturation").apply(tensor(grey), draws))
    np.testing.assert_allclose(
        y, -grey, atol=1e-6
    )  # grey: luma flip negates, hue and saturation no-ops


def test_ada_rotate90_left_out_for_non_square_images():
    ada, seed = ADA("rotate90,xflip"), keras.random.SeedGenerator(5)
    draws = ada.draw(4, (16, 24, 3), seed_generator=seed, probability=1.0)
    assert "rotate90" not in draws and "xflip" in draws
    assert "rotate90" in ada.draw(4, (16, 16, 3), seed_generator=seed, probability=1.0)


def test_ada_update_controller():
    step = 64 * 4 / 500_000
    up = ada_update(0.5, tensor(0.9), batch_size=64)
    down = ada_update(tensor(0.5), 0.1, batch_size=64)
    np.testing.assert_allclose(
        [as_np(up), as_np(down)], [0.5 + step, 0.5 - step], rtol=1e-6
    )
    assert float(as_np(ada_update(0.5, 0.6, batch_size=64))) == 0.5
    assert float(as_np(ada_update(0.9999, 1.0, batch_size=64))) == 1.0
    assert float(as_np(ada_update(1e-5, -1.0, batch_size=64))) == 0.0
    custom = ada_update(
        0.2,
        0.8,
        target=0.9,
        batch_size=tensor(32, "int32"),
        interval=2,
        speed_images=1000,
    )
    np.testing.assert_allclose(as_np(custom), 0.2 - 32 * 2 / 1000, rtol=1e-6)


def test_overfitting_signal_is_mean_sign():
    assert (
        float(as_np(overfitting_signal(tensor([[2.0], [-1.0], [3.0], [0.5]])))) == 0.5
    )
    assert float(as_np(overfitting_signal(tensor([-1.0, -2.0])))) == -1.0


@pytest.mark.parametrize("augmenter", [DiffAugment(), ADA()], ids=repr)
def test_draws_reproducible_from_seed(augmenter):
    def draw(seed):
        gen = keras.random.SeedGenerator(seed)
        return {
            k: as_np(v)
            for k, v in augmenter.draw(
                16, (16, 16, 3), seed_generator=gen, probability=0.5
            ).items()
        }

    first, again, other = draw(7), draw(7), draw(8)
    assert first.keys() == again.keys() == other.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert any(not np.array_equal(first[k], other[k]) for k in first)


def test_get_and_config_round_trip():
    assert get(None) is None and get("none") is None
    assert isinstance(get("diffaugment"), DiffAugment) and isinstance(get("ADA"), ADA)
    diff = DiffAugment("cutout, color")
    assert get(diff) is diff and diff.policy == "cutout,color"
    assert get(diff.get_config()).policy == "cutout,color"
    assert get(ADA("xflip,hue").get_config()).transforms == "xflip,hue"
    for augmenter in (diff, ADA("hue")):
        restored = get(keras.saving.serialize_keras_object(augmenter))
        assert type(restored) is type(augmenter)
        assert restored.get_config() == augmenter.get_config()


def test_errors():
    with pytest.raises(ValueError, match="color, translation, cutout"):
        DiffAugment("color,zoom")
    with pytest.raises(ValueError, match="xflip"):
        ADA("xflip,scale")
    with pytest.raises(ValueError, match="diffaugment"):
        get("bogus")
    with pytest.raises(ValueError):
        get({"p": 0.5})
    with pytest.raises(TypeError):
        get(3)
    with pytest.raises(ValueError, match="probability"):
        ADA().draw(2, (8, 8, 3), seed_generator=keras.random.SeedGenerator(0))
    for augmenter in (DiffAugment(), ADA()):
        with pytest.raises(ValueError, match="4-D"):
            augmenter.apply(tensor(make_images(2, (8, 8))), {})


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function is TensorFlow's")
def test_traces_in_tf_function_with_unknown_batch():
    import tensorflow as tf

    seed, p = keras.random.SeedGenerator(9), keras.Variable(0.5)

    @tf.function(input_signature=[tf.TensorSpec((None, 16, 24, 3), tf.float32)])
    def augment(x):
        batch = ops.shape(x)[0]
        outs = []
        for augmenter in (DiffAugment(), ADA()):
            draws = augmenter.draw(
                batch, x.shape[1:], seed_generator=seed, probability=p
            )
            outs.append(augmenter.apply(x, draws))
        return outs

    outs = augment.get_concrete_function().structured_outputs
    assert all(out.shape.as_list() == [None, 16, 24, 3] for out in outs)
    x = make_images(5, (16, 24, 3))
    for y in augment(tensor(x)):
        assert y.shape == (5, 16, 24, 3) and not np.allclose(y.numpy(), x)


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit is JAX's")
def test_apply_jits_on_jax():
    import jax

    x = tensor(make_images(4, (16, 16, 3)))
    for augmenter in (DiffAugment(), ADA()):
        draws = augmenter.draw(
            4,
            (16, 16, 3),
            seed_generator=keras.random.SeedGenerator(1),
            probability=0.5,
        )
        jitted = jax.jit(augmenter.apply)(x, draws)
        np.testing.assert_allclose(
            as_np(jitted), as_np(augmenter.apply(x, draws)), atol=1e-5
        )
