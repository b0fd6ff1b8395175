"""The yard's invariants, checked on what the database holds: a read for long runs (the simulator checks it at
the end of every simulated day) and for tests.

The services refuse an illegal placement and the constraints refuse two boxes in one place; this reads the
persisted yard back and says whether it is still one the stacking rules (`yard.stacking`) would accept as a
whole. Four queries, whatever the history: the occupancies with what the rules need to know (a few thousand
rows at the Aktau layout's size), stays in the yard without a position, open moves of stays that are over, and
moves awaiting a slot that hold a place all the same (the database already keeps them planned and placeless).
The rules of other apps (DG segregation) are theirs to check: see `selectors.visit_placement_verdict`.
"""

from collections import defaultdict
from typing import NamedTuple

from django.db.models import Exists, OuterRef

from yard.models import Block, ContainerVisit, IsoSizeType, Occupancy, SlotReservation, YardMove
from yard.positions import position_format


class _Row(NamedTuple):
    """One occupancy as the rules need it: a 40' has two, one per ground slot it fills."""

    slot_id: int
    block: str
    block_kind: str
    max_tier: int
    bay: int
    row: int
    powered: bool
    tier: int
    primary: bool
    visit_id: int
    state: str
    number: str
    length_ft: int
    group: str
    freight_kind: str
    dangerous_goods: list

    @property
    def place(self) -> str:
        return position_format(self.block, self.bay, self.row, self.tier)

    @property
    def long(self) -> bool:
        return self.length_ft >= 40


_FIELDS = (
    "slot_id", "slot__block__code", "slot__block__kind", "slot__block__max_tier", "slot__bay", "slot__row",
    "slot__reefer_power", "tier", "primary", "visit_id", "visit__state", "visit__container__number",
    "visit__container__iso_type__length_ft", "visit__container__iso_type__group", "visit__freight_kind",
    "visit__dangerous_goods",
)  # fmt: skip


def yard_invariants_check(*, limit: int = 10) -> list[str]:
    """Every way the persisted yard breaks its rules, one sentence each (at most `limit`, then a count of the
    rest); an empty list when the yard is legal."""
    problems: list[str] = []
    at: dict[tuple[int, int], _Row] = {}  # (slot id, tier) -> who stands there
    rows_of: dict[int, list[_Row]] = defaultdict(list)  # visit id -> the slots it fills
    for row in map(_Row._make, Occupancy.objects.values_list(*_FIELDS)):
        if (row.slot_id, row.tier) in at:
            problems.append(f"{row.number} and {at[(row.slot_id, row.tier)].number} both stand at {row.place}")
        at[(row.slot_id, row.tier)] = row
        rows_of[row.visit_id].append(row)
    for rows in rows_of.values():
        problems += _box_problems(rows, at)
    unplaced = ContainerVisit.objects.filter(state=ContainerVisit.State.IN_YARD).exclude(
        Exists(Occupancy.objects.filter(visit=OuterRef("pk"), primary=True))
    )
    for number in unplaced.values_list("container__number", flat=True)[: limit + 1]:
        problems.append(f"{number} is in the yard by its stay, but stands nowhere")
    over = YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES, visit__state=ContainerVisit.State.DEPARTED)
    for pk, kind, number in over.values_list("pk", "kind", "visit__container__number")[: limit + 1]:
        problems.append(f"move {pk} ({kind}) of {number} is still open, but its stay is over")
    holding = SlotReservation.objects.filter(move__awaiting_slot_since__isnull=False).values_list("move_id", flat=True)
    for pk in holding.distinct()[: limit + 1]:
        problems.append(f"move {pk} awaits a slot, but holds a place")
    if len(problems) > limit:
        problems = [*problems[:limit], f"... and {len(problems) - limit} more"]
    return problems


def _box_problems(rows: list[_Row], at: dict[tuple[int, int], _Row]) -> list[str]:
    """What is wrong with one box where it stands: the slots it fills, what stands below, the block's rules."""
    box = next((row for row in rows if row.primary), rows[0])
    where = f"{box.number} at {box.place}"
    problems = []
    if box.state != ContainerVisit.State.IN_YARD:
        problems.append(f"{where} stands in the yard, but its stay is {box.state}")
    expected = {(box.block, box.bay + offset, box.row, box.tier) for offset in ((0, 1) if box.long else (0,))}
    if sum(row.primary for row in rows) != 1 or {(r.block, r.bay, r.row, r.tier) for r in rows} != expected:
        filled = ", ".join(sorted(row.place for row in rows))
        problems.append(f"{where} ({box.length_ft}') fills {filled}: a 20' fills its slot, a 40' the next bay too")
    if box.tier > box.max_tier:
        problems.append(f"{where} stands above block {box.block}'s {box.max_tier} tiers")
    if box.tier > 1:
        below = [at.get((row.slot_id, row.tier - 1)) for row in rows]
        if any(entry is None for entry in below):
            problems.append(f"{where} floats: nothing stands below it")
        elif not box.long and below[0].long:
            problems.append(f"{where} is a 20' standing on a 40'")
        elif box.long and len(rows) == 2 and not _forty_supported(rows, below):
            problems.append(f"{where} is a 40' on neither a 40' in the same bays nor two 20's")
    reefer = box.group == IsoSizeType.Group.REEFER and box.freight_kind == ContainerVisit.FreightKind.FULL
    if reefer and not all(row.powered for row in rows):
        problems.append(f"{where} is a full reefer on a slot without power")
    if box.dangerous_goods and box.block_kind != Block.Kind.DANGEROUS_GOODS:
        problems.append(f"{where} carries dangerous goods outside the DG area (block {box.block})")
    return problems


def _forty_supported(rows: list[_Row], below: list[_Row]) -> bool:
    """On two 20's, or on one 40' whose halves lie under this one's halves (primary under primary)."""
    if not any(entry.long for entry in below):
        return True
    same_box = below[0].visit_id == below[1].visit_id
    return same_box and all(row.primary == entry.primary for row, entry in zip(rows, below, strict=True))
