"""Writes made offline and refused once the network returns are fixed on the device: "Fix" opens the screen
again, filled with what was sent, says why it was refused and points at what to put right. One for each of the
clerk's writes that the gate-in test does not cover: a field the API refused, a check-in, a vessel tally."""

from django.contrib.auth.models import Group

from aktau_tos import roles
from rail.models import WagonContainer
from rail.services import train_list_register
from tests.browser import ARTIFACTS, BROWSER_TEST
from tests.handheld.steps import clerk_logged_in, page_faults, scan
from tests.handheld.test_clerk import NEW_BOX, message
from tests.rail.test_trains import rail_yard, train_list  # noqa: F401 (a fixture)
from tests.vessels.conftest import alongside, port, window  # noqa: F401 (fixtures)
from vessels import services as vessel_services
from vessels.models import Tally
from yard.models import ContainerVisit, YardMove

pytestmark = BROWSER_TEST


def _online_and_refused(page, phone) -> None:
    """The network returns; the write kept on the device is sent, refused, and announced."""
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#outbox-list li[data-status=refused]", timeout=30000)
    assert "was refused" in page.locator("#hh-message.error").text_content()


def _fix(page) -> None:
    page.locator("#outbox-list li[data-status=refused]").get_by_role("button", name="Fix").click()


def test_a_gate_in_refused_for_a_field_names_that_field_when_fixed(live_server, phone, small_yard, clerk):
    page = phone.new_page()
    problems = page_faults(page)
    clerk_logged_in(page, live_server, clerk)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("button", name="Gate-in", exact=True).click()

    # Offline, a DG line's net mass typed with a slip: ten digits, more than the API stores.
    phone.set_offline(True)
    page.wait_for_function("() => document.activeElement.id === 'gate-truck'")
    scan(page, "045AKT12")
    scan(page, NEW_BOX)
    scan(page, "22G1")
    page.get_by_role("button", name="Add a dangerous goods line").click()
    page.get_by_label("UN number").fill("1203")
    page.get_by_label("Class").fill("3")
    page.get_by_label("Net mass (kg)").fill("1234567890")
    page.get_by_role("button", name="Gate in", exact=True).click()
    page.wait_for_selector(f"#hh-message:has-text('Gate-in {NEW_BOX} · 045AKT12 is kept on this device')")

    _online_and_refused(page, phone)
    assert not ContainerVisit.objects.filter(container__number=NEW_BOX).exists()

    # The fix names the field the API refused, with the API's words, and puts the cursor in it.
    page.get_by_role("button", name="Next truck").click()
    _fix(page)
    page.wait_for_function("() => document.activeElement.id.startsWith('dg-mass')")
    words = message(page)
    assert words.startswith("Dangerous goods line 1 · Net mass (kg): ") and "9 digits" in words, words
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-fix-field.png"))
    page.get_by_label("Net mass (kg)").fill("12000")
    page.get_by_role("button", name="Gate in", exact=True).click()
    page.wait_for_selector("#hh-message.ok")
    visit = ContainerVisit.objects.get(container__number=NEW_BOX)
    assert [line["un_number"] for line in visit.dangerous_goods] == ["1203"]
    assert not problems, problems


def test_a_check_in_refused_after_the_outage_is_fixed_on_its_wagon(live_server, phone, rail_yard, operator, clerk):  # noqa: F811
    train_list_register(actor=operator, **train_list())
    page = phone.new_page()
    clerk_logged_in(page, live_server, clerk)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("button", name="Train check-in").click()
    page.wait_for_selector("#train-list button")
    scan(page, "KZ-2401")
    page.wait_for_function("() => document.querySelectorAll('#wagon-boxes li[data-status=pending]').length === 2")

    # Offline, a box checked in; meanwhile the office takes the clerk's role away (a mistake, put right later).
    phone.set_offline(True)
    scan(page, "CSQU3054383")
    scan(page, "CN001")
    page.wait_for_selector("#wagon-boxes li[data-container=CSQU3054383][data-status=waiting]")
    clerks = Group.objects.get(name=roles.YARD_CLERK)
    clerk.groups.remove(clerks)
    _online_and_refused(page, phone)
    assert WagonContainer.objects.get(visit__container__number="CSQU3054383").seal_ok is None

    # The role is given back; the fix opens the train at the box's wagon, the container filled in, the seal next.
    clerk.groups.add(clerks)
    _fix(page)
    # The train was open already: wait for what the fix fills in, not for the wagon's name.
    page.wait_for_function("() => document.getElementById('checkin-container').value === 'CSQU3054383'")
    assert page.locator("#wagon-name").text_content().startswith("Wagon 1 of 2")
    page.wait_for_function("() => document.activeElement.id === 'checkin-seal'")
    scan(page, "CN001")
    page.wait_for_selector("#wagon-boxes li[data-container=CSQU3054383][data-status=ok]")
    place = WagonContainer.objects.get(visit__container__number="CSQU3054383")
    assert (place.seal_ok, place.checked_in_by) == (True, clerk)


def test_a_tally_refused_after_the_outage_is_fixed(live_server, phone, alongside, put, operator, clerk):  # noqa: F811
    export = put("A-04-02-1")
    number = export.container.number
    booking = {"number": number, "pod": "AZBAK", "vgm_kg": 18_000}
    vessel_services.load_list_apply(call_id=alongside.pk, containers=[booking], actor=operator)
    [assigned] = vessel_services.stowage_plan_build(call_id=alongside.pk, actor=operator)["assigned"]

    page = phone.new_page()
    problems = page_faults(page)
    clerk_logged_in(page, live_server, clerk)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("button", name="Vessel tally").click()
    page.get_by_role("button", name="TURKESTAN 0412E · berth CB1").click()
    page.wait_for_function("() => document.querySelectorAll('#tally-list li').length === 1")

    # Offline, the load confirmed in a cell misread: bay 99, which this ship does not have.
    phone.set_offline(True)
    scan(page, number)
    page.wait_for_function("() => document.activeElement.id === 'tally-cell'")
    scan(page, "990182")
    page.wait_for_function("() => document.activeElement.id === 'tally-seal'")
    scan(page, "")
    page.wait_for_selector("#hh-message:has-text('is kept on this device')")
    _online_and_refused(page, phone)
    assert YardMove.objects.get(visit=export, kind="load").status != "done"

    # The fix: the call again, the box and the cell as sent, why the ship refused it; the right cell is scanned.
    _fix(page)
    page.wait_for_function("() => document.activeElement.id === 'tally-cell'")
    assert page.locator("#tally-container").input_value() == number
    assert page.locator("#tally-cell").input_value() == "990182"
    assert message(page).startswith("The ship does not take the box there")
    page.screenshot(path=str(ARTIFACTS / "hh-clerk-tally-fix.png"))
    page.locator("#tally-cell").fill("")
    scan(page, assigned["stowage"])
    page.wait_for_function("() => document.activeElement.id === 'tally-seal'")
    scan(page, "")
    page.wait_for_selector(f"#hh-message.ok:has-text('{number}')")
    assert YardMove.objects.get(visit=export, kind="load").status == "done"
    assert Tally.objects.get(container=number).cell == assigned["stowage"]
    assert not problems, problems
