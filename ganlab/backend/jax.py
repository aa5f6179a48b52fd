"""Gradients and steps on JAX: ``jax.value_and_grad``; a stateless ``fit``.

Keras's JAX trainer jits ``train_step(state, data)`` and threads through it
only the variables it knows: the model's, ``model.optimizer``'s and the
metrics'. A GAN has two optimizers, so the adapter gives the trainer one
object whose ``variables`` are both optimizers' (D's, then G's); the EMA
weights and the noise seed are model variables and travel in the state. The
step itself runs inside a ``keras.StatelessScope`` mapping every variable to
its value in the state, and the new state is read back from the scope: a
variable left out would be baked into the compiled step as a constant and
silently never change.

Inside the gradient, Keras's convolutions take paths without
``lhs_dilation`` (:func:`fast_convolutions`), which XLA's CPU backend
computes slowly (jax#31662, jax#23783); on a CPU the compiled train step
uses XLA's own convolutions (:data:`CPU_COMPILER_OPTIONS`).
"""

import contextlib
import functools
import os

import jax
import jax.numpy as jnp
import keras

from ganlab.backend.swap import swapped_keras_op


def value_and_grad(fn):
    grad_fn = jax.value_and_grad(fn, has_aux=True)

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with fast_convolutions():
            return grad_fn(*args, **kwargs)

    return wrapped


@contextlib.contextmanager
def fast_convolutions():
    """While the block runs (a gradient is traced), Keras's JAX ``conv`` and
    ``conv_transpose`` are the same ops with hand-written VJPs, and a strided
    transposed convolution's forward pass is computed by phases.

    XLA computes a transposed convolution of stride s as a convolution with
    ``lhs_dilation`` s: over an input with s - 1 zeros between its pixels, so
    that about (s² - 1)/s² of its multiplications are by zero, and its CPU
    backend computes the kernel gradient of such a convolution very slowly
    (jax#31662, jax#23783). Both ops here avoid ``lhs_dilation`` altogether:

    - a transposed convolution y = Aₖᵀx is the adjoint of the strided
      convolution Aₖ = ``conv(·, k, strides, padding)`` from y's space to
      x's (TensorFlow defines ``conv2d_transpose`` so, and Keras follows it
      on every backend). For the cotangent g of y, ∂/∂x = Aₖg, a plain
      strided convolution, and ∂/∂k is the kernel gradient of that
      convolution with cotangent x;
    - for a strided convolution y = Aₖx, ∂/∂x = Aₖᵀg is a transposed
      convolution, and ∂/∂k is XLA's own kernel gradient;
    - a transposed convolution of stride s is computed as s² stride-1
      convolutions, one per phase of the output (the output pixels at
      (i·s + u, j·s + v) come from the kernel's taps k[r::s, t::s]), whose
      outputs are interleaved: the sub-pixel decomposition of Shi et al.
      2016 ("Real-time single image and video super-resolution using an
      efficient sub-pixel convolutional neural network"), the same numbers
      without the multiplications by zero.

    The layers, their weights and ``.keras`` files are Keras's own; outputs
    and gradients equal Keras's to float32 tolerance. Only 2-D,
    channels-last, undilated calls without ``output_padding`` take these
    paths (the others run Keras's ops as they are). Gradients of gradients
    (gradient penalty, R1) differentiate the backward passes as JAX does any
    function.
    """
    with (
        swapped_keras_op("keras.src.backend.jax.nn", "conv", _conv),
        swapped_keras_op("keras.src.backend.jax.nn", "conv_transpose", _conv_transpose),
    ):
        yield


def _simple(kernel, data_format, dilation_rate, output_padding=None) -> bool:
    data_format = data_format or keras.config.image_data_format()
    return (
        getattr(kernel, "ndim", 0) == 4
        and data_format == "channels_last"
        and output_padding is None
        and dilation_rate in (1, (1, 1), [1, 1])
    )


def _pair(strides) -> tuple[int, int]:
    return tuple(strides) if isinstance(strides, list | tuple) else (strides,) * 2


def _conv(keras_op, inputs, kernel, strides=1, padding="valid",
          data_format=None, dilation_rate=1):  # fmt: skip
    """Keras's ``conv``; the VJP without ``lhs_dilation`` where it applies."""
    if not _simple(kernel, data_format, dilation_rate) or _pair(strides) == (1, 1):
        return keras_op(inputs, kernel, strides, padding, data_format, dilation_rate)
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    if inputs.shape[-1] != kernel.shape[2]:  # grouped: Keras's feature groups
        return keras_op(inputs, kernel, strides, padding, data_format, dilation_rate)
    return _strided_conv(keras_op, _pair(strides), padding.lower(), inputs, kernel)


