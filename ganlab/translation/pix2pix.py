"""Image-to-image translation: Pix2Pix (paired data) and CycleGAN (unpaired).

- :class:`Pix2Pix` (Isola et al. 2017, "Image-to-Image Translation with
  Conditional Adversarial Networks", https://arxiv.org/abs/1611.07004)
  learns G: x → y from pairs (x, y): a conditional GAN whose discriminator
  judges (x, y) against (x, G(x)), plus λ·‖y − G(x)‖₁.
- :class:`CycleGAN` (Zhu et al. 2017, "Unpaired Image-to-Image Translation
  using Cycle-Consistent Adversarial Networks",
  https://arxiv.org/abs/1703.10593) learns G: A → B and F: B → A from two
  unpaired sets: each output must fool its domain's discriminator, and
  going there and back must return the input (F(G(a)) ≈ a, G(F(b)) ≈ b).

CycleGAN lives in :mod:`ganlab.translation.cyclegan` and is imported here. Networks:
:func:`make_unet_generator` and :func:`make_patchgan_discriminator`
(:mod:`ganlab.nets.translation`); reconstruction losses:
:mod:`ganlab.gan.losses`; scores (L1, L2, SSIM, class kept):
:mod:`ganlab.translation.metrics`; input checks, pipelines and the shared
base class: :mod:`ganlab.translation.core`.

Both models train with ``fit`` on the TensorFlow, JAX and PyTorch backends:
the steps differentiate the networks' weight values through
``stateless_call`` (see :mod:`ganlab.backend`). Images are uint8 in
[0, 255] or float in [-1, 1]; outputs are float32 in [-1, 1].

Example:
    >>> g = make_unet_generator((28, 28, 1))
    >>> d = make_patchgan_discriminator((28, 28, 1), condition_shape=(28, 28, 1))
    >>> model = Pix2Pix(g, d, seed=0)
    >>> model.compile()
    >>> model.fit((hidden_digits, digits), epochs=5, batch_size=64)
    >>> restored = model.translate(test_hidden)  # (N, 28, 28, 1) in [-1, 1]
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab.backend import apply_gradients, value_and_grad
from ganlab.gan import losses as losses_lib
from ganlab.gan.losses import l1_loss
from ganlab.gan.step import assign_values, values_of
from ganlab.nets.translation import make_patchgan_discriminator, make_unet_generator
from ganlab.plotting import save_image_grid
from ganlab.translation.core import (
    DEFAULT_BATCH_SIZE,
    Translator,
    array_batches,
    as_images,
    check_network,
    pair_dataset,
    patch_mean,
    replica_mean,
)
from ganlab.translation.cyclegan import CycleGAN


@keras.saving.register_keras_serializable(package="ganlab")
class Pix2Pix(Translator):
    """Paired translation x → y: a U-Net G against a conditional PatchGAN D.

    Isola et al. 2017: G minimizes L_cGAN(G, D) + λ L_L1(G) with

        L_cGAN = E[log D(x, y)] + E[log(1 − D(x, G(x)))],
        L_L1 = E‖y − G(x)‖₁,  λ = 100,

    D maximizes L_cGAN, its objective halved "to slow the rate at which D
    learns relative to G", Adam(2e-4, β₁ = 0.5); G takes no noise z, only
    dropout (their section 3.1). Each step: G(x) in training mode, one D
    update on (x, y) against (x, G(x)) (real and fake in two passes, so that
    batch norm never mixes them), then one G update through the updated D
    on the same G(x) (same dropout masks), as in the official code.

    Args:
        generator: a built model (B, H, W, C_in) → (B, H, W, C_out) in
            [-1, 1], e.g. :func:`make_unet_generator`.
        discriminator: a built model with two inputs [condition
            (B, H, W, C_in), image (B, H, W, C_out)] → logits of any shape
            (B, ...), e.g. ``make_patchgan_discriminator((H, W, C_out),
            condition_shape=(H, W, C_in))``.
        seed: seed of the model's random draws (the dropout layers draw from
            their own seeds; set ``keras.utils.set_random_seed`` too).

    ``fit`` logs ``d_loss`` (halved, as optimized), ``g_loss`` (G's
    adversarial term alone), ``l1`` (L_L1, unweighted), ``d_real`` and
    ``d_fake`` (D's mean output over patches on real and generated pairs:
    a probability, sigmoid(logit), for the BCE losses; the raw output
    otherwise).

    Raises:
        ValueError: networks that are not built Keras models or whose shapes
            do not fit together.
    """

    _network_keys = ("generator", "discriminator")
    _config_keys = ("l1_weight",)

    def __init__(self, generator, discriminator, *, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        check_network(generator, "generator", n_inputs=1)
        self.source_shape = tuple(generator.input_shape[1:])
        self.target_shape = tuple(generator.output_shape[1:])
        hint = (
            " Pix2Pix's discriminator judges (input, output) pairs: build it with "
            f"make_patchgan_discriminator({self.target_shape}, "
            f"condition_shape={self.source_shape})."
        )
        check_network(discriminator, "discriminator", n_inputs=2, hint=hint)
        d_shapes = [tuple(s[1:]) for s in discriminator.input_shape]
        if d_shapes != [self.source_shape, self.target_shape]:
            raise ValueError(
                f"The discriminator must take [condition {self.source_shape}, image "
                f"{self.target_shape}] (the generator's input and output); it takes "
                f"{d_shapes}. Build it with make_patchgan_discriminator("
                f"{self.target_shape}, condition_shape={self.source_shape})."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.trackers = [
            keras.metrics.Mean(name=n)
            for n in ("d_loss", "g_loss", "l1", "d_real", "d_fake")
        ]
        self.built = True

    def compile(
        self,
        d_optimizer=None,
        *,
        g_optimizer=None,
        loss="bce",
        l1_weight: float = 100.0,
        augment=None,
        ada_target: float = 0.6,
        ada_speed: int = 100_000,
        **kwargs,
    ) -> None:
        """Configure training.

        Args:
            d_optimizer: D's optimizer (object, name or config);
                Adam(2e-4, beta_1=0.5), the paper's, when None.
            g_optimizer: G's optimizer; the same default.
            loss: the adversarial loss, a name or object of
                :mod:`ganlab.gan.losses` (``"bce"``: the paper's non-saturating
                GAN loss; ``"least_squares"``...).
            l1_weight: λ of the L1 term (100 in the paper); 0 gives a pure
                conditional GAN.
            augment: augmentation of the pairs D sees, for small paired
                sets (:mod:`ganlab.gan.augment`): ``"diffaugment"`` (Zhao et al.
                2020), ``"ada"`` (Karras et al. 2020), an augmenter, or None.
                One draw transforms both images of a pair alike (the input
                and the real or generated output move together), fresh
                draws for the real and the generated pair; G's update sees
                its pair through the same draw as D's. The L1 term compares
                the un-augmented output with the target.
            ada_target: ADA's target for r_t = E[sign(D(x, y))].
            ada_speed: ADA's images for p to go from 0 to 1.
            **kwargs: passed to ``keras.Model.compile`` (e.g. ``jit_compile``).

        Raises:
            ValueError: a negative ``l1_weight``, an unknown loss or
                augmentation, one optimizer object given for both.
        """
        if float(l1_weight) < 0:
            raise ValueError(f"l1_weight must be >= 0, got {l1_weight}.")
        self.l1_weight = float(l1_weight)
        self._compile_players(
            d_optimizer, g_optimizer,
            d_variables=self.discriminator.trainable_variables,
            g_variables=self.generator.trainable_variables, loss=loss,
            augment=augment, ada_target=ada_target, ada_speed=ada_speed,
            keras_kwargs=kwargs,
        )  # fmt: skip
        self._d_prob = (
            ops.sigmoid if isinstance(self.loss_fn, losses_lib.BCE) else (lambda x: x)
        )

    @property
    def metrics(self) -> list:
        return list(self.trackers)

    def call(self, inputs, training: bool = False):
        return self.generator(inputs, training=training)

    def _seen(self, inputs, images, draws):
        """D's input pair [x, y], both through one augmentation draw."""
        return [self._augment(inputs, draws), self._augment(images, draws)]

    def _d_loss(self, d_train, d_state, inputs, targets, fake, draws):
        d = self.discriminator
        real_logits, d_state = d.stateless_call(
            d_train, d_state, self._seen(inputs, targets, draws[0]), training=True
        )
        fake_logits, d_state = d.stateless_call(
            d_train, d_state, self._seen(inputs, fake, draws[1]), training=True
        )
        per_example = 0.5 * patch_mean(
            self.loss_fn.discriminator_loss, real_logits, fake_logits
        )
        return replica_mean(per_example), (
            per_example,
            real_logits,
            fake_logits,
            d_state,
        )

    def _g_loss(self, g_train, g_state, d_train, d_state, inputs, targets, draws):
        fake, g_state = self.generator.stateless_call(
            g_train, g_state, inputs, training=True
        )
        fake_logits, d_state = self.discriminator.stateless_call(
            d_train, d_state, self._seen(inputs, fake, draws), training=True
        )
        adversarial = patch_mean(self.loss_fn.generator_loss, fake_logits)
        l1 = l1_loss(targets, fake)
        loss = replica_mean(adversarial + self.l1_weight * l1)
        return loss, (adversarial, l1, g_state, d_state)

    def _train_step(self, data):
        inputs, targets = data
        g, d = self.generator, self.discriminator
        g_train, g_state = (
            values_of(g.trainable_variables),
            values_of(g.non_trainable_variables),
        )
        batch = ops.shape(inputs)[0]
        draws = [self._draw_augment(batch, self.target_shape) for _ in range(2)]
        # G(x) for D's update; G's update below reruns it from the same state
        # (same dropout masks, same batch statistics) to differentiate it.
        fake, _ = g.stateless_call(g_train, g_state, inputs, training=True)
        (_, aux), grads = value_and_grad(self._d_loss)(
            values_of(d.trainable_variables), values_of(d.non_trainable_variables),
            inputs, targets, ops.stop_gradient(fake), draws,
        )  # fmt: skip
        d_per_example, real_logits, fake_logits, d_state = aux
        apply_gradients(self.d_optimizer, grads, d.trainable_variables)
        assign_values(d.non_trainable_variables, d_state)

        (_, aux), grads = value_and_grad(self._g_loss)(
            g_train, g_state, values_of(d.trainable_variables),
            values_of(d.non_trainable_variables), inputs, targets, draws[1],
        )  # fmt: skip
        adversarial, l1, g_state, d_state = aux
        apply_gradients(self.g_optimizer, grads, g.trainable_variables)
        assign_values(g.non_trainable_variables, g_state)
        assign_values(d.non_trainable_variables, d_state)
        self._update_ada(real_logits)
        values = (d_per_example, adversarial, l1)
        values += (self._d_prob(real_logits), self._d_prob(fake_logits))
        return self._update(zip(self.trackers, values))

    def fit(self, x, *, batch_size: int | None = None, shuffle: bool = True, **kwargs):
        """Train on pairs; other arguments go to ``keras.Model.fit``.

        Args:
            x: ``(inputs, targets)``: two arrays (N, H, W, C_in) and
                (N, H, W, C_out) (the channel axis may be left out when it
                is 1), uint8 in [0, 255] or float in [-1, 1]; or a
                ``tf.data.Dataset`` of (input, target) pairs, batched or
                not, with the same conventions (one pass over it finds each
                side's value range, which :func:`ganlab.data.pixel_scale`
                reads as [0, 255] pixels or [-1, 1] values).
            batch_size: pairs per step for arrays (default 32) and for
                unbatched datasets.
            shuffle: reshuffle the arrays every epoch (datasets keep their
                order).

        Raises:
            ValueError: not compiled; empty data or one pair; inputs and
                targets of different lengths; shapes the networks do not
                take (a wrong size, or channels: grayscale into an RGB
                model, RGBA, each message says the fix); values out of
                range or not finite. Float values in [0, 1] train as they
                are, with a warning that [-1, 1] is expected.
        """
        shapes = (self.source_shape, self.target_shape)
        names = ("inputs", "targets")
        if isinstance(x, tf.data.Dataset):
            ds, steps = (
                pair_dataset(x, shapes, names, batch_size or DEFAULT_BATCH_SIZE),
                None,
            )
        elif isinstance(x, (tuple, list)) and len(x) == 2:
            inputs, targets = (as_images(a, s, n) for a, s, n in zip(x, shapes, names))
            if len(inputs) != len(targets):
                raise ValueError(
                    f"inputs and targets must be pairs: got {len(inputs)} inputs and "
                    f"{len(targets)} targets."
                )
            ds, steps = array_batches(
                (inputs, targets), batch_size or DEFAULT_BATCH_SIZE, shuffle, self.seed
            )
            ds = ds.repeat()
        else:
            raise ValueError(
                "Pix2Pix.fit takes x=(inputs, targets), two arrays of paired "
                "images, or a tf.data.Dataset of (input, target) pairs; got "
                f"{type(x).__name__}."
            )
        return self._fit(ds, steps, kwargs)

    def translate(self, x, *, batch_size: int = 256) -> np.ndarray:
        """G(x) in inference mode (no dropout, batch norm's moving statistics).

        Args:
            x: (N, H, W, C_in) (or (N, H, W) when C_in = 1), uint8 in
                [0, 255] or float in [-1, 1].
            batch_size: images per generator call.

        Returns:
            float32 array (N, H, W, C_out) in [-1, 1].
        """
        return self._translate(self.generator, x, batch_size, "x")


