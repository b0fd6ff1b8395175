"""The move board: a column per machine, idle ones too, each move with from → to and its age; its live fragment;
giving a move to another machine through the dispatch service, from the board."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aktau_tos import roles
from aktau_tos.errors import DomainError
from tests.factories.yard import EquipmentFactory
from yard import services
from yard.models import Equipment, YardMove

LIVE = {"X-Live-Refresh": "fragment"}
A_PLACES = [f"A-{bay:02d}-{row:02d}-1" for bay in range(1, 5) for row in (1, 2)]


@pytest.fixture
def deliveries(put, operator):
    """deliveries(n) -> n more boxes in block A, each with a delivery to the gate planned and dispatched (to
    RS-01); `skip` places already taken by earlier ones."""

    def make(count: int, skip: int = 0) -> list[YardMove]:
        places = A_PLACES + [place[:-1] + "2" for place in A_PLACES]
        visits = [put(place) for place in places[skip : skip + count]]
        moves = [services.move_create_adhoc(container=v.container.number, to="GATE", actor=operator) for v in visits]
        services.moves_dispatch()
        return list(YardMove.objects.filter(pk__in=[move.pk for move in moves]).order_by("pk"))

    return make


def section(page: str, code: str) -> str:
    """The board's column of one machine (or data-equipment="awaiting", "" for the moves not dispatched)."""
    found = re.search(rf'<section class="[^"]*" data-equipment="{re.escape(code)}">(.*?)</section>', page, re.S)
    assert found, f"no column {code!r} on the board"
    return found.group(1)


