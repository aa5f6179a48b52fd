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
"""

import jax
import keras


def value_and_grad(fn):
    return jax.value_and_grad(fn, has_aux=True)


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
