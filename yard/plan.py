"""Reads for the operators' yard plan: where everything is drawn (to scale, from the layout), what stands in each
stack, which stacks a filter picks, what a stack holds tier by tier, and where a container stands.

The drawing is built in the browser (yard/static/yard/plan.js) from `plan_layout` once, and coloured from
`plan_stacks`, asked again every few seconds. Both read the whole yard in a fixed number of queries and answer
compactly: a stack is four numbers.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from yard.allocation import allocation_batch, blocks_for
from yard.errors import ContainerNotFound
from yard.identity import container_number_normalise
from yard.layout import AKTAU_LAYOUT, block_outline, plan_features
from yard.models import Block, Container, Hold, IsoSizeType, Occupancy, Slot, YardMove
from yard.positions import position_format

# A stack's flags, one bit each (the plan's script reads the names from the layout it is sent).
HOLD, DANGEROUS_GOODS, REEFER, LONG_DWELL, MATCH = 1, 2, 4, 8, 16
FLAG_BITS = {"hold": HOLD, "dg": DANGEROUS_GOODS, "reefer": REEFER, "dwell": LONG_DWELL, "match": MATCH}
LONG_DWELL_DAYS = 7  # a box this long in the yard is marked on its stack
ANY = "any"  # a DG class or hold authority filter that takes every class or authority
FOUND_LIMIT = 5  # containers named when a partial number fits several


def _rounded(points) -> list[list[float]]:
    return [[round(x, 2), round(y, 2)] for x, y in points]


def plan_layout(path=AKTAU_LAYOUT) -> dict:
    """What the plan draws: the blocks from the database, at their place and orientation, with their slots; the
    fence, gate, sea, quay, tracks and roads from the layout file. Two queries."""
    features = plan_features(path)
    slot = features.slot
    slots_by_block: dict[int, dict[tuple[int, int], bool]] = {}
    for block_id, bay, row, powered in Slot.objects.values_list("block_id", "bay", "row", "reefer_power"):
        slots_by_block.setdefault(block_id, {})[(bay, row)] = powered
    blocks = []
    for block in Block.objects.order_by("code"):
        slots = slots_by_block.get(block.pk, {})
        grid = {(bay, row) for bay in range(1, block.bays + 1) for row in range(1, block.rows + 1)}
        blocks.append({
            "code": block.code,
            "name": block.name,
            "kind": block.kind,
            "kind_label": str(block.get_kind_display()),
            "x": block.x_m,
            "y": block.y_m,
            "angle": block.angle_deg,
            "bays": block.bays,
            "rows": block.rows,
            "max_tier": block.max_tier,
            "outline": _rounded(block_outline(block.x_m, block.y_m, block.angle_deg, block.bays, block.rows, slot)),
            # Normally both empty: slots a shrunk block kept beyond its size, and places of its grid with no slot.
            "extra": sorted([bay, row] for bay, row in slots.keys() - grid),
            "missing": sorted([bay, row] for bay, row in grid - slots.keys()),
            "powered": sorted([bay, row] for (bay, row), powered in slots.items() if powered),
        })  # fmt: skip
    gate = None
    if features.gate:
        gate = {"name": features.gate.name, "lanes": features.gate.lanes}
        gate.update(x=features.gate.x_m, y=features.gate.y_m, width=features.gate.width_m, depth=features.gate.depth_m)
    return {
        "slot": {
            "length": slot.length_m,
            "width": slot.width_m,
            "bay_pitch": round(slot.bay_pitch_m, 3),
            "row_pitch": round(slot.row_pitch_m, 3),
        },
        "boundary": _rounded(features.boundary),
        "gate": gate,
        "water": [{"name": water.name, "outline": _rounded(water.points)} for water in features.water],
        "quays": [{"berth": quay.name, "line": _rounded(quay.points)} for quay in features.quays],
        "rail_lines": [
            {"code": line.name, "gauge": line.width_m, "line": _rounded(line.points)} for line in features.rail_lines
        ],
        "roads": [{"name": road.name, "width": road.width_m, "line": _rounded(road.points)} for road in features.roads],
        "blocks": blocks,
        "extent": _extent(features, blocks),
        "flags": FLAG_BITS,
        "long_dwell_days": LONG_DWELL_DAYS,
    }


def _extent(features, blocks: list[dict]) -> list[float]:
    """[min x, min y, max x, max y] of everything drawn."""
    points = [*features.boundary, *(point for block in blocks for point in block["outline"])]
    for group in (features.water, features.quays, features.rail_lines, features.roads):
        points += [point for feature in group for point in feature.points]
    if features.gate:
        points.append((features.gate.x_m, features.gate.y_m))
    if not points:
        return [0, 0, 100, 100]
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    return [min(xs), min(ys), max(xs), max(ys)]


@dataclass(frozen=True)
class StackFilter:
    """Which boxes the operator looks for; a stack matches when one of its boxes meets every criterion given."""

    line: str = ""
    destination: str = ""
    dwell_days: int | None = None  # in the yard at least this many days
    dg_class: str = ""  # a class as declared ("3", "2.1"), or ANY
    hold: str = ""  # an authority (Hold.Authority), or ANY
    reefer: bool = False

    @classmethod
    def from_query(cls, query) -> "StackFilter":
        """From the plan's query string; ValueError says what is wrong."""
        dwell = (query.get("dwell") or "").strip()
        if dwell and (not dwell.isdigit() or int(dwell) < 1):
            raise ValueError(_("Dwell: give a whole number of days, 1 or more."))
        hold = (query.get("hold") or "").strip()
        if hold and hold != ANY and hold not in Hold.Authority.values:
            raise ValueError(_("Holds: no such authority."))
        return cls(
            line=(query.get("line") or "").strip().upper(),
            destination=(query.get("destination") or "").strip(),
            dwell_days=int(dwell) if dwell else None,
            dg_class=(query.get("dg") or "").strip(),
            hold=hold,
            reefer=(query.get("reefer") or "") in ("1", "on", "true"),
        )

    @property
    def active(self) -> bool:
        return bool(self.line or self.destination or self.dwell_days or self.dg_class or self.hold or self.reefer)

    def matches(self, box: "_Box") -> bool:
        return (
            (not self.line or box.line.upper() == self.line)
            and (not self.destination or box.destination == self.destination)
            and (self.dwell_days is None or box.dwell_days >= self.dwell_days)
            and (not self.dg_class or (box.dg_classes and (self.dg_class == ANY or self.dg_class in box.dg_classes)))
            and (not self.hold or (box.holds and (self.hold == ANY or self.hold in box.holds)))
            and (not self.reefer or box.reefer)
        )


