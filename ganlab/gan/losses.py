"""Adversarial losses, written on the discriminator's logits.

The discriminator ends in one linear logit ``l``, and ``D(x) = sigmoid(l)``.
Every loss here takes logits, never probabilities: a sigmoid output fed to a
loss built with ``from_logits=True`` applies the sigmoid twice, squeezes
``D(x)`` into [0.5, 0.73] and leaves the networks almost no gradient.
Working from logits is also numerically stable: ``log(sigmoid(l))`` is
computed as ``-softplus(-l)``, which never takes the log of 0.

Each function returns one loss per example, shape (batch,), so the train step
can average it over the global batch when training is distributed.

Reference: Goodfellow et al. 2014, "Generative Adversarial Nets",
https://arxiv.org/abs/1406.2661. The two players play the minimax game

    min_G max_D V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].
"""

from __future__ import annotations

import keras
from keras import ops


def _flat(logits):
    """Logits of shape (batch,) or (batch, 1) as (batch,) float32."""
    return ops.reshape(ops.cast(logits, "float32"), (-1,))


def bce_discriminator_loss(real_logits, fake_logits, label_smoothing: float = 0.0):
    """Binary cross-entropy loss of the discriminator, per example.

    The discriminator maximizes V(D, G), i.e. minimizes

        L_D = -log D(x) - log(1 - D(G(z))),

    the cross-entropy with target 1 on a real image and 0 on a generated one.
    With one-sided label smoothing s (Salimans et al. 2016, "Improved
    Techniques for Training GANs", https://arxiv.org/abs/1606.03498) the real
    target becomes 1 - s and the fake target stays 0:

        L_D = -(1 - s) log D(x) - s log(1 - D(x)) - log(1 - D(G(z))).

    Args:
        real_logits: logits on real images, shape (batch,) or (batch, 1).
        fake_logits: logits on generated images, same shape.
        label_smoothing: s in [0, 1); 0 turns smoothing off, 0.1 is usual.

    Returns:
        Per-example loss, shape (batch,), values >= 0: the real term of
        example i plus the fake term of example i.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing}.")
    real, fake = _flat(real_logits), _flat(fake_logits)
    real_target = ops.full_like(real, 1.0 - label_smoothing)
    real_term = ops.binary_crossentropy(real_target, real, from_logits=True)
    fake_term = ops.binary_crossentropy(ops.zeros_like(fake), fake, from_logits=True)
    return real_term + fake_term


def bce_generator_loss(fake_logits, saturating: bool = False):
    """Binary cross-entropy loss of the generator, per example.

    Non-saturating (default, Goodfellow et al. 2014, section 3): the generator
    maximizes log D(G(z)), i.e. minimizes

        L_G = -log D(G(z)).

    Saturating (the minimax game as written): the generator minimizes

        L_G = log(1 - D(G(z))).

    Early in training D rejects every sample, D(G(z)) is near 0, and the
    saturating loss has a gradient near 0 there: the generator barely learns.
    The non-saturating loss has the same fixed point and a strong gradient
    exactly when the generator is losing.

    Args:
        fake_logits: discriminator logits on generated images, (batch,) or
            (batch, 1).
        saturating: use the minimax loss log(1 - D(G(z))) instead.

    Returns:
        Per-example loss, shape (batch,). Non-saturating values are >= 0;
        saturating values are <= 0.
    """
    fake = _flat(fake_logits)
    if saturating:
        # log(1 - sigmoid(l)) = -BCE(target 0, l)
        return -ops.binary_crossentropy(ops.zeros_like(fake), fake, from_logits=True)
    return ops.binary_crossentropy(ops.ones_like(fake), fake, from_logits=True)


def least_squares_discriminator_loss(real_logits, fake_logits):
    """Least-squares (LSGAN) loss of the discriminator, per example.

    Mao et al. 2017, "Least Squares Generative Adversarial Networks",
    https://arxiv.org/abs/1611.04076, with targets a = 0 (fake), b = 1 (real):

        L_D = ½ (D(x) - 1)² + ½ D(G(z))²,

    on the raw output D(x) (the "logit", no sigmoid). The quadratic penalty
    keeps pulling samples that lie far on the real side of the boundary, so
    gradients do not vanish where BCE saturates.

    Returns:
        Per-example loss, shape (batch,), values >= 0.
    """
    real, fake = _flat(real_logits), _flat(fake_logits)
    return 0.5 * ops.square(real - 1.0) + 0.5 * ops.square(fake)


def least_squares_generator_loss(fake_logits):
    """Least-squares loss of the generator, per example (target c = 1).

        L_G = ½ (D(G(z)) - 1)².

    Returns:
        Per-example loss, shape (batch,), values >= 0.
    """
    return 0.5 * ops.square(_flat(fake_logits) - 1.0)


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss, per example.

    Arjovsky et al. 2017, "Wasserstein GAN", https://arxiv.org/abs/1701.07875:
    the critic f estimates W(P_r, P_g) = max_{‖f‖_L ≤ 1} E f(x) - E f(G(z)),
    so it minimizes

        L_D = f(G(z)) - f(x).

    The Lipschitz constraint is not in this loss: add it with
    ``GAN.compile(gradient_penalty=10.0)`` (WGAN-GP, Gulrajani et al. 2017)
    or a spectrally normalized critic.

    Returns:
        Per-example loss, shape (batch,), any real value.
    """
    return _flat(fake_logits) - _flat(real_logits)


