"""GANDoctor: the pure diagnosis on hand-made signals, and the callback driven
through its hooks with fake logs and a fake model (no training)."""

import math
import types

import keras
import numpy as np
import pytest

import ganlab
from ganlab.diagnosis import doctor
from ganlab.diagnosis.doctor import (
    DISCRIMINATOR_WINS,
    DIVERGED,
    MODE_COLLAPSE,
    OSCILLATION,
    OVERFITTING,
    GANDoctor,
    Thresholds,
    diagnose,
    trend_signals,
)

HEALTHY = {
    "d_loss": 1.3, "g_loss": 0.9, "d_real": 0.7, "d_fake": 0.3,
    "d_grad_norm": 2.0, "g_grad_norm": 1.5, "g_grad_ratio": 0.8,
    "grad_growth": 1.2, "loss_oscillation": 0.1, "diversity": 0.95,
    "spread": 0.4, "class_kl": 0.2, "classes_present": 10.0,
    "logit_gap": 0.1, "r_t": 0.3,
}  # fmt: skip
HEALTHY_STEP = {"d_loss": 1.3, "g_loss": 0.9, "d_real": 0.7, "d_fake": 0.3,
                "d_grad_norm": 2.0, "g_grad_norm": 1.5}  # fmt: skip
WINNING_STEP = {"d_loss": 0.05, "g_loss": 4.0, "d_real": 0.99, "d_fake": 0.01,
                "d_grad_norm": 0.1, "g_grad_norm": 0.05}  # fmt: skip


def names(signals, thresholds=None):
    return [d.name for d in diagnose(signals, thresholds)]


# ----------------------------------------------------------- diagnose --


def test_healthy_and_unmeasured_signals_are_quiet():
    assert diagnose(HEALTHY) == []
    assert diagnose({}) == []
    assert diagnose({**HEALTHY, "diversity": None, "r_t": None}) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"d_real": 0.99, "d_fake": 0.01}, DISCRIMINATOR_WINS),
        ({"d_real": 0.8, "d_fake": 0.02, "g_grad_ratio": 0.05}, DISCRIMINATOR_WINS),
        ({"diversity": 0.15}, MODE_COLLAPSE),
        ({"spread": 0.001, "diversity": None}, MODE_COLLAPSE),
        ({"class_kl": 2.2, "classes_present": 1.0}, MODE_COLLAPSE),
        ({"loss_oscillation": 0.8}, OSCILLATION),
        ({"grad_growth": 50.0}, OSCILLATION),
        ({"logit_gap": 2.0, "r_t": 0.9}, OVERFITTING),
    ],
)
def test_each_failure_is_named_alone(change, expected):
    assert names({**HEALTHY, **change}) == [expected]


@pytest.mark.parametrize(
    "change",
    [{"d_loss": math.nan}, {"g_grad_norm": math.inf}, {"images_finite": False}],
)
def test_divergence_is_the_only_diagnosis(change):
    sick = {**HEALTHY, "d_real": 1.0, "d_fake": 0.0, "diversity": 0.0, **change}
    found = diagnose(sick)
    assert [d.name for d in found] == [DIVERGED]
    assert "non-finite" in found[0].evidence


def test_several_failures_at_once():
    sick = {**HEALTHY, "d_real": 0.99, "d_fake": 0.01, "diversity": 0.1}
    assert names(sick) == [DISCRIMINATOR_WINS, MODE_COLLAPSE]


@pytest.mark.parametrize(
    "at_edge, inside",
    [
        ({"d_real": 0.95, "d_fake": 0.05}, {"d_real": 0.95, "d_fake": 0.0501}),
        ({"d_real": 0.95, "d_fake": 0.05}, {"d_real": 0.9499, "d_fake": 0.05}),
        ({"d_real": 0.5, "d_fake": 0.05, "g_grad_ratio": 0.1},
         {"d_real": 0.5, "d_fake": 0.05, "g_grad_ratio": 0.1001}),
        ({"diversity": 0.5}, {"diversity": 0.5001}),
        ({"spread": 0.02, "diversity": None}, {"spread": 0.0201, "diversity": None}),
        ({"class_kl": 1.0}, {"class_kl": 0.9999}),
        ({"loss_oscillation": 0.5}, {"loss_oscillation": 0.4999}),
        ({"grad_growth": 10.0}, {"grad_growth": 9.999}),
        ({"logit_gap": 1.0, "r_t": -0.5}, {"logit_gap": 0.9999, "r_t": 1.0}),
    ],
)  # fmt: skip
def test_thresholds_at_their_edges(at_edge, inside):
    assert len(names({**HEALTHY, **at_edge})) == 1
    assert names({**HEALTHY, **inside}) == []


