"""The clerk's handheld in Chromium at a phone's size: the menu, the container look-up, the gate-in (allocated,
refused, made offline), the train check-in wagon by wagon, and the vessel tally. Scans are typed text ending in
Enter, as a scanner's keyboard wedge sends them."""

from playwright.sync_api import expect

from aktau_tos.models import IdempotentRequest
from rail.models import WagonContainer
from rail.services import train_list_register
from tests.browser import ARTIFACTS, BROWSER_TEST
from tests.handheld.steps import clerk_logged_in, page_faults, scan
from tests.rail.test_trains import rail_yard, train_list  # noqa: F401 (a fixture)
from tests.vessels.conftest import alongside, bay_plan_box, port, window  # noqa: F401 (fixtures)
from vessels import services as vessel_services
from vessels.models import Tally
from yard import selectors
from yard.models import ContainerVisit, Hold, YardMove
from yard.services import hold_place

pytestmark = BROWSER_TEST

NEW_BOX = "HDMU6676437"  # a valid number the terminal does not know yet


def active(page) -> str:
    return page.evaluate("() => document.activeElement.id")


def message(page) -> str:
    return page.locator("#hh-message").text_content()


def fits_the_phone(page, screen: str) -> None:
    """Every visible control of the screen is a large touch target, and nothing is wider than the phone."""
    sizes = page.evaluate(
        f"() => [...document.querySelectorAll('#screen-{screen} button, #screen-{screen} select, "
        f"#screen-{screen} input:not([type=checkbox])')]"
        ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 48, sizes
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360


def test_a_clerk_looks_up_a_held_box_and_gates_in_trucks(live_server, phone, small_yard, put, clerk, operator):
    held = put("A-01-01-1")
    hold_place(
        container=held.container.number, authority=Hold.Authority.TERMINAL, kind="damage_survey",
        reason="Door damaged", actor=operator,
    )  # fmt: skip
    page = phone.new_page()
    problems = page_faults(page)
    ARTIFACTS.mkdir(exist_ok=True)

    # The menu: the clerk's jobs.
    clerk_logged_in(page, live_server, clerk)
    for job in ("Gate-in", "Train check-in", "Vessel tally", "Container look-up", "Drive a machine"):
        expect(page.get_by_role("button", name=job, exact=True)).to_be_visible()
    fits_the_phone(page, "clerk")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-menu.png"))

    # The look-up of a held box: where it stands and who holds it.
    page.get_by_role("button", name="Container look-up").click()
    scan(page, held.container.number.lower())
    page.wait_for_selector("#lookup-result:not([hidden])")
    assert "A-01-01-1" in page.locator("#lookup-facts").text_content()
    holds = page.locator("#lookup-holds").text_content()
    assert "H-" in holds and "terminal" in holds and "Door damaged" in holds
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-lookup.png"))
    page.get_by_role("button", name="Back").first.click()

    # Gate-in: the truck, then the container; a number with a wrong check digit is refused on the device.
    page.get_by_role("button", name="Gate-in", exact=True).click()
    page.wait_for_selector("#screen-gate:not([hidden])")
    assert active(page) == "gate-truck"
    scan(page, "045akt12")
    assert active(page) == "gate-container"
    scan(page, "HDMU 667643 8")
    page.wait_for_selector("#hh-message.error")
    assert "the last digit should be 7" in message(page)
    assert active(page) == "gate-container"
    scan(page, "hdmu 667643 7")
    assert active(page) == "gate-iso"
    scan(page, "45g1")
    assert active(page) == "gate-gross"
    scan(page, "24000")
    scan(page, "kz123456")
    assert active(page) == "gate-button"  # the seal does not send: the DG lines come after it
    # A DG line badly written is refused on the device, and nothing is sent.
    page.get_by_role("button", name="Add a dangerous goods line").click()
    page.keyboard.type("12O3")
    page.get_by_role("button", name="Gate in", exact=True).click()
    page.wait_for_selector("#hh-message.error:has-text('UN number has 4 digits')")
    assert not ContainerVisit.objects.filter(container__number=NEW_BOX).exists()
    fits_the_phone(page, "gate")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-gate.png"), full_page=True)
    page.get_by_role("button", name="Remove this line").click()
    page.get_by_role("button", name="Gate in", exact=True).click()

    # Allocated: the place large, for the truck driver; the stay and its move in the database.
    page.wait_for_selector("#gate-result:not([hidden])")
    place = page.locator("#gate-result-to").text_content()
    visit = ContainerVisit.objects.get(container__number=NEW_BOX)
    move = YardMove.objects.get(visit=visit)
    assert move.kind == "receive" and selectors.move_to(move) == place and place.startswith("A-")
    assert (visit.state, visit.gross_kg, visit.seals, visit.category) == ("expected", 24000, ["KZ123456"], "export")
    assert visit.inbound_carrier.reference == "045AKT12"
    assert f"drives to {place}" in page.locator("#hh-message.ok").text_content()
    assert page.locator("#gate-result-to").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 40
    fits_the_phone(page, "gate")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-gate-place.png"))

    # The next truck brings a box that is already in: refused in plain words, nothing changed.
    page.get_by_role("button", name="Next truck").click()
    assert active(page) == "gate-truck" and page.locator("#gate-container").input_value() == ""
    scan(page, "045akt99")
    scan(page, held.container.number)
    scan(page, "22G1")
    page.get_by_label("Freight").select_option("empty")
    assert page.get_by_label("Category").input_value() == "empty"  # an empty's category follows, until chosen
    page.get_by_role("button", name="Gate in", exact=True).click()
    page.wait_for_selector("#hh-message.error")
    assert message(page) == (
        f"{held.container.number} is already in the terminal. Do not let it in again: call the yard office."
    )
    assert active(page) == "gate-container"
    assert ContainerVisit.objects.filter(container=held.container).count() == 1
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-gate-refused.png"))
    assert not problems, problems


def test_a_train_is_checked_in_wagon_by_wagon(live_server, phone, rail_yard, operator, clerk):  # noqa: F811 (fixture)
    train_list_register(actor=operator, **train_list())
    page = phone.new_page()
    problems = page_faults(page)
    clerk_logged_in(page, live_server, clerk)
    page.get_by_role("button", name="Train check-in").click()
    page.wait_for_selector("#train-list button")
    assert "KZ-2401 · line L1 · 2 wagons" in page.locator("#train-list").text_content()
    assert active(page) == "train-number"
    scan(page, "kz 2401")

    # The first wagon, its two boxes to check.
    page.wait_for_selector("#train-work:not([hidden])")
    page.wait_for_function("() => document.getElementById('wagon-name').textContent.startsWith('Wagon 1 of 2')")
    page.wait_for_function("() => document.querySelectorAll('#wagon-boxes li[data-status=pending]').length === 2")
    assert active(page) == "checkin-container"

    # The first box: its seal as listed.
    scan(page, "csqu 305438 3")
    assert active(page) == "checkin-seal"
    scan(page, "cn001")
    page.wait_for_selector("#hh-message.ok:has-text('CSQU3054383 is checked in')")
    assert page.locator("#wagon-boxes li[data-container=CSQU3054383]").get_attribute("data-status") == "ok"
    assert active(page) == "checkin-container"

    # The second: another seal, and a dent noted.
    scan(page, "MSKU2666542")
    page.locator("#screen-train").get_by_label("Damaged").check()
    page.locator("#screen-train").get_by_label("Damage note").fill("dent in the left side")
    page.locator("#checkin-seal").fill("XX999")
    page.get_by_role("button", name="Check in").click()
    page.wait_for_selector("#hh-message:has-text('the seal differs')")
    assert "read XX999, listed CN002" in message(page) and "Wagon 1 is done" in message(page)
    differs = page.locator("#wagon-boxes li[data-container=MSKU2666542]")
    assert differs.get_attribute("data-status") == "differs"
    assert "dent in the left side" in differs.text_content()
    fits_the_phone(page, "train")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-train.png"), full_page=True)

    rows = {row.visit.container.number: row for row in WagonContainer.objects.select_related("visit__container")}
    assert (rows["CSQU3054383"].seal_ok, rows["CSQU3054383"].seal_scanned) == (True, "CN001")
    assert (rows["MSKU2666542"].seal_ok, rows["MSKU2666542"].seal_scanned) == (False, "XX999")
    assert rows["MSKU2666542"].damage == "dent in the left side"
    assert rows["CSQU3054383"].checked_in_by == clerk and rows["TCNU7200794"].seal_ok is None

    # The next wagon; a box of another train is refused in plain words.
    page.get_by_role("button", name="Next wagon").click()
    page.wait_for_function("() => document.getElementById('wagon-name').textContent.startsWith('Wagon 2 of 2')")
    assert page.locator("#wagon-boxes li[data-container=TCNU7200794]").get_attribute("data-status") == "pending"
    scan(page, "GYOU4047990")
    page.wait_for_selector("#hh-message.error")
    assert message(page) == "GYOU4047990 is not on train KZ-2401. Check the number on the box."

    # Without network the check-in waits on the device, the box marked so; it is sent when the network returns.
    phone.set_offline(True)
    scan(page, "TCNU7200794")
    scan(page, "CN003")
    page.wait_for_selector("#wagon-boxes li[data-container=TCNU7200794][data-status=waiting]")
    assert "kept on this device" in message(page)
    assert WagonContainer.objects.get(visit__container__number="TCNU7200794").seal_ok is None
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#wagon-boxes li[data-container=TCNU7200794][data-status=ok]")
    assert WagonContainer.objects.get(visit__container__number="TCNU7200794").seal_ok is True
    assert not problems, problems


def test_the_vessel_tally_confirms_a_discharge_and_a_load(live_server, phone, alongside, put, operator, clerk):  # noqa: F811
    export = put("A-04-02-1")
    rows = [{**bay_plan_box(1, "010102"), "seal": "KZ1"}, bay_plan_box(2, "030102")]
    discharges = vessel_services.discharge_list_apply(call_id=alongside.pk, containers=rows, actor=operator).moves
    booking = {"number": export.container.number, "pod": "AZBAK", "vgm_kg": 18_000}
    vessel_services.load_list_apply(call_id=alongside.pk, containers=[booking], actor=operator)
    [assigned] = vessel_services.stowage_plan_build(call_id=alongside.pk, actor=operator)["assigned"]
    first = min(discharges, key=lambda move: move.from_place)
    number = first.visit.container.number

    page = phone.new_page()
    problems = page_faults(page)
    clerk_logged_in(page, live_server, clerk)
    page.get_by_role("button", name="Vessel tally").click()
    page.get_by_role("button", name="TURKESTAN 0412E · berth CB1").click()
    page.wait_for_function("() => document.querySelectorAll('#tally-list li').length === 3")
    assert page.locator("#tally-progress").text_content() == "Discharge: 0 of 2 done · Load: 0 of 1 done"
    assert active(page) == "tally-container"

    # A discharge: the container, then its seal; confirmed at the yard place the move was given.
    scan(page, number)
    page.wait_for_function("() => document.activeElement.id === 'tally-seal'")
    assert message(page).startswith("Scan the seal on the door")
    scan(page, "kz1")
    page.wait_for_selector("#hh-message.ok")
    first.refresh_from_db()
    assert first.status == "done" and first.finished_by == clerk
    assert message(page) == f"Discharge confirmed: {number} to {first.planned_to}."
    tally = Tally.objects.get(container=number)
    assert (tally.kind, tally.cell, tally.seal_scanned, tally.seal_ok, tally.tallied_by) == (
        "discharge", "010102", "KZ1", True, clerk,
    )  # fmt: skip
    assert selectors.visit_position(first.visit) == first.planned_to
    page.wait_for_function("() => document.querySelectorAll('#tally-list li').length === 2")
    assert page.locator("#tally-progress").text_content() == "Discharge: 1 of 2 done · Load: 0 of 1 done"

    # A load: the container, then the cell it stands in on board.
    scan(page, export.container.number)
    page.wait_for_function("() => document.activeElement.id === 'tally-cell'")
    assert message(page).startswith("Scan the cell")
    assert page.locator("#tally-cell").get_attribute("placeholder") == f"planned: {assigned['stowage']}"
    fits_the_phone(page, "tally")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-tally.png"), full_page=True)
    scan(page, assigned["stowage"])
    page.wait_for_function("() => document.activeElement.id === 'tally-seal'")
    # No seal on this box; a dent seen as it went on board.
    page.locator("#screen-tally").get_by_label("Damaged").check()
    page.locator("#screen-tally").get_by_label("Damage note").fill("dent on the roof")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector(f"#hh-message.ok:has-text('{export.container.number}')")
    load = YardMove.objects.get(visit=export, kind="load")
    assert load.status == "done" and load.deviation is False
    assert message(page) == f"Confirmed on board: {export.container.number} in cell {assigned['stowage']}."
    tally = Tally.objects.get(container=export.container.number)
    assert (tally.kind, tally.cell, tally.seal_ok, tally.damage) == (
        "load",
        assigned["stowage"],
        True,
        "dent on the roof",
    )

    # A box not of this call: refused in plain words.
    scan(page, NEW_BOX)
    page.wait_for_selector("#hh-message.error")
    assert NEW_BOX in message(page) and "not to be discharged or loaded at this call" in message(page)
    assert not problems, problems


def outbox_statuses(page) -> list[str]:
    """The writes listed on the device, oldest first."""
    return page.eval_on_selector_all("#outbox-list li", "items => items.map(i => i.dataset.status).reverse()")


def test_a_gate_in_made_offline_is_sent_when_the_network_returns_and_a_refused_one_is_fixed(
    live_server, phone, small_yard, put, clerk
):
    held = put("A-01-01-1")
    page = phone.new_page()
    clerk_logged_in(page, live_server, clerk)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("button", name="Gate-in", exact=True).click()

    # The network drops: two gate-ins are kept on the device, the second for a box that is already in.
    phone.set_offline(True)
    for truck, number in (("045AKT12", NEW_BOX), ("045AKT99", held.container.number)):
        page.wait_for_function("() => document.activeElement.id === 'gate-truck'")
        scan(page, truck)
        scan(page, number)
        scan(page, "22G1")
        page.get_by_role("button", name="Gate in", exact=True).click()
        page.wait_for_selector(f"#hh-message:has-text('Gate-in {number} · {truck} is kept on this device')")
        assert page.locator("#gate-result-note").text_content().startswith("Kept on this device")
        if number == NEW_BOX:
            page.get_by_role("button", name="Next truck").click()
    page.wait_for_function("() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 2")
    assert page.locator("#hh-net").text_content() == "Offline"
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-offline.png"), full_page=True)
    assert not ContainerVisit.objects.filter(container__number=NEW_BOX).exists()

    # The network returns, and the first answer is lost on its way back: sent again under the same key, it is
    # answered again, not applied again.
    lost = []

    def lose_first_answer(route):
        if not lost:
            lost.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/yard/gate-in/", lose_first_answer)
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => document.querySelectorAll('#outbox-list li[data-status=queued]').length === 0", timeout=30000
    )
    assert lost == [201]
    assert outbox_statuses(page) == ["sent", "refused"]
    visit = ContainerVisit.objects.get(container__number=NEW_BOX)
    assert YardMove.objects.filter(visit=visit).count() == 1
    assert IdempotentRequest.objects.filter(user=clerk).count() == 1
    assert ContainerVisit.objects.filter(container=held.container).count() == 1
    assert "was refused" in page.locator("#hh-message.error").text_content()

    # Fixing the refused one: the form again, filled with what was sent, and why it was refused.
    refused = page.locator("#outbox-list li[data-status=refused]")
    refused.get_by_role("button", name="Fix").click()
    page.wait_for_selector("#gate-form:not([hidden])")
    assert page.get_by_label("Truck").input_value() == "045AKT99"
    assert page.locator("#gate-container").input_value() == held.container.number
    assert page.locator("#gate-iso").input_value() == "22G1"
    assert "is already in the terminal" in message(page)
    assert active(page) == "gate-container"
    assert page.locator("#outbox-list li[data-status=refused]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-fix.png"))
