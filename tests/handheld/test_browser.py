"""The handheld in Chromium at a phone's size: log-in, the machine, the queue, a refusal, a confirmation, an
expired token. Scans are typed text ending in Enter, as a scanner's keyboard wedge sends them."""

from datetime import timedelta

from django.utils import timezone

from aktau_tos import roles
from aktau_tos.models import ApiToken
from tests.browser import ARTIFACTS, BROWSER_TEST
from tests.factories.accounts import PASSWORD
from tests.handheld.steps import driver_logged_in, page_faults, scan
from yard import selectors, services

pytestmark = BROWSER_TEST


def test_a_driver_logs_in_works_the_queue_and_is_sent_back_when_the_token_expires(
    live_server, browser_page, small_yard, put, clerk, user_with_role, capsys
):
    first, second = put("A-01-01-1"), put("A-01-02-1")
    neighbour = put("A-03-01-1")
    services.move_create_adhoc(container=first.container.number, to="A-02-01-1", actor=clerk)
    services.move_create_adhoc(container=second.container.number, to="A-02-02-1", actor=clerk)
    services.moves_dispatch()
    queue = selectors.moves_queue(equipment_code="RS-01")
    assert len(queue) == 2
    head, after = queue
    driver = user_with_role(roles.DRIVER)

    phone = browser_page.context.browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    page = phone.new_page()
    problems = page_faults(page)
    ARTIFACTS.mkdir(exist_ok=True)

    # Log-in: the first field has the focus, so the keyboard (or a scanner) needs no tap first.
    page.goto(f"{live_server.url}/hh/")
    page.get_by_label("Username").wait_for()
    assert page.evaluate("document.activeElement.id") == "login-username"
    page.get_by_label("Username").fill(driver.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Device").fill("HH-07")
    page.screenshot(path=str(ARTIFACTS / "hh-login.png"))
    page.get_by_role("button", name="Log in").click()

    # The machine: an unknown code is refused plainly, the right one opens its queue.
    page.get_by_label("Machine").wait_for()
    assert page.evaluate("document.activeElement.id") == "machine-code"
    scan(page, "RS-99")
    page.wait_for_selector("#hh-message.error")
    assert "There is no machine RS-99" in page.locator("#hh-message").text_content()
    scan(page, "rs-01")
    page.wait_for_selector("#screen-driver:not([hidden])")
    token = ApiToken.objects.get(user=driver)
    assert token.device == "HH-07" and token.revoked_at is None

    # The next move, large; the container field waits for the scan.
    assert page.locator("#move-container").text_content() == head.visit.container.number
    assert page.locator("#move-to").text_content() == "A-02-01-1"
    assert page.locator("#move-from").text_content() == "A-01-01-1"
    assert page.locator("#move-kind").text_content() == "Shift"
    assert after.visit.container.number in page.locator("#queue-list").text_content()
    assert page.evaluate("document.activeElement.id") == "confirm-container"
    page.screenshot(path=str(ARTIFACTS / "hh-driver.png"))
    sizes = page.evaluate(
        "[...document.querySelectorAll('#screen-driver button, #screen-driver input, header button')]"
        ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    # The wrong container: refused in plain words, the field ready for the next scan.
    scan(page, second.container.number)
    page.wait_for_selector("#hh-message.error")
    assert "This is not the container of this move" in page.locator("#hh-message").text_content()
    page.screenshot(path=str(ARTIFACTS / "hh-refusal.png"))
    assert page.evaluate("document.activeElement.id") == "confirm-container"

    # The right one, then a place already taken: the API's refusal becomes an instruction.
    scan(page, head.visit.container.number.lower())
    assert page.evaluate("document.activeElement.id") == "confirm-position"
    scan(page, "A-03-01-1")
    page.wait_for_selector("#hh-message.error:has-text('This place is taken')")
    message = page.locator("#hh-message").text_content()
    assert neighbour.container.number in message and "another free place" in message
    page.screenshot(path=str(ARTIFACTS / "hh-occupied.png"))

    # The planned place: done, and the next move comes up.
    assert page.evaluate("document.activeElement.id") == "confirm-position"
    scan(page, "a-2-1-1")
    page.wait_for_selector("#hh-message.ok")
    assert f"Done: {head.visit.container.number} at A-02-01-1" in page.locator("#hh-message").text_content()
    page.wait_for_function(
        f"document.getElementById('move-container').textContent === '{after.visit.container.number}'"
    )
    assert page.evaluate("document.activeElement.id") == "confirm-container"
    head.refresh_from_db()
    assert head.status == "done"
    page.screenshot(path=str(ARTIFACTS / "hh-next.png"))

    # The token expires: the next call sends the driver back to log-in, saying why.
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page.reload()
    page.wait_for_selector("#screen-login:not([hidden])")
    assert "expired" in page.locator("#hh-message").text_content()
    assert page.evaluate("localStorage.getItem('hh.token')") is None
    assert page.get_by_label("Device").input_value() == "HH-07"
    assert page.get_by_label("Username").input_value() == driver.username
    assert page.evaluate("document.activeElement.id") == "login-password"
    page.screenshot(path=str(ARTIFACTS / "hh-expired.png"))

    assert not problems, problems  # nothing the policy refused, no script error
    phone.close()
    with capsys.disabled():
        print(f"\nhandheld screenshots: {ARTIFACTS}/hh-*.png")


def test_a_driver_starts_a_move_then_fails_it_and_cancels_the_next_saying_why(
    live_server, phone, two_moves, user_with_role
):
    first, second = two_moves
    driver = user_with_role(roles.DRIVER)
    page = phone.new_page()
    driver_logged_in(page, live_server, driver)

    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#hh-message.ok:has-text('Started')")
    assert page.locator("#move-start").is_hidden()
    first.refresh_from_db()
    assert first.status == "in_progress" and first.started_at is not None

    # The machine cannot do it: without a reason nothing is sent; with one the move is failed and the next comes up.
    page.get_by_text("Cannot do this move").click()
    page.get_by_role("button", name="Fail move").click()
    page.wait_for_selector("#hh-message.error:has-text('Say why')")
    assert page.evaluate("document.activeElement.id") == "trouble-reason"
    first.refresh_from_db()
    assert first.status == "in_progress"
    page.get_by_label("Reason").fill("Spreader fault")
    page.screenshot(path=str(ARTIFACTS / "hh-trouble.png"))
    page.get_by_role("button", name="Fail move").click()
    page.wait_for_selector("#hh-message.ok:has-text('Reported as failed')")
    first.refresh_from_db()
    assert first.status == "failed"
    failure = first.history.filter(status="failed").latest("history_date")
    assert (failure.history_user, failure.history_change_reason) == (driver, "Spreader fault")

    number = second.visit.container.number
    page.wait_for_function(f"() => document.getElementById('move-container').textContent === '{number}'")
    assert page.get_by_label("Reason").input_value() == ""  # the next move's reason starts empty
    page.get_by_label("Reason").fill("Stack blocked by a reach stacker under repair")
    page.get_by_role("button", name="Cancel move").click()
    page.wait_for_selector("#hh-message.ok:has-text('Cancelled')")
    second.refresh_from_db()
    assert second.status == "cancelled"
    cancelled = second.history.filter(status="cancelled").latest("history_date")
    assert cancelled.history_change_reason == "Stack blocked by a reach stacker under repair"
    page.wait_for_selector("#queue-empty:not([hidden])")