def test_custom_thresholds_move_the_edge():
    signals = {**HEALTHY, "diversity": 0.6}
    assert names(signals) == []
    assert names(signals, Thresholds(diversity=0.7)) == [MODE_COLLAPSE]


def test_a_wasserstein_critic_skips_the_log_odds_rules():
    sick = {**HEALTHY, "d_real": 1.0, "d_fake": 0.0, "logit_gap": 5.0, "r_t": 1.0}
    assert names(sick) == [DISCRIMINATOR_WINS, OVERFITTING]
    assert names({**sick, "critic": True}) == []


def test_r_t_alone_is_not_overfitting():
    # ADA's r_t is reported, not used: D near 0.7 on reals gives r_t near 1.
    assert names({**HEALTHY, "r_t": 1.0, "logit_gap": None}) == []
    (found,) = diagnose({**HEALTHY, "logit_gap": 2.5, "r_t": -0.4})
    assert "2.50" in found.evidence and "r_t" in found.evidence
    (found,) = diagnose({**HEALTHY, "logit_gap": 2.5, "r_t": None})
    assert "r_t" not in found.evidence


def test_when_d_wins_uneven_classes_alone_are_not_collapse():
    wins = {**HEALTHY, "d_real": 0.999, "d_fake": 0.001}
    assert names({**wins, "class_kl": 2.3, "classes_present": 1.0}) == [
        DISCRIMINATOR_WINS
    ]
    # Low diversity is collapse in its own right, D winning or not.
    assert names({**wins, "class_kl": 2.3, "diversity": 0.2}) == [
        DISCRIMINATOR_WINS,
        MODE_COLLAPSE,
    ]
    assert names({**HEALTHY, "class_kl": 2.3}) == [MODE_COLLAPSE]


def test_learning_rates_tailor_the_d_wins_remedy():
    wins = {**HEALTHY, "d_real": 0.99, "d_fake": 0.01}
    (found,) = diagnose({**wins, "d_lr": 1e-3, "g_lr": 2e-5})
    assert found.remedies[0].startswith("D learns 50x faster than G")
    assert "g_optimizer=keras.optimizers.Adam(0.001, beta_1=0.5)" in found.remedies[0]
    assert found.remedies[1:] == diagnose(wins)[0].remedies
    for d_lr, g_lr in [(1e-4, 1e-4), (1e-4, 4e-4), (1e-3, 0.0)]:
        (found,) = diagnose({**wins, "d_lr": d_lr, "g_lr": g_lr})
        assert found.remedies == diagnose(wins)[0].remedies


# One check of each run of bench/doctor.py (seed 0), as it recorded it: the
# first check that named the failure, and the last check of a healthy run.
_RECORDED_KEYS = (*doctor.LOG_KEYS, "g_grad_ratio", "grad_growth",
                  "loss_oscillation", "diversity", "spread", "class_kl",
                  "classes_present", "logit_gap", "r_t")  # fmt: skip
