"""Image-to-image translation on MNIST: Pix2Pix against L1 alone, and CycleGAN.

The tasks' data and the models come from :mod:`ganlab.translation.tasks`
(as for ``python -m ganlab translate train``). Three tasks, 28×28 digits,
small networks, a few minutes each on 2 CPU cores:

- ``inpaint``: the lower half of the digit is hidden (set to black); restore
  the whole digit. Pix2Pix (U-Net + conditional PatchGAN, λ = 100) against
  the same U-Net trained on L1 alone for as many steps, the ablation of
  Isola et al. 2017 (their Figure 4: L1 alone is blurry, the cGAN term
  sharpens).
- ``superres``: 4× super-resolution: the 7×7 average-pooled digit,
  upsampled back to 28×28 bilinearly, is the U-Net's input; the target is
  the original. Pix2Pix against L1 alone again.
- ``strokes``: CycleGAN between thin strokes (grayscale erosion with a 2×2
  square) and thick strokes (dilation with a disk of radius 1), made with
  scikit-image morphology from disjoint halves of the MNIST training set,
  so that no pair is ever seen. Test digits exist in both versions, so
  thin → thick is scored against the true thick digit, and thick → thin
  against the true thin one.

Scores on the first --n-test test digits (ganlab.translation.metrics): mean
L1 and SSIM on [-1, 1] against the target, and ``class``: the share of
outputs the shipped MNIST classifier reads as the true digit. The inputs
themselves are scored too (``input``), as the floor to beat.

Usage:
    GANLAB_DATA_DIR=/work/shared/data python bench/image_to_image.py
    python bench/image_to_image.py --tasks inpaint --steps 500 --out runs/i2i
"""

from __future__ import annotations

import argparse
import logging
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganlab.data.datasets import load_mnist  # noqa: E402
from ganlab.plotting import save_image_grid  # noqa: E402
from ganlab.translation.core import array_batches, as_images  # noqa: E402
from ganlab.translation.metrics import translation_scores  # noqa: E402
from ganlab.translation.pix2pix import make_unet_generator  # noqa: E402
from ganlab.translation.tasks import (  # noqa: E402
    build_cyclegan,
    build_pix2pix,
    hide_lower_half,
    low_resolution,
    thick,
    thin,
)

SHAPE = (28, 28, 1)
# translate() on several models retraces TF's predict step: a harmless warning.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _score(outputs, targets, labels) -> dict:
    return translation_scores(outputs, targets, labels=labels)


def _row(name: str, scores: dict, seconds: float | None = None) -> str:
    clock = "" if seconds is None else f"  {seconds:6.0f} s"
    return (
        f"  {name:<22} L1 {scores['l1']:.4f}  SSIM {scores['ssim']:.4f}  "
        f"class {scores['class_acc']:.3f}{clock}"
    )


def _strips(path, *panels, n=8):
    if path:
        grid = np.stack([p[:n].reshape(n, 28, 28, 1) for p in panels], axis=1)
        save_image_grid(grid.reshape(-1, 28, 28, 1), path, ncols=len(panels), scale=3)


def paired_task(name, make_input, data, args) -> None:
    """Pix2Pix and an L1-only U-Net of the same size on one paired task."""
    (x_train, _), (x_test, y_test) = data
    inputs, test_inputs = make_input(x_train), make_input(x_test)
    print(f"\n{name}: {len(x_train)} training pairs, {args.steps} steps of "
          f"{args.batch_size}, width {args.width}, seed {args.seed}")  # fmt: skip
    print(_row("input (no model)", _score(test_inputs, x_test, y_test)))
    epochs = dict(epochs=1, steps_per_epoch=args.steps, verbose=0)

    keras.utils.set_random_seed(args.seed)
    model = build_pix2pix(SHAPE, width=args.width, seed=args.seed)
    start = time.perf_counter()
    logs = model.fit((inputs, x_train), batch_size=args.batch_size, **epochs).history
    seconds = time.perf_counter() - start
    gan_out = model.translate(test_inputs)
    print(_row("Pix2Pix (cGAN + L1)", _score(gan_out, x_test, y_test), seconds))
    print(
        "    last-epoch logs: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in logs.items())
    )

    keras.utils.set_random_seed(args.seed)
    unet = make_unet_generator(SHAPE, width=args.width)
    unet.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss="mae")
    # The same pipeline as Pix2Pix.fit: reshuffled and repeated, so that both
    # models take exactly args.steps steps of the same batch size.
    pairs = tuple(as_images(a, SHAPE) for a in (inputs, x_train))
    ds = array_batches(pairs, args.batch_size, True, args.seed)[0].repeat()
    start = time.perf_counter()
    unet.fit(ds, shuffle=False, **epochs)
    seconds = time.perf_counter() - start
    l1_out = unet.predict(
        test_inputs.astype(np.float32)[..., None] / 127.5 - 1, verbose=0
    )
    print(_row("U-Net, L1 alone", _score(l1_out, x_test, y_test), seconds))
    # Blur: the share of grey pixels, neither background nor stroke.
    grey = [
        float(np.mean(np.abs(o) < 0.8)) for o in (gan_out, l1_out, x_test / 127.5 - 1)
    ]
    print(f"    grey pixels (|v| < 0.8, blur): Pix2Pix {grey[0]:.3f}, L1 alone "
          f"{grey[1]:.3f}, target {grey[2]:.3f}")  # fmt: skip
    if args.out:
        _strips(
            os.path.join(args.out, f"{name}.png"),
            test_inputs / 127.5 - 1, gan_out, l1_out, x_test / 127.5 - 1,
        )  # fmt: skip


