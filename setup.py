"""Packaging: everything is in pyproject.toml; this file only copies the repository's
``experiments/`` and ``notebooks/`` into the wheel as ``coopsim/examples/`` package data
(``coopsim examples DIR`` copies them out of an installed coopsim)."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
EXAMPLES = {"experiments": ("*.toml",), "notebooks": ("*.ipynb", "README.md")}


class BuildPyWithExamples(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the repository's folders
            return
        for kind, patterns in EXAMPLES.items():
            target = Path(self.build_lib) / "coopsim" / "examples" / kind
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for src in sorted((ROOT / kind).glob(pattern)):
                    shutil.copyfile(src, target / src.name)


setup(cmdclass={"build_py": BuildPyWithExamples})
