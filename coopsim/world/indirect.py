"""Deprecated alias: moved to :mod:`coopsim.models.indirect`; the old path goes in 0.3."""
import warnings

from ..models.indirect import *  # noqa: F401,F403
from ..models.indirect import __all__  # noqa: F401

warnings.warn("coopsim.world.indirect moved to coopsim.models.indirect; the old path goes in 0.3", DeprecationWarning,
              stacklevel=2)
