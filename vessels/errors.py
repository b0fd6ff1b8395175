from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class InvalidImoNumber(DomainError):
    code, status, title = "invalid_imo_number", 400, _("Invalid IMO number")
    detail_template = _("{imo} is not an IMO number: {reason}.")


class BerthOccupied(DomainError):
    code, title = "berth_occupied", _("Berth occupied")
    detail_template = _("Berth {berth} is taken by {other} from {start} to {end}.")


class BerthNotFound(DomainError):
    code, status, title = "berth_not_found", 400, _("Unknown berth")
    detail_template = _("There is no berth {berth}.")


class VesselCallNotFound(DomainError):
    code, status, title = "vessel_call_not_found", 404, _("Vessel call not found")
    detail_template = _("No vessel call {call}.")


class VesselCallStatusInvalid(DomainError):
    code, title = "vessel_call_status_invalid", _("Not possible in this status")
    detail_template = _("Call {call} is {status}: {rule}")


class VesselWorkOpen(DomainError):
    code, title = "vessel_work_open", _("Work still open")
    detail_template = _("Call {call} still has {count} open discharge, restow or load move(s); finish or cancel them.")


class WindowInvalid(DomainError):
    code, status, title = "window_invalid", 400, _("Invalid times")
    detail_template = _("{reason}")


class CellRefused(DomainError):
    """A box confirmed into a cell the ship cannot take it in; the code names the rule."""

    title = _("Stowage cell refused")
    detail_template = _("{cell}: {reason}.")

    def __init__(self, *, code: str, cell: str, reason: str) -> None:
        self.code = code
        super().__init__(cell=cell, reason=reason)


class ListEmpty(DomainError):
    code, status, title = "list_empty", 400, _("Nothing to apply")
    detail_template = _("The list holds no containers.")


class StowageProfileMissing(DomainError):
    code, title = "stowage_profile_missing", _("No stowage profile")
    detail_template = _("{vessel} has no stowage profile and there is no default profile; add one in the admin.")


class CallNotOpenForWork(DomainError):
    code, title = "vessel_call_closed", _("Call closed")
    detail_template = _("Call {call} is {status}: its lists can no longer change.")


class PlanOutdated(DomainError):
    code, title = "plan_outdated", _("Plan outdated")
    detail_template = _("The bookings or the ship of call {call} changed while the plan was computed; plan again.")
    retry_after_seconds = 1


class BookingNotFound(DomainError):
    code, status, title = "booking_not_found", 404, _("Booking not found")
    detail_template = _("{container} has no live booking onto a vessel's outbound voyage.")


class VgmInvalid(DomainError):
    code, status, title = "invalid_vgm", 400, _("Invalid verified gross mass")
    detail_template = _("The verified gross mass must be 1,000 to 60,000 kg, not {vgm_kg}.")


class ContainerNotInCall(DomainError):
    code, status, title = "container_not_in_call", 404, _("Container not worked at this call")
    detail_template = _("{container} has no discharge, restow or load move at {call}.")


class CellRequired(DomainError):
    code, status, title = "cell_required", 400, _("Cell required")
    detail_template = _("Scan the cell {container} stands in on board: bay, row and tier, e.g. 020282.")


class CellMismatch(DomainError):
    code, title = "cell_mismatch", _("Another cell")
    detail_template = _("{container} was confirmed in cell {confirmed}, not {scanned}.")


class TallyMoveClosed(DomainError):
    code, title = "tally_move_closed", _("Move not done")
    detail_template = _("The {kind} move of {container} was {status}: there is nothing to tally.")
