"""Deprecated alias: moved to :mod:`coopsim.models.norms` (the game and its payoffs to
:mod:`coopsim.models.norms_game`); the old path goes in 0.3."""
import warnings

from ..models.norms import *  # noqa: F401,F403
from ..models.norms import __all__  # noqa: F401
from ..models.norms_game import _play_events  # noqa: F401  (used by the tests)

warnings.warn("coopsim.world.norms moved to coopsim.models.norms; the old path goes in 0.3", DeprecationWarning,
              stacklevel=2)
