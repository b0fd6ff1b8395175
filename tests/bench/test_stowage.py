"""The stowage measure on a tiny call: its figures agree with each other."""

import pytest

from bench.stowage import stowage_measure
from bench.summary import summary_markdown

pytestmark = pytest.mark.bench


def test_a_tiny_stowage_measure_is_consistent():
    results = stowage_measure(
        quick=True, sizes={"feeder": ((2, 3, 2, 1), 14), "vessel": ((4, 3, 2, 1), 30)}, time_limit=2
    )

    for row in results.values():
        assert 0 < row["placed"] <= row["bound"] <= row["boxes"]
        assert row["gap_pct"] == pytest.approx(100 * (row["bound"] - row["placed"]) / row["bound"], abs=0.01)
        assert row["rehandles_planned"] <= row["rehandles_list_order"]
        assert row["seconds_all"] == [row["seconds_median"]]
    markdown = summary_markdown({
        "mode": "quick", "started_at": "now", "total_seconds": 1, "section_seconds": {}, "stowage_plan": results,
        "machine": {"cpus": 2, "memory_gib": 1, "platform": "p", "python": "3", "database": "d"},
    })  # fmt: skip
    assert "## Vessel stowage plans" in markdown