RECORDED = {
    "d_fast": (0.001, 7.671, 0.999, 0.001, 0.04, 95.163, 1.453, None, None,
               0.565, 0.411, 2.303, 1.0, -0.022, 1.0),
    "collapse": (1.46, 0.623, 0.514, 0.546, 1.646, 0.056, 0.6, None, None,
                 0.263, 0.191, 1.447, 1.0, 0.001, 0.476),
    "lr100": (5.035, 14.05, 0.79, 0.217, 6.397, 1.975, 0.764, 0.764, 0.726,
              0.805, 0.585, 0.593, 8.0, -0.22, 0.904),
    "memorise": (0.881, 1.397, 0.673, 0.33, 14.774, 2.473, 0.307, 0.837, 0.105,
                 0.908, 0.646, 0.282, 10.0, 1.017, -0.69),
    "healthy": (1.144, 1.423, 0.636, 0.365, 7.564, 3.912, 0.361, 0.436, 0.008,
                1.002, 0.729, 0.007, 10.0, 0.12, -0.828),
}  # fmt: skip


@pytest.mark.parametrize(
    "case, expected",
    [
        ("d_fast", [DISCRIMINATOR_WINS]),  # D 50x faster than G
        ("collapse", [MODE_COLLAPSE]),  # G 50x faster than D
        ("lr100", [OSCILLATION]),  # Adam 1e-1
        ("memorise", [OVERFITTING]),  # 200 training images
        ("healthy", []),  # the default recipe
    ],
)
def test_signals_recorded_from_real_runs(case, expected):
    assert names(dict(zip(_RECORDED_KEYS, RECORDED[case]))) == expected


@pytest.mark.parametrize(
    "change, remedies",
    [
        ({"d_real": 0.99, "d_fake": 0.01}, ['loss="least_squares"',
         'loss="wasserstein", gradient_penalty=10.0', "instance_noise=0.1",
         "d_optimizer=", "BCE(label_smoothing=0.1)"]),
        ({"diversity": 0.1}, ["minibatch_std=True", "compile(pack=2)",
         "make_discriminator(pack=2)", "unrolled_steps=5"]),
        ({"grad_growth": 100.0}, ["clipnorm=1.0", "spectral_norm=True", "2e-4"]),
        ({"d_loss": math.nan}, ["clipnorm=1.0", "spectral_norm=True"]),
        ({"logit_gap": 3.0, "r_t": 1.0}, ['augment="diffaugment"',
         'augment="ada"', "dropout"]),
    ],
)  # fmt: skip
def test_messages_explain_and_name_the_ganlab_remedy(change, remedies):
    (found,) = diagnose({**HEALTHY, **change})
    text = str(found)
    assert text.startswith(found.name) and "Why:" in text and "Try:" in text
    for remedy in remedies:
        assert remedy in text


def test_evidence_quotes_the_numbers():
    (found,) = diagnose({**HEALTHY, "d_real": 0.991, "d_fake": 0.012})
    assert "0.991" in found.evidence and "0.012" in found.evidence
    assert "80%" in found.evidence  # g_grad_ratio 0.8


# ------------------------------------------------------- trend signals --


def test_trend_signals_from_window_means():
    windows = [
        {"d_loss": 1.0, "g_loss": 1.0, "d_grad_norm": 2.0, "g_grad_norm": 4.0},
        {"d_loss": 3.0, "g_loss": 1.0, "d_grad_norm": 2.0, "g_grad_norm": 2.0},
        {"d_loss": 1.0, "g_loss": 1.0, "d_grad_norm": 60.0, "g_grad_norm": 1.0},
    ]
    out = trend_signals(windows)
    assert out["g_grad_ratio"] == pytest.approx(1.0 / 4.0)
    assert out["grad_growth"] == pytest.approx(60.0 / 2.0)  # over the earlier peak
    # d_loss 1 -> 3 -> 1: |+2| + |-2| moved, 0 net, over 2 changes, level 5/3.
    assert out["loss_oscillation"] == pytest.approx(4 / 2 / (5 / 3 + 0.1))


def test_a_trend_is_not_an_oscillation():
    steady = [{"d_loss": 1.0 - 0.2 * i, "g_loss": 1.0 + i} for i in range(5)]
    assert trend_signals(steady)["loss_oscillation"] == pytest.approx(0.0)
    zigzag = [{"d_loss": 1.0, "g_loss": 1.0 + 3 * (i % 2)} for i in range(5)]
    assert trend_signals(zigzag)["loss_oscillation"] == pytest.approx(3 / 2.3)


