"""Who meets whom: interaction structures for a population of states.

A structure answers two questions each period, vectorised over states:

* ``encounters(rng)``: an int array of shape (E, k) of state indices — the pairs (k = 2)
  or groups (k = n_actors) that play an iterated game this period;
* ``models(rng)``: for each state, one other state whose strategy it may imitate (a
  uniformly random other state when well mixed, a uniformly random neighbour on a
  network).

Networks are built with networkx and stored as CSR neighbour arrays (``indptr``,
``indices``), so that sampling a random neighbour for every state is one numpy gather.
Conventions (stated because they change results, see targets T9): on a network every
edge is one encounter per period and a state's payoff is the *mean* over its encounters
unless the scenario asks for accumulated payoffs; self-interaction is off unless asked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import ParameterError, check_choice, check_int, check_probability

__all__ = [
    "Structure",
    "WellMixed",
    "Groups",
    "Network",
    "ring",
    "lattice",
    "small_world",
    "scale_free",
    "blocs",
    "from_networkx",
    "REGISTRY",
    "register",
    "build",
]


def _permutation(rng, n: int) -> np.ndarray:
    """A uniformly random permutation of ``range(n)``: the order of ``n`` uniform numbers
    (what runs in lockstep draw, :meth:`coopsim.world.batch.Streams.permutations`)."""
    return np.argsort(rng.random(n), kind="stable")


class Structure:
    """Base class: ``n_states``, ``encounters(rng)``, ``models(rng)``, ``neighbours_csr``."""

    n_states: int
    group_size: int = 2
    #: True when ``encounters`` returns the same encounters every period without drawing
    #: (runs in lockstep then build their union once)
    fixed_encounters = False

    def encounters(self, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def models(self, rng: np.random.Generator) -> np.ndarray:
        """One uniformly random other state for each state (well-mixed default)."""
        n = self.n_states
        r = rng.integers(0, n - 1, size=n)
        return r + (r >= np.arange(n))

    @property
    def neighbours_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """(indptr, indices) of every state's neighbours; well mixed: everyone else."""
        n = self.n_states
        idx = np.nonzero(~np.eye(n, dtype=bool))[1].astype(np.int64)
        return np.arange(0, n * (n - 1) + 1, n - 1, dtype=np.int64), idx


@dataclass(frozen=True)
class WellMixed(Structure):
    """Well-mixed population.

    ``matching="random"``: each period a uniformly random perfect matching (with an odd
    number of states one state sits out), repeated ``encounters_per_period`` times.
    ``matching="all_pairs"``: a round robin — every pair meets once per period.
    """

    n_states: int
    matching: str = "random"
    encounters_per_period: int = 1

    def __post_init__(self) -> None:
        check_int("n_states", self.n_states, minimum=2)
        check_choice("matching", self.matching, ("random", "all_pairs"))
        check_int("encounters_per_period", self.encounters_per_period, minimum=1)

    @property
    def fixed_encounters(self) -> bool:  # type: ignore[override]
        return self.matching == "all_pairs"

    def encounters(self, rng: np.random.Generator) -> np.ndarray:
        n = self.n_states
        if self.matching == "all_pairs":
            i, j = np.triu_indices(n, k=1)
            return np.stack([i, j], axis=1)
        m = n // 2
        perms = [_permutation(rng, n)[: 2 * m].reshape(m, 2) for _ in range(self.encounters_per_period)]
        return np.concatenate(perms, axis=0)


@dataclass(frozen=True)
class Groups(Structure):
    """Random groups of ``group_size`` states (N-player games): each period the population
    is shuffled and cut into ``n_states // group_size`` groups; the remainder sits out.
    Imitation models are drawn from the whole population (well mixed)."""

    n_states: int
    group_size: int = 2
    encounters_per_period: int = 1

    def __post_init__(self) -> None:
        check_int("n_states", self.n_states, minimum=2)
        check_int("n_actors", self.group_size, minimum=2, maximum=self.n_states)
        check_int("encounters_per_period", self.encounters_per_period, minimum=1)

    def encounters(self, rng: np.random.Generator) -> np.ndarray:
        n, k = self.n_states, self.group_size
        g = n // k
        return np.concatenate([_permutation(rng, n)[: g * k].reshape(g, k) for _ in range(self.encounters_per_period)])


