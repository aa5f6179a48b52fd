"""On JAX, ganlab's gradients take Keras's convolutions with hand-written
VJPs and strided transposed convolutions by output phases
(ganlab.backend.jax.fast_convolutions): outputs equal to Keras's, and
gradients equal to JAX's own, to float32 tolerance."""

import re

import keras
import numpy as np
import pytest

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(
        keras.backend.backend() != "jax", reason="the JAX backend's own VJPs"
    ),
]

# (side, in channels, filters, kernel, stride, padding): the DCGAN's and
# U-Net's layers, and strides, paddings and sizes they do not use. Filters
# >= 8 at strides > 1 take the phase path, fewer XLA's own transposed op.
CASES = [
    (7, 16, 8, 5, 2, "same"),
    (7, 8, 16, 4, 2, "same"),
    (6, 3, 8, 3, 1, "same"),
    (5, 4, 8, 4, 2, "valid"),
    (7, 6, 8, 5, 3, "same"),
    (8, 4, 12, 3, 2, "valid"),
    (5, 4, 8, 2, 3, "valid"),  # kernel smaller than the stride
    (6, 4, 8, 1, 2, "same"),
    (7, 8, 4, 4, 2, "same"),
    (5, 4, 3, 4, 2, "valid"),
]


def _loss_and_grads(op, x, w, strides, padding, *, fast):
    import jax
    import jax.numpy as jnp

    from ganlab.backend.jax import fast_convolutions

    def loss(x, w):
        y = op(x, w, strides=strides, padding=padding)
        return jnp.sum(jnp.sin(y)), y

    grad = jax.grad(loss, argnums=(0, 1), has_aux=True)
    if not fast:
        return grad(x, w)
    with fast_convolutions():
        return grad(x, w)


def _assert_same(op, x, w, strides, padding):
    (dx0, dw0), y0 = _loss_and_grads(op, x, w, strides, padding, fast=False)
    (dx1, dw1), y1 = _loss_and_grads(op, x, w, strides, padding, fast=True)
    assert y1.shape == y0.shape and dx1.shape == dx0.shape
    for fast, plain in ((y1, y0), (dx1, dx0), (dw1, dw0)):
        np.testing.assert_allclose(
            fast, plain, rtol=1e-4, atol=1e-5 * float(np.abs(plain).max())
        )


@pytest.mark.parametrize("side, c_in, filters, k, strides, padding", CASES)
def test_conv_transpose_outputs_and_gradients_match_keras_s(
    side, c_in, filters, k, strides, padding
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, side, side, c_in)).astype("float32")
    w = rng.standard_normal((k, k, filters, c_in)).astype("float32")
    _assert_same(keras.ops.conv_transpose, x, w, strides, padding)


@pytest.mark.parametrize("side, c_in, filters, k, strides, padding", CASES)
def test_conv_outputs_and_gradients_match_keras_s(
    side, c_in, filters, k, strides, padding
):
    # A convolution's input gradient is a transposed convolution from its
    # filters back to its channels: here c_in plays "filters" (>= 8: phases).
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, side * strides + 1, side * strides, filters))
    w = rng.standard_normal((k, k, filters, c_in))
    _assert_same(keras.ops.conv, x.astype("float32"), w.astype("float32"),
                 strides, padding)  # fmt: skip


def test_the_phase_path_is_the_one_taken():
    # The phase outputs are computed by stride-1 convolutions only: no
    # lhs_dilation (the zeros between input pixels) in the compiled step.
    import jax

    from ganlab.backend.jax import fast_convolutions

    x = np.ones((2, 7, 7, 16), "float32")
    w = np.ones((5, 5, 8, 16), "float32")

    def loss(x, w):
        return keras.ops.sum(keras.ops.conv_transpose(x, w, 2, "same") ** 2)

    with fast_convolutions():
        text = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(x, w).as_text()
    plain = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(x, w).as_text()
    dilated = re.compile(r"lhs_dilate = \[(?!1, 1\])")
    assert dilated.search(plain) and not dilated.search(text)


