"""ganlab 0.2's module paths still import, warn, and give the new module."""

import importlib
import subprocess
import sys

import pytest

import ganlab
from ganlab import _moved


@pytest.mark.parametrize("old", sorted(_moved.MOVED))
def test_old_path_imports_the_new_module_with_a_warning(old):
    new = importlib.import_module(_moved.MOVED[old])
    sys.modules.pop(old, None)
    vars(ganlab).pop(old.rpartition(".")[2], None)
    with pytest.warns(DeprecationWarning, match=f"{old} moved to {new.__name__}"):
        module = importlib.import_module(old)
    assert module is new
    assert module.__spec__.name == new.__name__  # reload keeps working


def test_from_import_of_an_old_path_names_the_caller():
    sys.modules.pop("ganlab.models", None)
    with pytest.warns(DeprecationWarning) as record:
        from ganlab.models import make_generator
    assert make_generator is ganlab.make_generator
    assert record[0].filename == __file__


def test_old_attribute_of_the_package_warns():
    sys.modules.pop("ganlab.metrics", None)
    vars(ganlab).pop("metrics", None)  # as in a fresh session
    with pytest.warns(DeprecationWarning, match="ganlab.evaluation.metrics"):
        metrics = ganlab.metrics
    assert metrics is ganlab.evaluation.metrics


def test_packages_that_kept_their_old_name_export_its_names():
    assert ganlab.gan.GAN is ganlab.GAN
    assert ganlab.data.check_images is ganlab.check_images
    assert ganlab.evaluation.evaluate is ganlab.evaluate
    assert callable(ganlab.cli.main)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        ganlab.no_such_thing  # noqa: B018


def test_ganlab_itself_imports_nothing_from_an_old_path():
    code = "import warnings; warnings.simplefilter('error'); import ganlab"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "module, name",
    [(m, n) for m, names in sorted(_moved.MOVED_NAMES.items()) for n in names],
)
def test_names_moved_in_0_2_still_resolve_with_a_warning(module, name):
    old = importlib.import_module(module)
    new = importlib.import_module(_moved.MOVED_NAMES[module][name])
    with pytest.warns(DeprecationWarning, match=f"moved to {new.__name__}.{name}"):
        assert getattr(old, name) is getattr(new, name)
