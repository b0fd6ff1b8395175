"""The yard plan in a real headless browser (Debian's Chromium driven by Playwright): the seeded Aktau layout drawn
to scale, a container found, a stack opened, filters applied, a box placed after the page loaded showing up on its
own, and nothing refused by the content security policy."""

import re

from playwright.sync_api import expect

from aktau_tos import roles
from tests.browser import ARTIFACTS, BROWSER_TEST
from tests.factories.accounts import PASSWORD
from tests.factories.yard import ContainerFactory, ContainerVisitFactory
from yard import reference, services
from yard.admin import BlockAdmin
from yard.layout import layout_apply
from yard.models import IsoSizeType, Slot

pytestmark = BROWSER_TEST

CLASS_3 = [{"un_number": "1203", "class": "3", "packing_group": "II"}]


def cell(position: str) -> str:
    return f'#plan-svg rect.slot[data-position="{position}"]'


def test_the_yard_plan_finds_opens_filters_and_follows_the_yard(
    live_server, browser_page, user_with_role, un_list, monkeypatch, capsys
):
    monkeypatch.setattr(BlockAdmin, "plan_poll_seconds", 1)  # the page asks every second, not every ten
    reference.iso_size_types_load()
    layout_apply()
    operator = user_with_role(roles.OPERATOR, is_staff=True)

    def place(position: str, iso_type: str = "22G1", **visit_fields):
        container = ContainerFactory(iso_type=IsoSizeType.objects.get(code=iso_type))
        visit = ContainerVisitFactory(container=container, **visit_fields)
        move = services.move_plan(visit=visit, kind="receive", actor=operator)
        services.move_complete(move_id=move.pk, container=container.number, position=position, actor=operator)
        return visit

    # A yard in mid-shift: block A filled unevenly, boxes on the rail block, empties stacked high, a reefer, DG.
    for bay in range(1, 13):
        for row in range(1, 5):
            for tier in range(1, (bay + row) % 5 + 1):
                place(f"A-{bay:02d}-{row:02d}-{tier}", line="KMTF" if bay % 3 else "MSC", destination="Baku")
    for bay in (3, 4, 5, 20, 21, 40):
        place(f"R1-{bay:02d}-02-1", line="KTZ", destination="Alat")
    for tier in range(1, 8):  # E1 stacks empties seven high
        place(f"E1-02-01-{tier}", freight_kind="empty", line="MSC")
    place("RF-02-01-1", iso_type="22R1", line="KMTF", destination="Turkmenbashi")
    dangerous = place("DG-03-02-1", dangerous_goods=CLASS_3, line="MSC", destination="Baku")
    held = [place(f"B-05-02-{tier}", line="FESCO", destination="Alat") for tier in (1, 2, 3)]
    services.hold_place(container=held[1].container.number, authority="terminal", kind="documents", actor=operator)

    page = browser_page
    console = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("error", str(error))))  # an exception the script let out
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("text=Yard plan")
    page.wait_for_selector(f'{cell("B-05-02")}[data-height="3"]')  # the first answer has coloured the stacks

    assert page.locator("#plan-svg rect.slot").count() == Slot.objects.count() == 1952 + 80  # and the overflow area
    assert page.locator("#plan-svg polyline.rail").count() == 6  # three lines, two rails each
    assert page.locator("#plan-svg .quay").count() == 1 and page.locator("#plan-svg .gate").count() == 1
    assert "h3" in page.locator(cell("B-05-02")).get_attribute("class").split()
    assert "hold" in page.locator(cell("B-05-02")).get_attribute("class").split()
    assert "dg" in page.locator(cell("DG-03-02")).get_attribute("class").split()
    assert "reefer" in page.locator(cell("RF-02-01")).get_attribute("class").split()
    assert "full" in page.locator(cell("E1-02-01")).get_attribute("class").split()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yard-plan.png"), full_page=True)

    # Find a container as a clerk reads it off the box: its stack is highlighted, zoomed to and opened.
    number = held[1].container.number
    page.fill("#plan-find-number", f"{number[:4].lower()} {number[4:]}")
    page.press("#plan-find-number", "Enter")
    page.wait_for_selector(f"{cell('B-05-02')}.found")
    assert "B-05-02-2" in page.locator("#plan-find-result").inner_text()
    assert page.locator("#plan-svg .found-ring").count() == 1
    page.wait_for_selector("#plan-stack table")
    boxes = page.locator("#plan-stack tbody[data-tier]")
    assert [boxes.nth(index).get_attribute("data-tier") for index in range(3)] == ["3", "2", "1"]  # top tier first
    found_row = page.locator("#plan-stack tbody.found")
    assert found_row.get_attribute("data-number") == number
    assert "Terminal: documents" in found_row.inner_text()
    assert re.search(rf"/admin/yard/containervisit/{held[1].pk}/change/$", found_row.locator("a").get_attribute("href"))
    assert page.locator("#plan-svg").evaluate("svg => svg.classList.contains('detail')")  # bay and row numbers show
    page.screenshot(path=str(ARTIFACTS / "yard-plan-stack.png"), full_page=True)

    # Open another stack by clicking it: its boxes, with their DG lines.
    page.click("[data-zoom=fit]")
    page.fill("#plan-find-number", dangerous.container.number)
    page.press("#plan-find-number", "Enter")
    page.wait_for_selector(f"{cell('DG-03-02')}.found")
    page.click(cell("DG-03-01"))
    page.wait_for_selector("#plan-stack h2:text('DG-03-01')")
    assert "No box stands here." in page.locator("#plan-stack").inner_text()
    page.click(cell("DG-03-02"))
    page.wait_for_selector("#plan-stack .dg-class")
    assert "DG 3 · UN 1203" in page.locator("#plan-stack .dg-class").inner_text()

    # Filters: a line, then a DG class; the other stacks fade.
    matches = page.locator("#plan-svg rect.slot.match")
    page.select_option("#plan-filters select[name=line]", "FESCO")
    expect(matches).to_have_count(1)
    assert matches.get_attribute("data-position") == "B-05-02"
    assert "1 stacks match" in page.locator("#plan-filter-result").inner_text()
    page.select_option("#plan-filters select[name=line]", "")
    page.select_option("#plan-filters select[name=dg]", "3")
    page.wait_for_selector(f"{cell('DG-03-02')}.match")
    expect(matches).to_have_count(1)
    page.check("#plan-filters input[name=reefer]")
    page.select_option("#plan-filters select[name=dg]", "")
    page.wait_for_selector(f"{cell('RF-02-01')}.match")
    expect(matches).to_have_count(1)
    page.click("#plan-filters button[type=reset]")
    expect(page.locator("#plan-svg")).not_to_have_class(re.compile("filtering"))
    expect(matches).to_have_count(0)

    # A box put down after the page loaded shows up without a reload.
    assert page.locator(cell("C-10-03")).get_attribute("data-height") == "0"
    place("C-10-03-1", line="KMTF")
    page.wait_for_selector(f'{cell("C-10-03")}[data-height="1"]', timeout=10_000)

    refused = [text for _kind, text in console if "Content Security Policy" in text]
    errors = [text for kind, text in console if kind == "error"]
    assert refused == [] and errors == []
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the pictures are
        print(f"\nyard plan screenshots: {ARTIFACTS / 'yard-plan.png'}, {ARTIFACTS / 'yard-plan-stack.png'}")
