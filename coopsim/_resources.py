"""Resource bounds: memory and time of a run, estimated from its parameters before it starts.

A run of the world loop holds arrays per state, per encounter and — in the round loop of
:mod:`coopsim.engine.sampled` — per round of the longest match of a chunk (the round
indices); it takes time per round step (a numpy call per round) and per match-round. The
constants below were measured on the reference machine (see
``docs/reference/experiment-files.md``, "Resource bounds"); the estimates are meant to be
right within a factor of ~2, which is all a refusal at the limits needs.

Limits: the memory a run may use (default: the memory available now, from psutil or
``/proc/meminfo``) and the time a single run may take (default 24 hours). Change them
with :func:`set_limits` or the environment variables ``COOPSIM_MAX_MEMORY`` (``"8GB"``)
and ``COOPSIM_MAX_RUN_TIME`` (``"48h"``), which worker processes inherit.
:meth:`coopsim.Scenario`, :func:`coopsim.play`, :func:`coopsim.tournament` and experiment
files (with their own, stricter ``max_memory``, ``max_runs`` and ``max_run_time``) refuse
what is beyond them, naming the parameter that weighs most and the estimate.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

from ._validation import ParameterError

__all__ = ["RunEstimate", "estimate_run", "estimate_matches", "check_run", "check_matches", "limits", "set_limits",
           "available_memory", "parse_size", "parse_duration", "format_bytes", "format_seconds",
           "MEMORY_BASE", "BYTES_PER_STATE", "BYTES_PER_ROUND", "BYTES_PER_ENCOUNTER", "SECONDS_PER_STEP",
           "SECONDS_PER_MATCH_ROUND", "SECONDS_PER_STATE", "SECONDS_PER_PERIOD", "DEFAULT_RUN_SECONDS",
           "SECONDS_PER_GROUP_STEP", "SECONDS_PER_ENCOUNTER", "SECONDS_PER_EXACT_ENCOUNTER"]

# ---------------------------------------------------------------- calibration (measured)
#: memory of a run beyond the imported package (first-run caches, the per-period tables)
MEMORY_BASE = 80e6
#: per state of the population (strategies, payoffs, capabilities, per-period arrays)
BYTES_PER_STATE = 400
#: per round of the longest match of a chunk (the round loop's index arrays, int64 x 3)
BYTES_PER_ROUND = 24
#: per encounter of a period beyond the n_states / 2 pairs of random matching
BYTES_PER_ENCOUNTER = 500
#: one round step of a chunk of 2-player matches (numpy call overhead)
SECONDS_PER_STEP = 9e-6
#: one round step of a chunk of N-player groups (the group core does more per step)
SECONDS_PER_GROUP_STEP = 1.2e-4
#: one round of one match (or one member of a group) inside a step
SECONDS_PER_MATCH_ROUND = 2.8e-8
#: per state and period (revision, mutation, bookkeeping)
SECONDS_PER_STATE = 5e-7
#: per encounter and period outside the round loop (pairing, payoffs, mechanisms)
SECONDS_PER_ENCOUNTER = 3e-6
#: per encounter and period with engine = "exact" (a Markov chain solved per match)
SECONDS_PER_EXACT_ENCOUNTER = 2e-4
#: per period (fixed costs of the loop)
SECONDS_PER_PERIOD = 1e-3
#: matches per chunk of the round loop (coopsim.engine.rounds.CHUNK)
_CHUNK = 16384
#: default time limit of one run
DEFAULT_RUN_SECONDS = 24 * 3600.0

_LIMITS: dict[str, float | None] = {"memory": None, "run_seconds": None}


# ---------------------------------------------------------------- sizes and durations
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(i?[bB])?\s*$")
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|min|m|h|d)\s*$")
_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}
_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_size(text) -> float:
    """``"4GB"``, ``"512MB"``, ``"2.5G"`` -> bytes (decimal units; ``GiB`` binary); ValueError if not."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and math.isfinite(text) and text > 0:
        return float(text)
    m = _SIZE.match(text) if isinstance(text, str) else None
    if not m or float(m.group(1)) <= 0:
        raise ValueError("a size such as \"4GB\", \"512MB\" or \"2GiB\"")
    unit = m.group(2).lower()
    factor = (1024 ** " kmgt".index(unit or " ")) if m.group(3) and m.group(3).lower() == "ib" else _UNITS[unit]
    return float(m.group(1)) * factor


def parse_duration(text) -> float:
    """``"24h"``, ``"90min"``, ``"2d"``, ``"30s"`` -> seconds; ValueError if not."""
    if isinstance(text, (int, float)) and not isinstance(text, bool) and math.isfinite(text) and text > 0:
        return float(text)
    m = _DURATION.match(text) if isinstance(text, str) else None
    if not m or float(m.group(1)) <= 0:
        raise ValueError("a duration such as \"24h\", \"90min\", \"2d\" or \"30s\"")
    return float(m.group(1)) * _SECONDS[m.group(2)]


