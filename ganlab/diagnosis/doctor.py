"""GANDoctor: watch a GAN train and say in plain words what is going wrong.

>>> doctor = GANDoctor(every=100, train_images=x_train, heldout_images=x_test)
>>> gan.fit(data, epochs=5, callbacks=[doctor, keras.callbacks.TensorBoard()])
... # doctest: +SKIP

Every ``every`` steps the doctor turns the training logs, a batch of samples
and (optionally) D's logits on training and held-out images into *signals*
(this module); :func:`ganlab.diagnosis.diagnoses.diagnose` turns signals into
:class:`~ganlab.diagnosis.diagnoses.Diagnosis` objects: a name from the literature,
the numbers behind it, a one-line explanation and the ganlab options to
try (all importable from here too). A diagnosis is printed once, when it
appears (and one line when it goes away); a healthy run prints at most one
line, at the end.

``fit``'s batch logs hold running means since the epoch start; the doctor
recovers the exact mean of each *window* of steps between two checks from
consecutive running means, m_j after j batches and m_k after k: the window's
sum is m_k·k − m_j·j over k − j steps, accumulated across epoch ends. Trends
compare windows (:func:`trend_signals`). Signals go into the epoch logs as
``doctor_<name>`` (NaN when not measured) for ``History``, ``CSVLogger`` and
``TensorBoard``: Keras calls callbacks in list order, so put the doctor
**before** those two.

The thresholds and the warm-up were checked on MNIST runs broken on purpose
and on healthy ones (bench/doctor.py; bench/results/doctor.md):
each broken run named, no alarm on 5 healthy seeds of the default recipe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
import numpy as np
import scipy.spatial.distance

from ganlab.diagnosis.diagnoses import (
    DISCRIMINATOR_WINS,
    DIVERGED,
    LOG_KEYS,
    MODE_COLLAPSE,
    OSCILLATION,
    OVERFITTING,
    Diagnosis,
    Thresholds,
    diagnose,
    measured,
)
from ganlab.evaluation import metrics
from ganlab.evaluation.features import classifier_probabilities, to_model_range

__all__ = [
    "DISCRIMINATOR_WINS",
    "DIVERGED",
    "LOGGED",
    "LOG_KEYS",
    "MODE_COLLAPSE",
    "OSCILLATION",
    "OVERFITTING",
    "Diagnosis",
    "GANDoctor",
    "Thresholds",
    "diagnose",
    "looks_like_digits",
    "overfitting_signals",
    "sample_signals",
    "trend_signals",
]

#: Signals written into the epoch logs, as ``doctor_<name>``.
LOGGED = (
    "d_real", "d_fake", "g_grad_ratio", "grad_growth", "loss_oscillation",
    "diversity", "spread", "class_kl", "classes_present", "logit_gap", "r_t",
    "problems",
)  # fmt: skip


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

        (Σ abs(Δm) − abs(ΣΔm)) / (n − 1) / (mean abs(m) + 0.1),

    so a steady trend (one regime giving way to another) scores 0 and only
    swings that undo each other count; 0.1 keeps losses near 0 (Wasserstein)
    from dividing by nothing.
    """
    out: dict = {"g_grad_ratio": None, "grad_growth": None, "loss_oscillation": None}
    last, earlier = windows[-1], windows[:-1]
    g_peak = _finite([w.get("g_grad_norm") for w in earlier])
    if g_peak and measured(last, "g_grad_norm") and max(g_peak) > 0:
        out["g_grad_ratio"] = last["g_grad_norm"] / max(g_peak)
    growth = []
    for key in ("d_grad_norm", "g_grad_norm"):
        past = _finite([w.get(key) for w in earlier])
        if len(past) >= 2 and measured(last, key) and max(past) > 0:
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