@dataclass(frozen=True, eq=False)
class Network(Structure):
    """A fixed interaction network (undirected, no self-loops unless ``self_interaction``).

    Pairwise games: every edge is one encounter per period. N-player games
    (``group_size > 2``): every state hosts a group made of itself and its neighbours
    (Santos, Santos & Pacheco 2008), so all neighbourhoods must have ``group_size - 1``
    members (a regular graph of degree group_size - 1).
    """

    indptr: np.ndarray
    indices: np.ndarray
    name: str = "network"
    self_interaction: bool = False
    group_size: int = 2
    graph: object = field(default=None, repr=False)
    #: (side, [(dx, dy), ...]) on a periodic square lattice: each neighbour is a shift on
    #: the torus (coopsim.world.neighbours uses slices instead of gathers); None otherwise
    torus: object = field(default=None, repr=False)
    fixed_encounters = True

    def __post_init__(self) -> None:
        deg = np.diff(self.indptr)
        if np.any(deg == 0):
            isolated = np.flatnonzero(deg == 0)[:5].tolist()
            raise ParameterError("network", f"isolated states {isolated}",
                                 "a graph in which every state has a neighbour")
        if self.group_size > 2 and not np.all(deg == self.group_size - 1):
            raise ParameterError("n_actors", self.group_size,
                                 f"the neighbourhood size + 1 of a regular network (degrees here: {sorted(set(deg))})")

    @property
    def n_states(self) -> int:  # type: ignore[override]
        return int(self.indptr.shape[0] - 1)

    def networkx(self):
        """The network as a networkx graph (the one it was built from, or built from the
        neighbour lists on first use)."""
        if self.graph is None:
            import networkx as nx

            g = nx.Graph()
            g.add_nodes_from(range(self.n_states))
            src = np.repeat(np.arange(self.n_states), self.degrees)
            g.add_edges_from(zip(src.tolist(), self.indices.tolist(), strict=True))
            object.__setattr__(self, "graph", g)
        return self.graph

    @property
    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def neighbours_csr(self) -> tuple[np.ndarray, np.ndarray]:
        return self.indptr, self.indices

    def edges(self) -> np.ndarray:
        """Every edge once (i < j), then the self-pairs when ``self_interaction``; computed once."""
        cached = self.__dict__.get("_edges")
        if cached is not None:
            return cached
        src = np.repeat(np.arange(self.n_states), self.degrees)
        mask = src < self.indices
        e = np.stack([src[mask], self.indices[mask]], axis=1)
        if self.self_interaction:
            ii = np.arange(self.n_states)
            e = np.concatenate([e, np.stack([ii, ii], axis=1)])
        e.setflags(write=False)  # shared by every period: read-only
        object.__setattr__(self, "_edges", e)
        return e

    def encounters(self, rng: np.random.Generator) -> np.ndarray:
        if self.group_size == 2:
            return self.edges()
        n, k = self.n_states, self.group_size
        return np.concatenate([np.arange(n)[:, None], self.indices.reshape(n, k - 1)], axis=1)

    def models(self, rng: np.random.Generator) -> np.ndarray:
        deg = self.degrees
        pick = (rng.random(self.n_states) * deg).astype(np.int64)
        return self.indices[self.indptr[:-1] + pick]


