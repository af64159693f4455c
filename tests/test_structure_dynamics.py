"""Interaction structures and update rules: invariants and exact probabilities."""
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from coopsim.world import dynamics
from coopsim.world import structure as st
from coopsim.world.scenario import STRUCTURES, Scenario


def test_random_matching_is_a_perfect_matching():
    wm = st.WellMixed(11, "random", encounters_per_period=3)
    enc = wm.encounters(np.random.default_rng(0))
    assert enc.shape == (15, 2)
    for block in enc.reshape(3, 5, 2):
        assert len(set(block.ravel())) == 10  # each state at most once per matching
    assert np.all(enc[:, 0] != enc[:, 1])


def test_all_pairs_and_groups():
    assert st.WellMixed(6, "all_pairs").encounters(None).shape == (15, 2)
    g = st.Groups(17, 4).encounters(np.random.default_rng(1))
    assert g.shape == (4, 4) and len(set(g.ravel())) == 16


def test_models_are_never_oneself_and_uniform():
    wm = st.WellMixed(5)
    rng = np.random.default_rng(2)
    draws = np.stack([wm.models(rng) for _ in range(20_000)])
    assert np.all(draws != np.arange(5))
    freq = np.mean(draws[:, 0] == 3)  # 1/4 of the others
    assert abs(freq - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 20_000)


@pytest.mark.parametrize("make, degree", [
    (lambda: st.ring(10), 2),
    (lambda: st.ring(10, 4), 4),
    (lambda: st.lattice(5), 4),
    (lambda: st.lattice(5, "moore"), 8),
    (lambda: st.small_world(30, 4, 0.0, seed=1), 4),
])
def test_regular_networks_have_their_degree(make, degree):
    net = make()
    assert np.all(net.degrees == degree)
    e = net.edges()
    assert e.shape[0] == net.n_states * degree // 2
    models = net.models(np.random.default_rng(0))
    adj = set(map(tuple, e)) | set(map(tuple, e[:, ::-1]))
    assert all((i, j) in adj for i, j in enumerate(models))


def test_self_interaction_adds_one_encounter_per_state():
    net = st.lattice(4, self_interaction=True)
    e = net.edges()
    assert np.sum(e[:, 0] == e[:, 1]) == 16


def test_scale_free_and_blocs_are_connected_enough():
    sf = st.scale_free(50, 2, seed=3)
    import networkx as nx

    assert nx.is_connected(sf.graph) and sf.degrees.max() > 6  # connected, with hubs
    assert sf.degrees.sum() == 2 * (2 * (50 - 2))  # m edges for each of the n - m added nodes
    bl = st.blocs([10, 10], 0.6, 0.02, seed=4)
    e = bl.edges()
    within = np.sum((e[:, 0] < 10) == (e[:, 1] < 10))
    assert within > 4 * (len(e) - within)


def test_fermi_adoption_probability():
    # one revising state with payoff 0 and a model with payoff 1: adopts w.p. 1/(1+exp(-s))
    s, n_trials = 2.0, 40_000
    rng = np.random.default_rng(5)
    payoffs = np.tile([0.0, 1.0], n_trials)
    models = np.tile([1, 0], n_trials) + np.repeat(2 * np.arange(n_trials), 2)
    src = dynamics.fermi(payoffs, models, s, rng)
    adopted = np.mean(src[0::2] == models[0::2])
    p = 1 / (1 + np.exp(-s))
    assert abs(adopted - p) < 4 * np.sqrt(p * (1 - p) / n_trials)


def test_fermi_takes_one_selection_intensity_per_state():
    # the same numbers as one intensity where they agree; 0 is neutral drift (p = 1/2) whatever
    # the payoffs; a negative or infinite intensity anywhere is refused, naming the field
    payoffs, models = np.array([0.0, 3.0, 1.0, 2.0]), np.array([1, 0, 3, 2])
    one = dynamics.fermi(payoffs, models, 2.0, np.random.default_rng(1))
    each = dynamics.fermi(payoffs, models, np.full(4, 2.0), np.random.default_rng(1))
    assert np.array_equal(one, each)
    n = 40_000
    s = np.repeat([0.0, 50.0], n)  # drift for the first half, near-certain adoption for the second
    src = dynamics.fermi(np.zeros(2 * n), np.r_[np.arange(n, 2 * n), np.arange(n)], s, np.random.default_rng(2),
                         model_payoffs=np.r_[np.full(n, 5.0), np.full(n, 1.0)])
    assert abs(np.mean(src[:n] != np.arange(n)) - 0.5) < 4 * np.sqrt(0.25 / n)
    assert np.all(src[n:] != np.arange(n, 2 * n))
    for bad in (np.array([1.0, -0.5, 1.0, 1.0]), np.array([1.0, np.inf, 1.0, 1.0])):
        with pytest.raises(ValueError, match="selection_intensity"):
            dynamics.fermi(payoffs, models, bad, np.random.default_rng(0))


