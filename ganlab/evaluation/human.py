"""Human evaluation: the real-or-fake test and pairwise preference.

Metrics on features (FID, precision/recall) stand in for a person looking at
samples; these two protocols ask the person.

**Real or fake** (HYPE, Zhou et al. 2019, "HYPE: A Benchmark for Human eYe
Perceptual Evaluation of Generative Models"): a rater sees a balanced,
shuffled set of real and generated images one at a time, with no time limit,
and answers "real" or "fake" for each. HYPE∞ is the rater's error rate,

.. math::

    \\mathrm{HYPE}_\\infty = 100\\,\\% \\cdot \\frac{\\#\\{\\text{fake judged real}\\}
        + \\#\\{\\text{real judged fake}\\}}{\\#\\{\\text{images}\\}},

so 0 % means every fake was caught and 50 % means the fakes cannot be told
from the real images (above 50 %, fakes look *more* real than the real ones).
The paper shows 50 real and 50 fake images per rater and reports a 95 %
bootstrap confidence interval.

**Pairwise preference**: a rater sees one sample of model A beside one of
model B (sides shuffled) and picks the more realistic; the score is how often
A is preferred, with a bootstrap interval and a two-sided binomial test of
"no preference" (p = 0.5).

:class:`RealFakeTest` runs the first in a notebook (:meth:`RealFakeTest.widget`,
buttons under each image, the answer and its latency recorded) or with a
simulated rater (:meth:`RealFakeTest.run`) so a notebook runs unattended;
:func:`hype_score` and :func:`preference_score` do the statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy import stats

from ganlab.data.pipeline import check_images
from ganlab.plotting import to_uint8


def _bootstrap(values: np.ndarray, confidence: float, n_resamples: int, seed: int):
    """Percentile bootstrap interval of the mean of 0/1 ``values``."""
    if len(values) < 2 or np.all(values == values[0]):
        mean = float(np.mean(values))
        return mean, mean  # every resample gives the same mean
    result = stats.bootstrap(
        (values,),
        np.mean,
        confidence_level=confidence,
        n_resamples=n_resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _as_bools(values, name: str) -> np.ndarray:
    x = np.asarray(values)
    if x.ndim != 1 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array; got shape {x.shape}.")
    if x.dtype != bool and not np.all(np.isin(x, (0, 1))):
        raise ValueError(f"{name} must hold booleans (or 0/1); got {x[:5]}...")
    return x.astype(bool)


def hype_score(
    is_real,
    judged_real,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict:
    """HYPE∞ of Zhou et al. 2019: a rater's error rate on real and fake images.

    Args:
        is_real: bool (N,), the truth for each image shown.
        judged_real: bool (N,), the rater's answer for each ("real" = True).
        confidence: level of the percentile bootstrap interval.
        n_resamples: bootstrap resamples.
        seed: the bootstrap's random generator.

    Returns:
        dict with ``hype`` (error rate in %, 0 to 100; 50 = indistinguishable),
        ``interval`` (low, high) in %, ``fake_judged_real`` and
        ``real_judged_fake`` (error rates in % within each kind), ``n``.

    Raises:
        ValueError: arrays that are empty, of different lengths or not boolean,
            or a set without both real and fake images.
    """
    truth = _as_bools(is_real, "is_real")
    answers = _as_bools(judged_real, "judged_real")
    if len(truth) != len(answers):
        raise ValueError(f"Got {len(answers)} answers for {len(truth)} images.")
    if truth.all() or not truth.any():
        raise ValueError("The test needs both real and fake images (is_real).")
    errors = (truth != answers).astype(np.float64)
    low, high = _bootstrap(errors, confidence, n_resamples, seed)
    return {
        "hype": 100.0 * errors.mean(),
        "interval": (100.0 * low, 100.0 * high),
        "fake_judged_real": 100.0 * answers[~truth].mean(),
        "real_judged_fake": 100.0 * (~answers[truth]).mean(),
        "n": len(truth),
    }


def preference_score(
    prefer_a, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> dict:
    """How often model A's sample was preferred over model B's.

    Args:
        prefer_a: bool (N,), one per comparison: True when A's was picked.
        confidence: level of the percentile bootstrap interval.
        n_resamples: bootstrap resamples.
        seed: the bootstrap's random generator.

    Returns:
        dict with ``preference`` (% of comparisons A won, 0 to 100),
        ``interval`` (low, high) in %, ``p_value`` (two-sided binomial test
        of no preference, p = 0.5) and ``n``.

    Raises:
        ValueError: an empty or non-boolean array.
    """
    wins = _as_bools(prefer_a, "prefer_a")
    low, high = _bootstrap(wins.astype(np.float64), confidence, n_resamples, seed)
    test = stats.binomtest(int(wins.sum()), len(wins), 0.5)
    return {
        "preference": 100.0 * wins.mean(),
        "interval": (100.0 * low, 100.0 * high),
        "p_value": float(test.pvalue),
        "n": len(wins),
    }


class RealFakeTest:
    """A balanced, shuffled real-or-fake test, answered by a person or a rater.

    Args:
        real: real images, (N, H, W[, C]), uint8 or float in [-1, 1].
        fake: generated images, same shape and range rules.
        n: images of each kind shown (the test has 2n; HYPE uses 50).
        seed: which images are drawn and their order.

    Attributes:
        images: float32 (2n, H, W, C) in [-1, 1], in the order shown.
        is_real: bool (2n,), the truth for each.
        answers: list of bools ("real" = True), one per image answered.
        latencies: list of seconds from showing an image to its answer.

    Raises:
        ValueError: malformed images, different shapes, or fewer than ``n``
            of either kind.
    """

    def __init__(self, real, fake, *, n: int = 50, seed: int = 0):
        real = check_images(real, name="real")
        fake = check_images(fake, real.shape[1:], name="fake", what="real images have")
        if n < 1 or min(len(real), len(fake)) < n:
            raise ValueError(
                f"n={n} needs at least n real and n fake images; got "
                f"{len(real)} real and {len(fake)} fake."
            )
        rng = np.random.default_rng(seed)
        images = np.concatenate(
            [real[rng.choice(len(real), n, replace=False)],
             fake[rng.choice(len(fake), n, replace=False)]]
        )  # fmt: skip
        order = rng.permutation(2 * n)
        self.images = images[order]
        self.is_real = (np.arange(2 * n) < n)[order]
        self.answers: list[bool] = []
        self.latencies: list[float] = []
        self._shown_at = time.perf_counter()

    @property
    def done(self) -> bool:
        """True once every image has an answer."""
        return len(self.answers) == len(self.images)

    def current(self) -> np.ndarray:
        """The image waiting for an answer, (H, W, C) in [-1, 1]."""
        if self.done:
            raise IndexError("Every image has been answered; see score().")
        return self.images[len(self.answers)]

    def answer(self, judged_real: bool) -> None:
        """Record the answer to :meth:`current` and the seconds it took."""
        self.current()  # raises when done
        now = time.perf_counter()
        self.answers.append(bool(judged_real))
        self.latencies.append(now - self._shown_at)
        self._shown_at = now

    def run(self, rater: Callable[[np.ndarray], bool]) -> dict:
        """Answer every remaining image with ``rater(image) -> judged_real``
        (a simulated rater) and return :meth:`score`."""
        while not self.done:
            self.answer(rater(self.current()))
        return self.score()

    def score(self, **kwargs) -> dict:
        """:func:`hype_score` of the answers so far, plus ``median_latency``
        (seconds). Keyword arguments go to :func:`hype_score`."""
        if not self.answers:
            raise ValueError("No answers yet: answer some images first.")
        result = hype_score(self.is_real[: len(self.answers)], self.answers, **kwargs)
        result["median_latency"] = float(np.median(self.latencies))
        return result

    def widget(self, *, scale: int = 4):
        """An ipywidgets panel: the image, "Real" and "Fake" buttons, a count,
        and the score when the last image is answered.

        Args:
            scale: each pixel is shown as a ``scale`` x ``scale`` block.

        Returns:
            ``ipywidgets.VBox``; display it as a cell's last expression.
        """
        import ipywidgets as widgets

        picture = widgets.Image(format="png")
        count = widgets.Label()
        buttons = [widgets.Button(description=d) for d in ("Real", "Fake")]
        result = widgets.Label()

        def show():
            count.value = f"{len(self.answers)} / {len(self.images)} answered"
            if self.done:
                s = self.score()
                low, high = s["interval"]
                result.value = f"HYPE∞ {s['hype']:.1f} % (95 % CI {low:.1f}-{high:.1f})"
                for button in buttons:
                    button.disabled = True
                return
            picture.value = _png(self.current(), scale)
            self._shown_at = time.perf_counter()

        buttons[0].on_click(lambda _: (self.answer(True), show()))
        buttons[1].on_click(lambda _: (self.answer(False), show()))
        show()
        return widgets.VBox([picture, widgets.HBox(buttons), count, result])


def classifier_rater(
    *, threshold: float = 0.9, lapse: float = 0.0, seed: int = 0
) -> Callable[[np.ndarray], bool]:
    """A simulated rater of MNIST digits, so a test runs with no person.

    It answers "real" when the shipped MNIST evaluator
    (:func:`ganlab.evaluation.features.classifier_probabilities`) reads the
    image as one digit with probability at least ``threshold``, and
    otherwise "fake"; with probability ``lapse`` it answers at random
    instead, as an inattentive person would. It is a stand-in for a person,
    not a measurement of one: it cannot see artefacts the classifier ignores.

    Args:
        threshold: top class probability, in (0, 1], above which an image
            passes as real.
        lapse: probability in [0, 1] of a random answer.
        seed: the lapses' random generator.

    Returns:
        ``rater(image) -> bool`` for one (28, 28, 1) image in [-1, 1].
    """
    from ganlab.evaluation.features import classifier_probabilities

    if not 0.0 < threshold <= 1.0 or not 0.0 <= lapse <= 1.0:
        raise ValueError(
            f"threshold must be in (0, 1] and lapse in [0, 1]; got {threshold}, "
            f"{lapse}."
        )
    rng = np.random.default_rng(seed)

    def rater(image: np.ndarray) -> bool:
        if rng.random() < lapse:
            return bool(rng.random() < 0.5)
        return bool(classifier_probabilities(image[None]).max() >= threshold)

    return rater


def _png(image: np.ndarray, scale: int) -> bytes:
    """PNG bytes of one (H, W, C) image in [-1, 1], pixels enlarged ``scale``x."""
    import imageio.v3 as iio

    pixels = to_uint8(image)
    pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    if pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    return iio.imwrite("<bytes>", pixels, extension=".png")
