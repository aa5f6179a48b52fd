"""``GAN.compile``'s options as one documented object: :class:`GANOptions`.

``gan.compile(loss="hinge", r1=1.0)`` builds ``GANOptions(loss="hinge",
r1=1.0)``, checks it, and keeps it as ``gan.options``; ``compile`` also takes
a ready ``GANOptions`` (``gan.compile(options=opts)``), which suits a course
that varies one remedy at a time (``dataclasses.replace(opts, pack=2)``).
The model's compile config (what ``.keras`` files hold) is the options'
fields by name, with the optimizers.
"""

from __future__ import annotations

import dataclasses
import difflib

from ganlab.gan.checks import check_options, check_remedies

# keras.Model.compile arguments a GAN passes through (its own loss and
# optimizers are the two players').
KERAS_COMPILE_KEYS = (
    "jit_compile",
    "steps_per_execution",
    "run_eagerly",
    "auto_scale_loss",
)


@dataclasses.dataclass(frozen=True)
class GANOptions:
    """How a :class:`ganlab.GAN` trains: its loss, schedule and remedies.

    Attributes:
        loss: an :class:`ganlab.gan.losses.AdversarialLoss` or its name
            (``"bce"``, the non-saturating default, ``"minimax"``,
            ``"least_squares"``, ``"wasserstein"``, ``"hinge"``).
        d_steps: discriminator updates per generator update (k in
            Goodfellow et al. 2014, Algorithm 1). Each D step draws new
            noise and reuses the real batch.
        simultaneous: update D and G from one generator pass, as the
            TensorFlow DCGAN tutorial does; requires ``d_steps=1`` and no
            penalty or unrolling.
        gradient_penalty: λ of WGAN-GP (see
            :func:`ganlab.gan.losses.gradient_penalty`); 10 is the paper's value,
            with ``loss="wasserstein"`` and ``d_steps=5``.
        r1: γ of the R1 penalty (γ/2)‖∇D(x)‖² on real images
            (:func:`ganlab.gan.losses.r1_penalty`); 0 is off.
        r2: γ of the same penalty on generated images.
        instance_noise: σ₀ of annealed instance noise (Sønderby et al. 2017,
            https://arxiv.org/abs/1610.04490; Arjovsky & Bottou 2017): D sees
            x + σ_t n and G(z) + σ_t n, n ~ N(0, I), in its own and in G's
            update, with σ_t = σ₀ max(0, 1 - t/T) after t generator steps,
            so that the two distributions overlap.
        instance_noise_steps: T, the steps over which σ decays to 0.
        unrolled_steps: k of the unrolled GAN (Metz et al. 2017,
            https://arxiv.org/abs/1611.02163): G's loss is taken through a
            copy of D advanced k SGD steps on the current batch,
            θ_{i+1} = θ_i - η ∇_θ L_D(θ_i), differentiated through all k
            steps; the real D is untouched. Costs ~2k extra D passes.
        unrolled_lr: η of those steps; D's learning rate when None.
        pack: m of PacGAN (:func:`ganlab.gan.losses.pack_samples`); D must take
            m·C channels (``make_discriminator(pack=m)``) and the batch size
            must be a multiple of m.
        ema: β of an exponential moving average of G's weights (Karras et
            al. 2018, https://arxiv.org/abs/1710.10196; Yazıcı et al. 2019,
            https://arxiv.org/abs/1806.04498): after every G update
            θ_ema ← β_t θ_ema + (1 - β_t) θ with β_t = min(β, (1 + t) /
            (10 + t)); BatchNorm statistics are copied. ``generate`` then
            samples from ``gan.ema_generator``. 0 is off.
        augment: augmentation of every image D sees, real and fake, in every
            update (:mod:`ganlab.gan.augment`): ``"diffaugment"`` (Zhao et al.
            2020), ``"ada"`` (Karras et al. 2020), an augmenter object, or
            None.
        ada_target: the target of ADA's overfitting signal
            r_t = E[sign(D(x))]; p rises while r_t is above it.
        ada_speed: images over which p may move from 0 to 1. The paper uses
            500,000; 100,000 suits CPU-length runs.
        mgan_beta: β of MGAN's diversity term β·CE(C(G_k(z)), k) in G's loss,
            for a mixture of generators (:mod:`ganlab.gan.mixtures`).
        gman_lambda: λ of GMAN's softmax mean of N discriminators' losses for
            G: 0 the mean, ``float("inf")`` the max.
        style_mixing: the probability that a training batch mixes two
            latents' styles (Karras et al. 2019, section 3.1), for a
            style-based generator (:class:`ganlab.nets.StyleGenerator`,
            whose ``mixing`` it sets, for this and later compiles); None
            keeps the generator's own (0.9 by default: a StyleGenerator mixes
            unless given 0).
        progressive: T of progressive growing (Karras et al. 2018,
            https://arxiv.org/abs/1710.10196; :mod:`ganlab.gan.progressive`):
            T generator steps at 4×4, then each higher resolution faded in
            over T steps and trained T steps (full resolution after 2L·T
            steps, L = log₂(H / 4), counted by the generator so that resuming
            goes on growing); D sees real and fake images at the same level
            of detail. Needs a StyleGenerator; 0 is off.

    Raises:
        ValueError: options out of range or that do not fit together (the
            checks that need the networks, e.g. ``pack``, run in
            ``GAN.compile``).
    """

    loss: object = "bce"
    d_steps: int = 1
    simultaneous: bool = False
    gradient_penalty: float = 0.0
    r1: float = 0.0
    r2: float = 0.0
    instance_noise: float = 0.0
    instance_noise_steps: int = 10_000
    unrolled_steps: int = 0
    unrolled_lr: float | None = None
    pack: int = 1
    ema: float = 0.0
    augment: object = None
    ada_target: float = 0.6
    ada_speed: int = 100_000
    mgan_beta: float = 1.0
    gman_lambda: float = 0.0
    style_mixing: float | None = None
    progressive: int = 0

    def __post_init__(self):
        for name in ("progressive", "style_mixing"):
            if isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"{name} takes a number, not {getattr(self, name)}: "
                    + (
                        "T, the steps per phase (e.g. 150)"
                        if name == "progressive"
                        else "a probability (e.g. 0.9; 0 turns mixing off)"
                    )
                    + "."
                )
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            cast = _CASTS.get(field.name)
            if cast is int and value != int(value):
                raise ValueError(f"{field.name} must be a whole number, got {value}.")
            if cast is not None and value is not None:
                object.__setattr__(self, field.name, cast(value))
        extras = self.gradient_penalty + self.r1 + self.r2 + self.unrolled_steps
        check_options(self.d_steps, self.simultaneous, extras)
        if self.style_mixing is not None and not 0.0 <= self.style_mixing <= 1.0:
            raise ValueError(
                "style_mixing must be a probability in [0, 1], got "
                f"{self.style_mixing}."
            )
        if self.progressive < 0:
            raise ValueError(
                f"progressive must be >= 0 steps per phase, got {self.progressive}."
            )
        check_remedies(
            self.gradient_penalty, self.r1, self.r2, self.instance_noise,
            self.instance_noise_steps, self.unrolled_steps, self.ema,
        )  # fmt: skip

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The options' names, in order."""
        return tuple(field.name for field in dataclasses.fields(cls))


