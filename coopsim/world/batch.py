"""Runs in lockstep: several runs of one scenario advanced together as one array.

A batch of ``R`` runs of ``n`` states is one world of ``R x n`` states (run ``r`` holds
states ``r n ... r n + n - 1``) whose encounters never cross runs — the disjoint union of
the runs. Every per-state or per-encounter operation of the loop and of the mechanisms
is then one numpy call over the whole batch.

Randomness stays per run: each run has its own streams, from its own seed
(``SeedSequence(root, spawn_key=(point, replication))`` in a sweep). A :class:`Streams`
holds one generator per run; a draw of ``R x m`` values is ``m`` values drawn by each run
from its own generator, in run order. The loop and the built-in mechanisms draw only
such evenly split arrays, and each run draws exactly what it draws when it runs alone, in
the same order: **a run's numbers do not depend on the batch it is in** (tests check
each run of a batch against the same run alone, value for value). With one run, a
:class:`Streams` calls its generator exactly as a plain :class:`numpy.random.Generator`.

A mechanism, structure or update rule from outside the package runs in lockstep only if
it says it can (``lockstep(scenario)``, see :func:`supports_lockstep`); otherwise its
runs go one by one, as before.
"""
from __future__ import annotations

import numpy as np

from .structure import Groups, Network, Structure, WellMixed

__all__ = ["Streams", "BatchStructure", "supports_lockstep"]


def _rows(size) -> tuple[int, tuple]:
    shape = (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)
    return shape[0], shape[1:]


class Streams:
    """One random generator per run of a batch (see the module docstring).

    Methods mirror :class:`numpy.random.Generator`; ``size`` (or the length of an array
    parameter) counts the whole batch and must be a multiple of the number of runs.
    Draws whose size depends on each run's data use :meth:`random_where` /
    :meth:`per_run`. With one run, any Generator method is available.
    """

    __slots__ = ("gens", "runs")

    def __init__(self, generators):
        self.gens = list(generators)
        self.runs = len(self.gens)

    def __getattr__(self, name):
        if name.startswith("__") or len(self.gens) != 1:
            raise AttributeError(f"Streams.{name}: not available for a batch of {len(self.gens)} runs "
                                 "(draw evenly split arrays, or use per_run / random_where)")
        return getattr(self.gens[0], name)

    # ------------------------------------------------------------------ helpers
    def _split(self, method: str, size, args=(), kwargs=None, split_args=()):
        """Each run draws ``size / runs`` rows with ``method``; ``split_args`` are the
        positions in ``args`` of per-row array parameters, split likewise."""
        kwargs = kwargs or {}
        if self.runs == 1:
            return getattr(self.gens[0], method)(*args, size=size, **kwargs)
        rows, rest = _rows(size)
        m, left = divmod(rows, self.runs)
        if left:
            raise ValueError(f"a draw of {rows} rows cannot be split evenly over {self.runs} runs")
        out = []
        for r, g in enumerate(self.gens):
            a = [x[r * m:(r + 1) * m] if i in split_args else x for i, x in enumerate(args)]
            out.append(getattr(g, method)(*a, size=(m,) + rest, **kwargs))
        return np.concatenate(out)

    def per_run(self, fn) -> list:
        """``[fn(generator_of_run_r, r) for r in runs]``."""
        return [fn(g, r) for r, g in enumerate(self.gens)]

    # ------------------------------------------------------------------ Generator methods
    def random(self, size=None, dtype=np.float64, out=None):
        if self.runs == 1:
            return self.gens[0].random(size, dtype=dtype, out=out)
        if out is not None or size is None:
            raise ValueError("Streams.random: give a size (a multiple of the number of runs)")
        rows, rest = _rows(size)
        m, left = divmod(rows, self.runs)
        if left:
            raise ValueError(f"a draw of {rows} rows cannot be split evenly over {self.runs} runs")
        out = np.empty((rows,) + rest, dtype=dtype)
        for r, g in enumerate(self.gens):  # each run fills its own rows
            g.random(dtype=dtype, out=out[r * m:(r + 1) * m])
        return out

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._split("uniform", size, (low, high))

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        return self._split("integers", size, (low, high), {"dtype": dtype, "endpoint": endpoint})

    def choice(self, a, size=None, replace=True, p=None):
        return self._split("choice", size, (a,), {"replace": replace, "p": p})

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._split("normal", size, (loc, scale))

    def binomial(self, n, p, size=None):
        return self._split("binomial", size, (n, p))

    def geometric(self, p, size=None):
        if size is None:
            if np.ndim(p) == 0:
                return self.gens[0].geometric(p) if self.runs == 1 else self._split("geometric", self.runs, (p,))
            return self._split("geometric", np.shape(p)[0], (np.asarray(p),), split_args=(0,))
        return self._split("geometric", size, (p,), split_args=(0,) if np.ndim(p) else ())

    def random_in(self, where, shape) -> np.ndarray:
        """Uniform numbers of ``shape`` drawn only where ``where`` holds (True: everywhere; a
        mask from :meth:`~coopsim.world.loop.World.runs_where`: the runs whose condition
        holds, each drawing what it draws alone); 1.0 elsewhere."""
        if where is True:
            return self.random(shape)
        out = np.ones(shape)
        out[where] = self.random_where(where)
        return out

    def random_where(self, mask):
        """One uniform number per True entry of ``mask`` (per-state, runs in order): each
        run draws as many as its own entries, as ``rng.random(int(mask.sum()))`` alone."""
        mask = np.asarray(mask, dtype=bool)
        if self.runs == 1:
            return self.gens[0].random(int(mask.sum()))
        counts = mask.reshape(self.runs, -1).sum(axis=1)
        return np.concatenate([g.random(int(c)) for g, c in zip(self.gens, counts, strict=True)])


