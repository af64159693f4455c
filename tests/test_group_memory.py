"""Issue 9, item 7: group games in O(G x N) memory, with the same numbers for the same seed."""
import tracemalloc

import numpy as np

import coopsim as cs
from coopsim.engine.rounds import group_tables
from coopsim.engine.sampled import play_groups
from coopsim.strategies import group as grp


def _groups(G, n, seed=0):
    S = [grp.conditional_cooperator(2), grp.group_allc(), grp.group_alld(), grp.group_gtft(0.3)]
    rng = np.random.default_rng(seed)
    return [[S[i] for i in rng.integers(0, len(S), n)] for _ in range(G)]


def test_compact_tables_give_the_numbers_of_the_expanded_array():
    game = cs.public_goods(5, multiplier=3.0)
    groups = _groups(300, 5)
    arr = group_tables(groups, 5)  # (G, n, 2n+1): the representation before the fix
    for kw in ({"turns": 20, "noise": 0.05}, {"continuation": 0.9, "noise": np.linspace(0, 0.2, 300)},
               {"turns": 7, "noise": 0.1, "first_move_noise": False}):
        a = play_groups(groups, game, seed=5, record="actions", **kw)
        b = play_groups(arr, game, seed=5, record="actions", **kw)
        assert np.array_equal(a.score, b.score) and np.array_equal(a.actions, b.actions)
        assert np.array_equal(a.lengths, b.lengths)


def test_twenty_thousand_groups_of_a_hundred_fit_in_little_memory():
    n, G = 100, 20_000
    game = cs.public_goods(n, multiplier=3.0)
    S = [grp.conditional_cooperator(50), grp.group_alld()]
    groups = [[S[(g + i) % 2] for i in range(n)] for g in range(G)]
    tracemalloc.start()
    try:
        r = play_groups(groups, game, turns=3, noise=0.01, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.score.shape == (G, n)
    # the expanded tables alone were G n (2n + 1) float64 = 3.2 GB
    assert peak < 200e6, peak


def test_the_numbers_do_not_depend_on_where_a_table_sits_among_many():
    """Columns past 2**24 entries (millions of tables: one per member of many groups) are
    computed exactly, and the payoffs read without laying them out again."""
    from coopsim.engine.rounds import group_payoff_table, play_group_tables

    n, width = 2, 5
    U = (1 << 24) // width + 8  # the last tables start past 2**24
    rng = np.random.default_rng(3)
    tables = rng.random((4, width)).astype(np.float32)
    many = np.zeros((U, width), dtype=np.float32)  # zeros: their pages are never touched but here
    many[:4], many[-4:] = tables, tables
    paytab = group_payoff_table(cs.public_goods(n, multiplier=1.5), n)
    first = np.array([[0, 1], [2, 3], [1, 2]])
    lengths = np.array([40, 25, 7])
    few = play_group_tables(tables, lengths, paytab, np.random.default_rng(9), record=True, index=first)
    for index in (first, first + U - 4):
        got = play_group_tables(many, lengths, paytab, np.random.default_rng(9), record=True, index=index)
        assert np.array_equal(got.score, few.score) and np.array_equal(got.actions, few.actions)