_CASTS = {
    "d_steps": int,
    "simultaneous": bool,
    "instance_noise_steps": int,
    "unrolled_steps": int,
    "pack": int,
    "ada_speed": int,
    "progressive": int,
    **{
        name: float
        for name in (
            "gradient_penalty",
            "r1",
            "r2",
            "instance_noise",
            "unrolled_lr",
            "ema",
            "ada_target",
            "mgan_beta",
            "gman_lambda",
            "style_mixing",
        )  # fmt: skip
    },
}


def split_compile_arguments(options, kwargs: dict) -> tuple[GANOptions, dict]:
    """``GAN.compile``'s keywords as (GANOptions, keras.Model.compile's).

    Args:
        options: a :class:`GANOptions`, or None for the defaults.
        kwargs: option fields by name (they override ``options``) and
            :data:`KERAS_COMPILE_KEYS`.

    Raises:
        ValueError: an unknown keyword, with the closest option's name.
    """
    names = GANOptions.names()
    unknown = [k for k in kwargs if k not in names and k not in KERAS_COMPILE_KEYS]
    if unknown:
        known = names + KERAS_COMPILE_KEYS
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"GAN.compile got unknown option(s) {unknown}.{hint} The options are "
            f"GANOptions' fields ({', '.join(names)}) and keras.Model.compile's "
            f"{', '.join(KERAS_COMPILE_KEYS)}."
        )
    if options is not None and not isinstance(options, GANOptions):
        raise ValueError(
            f"options must be a ganlab.GANOptions; got {type(options).__name__}."
        )
    fields = {k: v for k, v in kwargs.items() if k in names}
    options = (
        GANOptions(**fields)
        if options is None
        else dataclasses.replace(options, **fields)
    )
    return options, {k: v for k, v in kwargs.items() if k in KERAS_COMPILE_KEYS}
