"""The handheld's steps as a user takes them: scans typed as a scanner's keyboard wedge sends them (text, Enter)."""

from tests.factories.accounts import PASSWORD
from yard.models import YardMove


def scan(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def page_faults(page) -> list[str]:
    """What the page logs as a fault from now on: a script error, or anything the policy refused. The refusals
    the tests provoke (404, 409) and an outage are logged as failed loads, which are expected."""
    problems = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def logged_in(page, live_server, user, device: str) -> None:
    """Through the log-in form; returns with the form sent (the next screen may still be on its way)."""
    page.goto(f"{live_server.url}/hh/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Device").fill(device)
    page.get_by_role("button", name="Log in").click()


def clerk_logged_in(page, live_server, clerk) -> None:
    logged_in(page, live_server, clerk, "HH-21")
    page.wait_for_selector("#screen-clerk:not([hidden])")


def driver_logged_in(page, live_server, driver) -> None:
    logged_in(page, live_server, driver, "HH-11")
    page.get_by_label("Machine").wait_for()
    scan(page, "RS-01")
    page.wait_for_selector("#screen-driver:not([hidden])")
    # The service worker has kept the app's files once it is active and answers for the page.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def confirm(page, move: YardMove, position: str) -> None:
    number = move.visit.container.number
    page.wait_for_function(f"() => document.getElementById('move-container').textContent === '{number}'")
    scan(page, number)
    scan(page, position)
