"""Adversarial losses against values computed by hand and with NumPy."""

import math

import keras
import numpy as np
import pytest

from ganlab.backend import value_and_grad
from ganlab.gan import losses

pytestmark = pytest.mark.backends


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


REAL = np.array([2.0, -1.0, 0.0, 0.5], dtype=np.float32)
FAKE = np.array([-3.0, 0.0, 1.5, -0.5], dtype=np.float32)


def test_discriminator_loss_at_zero_logits_is_two_log_two():
    # D(x) = D(G(z)) = 0.5: -log 0.5 - log 0.5 = 2 ln 2 for every example.
    out = _np(losses.bce_discriminator_loss(np.zeros(3), np.zeros(3)))
    np.testing.assert_allclose(out, 2 * math.log(2), rtol=1e-6)
    assert out.shape == (3,)


def test_discriminator_loss_matches_numpy():
    expected = -np.log(np_sigmoid(REAL)) - np.log(1 - np_sigmoid(FAKE))
    out = losses.bce_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)


def test_discriminator_loss_accepts_column_logits():
    out = losses.bce_discriminator_loss(REAL[:, None], FAKE[:, None])
    assert _np(out).shape == (4,)


def test_one_sided_label_smoothing():
    s = 0.1
    d_real = np_sigmoid(REAL)
    expected = (
        -(1 - s) * np.log(d_real)
        - s * np.log(1 - d_real)
        - np.log(1 - np_sigmoid(FAKE))
    )
    out = losses.bce_discriminator_loss(REAL, FAKE, label_smoothing=s)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)
    # One-sided: the fake term does not change with smoothing.
    zero_real = np.full(4, -50.0, np.float32)
    np.testing.assert_allclose(
        _np(losses.bce_discriminator_loss(zero_real, FAKE, 0.1))
        - _np(losses.bce_discriminator_loss(zero_real, FAKE, 0.0)),
        -0.1 * 50.0,
        rtol=1e-4,
    )


def test_non_saturating_generator_loss():
    expected = -np.log(np_sigmoid(FAKE))
    out = losses.bce_generator_loss(FAKE)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)
    assert np.all(_np(out) >= 0)


def test_saturating_generator_loss():
    expected = np.log(1 - np_sigmoid(FAKE))
    out = losses.bce_generator_loss(FAKE, saturating=True)
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5)
    assert np.all(_np(out) <= 0)


def test_saturating_loss_has_vanishing_gradient_where_generator_loses():
    """The reason for the non-saturating loss: compare d loss / d logit at l = -8."""
    logit = keras.ops.convert_to_tensor(np.array([-8.0], "float32"))
    grads = {}
    for saturating in (True, False):

        def loss(x, saturating=saturating):
            return keras.ops.sum(losses.bce_generator_loss(x, saturating)), None

        _, grad = value_and_grad(loss)(logit)
        grads[saturating] = abs(float(_np(grad)[0]))
    # d/dl log(1 - sigmoid(l)) = -sigmoid(l) ≈ 3.4e-4;  d/dl -log sigmoid(l) ≈ -1.
    assert grads[True] == pytest.approx(np_sigmoid(-8.0), rel=1e-3)
    assert grads[False] == pytest.approx(1 - np_sigmoid(-8.0), rel=1e-3)


def test_large_logits_are_stable():
    big = np.array([80.0, -80.0], np.float32)
    out = _np(losses.bce_discriminator_loss(big, -big))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [0.0, 160.0], atol=1e-4)


def test_get_by_name_and_errors():
    assert isinstance(losses.get("bce"), losses.BCE)
    assert losses.get("minimax").saturating
    obj = losses.BCE(label_smoothing=0.2)
    assert losses.get(obj) is obj
    with pytest.raises(ValueError, match="Unknown adversarial loss"):
        losses.get("hinge-ish")
    with pytest.raises(ValueError, match="label_smoothing"):
        losses.BCE(label_smoothing=1.0)


# --- least-squares and Wasserstein losses (issue 4) --------------------------


