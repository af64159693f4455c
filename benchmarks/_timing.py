"""Shared by the benchmark scripts: a duration in the unit that reads best."""


def fmt_t(seconds: float, width: int = 9, digits: int = 2) -> str:
    """``seconds`` as s, ms or us, right-aligned in ``width`` characters."""
    if seconds >= 1:
        return f"{seconds:{width}.{digits}f} s "
    if seconds >= 1e-3:
        return f"{seconds * 1e3:{width}.2f} ms"
    return f"{seconds * 1e6:{width}.1f} us"


#: Issue 13's goals were set on a quiet 2-core machine on which the plain numpy script of
#: ``lattice_vs_numpy.py`` (200 x 200 Moore lattice, 300 generations) took 0.56 s.
REFERENCE_SCRIPT_SECONDS = 0.56


def machine_factor(rounds: int = 3, seed: int = 0) -> tuple[float, float]:
    """(seconds, factor): the fastest of ``rounds`` runs of that numpy script here, and its
    ratio to :data:`REFERENCE_SCRIPT_SECONDS` (2.0: this machine, as loaded now, is half as
    fast as the one the goals were set on). A time divided by the factor estimates the time
    on that machine; benchmarks print both, the measured one first."""
    import time

    import numpy as np

    from lattice_vs_numpy import numpy_nowak_may

    rng = np.random.default_rng(seed)
    best = float("inf")
    for _ in range(rounds):
        coop = rng.random((200, 200)) < 0.9
        t = time.perf_counter()
        numpy_nowak_may(coop, 300, 1.9)
        best = min(best, time.perf_counter() - t)
    return best, best / REFERENCE_SCRIPT_SECONDS