def from_networkx(graph, *, name: str | None = None, self_interaction: bool = False, group_size: int = 2) -> Network:
    """A Network from any networkx graph (nodes relabelled 0..n-1 in sorted order)."""
    import networkx as nx

    g = nx.convert_node_labels_to_integers(graph, ordering="sorted")
    g.remove_edges_from(nx.selfloop_edges(g))
    n = g.number_of_nodes()
    check_int("n_states", n, minimum=2)
    adj = nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr")
    return Network(adj.indptr.astype(np.int64), adj.indices.astype(np.int64), name=name or "network",
                   self_interaction=self_interaction, group_size=group_size, graph=g)


def ring(n_states: int, degree: int = 2, **kw) -> Network:
    """A cycle (degree 2) or ring lattice where each state meets its ``degree`` nearest states."""
    import networkx as nx

    n = check_int("n_states", n_states, minimum=3)
    k = check_int("degree", degree, minimum=2, maximum=n - 1)
    if k % 2:
        raise ParameterError("degree", degree, "an even number (neighbours on both sides)")
    return from_networkx(nx.watts_strogatz_graph(n, k, 0.0), name=f"ring(k={k})", **kw)


def lattice(side: int, neighbourhood: str = "von_neumann", *, periodic: bool = True, **kw) -> Network:
    """A square lattice of side x side states (state x * side + y at row x, column y), on a
    torus by default; von Neumann (4) or Moore (8) neighbours.

    Built as an array stencil (no networkx: a 1000 x 1000 lattice takes a fraction of a
    second); the neighbour lists are those of networkx's ``grid_2d_graph`` with the
    diagonals added, relabelled in sorted order (a test checks they are identical).
    ``Network.networkx()`` builds the graph on demand.
    """
    side = check_int("side", side, minimum=3)
    check_choice("neighbourhood", neighbourhood, ("von_neumann", "moore"))
    steps = [(-1, 0), (0, -1), (0, 1), (1, 0)]
    if neighbourhood == "moore":
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    x, y = np.divmod(np.arange(side * side), side)
    cols, valid = [], []
    for dx, dy in steps:
        u, v = x + dx, y + dy
        ok = np.ones(side * side, dtype=bool) if periodic else (u >= 0) & (u < side) & (v >= 0) & (v < side)
        cols.append((u % side) * side + (v % side))
        valid.append(ok)
    cols, valid = np.stack(cols, axis=1), np.stack(valid, axis=1)
    cols = np.sort(np.where(valid, cols, np.iinfo(np.int64).max), axis=1)  # sorted, as networkx's CSR
    deg = valid.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(deg)]).astype(np.int64)
    indices = cols[np.arange(cols.shape[1])[None, :] < deg[:, None]].astype(np.int64)
    return Network(indptr, indices, name=f"lattice({side}x{side}, {neighbourhood})",
                   torus=(side, tuple(steps)) if periodic else None, **kw)


def small_world(n_states: int, degree: int = 4, rewiring: float = 0.1, *, seed=None, **kw) -> Network:
    """Watts-Strogatz small world (connected), reproducible from ``seed``."""
    import networkx as nx

    from .._random import as_seed_sequence

    n = check_int("n_states", n_states, minimum=4)
    k = check_int("degree", degree, minimum=2, maximum=n - 1)
    p = check_probability("rewiring", rewiring)
    s = int(as_seed_sequence(seed).generate_state(1)[0])
    return from_networkx(nx.connected_watts_strogatz_graph(n, k, p, seed=s), name=f"small_world(k={k}, p={p:g})", **kw)


def scale_free(n_states: int, attachment: int = 2, *, seed=None, **kw) -> Network:
    """Barabási-Albert scale-free network (each new state attaches to ``attachment`` others)."""
    import networkx as nx

    from .._random import as_seed_sequence

    n = check_int("n_states", n_states, minimum=3)
    m = check_int("attachment", attachment, minimum=1, maximum=n - 1)
    s = int(as_seed_sequence(seed).generate_state(1)[0])
    return from_networkx(nx.barabasi_albert_graph(n, m, seed=s), name=f"scale_free(m={m})", **kw)


