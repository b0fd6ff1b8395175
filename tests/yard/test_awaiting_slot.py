"""A list is always taken: boxes with no free place get moves *awaiting a slot*, which get one as space frees (or
the operator sends them to the overflow area); nothing is refused for lack of space."""

import pytest
from django.urls import reverse

from aktau_tos import roles
from aktau_tos.errors import DomainError
from aktau_tos.reports.kpis import daily_kpis
from rail.models import LoadingLine
from rail.services import train_list_register, wagon_check_digit
from tests.factories.yard import BlockFactory, EquipmentFactory, IsoSizeTypeFactory, valid_number
from yard import services
from yard.invariants import yard_invariants_check
from yard.models import AccessPoint, Block, SlotReservation, YardMove

pytestmark = pytest.mark.django_db

CLASS_3 = [{"un_number": "1203", "class": "3", "packing_group": "II"}]


@pytest.fixture
def tiny_yard(db, un_list):
    """One full block of 2 x 1 x 2 places (4 boxes), a DG area of 2 x 1 x 1, an overflow area of 3 x 1 x 1."""
    IsoSizeTypeFactory()
    full = BlockFactory(code="A", bays=2, rows=1, max_tier=2, x_m=0, y_m=0)
    dg = BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=2, rows=1, max_tier=1, x_m=100, y_m=0)
    overflow = BlockFactory(code="OV", kind=Block.Kind.OVERFLOW, bays=3, rows=1, max_tier=1, x_m=200, y_m=0)
    AccessPoint.objects.create(kind=AccessPoint.Kind.RAIL, x_m=0, y_m=420)
    EquipmentFactory(code="RS-01", blocks=[full, dg, overflow])
    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    line.blocks.set([full])
    return line


