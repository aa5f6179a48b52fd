"""Execute every notebook top to bottom in fast mode, so they cannot rot.

GANLAB_FAST=1 makes each notebook use tiny settings; together they run in a
few minutes. A failing cell fails the test with the cell's error. Notebook 01
also runs on whatever KERAS_BACKEND the run has (CI: JAX and PyTorch too);
the kernel inherits the environment.
"""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_fast_mode(path, tmp_path, monkeypatch):
    _execute(path, tmp_path, monkeypatch)


@pytest.mark.backends
def test_notebook_01_runs_on_this_backend(tmp_path, monkeypatch):
    import keras

    if keras.backend.backend() == "tensorflow":
        pytest.skip("run above with the other notebooks")
    monkeypatch.setenv("KERAS_BACKEND", keras.backend.backend())
    _execute(NOTEBOOKS[0], tmp_path, monkeypatch)


def _execute(path, tmp_path, monkeypatch):
    monkeypatch.setenv("GANLAB_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    assert os.environ["GANLAB_FAST"] == "1"
