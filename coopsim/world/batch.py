"""Runs in lockstep: several runs of one scenario advanced together as one array.

A batch of ``R`` runs of ``n`` states is one world of ``R x n`` states (run ``r`` holds
states ``r n ... r n + n - 1``) whose encounters never cross runs — the disjoint union of
the runs. Every per-state or per-encounter operation of the loop and of the mechanisms
is then one numpy call over the whole batch.

Randomness stays per run: each run has its own streams, from its own seed
(``SeedSequence(root, spawn_key=(point, replication))`` in a sweep). A :class:`Streams`
holds one generator per run and a block of its uniform numbers; a draw of ``R x m``
values is ``m`` values of each run's own stream, in run order — one slice of the
runs x block array, not one generator call per run. The loop and the built-in
mechanisms draw only such evenly split arrays (or per-run counts, :meth:`Streams.random_where`),
and each run draws exactly what it draws when it runs alone, in the same order: **a
run's numbers do not depend on the batch it is in** (tests check each run of a batch
against the same run alone, value for value). A run alone uses a :class:`Streams` of one
run, so it draws the same way.

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
    """One random stream per run of a batch (see the module docstring).

    Each run's uniform numbers come from its own generator in blocks of :attr:`BLOCK`
    (``generator.random(BLOCK)``, kept in a row of a runs x BLOCK array): a draw of ``m``
    numbers per run is then one slice of that array for the whole batch, not one call per
    run. Run ``r``'s uniform numbers are exactly its generator's ``random()`` sequence, and
    each run refills its block when its own draws exhaust it, so **what a run draws does
    not depend on the batch it is in**. Integers, choices, uniform and geometric variates
    and random matchings are derived from these uniform numbers (see each method); other
    distributions (``normal``, ``binomial``, choice without replacement) are drawn from
    each run's generator, after the numbers its block already holds.

    Methods mirror :class:`numpy.random.Generator`; ``size`` (or the length of an array
    parameter) counts the whole batch and must be a multiple of the number of runs. Draws
    whose size depends on each run's data use :meth:`random_where` / :meth:`per_run`. With
    one run, any other Generator method is its generator's (called directly).
    """

    __slots__ = ("gens", "runs", "_buf", "_cur")

    #: uniform numbers a run draws from its generator at a time
    BLOCK = 1024

    def __init__(self, generators):
        self.gens = list(generators)
        self.runs = len(self.gens)
        self._buf = np.empty((self.runs, self.BLOCK))
        self._cur = np.full(self.runs, self.BLOCK, dtype=np.int64)  # every block used up

    def __getattr__(self, name):
        if name.startswith("_") or len(self.gens) != 1:
            raise AttributeError(f"Streams.{name}: not available for a batch of {len(self.gens)} runs "
                                 "(draw evenly split arrays, or use per_run / random_where)")
        return getattr(self.gens[0], name)

    def run(self, r: int) -> "Streams":
        """The one-run streams of run ``r``, sharing its block with this batch: drawing from
        either advances the same stream."""
        view = object.__new__(Streams)
        view.gens, view.runs = [self.gens[r]], 1
        view._buf, view._cur = self._buf[r:r + 1], self._cur[r:r + 1]
        return view

    # ------------------------------------------------------------------ uniform numbers
    def _refill(self, rows) -> None:
        """Runs ``rows`` move what is left of their block to its front and fill the rest."""
        buf, cur, B = self._buf, self._cur, self.BLOCK
        for r in rows:
            c = int(cur[r])
            left = B - c
            if left:
                buf[r, :left] = buf[r, c:]
            self.gens[r].random(out=buf[r, left:])
            cur[r] = 0

    def _uniform_rows(self, k: int) -> np.ndarray:
        """(runs, k): each run's next ``k`` uniform numbers in [0, 1)."""
        buf, cur, B = self._buf, self._cur, self.BLOCK
        if k > B:  # a large draw: what the block holds, then straight from each generator
            out = np.empty((self.runs, k))
            for r, g in enumerate(self.gens):
                c = int(cur[r])
                out[r, :B - c] = buf[r, c:]
                g.random(out=out[r, B - c:])
            cur[:] = B
            return out
        c0 = int(cur[0])
        if self.runs == 1 or (cur == c0).all():  # runs in step: one slice
            if c0 + k > B:
                self._refill(range(self.runs))
                c0 = 0
            out = buf[:, c0:c0 + k].copy()
            cur += k
            return out
        if (cur > B - k).any():
            self._refill(np.flatnonzero(cur > B - k).tolist())
        out = buf.reshape(-1).take((cur + np.arange(0, self.runs * B, B))[:, None] + np.arange(k))
        cur += k
        return out

    def _uniform_counts(self, counts: np.ndarray) -> np.ndarray:
        """Run ``r``'s next ``counts[r]`` uniform numbers, runs in order, concatenated."""
        counts = np.asarray(counts, dtype=np.int64)
        K = int(counts.max(initial=0))
        if K == 0:
            return np.empty(0)
        if K > self.BLOCK:
            return np.concatenate([self.run(r)._uniform_rows(int(c)).ravel() if c else np.empty(0)
                                   for r, c in enumerate(counts)])
        buf, cur, B = self._buf, self._cur, self.BLOCK
        if (cur + counts > B).any():
            self._refill(np.flatnonzero(cur + counts > B).tolist())
        j = np.arange(K)
        at = np.minimum(cur[:, None] + j, B - 1) + np.arange(0, self.runs * B, B)[:, None]
        out = buf.reshape(-1).take(at[j < counts[:, None]])
        cur += counts
        return out

    def _per_run_count(self, size) -> tuple[tuple, int]:
        if size is None:
            if self.runs != 1:
                raise ValueError("give a size (a multiple of the number of runs)")
            return (), 1
        rows, rest = _rows(size)
        m, left = divmod(rows, self.runs)
        if left:
            raise ValueError(f"a draw of {rows} rows cannot be split evenly over {self.runs} runs")
        return (rows,) + rest, m * int(np.prod(rest, dtype=np.int64))

    def random(self, size=None, dtype=np.float64, out=None):
        """Uniform numbers in [0, 1): each run's next ones (its generator's ``random()``)."""
        if np.dtype(dtype) != np.float64:
            if self.runs == 1:
                return self.gens[0].random(size, dtype=dtype, out=out)
            return self._split("random", size, kwargs={"dtype": dtype})
        if out is not None:
            out[...] = self.random(out.shape if size is None else size)
            return out
        shape, k = self._per_run_count(size)
        u = self._uniform_rows(k)
        return float(u[0, 0]) if shape == () else u.reshape(shape)

    def random_where(self, mask):
        """One uniform number per True entry of ``mask`` (per-state, runs in order): each
        run draws as many as its own entries, as ``rng.random(int(mask.sum()))`` alone."""
        mask = np.asarray(mask, dtype=bool)
        return self._uniform_counts(mask.reshape(self.runs, -1).sum(axis=1))

    def random_in(self, where, shape) -> np.ndarray:
        """Uniform numbers of ``shape`` drawn only where ``where`` holds (True: everywhere; a
        mask from :meth:`~coopsim.world.loop.World.runs_where`: the runs whose condition
        holds, each drawing what it draws alone); 1.0 elsewhere."""
        if where is True:
            return self.random(shape)
        out = np.ones(shape)
        out[where] = self.random_where(where)
        return out

    # ------------------------------------------------------------------ derived from them
    def uniform(self, low=0.0, high=1.0, size=None):
        """``low + (high - low) * u``, as :meth:`numpy.random.Generator.uniform` computes it."""
        if size is None and (np.ndim(low) or np.ndim(high)):
            size = np.broadcast(low, high).shape
        u = self.random(size)
        return low + (np.asarray(high, dtype=float) - low) * u if np.ndim(u) else float(low + (high - low) * u)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        """Integers in [low, high) (or [low, high] with ``endpoint``): ``low + floor(u * span)``
        (span < 2**53; unbiased to within span / 2**53)."""
        if high is None:
            low, high = 0, low
        span = np.asarray(high, dtype=np.int64) - np.asarray(low, dtype=np.int64) + (1 if endpoint else 0)
        if np.any(span < 1):
            raise ValueError(f"integers: low >= high ({low}, {high})")
        u = self.random(size)
        x = np.minimum(np.floor(u * span).astype(np.int64), span - 1) + low
        return np.dtype(dtype).type(x) if np.ndim(x) == 0 else x.astype(dtype, copy=False)

    def choice(self, a, size=None, replace=True, p=None):
        """With replacement: entry ``searchsorted(cdf, u, "right")`` of ``a`` for one uniform
        number each (what :meth:`numpy.random.Generator.choice` does with ``p``; a uniform
        index without); without replacement, each run's generator."""
        if not replace:
            if self.runs == 1:
                return self.gens[0].choice(a, size=size, replace=False, p=p)
            return self._split("choice", size, (a,), {"replace": False, "p": p})
        pool = np.arange(a) if np.ndim(a) == 0 else np.asarray(a)
        if p is None:
            idx = self.integers(0, pool.shape[0], size=size)
        else:
            cdf = np.asarray(p, dtype=float).cumsum()
            cdf /= cdf[-1]
            idx = cdf.searchsorted(self.random(size), side="right")
        return pool[idx]

    def geometric(self, p, size=None):
        """Trials to the first success, ``max(1, ceil(log(1 - u) / log(1 - p)))`` for one
        uniform number each; ``p`` may give one probability per row."""
        p = np.asarray(p, dtype=float)
        if np.any(p <= 0) or np.any(p > 1):
            raise ValueError(f"geometric: p must be in (0, 1], got {p}")
        if size is None:
            size = p.shape[0] if p.ndim else (None if self.runs == 1 else self.runs)
        u = self.random(size)
        with np.errstate(divide="ignore"):
            k = np.maximum(np.ceil(np.log1p(-u) / np.log1p(-p)), 1.0).astype(np.int64)
        return int(k) if np.ndim(k) == 0 else k

    def permutations(self, n: int) -> np.ndarray:
        """(runs, n): a uniformly random permutation of ``range(n)`` for each run, the order
        of ``n`` uniform numbers (:func:`numpy.argsort`)."""
        return np.argsort(self._uniform_rows(n), axis=1, kind="stable")

    # ------------------------------------------------------------------ each run's generator
    def _split(self, method: str, size, args=(), kwargs=None, split_args=()):
        """Each run draws ``size / runs`` rows with its generator's ``method``; ``split_args``
        are the positions in ``args`` of per-row array parameters, split likewise."""
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
        """``[fn(streams_of_run_r, r) for r in runs]`` (:meth:`run`: run ``r``'s streams)."""
        return [fn(self.run(r), r) for r in range(self.runs)]

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._split("normal", size, (loc, scale))

    def binomial(self, n, p, size=None):
        return self._split("binomial", size, (n, p))


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
        base = self.base
        if type(base) in (WellMixed, Groups) and not base.fixed_encounters:
            # random matchings in each run: its permutations (Streams.permutations, what the
            # structure draws alone), cut into pairs or groups
            m, k = self.n_run, base.group_size
            g = m // k
            perms = np.stack([rng.permutations(m)[:, : g * k] for _ in range(base.encounters_per_period)], axis=1)
            return (perms + (np.arange(self.runs) * m)[:, None, None]).reshape(-1, k)
        if self.runs == 1:
            return self.base.encounters(rng)
        enc = self._union(rng.per_run(lambda g, r: base.encounters(g)))
        if getattr(self.base, "fixed_encounters", False):
            enc.setflags(write=False)  # the same every period: counted once per run (loop)
            self._fixed = enc
        return enc

    def models(self, rng: Streams) -> np.ndarray:
        if self.runs == 1:
            return self.base.models(rng)
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
