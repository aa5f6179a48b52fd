"""`python -m ganlab train --images DIR` on a folder: time, interruption, result.

What a practitioner does with a folder of their own: one command, stopped
part-way (Ctrl-C) and started again, the recipe chosen by the command. The
folder here holds synthetic disc pictures (:mod:`ganlab.data.toy_images`: one
disc of random colour, radius and position on a plain background), so the
result can be measured: the share of 500 samples that are one disc on a
plain background (:func:`ganlab.data.toy_images.disc_share`), and how varied
those discs' centres and radii are (:func:`ganlab.data.toy_images.disc_spread`:
a generator that draws one disc again and again passes the first check and
fails this one), printed beside the same measures for the training
pictures (the reference: what a perfect generator would score) and for an
untrained generator of the same recipe.

The command runs in a subprocess; after ``--interrupt-after`` seconds the
script sends it SIGINT, as Ctrl-C does, checks that it exits with 130, and
runs the same command again, which resumes. The clock counts both
invocations whole (Python's start, reading, clustering, training, writing),
against the 10-minute goal on 2 CPU cores.

    GANLAB_DATA_DIR=../shared/data python bench/folder_training.py   # ~6 min
    python bench/folder_training.py --quick                           # ~1 min
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from ganlab.data.image_folders import load_image_folder  # noqa: E402
from ganlab.data.toy_images import disc_share, disc_spread, write_disc_folder  # noqa: E402
from ganlab.gan.recipes import folder_recipe, gan_from_recipe  # noqa: E402

GOAL_SECONDS = 600


def run_command(command: list[str], *, interrupt_after: float | None) -> tuple:
    """Run the command; SIGINT it after ``interrupt_after`` s. (exit code, s)."""
    start = time.perf_counter()
    # A shell starts background jobs with SIGINT ignored, and Python then
    # keeps ignoring it: give the command Ctrl-C's default back.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    # communicate, not wait: the command's progress bars fill a pipe that
    # nobody reads within minutes, and the command then blocks on writing.
    try:
        out, _ = process.communicate(timeout=interrupt_after)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate()
    for line in out.splitlines():
        if line.startswith("ganlab"):
            print("   ", line)
    return process.returncode, time.perf_counter() - start


def untrained_samples(pictures, n: int):
    """n samples of an untrained generator of the recipe (the floor)."""
    recipe = folder_recipe(pictures.shape[1], len(pictures))
    return gan_from_recipe(recipe, pictures.shape[1:], seed=0).generate(n, seed=1)


def table_row(name: str, images) -> str:
    """A markdown row: disc share, then the discs' centre and radius spread."""
    spread = disc_spread(images)
    return (f"| {name} | {disc_share(images):.1%} | {spread['centre_std']:.3f} "
            f"| {spread['radius_std']:.3f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=3000)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--source-size", type=int, default=48,
                        help="side of the PNG files written")  # fmt: skip
    parser.add_argument("--epochs", type=int,
                        help="passes (default: the recipe's)")  # fmt: skip
    parser.add_argument("--interrupt-after", type=float, default=150.0,
                        help="seconds into the first run to send SIGINT")  # fmt: skip
    parser.add_argument("--out", help="run folder (default: a temporary one)")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--quick", action="store_true", help="width 8, 2 epochs")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="folder_training_"))
    folder = write_disc_folder(
        work / "discs", args.pictures, size=args.source_size, seed=0
    )
    out = Path(args.out) if args.out else work / "run"
    command = [sys.executable, "-m", "ganlab", "train", "--images", str(folder),
               "--image-size", str(args.image_size), "--out", str(out),
               "--overwrite"]  # fmt: skip
    if args.quick:
        command += ["--width", "8", "--epochs", "2"]
    elif args.epochs:
        command += ["--epochs", str(args.epochs)]
    print(f"{args.pictures} disc pictures ({args.source_size} px) read at "
          f"{args.image_size} px")  # fmt: skip
    print("$ python", " ".join(command[1:]))

    code, first = run_command(command, interrupt_after=args.interrupt_after)
    interrupted = code == 130
    how = "interrupted" if interrupted else "finished before SIGINT"
    print(f"first run: exit {code} after {first:.0f} s ({how})")
    if code not in (0, 130):
        raise SystemExit(f"the first run failed with exit code {code}")
    second = 0.0
    if interrupted:
        resume = [arg for arg in command if arg != "--overwrite"]
        code, second = run_command(resume, interrupt_after=None)
        print(f"resumed run: exit {code} after {second:.0f} s")
        if code:
            raise SystemExit(f"the resumed run failed with exit code {code}")

    gan = keras.models.load_model(out / "model.keras")
    pictures = load_image_folder(folder, image_size=args.image_size)
    steps = int(keras.ops.convert_to_numpy(gan.g_optimizer.iterations))
    print(f"\n| pictures | one disc on a plain background (of {args.samples}) "
          "| centre spread | radius spread |")  # fmt: skip
    print("|---|---|---|---|")
    print(table_row("training pictures (reference)", pictures[: args.samples]))
    print(table_row("untrained generator", untrained_samples(pictures, args.samples)))
    print(table_row(f"trained, {steps} steps", gan.generate(args.samples, seed=1)))
    print("(spreads: standard deviations of the discs' centres and radii, as "
          "fractions of the side; nan: fewer than two discs)")  # fmt: skip
    total = first + second
    print(f"\nwall time, both runs: {total:.0f} s", end="")
    if args.image_size <= 32:  # the goal is for pictures of 28 or 32 pixels
        verdict = "met" if total <= GOAL_SECONDS else "missed"
        print(f" (goal {GOAL_SECONDS} s: {verdict})", end="")
    print()


if __name__ == "__main__":
    main()
