"""A Celery worker killed in the middle of dispatch.

The dispatch task is acknowledged late. A worker that dies while running it leaves the message
unacknowledged, and the broker hands it to another worker after the visibility timeout; a worker whose
pool process dies puts the message back at once. The re-run dispatches every move exactly once, because
the dead run's transaction never committed.
"""

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection
from kombu.transport.redis import Channel

from tests.faults.support import (
    ROOT,
    Processes,
    backends,
    celery,
    held_lock,
    lock_waits,
    subprocess_env,
    wait_for,
    worker_command,
)
from yard.models import YardMove
from yard.tasks import dispatch_planned_moves

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on a shared database: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

VISIBILITY_TIMEOUT = 2  # seconds; production keeps the default hour
WORKER = "worker"  # application_name (after the prefix) of the workers' database connections
TASK = "yard.tasks.dispatch_planned_moves"
HISTORY_TABLE = YardMove.history.model._meta.db_table


@pytest.fixture
def worker_env(redis_broker) -> dict[str, str]:
    return subprocess_env(
        WORKER, CELERY_BROKER_URL=redis_broker, CELERY_VISIBILITY_TIMEOUT_SECONDS=str(VISIBILITY_TIMEOUT)
    )


@pytest.fixture
def moves(gate_in) -> list[YardMove]:
    return [gate_in(n) for n in range(1, 6)]


@contextlib.contextmanager
def dispatch_stuck_midway(processes: Processes, env: dict[str, str]) -> Iterator[tuple]:
    """Starts a worker and sends it the dispatch task while nobody may write move history, so that its
    dispatch transaction stops at its first history row, having claimed the planned moves (FOR UPDATE)
    and updated the first of them. Yields (worker, task id, server pid of its connection) at that point;
    the history is unlocked when the block ends."""
    with held_lock(f"LOCK TABLE {HISTORY_TABLE} IN SHARE MODE"):
        worker = processes.start("worker-1", worker_command("first"), env)
        sent = subprocess.run(
            celery("call", TASK), env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
        )
        task_id = sent.stdout.strip().splitlines()[-1]

        def stuck() -> int | None:
            assert worker.poll() is None, Processes.log(worker)
            return next((pid for pid, table in lock_waits(WORKER).items() if table == HISTORY_TABLE), None)

        pid = wait_for(stuck, timeout=60, what="the worker to block inside its dispatch transaction")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT mode FROM pg_locks WHERE pid = %s AND granted AND relation = %s::regclass",
                [pid, YardMove._meta.db_table],
            )
            assert ("RowExclusiveLock",) in cursor.fetchall()  # it has updated a move, uncommitted
        yield worker, task_id, pid


def assert_nothing_dispatched(moves: list[YardMove]) -> None:
    for move in moves:
        move.refresh_from_db()
        assert (move.status, move.equipment_id, move.dispatched_at) == (YardMove.Status.PLANNED, None, None)
        assert not YardMove.history.filter(id=move.pk, status=YardMove.Status.DISPATCHED).exists()


def assert_each_dispatched_once(moves: list[YardMove]) -> None:
    for move in moves:
        move.refresh_from_db()
        assert (move.status, move.equipment.code) == (YardMove.Status.DISPATCHED, "RS-01")
        dispatches = YardMove.history.filter(id=move.pk, status=YardMove.Status.DISPATCHED).count()
        assert dispatches == 1, f"move {move.pk} was dispatched {dispatches} times"


def test_a_worker_killed_mid_dispatch_leaves_nothing_and_the_redelivered_task_dispatches_each_move_once(
    moves, worker_env, redis_broker, processes
):
    broker = redis.Redis.from_url(redis_broker)
    with dispatch_stuck_midway(processes, worker_env) as (first, task_id, pid):
        Processes.kill(first)  # the whole worker, pool included: a host or container lost

    # The dead worker's server backend finishes its INSERT, finds the client gone and rolls back.
    wait_for(lambda: pid not in backends(WORKER), timeout=30, what="the killed worker's transaction to end")
    assert_nothing_dispatched(moves)
    assert f"{task_id}] received" in Processes.log(first)

    # Acknowledged late: the message is still the broker's, taken but not acknowledged.
    unacked = broker.hgetall(Channel.unacked_key)
    assert len(unacked) == 1
    [(tag, payload)] = unacked.items()
    assert json.loads(payload)[0]["headers"]["id"] == task_id
    taken_at = broker.zscore(Channel.unacked_index_key, tag)
    wait_for(
        lambda: time.time() > taken_at + VISIBILITY_TIMEOUT,
        timeout=VISIBILITY_TIMEOUT + 5,
        what="the visibility timeout to pass",
    )

    second = processes.start("worker-2", worker_command("second"), worker_env)

    def all_dispatched() -> bool:
        assert second.poll() is None, Processes.log(second)
        return not YardMove.objects.filter(pk__in=[m.pk for m in moves], status=YardMove.Status.PLANNED).exists()

    wait_for(all_dispatched, timeout=60, what="the redelivered task to dispatch the moves", interval=0.1)
    wait_for(lambda: not broker.hlen(Channel.unacked_key), timeout=30, what="the second worker to acknowledge")
    log = Processes.log(second)
    assert f"{task_id}] received" in log
    assert f"{task_id}] succeeded" in log
    assert not broker.llen("celery")  # nothing left in the queue, nothing run a third time
    assert_each_dispatched_once(moves)


def test_a_pool_process_killed_mid_dispatch_leaves_nothing_and_the_worker_runs_the_task_again(
    moves, worker_env, redis_broker, processes
):
    broker = redis.Redis.from_url(redis_broker)
    with dispatch_stuck_midway(processes, worker_env) as (worker, task_id, pid):
        [pool_process] = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        os.kill(int(pool_process), signal.SIGKILL)  # the process running the task only: OOM killer, kill -9

    wait_for(lambda: pid not in backends(WORKER), timeout=30, what="the killed process's transaction to end")

    def ran_again() -> bool:
        assert worker.poll() is None, Processes.log(worker)
        log = Processes.log(worker)
        return log.count(f"{task_id}] received") == 2 and f"{task_id}] succeeded" in log

    wait_for(ran_again, timeout=60, what="the worker to run the task again", interval=0.1)
    assert "WorkerLostError" in Processes.log(worker)
    wait_for(lambda: not broker.hlen(Channel.unacked_key), timeout=30, what="the worker to acknowledge")
    assert not broker.llen("celery")
    # The re-run may have come while the dead process's transaction still held the moves (it skips locked
    # ones); whatever it left, the next periodic run dispatches. Either way each move exactly once.
    dispatch_planned_moves.apply()
    assert_each_dispatched_once(moves)
