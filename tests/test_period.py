"""One period's outcomes (``coopsim.world.period``): charges on a few encounters kept
sparse give the numbers of the (E, k) array of charges, and the forms of cooperation
kept from one period to the next are those built afresh."""
import numpy as np
import pytest

from coopsim import Scenario
from coopsim.world.loop import World
from coopsim.world.outcomes import FORMS
from coopsim.world.period import Play, Sides


def _play(seed=0, E=40):
    rng = np.random.default_rng(seed)
    world = World(Scenario(n_states=10, periods=5, window=2), seed=seed)
    world.types = np.zeros(world.n, dtype=np.int64)
    enc = rng.integers(0, world.n, (E, 2))
    sides = Sides(world, enc)
    coop = rng.random((E, 2))
    base = rng.normal(size=(E, 2)) * 3
    return world, Play(sides, coop, base, np.full(E, 2.0))


@pytest.mark.parametrize("seed", range(5))
def test_sparse_charges_equal_the_dense_array(seed):
    rng = np.random.default_rng(100 + seed)
    _, sparse = _play(seed)
    _, dense = _play(seed)
    rows = np.sort(rng.choice(40, 7, replace=False))
    a, b = rng.random((7, 2)) * 1e3, rng.random((7, 2)) / 3
    sparse.charge_rows(rows, a)
    sparse.charge_rows(rows, b)
    dense.charges[rows] += a
    dense.charges[rows] += b
    assert np.array_equal(sparse.payoffs(), dense.payoffs())  # bit for bit
    # a later mechanism adding to the whole array sees the rows' charges already there
    extra = rng.random((40, 2))
    sparse.charges += extra
    dense.charges += extra
    assert np.array_equal(sparse.charges, dense.charges)
    assert np.array_equal(sparse.payoffs(), dense.payoffs())
    # other rows after: each call adds to what is there
    other = np.array([0, 39])
    sparse.charge_rows(other, a[:2])
    dense.charges[other] += a[:2]
    assert np.array_equal(sparse.payoffs(), dense.payoffs())


def test_charges_on_different_rows_add_up():
    _, play = _play(1)
    play.charge_rows(np.array([1, 2]), np.ones((2, 2)))
    play.charge_rows(np.array([2, 3]), np.full((2, 2), 2.0))
    expected = np.zeros((40, 2))
    expected[[1, 2]] += 1.0
    expected[[2, 3]] += 2.0
    assert np.array_equal(play.charges, expected)
    assert np.array_equal(play.payoffs(), play.stake - expected)


def test_forms_kept_between_periods_only_for_read_only_masks():
    world, first = _play(2)
    mask = np.zeros((40, 2), dtype=bool)
    mask[:5, 0] = True
    mask.flags.writeable = False
    first.attribute(mask, "forced")
    kept = first.form == 0
    _, second = _play(2)
    second.form._world = world  # the same world, the next period
    second.attribute(mask, "forced")
    assert (second.form == 0) is kept  # read-only mask: built once
    forced = FORMS.index("forced")
    assert np.array_equal(second.form == forced, mask) and np.array_equal(kept, ~mask)
    # a mask that may change in place is never kept: the next period sees its new values
    live = np.zeros((40, 2), dtype=bool)
    live[:3, 1] = True
    _, third = _play(2)
    third.form._world = world
    third.attribute(live, "forced")
    assert (third.form == 0)[:3, 1].sum() == 0
    live[:] = False
    _, fourth = _play(2)
    fourth.form._world = world
    fourth.attribute(live, "forced")
    assert not fourth.form.any()
    assert np.array_equal(fourth.form == 0, np.ones((40, 2), dtype=bool))


def test_a_read_only_view_is_read_afresh_every_period():
    """np.broadcast_to gives read-only views: the array behind one may change in place."""
    world, first = _play(3)
    column = np.zeros((40, 1), dtype=bool)
    column[:4] = True
    view = np.broadcast_to(column, (40, 2))
    first.attribute(view, "forced")
    assert (first.form == FORMS.index("forced")).sum() == 8
    column[:] = False  # the next period, the same view object, other values
    _, second = _play(3)
    second.form._world = world
    second.attribute(view, "forced")
    assert not second.form.any()
