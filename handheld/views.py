"""The handheld client: one static page whose scripts work through the scanner API (/api/v1/).

The page holds no data and needs no log-in: the API authenticates every call with the device token.
"""

import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.gzip import gzip_page
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
        "no_role": _("The handheld has screens for drivers and yard clerks; your roles: {roles}."),
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
        "start": _("start"),
        "started": _("started"),
        "started_move": _("Started: {container}."),
        "cancel": _("cancel"),
        "fail": _("fail"),
        "reason_required": _("Say why: type the reason first."),
        "cancelled_move": _("Cancelled: {container}. The yard office sees why."),
        "failed_move": _("Reported as failed: {container}. The yard office sees why."),
        "queued": _("No connection: {label} is kept on this device and sent when the network returns."),
        "refused_waiting": _("A scan sent after the outage was refused: {label}. Fix it in the list below."),
        "status_queued": _("waiting to send"),
        "status_sent": _("sent"),
        "status_refused": _("refused: fix it"),
        "fix": _("Fix"),
        "dismiss": _("Dismiss"),
        "outbox_summary": _("Waiting to send: {queued}. Refused: {refused}."),
        "queued_count": _("{count} to send"),
        "offline_short": _("Offline"),
        "token_expired_kept": _("Your log-in has expired. Log in again: the scans on this device are kept and sent."),
        "logout_waiting": _("{count} scans are not sent yet. They are sent after the next log-in. Log out anyway?"),
        "looking_up": _("Looking up…"),
        "container_not_found": _("The terminal does not know {number}."),
        "container": _("Container"),
        "iso_type": _("Type"),
        "status": _("Status"),
        "position": _("Position"),
        "category": _("Category"),
        "arrived": _("Arrived by"),
        "leaves": _("Leaves by"),
        "dangerous_goods": _("Dangerous goods"),
        "container_status_expected": _("expected (not yet put down)"),
        "container_status_in_yard": _("in the yard"),
        "container_status_not_in_terminal": _("not in the terminal"),
        "kind_discharge": _("Discharge"),
        "kind_receive": _("Receive"),
        "kind_load": _("Load"),
        "kind_delivery": pgettext("move kind", "Delivery"),
        "kind_inspection": _("Inspection"),
        "kind_dg": _("Dangerous goods"),
        "kind_housekeeping": _("Housekeeping"),
        "kind_shift": _("Shift"),
        "kind_restow": _("Restow"),
        # The clerk's screens: what is checked on the device before anything is sent.
        "container_number_form": _(
            "{number} is not a container number: 4 letters (the 4th U, J or Z) and 7 digits, e.g. CSQU 305438 3."
        ),
        "container_check_digit": _("{number}: the last digit should be {digit}. Scan again, or read the box."),
        "reading": _("Reading…"),
        "list_offline": _("No connection: the list cannot be read now. Try again when the network returns."),
        # Gate-in
        "truck_required": _("Type the truck's plate number."),
        "iso_type_required": _("Type the size/type code from the box, e.g. 22G1 or 45G1."),
        "gross_invalid": _("The gross weight is in kg, from 1000 to 50000."),
        "dg_line": _("Dangerous goods line {line}"),
        "dg_un_invalid": _("Dangerous goods line {line}: the UN number has 4 digits, e.g. 1203."),
        "dg_class_invalid": _("Dangerous goods line {line}: give the class or division, e.g. 3 or 5.1."),
        "dg_mass_invalid": _("Dangerous goods line {line}: the net mass is in kg, above 0."),
        "dg_ems_invalid": _("Dangerous goods line {line}: EmS is written like F-E,S-D."),
        "gate_label": _("Gate-in {container} · {truck}"),
        "gated_in": _("{container} is in: the truck drives to {position}."),
        "gate_no_place": _("{container} is in, but has no place yet: the truck waits; call the operator."),
        "gate_waiting": _("Kept on this device: the place is shown here once it is sent."),
        "container_already_in_terminal": _(
            "{container} is already in the terminal. Do not let it in again: call the yard office."
        ),
        "no_slot_available": _("There is no free place for {container} now. Let the truck wait and call the operator."),
        "dg_not_admitted": _("The port does not store these dangerous goods: {detail} Do not let the box in."),
        "dg_line_invalid": _("A dangerous goods line does not match the UN list: {detail} Check the papers."),
        "invalid_iso_type": _("The type {iso_type} is not known: read the size/type code on the box again."),
        "invalid_container_number": _("Check the container number: {detail}"),
        "fields_invalid": _("The system refused a field of this form: check the weight, the seal and the DG lines."),
        "field_refused": _("{field}: {message}"),
        # Train check-in
        "no_trains": _("No inbound train on the lines now."),
        "train_required": _("Scan or type the train number."),
        "train_unknown": _("There is no inbound train {train} on the lines now."),
        "train_choice": _("{train} · line {line} · {wagons} wagons"),
        "wagon_of": _("Wagon {index} of {count} · {number}"),
        "wagon_empty": _("No containers are listed on this wagon."),
        "box_pending": _("to check"),
        "box_ok": _("checked in"),
        "box_seal_differs": _("seal differs: read {scanned}, listed {declared}"),
        "box_damage": _("damage: {note}"),
        "box_waiting": _("waiting to send"),
        "box_refused": _("refused: fix it in the list below"),
        "scan_seal": _("Scan the seal on the door."),
        "damage_note_required": _("Say what the damage is: type a note."),
        "checkin_label": _("Check-in {container} · {train}"),
        "checked_in": _("{container} is checked in; the seal is as listed."),
        "checked_in_seal_differs": _(
            "{container} is checked in: the seal differs (read {scanned}, listed {declared}). The operator sees it."
        ),
        "container_not_on_train": _("{container} is not on train {train}. Check the number on the box."),
        "wagon_done": _("Wagon {position} is done. Go to the next wagon."),
        "train_done": _("Every container of train {train} is checked."),
        "train_not_found": _("This train is no longer on the lines. Choose it again."),
        # Vessel tally
        "no_calls": _("No vessel alongside now."),
        "call_choice": _("{vessel} · berth {berth}"),
        "tally_progress": _("Discharge: {discharged} of {discharge} done · Load: {loaded} of {load} done"),
        "tally_nothing": _("No discharge or load is left to confirm for this call."),
        "tally_not_in_call": _("{container} is not to be discharged or loaded at this call (or it is done)."),
        "scan_cell": _("Scan the cell where the box stands on board: 6 digits, e.g. 020282."),
        "cell_invalid": _("A cell is 6 digits (bay, row, tier), e.g. 020282."),
        "planned": _("planned: {place}"),
        "cell": _("Cell"),
        "tally_label": _("{kind} {container}"),
        "discharge_confirmed": _("Discharge confirmed: {container} to {position}."),
        "load_confirmed": _("Confirmed on board: {container} in cell {cell}."),
        "tally_no_place": _("{container} has no yard place yet: call the operator."),
        "tally_redirected": _("The yard place changed to {target}. Scan the container again to confirm."),
        "vessel_not_alongside": _("The vessel is not alongside in the system yet: call the operator."),
        "cell_refused": _("The ship does not take the box there: {detail} Scan the cell where it really stands."),
        "tally_seal": _("Scan the seal on the door (or confirm without one if the box has none)."),
        "tally_seal_differs": _("{what}: the seal differs (read {scanned}, listed {declared}). The operator sees it."),
        "cell_mismatch": _("{detail} Check the cell on board and scan it again."),
        "tally_move_closed": _("{container}'s move was cancelled: call the operator."),
    }


# The page carries its texts (about 40 KB) and no secret (no CSRF token, no user data), so compressing it
# cannot leak anything through its length (BREACH) and halves what a scanner downloads on a cold start.
@gzip_page
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "handheld/index.html", {"texts": _texts()})


def _static_folder() -> Path:
    return Path(apps.get_app_config("handheld").path) / "static" / "handheld"


def _shell() -> list[str]:
    """What the app needs to open without network: its page and every static file of its own."""
    folder = _static_folder()
    files = sorted(f"handheld/{path.name}" for path in folder.iterdir() if path.is_file())
    return [reverse("handheld:index"), *(static(name) for name in [*files, "aktau_tos/favicon.svg"])]


@require_safe
def worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /hh/ so that it may answer for the app's page.

    Its text names the files it keeps, with a version from their contents: a new release is a new worker, which
    replaces the files kept on the device.
    """
    shell = _shell()
    folder = _static_folder()
    digest = hashlib.sha256("\n".join(shell).encode())
    for path in sorted(folder.iterdir()):
        digest.update(path.read_bytes())
    script = render_to_string("handheld/worker.js", {"shell": json.dumps(shell), "version": digest.hexdigest()[:12]})
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser asks each time whether there is a new release
    return response
