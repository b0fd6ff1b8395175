"""Berths are layout data: the [[berth]] entries of the yard's layout file. Idempotent, like the yard's part."""

import tomllib
from pathlib import Path

from django.db import transaction

from aktau_tos.audit import fields_update
from vessels.models import Berth
from yard.layout import AKTAU_LAYOUT, REASON
from yard.models import Equipment


@transaction.atomic
def berths_apply(path: Path = AKTAU_LAYOUT) -> int:
    """Creates or updates the file's berths and their machines (which the yard's part created); returns how many."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    berths = data.get("berth", [])
    for spec in berths:
        berth = Berth.objects.filter(code=spec["code"]).first()
        if berth is None:
            berth = Berth.objects.create(code=spec["code"], name=spec.get("name", ""), length_m=spec["length_m"])
        else:
            fields_update(berth, {"name": spec.get("name", ""), "length_m": spec["length_m"]}, REASON)
        machines = list(Equipment.objects.filter(code__in=spec.get("equipment", [])))
        missing = set(spec.get("equipment", [])) - {machine.code for machine in machines}
        if missing:
            raise ValueError(f"Berth {berth.code} names machines the layout does not list: {sorted(missing)}")
        berth.equipment.set(machines)
    return len(berths)
