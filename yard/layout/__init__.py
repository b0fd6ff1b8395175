"""Applies a yard layout file (TOML; see aktau.toml here) to the database. Idempotent."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import fields_update
from yard.models import AccessPoint, Block, Equipment, Slot

AKTAU_LAYOUT = Path(__file__).resolve().parent / "aktau.toml"
REASON = "layout file applied"
_BLOCK_FIELDS = ("name", "kind", "equipment_kind", "bays", "rows", "max_tier", "x_m", "y_m")


@dataclass(frozen=True)
class LayoutSummary:
    blocks: int
    ground_slots: int
    slots_created: int
    equipment: int


@transaction.atomic
def layout_apply(path: Path = AKTAU_LAYOUT) -> LayoutSummary:
    """Creates or updates access points, blocks, their slots and the equipment the file lists."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"Cannot read the layout file {path}: {error}") from error
    for point in data.get("access_point", []):
        obj, _ = AccessPoint.objects.get_or_create(kind=point["kind"], defaults={"x_m": 0, "y_m": 0})
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
        machine, _ = Equipment.objects.get_or_create(
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
