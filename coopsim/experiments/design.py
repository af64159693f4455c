"""Design points (compatibility module): the builders now live in :mod:`coopsim.experiments.designs`.

:class:`Design`, :class:`Range` and :func:`single_point` come from
:mod:`~coopsim.experiments.designs.base`; :func:`grid`, :func:`from_list`,
:func:`random_design`, :func:`latin_hypercube`, :func:`sobol` and :func:`sobol_problem`
from the module of their kind.
"""
from .designs.base import STR, Design, Range, single_point
from .designs.grid import grid
from .designs.latin_hypercube import latin_hypercube
from .designs.list import from_list
from .designs.random import random_design
from .designs.sobol import sobol, sobol_problem

__all__ = ["Range", "Design", "STR", "single_point", "grid", "from_list", "random_design", "latin_hypercube", "sobol",
           "sobol_problem"]
