"""Reconstruction losses of image-to-image translation, written in ``keras.ops``.

The adversarial half of Pix2Pix and CycleGAN comes from :mod:`ganlab.losses`
(BCE, least squares, ...); this module holds the other half, the terms that
tie a generator's output to an image it should resemble:

- :func:`l1_loss`: ‖y − G(x)‖₁ against a paired target (Pix2Pix);
- :func:`cycle_consistency_loss`: ‖F(G(a)) − a‖₁ + ‖G(F(b)) − b‖₁, the
  translation there and back must return the input (CycleGAN);
- :func:`identity_loss`: ‖G(b) − b‖₁ + ‖F(a) − a‖₁, a generator fed an
  image already in its output domain should leave it alone (CycleGAN).

Every function returns one value per example, shape (batch,): the mean over
pixels and channels, as ``torch.nn.L1Loss`` in the papers' official code
(so λ = 100 and λ_cyc = 10 keep their meaning). Images are in [-1, 1], so
each per-example value lies in [0, 2] (twice that for the two-way sums).
The weights λ are not applied here: the models multiply.

References:
    Isola et al. 2017, "Image-to-Image Translation with Conditional
    Adversarial Networks" (Pix2Pix), https://arxiv.org/abs/1611.07004.
    Zhu et al. 2017, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks" (CycleGAN),
    https://arxiv.org/abs/1703.10593.
"""

from __future__ import annotations

from keras import ops


def _per_example_mean(x):
    """Mean over every axis but the first: (B, ...) → (B,) float32."""
    x = ops.cast(x, "float32")
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=1)


def l1_loss(target, output):
    """Mean absolute error per example: (1/P) Σ_p |y_p − G(x)_p|.

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


__all__ = ["cycle_consistency_loss", "identity_loss", "l1_loss"]
