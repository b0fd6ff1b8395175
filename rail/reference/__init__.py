"""Loads the wagon catalogue and the Aktau loading lines. Idempotent."""

import csv
from pathlib import Path

from django.db import transaction

from rail.models import LoadingLine, WagonModel
from yard.models import Block

REFERENCE_DIR = Path(__file__).resolve().parent
# The hub's three loading/unloading lines, each long enough for a block train of about 57 platforms,
# worked by the rail-mounted gantries over blocks R1 and R2.
LINES = [
    ("L1", "Loading line 1", 60, ["R1"]),
    ("L2", "Loading line 2", 60, ["R1", "R2"]),
    ("L3", "Loading line 3", 60, ["R2"]),
]


def _tonnes_kg(value: str) -> int | None:
    try:
        return round(float(value) * 1000)
    except ValueError:
        return None


@transaction.atomic
def rail_reference_load(path: Path = REFERENCE_DIR / "wagons.csv") -> int:
    """Creates the wagon models of the file that are not there yet (operators' edits are kept)."""
    created = 0
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["gauge_mm"] != "1520":
                continue
            _, new = WagonModel.objects.get_or_create(
                code=row["model"],
                defaults={
                    "kind": row["kind"],
                    "payload_kg": _tonnes_kg(row["load_capacity_t"]),
                    "tare_kg": _tonnes_kg(row["tare_t"]),
                    "length_mm": int(row["length_over_couplers_mm"])
                    if row["length_over_couplers_mm"].isdigit()
                    else None,
                    "notes": row["container_combinations_or_notes"],
                    # 60' platforms take three 20' boxes; the 46' platform takes a 45'.
                    "units_20ft": 3 if row["model"] in ("13-470", "13-9004", "13-4117") else 2,
                    "allows_45": row["model"] == "13-6724",
                    "max_box_gross_kg": 40_000 if row["model"] == "13-6724" else None,  # "containers up to 40 t"
                    "source": row["source"],
                },
            )
            created += new
    for code, name, length, blocks in LINES:
        line, _ = LoadingLine.objects.get_or_create(code=code, defaults={"name": name, "length_wagons": length})
        line.blocks.set(Block.objects.filter(code__in=blocks))
    return created
