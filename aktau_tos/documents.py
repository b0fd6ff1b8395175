"""Fonts for the PDFs the terminal prints (the train's consist, the DG emergency list), embedded in each file.

reportlab's built-in fonts hold Latin only. A document in Russian or Kazakh needs Cyrillic with the Kazakh
letters (ә ғ қ ң ө ұ ү һ і), one in Chinese the CJK ideographs: DejaVu Sans for the first, WenQuanYi Micro Hei
(which holds Latin and Cyrillic too) for Chinese. Both are Debian font packages that `make run` and `make test`
install (fonts-dejavu-core, fonts-wqy-microhei); settings.PDF_FONTS says where they are. Nothing is fetched.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont


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
