"""A regular graph's neighbours as columns, and reductions over them without gathers on a torus.

On a regular graph (every state has ``degree`` neighbours: lattices, rings) the CSR
neighbour lists fold into a table ``columns`` (degree, n): column ``j`` holds every
state's ``j``-th neighbour in CSR order. A reduction that does not depend on the order of
the neighbours — a sum of integer counts, a maximum — can then run column by column. On
a periodic square lattice (:func:`coopsim.world.structure.lattice`) each neighbour is
a fixed shift on the torus, so a column is a shifted copy of the ``side x side`` array
(contiguous slices of a wrapped copy, as a numpy script with ``np.roll`` would do) rather
than a gather; results are the same to the last bit, since the reductions offered here
do not depend on the order of their terms (:meth:`RegularNeighbours.reduce`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["RegularNeighbours", "regular_columns", "regular_neighbours"]

#: the lowest set bit of each byte (0 for 0): the first of up to 8 steps reaching a target
_LOWEST_BIT = np.array([(v & -v).bit_length() - 1 if v else 0 for v in range(256)], dtype=np.int64)


def regular_columns(neighbours) -> np.ndarray | None:
    """(degree, n) neighbour table of a regular graph given as (indptr, indices), column j
    holding every state's j-th neighbour; None if degrees differ."""
    indptr, indices = neighbours
    n = indptr.shape[0] - 1
    deg = np.diff(indptr)
    if n == 0 or not np.all(deg == deg[0]):
        return None
    return np.ascontiguousarray(indices.reshape(n, int(deg[0])).T)


class RegularNeighbours:
    """The neighbour table ``columns`` (degree, n) of a regular graph (of ``runs`` disjoint
    copies of one, in lockstep) and order-free reductions over each state's neighbours.

    ``torus`` = (side, steps): the graph is a periodic side x side lattice whose neighbours
    are the shifts ``steps`` [(dx, dy), ...]; reductions then use shifted slices.
    """

    def __init__(self, columns: np.ndarray, torus=None, runs: int = 1):
        self.columns = columns
        self.degree = columns.shape[0]
        self.torus = torus
        self.runs = runs

    def reduce(self, ufunc, values: np.ndarray, include_self: bool = False) -> np.ndarray:
        """``ufunc`` (``np.add``, ``np.maximum`` ...) of ``values`` (n,) over each state's
        neighbours (and itself with ``include_self``) -> (n,). For sums, exact only when
        the terms add exactly in any order (integer counts); maxima are always exact."""
        values = np.asarray(values)
        if self.torus is None:
            acc = values.copy() if include_self else values.take(self.columns[0])
            buf = np.empty_like(values)
            for col in self.columns if include_self else self.columns[1:]:
                np.take(values, col, out=buf)
                ufunc(acc, buf, out=acc)
            return acc
        acc = values.reshape(self._grid).copy() if include_self else None
        for view in self._shifted(values):
            acc = view.copy() if acc is None else ufunc(acc, view, out=acc)
        return acc.reshape(-1)

    def first_reaching(self, values: np.ndarray, target: np.ndarray, who: np.ndarray) -> np.ndarray:
        """For each state in ``who``, its first neighbour in CSR order whose value equals
        its ``target`` (every state in ``who`` must have one) -> states, as ``who``."""
        values = np.asarray(values)
        if self.torus is None or who.shape[0] * 8 < values.shape[0]:  # few states: gather their neighbours
            cols = self.columns[:, who]
            return cols[(values[cols] == target[who]).argmax(axis=0), np.arange(who.shape[0])]
        # on a torus, the neighbours of interior states come in the steps' order sorted by
        # offset dx * side + dy: bit j of a state's code says whether step j reaches its
        # target, the lowest set bit is the first; states on the border (where wrapping
        # changes the order) are taken from their columns
        goal = np.asarray(target).reshape(self._grid)
        code = np.zeros(self._grid, dtype=np.uint8)
        bit = np.empty_like(code)
        for j, view in enumerate(self._shifted(values)):
            np.equal(view, goal, out=bit.view(bool))
            np.left_shift(bit, j, out=bit)
            np.bitwise_or(code, bit, out=code)
        first = _LOWEST_BIT.take(code.reshape(-1))
        best = np.arange(values.shape[0]) + self._offsets.take(first)
        border = self._border
        cols = self.columns[:, border]
        best[border] = cols[(values[cols] == target[border]).argmax(axis=0), np.arange(border.shape[0])]
        return best[who]

    @property
    def _grid(self):
        side, _ = self.torus
        return self.runs, side, side

    def _shifted(self, values):
        """Each step's neighbour values as a (runs, side, side) view, steps in CSR order of
        interior states (sorted by offset)."""
        side, steps = self.torus
        grid = np.asarray(values).reshape(self._grid)
        wrapped = np.empty((self.runs, side + 2, side + 2), dtype=grid.dtype)  # one ring of wrap-around
        wrapped[:, 1:-1, 1:-1] = grid
        wrapped[:, 0, 1:-1], wrapped[:, -1, 1:-1] = grid[:, -1], grid[:, 0]
        wrapped[:, :, 0], wrapped[:, :, -1] = wrapped[:, :, -2], wrapped[:, :, 1]
        for dx, dy in sorted(steps):
            yield wrapped[:, 1 + dx: 1 + dx + side, 1 + dy: 1 + dy + side]  # neighbour (x + dx, y + dy)

    @property
    def _offsets(self) -> np.ndarray:
        side, steps = self.torus
        return np.array([dx * side + dy for dx, dy in sorted(steps)], dtype=np.int64)

    @property
    def _border(self) -> np.ndarray:
        """States whose neighbours in CSR order are not the sorted steps (wrap-around)."""
        if getattr(self, "_border_cache", None) is None:
            n = self.columns.shape[1]
            self._border_cache = np.flatnonzero(np.any(
                self.columns != np.arange(n) + self._offsets[:, None], axis=0))
        return self._border_cache


def regular_neighbours(structure) -> RegularNeighbours | None:
    """:class:`RegularNeighbours` of a network structure (or of a batch of runs of one,
    :class:`~coopsim.world.batch.BatchStructure`), None when degrees differ."""
    columns = regular_columns(structure.neighbours_csr)
    if columns is None:
        return None
    base = getattr(structure, "base", structure)
    return RegularNeighbours(columns, getattr(base, "torus", None), getattr(structure, "runs", 1))
