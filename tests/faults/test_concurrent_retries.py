"""Two web processes handling the same scan retry at once.

A handheld that times out re-sends its completion with the same Idempotency-Key, and the load balancer
gives the copy to another web process while the first is still working on it. The copy waits for the
first and replays its answer: the move is completed once, and both get the same answer.
"""

import uuid

import pytest
from django.db import connection

from aktau_tos import roles
from aktau_tos.models import IdempotentRequest
from tests.factories.accounts import PASSWORD
from tests.faults.support import WEB, Parallel, held_lock, http, lock_waits, log_in, wait_for
from yard.models import Occupancy, YardMove

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on a shared database: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_web_processes_running_the_same_completion_at_once_complete_the_move_once(web_server, web_user, gate_in):
    move = gate_in(31)
    base = web_server()
    token = log_in(base, web_user(roles.DRIVER).username, PASSWORD)
    url, key = f"{base}/api/v1/yard/moves/{move.pk}/complete/", str(uuid.uuid4())
    body = {"container": move.visit.container.number, "position": move.planned_to}
    keys_table = IdempotentRequest._meta.db_table

    def at_the_keys() -> dict[int, str] | None:  # both wait to write their idempotency record
        waits = lock_waits(WEB)
        return waits if list(waits.values()) == [keys_table] * 2 else None

    def inside() -> dict[int, str] | None:  # one waits for the move, the other for the first one's record
        waits = lock_waits(WEB)
        return waits if len(waits) == 2 and keys_table not in waits.values() else None

    # Two gates, each a lock held by a transaction of the test: the copies first meet at the idempotency
    # records (a table lock: both wait, however long each took to arrive), then at the move (its row lock).
    with held_lock(f"SELECT id FROM {YardMove._meta.db_table} WHERE id = %s FOR UPDATE", [move.pk]):
        with held_lock(f"LOCK TABLE {keys_table} IN SHARE MODE"):
            sending = Parallel(*[lambda: http("POST", url, body, token=token, key=key)] * 2)
            met = wait_for(at_the_keys, timeout=60, what="both copies to reach the idempotency check")
        # The first to write its key goes on to the busy move; the other waits on that uncommitted key.
        # The completion waits at most 3 s for a busy move (then answers lock_timeout): release before.
        racing = wait_for(inside, timeout=2.5, interval=0.005, what="one copy inside, the other waiting for it")
    first, second = sending.results()

    assert met.keys() == racing.keys()  # two server backends all along: two web processes, one copy each
    assert first.status == second.status == 200, (first.body, second.body)
    assert first.body == second.body
    assert sorted([first.replayed, second.replayed]) == [False, True]
    assert first.json()["status"] == "done"
    move.refresh_from_db()
    assert move.status == YardMove.Status.DONE
    assert YardMove.history.filter(id=move.pk, status=YardMove.Status.DONE).count() == 1
    assert Occupancy.objects.filter(visit=move.visit).count() == 1
    assert IdempotentRequest.objects.filter(key=key).count() == 1
