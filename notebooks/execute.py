"""Execute notebooks in full, in place, as they are committed.

Each notebook runs top to bottom in a fresh kernel (GANLAB_FAST unset, the
data from GANLAB_DATA_DIR, default ../shared/data beside the repository),
in the folder it is written to (the notebooks folder, or ``--out``) as
its working directory, where it writes its runs. Its stream outputs are
then merged as Jupyter shows them (nbconvert's CoalesceStreamsPreprocessor:
a progress bar's in-place updates leave only its last state), it is written
back, and :mod:`check_numbers` lists the numbers its prose quotes that no
output shows, for a person to read.

    python notebooks/execute.py notebooks/07_image_to_image.ipynb
    GANLAB_FAST=1 python notebooks/execute.py notebooks/0*.ipynb --out /tmp/nb

A notebook that fails is not written; the error is printed and the exit
status is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from check_numbers import missing_numbers  # noqa: E402


def execute(path: Path, out: Path, *, timeout: int = 3600) -> float:
    """Run ``path`` in a fresh kernel, write it to ``out``; minutes taken."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(out.resolve().parent)}},
    )
    start = time.perf_counter()
    client.execute()
    nb, _ = CoalesceStreamsPreprocessor().preprocess(nb, {})
    nbformat.write(nb, out)
    return (time.perf_counter() - start) / 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write here instead of in place")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)
    data = os.environ.get("GANLAB_DATA_DIR", str(HERE.parents[1] / "shared" / "data"))
    os.environ["GANLAB_DATA_DIR"] = str(Path(data).resolve())
    status = 0
    for path in args.notebooks:
        out = path
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            out = args.out / path.name
        try:
            minutes = execute(path, out, timeout=args.timeout)
        except CellExecutionError as error:
            print(f"{path}: FAILED\n{error}")
            status = 1
            continue
        print(f"{path}: executed in {minutes:.1f} min, written to {out}")
        for cell, number in missing_numbers(nbformat.read(out, as_version=4)):
            print(f"  cell {cell}: {number} is in the prose but in no output")
    return status


if __name__ == "__main__":
    sys.exit(main())
