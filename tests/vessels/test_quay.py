"""Quay work through dispatch: the yard's dispatcher asks the vessels app (yard.hooks) which machines work a call's
moves (the berth's harbour cranes) and which of its moves must wait (a load before the box below it, a discharge
before the box above it is lifted)."""

from collections import Counter

import pytest

from tests.factories.yard import CarrierVisitFactory, ContainerVisitFactory
from tests.vessels.test_api import box
from vessels import services
from yard import hooks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import AccessPoint, CarrierVisit, Equipment, YardMove

pytestmark = pytest.mark.django_db


def _discharge(call, operator, rows: list[dict]) -> dict[str, YardMove]:
    """The bay plan applied; its discharge and restow moves by the cell they come from."""
    result = services.discharge_list_apply(call_id=call.pk, containers=rows, actor=operator)
    assert not result.problems, result.problems
    return {move.from_place: move for move in result.moves}


def _loads(call, operator, put, cells: dict[str, str], iso_type: str = "22G1") -> dict[str, YardMove]:
    """A box in the yard at each position, booked and planned by a load move into its cell: {cell: move}."""
    moves = {}
    for position, cell in cells.items():
        visit = put(position, iso_type=iso_type)
        row = {"number": visit.container.number, "pod": "AZBAK", "vgm_kg": 15_000}
        assert not services.load_list_apply(call_id=call.pk, containers=[row], actor=operator).problems
        moves[cell] = yard_services.move_plan(
            visit=visit, kind="load", to_carrier=call.carrier, to_place=cell, actor=operator
        )
    return moves


def _state(moves: dict[str, YardMove]) -> dict[str, tuple[str, str | None]]:
    """Each move's status and machine, read again."""
    found = YardMove.objects.select_related("equipment").in_bulk([move.pk for move in moves.values()])
    return {
        key: (found[move.pk].status, found[move.pk].equipment and found[move.pk].equipment.code)
        for key, move in moves.items()
    }


def _load_done(call, move: YardMove, actor) -> None:
    position = yard_selectors.carrier_label(call.carrier, move.to_place)
    yard_services.move_complete(move_id=move.pk, container=move.visit.container.number, position=position, actor=actor)


def test_the_calls_moves_go_to_the_berths_cranes_balanced_by_queue(alongside, operator, put):
    loads = _loads(alongside, operator, put, {"A-01-01-1": "010202", "A-02-01-1": "030202"})
    discharges = _discharge(alongside, operator, [box(n, f"0{bay}0102") for n, bay in enumerate((1, 3, 5, 7), 1)])
    assert yard_services.moves_dispatch(limit=1) == 1  # the most urgent (a load), to the first crane
    assert yard_services.moves_dispatch() == 5
    state = _state({**discharges, **loads})
    assert {status for status, _crane in state.values()} == {"dispatched"}
    assert Counter(crane for _status, crane in state.values()) == {"MHC-1": 3, "MHC-2": 3}  # never a yard machine
    # the next round sees the queues: one crane busier than the other gets the next move on the other
    busy = YardMove.objects.filter(pk__in=[move.pk for move in discharges.values()], equipment__code="MHC-1").first()
    yard_services.move_complete(
        move_id=busy.pk, container=busy.visit.container.number, position=yard_selectors.move_to(busy), actor=operator
    )
    more = _discharge(alongside, operator, [box(9, "050202")])
    assert yard_services.moves_dispatch() == 1
    assert _state(more) == {"050202": ("dispatched", "MHC-1")}


def test_an_inactive_crane_gets_nothing(alongside, operator):
    Equipment.objects.filter(code="MHC-2").update(active=False)
    moves = _discharge(alongside, operator, [box(1, "010102"), box(2, "030102")])
    assert yard_services.moves_dispatch() == 2
    assert {crane for _status, crane in _state(moves).values()} == {"MHC-1"}


def test_a_load_waits_until_the_box_below_it_is_loaded(alongside, operator, put, user_with_role):
    loads = _loads(alongside, operator, put, {"A-01-01-1": "030402", "A-02-01-1": "030404"})
    loads |= _loads(alongside, operator, put, {"A-03-01-1": "050302", "A-04-01-1": "070302"})
    loads |= _loads(alongside, operator, put, {"A-01-02-1": "060304"}, iso_type="45G1")  # over 050302 and 070302
    assert yard_services.moves_dispatch() == 3
    assert {cell for cell, (status, _crane) in _state(loads).items() if status == "planned"} == {"030404", "060304"}

    _load_done(alongside, loads["030402"], operator)
    _load_done(alongside, loads["050302"], operator)
    assert yard_services.moves_dispatch() == 1  # 030404 stands on a box now; the 40' on one of its two halves only
    assert _state(loads)["030404"][0] == "dispatched" and _state(loads)["060304"][0] == "planned"

    _load_done(alongside, loads["070302"], operator)
    assert yard_services.moves_dispatch() == 1
    assert _state(loads)["060304"][0] == "dispatched"


def test_a_discharge_under_a_through_box_waits_until_its_restow_starts(alongside, operator):
    moves = _discharge(alongside, operator, [box(1, "010102"), box(2, "010104", pod="AZBAK"), box(3, "030102")])
    assert (moves["010104"].kind, moves["010102"].kind) == ("restow", "discharge")
    assert yard_services.moves_dispatch() == 2  # the restow and the free discharge in bay 03
    assert yard_services.moves_dispatch() == 0  # still waiting: the box above is not off yet
    assert _state(moves)["010102"] == ("planned", None)

    yard_services.move_start(move_id=moves["010104"].pk, actor=operator)  # the through box is lifted
    assert yard_services.moves_dispatch() == 1
    status, crane = _state(moves)["010102"]
    assert status == "dispatched" and crane in {"MHC-1", "MHC-2"}


