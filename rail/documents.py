"""The consist document of a train (wagon order, wagons, containers, masses, seals, DG lines) as PDF, in the
reader's language and its fonts (aktau_tos.documents)."""

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext

from aktau_tos.documents import table_pdf
from rail.models import TrainVisit

# The rows' keys (services.consist_rows) and the column headings, in the active language when the PDF is built.
COLUMNS = [
    # Translators: column heading of the consist document: the wagon's position in the train.
    ("wagon_position", gettext_lazy("Pos.")),
    ("wagon", gettext_lazy("Wagon")),
    # Translators: column heading of the consist document: the container's place on its wagon, 1 at the front end.
    ("place", gettext_lazy("Place")),
    ("container", gettext_lazy("Container")),
    ("iso_type", gettext_lazy("Type")),
    ("gross_kg", gettext_lazy("Gross kg")),
    ("seals", gettext_lazy("Seals")),
    ("dangerous_goods", gettext_lazy("Dangerous goods")),
]


def consist_pdf(train: TrainVisit, rows: list[dict]) -> bytes:
    total = sum(row["gross_kg"] or 0 for row in rows)
    wagons = len({row["wagon"] for row in rows})
    summary = [  # one item each, between middle dots
        gettext("Line %(line)s") % {"line": train.line.code if train.line else "-"},
        gettext("to %(destination)s") % {"destination": train.destination or "-"},
        ngettext("%(count)d wagon", "%(count)d wagons", wagons) % {"count": wagons},
        ngettext("%(count)d container", "%(count)d containers", len(rows)) % {"count": len(rows)},
        gettext("%(mass)s kg gross") % {"mass": number_format(total, force_grouping=True)},
    ]
    return table_pdf(
        title=gettext("Consist %(train)s") % {"train": train.train_number},
        heading=gettext("Aktau container hub — consist of train %(train)s") % {"train": train.train_number},
        lines=[" · ".join(summary)],
        columns=[str(label) for _key, label in COLUMNS],
        rows=[[_cell(key, row[key]) for key, _label in COLUMNS] for row in rows],
    )


def _cell(key: str, value) -> str:
    if key == "gross_kg" and value is not None:
        return number_format(value, force_grouping=True)
    return str(value or "")
