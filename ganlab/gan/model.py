"""The GAN as a ``keras.Model``: ``gan.fit(images)`` trains both players.

The two-player game (Goodfellow et al. 2014): the discriminator D learns to
tell real images x from generated ones G(z); the generator G learns to make
D call its samples real. One class covers every kind of GAN: conditioning
is a property of the networks (a generator taking ``[z, y]``, a
discriminator taking ``[x, y]``) and of the data (``(images, labels)``), as
in the conditional GAN of Mirza & Osindero 2014. The train step is in
:mod:`ganlab.gan.step`, the loss formulas in :mod:`ganlab.gan.losses`.
"""

from __future__ import annotations

import keras
import numpy as np

from ganlab.data.pipeline import check_images, check_labels, training_data
from ganlab.gan import mixtures
from ganlab.gan.checks import (
    check_label_prior,
    check_networks,
    check_progressive,
    check_style_mixing,
    refuse_float16,
)
from ganlab.gan.options import GANOptions, split_compile_arguments
from ganlab.gan.progressive import warn_if_growing
from ganlab.gan.step import GameStep
from ganlab.gan.two_player import TwoPlayerModel

_TRACKERS = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")


@keras.saving.register_keras_serializable(package="ganlab")
class GAN(GameStep, TwoPlayerModel):
    """A generator and a discriminator trained against each other by ``fit``.

    Args:
        generator: a built model mapping noise z (batch, latent_dim), or
            ``[z, y]`` with one-hot labels y (batch, K), to (batch, H, W, C)
            images in [-1, 1] (see :func:`ganlab.make_generator`).
        discriminator: a built model mapping images (batch, H, W, C), or
            ``[x, y]``, to (batch, 1) logits, with no sigmoid (see
            :func:`ganlab.make_discriminator`).
        latent_dim: size of z; read from the generator when None, checked
            against it otherwise.
        label_prior: for a conditional GAN, how ``generate`` picks labels
            nobody asked for: None gives every class equally often (image i
            gets class i mod K); ``"data"`` draws them as often as the
            training labels have them (set by ``fit``; self-conditioning);
            or a (K,) probability vector.
        seed: seed of the model's noise generator, for reproducible runs.

    Several generators (MGAN) or discriminators (GMAN) are properties of
    the networks too; see :mod:`ganlab.gan.mixtures`.

    Raises:
        ValueError: for networks that do not fit together, with the fix.

    ``fit`` logs, per epoch and in the progress bar: ``d_loss`` and
    ``g_loss``, the two players' losses; ``d_real`` and ``d_fake``, the mean
    of D = sigmoid(logit) on real and on generated images (from D's step);
    ``d_grad_norm`` and ``g_grad_norm``, the L2 norms of each player's
    gradient; ``loss`` = d_loss + g_loss, one number that
    ``keras.callbacks.TerminateOnNaN`` and ``EarlyStopping`` can watch; and,
    with ``compile(augment="ada")``, ``aug_p``.

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
        *,
        latent_dim: int | None = None,
        label_prior=None,
        seed: int | None = None,
        **kwargs,
    ):
        kwargs.pop("num_classes", None)  # read from the networks
        super().__init__(seed=seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim, self.num_classes = check_networks(
            generator, discriminator, latent_dim
        )
        self.num_generators, self.num_critics = mixtures.num_heads(
            generator, discriminator
        )
        self.image_shape = tuple(generator.output_shape[1:])
        self.label_prior = label_prior
        self.trackers = {name: keras.metrics.Mean(name=name) for name in _TRACKERS}
        # The sub-models are built; the GAN has no variables of its own.
        self.built = True

    @property
    def label_prior(self):
        """(K,) label probabilities for ``generate``, None (balanced) or "data"."""
        return self._label_prior

    @label_prior.setter
    def label_prior(self, prior) -> None:
        self._label_prior = check_label_prior(prior, self.num_classes)

    # ------------------------------------------------------------ compile --
    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        g_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        *,
        options: GANOptions | None = None,
        **kwargs,
    ) -> None:
        """Configure training.

        Args:
            d_optimizer: the discriminator's optimizer; Adam(2e-4, beta_1=0.5),
                the DCGAN paper's choice, when None. Give D and G different
                learning rates for the two time-scale update rule (Heusel et
                al. 2017, "GANs Trained by a Two Time-Scale Update Rule
                Converge to a Local Nash Equilibrium",
                https://arxiv.org/abs/1706.08500), e.g. D 4e-4, G 1e-4.
            g_optimizer: the generator's optimizer; the same default.
            options: a :class:`ganlab.GANOptions` (the loss, D steps per G
                step, penalties, instance noise, unrolling, packing, EMA,
                augmentation, MGAN/GMAN weights, StyleGAN's style mixing and
                progressive growing: each documented there);
                the defaults when None. Kept as ``gan.options``.
            **kwargs: any :class:`~ganlab.GANOptions` field by name
                (``loss="hinge"``, ``r1=1.0``...; they override
                ``options``), and ``keras.Model.compile``'s ``jit_compile``,
                ``steps_per_execution``, ``run_eagerly``, ``auto_scale_loss``.

        Raises:
            ValueError: an unknown option (with the closest name); options
                that do not fit together or the model; the mixed_float16
                policy.
        """
        options, keras_kwargs = split_compile_arguments(options, kwargs)
        self._check_pack(options.pack)
        mixtures.check_options(
            self.num_generators, options.mgan_beta, options.gman_lambda, options.pack
        )
        refuse_float16(self.generator)
        check_style_mixing(self.generator, options.style_mixing)
        check_progressive(self.generator, options.progressive)
        if options.style_mixing is not None:
            self.generator.mixing = options.style_mixing
        self.options = options
        for name in GANOptions.names():  # read by the step (ganlab.gan.step)
            if name not in ("loss", "augment", "ada_target", "ada_speed"):
                setattr(self, name, getattr(options, name))
        if self.ema and getattr(self, "ema_generator", None) is None:
            self.ema_generator = keras.models.clone_model(self.generator)
            self.ema_generator.set_weights(self.generator.get_weights())
        self._compile_players(
            d_optimizer, g_optimizer,
            d_variables=self.discriminator.trainable_variables,
            g_variables=self.generator.trainable_variables, loss=options.loss,
            augment=options.augment, ada_target=options.ada_target,
            ada_speed=options.ada_speed, keras_kwargs=keras_kwargs,
        )  # fmt: skip

    def _check_pack(self, pack: int) -> None:
        d_in = self.discriminator.input_shape
        d_channels = (d_in[0] if self.num_classes else d_in)[-1]
        g_channels = self.generator.output_shape[-1]
        if pack < 1 or d_channels != pack * g_channels:
            raise ValueError(
                f"pack={pack} needs a discriminator taking pack × {g_channels} "
                f"= {pack * g_channels} input channels, but it takes {d_channels}. "
                f"Build it with make_discriminator(..., pack={pack}), or for a "
                f"StyleGAN make_style_discriminator((H, W, {pack * g_channels}))."
            )

    def _compile_options(self) -> dict:
        skip = ("loss", "augment", "ada_target", "ada_speed")  # the base's
        return {
            name: getattr(self.options, name)
            for name in GANOptions.names()
            if name not in skip
        }

    # ------------------------------------------------------------- config --
    _network_keys = ("generator", "discriminator")

    def _extra_config(self) -> dict:
        prior = self.label_prior
        return {
            "latent_dim": self.latent_dim,
            "label_prior": prior.tolist() if isinstance(prior, np.ndarray) else prior,
        }

    def load_own_variables(self, store) -> None:
        super().load_own_variables(store)
        if "cluster_prior" in store.keys():  # saved by ganlab 0.1's SelfConditionedGAN
            self.label_prior = np.asarray(store["cluster_prior"], "float64")

    # -------------------------------------------------------------- train --
    @property
    def metrics(self) -> list:
        # Listed here so that Keras resets them at the start of every epoch.
        return list(self.trackers.values())

    def fit(self, x=None, y=None, *, batch_size: int | None = None, **kwargs):
        """Train on real images; see ``keras.Model.fit`` for the other arguments.

        Args:
            x: real images, as :func:`ganlab.data.training_data` takes them:
                a NumPy array (N, H, W[, C]), uint8 in [0, 255] or float in
                [-1, 1]; a ``tf.data`` dataset of images or (images, labels),
                batched or not (e.g. ``image_dataset_from_directory``); or a
                ``keras.utils.PyDataset``.
            y: for a conditional GAN and NumPy images, the labels: ids (N,)
                or one-hot (N, K). An unconditional GAN ignores labels in a
                dataset and refuses ``y``.
            batch_size: batch size for NumPy input (default 128).

        Raises:
            ValueError: for data the GAN cannot train on, with the fix.
        """
        if not self.compiled:
            raise ValueError("Call gan.compile() before gan.fit().")
        if x is None:
            raise ValueError("gan.fit() needs real images as x.")
        if y is not None and self.num_classes is None:
            raise ValueError(
                "This GAN is unconditional and trains on images alone: leave y=None "
                "(or build the networks with num_classes= to use the labels)."
            )
        batch_size = int(batch_size or 128)
        if batch_size % self.pack:
            raise ValueError(f"batch_size must be a multiple of pack={self.pack}.")
        prepared = training_data(
            x, y, image_shape=self.image_shape, num_classes=self.num_classes,
            batch_size=batch_size, shuffle=kwargs.pop("shuffle", True), seed=self.seed,
        )  # fmt: skip
        if isinstance(self.label_prior, str) and prepared.label_counts is not None:
            self.label_prior = prepared.label_counts / prepared.label_counts.sum()
        if kwargs.get("steps_per_epoch") is None:
            kwargs["steps_per_epoch"] = prepared.steps_per_epoch
        history = super().fit(prepared.data, shuffle=False, **kwargs)
        warn_if_growing(self.generator, getattr(self, "progressive", 0))
        return history

    # ----------------------------------------------------------- generate --
    @property
    def sampler(self) -> keras.Model:
        """The network that draws samples: the EMA generator when
        ``compile(ema=β)`` is on, else the generator itself."""
        if getattr(self, "ema", 0.0):
            return self.ema_generator
        return self.generator

    def call(self, inputs, training: bool = False):
        """z (batch, latent_dim), or [z, y], → (batch, H, W, C) in [-1, 1].

        The generator in training mode; :attr:`sampler` in inference mode.
        """
        if training:
            return self.generator(inputs, training=True)
        return self.sampler(inputs, training=False)

    def sample_labels(self, n: int, *, seed: int | None = None) -> np.ndarray:
        """Class ids (n,) for samples nobody chose labels for, following
        :attr:`label_prior`: every class equally often (i mod K) by default,
        else drawn from the prior with ``seed``. For a mixture of K
        generators: generator ids drawn uniformly with ``seed``."""
        if self.num_generators:
            rng = np.random.default_rng(None if seed is None else (int(seed), 1))
            return rng.integers(0, self.num_generators, int(n))
        if self.num_classes is None:
            raise ValueError("An unconditional GAN has no labels to sample.")
        prior = self.label_prior
        if prior is None or isinstance(prior, str):
            return np.arange(int(n)) % self.num_classes
        return np.random.default_rng(seed).choice(self.num_classes, int(n), p=prior)

    def generate(
        self,
        n: int,
        *,
        labels=None,
        seed: int | None = None,
        batch_size: int = 256,
        truncation: float | None = None,
    ) -> np.ndarray:
        """Generate ``n`` images with the generator in inference mode.

        Args:
            n: number of images.
            labels: for a conditional GAN, ids (n,) or one-hot rows (n, K) (a
                mix of two classes interpolates between them); for a mixture
                of K generators, which generator draws each image; None
                draws them with :meth:`sample_labels`. Must be None otherwise.
            seed: an int gives the same images every time, after save/load
                and on every backend (the noise comes from NumPy's generator);
                None draws fresh noise from the model's seed generator.
            batch_size: images per generator call.
            truncation: ψ in [0, 1] for the truncation trick (Karras et al.
                2019), w = w_avg + ψ (w - w_avg): lower ψ gives more typical,
                less varied images, 0 the mean-w image for every z. Only a
                :class:`ganlab.nets.stylegan.StyleGenerator` sampler has the
                mapping network and tracked mean w this needs; its
                ``truncation_psi`` is set for this call and restored after.
                None leaves the sampler as it is.

        Returns:
            float32 array of shape (n, H, W, C) with values in [-1, 1]
            (the tanh range). Map to [0, 1] with (x + 1) / 2, or to uint8
            with :func:`ganlab.plotting.to_uint8`.

        Raises:
            ValueError: for a negative or non-integer n, bad labels, or a
                ``truncation`` outside [0, 1] or without a StyleGenerator.
        """
        if np.ndim(n) != 0 or int(n) != n or n < 0:
            raise ValueError(
                f"n must be a number of images >= 0, got {n!r}; pass the labels "
                "as generate(n, labels=...)."
            )
        n = int(n)
        if (self.num_classes or self.num_generators) and labels is None:
            labels = self.sample_labels(n, seed=seed)
        z = self.noise(n, seed=seed)
        return self.generate_from(
            z, labels=labels, batch_size=batch_size, truncation=truncation
        )

    def noise(self, n: int, *, seed: int | None = None) -> np.ndarray:
        """Standard normal noise (n, latent_dim), float32, as ``generate`` draws it.

        An int ``seed`` uses NumPy's generator, ``default_rng(seed)``, so a
        seed means the same noise, hence the same images, on every backend;
        None advances the model's seed generator.
        """
        if seed is None:
            z = keras.random.normal((n, self.latent_dim), seed=self.seed_generator)
            return keras.ops.convert_to_numpy(z).astype("float32")
        rng = np.random.default_rng(int(seed))
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate_from(
        self,
        z,
        *,
        labels=None,
        batch_size: int = 256,
        truncation: float | None = None,
    ) -> np.ndarray:
        """Images (n, H, W, C) in [-1, 1] for given noise (n, latent_dim)
        and, for a conditional GAN, labels (n,) or (n, K) (None: as
        :meth:`sample_labels` gives them). ``truncation``: ψ in [0, 1] for
        a StyleGenerator sampler, as in :meth:`generate` (a ValueError for
        any other generator)."""
        sampler = self.sampler
        if truncation is not None:
            psi = _check_truncation(truncation, sampler)
            previous = sampler.truncation_psi
            sampler.truncation_psi = psi
            try:
                return self.generate_from(z, labels=labels, batch_size=batch_size)
            finally:
                sampler.truncation_psi = previous
        z = keras.ops.convert_to_numpy(z).astype("float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"Noise must have shape (n, {self.latent_dim}); got {z.shape}."
            )
        inputs, classes = z, self.num_classes or self.num_generators
        if classes:
            if labels is None:
                labels = self.sample_labels(len(z))
            inputs = [z, check_labels(labels, classes, n=len(z))]
        elif labels is not None:
            raise ValueError("This GAN is unconditional: leave labels=None.")
        if len(z) == 0:
            return np.zeros((0, *self.image_shape), "float32")
        out = self.sampler.predict(inputs, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")

    def discriminate(self, images, *, labels=None, batch_size: int = 256) -> np.ndarray:
        """D's logits (n,) on images (uint8 or [-1, 1]) in inference mode.

        Raises:
            ValueError: for bad images or labels, or a packing D (it judges
                packs of m images, not one).
        """
        if getattr(self, "pack", 1) > 1:
            raise ValueError("A packing discriminator judges packs, not images.")
        x = check_images(images, self.image_shape)
        inputs = x
        if self.num_classes is not None:
            inputs = [x, check_labels(labels, self.num_classes, n=len(x))]
        out = self.discriminator.predict(inputs, batch_size=batch_size, verbose=0)
        out = np.asarray(out, "float32").reshape(len(x), -1)
        return out[:, :1].mean(axis=1) if self.num_generators else out.mean(axis=1)


def _check_truncation(truncation, sampler) -> float:
    """ψ as a float in [0, 1], or a ValueError; the sampler must be a
    :class:`ganlab.nets.stylegan.StyleGenerator`."""
    from ganlab.nets.stylegan import StyleGenerator

    if not isinstance(sampler, StyleGenerator):
        raise ValueError(
            "truncation needs a StyleGenerator (a mapping network with a tracked "
            f"mean w, from ganlab.nets.stylegan.make_style_generator); this GAN's "
            f"generator is a {type(sampler).__name__}. Leave truncation=None."
        )
    if np.ndim(truncation) != 0 or not 0.0 <= float(truncation) <= 1.0:
        raise ValueError(f"truncation must be a number in [0, 1], got {truncation!r}.")
    return float(truncation)