def _conv_transpose(keras_op, inputs, kernel, strides=1, padding="valid",
                    output_padding=None, data_format=None,
                    dilation_rate=1):  # fmt: skip
    """Keras's ``conv_transpose``; the fast forward and VJP where they apply."""
    if not _simple(kernel, data_format, dilation_rate, output_padding):
        return keras_op(inputs, kernel, strides, padding, output_padding,
                        data_format, dilation_rate)  # fmt: skip
    inputs, kernel = jnp.asarray(inputs), jnp.asarray(kernel)
    return _adjoint_conv_transpose(_pair(strides), padding.lower(), inputs, kernel)


_DIMENSIONS = ("NHWC", "HWIO", "NHWC")
_MIN_PHASE_FILTERS = 8  # fewer output channels: XLA's own op is faster


def _lax_conv(x, kernel, strides, padding):
    """Keras's JAX ``conv`` (2-D, channels-last, undilated), without the swap."""
    return jax.lax.conv_general_dilated(
        x, kernel, strides, padding.upper(), dimension_numbers=_DIMENSIONS
    )


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _adjoint_conv_transpose(strides, padding, inputs, kernel):
    return conv_transpose(inputs, kernel, strides=strides, padding=padding)


def _adjoint_fwd(strides, padding, inputs, kernel):
    return _adjoint_conv_transpose(strides, padding, inputs, kernel), (inputs, kernel)


def _adjoint_bwd(strides, padding, residuals, g):
    inputs, kernel = residuals
    g = g.astype(kernel.dtype)
    d_inputs, kernel_vjp = jax.vjp(
        lambda k: _lax_conv(g, k, strides, padding), kernel
    )  # Aₖ: y's space → x's space, kernel (h, w, filters, channels)
    (d_kernel,) = kernel_vjp(inputs.astype(d_inputs.dtype))
    return d_inputs.astype(inputs.dtype), d_kernel


_adjoint_conv_transpose.defvjp(_adjoint_fwd, _adjoint_bwd)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _strided_conv(keras_op, strides, padding, inputs, kernel):
    return keras_op(inputs, kernel, strides, padding)


def _strided_fwd(keras_op, strides, padding, inputs, kernel):
    return keras_op(inputs, kernel, strides, padding), (inputs, kernel)


def _strided_bwd(keras_op, strides, padding, residuals, g):
    inputs, kernel = residuals
    g = g.astype(kernel.dtype)
    _, kernel_vjp = jax.vjp(lambda k: _lax_conv(inputs, k, strides, padding), kernel)
    (d_kernel,) = kernel_vjp(g)
    d_inputs = conv_transpose(
        g, kernel, strides=strides, padding=padding, size=inputs.shape[1:3]
    )
    return d_inputs.astype(inputs.dtype), d_kernel


_strided_conv.defvjp(_strided_fwd, _strided_bwd)


def conv_transpose(x, kernel, *, strides, padding, size=None):
    """Keras's ``conv_transpose`` of x, by output phases where that pays.

    Args:
        x: (batch, h, w, channels).
        kernel: Keras's transposed-convolution kernel, (kh, kw, filters,
            channels): the kernel of the strided convolution from
            ``filters`` to ``channels`` whose adjoint this is.
        strides: (sh, sw).
        padding: ``"same"`` or ``"valid"``.
        size: the output's (height, width). By default Keras's: (h·s, w·s)
            for ``"same"``, ((h - 1)·s + max(k, s), ...) for ``"valid"``.
            A convolution's input gradient passes its input's size, which
            differs from that when the convolution dropped rows.

    Returns:
        (batch, height, width, filters). Along each axis, output pixel
        o = i·s + u is y[o] = Σₘ x[i + c - m] · k[m·s + r]ᵀ, where p is the
        padding the adjoint convolution puts before its input, r = (u + p)
        mod s and c = (u + p) div s: for each phase u a stride-1 convolution
        of x with the taps k[r::s], flipped.
    """
    size = tuple(size or _output_size(x.shape, kernel.shape, strides, padding))
    if tuple(strides) == (1, 1) or kernel.shape[2] < _MIN_PHASE_FILTERS:
        y_shape = jax.ShapeDtypeStruct((x.shape[0], *size, kernel.shape[2]), x.dtype)
        conv = functools.partial(
            _lax_conv, kernel=kernel, strides=strides, padding=padding
        )
        return jax.linear_transpose(conv, y_shape)(x)[0]  # XLA's own
    rows = []
    for u in range(strides[0]):
        cols = [_phase_output(x, kernel, strides, padding, size, (u, v))
                for v in range(strides[1])]  # fmt: skip
        rows.append(jnp.stack(cols, axis=3))  # (n, qh, qw, sw, filters)
    y = jnp.stack(rows, axis=2)  # (n, qh, sh, qw, sw, filters)
    n, qh, sh, qw, sw, filters = y.shape
    return y.reshape(n, qh * sh, qw * sw, filters)[:, : size[0], : size[1]]


