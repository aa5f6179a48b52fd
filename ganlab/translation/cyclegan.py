"""CycleGAN: unpaired image-to-image translation A ↔ B.

Zhu et al. 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", https://arxiv.org/abs/1703.10593.
Import it from :mod:`ganlab.translation.pix2pix` with :class:`Pix2Pix`; the
shared plumbing (input checks, pipelines, saving) is in
:mod:`ganlab.translation.core`.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from ganlab.backend import apply_gradients, value_and_grad
from ganlab.gan.losses import cycle_consistency_loss, identity_loss
from ganlab.gan.step import assign_values, values_of
from ganlab.translation.core import (
    DEFAULT_BATCH_SIZE,
    Translator,
    array_batches,
    as_images,
    check_network,
    image_dataset,
    patch_mean,
    replica_mean,
)


@keras.saving.register_keras_serializable(package="ganlab")
class CycleGAN(Translator):
    """Unpaired translation A ↔ B: two generators, two discriminators.

    Zhu et al. 2017, with G: A → B (``generator_ab``), F: B → A
    (``generator_ba``), D_A judging domain A (real a against F(b)) and D_B
    judging domain B (real b against G(a)). The generators minimize

        L_GAN(G, D_B) + L_GAN(F, D_A) + λ_cyc L_cyc(G, F) + λ_id L_identity,

    L_cyc = E‖F(G(a)) − a‖₁ + E‖G(F(b)) − b‖₁ (λ_cyc = 10) and
    L_identity = E‖G(b) − b‖₁ + E‖F(a) − a‖₁ (λ_id = 0.5 λ_cyc), with one
    optimizer over both generators' weights and one over both
    discriminators', as the official code. Each step updates the
    generators, then the discriminators (each objective halved, as in the
    paper) on the generators' detached outputs.

    The paper's least-squares loss is ``loss="least_squares"``, the default.
    ganlab's form (Mao et al. 2017) carries factors ½: G's term is
    ½(D(G(a)) − 1)², half the paper's (D(G(a)) − 1)², so the cycle and
    identity terms weigh twice as much relative to it as in the paper (pass
    ``cycle_weight=5`` for the paper's balance). Each D minimizes ½ · the
    loss's D term, ¼[(D(b) − 1)² + D(G(a))²] here: the paper's halved
    objective up to one more factor ½, to which Adam's steps are blind.

    **Pool of past fakes: done.** With ``pool_size`` = P > 0 (50 in the
    paper, after Shrivastava et al. 2017), D sees fakes from a buffer of the
    last generated images: each new fake fills the pool while it is not
    full; then with probability ½ D sees a stored fake, which the new one
    replaces, else the new fake. The pools are model variables, saved and
    restored with it. 0 turns the pool off (use 0 under ``tf.distribute``:
    each replica would need its own pool).

    Networks: the paper's generator is a ResNet; a U-Net works too (the
    official code offers both). Build them as the official code does, with
    instance norm and no dropout: ``make_unet_generator(shape,
    norm="instance", dropout=0.0)`` and ``make_patchgan_discriminator(shape,
    norm="instance")``.

    Args:
        generator_ab: built model (B, H, W, C_a) → (B, H, W, C_b) in [-1, 1].
        generator_ba: built model (B, H, W, C_b) → (B, H, W, C_a) in [-1, 1].
        discriminator_a: built model (B, H, W, C_a) → logits (B, ...).
        discriminator_b: built model (B, H, W, C_b) → logits (B, ...).
        pool_size: P, the number of past fakes kept per domain; 0 is off.
        seed: seed of the pool's random draws.

    ``fit`` logs ``g_loss`` (the two generators' adversarial terms, summed),
    ``d_loss`` (the two discriminators' halved losses, summed), ``cycle``
    (L_cyc) and ``identity`` (L_identity), both unweighted.
    """

    _network_keys = (
        "generator_ab",
        "generator_ba",
        "discriminator_a",
        "discriminator_b",
    )
    _config_keys = ("cycle_weight", "identity_weight")

    def __init__(
        self,
        generator_ab,
        generator_ba,
        discriminator_a,
        discriminator_b,
        *,
        pool_size: int = 50,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        nets = (generator_ab, generator_ba, discriminator_a, discriminator_b)
        for net, key in zip(nets, self._network_keys):
            check_network(net, key, n_inputs=1)
        self.shape_a = tuple(generator_ab.input_shape[1:])
        self.shape_b = tuple(generator_ab.output_shape[1:])
        expected = {
            "generator_ba": (self.shape_b, self.shape_a),
            "discriminator_a": (self.shape_a, None),
            "discriminator_b": (self.shape_b, None),
        }
        for net, key in zip(nets[1:], self._network_keys[1:]):
            shape_in, shape_out = expected[key]
            got_out = tuple(net.output_shape[1:]) if shape_out else None
            if tuple(net.input_shape[1:]) != shape_in or got_out != shape_out:
                raise ValueError(
                    f"generator_ab maps {self.shape_a} to {self.shape_b}, so {key} "
                    f"must take {shape_in}"
                    + (f" to {shape_out}" if shape_out else "")
                    + f"; it maps {tuple(net.input_shape[1:])} to "
                    f"{tuple(net.output_shape[1:])}."
                )
        if int(pool_size) < 0:
            raise ValueError(f"pool_size must be >= 0, got {pool_size}.")
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.pool_size = int(pool_size)
        if self.pool_size:
            kw = dict(initializer="zeros", trainable=False)
            self.pool_a = self.add_weight(
                (self.pool_size, *self.shape_a), name="pool_a", **kw
            )
            self.pool_b = self.add_weight(
                (self.pool_size, *self.shape_b), name="pool_b", **kw
            )
            self.pool_count = self.add_weight(
                (), dtype="int32", name="pool_count", **kw
            )
        self.trackers = [
            keras.metrics.Mean(name=n)
            for n in ("g_loss", "d_loss", "cycle", "identity")
        ]
        self.built = True

    def _extra_config(self) -> dict:
        return {"pool_size": self.pool_size}

    def _own_state(self) -> dict:
        pools = (self.pool_a, self.pool_b, self.pool_count) if self.pool_size else ()
        return {**super()._own_state(), **{v.name: v for v in pools}}

    def compile(
        self,
        d_optimizer=None,
        *,
        g_optimizer=None,
        loss="least_squares",
        cycle_weight: float = 10.0,
        identity_weight: float = 0.5,
        augment=None,
        ada_target: float = 0.6,
        ada_speed: int = 100_000,
        **kwargs,
    ) -> None:
        """Configure training.

        Args:
            d_optimizer: one optimizer for both discriminators' weights;
                Adam(2e-4, beta_1=0.5), the paper's, when None.
            g_optimizer: one optimizer for both generators'; the same default.
            loss: adversarial loss of :mod:`ganlab.gan.losses`; the paper's
                ``"least_squares"`` by default.
            cycle_weight: λ_cyc (10 in the paper).
            identity_weight: λ_id as a fraction of λ_cyc (0.5 in the paper,
                so the identity term weighs 5); 0 turns it off. It needs
                both domains to have the same image shape.
            augment: augmentation of every image the discriminators see,
                real and generated, in their update and in the generators'
                (:mod:`ganlab.gan.augment`): ``"diffaugment"`` (Zhao et al.
                2020), ``"ada"`` (Karras et al. 2020, p driven by both
                discriminators' real logits), an augmenter, or None. The
                cycle and identity terms compare un-augmented images.
            ada_target: ADA's target for r_t = E[sign(D(real))].
            ada_speed: ADA's images for p to go from 0 to 1.
            **kwargs: passed to ``keras.Model.compile``.

        Raises:
            ValueError: negative weights; an identity loss between domains
                of different shapes; an unknown loss or augmentation.
        """
        if float(cycle_weight) < 0 or float(identity_weight) < 0:
            raise ValueError("cycle_weight and identity_weight must be >= 0.")
        if float(identity_weight) and self.shape_a != self.shape_b:
            raise ValueError(
                f"The identity loss feeds domain B images {self.shape_b} to the A → B "
                f"generator, which takes {self.shape_a}: use identity_weight=0."
            )
        self.cycle_weight = float(cycle_weight)
        self.identity_weight = float(identity_weight)
        self._compile_players(
            d_optimizer, g_optimizer, d_variables=self.d_optimizer_variables,
            g_variables=self.g_optimizer_variables, loss=loss, augment=augment,
            ada_target=ada_target, ada_speed=ada_speed, keras_kwargs=kwargs,
        )  # fmt: skip

    @property
    def metrics(self) -> list:
        return list(self.trackers)

    def call(self, inputs, training: bool = False):
        return self.generator_ab(inputs, training=training)

    def _g_loss(self, g_train, states, d_train, real_a, real_b, draws):
        g_ab, g_ba, d_a, d_b = (getattr(self, k) for k in self._network_keys)
        n = len(g_ab.trainable_variables)
        ab_train, ba_train = g_train[:n], g_train[n:]
        ab, ba, da, db = states
        da_train, db_train = d_train

        fake_b, ab = g_ab.stateless_call(ab_train, ab, real_a, training=True)
        cycled_a, ba = g_ba.stateless_call(ba_train, ba, fake_b, training=True)
        fake_a, ba = g_ba.stateless_call(ba_train, ba, real_b, training=True)
        cycled_b, ab = g_ab.stateless_call(ab_train, ab, fake_a, training=True)
        seen_a, seen_b = (self._augment(x, w) for x, w in zip((fake_a, fake_b), draws))
        logits_b, db = d_b.stateless_call(db_train, db, seen_b, training=True)
        logits_a, da = d_a.stateless_call(da_train, da, seen_a, training=True)
        g_loss = self.loss_fn.generator_loss
        adversarial = patch_mean(g_loss, logits_b) + patch_mean(g_loss, logits_a)
        cycle = cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b)
        total = adversarial + self.cycle_weight * cycle
        if self.identity_weight:
            same_b, ab = g_ab.stateless_call(ab_train, ab, real_b, training=True)
            same_a, ba = g_ba.stateless_call(ba_train, ba, real_a, training=True)
            identity = identity_loss(real_a, same_a, real_b, same_b)
            total += self.identity_weight * self.cycle_weight * identity
        else:
            identity = ops.zeros_like(cycle)
        aux = (adversarial, cycle, identity, (ab, ba, da, db), fake_a, fake_b)
        return replica_mean(total), aux

    def _d_loss(self, d_train, states, real_a, fake_a, real_b, fake_b, draws):
        """Both discriminators' halved losses; ``draws``: (real, fake) per
        domain, each augmentation draws or None."""
        d_a, d_b = self.discriminator_a, self.discriminator_b
        n = len(d_a.trainable_variables)
        per_example, new_states, reals = 0.0, [], []
        for d, train, state, real, fake, (real_draws, fake_draws) in (
            (d_a, d_train[:n], states[0], real_a, fake_a, draws[0]),
            (d_b, d_train[n:], states[1], real_b, fake_b, draws[1]),
        ):
            real_logits, state = d.stateless_call(
                train, state, self._augment(real, real_draws), training=True
            )
            fake_logits, state = d.stateless_call(
                train, state, self._augment(fake, fake_draws), training=True
            )
            per_example += 0.5 * patch_mean(
                self.loss_fn.discriminator_loss, real_logits, fake_logits
            )
            new_states.append(state)
            reals.append(ops.reshape(real_logits, (-1,)))
        aux = (per_example, new_states, ops.concatenate(reals))
        return replica_mean(per_example), aux

    def _query_pool(self, pool, fakes):
        """D's fakes: the new ones, or (probability ½ once full) past ones.

        Vectorized over the batch: the fakes first fill the free slots (and
        are returned); once the pool is full, each further fake is swapped
        with probability ½ for a random stored one (read after this batch's
        fills), which it replaces. Two fakes writing one slot: the later
        one is stored.
        """
        if not self.pool_size:
            return fakes
        size = self.pool_size
        batch = ops.shape(fakes)[0]
        u = keras.random.uniform((batch,), seed=self.seed_generator)
        slot = keras.random.randint((batch,), 0, size, seed=self.seed_generator)
        count = ops.cast(self.pool_count.value, "int32")
        position = count + ops.arange(batch, dtype="int32")
        filling = position < size
        swap = ops.logical_and(ops.logical_not(filling), u < 0.5)
        slot = ops.where(filling, position, ops.cast(slot, "int32"))
        flat = ops.reshape(fakes, (batch, -1))

        def store(stored, mask):
            write = ops.one_hot(slot, size) * ops.cast(mask, "float32")[:, None]
            later = ops.flip(ops.cumsum(ops.flip(write, 0), axis=0), 0)
            write = write * ops.cast(ops.equal(later, 1.0), "float32")
            kept = ops.reshape(1.0 - ops.sum(write, axis=0), (size, 1))
            return stored * kept + ops.matmul(ops.transpose(write), flat)

        stored = store(ops.reshape(pool.value, (size, -1)), filling)
        past = ops.reshape(ops.take(stored, slot, axis=0), ops.shape(fakes))
        out = ops.where(ops.reshape(swap, (-1, 1, 1, 1)), past, fakes)
        stored = store(stored, swap)
        pool.assign(ops.stop_gradient(ops.reshape(stored, ops.shape(pool.value))))
        return out

    def _train_step(self, data):
        real_a, real_b = data
        g_nets = (self.generator_ab, self.generator_ba)
        d_nets = (self.discriminator_a, self.discriminator_b)
        states = [values_of(net.non_trainable_variables) for net in g_nets + d_nets]
        batch, shapes = ops.shape(real_a)[0], (self.shape_a, self.shape_b)
        g_draws = [self._draw_augment(batch, shape) for shape in shapes]
        d_draws = [[self._draw_augment(batch, s) for _ in "rf"] for s in shapes]
        (_, aux), grads = value_and_grad(self._g_loss)(
            values_of(self.g_optimizer_variables), states,
            [values_of(d.trainable_variables) for d in d_nets], real_a, real_b, g_draws,
        )  # fmt: skip
        adversarial, cycle, identity, states, fake_a, fake_b = aux
        apply_gradients(self.g_optimizer, grads, self.g_optimizer_variables)
        for net, state in zip(g_nets + d_nets, states):
            assign_values(net.non_trainable_variables, state)

        fake_a = self._query_pool(
            self.pool_a if self.pool_size else None, ops.stop_gradient(fake_a)
        )
        fake_b = self._query_pool(
            self.pool_b if self.pool_size else None, ops.stop_gradient(fake_b)
        )
        if self.pool_size:
            count = ops.cast(self.pool_count.value, "int32") + ops.shape(real_a)[0]
            self.pool_count.assign(ops.minimum(count, self.pool_size))
        (_, (d_per_example, states, real_logits)), grads = value_and_grad(
            self._d_loss
        )(
            values_of(self.d_optimizer_variables),
            [values_of(d.non_trainable_variables) for d in d_nets],
            real_a, fake_a, real_b, fake_b, d_draws,
        )  # fmt: skip
        apply_gradients(self.d_optimizer, grads, self.d_optimizer_variables)
        for net, state in zip(d_nets, states):
            assign_values(net.non_trainable_variables, state)
        self._update_ada(real_logits, images=batch)
        values = (adversarial, d_per_example, cycle, identity)
        return self._update(zip(self.trackers, values))

    @property
    def g_optimizer_variables(self) -> list:
        """Both generators' trainable weights, in the g_optimizer's order."""
        return (
            self.generator_ab.trainable_variables
            + self.generator_ba.trainable_variables
        )

    @property
    def d_optimizer_variables(self) -> list:
        """Both discriminators' trainable weights, in the d_optimizer's order."""
        return (
            self.discriminator_a.trainable_variables
            + self.discriminator_b.trainable_variables
        )

    def fit(
        self,
        a_images,
        b_images,
        *,
        batch_size: int | None = None,
        shuffle: bool = True,
        **kwargs,
    ):
        """Train on two unpaired sets; other arguments go to ``keras.Model.fit``.

        Each step takes a batch of A and a batch of B, drawn independently
        (each set shuffled and repeated on its own); an epoch is
        max(N_a, N_b) // batch_size steps, so the larger set is seen once.

        Args:
            a_images: domain A: an array (N_a, H, W, C_a) (channel axis
                optional when 1), uint8 in [0, 255] or float in [-1, 1]; or
                a ``tf.data.Dataset`` of such images (labels are dropped).
            b_images: domain B, the same conventions; N_b may differ.
            batch_size: images of each domain per step (default 32).
            shuffle: reshuffle arrays every epoch.

        Raises:
            ValueError: not compiled; empty sets or a set of one image;
                (images, labels) instead of images; shapes or values the
                networks cannot take (each message says the fix, e.g. how
                to drop an alpha channel); datasets of unknown size without
                ``steps_per_epoch``.
        """
        batch_size = int(batch_size or DEFAULT_BATCH_SIZE)
        _refuse_labels(a_images, "a_images")
        _refuse_labels(b_images, "b_images")
        domains = [
            (a_images, self.shape_a, "a_images"),
            (b_images, self.shape_b, "b_images"),
        ]
        for k, (x, shape, name) in enumerate(domains):
            if not isinstance(x, tf.data.Dataset):
                domains[k] = (as_images(x, shape, name), shape, name)
                batch_size = min(batch_size, len(domains[k][0]))
        parts, sizes = [], []
        for k, (x, shape, name) in enumerate(domains):
            if isinstance(x, tf.data.Dataset):
                ds, n = image_dataset(x, shape, name, batch_size)
            else:
                seed = None if self.seed is None else self.seed + k
                (ds, _), n = array_batches(x, batch_size, shuffle, seed), len(x)
            parts.append(ds.repeat())
            sizes.append(n)
        steps = kwargs.pop("steps_per_epoch", None)
        if steps is None:
            if None in sizes:
                raise ValueError(
                    "The size of a tf.data dataset is unknown (batched, filtered or "
                    "infinite): pass steps_per_epoch to fit."
                )
            steps = max(1, max(sizes) // batch_size)
        return self._fit(tf.data.Dataset.zip(tuple(parts)), int(steps), kwargs)

    def translate(
        self, x, *, direction: str = "a_to_b", batch_size: int = 256
    ) -> np.ndarray:
        """G(a) (``"a_to_b"``) or F(b) (``"b_to_a"``) in inference mode.

        Args:
            x: images of the source domain, (N, H, W, C) (or (N, H, W) when
                C = 1), uint8 in [0, 255] or float in [-1, 1].
            direction: ``"a_to_b"`` or ``"b_to_a"``.
            batch_size: images per generator call.

        Returns:
            float32 array (N, H, W, C_target) in [-1, 1].
        """
        nets = {"a_to_b": self.generator_ab, "b_to_a": self.generator_ba}
        if direction not in nets:
            raise ValueError(
                f"direction must be 'a_to_b' or 'b_to_a', got {direction!r}."
            )
        return self._translate(nets[direction], x, batch_size, "x")


def _refuse_labels(x, name: str) -> None:
    """CycleGAN's domains are images alone: (images, labels) is an error."""
    if isinstance(x, (tuple, list)) and len(x) == 2 and np.ndim(x[1]) in (1, 2):
        if np.ndim(x[0]) in (3, 4):
            raise ValueError(
                f"{name} looks like (images, labels): CycleGAN learns from two "
                "unpaired sets of images and takes no labels. Pass the images "
                f"alone: fit(a_images, b_images)."
            )
