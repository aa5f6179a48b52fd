"""How long a command-line run trains: ``--steps``, ``--minutes``, ``--epochs``.

Shared by ``python -m ganlab train`` and ``python -m ganlab translate train``.
A run is budgeted in optimizer steps (one batch each), not in epochs, so that
a folder of 5,000 pictures trains as long as MNIST's 60,000 digits do:

- :func:`plan_training` turns the flags into a :class:`TrainingPlan`: epochs
  of ``steps_per_epoch`` steps over the repeated data (``fit``'s
  ``steps_per_epoch``). An epoch is one pass over the data, but never fewer
  than :data:`MIN_EPOCH_STEPS` steps (a 50-picture folder does not write a
  strip and a backup after every step or two) and never more than the whole
  budget; the last epoch is cut short where the steps do not fill it.
  ``--epochs E`` instead gives E epochs of one pass each.
- :class:`TrainingClock`, a callback, stops ``fit`` after exactly the
  planned steps or, with ``--minutes``, at the end of the step in which the
  time runs out (the epoch's strip, history row and backup are still
  written, then the model and metrics); after the first
  :data:`REPORT_AFTER_STEPS` steps it prints the projected training time.

Resuming an interrupted run (``keras.callbacks.BackupAndRestore``): the step
budget continues from the last finished epoch, whose unfinished successor is
redone from its start. The time budget is the run's total: the training time
up to the last finished epoch is kept in the backup folder
(:data:`CLOCK_FILE`), so the resumed run gets what is left of ``--minutes``
(and at least one step); the lost part of the interrupted epoch is not
counted.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import NamedTuple

import keras

DEFAULT_STEPS = 2000  # translate train's budget: about MNIST's old 2 epochs
MIN_EPOCH_STEPS = 100  # shortest epoch of a step budget (strip, history, backup)
REPORT_AFTER_STEPS = 20  # steps measured before the projection is printed
UNBOUNDED_STEPS = 10**7  # the step ceiling of a run budgeted in minutes alone
CLOCK_FILE = "ganlab_clock.json"  # training seconds so far, in the backup folder


class TrainingPlan(NamedTuple):
    """How long ``fit`` runs.

    ``steps``: the step budget (None: ``--minutes`` alone, as many steps as
    fit); ``epochs`` and ``steps_per_epoch``: what ``fit`` gets; ``batch_size``:
    images per step; ``minutes``: the wall-clock budget, or None.
    """

    steps: int | None
    epochs: int
    steps_per_epoch: int
    batch_size: int
    minutes: float | None = None

    def describe(self) -> str:
        """E.g. "2000 steps (20 epochs of 100 steps, batch 64)"."""
        epochs = f"epochs of {self.steps_per_epoch} steps"
        if self.steps is None:
            return (
                f"{self.minutes:g} min ({epochs}, batch {self.batch_size}; as many "
                "steps as fit)"
            )
        if self.epochs == 1:
            epochs = f"epoch of {self.steps_per_epoch} steps"
        last = self.steps - (self.epochs - 1) * self.steps_per_epoch
        cut = "" if last == self.steps_per_epoch else f", the last cut to {last}"
        limit = "" if self.minutes is None else f", at most {self.minutes:g} min"
        return (
            f"{self.steps} steps ({self.epochs} {epochs}{cut}, batch "
            f"{self.batch_size}){limit}"
        )


def add_budget_flags(parser, *, default: str) -> None:
    """``--steps``, ``--minutes`` and ``--epochs`` on ``parser``; ``default``
    says in words what a run without any of them does."""
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        metavar="N",
        help=f"train for N optimizer steps of one batch each ({default}). Epochs "
        f"are one pass over the data, but at least {MIN_EPOCH_STEPS} steps and at "
        "most N; each writes a picture, a history row and a backup",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=None,
        metavar="M",
        help="wall-clock budget: stop at the end of the step in which M minutes "
        "of training are used up (the outputs are still written). Alone: train "
        "that long; with --steps: whichever comes first. A resumed run gets what "
        "the interrupted one left of M",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        metavar="E",
        help="instead of --steps/--minutes: E passes over the data",
    )


def plan_training(
    steps_per_pass: int,
    *,
    batch_size: int,
    steps: int | None = None,
    minutes: float | None = None,
    epochs: int | None = None,
    default_steps: int = DEFAULT_STEPS,
    default_epochs: int | None = None,
) -> TrainingPlan:
    """The :class:`TrainingPlan` of the flags.

    Args:
        steps_per_pass: steps of one pass over the data (``fit`` drops the
            last partial batch: N // batch_size, at least 1).
        batch_size: images per step (reported only).
        steps, minutes, epochs: the flags ``--steps``, ``--minutes``,
            ``--epochs`` (None: not given).
        default_steps: the step budget when no flag is given...
        default_epochs: ...unless this is set: then that many passes.

    Raises:
        ValueError: ``--epochs`` with ``--steps`` or ``--minutes``; a value
            below 1 (minutes: not above 0).
    """
    if epochs is not None and (steps is not None or minutes is not None):
        raise ValueError(
            "--epochs counts passes over the data, --steps and --minutes budget "
            "steps and time: give --epochs alone, or --steps and/or --minutes."
        )
    for flag, value in (("--steps", steps), ("--epochs", epochs)):
        if value is not None and value < 1:
            raise ValueError(f"{flag} must be at least 1; got {value}.")
    if minutes is not None and not minutes > 0:
        raise ValueError(f"--minutes must be above 0; got {minutes}.")
    per_pass = max(1, int(steps_per_pass))
    if steps is None and minutes is None:
        epochs = epochs if epochs is not None else default_epochs
        steps = None if epochs is not None else int(default_steps)
    if epochs is not None:
        return TrainingPlan(epochs * per_pass, int(epochs), per_pass, batch_size)
    per_epoch = max(per_pass, MIN_EPOCH_STEPS)
    if steps is not None:
        per_epoch = min(per_epoch, int(steps))
    total = UNBOUNDED_STEPS if steps is None else int(steps)
    return TrainingPlan(
        steps, math.ceil(total / per_epoch), per_epoch, batch_size, minutes
    )


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3.1 min"`` or ``"2.5 h"``."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class TrainingClock(keras.callbacks.Callback):
    """Ends ``fit`` when the plan's steps or minutes are used up, and prints
    the projected training time once the first steps have run.

    Goes after ``BackupAndRestore`` in the callbacks: at each epoch's end,
    once the backup is written, it writes the training seconds so far to
    ``backup_dir/CLOCK_FILE``, which the next run of an interrupted one
    reads (the backup folder, and the file with it, is deleted when ``fit``
    ends).

    Args:
        plan: the :class:`TrainingPlan`.
        backup_dir: the ``BackupAndRestore`` folder, or None.
        report_after: steps measured before the projection is printed (or
            all of them, when fewer are left to run; none for one step).
    """

    def __init__(self, plan: TrainingPlan, *, backup_dir=None, report_after=None):
        super().__init__()
        self.plan = plan
        self.backup_dir = None if backup_dir is None else Path(backup_dir)
        self.report_after = report_after or REPORT_AFTER_STEPS
        self.done = self.first = None  # steps in all, and before this run
        self.stopped_by_time = False

    def on_train_begin(self, logs=None):
        self.before = _read_seconds(self.backup_dir)
        self.start = time.perf_counter()
        self.done = self.first = None
        self.stopped_by_time = False

    def elapsed(self) -> float:
        """Training seconds of the whole run, interrupted parts included."""
        return self.before + time.perf_counter() - self.start

    def on_epoch_begin(self, epoch, logs=None):
        if self.done is None:  # a resumed run starts at a later epoch
            self.done = self.first = epoch * self.plan.steps_per_epoch

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        ran = self.done - self.first
        if ran == 1:
            self.first_step_end = time.perf_counter()  # after the compilation
        if ran == min(self.report_after, self._to_run()) and ran > 1:
            self._report(ran)
        if self.plan.steps is not None and self.done >= self.plan.steps:
            self.model.stop_training = True
        minutes = self.plan.minutes
        if minutes is not None and self.elapsed() >= 60 * minutes:
            self.model.stop_training = self.stopped_by_time = True

    def _to_run(self) -> int:
        return (self.plan.steps or UNBOUNDED_STEPS) - self.first

    def _report(self, ran: int) -> None:
        rate = (ran - 1) / max(time.perf_counter() - self.first_step_end, 1e-9)
        left = (self.plan.steps or UNBOUNDED_STEPS) - self.done
        budget = None if self.plan.minutes is None else 60 * self.plan.minutes
        total = self.elapsed() + left / rate
        if budget is None or total <= budget:
            text = f"about {format_duration(total)} at {rate:.1f} steps/s"
        else:
            steps = self.done + max(0, int((budget - self.elapsed()) * rate))
            of = "" if self.plan.steps is None else f" of the {self.plan.steps}"
            text = (
                f"about {steps}{of} steps in the {self.plan.minutes:g} min budget "
                f"at {rate:.1f} steps/s"
            )
        # On its own line: Keras's progress bar redraws its line in place
        # (in a terminal, a notebook, a log) and has no newline mid-epoch.
        print(f"\nganlab: {text}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        if self.backup_dir is not None and self.backup_dir.is_dir():
            path = self.backup_dir / CLOCK_FILE
            path.write_text(json.dumps({"seconds": self.elapsed()}))

    def on_train_end(self, logs=None):
        if self.stopped_by_time:
            print(
                f"ganlab: the {self.plan.minutes:g} min budget is used up: stopped "
                f"after {self.done} steps"
            )


def _read_seconds(backup_dir) -> float:
    """Training seconds an interrupted run left in its backup folder (0.0)."""
    path = None if backup_dir is None else Path(backup_dir) / CLOCK_FILE
    if path is None or not path.is_file():
        return 0.0
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (ValueError, KeyError, TypeError):
        return 0.0


__all__ = [
    "CLOCK_FILE",
    "DEFAULT_STEPS",
    "MIN_EPOCH_STEPS",
    "REPORT_AFTER_STEPS",
    "TrainingClock",
    "TrainingPlan",
    "add_budget_flags",
    "format_duration",
    "plan_training",
]
