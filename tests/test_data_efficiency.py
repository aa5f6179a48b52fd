"""bench/data_efficiency.py: the helpers its table rests on (the subset, the
nearest-neighbour memorisation ratio, the table from saved results) and a
smoke run that writes, resumes from and prints its JSON file."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bench" / "data_efficiency.py"


@pytest.fixture(scope="module")
def lab():
    spec = importlib.util.spec_from_file_location("data_efficiency", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_subset_is_a_seeded_share_of_distinct_images(lab):
    x = np.arange(1000)
    a = lab.subset(x, 0.1, seed=3)
    assert len(a) == 100 and len(np.unique(a)) == 100
    np.testing.assert_array_equal(a, lab.subset(x, 0.1, seed=3))
    assert not np.array_equal(a, lab.subset(x, 0.1, seed=4))
    np.testing.assert_array_equal(lab.subset(x, 1.0, seed=0), x)
    for bad in (0.0, 1.5, 0.001):
        with pytest.raises(ValueError, match="fraction"):
            lab.subset(x, bad, seed=0)


def test_nearest_distances_by_hand(lab):
    reference = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    queries = np.array([[0.0, 0.0], [3.0, 0.0], [9.0, 1.0]])
    np.testing.assert_allclose(
        lab.nearest_distances(queries, reference), [0.0, 3.0, np.sqrt(2.0)]
    )
    # More than one block of 1,000 queries, images of any rank.
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(50, 4, 4))
    q = rng.normal(size=(2100, 4, 4))
    brute = np.sqrt(((q.reshape(-1, 1, 16) - ref.reshape(1, -1, 16)) ** 2).sum(-1))
    np.testing.assert_allclose(lab.nearest_distances(q, ref), brute.min(1), atol=1e-9)


def test_memorisation_ratio_tells_copies_from_new_images(lab):
    rng = np.random.default_rng(0)
    train = rng.normal(size=(300, 8))
    test = rng.normal(size=(200, 8))  # new draws of the same distribution
    copies = train[rng.choice(300, 200)] + 1e-3
    new = rng.normal(size=(200, 8))
    assert lab.memorisation_ratio(copies, test, train) < 0.01
    assert 0.8 < lab.memorisation_ratio(new, test, train) < 1.25


def test_pixels_maps_uint8_to_the_generator_range(lab):
    x = np.array([[[0, 255]]], np.uint8)
    np.testing.assert_allclose(lab.pixels(x), [[-1.0, 1.0]])
    assert lab.pixels(np.zeros((3, 2, 2, 1), np.float32)).shape == (3, 4)


def _result(fid, images=600):
    return {"images": images, "fid": fid, "is_mean": 8.0, "precision": 0.7,
            "recall": 0.5, "mem_feat": 1.1, "mem_px": 1.0, "r_train": 0.9,
            "r_test": 0.1}  # fmt: skip


def test_table_averages_seeds_and_gives_the_fd_gain(lab):
    results = {
        lab.key(0.01, "none", 0, 100): _result(30.0),
        lab.key(0.01, "none", 1, 100): _result(34.0),
        lab.key(0.01, "ada", 0, 100): _result(15.0),
        lab.key(0.01, "ada", 1, 100): _result(17.0),
        lab.key(0.01, "ada", 1, 999): _result(1.0),  # another step count
    }
    text = lab.table(results, fractions=[0.01], options=["none", "ada"],
                     seeds=[0, 1], steps=100)  # fmt: skip
    none_row, ada_row = text.splitlines()[2:]
    assert none_row.startswith("| 0.01 (600) | none | 2 | 32.00 ± 2.83 |")
    assert none_row.endswith("| 1.00x |")
    assert ada_row.startswith("| 0.01 (600) | ada | 2 | 16.00 ± 1.41 |")
    assert ada_row.endswith("| 0.90 / 0.10 | 2.00x |")


@pytest.mark.slow
def test_quick_run_saves_resumes_and_prints_the_table(tmp_path):
    out = tmp_path / "results.json"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    command = [sys.executable, str(SCRIPT), "--quick", "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, env=env,
                           timeout=600)  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    saved = json.loads(out.read_text())
    assert sorted(saved) == ["0.01/ada/0/20", "0.01/none/0/20"]
    assert 0.0 <= saved["0.01/ada/0/20"]["aug_p"] <= 1.0
    assert "| 0.01 (600) | ada | 1 |" in first.stdout
    again = subprocess.run([*command, "--table"], capture_output=True, text=True,
                           env=env, timeout=600)  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert "..." not in again.stdout  # nothing retrained
    assert again.stdout.split("| data |")[1] == first.stdout.split("| data |")[1]


def test_curve_gives_the_mean_fd_and_r_t_at_every_saved_step(lab):
    results = {
        lab.key(0.1, "none", 0, 1000): _result(30.0),
        lab.key(0.1, "none", 1, 1000): _result(20.0),
        lab.key(0.1, "none", 0, 2000): _result(10.0),
        lab.key(0.1, "ada", 0, 2000): _result(5.0),  # an option not asked for
    }
    text = lab.curve(results, fractions=[0.1], options=["none"], seeds=[0, 1])
    header, _, row = text.splitlines()
    assert header == "| data | option | 1000 steps | 2000 steps |"
    assert row == "| 0.1 | none | 25.00 (+0.90, 2) | 10.00 (+0.90, 1) |"
