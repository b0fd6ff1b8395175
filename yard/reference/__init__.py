"""Loads the yard's reference data from the CSV files beside this module (see README.md here)."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from aktau_tos.audit import fields_update
from yard.models import IsoSizeType, IsoTypeAlias

REFERENCE_DIR = Path(__file__).resolve().parent


def _rows(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _sync(model, lookup: dict, values: dict) -> None:
    """Creates the row, or updates the fields that differ (an unchanged row writes no history)."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        fields_update(obj, values, _("reference data load"))


@transaction.atomic
def iso_size_types_load() -> int:
    """Creates or updates every size/type and legacy alias the files list; returns how many size/types."""
    rows = _rows("iso6346_size_types.csv")
    for row in rows:
        _sync(
            IsoSizeType,
            {"code": row["code"]},
            {
                "length_ft": int(row["length_ft"]),
                "length_mm": int(row["length_mm"]),
                "height_mm": int(row["height_mm"]),
                "width_mm": int(row["width_mm"]),
                "group": row["type_group_letter"],
                "type_code": row["type_code"],
                "description": row["description"],
                "teu": Decimal(row["teu"]),
            },
        )
    for row in _rows("iso6346_legacy_codes.csv"):
        _sync(IsoTypeAlias, {"alias": row["legacy_code"]}, {"iso_type_id": row["iso_code"]})
    return len(rows)
