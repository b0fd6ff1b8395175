"""Inbound messages, by type: each turns its segments into rows for another app's service and reports back.

A handler answers an `Outcome` (problems per container segment, effects, the subject) or raises MessageRefused
when the message as a whole cannot be applied (its call unknown, meant for another port). Containers that
cannot be taken are problems with their segment and code; the rest of the message applies (the services apply
row by row, and each box here is applied in a savepoint of its own: nothing half-saved).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aktau_tos.audit import audited
from aktau_tos.errors import DomainError
from dangerous_goods import services as dg_services
from edi.edifact import ReadMessage, Segment
from edi.errors import MessageRefused
from edi.models import Announcement, Partner, TruckNotice
from vessels import selectors as vessel_selectors
from vessels import services as vessel_services
from yard import hooks as yard_hooks
from yard import services as yard_services
from yard.identity import container_number_normalise
from yard.models import CarrierVisit, ContainerVisit


@dataclass
class Outcome:
    problems: list[dict] = field(default_factory=list)
    effects: dict = field(default_factory=dict)
    subject: str = ""


Handler = Callable[..., Outcome]
HANDLERS: dict[str, Handler] = {}


def handles(message_type: str):
    def register(function: Handler) -> Handler:
        HANDLERS[message_type] = function
        return function

    return register


def groups(segments: list[Segment], starts: Callable[[Segment], bool]) -> list[list[Segment]]:
    """The segment groups that begin where `starts` says (a LOC+147 in a bay plan, an EQD in a COPRAR)."""
    found: list[list[Segment]] = []
    for segment in segments:
        if starts(segment):
            found.append([segment])
        elif found and segment.tag not in ("CNT", "UNT"):
            found[-1].append(segment)
    return found


def first(group: list[Segment], tag: str, qualifier: str | None = None) -> Segment | None:
    return next((s for s in group if s.tag == tag and (qualifier is None or s.get(0) == qualifier)), None)


def _kg(segment: Segment | None) -> int | None:
    """MEA+WT++KGM:3833 or MEA+AAE+VGM+KGM:11495.14 -> kilograms (whole)."""
    if segment is None:
        return None
    measure = segment.elements[2] if len(segment.elements) > 2 else ""
    unit, value = (measure[0], measure[1]) if isinstance(measure, list) and len(measure) > 1 else ("KGM", "")
    try:
        kg = Decimal(value.replace(",", "."))
    except InvalidOperation:
        return None
    return int(kg * 1000 if unit.upper() == "TNE" else kg)


def _vessel(segments: list[Segment]) -> tuple[str, list[str], Segment]:
    """TDT+20: the voyage and the vessel as named there (call sign, IMO number, name)."""
    tdt = first(segments, "TDT", "20")
    if tdt is None:
        raise MessageRefused(code="vessel_call_unknown", detail=_("no TDT+20 (the vessel and voyage)"))
    ids = [tdt.get(7, 0), tdt.get(7, 3)]
    return tdt.get(1), ids, tdt


def _call(segments: list[Segment], *, outbound: bool):
    voyage, ids, tdt = _vessel(segments)
    call = vessel_selectors.call_find(voyage=voyage, vessel_ids=ids, outbound=outbound)
    if call is None:
        raise MessageRefused(
            code="vessel_call_unknown",
            detail=_("no live call of %(vessel)s with %(direction)s voyage %(voyage)s")
            % {
                "vessel": " / ".join(i for i in ids if i),
                "direction": _("outbound") if outbound else _("inbound"),
                "voyage": voyage,
            },
            segment=str(tdt),
        )
    return call


def _box(group: list[Segment], equipment: Segment) -> dict:
    """One container of a bay plan or a COPRAR as the vessels services take it."""
    iso = equipment.get(2, 0)
    dgs = [s for s in group if s.tag == "DGS"]
    tmp = first(group, "TMP")
    temperature = tmp.get(1, 0) if tmp else None
    stowage = first(group, "LOC", "147")
    return {
        "number": equipment.get(1, 0),
        "iso_type": iso,
        "gross_kg": _kg(first(group, "MEA", "WT") or first(group, "MEA", "VGM") or first(group, "MEA", "AAE")),
        "freight_kind": "empty" if equipment.get(5, 0) == "4" else "full",
        "stowage": stowage.get(1, 0) if stowage else "",
        "pol": (first(group, "LOC", "9") or Segment("LOC", [])).get(1, 0),
        "pod": (first(group, "LOC", "11") or Segment("LOC", [])).get(1, 0),
        "seal": (first(group, "SEL") or Segment("SEL", [])).get(0, 0),
        "line": (first(group, "NAD", "CA") or Segment("NAD", [])).get(1, 0),
        "temperature_c": temperature or None,
        "dangerous_goods": [{"un_number": s.get(2, 0), "class": s.get(1, 0)} for s in dgs if s.get(2, 0)],
    }


def _header(segments: list[Segment]) -> list[Segment]:
    """The segments before the first container (EQD): what the message says of all its boxes."""
    end = next((index for index, segment in enumerate(segments) if segment.tag == "EQD"), len(segments))
    return segments[:end]


def _here(segments: list[Segment], qualifier: str, what: str) -> None:
    """Refuses a message whose port (of loading, the next port of call, the place of receipt) is another port's:
    its boxes are not ours to book or take."""
    location = first(segments, "LOC", qualifier)
    port = location.get(1, 0).strip().upper() if location else ""
    if port and port != settings.TERMINAL_LOCODE:
        raise MessageRefused(
            code="message_for_another_port",
            detail=_("%(what)s is %(port)s, not this port (%(here)s)")
            % {"what": what, "port": port, "here": settings.TERMINAL_LOCODE},
            segment=str(location),
        )


def _measured(group: list[Segment], kind: str) -> Segment | None:
    """MEA+AAE+<kind> (VGM, AAF net mass, G gross): the measurement of that kind in the group."""
    return next((s for s in group if s.tag == "MEA" and s.get(1, 0) == kind), None)


def _reference(segments: list[Segment], *qualifiers: str) -> str:
    """RFF+BN:400123456 -> 400123456: the first reference with one of these qualifiers, in their order."""
    for qualifier in qualifiers:
        rff = next((s for s in segments if s.tag == "RFF" and s.get(0, 0) == qualifier), None)
        if rff and rff.get(0, 1):
            return rff.get(0, 1).strip()
    return ""


def _line(segments: list[Segment]) -> str:
    """The carrier's code: NAD+CA (carrier), else NAD+CF (container operator), as the line's own EDI names it."""
    nad = first(segments, "NAD", "CA") or first(segments, "NAD", "CF")
    return nad.get(1, 0).strip().upper()[:10] if nad else ""


def _moment(segment: Segment | None) -> datetime | None:
    """DTM+132:201204260000:203 -> that moment, read in the terminal's time zone (partners write local times)."""
    if segment is None:
        return None
    formats = {"203": "%Y%m%d%H%M", "102": "%Y%m%d"}
    written = formats.get(segment.get(0, 2) or "203", "%Y%m%d%H%M")
    try:
        return datetime.strptime(segment.get(0, 1), written).replace(tzinfo=timezone.get_current_timezone())
    except ValueError:
        return None


