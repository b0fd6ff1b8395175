"""Applies a yard layout file (TOML; see aktau.toml here) to the database. Idempotent.

Also reads the file's [plan] section: the slot size and what the operators' yard plan draws around the blocks
(fence, gate, sea, quay, tracks, roads). That part is static, so it is read from the file when the plan is shown
(checked here, and by every layout_apply) rather than copied into the database.
"""

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import fields_update
from yard.models import AccessPoint, Block, Equipment, Slot

AKTAU_LAYOUT = Path(__file__).resolve().parent / "aktau.toml"
REASON = _("layout file applied")  # the history's reason for each row the file changed (vessels' berths too)
_BLOCK_FIELDS = ("name", "kind", "equipment_kind", "bays", "rows", "max_tier", "x_m", "y_m", "angle_deg")
TRACK_BED_M = 3.2  # a track's bed (ballast and sleepers) is wider than its gauge: blocks keep clear of it

Point = tuple[float, float]


@dataclass(frozen=True)
class LayoutSummary:
    blocks: int
    ground_slots: int
    slots_created: int
    equipment: int


@dataclass(frozen=True)
class SlotSize:
    """A ground slot on the plan, and the clearances between neighbouring boxes."""

    length_m: float
    width_m: float
    bay_gap_m: float
    row_gap_m: float

    @property
    def bay_pitch_m(self) -> float:
        return self.length_m + self.bay_gap_m

    @property
    def row_pitch_m(self) -> float:
        return self.width_m + self.row_gap_m


@dataclass(frozen=True)
class Feature:
    """A named thing drawn on the plan: an outline (water) or a line (quay, track, road) with a width."""

    name: str
    points: tuple[Point, ...]
    width_m: float = 0.0


@dataclass(frozen=True)
class Gate:
    name: str
    x_m: float
    y_m: float
    width_m: float
    depth_m: float
    lanes: int


@dataclass(frozen=True)
class PlanFeatures:
    slot: SlotSize
    boundary: tuple[Point, ...]
    gate: Gate | None
    water: tuple[Feature, ...]
    quays: tuple[Feature, ...]
    rail_lines: tuple[Feature, ...]  # width_m is the gauge
    roads: tuple[Feature, ...]


def block_outline(x_m: float, y_m: float, angle_deg: float, bays: int, rows: int, slot: SlotSize) -> list[Point]:
    """The corners of a block on the plan (counter-clockwise from bay 1, row 1): bays run at angle_deg from east,
    rows to their left; the last box ends one gap short of the next pitch."""
    length = bays * slot.bay_pitch_m - slot.bay_gap_m
    depth = rows * slot.row_pitch_m - slot.row_gap_m
    along = (math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg)))
    across = (-along[1], along[0])
    corners = [(0.0, 0.0), (length, 0.0), (length, depth), (0.0, depth)]
    return [(x_m + a * along[0] + d * across[0], y_m + a * along[1] + d * across[1]) for a, d in corners]


def band_outline(start: Point, end: Point, width_m: float) -> list[Point]:
    """The rectangle a road or track of this width covers along one straight piece."""
    length = math.dist(start, end)
    if length == 0:
        return [start]
    side = (-(end[1] - start[1]) / length * width_m / 2, (end[0] - start[0]) / length * width_m / 2)
    return [
        (start[0] + side[0], start[1] + side[1]),
        (end[0] + side[0], end[1] + side[1]),
        (end[0] - side[0], end[1] - side[1]),
        (start[0] - side[0], start[1] - side[1]),
    ]


def outlines_overlap(first: list[Point], second: list[Point]) -> bool:
    """Whether two convex outlines share any area (separating axis test); touching edges do not count."""
    for outline in (first, second):
        for index, point in enumerate(outline):
            following = outline[(index + 1) % len(outline)]
            axis = (point[1] - following[1], following[0] - point[0])
            first_span = [axis[0] * x + axis[1] * y for x, y in first]
            second_span = [axis[0] * x + axis[1] * y for x, y in second]
            if max(first_span) <= min(second_span) + 1e-6 or max(second_span) <= min(first_span) + 1e-6:
                return False
    return True