@dataclass(frozen=True)
class _Box:
    line: str
    destination: str
    dwell_days: int
    dg_classes: frozenset[str]
    holds: frozenset[str]  # authorities of its active holds
    reefer: bool

    @property
    def flags(self) -> int:
        return (
            (HOLD if self.holds else 0)
            | (DANGEROUS_GOODS if self.dg_classes else 0)
            | (REEFER if self.reefer else 0)
            | (LONG_DWELL if self.dwell_days >= LONG_DWELL_DAYS else 0)
        )


def _dwell_days(arrived_at: datetime | None, now: datetime) -> int:
    return (now - arrived_at).days if arrived_at else 0


def _dg_classes(lines) -> frozenset[str]:
    return frozenset(str(line.get("class", "")).strip() or "?" for line in lines or [] if isinstance(line, dict))


def plan_stacks(filters: StackFilter = StackFilter(), *, now: datetime | None = None) -> dict:
    """Every occupied stack of the yard as [bay, row, height, flags] by block, the stacks the filter picks
    (flag MATCH), the values the filters may take, and the moves awaiting a slot with the blocks they wait for.

    Two queries for the stacks, whatever the number of boxes; the awaiting moves add one, and one per kind of
    area they wait for (at most five)."""
    now = now or timezone.now()
    holds: dict[int, set[str]] = {}
    active_holds = Hold.objects.filter(released_at__isnull=True, visit__in=Occupancy.objects.values("visit_id"))
    for visit_id, authority in active_holds.values_list("visit_id", "authority"):
        holds.setdefault(visit_id, set()).add(authority)
    stacks: dict[tuple[str, int, int], list[int]] = {}  # (block, bay, row) -> [height, flags]
    lines, destinations, dg_classes = set(), set(), set()
    boxes = 0
    rows = Occupancy.objects.values_list(
        "slot__block__code",
        "slot__bay",
        "slot__row",
        "tier",
        "primary",
        "visit_id",
        "visit__line",
        "visit__destination",
        "visit__arrived_at",
        "visit__dangerous_goods",
        "visit__container__iso_type__group",
    )
    for code, bay, row, tier, primary, visit_id, line, destination, arrived_at, dg, group in rows:
        box = _Box(
            line=line,
            destination=destination,
            dwell_days=_dwell_days(arrived_at, now),
            dg_classes=_dg_classes(dg),
            holds=frozenset(holds.get(visit_id, ())),
            reefer=group == IsoSizeType.Group.REEFER,
        )
        stack = stacks.setdefault((code, bay, row), [0, 0])
        stack[0] = max(stack[0], tier)
        stack[1] |= box.flags | (MATCH if filters.active and filters.matches(box) else 0)
        if primary:  # a 40' stands on two slots: one box
            boxes += 1
            lines.add(line)
            destinations.add(destination)
            dg_classes |= box.dg_classes
    by_block: dict[str, list[int]] = {}
    used: dict[str, int] = {}
    for (code, bay, row), (height, flags) in sorted(stacks.items()):
        by_block.setdefault(code, []).extend((bay, row, height, flags))
        used[code] = used.get(code, 0) + height
    return {
        "at": now.isoformat(timespec="seconds"),
        "stacks": by_block,
        "used": used,
        "boxes": boxes,
        "matching": sum(1 for _height, flags in stacks.values() if flags & MATCH),
        "filtering": filters.active,
        "options": {
            "lines": sorted(value for value in lines if value),
            "destinations": sorted(value for value in destinations if value),
            "dg_classes": sorted(dg_classes),
            "holds": [[value, str(label)] for value, label in Hold.Authority.choices],
        },
        "awaiting": moves_awaiting_slot(now=now),
    }


