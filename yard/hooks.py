"""The one place where other apps plug into the yard, so that `yard` calls them without importing them.

Each app registers its functions from its AppConfig.ready(); the yard calls them, in registration order
(the order of INSTALLED_APPS), inside the transaction of the service that asks. A hook that raises a
DomainError refuses the whole operation; nothing is partly done.

- `placement_rules`: `rule(box, block, slots, tier, snapshot) -> Verdict`, asked for every placement
  (allocation, a clerk's move, a completion). Refuse with `Verdict.refuse(...)`, or allow at a cost.
  A rule judges by the box's length, reefer and dangerous goods and by what stands in the placement's own
  block, nothing else: a list's allocation reuses a block's verdicts until a box is placed in it.
  Dangerous goods register segregation.
- `arrival_goods_checks`: `check(lines) -> lines`, run on the dangerous-goods lines declared for a box
  before its stay opens (and on a train list before anything is saved). Return the lines completed (e.g.
  subsidiary risks from the UN list), or raise a DomainError (unknown UN number, a class not admitted).
- `visits_opened`: `reaction(*, visits, actor)`, after containers' stays opened (one box at the gate, a train's
  list at once). Customs places its holds on arrival; dangerous goods record the declarations.
- `goods_declared`: `reaction(*, visit, actor)`, after the dangerous goods of a stay opened earlier were declared
  anew when its box arrived (a box announced by its line, declared at the gate). Dangerous goods record them as
  the stay's declaration, as for a stay that opens on arrival.
- `move_completed`: `reaction(*, move, actor)`, after a move is done. Rail notes the box off its wagon;
  customs notes the box at the inspection area.
- `carrier_departed`: `reaction(*, carrier, actor)`, after a carrier visit is marked departed (once: a repeated
  departure announces nothing). EDI records the departure of each box that left with it, and reports a vessel
  call's work and its departure bay plan to the line.
- `inspection_recorded`: `reaction(*, visit, result, actor)`, when customs records an inspection's result.
  Customs announces it (the yard itself has no inspections); EDI records the milestone for the box's partners.
- `load_plan_checks`: `check(*, mode, units) -> [warning, ...]`, on an outbound carrier's load plan:
  units (wagons) in order, each `{"position", "unit", "containers": [{"container", "dangerous_goods"}]}`.
  Warnings are passed on to the carrier (the railway's DG cover rules); they refuse nothing.
- `carrier_place_checks`: `check(*, move, place) -> place`, when a move is confirmed onto a place on its
  carrier (a vessel's stowage cell). The carrier's owner returns the place written its way, or refuses
  (cell taken, not on this ship, not supported). It runs under the owner's lock, so one place, one box.
- `dispatch_waits`: `waiting(moves) -> {move id, ...}`, the planned moves that must not be dispatched yet
  (a load into a cell whose cells below are not filled). Dispatch passes over them this round.
- `dispatch_machines`: `machines(move, machines) -> [machine, ...] or None`, the machines that do a move at
  a carrier (a vessel's harbour cranes); None leaves the move to the yard's own choice.
- `goods_segregation`: `level(classes_a, classes_b) -> str`, the IMDG segregation code (table 7.2.4) two
  boxes' dangerous goods require of each other: "X" none, "1".."4", "*" (class 1 compatibility).
  Dangerous goods answer; vessels ask, for stowage on board.
- `capacity_arrivals`: `arrivals(*, now) -> [yard.capacity.Unit, ...]`, boxes announced to arrive that the yard
  has no stay for yet (a railway's accepted train pre-advice). The capacity forecast counts them as announced.

Reactions carry the main flow of the terminal, so they are explicit here rather than Django signals.
"""

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

Function = TypeVar("Function", bound=Callable)


class Hook(Generic[Function]):
    """An ordered list of registered functions; registering the same one twice keeps one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._functions: list[Function] = []

    def register(self, function: Function) -> Function:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[Function]:
        return iter(list(self._functions))

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {[function.__qualname__ for function in self._functions]}>"


placement_rules: Hook = Hook("placement_rules")
arrival_goods_checks: Hook = Hook("arrival_goods_checks")
visits_opened: Hook = Hook("visits_opened")
goods_declared: Hook = Hook("goods_declared")
move_completed: Hook = Hook("move_completed")
carrier_departed: Hook = Hook("carrier_departed")
inspection_recorded: Hook = Hook("inspection_recorded")
load_plan_checks: Hook = Hook("load_plan_checks")
carrier_place_checks: Hook = Hook("carrier_place_checks")
dispatch_waits: Hook = Hook("dispatch_waits")
dispatch_machines: Hook = Hook("dispatch_machines")
goods_segregation: Hook = Hook("goods_segregation")
capacity_arrivals: Hook = Hook("capacity_arrivals")


def arrival_goods_checked(lines: list[dict]) -> list[dict]:
    """The declared dangerous-goods lines after every registered check (which may refuse them)."""
    for check in arrival_goods_checks:
        lines = check(lines)
    return lines


def visits_opened_announce(*, visits, actor) -> None:
    for reaction in visits_opened:
        reaction(visits=visits, actor=actor)


def goods_declared_announce(*, visit, actor) -> None:
    for reaction in goods_declared:
        reaction(visit=visit, actor=actor)


def move_completed_announce(*, move, actor) -> None:
    for reaction in move_completed:
        reaction(move=move, actor=actor)


def carrier_departed_announce(*, carrier, actor) -> None:
    for reaction in carrier_departed:
        reaction(carrier=carrier, actor=actor)


def inspection_recorded_announce(*, visit, result: str, actor) -> None:
    for reaction in inspection_recorded:
        reaction(visit=visit, result=result, actor=actor)


def load_plan_warnings(*, mode: str, units: list[dict]) -> list[str]:
    return [warning for check in load_plan_checks for warning in check(mode=mode, units=units)]


def carrier_place_checked(*, move, place: str) -> str:
    for check in carrier_place_checks:
        place = check(move=move, place=place)
    return place


def dispatch_waiting(moves: list) -> set[int]:
    return {move_id for waiting in dispatch_waits for move_id in waiting(moves)}


def dispatch_machines_for(move, machines: list):
    """The machines a registered owner names for this move, or None when no owner claims it."""
    for choose in dispatch_machines:
        chosen = choose(move, machines)
        if chosen is not None:
            return chosen
    return None


def goods_segregation_level(classes_a: tuple[str, ...], classes_b: tuple[str, ...]) -> str:
    """The strictest code any registered rule asks for ("X": none, also when no rule is registered)."""
    levels = [level(classes_a, classes_b) for level in goods_segregation]
    order = ["X", "1", "2", "3", "4", "*"]
    return max(levels, key=order.index, default="X")