def test_rail_and_truck_moves_are_left_to_the_yard(alongside, operator, put):
    _discharge(alongside, operator, [box(1, "010102"), box(2, "010104", pod="AZBAK")])  # a waiting discharge, too
    train = CarrierVisitFactory(mode=CarrierVisit.Mode.RAIL, reference="TRAIN 4012")
    off_train = yard_services.move_plan_to_yard(
        visit=ContainerVisitFactory(inbound_carrier=train), kind="discharge", arriving_from=AccessPoint.Kind.GATE,
        actor=operator,
    )  # fmt: skip
    onto_train = yard_services.move_plan(visit=put("A-04-02-1"), kind="load", to_carrier=train, actor=operator)
    truck = yard_services.move_plan_to_yard(
        visit=ContainerVisitFactory(), kind="receive", arriving_from=AccessPoint.Kind.GATE, actor=operator
    )
    landside = [off_train, onto_train, truck]
    machines = list(Equipment.objects.filter(active=True))
    assert hooks.dispatch_waiting(landside) == set()
    assert [hooks.dispatch_machines_for(move, machines) for move in landside] == [None, None, None]

    yard_services.moves_dispatch()
    for move in landside:
        move.refresh_from_db()
        assert move.status == "dispatched" and move.equipment.kind != Equipment.Kind.HARBOUR_CRANE, move
        block = (move.to_slot or move.from_slot).block
        assert move.equipment.blocks.filter(pk=block.pk).exists()


def test_a_load_into_the_cell_of_a_box_still_to_discharge_waits_for_the_discharge(alongside, operator, put):
    """The stowage plan counts this port's boxes as gone, so it may plan loads into their cells or onto them;
    dispatch must not send a crane there before the box is off (nor bury it under an export box)."""
    loads = _loads(alongside, operator, put, {"A-01-01-1": "050102", "A-02-01-1": "050104"})
    discharges = _discharge(alongside, operator, [box(1, "050102")])
    assert yard_services.moves_dispatch() == 1
    assert _state(discharges)["050102"][0] == "dispatched"
    assert {cell: status for cell, (status, _crane) in _state(loads).items()} == {
        "050102": "planned", "050104": "planned",
    }  # fmt: skip

    discharge = discharges["050102"]
    discharge.refresh_from_db()
    yard_services.move_complete(
        move_id=discharge.pk, container=discharge.visit.container.number, position=yard_selectors.move_to(discharge),
        actor=operator,
    )  # fmt: skip
    assert yard_services.moves_dispatch() == 1  # the cell is free: its load goes, the one above still waits
    assert _state(loads)["050102"][0] == "dispatched" and _state(loads)["050104"][0] == "planned"
    _load_done(alongside, loads["050102"], operator)
    assert yard_services.moves_dispatch() == 1
    assert _state(loads)["050104"][0] == "dispatched"


def test_a_load_over_a_box_still_to_restow_or_discharge_waits_even_on_deck(alongside, operator, put):
    loads = _loads(alongside, operator, put, {"A-01-01-1": "070182"})  # on the hatch cover over bay 07, row 01
    moves = _discharge(alongside, operator, [box(1, "070102"), box(2, "070104", pod="AZBAK")])
    assert yard_services.moves_dispatch() == 1
    assert _state(moves)["070104"][0] == "dispatched" and _state(loads)["070182"][0] == "planned"

    restow = moves["070104"]
    yard_services.move_start(move_id=restow.pk, actor=operator)
    assert yard_services.moves_dispatch() == 1  # the discharge under the lifted box; the deck load still waits
    assert _state(loads)["070182"][0] == "planned"

    discharge = moves["070102"]
    discharge.refresh_from_db()
    yard_services.move_complete(
        move_id=discharge.pk, container=discharge.visit.container.number, position=yard_selectors.move_to(discharge),
        actor=operator,
    )  # fmt: skip
    assert yard_services.moves_dispatch() == 0  # the restowed box is still to be put back
    back = yard_selectors.carrier_label(alongside.carrier, "070202")  # nothing under its old cell now: a deviation
    yard_services.move_complete(move_id=restow.pk, container=restow.visit.container.number, position=back,
                                actor=operator)  # fmt: skip
    assert yard_services.moves_dispatch() == 1
    assert _state(loads)["070182"][0] == "dispatched"


def test_nothing_goes_on_deck_over_a_hold_still_loading(alongside, operator, put):
    loads = _loads(alongside, operator, put, {"A-01-01-1": "010202", "A-02-01-1": "010182", "A-03-01-1": "050182"})
    assert yard_services.moves_dispatch() == 2  # the hold of bay 01 and the deck of bay 05, whose hold has no loads
    assert _state(loads)["010182"][0] == "planned"
    _load_done(alongside, loads["010202"], operator)
    assert yard_services.moves_dispatch() == 1  # bay 01's hold is done: its hatch cover can close
    assert _state(loads)["010182"][0] == "dispatched"


def test_no_crane_gets_the_moves_of_a_ship_not_yet_alongside(port, operator, window):
    eta, etd = window
    vessel = services.vessel_register(name="Aktau", imo="9074729", actor=operator)
    call = services.call_create(vessel=vessel, voyage_in="0001E", berth="CB1", eta=eta, etd=etd, actor=operator)
    moves = _discharge(call, operator, [box(1, "010102"), box(2, "030102")])
    assert yard_services.moves_dispatch() == 0
    services.call_arrive(call_id=call.pk, actor=operator)
    assert yard_services.moves_dispatch() == 2
    assert {crane for _status, crane in _state(moves).values()} <= {"MHC-1", "MHC-2"}
