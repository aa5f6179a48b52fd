"""The same GAN on TensorFlow, JAX and PyTorch: training steps per second.

Each backend runs in its own process (Keras picks its backend at import), one
after another, on the same machine, in this one run, so the numbers compare
side by side. Two configurations are timed with ``GAN.fit`` on MNIST:

- ``recipe``: the default recipe's networks (``python -m ganlab train``:
  self-conditioned on 100 clusters, width 32, BatchNorm in D, Adam 1e-3,
  EMA 0.999), batch 64, the alternating D-then-G step;
- ``tutorial``: the TensorFlow DCGAN tutorial's networks (width 64),
  batch 256, Adam 1e-4, the simultaneous step.

Each process warms up (the first steps compile the step: a ``tf.function``,
a ``jax.jit``), then times ``--steps`` steps. Also printed per backend:
``d_loss``/``g_loss`` after the timed steps, to see that the runs agree.

``jax-keras-vjp`` is JAX with Keras's own convolutions and their backward
passes, the reference for ganlab's (``ganlab.backend.jax``'s
``fast_convolutions``, which the ``jax`` row uses); ``torch-keras-op`` is
PyTorch with Keras's own transposed convolution, the reference for
``ganlab.backend.torch``'s ``fast_conv_transpose`` (the ``torch`` row).

    python bench/backends.py               # a few minutes on 2 cores
    python bench/backends.py --quick       # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "jax-keras-vjp", "torch", "torch-keras-op")


def child(config: str, steps: int, warmup: int) -> dict:
    """Time ``steps`` training steps of ``config`` on this process's backend."""
    import keras
    import numpy as np

    import ganlab
    from ganlab.gan import recipes

    if os.environ.get("BENCH_KERAS_VJP"):  # the reference: Keras's own VJP
        import contextlib

        from ganlab.backend import jax as jax_backend

        jax_backend.fast_convolutions = contextlib.nullcontext
    if os.environ.get("BENCH_KERAS_CONV_TRANSPOSE"):  # the reference: Keras's op
        import contextlib

        from ganlab.backend import torch as torch_backend

        torch_backend.fast_conv_transpose = contextlib.nullcontext

    keras.utils.set_random_seed(0)
    (x, _), _ = ganlab.load_mnist()
    if config == "recipe":
        batch = recipes.RECIPE["batch_size"]
        gan = recipes.build_recipe_gan(
            num_classes=recipes.RECIPE["clusters"], self_conditioned=True, seed=0
        )
        recipes.compile_recipe(gan)
        y = np.random.default_rng(0).integers(0, gan.num_classes, len(x))
    else:
        batch, gan = 256, ganlab.build_dcgan(100, width=64, seed=0)
        gan.compile(
            keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4),
            simultaneous=True,
        )  # fmt: skip
        y = None
    n = batch * (warmup + steps)
    x, y = x[:n], None if y is None else y[:n]
    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter())

    history = gan.fit(
        x, y, epochs=1, batch_size=batch, callbacks=[Clock()], verbose=0, shuffle=False
    )
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    return {"steps_per_s": steps / (times[-1] - times[warmup - 1]), **logs}


def run(backend: str, config: str, steps: int, warmup: int) -> dict:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if backend == "jax-keras-vjp":
        env.update(KERAS_BACKEND="jax", BENCH_KERAS_VJP="1")
    if backend == "torch-keras-op":
        env.update(KERAS_BACKEND="torch", BENCH_KERAS_CONV_TRANSPOSE="1")
    cmd = [sys.executable, __file__, "--child", config, "--steps", str(steps),
           "--warmup", str(warmup)]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed steps")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps")
    parser.add_argument("--quick", action="store_true", help="3 timed steps")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps, args.warmup)))
        return
    steps, warmup = (3, 2) if args.quick else (args.steps, args.warmup)
    for config in ("recipe", "tutorial"):
        print(f"\n{config}: {steps} steps after {warmup} warm-up steps")
        results = {b: run(b, config, steps, warmup) for b in args.backends.split(",")}
        base = results.get("tensorflow", {}).get("steps_per_s")
        for backend, r in results.items():
            if "error" in r:
                print(f"  {backend:<14} failed: {r['error']}")
                continue
            ratio = f"{r['steps_per_s'] / base:5.2f}x TF" if base else ""
            print(f"  {backend:<14} {r['steps_per_s']:6.2f} steps/s  {ratio}  "
                  f"d_loss {r['d_loss']:.3f}  g_loss {r['g_loss']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
