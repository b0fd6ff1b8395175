"""The consist document of a train (wagon order, wagons, containers, masses, seals, DG lines) as PDF."""

import io
from xml.sax.saxutils import escape

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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
    buffer = io.BytesIO()
    title = gettext("Consist %(train)s") % {"train": train.train_number}
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title)
    styles = getSampleStyleSheet()
    total = sum(row["gross_kg"] or 0 for row in rows)
    wagons = len({row["wagon"] for row in rows})
    summary = [  # one item each, between middle dots
        gettext("Line %(line)s") % {"line": train.line.code if train.line else "-"},
        gettext("to %(destination)s") % {"destination": train.destination or "-"},
        ngettext("%(count)d wagon", "%(count)d wagons", wagons) % {"count": wagons},
        ngettext("%(count)d container", "%(count)d containers", len(rows)) % {"count": len(rows)},
        gettext("%(mass)s kg gross") % {"mass": number_format(total, force_grouping=True)},
    ]
    story = [
        Paragraph(
            escape(gettext("Aktau container hub — consist of train %(train)s") % {"train": train.train_number}),
            styles["Title"],
        ),
        Paragraph(escape(" · ".join(summary)), styles["Normal"]),  # Paragraph reads markup: text is escaped
        Spacer(0, 12),
    ]
    table = Table([[str(label) for _key, label in COLUMNS]]
                  + [[str(row[key] or "") for key, _label in COLUMNS] for row in rows], repeatRows=1)  # fmt: skip
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f3")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ]))  # fmt: skip
    story.append(table)
    document.build(story)
    return buffer.getvalue()
