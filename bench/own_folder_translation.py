"""`python -m ganlab translate train --pairs DIR` on folders that are not MNIST.

What a user gets from the command's defaults on a folder of their own pairs.
The bench writes two such folders of PNGs (``A/`` inputs, ``B/`` targets,
the same file names; a training folder of ``--pairs`` pairs and a held-out
one of ``--n-test``), from the synthetic disc pictures of
:mod:`ganlab.data.toy_images` (one disc of random colour, radius and position on
a plain background of another colour), so that every output can be checked:

- ``edges``: edges → picture. The input is the Sobel edge map
  (``skimage.filters.sobel``) of the picture's grayscale, scaled per image
  so that its strongest edge is 255 (an edge detector's map, as users feed
  them: it says where the boundary is, not how strong it was); the target is
  the colour picture.
- ``colour``: grayscale → colour. The input is the picture's luminance
  (``skimage.color.rgb2gray``); the target is the colour picture.

The toy pictures' two colours are random per picture, which neither input
can say; with ``--palettes N`` (default 5) every picture is recoloured with
one of N fixed (background, disc) colour pairs, drawn once for both folders,
so that a model can learn the colours a folder uses (a user's own pairs
have such regularities: maps, facades), while the input still cannot say
which of the N a picture has (``--palettes 0``: the toy pictures' random
colours). The bench scores structure as well as pixels. On the held-out
pairs (ganlab.translation.metrics): L1 (mean absolute error on [-1, 1]) and
SSIM against the target; *one disc*, the share of outputs that are one disc
on a plain background (:func:`ganlab.data.toy_images.is_disc_picture`: the disc
must differ from the background by at least 48 in RGB), and for those, the
IoU of their disc (:func:`ganlab.data.toy_images.disc_geometry`: centroid and
radius of equal area) with the target's, and the centre and radius errors in
pixels.

Models: the command itself, run as a user runs it (a subprocess, or with
``--in-process`` through ``ganlab.cli.main``; its own clock, the "trained
in" line, is the training time), with its default budget unless flags are
forwarded (``--steps``, ``--width``, or any with ``--command-args``);
the same U-Net (cloned from the saved Pix2Pix's generator, fresh weights)
trained on L1 alone for as many steps, with the same batches and
optimizer, as the ablation of Isola et al. 2017; and the input itself, as
the floor (a grayscale input is read as a gray RGB picture).

    python bench/own_folder_translation.py --out runs/own_folder
    python bench/own_folder_translation.py --quick --in-process   # seconds
    python bench/own_folder_translation.py --tasks edges --command-args="--l1-weight 10"
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import imageio.v3 as iio  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from ganlab.cli.translate import add_translate_parser  # noqa: E402
from ganlab.data.toy_images import disc_geometry, disc_pictures  # noqa: E402
from ganlab.plotting import save_image_grid  # noqa: E402
from ganlab.translation.core import array_batches, as_images  # noqa: E402
from ganlab.translation.metrics import translation_scores  # noqa: E402
from ganlab.translation.tasks import load_pairs  # noqa: E402

TASKS = {"edges": "edges → picture", "colour": "grayscale → colour"}
STRIP_PAIRS = 8


# ------------------------------------------------------------------ data --
def grayscale(pictures: np.ndarray) -> np.ndarray:
    """Luminance of RGB uint8 pictures, uint8 (N, S, S)."""
    from skimage.color import rgb2gray

    return np.round(rgb2gray(pictures) * 255).astype(np.uint8)


def edge_maps(pictures: np.ndarray) -> np.ndarray:
    """Sobel edge magnitude of each picture's grayscale, uint8 (N, S, S),
    scaled per picture so that its strongest edge is 255."""
    from skimage.filters import sobel

    maps = []
    for gray in grayscale(pictures).astype(np.float64) / 255:
        edges = sobel(gray)
        peak = edges.max()
        maps.append(edges / peak if peak > 0 else edges)
    return np.round(np.stack(maps) * 255).astype(np.uint8)


INPUTS = {"edges": edge_maps, "colour": grayscale}


def write_pairs(folder: Path, inputs: np.ndarray, targets: np.ndarray) -> Path:
    """``folder/A/NNNNN.png`` (inputs) and ``folder/B/NNNNN.png`` (targets)."""
    for sub, images in (("A", inputs), ("B", targets)):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(images):
            iio.imwrite(folder / sub / f"{i:05d}.png", image)
    return folder


MIN_COLOUR_DISTANCE = 120.0  # as ganlab.data.toy_images: disc vs background


def palettes(n: int, seed: int) -> np.ndarray:
    """n (background, disc) RGB colour pairs, uint8 (n, 2, 3), each pair at
    least 120 apart in RGB (as the toy pictures' colours)."""
    rng = np.random.default_rng([seed, 1])
    pairs = []
    while len(pairs) < n:
        pair = rng.integers(0, 256, (2, 3))
        if np.linalg.norm(pair[0] - pair[1]) >= MIN_COLOUR_DISTANCE:
            pairs.append(pair)
    return np.array(pairs, np.uint8).reshape(n, 2, 3)


def recolour(pictures: np.ndarray, colours: np.ndarray, seed: int) -> np.ndarray:
    """The disc pictures, each with one of ``colours`` (K, 2, 3) drawn at
    random: the background is what has the corner pixel's colour (the disc
    stays 10 % of the side from every edge), the disc the rest."""
    choice = np.random.default_rng([seed, 2]).integers(0, len(colours), len(pictures))
    background = np.all(pictures == pictures[:, :1, :1], axis=-1)[..., None]
    pair = colours[choice][:, None, None]  # (N, 1, 1, 2, 3)
    return np.where(background, pair[..., 0, :], pair[..., 1, :]).astype(np.uint8)


def make_folders(root: Path, task: str, n_train: int, n_test: int, size: int,
                 seed: int, n_palettes: int = 0) -> tuple[Path, Path]:  # fmt: skip
    """The task's training and held-out folders under ``root/task``: disc
    pictures, recoloured from ``n_palettes`` fixed colour pairs (0: the
    toy pictures' random colours)."""
    colours = palettes(n_palettes, seed) if n_palettes else None
    folders = []
    for name, n, draw_seed in (("train", n_train, seed), ("test", n_test, seed + 1)):
        pictures = disc_pictures(n, size=size, seed=draw_seed)
        if colours is not None:
            pictures = recolour(pictures, colours, draw_seed)
        folders.append(
            write_pairs(root / task / name, INPUTS[task](pictures), pictures)
        )
    return tuple(folders)


# ------------------------------------------------------------- structure --
def circle_iou(a, b) -> float:
    """Intersection over union of two discs given as (row, column, radius)."""
    d = math.hypot(a[0] - b[0], a[1] - b[1])
    r, s = a[2], b[2]
    if d >= r + s:
        inter = 0.0
    elif d <= abs(r - s):
        inter = math.pi * min(r, s) ** 2
    else:
        inter = (
            r * r * math.acos((d * d + r * r - s * s) / (2 * d * r))
            + s * s * math.acos((d * d + s * s - r * r) / (2 * d * s))
            - 0.5 * math.sqrt((-d + r + s) * (d + r - s) * (d - r + s) * (d + r + s))
        )
    return inter / (math.pi * (r * r + s * s) - inter)


def rgb_255(images) -> np.ndarray:
    """Images (uint8 or [-1, 1], 1 or 3 channels) as float RGB on 0-255."""
    x = (as_images(images) + 1.0) * 127.5
    return np.repeat(x, 3, axis=-1) if x.shape[-1] == 1 else x


def structure(outputs, targets) -> dict:
    """One disc share, and IoU / centre / radius errors of those discs."""
    side = np.asarray(targets).shape[1]
    found = []
    for out, target in zip(rgb_255(outputs), rgb_255(targets)):
        mine, truth = disc_geometry(out), disc_geometry(target)
        if mine is not None and truth is not None:
            found.append((circle_iou(mine, truth),
                          math.hypot(*(mine[:2] - truth[:2])) * side,
                          abs(mine[2] - truth[2]) * side))  # fmt: skip
    passed = np.array(found).reshape(-1, 3)
    means = passed.mean(axis=0) if len(passed) else [math.nan] * 3
    return {
        "one_disc": len(passed) / len(targets),
        "iou": float(means[0]),
        "centre_err_px": float(means[1]),
        "radius_err_px": float(means[2]),
    }


def colourfulness(images) -> float:
    """Mean over pixels of the standard deviation of R, G, B (0-255)."""
    return float(rgb_255(images).std(axis=-1).mean())


def scores(outputs, targets) -> dict:
    """L1, L2, SSIM against the targets (as RGB), the structure, the colour."""
    result = translation_scores(rgb_255(outputs) / 127.5 - 1, targets)
    return {**result, **structure(outputs, targets),
            "colourfulness": colourfulness(outputs)}  # fmt: skip


# ------------------------------------------------------------- the command --
def cli_has_flag(flag: str) -> bool:
    """Whether this ganlab's ``translate train`` takes ``flag`` (an integer)."""
    parser = argparse.ArgumentParser()
    add_translate_parser(parser.add_subparsers())
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            parser.parse_args(["translate", "train", "--pairs", "A", "--out", "B",
                               flag, "1"])  # fmt: skip
    except SystemExit:
        return False
    return True


def run_command(argv: list[str], in_process: bool) -> tuple[int, float, str]:
    """Run ``python -m ganlab ARGV``: (exit code, wall seconds, its stdout)."""
    start = time.perf_counter()
    if in_process:
        from ganlab.cli import main as cli_main

        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = cli_main(argv)
        out = buffer.getvalue()
    else:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        proc = subprocess.run([sys.executable, "-m", "ganlab", *argv], env=env,
                              capture_output=True, text=True)  # fmt: skip
        code, out = proc.returncode, proc.stdout
        if code:
            print(proc.stderr[-3000:], file=sys.stderr)
    seconds = time.perf_counter() - start
    for line in out.splitlines():
        if line.startswith("ganlab"):
            print("   ", line)
    return code, seconds, out


def train_l1_alone(model, pairs, steps: int, batch_size: int, seed: int):
    """The Pix2Pix's U-Net, fresh weights, on L1 alone: (U-Net, seconds)."""
    keras.utils.set_random_seed(seed)
    unet = keras.models.clone_model(model.generator)
    lr = float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate))
    beta_1 = float(model.g_optimizer.beta_1)
    unet.compile(optimizer=keras.optimizers.Adam(lr, beta_1=beta_1), loss="mae")
    shapes = (unet.input_shape[1:], unet.output_shape[1:])
    arrays = tuple(as_images(a, s) for a, s in zip(pairs, shapes))
    ds = array_batches(arrays, batch_size, True, seed)[0].repeat()
    start = time.perf_counter()
    unet.fit(ds, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    return unet, time.perf_counter() - start


def run_task(task: str, args, work: Path, forward: list[str]) -> dict:
    """Folders, the command, L1 alone, scores and a strip for one task."""
    train_dir, test_dir = make_folders(
        work / "folders", task, args.pairs, args.n_test, args.image_size, args.seed,
        args.palettes,
    )  # fmt: skip
    run = work / f"run_{task}"
    argv = ["translate", "train", "--pairs", str(train_dir), "--test-pairs",
            str(test_dir), "--image-size", str(args.image_size), "--out", str(run),
            "--overwrite", *forward]  # fmt: skip
    print(f"\n{TASKS[task]}: {args.pairs} training pairs, {args.n_test} held out, "
          f"{args.image_size} px\n$ python -m ganlab {' '.join(argv)}")  # fmt: skip
    code, wall, out = run_command(argv, args.in_process)
    if code:
        raise SystemExit(f"translate train failed with exit code {code}")
    trained = re.search(r"trained in (\d+) s", out)
    model = keras.models.load_model(run / "model.keras")
    steps = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    metrics = json.loads((run / "metrics.json").read_text())

    with contextlib.redirect_stdout(io.StringIO()):  # the loader's progress bars
        train_pairs = load_pairs(train_dir, image_size=args.image_size)
        inputs, targets = load_pairs(test_dir, image_size=args.image_size)
    unet, l1_seconds = train_l1_alone(
        model, train_pairs, steps, args.batch_size, args.seed
    )
    gan_out = model.translate(inputs)
    l1_out = unet.predict(as_images(inputs, unet.input_shape[1:]), verbose=0)
    result = {
        "steps": steps,
        "command_wall_s": wall,
        "pix2pix": {**scores(gan_out, targets),
                    "train_s": float(trained.group(1)) if trained else None},
        "l1_alone": {**scores(l1_out, targets), "train_s": l1_seconds},
        "input": scores(inputs, targets),
        "target": scores(targets, targets),
        "metrics_json_output": metrics.get("output"),
    }  # fmt: skip
    strip = np.stack(
        [rgb_255(x[:STRIP_PAIRS]) / 127.5 - 1
         for x in (inputs, gan_out, l1_out, targets)], axis=1,
    )  # fmt: skip
    path = work / f"{task}_strip.png"
    save_image_grid(strip.reshape(-1, *strip.shape[2:]), path, ncols=4,
                    scale=max(1, 96 // args.image_size))  # fmt: skip
    result["strip"] = str(path)
    print(f"    {steps} steps; command {wall:.0f} s wall; strip (input | Pix2Pix "
          f"| L1 alone | target): {path}")  # fmt: skip
    return result


def _fmt(value, spec: str) -> str:
    return "" if value is None or value != value else format(value, spec)


def table(results: dict) -> str:
    """One markdown table: a row per (task, model)."""
    lines = ["| task | model | L1 | SSIM | one disc | IoU | centre err px "
             "| radius err px | colourfulness | training s |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for task, result in results.items():
        rows = (
            (f"the command ({result['steps']} steps)", result["pix2pix"]),
            ("L1 alone, same U-Net and steps", result["l1_alone"]),
            ("the input", result["input"]),
            ("the target (reference)", result["target"]),
        )
        for k, (name, s) in enumerate(rows):
            lines.append(
                f"| {TASKS[task] if k == 0 else ''} | {name} | {s['l1']:.4f} "
                f"| {s['ssim']:.4f} | {s['one_disc']:.1%} | {_fmt(s['iou'], '.3f')} "
                f"| {_fmt(s['centre_err_px'], '.2f')} "
                f"| {_fmt(s['radius_err_px'], '.2f')} | {s['colourfulness']:.1f} "
                f"| {_fmt(s.get('train_s'), '.0f')} |"
            )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default="edges,colour")
    parser.add_argument("--pairs", type=int, default=5000, help="training pairs")
    parser.add_argument("--n-test", type=int, default=500, help="held-out pairs")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64,
                        help="passed to the command (its default: 64) and used "
                        "for L1 alone")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    for flag in ("--steps", "--epochs", "--width"):
        parser.add_argument(flag, type=int, default=None,
                            help="passed to the command")  # fmt: skip
    parser.add_argument("--palettes", type=int, default=5,
                        help="fixed (background, disc) colour pairs the pictures "
                        "are coloured from; 0: random colours per picture")  # fmt: skip
    parser.add_argument("--command-args", default="",
                        help="more flags for the command, one string: "
                        "--command-args='--l1-weight 10 --lr 1e-4'")  # fmt: skip
    parser.add_argument("--in-process", action="store_true",
                        help="run it through ganlab.cli.main")  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help="64 pairs, 8 held out, width 4, 2 steps")  # fmt: skip
    parser.add_argument("--out", help="folder for the data, runs, strips and "
                        "JSON (default: a temporary one)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.pairs, args.n_test, args.width, args.batch_size = 64, 8, 4, 32
        if cli_has_flag("--steps"):
            args.steps = 2
        else:
            args.epochs = 1
    if args.palettes < 0:
        parser.error("--palettes must be >= 0")
    if args.steps is not None and not cli_has_flag("--steps"):
        parser.error("this ganlab's translate train has no --steps: use --epochs")
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    work = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="own_pairs_"))
    work.mkdir(parents=True, exist_ok=True)
    forward = ["--batch-size", str(args.batch_size), "--seed", str(args.seed)]
    for flag in ("steps", "epochs", "width"):
        if getattr(args, flag) is not None:
            forward += [f"--{flag}", str(getattr(args, flag))]
    forward += shlex.split(args.command_args)
    colours = f"{args.palettes} palettes" if args.palettes else "random colours"
    print(f"backend {keras.backend.backend()}, keras {keras.__version__}, "
          f"{os.cpu_count()} CPUs; disc pictures of {args.image_size} px "
          f"({colours}), seed {args.seed}")  # fmt: skip
    results = {task: run_task(task, args, work, forward)
               for task in args.tasks.split(",")}  # fmt: skip
    print("\n" + table(results))
    print("(one disc: share of outputs that are one disc on a plain background; "
          "IoU, centre and radius errors: of those discs against the target's; "
          "colourfulness: mean std of R, G, B per pixel, 0-255)")  # fmt: skip
    report = {"settings": {k: v for k, v in vars(args).items()}, "tasks": results}
    path = work / "own_folder_translation.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
