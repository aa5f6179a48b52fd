"""Sphinx configuration: the guide, the notebooks with their committed
outputs (never executed here), and the API reference from the docstrings."""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The notebooks live in ../notebooks; Sphinx reads only its source folder.
_NOTEBOOKS = Path(__file__).parent / "notebooks"
_NOTEBOOKS.mkdir(exist_ok=True)
for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
    shutil.copy2(notebook, _NOTEBOOKS / notebook.name)

project = "ganlab"
author = "the ganlab developers"
release = version = "0.3.0"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]
nb_execution_mode = "off"  # rendered from the outputs committed with them
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
html_theme = "furo"
html_title = "ganlab"
exclude_patterns = ["_build"]
autodoc_inherit_docstrings = False  # Keras's own docstrings are not ganlab's
