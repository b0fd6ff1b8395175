"""The handheld without network, in Chromium at a phone's size: scans are kept on the device (IndexedDB), survive
a reload and a closed app while offline, are sent in order when the network returns, and are applied once even
when an answer is lost on the way. A scan refused after the outage is shown to be fixed; an expired log-in keeps
the scans and sends them after the next log-in."""

from datetime import timedelta

from django.utils import timezone

from aktau_tos import roles
from aktau_tos.models import ApiToken, IdempotentRequest
from tests.browser import ARTIFACTS, BROWSER_TEST
from tests.factories.accounts import PASSWORD
from tests.handheld.steps import confirm, driver_logged_in, scan
from yard import selectors
from yard.models import YardMove

pytestmark = BROWSER_TEST


def outbox_statuses(page) -> list[str]:
    """The scans listed on the device, oldest first."""
    return page.eval_on_selector_all("#outbox-list li", "items => items.map(i => i.dataset.status).reverse()")


def completions(move: YardMove) -> int:
    """How often the move's history records it becoming done: more than once would be a scan applied twice."""
    states = list(move.history.order_by("history_date").values_list("status", flat=True))
    return sum(
        1 for before, after in zip([None, *states], states, strict=False) if after == "done" and before != "done"
    )


def test_scans_made_offline_survive_a_reload_and_a_closed_app_and_are_applied_once(
    live_server, phone, two_moves, user_with_role
):
    first, second = (YardMove.objects.get(pk=move.pk) for move in two_moves)
    driver = user_with_role(roles.DRIVER)
    page = phone.new_page()
    driver_logged_in(page, live_server, driver)

    # The network drops: both confirmations are kept on the device, and the screen moves on to the next move.
    phone.set_offline(True)
    confirm(page, first, "A-02-01-1")
    page.wait_for_selector("#hh-message:has-text('kept on this device')")
    confirm(page, second, "A-02-02-1")
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 2")
    page.wait_for_selector("#queue-empty:not([hidden])")  # rendered after the outbox answered
    assert page.locator("#hh-net").text_content() == "Offline"
    page.screenshot(path=str(ARTIFACTS / "hh-offline-queued.png"))
    assert YardMove.objects.filter(pk__in=[first.pk, second.pk], status="done").count() == 0

    # Reloaded without network: the page comes from the device, the two scans are still there.
    answer = page.reload()
    assert answer.from_service_worker
    page.wait_for_selector("#screen-driver:not([hidden])")
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li').length === 2")
    assert outbox_statuses(page) == ["queued", "queued"]
    page.wait_for_selector("#queue-empty:not([hidden])")  # rendered after the outbox answered

    # The app closed and opened again, still offline: nothing lost.
    page.close()
    page = phone.new_page()
    page.goto(f"{live_server.url}/hh/")
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 2")
    page.screenshot(path=str(ARTIFACTS / "hh-offline-reopened.png"))

    # The network returns, but the first answer is lost on its way back: the server applied it, the device does
    # not know. The device sends it again under the same key, and the server answers it again without applying it.
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)  # the request reaches the server ...
            route.abort("connectionreset")  # ... and its answer never reaches the device
        else:
            route.continue_()

    page.route(f"**/api/v1/yard/moves/{first.pk}/complete/", lose_first_answer)
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the browser does when the network returns
    page.wait_for_function(
        "() => document.querySelectorAll('#outbox-list li[data-status=sent]').length === 2", timeout=30000
    )
    page.screenshot(path=str(ARTIFACTS / "hh-offline-sent.png"))

    assert lost == [200]
    for move in (first, second):
        move.refresh_from_db()
        assert move.status == "done" and completions(move) == 1
    assert selectors.visit_position(first.visit) == "A-02-01-1"
    assert IdempotentRequest.objects.filter(user=driver).count() == 2  # one key per scan, however often sent
    assert page.locator("#hh-net").is_hidden()


def test_a_scan_refused_after_the_outage_is_fixed_and_an_expired_log_in_keeps_the_scans(
    live_server, phone, two_moves, put, user_with_role
):
    first, second = (YardMove.objects.get(pk=move.pk) for move in two_moves)
    driver = user_with_role(roles.DRIVER)
    page = phone.new_page()
    driver_logged_in(page, live_server, driver)

    # Offline, the driver puts the first box down where, meanwhile, another box has been put.
    phone.set_offline(True)
    confirm(page, first, "A-03-01-1")
    confirm(page, second, "A-02-02-1")
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 2")
    blocker = put("A-03-01-1")

    # The log-in expires during the outage: back online, the device is sent to log-in and keeps both scans.
    token = ApiToken.objects.get(user=driver, revoked_at=None)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#screen-login:not([hidden])")
    assert "scans on this device are kept" in page.locator("#hh-message").text_content()
    assert outbox_statuses(page) == ["queued", "queued"]
    page.screenshot(path=str(ARTIFACTS / "hh-offline-expired.png"))

    # Logged in again: the scans go in order; the first is refused (the place is taken), the second applied.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 0")
    assert outbox_statuses(page) == ["refused", "sent"]
    refused = page.locator("#outbox-list li[data-status=refused]")
    assert blocker.container.number in refused.text_content()
    assert "was refused" in page.locator("#hh-message.error").text_content()
    refused.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "hh-offline-refused.png"))
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == "done" and first.status == "dispatched"

    # Fix: the refused move comes first, its container filled in, the position field waiting for the scan.
    refused.get_by_role("button", name="Fix").click()
    number = first.visit.container.number
    page.wait_for_function("() => document.activeElement.id === 'confirm-position'")
    assert page.locator("#move-container").text_content() == number
    assert page.locator("#confirm-container").input_value() == number
    scan(page, "A-02-01-1")
    page.wait_for_selector("#hh-message.ok")
    first.refresh_from_db()
    assert first.status == "done" and completions(first) == 1
    assert page.locator("#outbox-list li[data-status=refused]").count() == 0


# In the page: the app's own outbox (the same module the app loaded). Its first look for queued writes is held a
# moment, as a slow device holds it, so the scan is made while a flush that has already looked is still running.
_SCAN_DURING_A_FLUSH = """async ([path, body]) => {
  const script = document.querySelector("script[type=module]");
  const { outbox } = await import(new URL("core.js", script.src).href);
  const look = outbox.entries.bind(outbox);
  let held = true;
  outbox.entries = async () => {
    const found = await look();
    if (held) {
      held = false;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return found;
  };
  const running = outbox.flush();
  const entry = await outbox.submit({ method: "POST", path, body, key: crypto.randomUUID(), label: "scan" });
  outbox.entries = look;
  await running;
  return entry.status;
}"""


def test_a_scan_made_while_a_flush_is_finishing_is_sent_at_once_not_left_for_the_next_retry(
    live_server, phone, two_moves, user_with_role
):
    """The outbox retries every few seconds. A scan made just as such a retry had looked and found nothing used to
    wait, queued, for the next one: the driver read "kept on this device" with the network up."""
    first = YardMove.objects.get(pk=two_moves[0].pk)
    page = phone.new_page()
    driver_logged_in(page, live_server, user_with_role(roles.DRIVER))

    status = page.evaluate(
        _SCAN_DURING_A_FLUSH,
        [f"yard/moves/{first.pk}/complete/", {"container": first.visit.container.number, "position": "A-02-01-1"}],
    )

    assert status == "sent"
    first.refresh_from_db()
    assert first.status == "done"
