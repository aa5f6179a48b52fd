"""What Pix2Pix and CycleGAN share: input checks, tf.data pipelines, a base.

- :func:`as_images`: uint8 [0, 255] or float [-1, 1] images, checked and
  returned as float32 (N, H, W, C) in [-1, 1];
- :func:`check_network`: the networks must be built Keras models on images;
- :func:`array_batches`, :func:`pair_dataset`, :func:`image_dataset`: the
  ``tf.data`` pipelines ``fit`` trains on (accepted on every backend); a
  dataset's pixel range is decided over the whole dataset by
  :func:`ganlab.data.pixel_scale`, as for ``GAN.fit``;
- ``Translator``: :class:`ganlab.gan.two_player.TwoPlayerModel` (optimizers,
  saving, seeds, augmentation) plus ``fit``'s checks and ``translate``.

See :mod:`ganlab.translation.pix2pix` for the models.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab.backend import replica_count
from ganlab.data.batches import shuffled_batches
from ganlab.data.pipeline import batch_converter as data_converter
from ganlab.data.pipeline import check_images, pixel_scale, scan_images
from ganlab.gan.two_player import TwoPlayerModel

# ------------------------------------------------------------------ data --


def check_network(net, what: str, *, n_inputs: int, hint: str = "") -> None:
    """A built Keras model taking ``n_inputs`` image batches (B, H, W, C)."""
    if not isinstance(net, keras.Model) or not net.built:
        raise ValueError(
            f"The {what} must be a built keras.Model (e.g. from make_unet_generator "
            f"or make_patchgan_discriminator); got {type(net).__name__}."
        )
    shapes = net.input_shape
    shapes = list(shapes) if isinstance(shapes, list) else [shapes]
    if len(shapes) != n_inputs or any(len(s) != 4 for s in shapes):
        raise ValueError(
            f"The {what} must take {n_inputs} image batch(es) (batch, H, W, C); it "
            f"takes {net.input_shape}.{hint}"
        )
    if len(net.output_shape) < 2:
        raise ValueError(f"The {what}'s output {net.output_shape} has no batch axis.")


def array_batches(arrays, batch_size: int, shuffle: bool, seed):
    """Batches of in-memory arrays (one, or a tuple with equal lengths).

    Returns:
        ``(dataset, steps)``: :func:`ganlab.data.batches.shuffled_batches` (the last
        partial batch dropped) and the number of batches in one pass.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}.")
    first = arrays[0] if isinstance(arrays, tuple) else arrays
    if len(first) < 2:
        raise ValueError(
            f"Only {len(first)} image(s) to train on: too few to learn a "
            "translation from. Add more (hundreds are typical: the smallest set of "
            "the Pix2Pix paper, CMP Facades, has 400 training pairs)."
        )
    n, batch_size = len(first), min(int(batch_size), len(first))
    ds = shuffled_batches(arrays, batch_size, shuffle=shuffle, seed=seed)
    return ds, n // batch_size


def _layout(spec, shape, name) -> tuple[bool, bool]:
    """(batched, channel-less) for dataset elements of ``spec``, read as
    images of ``shape`` (H, W, C)."""
    if not isinstance(spec, tf.TensorSpec) or spec.shape.rank is None:
        raise ValueError(f"The dataset's {name} must be image tensors; got {spec}.")
    if not (spec.dtype.is_integer or spec.dtype.is_floating):
        raise ValueError(
            f"The dataset's {name} must be numbers; got {spec.dtype.name}."
        )
    dims = tuple(spec.shape.as_list())

    def fits(d, s):
        return len(d) == len(s) and all(a is None or a == b for a, b in zip(d, s))

    gray = shape[-1] == 1
    if fits(dims, shape) or (gray and fits(dims, shape[:2])):
        batched = False
    elif fits(dims[1:], shape) or (gray and fits(dims[1:], shape[:2])):
        batched = True
    else:
        raise ValueError(
            f"The dataset's {name} have shape {dims}; the networks take {shape} per "
            "image (batched or not)."
        )
    return batched, len(dims) - int(batched) == 2


def _converter(ds, spec, channelless: bool, name: str):
    """The batch map of one component: [-1, 1] float32 with a channel axis.

    One pass over the batched component ``ds`` finds its value range, and
    :func:`ganlab.data.pixel_scale`, ganlab's one rule, decides from it
    whether the values are [0, 255] pixels to scale (every later batch is
    checked to stay in [-1, 1]).
    """
    _, lo, hi = scan_images(ds, spec.dtype)
    scale = pixel_scale(lo, hi, integer=spec.dtype.is_integer, name=f"dataset {name}")
    return data_converter(scale, channelless, None)


def _nonempty(ds, names) -> None:
    if next(iter(ds.take(1)), None) is None:
        raise ValueError(
            f"The dataset of {' and '.join(names)} yields no batch: it is empty or "
            "holds fewer images than batch_size."
        )


