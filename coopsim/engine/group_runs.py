"""N-player iterated games of several runs at once, each run drawing from its own stream.

:func:`play_group_runs` plays the groups of ``R`` runs of the world (run ``r`` owns groups
``r G ... r G + G - 1``) in one loop over rounds, and gives every run exactly the numbers
:func:`coopsim.engine.rounds.play_group_tables` gives it alone: run ``r`` draws, from its
own generator, the uniform numbers the single-run engine would draw, in the same order,
and each group reads its own. The single-run engine visits the groups sorted by length
(longest first) in chunks of ``CHUNK // n`` groups, round by round, drawing one float32 per
active member; so the number for member ``i`` of the group at sorted position ``q`` of
chunk ``c`` in round ``t`` is draw number ``base_c + n * S_c(t) + n * q + i`` of its run,
where ``S_c(t)`` sums ``min(L, t)`` over the chunk and ``base_c`` counts the draws of the
earlier chunks. A run none of whose tables is stochastic draws nothing (as alone).
"""
from __future__ import annotations

import numpy as np

from .rounds import CHUNK

__all__ = ["play_group_runs"]


def play_group_runs(tab, lengths, paytab, streams, index):
    """``(cooperation, payoff)``, each (R G, n): share of C moves and mean payoff per round
    of every member. ``tab`` (U, 2n+1) float32 tables with noise folded in, ``index``
    (R G, n) each member's table, ``lengths`` (R G,) drawn already, ``streams`` a
    :class:`~coopsim.world.batch.Streams` of R generators."""
    R = streams.runs
    GT, n = index.shape
    G = GT // R
    width = tab.shape[1]
    L = np.asarray(lengths, dtype=np.int64)
    run = np.repeat(np.arange(R), G)
    # each run's visiting order (stable, longest first), as the single-run engine's
    order_in_run = np.lexsort((-L, run))  # grouped by run, then by decreasing length (stable)
    pos = np.empty(GT, dtype=np.int64)
    pos[order_in_run] = np.arange(GT) - run[order_in_run] * G  # sorted position q within the run
    step = max(1, CHUNK // n)
    chunk = pos // step
    n_chunks = -(-G // step)
    key = run * n_chunks + chunk  # (run, chunk)
    q = pos - chunk * step
    stoch_tab = np.any((tab > 0) & (tab < 1), axis=1)
    stochastic = stoch_tab[index].reshape(R, -1).any(axis=1)  # per run, as the single-run engine decides
    # draws per (run, chunk) and where each run's block starts
    per_key = np.bincount(key, L, minlength=R * n_chunks).astype(np.int64) * n
    per_key[np.repeat(~stochastic, n_chunks)] = 0
    key_base = np.concatenate([[0], np.cumsum(per_key)[:-1]])
    blocks = [g.random(int(per_key[r * n_chunks:(r + 1) * n_chunks].sum()), dtype=np.float32)
              for r, g in enumerate(streams.gens) if stochastic[r]]
    u_all = np.concatenate(blocks) if blocks else np.empty(0, dtype=np.float32)

    # every group of the batch, longest first: the active ones of round t are a prefix
    order = np.argsort(-L, kind="stable")
    Ls, idx_s, key_s = L[order], index[order], key[order]
    start_s = key_base[key_s] + n * q[order]
    stoch_s = stochastic[run[order]][:, None]
    T = int(Ls[0]) if GT else 0
    active = GT - np.searchsorted(Ls[::-1], np.arange(T), side="right")
    flat = tab.reshape(-1)
    base = idx_s * width
    any_stochastic, all_stochastic = bool(stochastic.any()), bool(stochastic.all())
    if any_stochastic:
        # every (round, active group) in round order: round t's are the first active[t] groups;
        # S_c(t) = sum over the chunk of min(L, t), from the counts of active groups per chunk
        bounds = np.concatenate([[0], np.cumsum(active)])
        rows = np.arange(bounds[-1]) - np.repeat(bounds[:-1], active)
        rounds = np.repeat(np.arange(T), active)
        per_round = np.zeros((T + 1, R * n_chunks), dtype=np.int64)
        np.add.at(per_round, (rounds + 1, key_s[rows]), 1)
        S = np.cumsum(per_round, axis=0)  # S[t, key]: draws (per member) of the key's groups before round t
        at = start_s[rows] + n * S[rounds, key_s[rows]]
        if not all_stochastic:
            at = np.where(stoch_s[rows, 0], at, 0)
        uniform = u_all.take(at[:, None] + np.arange(n))  # (draws of all rounds, n)
    score = np.zeros((GT, n))
    defections = np.zeros((GT, n))
    local = None
    for t in range(T):
        k = int(active[t])
        pr = flat.take(base[:k] + (width - 1) if t == 0 else base[:k] + local[:k])
        if all_stochastic:
            d = uniform[bounds[t]:bounds[t + 1]] >= pr
        elif any_stochastic:
            d = np.where(stoch_s[:k], uniform[bounds[t]:bounds[t + 1]] >= pr, pr < 0.5)
        else:
            d = pr < 0.5
        # own move a (1 = D), j = others cooperating: local = a*(n+1) + n-1-(defectors), in integers
        local = d * (n + 1) + ((n - 1) - d.sum(axis=1))[:, None]
        score[:k] += paytab.take(local)
        defections[:k] += d
    coop = np.empty((GT, n))
    pay = np.empty((GT, n))
    Lf = Ls.astype(float)[:, None]
    coop[order] = 1.0 - defections / Lf
    pay[order] = score / Lf
    return coop, pay
