"""How long a Python process takes to exit after a ``fit`` that stopped mid-pass.

With tf.data's autotuning model on, freeing the repeated iterator that
``GAN.fit`` builds from arrays waits for the model's background thread; on
TF 2.21 that held up the end of the process for seconds, about every other
run. ganlab turns the model off for its in-memory pipeline
(``ganlab.data._NO_AUTOTUNE_MODEL``). This script runs the same child
process with the model on (the old behaviour) and off (ganlab's), and prints
the seconds between the child's last line and its exit:

    GANLAB_DATA_DIR=../shared/data python bench/exit_delay.py --runs 8
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import sys, keras, ganlab, ganlab.data, tensorflow as tf
if sys.argv[1] == "on":
    ganlab.data._NO_AUTOTUNE_MODEL = tf.data.Options()  # autotuning on
steps = int(sys.argv[2])
(x, _), _ = ganlab.load_mnist()
gan = ganlab.build_dcgan(16, (28, 28, 1), width=4, seed=0)
gan.compile()
class Stop(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) >= steps:
            self.model.stop_training = True
gan.fit(x, batch_size=64, epochs=100, verbose=0, callbacks=[Stop()])
print("done", flush=True)
"""


def exit_delay(mode: str, steps: int) -> float:
    """Seconds from the child's "done" line to the end of its process."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode, str(steps)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    for line in proc.stdout:
        if line.strip() == "done":
            done = time.perf_counter()
    if proc.wait() != 0:
        raise SystemExit(f"the child process failed (mode {mode})")
    return time.perf_counter() - done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=8, help="runs per mode")
    parser.add_argument(
        "--steps",
        type=int,
        default=1000,
        help="stop after this many steps (937 make an MNIST epoch at batch 64)",
    )
    args = parser.parse_args(argv)
    for mode in ("on", "off"):
        delays = [exit_delay(mode, args.steps) for _ in range(args.runs)]
        slow = sum(d > 2.0 for d in delays)
        print(
            f"autotuning model {mode:>3}: exit delays "
            + " ".join(f"{d:.1f}" for d in delays)
            + f" s; {slow} of {args.runs} over 2 s",
            flush=True,
        )


if __name__ == "__main__":
    main()
