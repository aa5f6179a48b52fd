"""Gradients and steps on PyTorch: ``torch.autograd.grad``; ``fit`` as it is.

A gradient taken inside another (a penalty, the unrolled GAN) is built with
``create_graph=True`` so that the outer gradient flows through it.

Inside the gradient and the train step, Keras's transposed convolution
computes only the output it keeps (:func:`fast_conv_transpose`).
"""

import torch
from torch.nn import functional as tnn

from ganlab.backend.swap import swapped_keras_op

_depth = 0  # how many value_and_grad calls are running (nesting)


def value_and_grad(fn):
    def wrapped(x, *args):
        global _depth
        single = not isinstance(x, (list, tuple))
        xs = [x] if single else list(x)
        xs = [t if t.requires_grad else t.detach().requires_grad_(True) for t in xs]
        _depth += 1
        try:
            with torch.enable_grad(), fast_conv_transpose():
                loss, aux = fn(xs[0] if single else xs, *args)
                grads = torch.autograd.grad(
                    loss, xs, create_graph=_depth > 1, allow_unused=True
                )
        finally:
            _depth -= 1
        grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, xs)]
        return (loss, aux), grads[0] if single else grads

    return wrapped


def fast_conv_transpose():
    """While the block runs, Keras's PyTorch ``conv_transpose`` computes only
    the output window it keeps.

    Keras 3.15 calls ``torch.nn.functional.conv_transpose2d`` with no padding,
    which gives the largest output, (H - 1)·s + k per side, and then slices
    the window that Keras's ``padding`` asks for: for a "same" 5×5 kernel at
    stride 1 on 7×7 inputs it computes 11×11 outputs (2.5× the work, in the
    forward and in both gradients) and keeps 7×7. Torch's own ``padding`` p
    (cropped from both sides) and ``output_padding`` (added back on the
    right) give that window directly when its left crop l and right crop r
    satisfy 0 ≤ l - r < stride (p = l, output_padding = l - r); when
    l < r, p = l and r - l more columns are sliced off. The result is the
    same transposed convolution to float32 rounding, so the layers, their
    weights and ``.keras`` files are unchanged. Only 2-D, channels-last,
    undilated calls take this path; the others run Keras's op as it is.
    """
    return swapped_keras_op(
        "keras.src.backend.torch.nn", "conv_transpose", _conv_transpose
    )


def _conv_transpose(
    keras_op,
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
):
    from keras.src.backend import standardize_data_format
    from keras.src.backend.common.backend_utils import (
        compute_conv_transpose_output_crops_for_torch,
    )
    from keras.src.backend.torch.core import convert_to_tensor
    from keras.src.utils.argument_validation import standardize_tuple

    args = (inputs, kernel, strides, padding, output_padding, data_format)
    data_format = standardize_data_format(data_format)
    if len(inputs.shape) != 4 or data_format != "channels_last":
        return keras_op(*args, dilation_rate)
    strides = standardize_tuple(strides, 2, "strides")
    if standardize_tuple(dilation_rate, 2, "dilation_rate") != (1, 1):
        return keras_op(*args, dilation_rate)
    crops = compute_conv_transpose_output_crops_for_torch(
        input_shape=inputs.shape, kernel_shape=kernel.shape, strides=strides,
        padding=padding, output_padding=output_padding, dilation_rate=1,
    )  # fmt: skip
    if any(a < 0 or b < 0 or a - b >= s for (a, b), s in zip(crops, strides)):
        return keras_op(*args, dilation_rate)
    x = convert_to_tensor(inputs).permute(0, 3, 1, 2)  # NHWC → NCHW, no copy
    k = convert_to_tensor(kernel).permute(3, 2, 0, 1)  # (in, out, kh, kw)
    y = tnn.conv_transpose2d(
        x, k, stride=strides, padding=[a for a, _ in crops],
        output_padding=[max(a - b, 0) for a, b in crops],
    )  # fmt: skip
    (lh, rh), (lw, rw) = crops
    y = y[:, :, : y.shape[2] - max(rh - lh, 0), : y.shape[3] - max(rw - lw, 0)]
    return y.permute(0, 2, 3, 1)


def apply_gradients(optimizer, grads, variables):
    with torch.no_grad():
        optimizer.apply([g.detach() for g in grads], variables)


def replica_count() -> int:
    return 1


def replica_id():
    return None


class StepAdapter:
    """``fit`` calls ``train_step(data)``: the model's step runs as written,
    with autograd off outside the gradients it takes (:func:`value_and_grad`
    turns it back on), so that the passes outside them (the generator's in
    D's step, the moving averages, the metrics) record no graph, and with
    :func:`fast_conv_transpose` throughout."""

    def _setup_backend(self) -> None:
        pass

    def train_step(self, data):
        with torch.no_grad(), fast_conv_transpose():
            return self._train_step(data)
