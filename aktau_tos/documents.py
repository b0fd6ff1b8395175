"""Fonts for the PDFs the terminal prints (the train's consist, the DG emergency list), embedded in each file.

reportlab's built-in fonts hold Latin only. A document in Russian or Kazakh needs Cyrillic with the Kazakh
letters (ә ғ қ ң ө ұ ү һ і), one in Chinese the CJK ideographs: DejaVu Sans for the first, WenQuanYi Micro Hei
(which holds Latin and Cyrillic too) for Chinese. Both are Debian font packages that `make run` and `make test`
install (fonts-dejavu-core, fonts-wqy-microhei); settings.PDF_FONTS says where they are. Nothing is fetched.
"""

import io
from functools import cache
from html import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@cache
def _registered(path: str, name: str) -> str:
    try:
        font = TTFont(name, path, subfontIndex=0)  # the first face of a collection (.ttc)
    except OSError as error:
        raise ImproperlyConfigured(
            f"PDF font {path} cannot be read ({error}); install the Debian packages fonts-dejavu-core and "
            "fonts-wqy-microhei, or point settings.PDF_FONTS at fonts that hold Cyrillic and Chinese."
        ) from None
    pdfmetrics.registerFont(font)
    return name


def pdf_fonts(language: str | None = None) -> tuple[str, str]:
    """The (regular, bold) font names to use for a document in `language` (the active one by default)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    key = language if language in settings.PDF_FONTS else "default"
    regular, bold = settings.PDF_FONTS[key]
    return _registered(regular, f"{key}-regular"), _registered(bold, f"{key}-bold")


def table_pdf(*, title: str, heading: str, lines: list[str], columns: list[str], rows: list[list[str]]) -> bytes:
    """A landscape A4 document: a heading, a few lines of summary, and a table whose header row repeats on every
    page; in the active language's fonts, with long cells wrapped. Texts are plain (escaped here, not markup)."""
    regular, bold = pdf_fonts()
    styles = getSampleStyleSheet()
    heading_style = ParagraphStyle("heading", parent=styles["Title"], fontName=bold)
    text_style = ParagraphStyle("text", parent=styles["Normal"], fontName=regular)
    cell_style = ParagraphStyle("cell", parent=styles["Normal"], fontName=regular, fontSize=8, leading=10)
    header_style = ParagraphStyle("header", parent=cell_style, fontName=bold)

    def cells(values: list[str], style: ParagraphStyle) -> list[Paragraph]:
        return [Paragraph(escape(str(value), quote=False), style) for value in values]

    table = Table([cells(columns, header_style)] + [cells(row, cell_style) for row in rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde6f3")), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey)]
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, lang=translation.get_language() or "")
    story = [Paragraph(escape(heading, quote=False), heading_style)]
    story += [Paragraph(escape(line, quote=False), text_style) for line in lines]
    document.build([*story, Spacer(0, 12), table])
    return buffer.getvalue()
