"""The broker down while scanners write.

No request publishes to Celery: a scan writes rows, planned moves among them, and the periodic dispatch
task picks those up from the database (the database is the outbox). So with the broker unreachable every
scan still succeeds, and once the broker is back the dispatch run hands the moves to the machines.
"""

import socket
import subprocess
import uuid

import pytest
from django.db import connection

from aktau_tos import roles
from aktau_tos.models import IdempotentRequest
from tests.factories.accounts import PASSWORD
from tests.factories.yard import valid_number
from tests.faults.support import ROOT, celery, http, log_in, subprocess_env
from yard.models import ContainerVisit, Hold, YardMove
from yard.tasks import dispatch_planned_moves

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on a shared database: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def dead_broker():
    """A Redis broker URL on a port that refuses connections (bound, never listening) for the whole test."""
    with socket.socket() as port_keeper:
        port_keeper.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{port_keeper.getsockname()[1]}/0"


def test_the_broker_being_down_is_real(dead_broker):
    """The premise of the test below: publishing a task with this broker fails, so a request that published
    one would fail too."""
    sent = subprocess.run(
        celery("call", "yard.tasks.dispatch_planned_moves"),
        env=subprocess_env("call", CELERY_BROKER_URL=dead_broker),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sent.returncode != 0
    assert "Connection refused" in sent.stderr


def test_scans_succeed_with_the_broker_down_and_their_moves_are_dispatched_when_it_is_back(
    dead_broker, web_server, web_user, fault_yard
):
    base = web_server(CELERY_BROKER_URL=dead_broker)
    tokens = {
        role: log_in(base, web_user(role).username, PASSWORD)
        for role in (roles.YARD_CLERK, roles.DRIVER, roles.CUSTOMS_OFFICER)
    }

    def post(role: str, path: str, body: dict | None = None, expected: int = 201) -> dict:
        answer = http("POST", base + path, body, token=tokens[role], key=str(uuid.uuid4()))
        assert answer.status == expected, (path, answer.body)
        return answer.json()

    def get(role: str, path: str) -> dict | list:
        answer = http("GET", base + path, token=tokens[role])
        assert answer.status == 200, (path, answer.body)
        return answer.json()

    numbers = [valid_number(n) for n in (11, 12, 13)]
    arrivals = [
        post(roles.YARD_CLERK, "/api/v1/yard/gate-in/", {
            "container": number, "iso_type": "22G1", "gross_kg": 20000, "freight_kind": "full", "truck": "045AKT12",
        })
        for number in numbers
    ]  # fmt: skip
    first_move = arrivals[0]["move"]
    assert get(roles.YARD_CLERK, f"/api/v1/containers/{numbers[0]}/")["number"] == numbers[0]
    assert {move["id"] for move in get(roles.DRIVER, "/api/v1/yard/moves/")} == {a["move"]["id"] for a in arrivals}
    done = post(
        roles.DRIVER,
        f"/api/v1/yard/moves/{first_move['id']}/complete/",
        {"container": numbers[0], "position": first_move["to"]},
        expected=200,
    )
    assert done["status"] == "done"
    hold = post(roles.CUSTOMS_OFFICER, "/api/v1/customs/holds/", {
        "container": numbers[1], "kind": "documents", "reason": "Invoice missing",
    })  # fmt: skip
    post(roles.CUSTOMS_OFFICER, f"/api/v1/customs/holds/{hold['id']}/release/", expected=200)
    delivery = post(roles.YARD_CLERK, "/api/v1/yard/moves/", {"container": numbers[0], "to": "GATE"})

    # Nothing lost: every scan is in the database, the work it created waiting as planned moves.
    assert IdempotentRequest.objects.count() == 7
    assert ContainerVisit.objects.get(container__number=numbers[0]).state == ContainerVisit.State.IN_YARD
    assert Hold.objects.get(pk=hold["id"]).released_at is not None
    planned = {arrivals[1]["move"]["id"], arrivals[2]["move"]["id"], delivery["id"]}
    assert set(YardMove.objects.filter(status=YardMove.Status.PLANNED).values_list("pk", flat=True)) == planned
    assert YardMove.objects.get(pk=first_move["id"]).status == YardMove.Status.DONE

    # The broker is back: the next dispatch run (beat's periodic task) finds the queued work.
    assert dispatch_planned_moves.apply().get() == 3
    for move in YardMove.objects.filter(pk__in=planned):
        assert (move.status, move.equipment.code) == (YardMove.Status.DISPATCHED, "RS-01")
