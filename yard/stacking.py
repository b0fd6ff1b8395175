"""Stacking rules: where a container may stand, decided on a snapshot of the stacks involved.

The yard's own rules live here; other apps add theirs through `yard.hooks.placement_rules` (the
dangerous-goods app registers segregation), so `yard` never imports them. Services check a placement
on a snapshot taken under row locks; allocation checks thousands of candidates on one snapshot.
"""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from django.db.models import FloatField, Func, Q, TextField
from django.db.models.functions import Cast, Coalesce
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from yard import hooks
from yard.models import Block, ContainerVisit, Occupancy, Slot
from yard.positions import position_format


@dataclass(frozen=True)
class Box:
    """A container as it stands in the yard (or is about to)."""

    visit_id: int
    number: str
    length_ft: int
    reefer: bool
    dangerous_goods: tuple[dict, ...]
    departure: datetime | None
    outbound_carrier_id: int | None
    gross_kg: int | None

    @property
    def long(self) -> bool:
        return self.length_ft >= 40  # 40' and 45' fill two 20' ground slots

    @classmethod
    def of(cls, visit: ContainerVisit) -> "Box":
        iso_type = visit.container.iso_type
        carrier = visit.outbound_carrier
        return cls(
            visit_id=visit.pk,
            number=visit.container.number,
            length_ft=iso_type.length_ft,
            reefer=iso_type.is_reefer and visit.freight_kind == ContainerVisit.FreightKind.FULL,
            dangerous_goods=tuple(visit.dangerous_goods or ()),
            departure=visit.expected_departure or (carrier.etd if carrier else None),
            outbound_carrier_id=visit.outbound_carrier_id,
            gross_kg=visit.gross_kg,
        )


@dataclass
class YardSnapshot:
    """The slots of some blocks and who stands where (slot id, tier) -> (box, primary slot id)."""

    blocks: dict[int, Block]
    slots: dict[int, "SlotRef"]
    by_place: dict[tuple[int, int, int], "SlotRef"]  # (block id, bay, row) -> slot
    boxes: dict[tuple[int, int], tuple[Box, int]] = field(default_factory=dict)
    # Slots that take no new box (a box is on its way to the stack, or the caller keeps it free): rules still
    # see what stands or is about to stand there.
    closed: set[int] = field(default_factory=set)
    # What rules work out once per snapshot (e.g. the DG boxes per block), kept until a box is placed or removed:
    # allocation asks the rules about every stack of an area on the same snapshot.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def height(self, slot_id: int) -> int:
        tier = 0
        while (slot_id, tier + 1) in self.boxes:
            tier += 1
        return tier

    def box_at(self, slot_id: int, tier: int) -> tuple[Box, int] | None:
        return self.boxes.get((slot_id, tier))

    def neighbour(self, slot: Slot, bay_offset: int = 0, row_offset: int = 0) -> Slot | None:
        return self.by_place.get((slot.block_id, slot.bay + bay_offset, slot.row + row_offset))

    def covered(self, slot: Slot, box: Box) -> list[Slot] | None:
        """The ground slots a box at this slot fills: one, or two for a 40'; None if the next bay is missing."""
        if not box.long:
            return [slot]
        following = self.neighbour(slot, bay_offset=1)
        return [slot, following] if following else None

    def position(self, slot: Slot, tier: int) -> str:
        return position_format(self.blocks[slot.block_id].code, slot.bay, slot.row, tier)

    def without(self, visit_id: int) -> "YardSnapshot":
        """The same yard with one container lifted out (to check where it may go next)."""
        boxes = {place: entry for place, entry in self.boxes.items() if entry[0].visit_id != visit_id}
        return YardSnapshot(self.blocks, self.slots, self.by_place, boxes, self.closed)

    def place(self, box: Box, slots: list[Slot], tier: int) -> None:
        self.memo.clear()
        for slot in slots:
            self.boxes[(slot.pk, tier)] = (box, slots[0].pk)

    def restricted(self, excluded_slot_ids: set[int]) -> "YardSnapshot":
        """The same yard where the excluded slots take no container (nor half of a 40'); what stands on them
        still counts for the rules (a DG box there keeps its neighbours apart)."""
        return YardSnapshot(self.blocks, self.slots, self.by_place, self.boxes, self.closed | set(excluded_slot_ids))

    def remove(self, visit_id: int) -> None:
        self.memo.clear()
        for place in self.places_of(visit_id):
            del self.boxes[place]

    def places_of(self, visit_id: int) -> list[tuple[int, int]]:
        """(slot id, tier) of each ground slot the container stands on, in slot order."""
        return sorted(place for place, entry in self.boxes.items() if entry[0].visit_id == visit_id)

    def top_above(self, visit_id: int) -> Box | None:
        """The highest box standing over the container, free to lift (a 40' may carry more on its other slot,
        so that one is followed up); None if nothing stands on it."""
        highest = None
        for slot_id, tier in self.places_of(visit_id):
            level = tier
            while self.box_at(slot_id, level + 1):
                level += 1
            if level > tier and (highest is None or level > highest[1]):
                highest = (slot_id, level)
        if highest is None:
            return None
        top = self.box_at(*highest)[0]
        return self.top_above(top.visit_id) or top


