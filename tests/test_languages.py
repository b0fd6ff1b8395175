"""Who reads which language: the API by Accept-Language (title and detail, never the code), the admin by the user's
own choice over the browser's, the installation's default otherwise; numbers and dates as each language writes them."""

import pytest
from django.test import override_settings
from django.utils import formats, translation
from django.utils.translation import gettext

from aktau_tos import roles
from aktau_tos.models import UserPreference

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "kk", "zh-hans", "en")


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_api_refusal_speaks_the_requests_language_and_keeps_its_code(client_for, language):
    api = client_for(roles.YARD_CLERK)
    answer = api.get("/api/v1/yard/moves/999999/", HTTP_ACCEPT_LANGUAGE=language).json()
    assert answer["code"] == "move_not_found"
    assert answer["title"] == _in(language, "Move not found")
    if language != "en":
        assert answer["title"] != "Move not found", "no translation in the catalogue"
    invalid = api.post("/api/v1/yard/gate-in/", {}, format="json", HTTP_ACCEPT_LANGUAGE=language).json()
    assert (invalid["code"], invalid["title"]) == ("invalid", _in(language, "Invalid input"))
    assert set(invalid["errors"]) >= {"container", "iso_type", "truck"}  # field names are never translated


def test_an_api_request_without_accept_language_gets_the_installations_language(client_for):
    api = client_for(roles.YARD_CLERK)
    with override_settings(LANGUAGE_CODE="ru"):
        answer = api.get("/api/v1/yard/moves/999999/").json()
    assert answer["title"] == _in("ru", "Move not found") != "Move not found"


def test_the_users_own_language_wins_over_the_browsers_in_the_admin(client, user_with_role):
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    client.force_login(operator)
    russian_browser = {"HTTP_ACCEPT_LANGUAGE": "ru"}
    assert client.get("/admin/", **russian_browser)["Content-Language"] == "ru"

    chosen = client.post("/admin/language/", {"language": "kk", "next": "/admin/yard/"}, **russian_browser)
    assert (chosen.status_code, chosen["Location"]) == (302, "/admin/yard/")
    page = client.get("/admin/", **russian_browser)
    assert page["Content-Language"] == "kk"
    assert _in("kk", "Terminal operations") in page.content.decode()
    preference = UserPreference.objects.get(user=operator)
    assert (preference.language, preference.history.first().history_user) == ("kk", operator)
    # It follows the user to the next log-in, from another browser too.
    client.logout()
    client.cookies.clear()
    client.force_login(operator)
    assert client.get("/admin/", **russian_browser)["Content-Language"] == "kk"

    # Back to the browser's language; a language the installation does not have is refused.
    client.post("/admin/language/", {"language": ""}, **russian_browser)
    assert client.get("/admin/", **russian_browser)["Content-Language"] == "ru"
    assert client.post("/admin/language/", {"language": "de"}).status_code == 400
    assert client.post("/admin/language/", {"language": "kk", "next": "https://elsewhere.example/"})["Location"] == (
        "/admin/"
    )


def test_the_api_ignores_the_users_admin_language(client, client_for, user_with_role):
    """A scanner shows what its user reads: the device's Accept-Language, whoever's preference."""
    api = client_for(roles.YARD_CLERK)
    user = api.handler._force_user
    UserPreference.objects.create(user=user, language="kk")
    answer = api.get("/api/v1/yard/moves/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert answer["title"] == _in("zh-hans", "Move not found")


@pytest.mark.parametrize(
    ("language", "number", "day"),
    [
        ("ru", "1\xa0234,5", "4 декабря 2026 г."),
        ("kk", "1\xa0234,5", "4 желтоқсан 2026 ж."),
        ("en", "1,234.5", "Dec. 4, 2026"),
        ("zh-hans", "1234.5", "2026年12月4日"),
    ],
)
def test_numbers_and_dates_are_written_as_each_language_writes_them(language, number, day):
    from datetime import date

    with translation.override(language):
        assert formats.number_format(1234.5, 1, use_l10n=True, force_grouping=True) == number
        assert formats.date_format(date(2026, 12, 4), "DATE_FORMAT") == day