class TranslationMonitor(keras.callbacks.Callback):
    """Save a PNG of fixed examples, one strip per example, every epoch.

    Pix2Pix: input | output | target (target when given). CycleGAN:
    input | translated | reconstructed (translated back). The same examples
    every time, so the files show how the translation changes. Files:
    ``out_dir/epoch_001.png``, ... (1-based, continuing after a resumed
    run). Grayscale panels are shown in colour when another panel is in
    colour; other channel counts are averaged to gray.

    Args:
        out_dir: folder for the PNGs.
        inputs: examples of the source domain, (n, H, W, C), uint8 or [-1, 1].
        targets: Pix2Pix only: their targets, shown in the third column.
        direction: CycleGAN only: ``"a_to_b"`` or ``"b_to_a"``.
        every: write a PNG every this many epochs.
        scale: integer upscaling of the PNGs (nearest neighbour).
    """

    def __init__(
        self,
        out_dir: str | os.PathLike,
        *,
        inputs,
        targets=None,
        direction: str = "a_to_b",
        every: int = 1,
        scale: int = 2,
    ):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.inputs = np.asarray(inputs)
        self.targets = None if targets is None else np.asarray(targets)
        self.direction, self.every, self.scale = direction, int(every), int(scale)

    def strips(self) -> list[np.ndarray]:
        """The panels, each (n, H, W, C) in [-1, 1]: one column per panel."""
        model = self.model
        if isinstance(model, CycleGAN):
            back = {"a_to_b": "b_to_a", "b_to_a": "a_to_b"}[self.direction]
            shape = model.shape_a if self.direction == "a_to_b" else model.shape_b
            source = as_images(self.inputs, shape, "inputs")
            out = model.translate(source, direction=self.direction)
            return [source, out, model.translate(out, direction=back)]
        source = as_images(self.inputs, model.source_shape, "inputs")
        panels = [source, model.translate(source)]
        if self.targets is not None:
            panels.append(as_images(self.targets, model.target_shape, "targets"))
        return panels

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        panels = self.strips()
        channels = 3 if any(p.shape[-1] == 3 for p in panels) else 1
        shown = []
        for p in panels:
            if p.shape[-1] not in (1, 3):
                p = p.mean(axis=-1, keepdims=True)
            shown.append(np.repeat(p, channels // p.shape[-1], axis=-1))
        grid = np.stack(shown, axis=1).reshape(-1, *shown[0].shape[1:])
        path = self.out_dir / f"epoch_{epoch + 1:03d}.png"
        save_image_grid(grid, path, ncols=len(shown), scale=self.scale)


__all__ = [
    "CycleGAN",
    "Pix2Pix",
    "TranslationMonitor",
    "make_patchgan_discriminator",
    "make_unet_generator",
]