def _inside(point: Point, outline: tuple[Point, ...]) -> bool:
    """Whether the point lies inside or on the outline (ray casting, with a centimetre of slack for the edge)."""
    x, y = point
    inside = False
    for index, (x1, y1) in enumerate(outline):
        x2, y2 = outline[index - 1]
        if abs(math.dist((x1, y1), (x, y)) + math.dist((x, y), (x2, y2)) - math.dist((x1, y1), (x2, y2))) < 0.01:
            return True
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _number(entry: dict, key: str, where: str, *, minimum: float | None = 0.0) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: {key} must be a number of metres, not {value!r}")
    if minimum is not None and value <= minimum:
        raise ValueError(f"{where}: {key} must be more than {minimum:g}")
    return float(value)


def _points(entry: dict, key: str, where: str, fewest: int) -> tuple[Point, ...]:
    value = entry.get(key)
    if (
        not isinstance(value, list)
        or len(value) < fewest
        or not all(
            isinstance(point, list)
            and len(point) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in point)
            for point in value
        )
    ):
        raise ValueError(f"{where}: {key} must be a list of at least {fewest} [x_m, y_m] points")
    return tuple((float(x), float(y)) for x, y in value)


def _features_read(data: dict) -> PlanFeatures:
    """The [plan] section, checked: a wrong entry is a ValueError naming it."""
    plan = data.get("plan")
    if not isinstance(plan, dict):
        raise ValueError("The layout file has no [plan] section (slot size and what the yard plan draws)")
    slot = SlotSize(
        length_m=_number(plan, "slot_length_m", "[plan]"),
        width_m=_number(plan, "slot_width_m", "[plan]"),
        bay_gap_m=_number(plan, "bay_gap_m", "[plan]", minimum=None),
        row_gap_m=_number(plan, "row_gap_m", "[plan]", minimum=None),
    )
    if slot.bay_gap_m < 0 or slot.row_gap_m < 0:
        raise ValueError("[plan]: bay_gap_m and row_gap_m cannot be negative")
    gate = None
    if "gate" in plan:
        spec = plan["gate"]
        lanes = spec.get("lanes")
        if not isinstance(lanes, int) or isinstance(lanes, bool) or lanes < 1:
            raise ValueError("[plan.gate]: lanes must be a whole number of at least 1")
        gate = Gate(
            name=str(spec.get("name", "")),
            x_m=_number(spec, "x_m", "[plan.gate]", minimum=None),
            y_m=_number(spec, "y_m", "[plan.gate]", minimum=None),
            width_m=_number(spec, "width_m", "[plan.gate]"),
            depth_m=_number(spec, "depth_m", "[plan.gate]"),
            lanes=lanes,
        )
    water = tuple(
        Feature(name=str(spec.get("name", "")), points=_points(spec, "outline", f"[[plan.water]] {index + 1}", 3))
        for index, spec in enumerate(plan.get("water", []))
    )
    berths = {spec.get("code"): spec for spec in data.get("berth", [])}
    quays = []
    for index, spec in enumerate(plan.get("quay", [])):
        where = f"[[plan.quay]] {index + 1}"
        berth = berths.get(spec.get("berth"))
        if berth is None:
            raise ValueError(f"{where}: berth {spec.get('berth')!r} is not one of the [[berth]] entries")
        points = _points(spec, "line", where, 2)
        length = sum(math.dist(start, end) for start, end in pairwise(points))
        if length + 0.5 < berth.get("length_m", 0):
            raise ValueError(f"{where}: the quay is {length:g} m long, shorter than berth {berth['code']}")
        quays.append(Feature(name=berth["code"], points=points))
    rail_lines = []
    for index, spec in enumerate(plan.get("rail_line", [])):
        where = f"[[plan.rail_line]] {spec.get('code', index + 1)}"
        gauge = _number(spec, "gauge_mm", where)
        rail_lines.append(
            Feature(name=str(spec.get("code", "")), points=_points(spec, "line", where, 2), width_m=gauge / 1000)
        )
    roads = tuple(
        Feature(
            name=str(spec.get("name", "")),
            points=_points(spec, "line", f"[[plan.road]] {spec.get('name', index + 1)}", 2),
            width_m=_number(spec, "width_m", f"[[plan.road]] {spec.get('name', index + 1)}"),
        )
        for index, spec in enumerate(plan.get("road", []))
    )
    return PlanFeatures(
        slot=slot,
        boundary=_points(plan, "boundary", "[plan]", 3) if "boundary" in plan else (),
        gate=gate,
        water=water,
        quays=tuple(quays),
        rail_lines=tuple(rail_lines),
        roads=roads,
    )


