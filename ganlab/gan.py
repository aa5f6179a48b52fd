"""The GAN as a ``keras.Model``: ``gan.fit(images)`` trains both players.

The two-player game (Goodfellow et al. 2014): the discriminator D learns to
tell real images x from generated ones G(z); the generator G learns to make
D call its samples real. Each train step updates D on a real batch and a
generated batch, then updates G through D. The loss formulas live in
:mod:`ganlab.losses`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab import losses as losses_lib
from ganlab.data import make_dataset, shuffled_batches


def _global_mean(per_example):
    """Mean over the local batch, divided by the number of replicas.

    Under ``tf.distribute`` each replica's gradients are summed, so dividing
    each replica's mean by the replica count gives the gradient of the mean
    over the global batch (replicas get equal shards).
    """
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return ops.mean(per_example) / replicas


@keras.saving.register_keras_serializable(package="ganlab")
class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    Args:
        generator: a built model mapping (batch, latent_dim) noise to
            (batch, H, W, C) images in [-1, 1] (see
            :func:`ganlab.make_generator`).
        discriminator: a built model mapping (batch, H, W, C) images to
            (batch, 1) logits (see :func:`ganlab.make_discriminator`).
        latent_dim: size of z; read from the generator when None, checked
            against it otherwise.
        seed: seed of the model's noise generator, for reproducible runs.

    ``fit`` logs, per epoch and in the progress bar:

    - ``d_loss``, ``g_loss``: the two players' losses;
    - ``d_real``: the mean of D(x) = sigmoid(logit) on real images;
    - ``d_fake``: the mean of D(G(z)) on generated images (from D's step);
    - ``loss``: d_loss + g_loss, a single number that
      ``keras.callbacks.TerminateOnNaN`` and ``EarlyStopping`` can watch.

    Example:
        >>> gan = ganlab.GAN(ganlab.make_generator(), ganlab.make_discriminator())
        >>> gan.compile()
        >>> gan.fit(x_train, epochs=5, batch_size=128)
        >>> images = gan.generate(16, seed=0)  # (16, 28, 28, 1) in [-1, 1]
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = self._check_networks(generator, discriminator, latent_dim)
        self.image_shape = tuple(generator.output_shape[1:])
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        # The sub-models are built; the GAN has no variables of its own.
        self.built = True

    @staticmethod
    def _check_networks(generator, discriminator, latent_dim) -> int:
        for net, what in ((generator, "generator"), (discriminator, "discriminator")):
            if not isinstance(net, keras.Model) or not net.built:
                raise ValueError(
                    f"The {what} must be a built keras.Model (e.g. from "
                    f"ganlab.make_{what}()); got {type(net).__name__}."
                )
        g_in, g_out = generator.input_shape, generator.output_shape
        if len(g_in) != 2:
            raise ValueError(
                f"The generator must take noise of shape (batch, latent_dim); its "
                f"input shape is {g_in}."
            )
        if latent_dim is not None and latent_dim != g_in[-1]:
            raise ValueError(
                f"latent_dim={latent_dim} does not match the generator, which takes "
                f"noise of size {g_in[-1]}. Pass latent_dim={g_in[-1]} or rebuild the "
                f"generator with make_generator(latent_dim={latent_dim})."
            )
        d_in = discriminator.input_shape
        packs = d_in[-1] // g_out[-1] if d_in[-1] and g_out[-1] else 1
        # A packing discriminator (PacGAN) takes m samples concatenated on
        # the last axis: (..., m·C). GAN.compile(pack=m) checks m.
        if tuple(g_out[1:-1]) != tuple(d_in[1:-1]) or d_in[-1] != packs * g_out[-1]:
            raise ValueError(
                f"The generator produces images of shape {tuple(g_out[1:])} but the "
                f"discriminator expects {tuple(d_in[1:])}. Build both with the same "
                "image_shape."
            )
        if tuple(discriminator.output_shape[1:]) not in ((1,), ()):
            raise ValueError(
                "The discriminator must end in one logit per image, shape (batch, 1); "
                f"its output shape is {discriminator.output_shape}."
            )
        return int(g_in[-1])

    # ------------------------------------------------------------ compile --
    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        g_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        loss: str | losses_lib.AdversarialLoss | dict = "bce",
        d_steps: int = 1,
        simultaneous: bool = False,
        gradient_penalty: float = 0.0,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 10_000,
        unrolled_steps: int = 0,
        unrolled_lr: float | None = None,
        pack: int = 1,
        ema: float = 0.0,
        **kwargs,
    ) -> None:
        """Configure training.

        Args:
            d_optimizer: the discriminator's optimizer; Adam(2e-4, beta_1=0.5),
                the DCGAN paper's choice, when None.
            g_optimizer: the generator's optimizer; the same default.
            loss: an :class:`ganlab.losses.AdversarialLoss` or its name
                (``"bce"``, the non-saturating default, or ``"minimax"``).
            d_steps: discriminator updates per generator update (k in
                Goodfellow et al. 2014, Algorithm 1). Each D step draws new
                noise and reuses the real batch.
            simultaneous: update D and G from one shared forward pass, as the
                TensorFlow DCGAN tutorial does (two gradient tapes over the
                same G(z)); G's gradient then comes from D before its update.
                Cheaper per step (one generator pass, one discriminator pass
                on fakes instead of two); requires ``d_steps=1``.
            gradient_penalty: λ of the WGAN-GP penalty (Gulrajani et al.
                2017, "Improved Training of Wasserstein GANs",
                https://arxiv.org/abs/1704.00028), added to D's loss:
                λ (‖∇_x̂ D(x̂)‖₂ - 1)² at x̂ = εx + (1 - ε)G(z), ε ~ U[0, 1]
                per example. 10 is the paper's value, with
                ``loss="wasserstein"`` and ``d_steps=5``; 0 turns it off.
            instance_noise: σ₀ of annealed instance noise (Sønderby et al.
                2017, https://arxiv.org/abs/1610.04490; Arjovsky & Bottou
                2017): D sees x + σ_t n and G(z) + σ_t n, n ~ N(0, I), in its
                own and in G's update, with σ_t = σ₀ max(0, 1 - t/T) after t
                generator steps. The noise makes the real and fake
                distributions overlap, so D cannot become perfect. 0 is off.
            instance_noise_steps: T, the steps over which σ decays to 0.
            unrolled_steps: k of the unrolled GAN (Metz et al. 2017,
                "Unrolled Generative Adversarial Networks",
                https://arxiv.org/abs/1611.02163). G's loss is taken through
                D_k, a copy of D advanced k gradient steps on the current
                real batch and G's samples, θ_{i+1} = θ_i - η ∇_θ L_D(θ_i),
                differentiated through all k steps; the real D is untouched.
                G then anticipates how D would react to a collapse. Written
                with ``discriminator.stateless_call`` (plain SGD steps, not
                the D optimizer's). 0 is off; costs ~2k extra D passes.
            unrolled_lr: η of the unrolled SGD steps; the D optimizer's
                learning rate when None.
            pack: m of PacGAN (Lin et al. 2018, "PacGAN: The power of two
                samples in generative adversarial networks",
                https://arxiv.org/abs/1712.04086). Real and fake batches are
                grouped into batch/m packs of m samples concatenated on the
                last axis (channels of an image, features of a vector), and
                D judges each pack: a collapsed generator's packs hold
                near-identical samples, which D spots easily. The
                discriminator must take m·C input channels (build it with
                ``make_discriminator(..., pack=m)``); the batch size must be
                a multiple of m. ``d_real``/``d_fake`` then average over
                packs. 1 is off.
            ema: β of an exponential moving average of the generator's
                weights (Karras et al. 2018, "Progressive Growing of GANs",
                https://arxiv.org/abs/1710.10196; Yazıcı et al. 2019, "The
                Unusual Effectiveness of Averaging in GAN Training",
                https://arxiv.org/abs/1806.04498). After every generator
                update, θ_ema ← β_t θ_ema + (1 - β_t) θ with
                β_t = min(β, (1 + t)/(10 + t)) after t generator steps (so
                the random initial weights are forgotten early); BatchNorm
                statistics are copied. ``generate``, ``generate_from`` and
                ``call`` then use ``gan.ema_generator``, which averages out
                the generator's step-to-step oscillation; training still
                updates ``gan.generator``. 0.999 is a usual value; 0 is off.
            **kwargs: passed to ``keras.Model.compile`` (e.g. ``jit_compile``,
                ``steps_per_execution``).
        """
        if int(d_steps) < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps}.")
        if simultaneous and int(d_steps) != 1:
            raise ValueError(
                "simultaneous=True updates D once per step: use d_steps=1."
            )
        self._check_remedies(
            simultaneous, gradient_penalty, instance_noise, instance_noise_steps,
            unrolled_steps, pack,
        )  # fmt: skip
        if not 0.0 <= float(ema) < 1.0:
            raise ValueError(f"ema must be in [0, 1) (e.g. 0.999), got {ema}.")
        super().compile(optimizer=None, loss=None, **kwargs)
        self.d_optimizer = self._get_optimizer(d_optimizer)
        self.g_optimizer = self._get_optimizer(g_optimizer)
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizer objects: each "
                "keeps state for its own network's weights."
            )
        self.loss_fn = losses_lib.get(loss)
        self.d_steps = int(d_steps)
        self.simultaneous = bool(simultaneous)
        self.gradient_penalty = float(gradient_penalty)
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        self.unrolled_steps = int(unrolled_steps)
        self.unrolled_lr = None if unrolled_lr is None else float(unrolled_lr)
        self.pack = int(pack)
        self.ema = float(ema)
        if self.ema and getattr(self, "ema_generator", None) is None:
            self.ema_generator = keras.models.clone_model(self.generator)
            self.ema_generator.set_weights(self.generator.get_weights())
        # Build the optimizers now, so that saved or backed-up optimizer state
        # can be restored before the first step.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self._gan_compile_kwargs = kwargs

    def _check_remedies(
        self, simultaneous, gradient_penalty, instance_noise, noise_steps,
        unrolled_steps, pack,
    ) -> None:  # fmt: skip
        if gradient_penalty < 0 or instance_noise < 0 or unrolled_steps < 0:
            raise ValueError(
                "gradient_penalty, instance_noise and unrolled_steps must be >= 0."
            )
        if int(noise_steps) < 1:
            raise ValueError(f"instance_noise_steps must be >= 1, got {noise_steps}.")
        if simultaneous and (gradient_penalty or unrolled_steps):
            raise ValueError(
                "simultaneous=True does not support gradient_penalty or "
                "unrolled_steps: use the default alternating update."
            )
        d_channels = self.discriminator.input_shape[-1]
        g_channels = self.generator.output_shape[-1]
        if int(pack) < 1 or d_channels != int(pack) * g_channels:
            raise ValueError(
                f"pack={pack} needs a discriminator taking pack × {g_channels} "
                f"= {int(pack) * g_channels} input channels, but it takes "
                f"{d_channels}. Build it with make_discriminator(..., pack={pack})."
            )

    @staticmethod
    def _get_optimizer(identifier):
        if identifier is None:
            return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)
        return keras.optimizers.get(identifier)

    def get_compile_config(self) -> dict:
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "loss": keras.saving.serialize_keras_object(self.loss_fn),
            "d_steps": self.d_steps,
            "simultaneous": self.simultaneous,
            **self._remedy_config(),
            **self._gan_compile_kwargs,
        }

    def _remedy_config(self) -> dict:
        """The remedy options that differ from their defaults."""
        values = {
            "gradient_penalty": (self.gradient_penalty, 0.0),
            "instance_noise": (self.instance_noise, 0.0),
            "unrolled_steps": (self.unrolled_steps, 0),
            "pack": (self.pack, 1),
            "ema": (self.ema, 0.0),
        }
        config = {k: v for k, (v, default) in values.items() if v != default}
        if self.instance_noise:
            config["instance_noise_steps"] = self.instance_noise_steps
        if self.unrolled_lr is not None:
            config["unrolled_lr"] = self.unrolled_lr
        return config

    def compile_from_config(self, config: dict) -> None:
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer", "loss"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # ------------------------------------------------------------- config --
    def get_config(self) -> dict:
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

    def save_own_variables(self, store) -> None:
        # The GAN's only own state is its noise generator's: saving it makes
        # unseeded draws continue after a load exactly as they would have.
        store["noise_seed_state"] = self.seed_generator.state

    def load_own_variables(self, store) -> None:
        if "noise_seed_state" in store.keys():
            self.seed_generator.state.assign(store["noise_seed_state"])

    # -------------------------------------------------------------- train --
    @property
    def metrics(self) -> list:
        # Listed here so that Keras resets them at the start of every epoch.
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
        ]

    def sample_latent(self, batch_size):
        """Standard normal noise (batch_size, latent_dim) from the model's seed.

        Under ``tf.distribute`` every replica reads the same seed state, so
        the replica id is folded into the seed: replicas draw different noise.
        """
        seed = self.seed_generator.next()
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            offset = tf.cast(replica.replica_id_in_sync_group, seed.dtype)
            seed = seed + tf.stack([offset * 7919, tf.zeros_like(offset)])
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed)

    @property
    def sampler(self) -> keras.Model:
        """The network that draws samples: the EMA generator when
        ``compile(ema=β)`` is on, else the generator itself."""
        if getattr(self, "ema", 0.0):
            return self.ema_generator
        return self.generator

    def call(self, z, training: bool = False):
        """(batch, latent_dim) noise → (batch, H, W, C) images in [-1, 1].

        The generator in training mode; :attr:`sampler` in inference mode.
        """
        if training:
            return self.generator(z, training=True)
        return self.sampler(z, training=False)

    def _update_ema(self) -> None:
        """θ_ema ← β_t θ_ema + (1 - β_t) θ; BatchNorm statistics copied."""
        if not self.ema:
            return
        t = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.minimum(self.ema, (1.0 + t) / (10.0 + t))
        pairs = zip(
            self.ema_generator.trainable_variables, self.generator.trainable_variables
        )
        for average, weight in pairs:
            average.assign(decay * average + (1.0 - decay) * weight)
        pairs = zip(
            self.ema_generator.non_trainable_variables,
            self.generator.non_trainable_variables,
        )
        for average, weight in pairs:
            average.assign(weight)

    # The remedies below are Python-level switches, resolved when the step
    # is traced: with none of them on, the step's graph is the plain one.
    def _d_inputs(self, real, fake):
        """Pack (PacGAN) and add instance noise to D's real and fake inputs."""
        if self.pack > 1:
            real, fake = pack_samples(real, self.pack), pack_samples(fake, self.pack)
        if self.instance_noise:
            real, fake = self._add_instance_noise(real), self._add_instance_noise(fake)
        return real, fake

    def _fake_input(self, fake):
        """D's input for G's update: packed and noised like in D's update."""
        if self.pack > 1:
            fake = pack_samples(fake, self.pack)
        if self.instance_noise:
            fake = self._add_instance_noise(fake)
        return fake

    def instance_noise_std(self):
        """σ_t = σ₀ max(0, 1 - t/T) after t generator steps (a scalar tensor)."""
        t = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.maximum(0.0, 1.0 - t / float(self.instance_noise_steps))
        return self.instance_noise * decay

    def _add_instance_noise(self, x):
        seed = self.seed_generator.next()
        noise = tf.random.stateless_normal(ops.shape(x), seed=seed, dtype=x.dtype)
        return x + self.instance_noise_std() * noise

    def _gradient_penalty(self, real, fake):
        """Per-example λ (‖∇D(x̂)‖₂ - 1)² at random interpolates x̂."""
        eps_shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = tf.random.stateless_uniform(eps_shape, seed=self.seed_generator.next())
        return self.gradient_penalty * gradient_penalty(
            self.discriminator, eps * real + (1.0 - eps) * fake
        )

    def _d_step(self, real):
        batch = ops.shape(real)[0]
        fake = self.generator(self.sample_latent(batch), training=True)
        real, fake = self._d_inputs(real, fake)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_per_example = self.loss_fn.discriminator_loss(real_logits, fake_logits)
            if self.gradient_penalty:
                d_per_example += self._gradient_penalty(real, fake)
            d_loss = _global_mean(d_per_example)
        weights = self.discriminator.trainable_weights
        grads = tape.gradient(d_loss, weights)
        self.d_optimizer.apply_gradients(zip(grads, weights))
        return d_per_example, real_logits, fake_logits

    def _g_step(self, batch):
        z = self.sample_latent(batch)
        with tf.GradientTape() as tape:
            fake = self._fake_input(self.generator(z, training=True))
            fake_logits = self.discriminator(fake, training=True)
            g_per_example = self.loss_fn.generator_loss(fake_logits)
            g_loss = _global_mean(g_per_example)
        weights = self.generator.trainable_weights
        grads = tape.gradient(g_loss, weights)
        self.g_optimizer.apply_gradients(zip(grads, weights))
        return g_per_example

    def _unrolled_logits(self, real, fake):
        """D's logits on ``fake`` after k SGD steps of D on (real, fake).

        Runs functionally on copies of D's variable values, so the gradient
        flows through every unrolled step back to G, and D stays untouched.
        """
        d = self.discriminator
        lr = self.unrolled_lr
        if lr is None:
            lr = ops.cast(self.d_optimizer.learning_rate, "float32")
        trainable = [tf.identity(v.value) for v in d.trainable_variables]
        non_trainable = [tf.identity(v.value) for v in d.non_trainable_variables]
        for _ in range(self.unrolled_steps):
            with tf.GradientTape() as tape:
                tape.watch(trainable)
                both = ops.concatenate([real, fake], axis=0)
                logits, non_trainable = d.stateless_call(
                    trainable, non_trainable, both, training=True
                )
                real_logits, fake_logits = ops.split(logits, 2, axis=0)
                loss = ops.mean(
                    self.loss_fn.discriminator_loss(real_logits, fake_logits)
                )
            grads = tape.gradient(loss, trainable)
            trainable = [w - lr * g for w, g in zip(trainable, grads)]
        logits, _ = d.stateless_call(trainable, non_trainable, fake, training=True)
        return logits

    def _unrolled_g_step(self, real):
        real = self._fake_input(real)
        z = self.sample_latent(ops.shape(real)[0] * self.pack)
        with tf.GradientTape() as tape:
            fake = self._fake_input(self.generator(z, training=True))
            fake_logits = self._unrolled_logits(ops.stop_gradient(real), fake)
            g_per_example = self.loss_fn.generator_loss(fake_logits)
            g_loss = _global_mean(g_per_example)
        weights = self.generator.trainable_weights
        grads = tape.gradient(g_loss, weights)
        self.g_optimizer.apply_gradients(zip(grads, weights))
        return g_per_example

    def _simultaneous_step(self, real):
        z = self.sample_latent(ops.shape(real)[0])
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            fake = self.generator(z, training=True)
            real_in, fake_in = self._d_inputs(real, fake)
            real_logits = self.discriminator(real_in, training=True)
            fake_logits = self.discriminator(fake_in, training=True)
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
        """One step of the game: ``d_steps`` updates of D, then one of G.

        Args:
            data: a batch of real images (B, H, W, C) in [-1, 1], or an
                (images, labels) tuple whose labels are ignored.

        Returns:
            The logs dict described in the class docstring.
        """
        real = data[0] if isinstance(data, (tuple, list)) else data
        if self.simultaneous:
            d_per_example, g_per_example, real_logits, fake_logits = (
                self._simultaneous_step(real)
            )
        else:
            for _ in range(self.d_steps):
                d_per_example, real_logits, fake_logits = self._d_step(real)
            if self.unrolled_steps:
                g_per_example = self._unrolled_g_step(real)
            else:
                g_per_example = self._g_step(ops.shape(real)[0])
        self._update_ema()

        self.d_loss_tracker.update_state(d_per_example)
        self.g_loss_tracker.update_state(g_per_example)
        self.d_real_tracker.update_state(ops.sigmoid(real_logits))
        self.d_fake_tracker.update_state(ops.sigmoid(fake_logits))
        logs = {m.name: m.result() for m in self.metrics}
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        return logs

    def fit(self, x=None, y=None, batch_size: int | None = None, **kwargs):
        """Train on real images; see ``keras.Model.fit`` for the other arguments.

        Args:
            x: real images: a NumPy array (N, H, W) or (N, H, W, C), uint8 in
                [0, 255] or float in [-1, 1]; or a ``tf.data`` dataset of such
                images, batched or not, with or without labels (e.g. from
                ``keras.utils.image_dataset_from_directory``). Labels are
                ignored.
            y: ignored (a GAN needs no targets); must be None.
            batch_size: batch size for NumPy input (default 128).

        Raises:
            ValueError: for data the GAN cannot train on (see
                :func:`ganlab.data.check_images`), with what to do about it.
        """
        if not self.compiled:
            raise ValueError("Call gan.compile() before gan.fit().")
        if y is not None:
            raise ValueError("A GAN trains on images alone: pass x and leave y=None.")
        if x is None:
            raise ValueError("gan.fit() needs real images as x.")
        if len(self.image_shape) == 1:
            # Vector (toy) data: no image checks; datasets pass unchanged.
            if not isinstance(x, (tf.data.Dataset, keras.utils.PyDataset)):
                shuffle = kwargs.pop("shuffle", True)
                x = _vector_dataset(x, batch_size or 128, shuffle, self.seed)
                x = repeat_epochs(x, kwargs)
        elif not _is_keras_dataset(x):
            # NumPy arrays are shuffled by make_dataset; datasets keep their order.
            shuffle = kwargs.pop("shuffle", True)
            x = make_dataset(
                x,
                batch_size or 128,
                shuffle=shuffle,
                seed=self.seed,
                image_shape=self.image_shape,
            )
            x = repeat_epochs(x, kwargs)
        return super().fit(x, shuffle=False, **kwargs)

    # ----------------------------------------------------------- generate --
    def generate(
        self, n: int, seed: int | None = None, batch_size: int = 256
    ) -> np.ndarray:
        """Generate ``n`` images with the generator in inference mode.

        Args:
            n: number of images.
            seed: an int gives the same images every time (and after
                save/load); None draws fresh noise from the model's seed
                generator.
            batch_size: images per generator call.

        Returns:
            float32 array of shape (n, H, W, C) with values in [-1, 1]
            (the tanh range). Map to [0, 1] with (x + 1) / 2, or to uint8
            with :func:`ganlab.plotting.to_uint8`.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}.")
        if seed is None:
            z = self.sample_latent(n)
        else:
            z = keras.random.normal((n, self.latent_dim), seed=int(seed))
        return self.generate_from(z, batch_size=batch_size)

    def generate_from(self, z, batch_size: int = 256) -> np.ndarray:
        """Images (n, H, W, C) in [-1, 1] for given noise (n, latent_dim)."""
        z = ops.convert_to_numpy(z).astype("float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Noise must have shape (n, {self.latent_dim}); got {z.shape}."
            )
        if len(z) == 0:
            return np.zeros((0, *self.image_shape), "float32")
        out = self.sampler.predict(z, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")


def pack_samples(x, m: int):
    """Group a batch into packs of m samples concatenated on the last axis.

    (B, ..., C) → (B/m, ..., m·C): sample j of pack i is x[i·m + j], placed at
    channels [j·C, (j + 1)·C). B must be a multiple of m.
    """
    shape = tuple(x.shape[1:])
    x = ops.reshape(x, (-1, m) + shape)
    rank = len(shape) + 2
    # Move the pack axis (1) just before the channel axis, then merge them.
    perm = [0] + list(range(2, rank - 1)) + [1, rank - 1]
    x = ops.transpose(x, perm)
    return ops.reshape(x, (-1,) + shape[:-1] + (m * shape[-1],))


def gradient_penalty(critic, points):
    """(‖∇_x D(x)‖₂ - 1)² per example, shape (batch,), at ``points``.

    The WGAN-GP penalty (Gulrajani et al. 2017) without its weight λ; the
    gradient is taken per example over all non-batch axes.
    """
    with tf.GradientTape() as tape:
        tape.watch(points)
        out = ops.sum(critic(points, training=True))
    grads = tape.gradient(out, points)
    grads = ops.reshape(grads, (ops.shape(grads)[0], -1))
    norm = ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12)
    return ops.square(norm - 1.0)


def _vector_dataset(x, batch_size: int, shuffle: bool, seed) -> tf.data.Dataset:
    """Shuffled, batched dataset of (N, D) float vectors (toy 2-D data)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"Vector data must be finite, shape (N, D); got {x.shape}.")
    return shuffled_batches(x, batch_size, shuffle, seed)


def repeat_epochs(ds: tf.data.Dataset, fit_kwargs: dict) -> tf.data.Dataset:
    """Repeat a finite dataset built from arrays; one epoch = one pass.

    Sets ``steps_per_epoch`` in ``fit_kwargs`` (unless the caller set it), so
    that ``fit`` keeps one iterator for the whole run instead of building a
    new one every epoch (which stalled every epoch boundary for seconds).
    """
    if fit_kwargs.get("steps_per_epoch") is None:
        fit_kwargs["steps_per_epoch"] = int(ds.cardinality())
    return ds.repeat()


def _is_keras_dataset(x) -> bool:
    """PyDataset / Python generators: passed to Keras unchanged."""
    return isinstance(x, keras.utils.PyDataset) or hasattr(x, "__next__")


def build_dcgan(
    latent_dim: int = 100,
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    seed: int | None = None,
    **discriminator_kwargs,
) -> GAN:
    """A :class:`GAN` with the DCGAN generator and discriminator, not compiled.

    Args:
        latent_dim: size of z.
        image_shape: (H, W, C) of the images.
        width: width of both networks (64 gives the seed material's DCGAN).
        seed: seed of the model's noise.
        **discriminator_kwargs: passed to :func:`ganlab.make_discriminator`.
    """
    from ganlab.models import make_discriminator, make_generator

    return GAN(
        make_generator(latent_dim, image_shape, width=width),
        make_discriminator(image_shape, width=width, **discriminator_kwargs),
        seed=seed,
    )
