"""The handheld benchmark at a tiny size against the test database: its figures must add up, and every move the
page confirmed must be done in the database.

It starts a real gunicorn and Chromium on the test database, so it needs PostgreSQL.
"""

import os

import pytest
from django.conf import global_settings
from django.db import connection

from bench import handheld
from bench.summary import summary_markdown
from tests.browser import BROWSER_TEST
from yard.models import YardMove

pytestmark = [
    *BROWSER_TEST,
    pytest.mark.bench,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on a shared database: PostgreSQL"),
]
MOVES, WARMUP_MOVES = 3, 1


@pytest.fixture
def production_hashing(settings):
    """The driver's password is checked by gunicorn, which knows only the production hashers."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


def test_a_tiny_run_adds_up_and_every_scanned_move_is_done(aktau_yard, production_hashing):
    # A background far above ten times the peak: a few flows go through even in a run of seconds.
    result = handheld.handheld_run(moves=MOVES, warmup_moves=WARMUP_MOVES, background_rate_per_s=4.0)

    cold = result["cold_start"]
    assert set(cold["by_type"]) == {"html", "js", "css", "other"}
    assert cold["bytes"] > 0 and cold["bytes"] == sum(kind["bytes"] for kind in cold["by_type"].values())
    assert cold["requests"] == sum(kind["requests"] for kind in cold["by_type"].values()) == len(cold["resources"])
    assert cold["bytes"] == sum(who["bytes"] for who in cold["by_requester"].values())
    assert all(row["bytes"] >= 0 for row in cold["resources"])
    assert cold["by_type"]["html"]["bytes"] > 0 and cold["by_type"]["js"]["bytes"] > 0
    assert all(row["status"] == 200 for row in cold["resources"]), cold["resources"]
    assert cold["ms_to_log_in_screen"] > 0 and cold["page_errors"] == []

    runs = result["scan_answer"]["runs"]
    assert set(runs) == {"unloaded", "ten_times_design_peak"}
    for run in runs.values():
        latency = run["latency"]
        assert latency["count"] == len(latency["samples_ms"]) == MOVES
        assert all(sample > 0 for sample in latency["samples_ms"])
        assert 0 < latency["median_ms"] <= latency["p90_ms"] <= latency["max_ms"]
        scanned = run["scanned_move_ids"]
        assert len(scanned) == len(set(scanned)) == MOVES + WARMUP_MOVES
        assert YardMove.objects.filter(pk__in=scanned, status=YardMove.Status.DONE).count() == len(scanned)
        assert run["database"] == {"attempted": len(scanned), "done": len(scanned), "done_more_than_once": 0}
        assert run["page_errors"] == []
    background = runs["ten_times_design_peak"]["background"]
    assert background["flows"] > 0 and background["error_count"] == 0
    assert background["database"]["done"] == background["flows"]
    assert "background" not in runs["unloaded"]
    replay = result["replay_after_outage"]
    assert replay["scans"] == MOVES and replay["refused"] == 0 and replay["page_errors"] == []
    assert replay["database"] == {"attempted": MOVES, "done": MOVES, "done_more_than_once": 0}
    # Both figures are rounded (seconds to the millisecond, the rate to a tenth): the rate must lie
    # between what the fastest and the slowest time that rounds to those seconds would give.
    seconds = replay["seconds"]
    assert seconds > 0
    assert MOVES / (seconds + 0.0005) - 0.05 <= replay["scans_per_s"] <= MOVES / (seconds - 0.0005) + 0.05
    # Nothing prepared is left open, and nothing of the run is left running.
    assert not YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(result["server"]["gunicorn_pgid"], 0)

    markdown = summary_markdown({
        "mode": "quick", "started_at": "now", "total_seconds": 1, "section_seconds": {}, "handheld": result,
        "machine": {"cpus": 2, "memory_gib": 1, "platform": "p", "python": "3", "database": "d"},
    })  # fmt: skip
    assert f"{cold['bytes']:,} bytes" in markdown and "ten times the design peak" in markdown
    assert f"({replay['scans_per_s']} scans/s)" in markdown