def _crossings(blocks: list[dict], features: PlanFeatures) -> list[str]:
    """What the blocks of the file overlap: each other, a road, a track; or where they leave the fence."""
    outlines = {
        spec["code"]: block_outline(
            spec["x_m"], spec["y_m"], spec.get("angle_deg", 0), spec["bays"], spec["rows"], features.slot
        )
        for spec in blocks
    }
    bands = [
        (f"road {road.name}", band_outline(start, end, road.width_m))
        for road in features.roads
        for start, end in pairwise(road.points)
    ]
    bands += [
        (f"track {track.name}", band_outline(start, end, TRACK_BED_M))
        for track in features.rail_lines
        for start, end in pairwise(track.points)
    ]
    problems = []
    codes = list(outlines)
    for index, code in enumerate(codes):
        for other in codes[index + 1 :]:
            if outlines_overlap(outlines[code], outlines[other]):
                problems.append(f"block {code} overlaps block {other}")
        problems.extend(
            f"block {code} overlaps the {name}" for name, band in bands if outlines_overlap(outlines[code], band)
        )
        if features.boundary and not all(_inside(corner, features.boundary) for corner in outlines[code]):
            problems.append(f"block {code} reaches outside the fence")
    return problems


def _file_read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"Cannot read the layout file {path}: {error}") from error


@lru_cache(maxsize=4)
def _plan_features_cached(path: Path, modified_ns: int) -> PlanFeatures:
    return _features_read(_file_read(path))


def plan_features(path: Path = AKTAU_LAYOUT) -> PlanFeatures:
    """The plan's static part, read from the layout file again whenever the file changes."""
    try:
        modified_ns = path.stat().st_mtime_ns
    except OSError as error:
        raise ValueError(f"Cannot read the layout file {path}: {error}") from error
    return _plan_features_cached(path, modified_ns)


def _blocks_check(blocks: list[dict], features: PlanFeatures) -> None:
    for spec in blocks:
        angle = spec.get("angle_deg", 0)
        if not isinstance(angle, int) or isinstance(angle, bool) or not 0 <= angle < 360:
            raise ValueError(f"Block {spec.get('code')}: angle_deg must be a whole number of degrees from 0 to 359")
    problems = _crossings(blocks, features)
    if problems:
        raise ValueError("The layout file's blocks do not fit the plan: " + "; ".join(problems))


@transaction.atomic
def layout_apply(path: Path = AKTAU_LAYOUT) -> LayoutSummary:
    """Creates or updates access points, blocks, their slots and the equipment the file lists."""
    data = _file_read(path)
    _blocks_check(data.get("block", []), _features_read(data))  # nothing is written from a file that does not fit
    for point in data.get("access_point", []):
        obj, _created = AccessPoint.objects.get_or_create(kind=point["kind"], defaults={"x_m": 0, "y_m": 0})
        fields_update(obj, {"x_m": point["x_m"], "y_m": point["y_m"]}, REASON)
    created_slots = 0
    blocks: dict[str, Block] = {}
    for spec in data.get("block", []):
        values = {field: spec.get(field, "" if field == "name" else 0) for field in _BLOCK_FIELDS}
        block = Block.objects.filter(code=spec["code"]).first() or Block(code=spec["code"])
        if block.pk is None:
            for field, value in values.items():
                setattr(block, field, value)
            block.save()
        else:
            fields_update(block, values, REASON)
        blocks[block.code] = block
        existing = set(Slot.objects.filter(block=block).values_list("bay", "row"))
        new_slots = [
            Slot(block=block, bay=bay, row=row, reefer_power=bool(spec.get("reefer_power", False)))
            for bay in range(1, block.bays + 1)
            for row in range(1, block.rows + 1)
            if (bay, row) not in existing
        ]
        bulk_create_with_history(new_slots, Slot, batch_size=500)
        created_slots += len(new_slots)
    for spec in data.get("equipment", []):
        machine, _created = Equipment.objects.get_or_create(
            code=spec["code"], defaults={"kind": spec["kind"], "max_tier": spec["max_tier"]}
        )
        fields_update(machine, {"kind": spec["kind"], "max_tier": spec["max_tier"]}, REASON)
        machine.blocks.set([blocks[code] for code in spec.get("blocks", [])])
    return LayoutSummary(
        blocks=len(blocks),
        ground_slots=Slot.objects.filter(block__code__in=blocks).count(),
        slots_created=created_slots,
        equipment=len(data.get("equipment", [])),
    )
