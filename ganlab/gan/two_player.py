"""What every two-player model shares: ``GAN``, ``Pix2Pix`` and ``CycleGAN``.

Each is a ``keras.Model`` whose ``fit`` runs its own ``_train_step`` and
that holds a discriminator side and a generator side, each with its own
optimizer. :class:`TwoPlayerModel` writes once what they share:

- the two optimizers (``d_optimizer``, ``g_optimizer``: two objects, built
  at ``compile`` so that saved or backed-up state can be restored before the
  first step) and the adversarial loss (:mod:`ganlab.gan.losses`);
- augmentation of what D sees (DiffAugment of Zhao et al. 2020 or ADA of
  Karras et al. 2020, :mod:`ganlab.gan.augment`), with ADA's probability p;
- the model's ``SeedGenerator`` (``seed_generator``), whose state is saved;
- ``get_config``/``from_config`` from ``_network_keys`` (the networks) and
  ``_extra_config()``; ``get_compile_config``/``compile_from_config`` from
  ``_compile_options()``, with optimizers serialized so that a ``.keras``
  file saved on one backend loads on every other one;
- ``save_own_variables``/``load_own_variables``: the seed's state and
  ``_own_state()`` (ADA's p, CycleGAN's pools of past fakes).

A subclass sets ``_network_keys``, calls :meth:`_compile_players` from its
``compile`` and returns its own compile options from ``_compile_options``.
"""

from __future__ import annotations

import keras
from keras import ops

from ganlab.backend import StepAdapter
from ganlab.gan import augment as augment_lib
from ganlab.gan import losses as losses_lib
from ganlab.gan.optimizers import optimizer_pair, serialize_optimizer

# compile() arguments stored as Keras objects, serialized in the compile config.
_OBJECT_OPTIONS = ("d_optimizer", "g_optimizer", "loss", "augment")
# Keys under which earlier versions saved the seed's state.
_OLD_SEED_KEYS = ("noise_seed_state",)


class TwoPlayerModel(StepAdapter, keras.Model):
    """The base of ganlab's adversarial models (not used on its own).

    Args:
        seed: seed of the model's ``SeedGenerator`` (noise, augmentation,
            pools), for reproducible runs; None draws a random one.
        **kwargs: passed to ``keras.Model`` (e.g. ``name``).
    """

    _network_keys: tuple[str, ...] = ()

    def __init__(self, *, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")

    # ------------------------------------------------------------ compile --
    def _compile_players(
        self, d_optimizer, g_optimizer, *, d_variables, g_variables, loss,
        augment=None, ada_target: float = 0.6, ada_speed: int = 500_000,
        keras_kwargs=None,
    ) -> None:  # fmt: skip
        """Set up the optimizers, the loss, augmentation and the backend.

        Args:
            d_optimizer, g_optimizer: objects, names or configs (Adam(2e-4,
                beta_1=0.5) when None); two different objects.
            d_variables, g_variables: the weights each optimizer updates.
            loss: a name or object of :mod:`ganlab.gan.losses`.
            augment: None, ``"diffaugment"``, ``"ada"`` or an augmenter.
            ada_target: ADA's target for r_t = E[sign(D(real))].
            ada_speed: ADA's images for p to go from 0 to 1.
            keras_kwargs: passed to ``keras.Model.compile``.
        """
        keras_kwargs = dict(keras_kwargs or {})
        super().compile(optimizer=None, loss=None, **keras_kwargs)
        self.d_optimizer, self.g_optimizer = optimizer_pair(d_optimizer, g_optimizer)
        self.d_optimizer.build(d_variables)
        self.g_optimizer.build(g_variables)
        self.loss_fn = losses_lib.get(loss)
        self.augmenter = augment_lib.get(augment)
        self.augment_adaptive = isinstance(self.augmenter, augment_lib.ADA)
        self.ada_target, self.ada_speed = float(ada_target), int(ada_speed)
        if self.augment_adaptive and getattr(self, "aug_p", None) is None:
            self.aug_p = keras.Variable(0.0, trainable=False, name="aug_p")
        self._keras_compile_kwargs = keras_kwargs
        self._setup_backend()

    def _compile_options(self) -> dict:
        """The subclass's own compile() options (plain values)."""
        return {}

    def get_compile_config(self) -> dict:
        if not self.compiled:
            return {}
        options = {
            "d_optimizer": serialize_optimizer(self.d_optimizer),
            "g_optimizer": serialize_optimizer(self.g_optimizer),
            "loss": keras.saving.serialize_keras_object(self.loss_fn),
            "augment": keras.saving.serialize_keras_object(self.augmenter),
            "ada_target": self.ada_target,
            "ada_speed": self.ada_speed,
        }
        return {**options, **self._compile_options(), **self._keras_compile_kwargs}

    def compile_from_config(self, config: dict) -> None:
        config = dict(config)
        for key in _OBJECT_OPTIONS:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # ------------------------------------------------------------- config --
    def _extra_config(self) -> dict:
        """The subclass's constructor arguments besides networks and seed."""
        return {}

    def get_config(self) -> dict:
        nets = {
            key: keras.saving.serialize_keras_object(getattr(self, key))
            for key in self._network_keys
        }
        return {**nets, **self._extra_config(), "seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        for key in cls._network_keys:
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

    # -------------------------------------------------------------- state --
    def _own_state(self) -> dict:
        """Model variables saved with the model: name → variable."""
        aug_p = getattr(self, "aug_p", None)
        return {} if aug_p is None else {"aug_p": aug_p}

    def save_own_variables(self, store) -> None:
        # The seed's state: draws after a load continue as they would have.
        store["seed_state"] = self.seed_generator.state
        for name, variable in self._own_state().items():
            store[name] = variable

    def load_own_variables(self, store) -> None:
        keys = set(store.keys())
        for key in ("seed_state", *_OLD_SEED_KEYS):
            if key in keys:
                self.seed_generator.state.assign(store[key])
                break
        for name, variable in self._own_state().items():
            if name in keys:
                variable.assign(store[name])

    # ------------------------------------------------------- augmentation --
    def _draw_augment(self, batch, image_shape):
        """Augmentation draws for ``batch`` images of D (None without it).

        Drawn outside any gradient (JAX cannot update a ``SeedGenerator``
        inside a traced one); apply them with :meth:`_augment`.
        """
        if self.augmenter is None:
            return None
        p = self.aug_p if self.augment_adaptive else None
        return self.augmenter.draw(
            batch, image_shape, seed_generator=self.seed_generator, probability=p
        )

    def _augment(self, images, draws):
        """``images`` as D sees them: augmented with ``draws`` (or as they are)."""
        return images if draws is None else self.augmenter.apply(images, draws)

    def _update_ada(self, real_logits, *, images=None) -> None:
        """ADA's p: up when D is overconfident on reals, down otherwise.

        Args:
            real_logits: D's logits on the real batch, any shape (B, ...).
            images: the images behind them (B by default; PacGAN packs more).
        """
        if not self.augment_adaptive:
            return
        batch = ops.shape(real_logits)[0] if images is None else images
        self.aug_p.assign(
            augment_lib.ada_update(
                self.aug_p, augment_lib.overfitting_signal(real_logits),
                target=self.ada_target, batch_size=batch, interval=1,
                speed_images=self.ada_speed,
            )
        )  # fmt: skip
