"""Gradients and steps on TensorFlow: ``tf.GradientTape``; ``fit`` as it is.

Under ``tf.distribute`` each replica runs the step on its shard; the
optimizers' ``apply`` sums the replicas' gradients, so losses are divided by
the replica count (see :func:`replica_count`).

TensorFlow's warning that Keras's predict function "triggered tf.function
retracing" is dropped (:class:`PredictRetracingFilter`): ganlab samples and
scores with ``predict`` on many models, each traced twice by design (for
its first batch shape, then for any), and TensorFlow counts those traces
across models as if one function retraced in a loop.
"""

import logging

import tensorflow as tf


class PredictRetracingFilter(logging.Filter):
    """Drops the "triggered tf.function retracing" warnings about Keras's
    ``make_predict_function``; every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("retracing" in message and "make_predict_function" in message)


if not any(isinstance(f, PredictRetracingFilter) for f in tf.get_logger().filters):
    tf.get_logger().addFilter(PredictRetracingFilter())


def value_and_grad(fn):
    def wrapped(x, *args):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss, aux = fn(x, *args)
        grads = tape.gradient(loss, x, unconnected_gradients="zero")
        return (loss, aux), grads

    return wrapped


def apply_gradients(optimizer, grads, variables):
    optimizer.apply(grads, variables)


def replica_count() -> int:
    return tf.distribute.get_strategy().num_replicas_in_sync


def replica_id():
    """This replica's index under ``tf.distribute`` (a tensor), or None."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    return context.replica_id_in_sync_group


class StepAdapter:
    """``fit`` calls ``train_step(data)``: the model's step runs as written."""

    def _setup_backend(self) -> None:
        pass

    def train_step(self, data):
        logs = self._train_step(data)
        if isinstance(tf.distribute.get_strategy(), _MULTI_WORKER):
            # Keras reduces fit's logs across workers with
            # strategy.reduce("MEAN", v, axis=0), which fails on scalars
            # (tensorflow/tensorflow#72388): give each log a batch axis.
            logs = {name: tf.reshape(value, (1,)) for name, value in logs.items()}
        return logs


_MULTI_WORKER = (
    tf.distribute.MultiWorkerMirroredStrategy,
    tf.distribute.experimental.MultiWorkerMirroredStrategy,
)