def board(client, **headers) -> str:
    response = client.get(reverse("admin:yard_move_board"), headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_shows_the_idle_machine_beside_the_busy_one(deliveries, operator, client):
    moves = deliveries(2)
    idle = Equipment.objects.get(code="RS-02")
    finished = timezone.now() - timedelta(minutes=42)
    done = YardMove.objects.filter(status=YardMove.Status.DONE).first()  # a box put down earlier, by RS-02 say
    YardMove.objects.filter(pk=done.pk).update(equipment=idle, finished_at=finished)
    YardMove.objects.filter(pk=moves[0].pk).update(created_at=timezone.now() - timedelta(minutes=75))
    client.force_login(operator)

    page = board(client)
    busy = section(page, "RS-01")
    assert "2 moves" in busy and "idle" not in busy
    for move in moves:
        assert move.visit.container.number in busy
        origin = f"A-{move.from_slot.bay:02d}-{move.from_slot.row:02d}-1"
        assert f'<span class="from">{origin}</span> → <span class="to">GATE</span>' in busy
    assert "age 1\xa0hour, 15\xa0minutes" in busy  # since it was planned
    assert busy.count("dispatched 0\xa0minutes ago") == 2  # and since it went to the machine
    assert busy.count('<span class="kind">Deliver to truck</span>') == 2
    assert "priority 20" in busy

    quiet = section(page, "RS-02")
    assert '<span class="machine-state">idle</span>' in quiet
    assert "Idle for 42\xa0minutes" in quiet
    assert "blocks DG, RF" in quiet or "blocks RF, DG" in quiet
    assert "none" in section(page, "")  # nothing left undispatched


def test_a_machine_that_never_worked_is_idle_and_moves_not_dispatched_have_their_column(put, operator, client):
    visit = put("A-01-01-1")
    YardMove.objects.filter(status=YardMove.Status.DONE).update(equipment=None)
    move = services.move_create_adhoc(container=visit.container.number, to="A-04-02-1", actor=operator)
    client.force_login(operator)
    page = board(client)
    assert "Idle: no move done yet" in section(page, "RS-01")
    waiting = section(page, "")
    assert f"#{move.pk}" in waiting and 'A-01-01-1</span> → <span class="to">A-04-02-1' in waiting


def test_the_live_request_gets_the_board_alone(deliveries, operator, client):
    deliveries(1)
    client.force_login(operator)
    page = board(client)
    assert 'class="live-status" data-live-status' in page and "aktau_tos/live.js" in page and "<html" in page
    fragment = board(client, **LIVE).strip()
    assert fragment.startswith('<div id="move-board" data-live-refresh="10"') and fragment.endswith("</div>")
    assert "<html" not in fragment and "live-status" not in fragment and 'id="header"' not in fragment
    assert "1 move" in section(fragment, "RS-01") and "Idle" in section(fragment, "RS-02")  # the same board
    assert 'name="csrfmiddlewaretoken"' in fragment  # its forms still post


def test_reassigning_from_the_board_changes_the_machine_and_records_who(deliveries, small_yard, operator, client):
    EquipmentFactory(code="RS-03", blocks=[small_yard["A"]])
    move = deliveries(1)[0]
    client.force_login(operator)
    assert '<option value="RS-03">RS-03</option>' in section(board(client), "RS-01")

    response = client.post(reverse("admin:yard_move_reassign"), {"move_id": move.pk, "equipment_code": "rs-03"})
    assert response.status_code == 302 and response.url == reverse("admin:yard_move_board")
    move.refresh_from_db()
    assert move.equipment.code == "RS-03" and move.status == "dispatched"
    latest = move.history.first()
    assert latest.history_user == operator and latest.history_change_reason == "reassigned from RS-01 to RS-03"
    page = client.get(response.url).content.decode()
    assert f"Move {move.pk} is now with RS-03." in page
    assert move.visit.container.number in section(page, "RS-03") and "idle" in section(page, "RS-01")


def test_reassigning_to_a_machine_that_does_not_serve_the_block_is_refused(deliveries, operator, client):
    move = deliveries(1)[0]
    history = move.history.count()
    client.force_login(operator)
    response = client.post(
        reverse("admin:yard_move_reassign"), {"move_id": move.pk, "equipment_code": "RS-02"}, follow=True
    )
    shown = [str(message) for message in response.context["messages"]]
    assert shown == [f"RS-02 cannot do move {move.pk}: it does not serve block A. (code: machine_not_serving)"]
    move.refresh_from_db()
    assert move.equipment.code == "RS-01" and move.history.count() == history


def test_only_those_who_may_change_moves_reassign_them(deliveries, user_with_role, client):
    move = deliveries(1)[0]
    client.force_login(user_with_role(roles.MANAGER, is_staff=True))
    assert "Give to another machine" not in board(client)  # looks, but has no form
    response = client.post(reverse("admin:yard_move_reassign"), {"move_id": move.pk, "equipment_code": "RS-02"})
    assert response.status_code == 403
    client.force_login(user_with_role(roles.OPERATOR, is_staff=True))
    assert client.get(reverse("admin:yard_move_reassign")).status_code == 405  # a change is a POST
    response = client.post(reverse("admin:yard_move_reassign"), {"move_id": "x" * 30, "equipment_code": "\x00"})
    assert response.status_code == 302  # refused as a bad form, not a server error
    move.refresh_from_db()
    assert move.equipment.code == "RS-01"


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        board(client)
    return len(queries)


def test_the_board_reads_the_same_number_of_queries_for_3_or_12_moves(deliveries, operator, client):
    client.force_login(operator)
    deliveries(3)
    board(client)  # the first request warms caches (content types) that later ones do not read
    asked_few, asked_few_live = _board_queries(client), len(_live_queries(client))
    deliveries(9, skip=3)
    assert YardMove.objects.filter(status="dispatched").count() == 12
    assert (_board_queries(client), len(_live_queries(client))) == (asked_few, asked_few_live)
    # session, user, the user's permissions (2), machines with when each last finished a move, their blocks, moves
    assert asked_few_live == 7


def _live_queries(client) -> list:
    with CaptureQueriesContext(connection) as queries:
        board(client, **LIVE)
    return queries.captured_queries


# The service itself


def test_reassign_refuses_what_dispatch_would_not_do(deliveries, small_yard, operator):
    move = deliveries(1)[0]
    inactive = EquipmentFactory(code="RS-09", blocks=[small_yard["A"]], active=False)
    with pytest.raises(DomainError) as refused:
        services.move_reassign(move_id=move.pk, equipment_code=inactive.code, actor=operator)
    assert refused.value.code == "machine_inactive"
    with pytest.raises(DomainError) as refused:
        services.move_reassign(move_id=move.pk, equipment_code="NOPE", actor=operator)
    assert refused.value.code == "equipment_not_found"
    low = EquipmentFactory(code="RS-04", blocks=[small_yard["A"]], max_tier=0)
    with pytest.raises(DomainError) as refused:
        services.move_reassign(move_id=move.pk, equipment_code=low.code, actor=operator)
    assert refused.value.code == "machine_not_serving" and "tier" in refused.value.detail
    services.move_cancel(move_id=move.pk, actor=operator)
    with pytest.raises(DomainError) as refused:
        services.move_reassign(move_id=move.pk, equipment_code="RS-01", actor=operator)
    assert refused.value.code == "move_not_open"


def test_reassign_gives_a_planned_move_its_machine_unless_a_hold_blocks_it(put, operator):
    visit = put("A-01-01-1")
    move = services.move_create_adhoc(container=visit.container.number, to="GATE", actor=operator)
    services.hold_place(container=visit.container.number, authority="terminal", kind="documents", actor=operator)
    with pytest.raises(DomainError) as refused:
        services.move_reassign(move_id=move.pk, equipment_code="RS-01", actor=operator)
    assert refused.value.code == "container_on_hold"
    services.hold_release(hold_id=visit.holds.get().pk, actor=operator)
    given = services.move_reassign(move_id=move.pk, equipment_code="RS-01", actor=operator)
    assert (given.status, given.equipment.code) == ("dispatched", "RS-01")
    assert given.history.first().history_change_reason == "assigned to RS-01"
    again = services.move_reassign(move_id=move.pk, equipment_code="RS-01", actor=operator)
    assert again.history.count() == given.history.count()  # the machine it has: nothing written


def test_a_move_in_progress_moves_on_to_the_other_machine_as_it_is(deliveries, small_yard, operator):
    EquipmentFactory(code="RS-03", blocks=[small_yard["A"]])
    move = deliveries(1)[0]
    services.move_start(move_id=move.pk, actor=operator)
    moved = services.move_reassign(move_id=move.pk, equipment_code="RS-03", actor=operator)
    assert (moved.status, moved.equipment.code) == ("in_progress", "RS-03")
