"""The shared Moran step on type counts (coopsim.models.moran_chain): its sampling against
its exact law, the chain against T3's closed form and against the well-mixed simulation of
coopsim.models.fixation, the random stream of moran_process pinned, and the deprecated paths."""
import importlib
import subprocess
import sys

import numpy as np
import pytest

from coopsim import ALLC, ALLD, GRIM, TFT, prisoners_dilemma
from coopsim.engine import exact
from coopsim.models import fixation, moran
from coopsim.models import moran_chain as chain

TFT_ALLD_10 = np.array([[30.0, 9.0], [14.0, 10.0]])  # T3: (R,S,T,P) = (3,0,5,1), 10 rounds
A3 = np.array([[3.0, 0.0, 4.0], [5.0, 1.0, 2.0], [1.0, 6.0, 2.0]])
EVENTS = [("bd", True), ("bd", False), ("db", True), ("db", False)]


@pytest.mark.parametrize("rule, self_replacement", EVENTS)
def test_event_law_sums_to_one_and_keeps_absent_types_absent(rule, self_replacement):
    counts = np.array([[3, 0, 4], [1, 5, 1], [7, 0, 0]])
    W = chain.well_mixed_fitness(counts, A3, 0.3)
    P = chain.replacement_probabilities(counts, W, rule=rule, self_replacement=self_replacement)
    assert P.sum(axis=(1, 2)) == pytest.approx(np.ones(3), abs=1e-12)
    assert np.all(P >= 0)
    assert np.all(P[0, 1, :] == 0) and np.all(P[0, :, 1] == 0)  # type 1 absent in row 0


@pytest.mark.parametrize("rule, self_replacement", EVENTS)
def test_sampled_event_follows_its_exact_law(rule, self_replacement):
    n = np.array([2, 1, 4])
    W = chain.well_mixed_fitness(n[None], A3, 0.5)[0]
    P = chain.replacement_probabilities(n, W, rule=rule, self_replacement=self_replacement).ravel()
    R = 200_000
    counts = np.tile(n, (R, 1))
    parent, dead = chain.moran_event(counts, np.tile(W, (R, 1)), np.random.default_rng(1), rule=rule,
                                     self_replacement=self_replacement)
    freq = np.bincount(parent * 3 + dead, minlength=9) / R
    se = np.sqrt(P * (1 - P) / R)
    assert np.all(np.abs(freq - P) <= 4 * se + 1e-12)
    assert np.all(counts.sum(axis=1) == n.sum()) and counts.min() >= 0


@pytest.mark.parametrize("N, s", [(3, 0.1), (10, 0.1), (25, 0.02)])
def test_chain_without_self_replacement_is_t3(N, s):
    # the reproducer's offspring never replaces it: same fixation probabilities, fewer events
    rho_a, rho_b = exact.fixation_probability(TFT_ALLD_10, N, s)
    c = chain.chain_fixation(TFT_ALLD_10, [1, N - 1], selection_intensity=s, self_replacement=False)
    assert c.probabilities[0] == pytest.approx(rho_a, rel=1e-9)
    with_self = chain.chain_fixation(TFT_ALLD_10, [1, N - 1], selection_intensity=s)
    assert c.expected_generations < with_self.expected_generations


@pytest.mark.parametrize("rule", ["bd", "db"])
def test_well_mixed_fixation_simulation_matches_its_chain(rule):
    init = np.array([0, 0, 1, 1, 1, 2, 2, 2])
    c = chain.chain_fixation(A3, np.bincount(init), selection_intensity=0.4, rule=rule, self_replacement=False)
    r = fixation.simulate_fixation(A3, init, rule=rule, selection_intensity=0.4, runs=20_000, seed=9)
    p = np.bincount(r.winner, minlength=3) / r.winner.size
    assert np.all(np.abs(p - c.probabilities) < 4 * np.sqrt(c.probabilities * (1 - c.probabilities) / r.winner.size))
    assert abs(r.steps.mean() - c.expected_generations) < 4 * r.steps.std() / np.sqrt(r.steps.size)


