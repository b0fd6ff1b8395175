from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class InvalidContainerNumber(DomainError):
    code, status, title = "invalid_container_number", 400, _("Invalid container number")
    detail_template = _("{number!r} is not a valid ISO 6346 container number: {reason}.")


class ContainerNotFound(DomainError):
    code, status, title = "container_not_found", 404, _("Container not found")
    detail_template = _("No container {number} is known to the terminal.")


class ContainerExists(DomainError):
    code, title = "container_exists", _("Container already registered")
    detail_template = _("Container {number} is already registered.")


class UnknownIsoType(DomainError):
    code, status, title = "invalid_iso_type", 400, _("Unknown ISO size/type code")
    detail_template = _("{code!r} is not a known ISO 6346 size/type code.")


class InvalidContainerMass(DomainError):
    code, status, title = "invalid_container_mass", 400, _("Invalid container mass")
    detail_template = _("Tare {tare_kg} kg must be less than maximum gross mass {max_gross_kg} kg.")


class PositionInvalid(DomainError):
    """No such slot, or a stacking rule says no (support, tier limit, 20' on 40', reefer power, DG area)."""

    code, title = "position_invalid", _("Position not allowed")
    # Translators: {reason} is a refusal from the stacking rules, already translated.
    detail_template = _("{position}: {reason}.")


class PositionOccupied(DomainError):
    code, title = "position_occupied", _("Position occupied")
    detail_template = _("{position} already holds {occupant}.")


class ContainerNotOnTop(DomainError):
    code, title = "container_not_on_top", _("Container is buried")
    detail_template = _("{container} at {position} has {above} on top of it; move that first.")


class ContainerMismatch(DomainError):
    code, title = "container_mismatch", _("Wrong container")
    detail_template = _("Move {move} is for {expected}, but {scanned} was scanned.")


class ContainerOnHold(DomainError):
    code, title = "container_on_hold", _("Container on hold")
    # Translators: {hold} is a reference (H-000042), {kind} the hold's kind as typed, {move_kind} a move kind code
    # (load, delivery, ...).
    detail_template = _("{container} is held by {authority} ({hold}: {kind}); the hold blocks {move_kind} moves.")


class ContainerNotInTerminal(DomainError):
    code, title = "container_not_in_terminal", _("Container not in the terminal")
    detail_template = _("{container} has no open visit at the terminal.")


class ContainerAlreadyInTerminal(DomainError):
    code, title = "container_already_in_terminal", _("Container already in the terminal")
    detail_template = _("{container} already has an open visit ({state}).")


class MoveNotOpen(DomainError):
    code, title = "move_not_open", _("Move not open")
    # Translators: {status} is a status code: done, cancelled or failed.
    detail_template = _("Move {move} is {status}.")


class MoveAlreadyOpen(DomainError):
    code, title = "move_already_open", _("Container already has an open move")
    # Translators: {kind} and {status} are codes (load, planned, ...).
    detail_template = _("{container} already has open move {move} ({kind}, {status}); finish or cancel it first.")


class HoldNotActive(DomainError):
    code, title = "hold_not_active", _("Hold not active")
    detail_template = _("Hold {hold} was already released.")


class MoveNotAwaitingSlot(DomainError):
    code, title = "move_not_awaiting_slot", _("Move not awaiting a slot")
    detail_template = _(
        "Move {move} is not waiting for a slot: only a move that waits may be sent to the overflow area."
    )


class MoveRedirected(DomainError):
    """The planned place no longer takes the box (a rule changed meanwhile): the move now goes elsewhere. The new
    target is kept (the answer is the driver's next instruction), so a retry gets this same answer."""

    code, title = "move_redirected", _("Put it down elsewhere")
    detail_template = _("{position} no longer takes {container}: {reason}. The move now goes to {target}.")
    keeps_changes = True


class OverflowNotForInspection(DomainError):
    code, title = "overflow_not_for_inspection", _("Not for the overflow area")
    detail_template = _("Move {move} takes its box to customs inspection: only the inspection area will do.")


class NoSlotAvailable(DomainError):
    code, title = "no_slot_available", _("No slot available")
    detail_template = _("No legal slot for {container} in {area}.")


class EquipmentNotFound(DomainError):
    code, status, title = "equipment_not_found", 404, _("Equipment not found")
    detail_template = _("No equipment {code}.")


class PlacementRefused(DomainError):
    """A placement rule said no; the code is the rule's (position_invalid, position_occupied, segregation_conflict)."""

    title = _("Placement refused")
    detail_template = _("{position}: {reason}.")

    def __init__(self, *, code: str, position: str, reason: str) -> None:
        self.code = code
        super().__init__(position=position, reason=reason)


class MoveNotFound(DomainError):
    code, status, title = "move_not_found", 404, _("Move not found")
    detail_template = _("No move {move}.")


class HoldNotFound(DomainError):
    code, status, title = "hold_not_found", 404, _("Hold not found")
    detail_template = _("No hold {hold}.")


class InvalidMoveKinds(DomainError):
    code, status, title = "invalid_move_kinds", 400, _("Unknown move kinds")
    detail_template = _("Unknown move kinds {kinds}; use {allowed}.")


class HoldNotYours(DomainError):
    code, status, title = "permission_denied", 403, _("Not your hold")
    detail_template = _("Only officers of this authority ({authority}) place or release its holds.")


class CarrierVisitNotFound(DomainError):
    code, status, title = "carrier_visit_not_found", 404, _("Carrier visit not found")
    detail_template = _("No carrier visit {carrier}.")


class CarrierVisitStatusInvalid(DomainError):
    code, title = "carrier_visit_status_invalid", _("Not possible in this carrier visit's status")
    detail_template = _("{carrier} is {status}. {rule}")


class CarrierVisitInUse(DomainError):
    code, title = "carrier_visit_in_use", _("Carrier visit in use")
    detail_template = _(
        "{carrier} cannot be cancelled: {count} container stay(s) arrive or leave by it; rebook them first."
    )


class ReasonRequired(DomainError):
    code, status, title = "reason_required", 400, _("Reason required")
    detail_template = _("Say why: a reason is required.")


class PositionReserved(DomainError):
    """Another open move is bound for the place (its reservation committed first); allocation then looks again."""

    code, title = "position_reserved", _("Position reserved")
    detail_template = _("{position} is reserved for another move ({move}); choose another place.")


class MachineNotServing(DomainError):
    """A move given to a machine that does not work where the move is (another block, a tier too high, not one of
    the cranes at the vessel's berth): the move stays with the machine it had."""

    code, title = "machine_not_serving", _("Machine does not serve this move")
    detail_template = _("{machine} cannot do move {move}: {reason}.")


class MachineInactive(DomainError):
    code, title = "machine_inactive", _("Machine out of service")
    detail_template = _("{machine} is out of service: it takes no moves.")


class MoveAwaitingSlot(DomainError):
    code, title = "move_awaiting_slot", _("Move has no place yet")
    detail_template = _(
        "Move {move} is waiting for a place (its area is full): send it to the overflow area or wait, then give it "
        "to a machine."
    )


class MoveNotReady(DomainError):
    """Dispatch would pass the move over this round (e.g. a load whose cells below on the ship are not filled yet):
    no machine may be given it before then, by hand either."""

    code, title = "move_not_ready", _("Move not ready for a machine")
    detail_template = _("Move {move} must wait: work before it at {carrier} is not done yet.")
