"""The diagnoses of GAN training: what each one is called, the evidence
that triggers it, why it matters and the ganlab options to try.

:func:`diagnose` turns one check's *signals* (floats measured by
:class:`ganlab.diagnosis.doctor.GANDoctor`) into :class:`Diagnosis` objects, one rule
per failure: divergence, a discriminator that wins, mode collapse,
oscillation and discriminator overfitting. :class:`Thresholds` says where
each starts. It is pure Python and can replay recorded signals
(bench/doctor.py).

The thresholds were checked on MNIST runs broken on purpose and on healthy
ones (bench/doctor.py; bench/results/doctor.md): each broken run named, no
alarm on 5 healthy seeds of the default recipe.
"""

from __future__ import annotations

import dataclasses
import math

DIVERGED = "diverged"
DISCRIMINATOR_WINS = "discriminator wins / vanishing generator gradients"
MODE_COLLAPSE = "mode collapse"
OSCILLATION = "oscillation / unstable training"
OVERFITTING = "discriminator overfitting (memorises the training set)"

#: Running means that ``GAN.fit`` puts in its batch logs.
LOG_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Where each diagnosis starts (a value *at* the edge triggers it).

    Attributes:
        d_real: D(x) ≥ this ...
        d_fake: ... and D(G(z)) ≤ this: D tells real from fake almost surely
            (at the equilibrium both are 1/2, Goodfellow et al. 2014).
            D(G(z)) ≤ d_fake with G's gradient at ≤ ``g_grad_ratio`` of its
            peak is enough on its own.
        g_grad_ratio: G's gradient norm over its largest earlier window.
        diversity: sample diversity ≤ this is collapse: collapsed MNIST runs
            measure far below it, remedied ones near 1
            (bench/results/mnist_collapse.md).
        spread: RMS per-pixel distance between two samples ≤ this (range
            [-1, 1]) means nearly identical samples, with or without reals.
        class_kl: KL(class histogram ‖ uniform) ≥ this, in nats, on MNIST:
            log 10 = 2.3 is one class, 1.0 about 4 classes evenly filled;
            collapsed runs gave 1.7–2.3, poor but varied ones 0.24–0.64.
        loss_oscillation: back-and-forth movement of the loss window means,
            per window, over their level (see
            :func:`ganlab.diagnosis.doctor.trend_signals`) ≥ this: on average each
            window undoes half the level's worth of the previous one's
            change. Healthy noise of 100-step means is ~0.03.
        grad_growth: a gradient norm ≥ this many times its earlier maximum.
        logit_gap: mean D logit on training minus held-out reals ≥ this (D
            finds a training image e ≈ 2.7× likelier real than a new one).
            ADA's r_t = E[sign D(x_train)] (Karras et al. 2020) is reported
            beside it but not used: on the runs of bench/doctor.py, with D in
            inference mode, it swung between -1 and 1 in healthy and
            memorising runs alike, while the gap grew steadily only in the
            memorising one.
        min_windows: windows needed before trends are judged.
    """

    d_real: float = 0.95
    d_fake: float = 0.05
    g_grad_ratio: float = 0.1
    diversity: float = 0.5
    spread: float = 0.02
    class_kl: float = 1.0
    loss_oscillation: float = 0.5
    grad_growth: float = 10.0
    logit_gap: float = 1.0
    min_windows: int = 3


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    """One finding: its name, the numbers, why it matters, what to try."""

    name: str
    evidence: str
    explanation: str
    remedies: tuple[str, ...]

    def __str__(self) -> str:
        tries = "".join(f"\n    - {r}" for r in self.remedies)
        return f"{self.name}: {self.evidence}\n  Why: {self.explanation}\n  Try:{tries}"


_STABILISE = (
    "lower both learning rates: DCGAN networks train at Adam(2e-4, beta_1=0.5) "
    "(Radford et al. 2016) to Adam(1e-3, beta_1=0.5) (ganlab's recipe)",
    "clip gradients: keras.optimizers.Adam(2e-4, beta_1=0.5, clipnorm=1.0) for both",
    "make_discriminator(spectral_norm=True)",
)
# name -> (one-line explanation, remedies in ganlab)
_ADVICE = {
    DIVERGED: (
        "a loss or gradient is NaN/inf, the weights are lost: restart from a "
        "checkpoint (keras.callbacks.TerminateOnNaN stops at the first NaN).",
        _STABILISE),
    DISCRIMINATOR_WINS: (
        "D rejects every fake with confidence, so G learns little from it "
        "(log(1 - D(G(z))) saturates, Goodfellow et al. 2014; a near-optimal D "
        "gives vanishing or unstable gradients, Arjovsky & Bottou 2017).",
        ('compile(loss="least_squares")',
         'compile(loss="wasserstein", gradient_penalty=10.0)',
         "compile(instance_noise=0.1)",
         "a slower D (two time-scales): "
         "compile(d_optimizer=keras.optimizers.Adam(5e-5, beta_1=0.5))",
         "compile(loss=ganlab.gan.losses.BCE(label_smoothing=0.1))")),
    MODE_COLLAPSE: (
        "G maps many z to a few outputs, a cheap way to fool a D that judges "
        "one sample at a time (Salimans et al. 2016; Srivastava et al. 2017).",
        ("make_discriminator(minibatch_std=True)",
         "compile(pack=2) with make_discriminator(pack=2)",
         "compile(unrolled_steps=5)")),
    OSCILLATION: (
        "the players circle the equilibrium instead of settling; learning "
        "rates too large for the game make it worse (Mescheder et al. 2018).",
        _STABILISE),
    OVERFITTING: (
        "D scores training images higher than unseen real ones: it remembers "
        "them, and its feedback to G stops generalising (Karras et al. 2020).",
        ('compile(augment="diffaugment")', 'compile(augment="ada")',
         "more training data", "more dropout in D: make_discriminator(dropout=0.5)")),
}  # fmt: skip


def _finding(name: str, evidence: str) -> Diagnosis:
    return Diagnosis(name, evidence, *_ADVICE[name])


def measured(signals: dict, *keys: str) -> bool:
    """True when every key has a value in ``signals`` (None: not measured)."""
    return all(signals.get(k) is not None for k in keys)


def diagnose(signals: dict, thresholds: Thresholds | None = None) -> list[Diagnosis]:
    """Name what is wrong, from one check's signals (empty list: healthy).

    Signals are floats; a missing key or None means "not measured" and its
    rule is skipped. The log keys (:data:`LOG_KEYS`) and ``images_finite``
    (False when generated images hold NaN) detect divergence; when it is
    found, it is the only diagnosis. ``critic`` (True for a Wasserstein
    critic, whose outputs are not log-odds) skips the D-wins and the
    overfitting rules. ``d_lr`` and ``g_lr``, the players' learning rates,
    add "give G D's rate" to the D-wins remedies when D's is the larger.
    When D wins, uneven digit classes alone are not reported as collapse (a
    generator D beats draws blobs that the classifier files under one
    digit). See :class:`Thresholds` for the other signals.
    """
    t = thresholds or Thresholds()
    bad = [
        k for k in LOG_KEYS if measured(signals, k) and not math.isfinite(signals[k])
    ]
    if bad or signals.get("images_finite") is False:
        bad += [] if signals.get("images_finite", True) else ["generated images"]
        return [_finding(DIVERGED, "non-finite " + ", ".join(bad) + ".")]
    rules = (_discriminator_wins, _mode_collapse, _oscillation, _overfitting)
    found = [found for rule in rules if (found := rule(signals, t)) is not None]
    if found and found[0].name == DISCRIMINATOR_WINS:
        # A generator that D beats draws blobs the classifier files under one
        # digit: uneven classes alone are then a symptom, not a second cause.
        found = [d for d in found if d.evidence != _classes_only(signals, t)]
    return found


def _discriminator_wins(s: dict, t: Thresholds) -> Diagnosis | None:
    if s.get("critic") or not measured(s, "d_fake") or s["d_fake"] > t.d_fake:
        return None
    ratio = s.get("g_grad_ratio")
    confident = measured(s, "d_real") and s["d_real"] >= t.d_real
    vanished = ratio is not None and ratio <= t.g_grad_ratio
    if not (confident or vanished):
        return None
    evidence = f"D(G(z)) = {s['d_fake']:.3f}"
    if measured(s, "d_real"):
        evidence += f", D(x) = {s['d_real']:.3f}"
    if ratio is not None:
        evidence += f", G's gradient norm at {ratio:.0%} of its peak"
    found = _finding(DISCRIMINATOR_WINS, evidence + ".")
    d_lr, g_lr = s.get("d_lr"), s.get("g_lr")
    if d_lr is None or g_lr is None or not 0 < g_lr < d_lr:
        return found
    same = (
        f"D learns {d_lr / g_lr:.3g}x faster than G (learning rates {d_lr:.3g} and "
        f"{g_lr:.3g}): give G D's rate, compile(g_optimizer="
        f"keras.optimizers.Adam({d_lr:.3g}, beta_1=0.5))"
    )
    return dataclasses.replace(found, remedies=(same, *found.remedies))


def _classes_only(s: dict, t: Thresholds) -> str | None:
    """The collapse evidence when uneven classes are all there is."""
    found = _mode_collapse(
        {"class_kl": s.get("class_kl"), "classes_present": s.get("classes_present")}, t
    )
    return None if found is None else found.evidence  # fmt: skip


def _mode_collapse(s: dict, t: Thresholds) -> Diagnosis | None:
    low = []
    if measured(s, "diversity") and s["diversity"] <= t.diversity:
        low.append(f"sample diversity {s['diversity']:.2f} (real data: 1)")
    if measured(s, "spread") and s["spread"] <= t.spread:
        low.append(f"samples nearly identical (pixel spread {s['spread']:.3f})")
    if measured(s, "class_kl") and s["class_kl"] >= t.class_kl:
        present = s.get("classes_present")
        classes = "" if present is None else f", {present:.0f} of 10 digits confident"
        low.append(f"digit classes uneven (KL to uniform {s['class_kl']:.2f}{classes})")
    return _finding(MODE_COLLAPSE, "; ".join(low) + ".") if low else None


def _oscillation(s: dict, t: Thresholds) -> Diagnosis | None:
    signs = []
    swing, growth = s.get("loss_oscillation"), s.get("grad_growth")
    if swing is not None and swing >= t.loss_oscillation:
        signs.append(f"losses swing back and forth (oscillation {swing:.2f})")
    if growth is not None and growth >= t.grad_growth:
        signs.append(f"a gradient norm grew {growth:.0f}x past its peak")
    return _finding(OSCILLATION, "; ".join(signs) + ".") if signs else None


def _overfitting(s: dict, t: Thresholds) -> Diagnosis | None:
    if s.get("critic") or not measured(s, "logit_gap") or s["logit_gap"] < t.logit_gap:
        return None
    evidence = (
        f"mean D logit {s['logit_gap']:.2f} higher on training than on held-out images"
    )
    if measured(s, "r_t"):
        evidence += f"; r_t = E[sign D(x_train)] = {s['r_t']:.2f}"
    return _finding(OVERFITTING, evidence + ".")
