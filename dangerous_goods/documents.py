"""The DG emergency list as PDF: every dangerous-goods line in the terminal now, by block and position, for the
fire brigade's hands; in the reader's language and its fonts (aktau_tos.documents). A value nobody declared is
said to be not declared, never left blank: the brigade must know it is unknown."""

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext

from aktau_tos.documents import table_pdf


def emergency_list_pdf(rows: list[dict]) -> bytes:
    """`rows` as dangerous_goods.selectors.emergency_list() gives them."""
    now = timezone.localtime()
    boxes = len({row["container"] for row in rows})
    not_declared = gettext("not declared")
    columns = [
        gettext("Position"), gettext("Container"), gettext("UN"), gettext("Proper shipping name"), gettext("Class"),
        gettext("Sub. risks"), gettext("PG"), gettext("Net mass (kg)"), gettext("LQ"), gettext("EmS (fire, spillage)"),
        gettext("Line"),
    ]  # fmt: skip
    table = [_cells(row, not_declared) for row in rows]
    counted = ngettext(
        "%(count)d dangerous-goods container in the terminal at %(at)s (Aktau time).",
        "%(count)d dangerous-goods containers in the terminal at %(at)s (Aktau time).",
        boxes,
    ) % {"count": boxes, "at": date_format(now, "DATETIME_FORMAT")}
    return table_pdf(
        title=gettext("Dangerous goods in the terminal"),
        heading=gettext("Aktau container hub — dangerous goods in the terminal"),
        lines=[counted] if rows else [counted, gettext("No dangerous goods in the terminal.")],
        columns=columns,
        rows=table,
    )


def _cells(row: dict, not_declared: str) -> list[str]:
    mass = row["net_mass_kg"]
    return [
        row["position"], row["container"], row["un_number"], row["proper_shipping_name"], row["class"],
        row["subsidiary_risks"] or "—", row["packing_group"] or "—",
        not_declared if mass is None else number_format(mass, force_grouping=True),
        gettext("yes") if row["limited_quantity"] else gettext("no"), row["ems"] or not_declared, row["line"] or "—",
    ]  # fmt: skip
