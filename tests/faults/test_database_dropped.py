"""The database connection dropped in the middle of a scan.

The request's transaction never commits, so the scanner gets a clean 503 problem telling it to retry;
the web process drops the broken connection, and the retry with the same Idempotency-Key does the work
once (a further retry replays it).
"""

import uuid
from unittest import mock

import pytest
from django.db import connection

from aktau_tos import roles
from aktau_tos.models import IdempotentRequest
from tests.factories.accounts import PASSWORD
from tests.factories.yard import valid_number
from tests.faults.support import http, log_in
from yard import services
from yard.models import CarrierVisit, Container, ContainerVisit, Occupancy, YardMove

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a PostgreSQL backend"),
    pytest.mark.django_db(transaction=True),
]


class ConnectionDrop:
    """Wraps a yard service: the first call does its work, then the request's database connection is
    terminated by the server, before anything is committed. Later calls run normally."""

    def __init__(self, name: str, key: str) -> None:
        self.real, self.key = getattr(services, name), key
        self.patch = mock.patch.object(services, name, side_effect=self)
        self.calls = 0
        self.key_recorded_before_drop: bool | None = None

    def __call__(self, *args, **kwargs):
        self.calls += 1
        result = self.real(*args, **kwargs)
        if self.calls == 1:
            # The idempotency record is already written in this (never to be committed) transaction.
            self.key_recorded_before_drop = IdempotentRequest.objects.filter(key=self.key).exists()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return result

    def __enter__(self):
        self.patch.start()
        return self

    def __exit__(self, *exc):
        self.patch.stop()


def send_three_times(url: str, body: dict, token: str, drop: ConnectionDrop, *, untouched, success: int) -> dict:
    """The scan as a handheld sends it: dropped mid-request; retried with the same key; retried once more.

    `untouched()` says whether the database still looks as before the scan."""
    with drop:
        dropped = http("POST", url, body, token=token, key=drop.key)
        assert dropped.status == 503, dropped.body
        assert dropped.headers["content-type"] == "application/problem+json"
        assert (dropped.json()["code"], dropped.json()["status"]) == ("database_unavailable", 503)
        assert int(dropped.headers["retry-after"]) > 0
        assert drop.key_recorded_before_drop is True  # the drop came after the idempotency record was written
        assert not IdempotentRequest.objects.exists()  # ... which was not committed: the key is free
        assert untouched()

        retry = http("POST", url, body, token=token, key=drop.key)
        assert retry.status == success, retry.body
        assert not retry.replayed
        replay = http("POST", url, body, token=token, key=drop.key)
    assert replay.status == success
    assert replay.replayed
    assert replay.body == retry.body
    assert drop.calls == 2  # the replay did not run the service again
    assert IdempotentRequest.objects.count() == 1
    return retry.json()


def test_a_gate_in_dropped_mid_request_is_a_clean_503_and_its_retry_registers_the_box_once(
    live_server, user_with_role, fault_yard
):
    token = log_in(live_server.url, user_with_role(roles.YARD_CLERK).username, PASSWORD)
    number = valid_number(21)
    body = {"container": number, "iso_type": "22G1", "gross_kg": 20000, "freight_kind": "full", "truck": "045AKT12"}

    def untouched() -> bool:
        return not (Container.objects.exists() or CarrierVisit.objects.exists() or YardMove.objects.exists())

    answer = send_three_times(
        f"{live_server.url}/api/v1/yard/gate-in/",
        body,
        token,
        ConnectionDrop("gate_in", str(uuid.uuid4())),
        untouched=untouched,
        success=201,
    )
    assert answer["container"] == number
    assert ContainerVisit.objects.get(container__number=number).pk == answer["visit"]
    assert YardMove.objects.get().pk == answer["move"]["id"]
    assert Container.history.filter(number=number).count() == 1
    assert YardMove.history.count() == 1


def test_a_completion_dropped_mid_request_is_a_clean_503_and_its_retry_completes_the_move_once(
    live_server, user_with_role, gate_in
):
    move = gate_in(22)
    number = move.visit.container.number
    token = log_in(live_server.url, user_with_role(roles.DRIVER).username, PASSWORD)

    def untouched() -> bool:
        return (
            YardMove.objects.get(pk=move.pk).status == YardMove.Status.PLANNED
            and YardMove.history.filter(id=move.pk).count() == 1
            and not Occupancy.objects.exists()
        )

    answer = send_three_times(
        f"{live_server.url}/api/v1/yard/moves/{move.pk}/complete/",
        {"container": number, "position": move.planned_to},
        token,
        ConnectionDrop("move_complete", str(uuid.uuid4())),
        untouched=untouched,
        success=200,
    )
    assert (answer["id"], answer["status"], answer["to"]) == (move.pk, "done", move.planned_to)
    move.refresh_from_db()
    assert move.status == YardMove.Status.DONE
    assert YardMove.history.filter(id=move.pk, status=YardMove.Status.DONE).count() == 1
    assert Occupancy.objects.filter(visit=move.visit).count() == 1
