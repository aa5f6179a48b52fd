"""The train step of :class:`ganlab.GAN`, written once for every backend.

One step of the game (Goodfellow et al. 2014, Algorithm 1): ``d_steps``
updates of the discriminator D on a real batch and a generated one, then one
update of the generator G through D. Every remedy is a switch read when the
step is traced, so with none of them on the step is the plain one. With
labels, fakes are drawn for the real batch's labels and D judges (image,
label) pairs. With several generators (MGAN) or discriminators (GMAN) the
losses are those of :mod:`ganlab.gan.mixtures`; with one of each, the plain ones.

Each loss is a function of a network's weight *values*, run with
``stateless_call``, and differentiated by :func:`ganlab.backend.value_and_grad`
(a tape on TensorFlow, ``jax.value_and_grad``, ``torch.autograd.grad``).
Random numbers are drawn before a loss function, never inside it.
"""

from __future__ import annotations

import keras
from keras import ops

from ganlab import backend
from ganlab.gan import mixtures, progressive
from ganlab.gan.losses import gradient_penalty, pack_samples, r1_penalty


def values_of(variables):
    return [v.value for v in variables]


def assign_values(variables, values) -> None:
    for variable, value in zip(variables, values):
        variable.assign(ops.stop_gradient(value))


def _global_norm(grads):
    return ops.sqrt(sum(ops.sum(ops.square(ops.cast(g, "float32"))) for g in grads))


