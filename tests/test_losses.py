"""Adversarial losses against values computed by hand and with NumPy."""

import math

import numpy as np
import pytest

from ganlab import losses


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


REAL = np.array([2.0, -1.0, 0.0, 0.5], dtype=np.float32)
FAKE = np.array([-3.0, 0.0, 1.5, -0.5], dtype=np.float32)


def test_discriminator_loss_at_zero_logits_is_two_log_two():
    # D(x) = D(G(z)) = 0.5: -log 0.5 - log 0.5 = 2 ln 2 for every example.
    out = np.asarray(losses.bce_discriminator_loss(np.zeros(3), np.zeros(3)))
    np.testing.assert_allclose(out, 2 * math.log(2), rtol=1e-6)
    assert out.shape == (3,)


def test_discriminator_loss_matches_numpy():
    expected = -np.log(np_sigmoid(REAL)) - np.log(1 - np_sigmoid(FAKE))
    out = losses.bce_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)


def test_discriminator_loss_accepts_column_logits():
    out = losses.bce_discriminator_loss(REAL[:, None], FAKE[:, None])
    assert np.asarray(out).shape == (4,)


def test_one_sided_label_smoothing():
    s = 0.1
    d_real = np_sigmoid(REAL)
    expected = (
        -(1 - s) * np.log(d_real)
        - s * np.log(1 - d_real)
        - np.log(1 - np_sigmoid(FAKE))
    )
    out = losses.bce_discriminator_loss(REAL, FAKE, label_smoothing=s)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)
    # One-sided: the fake term does not change with smoothing.
    zero_real = np.full(4, -50.0, np.float32)
    np.testing.assert_allclose(
        np.asarray(losses.bce_discriminator_loss(zero_real, FAKE, 0.1))
        - np.asarray(losses.bce_discriminator_loss(zero_real, FAKE, 0.0)),
        -0.1 * 50.0,
        rtol=1e-4,
    )


def test_non_saturating_generator_loss():
    expected = -np.log(np_sigmoid(FAKE))
    out = losses.bce_generator_loss(FAKE)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)
    assert np.all(np.asarray(out) >= 0)


def test_saturating_generator_loss():
    expected = np.log(1 - np_sigmoid(FAKE))
    out = losses.bce_generator_loss(FAKE, saturating=True)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)
    assert np.all(np.asarray(out) <= 0)


def test_saturating_loss_has_vanishing_gradient_where_generator_loses():
    """The reason for the non-saturating loss: compare d loss / d logit at l = -8."""
    import tensorflow as tf

    logit = tf.Variable([-8.0])
    grads = {}
    for saturating in (True, False):
        with tf.GradientTape() as tape:
            loss = losses.bce_generator_loss(logit, saturating=saturating)
        grads[saturating] = abs(float(tape.gradient(loss, logit)[0]))
    # d/dl log(1 - sigmoid(l)) = -sigmoid(l) ≈ 3.4e-4;  d/dl -log sigmoid(l) ≈ -1.
    assert grads[True] == pytest.approx(np_sigmoid(-8.0), rel=1e-3)
    assert grads[False] == pytest.approx(1 - np_sigmoid(-8.0), rel=1e-3)


def test_large_logits_are_stable():
    big = np.array([80.0, -80.0], np.float32)
    out = np.asarray(losses.bce_discriminator_loss(big, -big))
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
    np.testing.assert_allclose(np.asarray(out), [5.0, 2.0], rtol=1e-6)
    # G: ½(-3 - 1)² = 8; ½(0 - 1)² = 0.5.
    out = losses.LeastSquares().generator_loss([[-3.0], [0.0]])
    np.testing.assert_allclose(np.asarray(out), [8.0, 0.5], rtol=1e-6)


def test_wasserstein_losses_by_hand():
    out = losses.wasserstein_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(np.asarray(out), FAKE - REAL, rtol=1e-6)
    out = losses.Wasserstein().generator_loss(FAKE)
    np.testing.assert_allclose(np.asarray(out), -FAKE, rtol=1e-6)


def test_new_losses_by_name_and_config():
    assert isinstance(losses.get("least_squares"), losses.LeastSquares)
    assert isinstance(losses.get("lsgan"), losses.LeastSquares)
    assert isinstance(losses.get("wasserstein"), losses.Wasserstein)
    import keras

    for loss in (losses.LeastSquares(), losses.Wasserstein()):
        back = losses.get(keras.saving.serialize_keras_object(loss))
        assert type(back) is type(loss)
