"""Resource bounds of experiment files: designs counted (not built), limits from the file,
the machine or set_limits; the CLI's validate never builds a huge design."""
import time

import pytest

import coopsim as cs
from coopsim import ParameterError
from coopsim._resources import limits, set_limits
from coopsim.experiments import ExperimentError, loads_experiment

HEAD = """
[experiment]
name = "t"
replications = 2
seed = 5
{extra}
[scenario]
n_states = 10
periods = 20
window = 5
"""


def _grid(n_params: int, n_values: int) -> str:
    names = ["noise", "mutation", "revision_rate", "threshold", '"regime.monitoring"', '"regime.membership"']
    lines = ["[design]", 'kind = "grid"', "[design.parameters]"]
    for name in names[:n_params]:
        lines.append(f"{name} = [{', '.join(str(round(0.3 * i / n_values, 4)) for i in range(n_values))}]")
    return "\n".join(lines) + "\n"


def test_large_design_is_checked_without_being_built():
    exp_text = HEAD.format(extra="") + _grid(6, 8)  # 262 144 points: within memory, over LAZY_POINTS
    t0 = time.perf_counter()
    exp = loads_experiment(exp_text)
    assert time.perf_counter() - t0 < 60
    assert ("design", False) not in exp._cache  # validated lazily: not built
    assert exp.n_points() == 8 ** 6


def test_large_design_refuses_a_bad_late_value():
    text = HEAD.format(extra="") + _grid(6, 8).replace("noise = [0.0,", "noise = [0.0, 0.9,")
    with pytest.raises(ExperimentError, match=r"design.parameters.noise: 0.9 is not allowed: a probability in \[0, 0.5\]"):
        loads_experiment(text)


def test_huge_design_refused_by_its_count():
    with pytest.raises(ExperimentError, match=r"design.parameters: 64000000 points x 2 replications = 128000000 runs "
                                              r"is not allowed: a design whose points and results fit"):
        loads_experiment(HEAD.format(extra="") + _grid(6, 20))


def test_max_runs_and_max_memory():
    with pytest.raises(ExperimentError, match=r"at most experiment.max_runs = 100 runs; use fewer values per "
                                              r"parameter or replications"):
        loads_experiment(HEAD.format(extra="max_runs = 100") + _grid(2, 8))
    loads_experiment(HEAD.format(extra="max_runs = 128") + _grid(2, 8))
    with pytest.raises(ExperimentError, match=r"fit in the memory limit of 100 MB \(estimated 655 MB\)"):
        loads_experiment(HEAD.format(extra='max_memory = "100MB"') + _grid(6, 8))
    with pytest.raises(ExperimentError, match=r"scenario.n_states: 10 is not allowed: a run within the memory limit "
                                              r"of 1 MB \(this one needs an estimated 80 MB"):
        loads_experiment(HEAD.format(extra='max_memory = "1MB"'))
    with pytest.raises(ExperimentError, match=r"experiment.max_memory: .* a size such as"):
        loads_experiment(HEAD.format(extra='max_memory = "-3GB"'))


def test_max_run_time_refuses_a_design_point():
    text = HEAD.format(extra='max_run_time = "10s"') + """
[design]
kind = "grid"
[design.parameters]
"iteration.rounds" = [10, 10000000]
"""
    with pytest.raises(ExperimentError, match=r'design.parameters."iteration.rounds": 10000000 is not allowed: a run '
                                              r"within the time limit of 10 s"):
        loads_experiment(text)


def test_limits_can_be_set_and_restored(monkeypatch):
    try:
        set_limits(memory="50MB")
        with pytest.raises(ParameterError, match="memory limit of 50 MB"):
            cs.Scenario(n_states=10, periods=20, window=5)
        set_limits(memory=None, run_seconds="1s")
        with pytest.raises(ParameterError, match=r"periods=.*time limit of 1 s|n_states=.*time limit of 1 s"):
            cs.Scenario(n_states=100000, periods=500, window=5)
    finally:
        set_limits()
    monkeypatch.setenv("COOPSIM_MAX_MEMORY", "2GB")
    assert limits()["memory"] == 2e9
    monkeypatch.setenv("COOPSIM_MAX_RUN_TIME", "2h")
    assert limits()["run_seconds"] == 7200


def test_validate_cli_counts_points(tmp_path, capsys):
    from coopsim.cli import main

    path = tmp_path / "big.toml"
    path.write_text(HEAD.format(extra="") + _grid(6, 8))
    assert main(["validate", str(path)]) == 0
    assert "262144 design points" in capsys.readouterr().out
