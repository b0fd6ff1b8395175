"""The scanner load benchmark, run for a moment against the test database: its figures must add up.

It starts a real gunicorn and client processes on the test database, so it needs PostgreSQL.
"""

import multiprocessing
import os
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import Resolver404, resolve

from bench import scanner_load
from bench.floor import FLOOR_PATH
from yard import reference
from yard.layout import layout_apply
from yard.models import YardMove

pytestmark = [
    pytest.mark.system,
    pytest.mark.bench,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on a shared database: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
MEASURED_IN_PROCESS = 3 * 3  # three sets (warm-up, before and after the run) of one completion of each kind


@pytest.fixture
def aktau_yard():
    reference.iso_size_types_load()
    layout_apply()


def _ordered(summary: dict) -> bool:
    return 0 < summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"] <= summary["max_ms"]


def _web_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [scanner_load.APPLICATION_NAME]
        )
        return cursor.fetchone()[0]


def _nothing_left_running(result: dict) -> None:
    with pytest.raises(ProcessLookupError):  # gunicorn ran in a process group of its own: none of it is left
        os.killpg(result["gunicorn_pgid"], 0)
    assert multiprocessing.active_children() == []  # the client processes were reaped
    deadline = time.monotonic() + 10
    while _web_sessions() and time.monotonic() < deadline:  # a killed worker's session ends a moment later
        time.sleep(0.1)
    assert _web_sessions() == 0


def test_floor_endpoint_is_mounted_only_by_the_benchmark_settings(client):
    url = f"/{FLOOR_PATH}BFLU0000010/"
    with pytest.raises(Resolver404):
        resolve(url)
    assert client.post(url, {"tare_kg": 2500}, content_type="application/json").status_code == 404
    assert resolve(url, urlconf="bench.urls").url_name == "benchmark-floor"


def test_a_saturated_moment_completes_every_move_once_and_measures_the_floor(aktau_yard):
    result = scanner_load.scanner_load_run(
        clients=4, duration_s=1.5, moves=30, stack_height=2, client_processes=2, workers=2
    )

    scan, floor = result["scan"], result["floor"]
    assert scan["requests"] >= 8 and scan["error_count"] == 0 and scan["errors"] == {}  # every answer 2xx, a flow each
    assert floor["requests"] >= 4 and floor["error_count"] == 0  # at least one request per client
    assert set(scan["latency"]) >= {"lookup", "complete"} and set(floor["latency"]) == {"floor"}
    assert all(_ordered(summary) for summary in [*scan["latency"].values(), *floor["latency"].values()])
    assert scan["requests_per_s"] > 0 and scan["scans_per_s"] > 0 and floor["requests_per_s"] > 0
    ratio = result["targets"]["scan_write_over_floor"]
    assert 0 < ratio == pytest.approx(scan["scans_per_s"] / floor["requests_per_s"], abs=0.001)
    # In the database: each completion the clients got a 2xx for is done, once, and nothing else is.
    driver = get_user_model().objects.get(username=scanner_load.DRIVER_USERNAME)
    done = YardMove.objects.filter(finished_by=driver, status=YardMove.Status.DONE)
    assert done.count() == scan["scans_ok"] + MEASURED_IN_PROCESS
    assert result["database"] == {"attempted": scan["scans_ok"], "done": scan["scans_ok"], "done_more_than_once": 0}
    done_in_history = YardMove.history.filter(status=YardMove.Status.DONE, id__in=done.values("pk"))
    assert done_in_history.count() == done.count()  # one history row reaching done per move: completed once
    # The moves prepared and never reached were cancelled: the benchmark leaves no open work behind.
    assert result["work"]["moves_prepared"] == scan["scans_ok"] + result["work"]["cancelled_not_reached"]
    assert not YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).exists()
    queries = result["queries_per_request"]
    assert queries["constant"] and queries["floor"] == 4  # token, role, the read, the update
    assert set(queries["complete"]) == {"receive", "delivery", "shift"} and min(queries["lookup"].values()) > 0
    _nothing_left_running(result)


def test_a_paced_moment_keeps_to_its_schedule(aktau_yard):
    result = scanner_load.scanner_load_run(  # gthread workers: keep-alive connections, which idle between flows
        clients=3,
        duration_s=2,
        rate_per_s=8,
        stack_height=2,
        client_processes=1,
        worker_class="gthread",
        workers=1,
        threads=2,
    )

    scan = result["scan"]
    assert "floor" not in result and scan["error_count"] == 0
    assert result["config"]["gunicorn"] == {"worker_class": "gthread", "workers": 1, "threads": 2}
    flows = scan["flow_from_schedule"]["count"]
    assert 3 <= flows <= 40  # Poisson arrivals at 8 a second for 2 seconds: 16 on average
    assert scan["latency"]["lookup"]["count"] == scan["latency"]["complete"]["count"] == flows
    assert _ordered(scan["flow_from_schedule"]) and _ordered(scan["latency"]["complete"])
    assert scan["flow_from_schedule"]["p50_ms"] >= scan["latency"]["complete"]["p50_ms"]  # includes the look-up
    assert result["database"]["done"] == flows and result["database"]["done_more_than_once"] == 0
    _nothing_left_running(result)


def test_timed_runs_get_production_durability_and_the_cluster_gets_its_own_back():
    before = scanner_load._settings_shown(scanner_load._DURABILITY)
    with scanner_load.production_durability() as during:
        assert during == {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}
        with connection.cursor() as cursor:  # what a new connection (a gunicorn worker's) gets, too
            cursor.execute("SELECT setting FROM pg_file_settings WHERE name = 'fsync' AND applied")
            assert cursor.fetchone()[0] == "on"
    assert scanner_load._settings_shown(scanner_load._DURABILITY) == before