def moves_awaiting_slot(*, now: datetime) -> list[dict]:
    """Moves waiting for a place, longest waiting first, each with the blocks of the area it waits for."""
    moves = (
        YardMove.objects.filter(awaiting_slot_since__isnull=False)
        .select_related("visit__container__iso_type")
        .order_by("awaiting_slot_since", "pk")
    )
    waiting = []
    with allocation_batch():  # only to read each area's blocks once: nothing is allocated here
        for move in moves:
            inspection = bool((move.allocation or {}).get("waiting_for", {}).get("inspection"))
            waiting.append({
                "move": move.pk,
                "visit": move.visit_id,
                "container": move.visit.container.number,
                "kind": str(move.get_kind_display()),
                "minutes": int((now - move.awaiting_slot_since).total_seconds() // 60),
                "blocks": sorted(block.code for block in blocks_for(move.visit, inspection=inspection)),
            })  # fmt: skip
    return waiting


def _hold_label(hold: Hold) -> str:
    # Translators: a hold in the plan's stack panel, e.g. "Customs: scan required" (the kind as its authority typed it).
    return _("%(authority)s: %(kind)s") % {
        "authority": hold.get_authority_display(),
        "kind": hold.kind.replace("_", " "),
    }


def stack_boxes(*, block: str, bay: int, row: int, now: datetime | None = None) -> dict | None:
    """The boxes of one stack, from the ground up, each with what an operator asks about it; None if there is no
    such slot. Three queries."""
    slot = Slot.objects.select_related("block").filter(block__code=block, bay=bay, row=row).first()
    if slot is None:
        return None
    now = now or timezone.now()
    occupancies = (
        Occupancy.objects.filter(slot=slot)
        .select_related("visit__container__iso_type", "visit__outbound_carrier")
        .prefetch_related(
            Prefetch("visit__holds", queryset=Hold.objects.filter(released_at__isnull=True), to_attr="active_holds")
        )
        .order_by("tier")
    )
    boxes = []
    for occupancy in occupancies:
        visit = occupancy.visit
        iso_type = visit.container.iso_type
        boxes.append({
            "tier": occupancy.tier,
            "number": visit.container.number,
            "visit": visit.pk,
            "iso_type": iso_type.code,
            "length_ft": iso_type.length_ft,
            "group": str(iso_type.get_group_display()),
            "reefer": iso_type.is_reefer,
            "freight": visit.freight_kind,
            "category": str(visit.get_category_display()),
            "line": visit.line,
            "destination": visit.destination,
            "leaves_with": str(visit.outbound_carrier) if visit.outbound_carrier_id else "",
            "dwell_days": _dwell_days(visit.arrived_at, now),
            "dg": [
                {"class": str(line.get("class", "")), "un_number": str(line.get("un_number", ""))}
                for line in visit.dangerous_goods or []
                if isinstance(line, dict)
            ],
            "holds": [
                {"reference": hold.reference, "authority": hold.authority, "name": _hold_label(hold)}
                for hold in visit.active_holds
            ],
            # The second slot of a 40' or 45': the box is written at the bay before.
            "from_bay": None if occupancy.primary else bay - 1,
        })  # fmt: skip
    return {
        "block": slot.block.code,
        "bay": bay,
        "row": row,
        "position": f"{slot.block.code}-{bay:02d}-{row:02d}",
        "max_tier": slot.block.max_tier,
        "reefer_power": slot.reefer_power,
        "boxes": boxes,
    }


@dataclass(frozen=True)
class Located:
    """Where a container stands (block, bay, row, tier), or the numbers that fit what was typed."""

    number: str = ""
    block: str = ""
    bay: int = 0
    row: int = 0
    tier: int = 0
    candidates: tuple[str, ...] = ()

    @property
    def position(self) -> str:
        return position_format(self.block, self.bay, self.row, self.tier) if self.block else ""


def container_locate(*, number: str) -> Located:
    """The stack of a container in the yard, from its full number (any case, spaces allowed) or from part of it
    when only one box in the yard fits. A full number that is not valid or not known is refused as the API
    refuses it (InvalidContainerNumber, ContainerNotFound); a known one not in a stack has no block."""
    typed = "".join(number.split()).replace("-", "").upper()
    primary = Occupancy.objects.filter(primary=True).select_related("slot__block", "visit__container")
    if 4 <= len(typed) < 11:
        found = primary.filter(visit__container__number__contains=typed).order_by("visit__container__number")
        found = list(found[: FOUND_LIMIT + 1])
        if len(found) != 1:
            return Located(candidates=tuple(occupancy.visit.container.number for occupancy in found[:FOUND_LIMIT]))
        occupancy = found[0]
    else:
        full = container_number_normalise(typed)
        occupancy = primary.filter(visit__container__number=full).first()
        if occupancy is None:
            if not Container.objects.filter(number=full).exists():
                raise ContainerNotFound(number=full)
            return Located(number=full)
    slot = occupancy.slot
    return Located(
        number=occupancy.visit.container.number, block=slot.block.code, bay=slot.bay, row=slot.row, tier=occupancy.tier
    )
