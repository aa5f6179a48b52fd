"""On PyTorch, ganlab's gradients take Keras's transposed convolution
computing only the window it keeps (ganlab.backend.torch.fast_conv_transpose):
the same outputs and gradients as Keras's own op, to float32 rounding."""

import keras
import numpy as np
import pytest

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(
        keras.backend.backend() != "torch", reason="the PyTorch backend's own op"
    ),
]

# (side, in channels, filters, kernel, stride, padding): the DCGAN's and
# U-Net's layers (5×5 stride 1 and 2, 4×4 stride 2, "same"), and strides,
# kernels and paddings they do not use, where the crops are uneven or the
# call falls back to Keras's op.
CASES = [
    (7, 16, 8, 5, 1, "same"),
    (7, 16, 8, 5, 2, "same"),
    (7, 8, 4, 4, 2, "same"),
    (6, 3, 5, 3, 1, "same"),
    (5, 4, 3, 4, 2, "valid"),
    (7, 6, 2, 5, 3, "same"),
    (8, 4, 4, 3, 2, "valid"),
    (6, 4, 3, 2, 2, "same"),
]


def _run(x, w, strides, padding, *, fast, output_padding=None):
    import torch

    from ganlab.backend.torch import fast_conv_transpose

    x = torch.tensor(x, requires_grad=True)
    w = torch.tensor(w, requires_grad=True)
    context = fast_conv_transpose() if fast else torch.enable_grad()
    with context:
        y = keras.ops.conv_transpose(
            x, w, strides=strides, padding=padding, output_padding=output_padding
        )
    dx, dw = torch.autograd.grad(torch.sin(y).sum(), [x, w])
    return [t.detach().numpy() for t in (y, dx, dw)]


@pytest.mark.parametrize("side, c_in, filters, k, strides, padding", CASES)
def test_outputs_and_gradients_match_keras_s_own(
    side, c_in, filters, k, strides, padding
):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, side, side, c_in)).astype("float32")
    w = rng.standard_normal((k, k, filters, c_in)).astype("float32")
    y0, dx0, dw0 = _run(x, w, strides, padding, fast=False)
    y1, dx1, dw1 = _run(x, w, strides, padding, fast=True)
    assert y1.shape == y0.shape
    for fast, own in ((y1, y0), (dx1, dx0), (dw1, dw0)):
        np.testing.assert_allclose(
            fast, own, rtol=1e-5, atol=1e-5 * float(np.abs(own).max())
        )


def test_output_padding_that_torch_cannot_express_runs_keras_s_op():
    # "valid", stride 2, output_padding 1: one more row and column than the
    # natural output, a negative crop: Keras's op pads it, and so does this.
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    w = rng.standard_normal((3, 3, 4, 3)).astype("float32")
    own = _run(x, w, 2, "valid", fast=False, output_padding=1)
    fast = _run(x, w, 2, "valid", fast=True, output_padding=1)
    assert own[0].shape == (2, 12, 12, 4)
    for a, b in zip(fast, own):
        np.testing.assert_array_equal(a, b)


def test_a_layer_s_gradient_through_value_and_grad_matches_keras_s_op(monkeypatch):
    import torch

    from ganlab.backend import torch as torch_backend

    layer = keras.layers.Conv2DTranspose(4, 5, strides=2, padding="same")
    x = keras.ops.convert_to_tensor(
        np.random.default_rng(2).standard_normal((2, 7, 7, 3)).astype("float32")
    )
    layer.build(x.shape)

    def loss(weights):
        y = layer.stateless_call(weights, [], x)[0]
        return keras.ops.sum(keras.ops.sin(y)), y

    weights = [v.value for v in layer.trainable_variables]
    (_, y1), g1 = torch_backend.value_and_grad(loss)(weights)
    monkeypatch.setattr(torch_backend, "fast_conv_transpose", torch.enable_grad)
    (_, y0), g0 = torch_backend.value_and_grad(loss)(weights)  # Keras's own op
    assert tuple(y1.shape) == (2, 14, 14, 4)
    for a, b in zip([y1, *g1], [y0, *g0]):
        a, b = a.detach().numpy(), b.detach().numpy()
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * np.abs(b).max())


def test_value_and_grad_uses_it_and_restores_keras_s_op():
    from keras.src.backend.torch import nn as torch_nn

    from ganlab.backend import value_and_grad

    keras_op = torch_nn.conv_transpose
    inside = []

    def loss(w):
        inside.append(torch_nn.conv_transpose)
        x = keras.ops.ones((1, 4, 4, 2))
        y = keras.ops.conv_transpose(x, w, strides=2, padding="same")
        return keras.ops.sum(y), y

    (_, y), grad = value_and_grad(loss)(keras.ops.ones((3, 3, 1, 2)))
    assert tuple(y.shape) == (1, 8, 8, 1) and tuple(grad.shape) == (3, 3, 1, 2)
    assert inside[0] is not keras_op and inside[0].func.__name__ == "_conv_transpose"
    assert torch_nn.conv_transpose is keras_op


def test_the_train_step_records_no_graph_outside_its_gradients():
    """Outside value_and_grad the step (the generator's pass in D's step, the
    moving average, the metrics) runs with autograd off and the fast op on."""
    import torch
    from keras.src.backend.torch import nn as torch_nn

    import ganlab

    gan = ganlab.build_dcgan(8, width=8, seed=0)
    gan.compile(ema=0.9)
    seen = []
    update_ema = gan._update_ema

    def spy():
        seen.append((torch.is_grad_enabled(), torch_nn.conv_transpose))
        update_ema()

    gan._update_ema = spy
    logs = gan.train_on_batch(np.zeros((4, 28, 28, 1), "float32"), return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    grad_enabled, op = seen[0]
    assert not grad_enabled
    assert op.func.__name__ == "_conv_transpose"
    assert torch.is_grad_enabled()
    assert not hasattr(torch_nn.conv_transpose, "func")