def test_well_mixed_db_transitions_equal_hand_formula():
    N, s, i = 10, 0.1, 4
    a, b, c, d = TFT_ALLD_10.ravel()
    f = 1 - s + s * (a * (i - 1) + b * (N - i)) / (N - 1)
    g = 1 - s + s * (c * i + d * (N - i - 1)) / (N - 1)
    types = np.array([0] * i + [1] * (N - i))
    up, down = fixation.count_transition_probabilities(types, TFT_ALLD_10, rule="db", selection_intensity=s)
    assert up == pytest.approx((N - i) / N * i * f / (i * f + (N - i - 1) * g), rel=1e-12)
    assert down == pytest.approx(i / N * (N - i) * g / ((i - 1) * f + (N - i) * g), rel=1e-12)


@pytest.mark.parametrize("mode, s, seed, fixations, generations, matches", [
    ("sampled", 1.0, 0, [13, 15, 7, 5], 1498, 41944), ("sampled", 0.3, 7, [12, 11, 9, 8], 1728, 48384),
    ("cached", 1.0, 0, [15, 15, 4, 6], 1849, 51772), ("cached", 0.3, 7, [13, 18, 7, 2], 1655, 46340),
    ("exact", 1.0, 0, [10, 14, 9, 7], 1588, 0), ("exact", 0.3, 7, [14, 12, 3, 11], 1741, 0)])
def test_moran_process_stream_unchanged_by_the_shared_step(mode, s, seed, fixations, generations, matches):
    # numbers of coopsim.world.moran before the step was shared (main 145cbe3)
    r = moran.moran_process({TFT: 2, ALLD: 2, ALLC: 3, GRIM: 1}, prisoners_dilemma(), turns=15, noise=0.05, runs=40,
                            payoffs=mode, cache_size=30, selection_intensity=s, seed=seed)
    assert r.fixation_counts().tolist() == fixations
    assert int(r.generations.sum()) == generations and r.info["matches_played"] == matches


def test_validation():
    with pytest.raises(Exception, match="rule"):
        chain.chain_fixation(TFT_ALLD_10, [1, 3], rule="fermi")
    with pytest.raises(Exception, match="self_replacement"):
        chain.replacement_probabilities([1, 3], [1.0, 1.0], self_replacement=1)


@pytest.mark.parametrize("old, new, names", [
    ("moran", ["moran", "moran_chain", "moran_axelrod"],
     ["moran_process", "chain_fixation", "ChainFixation", "axelrod_moran_process", "_parse_players"]),
    ("fixation", ["fixation", "moran_chain"], ["simulate_fixation", "cycle_death_birth_chain"]),
    ("indirect", ["indirect"], ["simulate_indirect", "payoff_matrix"]),
    ("norms", ["norms", "norms_game"], ["run_norms", "NormsGame", "_play_events"])])
def test_old_paths_warn_and_reexport(old, new, names):
    sys.modules.pop(f"coopsim.world.{old}", None)
    with pytest.warns(DeprecationWarning, match=f"coopsim.world.{old} moved to coopsim.models.{old}; "
                                                "the old path goes in 0.3"):
        mod = importlib.import_module(f"coopsim.world.{old}")
    homes = [importlib.import_module(f"coopsim.models.{n}") for n in new]
    for name in names:
        assert any(getattr(mod, name) is getattr(h, name, None) for h in homes)
    for name in mod.__all__:
        assert any(getattr(mod, name) is getattr(h, name, None) for h in homes)


def test_models_reachable_lazily_without_the_old_paths():
    code = ("import sys, coopsim as cs; assert 'coopsim.models' not in sys.modules; "
            "assert cs.moran is cs.models.moran; assert cs.moran_process is cs.models.moran.moran_process; "
            "assert cs.models.moran_chain.chain_fixation is cs.moran.chain_fixation; "
            "assert not any(m in sys.modules for m in ('coopsim.world.moran', 'coopsim.world.fixation'))")
    subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], check=True)
