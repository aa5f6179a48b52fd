"""The module paths of ganlab 0.2, kept for one release (until 0.4).

ganlab 0.3 put its flat modules into subpackages by concern (see
CHANGELOG.md). ``import ganlab.metrics`` and ``from ganlab.models import
make_generator`` still work: they give the module at its new path and
warn with a :class:`DeprecationWarning` naming that path. The old names of
the four modules that became packages of the same name (``ganlab.gan``,
``ganlab.data``, ``ganlab.evaluation``, ``ganlab.cli``) need no alias:
each package exports what its module did.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "ganlab.step": "ganlab.gan.step",
    "ganlab.losses": "ganlab.gan.losses",
    "ganlab.gan_options": "ganlab.gan.options",
    "ganlab.two_player": "ganlab.gan.two_player",
    "ganlab.mixtures": "ganlab.gan.mixtures",
    "ganlab.augment": "ganlab.gan.augment",
    "ganlab.checks": "ganlab.gan.checks",
    "ganlab.recipes": "ganlab.gan.recipes",
    "ganlab.clusters": "ganlab.gan.self_conditioning",
    "ganlab.legacy": "ganlab.gan.legacy",
    "ganlab.latent": "ganlab.gan.latent",
    "ganlab.models": "ganlab.nets.dcgan",
    "ganlab.translation_nets": "ganlab.nets.translation",
    "ganlab.image_to_image": "ganlab.translation.pix2pix",
    "ganlab.cyclegan": "ganlab.translation.cyclegan",
    "ganlab.translation_core": "ganlab.translation.core",
    "ganlab.translation_tasks": "ganlab.translation.tasks",
    "ganlab.translation_metrics": "ganlab.translation.metrics",
    "ganlab.batches": "ganlab.data.batches",
    "ganlab.datasets": "ganlab.data.datasets",
    "ganlab.image_folders": "ganlab.data.image_folders",
    "ganlab.toy": "ganlab.data.toy",
    "ganlab.toy_images": "ganlab.data.toy_images",
    "ganlab.metrics": "ganlab.evaluation.metrics",
    "ganlab.manifold_metrics": "ganlab.evaluation.manifold",
    "ganlab.evaluator": "ganlab.evaluation.features",
    "ganlab.doctor": "ganlab.diagnosis.doctor",
    "ganlab.diagnoses": "ganlab.diagnosis.diagnoses",
    "ganlab.cli_train": "ganlab.cli.train",
    "ganlab.cli_translate": "ganlab.cli.translate",
    "ganlab.cli_evaluate": "ganlab.cli.evaluate",
    "ganlab.training_budget": "ganlab.cli.budget",
    "ganlab.precision": "ganlab.mixed_precision",
}


def warn_moved(old: str) -> None:
    """Warn that module ``old`` moved, from the importing user's line."""
    # Past ganlab's frames and the import system's; warnings.warn skips the
    # frozen bootstrap frames itself, so they are not counted.
    level, frame = 2, sys._getframe(1)
    while frame is not None and (
        "importlib" in frame.f_code.co_filename
        or frame.f_globals.get("__name__", "") in ("ganlab", "ganlab._moved")
    ):
        if "_bootstrap" not in frame.f_code.co_filename:
            level += 1
        frame = frame.f_back
    warnings.warn(
        f"{old} moved to {MOVED[old]} in ganlab 0.3; import {MOVED[old]} "
        "instead (the old path goes in 0.4).",
        DeprecationWarning,
        stacklevel=level,
    )


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a 0.2 module path and loads the module at its new path."""

    def __init__(self):
        self._specs = {}  # new name -> its own spec, which loading overwrites

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        warn_moved(spec.name)
        module = importlib.import_module(MOVED[spec.name])
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._specs[module.__name__]


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())


# Names that moved between modules in 0.2 without a trace, kept until 0.4.
MOVED_NAMES = {
    "ganlab.evaluation.metrics": {
        "precision_recall": "ganlab.evaluation.manifold",
        "prdc": "ganlab.evaluation.manifold",
        "density_coverage": "ganlab.evaluation.manifold",
    },
    "ganlab.gan": {
        "build_dcgan": "ganlab.gan.recipes",
        "pack_samples": "ganlab.gan.losses",
        "gradient_penalty": "ganlab.gan.losses",
    },
    "ganlab.data": {"shuffled_batches": "ganlab.data.batches"},
}


def moved_name(module: str, name: str):
    """``module.name`` from where it lives now, with a DeprecationWarning;
    the module's ``__getattr__`` calls this for a name it does not hold.

    Raises:
        AttributeError: for a name that never lived in ``module``.
    """
    new = MOVED_NAMES.get(module, {}).get(name)
    if new is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} moved to {new}.{name} in ganlab 0.2; import it from "
        f"{new} (the old path goes in 0.4).",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(new), name)
