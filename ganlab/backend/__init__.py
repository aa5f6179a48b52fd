"""Where Keras's backends differ for a GAN: taking a gradient, and running a step.

Everything else in ganlab is written once in ``keras.ops`` and ``keras.random``.
Each backend module (:mod:`.tensorflow`, :mod:`.jax`, :mod:`.torch`) offers:

- ``value_and_grad(fn)``: like ``jax.value_and_grad(fn, has_aux=True)``.
  ``fn(x, *args)`` returns ``(scalar loss, aux)``; the returned function
  gives ``((loss, aux), grads)``, with ``grads`` shaped like ``x`` (a tensor
  or a list of tensors). It may be nested: a gradient penalty and the
  unrolled GAN differentiate through a gradient.
- ``apply_gradients(optimizer, grads, variables)``: one optimizer update.
- ``replica_count()``, ``replica_id()``: the ``tf.distribute`` replicas
  (1 and None elsewhere: JAX shards the batch itself).
- ``StepAdapter``: a mixin that lets ``keras.Model.fit`` run the model's
  ``_train_step(data)``. TensorFlow and PyTorch call it as it is; on JAX,
  whose ``fit`` is stateless, it runs inside a ``keras.StatelessScope``
  over every variable the step touches (both optimizers, the EMA weights,
  the noise seed, the metrics), modelled on Keras's own JAX trainer.

Randomness must be drawn outside the function passed to ``value_and_grad``
(JAX cannot update a ``SeedGenerator`` from inside a traced gradient).
"""

import keras

BACKEND = keras.backend.backend()

if BACKEND == "tensorflow":
    from ganlab.backend.tensorflow import (
        StepAdapter,
        apply_gradients,
        replica_count,
        replica_id,
        value_and_grad,
    )
elif BACKEND == "jax":
    from ganlab.backend.jax import (
        StepAdapter,
        apply_gradients,
        replica_count,
        replica_id,
        value_and_grad,
    )
elif BACKEND == "torch":
    from ganlab.backend.torch import (
        StepAdapter,
        apply_gradients,
        replica_count,
        replica_id,
        value_and_grad,
    )
else:  # pragma: no cover - Keras has no other training backend
    raise ImportError(
        f"ganlab trains on the tensorflow, jax and torch backends of Keras; "
        f"KERAS_BACKEND is {BACKEND!r}. Set KERAS_BACKEND to one of those."
    )

__all__ = [
    "BACKEND",
    "StepAdapter",
    "apply_gradients",
    "replica_count",
    "replica_id",
    "value_and_grad",
]