def _output_size(x_shape, kernel_shape, strides, padding) -> tuple[int, int]:
    """Keras's output (height, width) for a transposed convolution."""
    return tuple(
        n * s if padding == "same" else (n - 1) * s + max(k, s)
        for n, k, s in zip(x_shape[1:3], kernel_shape[:2], strides)
    )


def _phase_output(x, kernel, strides, padding, size, phase):
    """Output phase (u, v): (batch, ⌈height / sh⌉, ⌈width / sw⌉, filters)."""
    taps, pads = [], [(0, 0, 0)]
    for a in (0, 1):
        s, k, n, u = strides[a], kernel.shape[a], x.shape[1 + a], phase[a]
        p = max((n - 1) * s + k - size[a], 0) // 2 if padding == "same" else 0
        r, c = (u + p) % s, (u + p) // s
        m = len(range(r, k, s))
        before = m - 1 - c
        taps.append(slice(r, k, s))
        pads.append((before, -(-size[a] // s) + m - 1 - n - before, 0))
    sub = kernel[taps[0], taps[1]][::-1, ::-1]  # (m1, m2, filters, channels)
    q = [-(-size[a] // strides[a]) for a in (0, 1)]
    if 0 in sub.shape[:2]:  # kernel smaller than the stride: no taps
        return jnp.zeros((x.shape[0], *q, kernel.shape[2]), x.dtype)
    xp = jax.lax.pad(x, jnp.zeros((), x.dtype), pads + [(0, 0, 0)])
    return _lax_conv(xp, jnp.swapaxes(sub, 2, 3), (1, 1), "valid")


def apply_gradients(optimizer, grads, variables):
    optimizer.apply(grads, variables)


def replica_count() -> int:
    return 1


def replica_id():
    return None


class _OptimizerPair:
    """What the JAX trainer reads as ``model.optimizer``: both optimizers'
    variables, in one list (the discriminator's first)."""

    built = True

    def __init__(self, *optimizers):
        self.optimizers = optimizers

    @property
    def variables(self):
        return [v for opt in self.optimizers for v in opt.variables]

    def build(self, variables) -> None:
        pass


# XLA's CPU backend hands convolutions to YNNPACK by default (jaxlib 0.10);
# its own (Eigen) convolutions ran the tutorial networks' step 1.3x faster
# (bench/results/backends.md). Only ganlab's compiled training step gets it.
CPU_COMPILER_OPTIONS = {"xla_cpu_experimental_ynn_fusion_type": ""}


def _cpu_jit(keras_jit, fn, **kwargs):
    """Keras's ``jax.jit`` of the train step, with ``CPU_COMPILER_OPTIONS`` on
    a CPU unless ``XLA_FLAGS`` sets YNNPACK's fusions itself."""
    if (
        keras_jit is jax.jit
        and jax.default_backend() == "cpu"
        and "ynn_fusion" not in os.environ.get("XLA_FLAGS", "")
    ):
        kwargs.setdefault("compiler_options", CPU_COMPILER_OPTIONS)
    return keras_jit(fn, **kwargs)


class StepAdapter:
    def _setup_backend(self) -> None:
        self.optimizer = _OptimizerPair(self.d_optimizer, self.g_optimizer)

    def make_train_function(self, force=False):
        with swapped_keras_op("keras.src.backend.jax.trainer", "jit", _cpu_jit):
            return super().make_train_function(force)

    def train_step(self, state, data):
        groups = (
            self.trainable_variables,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables,
        )
        mapping = [
            pair for vs, values in zip(groups, state) for pair in zip(vs, values)
        ]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = self._train_step(data)
        new_state = tuple([scope.get_current_value(v) for v in vs] for vs in groups)
        return logs, new_state
