"""Reads of the dangerous-goods app."""

from django.db.models import Prefetch, Q

from dangerous_goods.models import DeclarationLine
from yard.models import ContainerVisit, Occupancy

# The inventory's contract (API, CSV): emergency_list() rows carry these and more for the printable page.
INVENTORY_FIELDS = (
    "block", "position", "container", "un_number", "class", "subsidiary_risks", "packing_group",
    "proper_shipping_name", "net_mass_kg", "limited_quantity", "ems",
)  # fmt: skip


def emergency_list() -> list[dict]:
    """Every DG line in the terminal now, by block and position: what the fire brigade asks for.

    Each row also carries the container's id and its shipping line (whom to call: the declarations hold no
    other contact). A box whose goods were declared at the gate after its stay was announced has no DG
    declaration row, only the lines checked on arrival: it is listed from those, not left out. Net mass and EmS
    are None or "" when nobody declared them, for the page to say so. Two queries whatever the yard's size.
    """
    declared = Q(visit__dg_declaration__isnull=False) | ~Q(visit__dangerous_goods=[])
    occupancies = (
        Occupancy.objects.filter(declared, primary=True)
        .select_related("slot__block", "visit__container", "visit__dg_declaration")
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
        where = {
            "block": slot.block.code,
            "position": f"{slot.block.code}-{slot.bay:02d}-{slot.row:02d}-{occupancy.tier}",
            "container": visit.container.number,
            "container_id": visit.container_id,
            "line": visit.line,
        }
        rows.extend({**where, **goods} for goods in _goods_of(visit))
    return rows


def inventory() -> list[dict]:
    """The emergency list as the API and the spreadsheet give it (INVENTORY_FIELDS)."""
    return [{field: row[field] for field in INVENTORY_FIELDS} for row in emergency_list()]


def _goods_of(visit: ContainerVisit) -> list[dict]:
    """The visit's lines: its declaration's (the DG office's record), else those checked on arrival."""
    declaration = getattr(visit, "dg_declaration", None)  # fetched with the visit; None when there is none
    if declaration is not None:
        return [
            {
                "un_number": line.un_entry.un_number,
                "class": line.class_division,
                "subsidiary_risks": line.subsidiary_risks,
                "packing_group": line.packing_group,
                "proper_shipping_name": line.proper_shipping_name,
                "net_mass_kg": line.net_mass_kg,
                "limited_quantity": line.limited_quantity,
                "ems": line.ems,
            }
            for line in declaration.lines.all()
        ]
    return [
        {
            "un_number": line.get("un_number", ""),
            "class": line.get("class", ""),
            "subsidiary_risks": _risks_text(line.get("subsidiary_risks")),
            "packing_group": line.get("packing_group", ""),
            "proper_shipping_name": line.get("proper_shipping_name", ""),
            "net_mass_kg": line.get("net_mass_kg"),
            "limited_quantity": bool(line.get("limited_quantity", False)),
            "ems": line.get("ems", ""),
        }
        for line in visit.dangerous_goods
    ]


def _risks_text(risks: list[str] | str | None) -> str:
    """Subsidiary risks as the declarations write them ("8;6.1"); checked lines carry them as a list."""
    return risks if isinstance(risks, str) else ";".join(risks or [])