def wagons(boxes: list[dict]) -> list[dict]:
    """One wagon per two boxes."""
    return [
        {"number": f"425432{index}" + wagon_check_digit(f"425432{index}"), "position": index + 1,
         "containers": boxes[2 * index: 2 * index + 2]}
        for index in range((len(boxes) + 1) // 2)
    ]  # fmt: skip


def box(number: str, **fields) -> dict:
    return {"number": number, "iso_type": "22G1", "gross_kg": 20000, "freight_kind": "full", **fields}


NUMBERS = [valid_number(index, "AKT") for index in range(6)]


def register(operator, boxes: list[dict], train="KZ-2401") -> list[YardMove]:
    _, moves = train_list_register(
        train_number=train,
        line="L1",
        wagons=wagons(boxes),
        actor=operator,
        category="export",  # no customs holds
    )
    return moves


def complete(move: YardMove, clerk, position: str | None = None) -> YardMove:
    return services.move_complete(
        move_id=move.pk, container=move.visit.container.number, position=position or move.planned_to, actor=clerk
    )


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


def waiting_moves() -> list[YardMove]:
    return list(YardMove.objects.filter(awaiting_slot_since__isnull=False).order_by("pk"))


def test_a_list_larger_than_the_free_space_is_registered_and_the_rest_waits(tiny_yard, operator, clerk):
    moves = register(operator, [box(number) for number in NUMBERS])
    placed = [move for move in moves if move.to_slot_id]
    waiting = [move for move in moves if move.awaiting_slot_since]
    # Two stacks in A; a stack with a box on its way takes no other until that one is down.
    assert len(moves) == 6 and len(placed) == 2 and len(waiting) == 4
    for move in waiting:
        assert (move.status, move.to_slot_id, move.planned_to) == ("planned", None, "")
        assert "No legal slot" in move.allocation["refusal"]
        assert not SlotReservation.objects.filter(move=move).exists()
    assert services.moves_dispatch() == 2  # a move awaiting a slot has nowhere to go: no machine gets it
    assert len(waiting_moves()) == 4
    assert services.awaiting_slots_allocate() == 0  # still no room
    for move in placed:
        complete(move, clerk)
    assert services.awaiting_slots_allocate() == 2  # the stacks are open again: a box on each, at tier 2
    assert [move.to_tier for move in YardMove.objects.filter(pk__in=[m.pk for m in waiting], to_tier=2)] == [2, 2]
    assert len(waiting_moves()) == 2
    assert yard_invariants_check() == []


def test_a_waiting_move_gets_the_place_a_leaving_box_frees(tiny_yard, operator, clerk):
    register(operator, [box(number) for number in NUMBERS[:5]])
    for _ in range(2):  # the block fills, stack by stack, tier by tier
        for move in YardMove.objects.filter(status="planned", to_slot__isnull=False):
            complete(move, clerk)
        services.awaiting_slots_allocate()
    (waiting,) = waiting_moves()
    top = YardMove.objects.filter(status="done", to_tier=2).first()
    assert services.awaiting_slots_allocate() == 0
    complete(services.move_create_adhoc(container=top.visit.container.number, to="GATE", actor=clerk), clerk, "GATE")
    assert services.awaiting_slots_allocate() == 1
    waiting.refresh_from_db()
    assert waiting.awaiting_slot_since is None and waiting.planned_to == top.planned_to
    assert SlotReservation.objects.filter(move=waiting).exists()
    assert waiting.history.first().history_change_reason == "a place freed"
    complete(waiting, clerk)  # at the place it was given
    assert yard_invariants_check() == []


def test_a_completion_wakes_the_allocation_after_its_commit(
    tiny_yard, operator, clerk, monkeypatch, django_capture_on_commit_callbacks
):
    import yard.tasks

    runs = []
    monkeypatch.setattr(
        yard.tasks.allocate_awaiting_slots, "delay", lambda: runs.append(services.awaiting_slots_allocate())
    )
    moves = register(operator, [box(number) for number in NUMBERS[:4]])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for move in moves:  # two boxes put down in one transaction: one wake-up
            if move.to_slot_id:
                complete(move, clerk)
    assert len(callbacks) == 1 and runs == [2]
    assert waiting_moves() == []


def test_without_waiting_moves_a_completion_wakes_nothing(
    tiny_yard, operator, clerk, django_capture_on_commit_callbacks
):
    moves = register(operator, [box(NUMBERS[0])])
    with django_capture_on_commit_callbacks() as callbacks:
        complete(moves[0], clerk)
        complete(services.move_create_adhoc(container=NUMBERS[0], to="GATE", actor=clerk), clerk, position="GATE")
    assert callbacks == []


def test_the_operator_sends_a_waiting_move_to_the_overflow_area(tiny_yard, operator, clerk):
    moves = register(operator, [box(number) for number in NUMBERS[:5]])
    waiting = next(move for move in moves if move.awaiting_slot_since)
    placed = next(move for move in moves if move.to_slot_id)
    with pytest.raises(DomainError) as refused:
        services.move_send_to_overflow(move_id=placed.pk, actor=operator)
    assert refused.value.code == "move_not_awaiting_slot"
    sent = services.move_send_to_overflow(move_id=waiting.pk, actor=operator)
    assert sent.to_slot.block.code == "OV" and sent.awaiting_slot_since is None
    assert sent.history.first().history_user == operator
    assert services.moves_dispatch() == 3  # the two with places in A, and this one
    complete(sent, clerk)
    assert yard_invariants_check() == []


def test_a_full_dg_area_makes_dg_boxes_wait_not_the_train_turn_back(tiny_yard, operator, clerk):
    moves = register(operator, [box(number, dangerous_goods=CLASS_3) for number in NUMBERS[:4]])
    assert sum(1 for move in moves if move.to_slot_id and move.to_slot.block.code == "DG") == 2  # side by side: class 3
    waiting = [move for move in moves if move.awaiting_slot_since]
    assert len(waiting) == 2
    with pytest.raises(DomainError) as refused:  # DG goods stand only in the DG area, overflow or not
        services.move_send_to_overflow(move_id=waiting[0].pk, actor=operator)
    assert refused.value.code == "no_slot_available"
    waiting[0].refresh_from_db()
    assert waiting[0].awaiting_slot_since is not None  # refused: still waiting, nothing lost


def test_the_boards_and_the_report_show_the_waiting_moves(tiny_yard, operator, client):
    moves = register(operator, [box(number) for number in NUMBERS])
    waiting = [move for move in moves if move.awaiting_slot_since]
    client.force_login(operator)
    board = client.get(reverse("admin:yard_move_board")).content.decode()
    assert "4 moves await a slot" in board
    assert all(move.visit.container.number in board for move in waiting)
    assert "4 boxes await a slot" in client.get(reverse("admin:yard_map")).content.decode()
    listed = client.get(reverse("admin:yard_yardmove_changelist") + "?awaiting_slot=yes").content.decode()
    assert all(f"#{move.pk}" in listed or f"/{move.pk}/change/" in listed for move in waiting)
    kpis = daily_kpis(moves[0].created_at.date())
    assert sorted(row["container"] for row in kpis.awaiting_slot) == sorted(m.visit.container.number for m in waiting)


def test_the_admin_action_sends_to_the_overflow_area(tiny_yard, operator, client):
    moves = register(operator, [box(number) for number in NUMBERS[:5]])
    waiting = next(move for move in moves if move.awaiting_slot_since)
    client.force_login(operator)
    client.post(
        reverse("admin:yard_yardmove_changelist"),
        {"action": "send_to_overflow", "_selected_action": [waiting.pk]},
    )
    waiting.refresh_from_db()
    assert waiting.to_slot.block.code == "OV"
