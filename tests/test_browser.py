"""The operators' yard plan and pages in a real headless browser (Debian's Chromium driven by Playwright)."""

from aktau_tos import roles
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.factories.accounts import PASSWORD
from tests.factories.yard import BlockFactory, ContainerFactory, ContainerVisitFactory, IsoSizeTypeFactory
from yard import services
from yard.models import Block

pytestmark = BROWSER_TEST


def test_yard_map_shows_stacks_and_leads_to_their_containers(live_server, browser_page, user_with_role, capsys):
    """The yard plan (tests/test_browser_plan.py has the rest of it): stacks coloured by height with their flags,
    each block's places used, and from a stack to its containers' pages."""
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    IsoSizeTypeFactory()
    BlockFactory(code="A", bays=6, rows=3, max_tier=3, x_m=100, y_m=260)
    BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=3, rows=2, max_tier=2, x_m=650, y_m=300)
    placed = []
    for position in ["A-01-01-1", "A-01-01-2", "A-01-01-3", "A-04-02-1", "DG-02-01-1"]:
        dg = [{"un_number": "1203", "class": "3"}] if position.startswith("DG") else []
        visit = ContainerVisitFactory(container=ContainerFactory(), dangerous_goods=dg)
        move = services.move_plan(visit=visit, kind="receive", actor=operator)
        services.move_complete(move_id=move.pk, container=visit.container.number, position=position, actor=operator)
        placed.append(visit)
    services.hold_place(container=placed[3].container.number, authority="terminal", kind="documents", actor=operator)

    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.click("text=Yard plan")
    full = page.locator('#plan-svg rect.slot[data-position="A-01-01"]')
    page.wait_for_selector('#plan-svg rect.slot[data-position="A-01-01"][data-height="3"]')

    assert {"h3", "full"} <= set(full.get_attribute("class").split())
    assert full.evaluate("cell => getComputedStyle(cell).fill") == "rgb(254, 224, 139)"  # three high, from plan.css
    assert "hold" in page.locator('rect.slot[data-position="A-04-02"]').get_attribute("class").split()
    assert "dg" in page.locator('rect.slot[data-position="DG-02-01"]').get_attribute("class").split()
    assert page.locator('rect.slot[data-position="A-02-01"]').get_attribute("data-height") == "0"
    assert page.locator('#plan-svg text[data-title="A"]').text_content() == "A4/54"  # places used of 6 x 3 x 3
    # The policy forbids inline styles and scripts, and the plan's colours come from its stylesheet: nothing refused.
    assert "style-src 'self'" in page.evaluate(
        "async () => (await fetch(location.href)).headers.get('content-security-policy')"
    )
    assert not [text for text in console if "Content Security Policy" in text]

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "yard_map.png"), full_page=True)
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the picture is
        print(f"\nyard map screenshot: {ARTIFACTS / 'yard_map.png'}")

    # A block's "plan" link opens the plan zoomed to it; a stack opens to its boxes, each linked to its page.
    page.goto(f"{live_server.url}/admin/yard/block/")
    page.click("#result_list a[href$='#block-A']")
    page.wait_for_selector('#plan-svg rect.slot[data-position="A-01-01"][data-height="3"]')
    full.click()
    page.wait_for_selector("#plan-stack tbody[data-tier]")
    listed = page.locator("#plan-stack tbody[data-tier]").all_inner_texts()
    assert len(listed) == 3
    assert all(any(visit.container.number in box for box in listed) for visit in placed[:3])
    page.click(f"#plan-stack a:text('{placed[2].container.number}')")
    page.wait_for_selector("#containervisit_form")
    assert f"/admin/yard/containervisit/{placed[2].pk}/change/" in page.url
    assert console == []


def test_custom_admin_pages_run_under_the_content_security_policy(live_server, browser_page, user_with_role):
    """Each of our own admin pages loads with no refused style or script, and the print link's script runs."""
    from django.contrib.auth.models import Group
    from django.urls import reverse

    operator = user_with_role(roles.OPERATOR, is_staff=True)
    operator.groups.add(*Group.objects.filter(name__in=[roles.DG_OFFICER, roles.CUSTOMS_OFFICER]))
    page = browser_page
    refused = admin_open(page, live_server, operator, "/admin/")
    pages = ["admin:index", "admin:yard_map", "admin:yard_move_board", "admin:rail_train_board"]
    pages += ["admin:rail_train_upload", "admin:dg_inventory", "admin:customs_control", "api-docs"]
    pages += ["admin:vessels_call_schedule", "admin:customs_inspectionorder_changelist"]
    pages += ["admin:customs_customsdeclaration_changelist", "admin:daily_report_preview"]
    ARTIFACTS.mkdir(exist_ok=True)
    for name in pages:
        path = reverse(name)
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.screenshot(path=str(ARTIFACTS / f"page-{name.replace(':', '-')}.png"), full_page=True)
    # The report as a manager reads it: on a phone and on a desk, nothing wider than the screen.
    for width in (375, 1200):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse("admin:daily_report_preview"))
        page.screenshot(path=str(ARTIFACTS / f"report-{width}.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, width
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(live_server.url + reverse("admin:dg_inventory"))
    page.evaluate("() => { window.printed = false; window.print = () => { window.printed = true; }; }")
    page.click("text=Print")
    assert page.evaluate("() => window.printed")  # the handler comes from the static script, not inline code
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)  # Swagger UI ran and read the schema
    assert refused == []