def test_trend_signals_need_history():
    one = trend_signals([{"d_loss": 1.0, "g_grad_norm": 1.0}])
    assert one == {"g_grad_ratio": None, "grad_growth": None, "loss_oscillation": None}
    two = trend_signals([{"d_loss": 1.0, "d_grad_norm": 1.0}] * 2)
    assert two["grad_growth"] is None and two["loss_oscillation"] is None
    flat = trend_signals([{"d_loss": 1.0, "g_loss": 2.0}] * 4)
    assert flat["loss_oscillation"] == 0.0


# ------------------------------------------------------------ callback --


class FakeGAN:
    """Exposes GAN's ``generate`` and ``discriminate`` contract, nothing else."""

    def __init__(self, shape=(8, 8, 1), identical=False, nan=False, members=None):
        self.shape, self.identical, self.nan = shape, identical, nan
        self.members = members  # images D "remembers": logit 3, others -1
        self.calls = {"generate": 0, "discriminate": 0}
        self.labels_seen = []

    def generate(self, n, seed=None):
        self.calls["generate"] += 1
        rng = np.random.default_rng(seed)
        images = rng.uniform(-1, 1, (1 if self.identical else n, *self.shape))
        images = np.broadcast_to(images, (n, *self.shape)).astype(np.float32)
        return images * np.nan if self.nan else images

    def discriminate(self, images, labels=None):
        self.calls["discriminate"] += 1
        self.labels_seen.append(labels)
        if self.members is None:
            return np.zeros(len(images), np.float32)
        known = {m.tobytes() for m in np.float32(self.members) / 127.5 - 1}
        return np.array([3.0 if x.tobytes() in known else -1.0 for x in images])


def drive(cb, steps, steps_per_epoch=10, model=None):
    """Call the hooks as fit would: logs hold running means since epoch start.

    ``steps`` is a list of per-step dicts; returns the epoch logs."""
    cb.set_model(model or FakeGAN())
    cb.on_train_begin()
    epoch_logs = []
    for epoch, start in enumerate(range(0, len(steps), steps_per_epoch)):
        cb.on_epoch_begin(epoch)
        chunk = steps[start : start + steps_per_epoch]
        sums = dict.fromkeys(chunk[0], 0.0)
        for batch, step in enumerate(chunk):
            logs = {}
            for key, value in step.items():
                sums[key] += value
                logs[key] = sums[key] / (batch + 1)
            logs["loss"] = logs["d_loss"] + logs["g_loss"]
            cb.on_train_batch_end(batch, logs)
        logs = dict(logs)
        cb.on_epoch_end(epoch, logs)
        epoch_logs.append(logs)
    cb.on_train_end()
    return epoch_logs