def strokes_task(data, args) -> None:
    """CycleGAN thin ↔ thick on disjoint halves of the training set."""
    (x_train, _), (x_test, y_test) = data
    half = len(x_train) // 2
    a_train, b_train = thin(x_train[:half]), thick(x_train[half:])
    a_test, b_test = thin(x_test), thick(x_test)
    print(f"\nstrokes (CycleGAN): {half} thin and {len(x_train) - half} thick "
          f"training digits (disjoint), {args.cycle_steps} steps of "
          f"{args.batch_size}, width {args.width}, λ_cyc {args.cycle_weight}, "
          f"λ_id {args.identity_weight}·λ_cyc, seed {args.seed}")  # fmt: skip
    print(_row("thin as thick (input)", _score(a_test, b_test, y_test)))
    print(_row("thick as thin (input)", _score(b_test, a_test, y_test)))

    keras.utils.set_random_seed(args.seed)
    # Instance norm and no dropout, as the official CycleGAN generators.
    model = build_cyclegan(
        SHAPE, width=args.width, seed=args.seed, cycle_weight=args.cycle_weight,
        identity_weight=args.identity_weight,
    )  # fmt: skip
    start = time.perf_counter()
    logs = model.fit(
        a_train, b_train, batch_size=args.batch_size, epochs=1,
        steps_per_epoch=args.cycle_steps, verbose=0,
    ).history  # fmt: skip
    seconds = time.perf_counter() - start
    to_b = model.translate(a_test, direction="a_to_b")
    to_a = model.translate(b_test, direction="b_to_a")
    print(_row("CycleGAN thin → thick", _score(to_b, b_test, y_test), seconds))
    print(_row("CycleGAN thick → thin", _score(to_a, a_test, y_test)))
    back = model.translate(to_b, direction="b_to_a")
    print(_row("thin → thick → thin", _score(back, a_test, y_test)))
    print(
        "    last-epoch logs: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in logs.items())
    )
    ink = [
        float(np.mean(v > 0)) for v in (a_test / 127.5 - 1, to_b, b_test / 127.5 - 1)
    ]
    print(f"    ink share (pixels > 0): thin {ink[0]:.3f}, translated {ink[1]:.3f}, "
          f"thick {ink[2]:.3f}")  # fmt: skip
    if args.out:
        _strips(
            os.path.join(args.out, "strokes.png"),
            a_test / 127.5 - 1, to_b, back, b_test / 127.5 - 1,
        )  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="inpaint,superres,strokes")
    parser.add_argument("--steps", type=int, default=1500, help="Pix2Pix/L1 steps")
    parser.add_argument("--cycle-steps", type=int, default=1000)
    parser.add_argument("--cycle-weight", type=float, default=10.0, help="λ_cyc")
    parser.add_argument(
        "--identity-weight", type=float, default=0.5, help="λ_id as a share of λ_cyc"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="folder for PNG strips")
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_mnist()
    data = ((x_train, y_train), (x_test[: args.n_test], y_test[: args.n_test]))
    print(f"backend {keras.backend.backend()}, keras {keras.__version__}, "
          f"{len(data[1][0])} test digits")  # fmt: skip
    tasks = {
        "inpaint": lambda: paired_task("inpaint", hide_lower_half, data, args),
        "superres": lambda: paired_task("superres", low_resolution, data, args),
        "strokes": lambda: strokes_task(data, args),
    }
    start = time.perf_counter()
    for task in args.tasks.split(","):
        tasks[task]()
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
