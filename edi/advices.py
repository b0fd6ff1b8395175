"""Train pre-advice: the railway's composition sheet of a train, sent before it arrives (JSON or CSV).

It is stored as received whatever it holds, so nothing the railway sends is lost; then read and checked with
the train list's own checks where they apply before arrival (wagon and container check digits, duplicates, the
declared dangerous goods; a container already in the terminal is only a warning, since it may leave before the
train comes), and with the cargo codes' digit counts. An accepted advice supersedes the railway's earlier ones
for the same train. When the train is on its line it becomes the train list through rail's own service, which
checks it again, whole: nothing of an advice is in the yard before that.
"""

import csv
import io
import json
import re
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from aktau_tos.audit import audited, fields_update
from aktau_tos.locking import lock_wait
from edi.errors import TrainAdviceArrived, TrainAdviceNotAccepted, TrainAdviceNotFound
from edi.models import Partner, TrainAdvice
from rail import services as rail_services
from rail.api.serializers import TrainListContainerInput, TrainListWagonInput
from rail.models import TrainVisit
from yard import capacity
from yard.models import ContainerVisit, YardMove

ETSNG_DIGITS, GNG_DIGITS = 6, 8  # the 1520 mm railways' cargo code; the harmonised one (GNG, CN-based)
CSV_REQUIRED = ("train_number", "wagon_position", "wagon_number", "container")
CSV_COLUMNS = (*CSV_REQUIRED, "origin", "expected_arrival", "iso_type", "gross_kg", "seals", "freight_kind", "line",
               "dangerous_goods", "etsng", "gng", "override_check_digit")  # fmt: skip


class AdviceContainerInput(TrainListContainerInput):
    seal = None  # an advice lists every seal: `seals`
    seals = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=10, required=False, default=list
    )
    line = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The shipping line's carrier code."),
    )
    etsng = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    gng = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class AdviceWagonInput(TrainListWagonInput):
    containers = AdviceContainerInput(many=True, max_length=3, required=False, default=list)


class AdviceInput(serializers.Serializer):
    train_number = serializers.CharField(max_length=20)
    origin = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    expected_arrival = serializers.DateTimeField()
    wagons = AdviceWagonInput(many=True, allow_empty=False, max_length=120)


class Unreadable(Exception):
    def __init__(self, problems: dict[str, list[str]]) -> None:
        self.problems = problems