def blocs(sizes, p_within: float = 0.5, p_between: float = 0.02, *, seed=None, **kw) -> Network:
    """Blocs / alliances: a stochastic block model with dense ties inside blocs and sparse
    ties between them. Isolated states are linked to a random member of their bloc."""
    import networkx as nx

    from .._random import as_generator, as_seed_sequence

    sizes = [check_int("bloc size", s, minimum=2) for s in sizes]
    pw = check_probability("p_within", p_within)
    pb = check_probability("p_between", p_between)
    ss = as_seed_sequence(seed)
    g = nx.stochastic_block_model(sizes, [[pw if i == j else pb for j in range(len(sizes))] for i in range(len(sizes))],
                                  seed=int(ss.generate_state(1)[0]))
    rng = as_generator(ss.spawn(1)[0])
    start = np.cumsum([0] + sizes)
    for lo, hi in zip(start[:-1], start[1:], strict=True):
        for v in range(lo, hi):
            if g.degree(v) == 0:
                others = [u for u in range(lo, hi) if u != v]
                g.add_edge(v, int(rng.choice(others)))
    return from_networkx(g, name=f"blocs({sizes})", **kw)


# ------------------------------------------------------------------ the scenario's registry
#: name -> builder(n_states, params, group_size, group_game) -> Structure
REGISTRY: dict = {}


def register(name: str, builder, *, replace: bool = False):
    """Register an interaction structure a scenario can name (``Scenario(structure=name)``).

    ``builder(n_states, params, group_size, group_game)`` returns a :class:`Structure`;
    ``params`` is the scenario's ``structure_params`` (a dict the builder may consume).
    """
    if name in REGISTRY and not replace:
        raise ParameterError("structure", name, "a name not yet registered (or replace=True)")
    REGISTRY[name] = builder
    return builder


def build(name: str, n_states: int, params: dict, group_size: int = 2, group_game: bool = False) -> Structure:
    """The structure ``name`` for a scenario; bad parameters give a ParameterError."""
    if name not in REGISTRY:
        raise ParameterError("structure", name, "one of " + ", ".join(REGISTRY))
    try:
        return REGISTRY[name](n_states, dict(params), group_size, group_game)
    except TypeError as err:
        raise ParameterError("structure_params", params, f"parameters of the {name} structure: {err}") from None


def _net_kw(group_size, group_game):
    return {"group_size": group_size} if group_game else {}


def _random_matching(n, p, k, group_game):
    return Groups(n, k, **p) if group_game else WellMixed(n, "random", **p)


def _all_pairs(n, p, k, group_game):
    if group_game:
        raise ParameterError("structure", "all_pairs", "random_matching or a network for group games")
    return WellMixed(n, "all_pairs", **p)


def _lattice(n, p, k, group_game):
    side = int(round(np.sqrt(n)))
    if side * side != n:
        raise ParameterError("n_states", n, "a square number for a lattice")
    return lattice(side, **p, **_net_kw(k, group_game))


def _blocs(n, p, k, group_game):
    sizes = p.pop("sizes", None) or [n // 2, n - n // 2]
    if sum(sizes) != n:
        raise ParameterError("structure_params.sizes", sizes, f"bloc sizes adding up to n_states = {n}")
    return blocs(sizes, seed=p.pop("seed", 0), **p, **_net_kw(k, group_game))


register("random_matching", _random_matching)
register("all_pairs", _all_pairs)
register("ring", lambda n, p, k, g: ring(n, **p, **_net_kw(k, g)))
register("lattice", _lattice)
register("small_world", lambda n, p, k, g: small_world(n, seed=p.pop("seed", 0), **p, **_net_kw(k, g)))
register("scale_free", lambda n, p, k, g: scale_free(n, seed=p.pop("seed", 0), **p, **_net_kw(k, g)))
register("blocs", _blocs)
