"""Check that the numbers a notebook's prose quotes are the ones its outputs show.

After a notebook is executed in full, every measured number in its markdown
(a decimal such as 4.72, a percentage such as 99.5 %, a time such as 14.4
minutes) should appear in the text of some output of the same notebook.
This script lists those that do not, each with the cell it is in, for a
person to check: a number the prose derives (a difference of two outputs)
is listed too, and is fine when the outputs imply it.

    python notebooks/check_numbers.py                 # every notebook
    python notebooks/check_numbers.py notebooks/04_conditional_gan.ipynb

Integers without a unit or percent sign (years, counts of images, layer
sizes) are not checked, nor numbers in math ($...$), code spans or links.
Exit status 1 when a number is missing, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# A decimal (4.72, 0.5), or an integer followed by % (99 %), a time unit or
# "x" (10x): the numbers that come from a run.
NUMBER = re.compile(
    r"(?<![\w.])(\d[\d,]*\.\d+|\d[\d,]*(?=\s?(?:%|×|x\b|s\b|min|minutes|seconds)))"
)
SKIP = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|\]\([^)]*\)|<[^>]+>", re.S)


def quoted_numbers(markdown: str) -> list[str]:
    """The run-derived numbers in a markdown cell's text, as written."""
    return NUMBER.findall(SKIP.sub(" ", markdown))


def output_text(notebook: dict) -> str:
    """All text the notebook's code cells printed or displayed, joined."""
    parts = []
    for cell in notebook["cells"]:
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            data = out.get("data", {})
            parts.append("".join(data.get("text/plain", "")))
            parts.append("".join(data.get("text/html", "")))
    return "\n".join(parts)


def _present(number: str, text: str) -> bool:
    plain = number.replace(",", "")
    return any(
        re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", text)
        for form in {number, plain}
    )


def missing_numbers(notebook: dict) -> list[tuple[int, str]]:
    """(cell index, number) for each quoted number no output shows."""
    text = output_text(notebook)
    missing = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for number in quoted_numbers("".join(cell["source"])):
            if not _present(number, text):
                missing.append((index, number))
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path(__file__).parent.glob("*.ipynb"))
    status = 0
    for path in paths:
        missing = missing_numbers(json.loads(path.read_text()))
        print(f"{path.name}: {len(missing)} quoted numbers not in any output")
        for index, number in missing:
            print(f"  cell {index}: {number}")
        status = status or bool(missing)
    return status


if __name__ == "__main__":
    sys.exit(main())