def test_one_revision_rate_per_state():
    # rate 1 revises without drawing; below 1, a state revises with its own rate; the
    # states that draw take the next numbers in order; a rate outside [0, 1] is refused
    rate = np.repeat([1.0, 0.25, 0.0], 30_000)
    out = dynamics._revisers(rate.size, rate, np.random.default_rng(3))
    assert out[:30_000].all() and not out[60_000:].any()
    assert abs(out[30_000:60_000].mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 30_000)
    u = np.random.default_rng(3).random(60_000)  # the 60,000 states below 1, in order
    assert np.array_equal(out[30_000:], u < rate[30_000:])
    net = st.ring(6)
    pay = np.array([5.0, 1.0, 2.0, 2.0, 0.0, 3.0])
    assert np.array_equal(dynamics.best_neighbour(pay, net.neighbours_csr, np.random.default_rng(0), np.ones(6)),
                          dynamics.best_neighbour(pay, net.neighbours_csr, np.random.default_rng(0), 1.0))
    for bad in (np.array([0.5, 1.5]), np.array([np.nan, 0.5])):
        with pytest.raises(ValueError, match="revision_rate"):
            dynamics.fermi(np.zeros(2), np.array([1, 0]), 1.0, np.random.default_rng(0), bad)
    # mutation: the mirror image — rate 0 explores without drawing, the others draw in order
    mu = np.repeat([0.0, 0.3], 1000)
    assert np.array_equal(dynamics.mutate(mu.size, mu, np.random.default_rng(4)),
                          np.r_[np.zeros(1000, dtype=bool), np.random.default_rng(4).random(1000) < 0.3])
    with pytest.raises(ValueError, match="mutation"):
        dynamics.mutate(2, np.array([0.1, -0.1]), np.random.default_rng(0))


def test_best_neighbour_copies_the_best_and_keeps_ties():
    net = st.ring(6)
    payoffs = np.array([5.0, 1.0, 2.0, 2.0, 0.0, 3.0])
    src = dynamics.best_neighbour(payoffs, net.neighbours_csr, np.random.default_rng(0))
    # state 1's neighbours 0 (5) and 2 (2): copies 0; state 2: neighbours 1 (1), 3 (2) tie -> keeps
    assert src[1] == 0 and src[2] == 2 and src[4] == 5 and src[0] == 0


def test_moran_bd_neutral_replacement_counts():
    rng = np.random.default_rng(6)
    changed = [np.flatnonzero(dynamics.moran_bd(np.ones(4), 0.5, rng) != np.arange(4)) for _ in range(8000)]
    victims = np.concatenate(changed)
    assert all(len(c) == 1 for c in changed)
    assert abs(np.mean(victims == 2) - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 8000)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_scenario_runs_on_every_structure(structure):
    kw = dict(n_states=36, periods=40, window=10, engine="exact", structure=structure)
    res = Scenario(**kw).run(seed=1)
    assert len(res.periods) == 40
    assert res.periods.cooperation.between(0, 1).all()


@pytest.mark.parametrize("update", ["fermi", "moran_bd", "moran_db", "best_neighbour"])
def test_scenario_runs_with_every_update_rule_on_a_network(update):
    res = Scenario(n_states=25, periods=30, window=10, structure="lattice", update=update, engine="exact").run(seed=2)
    shares = res.periods.filter(like="share_").to_numpy()
    assert np.allclose(shares.sum(1), 1)


