"""Inbound messages, by type: each turns its segments into rows for another app's service and reports back.

A handler answers an `Outcome` (problems per container segment, effects, the subject) or raises MessageRefused
when the message as a whole cannot be applied (its call unknown, meant for another port). Containers that
cannot be taken are problems with their segment and code; the rest of the message applies (the services apply
row by row, nothing half-saved).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from edi.edifact import ReadMessage, Segment
from edi.errors import MessageRefused
from edi.models import Partner
from vessels import selectors as vessel_selectors
from vessels import services as vessel_services


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


def _problems(result, segments_by_index: list[Segment]) -> list[dict]:
    return [
        {"segment": str(segments_by_index[p["index"]]), "code": p["code"], "detail": p["detail"]}
        for p in result.problems
    ]


@handles("BAPLIE")
def baplie(message: ReadMessage, *, partner: Partner, actor: AbstractBaseUser) -> Outcome:
    """An arrival bay plan: the call's discharge list (boxes for this port) and through cargo."""
    call = _call(message.segments, outbound=False)
    next_port = first(message.segments, "LOC", "61")
    if next_port and next_port.get(1, 0) and next_port.get(1, 0).upper() != settings.TERMINAL_LOCODE:
        raise MessageRefused(
            code="message_for_another_port",
            detail=_("the next port of call is %(port)s") % {"port": next_port.get(1, 0)},
            segment=str(next_port),
        )
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
    return Outcome(problems=_problems(result, anchors), effects=effects, subject=call.reference)
