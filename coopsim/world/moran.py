"""Deprecated alias: moved to :mod:`coopsim.models.moran` (``axelrod_moran_process`` to
:mod:`coopsim.models.moran_axelrod`, the count chain to :mod:`coopsim.models.moran_chain`);
the old path goes in 0.3."""
import warnings

from ..models.moran import *  # noqa: F401,F403
from ..models.moran import (  # noqa: F401  (names the tests and benchmarks used)
    _matches_per_pair,
    _pair_index,
    _parse_players,
    _type_scores_from_matches,
    _Types,
)
from ..models.moran import __all__ as _moved
from ..models.moran_axelrod import axelrod_moran_process  # noqa: F401
from ..models.moran_chain import ChainFixation, chain_fixation  # noqa: F401

__all__ = [*_moved, "ChainFixation", "chain_fixation", "axelrod_moran_process"]

warnings.warn("coopsim.world.moran moved to coopsim.models.moran; the old path goes in 0.3", DeprecationWarning,
              stacklevel=2)
