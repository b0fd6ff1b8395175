"""The vessels app's invariants under concurrency on real PostgreSQL: threads race through the services and the API.

- one box per stowage cell, however many drivers confirm into it at once;
- one call per berth window, however many operators announce at once;
- one stay, one place on board and one discharge move per container, however often its bay plan is posted at once.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest

from aktau_tos import roles
from tests.factories.yard import BlockFactory, valid_number
from tests.test_invariants import postgres_only, race
from vessels import services
from vessels.identity import imo_check_digit
from vessels.models import OnBoard, VesselCall
from vessels.services import calls, planning, quay
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import ContainerVisit, YardMove

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


@pytest.fixture
def call(alongside) -> VesselCall:
    return alongside


def _load_moves(call: VesselCall, put, operator, cells: list[str], positions: list[str], iso_type: str) -> list:
    """A box in the yard at each position, booked onto the call and planned by a load move into its cell."""
    visits = [put(position, iso_type=iso_type) for position in positions]
    rows = [{"number": visit.container.number, "pod": "AZBAK", "vgm_kg": 15_000} for visit in visits]
    assert not services.load_list_apply(call_id=call.pk, containers=rows, actor=operator).problems
    return [
        yard_services.move_plan(visit=visit, kind="load", to_carrier=call.carrier, to_place=cell, actor=operator)
        for visit, cell in zip(visits, cells, strict=True)
    ]


def _confirm_all_into(call: VesselCall, driver, moves: list, cells: list[str]) -> list:
    """Each move confirmed at once into its cell (the planned one or another), by its own driver."""

    def confirm(index: int):
        move = moves[index]
        position = yard_selectors.carrier_label(call.carrier, cells[index])
        return yard_services.move_complete(
            move_id=move.pk, container=move.visit.container.number, position=position, actor=driver
        ).status

    return race(len(moves), confirm)


def _loaded_or_still_open(moves: list) -> None:
    """The winner left the yard onto the ship; the loser's move and box are untouched, still in the yard."""
    for move in moves:
        move.refresh_from_db()
        move.visit.refresh_from_db()
        if move.status == YardMove.Status.DONE:
            assert move.visit.state == ContainerVisit.State.DEPARTED
            assert OnBoard.objects.filter(container=move.visit.container.number).count() == 1
        else:
            assert move.status == YardMove.Status.PLANNED
            assert move.visit.state == ContainerVisit.State.IN_YARD
            assert not OnBoard.objects.filter(container=move.visit.container.number).exists()


def test_two_drivers_loading_into_one_cell_exactly_one_wins(call, put, operator, user_with_role):
    driver = user_with_role(roles.DRIVER)
    # One round per row of bay 01's bottom tier: the first move is planned there, the second into bay 03 and confirmed
    # into bay 01 as a deviation.
    for round_, row in enumerate(["01", "02", "03", "04"]):
        cell = f"01{row}02"
        moves = _load_moves(
            call, put, operator, [cell, f"03{row}02"], [f"A-0{round_ + 1}-01-1", f"A-0{round_ + 1}-02-1"], "22G1"
        )
        results = _confirm_all_into(call, driver, moves, [cell, cell])
        assert Counter(results) == {"done": 1, "position_occupied": 1}, f"round {round_}: {results}"
        assert OnBoard.objects.filter(call=call, cell=cell).count() == 1
        assert not OnBoard.objects.filter(call=call, cell=f"03{row}02").exists()
        _loaded_or_still_open(moves)


def test_a_forty_and_a_twenty_racing_for_overlapping_cells_exactly_one_wins(call, put, operator, user_with_role):
    driver = user_with_role(roles.DRIVER)
    BlockFactory(code="B", bays=8, rows=2, x_m=100, y_m=100)
    for round_, row in enumerate(["01", "02", "03", "04"]):
        forty, twenty = f"02{row}02", f"01{row}02"  # the 40' cell covers bays 01 and 03 of its row and tier
        moves = [
            *_load_moves(call, put, operator, [forty], [f"B-0{2 * round_ + 1}-01-1"], "45G1"),
            *_load_moves(call, put, operator, [twenty], [f"B-0{round_ + 1}-02-1"], "22G1"),
        ]
        results = _confirm_all_into(call, driver, moves, [forty, twenty])
        assert sorted(results) == ["done", "position_occupied"], f"round {round_}: {results}"
        taken = OnBoard.objects.filter(call=call, cell__in=[forty, twenty])
        assert taken.count() == 1, list(taken)
        _loaded_or_still_open(moves)


def _overlapping_call(window, index: int, vessel: int) -> dict:
    start = window[0] + timedelta(hours=index)  # every window overlaps every other
    imo = f"93{vessel:04d}"
    return {
        "vessel": {"name": f"Caspian {vessel}", "imo": imo + str(imo_check_digit(imo))},
        "line": "KMTF", "voyage_in": f"05{index}E", "berth": "CB1",
        "eta": start.isoformat(), "etd": (start + timedelta(hours=20)).isoformat(),
    }  # fmt: skip


