"""Pages in a real headless browser: Debian's Chromium driven by Playwright, for the browser tests of every app.

A browser test module takes `BROWSER_TEST` as its marks and the `browser_page` fixture (tests/conftest.py).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"  # screenshots, ignored by git

BROWSER_TEST = [
    pytest.mark.system,  # chromium, and a live server
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


def browser_page_open():
    """A 1400 x 900 page in a fresh headless Chromium; closed when the generator ends."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser.new_page(viewport={"width": 1400, "height": 900})
        browser.close()


def admin_open(page, live_server, user, path: str) -> list[str]:
    """Logs `user` in to the admin in `page` and lands on `path`. Returns the list that collects what the content
    security policy refused on the pages opened from then on (a test asserts it stays empty)."""
    from tests.factories.accounts import PASSWORD

    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else 0)
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return refused