@pytest.mark.parametrize("side", [3, 4, 6])
@pytest.mark.parametrize("neighbourhood", ["von_neumann", "moore"])
@pytest.mark.parametrize("periodic", [True, False])
def test_stencil_lattice_equals_the_networkx_lattice(side, neighbourhood, periodic):
    # oracle: networkx's grid with the diagonals added (0.1's construction), relabelled sorted
    g = nx.grid_2d_graph(side, side, periodic=periodic)
    if neighbourhood == "moore":
        for (x, y) in list(g.nodes):
            for dx, dy in ((1, 1), (1, -1)):
                u, v = x + dx, y + dy
                if periodic:
                    u, v = u % side, v % side
                if (u, v) in g:
                    g.add_edge((x, y), (u, v))
    want = st.from_networkx(g)
    got = st.lattice(side, neighbourhood, periodic=periodic)
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert nx.utils.graphs_equal(got.networkx(), nx.convert_node_labels_to_integers(g, ordering="sorted"))


@settings(max_examples=60, deadline=None)
@given(hst.integers(0, 2**31 - 1), hst.sampled_from(["regular", "irregular"]), hst.integers(0, 3))
def test_best_neighbour_matches_a_state_by_state_reference(seed, kind, levels):
    # the first best neighbour in CSR order, strictly better than oneself (ties keep one's
    # own strategy); payoffs with few levels make ties frequent
    import networkx as nx

    from coopsim.world import dynamics as dyn
    from coopsim.world.structure import from_networkx

    rng = np.random.default_rng(seed)
    g = (nx.random_regular_graph(4, 30, seed=seed) if kind == "regular"
         else nx.gnm_random_graph(30, 70, seed=seed))
    g.add_edges_from((v, (v + 1) % 30) for v in range(30) if g.degree(v) == 0)
    net = from_networkx(g)
    pay = rng.integers(0, levels + 1, size=30).astype(float) if levels else rng.random(30)
    indptr, indices = net.neighbours_csr
    expected = np.arange(30)
    for i in range(30):
        nbrs = indices[indptr[i]:indptr[i + 1]]
        j = nbrs[int(np.argmax(pay[nbrs]))]  # argmax: the first best in CSR order
        if pay[j] > pay[i]:
            expected[i] = j
    assert np.array_equal(dyn.best_neighbour(pay, net.neighbours_csr, rng), expected)


@settings(max_examples=60, deadline=None)
@given(hst.integers(0, 2**31 - 1), hst.integers(3, 7), hst.sampled_from(["moore", "von_neumann"]),
       hst.integers(1, 3), hst.integers(1, 3))
def test_torus_shifts_match_the_neighbour_columns(seed, side, neighbourhood, runs, levels):
    # on a periodic lattice (and runs of one in lockstep), sums and maxima over shifted
    # slices and the first best neighbour found by steps equal the CSR-column reference
    from coopsim.world import dynamics as dyn
    from coopsim.world.batch import BatchStructure
    from coopsim.world.neighbours import RegularNeighbours, regular_neighbours

    base = st.lattice(side, neighbourhood)
    net = base if runs == 1 else BatchStructure(base, runs)
    table = regular_neighbours(net)
    assert table.torus is not None
    plain = RegularNeighbours(table.columns)  # the same columns, gathers only
    rng = np.random.default_rng(seed)
    n = runs * side * side
    pay = rng.integers(0, levels + 1, size=n).astype(float)
    for own in (False, True):
        assert np.array_equal(table.reduce(np.add, pay, include_self=own), plain.reduce(np.add, pay, include_self=own))
    top = table.reduce(np.maximum, pay)
    assert np.array_equal(top, pay[table.columns].max(axis=0))
    for who in (np.arange(n), np.flatnonzero(rng.random(n) < 0.1)):
        cols = table.columns[:, who]
        want = cols[np.argmax(pay[cols] == top[who], axis=0), np.arange(who.shape[0])]
        assert np.array_equal(table.first_reaching(pay, top, who), want)
    indptr, indices = net.neighbours_csr
    expected = np.arange(n)
    for i in range(n):
        nbrs = indices[indptr[i]:indptr[i + 1]]
        j = nbrs[int(np.argmax(pay[nbrs]))]  # the first best in CSR order
        if pay[j] > pay[i]:
            expected[i] = j
    assert np.array_equal(dyn.best_neighbour(pay, net.neighbours_csr, rng, table=table), expected)