def test_a_gradient_of_a_gradient_matches_too():
    # What a gradient penalty does: differentiate a gradient's norm, through
    # D's strided convolution and G's transposed one.
    import jax
    import jax.numpy as jnp

    from ganlab.backend.jax import fast_convolutions

    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 4, 3)).astype("float32")
    w = rng.standard_normal((5, 5, 8, 3)).astype("float32")
    v = rng.standard_normal((4, 4, 8, 4)).astype("float32")

    def penalty(w, v):
        def out(x):
            y = keras.ops.conv_transpose(x, w, strides=2, padding="same")
            return jnp.sum(jnp.tanh(keras.ops.conv(y, v, strides=2, padding="same")))

        return jnp.sum(jax.grad(out)(x) ** 2)

    plain = jax.grad(penalty, argnums=(0, 1))(w, v)
    with fast_convolutions():
        fast = jax.grad(penalty, argnums=(0, 1))(w, v)
    for f, p in zip(fast, plain):
        np.testing.assert_allclose(f, p, rtol=1e-4, atol=1e-5 * float(np.abs(p).max()))


def test_ganlab_s_gradients_use_them_and_put_keras_s_ops_back():
    from keras.src.backend.jax import nn as jax_nn

    from ganlab import backend

    keras_ops = jax_nn.conv, jax_nn.conv_transpose
    seen = []

    def loss(x):
        seen.append((jax_nn.conv, jax_nn.conv_transpose))
        return keras.ops.sum(x**2), None

    (value, _), grad = backend.value_and_grad(loss)(keras.ops.ones((2,)))
    assert float(value) == 2.0 and np.allclose(grad, 2.0)
    assert seen and all(a is not b for a, b in zip(seen[0], keras_ops))
    assert (jax_nn.conv, jax_nn.conv_transpose) == keras_ops

    def outer(x):  # a gradient inside a gradient (a penalty): patched once
        seen.append((jax_nn.conv, jax_nn.conv_transpose))
        (_, _), g = backend.value_and_grad(loss)(x)
        return keras.ops.sum(g**2), None

    seen.clear()
    backend.value_and_grad(outer)(keras.ops.ones((2,)))
    assert len(seen) == 2 and seen[0] == seen[1]  # the same ops, not wrapped twice
    assert tuple(op.args for op in seen[0]) == tuple((op,) for op in keras_ops)
    assert (jax_nn.conv, jax_nn.conv_transpose) == keras_ops


def test_the_train_step_compiles_with_xla_s_own_cpu_convolutions(monkeypatch):
    import jax

    from ganlab.backend import jax as jax_backend

    monkeypatch.delenv("XLA_FLAGS", raising=False)
    x, w = np.ones((2, 8, 8, 4), "float32"), np.ones((3, 3, 4, 8), "float32")

    def f(x, w):
        return keras.ops.conv(x, w, 1, "same")

    step = jax_backend._cpu_jit(jax.jit, f)
    assert "ynn_fusion" not in step.lower(x, w).compile().as_text()
    np.testing.assert_allclose(step(x, w), jax.jit(f)(x, w), rtol=1e-6)
    # The GAN's train step is made through it, and Keras's jit is put back.
    from keras.src.backend.jax import trainer

    import ganlab

    gan = ganlab.build_dcgan(8, image_shape=(8, 8, 1), width=8, seed=0)
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    made = []
    monkeypatch.setattr(jax_backend, "_cpu_jit", lambda *a, **k: made.append(a))
    gan.make_train_function(force=True)
    assert made and made[0][0] is jax.jit and trainer.jit is jax.jit


def test_a_grouped_convolution_runs_keras_s_op():
    # Input channels a multiple of the kernel's: Keras's feature groups.
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 8, 8, 4)).astype("float32")
    w = rng.standard_normal((3, 3, 2, 6)).astype("float32")
    _assert_same(keras.ops.conv, x, w, 2, "same")
