"""On JAX, ganlab's gradients take Keras's transposed convolution with a
hand-written VJP (ganlab.backend.jax.fast_conv_transpose): the same outputs,
and gradients equal to JAX's own to float32 tolerance."""

import keras
import numpy as np
import pytest

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(
        keras.backend.backend() != "jax", reason="the JAX backend's own VJP"
    ),
]

# (side, in channels, filters, kernel, stride, padding): the DCGAN's and
# U-Net's layers, and strides and paddings they do not use.
CASES = [
    (7, 16, 8, 5, 2, "same"),
    (7, 8, 4, 4, 2, "same"),
    (6, 3, 5, 3, 1, "same"),
    (5, 4, 3, 4, 2, "valid"),
    (7, 6, 2, 5, 3, "same"),
    (8, 4, 4, 3, 2, "valid"),
]


def _loss_and_grads(x, w, strides, padding, *, fast):
    import jax
    import jax.numpy as jnp

    from ganlab.backend.jax import fast_conv_transpose

    def loss(x, w):
        y = keras.ops.conv_transpose(x, w, strides=strides, padding=padding)
        return jnp.sum(jnp.sin(y)), y

    grad = jax.grad(loss, argnums=(0, 1), has_aux=True)
    if not fast:
        return grad(x, w)
    with fast_conv_transpose():
        return grad(x, w)


@pytest.mark.parametrize("side, c_in, filters, k, strides, padding", CASES)
def test_outputs_and_gradients_match_jax_s_own(
    side, c_in, filters, k, strides, padding
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, side, side, c_in)).astype("float32")
    w = rng.standard_normal((k, k, filters, c_in)).astype("float32")
    (dx0, dw0), y0 = _loss_and_grads(x, w, strides, padding, fast=False)
    (dx1, dw1), y1 = _loss_and_grads(x, w, strides, padding, fast=True)
    np.testing.assert_array_equal(np.asarray(y1), np.asarray(y0))
    scale = float(np.abs(dw0).max())
    np.testing.assert_allclose(
        dx1, dx0, rtol=1e-5, atol=1e-5 * float(np.abs(dx0).max())
    )
    np.testing.assert_allclose(dw1, dw0, rtol=1e-4, atol=1e-5 * scale)


def test_a_gradient_of_a_gradient_matches_too():
    # What a gradient penalty does: differentiate a gradient's norm.
    import jax
    import jax.numpy as jnp

    from ganlab.backend.jax import fast_conv_transpose

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 4, 3)).astype("float32")
    w = rng.standard_normal((5, 5, 2, 3)).astype("float32")

    def penalty(w):
        def out(x):
            y = keras.ops.conv_transpose(x, w, strides=2, padding="same")
            return jnp.sum(jnp.tanh(y))

        return jnp.sum(jax.grad(out)(x) ** 2)

    plain = jax.grad(penalty)(w)
    with fast_conv_transpose():
        fast = jax.grad(penalty)(w)
    np.testing.assert_allclose(
        fast, plain, rtol=1e-4, atol=1e-5 * float(np.abs(plain).max())
    )


def test_ganlab_s_gradients_use_it_and_put_keras_s_op_back():
    from keras.src.backend.jax import nn as jax_nn

    from ganlab import backend

    keras_op = jax_nn.conv_transpose
    seen = []

    def loss(x):
        seen.append(jax_nn.conv_transpose)
        return keras.ops.sum(x**2), None

    (value, _), grad = backend.value_and_grad(loss)(keras.ops.ones((2,)))
    assert float(value) == 2.0 and np.allclose(grad, 2.0)
    assert seen and seen[0] is not keras_op
    assert jax_nn.conv_transpose is keras_op

    def outer(x):  # a gradient inside a gradient (a penalty): patched once
        seen.append(jax_nn.conv_transpose)
        (_, _), g = backend.value_and_grad(loss)(x)
        return keras.ops.sum(g**2), None

    seen.clear()
    backend.value_and_grad(outer)(keras.ops.ones((2,)))
    assert len(seen) == 2 and seen[0] is seen[1]  # the same op, not wrapped twice
    assert seen[0].args == (keras_op,)  # around Keras's own op
    assert jax_nn.conv_transpose is keras_op