# Rules may look this many bays either side of a placement (DG segregation distances fit within it),
# so a scanner's check loads a constant-size part of the block, however large the yard grows.
NEIGHBOURHOOD_BAYS = 4


class SlotRef(NamedTuple):
    """A ground slot as rules see it: read as plain values, many times cheaper than model rows."""

    pk: int
    block_id: int
    bay: int
    row: int
    reefer_power: bool


def _box_values(queryset, prefix: str, *leading: str):
    """The rows of `queryset` as values: `leading`, then what a Box needs of the stay at `prefix` ("visit__" from
    an occupancy, "" from a stay). Snapshots read thousands of rows per allocation, and decoding is most of their
    cost: the departure comes as epoch seconds (one number, not two time stamps through the time-zone loader) and
    the goods as text, decoded only when there are any."""
    return queryset.annotate(
        box_departure=_EpochSeconds(Coalesce(f"{prefix}expected_departure", f"{prefix}outbound_carrier__etd")),
        box_goods=Cast(f"{prefix}dangerous_goods", TextField()),
    ).values_list(
        *leading, f"{prefix}container__number", f"{prefix}container__iso_type__length_ft",
        f"{prefix}container__iso_type__group", f"{prefix}freight_kind", "box_goods", "box_departure",
        f"{prefix}outbound_carrier_id", f"{prefix}gross_kg",
    )  # fmt: skip


class _EpochSeconds(Func):
    """A time stamp as seconds since 1970 (UTC), a float."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite's date functions keep milliseconds: whole seconds from the stored text's first 19 characters
        # ("YYYY-MM-DD HH:MM:SS"), the microseconds from its fraction.
        template = (
            "(ROUND((julianday(substr(%(expressions)s, 1, 19)) - 2440587.5) * 86400.0)"
            " + COALESCE(CAST(NULLIF(substr(%(expressions)s, 20), '') AS REAL), 0))"
        )
        return self.as_sql(compiler, connection, template=template)


def snapshot_load(*, blocks: Iterable[Block], bays: tuple[int, int] | None = None) -> YardSnapshot:
    """Slots and occupancies of the given blocks (only bays lo..hi if given), in two queries, read as values:
    allocation reads thousands of slots per container, so no model instances are built."""
    blocks_by_id = {block.pk: block for block in blocks}
    slot_filter = Q(block_id__in=list(blocks_by_id))
    if bays:
        slot_filter &= Q(bay__gte=bays[0], bay__lte=bays[1])
    slots = {
        row[0]: SlotRef(*row)
        for row in Slot.objects.filter(slot_filter)
        .order_by("block__code", "bay", "row")  # the order allocation scans them in (ties go to the first)
        .values_list("pk", "block_id", "bay", "row", "reefer_power")
    }
    snapshot = YardSnapshot(blocks_by_id, slots, {(s.block_id, s.bay, s.row): s for s in slots.values()})
    occupancies = Occupancy.objects.filter(slot__in=Slot.objects.filter(slot_filter))
    rows = list(_box_values(occupancies, "visit__", "slot_id", "tier", "primary", "visit_id"))
    primary_of = {row[3]: row[0] for row in rows if row[2]}
    boxes: dict[int, Box] = {}
    departures: dict[float, datetime] = {}  # boxes leaving on one carrier share its departure
    for slot_id, tier, _primary, visit_id, *fields in rows:
        if visit_id not in boxes:
            boxes[visit_id] = _box_of_row(visit_id, *fields, departures=departures)
        snapshot.boxes[(slot_id, tier)] = (boxes[visit_id], primary_of.get(visit_id, slot_id))
    return snapshot


def _box_of_row(
    visit_id, number, length_ft, group, freight_kind, goods, departure, carrier_id, gross_kg, *, departures
) -> Box:
    if departure is not None and departure not in departures:
        departures[departure] = datetime.fromtimestamp(departure, UTC)
    return Box(
        visit_id=visit_id,
        number=number,
        length_ft=length_ft,
        reefer=group == "R" and freight_kind == ContainerVisit.FreightKind.FULL,
        dangerous_goods=tuple(json.loads(goods)) if goods and goods not in ("[]", "null") else (),
        departure=departures[departure] if departure is not None else None,
        outbound_carrier_id=carrier_id,
        gross_kg=gross_kg,
    )


def boxes_of_visits(visit_ids: Iterable[int]) -> list[Box]:
    """The boxes of these stays, read as values in one query (for boxes not standing anywhere yet)."""
    rows = _box_values(ContainerVisit.objects.filter(pk__in=list(visit_ids)), "", "pk")
    departures: dict[float, datetime] = {}
    return [_box_of_row(*row, departures=departures) for row in rows]


def snapshot_around(slot: Slot) -> YardSnapshot:
    """The part of the slot's block that rules may look at for a placement there: in the (small) DG area,
    all of it, since segregation may ask for another block altogether."""
    if slot.block.kind == Block.Kind.DANGEROUS_GOODS:
        return snapshot_load(blocks=[slot.block])
    return snapshot_load(blocks=[slot.block], bays=(slot.bay - NEIGHBOURHOOD_BAYS, slot.bay + 1 + NEIGHBOURHOOD_BAYS))


@dataclass(frozen=True)
class Verdict:
    """A rule's answer: refused (with the error code and reason), or allowed at a cost (lower is better)."""

    allowed: bool
    # For people: lazy (gettext_lazy, format_lazy), so that allocation's thousands of refusals translate nothing;
    # it becomes text in the reader's language where it is shown (an error's detail, an alert).
    reason: str = ""
    code: str = "position_invalid"
    cost: float = 0.0
    cost_label: str = ""
    neighbour_visit_id: int | None = None  # the container a refusal is about, if any

    @classmethod
    def refuse(cls, reason: str, code: str = "position_invalid", neighbour_visit_id: int | None = None) -> "Verdict":
        return cls(False, reason, code, neighbour_visit_id=neighbour_visit_id)


