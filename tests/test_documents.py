"""The PDFs in each language: the train's consist and the DG emergency list, read back as text. Their fonts are
embedded and hold what the language writes (Cyrillic with the Kazakh letters, Chinese); numbers and dates as the
language writes them."""

import io

import pypdf
import pytest
from django.utils import formats, translation
from django.utils.translation import gettext

from aktau_tos import roles
from tests.dangerous_goods.conftest import GASOLINE, arrive, clerk, dg_yard, place  # noqa: F401 (fixtures)
from tests.rail.test_outbound import booked, outbound  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "kk", "zh-hans", "en")


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def _read(pdf: bytes) -> tuple[str, set[str]]:
    """The document's text, and the names of the fonts embedded in it (a font only named is not embedded)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font["/BaseFont"]))
    return text, embedded


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_consist_in_each_language(outbound, client_for, language):  # noqa: F811
    booked(outbound, "A-01-01-1", gross_kg=21_500)  # booked to the train: the consist lists its wagons, and it
    operator = client_for(roles.OPERATOR)
    response = operator.get(f"/api/v1/rail/visits/{outbound}/consist/?as=pdf", HTTP_ACCEPT_LANGUAGE=language)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text, fonts = _read(response.content)
    title = _in(language, "Aktau container hub — consist of train %(train)s") % {"train": "KZ-3001"}
    assert title in text.replace("\n", " ")
    for heading in ("Wagon", "Container", "Seals"):
        assert _in(language, heading) in text
    if language != "en":
        assert _in(language, "Wagon") != "Wagon", "no translation in the catalogue"
    assert fonts and all("Helvetica" not in font for font in fonts), fonts


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dg_emergency_list_in_each_language(client, place, user_with_role, language):  # noqa: F811
    place([{**GASOLINE, "net_mass_kg": "12345.5"}], "DG-05-02-1")
    client.force_login(user_with_role(roles.DG_OFFICER, is_staff=True))
    response = client.get("/admin/dangerous_goods/declaration/inventory/?format=pdf", HTTP_ACCEPT_LANGUAGE=language)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text, fonts = _read(response.content)
    flat = text.replace("\n", " ")
    assert _in(language, "Aktau container hub — dangerous goods in the terminal") in flat
    assert "1203" in text and "DG-05-02-1" in text
    with translation.override(language):
        mass = formats.number_format(12345.5, use_l10n=True, force_grouping=True)
    assert mass.replace("\xa0", " ") in flat.replace("\xa0", " ")
    assert _in(language, "not declared") in flat  # EmS was not declared
    assert fonts, "no embedded font"


def test_kazakh_letters_and_chinese_are_in_the_embedded_fonts():
    """Each language's font has a glyph for every letter it writes (a missing one prints as a blank box)."""
    from reportlab.pdfbase import pdfmetrics

    from aktau_tos.documents import pdf_fonts

    for language, letters in (("kk", "ӘәҒғҚқҢңӨөҰұҮүҺһІі"), ("ru", "ЁёЙйЩщЪъ"), ("zh-hans", "集装箱危险货物编组单")):
        regular, bold = pdf_fonts(language)
        for name in (regular, bold):
            font = pdfmetrics.getFont(name)
            assert all(ord(letter) in font.face.charToGlyph for letter in letters), (language, name)
