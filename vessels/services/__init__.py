"""Writes of the vessels app. The API, the admin, EDI, the demo and the simulator call these."""

from vessels.services.calls import call_arrive, call_cancel, call_create, call_depart, vessel_register
from vessels.services.capacity import call_capacity_check, calls_capacity_check
from vessels.services.lists import booking_vgm_set, discharge_list_apply, load_list_apply
from vessels.services.planning import stowage_plan_build
from vessels.services.tally import tally_record

__all__ = [
    "booking_vgm_set",
    "call_arrive",
    "call_cancel",
    "call_capacity_check",
    "call_create",
    "call_depart",
    "calls_capacity_check",
    "discharge_list_apply",
    "load_list_apply",
    "stowage_plan_build",
    "tally_record",
    "vessel_register",
]