ALLOWED = Verdict(True)

# A rule gets the box, its block, the ground slots it would fill, the tier and the snapshot (yard.hooks).
PlacementRule = Callable[[Box, Block, list[Slot], int, YardSnapshot], Verdict]


def placement_check(box: Box, slot: Slot, tier: int, snapshot: YardSnapshot) -> tuple[Verdict, list[Verdict]]:
    """The first refusal, or ALLOWED with the costs every rule attached. Occupied is its own code."""
    block = snapshot.blocks[slot.block_id]
    slots = snapshot.covered(slot, box)
    if slots is None:
        reason = format_lazy(
            _("a {length}' container needs bay {bay} as well, and it does not exist"),
            length=box.length_ft,
            bay=slot.bay + 1,
        )
        return Verdict.refuse(reason), []
    if any(covered.pk in snapshot.closed for covered in slots):
        return Verdict.refuse(_("a box is on its way to this stack, or it is kept free"), code="position_reserved"), []
    verdict = _stacking_check(box, block, slots, tier, snapshot)
    if not verdict.allowed:
        return verdict, []
    costs = []
    for rule in hooks.placement_rules:
        verdict = rule(box, block, slots, tier, snapshot)
        if not verdict.allowed:
            return verdict, []
        if verdict.cost:
            costs.append(verdict)
    return ALLOWED, costs


def _stacking_check(box: Box, block: Block, slots: list[Slot], tier: int, snapshot: YardSnapshot) -> Verdict:
    if tier > block.max_tier:
        return Verdict.refuse(
            format_lazy(_("block {block} stacks at most {tiers} high"), block=block.code, tiers=block.max_tier)
        )
    for slot in slots:
        occupant = snapshot.box_at(slot.pk, tier)
        if occupant:
            reason = format_lazy(_("it already holds {container}"), container=occupant[0].number)
            return Verdict.refuse(reason, code="position_occupied")
    if tier > 1:
        below = [snapshot.box_at(slot.pk, tier - 1) for slot in slots]
        if any(entry is None for entry in below):
            return Verdict.refuse(_("nothing stands below: a container may not float"))
        if not box.long and below[0][0].long:
            return Verdict.refuse(_("a 20' container may not stand on a 40'"))
        if box.long:
            aligned = below[0][0].long and below[0][1] == slots[0].pk
            two_twenties = not below[0][0].long and not below[1][0].long
            if not (aligned or two_twenties):
                return Verdict.refuse(_("a 40' must stand on a 40' in the same bays or on two 20's"))
    if box.reefer and not all(slot.reefer_power for slot in slots):
        return Verdict.refuse(_("a reefer needs a powered slot"))
    if box.dangerous_goods and block.kind != Block.Kind.DANGEROUS_GOODS:
        return Verdict.refuse(_("dangerous goods stand only in the DG area"))
    return ALLOWED


def removal_check(visit_id: int, slot: Slot, tier: int, snapshot: YardSnapshot) -> Box | None:
    """The box standing on top of this container, if any (it must move first)."""
    entry = snapshot.box_at(slot.pk, tier)
    if entry is None:
        return None
    slots = snapshot.covered(slot, entry[0]) or [slot]
    for covered in slots:
        above = snapshot.box_at(covered.pk, tier + 1)
        if above and above[0].visit_id != visit_id:
            return above[0]
    return None
