"""How long a command-line run trains (ganlab.cli.budget)."""

import pytest

from ganlab.cli.budget import MIN_EPOCH_STEPS, TrainingClock, plan_training


def test_a_step_budget_does_not_depend_on_the_data_size():
    # 5,000 pairs in batches of 64: 78 steps a pass, epochs of 100 steps.
    small = plan_training(5000 // 64, batch_size=64, steps=2000)
    assert (small.steps, small.epochs, small.steps_per_epoch) == (2000, 20, 100)
    # MNIST's 60,000: epochs of one pass (937 steps), the last one cut short.
    mnist = plan_training(60000 // 64, batch_size=64)
    assert (mnist.steps, mnist.epochs, mnist.steps_per_epoch) == (2000, 3, 937)
    assert "the last cut to 126" in mnist.describe()
    # A budget shorter than an epoch is one epoch of that many steps.
    assert plan_training(3, batch_size=4, steps=7)[1:3] == (1, 7)
    assert MIN_EPOCH_STEPS == 100


def test_epochs_override_and_errors():
    plan = plan_training(10, batch_size=8, epochs=3)
    assert (plan.steps, plan.epochs, plan.steps_per_epoch) == (30, 3, 10)
    assert plan_training(10, batch_size=8, default_epochs=5).epochs == 5
    with pytest.raises(ValueError, match="give --epochs alone"):
        plan_training(10, batch_size=8, epochs=2, minutes=1.0)
    with pytest.raises(ValueError, match="--steps must be at least 1"):
        plan_training(10, batch_size=8, steps=0)
    with pytest.raises(ValueError, match="--minutes must be above 0"):
        plan_training(10, batch_size=8, minutes=0)


class _Model:
    stop_training = False


def _run(clock, steps_per_epoch, epochs):
    clock.set_model(_Model())
    clock.on_train_begin()
    ran = 0
    for epoch in range(epochs):
        clock.on_epoch_begin(epoch)
        for batch in range(steps_per_epoch):
            clock.on_train_batch_end(batch)
            ran += 1
            if clock.model.stop_training:
                return ran
    return ran


def test_the_clock_stops_after_the_planned_steps_or_minutes(capsys):
    plan = plan_training(4, batch_size=2, steps=10)  # epochs of 10 steps
    assert _run(TrainingClock(plan, report_after=5), 100, 1) == 10
    assert "steps/s" in capsys.readouterr().out  # the projection
    timed = plan_training(4, batch_size=2, minutes=1e-9)
    clock = TrainingClock(timed)
    assert _run(clock, timed.steps_per_epoch, 3) == 1 and clock.stopped_by_time