def test_window_means_are_recovered_across_epochs():
    steps = [{**HEALTHY_STEP, "d_real": 0.1 * (i // 6)} for i in range(24)]
    cb = GANDoctor(every=6, warmup=0, verbose=0)
    drive(cb, steps, steps_per_epoch=10)  # windows straddle the epoch ends
    assert [h["step"] for h in cb.history] == [6, 12, 18, 24]
    assert [h["d_real"] for h in cb.history] == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_each_diagnosis_is_printed_once_per_change(capsys):
    steps = [HEALTHY_STEP] * 30 + [WINNING_STEP] * 60 + [HEALTHY_STEP] * 30
    cb = GANDoctor(every=10, warmup=0)
    drive(cb, steps)
    out = capsys.readouterr().out
    assert out.count(DISCRIMINATOR_WINS) == 2  # onset, then "no longer detected"
    assert "GANDoctor, step 40: discriminator wins" in out
    assert f"step 100: no longer detected: {DISCRIMINATOR_WINS}" in out
    assert 'loss="least_squares"' in out
    assert "looks healthy" not in out
    assert [(s, n) for s, n, _ in cb.diagnoses] == [(40, DISCRIMINATOR_WINS)]
    assert cb.diagnoses[0][2].startswith(DISCRIMINATOR_WINS)


def test_a_healthy_run_prints_one_line_at_the_end(capsys):
    cb = GANDoctor(every=10, warmup=0, train_images=_real_images())
    drive(cb, [HEALTHY_STEP] * 50)
    out = capsys.readouterr().out
    assert out.splitlines() == ["GANDoctor: looks healthy (5 checks, 50 steps)."]
    assert cb.diagnoses == [] and all(h["problems"] == 0 for h in cb.history)
    assert GANDoctor(verbose=0).verbose == 0


def test_verbose_zero_prints_nothing(capsys):
    drive(GANDoctor(every=10, warmup=0, verbose=0), [WINNING_STEP] * 30)
    assert capsys.readouterr().out == ""


def test_signals_are_written_into_the_epoch_logs():
    cb = GANDoctor(every=5, warmup=0, verbose=0, train_images=_real_images())
    logs = drive(cb, [HEALTHY_STEP] * 20, steps_per_epoch=10)
    for epoch_logs, check in zip(logs, (cb.history[1], cb.history[3])):
        for key in doctor.LOGGED:
            value = check.get(key)
            expected = math.nan if value is None else value
            assert epoch_logs["doctor_" + key] == pytest.approx(expected, nan_ok=True)
    assert logs[0]["doctor_d_real"] == pytest.approx(0.7)
    assert 0.5 < logs[0]["doctor_diversity"] < 2  # uniform noise vs noise
    assert math.isnan(logs[0]["doctor_logit_gap"])  # no held-out images
    assert logs[0]["doctor_problems"] == 0


def test_history_and_tensorboard_see_the_signals_when_the_doctor_comes_first():
    cb, history = GANDoctor(every=5, warmup=0, verbose=0), keras.callbacks.History()
    model = FakeGAN()
    callbacks = keras.callbacks.CallbackList([cb, history], model=model)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    for batch in range(5):
        callbacks.on_train_batch_end(batch, dict(HEALTHY_STEP))
    callbacks.on_epoch_end(0, dict(HEALTHY_STEP))
    assert history.history["doctor_d_fake"] == [pytest.approx(0.3)]


@pytest.mark.parametrize(
    "late",
    [
        lambda i: {"g_loss": 0.5 if (i // 10) % 2 else 4.0},  # losses zigzag
        lambda i: {"d_grad_norm": 80.0},  # D's gradient explodes
    ],
)
def test_swinging_losses_or_exploding_gradients_are_unstable(late):
    steps = [HEALTHY_STEP] * 30 + [{**HEALTHY_STEP, **late(i)} for i in range(30)]
    cb = GANDoctor(every=10, warmup=0, verbose=0)
    drive(cb, steps)
    assert [n for _, n, _ in cb.diagnoses] == [OSCILLATION]


def test_nan_is_diagnosed_at_once_and_only_once(capsys):
    model = FakeGAN()
    steps = [HEALTHY_STEP] * 5 + [{**HEALTHY_STEP, "g_loss": math.nan}] * 15
    cb = GANDoctor(every=100, warmup=1000)
    logs = drive(cb, steps, model=model)
    out = capsys.readouterr().out
    assert out.count(DIVERGED) == 1 and "step 6: diverged" in out
    assert "g_loss" in out and "TerminateOnNaN" in out
    assert cb.diagnoses[0][:2] == (6, DIVERGED)
    assert model.calls["generate"] == 0  # no sampling from a broken model
    assert logs[1]["doctor_problems"] == 1


def test_nan_images_mean_divergence():
    cb = GANDoctor(every=10, warmup=0, verbose=0)
    drive(cb, [HEALTHY_STEP] * 10, model=FakeGAN(nan=True))
    assert [n for _, n, _ in cb.diagnoses] == [DIVERGED]


def test_identical_samples_are_mode_collapse():
    cb = GANDoctor(every=10, warmup=0, verbose=0, train_images=_real_images())
    drive(cb, [HEALTHY_STEP] * 20, model=FakeGAN(identical=True))
    assert [n for _, n, _ in cb.diagnoses] == [MODE_COLLAPSE]
    assert cb.history[-1]["diversity"] == 0.0 and cb.history[-1]["spread"] == 0.0
    # Without real images the pixel spread still catches it.
    cb = GANDoctor(every=10, warmup=0, verbose=0)
    drive(cb, [HEALTHY_STEP] * 10, model=FakeGAN(identical=True))
    assert [n for _, n, _ in cb.diagnoses] == [MODE_COLLAPSE]
    assert cb.history[-1].get("diversity") is None


def test_varied_samples_are_not_collapse():
    cb = GANDoctor(every=10, warmup=0, verbose=0, train_images=_real_images())
    drive(cb, [HEALTHY_STEP] * 10)
    assert cb.diagnoses == [] and cb.history[-1]["diversity"] > 0.9


def test_warmup_holds_all_but_divergence():
    cb = GANDoctor(every=10, warmup=30, verbose=0)
    drive(cb, [HEALTHY_STEP] * 40, model=FakeGAN(identical=True))
    assert cb.diagnoses[0][:2] == (30, MODE_COLLAPSE)


def test_memorising_discriminator_is_overfitting():
    train, heldout = _real_images(seed=1), _real_images(seed=2)
    model = FakeGAN(members=train)
    cb = GANDoctor(
        every=10, warmup=0, verbose=0, train_images=train, heldout_images=heldout,
        train_labels=np.arange(64) % 10, heldout_labels=np.zeros(64, int),
    )  # fmt: skip
    drive(cb, [HEALTHY_STEP] * 10, model=model)
    assert [n for _, n, _ in cb.diagnoses] == [OVERFITTING]
    assert cb.history[-1]["logit_gap"] == pytest.approx(4.0)
    assert cb.history[-1]["r_t"] == pytest.approx(1.0)
    train_labels, heldout_labels = model.labels_seen
    assert sorted(train_labels) == sorted(np.arange(64) % 10)
    assert not heldout_labels.any()


def test_n_samples_caps_the_real_images_and_keeps_labels_aligned():
    images = _real_images(n=40)
    labels = np.arange(40)
    cb = GANDoctor(n_samples=8, train_images=images, train_labels=labels)
    kept, kept_labels = cb.train
    assert kept.shape == (8, 8, 8, 1)
    np.testing.assert_allclose(kept, images[kept_labels] / 127.5 - 1.0, atol=1e-6)


def test_the_callback_reads_the_learning_rates(capsys):
    model = FakeGAN()
    model.d_optimizer = keras.optimizers.Adam(1e-3)
    schedule = keras.optimizers.schedules.ExponentialDecay(4e-5, 10, 0.5)
    model.g_optimizer = keras.optimizers.Adam(schedule)  # 4e-5 at step 0
    drive(GANDoctor(every=10, warmup=0), [WINNING_STEP] * 20, model=model)
    out = capsys.readouterr().out
    assert "D learns 25x faster than G (learning rates 0.001 and 4e-05)" in out
    assert doctor._learning_rates(FakeGAN()) == {}


def test_wasserstein_models_are_read_as_critics():
    critic = types.SimpleNamespace(loss_fn=types.SimpleNamespace(name="wasserstein"))
    assert doctor._is_critic(critic)
    assert not doctor._is_critic(types.SimpleNamespace(loss_fn="bce"))
    assert not doctor._is_critic(object())
    cb = GANDoctor(every=10, warmup=0, verbose=0)
    model = FakeGAN()
    model.loss_fn = "wasserstein"
    drive(cb, [WINNING_STEP] * 20, model=model)
    assert cb.diagnoses == []


def test_samples_of_mnist_get_class_coverage(mnist):
    (x_train, _), _ = mnist
    cb = GANDoctor(
        every=10, warmup=0, verbose=0, n_samples=200, train_images=x_train[:200]
    )
    drive(cb, [HEALTHY_STEP] * 10, model=FakeGAN(shape=(28, 28, 1), identical=True))
    assert cb.classes is True
    assert cb.history[-1]["class_kl"] == pytest.approx(math.log(10), abs=1e-5)
    assert "digit classes uneven" in cb.diagnoses[0][2]


def test_digits_are_told_from_other_28x28_pictures(mnist):
    from ganlab.diagnosis.doctor import looks_like_digits

    _, (x_test, _) = mnist
    assert looks_like_digits(x_test[:500])
    assert not looks_like_digits(_gray_discs(500, seed=1))
    assert not looks_like_digits(np.transpose(x_test[:500], (0, 2, 1)))
    assert not looks_like_digits(x_test[:500, :16, :16])  # not 28×28


def _gray_discs(n, seed):
    from ganlab.data.toy_images import disc_pictures

    pictures = disc_pictures(n, size=28, seed=seed).mean(axis=-1, keepdims=True)
    return pictures.astype(np.uint8)


class PerfectGAN(FakeGAN):
    """Samples that are real pictures: a healthy generator of them."""

    def __init__(self, pictures):
        super().__init__(shape=pictures.shape[1:])
        self.pictures = pictures

    def generate(self, n, seed=None):
        index = np.random.default_rng(seed).permutation(len(self.pictures))[:n]
        return self.pictures[index].astype(np.float32) / 127.5 - 1


def test_a_healthy_run_on_pictures_that_are_not_digits_stays_quiet(capsys):
    """Disc pictures all read as "8" to the MNIST classifier: judged by digit
    classes they would look collapsed. They are not digits, so no coverage."""
    cb = GANDoctor(every=10, warmup=0, n_samples=200, train_images=_gray_discs(200, 0))
    drive(cb, [HEALTHY_STEP] * 30, model=PerfectGAN(_gray_discs(400, seed=2)))
    assert cb.diagnoses == [] and cb.classes is False
    assert "class_kl" not in cb.history[-1]
    printed = capsys.readouterr().out
    assert "not MNIST digits" in printed and "looks healthy" in printed


def test_a_classifier_of_ones_own_classes_is_used():
    def two_classes(images):  # bright or dark
        bright = np.asarray(images).mean(axis=(1, 2, 3)) > 0
        return np.stack([bright, ~bright], axis=1).astype(np.float32)

    cb = GANDoctor(every=10, warmup=0, verbose=0, n_samples=50, classifier=two_classes)
    drive(cb, [HEALTHY_STEP] * 10, model=FakeGAN(shape=(8, 8, 1), identical=True))
    assert cb.history[-1]["classes_present"] == 1.0
    with pytest.raises(ValueError, match="classifier must be a function"):
        GANDoctor(classifier="mnist")


class FakeTranslator:
    """A Pix2Pix's contract for the doctor: translate, no generate."""

    loss_fn = "bce"

    def translate(self, x):
        return x


def test_translators_are_diagnosed_from_their_logs(capsys):
    cb = GANDoctor(every=10, warmup=0)
    drive(cb, [WINNING_STEP] * 20, model=FakeTranslator())
    assert [d[1] for d in cb.diagnoses] == [DISCRIMINATOR_WINS]
    with pytest.raises(ValueError, match="training logs only"):
        GANDoctor(train_images=_gray_discs(8, 0)).set_model(FakeTranslator())
    with pytest.raises(ValueError, match="neither generate nor translate"):
        GANDoctor().set_model(object())


@pytest.mark.backends
def test_a_pix2pix_trains_with_the_doctor_attached():
    from ganlab.translation.pix2pix import (
        make_patchgan_discriminator,
        make_unet_generator,
    )

    keras.utils.set_random_seed(0)
    shape = (16, 16, 1)
    model = ganlab.Pix2Pix(
        make_unet_generator(shape, width=4),
        make_patchgan_discriminator(shape, condition_shape=shape, width=4),
    )
    model.compile()
    x = np.random.default_rng(0).integers(0, 256, (16, *shape), dtype=np.uint8)
    cb = GANDoctor(every=2, warmup=0, verbose=0)
    model.fit((x, 255 - x), batch_size=4, epochs=2, verbose=0, callbacks=[cb])
    assert len(cb.history) == 4 and "d_real" in cb.history[-1]


def test_bad_arguments():
    with pytest.raises(ValueError, match="every"):
        GANDoctor(every=0)


def _real_images(n=64, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, 8, 8, 1), dtype=np.uint8)
