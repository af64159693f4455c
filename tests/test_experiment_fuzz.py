"""Fuzz test of experiment files: TOML trees generated from the schema's keys, then mutated
(bad values, missing and unknown keys, nesting, quoted + dotted duplicates, floats for
integers, huge sizes). Every file is either refused with a one-line ExperimentError or
runs (tiny sizes) with no failed run and no NaN in its metrics. Derandomized: the same
examples every time; the default suite keeps it under ~30 s."""
import copy
import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopsim.experiments import ExperimentError, loads_experiment
from coopsim.experiments.runner import run_experiment

# ----------------------------------------------------------------------------- a small TOML writer
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def dumps(doc: dict) -> str:
    lines = []
    for table, body in doc.items():
        if not isinstance(body, dict):
            lines.append(f"{_key(table)} = {_value(body)}")
            continue
        lines.append(f"[{_key(table)}]")
        lines += [f"{_key(k)} = {_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- valid trees
PROB = st.sampled_from([0.0, 0.05, 0.2, 0.5, 1.0])
SCENARIO_KEYS = {
    "n_states": st.integers(4, 8), "periods": st.integers(3, 6),
    "game": st.sampled_from(["prisoners_dilemma", "stag_hunt", "chicken", "harmony", "public_goods"]),
    "noise": st.sampled_from([0.0, 0.01, 0.1]), "mutation": PROB, "revision_rate": PROB, "threshold": PROB,
    "selection_intensity": st.sampled_from([0.0, 0.5, 1.0, 10.0]),
    "update": st.sampled_from(["fermi", "moran_bd", "moran_db", "best_neighbour", "replicator"]),
    "structure": st.sampled_from(["random_matching", "all_pairs"]),
}
SECTIONS = {
    "regime": {"monitoring": PROB, "sanction": st.sampled_from([0.0, 1.0, 3.0])},
    "iteration": {"continuation": st.sampled_from([0.0, 0.5, 0.9])},
    "epistemic": {"diffusion": PROB, "misperception": st.sampled_from([0.0, 0.1])},
    "power": {"hegemon_role": st.sampled_from(["none", "benevolent", "coercive"]),
              "coercion": st.sampled_from([0.0, 1.0, 5.0])},
    "reciprocity": {"share": PROB},
}
DESIGN_PARAMS = {"noise": [0.0, 0.05], "mutation": [0.0, 0.1], "regime.monitoring": [0.0, 1.0],
                 "n_states": [4, 6], "iteration.continuation": [0.0, 0.8]}


@st.composite
def experiments(draw):
    scenario = {k: draw(v) for k, v in SCENARIO_KEYS.items() if draw(st.booleans())}
    scenario.setdefault("n_states", 6)
    scenario.setdefault("periods", 4)
    scenario["window"] = draw(st.integers(1, 3))
    for sec, keys in SECTIONS.items():
        if draw(st.booleans()):
            scenario[sec] = {k: draw(v) for k, v in keys.items() if draw(st.booleans())}
    doc = {"experiment": {"name": "fuzz", "replications": draw(st.integers(1, 2)), "seed": draw(st.integers(0, 99))},
           "scenario": scenario}
    if draw(st.booleans()):
        doc["experiment"]["record_periods"] = draw(st.booleans())
    kind = draw(st.sampled_from([None, "grid", "list", "random", "latin_hypercube"]))
    names = draw(st.lists(st.sampled_from(sorted(DESIGN_PARAMS)), min_size=1, max_size=2, unique=True))
    if kind == "grid":
        doc["design"] = {"kind": "grid", "parameters": {n: DESIGN_PARAMS[n] for n in names}}
    elif kind == "list":
        doc["design"] = {"kind": "list", "points": [{n: DESIGN_PARAMS[n][i] for n in names} for i in (0, 1)]}
    elif kind is not None:
        doc["design"] = {"kind": kind, "samples": draw(st.integers(1, 3)),
                         "ranges": {n: [DESIGN_PARAMS[n][0], DESIGN_PARAMS[n][1]] for n in names}}
    return doc


# ----------------------------------------------------------------------------- mutations
BAD = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e300, -1, 0, 10.0, 2.5, 10 ** 9, 10 ** 15, 2 ** 63,
                       "x", "", True, [], [[[[[[[[[[[[[[1]]]]]]]]]]]]]], {}, {"a": 1}, [1, "a"], 1e-320])


def _paths(node, prefix=()):
    """Every (path, value) of the tree, tables and leaves."""
    out = [(prefix, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _set(doc, path, value):
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _delete(doc, path):
    node = doc
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]


@st.composite
def mutated(draw):
    doc = copy.deepcopy(draw(experiments()))  # the pools' lists are shared: mutate a copy
    for _ in range(draw(st.integers(1, 2))):
        paths = [p for p, _ in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["value", "value", "delete", "unknown", "duplicate", "nest"]))
        if op == "value":
            _set(doc, path, copy.deepcopy(draw(BAD)))
        elif op == "delete":
            _delete(doc, path)
        elif op == "unknown":
            parent = doc
            for p in path[:-1]:
                parent = parent[p]
            if isinstance(parent, dict):
                parent[draw(st.sampled_from(["nosuchkey", "n_state", "regime.monitorin"]))] = 1
        elif op == "duplicate" and "design" in doc and isinstance(doc["design"].get("parameters"), dict):
            doc["design"]["parameters"]["regime"] = {"monitoring": [0.5]}
            doc["design"]["parameters"]["regime.monitoring"] = [0.1]
        elif op == "nest":
            _set(doc, path, [[[[[[[[[[[[[[[[[[[[0.5]]]]]]]]]]]]]]]]]]]])
    return doc


FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(doc) -> str:
    text = dumps(doc)
    try:
        exp = loads_experiment(text, source="fuzz.toml")
    except ExperimentError as err:
        message = str(err)
        assert "\n" not in message and message.startswith("fuzz.toml: "), message
        return "refused"
    result = run_experiment(exp, output=False, progress=False)
    runs = result.runs
    assert (runs["status"] == "ok").all(), (text, runs.loc[runs["status"] != "ok", "error"].tolist())
    numeric = runs.select_dtypes("number").drop(columns=["emergence_period"], errors="ignore")
    assert np.isfinite(numeric.to_numpy(float)).all(), (text, numeric.columns[~np.isfinite(numeric).all()].tolist())
    return "ran"


@FUZZ
@given(doc=experiments())
def test_generated_experiments_run(doc):
    assert _check(doc) in ("ran", "refused")


@FUZZ
@given(doc=mutated())
def test_mutated_experiments_are_refused_in_one_line_or_run(doc):
    _check(doc)


@pytest.mark.slow
@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(doc=mutated())
def test_mutated_experiments_many(doc):
    _check(doc)