def _announce_at_once(client_for, bodies: list[dict]) -> list:
    clients = [client_for(roles.OPERATOR) for _ in bodies]

    def announce(index: int):
        response = clients[index].post("/api/v1/vessels/calls/", bodies[index], format="json")
        body = response.json()
        return response.status_code, body.get("code") or body.get("reference")

    return race(len(bodies), announce)


@pytest.mark.parametrize("same_vessel", [False, True], ids=["four-vessels", "one-new-vessel"])
def test_operators_announcing_overlapping_calls_on_one_berth_get_one_call(port, client_for, window, same_vessel):
    """Four operators at once, for four ships or all for one ship new to the terminal (registered by the first)."""
    for round_ in range(3):
        if round_:
            window = (window[0] + timedelta(days=3), window[1] + timedelta(days=3))
        bodies = [_overlapping_call(window, index, round_ if same_vessel else round_ * 4 + index) for index in range(4)]
        results = _announce_at_once(client_for, bodies)
        statuses = Counter(status for status, _code in results)
        assert statuses == {201: 1, 409: 3}, f"round {round_}: {results}"
        assert {code for status, code in results if status == 409} == {"berth_occupied"}
        assert VesselCall.objects.filter(berth__code="CB1").count() == round_ + 1


def test_a_discharge_list_posted_twice_at_once_opens_each_stay_once(call, operator):
    rows = [
        _row(1, "010102"),
        _row(2, "010104", pod="AZBAK"),  # through, on box 1: a restow
        _row(3, "030102"),
        _row(4, "030104"),
        _row(5, "050102", pod="AZBAK"),
        _row(6, "060202", iso_type="45G1"),
        _row(7, "070402"),
    ]
    for attempt in range(3):  # the same rows over and over: only the first list to get the call applies them
        results = race(2, lambda index: services.discharge_list_apply(call_id=call.pk, containers=rows, actor=operator))
        if attempt == 0:
            applied = [result for result in results if result.moves]
            assert len(applied) == 1, results
            assert not applied[0].problems
            assert len(applied[0].moves) == 6 and len(applied[0].through) == 2
            refused = [result for result in results if result is not applied[0]]
        else:
            refused = results
        for result in refused:
            assert (result.moves, result.through) == ([], [])
            assert [(p["index"], p["code"]) for p in result.problems] == [
                (index, "duplicate_container") for index in range(len(rows))
            ]
        numbers = [row["number"] for row in rows]
        assert Counter(OnBoard.objects.filter(call=call).values_list("container", flat=True)) == Counter(numbers)
        open_stays = ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        staying = [number for number in numbers if number != rows[4]["number"]]  # all but the through box left on
        assert Counter(open_stays.values_list("container__number", flat=True)) == Counter(staying)
        moves = YardMove.objects.filter(visit__container__number__in=numbers)
        assert Counter(moves.values_list("kind", flat=True)) == {"discharge": 5, "restow": 1}
        assert moves.values("visit").distinct().count() == 6  # one move per box


def _row(n: int, cell: str, pod: str = "KZAAU", iso_type: str = "22G1") -> dict:
    return {"number": valid_number(n, "CSQ"), "iso_type": iso_type, "gross_kg": 20_000, "stowage": cell,
            "pol": "AZBAK", "pod": pod}  # fmt: skip


def test_a_replan_while_a_driver_confirms_a_load_never_deadlocks(call, put, operator, user_with_role, monkeypatch):
    """The driver's confirmation locks its move and then the call; the operator's new plan locks the call and cancels
    the open load moves. Forced into the worst order (the driver holds the move and waits until the planner holds the
    call, or for a second), they must still be served one after the other: the load done and the plan outdated, or
    the move cancelled under the driver and the plan made."""
    driver = user_with_role(roles.DRIVER)
    visit = put("A-01-01-1")
    row = {"number": visit.container.number, "pod": "AZBAK", "vgm_kg": 15_000}
    services.load_list_apply(call_id=call.pk, containers=[row], actor=operator)
    services.stowage_plan_build(call_id=call.pk, actor=operator)
    move = YardMove.objects.get(visit=visit, kind="load", status="planned")

    planner_holds_the_call, real_call_locked = threading.Event(), calls.call_locked

    def call_locked(call_id: int):
        if threading.current_thread().name == "driver":
            planner_holds_the_call.wait(timeout=1)
        locked = real_call_locked(call_id)
        if threading.current_thread().name == "planner":
            planner_holds_the_call.set()
        return locked

    monkeypatch.setattr(quay, "call_locked", call_locked)
    monkeypatch.setattr(planning, "call_locked", call_locked)

    def work(index: int):
        threading.current_thread().name = ["driver", "planner"][index]
        if index == 0:
            position = yard_selectors.carrier_label(call.carrier, move.to_place)
            return yard_services.move_complete(
                move_id=move.pk, container=visit.container.number, position=position, actor=driver
            ).status
        return "planned" if services.stowage_plan_build(call_id=call.pk, actor=operator)["assigned"] else "empty"

    results = race(2, work)
    assert results in (["done", "plan_outdated"], ["move_not_open", "planned"]), results
    assert OnBoard.objects.filter(call=call, container=visit.container.number).count() == (results[0] == "done")