def _message_function(message: ReadMessage) -> str:
    """BGM's message function: 9 original, 5 replacement, 1 cancellation."""
    bgm = first(message.segments, "BGM")
    return bgm.get(2, 0) if bgm else ""


def _document(message: ReadMessage) -> str:
    bgm = first(message.segments, "BGM")
    return ((bgm.get(1, 0) if bgm else "") or message.reference)[:35]


def _problem(segment: Segment, error: DomainError) -> dict:
    return {"segment": str(segment), "code": error.code, "detail": error.detail}


def _problems(result, segments_by_index: list[Segment]) -> list[dict]:
    return [
        {"segment": str(segments_by_index[p["index"]]), "code": p["code"], "detail": p["detail"]}
        for p in result.problems
    ]


def _capacity_noted(effects: dict, warnings: list[dict]) -> None:
    """The call's shortages in the special areas, among the message's effects when there are any (a warning: the
    message is applied all the same)."""
    if warnings:
        effects["capacity_warnings"] = warnings


@handles("BAPLIE")
def baplie(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """An arrival bay plan: the call's discharge list (boxes for this port) and through cargo."""
    _here(_header(message.segments), "61", _("the next port of call"))
    call = _call(message.segments, outbound=False)
    cells = groups(message.segments, lambda s: s.tag == "LOC" and s.get(0) == "147")
    rows, anchors = [], []
    for group in cells:
        equipment = first(group, "EQD", "CN")
        if equipment is None:
            continue  # a cell reported without a container (an empty slot or a break-bulk unit)
        rows.append(_box(group, equipment))
        anchors.append(equipment)
    result = vessel_services.discharge_list_apply(call_id=call.pk, containers=rows, actor=actor)
    effects = {
        "call": call.pk,
        "discharge_moves": sum(1 for m in result.moves if m.kind == "discharge"),
        "restows": sum(1 for m in result.moves if m.kind == "restow"),
        "through": len(result.through),
    }
    _capacity_noted(effects, result.capacity_warnings)
    return Outcome(problems=_problems(result, anchors), effects=effects, subject=call.reference)


@handles("COPRAR")
def coprar(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """A loading order (BGM 45: bookings onto the outbound voyage) or a discharge order (BGM 44)."""
    loading = message.function == "45"
    if message.function not in ("44", "45"):
        raise MessageRefused(
            code="edi_function_unsupported",
            detail=_("COPRAR %(code)s is neither a loading (45) nor a discharge (44) order")
            % {"code": message.function},
        )
    if loading:
        _here(_header(message.segments), "9", _("the port of loading"))
    call = _call(message.segments, outbound=loading)
    boxes = groups(message.segments, lambda s: s.tag == "EQD")
    rows, anchors = [], []
    for group in boxes:
        row = _box(group, group[0])
        rows.append({"number": row["number"], "pod": row["pod"], "vgm_kg": row["gross_kg"]} if loading else row)
        anchors.append(group[0])
    if loading:
        result = vessel_services.load_list_apply(call_id=call.pk, containers=rows, actor=actor)
        effects = {"call": call.pk, "booked": len(result.booked)}
    else:
        result = vessel_services.discharge_list_apply(call_id=call.pk, containers=rows, actor=actor)
        effects = {"call": call.pk, "discharge_moves": len(result.moves), "through": len(result.through)}
    _capacity_noted(effects, result.capacity_warnings)
    return Outcome(problems=_problems(result, anchors), effects=effects, subject=call.reference)


class _BoxRefused(Exception):
    """Rolls back one box's savepoint, carrying the problem its service reported."""

    def __init__(self, problem: dict) -> None:
        super().__init__(problem["detail"])
        self.problem = problem


def _expected_by_truck(*, row: dict, number: str, reference: str, actor: AbstractBaseUser) -> None:
    """A box booked before it comes: an expected stay on a placeholder truck, which the gate-in of the box
    completes (yard.services.gate_in) rather than opening a second stay."""
    placeholder = yard_services.carrier_visit_open(
        mode=CarrierVisit.Mode.TRUCK, reference=f"COPARN {reference or number}"[:40], actor=actor
    )
    empty = row["freight_kind"] == ContainerVisit.FreightKind.EMPTY
    yard_services.visit_open(
        container=number,
        iso_type=row["iso_type"],
        freight_kind=row["freight_kind"],
        category=ContainerVisit.Category.EMPTY if empty else ContainerVisit.Category.EXPORT,
        inbound_carrier=placeholder,
        gross_kg=row["gross_kg"],
        dangerous_goods=row["dangerous_goods"],
        line=row["line"],
        actor=actor,
    )


def _announced(
    group: list[Segment], header: list[Segment], *, call, partner: Partner, document: str, actor: AbstractBaseUser
) -> Announcement:
    """One EQD of a COPARN, in its savepoint: the box booked onto the call when there is one, always recorded."""
    equipment = group[0]
    row = _box(group, equipment)
    row["line"] = (
        _line(group) or _line(header) or row["line"] or (partner.code if partner.kind == Partner.Kind.LINE else "")
    )
    row["pod"] = row["pod"] or (first(header, "LOC", "11") or Segment("LOC", [])).get(1, 0)
    row["gross_kg"] = _kg(_measured(group, "G")) or row["gross_kg"]
    vgm = _kg(_measured(group, "VGM"))
    reference = _reference(group, "BN", "RE") or _reference(header, "BN", "RE")
    number = container_number_normalise(row["number"]) if row["number"] else ""
    count = (first(group, "EQN") or Segment("EQN", [])).get(0, 0)
    status = Announcement.Status.RECORDED
    if call is not None and number:
        in_terminal = ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        if not in_terminal.filter(container__number=number).exists():
            _expected_by_truck(row=row, number=number, reference=reference, actor=actor)
        booking = {"number": number, "pod": row["pod"], "vgm_kg": vgm, "line": row["line"]}
        result = vessel_services.load_list_apply(
            call_id=call.pk, containers=[booking], actor=actor, capacity_check=False
        )  # the call is weighed once, after the whole message
        if result.problems:
            raise _BoxRefused(_problems(result, [equipment])[0])
        status = Announcement.Status.BOOKED
    key = {"partner": partner, "reference": reference, "container": number}
    if not number:  # empties released by type: one announcement per type under the reference
        key["iso_type"] = row["iso_type"]
    announcement = Announcement.objects.filter(**key).first() or Announcement(**key)
    announcement.document = document
    announcement.iso_type = row["iso_type"]
    announcement.count = int(count) if str(count).isdigit() and int(count) > 0 else 1
    announcement.freight_kind, announcement.line = row["freight_kind"], row["line"]
    announcement.call = call
    announcement.vessel = call.vessel.name if call else ""
    announcement.voyage = call.voyage_out if call else ""
    announcement.pod, announcement.vgm_kg, announcement.status = row["pod"][:5], vgm, status
    audited(announcement, actor).save()
    return announcement


@handles("COPARN")
def coparn(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """Container announcements (bookings of exports and empties, releases): a box for the outbound voyage the
    message names (TDT+20) is booked onto that call, given an expected stay first if it is not yet here; every box,
    and every release of empties by type and count, is recorded so that the gate can match it."""
    if _message_function(message) == "1":
        raise MessageRefused(
            code="edi_function_unsupported",
            detail=_("a COPARN cancellation is not read; cancel the booking in the terminal"),
        )
    header = _header(message.segments)
    _here(header, "9", _("the port of loading"))
    call = _call(header, outbound=True) if first(header, "TDT", "20") else None
    document, problems, booked, recorded = _document(message), [], 0, 0
    for group in groups(message.segments, lambda s: s.tag == "EQD"):
        try:
            with transaction.atomic():
                announcement = _announced(group, header, call=call, partner=partner, document=document, actor=actor)
        except _BoxRefused as refused:
            problems.append(refused.problem)
            continue
        except DomainError as error:
            problems.append(_problem(group[0], error))
            continue
        booked += announcement.status == Announcement.Status.BOOKED
        recorded += announcement.status == Announcement.Status.RECORDED
    effects = {"call": call.pk if call else None, "booked": booked, "recorded": recorded}
    if call is not None:
        _capacity_noted(effects, vessel_services.call_capacity_check(call=call, actor=actor))
    return Outcome(problems=problems, effects=effects, subject=call.reference if call else document)


@handles("VERMAS")
def vermas(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """Verified gross masses (SOLAS VGM): each onto its box's live booking."""
    problems, verified = [], []
    for group in groups(message.segments, lambda s: s.tag == "EQD"):
        equipment = group[0]
        vgm = _kg(_measured(group, "VGM"))
        if vgm is None:
            detail = _("no MEA+AAE+VGM for %(number)s") % {"number": equipment.get(1, 0)}
            problems.append({"segment": str(equipment), "code": "vgm_missing", "detail": detail})
            continue
        try:
            with transaction.atomic():
                booking = vessel_services.booking_vgm_set(container=equipment.get(1, 0), vgm_kg=vgm, actor=actor)
        except DomainError as error:
            problems.append(_problem(equipment, error))
            continue
        verified.append(booking.container)
    return Outcome(problems=problems, effects={"verified": len(verified)}, subject=", ".join(verified)[:60])


_PACKING_GROUPS = {"1": "I", "2": "II", "3": "III"}


def _dg_line(dgs: Segment, group: list[Segment]) -> dict:
    """DGS+ADR+3+1203+-40:CEL+2+F-E (regulation, class, UN number, flash point, packing group, EmS) and the
    group's net mass (MEA+AAE+AAF) -> a declaration line as the dangerous-goods services take it."""
    flash_point = None
    if dgs.get(3, 0) and dgs.get(3, 1) in ("", "CEL", "FAH"):
        try:
            flash_point = Decimal(dgs.get(3, 0).replace(",", "."))
        except InvalidOperation:
            flash_point = None
        if flash_point is not None and dgs.get(3, 1) == "FAH":
            flash_point = ((flash_point - 32) * 5 / 9).quantize(Decimal("0.1"))
    net = _kg(_measured(group, "AAF"))
    group_code = dgs.get(4, 0).strip().upper()
    return {
        "un_number": dgs.get(2, 0),
        "class": dgs.get(1, 0),
        "packing_group": _PACKING_GROUPS.get(group_code, group_code),
        "flash_point_c": flash_point,
        "net_mass_kg": net,
        "ems": dgs.get(5, 0)[:20],
    }


@handles("IFTDGN")
def iftdgn(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """A dangerous-goods notification: each container's declared lines, checked against the UN list and the port's
    admission rules, replace the declaration of its current stay."""
    equipment = {s.get(1, 0).strip().upper(): s for s in message.segments if s.tag == "EQD" and s.get(1, 0)}
    declared: dict[str, dict] = {}  # container -> {anchor, lines, segments}
    problems: list[dict] = []
    for group in groups(message.segments, lambda s: s.tag in ("DGS", "GID", "CNI", "EQD")):
        dgs = group[0]
        if dgs.tag != "DGS":
            continue
        placement = first(group, "SGP")
        number = placement.get(0, 0).strip().upper() if placement else ""
        if not number and len(equipment) == 1:
            number = next(iter(equipment))  # one container in the message: its goods are in it
        if not number:
            detail = _("the message names several containers and this line none (SGP)")
            problems.append({"segment": str(dgs), "code": "dg_container_missing", "detail": detail})
            continue
        entry = declared.setdefault(number, {"anchor": equipment.get(number, placement), "lines": [], "dgs": []})
        entry["lines"].append(_dg_line(dgs, group))
        entry["dgs"].append(dgs)
    done = []
    for number, entry in declared.items():
        try:
            with transaction.atomic():
                yard_hooks.arrival_goods_checked(entry["lines"])  # unknown UN numbers, classes not admitted
                dg_services.declaration_replace(container=number, lines=entry["lines"], actor=actor)
        except DomainError as error:
            line = getattr(error, "context", {}).get("line")  # the DG services number the line they refuse
            anchor = entry["dgs"][line - 1] if isinstance(line, int) and 0 < line <= len(entry["dgs"]) else None
            problems.append(_problem(anchor or entry["anchor"], error))
            continue
        done.append(number)
    return Outcome(problems=problems, effects={"declared": len(done)}, subject=", ".join(done)[:60])


@handles("COPINO")
def copino(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """A truck's pre-notification: the truck (plate, driver, haulier), when it comes and with or for which boxes,
    kept for the truck gate. A later COPINO with the same document number replaces it; a cancellation cancels it."""
    header = _header(message.segments)
    _here(header, "88", _("the place of receipt"))
    truck = first(header, "TDT", "1") or first(header, "TDT")
    plate = truck.get(7, 0).strip().upper() if truck else ""
    if not plate:
        raise MessageRefused(
            code="truck_plate_missing",
            detail=_("no truck plate (TDT+1, means of transport)"),
            segment=str(truck or ""),
        )
    problems, containers = [], []
    for group in groups(message.segments, lambda s: s.tag == "EQD"):
        equipment = group[0]
        row = _box(group, equipment)
        try:
            number = container_number_normalise(row["number"]) if row["number"] else ""
        except DomainError as error:
            problems.append(_problem(equipment, error))
            continue
        containers.append(
            {
                "number": number,
                "iso_type": row["iso_type"],
                "freight_kind": row["freight_kind"],
                "booking": _reference(group, "BN", "RE"),
                "gross_kg": _kg(_measured(group, "G")) or row["gross_kg"],
            }
        )
    reference = _document(message)
    notice = TruckNotice.objects.filter(partner=partner, reference=reference).first()
    notice = notice or TruckNotice(partner=partner, reference=reference)
    notice.function = message.function[:3]
    notice.truck, notice.driver, notice.haulier = plate[:17], truck.get(7, 3)[:70], truck.get(4, 0)[:70]
    notice.expected_at = _moment(first(header, "DTM", "132"))
    notice.containers = containers
    cancelled = _message_function(message) == "1"
    notice.status = TruckNotice.Status.CANCELLED if cancelled else TruckNotice.Status.ANNOUNCED
    audited(notice, actor).save()
    effects = {"truck_notice": notice.pk, "containers": len(containers), "status": notice.status}
    return Outcome(problems=problems, effects=effects, subject=plate)
