"""The coverage page of the docs is what coopsim.strategies.axelrod_coverage generates (issue 12)."""
import pathlib

import pytest

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "explanation" / "axelrod-coverage.md"


@pytest.mark.axelrod
def test_coverage_page_in_sync_and_goal_met():
    from coopsim.strategies.axelrod_coverage import coverage_rows, render

    rows = coverage_rows()
    assert PAGE.read_text() == render(rows), "regenerate: python -m coopsim.strategies.axelrod_coverage"
    native = [r for r in rows if r["native"]]
    assert len(native) >= 100
    assert all(r["reason"] for r in rows if not r["native"])
