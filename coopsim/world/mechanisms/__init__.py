"""One module per Milner hypothesis; ``REGISTRY`` maps a section name to its class.

A seventh mechanism is one new module and one line here.
"""
from .actors import Actors
from .epistemic import Epistemic
from .iteration import Iteration
from .power import Power
from .reciprocity import Reciprocity
from .regimes import Regime

REGISTRY = {cls.NAME: cls for cls in (Reciprocity, Actors, Iteration, Regime, Epistemic, Power)}

__all__ = ["REGISTRY", "Reciprocity", "Actors", "Iteration", "Regime", "Epistemic", "Power"]