def format_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


def format_seconds(s: float) -> str:
    if s >= 365 * 86400:
        return f"{s / (365 * 86400):.3g} years"
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.2g} s"


# ---------------------------------------------------------------- limits
def available_memory() -> float:
    """Bytes of memory available now (psutil, else /proc/meminfo's MemAvailable, else 4 GB)."""
    try:
        import psutil

        return float(psutil.virtual_memory().available)
    except Exception:  # noqa: BLE001 - psutil missing or unsupported platform
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 4e9


def limits() -> dict[str, float]:
    """``{"memory": bytes, "run_seconds": seconds}``: what one run may use."""
    memory = _LIMITS["memory"]
    if memory is None:
        env = os.environ.get("COOPSIM_MAX_MEMORY")
        memory = parse_size(env) if env else available_memory()
    seconds = _LIMITS["run_seconds"]
    if seconds is None:
        env = os.environ.get("COOPSIM_MAX_RUN_TIME")
        seconds = parse_duration(env) if env else DEFAULT_RUN_SECONDS
    return {"memory": float(memory), "run_seconds": float(seconds)}


def set_limits(memory=None, run_seconds=None) -> dict[str, float]:
    """Set the limits (a size such as ``"8GB"`` or bytes; a duration such as ``"48h"`` or
    seconds); ``None`` restores the default. The limits go into the environment too
    (``COOPSIM_MAX_MEMORY``, ``COOPSIM_MAX_RUN_TIME``), so that local worker processes
    started afterwards apply the same ones. Returns the limits now in force."""
    for key, env, value, parse in (("memory", "COOPSIM_MAX_MEMORY", memory, parse_size),
                                   ("run_seconds", "COOPSIM_MAX_RUN_TIME", run_seconds, parse_duration)):
        if value is None:
            _LIMITS[key] = None
            if _SET_ENV.pop(env, None) is not None and os.environ.get(env) is not None:
                del os.environ[env]
        else:
            _LIMITS[key] = parse(value)
            os.environ[env] = f"{_LIMITS[key]:.0f}" + ("B" if key == "memory" else "s")
            _SET_ENV[env] = True
    return limits()


_SET_ENV: dict[str, bool] = {}  # environment variables set by set_limits (removed when restored)


# ---------------------------------------------------------------- estimates
@dataclass(frozen=True)
class RunEstimate:
    """Memory (bytes) and time (seconds) of one run, and the parameter weighing most on each."""

    memory: float
    seconds: float
    memory_parameter: str
    seconds_parameter: str
    detail: str = ""

    def __str__(self) -> str:
        return f"~{format_bytes(self.memory)} and ~{format_seconds(self.seconds)} per run"


def _max_length(K: int, rounds: float | None, continuation: float | None) -> float:
    """Rounds of the longest match of a chunk of K matches (the round loop's length)."""
    if rounds is not None:
        return float(rounds)
    w = float(continuation or 0.0)
    if w <= 0:
        return 1.0
    m = max(1, min(int(K), _CHUNK))
    return 1.0 / (1.0 - w) + math.log(m) / -math.log(w)


def _matches(K: float, size: int, rounds: float | None, continuation: float | None) -> tuple[float, float, float]:
    """(memory, seconds, longest match) of playing K matches of ``size`` players once."""
    if K <= 0:
        return 0.0, 0.0, 0.0
    L = _max_length(int(min(K, _CHUNK)), rounds, continuation)
    mean = float(rounds) if rounds is not None else 1.0 / (1.0 - float(continuation or 0.0))
    chunks = math.ceil(K / _CHUNK)
    step = SECONDS_PER_STEP if size == 2 else SECONDS_PER_GROUP_STEP
    seconds = chunks * L * step + K * size / 2 * mean * SECONDS_PER_MATCH_ROUND
    memory = BYTES_PER_ROUND * L + BYTES_PER_ENCOUNTER * K
    return memory, seconds, L


