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

Inside the gradient, Keras's transposed convolution gets a faster
backward pass (:func:`fast_conv_transpose`): XLA's CPU backend computes the
kernel gradient of a strided transposed convolution slowly (jax#31662,
jax#23783), and 20-50 ms of the default recipe's ~130 ms step went there.
"""

import functools

import jax
import keras

from ganlab.backend.swap import swapped_keras_op


def value_and_grad(fn):
    grad_fn = jax.value_and_grad(fn, has_aux=True)

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with fast_conv_transpose():
            return grad_fn(*args, **kwargs)

    return wrapped


def fast_conv_transpose():
    """While the block runs (a gradient is traced), Keras's JAX
    ``conv_transpose`` is the same op with a hand-written VJP.

    A transposed convolution is the adjoint of a strided convolution with
    the same kernel: y = Aₖᵀx, where Aₖ is ``conv(·, k, strides, padding)``
    from y's space to x's (TensorFlow defines ``conv2d_transpose`` so, and
    Keras follows it on every backend). So, for the cotangent g of y,

    - ∂/∂x = Aₖ g = ``conv(g, k)``, a plain strided convolution;
    - ∂/∂k = ∂/∂k ⟨x, ``conv(g, k)``⟩: the kernel gradient of that
      convolution with cotangent x,

    both of which XLA's CPU backend computes fast, where the kernel gradient
    of ``conv_transpose`` itself (a convolution with ``lhs_dilation``) is
    slow. The forward pass is Keras's own op, unchanged, so the layers,
    their weights and ``.keras`` files are the same; only 2-D, channels-last,
    undilated calls without ``output_padding`` take the new backward pass
    (the others run Keras's op as it is). Gradients of gradients (gradient
    penalty, R1) differentiate the backward pass as JAX does any function.
    """
    return swapped_keras_op(
        "keras.src.backend.jax.nn", "conv_transpose", _conv_transpose
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
    """Keras's ``conv_transpose``; the fast VJP where it applies."""
    data_format = data_format or keras.config.image_data_format()
    simple = (
        getattr(kernel, "ndim", 0) == 4
        and data_format == "channels_last"
        and output_padding is None
        and dilation_rate in (1, (1, 1), [1, 1])
    )
    if not simple:
        return keras_op(inputs, kernel, strides, padding, output_padding,
                        data_format, dilation_rate)  # fmt: skip
    strides = tuple(strides) if isinstance(strides, list | tuple) else strides
    inputs, kernel = (
        keras.ops.convert_to_tensor(inputs),
        keras.ops.convert_to_tensor(kernel),
    )
    return _adjoint_conv_transpose(keras_op, strides, padding.lower(), inputs, kernel)


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _adjoint_conv_transpose(keras_op, strides, padding, inputs, kernel):
    return keras_op(inputs, kernel, strides, padding)


def _adjoint_fwd(keras_op, strides, padding, inputs, kernel):
    return keras_op(inputs, kernel, strides, padding), (inputs, kernel)


def _adjoint_bwd(keras_op, strides, padding, residuals, g):
    from keras.src.backend.jax import nn as jax_nn

    inputs, kernel = residuals
    g = g.astype(kernel.dtype)

    def conv(k):  # Aₖ: y's space → x's space, kernel (h, w, filters, channels)
        return jax_nn.conv(g, k, strides, padding)

    d_inputs, kernel_vjp = jax.vjp(conv, kernel)
    (d_kernel,) = kernel_vjp(inputs.astype(d_inputs.dtype))
    return d_inputs.astype(inputs.dtype), d_kernel


_adjoint_conv_transpose.defvjp(_adjoint_fwd, _adjoint_bwd)


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


class StepAdapter:
    def _setup_backend(self) -> None:
        self.optimizer = _OptimizerPair(self.d_optimizer, self.g_optimizer)

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
