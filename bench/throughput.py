"""Throughput of GAN.fit against the TensorFlow DCGAN tutorial's own loop.

The baseline is the official tutorial (tensorflow.org/tutorials/generative/dcgan),
re-implemented here: its two networks, BCE from logits, Adam(1e-4) for both,
batch 256, noise 100, and one ``@tf.function`` train step with two gradient
tapes over one generator pass. ganlab runs the *same networks* through
``GAN.fit`` with ``simultaneous=True`` (the same update rule), and with its
default alternating update (D then G, one more generator pass per step).

Everything is measured in this one process, interleaved (A, B, A, B, ...),
and reported as ratios, because shared machines are noisy. Also printed: the
FLOPs per image, the machine's measured float32 and bfloat16 matmul peaks,
and XLA and mixed-precision variants.

    python bench/throughput.py            # ~5 minutes on 2 cores
    python bench/throughput.py --quick    # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

import ganlab  # noqa: E402
from ganlab.data.batches import shuffled_batches  # noqa: E402
from ganlab.data.pipeline import check_images  # noqa: E402

NOISE_DIM = 100


# --------------------------------------------------------------- tutorial --
def tutorial_generator() -> keras.Model:
    """The tutorial's generator, layer for layer."""
    return keras.Sequential(
        [
            keras.Input((NOISE_DIM,)),
            layers.Dense(7 * 7 * 256, use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Reshape((7, 7, 256)),
            layers.Conv2DTranspose(128, 5, 1, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(64, 5, 2, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(
                1, 5, 2, padding="same", use_bias=False, activation="tanh"
            ),
        ]
    )


def tutorial_discriminator() -> keras.Model:
    """The tutorial's discriminator, layer for layer (ends in a logit)."""
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(64, 5, 2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Conv2D(128, 5, 2, padding="same"),
            layers.LeakyReLU(),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )


def make_tutorial_step(generator, discriminator, batch_size):
    """The tutorial's train step: two tapes over one generator pass."""
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt, d_opt = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, NOISE_DIM])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = cross_entropy(
                tf.ones_like(real_output), real_output
            ) + cross_entropy(tf.zeros_like(fake_output), fake_output)
        g_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
        d_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        return gen_loss, disc_loss

    return train_step


# ------------------------------------------------------------------ FLOPs --
def forward_flops(model: keras.Model) -> int:
    """Multiply-adds × 2 of the Dense and (transposed) conv layers, per image."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            _, h, w, c_in = layer.input.shape
            k1, k2 = layer.kernel_size
            total += 2 * h * w * k1 * k2 * c_in * layer.filters
        elif isinstance(layer, layers.Conv2D):
            _, h, w, _ = layer.output.shape
            k1, k2 = layer.kernel_size
            total += 2 * h * w * k1 * k2 * layer.input.shape[-1] * layer.filters
        elif isinstance(layer, layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def matmul_peak(dtype: str, n: int = 2048, reps: int = 10) -> float:
    """Measured GFLOP/s of an n×n matmul in ``dtype``."""
    a = tf.random.normal((n, n), dtype=tf.float32)
    a = tf.cast(a, dtype)
    f = tf.function(lambda x: tf.linalg.matmul(x, x))
    f(a).numpy()
    start = time.perf_counter()
    for _ in range(reps):
        out = f(a)
    out.numpy()
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


# --------------------------------------------------------------- timing --
def dataset(batch_size: int) -> tf.data.Dataset:
    (x, _), _ = ganlab.load_mnist()
    x = (x[..., None].astype("float32") - 127.5) / 127.5
    ds = tf.data.Dataset.from_tensor_slices(x).shuffle(60000, seed=0)
    return ds.batch(batch_size, drop_remainder=True).cache().repeat().prefetch(2)


def time_tutorial(ds, batch_size, steps) -> float:
    generator, discriminator = tutorial_generator(), tutorial_discriminator()
    step = make_tutorial_step(generator, discriminator, batch_size)
    it = iter(ds)
    for _ in range(3):
        step(next(it))
    start = time.perf_counter()
    for _ in range(steps):
        losses = step(next(it))
    float(losses[0])
    return steps * batch_size / (time.perf_counter() - start)


class _StepClock(keras.callbacks.Callback):
    """Wall time from the end of the warm-up steps to the end of the last."""

    def __init__(self, warmup: int):
        super().__init__()
        self.warmup, self.start, self.end = warmup, None, None

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.warmup - 1:
            self.start = time.perf_counter()
        self.end = time.perf_counter()


def time_fit(ds, batch_size, steps, warmup=3, **compile_kwargs) -> float:
    """Steady-state images/s of ``GAN.fit``, timed like the tutorial loop.

    One ``fit`` call; the clock starts after ``warmup`` steps (tracing, the
    first iterator fill) and stops after the last, exactly as the tutorial
    loop is timed after its warm-up steps.
    """
    gan = ganlab.GAN(tutorial_generator(), tutorial_discriminator())
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-4),
        g_optimizer=keras.optimizers.Adam(1e-4),
        **compile_kwargs,
    )
    clock = _StepClock(warmup)
    gan.fit(ds, epochs=1, steps_per_epoch=warmup + steps, verbose=0, callbacks=[clock])
    return steps * batch_size / (clock.end - clock.start)


def pipeline_profile(
    batch_size: int, steps: int, repeats: int, stall_images: int | None = None
) -> None:
    """Show that ganlab's input pipeline is never what a step waits for.

    1. ``shuffled_batches`` of uint8 MNIST checked into [-1, 1] (what
       ``fit(x_uint8)`` builds, as ``make_dataset`` did before ganlab 0.2),
       consumed with no training: its images/s and its first-batch latency
       (the shuffle buffer's fill, once per epoch).
    2. ``GAN.fit`` (default alternating step) on that pipeline vs on one
       batch held in memory and repeated (no pipeline at all), interleaved.
    3. The extra seconds at epoch boundaries, over 3 epochs of
       ``stall_images`` images (all 60,000 when None).
    """
    (x, _), _ = ganlab.load_mnist()
    ds = shuffled_batches(check_images(x), batch_size, seed=0)
    print(f"\ninput pipeline: shuffled_batches(uint8 MNIST, batch {batch_size})")
    for epoch in range(2):
        start = time.perf_counter()
        it = iter(ds)
        next(it)
        first = time.perf_counter() - start
        batches = 1 + sum(1 for _ in it)
        total = time.perf_counter() - start
        print(
            f"  epoch {epoch}: first batch after {first * 1e3:.0f} ms; "
            f"{batches * batch_size / total:,.0f} images/s with no training"
        )
    one_batch = next(iter(ds))
    fixed = tf.data.Dataset.from_tensors(one_batch).repeat()
    runs = interleaved(
        {
            "GAN.fit on shuffled_batches(uint8 MNIST)": lambda: time_fit(
                ds.repeat(), batch_size, steps
            ),
            "GAN.fit on one in-memory batch": lambda: time_fit(
                fixed, batch_size, steps
            ),
        },
        repeats,
    )
    for name, values in runs.items():
        print(f"  {name:38s} {statistics.median(values):7.0f} images/s")

    # The epoch boundary: a small (width 8) GAN, 3 epochs of the images, so
    # the steps are short and any stall stands out.
    x = x[:stall_images]
    x_float = (x[..., None].astype("float32") - 127.5) / 127.5
    images_shuffled = (
        tf.data.Dataset.from_tensor_slices(x_float)
        .shuffle(len(x_float), seed=0)
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
    stalls = {
        "images in the shuffle buffer, new iterator per epoch": epoch_stalls(
            images_shuffled
        ),
        "GAN.fit(uint8 array): shuffled indices, one iterator": epoch_stalls(
            x, batch_size=batch_size
        ),
    }
    print(
        "  extra seconds at the start of epochs 2 and 3 (step time - median step; "
        f"{len(x):,} images per epoch):"
    )
    for name, values in stalls.items():
        print(f"    {name:55s} {', '.join(f'{v:.2f}' for v in values)}")


class _BoundaryClock(keras.callbacks.Callback):
    """Seconds of every step, and which steps start an epoch."""

    def on_train_begin(self, logs=None):
        self.durations, self.firsts, self.last = [], [], None

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.last is not None:
            if batch == 0:
                self.firsts.append(len(self.durations))
            self.durations.append(now - self.last)
        self.last = now


def epoch_stalls(data, **fit_kwargs) -> list[float]:
    """Extra seconds of each epoch's first step over the median step."""
    gan = ganlab.build_dcgan(width=8, seed=0)
    gan.compile()
    clock = _BoundaryClock()
    gan.fit(data, epochs=3, verbose=0, callbacks=[clock], **fit_kwargs)
    median = statistics.median(clock.durations)
    return [clock.durations[i] - median for i in clock.firsts]


def bf16_runs(ds, batch_size, steps, repeats) -> dict[str, list[float]]:
    """``GAN.fit`` under the mixed_bfloat16 policy, both update rules."""
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        return interleaved(
            {
                "GAN.fit simultaneous, mixed_bfloat16": lambda: time_fit(
                    ds, batch_size, steps, simultaneous=True
                ),
                "GAN.fit alternating, mixed_bfloat16": lambda: time_fit(
                    ds, batch_size, steps
                ),
            },
            repeats,
        )
    finally:
        keras.config.set_dtype_policy("float32")


def interleaved(candidates: dict, repeats: int) -> dict[str, list[float]]:
    """Run every candidate once per round, for ``repeats`` rounds."""
    results: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, run in candidates.items():
            results[name].append(run())
    return results


def cpu_flags() -> str:
    """The CPU flags that matter here (see :func:`ganlab.mixed_precision.cpu_flags`)."""
    flags = ganlab.mixed_precision.cpu_flags()
    wanted = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
    return " ".join(f for f in wanted if f in flags) or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=40, help="timed steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument(
        "--no-bf16",
        action="store_true",
        help="skip the bfloat16 rows (on a CPU without bfloat16 units they are "
        "emulated, about 10x slower, and take most of the run)",
    )
    args = parser.parse_args()
    if args.quick:
        args.steps, args.repeats, args.batch_size = 2, 1, 8

    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    )
    print(f"CPU flags: {cpu_flags()}; TF {tf.__version__}, Keras {keras.__version__}")
    print(f"GPUs: {len(tf.config.list_physical_devices('GPU'))}")

    g_flops = forward_flops(tutorial_generator())
    d_flops = forward_flops(tutorial_discriminator())
    # A backward pass costs about twice its forward pass.
    one_pass = 3 * (g_flops + 2 * d_flops)  # tutorial / simultaneous
    # Alternating: D step = G forward + D fwd/bwd on real and fake; G step =
    # G fwd/bwd + D fwd/bwd: 4·G + 9·D.
    alternating = 4 * g_flops + 9 * d_flops
    print(
        f"\nFLOPs per image: G forward {g_flops / 1e6:.1f} M, D forward "
        f"{d_flops / 1e6:.1f} M; train step ≈ {one_pass / 1e6:.0f} M one-pass "
        f"(3·(G + 2·D): the tutorial, simultaneous=True), "
        f"{alternating / 1e6:.0f} M alternating (4·G + 9·D: D step, then G step)"
    )
    n = 512 if args.quick else 2048
    peak32, peak16 = matmul_peak("float32", n), matmul_peak("bfloat16", n)
    print(
        f"matmul peak ({n}×{n}): float32 {peak32:.0f} GFLOP/s, "
        f"bfloat16 {peak16:.0f} GFLOP/s"
    )

    ds = dataset(args.batch_size)
    bs, steps = args.batch_size, args.steps
    candidates = {
        "tutorial loop (baseline)": lambda: time_tutorial(ds, bs, steps),
        "GAN.fit simultaneous": lambda: time_fit(ds, bs, steps, simultaneous=True),
        "GAN.fit alternating (default)": lambda: time_fit(ds, bs, steps),
        "GAN.fit simultaneous + XLA": lambda: time_fit(
            ds, bs, steps, simultaneous=True, jit_compile=True
        ),
    }
    results = interleaved(candidates, args.repeats)
    if not args.no_bf16:
        results.update(bf16_runs(ds, bs, steps, args.repeats))

    base = statistics.median(results["tutorial loop (baseline)"])
    print(
        f"\nbatch {bs}, {steps} timed steps × {args.repeats} interleaved rounds; "
        "images/s as median [min, max]\n"
    )
    print(f"{'run':40s} {'images/s':>22s} {'vs baseline':>12s} {'of peak':>13s}")
    for name, values in results.items():
        med = statistics.median(values)
        peak = peak16 if "bfloat16" in name else peak32
        flops = alternating if "alternating" in name else one_pass
        print(
            f"{name:40s} {med:9.0f} [{min(values):.0f}, {max(values):.0f}]"
            f" {med / base:11.2f}x {med * flops / 1e9 / peak:12.0%}"
        )
    print(
        "\n(the last column: achieved GFLOP/s over the measured matmul peak of the "
        "same dtype)"
    )
    for mode in ("simultaneous", "alternating"):
        if args.no_bf16:
            break
        fp32 = [k for k in results if mode in k and "XLA" not in k][0]
        speedup = statistics.median(
            results[f"GAN.fit {mode}, mixed_bfloat16"]
        ) / statistics.median(results[fp32])
        print(f"mixed_bfloat16 speed-up over float32, {mode}: {speedup:.2f}x")
    # --quick: 3 epochs of 60,000 images would take minutes on a slow CPU;
    # 256 images (32 steps an epoch) show a stall as well.
    pipeline_profile(bs, steps, args.repeats, 256 if args.quick else None)


if __name__ == "__main__":
    main()