def _flat(detail, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's errors as {field path: [messages]}, the paths the train list's problems use."""
    if isinstance(detail, dict):
        found: dict[str, list[str]] = {}
        for key, value in detail.items():
            path = prefix if key == "non_field_errors" else f"{prefix}.{key}".strip(".")
            for sub, messages in _flat(value, path).items():
                found.setdefault(sub, []).extend(messages)
        return found
    if isinstance(detail, list) and detail and all(isinstance(item, dict | list) for item in detail):
        found = {}
        for index, item in enumerate(detail):
            for sub, messages in _flat(item, f"{prefix}.{index}".strip(".")).items():
                found.setdefault(sub, []).extend(messages)
        return found
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "advice": [str(message) for message in messages]}


# --- Reading -------------------------------------------------------------------------------------------------


def _json_read(raw: str) -> dict:
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise Unreadable({"advice": [_("not readable JSON: %(error)s") % {"error": error}]}) from None
    if not isinstance(body, dict):
        raise Unreadable({"advice": [_("a train pre-advice is a JSON object")]})
    return body


def _split(cell: str) -> list[str]:
    return [part for part in re.split(r"[;\s]+", cell or "") if part]


def _goods(cell: str) -> list[dict]:
    """`1203/3/II;1993/3` -> DG lines (UN number / class / packing group)."""
    lines = []
    for entry in (cell or "").split(";"):
        if entry.strip():
            un_number, goods_class, packing_group = ([*entry.strip().split("/"), "", ""])[:3]
            line = {"un_number": un_number.strip(), "class": goods_class.strip()}
            if packing_group.strip():
                line["packing_group"] = packing_group.strip()
            lines.append(line)
    return lines


def _csv_read(raw: str) -> tuple[dict, dict[str, int]]:
    """One row per container (an empty wagon: one row without a container); the train's fields on every row,
    as they were on the first. Answers the advice as JSON would give it, and the CSV line of each wagon and box."""
    try:
        rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    except csv.Error as error:
        raise Unreadable({"advice": [_("not a readable CSV file: %(error)s") % {"error": error}]}) from None
    if not rows:
        raise Unreadable({"advice": [_("a header row and at least one row are needed")]})
    missing = [column for column in CSV_REQUIRED if column not in rows[0]]
    if missing:
        raise Unreadable({"columns": [_("missing columns: %(columns)s") % {"columns": ", ".join(missing)}]})
    first = rows[0]
    body = {"train_number": (first["train_number"] or "").strip(), "origin": (first.get("origin") or "").strip(),
            "expected_arrival": (first.get("expected_arrival") or "").strip() or None, "wagons": []}  # fmt: skip
    wagons: dict[str, dict] = {}
    lines: dict[str, int] = {}
    problems: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        for field in ("train_number", "origin", "expected_arrival"):
            if (row.get(field) or "").strip() != (first.get(field) or "").strip():
                problems.setdefault(f"row {number}.{field}", []).append(_("differs from the first row's"))
        key = (row["wagon_number"] or "").strip()
        if key not in wagons:
            wagons[key] = {"number": key, "position": (row["wagon_position"] or "").strip() or None, "containers": [],
                           "override_check_digit": (row.get("override_check_digit") or "").strip().lower()
                           in ("yes", "true", "1")}  # fmt: skip
            lines[f"wagons.{len(body['wagons'])}"] = number
            body["wagons"].append(wagons[key])
        if not (row["container"] or "").strip():
            continue
        wagon = wagons[key]
        box = {"number": row["container"].strip(), "iso_type": (row.get("iso_type") or "").strip(),
               "seals": _split(row.get("seals", "")), "freight_kind": (row.get("freight_kind") or "").strip() or "full",
               "line": (row.get("line") or "").strip(), "dangerous_goods": _goods(row.get("dangerous_goods", "")),
               "etsng": (row.get("etsng") or "").strip(), "gng": (row.get("gng") or "").strip()}  # fmt: skip
        if (row.get("gross_kg") or "").strip():
            box["gross_kg"] = row["gross_kg"].strip()
        lines[f"wagons.{body['wagons'].index(wagon)}.containers.{len(wagon['containers'])}"] = number
        wagon["containers"].append(box)
    if problems:
        raise Unreadable(problems)
    return body, lines


def _as_rows(problems: dict[str, list[str]], lines: dict[str, int]) -> dict[str, list[str]]:
    """A CSV advice's problems by the row they are on: `wagons.1.containers.0.gng` -> `row 4.gng`."""
    by_row: dict[str, list[str]] = {}
    for path, messages in problems.items():
        match = re.match(r"^(wagons\.\d+(?:\.containers\.\d+)?)(?:\.(.*))?$", path)
        key = path
        if match and match.group(1) in lines:
            key = f"row {lines[match.group(1)]}" + (f".{match.group(2)}" if match.group(2) else "")
        by_row.setdefault(key, []).extend(messages)
    return by_row


# --- Checking ------------------------------------------------------------------------------------------------


def _codes_checked(wagons: list[dict]) -> dict[str, list[str]]:
    """The cargo codes' digit counts (their tables are the railways'; the digits are all we can check)."""
    problems: dict[str, list[str]] = {}
    for index, wagon in enumerate(wagons):
        for slot, box in enumerate(wagon.get("containers", [])):
            for field, digits, name in (("etsng", ETSNG_DIGITS, "ETSNG"), ("gng", GNG_DIGITS, "GNG")):
                code = box.get(field) or ""
                if code and not (len(code) == digits and code.isdigit()):
                    problems.setdefault(f"wagons.{index}.containers.{slot}.{field}", []).append(
                        _("%(code)r is not a %(digits)d-digit %(name)s code")
                        % {"code": code, "digits": digits, "name": name}
                    )
    return problems


def _checked(body: dict) -> tuple[dict | None, dict[str, list[str]], dict[str, list[str]]]:
    """(the advice as read, problems, warnings)."""
    data = AdviceInput(data=body)
    if not data.is_valid():
        return None, _flat(data.errors), {}
    content = json.loads(json.dumps(data.validated_data, cls=DjangoJSONEncoder))
    problems, warnings = rail_services.train_list_check(wagons=content["wagons"])
    for path, messages in _codes_checked(content["wagons"]).items():
        problems.setdefault(path, []).extend(messages)
    return content, problems, warnings


@transaction.atomic
def train_advice_receive(
    *, raw: str, format: str, actor: AbstractBaseUser, partner: Partner | None = None
) -> TrainAdvice:
    """Stores the advice as received, then reads and checks it: accepted (it supersedes the partner's earlier
    accepted advices for that train) or rejected with every problem found."""
    body, content, problems, warnings, lines = {}, None, {}, {}, {}
    try:
        body, lines = _csv_read(raw) if format == TrainAdvice.Format.CSV else (_json_read(raw), {})
    except Unreadable as error:
        problems = error.problems
    else:
        content, problems, warnings = _checked(body)
    if format == TrainAdvice.Format.CSV:
        problems, warnings = _as_rows(problems, lines), _as_rows(warnings, lines)
    advice = TrainAdvice(
        partner=partner,
        format=format,
        raw=raw,
        content=content,
        problems=problems,
        warnings=warnings,
        status=TrainAdvice.Status.REJECTED if problems else TrainAdvice.Status.ACCEPTED,
        created_by=actor,
    )
    if content:
        advice.train_number, advice.origin = content["train_number"].strip().upper(), content["origin"]
        advice.expected_arrival = parse_datetime(content["expected_arrival"])
    elif isinstance(body.get("train_number"), str):  # refused, but which train it was about is worth knowing
        advice.train_number = body["train_number"].strip().upper()[:20]
    audited(advice, actor, _("received")).save()
    if advice.status == TrainAdvice.Status.ACCEPTED:
        earlier = TrainAdvice.objects.filter(
            partner=partner, train_number=advice.train_number, status=TrainAdvice.Status.ACCEPTED
        ).exclude(pk=advice.pk)
        for old in earlier.select_for_update():
            old.status = TrainAdvice.Status.SUPERSEDED
            audited(old, actor, _("superseded by advice %(id)s") % {"id": advice.pk}).save(update_fields=["status"])
        # Checked once the advices it supersedes no longer count as announced.
        advice_capacity_check(advice, outlook=capacity.outlook_load(), actor=actor)
    return advice


# --- Capacity ahead ------------------------------------------------------------------------------------------


def _advice_units(advice: TrainAdvice, size_types: dict[str, tuple[int, str]]) -> list[capacity.Unit]:
    """The boxes of an accepted advice as the capacity forecast counts them, arriving with the train."""
    units = []
    for wagon in (advice.content or {}).get("wagons", []):
        for box in wagon.get("containers", []):
            length, group = size_types.get(str(box.get("iso_type", "")).strip().upper(), (20, ""))
            units.append(
                capacity.unit_make(
                    container=box["number"], length_ft=length, group=group,
                    freight_kind=box.get("freight_kind") or ContainerVisit.FreightKind.FULL,
                    dangerous_goods=box.get("dangerous_goods"), arrives=advice.expected_arrival,
                )
            )  # fmt: skip
    return units


def _waiting() -> "models.QuerySet[TrainAdvice]":
    return TrainAdvice.objects.filter(
        status=TrainAdvice.Status.ACCEPTED, train__isnull=True, expected_arrival__isnull=False
    )


def advices_announced(*, now) -> list[capacity.Unit]:
    """yard.hooks.capacity_arrivals: the boxes of every accepted advice whose train has not arrived yet."""
    size_types = capacity.size_types_known()
    return [unit for advice in _waiting() for unit in _advice_units(advice, size_types)]


def advice_capacity_check(advice: TrainAdvice, *, outlook: capacity.Outlook, actor: AbstractBaseUser) -> list[dict]:
    """Weighs the advice's train against the DG area, the reefer plugs and the inspection area for its dwell, and
    keeps the shortages with the advice (a change is audited; the same answer again writes nothing)."""
    units = _advice_units(advice, capacity.size_types_known())
    warnings = capacity.capacity_warnings(outlook, arrival=advice.expected_arrival, units=units)
    audited(advice, actor)
    fields_update(advice, {"capacity_warnings": warnings}, reason=_("capacity checked"))
    return warnings


@transaction.atomic
def advices_capacity_check(*, actor: AbstractBaseUser, hours: int) -> dict[int, list[dict]]:
    """Every accepted advice whose train is due within `hours` (or late) checked again on one reading of the yard,
    so a shortage that develops after an advice was accepted reaches the operator too. {advice id: warnings}."""
    outlook = capacity.outlook_load()
    due = _waiting().filter(expected_arrival__lte=outlook.now + timedelta(hours=hours)).order_by("expected_arrival")
    return {advice.pk: advice_capacity_check(advice, outlook=outlook, actor=actor) for advice in due}


@transaction.atomic
def train_advice_arrive(
    *, advice_id: int, line: str, actor: AbstractBaseUser, category: str = ContainerVisit.Category.TRANSIT
) -> tuple[TrainAdvice, TrainVisit, list[YardMove]]:
    """The train is on its line: its accepted advice becomes the train list (rail's service, which checks it
    again, whole, now with its line and the containers in the terminal), and remembers the train visit."""
    with lock_wait(_("train pre-advice %(id)s") % {"id": advice_id}):  # two clerks arriving one train: one train visit
        advice = TrainAdvice.objects.select_for_update().filter(pk=advice_id).first()
    if advice is None:
        raise TrainAdviceNotFound(advice=advice_id)
    if advice.train_id or advice.status == TrainAdvice.Status.ARRIVED:
        raise TrainAdviceArrived(advice=advice.pk, train=advice.train_id)
    if advice.status != TrainAdvice.Status.ACCEPTED:
        raise TrainAdviceNotAccepted(advice=advice.pk, status=advice.get_status_display().lower())
    train, moves = rail_services.train_list_register(
        train_number=advice.train_number,
        line=line,
        wagons=advice.content["wagons"],
        origin=advice.origin,
        eta=advice.expected_arrival,
        category=category,
        actor=actor,
    )
    advice.train, advice.status, advice.arrived_at = train, TrainAdvice.Status.ARRIVED, timezone.now()
    audited(advice, actor, _("arrived")).save(update_fields=["train", "status", "arrived_at"])
    return advice, train, moves
