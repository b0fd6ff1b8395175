"""Reads of the dangerous-goods app."""

from django.db.models import Prefetch

from dangerous_goods.models import DeclarationLine
from yard.models import Occupancy


def inventory() -> list[dict]:
    """Every DG container in the terminal now, by block and position: what emergency services ask for.

    Two queries whatever the yard's size: containers in the yard with a declaration and their position,
    then all their lines.
    """
    occupancies = (
        Occupancy.objects.filter(primary=True, visit__dg_declaration__isnull=False)
        .select_related("slot__block", "visit__container__iso_type", "visit__dg_declaration")
        .prefetch_related(
            Prefetch(
                "visit__dg_declaration__lines",
                queryset=DeclarationLine.objects.select_related("un_entry").order_by("pk"),
            )
        )
        .order_by("slot__block__code", "slot__bay", "slot__row", "tier")
    )
    rows = []
    for occupancy in occupancies:
        slot, visit = occupancy.slot, occupancy.visit
        for line in visit.dg_declaration.lines.all():
            rows.append({
                "block": slot.block.code,
                "position": f"{slot.block.code}-{slot.bay:02d}-{slot.row:02d}-{occupancy.tier}",
                "container": visit.container.number,
                "un_number": line.un_entry.un_number,
                "class": line.class_division,
                "subsidiary_risks": line.subsidiary_risks,
                "packing_group": line.packing_group,
                "proper_shipping_name": line.proper_shipping_name,
                "net_mass_kg": line.net_mass_kg,
                "limited_quantity": line.limited_quantity,
                "ems": line.ems,
            })  # fmt: skip
    return rows
