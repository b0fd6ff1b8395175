"""The consist document of a train (wagon order, wagons, containers, masses, seals, DG lines) as PDF."""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from rail.models import TrainVisit

COLUMNS = [
    ("wagon_position", "Pos."),
    ("wagon", "Wagon"),
    ("place", "Place"),
    ("container", "Container"),
    ("iso_type", "Type"),
    ("gross_kg", "Gross kg"),
    ("seals", "Seals"),
    ("dangerous_goods", "Dangerous goods"),
]


def consist_pdf(train: TrainVisit, rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=f"Consist {train.train_number}")
    styles = getSampleStyleSheet()
    total = sum(row["gross_kg"] or 0 for row in rows)
    story = [
        Paragraph(f"Aktau container hub — consist of train {train.train_number}", styles["Title"]),
        Paragraph(
            f"Line {train.line.code if train.line else '-'} · to {train.destination or '-'} · "
            f"{len({row['wagon'] for row in rows})} wagons · {len(rows)} containers · {total:,} kg gross",
            styles["Normal"],
        ),
        Spacer(0, 12),
    ]
    table = Table([[label for _, label in COLUMNS]] + [[str(row[key] or "") for key, _ in COLUMNS] for row in rows],
                  repeatRows=1)  # fmt: skip
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f3")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
    ]))  # fmt: skip
    story.append(table)
    document.build(story)
    return buffer.getvalue()
