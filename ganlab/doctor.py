"""GANDoctor: watch a GAN train and say in plain words what is going wrong.

>>> doctor = GANDoctor(every=100, train_images=x_train, heldout_images=x_test)
>>> gan.fit(data, epochs=5, callbacks=[doctor, keras.callbacks.TensorBoard()])
... # doctest: +SKIP

Every ``every`` steps the doctor turns the training logs, a batch of samples
and (optionally) D's logits on training and held-out images into *signals*;
:func:`diagnose` turns signals into :class:`Diagnosis` objects: a name from
the literature, the numbers behind it, a one-line explanation and the ganlab
options to try. A diagnosis is printed once, when it appears (and one line
when it goes away); a healthy run prints at most one line, at the end.

``fit``'s batch logs hold running means since the epoch start; the doctor
recovers the exact mean of each *window* of steps between two checks from
consecutive running means, m_j after j batches and m_k after k: the window's
sum is m_k·k − m_j·j over k − j steps, accumulated across epoch ends. Trends
compare windows (:func:`trend_signals`). Signals go into the epoch logs as
``doctor_<name>`` (NaN when not measured) for ``History``, ``CSVLogger`` and
``TensorBoard``: Keras calls callbacks in list order, so put the doctor
**before** those two.

The thresholds and the warm-up were checked on MNIST runs broken on purpose
and on healthy ones (bench/doctor.py; bench/README.md, "Diagnosing training"):
each broken run named, no alarm on 5 healthy seeds of the default recipe.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import keras
import numpy as np
import scipy.spatial.distance

from ganlab import metrics
from ganlab.evaluator import classifier_probabilities, to_model_range

DIVERGED = "diverged"
DISCRIMINATOR_WINS = "discriminator wins / vanishing generator gradients"
MODE_COLLAPSE = "mode collapse"
OSCILLATION = "oscillation / unstable training"
OVERFITTING = "discriminator overfitting (memorises the training set)"

#: Running means that ``GAN.fit`` puts in its batch logs.
LOG_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm")
#: Signals written into the epoch logs, as ``doctor_<name>``.
LOGGED = (
    "d_real", "d_fake", "g_grad_ratio", "grad_growth", "loss_oscillation",
    "diversity", "spread", "class_kl", "classes_present", "logit_gap", "r_t",
    "problems",
)  # fmt: skip


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
        diversity: sample diversity ≤ this is collapse. bench/README measured
            0.12–0.20 for collapsed MNIST runs, 0.95–1.03 for healthy ones.
        spread: RMS per-pixel distance between two samples ≤ this (range
            [-1, 1]) means nearly identical samples, with or without reals.
        class_kl: KL(class histogram ‖ uniform) ≥ this, in nats, on MNIST:
            log 10 = 2.3 is one class, 1.0 about 4 classes evenly filled;
            collapsed runs gave 1.7–2.3, poor but varied ones 0.24–0.64.
        loss_oscillation: back-and-forth movement of the loss window means,
            per window, over their level (see :func:`trend_signals`) ≥ this:
            on average each window undoes half the level's worth of the
            previous one's change. Healthy noise of 100-step means is ~0.03.
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
         "compile(loss=ganlab.losses.BCE(label_smoothing=0.1))")),
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


def _known(signals: dict, *keys: str) -> bool:
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
    bad = [k for k in LOG_KEYS if _known(signals, k) and not math.isfinite(signals[k])]
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
    if s.get("critic") or not _known(s, "d_fake") or s["d_fake"] > t.d_fake:
        return None
    ratio = s.get("g_grad_ratio")
    confident = _known(s, "d_real") and s["d_real"] >= t.d_real
    vanished = ratio is not None and ratio <= t.g_grad_ratio
    if not (confident or vanished):
        return None
    evidence = f"D(G(z)) = {s['d_fake']:.3f}"
    if _known(s, "d_real"):
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
    if _known(s, "diversity") and s["diversity"] <= t.diversity:
        low.append(f"sample diversity {s['diversity']:.2f} (real data: 1)")
    if _known(s, "spread") and s["spread"] <= t.spread:
        low.append(f"samples nearly identical (pixel spread {s['spread']:.3f})")
    if _known(s, "class_kl") and s["class_kl"] >= t.class_kl:
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
    if s.get("critic") or not _known(s, "logit_gap") or s["logit_gap"] < t.logit_gap:
        return None
    evidence = (
        f"mean D logit {s['logit_gap']:.2f} higher on training than on held-out images"
    )
    if _known(s, "r_t"):
        evidence += f"; r_t = E[sign D(x_train)] = {s['r_t']:.2f}"
    return _finding(OVERFITTING, evidence + ".")


def trend_signals(windows: Sequence[dict], n_recent=5, min_windows=3) -> dict:
    """Trend signals of the last window against the earlier ones.

    ``g_grad_ratio``: G's gradient norm over its largest earlier value.
    ``grad_growth``: the larger, over both players, of the gradient norm over
    its largest earlier value (needs 2 earlier windows): a new record by an
    order of magnitude is an explosion; a return to normal after a quiet
    spell (D confident, small gradients) is not. ``loss_oscillation``:
    with m the means of the last ``n_recent`` windows (at least
    ``min_windows``) and Δm their n − 1 changes, the larger over d_loss and
    g_loss of the back-and-forth movement per window relative to the level,

        (Σ|Δm| − |ΣΔm|) / (n − 1) / (mean|m| + 0.1),

    so a steady trend (one regime giving way to another) scores 0 and only
    swings that undo each other count; 0.1 keeps losses near 0 (Wasserstein)
    from dividing by nothing.
    """
    out: dict = {"g_grad_ratio": None, "grad_growth": None, "loss_oscillation": None}
    last, earlier = windows[-1], windows[:-1]
    g_peak = _finite([w.get("g_grad_norm") for w in earlier])
    if g_peak and _known(last, "g_grad_norm") and max(g_peak) > 0:
        out["g_grad_ratio"] = last["g_grad_norm"] / max(g_peak)
    growth = []
    for key in ("d_grad_norm", "g_grad_norm"):
        past = _finite([w.get(key) for w in earlier])
        if len(past) >= 2 and _known(last, key) and max(past) > 0:
            growth.append(last[key] / max(past))
    out["grad_growth"] = max(growth) if growth else None
    swings = []
    for key in ("d_loss", "g_loss"):
        means = np.array(_finite([w.get(key) for w in windows[-n_recent:]]))
        if len(means) >= min_windows:
            steps = np.diff(means)
            back_and_forth = np.abs(steps).sum() - abs(steps.sum())
            level = np.abs(means).mean() + 0.1
            swings.append(float(back_and_forth / len(steps) / level))
    out["loss_oscillation"] = max(swings) if swings else None
    return out


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(v)]


def sample_signals(fake, reference=None, classes: bool = False) -> dict:
    """Diversity signals of generated images (N, H, W, C) in [-1, 1].

    ``spread``: mean pairwise L2 distance / √pixels. ``diversity``:
    :func:`ganlab.metrics.sample_diversity` against ``reference`` reals.
    ``class_kl``, ``classes_present``: :func:`ganlab.metrics.class_coverage`
    of the MNIST evaluator's predictions, when ``classes``.
    """
    fake = np.asarray(fake, np.float32)
    if not np.all(np.isfinite(fake)):
        return {"images_finite": False}
    flat = fake.reshape(len(fake), -1)
    distances = scipy.spatial.distance.pdist(flat)
    out = {"spread": float(distances.mean() / flat.shape[1] ** 0.5)}
    if reference is not None:
        out["diversity"] = metrics.sample_diversity(
            flat, reference.reshape(len(reference), -1), n=len(flat)
        )
    if classes:
        coverage = metrics.class_coverage(classifier_probabilities(fake))
        out["class_kl"] = coverage["class_kl"]
        out["classes_present"] = float(coverage["classes_present"])
    return out


def overfitting_signals(train_logits, heldout_logits=None) -> dict:
    """``r_t`` = E[sign D(x_train)] and ``logit_gap`` = mean D logit on
    training reals minus held-out reals (Karras et al. 2020, ADA)."""
    train_logits = np.asarray(train_logits, np.float64).reshape(-1)
    out = {"r_t": float(np.sign(train_logits).mean())}
    if heldout_logits is not None:
        out["logit_gap"] = float(train_logits.mean() - np.mean(heldout_logits))
    return out


def _subsample(images, labels, n: int, seed: int):
    if images is None:
        return None, None
    images = to_model_range(images)
    rng = np.random.default_rng(seed)
    index = np.sort(rng.permutation(len(images))[:n])
    return images[index], None if labels is None else np.asarray(labels)[index]


def _is_critic(model) -> bool:
    """Best effort: does the model train with a Wasserstein critic?"""
    loss = getattr(model, "loss_fn", None)
    name = getattr(loss, "name", loss)
    return isinstance(name, str) and "wasserstein" in name.lower()


class GANDoctor(keras.callbacks.Callback):
    """Diagnose a GAN's training every ``every`` steps, in plain words.

    Each check costs one ``generate(n_samples)``, the MNIST evaluator on it
    (28x28x1 images only) and two ``discriminate`` calls of ``n_samples``
    images when real images are given. Put the doctor before TensorBoard and
    CSVLogger in ``callbacks`` so they see its ``doctor_*`` epoch logs.

    Args:
        every: steps between checks.
        train_images: real images D trains on (uint8 or [-1, 1]): the
            reference for sample diversity, and with ``heldout_images`` the
            memorisation check. A random ``n_samples`` of them are kept.
        heldout_images: real images D never sees.
        train_labels, heldout_labels: their labels, for a conditional D.
        n_samples: images generated and real images scored per check.
        verbose: 0 silent, 1 prints each new diagnosis and a final line.
        seed: noise seed of the samples (the same z every check) and of the
            real subsets.
        warmup: before this step only divergence is reported; the first
            steps of any GAN look bad.
        classes: class coverage with the MNIST evaluator; None: on 28x28x1.
        thresholds: a :class:`Thresholds`.

    Attributes:
        diagnoses: ``(step, name, message)`` for each diagnosis, when it
            appeared.
        history: the signals dict of every check (``step`` included).
    """

    def __init__(
        self,
        *,
        every: int = 100,
        train_images=None,
        heldout_images=None,
        train_labels=None,
        heldout_labels=None,
        n_samples: int = 500,
        verbose: int = 1,
        seed: int = 0,
        warmup: int = 200,
        classes: bool | None = None,
        thresholds: Thresholds | None = None,
    ):
        super().__init__()
        if every < 1 or n_samples < 2:
            raise ValueError(f"need every ≥ 1, n_samples ≥ 2: {every}, {n_samples}")
        self.every, self.n_samples, self.verbose = every, n_samples, verbose
        self.seed, self.warmup, self.classes = seed, warmup, classes
        self.thresholds = thresholds or Thresholds()
        self.train = _subsample(train_images, train_labels, n_samples, seed)
        self.heldout = _subsample(heldout_images, heldout_labels, n_samples, seed)
        self.diagnoses: list[tuple[int, str, str]] = []
        self.history: list[dict] = []
        self._windows: list[dict] = []
        self._active: set[str] = set()
        self._step, self._checked, self._critic = 0, 0, False
        self._start_window()
        self.on_epoch_begin(0)

    def _start_window(self) -> None:
        self._sums = dict.fromkeys(LOG_KEYS, 0.0)
        self._count = 0

    def on_train_begin(self, logs=None):
        self._critic = _is_critic(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._seen, self._means = 0, {}

    def on_train_batch_end(self, batch, logs=None):
        logs, k = logs or {}, batch + 1
        for key in LOG_KEYS:
            if key in logs:
                mean = float(np.asarray(logs[key]))
                self._sums[key] += mean * k - self._means.get(key, 0.0) * self._seen
                self._means[key] = mean
        self._count += k - self._seen
        self._step += k - self._seen
        self._seen = k
        finite = all(math.isfinite(m) for m in self._means.values())
        if not finite and DIVERGED not in self._active:
            self._check(probe=False)
        elif self._step // self.every > self._checked // self.every:
            self._check(probe=finite)

    def _check(self, probe: bool) -> None:
        """Close the window, measure, diagnose and report."""
        window = {k: v / self._count for k, v in self._sums.items() if self._count}
        self._windows = [*self._windows[-19:], window]  # trends: last 20 windows
        self._start_window()
        self._checked = self._step
        t = self.thresholds
        signals = {"step": self._step, "critic": self._critic, **window}
        signals.update(_learning_rates(self.model))
        signals.update(trend_signals(self._windows, min_windows=t.min_windows))
        if probe:
            signals.update(self._probe())
        found = diagnose(signals, t)
        if self._step < self.warmup:
            found = [d for d in found if d.name == DIVERGED]
        signals["problems"] = len(found)
        self.history.append(signals)
        self._report(found)

    def _probe(self) -> dict:
        """Signals that need the model: samples and D's view of real images."""
        model = self.model
        fake = np.asarray(model.generate(self.n_samples, seed=self.seed))
        classes = self.classes
        if classes is None:
            classes = fake.shape[1:] == (28, 28, 1)
        reference = self.train[0] if self.train[0] is not None else self.heldout[0]
        try:
            signals = sample_signals(fake, reference, classes)
        except FileNotFoundError:  # evaluator weights missing
            self.classes = False
            signals = sample_signals(fake, reference)
        if self.train[0] is not None and signals.get("images_finite", True):
            train, heldout = (
                _discriminate(model, *r) for r in (self.train, self.heldout)
            )
            signals.update(overfitting_signals(train, heldout))
        return signals

    def _report(self, found: list[Diagnosis]) -> None:
        names = {d.name for d in found}
        for d in found:
            if d.name not in self._active:
                self.diagnoses.append((self._step, d.name, str(d)))
                self._say(f"GANDoctor, step {self._step}: {d}")
        for name in sorted(self._active - names):
            self._say(f"GANDoctor, step {self._step}: no longer detected: {name}.")
        self._active = names

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message, flush=True)

    def on_epoch_end(self, epoch, logs=None):
        """Write the last check's signals into ``logs`` (NaN: not measured)."""
        if logs is None:
            return
        latest = self.history[-1] if self.history else {}
        for key in LOGGED:
            value = latest.get(key)
            logs["doctor_" + key] = math.nan if value is None else float(value)

    def on_train_end(self, logs=None):
        if self.history and not self.diagnoses:
            checks = f"{len(self.history)} checks, {self._step} steps"
            self._say(f"GANDoctor: looks healthy ({checks}).")


def _learning_rates(model) -> dict:
    """``d_lr`` and ``g_lr``, the players' current learning rates, when
    the model has ``d_optimizer`` and ``g_optimizer`` (else empty)."""
    rates = {}
    for key in ("d", "g"):
        try:
            rate = getattr(model, f"{key}_optimizer").learning_rate
            rates[f"{key}_lr"] = float(keras.ops.convert_to_numpy(rate))
        except (AttributeError, TypeError, ValueError):
            return {}
    return rates


def _discriminate(model, images, labels) -> np.ndarray | None:
    """D's logits on real images (None without images); labels if given."""
    kwargs = {} if labels is None else {"labels": labels}
    return None if images is None else np.asarray(model.discriminate(images, **kwargs))
