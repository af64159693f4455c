"""A figure never claims an interval it does not have: one run has no band."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from coopsim import plots  # noqa: E402


def _periods(replications):
    rows = [{"point": 0, "replication": r, "period": t, "cooperation": 0.5 + 0.1 * np.sin(t + r)}
            for r in range(replications) for t in range(10)]
    return pd.DataFrame(rows)


def test_one_run_draws_no_band_and_says_so():
    ax = plots.cooperation_over_time(_periods(1))
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert "one run" in ax.get_ylabel() and "95%" not in ax.get_ylabel()
    plt.close(ax.figure)
    ax = plots.cooperation_over_time(_periods(3))
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1
    assert "95% t band" in ax.get_ylabel()
    plt.close(ax.figure)
