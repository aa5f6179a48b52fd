"""Several generators (MGAN) and several discriminators (GMAN) in one GAN.

Both are properties of the networks, read by :class:`ganlab.GAN` from their
shapes, so the one train step serves them too:

- **A mixture of K generators** (MGAN, Hoang et al. 2018, "MGAN: Training
  Generative Adversarial Nets with Multiple Generators",
  https://openreview.net/forum?id=rkmu5b0a-): the generator takes
  ``[z, k]``, with k (batch, K) the one-hot id of the generator that draws
  the sample, and the discriminator takes the sample alone and returns
  1 + K outputs: its real/fake logit, then the logits of a classifier C that
  shares D's trunk and guesses which generator made a fake. As in the
  paper, the K generators share every weight but their first layer
  (:class:`MixtureDense`); k is drawn uniformly. C learns, on fakes only,
  the cross-entropy CE(C(G_k(z)), k); every G_k adds β·CE to its loss (the
  paper's diversity term), so the generators are pushed apart, onto
  different modes. Build the pair with ``num_generators=K`` in
  :func:`ganlab.make_mlp_generator` / :func:`ganlab.make_generator` and in
  the matching discriminator builder; set β with ``GAN.compile(mgan_beta=β)``.
- **N discriminators** (GMAN, Durugkar et al. 2017, "Generative
  Multi-Adversarial Networks", https://arxiv.org/abs/1611.01673): a
  discriminator with N outputs, one logit per independently initialised
  discriminator (:func:`discriminator_ensemble`, or ``num_discriminators=N``
  in the builders). Each D_i learns its own loss V_i; G minimises
  Σ_i softmax(λ·V)_i V_i over the N generator losses, with λ from
  ``GAN.compile(gman_lambda=λ)``: λ = 0 (the default) is GMAN's mean, λ = ∞
  its max (the hardest discriminator only).

Every loss here is per example, shape (batch,), like those of
:mod:`ganlab.gan.losses`, and works for any elementwise adversarial loss.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="ganlab")
class MixtureDense(layers.Layer):
    """K dense layers, one per generator, applied to [z, k]: the first layer
    of an MGAN generator mixture (Hoang et al. 2018).

    ``[z (batch, d), k (batch, K) one-hot] → z W_k + b_k (batch, units)``,
    with K independent (d, units) kernels and (units,) biases. A soft k
    mixes the K layers' outputs linearly.

    Args:
        units: output size.
        kernel_initializer: initializer of each W_k.
    """

    def __init__(self, units: int, *, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        z_shape, k_shape = input_shape
        self.kernel = self.add_weight(
            shape=(int(k_shape[-1]), int(z_shape[-1]), self.units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(int(k_shape[-1]), self.units), initializer="zeros", name="bias"
        )

    def call(self, inputs):
        z, k = inputs
        k = ops.cast(k, z.dtype)
        return ops.einsum("bd,bk,kdu->bu", z, k, self.kernel) + ops.matmul(k, self.bias)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }


def check_count(value, what: str) -> int:
    """``value`` as an int ≥ 2, or a ValueError naming ``what``."""
    if value is None or int(value) != value or int(value) < 2:
        raise ValueError(
            f"{what} must be an integer of at least 2, got {value!r} (leave it "
            "None for a single one)."
        )
    return int(value)


def mixture_inputs(latent_dim: int, num_generators: int):
    """The Keras inputs ``z`` (batch, latent_dim) and ``k`` (batch, K) of a
    K-generator mixture."""
    z = keras.Input((latent_dim,), name="z")
    k = keras.Input((check_count(num_generators, "num_generators"),), name="generator")
    return z, k


def mixture_head(features, num_generators: int, *, spectral_norm: bool = False):
    """D's real/fake logit and MGAN's classifier on shared ``features``:
    (batch, F) → (batch, 1 + K) float32, the logit first."""
    logit = layers.Dense(1, dtype="float32", name="logit")
    classifier = layers.Dense(
        check_count(num_generators, "num_generators"),
        dtype="float32",
        name="generator_logits",
    )
    if spectral_norm:
        logit = layers.SpectralNormalization(logit, name="sn_logit")
        classifier = layers.SpectralNormalization(classifier, name="sn_classifier")
    return layers.Concatenate(dtype="float32", name="logit_and_generator")(
        [logit(features), classifier(features)]
    )


def discriminator_ensemble(
    discriminators, *, name: str = "discriminator_ensemble"
) -> keras.Model:
    """N discriminators as one network with N logits: GMAN's discriminators
    (Durugkar et al. 2017).

    Args:
        discriminators: N ≥ 2 built models with the same input(s) and one
            logit each, (batch, 1), independently initialised (e.g. N calls
            of :func:`ganlab.make_mlp_discriminator`). Members whose names
            repeat are renamed ``{name}_{i}``.
        name: the ensemble's name.

    Returns:
        A functional model mapping D's input to (batch, N) float32 logits,
        column i from discriminator i. :class:`ganlab.GAN` trains each
        column against its own loss and G against their mean (or softmax
        mean, ``compile(gman_lambda=λ)``).

    Raises:
        ValueError: for fewer than two members, members with different
            inputs, or members with more than one output.
    """
    members = list(discriminators)
    check_count(len(members), "The number of discriminators")
    shapes = {str(d.input_shape) for d in members}
    if len(shapes) != 1:
        raise ValueError(
            "Every discriminator of an ensemble must take the same input; got "
            f"input shapes {sorted(shapes)}."
        )
    for d in members:
        if tuple(d.output_shape[1:]) != (1,):
            raise ValueError(
                f"Each member must output one logit, (batch, 1); {d.name!r} "
                f"outputs {d.output_shape}."
            )
    names = [d.name for d in members]
    if len(set(names)) < len(names):
        for i, d in enumerate(members):
            d.name = f"{name}_{i}"
    d_in = members[0].input_shape
    if isinstance(d_in, list):
        inputs = [keras.Input(tuple(s[1:])) for s in d_in]
    else:
        inputs = keras.Input(tuple(d_in[1:]))
    logits = layers.Concatenate(dtype="float32", name="logits")(
        [d(inputs) for d in members]
    )
    return keras.Model(inputs, logits, name=name)


def num_heads(generator, discriminator) -> tuple[int | None, int]:
    """(K generators or None, N discriminators) read from the networks.

    A generator on ``[z, k]`` with a discriminator on samples alone is a
    K-generator mixture, whose discriminator must output 1 + K values;
    otherwise D's output width is the number of discriminators N.

    Raises:
        ValueError: when a mixture's discriminator does not output 1 + K.
    """
    g_in, d_in = generator.input_shape, discriminator.input_shape
    width = int(discriminator.output_shape[-1] or 1)
    if len(discriminator.output_shape) == 1:  # (batch,): one logit
        width = 1
    if isinstance(g_in, list) and not isinstance(d_in, list):
        k = int(g_in[1][-1])
        if width != 1 + k:
            raise ValueError(
                "Either both networks take labels (a generator on [z, y], a "
                "discriminator on [x, y]) or neither does; build both with the "
                f"same num_classes. Or, for a mixture of {k} generators (MGAN), "
                f"the generator takes [z, k] and the discriminator samples alone "
                f"with 1 + {k} = {1 + k} outputs (its logit, then a classifier's "
                f"{k} logits): build it with num_generators={k}. This one "
                f"outputs {width}."
            )
        return k, 1
    return None, width


def split_logits(logits, num_generators: int | None):
    """D's outputs → (adversarial logits (batch, N), classifier logits
    (batch, K) or None)."""
    logits = ops.cast(logits, "float32")
    if len(logits.shape) == 1:
        logits = ops.expand_dims(logits, -1)
    if not num_generators:
        return logits, None
    return logits[:, :1], logits[:, 1:]


def adversarial_output(logits, num_generators: int | None):
    """One real/fake output per example, (batch, 1): the logit of a single
    D or of a mixture's D, the mean logit of N discriminators. What the
    gradient penalties (R1, R2, WGAN-GP) are taken on."""
    adversarial, _ = split_logits(logits, num_generators)
    if adversarial.shape[-1] == 1:
        return adversarial
    return ops.mean(adversarial, axis=-1, keepdims=True)


def classifier_loss(classifier_logits, generator_ids):
    """MGAN's CE(C(x), k) per example, (batch,) ≥ 0, for one-hot (or soft)
    generator ids (batch, K)."""
    return ops.categorical_crossentropy(
        ops.cast(generator_ids, "float32"), classifier_logits, from_logits=True
    )


def per_critic(per_example, adversarial):
    """A loss flattened by :mod:`ganlab.gan.losses`, (batch·N,), back to
    (batch, N): one column per discriminator."""
    return ops.reshape(per_example, (ops.shape(adversarial)[0], -1))


def softmax_mean(losses, gman_lambda: float):
    """GMAN's generator objective, per example: (batch, N) → (batch,).

    Σ_i w_i ℓ_i with w = softmax(λ · V), V_i the batch mean of column i
    (discriminator i's loss for G). λ = 0 gives the plain mean, λ = ∞ the
    max (w one-hot at the largest V_i); w is differentiated through, as G
    minimises the softmax mean itself (Durugkar et al. 2017, section 3).
    """
    n = losses.shape[-1]
    if n == 1:
        return losses[:, 0]
    values = ops.mean(losses, axis=0)
    if math.isinf(gman_lambda):
        weights = ops.one_hot(ops.argmax(values), n, dtype=losses.dtype)
    else:
        weights = ops.softmax(gman_lambda * values)
    return ops.sum(losses * weights, axis=-1)


def discriminator_loss(
    loss_fn, real_logits, fake_logits, *, generator_ids=None, num_generators=None
):
    """D's loss per example, (batch,): the mean over the N discriminators of
    ``loss_fn``'s discriminator loss, plus, for a K-generator mixture, the
    classifier's CE(C(G_k(z)), k) on the fakes (weight 1, as in the MGAN
    authors' code)."""
    real, _ = split_logits(real_logits, num_generators)
    fake, classifier = split_logits(fake_logits, num_generators)
    per = per_critic(loss_fn.discriminator_loss(real, fake), real)
    per = ops.mean(per, axis=-1)
    if num_generators:
        per = per + classifier_loss(classifier, generator_ids)
    return per


def generator_loss(
    loss_fn,
    fake_logits,
    *,
    generator_ids=None,
    num_generators=None,
    mgan_beta: float = 1.0,
    gman_lambda: float = 0.0,
):
    """G's loss per example, (batch,): ``loss_fn``'s generator loss against
    each discriminator, combined by :func:`softmax_mean`, plus, for a
    K-generator mixture, β·CE(C(G_k(z)), k), MGAN's diversity term."""
    fake, classifier = split_logits(fake_logits, num_generators)
    per = softmax_mean(per_critic(loss_fn.generator_loss(fake), fake), gman_lambda)
    if num_generators:
        per = per + mgan_beta * classifier_loss(classifier, generator_ids)
    return per


def check_options(num_generators, mgan_beta, gman_lambda, pack) -> None:
    """A ValueError for MGAN/GMAN options that do not fit the networks."""
    if float(mgan_beta) < 0:
        raise ValueError(f"mgan_beta must be >= 0, got {mgan_beta}.")
    if math.isnan(float(gman_lambda)) or float(gman_lambda) < 0:
        raise ValueError(
            f"gman_lambda must be >= 0 (0: the mean, inf: the max), got {gman_lambda}."
        )
    if num_generators and int(pack) > 1:
        raise ValueError(
            "A mixture of generators (MGAN) cannot be packed: its classifier "
            "judges one sample at a time. Use pack=1."
        )