class BatchStructure:
    """The disjoint union of ``runs`` copies of one run's interaction structure.

    Encounters and imitation models are the run's own, drawn with the run's generator
    and shifted to its states; fixed encounters (networks, round robins) are built once.
    """

    def __init__(self, structure, runs: int):
        self.base = structure
        self.runs = runs
        self.n_run = structure.n_states
        self.n_states = self.n_run * runs
        self.group_size = structure.group_size
        self.self_interaction = bool(getattr(structure, "self_interaction", False))
        self._fixed = None

    def _union(self, parts):
        return np.concatenate([p + r * self.n_run for r, p in enumerate(parts)])

    def encounters(self, rng: Streams) -> np.ndarray:
        if self._fixed is not None:
            return self._fixed
        if self.runs == 1:
            return self.base.encounters(rng.gens[0])
        base = self.base
        if type(base) in (WellMixed, Groups) and base.encounters_per_period == 1 and not base.fixed_encounters:
            # a random matching in each run: its permutation, cut into pairs or groups
            m, k = self.n_run, base.group_size
            g = m // k
            perms = np.stack([gen.permutation(m) for gen in rng.gens])[:, : g * k]
            return (perms + (np.arange(self.runs) * m)[:, None]).reshape(-1, k)
        enc = self._union(rng.per_run(lambda g, r: base.encounters(g)))
        if getattr(self.base, "fixed_encounters", False):
            enc.setflags(write=False)  # the same every period: counted once per run (loop)
            self._fixed = enc
        return enc

    def models(self, rng: Streams) -> np.ndarray:
        if self.runs == 1:
            return self.base.models(rng.gens[0])
        base, m = self.base, self.n_run
        method = type(base).models
        if method is Structure.models:  # a uniformly random other state of the run
            local, offset = self._local()
            r = rng.integers(0, m - 1, size=self.n_states)
            return r + (r >= local) + offset
        if method is Network.models:  # a uniformly random neighbour
            indptr, indices = self.neighbours_csr
            pick = (rng.random(self.n_states) * np.diff(indptr)).astype(np.int64)
            return indices[indptr[:-1] + pick]
        return self._union(rng.per_run(lambda g, r: base.models(g)))

    def _local(self) -> tuple[np.ndarray, np.ndarray]:
        """(index of each state within its run, first state of its run)."""
        if getattr(self, "_local_index", None) is None:
            self._local_index = (np.tile(np.arange(self.n_run), self.runs),
                                 np.repeat(np.arange(self.runs) * self.n_run, self.n_run))
        return self._local_index

    @property
    def neighbours_csr(self) -> tuple[np.ndarray, np.ndarray]:
        if getattr(self, "_csr", None) is None:
            indptr, indices = self.base.neighbours_csr
            m = indices.shape[0]
            ptr = np.concatenate([[0]] + [indptr[1:] + r * m for r in range(self.runs)]).astype(np.int64)
            self._csr = ptr, self._union([indices] * self.runs).astype(np.int64)
        return self._csr


def supports_lockstep(scenario) -> bool:
    """True when every part of ``scenario`` can run several runs in lockstep: its update
    rule (finite population), every mechanism (``lockstep(scenario)``), its strategies."""
    rule = scenario.update_rule()
    if rule.POPULATION != "finite" or not getattr(rule, "LOCKSTEP", False):
        return False
    return all(m.lockstep(scenario) for m in scenario.mechanisms())