def wasserstein_generator_loss(fake_logits):
    """Wasserstein generator loss, per example: L_G = -f(G(z)), any real value."""
    return -_flat(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss, per example (Lim & Ye 2017, "Geometric GAN",
    https://arxiv.org/abs/1705.02894; Miyato et al. 2018):

        L_D = max(0, 1 - D(x)) + max(0, 1 + D(G(z)))

    on D's raw outputs. D stops being pushed once a real scores above 1 and
    a fake below -1, so it cannot grow its outputs without bound.
    """
    return ops.relu(1.0 - _flat(real_logits)) + ops.relu(1.0 + _flat(fake_logits))


def hinge_generator_loss(fake_logits):
    """Hinge generator loss, per example: L_G = -D(G(z)), any real value."""
    return -_flat(fake_logits)


@keras.saving.register_keras_serializable(package="ganlab")
class AdversarialLoss:
    """Base class: a pair of per-example losses for D and G.

    Subclasses implement ``discriminator_loss(real_logits, fake_logits)`` and
    ``generator_loss(fake_logits)``, each returning shape (batch,), and
    ``get_config``. They are saved with the model's compile config.
    """

    name = "adversarial"

    def discriminator_loss(self, real_logits, fake_logits):
        raise NotImplementedError

    def generator_loss(self, fake_logits):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@keras.saving.register_keras_serializable(package="ganlab")
class BCE(AdversarialLoss):
    """The original GAN loss: binary cross-entropy on logits.

    See :func:`bce_discriminator_loss` and :func:`bce_generator_loss` for the
    formulas.

    Args:
        saturating: train G with the minimax loss log(1 - D(G(z))) instead of
            the non-saturating -log D(G(z)).
        label_smoothing: one-sided label smoothing s for D's real targets.
    """

    name = "bce"

    def __init__(self, saturating: bool = False, label_smoothing: float = 0.0):
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f"label_smoothing must be in [0, 1), got {label_smoothing}."
            )
        self.saturating = bool(saturating)
        self.label_smoothing = float(label_smoothing)

    def discriminator_loss(self, real_logits, fake_logits):
        return bce_discriminator_loss(real_logits, fake_logits, self.label_smoothing)

    def generator_loss(self, fake_logits):
        return bce_generator_loss(fake_logits, saturating=self.saturating)

    def get_config(self) -> dict:
        return {"saturating": self.saturating, "label_smoothing": self.label_smoothing}


@keras.saving.register_keras_serializable(package="ganlab")
class LeastSquares(AdversarialLoss):
    """The LSGAN loss (Mao et al. 2017); see
    :func:`least_squares_discriminator_loss` for the formulas."""

    name = "least_squares"

    def discriminator_loss(self, real_logits, fake_logits):
        return least_squares_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return least_squares_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package="ganlab")
class Wasserstein(AdversarialLoss):
    """The WGAN loss (Arjovsky et al. 2017); see
    :func:`wasserstein_discriminator_loss`.

    Use it with a Lipschitz constraint on the critic:
    ``gan.compile(loss="wasserstein", gradient_penalty=10.0, d_steps=5)`` is
    WGAN-GP (Gulrajani et al. 2017). The logged ``d_real``/``d_fake`` are
    sigmoids of critic values and have no probability meaning here.
    """

    name = "wasserstein"

    def discriminator_loss(self, real_logits, fake_logits):
        return wasserstein_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return wasserstein_generator_loss(fake_logits)


@keras.saving.register_keras_serializable(package="ganlab")
class Hinge(AdversarialLoss):
    """The hinge loss of SN-GAN, SAGAN and BigGAN; see
    :func:`hinge_discriminator_loss`. ``d_real``/``d_fake`` are sigmoids of
    D's raw outputs."""

    name = "hinge"

    def discriminator_loss(self, real_logits, fake_logits):
        return hinge_discriminator_loss(real_logits, fake_logits)

    def generator_loss(self, fake_logits):
        return hinge_generator_loss(fake_logits)


_NAMED_LOSSES = {
    "bce": lambda: BCE(),
    "non_saturating": lambda: BCE(),
    "minimax": lambda: BCE(saturating=True),
    "saturating": lambda: BCE(saturating=True),
    "least_squares": lambda: LeastSquares(),
    "lsgan": lambda: LeastSquares(),
    "wasserstein": lambda: Wasserstein(),
    "wgan": lambda: Wasserstein(),
    "hinge": lambda: Hinge(),
}


def get(identifier: str | AdversarialLoss | dict) -> AdversarialLoss:
    """Turn a name, config dict or loss object into an :class:`AdversarialLoss`.

    Names: ``"bce"`` / ``"non_saturating"`` (the default GAN loss),
    ``"minimax"`` / ``"saturating"``, ``"least_squares"`` / ``"lsgan"`` and
    ``"wasserstein"`` / ``"wgan"`` and ``"hinge"``.
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, dict):
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, str) and identifier.lower() in _NAMED_LOSSES:
        return _NAMED_LOSSES[identifier.lower()]()
    raise ValueError(
        f"Unknown adversarial loss {identifier!r}. Use one of "
        f"{sorted(_NAMED_LOSSES)} or an instance of ganlab.gan.losses.AdversarialLoss."
    )


# --------------------------------------------------------------- penalties --
def _input_gradients(critic, points):
    """∇_x D(x) at ``points``, flattened per example: (batch, H·W·C)."""
    from ganlab.backend import value_and_grad

    def total(x):
        return ops.sum(ops.cast(critic(x), "float32")), None

    _, grads = value_and_grad(total)(ops.convert_to_tensor(points))
    return ops.reshape(grads, (ops.shape(grads)[0], -1))


def gradient_penalty(critic, points):
    """(‖∇_x D(x)‖₂ - 1)² per example, shape (batch,), at ``points``.

    The WGAN-GP penalty (Gulrajani et al. 2017, "Improved Training of
    Wasserstein GANs", https://arxiv.org/abs/1704.00028) without its weight
    λ: ``GAN.compile(gradient_penalty=λ)`` adds λ (‖∇D(x̂)‖₂ - 1)² to D's
    loss at x̂ = εx + (1 - ε)G(z), ε ~ U[0, 1] per example, which keeps the
    critic close to 1-Lipschitz between the two distributions.

    Args:
        critic: a function from images (batch, ...) to outputs (batch, 1);
            the gradient is taken per example over all non-batch axes.
        points: the images to take the gradient at.
    """
    grads = _input_gradients(critic, points)
    norm = ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12)
    return ops.square(norm - 1.0)


def r1_penalty(critic, points):
    """‖∇_x D(x)‖₂² per example, shape (batch,), at ``points``.

    With real images this is the R1 regulariser (Mescheder et al. 2018,
    "Which Training Methods for GANs do actually Converge?",
    https://arxiv.org/abs/1801.04406), with generated ones R2.
    ``GAN.compile(r1=γ)`` adds (γ/2)·‖∇D(x)‖² on the real batch to D's loss
    (``r2=γ`` the same on fakes): D is penalised for a steep slope on the
    data, so it cannot push G's samples around with huge gradients near the
    equilibrium. StyleGAN2 trains with R1.
    """
    return ops.sum(ops.square(_input_gradients(critic, points)), axis=1)


def pack_samples(x, m: int):
    """Group a batch into packs of m samples concatenated on the last axis.

    PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative
    adversarial networks", https://arxiv.org/abs/1712.04086): D judges m
    samples at once, and a collapsed generator's packs hold near-identical
    samples, which D spots easily. (B, ..., C) → (B/m, ..., m·C): sample j
    of pack i is x[i·m + j], placed at channels [j·C, (j + 1)·C). Labels
    (B, K) are packed the same way into (B/m, m·K). B must be a multiple of
    m.
    """
    shape = tuple(x.shape[1:])
    x = ops.reshape(x, (-1, m) + shape)
    rank = len(shape) + 2
    # Move the pack axis (1) just before the channel axis, then merge them.
    perm = [0] + list(range(2, rank - 1)) + [1, rank - 1]
    x = ops.transpose(x, perm)
    return ops.reshape(x, (-1,) + shape[:-1] + (m * shape[-1],))


# ------------------------------------------ image-to-image translation --
# Reconstruction losses of image-to-image translation, written in ``keras.ops``.
#
# The adversarial half of Pix2Pix and CycleGAN is one of the losses above
# (BCE, least squares, ...); these are the other half, the terms that tie a
# generator's output to an image it should resemble:
#
# - :func:`l1_loss`: ‖y − G(x)‖₁ against a paired target (Pix2Pix);
# - :func:`cycle_consistency_loss`: ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁, the
#   translation there and back must return the input (CycleGAN);
# - :func:`identity_loss`: ‖G(b) − b‖₁ + ‖F(a) − a‖₁, a generator fed an
#   image already in its output domain should leave it alone (CycleGAN).
#
# Every function returns one value per example, shape (batch,): the mean over
# pixels and channels, as ``torch.nn.L1Loss`` in the papers' official code
# (so λ = 100 and λ_cyc = 10 keep their meaning). Images are in [-1, 1], so
# each per-example value lies in [0, 2] (twice that for the two-way sums).
# The weights λ are not applied here: the models multiply.
#
# References:
#     Isola et al. 2017, "Image-to-Image Translation with Conditional
#     Adversarial Networks" (Pix2Pix), https://arxiv.org/abs/1611.07004.
#     Zhu et al. 2017, "Unpaired Image-to-Image Translation using
#     Cycle-Consistent Adversarial Networks" (CycleGAN),
#     https://arxiv.org/abs/1703.10593.


def _per_example_mean(x):
    """Mean over every axis but the first: (B, ...) → (B,) float32."""
    x = ops.cast(x, "float32")
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=1)


def l1_loss(target, output):
    """Mean absolute error per example: (1/P) Σ_p abs(y_p − G(x)_p).

    The reconstruction term of Pix2Pix (Isola et al. 2017, eq. 3),
    L_L1(G) = E_{x,y}[‖y − G(x)‖₁], here averaged over the P = H·W·C pixel
    values of each image. The paper prefers L1 to L2 because it blurs less;
    alone it still gives blurry outputs (its Figure 4), which the cGAN term
    sharpens.

    Args:
        target: y, shape (B, H, W, C) (any shape (B, ...)), in [-1, 1].
        output: G(x), the same shape.

    Returns:
        Per-example loss, shape (B,), float32, values in [0, 2] for images
        in [-1, 1].
    """
    return _per_example_mean(
        ops.abs(ops.cast(target, "float32") - ops.cast(output, "float32"))
    )


def cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b):
    """Cycle-consistency loss of CycleGAN per example, without its weight λ.

    Zhu et al. 2017, eq. 2, with G: A → B and F: B → A:

        L_cyc(G, F) = E_a[‖F(G(a)) − a‖₁] + E_b[‖G(F(b)) − b‖₁],

    each norm averaged over the image's pixel values (see :func:`l1_loss`).
    Example i pairs a_i with b_i, which are unrelated images (the data is
    unpaired): only the batch mean has a meaning. CycleGAN minimizes
    λ_cyc · L_cyc with λ_cyc = 10.

    Args:
        real_a: a, images of domain A, (B, H, W, C_a) in [-1, 1].
        cycled_a: F(G(a)), the same shape.
        real_b: b, images of domain B, (B, H, W, C_b) in [-1, 1], the same
            batch size B.
        cycled_b: G(F(b)), the same shape as real_b.

    Returns:
        Per-example loss, shape (B,), float32, values in [0, 4].
    """
    return l1_loss(real_a, cycled_a) + l1_loss(real_b, cycled_b)


def identity_loss(real_a, same_a, real_b, same_b):
    """Identity-mapping loss of CycleGAN per example, without its weight.

    Zhu et al. 2017, section 5.2 (after Taigman et al. 2017): each generator,
    given an image already in its output domain, should return it unchanged,

        L_identity(G, F) = E_b[‖G(b) − b‖₁] + E_a[‖F(a) − a‖₁],

    with G: A → B and F: B → A, each norm averaged over pixel values. It
    keeps colours (here: intensities) from drifting when the adversarial
    and cycle terms do not pin them down. The paper weights it by
    0.5 · λ_cyc. It needs both domains to have the same image shape.

    Args:
        real_a: a, (B, H, W, C) in [-1, 1].
        same_a: F(a), the B → A generator applied to a, the same shape.
        real_b: b, (B, H, W, C) in [-1, 1], the same batch size B.
        same_b: G(b), the A → B generator applied to b, the same shape.

    Returns:
        Per-example loss, shape (B,), float32, values in [0, 4].
    """
    return l1_loss(real_a, same_a) + l1_loss(real_b, same_b)
