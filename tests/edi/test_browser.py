"""The data exchange screens in a real headless browser (Debian's Chromium driven by Playwright): the inbox, a
rejected message's page with its segments, and processing it again once its call is announced."""

from django.urls import reverse
from playwright.sync_api import expect

from aktau_tos import roles
from edi import services
from edi.models import Message, Partner
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.edi.conftest import sample
from tests.edi.test_admin import BAPLIE, announce_the_bay_plans_call
from vessels.models import OnBoard

pytestmark = BROWSER_TEST


def test_inbox_message_segments_and_process_again(live_server, browser_page, user_with_role, port, settings, capsys):
    settings.EDI_TERMINAL_ID = "OOCLIES"  # the sample bay plan's recipient and port of discharge stand for this one
    settings.TERMINAL_LOCODE = "CNYTN"
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    Partner.objects.create(code="OOL", name="OOCL", unb_id="LBCTI", sends=["BAPLIE"])
    services.interchange_receive(raw=sample(BAPLIE), actor=operator)
    message = Message.objects.get()
    assert message.status == "rejected"  # its call is not announced yet

    page = browser_page
    refused = admin_open(page, live_server, operator, f"{reverse('admin:edi_inboxmessage_changelist')}")
    page.wait_for_selector("#result_list")
    assert page.locator("#result_list tbody tr").count() == 1
    assert "Rejected" in page.locator("#result_list tbody tr").inner_text()
    page.click("#edi-upload summary")  # the upload form opens without a script
    expect(page.locator("#edi-upload textarea")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "edi_inbox.png"), full_page=True)

    page.click(f"#result_list a:has-text('{message.reference}')")
    page.wait_for_selector("#edi-message-segments table")
    assert page.locator("#edi-message-status").inner_text() == "Rejected"
    tdt = page.locator("#edi-message-segments tr[data-tag=TDT]").first
    assert tdt.locator(".edi-component", has_text="OOCL BEIJING").count() == 1
    assert "+" in tdt.locator(".edi-element").nth(1).evaluate("e => getComputedStyle(e, '::before').content")
    assert "vessel_call_unknown" in page.locator("#edi-message-problems").inner_text()
    assert "UNH+1907+BAPLIE" in page.locator("pre.edi-raw").inner_text()

    announce_the_bay_plans_call(operator)
    page.click("#edi-reprocess button[type=submit]")
    page.wait_for_selector("ul.messagelist")
    assert "processed again: Accepted" in page.locator("ul.messagelist").inner_text()
    assert page.locator("#edi-message-status").inner_text() == "Accepted"
    assert page.locator("#edi-reprocess").count() == 0
    assert OnBoard.objects.count() == 3
    page.screenshot(path=str(ARTIFACTS / "edi_message.png"), full_page=True)
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the pictures are
        print(f"\nEDI screens' screenshots: {ARTIFACTS}/edi_inbox.png, edi_message.png")
    assert refused == []  # no inline style or script anywhere on these pages
