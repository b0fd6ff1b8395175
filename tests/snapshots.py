"""In-memory yards for testing the placement rules without a database.

    yard = yard_of(block("A"), block("DG", kind=Block.Kind.DANGEROUS_GOODS, bays=10, rows=4))
    stack(yard, box(1), "A-01-01-1")  # where the rules allow it, or the test fails
    verdict = check(yard, box(2), "A-01-01-2")

What `yard.stacking.snapshot_load` reads from the database, built by hand: blocks are Block instances never
saved, ground slots SlotRef tuples, containers Box dataclasses. The rules asked are those a service asks
(`placement_check`: the yard's own and every registered placement rule, e.g. DG segregation).
"""

from datetime import datetime

from tests.factories.yard import valid_number
from yard.models import Block
from yard.positions import position_parse
from yard.stacking import Box, SlotRef, Verdict, YardSnapshot, placement_check


def block(code: str, *, kind: str = Block.Kind.FULL, bays: int = 4, rows: int = 2, max_tier: int = 3) -> Block:
    """A block as BlockFactory makes it (4 bays x 2 rows x 3 tiers unless told), not saved."""
    return Block(code=code, kind=kind, bays=bays, rows=rows, max_tier=max_tier)


def yard_of(*blocks: Block) -> YardSnapshot:
    """An empty yard of these blocks, every ground slot present, those of reefer blocks powered (as BlockFactory
    makes them). Blocks get ids 1, 2, ... in order, slots 1, 2, ... by block, bay and row."""
    slots: dict[int, SlotRef] = {}
    for block_id, each in enumerate(blocks, start=1):
        each.pk = block_id
        power = each.kind == Block.Kind.REEFER
        for bay in range(1, each.bays + 1):
            for row in range(1, each.rows + 1):
                slot = SlotRef(len(slots) + 1, block_id, bay, row, power)
                slots[slot.pk] = slot
    by_place = {(slot.block_id, slot.bay, slot.row): slot for slot in slots.values()}
    return YardSnapshot({each.pk: each for each in blocks}, slots, by_place)


def box(
    visit_id: int,
    *,
    length_ft: int = 20,
    reefer: bool = False,
    dangerous_goods: list[dict] | tuple[dict, ...] = (),
    departure: datetime | None = None,
    carrier: int | None = None,
    gross_kg: int | None = 20_000,
) -> Box:
    """A container (visit `visit_id`, numbered after it); `carrier` is the outbound carrier visit's id."""
    return Box(
        visit_id=visit_id,
        number=valid_number(visit_id),
        length_ft=length_ft,
        reefer=reefer,
        dangerous_goods=tuple(dangerous_goods),
        departure=departure,
        outbound_carrier_id=carrier,
        gross_kg=gross_kg,
    )


def slot_at(yard: YardSnapshot, position: str) -> tuple[SlotRef, int]:
    """The ground slot and tier of a position such as "A-01-02-1"."""
    where = position_parse(position)
    [block_id] = [pk for pk, each in yard.blocks.items() if each.code == where.block]
    return yard.by_place[(block_id, where.bay, where.row)], where.tier


def check(yard: YardSnapshot, container: Box, position: str) -> Verdict:
    """The verdict of every placement rule on putting the container there (it is first lifted out, if it stands
    in the yard, as the services do)."""
    slot, tier = slot_at(yard, position)
    return placement_check(container, slot, tier, yard.without(container.visit_id))[0]


def stack(yard: YardSnapshot, container: Box, position: str) -> Box:
    """Puts the container there (both bays for a 40'), as a completed move would; fails if a rule refuses."""
    verdict = check(yard, container, position)
    assert verdict.allowed, f"setting up the yard: {container.number} at {position}: {verdict.reason}"
    slot, tier = slot_at(yard, position)
    yard.remove(container.visit_id)
    yard.place(container, yard.covered(slot, container), tier)
    return container
