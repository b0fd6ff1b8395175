"""Each language in a real Chromium whose browser asks for it (Accept-Language): the admin, the nightly report's
preview and the handheld render in it, with the page's `lang` set; screenshots lang-<language>-*.png."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from aktau_tos import roles
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.handheld.steps import page_faults
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401 (fixtures)
from yard.models import YardMove

pytestmark = BROWSER_TEST

BROWSER_LOCALES = {"ru": "ru-RU", "kk": "kk-KZ", "zh-hans": "zh-CN", "en": "en-GB"}


def _in(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@pytest.fixture
def browser_in(browser_page):
    contexts = []

    def open_in(language: str, **options):
        context = browser_page.context.browser.new_context(locale=BROWSER_LOCALES[language], **options)
        contexts.append(context)
        return context.new_page()

    yield open_in
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", list(BROWSER_LOCALES))
def test_the_admin_and_the_report_in_each_language(live_server, browser_in, user_with_role, small_yard, language):  # noqa: F811
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    operator.groups.add(Group.objects.get(name=roles.MANAGER))
    page = browser_in(language, viewport={"width": 1280, "height": 900})
    refused = admin_open(page, live_server, operator, "/admin/")
    page.wait_for_selector("#content")
    assert page.evaluate("() => document.documentElement.lang") == language
    for words in ("Terminal operations", "Yard plan", "Move board"):
        expected = _in(language, words)
        assert expected in page.locator("body").inner_text(), words
        if language != "en":
            assert expected != words, f"{words!r} has no {language} translation"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-admin.png"), full_page=True)

    page.goto(f"{live_server.url}/admin/yard/yardmove/")
    with translation.override(language):
        assert str(YardMove._meta.verbose_name) in page.locator("#content h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-moves.png"))

    page.goto(f"{live_server.url}/admin/yard/block/map/")
    page.wait_for_selector("#plan-svg rect.slot")
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-yard-plan.png"))

    page.goto(f"{live_server.url}/admin/aktau_tos/reportsubscription/preview/")
    assert page.evaluate("() => document.documentElement.lang") == language
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-report.png"), full_page=True)
    assert refused == []


@pytest.mark.parametrize("language", list(BROWSER_LOCALES))
def test_the_handheld_in_each_language(live_server, browser_in, small_yard, clerk, language):  # noqa: F811
    page = browser_in(language, viewport={"width": 360, "height": 640}, has_touch=True)
    faults = page_faults(page)
    page.goto(f"{live_server.url}/hh/")
    assert page.evaluate("() => document.documentElement.lang") == language
    expect(page.get_by_label(_in(language, "Username"))).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-hh-login.png"))
    clerk_logged_in_as(page, live_server, clerk, language)
    for job in ("Gate-in", "Train check-in", "Vessel tally", "Container look-up"):
        expect(page.get_by_role("button", name=_in(language, job), exact=True)).to_be_visible()

    # A refusal from the API, said in the device's language: a box the terminal does not know.
    page.get_by_role("button", name=_in(language, "Container look-up")).click()
    page.keyboard.type("HDMU6676437")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hh-message.error")
    message = page.locator("#hh-message").text_content()
    assert "HDMU6676437" in message
    page.screenshot(path=str(ARTIFACTS / f"lang-{language}-hh-refusal.png"))
    assert faults == []


def clerk_logged_in_as(page, live_server, user, language: str) -> None:
    """The log-in of tests.handheld.steps, with the labels in `language`."""
    from tests.factories.accounts import PASSWORD

    page.get_by_label(_in(language, "Username")).fill(user.username)
    page.get_by_label(_in(language, "Password")).fill(PASSWORD)
    page.get_by_label(_in(language, "Device")).fill("HH-21")
    page.get_by_role("button", name=_in(language, "Log in")).click()
    page.wait_for_selector("#screen-clerk:not([hidden])")


def test_the_handhelds_language_chooser_keeps_the_choice(live_server, browser_in, small_yard):  # noqa: F811
    page = browser_in("en", viewport={"width": 360, "height": 640})
    page.goto(f"{live_server.url}/hh/")
    page.get_by_label("Language").select_option("kk")
    page.wait_for_function("() => document.documentElement.lang === 'kk'")
    expect(page.get_by_label(_in("kk", "Username"))).to_be_visible()
    page.reload()
    assert page.evaluate("() => document.documentElement.lang") == "kk"
