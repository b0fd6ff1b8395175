"""The handheld client: one static page whose scripts work through the scanner API (/api/v1/).

The page holds no data and needs no log-in: the API authenticates every call with the device token.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


def _texts() -> dict[str, str]:
    """What the scripts say, translated here (the scripts hold no wording of their own)."""
    return {
        "signing_in": _("Logging in…"),
        "logged_out": _("You are logged out."),
        "token_expired": _("Your log-in has expired. Log in again."),
        "token_revoked": _("Your log-in was ended (logged out, or the device was withdrawn). Log in again."),
        "authentication_failed": _("Your log-in is no longer valid. Log in again."),
        "not_authenticated": _("Please log in."),
        "invalid_credentials": _("Wrong user name or password."),
        "login_locked": _("Too many failed log-ins. Wait, then try again."),
        "throttled": _("Too many log-in attempts. Wait a minute, then try again."),
        "fields_required": _("Fill in user name and password."),
        "no_role": _("This handheld has screens for drivers only so far; your roles: {roles}."),
        "permission_denied": _("Your role may not do this."),
        "machine_required": _("Scan or type the machine's code."),
        "equipment_not_found": _("There is no machine {machine}. Check the code on the machine."),
        "checking_machine": _("Checking the machine…"),
        "offline": _("No connection. Check the network and try again."),
        "server_error": _("The system had a fault. Try again; if it persists, call the yard office."),
        "queue_empty": _("No work for {machine} now. New moves come every few seconds."),
        "queue_count": _("{count} more after this one"),
        "sending": _("Sending…"),
        "scan_container": _("Scan the container."),
        "scan_position": _("Scan the position where you put it down."),
        "container_mismatch": _("This is not the container of this move."),
        "container_mismatch_scanned": _(
            "This is not the container of this move: you scanned {scanned}, the move is for {expected}."
        ),
        "position_occupied": _(
            "This place is taken: {detail} Put the box down in another free place and scan that position, "
            "or call the yard office."
        ),
        "move_redirected": _("Go to the new place: {target}. The old place no longer takes this box."),
        "move_not_open": _("This move was cancelled or already done. The queue is refreshed."),
        "container_on_hold": _("Leave this box where it is: {detail}"),
        "container_not_on_top": _("Another box stands on it: move that one first. {detail}"),
        "done": _("Done: {container} at {position}."),
        "kind_discharge": _("Discharge"),
        "kind_receive": _("Receive"),
        "kind_load": _("Load"),
        "kind_delivery": _("Delivery"),
        "kind_inspection": _("Inspection"),
        "kind_dg": _("Dangerous goods"),
        "kind_housekeeping": _("Housekeeping"),
        "kind_shift": _("Shift"),
    }


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "handheld/index.html", {"texts": _texts()})
