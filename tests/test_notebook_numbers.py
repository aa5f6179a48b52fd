"""notebooks/check_numbers.py: numbers quoted in prose must be in the outputs."""

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "notebooks" / "check_numbers.py"
_SPEC = importlib.util.spec_from_file_location("check_numbers", _PATH)
check_numbers = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(check_numbers)


def _notebook(prose, printed):
    return {
        "cells": [
            {"cell_type": "code", "source": ["print(x)"], "outputs": [
                {"output_type": "stream", "text": [printed]}]},
            {"cell_type": "markdown", "source": [prose]},
        ]
    }  # fmt: skip


def test_a_number_the_run_printed_passes_and_one_it_did_not_is_listed():
    nb = _notebook("In this run 99.5% are right and FD is 4.72.", "99.5%\nFD 4.71\n")
    assert check_numbers.missing_numbers(nb) == [(1, "4.72")]


def test_math_code_links_and_plain_integers_are_not_checked():
    prose = "$\\beta = 0.5$, `lr=2e-4`, [paper](https://x.org/1.5), 2019, 60,000 images"
    assert check_numbers.quoted_numbers(prose) == []


def test_percentages_times_and_thousands_are_checked():
    prose = "Took 14.4 minutes, 1,870 steps; 8 s per epoch, 53 % right."
    assert check_numbers.quoted_numbers(prose) == ["14.4", "8", "53"]
    nb = _notebook("took 1,870.5 s", "took 1870.5 s")
    assert check_numbers.missing_numbers(nb) == []


def test_a_digit_inside_a_longer_number_does_not_count():
    nb = _notebook("FD 4.7", "FD 14.72")
    assert check_numbers.missing_numbers(nb) == [(1, "4.7")]


def _load(name):
    path = _PATH.with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_execute_keeps_a_progress_bar_s_last_state_and_lists_missing_numbers(
    tmp_path, capsys
):
    import nbformat

    execute = _load("execute")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import sys\nfor i in range(1, 4):\n"
            "    print(f'\\r{i}/3 ' + '#' * i, end='', flush=True)\n"
            "print()\nprint('FD 4.71')"
        ),
        nbformat.v4.new_markdown_cell("FD is 4.72."),
    ]
    path = tmp_path / "progress.ipynb"
    nbformat.write(nb, path)
    assert execute.main([str(path)]) == 0
    ran = nbformat.read(path, as_version=4)
    (output,) = ran.cells[0].outputs  # one stream, its updates merged
    assert output.text == "3/3 ###\nFD 4.71\n"
    assert "4.72 is in the prose but in no output" in capsys.readouterr().out
