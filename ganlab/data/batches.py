"""Batches of in-memory arrays as a ``tf.data`` pipeline: shuffled by index,
gathered in one op, prefetched, with tf.data's autotuning off.

:func:`shuffled_batches` serves the arrays of :func:`ganlab.data.training_data`
and the paired images of :mod:`ganlab.translation.core`.
"""

from __future__ import annotations

import tensorflow as tf

AUTOTUNE = tf.data.AUTOTUNE

# tf.data's autotuning runs a background thread per iterator. ``fit`` repeats
# in-memory data (one iterator for the whole run), so when training stops,
# that iterator is freed mid-pass, and freeing it waits for the thread's next
# wake-up: on TF 2.21 the Python process could then hang for many seconds
# after the script's last line (measured in bench/results/tried.md). A
# gather from memory needs no tuning: bench/results/throughput.md measures
# this pipeline, model off, far ahead of what training consumes.
_NO_AUTOTUNE_MODEL = tf.data.Options()
_NO_AUTOTUNE_MODEL.autotune.enabled = False


def shuffled_batches(
    arrays,
    batch_size: int,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Batches of in-memory arrays, reshuffled every epoch, prefetched.

    Shuffles indices, not rows: the shuffle buffer, refilled at the start of
    every epoch, holds N integers instead of N images, and each batch is
    gathered from the arrays in one op, so the buffer's size does not grow
    with the images' (an older buffer of images lost time at every epoch
    boundary: bench/results/time_to_quality.md, the recipe search).

    Args:
        arrays: an array (N, ...) or a tuple of arrays with the same N.
        batch_size: rows per batch (at most N).
        shuffle: reshuffle every epoch.
        seed: shuffle seed.
        drop_remainder: drop the last, smaller batch.

    Returns:
        A dataset of batches with the arrays' structure and dtypes.
    """
    single = not isinstance(arrays, tuple)
    tensors = tuple(tf.constant(a) for a in ((arrays,) if single else arrays))
    n = int(tensors[0].shape[0])
    ds = tf.data.Dataset.range(n)
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(min(batch_size, n), drop_remainder=drop_remainder)

    def gather(index):
        rows = tuple(tf.gather(t, index) for t in tensors)
        return rows[0] if single else rows

    ds = ds.map(gather, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)
    return ds.with_options(_NO_AUTOTUNE_MODEL)