def _encounters(sc) -> float:
    """Encounters per period (pairs, or groups of n_actors), without building the structure."""
    n, p = sc.n_states, sc.structure_params
    k = sc.actors.n_actors if sc.is_group_game else 2
    per = p.get("encounters_per_period", 1) if isinstance(p.get("encounters_per_period", 1), int) else 1
    if sc.structure == "all_pairs":
        return n * (n - 1) / 2
    if sc.structure == "random_matching":
        return (n // k) * per
    degree = next((p[key] for key in ("degree", "attachment") if isinstance(p.get(key), (int, float))), 4)
    degree = 2 * degree if "attachment" in p else degree
    return n if sc.is_group_game else n * max(1.0, float(degree)) / 2


def estimate_run(sc) -> RunEstimate:
    """Estimate one run of scenario ``sc`` (a :class:`coopsim.Scenario`, validated or being validated)."""
    finite = getattr(sc.update_rule(), "POPULATION", "finite") == "finite"
    n = sc.n_states if finite else 1
    periods = sc.periods
    K = _encounters(sc) if finite else 1
    k = sc.actors.n_actors if sc.is_group_game else 2
    it = sc.iteration
    exact = sc.engine == "exact"
    if exact:
        m_mem, m_sec, L = BYTES_PER_ENCOUNTER * K, K * SECONDS_PER_EXACT_ENCOUNTER, 0.0
    else:
        m_mem, m_sec, L = _matches(K, k, it.rounds, it.continuation)
    extra_encounters = max(0.0, K - n / 2)
    memory = MEMORY_BASE + BYTES_PER_STATE * n + m_mem - BYTES_PER_ENCOUNTER * min(K, n / 2)
    seconds = periods * (SECONDS_PER_PERIOD + SECONDS_PER_STATE * n + SECONDS_PER_ENCOUNTER * K + m_sec)
    round_param = "iteration.rounds" if it.rounds is not None else "iteration.continuation"
    mem_terms = {"n_states": BYTES_PER_STATE * n + BYTES_PER_ENCOUNTER * extra_encounters,
                 round_param: BYTES_PER_ROUND * L}
    sec_terms = {"n_states": SECONDS_PER_STATE * n + SECONDS_PER_ENCOUNTER * K + (m_sec if L <= 1000 else 0.0),
                 round_param: m_sec if L > 1000 else 0.0,
                 "periods": SECONDS_PER_PERIOD}
    if periods > 10_000 and max(sec_terms.values()) * 1000 < periods * SECONDS_PER_PERIOD:
        sec_terms["periods"] = float("inf")
    detail = (f"{n} states, {periods} periods, {K:.3g} encounters per period"
              + ("" if exact else f", matches of up to {L:.3g} rounds"))
    return RunEstimate(memory, seconds, max(mem_terms, key=mem_terms.get), max(sec_terms, key=sec_terms.get),
                       detail)


def _value(sc, name: str):
    obj = sc
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def check_run(sc, *, memory: float | None = None, run_seconds: float | None = None) -> RunEstimate:
    """Refuse (ParameterError naming the heaviest parameter) a run beyond the limits."""
    est = estimate_run(sc)
    lim = limits()
    memory = min(lim["memory"], memory) if memory is not None else lim["memory"]
    run_seconds = min(lim["run_seconds"], run_seconds) if run_seconds is not None else lim["run_seconds"]
    if est.memory > memory:
        name = est.memory_parameter
        raise ParameterError(name, _value(sc, name),
                             f"a run within the memory limit of {format_bytes(memory)} (this one needs an estimated "
                             f"{format_bytes(est.memory)}: {est.detail}); lower {name}")
    if est.seconds > run_seconds:
        name = est.seconds_parameter
        raise ParameterError(name, _value(sc, name),
                             f"a run within the time limit of {format_seconds(run_seconds)} (this one needs an "
                             f"estimated {format_seconds(est.seconds)}: {est.detail}); lower {name}"
                             + ("" if name == "periods" else " or periods"))
    return est


def estimate_matches(K: int, size: int = 2, *, turns=None, continuation=None, record: bool = False) -> RunEstimate:
    """Estimate playing K matches (groups of ``size``) once, as :func:`coopsim.play` does."""
    mem, sec, L = _matches(K, size, turns, continuation)
    if record:
        mem += K * L * size
    param = "turns" if turns is not None else "continuation"
    return RunEstimate(MEMORY_BASE / 4 + mem, sec, param, param, f"{K} matches of up to {L:.3g} rounds")


def check_matches(K: int, size: int = 2, *, turns=None, continuation=None, record: bool = False,
                  repetitions: int = 1) -> RunEstimate:
    """Refuse playing K matches (``repetitions`` times) beyond the limits, naming turns or continuation."""
    est = estimate_matches(K, size, turns=turns, continuation=continuation, record=record)
    lim = limits()
    value = turns if turns is not None else continuation
    if est.memory > lim["memory"]:
        raise ParameterError(est.memory_parameter, value,
                             f"matches within the memory limit of {format_bytes(lim['memory'])} (these need an "
                             f"estimated {format_bytes(est.memory)}: {est.detail})")
    seconds = est.seconds * repetitions
    if seconds > lim["run_seconds"]:
        raise ParameterError(est.seconds_parameter, value,
                             f"matches within the time limit of {format_seconds(lim['run_seconds'])} (these need "
                             f"an estimated {format_seconds(seconds)}: {est.detail}"
                             + (f", {repetitions} repetitions" if repetitions > 1 else "") + ")")
    return est
