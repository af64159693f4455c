"""Deprecated alias: moved to :mod:`coopsim.models.fixation`; the old path goes in 0.3."""
import warnings

from ..models.fixation import *  # noqa: F401,F403
from ..models.fixation import __all__ as _moved
from ..models.moran_chain import cycle_death_birth_chain  # noqa: F401

__all__ = [*_moved, "cycle_death_birth_chain"]

warnings.warn("coopsim.world.fixation moved to coopsim.models.fixation; the old path goes in 0.3", DeprecationWarning,
              stacklevel=2)