def sample_signals(fake, reference=None, classes=False) -> dict:
    """Diversity signals of generated images (N, H, W, C) in [-1, 1].

    ``spread``: mean pairwise L2 distance / √pixels. ``diversity``:
    :func:`ganlab.evaluation.metrics.sample_diversity` against ``reference`` reals.
    ``class_kl``, ``classes_present``: :func:`ganlab.evaluation.metrics.class_coverage`
    of a classifier's predictions: ``classes`` True for the shipped MNIST
    evaluator, or a function images → (N, K) class probabilities.
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
        classify = classes if callable(classes) else classifier_probabilities
        coverage = metrics.class_coverage(np.asarray(classify(fake)))
        out["class_kl"] = coverage["class_kl"]
        out["classes_present"] = float(coverage["classes_present"])
    return out


# The shipped classifier reads MNIST's test digits with confidence >= 0.9 for
# 97.8 % of them and gives each digit 8.6-12.6 % of them (1,000 digits).
# Pictures that are not digits can be read confidently too, but as one or a
# few classes: 1,000 gray disc pictures (ganlab.data.toy_images) 96.1 %
# confident, 99.3 % of them "8"; uniform noise 100 %, all "8"; transposed
# digits 59.6 %, four classes under 2 %; Sobel edges of digits 73.6 %.
DIGITS_CONFIDENT = 0.9  # share read with probability >= 0.9
DIGITS_MIN_CLASS = 0.04  # share of the least frequent digit


def looks_like_digits(images) -> bool:
    """Whether real images are MNIST-like digits to the shipped classifier:
    at least :data:`DIGITS_CONFIDENT` of them read with probability ≥ 0.9
    and every digit at least :data:`DIGITS_MIN_CLASS` of them (so its class
    coverage means something for a generator of them).

    Args:
        images: (N, 28, 28, 1) or (N, 28, 28), uint8 or [-1, 1]; N ≥ 100
            for the class shares to mean much.
    """
    images = np.asarray(images)
    if images.shape[1:] not in ((28, 28, 1), (28, 28)):
        return False
    probabilities = classifier_probabilities(images)
    confident = float(np.mean(probabilities.max(axis=1) >= 0.9))
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(images)
    return bool(confident >= DIGITS_CONFIDENT and shares.min() >= DIGITS_MIN_CLASS)


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

    Each check costs one ``generate(n_samples)``, a classifier on it (when
    class coverage is measured) and two ``discriminate`` calls of
    ``n_samples`` images when real images are given. Put the doctor before
    TensorBoard and CSVLogger in ``callbacks`` so they see its ``doctor_*``
    epoch logs.

    Translators (:class:`ganlab.Pix2Pix`, :class:`ganlab.CycleGAN`) have no
    ``generate``: the doctor reads their training logs only (divergence,
    oscillation and, from Pix2Pix's ``d_real``/``d_fake``, the discriminator
    winning, the common Pix2Pix failure); real images are refused for them.

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
        classes: class coverage (mode collapse across classes) with the
            shipped MNIST classifier: True always, False never, None only
            when the real images given (``train_images``, else
            ``heldout_images``) are digits to it (:func:`looks_like_digits`,
            decided once, at the first check): a folder of clothing or
            letters is not judged by digit classes.
        classifier: instead of the MNIST one, a function mapping images
            (N, H, W, C) in [-1, 1] to (N, K) class probabilities, for the
            classes of your own data; coverage is then always measured.
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
        classifier=None,
        thresholds: Thresholds | None = None,
    ):
        super().__init__()
        if every < 1 or n_samples < 2:
            raise ValueError(f"need every ≥ 1, n_samples ≥ 2: {every}, {n_samples}")
        self.every, self.n_samples, self.verbose = every, n_samples, verbose
        self.seed, self.warmup, self.classes = seed, warmup, classes
        if classifier is not None and not callable(classifier):
            raise ValueError("classifier must be a function images → probabilities.")
        self.classifier = classifier
        self.thresholds = thresholds or Thresholds()
        self.train = _subsample(train_images, train_labels, n_samples, seed)
        self.heldout = _subsample(heldout_images, heldout_labels, n_samples, seed)
        self.diagnoses: list[tuple[int, str, str]] = []
        self.history: list[dict] = []
        self._windows: list[dict] = []
        self._active: set[str] = set()
        self._step, self._checked, self._critic = 0, 0, False
        self._translator = False
        self._start_window()
        self.on_epoch_begin(0)

    def _start_window(self) -> None:
        self._sums = dict.fromkeys(LOG_KEYS, 0.0)
        self._count = 0

    def set_model(self, model):
        super().set_model(model)
        self._translator = not hasattr(model, "generate")
        if not self._translator:
            return
        if not hasattr(model, "translate"):
            raise ValueError(
                f"GANDoctor diagnoses a ganlab GAN, Pix2Pix or CycleGAN; got a "
                f"{type(model).__name__}, which has neither generate nor translate."
            )
        if self.train[0] is not None or self.heldout[0] is not None:
            raise ValueError(
                f"GANDoctor reads a {type(model).__name__}'s training logs only: "
                "leave train_images and heldout_images out (they are for a GAN's "
                "samples and memorisation check). Score translations with "
                "ganlab.translation.metrics."
            )

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
        if probe and not self._translator:
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
        reference = self.train[0] if self.train[0] is not None else self.heldout[0]
        try:
            signals = sample_signals(fake, reference, self._classes(reference))
        except FileNotFoundError:  # evaluator weights missing
            self.classes = False
            signals = sample_signals(fake, reference)
        if self.train[0] is not None and signals.get("images_finite", True):
            train, heldout = (
                _discriminate(model, *r) for r in (self.train, self.heldout)
            )
            signals.update(overfitting_signals(train, heldout))
        return signals

    def _classes(self, reference):
        """The classifier for class coverage (a function, True: the MNIST
        one) or False; ``classes=None`` is decided once, on ``reference``."""
        if self.classifier is not None:
            return self.classifier
        if self.classes is None:
            self.classes = reference is not None and looks_like_digits(reference)
            shape = None if reference is None else tuple(reference.shape[1:3])
            if not self.classes and shape == (28, 28):  # the classifier's size
                self._say(
                    "GANDoctor: no class coverage: these 28x28 pictures are not "
                    "MNIST digits to the shipped classifier (pass classifier= for "
                    "your classes)."
                )
        return self.classes

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
