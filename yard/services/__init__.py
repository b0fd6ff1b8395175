"""Writes of the yard app. Views, admin actions and tasks call these; they never write yard rows themselves."""

from yard.allocation import allocation_batch
from yard.services.carriers import carrier_visit_arrive, carrier_visit_cancel, carrier_visit_depart, carrier_visit_open
from yard.services.containers import container_register
from yard.services.dispatch import move_reassign, moves_dispatch
from yard.services.gate import gate_in
from yard.services.holds import hold_place, hold_release, holds_place
from yard.services.housekeeping import housekeeping_plan
from yard.services.moves import (
    awaiting_slots_allocate,
    move_cancel,
    move_complete,
    move_create_adhoc,
    move_place_set,
    move_plan,
    move_plan_to_yard,
    move_send_to_overflow,
    move_start,
    moves_plan_to_yard,
)
from yard.services.visits import (
    Arrival,
    visit_book_outbound,
    visit_dangerous_goods_set,
    visit_open,
    visit_seals_set,
    visit_unbook_outbound,
    visits_open,
)

__all__ = [
    "Arrival",
    "allocation_batch",
    "awaiting_slots_allocate",
    "carrier_visit_arrive",
    "carrier_visit_cancel",
    "carrier_visit_depart",
    "carrier_visit_open",
    "container_register",
    "gate_in",
    "hold_place",
    "hold_release",
    "holds_place",
    "housekeeping_plan",
    "move_cancel",
    "move_complete",
    "move_create_adhoc",
    "move_place_set",
    "move_plan",
    "move_plan_to_yard",
    "move_reassign",
    "move_send_to_overflow",
    "move_start",
    "moves_dispatch",
    "moves_plan_to_yard",
    "visit_book_outbound",
    "visit_dangerous_goods_set",
    "visit_open",
    "visit_seals_set",
    "visit_unbook_outbound",
    "visits_open",
]
