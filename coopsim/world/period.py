"""One period's encounters as the world loop and the mechanisms' hooks see them.

:class:`Sides` — each side's rule in its encounter (phase 2: strategies, then the
``roles`` → ``withhold`` → ``perceive`` hooks); :class:`Play` — the outcomes of the
encounters per side and per round (phase 3, then ``settle``, ``stakes``, ``charges`` and
``attribute`` hooks); :class:`Payoffs` — what revision compares (phase 6). The loop itself
is :mod:`coopsim.world.loop`.
"""
from __future__ import annotations

import numpy as np

from .outcomes import FORMS
from .perception import misperceive_memory_one

__all__ = ["Sides", "Play", "Payoffs"]


class Sides:
    """Each side's rule in this period's encounters.

    Named strategy sets: ``code[e, j]`` indexes the world's table of rule variants (the
    strategies, then fixed rules ALLC / ALLD, each also as played through perception
    errors), so rules — and, with the exact engine, their payoffs — are computed once
    per run. Continuous strategy spaces: ``rows[e, j]`` holds the rule itself.
    """

    def __init__(self, world, enc):
        self.world = world
        self.enc = enc
        self.E = enc.shape[0]
        pop = world.population
        if pop.continuous:
            self.rows = world.genome[enc]
            self.code = None
        else:
            self.code = world.types[enc]
            self.rows = None
        self.excluded = np.zeros(enc.shape, dtype=bool)

    def override(self, mask, rule: str) -> None:
        """Sides in ``mask`` play the fixed rule ``"ALLC"`` or ``"ALLD"`` this encounter
        (through the transformations they already play through)."""
        w = self.world
        if self.code is None:
            self.rows[mask] = w.fixed_rows[rule]
        else:
            layer = self.code[mask] // w.n_base_variants
            self.code[mask] = w.fixed_code[rule] + layer * w.n_base_variants

    def exclude(self, mask) -> None:
        """Sides in ``mask`` are denied their share of the encounter's benefits (``Play.excluded``);
        a ``stakes`` hook that knows the game's benefits applies it."""
        self.excluded |= mask

    def misperceive(self, mask) -> None:
        """Sides in ``mask`` misread each co-player move with the world's perception error."""
        self.transform(mask, "perception")

    def transform(self, mask, name: str) -> None:
        """Sides in ``mask`` play their rule through the declared transformation ``name``."""
        w = self.world
        bit = w.transform_bit[name]
        if self.code is None:
            if name == "perception":  # per-side error: exactly the rule of 0.1
                self.rows = misperceive_memory_one(self.rows, np.where(mask, w.perception_error, 0.0))
            else:
                self.rows = np.where(mask[..., None], w.transform_fns[bit](self.rows), self.rows)
        else:
            # each side's variant: base index + n_base * (bit mask of the transformations it plays through)
            self.code = self.code + (w.n_base_variants << bit) * (mask & ~self._has(bit))

    def _has(self, bit: int):
        w = self.world
        return ((self.code // w.n_base_variants) >> bit & 1).astype(bool)

    def played_rows(self):
        w = self.world
        if self.code is None:
            return self.rows
        return None if w.variant_rows is None else w.variant_rows[self.code]


class Play:
    """Outcomes of this period's encounters, per side and per round.

    ``coop`` (E, k): share of C moves; ``base`` (E, k): payoff per round in the stage
    game; ``length`` (E,): rounds played; ``per`` (E, 2, 4): occupancy of CC, CD, DC, DD
    per round from each side's view (pair games only); ``stake`` (E, k): payoff per round
    as it counts for the state (capability-scaled); ``charges`` (E, k): costs per round;
    ``excluded`` (E, k): sides denied their share of the benefits (:meth:`Sides.exclude`).
    """

    def __init__(self, sides, coop, base, length, per=None):
        self.sides = sides
        self.enc = sides.enc
        self.E = sides.E
        self.coop = coop
        self._defect = None  # 1 - coop, when asked for
        self.base = base
        self.length = length
        self._per = per
        w = sides.world
        # capability-scaled stakes (x * 1.0 == x: equal capabilities need no gather)
        self.stake = base * _capability_of(w, sides.enc) if w.unequal_capability else base.copy()
        self._charges = None
        self._sparse = None  # (rows, charges of those rows) while only rows are charged (charge_rows)
        self.form = _Forms(self.enc.shape, w)  # 0: tacit (see FORMS)
        self.excluded = sides.excluded
        self.n = w.n
        self._idx = self.enc.ravel()
        self.credit, self.encounters_per_state, self._denominator = _encounter_counts(w, self.enc)

    @property
    def defect(self):
        """(E, k) share of D moves, ``1 - coop``."""
        if self._defect is None:
            self._defect = 1.0 - self.coop
        return self._defect

    @property
    def charges(self):
        """(E, k) costs per round (fines, dues, transfers), zero until a mechanism adds some."""
        if self._charges is None:
            self._charges = np.zeros_like(self.stake)
            if self._sparse is not None:
                rows, values = self._sparse
                self._charges[rows] = values
                self._sparse = None
        return self._charges

    @charges.setter
    def charges(self, value):
        self._charges, self._sparse = value, None

    def charge_rows(self, rows, values) -> None:
        """Add ``values`` (len(rows), k) to the charges of the encounters ``rows`` (distinct
        indices): the same numbers as ``play.charges[rows] += values``, without an (E, k)
        array of zeros while only a few encounters are charged (a hegemon's)."""
        if self._charges is not None:
            self._charges[rows] += values
        elif self._sparse is None:
            self._sparse = (rows, 0.0 + values)  # 0.0 + values: what zeros[rows] += values holds
        elif self._sparse[0] is rows:
            self._sparse = (rows, self._sparse[1] + values)
        else:
            self.charges[rows] += values

    def payoffs(self):
        """(E, k) payoff per round that counts for each side: stake minus charges."""
        if self._sparse is not None:  # x - 0.0 == x: only the charged rows change
            rows, values = self._sparse
            out = self.stake.copy()
            out[rows] = self.stake[rows] - values
            return out
        return self.stake if self._charges is None else self.stake - self._charges

    @property
    def per(self):
        """(E, 2, 4) occupancies of CC, CD, DC, DD per round from each side's view (pairs)."""
        if callable(self._per):
            self._per = self._per()
        return self._per

    def delay(self, share) -> None:
        """Replace a share ``share`` (E,) of each encounter's rounds by rounds in which every
        side defects (e.g. delay before an agreement); call in ``settle``, before stakes."""
        s = np.asarray(share, dtype=float)[:, None]
        w = self.sides.world
        none = w.game.defector[0] if w.is_group else w.game.focal_payoffs[3]  # payoff when nobody cooperates
        self.coop = (1.0 - s) * self.coop
        self._defect = None
        self.base = (1.0 - s) * self.base + s * none
        per = self.per
        if per is not None:
            per = (1.0 - s[..., None]) * per
            per[..., 3] += s
            self._per = per
        self.stake = self.base * _capability_of(w, self.enc)

    def replay(self, coop, base, per) -> None:
        """Replace this period's outcomes by those of a mechanism that plays the encounters
        itself (issue linkage plays two issues jointly): ``coop`` and ``base`` (E, 2) per
        side, ``per`` (E, 2, 4) occupancies (pair games); call in ``settle``, before stakes."""
        w = self.sides.world
        self.coop, self._defect, self.base, self._per = coop, None, base, per
        self.stake = base * _capability_of(w, self.enc) if w.unequal_capability else base.copy()

    def per_state(self, values) -> np.ndarray:
        """The mean of per-side ``values`` (E, k) over each state's encounters (0 if none)."""
        if self.credit is not None:
            values = values * self.credit
        return np.bincount(self._idx, values.ravel(), minlength=self.n) / self._denominator

    def cooperation_rate(self, sides=None) -> np.ndarray:
        """(runs,) share of C moves among all moves of the period in each run (an encounter
        with oneself counts once); with a mask of ``sides``, the share of all moves that are
        C moves of those sides."""
        return self.cooperation_rates([sides])[0]

    def cooperation_rates(self, masks) -> list:
        """:meth:`cooperation_rate` for each mask in ``masks`` (None: all sides), from one
        product of C moves per period."""
        R, k = self.sides.world.runs, self.enc.shape[1]
        # each encounter's length once per side, contiguous: a product with a broadcast (E, 1)
        # column is about twice as slow (an inner loop of k), for the same numbers
        moves = np.repeat(np.asarray(self.length, dtype=float), k).reshape(-1, k)
        if self.credit is not None:
            moves *= self.credit
        den = self.length.reshape(R, -1).sum(axis=1) * k if self.credit is None else moves.reshape(R, -1).sum(axis=1)
        c_moves = self.coop * moves
        return [(c_moves if m is None else c_moves * m).reshape(R, -1).sum(axis=1) / den for m in masks]

    def attribute(self, mask, form: str) -> None:
        """Attribute the cooperation of the sides in ``mask`` to ``form`` (one of
        :data:`~coopsim.world.outcomes.FORMS`); when several apply, the most binding
        arrangement (later in FORMS) takes the credit."""
        self.form.raise_to(mask, FORMS.index(form))


def _capability_of(world, enc) -> np.ndarray:
    """``world.capability[enc]``; for a structure's own cached encounters (the same every
    period) gathered once."""
    cached = getattr(world, "_capability_cache", None)
    if cached is not None and cached[0] is enc and cached[1] is world.capability:
        return cached[2]
    out = world.capability[enc]
    if not enc.flags.writeable:
        world._capability_cache = (enc, world.capability, out)
    return out


def _encounter_counts(world, enc):
    """(credit, encounters per state, denominator) of this period's encounters; an encounter
    of a state with itself (self-interaction on a network) counts once. A structure that
    returns the same encounters every period (a network) is counted once per run."""
    cached = getattr(world, "_counts_cache", None)
    if cached is not None and cached[0] is enc:
        return cached[1]
    credit = None
    if world.self_encounters:
        own = enc[:, 0] == enc[:, 1]
        if own.any():
            credit = np.ones(enc.shape)
            credit[own, 1] = 0.0
    idx = enc.ravel()
    counts = np.bincount(idx, minlength=world.n) if credit is None else np.bincount(idx, credit.ravel(),
                                                                                      minlength=world.n)
    out = (credit, counts, np.maximum(counts, 1))
    if not enc.flags.writeable:  # the structure's own cached array: the same every period
        world._counts_cache = (enc, out)
    return out


class _Forms:
    """The form of each side's cooperation (index into FORMS), all tacit until attributed.

    The array is built when first read, from the masks raised in turn. When every mask is a
    read-only array owning its data (a mechanism's own array for a fixed network's
    encounters, the same every period) the world keeps the array and its comparisons from
    one period to the next."""

    def __init__(self, shape, world=None):
        self.shape, self._world = shape, world
        self._raised = []  # (mask, rank) in the order attributed
        self._built = None  # (array, {rank: array == rank}), once read
        # the forms some side may have: tacit and every form attributed this period (a form
        # raised over later stays listed; its rate is then 0)
        self.ranks = {0}

    @property
    def array(self):
        """(E, k) int8 index into FORMS, or None when nothing was attributed."""
        return self._build()[0] if self._raised else None

    def any(self) -> bool:
        return bool(self._raised) and self._build()[2]

    def __eq__(self, rank):
        if not self._raised:
            return np.zeros(self.shape, dtype=np.int8) == rank
        array, eq, _ = self._build()
        if rank not in eq:
            eq[rank] = array == rank
            eq[rank].flags.writeable = False
        return eq[rank]

    def raise_to(self, mask, rank: int) -> None:
        self.ranks.add(rank)
        self._raised.append((mask, rank))
        self._built = None

    def _build(self):
        if self._built is not None:
            return self._built
        # read-only arrays that own their data (not views, e.g. np.broadcast_to's, whose base may change)
        fixed = all(isinstance(m, np.ndarray) and not m.flags.writeable and m.base is None for m, _ in self._raised)
        key = (self.shape, tuple((id(m), r) for m, r in self._raised))
        memo = getattr(self._world, "_forms_memo", None) if fixed else None
        if memo is not None and memo[0] == key and all(a is m for a, (m, _) in zip(memo[1], self._raised)):
            self._built = memo[2]
            return self._built
        array = None
        for mask, rank in self._raised:
            if array is None:  # everything tacit (0) so far: rank where mask holds
                array = np.where(np.broadcast_to(mask, self.shape), np.int8(rank), np.int8(0))
            else:
                array = np.where(mask, np.maximum(array, np.int8(rank)), array)
        array.flags.writeable = False
        self._built = (array, {}, bool(array.any()))
        if fixed and self._world is not None:  # the masks themselves are kept, so their ids stay theirs
            self._world._forms_memo = (key, [m for m, _ in self._raised], self._built)
        return self._built


class Payoffs:
    """What revision compares: ``judge`` (payoff per round per unit of capability),
    ``played`` (states that met someone) and :meth:`seen`."""

    def __init__(self, judge, played, adjustments):
        self.judge = judge
        self.played = played
        self._adjust = adjustments

    @property
    def perceived(self) -> bool:
        """True when some mechanism changes how states see payoffs."""
        return bool(self._adjust)

    def seen(self, observers, targets) -> np.ndarray:
        """Payoffs of ``targets`` as ``observers`` see them (element-wise)."""
        values = self.judge[targets]
        for adjust in self._adjust:
            values = adjust(observers, targets, values)
        return values
