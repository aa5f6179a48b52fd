"""Human evaluation: HYPE's error rate, pairwise preference, the real-or-fake test."""

import numpy as np
import pytest

from ganlab.evaluation import RealFakeTest, hype_score, preference_score
from ganlab.evaluation.human import classifier_rater


def test_hype_is_the_error_rate_over_real_and_fake_images():
    truth = [True, True, False, False]
    answers = [True, False, True, True]  # one real missed, both fakes passed
    result = hype_score(truth, answers)
    assert result["hype"] == 75.0
    assert result["real_judged_fake"] == 50.0
    assert result["fake_judged_real"] == 100.0
    assert result["n"] == 4
    low, high = result["interval"]
    assert 0.0 <= low <= 75.0 <= high <= 100.0


def test_a_perfect_rater_scores_zero_with_a_zero_width_interval():
    truth = np.arange(20) % 2 == 0
    result = hype_score(truth, truth)
    assert result["hype"] == 0.0 and result["interval"] == (0.0, 0.0)


def test_the_bootstrap_interval_narrows_with_more_answers():
    rng = np.random.default_rng(0)

    def width(n):
        truth = np.arange(n) % 2 == 0
        answers = np.where(rng.random(n) < 0.3, ~truth, truth)
        low, high = hype_score(truth, answers)["interval"]
        return high - low

    assert width(1000) < width(40) / 3


def test_preference_p_value_is_the_binomial_tests():
    wins = [True] * 8 + [False] * 2
    result = preference_score(wins)
    assert result["preference"] == 80.0
    # two-sided: 2 * P(X >= 8), X ~ Binomial(10, 1/2) = 2 * 56 / 1024
    assert result["p_value"] == pytest.approx(112 / 1024)


@pytest.mark.parametrize(
    "truth, answers, message",
    [
        ([True, False], [True], "answers for"),
        ([True, True], [True, False], "both real and fake"),
        ([], [], "non-empty"),
        ([1, 2], [1, 0], "booleans"),
    ],
)
def test_hype_refuses_malformed_answers(truth, answers, message):
    with pytest.raises(ValueError, match=message):
        hype_score(truth, answers)


def _sets():
    real = np.full((30, 8, 8, 1), 0.5, "float32")
    fake = np.full((20, 8, 8, 1), -0.5, "float32")
    return real, fake


def test_the_test_is_balanced_shuffled_and_shows_the_given_images():
    real, fake = _sets()
    test = RealFakeTest(real, fake, n=10, seed=0)
    assert test.images.shape == (20, 8, 8, 1)
    assert test.is_real.sum() == 10
    assert not np.all(test.is_real[:10])  # shuffled, not all reals first
    shown_real = test.images[:, 0, 0, 0] > 0
    np.testing.assert_array_equal(shown_real, test.is_real)


def test_raters_who_know_or_always_say_real_score_0_and_50_percent():
    real, fake = _sets()
    knows = RealFakeTest(real, fake, n=10)
    assert knows.run(lambda image: bool(image.mean() > 0))["hype"] == 0.0
    credulous = RealFakeTest(real, fake, n=10)
    result = credulous.run(lambda image: True)
    assert result["hype"] == 50.0 and result["fake_judged_real"] == 100.0
    assert len(credulous.latencies) == 20 and min(credulous.latencies) >= 0
    with pytest.raises(IndexError, match="answered"):
        credulous.answer(True)


def test_the_widget_records_clicks_and_shows_the_score_at_the_end():
    real, fake = _sets()
    test = RealFakeTest(real, fake, n=2)
    panel = test.widget()
    real_button, fake_button = panel.children[1].children
    assert panel.children[0].value[:4] == b"\x89PNG"
    for _ in range(4):
        (real_button if test.current().mean() > 0 else fake_button).click()
    assert test.done and test.answers == list(test.is_real)
    assert real_button.disabled and "HYPE" in panel.children[3].value


def test_a_test_needs_n_images_of_each_kind():
    real, fake = _sets()
    with pytest.raises(ValueError, match="at least n real and n fake"):
        RealFakeTest(real, fake, n=25)
    with pytest.raises(ValueError, match="fake"):
        RealFakeTest(real, fake[:, :4], n=5)


def test_the_classifier_rater_passes_real_digits_and_lapses_at_random(mnist):
    _, (x_test, _) = mnist
    digits = (x_test[:100, ..., None] / 127.5 - 1).astype("float32")
    rater = classifier_rater(threshold=0.9)
    assert np.mean([rater(d) for d in digits]) >= 0.9
    blank = np.full((28, 28, 1), -1.0, "float32")
    lapsing = classifier_rater(lapse=1.0, seed=0)
    answers = [lapsing(blank) for _ in range(200)]
    assert 0.35 < np.mean(answers) < 0.65
    with pytest.raises(ValueError, match="lapse"):
        classifier_rater(lapse=2.0)
