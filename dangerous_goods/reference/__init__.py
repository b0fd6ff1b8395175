"""Loads the UN dangerous goods list from the CSV beside this module (see README.md here). Idempotent."""

import csv
from pathlib import Path

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from dangerous_goods.models import UnNumber

REFERENCE_DIR = Path(__file__).resolve().parent
_FIELDS = ["un_number", "proper_shipping_name", "class_division", "packing_group", "subsidiary_risks", "imdg_agrees"]


@transaction.atomic
def un_numbers_load(path: Path = REFERENCE_DIR / "un_numbers.csv") -> int:
    """Creates or updates every entry of the list (keyed by its source row); returns how many entries."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    existing = {entry.source_row: entry for entry in UnNumber.objects.all()}
    new, changed = [], []
    for row in rows:
        values = {
            "un_number": row["un_number"],
            "proper_shipping_name": row["proper_shipping_name"],
            "class_division": row["class_division"],
            "packing_group": row["packing_group"],
            "subsidiary_risks": row["subsidiary_risks"],
            "imdg_agrees": row["imdg_42_24_same_class_and_pg"] == "yes"
            and row["imdg_42_24_same_subsidiary_risks"] == "yes",
        }
        entry = existing.get(int(row["hmt_row_id"]))
        if entry is None:
            new.append(UnNumber(source_row=int(row["hmt_row_id"]), **values))
        elif any(getattr(entry, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(entry, field, value)
            changed.append(entry)
    bulk_create_with_history(new, UnNumber, batch_size=500)
    if changed:
        bulk_update_with_history(changed, UnNumber, _FIELDS, batch_size=500)
    return len(rows)