def test_least_squares_losses_by_hand():
    # D: ½(2 - 1)² + ½(-3)² = 0.5 + 4.5 = 5; ½(-1 - 1)² + ½ 0² = 2.
    out = losses.least_squares_discriminator_loss([2.0, -1.0], [-3.0, 0.0])
    np.testing.assert_allclose(_np(out), [5.0, 2.0], rtol=1e-6)
    # G: ½(-3 - 1)² = 8; ½(0 - 1)² = 0.5.
    out = losses.LeastSquares().generator_loss([[-3.0], [0.0]])
    np.testing.assert_allclose(_np(out), [8.0, 0.5], rtol=1e-6)


def test_wasserstein_losses_by_hand():
    out = losses.wasserstein_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(_np(out), FAKE - REAL, rtol=1e-6)
    out = losses.Wasserstein().generator_loss(FAKE)
    np.testing.assert_allclose(_np(out), -FAKE, rtol=1e-6)


def test_new_losses_by_name_and_config():
    assert isinstance(losses.get("least_squares"), losses.LeastSquares)
    assert isinstance(losses.get("lsgan"), losses.LeastSquares)
    assert isinstance(losses.get("wasserstein"), losses.Wasserstein)
    import keras

    for loss in (losses.LeastSquares(), losses.Wasserstein()):
        back = losses.get(keras.saving.serialize_keras_object(loss))
        assert type(back) is type(loss)


def test_hinge_losses_by_hand():
    # D: max(0, 1 - 2) + max(0, 1 - 3) = 0; max(0, 1 + 1) + max(0, 1 + 0) = 3.
    out = losses.hinge_discriminator_loss([2.0, -1.0], [-3.0, 0.0])
    np.testing.assert_allclose(_np(out), [0.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(_np(losses.Hinge().generator_loss(FAKE)), -FAKE)
    assert isinstance(losses.get("hinge"), losses.Hinge)
    back = losses.get(keras.saving.serialize_keras_object(losses.Hinge()))
    assert isinstance(back, losses.Hinge)


def _quadratic_critic(x):
    """D(x) = Σ x², so ∇D = 2x: ‖∇D‖ = 2‖x‖ per example."""
    flat = keras.ops.reshape(x, (keras.ops.shape(x)[0], -1))
    return keras.ops.sum(flat * flat, axis=1, keepdims=True)


def test_gradient_penalty_and_r1_per_example():
    points = np.random.default_rng(0).normal(size=(5, 2, 3, 1)).astype("float32")
    norms = 2 * np.linalg.norm(points.reshape(5, -1), axis=1)
    x = keras.ops.convert_to_tensor(points)
    gp = _np(losses.gradient_penalty(_quadratic_critic, x))
    np.testing.assert_allclose(gp, (norms - 1) ** 2, rtol=1e-4)
    r1 = _np(losses.r1_penalty(_quadratic_critic, x))
    np.testing.assert_allclose(r1, norms**2, rtol=1e-4)
    assert gp.shape == r1.shape == (5,)


def test_penalties_are_differentiable_in_the_critic_weights():
    # The penalty must pass its gradient to D's weights (double backprop):
    # D(x) = a·Σx² has R1 = 4a²‖x‖², whose derivative in a is 8a‖x‖².
    points = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    x = keras.ops.convert_to_tensor(points)

    def mean_r1(a):
        penalty = losses.r1_penalty(lambda p: a * _quadratic_critic(p), x)
        return keras.ops.mean(penalty), None

    a = keras.ops.convert_to_tensor(np.float32(0.5))
    (value, _), grad = value_and_grad(mean_r1)(a)
    sq = np.sum(points**2, axis=1)
    assert float(_np(value)) == pytest.approx(np.mean(4 * 0.25 * sq), rel=1e-4)
    assert float(_np(grad)) == pytest.approx(np.mean(8 * 0.5 * sq), rel=1e-4)


def test_pack_samples_packs_labels_like_images():
    labels = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    packed = _np(losses.pack_samples(labels, 2))
    np.testing.assert_array_equal(packed, [[1, 0, 0, 0, 1, 0], [0, 0, 1, 1, 0, 0]])