def pair_dataset(ds, shapes, names, batch_size: int):
    """A dataset of (input, target) pairs as float32 batches in [-1, 1]."""
    spec = ds.element_spec
    if not (isinstance(spec, tuple) and len(spec) == 2):
        raise ValueError(
            f"The dataset must yield (input, target) pairs; it yields {spec}."
        )
    layouts = [_layout(s, shape, n) for s, shape, n in zip(spec, shapes, names)]
    if layouts[0][0] != layouts[1][0]:
        raise ValueError(
            "The dataset's inputs and targets must both be batched or not."
        )
    if not layouts[0][0]:
        ds = ds.batch(int(batch_size))
    _nonempty(ds, names)
    inputs, targets = ds.map(lambda x, y: x), ds.map(lambda x, y: y)
    f_in = _converter(inputs, spec[0], layouts[0][1], names[0])
    f_out = _converter(targets, spec[1], layouts[1][1], names[1])
    ds = ds.map(lambda x, y: (f_in(x), f_out(y)), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(2)


def image_dataset(ds, shape, name: str, batch_size: int):
    """A dataset of images (labels dropped) in batches of exactly batch_size.

    Returns:
        ``(dataset, n)``: float32 batches in [-1, 1], and the number of
        images when the dataset is unbatched and finite (else None).
    """
    spec = ds.element_spec
    if isinstance(spec, tuple):
        ds, spec = ds.map(lambda *element: element[0]), spec[0]
    batched, channelless = _layout(spec, shape, name)
    n = None if batched or int(ds.cardinality()) < 0 else int(ds.cardinality())
    if batched:
        ds = ds.unbatch()
    ds = ds.batch(int(batch_size), drop_remainder=True)
    _nonempty(ds, (name,))
    fn = _converter(ds, spec, channelless, name)
    return ds.map(fn, num_parallel_calls=tf.data.AUTOTUNE), n


DEFAULT_BATCH_SIZE = 32


def patch_mean(loss, *logits):
    """A loss of :mod:`ganlab.gan.losses` per example on logits of any shape.

    The loss is applied to every logit (each PatchGAN patch) and averaged
    over each example's logits: (B, h, w, 1) logits give (B,) values, the
    mean over patches of Isola et al. 2017, section 3.2.2.
    """
    batch = ops.shape(logits[0])[0]
    values = loss(*(ops.reshape(x, (-1, 1)) for x in logits))
    return ops.mean(ops.reshape(values, (batch, -1)), axis=1)


def replica_mean(per_example):
    """Mean over the local batch / replicas: the global-batch mean's gradient."""
    return ops.mean(per_example) / replica_count()


class Translator(TwoPlayerModel):
    """What Pix2Pix and CycleGAN share beyond :class:`TwoPlayerModel`:
    ``fit``'s checks, ``translate`` and the metrics' update."""

    _config_keys: tuple[str, ...] = ()  # compile() options, saved with it

    def _compile_options(self) -> dict:
        return {key: getattr(self, key) for key in self._config_keys}

    def _fit(self, ds, steps, kwargs):
        if not self.compiled:
            raise ValueError(f"Call {type(self).__name__}.compile() before fit().")
        for key in ("validation_data", "validation_split", "y"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.fit does not take {key}: score held-out "
                    "images with translate() and ganlab.translation.metrics."
                )
        if steps is not None and kwargs.get("steps_per_epoch") is None:
            # One iterator over a repeated dataset for the whole run; one
            # epoch is one pass over the (larger) training set.
            kwargs["steps_per_epoch"] = steps
        return super().fit(ds, shuffle=False, **kwargs)

    def _translate(self, net, x, batch_size, name):
        source = tuple(net.input_shape[1:])
        x = as_images(x, source, name, allow_empty=True)
        if len(x) == 0:
            return np.zeros((0, *net.output_shape[1:]), "float32")
        out = net.predict(x, batch_size=int(batch_size), verbose=0)
        return np.asarray(out, dtype="float32")

    def _update(self, trackers_and_values) -> dict:
        for tracker, value in trackers_and_values:
            tracker.update_state(value)
        logs = {m.name: m.result() for m in self.metrics}
        if self.augment_adaptive:
            logs["aug_p"] = ops.convert_to_tensor(self.aug_p)
        return logs


def as_images(images, shape=None, name: str = "images", *, allow_empty=False):
    """Check images and return them as float32 (N, H, W, C) in [-1, 1].

    ganlab's one image validator, :func:`ganlab.data.check_images` (its
    pixel-range rule and messages), plus ``allow_empty``.

    Args:
        images: array-like of images.
        shape: (H, W, C) the images must have, or None for any.
        name: what to call them in error messages.
        allow_empty: accept N = 0.

    Returns:
        float32 array (N, H, W, C), values in [-1, 1].

    Raises:
        ValueError: non-numbers, a wrong rank or shape, no images, NaN or
            inf, values out of range; each message says the fix.
    """
    x = np.asarray(images)
    if allow_empty and x.ndim in (3, 4) and len(x) == 0:
        per_image = x.shape[1:] + ((1,) if x.ndim == 3 else ())
        return np.zeros((0, *(shape or per_image)), np.float32)
    return check_images(x, shape, name=name, what="the model expects")
