"""Sphinx configuration: MyST markdown pages, notebooks rendered by myst-nb, API from docstrings.

Build: ``make docs`` (warnings are errors).

Tutorials. The notebooks in ``../notebooks`` are committed without outputs (the test
suite runs them in quick mode). So that the site shows their tables and figures without
running them at every build (about two minutes even in quick mode, too slow for the test
that builds the site), ``docs/tutorials/_executed/`` holds executed copies, written by
``make docs-notebooks`` (``docs/execute_notebooks.py``); the build renders those
(``nb_execution_mode = "off"``). A test checks that their code is the notebooks' code, so
a changed notebook needs ``make docs-notebooks``. With ``COOPSIM_DOCS_EXECUTE=1`` the
build renders the clean notebooks instead and executes them itself, with myst-nb's cache
(``nb_execution_mode = "cache"``).
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import glob  # noqa: E402
import shutil  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
EXECUTE = os.environ.get("COOPSIM_DOCS_EXECUTE") == "1"
EXECUTED = os.path.join(_here, "tutorials", "_executed")
# the pages: docs/tutorials/NN_name.ipynb (ignored by git), copied at build time
os.makedirs(os.path.join(_here, "tutorials"), exist_ok=True)
for _nb in sorted(glob.glob(os.path.join(_here, "..", "notebooks", "*.ipynb"))):
    _name = os.path.basename(_nb)
    _stored = os.path.join(EXECUTED, _name)
    shutil.copy(_nb if EXECUTE or not os.path.exists(_stored) else _stored,
                os.path.join(_here, "tutorials", _name))

project = "coopsim"
author = "The coopsim developers"
copyright = "2026, the coopsim developers"
from coopsim import __version__ as release  # noqa: E402

version = release
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache" if EXECUTE else "off"
nb_execution_timeout = 600
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute", "tutorials/_executed"]
html_theme = "furo"
html_title = f"coopsim {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# pydantic models (the experiment-file schema): their own fields, not pydantic's machinery
PYDANTIC_INTERNALS = ("model_config", "model_fields", "model_computed_fields", "model_extra", "model_fields_set",
                      "model_post_init", "model_construct", "model_copy", "model_dump", "model_dump_json",
                      "model_json_schema", "model_parametrized_name", "model_rebuild", "model_validate",
                      "model_validate_json", "model_validate_strings")
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False,
                           "exclude-members": ", ".join(PYDANTIC_INTERNALS)}
napoleon_numpy_docstring = True
suppress_warnings = ["myst.header", "ref.python"]  # ambiguous short names in numpydoc types (e.g. "n")
nitpicky = False


def _sections_to_rubrics(app, what, name, obj, options, lines):
    """Module docstrings use RST section titles ("Conventions" / "-----------"); several of
    them on the site would collide as labels. Render them as rubrics instead."""
    i = 0
    while i < len(lines) - 1:
        title, underline = lines[i].strip(), lines[i + 1].strip()
        if title and underline and set(underline) <= set("-=~^") and len(underline) >= len(title):
            lines[i] = f".. rubric:: {title}"
            lines[i + 1] = ""
            i += 2
        else:
            i += 1


def setup(app):
    app.connect("autodoc-process-docstring", _sections_to_rubrics)
