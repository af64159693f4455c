"""Sphinx configuration: MyST markdown pages, notebooks rendered by myst-nb, API from docstrings.

Build: ``make docs`` (warnings are errors). Notebooks are executed during the build only
when ``COOPSIM_DOCS_EXECUTE=1`` (in quick mode); otherwise they render as committed
(they are executed separately by the test suite).
"""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

# Tutorials are the notebooks in ../notebooks, copied here at build time (ignored by git)
import glob  # noqa: E402
import shutil  # noqa: E402

_here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(_here, "tutorials"), exist_ok=True)
for _nb in sorted(glob.glob(os.path.join(_here, "..", "notebooks", "*.ipynb"))):
    shutil.copy(_nb, os.path.join(_here, "tutorials", os.path.basename(_nb)))

project = "coopsim"
author = "The coopsim developers"
copyright = "2026, the coopsim developers"
from coopsim import __version__ as release  # noqa: E402

version = release
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "cache" if os.environ.get("COOPSIM_DOCS_EXECUTE") == "1" else "off"
nb_execution_timeout = 600
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
html_theme = "furo"
html_title = f"coopsim {release}"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
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
