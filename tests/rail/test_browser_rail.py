"""A train's page in a real headless browser: what the rail clerk and the operator read, under the page policy."""

from playwright.sync_api import expect

from rail.services import container_check_in, train_list_register
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.rail.test_trains import clerk, rail_yard, train_list  # noqa: F401 (fixtures)

pytestmark = BROWSER_TEST


def test_a_trains_page_reads_wagon_by_wagon(live_server, browser_page, rail_yard, operator, clerk):  # noqa: F811 (fixtures)
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    train, _ = train_list_register(actor=operator, **train_list())
    container_check_in(train_id=train.pk, container="MSKU2666542", seal="XX999", actor=clerk)
    page = browser_page
    refused = admin_open(page, live_server, operator, f"/admin/rail/trainvisit/{train.pk}/change/")
    page.wait_for_selector(".train-wagons")
    wagons = page.locator("tbody.train-wagon").all_inner_texts()
    assert len(wagons) == 2
    assert "CSQU3054383" in wagons[0] and "XX999: differs" in wagons[0] and "TCNU7200794" in wagons[1]
    expect(page.locator(".train-alert").first).to_be_visible()
    assert page.locator("a.deletelink").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rail-train-page.png"), full_page=True)
    assert refused == []
