"""The operators' vessel screens in a real headless browser (Debian's Chromium driven by Playwright): the berth
schedule, a call's bay plan as drawn, and a list uploaded through the call's form."""

from django.urls import reverse
from django.utils import timezone

from aktau_tos import roles
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.factories.yard import valid_number
from tests.vessels.conftest import IMO
from vessels import services
from vessels.models import OnBoard

pytestmark = BROWSER_TEST


def box(n: int, cell: str, pod: str, iso_type: str = "22G1", **extra) -> dict:
    return {"number": valid_number(n, "CSQ"), "iso_type": iso_type, "gross_kg": 12_000 + 500 * n, "stowage": cell,
            "pol": "AZBAK", "pod": pod, **extra}  # fmt: skip


def test_schedule_bay_plan_and_an_upload(live_server, browser_page, user_with_role, port, window, un_list, capsys):
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    eta, etd = window
    vessel = services.vessel_register(name="Turkestan", imo=IMO, actor=operator)
    call = services.call_create(vessel=vessel, voyage_in="0412E", berth="CB1", eta=eta, etd=etd, actor=operator,
                                rotation=["AZBAK", "TMKRW"])  # fmt: skip
    rows = [box(1, "010102", "KZAAU"), box(2, "010104", "AZBAK"), box(3, "030102", "TMKRW"),
            box(4, "010182", "AZBAK", iso_type="22R1", temperature_c="-20"),
            box(5, "060102", "TMKRW", iso_type="45G1", dangerous_goods=[{"un_number": "1203", "class": "3"}]),
            box(6, "070202", "KZAAU")]  # fmt: skip
    assert services.discharge_list_apply(call_id=call.pk, containers=rows, actor=operator).problems == []

    page = browser_page
    refused = admin_open(page, live_server, operator, f"{reverse('admin:vessels_vesselcall_changelist')}")
    page.click("#berth-schedule-link")
    page.wait_for_selector("svg#schedule")
    bar = page.locator(f'svg#schedule a.call-bar[data-call="{call.pk}"]')
    assert bar.get_attribute("data-day") == timezone.localtime(call.alongside_from).date().isoformat()
    assert "TURKESTAN" in bar.locator("text").text_content()
    assert "rgb(207, 226, 243)" in bar.locator("rect").evaluate("rect => getComputedStyle(rect).fill")  # expected

    bar.click()
    page.wait_for_selector("#call-bay-plan svg")
    drawn = page.locator("#call-bay-plan g.box.onboard")
    assert drawn.count() == OnBoard.objects.filter(call=call).count() == len(rows)
    assert page.locator("#call-bay-plan figure.bay-section").count() == 2
    forty = page.locator('g.box[data-cell="060102"]')
    assert "dg" in forty.get_attribute("class") and forty.locator("path.dg-mark").count() == 1
    assert "14,500 kg" in forty.locator("title").text_content()
    this_port = page.locator('g.box[data-cell="010102"] rect').evaluate("rect => getComputedStyle(rect).fill")
    through = page.locator('g.box[data-cell="030102"] rect').evaluate("rect => getComputedStyle(rect).fill")
    assert this_port == "rgb(78, 121, 167)" and through != this_port  # coloured by port of discharge
    assert page.locator('g.box[data-cell="010182"] circle.reefer-mark').count() == 1

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#call-bay-plan").screenshot(path=str(ARTIFACTS / "vessel_bay_plan.png"))

    lines = ["number,iso_type,gross_kg,stowage,pod", f"{valid_number(7, 'CSQ')},22G1,15000,030104,AZBAK",
             f"{valid_number(8, 'CSQ')},22G1,15000,030102,AZBAK"]  # the second: a taken cell  # fmt: skip
    csv = "\r\n".join(lines) + "\r\n"
    page.set_input_files("#id_discharge_file", files=[{"name": "more.csv", "mimeType": "text/csv",
                                                         "buffer": csv.encode()}])  # fmt: skip
    page.click("#upload-discharge button[type=submit]")
    page.wait_for_selector("ul.messagelist")
    messages = page.locator("ul.messagelist").inner_text()
    assert "1 row applied, 1 with a problem" in messages and "Row 3" in messages and "cell_taken" in messages
    assert page.locator("#call-bay-plan g.box.onboard").count() == OnBoard.objects.filter(call=call).count() == 7

    page.screenshot(path=str(ARTIFACTS / "vessel_call.png"), full_page=True)
    page.goto(live_server.url + reverse("admin:vessels_call_schedule"))
    page.screenshot(path=str(ARTIFACTS / "berth_schedule.png"), full_page=True)
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the pictures are
        print(f"\nvessel screens' screenshots: {ARTIFACTS}/vessel_call.png, berth_schedule.png, vessel_bay_plan.png")
    assert refused == []  # no inline style or script anywhere on these pages