class GameStep:
    """The step's parts; mixed into :class:`ganlab.GAN`."""

    # ------------------------------------------------------------ inputs --
    def _unpack(self, data):
        """(real images, one-hot labels or None) from a batch."""
        if isinstance(data, (tuple, list)):
            real = data[0]
            labels = data[1] if len(data) > 1 and self.num_classes else None
        else:
            real, labels = data, None
        if self.num_classes and labels is None:
            raise ValueError("A conditional GAN's batches must be (images, labels).")
        return real, None if labels is None else ops.cast(labels, "float32")

    def sample_latent(self, batch_size):
        """Standard normal noise (batch_size, latent_dim) from the model's seed.

        Under ``tf.distribute`` every replica reads the same seed state, so
        each draws the whole global batch's noise and keeps its own slice.
        """
        replicas = backend.replica_count()
        z = keras.random.normal(
            (batch_size * replicas, self.latent_dim), seed=self.seed_generator
        )
        replica = backend.replica_id()
        if replica is None:
            return z
        start = ops.cast(replica, "int32") * batch_size
        return ops.slice(z, (start, 0), (batch_size, self.latent_dim))

    def _g_inputs(self, z, labels, ids=None):
        """G's input: z, [z, y] (labels) or [z, k] (a mixture's ids)."""
        extra = labels if ids is None else ids
        return z if extra is None else [z, extra]

    def _generator_ids(self, batch):
        """One-hot ids (batch, K) of the generators that draw a batch, uniform
        over K (MGAN); None for a single generator."""
        k = self.num_generators
        if not k:
            return None
        ids = keras.random.randint((batch,), 0, k, seed=self.seed_generator)
        return ops.one_hot(ids, k)

    def _several(self) -> bool:
        """True for a mixture of generators (MGAN) or of discriminators (GMAN)."""
        return bool(self.num_generators) or self.num_critics > 1

    def _d_loss(self, real_logits, fake_logits, ids):
        """D's loss per example (batch,): the loss's own, or MGAN's/GMAN's."""
        if not self._several():
            return self.loss_fn.discriminator_loss(real_logits, fake_logits)
        return mixtures.discriminator_loss(
            self.loss_fn, real_logits, fake_logits, generator_ids=ids,
            num_generators=self.num_generators,
        )  # fmt: skip

    def _g_loss(self, fake_logits, ids):
        """G's loss per example (batch,): the loss's own, or MGAN's/GMAN's."""
        if not self._several():
            return self.loss_fn.generator_loss(fake_logits)
        return mixtures.generator_loss(
            self.loss_fn, fake_logits, generator_ids=ids,
            num_generators=self.num_generators, mgan_beta=self.mgan_beta,
            gman_lambda=self.gman_lambda,
        )  # fmt: skip

    def _adversarial(self, logits):
        """D's real/fake logits alone (a mixture's classifier dropped)."""
        if not self.num_generators:
            return logits
        return mixtures.split_logits(logits, self.num_generators)[0]

    def _d_inputs(self, images, labels):
        """D's input: packed (PacGAN) and, with labels, an [x, y] pair."""
        if self.pack > 1:
            images = pack_samples(images, self.pack)
            labels = None if labels is None else pack_samples(labels, self.pack)
        return images if labels is None else [images, labels]

    def _draw_view(self, batch):
        """Random draws for what D sees of one batch: augmentation, noise."""
        draws = {}
        augment = self._draw_augment(batch, self.image_shape)
        if augment is not None:
            draws["augment"] = augment
        if self.progressive:
            draws["lod"] = ops.convert_to_tensor(self.generator.lod)
        if self.instance_noise:
            noise = keras.random.normal(
                (batch, *self.image_shape), seed=self.seed_generator
            )
            draws["noise"] = self.instance_noise_std() * noise
        return draws

    def _view(self, images, draws):
        """The level of detail (progressive growing), augmentation
        (DiffAugment/ADA), then instance noise."""
        if "lod" in draws:
            levels = self.generator.num_levels
            images = progressive.level_of_detail(images, draws["lod"], levels=levels)
        if "augment" in draws:
            images = self.augmenter.apply(images, draws["augment"])
        if "noise" in draws:
            images = images + draws["noise"]
        return images

    def instance_noise_std(self):
        """σ_t = σ₀ max(0, 1 - t/T) after t generator steps (a scalar tensor)."""
        t = ops.cast(self.g_optimizer.iterations, "float32")
        decay = ops.maximum(0.0, 1.0 - t / float(self.instance_noise_steps))
        return self.instance_noise * decay

    def _mean(self, per_example):
        return ops.mean(per_example) / backend.replica_count()

    # --------------------------------------------------------------- D ----
    def _critic(self, weights, non_trainable, labels):
        """x ↦ D(x) at given weights: for the gradient penalties."""

        def critic(x):
            inputs = x if labels is None else [x, labels]
            out = self.discriminator.stateless_call(
                weights, non_trainable, inputs, training=True
            )[0]
            if self._several():
                return mixtures.adversarial_output(out, self.num_generators)
            return out

        return critic

    def _penalties(self, weights, non_trainable, real, fake, labels, eps):
        """Gradient penalties on D's (viewed, packed) inputs, per example."""
        total = 0.0
        if self.gradient_penalty:
            critic = self._critic(weights, non_trainable, labels)
            mixed = eps * real + (1.0 - eps) * fake
            total += self.gradient_penalty * gradient_penalty(critic, mixed)
        for gamma, points in ((self.r1, real), (self.r2, fake)):
            if gamma:
                critic = self._critic(weights, non_trainable, labels)
                total += 0.5 * gamma * r1_penalty(critic, points)
        return total

    def _d_step(self, real, labels):
        d = self.discriminator
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        ids = self._generator_ids(batch)
        fake = self.generator(self._g_inputs(z, labels, ids), training=True)
        real_in = self._view(real, self._draw_view(batch))
        fake_in = self._view(ops.stop_gradient(fake), self._draw_view(batch))
        real_in, fake_in = (
            self._d_inputs(real_in, labels),
            self._d_inputs(fake_in, labels),
        )
        eps = None
        if self.gradient_penalty:
            x = real_in if labels is None else real_in[0]
            shape = (ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
            eps = keras.random.uniform(shape, seed=self.seed_generator)

        def loss_fn(weights, non_trainable):
            real_logits, nt = d.stateless_call(
                weights, non_trainable, real_in, training=True
            )
            fake_logits, nt = d.stateless_call(weights, nt, fake_in, training=True)
            per_example = self._d_loss(real_logits, fake_logits, ids)
            per_example += self._penalties(
                weights,
                non_trainable,
                *_images(real_in, fake_in),
                _labels(real_in),
                eps,
            )
            return self._mean(per_example), (per_example, real_logits, fake_logits, nt)

        (_, aux), grads = backend.value_and_grad(loss_fn)(
            values_of(d.trainable_variables), values_of(d.non_trainable_variables)
        )
        backend.apply_gradients(self.d_optimizer, grads, d.trainable_variables)
        assign_values(d.non_trainable_variables, aux[3])
        return {
            "d": aux[0],
            "real": self._adversarial(aux[1]),
            "fake": self._adversarial(aux[2]),
            "d_norm": _global_norm(grads),
        }

    # --------------------------------------------------------------- G ----
    def _g_step(self, real, labels):
        g, d = self.generator, self.discriminator
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        ids = self._generator_ids(batch)
        draws = self._draw_view(batch)
        d_weights, d_nt = (
            values_of(d.trainable_variables),
            values_of(d.non_trainable_variables),
        )
        real_in = None
        if self.unrolled_steps:
            real_in = self._d_inputs(self._view(real, self._draw_view(batch)), labels)

        def loss_fn(weights, non_trainable):
            fake, g_nt = g.stateless_call(
                weights, non_trainable, self._g_inputs(z, labels, ids), training=True
            )
            fake_in = self._d_inputs(self._view(fake, draws), labels)
            if self.unrolled_steps:
                logits = self._unrolled_logits(real_in, fake_in, ids)
            else:
                logits, _ = d.stateless_call(d_weights, d_nt, fake_in, training=True)
            per_example = self._g_loss(logits, ids)
            return self._mean(per_example), (per_example, g_nt)

        (_, aux), grads = backend.value_and_grad(loss_fn)(
            values_of(g.trainable_variables), values_of(g.non_trainable_variables)
        )
        backend.apply_gradients(self.g_optimizer, grads, g.trainable_variables)
        assign_values(g.non_trainable_variables, aux[1])
        return {"g": aux[0], "g_norm": _global_norm(grads)}

    def _unrolled_logits(self, real_in, fake_in, ids=None):
        """D's logits on ``fake_in`` after k SGD steps of D on (real, fake).

        Runs on copies of D's weight values, so the gradient flows through
        every unrolled step back to G, and D stays untouched.
        """
        d = self.discriminator
        lr = self.unrolled_lr
        if lr is None:
            lr = ops.cast(self.d_optimizer.learning_rate, "float32")
        weights = values_of(d.trainable_variables)
        non_trainable = values_of(d.non_trainable_variables)

        def d_loss(w, fake_in):
            real_logits, _ = d.stateless_call(w, non_trainable, real_in, training=True)
            fake_logits, _ = d.stateless_call(w, non_trainable, fake_in, training=True)
            return ops.mean(self._d_loss(real_logits, fake_logits, ids)), None

        for _ in range(self.unrolled_steps):
            _, grads = backend.value_and_grad(d_loss)(weights, fake_in)
            weights = [w - lr * grad for w, grad in zip(weights, grads)]
        return d.stateless_call(weights, non_trainable, fake_in, training=True)[0]

    # ------------------------------------------------------ simultaneous --
    def _simultaneous_step(self, real, labels):
        """D and G updated from one generator pass, as the TensorFlow DCGAN
        tutorial does: G's gradient comes from D before D's update. D sees
        the fakes twice, once with G's output held fixed (D's loss) and once
        with D's weights held fixed (G's loss), with the same dropout masks,
        so both players' gradients are those of the shared forward pass."""
        g, d = self.generator, self.discriminator
        batch = ops.shape(real)[0]
        z = self.sample_latent(batch)
        ids = self._generator_ids(batch)
        real_in = self._d_inputs(self._view(real, self._draw_view(batch)), labels)
        draws = self._draw_view(batch)
        n_g = len(g.trainable_variables)

        def loss_fn(weights, g_nt, d_nt):
            g_w, d_w = weights[:n_g], weights[n_g:]
            fake, g_nt = g.stateless_call(
                g_w, g_nt, self._g_inputs(z, labels, ids), training=True
            )
            fake_in = self._d_inputs(self._view(fake, draws), labels)
            real_logits, d_nt = d.stateless_call(d_w, d_nt, real_in, training=True)
            fixed_fake = ops.stop_gradient(fake_in) if labels is None else [
                ops.stop_gradient(fake_in[0]), fake_in[1]
            ]  # fmt: skip
            fake_logits, new_d_nt = d.stateless_call(
                d_w, d_nt, fixed_fake, training=True
            )
            fixed_d = [ops.stop_gradient(w) for w in d_w]
            g_logits, _ = d.stateless_call(fixed_d, d_nt, fake_in, training=True)
            d_per = self._d_loss(real_logits, fake_logits, ids)
            g_per = self._g_loss(g_logits, ids)
            loss = self._mean(d_per) + self._mean(g_per)
            return loss, (d_per, g_per, real_logits, fake_logits, g_nt, new_d_nt)

        weights = values_of(g.trainable_variables) + values_of(d.trainable_variables)
        (_, aux), grads = backend.value_and_grad(loss_fn)(
            weights,
            values_of(g.non_trainable_variables),
            values_of(d.non_trainable_variables),
        )
        backend.apply_gradients(self.d_optimizer, grads[n_g:], d.trainable_variables)
        backend.apply_gradients(self.g_optimizer, grads[:n_g], g.trainable_variables)
        assign_values(g.non_trainable_variables, aux[4])
        assign_values(d.non_trainable_variables, aux[5])
        d_out = {
            "d": aux[0],
            "real": self._adversarial(aux[2]),
            "fake": self._adversarial(aux[3]),
        }
        d_out["d_norm"] = _global_norm(grads[n_g:])
        return d_out, {"g": aux[1], "g_norm": _global_norm(grads[:n_g])}

    # ----------------------------------------------------- after a step --
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

    def _grow(self) -> None:
        """Progressive growing: G's level of detail for this step, from the
        steps G has grown (its own counter, not the optimizer's)."""
        if self.progressive:
            g = self.generator
            g.lod.assign(
                progressive.lod_schedule(
                    g.growth_steps, phase_steps=self.progressive, levels=g.num_levels
                )
            )
            g.growth_steps.assign(g.growth_steps + 1.0)

    def _train_step(self, data):
        real, labels = self._unpack(data)
        self._grow()
        if self.simultaneous:
            d_out, g_out = self._simultaneous_step(real, labels)
        else:
            for _ in range(self.d_steps):
                d_out = self._d_step(real, labels)
            g_out = self._g_step(real, labels)
        self._update_ema()
        real_logits = d_out["real"]
        self._update_ada(real_logits, images=ops.shape(real_logits)[0] * self.pack)
        return self._log(d_out, g_out)

    def _log(self, d_out, g_out) -> dict:
        self.trackers["d_loss"].update_state(d_out["d"])
        self.trackers["g_loss"].update_state(g_out["g"])
        self.trackers["d_real"].update_state(ops.sigmoid(d_out["real"]))
        self.trackers["d_fake"].update_state(ops.sigmoid(d_out["fake"]))
        self.trackers["d_grad_norm"].update_state(d_out["d_norm"])
        self.trackers["g_grad_norm"].update_state(g_out["g_norm"])
        logs = {m.name: m.result() for m in self.metrics}
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        if self.progressive:
            logs["lod"] = ops.convert_to_tensor(self.generator.lod)
        if self.augment_adaptive:
            logs["aug_p"] = ops.convert_to_tensor(self.aug_p)
        return logs


def _images(real_in, fake_in):
    """The image parts of D's inputs (dropping [x, y] labels)."""
    if isinstance(real_in, list):
        return real_in[0], fake_in[0]
    return real_in, fake_in


def _labels(d_in):
    return d_in[1] if isinstance(d_in, list) else None
