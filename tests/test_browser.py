"""The operators' yard map in a real headless browser (Debian's Chromium driven by Playwright)."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

from aktau_tos import roles
from tests.factories.accounts import PASSWORD
from tests.factories.yard import BlockFactory, ContainerFactory, ContainerVisitFactory, IsoSizeTypeFactory
from yard import services
from yard.models import Block

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        browser.close()
    # The live server's request threads may leave a database session behind when the browser hangs up
    # (Django closes them per request, not per thread exit); end them, or the test database cannot be dropped.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def test_yard_map_shows_stacks_and_leads_to_their_containers(live_server, browser_page, user_with_role, capsys):
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    IsoSizeTypeFactory()
    BlockFactory(code="A", bays=6, rows=3, max_tier=3)
    BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=3, rows=2, max_tier=2)
    placed = []
    for position in ["A-01-01-1", "A-01-01-2", "A-01-01-3", "A-04-02-1", "DG-02-01-1"]:
        dg = [{"un_number": "1203", "class": "3"}] if position.startswith("DG") else []
        visit = ContainerVisitFactory(container=ContainerFactory(), dangerous_goods=dg)
        move = services.move_plan(visit=visit, kind="receive", actor=operator)
        services.move_complete(move_id=move.pk, container=visit.container.number, position=position, actor=operator)
        placed.append(visit)
    services.hold_place(container=placed[3].container.number, authority="terminal", kind="documents", actor=operator)

    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("text=Yard map")
    page.wait_for_selector("#block-A")

    full = page.locator('td[data-position="A-01-01"]')
    assert full.get_attribute("data-height") == "3"
    assert "rgb(242, 139, 130)" in full.evaluate("cell => getComputedStyle(cell).backgroundColor")  # full: red
    assert "hold" in page.locator('td[data-position="A-04-02"]').get_attribute("class")
    assert "dg" in page.locator('td[data-position="DG-02-01"]').get_attribute("class")
    assert page.locator('td[data-position="A-02-01"]').get_attribute("data-height") == "0"
    assert "4 of 54 places used" in page.locator("#block-A h2").inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yard_map.png"), full_page=True)
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the picture is
        print(f"\nyard map screenshot: {ARTIFACTS / 'yard_map.png'}")

    full.locator("a").click()
    page.wait_for_selector("#result_list")
    listed = page.locator("#result_list tbody tr").all_inner_texts()
    assert len(listed) == 3
    assert all(any(visit.container.number in row for row in listed) for visit in placed[:3])
