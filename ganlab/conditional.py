"""Conditional GAN: generate the digit you ask for.

A conditional GAN (Mirza & Osindero 2014, https://arxiv.org/abs/1411.1784)
gives both players the class label y as a one-hot vector:

- the generator maps (z, y) to an image: z and y are concatenated and fed
  to the DCGAN generator stack of :func:`ganlab.make_generator`;
- the discriminator judges (x, y) pairs: y is tiled to an (H, W, K) block
  and stacked onto the image as K extra channels, then the DCGAN
  discriminator stack of :func:`ganlab.make_discriminator` gives one logit;
  with ``projection=True`` (the ``train --conditional`` recipe) a class
  embedding's inner product with D's features is added to that logit
  (Miyato & Koyama 2018), which makes G follow the label much more closely.

D sees real images with their true labels and generated images with the
labels they were generated for, so G can only fool D by drawing an image
that looks like *that* class: asking for a 7 gives a 7.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from ganlab.callbacks import GANMonitor
from ganlab.data import _infer_scale, _is_channelless, check_images, shuffled_batches
from ganlab.gan import GAN, _global_mean, _is_keras_dataset, repeat_epochs
from ganlab.models import (
    _check_image_shape,
    make_discriminator,
    make_generator,
    num_upsamplings,
)
from ganlab.plotting import image_grid, save_gif, save_image_grid

AUTOTUNE = tf.data.AUTOTUNE

# GAN.compile options that the conditional train step does not implement,
# with their "off" values.
_UNCONDITIONAL_ONLY = {
    "gradient_penalty": 0.0,
    "instance_noise": 0.0,
    "instance_noise_steps": None,
    "unrolled_steps": 0,
    "unrolled_lr": None,
    "pack": 1,
}


# ------------------------------------------------------------- networks --
def make_conditional_generator(
    latent_dim: int = 100,
    num_classes: int = 10,
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    kernel_size: int = 5,
    bn_momentum: float = 0.9,
    name: str = "conditional_generator",
) -> keras.Model:
    """The conditional DCGAN generator: (noise, one-hot label) → image.

    z (latent_dim) and y (num_classes) are concatenated into one
    (latent_dim + num_classes) vector, which goes through the same DCGAN
    stack as :func:`ganlab.make_generator` (Dense → reshape → transposed
    convolutions → tanh).

    Args:
        latent_dim: size of the noise vector z.
        num_classes: number of classes K (size of the one-hot label).
        image_shape: (H, W, C) of the images to produce.
        width: channels of the last hidden layer; the others are multiples.
        kernel_size: side of every transposed-convolution kernel.
        bn_momentum: BatchNorm moving-average momentum.
        name: model name.

    Returns:
        A functional model with inputs ``[z, label]`` of shapes
        (batch, latent_dim) and (batch, num_classes) (one-hot, or any
        probability vector), and output (batch, H, W, C) float32 images in
        [-1, 1].
    """
    _check_num_classes(num_classes)
    if latent_dim < 1:
        raise ValueError(f"latent_dim must be a positive integer, got {latent_dim}.")
    stack = make_generator(
        latent_dim + num_classes,
        image_shape,
        width=width,
        kernel_size=kernel_size,
        bn_momentum=bn_momentum,
        name=f"{name}_stack",
    )
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((num_classes,), name="label")
    zy = layers.Concatenate(name="z_and_label")([z, label])
    return keras.Model([z, label], stack(zy), name=name)


def make_conditional_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    width: int = 64,
    kernel_size: int = 5,
    dropout: float = 0.3,
    batch_norm: bool = False,
    projection: bool = False,
    tile_label: bool = True,
    name: str = "conditional_discriminator",
) -> keras.Model:
    """The conditional DCGAN discriminator: (image, one-hot label) → logit.

    The label (batch, K) is reshaped to (batch, 1, 1, K) and tiled to
    (batch, H, W, K) by nearest-neighbour upsampling, so every pixel sees
    the class; it is concatenated with the image as K extra channels and
    judged by the DCGAN stack of :func:`ganlab.make_discriminator` built for
    (H, W, C + K) inputs.

    Args:
        image_shape: (H, W, C) of the images to judge.
        num_classes: number of classes K.
        width: channels of the first convolution; each stage doubles it.
        kernel_size: side of every convolution kernel.
        dropout: dropout rate after each stage (0 turns it off).
        batch_norm: add BatchNorm after every convolution but the first.
        projection: also add the projection term of Miyato & Koyama 2018
            ("cGANs with Projection Discriminator",
            https://arxiv.org/abs/1802.05637): logit = w·φ + ⟨E y, φ⟩, with
            φ the flattened features of the last convolution stage and E a
            learned (F, K) class embedding. The inner product rewards
            features that match the requested class.
        tile_label: feed the tiled label to the convolutions as K extra
            channels. With ``projection=True`` it may be turned off: the
            label then enters only through the projection term, and the
            first convolution's cost no longer grows with K (many classes,
            e.g. clusters).
        name: model name.

    Returns:
        A functional model with inputs ``[image, label]`` of shapes
        (batch, H, W, C) in [-1, 1] and (batch, num_classes), and output
        (batch, 1) float32 logits (any real value; D = sigmoid(logit)).
    """
    _check_num_classes(num_classes)
    if not (tile_label or projection):
        raise ValueError(
            "The label must reach the discriminator: keep tile_label=True or "
            "set projection=True."
        )
    height, width_px, channels = _check_image_shape(image_shape)
    num_upsamplings(image_shape)  # raises for sizes the DCGAN cannot handle
    stack = make_discriminator(
        (height, width_px, channels + (num_classes if tile_label else 0)),
        width=width,
        kernel_size=kernel_size,
        dropout=dropout,
        batch_norm=batch_norm,
        name=f"{name}_stack",
    )
    image = keras.Input((height, width_px, channels), name="image")
    label = keras.Input((num_classes,), name="label")
    x = image
    if tile_label:
        tiled = layers.Reshape((1, 1, num_classes))(label)
        tiled = layers.UpSampling2D((height, width_px), name="tile_label")(tiled)
        x = layers.Concatenate(name="image_and_label")([image, tiled])
    if not projection:
        return keras.Model([image, label], stack(x), name=name)
    features = keras.Model(stack.inputs, stack.layers[-2].output)(x)
    logit = stack.layers[-1](features)
    embedded = layers.Dense(features.shape[-1], use_bias=False, name="embed")(label)
    match = layers.Dot(axes=1, name="projection")([features, embedded])
    return keras.Model([image, label], layers.Add()([logit, match]), name=name)


def _check_num_classes(num_classes: int) -> None:
    if int(num_classes) < 2:
        raise ValueError(f"num_classes must be at least 2, got {num_classes}.")


# --------------------------------------------------------------- labels --
def check_labels(labels, num_classes: int, n: int | None = None) -> np.ndarray:
    """Validate class labels and return them one-hot.

    Args:
        labels: integer class ids of shape (N,) in [0, num_classes), or
            one-hot (or any probability) rows of shape (N, num_classes) with
            values in [0, 1] summing to 1.
        num_classes: number of classes K.
        n: the number of images the labels go with, to check against.

    Returns:
        float32 array (N, num_classes).

    Raises:
        ValueError: for missing labels, a wrong shape or dtype, class ids out
            of range, rows that are not probability vectors, or a count that
            differs from ``n``.
    """
    if labels is None:
        raise ValueError(
            "A ConditionalGAN needs class labels: pass integer labels (N,) in "
            f"[0, {num_classes}) or one-hot labels (N, {num_classes})."
        )
    y = np.asarray(labels)
    if y.dtype == object or y.dtype == bool or not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"Labels must be numbers; got dtype {y.dtype}.")
    if y.ndim == 1:
        y = _int_labels_to_one_hot(y, num_classes)
    elif y.ndim == 2 and y.shape[1] == num_classes:
        y = _check_one_hot(y.astype(np.float32))
    else:
        raise ValueError(
            f"Labels must have shape (N,) (class ids) or (N, {num_classes}) "
            f"(one-hot); got {y.shape}."
        )
    if n is not None and len(y) != n:
        raise ValueError(
            f"Got {len(y)} labels for {n} images: pass one label per image."
        )
    return y


def _int_labels_to_one_hot(y: np.ndarray, num_classes: int) -> np.ndarray:
    if not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(
                "Labels of shape (N,) must be integer class ids; got non-integer "
                "values."
            )
        y = y.astype(np.int64)
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"Class ids must lie in [0, {num_classes}); found values in "
            f"[{int(y.min())}, {int(y.max())}]."
        )
    return np.eye(num_classes, dtype=np.float32)[y.astype(np.int64)]


def _check_one_hot(y: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(y)) or y.min(initial=0) < 0 or y.max(initial=0) > 1:
        raise ValueError("One-hot labels must hold values in [0, 1].")
    if len(y) and not np.allclose(y.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError(
            "Each one-hot label row must sum to 1 (exactly one class, or a "
            "probability mix of classes)."
        )
    return y


# ------------------------------------------------------------------ model --
@keras.saving.register_keras_serializable(package="ganlab")
class ConditionalGAN(GAN):
    """A GAN whose players both see the class label: ``generate(labels)``.

    Built on :class:`ganlab.GAN`: compile options (optimizers, ``loss``,
    ``d_steps``, ``simultaneous``), the logged metrics (``d_loss``,
    ``g_loss``, ``d_real``, ``d_fake``, ``loss``), saving, loading and
    resuming are the same. What changes:

    - ``fit(images, labels)`` (or a ``tf.data`` dataset of
      (images, labels)): labels are integer ids (N,) or one-hot
      (N, num_classes);
    - D is shown (real image, its label) and (G(z, y), y), with y the real
      batch's labels, so the generated class mix follows the data's;
    - ``generate(labels, seed=None)`` draws one image per requested label.

    Args:
        generator: a built model [z (B, latent_dim), y (B, K)] → (B, H, W, C)
            in [-1, 1] (see :func:`make_conditional_generator`).
        discriminator: a built model [x (B, H, W, C), y (B, K)] → (B, 1)
            logits (see :func:`make_conditional_discriminator`).
        num_classes: K; read from the generator when None, checked otherwise.
        latent_dim: size of z; read from the generator when None.
        seed: seed of the model's noise generator.

    Example:
        >>> cgan = ganlab.build_conditional_dcgan(width=32)
        >>> cgan.compile()
        >>> cgan.fit(x_train, y_train, epochs=3, batch_size=64)
        >>> sevens = cgan.generate([7] * 16, seed=0)  # (16, 28, 28, 1), [-1, 1]
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        num_classes: int | None = None,
        latent_dim: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent_dim, seed, **kwargs)
        k = int(generator.input_shape[1][-1])
        if num_classes is not None and int(num_classes) != k:
            raise ValueError(
                f"num_classes={num_classes} does not match the generator, which "
                f"takes labels of size {k}."
            )
        self.num_classes = k

    @staticmethod
    def _check_networks(generator, discriminator, latent_dim) -> int:
        for net, what in ((generator, "generator"), (discriminator, "discriminator")):
            if not isinstance(net, keras.Model) or not net.built:
                raise ValueError(
                    f"The {what} must be a built keras.Model (e.g. from "
                    f"ganlab.make_conditional_{what}()); got {type(net).__name__}."
                )
            shapes = net.input_shape
            if not isinstance(shapes, list) or len(shapes) != 2:
                raise ValueError(
                    f"The conditional {what} must take two inputs [x, one-hot "
                    f"label]; its input shape is {shapes}. Build it with "
                    f"ganlab.make_conditional_{what}()."
                )
        (g_z, g_y), (d_x, d_y) = generator.input_shape, discriminator.input_shape
        if g_y[-1] != d_y[-1]:
            raise ValueError(
                f"The generator takes {g_y[-1]} classes but the discriminator "
                f"{d_y[-1]}. Build both with the same num_classes."
            )
        if latent_dim is not None and latent_dim != g_z[-1]:
            raise ValueError(
                f"latent_dim={latent_dim} does not match the generator, which takes "
                f"noise of size {g_z[-1]}."
            )
        if tuple(generator.output_shape[1:]) != tuple(d_x[1:]):
            raise ValueError(
                f"The generator produces images of shape "
                f"{tuple(generator.output_shape[1:])} but the discriminator expects "
                f"{tuple(d_x[1:])}. Build both with the same image_shape."
            )
        if tuple(discriminator.output_shape[1:]) not in ((1,), ()):
            raise ValueError(
                "The discriminator must end in one logit per image, shape (batch, "
                f"1); its output shape is {discriminator.output_shape}."
            )
        return int(g_z[-1])

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        g_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        loss: str | dict = "bce",
        d_steps: int = 1,
        simultaneous: bool = False,
        **kwargs,
    ) -> None:
        """Configure training, as :meth:`ganlab.GAN.compile`.

        The conditional train step implements the optimizers, ``loss``,
        ``d_steps`` and ``simultaneous``; the mode-collapse remedies of
        :class:`ganlab.GAN` (gradient penalty, instance noise, unrolling,
        packing) are not implemented for it and raise a ``ValueError`` when
        set to anything but their off value.
        """
        for key, off in _UNCONDITIONAL_ONLY.items():
            value = kwargs.pop(key, off)
            if key != "instance_noise_steps" and value != off:
                raise ValueError(
                    f"ConditionalGAN does not support {key}={value!r}; leave it "
                    "unset (the remedies are implemented in ganlab.GAN only)."
                )
        super().compile(d_optimizer, g_optimizer, loss, d_steps, simultaneous, **kwargs)

    def _check_remedies(self, *args, **kwargs) -> None:
        """No-op: :meth:`compile` already rejected every remedy."""

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes}

    # -------------------------------------------------------------- train --
    def call(self, inputs, training: bool = False):
        """Run the generator: [z (B, latent_dim), y (B, K)] → (B, H, W, C)."""
        z, labels = inputs
        if training:
            return self.generator([z, labels], training=True)
        return self.sampler([z, labels], training=False)

    def _d_step(self, real, labels):
        fake = self.generator(
            [self.sample_latent(ops.shape(real)[0]), labels], training=True
        )
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            d_per_example = self.loss_fn.discriminator_loss(real_logits, fake_logits)
            d_loss = _global_mean(d_per_example)
        weights = self.discriminator.trainable_weights
        grads = tape.gradient(d_loss, weights)
        self.d_optimizer.apply_gradients(zip(grads, weights))
        return d_per_example, real_logits, fake_logits

    def _g_step(self, labels):
        z = self.sample_latent(ops.shape(labels)[0])
        with tf.GradientTape() as tape:
            fake = self.generator([z, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            g_per_example = self.loss_fn.generator_loss(fake_logits)
            g_loss = _global_mean(g_per_example)
        weights = self.generator.trainable_weights
        grads = tape.gradient(g_loss, weights)
        self.g_optimizer.apply_gradients(zip(grads, weights))
        return g_per_example

    def _simultaneous_step(self, real, labels):
        z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fake = self.generator([z, labels], training=True)
            real_logits = self.discriminator([real, labels], training=True)
            fake_logits = self.discriminator([fake, labels], training=True)
            d_per_example = self.loss_fn.discriminator_loss(real_logits, fake_logits)
            g_per_example = self.loss_fn.generator_loss(fake_logits)
            d_loss = _global_mean(d_per_example)
            g_loss = _global_mean(g_per_example)
        d_weights = self.discriminator.trainable_weights
        g_weights = self.generator.trainable_weights
        d_grads = d_tape.gradient(d_loss, d_weights)
        g_grads = g_tape.gradient(g_loss, g_weights)
        self.d_optimizer.apply_gradients(zip(d_grads, d_weights))
        self.g_optimizer.apply_gradients(zip(g_grads, g_weights))
        return d_per_example, g_per_example, real_logits, fake_logits

    def train_step(self, data):
        """One step of the conditional game: ``d_steps`` D updates, one G update.

        Args:
            data: an (images, labels) batch: images (B, H, W, C) in [-1, 1],
                labels one-hot (B, K) or integer ids (B,).

        Returns:
            The logs dict of :class:`ganlab.GAN`.
        """
        if not isinstance(data, (tuple, list)) or len(data) < 2:
            raise ValueError("ConditionalGAN.train_step needs (images, labels).")
        real, labels = data[0], data[1]
        if len(labels.shape) == 1:
            labels = tf.one_hot(tf.cast(labels, "int32"), self.num_classes)
        labels = ops.cast(labels, "float32")
        if self.simultaneous:
            d_per_example, g_per_example, real_logits, fake_logits = (
                self._simultaneous_step(real, labels)
            )
        else:
            for _ in range(self.d_steps):
                d_per_example, real_logits, fake_logits = self._d_step(real, labels)
            g_per_example = self._g_step(labels)
        self._update_ema()

        self.d_loss_tracker.update_state(d_per_example)
        self.g_loss_tracker.update_state(g_per_example)
        self.d_real_tracker.update_state(ops.sigmoid(real_logits))
        self.d_fake_tracker.update_state(ops.sigmoid(fake_logits))
        logs = {m.name: m.result() for m in self.metrics}
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        return logs

    def fit(self, x=None, y=None, batch_size: int | None = None, **kwargs):
        """Train on labelled images; see ``keras.Model.fit`` for the rest.

        Args:
            x: real images, a NumPy array (N, H, W) or (N, H, W, C), uint8 in
                [0, 255] or float in [-1, 1] (with the labels as ``y``, or as
                an (images, labels) tuple); or a ``tf.data`` dataset of
                (images, labels), batched or not.
            y: labels for NumPy images: integer ids (N,) in [0, K) or one-hot
                (N, K). None for a dataset.
            batch_size: batch size for NumPy input (default 128).

        Raises:
            ValueError: for missing, out-of-range or misshapen labels, or
                images the GAN cannot train on, with what to do about it.
        """
        if not self.compiled:
            raise ValueError("Call cgan.compile() before cgan.fit().")
        if x is None:
            raise ValueError("cgan.fit() needs real images as x and labels as y.")
        if isinstance(x, tf.data.Dataset):
            if y is not None:
                raise ValueError(
                    "Pass either a dataset of (images, labels) or arrays x and y."
                )
            x = self._prepare_dataset(x, batch_size or 128)
        elif not _is_keras_dataset(x):
            if y is None and isinstance(x, tuple) and len(x) == 2:
                x, y = x
            x = self._array_dataset(
                x, y, batch_size or 128, kwargs.pop("shuffle", True)
            )
            x = repeat_epochs(x, kwargs)
        return keras.Model.fit(self, x, shuffle=False, **kwargs)

    def _array_dataset(self, images, labels, batch_size: int, shuffle: bool):
        """(images, labels) arrays → shuffled batches of (B,H,W,C), (B,K)."""
        if batch_size < 1:
            raise ValueError(
                f"batch_size must be a positive integer, got {batch_size}."
            )
        x = check_images(images, self.image_shape)
        y = check_labels(labels, self.num_classes, n=len(x))
        return shuffled_batches((x, y), batch_size, shuffle, self.seed)

    def _prepare_dataset(self, ds: tf.data.Dataset, batch_size: int):
        """Check a dataset of (images, labels) and map it to ([-1,1], one-hot).

        The image range and the labels are checked on the first batch; labels
        of later batches are checked as they stream (an out-of-range id then
        stops training with an InvalidArgumentError).
        """
        spec = ds.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise ValueError(
                "A ConditionalGAN needs labels: the dataset must yield (images, "
                f"labels) pairs; it yields {spec}."
            )
        x_spec, y_spec = spec
        image_rank = 2 if _is_channelless(x_spec.shape, self.image_shape) else 3
        if x_spec.shape.rank == image_rank:
            ds = ds.batch(batch_size)
        elif x_spec.shape.rank != image_rank + 1:
            raise ValueError(
                f"Dataset images have shape {x_spec.shape}; expected (H, W, C) or "
                f"(B, H, W, C) with (H, W, C) = {self.image_shape}."
            )
        first = next(iter(ds.take(1)), None)
        if first is None:
            raise ValueError("The dataset is empty: it yields no images.")
        images = first[0].numpy()
        if image_rank == 2:
            images = images[..., np.newaxis]
        check_images(images, self.image_shape, name="dataset images")
        scale = _infer_scale(images, x_spec.dtype)
        check_labels(first[1].numpy(), self.num_classes, n=len(images))
        k = self.num_classes

        def convert(x, y):
            if image_rank == 2:
                x = x[..., tf.newaxis]
            x = tf.cast(x, tf.float32)
            x = x / 127.5 - 1.0 if scale else x
            if y.shape.rank == 1:
                y = tf.cast(y, tf.int32)
                tf.debugging.assert_less(y, k, "class id out of range")
                tf.debugging.assert_non_negative(y, "class id out of range")
                y = tf.one_hot(y, k)
            return x, tf.cast(y, tf.float32)

        return ds.map(convert, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)

    # ----------------------------------------------------------- generate --
    def generate(
        self, labels, seed: int | None = None, batch_size: int = 256
    ) -> np.ndarray:
        """Generate one image per requested label, in inference mode.

        Args:
            labels: integer class ids (n,) in [0, K), or one-hot / probability
                rows (n, K) (a mix of two classes interpolates between them).
            seed: an int gives the same noise, hence the same images for the
                same labels, every time and after save/load; None draws fresh
                noise from the model's seed generator.
            batch_size: images per generator call.

        Returns:
            float32 array (n, H, W, C) with values in [-1, 1].
        """
        if np.ndim(labels) == 0:
            raise ValueError(
                "generate() takes a sequence of labels, one per image, e.g. "
                f"generate([3] * 16) or generate(np.arange({self.num_classes}))."
            )
        y = check_labels(labels, self.num_classes)
        n = len(y)
        if seed is None:
            z = self.sample_latent(n)
        else:
            z = keras.random.normal((n, self.latent_dim), seed=int(seed))
        return self.generate_from(z, y, batch_size=batch_size)

    def sample_labels(self, n: int, seed: int | None = None) -> np.ndarray:
        """Class ids (n,) for n samples nobody chose labels for (scores, grids):
        every class equally often, image i getting class i mod K. ``seed`` is
        unused here; :class:`ganlab.SelfConditionedGAN` draws its labels."""
        return np.arange(int(n)) % self.num_classes

    def generate_from(self, z, labels=None, batch_size: int = 256) -> np.ndarray:
        """Images (n, H, W, C) in [-1, 1] for noise (n, latent_dim) and labels."""
        z = ops.convert_to_numpy(z).astype("float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Noise must have shape (n, {self.latent_dim}); got {z.shape}."
            )
        y = check_labels(labels, self.num_classes, n=len(z))
        if len(z) == 0:
            return np.zeros((0, *self.image_shape), "float32")
        out = self.sampler.predict([z, y], batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")


def build_conditional_dcgan(
    latent_dim: int = 100,
    num_classes: int = 10,
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    seed: int | None = None,
    **discriminator_kwargs,
) -> ConditionalGAN:
    """A :class:`ConditionalGAN` with the conditional DCGAN nets, not compiled.

    Args:
        latent_dim: size of z.
        num_classes: number of classes K.
        image_shape: (H, W, C) of the images.
        width: width of both networks.
        seed: seed of the model's noise.
        **discriminator_kwargs: passed to
            :func:`make_conditional_discriminator`.
    """
    return ConditionalGAN(
        make_conditional_generator(latent_dim, num_classes, image_shape, width=width),
        make_conditional_discriminator(
            image_shape, num_classes, width=width, **discriminator_kwargs
        ),
        seed=seed,
    )


# -------------------------------------------------------------- pictures --
def class_grid(cgan: ConditionalGAN, n_per_class: int = 10, seed: int = 0):
    """One row per class, the same noise down each column.

    Args:
        cgan: a conditional GAN.
        n_per_class: images per class (columns).
        seed: seed of the ``n_per_class`` noise vectors, shared by all rows, so
            a column shows one "style" drawn as every class.

    Returns:
        float32 array (num_classes · n_per_class, H, W, C) in [-1, 1]; image
        ``k * n_per_class + j`` is class k with noise j.
    """
    k = cgan.num_classes
    z = keras.random.normal((n_per_class, cgan.latent_dim), seed=int(seed))
    z = np.tile(ops.convert_to_numpy(z), (k, 1))
    labels = np.repeat(np.arange(k), n_per_class)
    return cgan.generate_from(z, labels)


def save_class_grid(
    cgan: ConditionalGAN,
    path: str | os.PathLike,
    n_per_class: int = 10,
    seed: int = 0,
    scale: int = 2,
) -> np.ndarray:
    """Write :func:`class_grid` as a PNG, one row per class; return the grid."""
    images = class_grid(cgan, n_per_class, seed)
    return save_image_grid(images, path, ncols=n_per_class, scale=scale)


def interpolate_classes(
    cgan: ConditionalGAN,
    class_a: int,
    class_b: int,
    steps: int = 16,
    seed: int = 0,
    seed_b: int | None = None,
) -> np.ndarray:
    """Images along a straight path from (z_a, class_a) to (z_b, class_b).

    The label moves from one-hot(class_a) to one-hot(class_b) through the
    mixes (1 - t)·y_a + t·y_b, t = 0 … 1; the noise moves linearly from z_a
    to z_b (both drawn from ``seed`` when ``seed_b`` is None, so only the
    class changes).

    Args:
        cgan: a conditional GAN.
        class_a, class_b: class ids in [0, K).
        steps: number of images (≥ 2), both ends included.
        seed: seed of z_a.
        seed_b: seed of z_b; None keeps z fixed.

    Returns:
        float32 array (steps, H, W, C) in [-1, 1].
    """
    if steps < 2:
        raise ValueError(f"steps must be at least 2, got {steps}.")
    ends = check_labels([class_a, class_b], cgan.num_classes)
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    labels = (1 - t) * ends[0] + t * ends[1]
    z_a = ops.convert_to_numpy(keras.random.normal((1, cgan.latent_dim), seed=seed))
    z_b = z_a
    if seed_b is not None:
        z_b = ops.convert_to_numpy(
            keras.random.normal((1, cgan.latent_dim), seed=int(seed_b))
        )
    z = (1 - t) * z_a + t * z_b
    return cgan.generate_from(z, labels)


def save_interpolation_gif(
    cgan: ConditionalGAN,
    path: str | os.PathLike,
    class_a: int,
    class_b: int,
    steps: int = 16,
    n: int = 8,
    seed: int = 0,
    fps: float = 8,
    scale: int = 3,
) -> np.ndarray:
    """Animate class_a → class_b for ``n`` noise vectors side by side.

    Frame i is a row of ``n`` images at step i of :func:`interpolate_classes`
    (seeds ``seed`` … ``seed + n - 1``, z fixed along each path); the GIF
    plays forward then back.

    Returns:
        uint8 array (steps, h, w, C) of the frames (before the playback
        reversal), for display.
    """
    paths = np.stack(
        [interpolate_classes(cgan, class_a, class_b, steps, seed + i) for i in range(n)]
    )  # (n, steps, H, W, C)
    frames = [image_grid(paths[:, i], ncols=n) for i in range(steps)]
    frames = [f.repeat(scale, axis=0).repeat(scale, axis=1) for f in frames]
    save_gif(frames + frames[-2:0:-1], path, fps=fps)
    return np.stack(frames)


class ClassGridMonitor(GANMonitor):
    """A :class:`ganlab.GANMonitor` whose grids are class grids.

    After every ``every`` epochs it writes ``epoch_NNN.png`` with one row per
    class and the same ``n_per_class`` noise vectors down the columns (see
    :func:`class_grid`); at the end of training, ``progress.gif``.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        n_per_class: int = 10,
        seed: int = 0,
        every: int = 1,
        scale: int = 2,
        gif: bool = True,
    ):
        super().__init__(out_dir, n=n_per_class, seed=seed, every=every, scale=scale)
        self.gif = gif

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        path = self.out_dir / f"epoch_{epoch + 1:03d}.png"
        save_class_grid(self.model, path, self.n, self.seed, self.scale)
