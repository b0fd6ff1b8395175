"""The live boards in a real headless browser (Debian's Chromium driven by Playwright): a move planned while the
operator looks at the move board appears on it without a reload, and a server that stops answering is said."""

from django.urls import reverse

from aktau_tos import roles
from tests.browser import ARTIFACTS, BROWSER_TEST, admin_open
from tests.factories.yard import (
    BlockFactory,
    ContainerFactory,
    ContainerVisitFactory,
    EquipmentFactory,
    IsoSizeTypeFactory,
)
from yard import services

pytestmark = BROWSER_TEST
REFRESH_WAIT_MS = 25_000  # the board reloads every 10 s; a loaded machine may take a while longer


def _in_yard(position: str, actor):
    visit = ContainerVisitFactory(container=ContainerFactory())
    move = services.move_plan(visit=visit, kind="receive", actor=actor)
    services.move_complete(move_id=move.pk, container=visit.container.number, position=position, actor=actor)
    return visit


def _refreshes_fail(route) -> None:
    """The board's own reloads get no answer (a network gone); everything else goes through."""
    if route.request.headers.get("x-live-refresh"):
        route.abort()
    else:
        route.continue_()


def test_a_new_move_appears_on_the_open_move_board_without_a_reload(live_server, browser_page, user_with_role, capsys):
    operator = user_with_role(roles.OPERATOR, is_staff=True)
    IsoSizeTypeFactory()
    block = BlockFactory(code="A", bays=4, rows=2, max_tier=3)
    EquipmentFactory(code="RS-01", blocks=[block])
    EquipmentFactory(code="RS-02", blocks=[block])
    first = _in_yard("A-01-01-1", operator)
    services.move_create_adhoc(container=first.container.number, to="GATE", actor=operator)
    services.moves_dispatch()

    page = browser_page
    refused = admin_open(page, live_server, operator, f"{reverse('admin:yard_move_board')}")
    page.wait_for_selector("#move-board")
    assert first.container.number in page.locator("#move-board").inner_text()
    idle = page.locator('section[data-equipment="RS-02"]')
    assert "idle" in idle.get_attribute("class") and "idle" in idle.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "move_board.png"), full_page=True)
    page.evaluate("() => { window.notReloaded = true; }")  # gone if the page were loaded again

    second = _in_yard("A-02-01-1", operator)  # meanwhile, in the yard: a box, and a move for it
    services.move_create_adhoc(container=second.container.number, to="GATE", actor=operator)
    services.moves_dispatch()
    number = second.container.number
    page.wait_for_function(
        "number => document.querySelector('#move-board').innerText.includes(number)", arg=number,
        timeout=REFRESH_WAIT_MS,
    )  # fmt: skip
    assert page.evaluate("() => window.notReloaded") is True
    assert page.locator(".live-status").inner_text().startswith("updated ")
    # both machines busy now: the new move went to the one that stood idle
    assert "idle" not in page.locator('section[data-equipment="RS-02"]').get_attribute("class")
    route = page.locator(f'li.move:has-text("{number}") .route').inner_text()
    assert route == "A-02-01-1 → GATE"

    page.screenshot(path=str(ARTIFACTS / "move_board_updated.png"), full_page=True)
    with capsys.disabled():  # shown in the test run's output, so CI logs say where the pictures are
        print(f"\nmove board screenshots: {ARTIFACTS}/move_board.png, move_board_updated.png")

    # The server stops answering: the board says so, and keeps what it showed last.
    page.route("**/*", _refreshes_fail)
    page.wait_for_selector(".live-status.offline", timeout=REFRESH_WAIT_MS)
    assert page.locator(".live-status").inner_text().startswith("offline — last update ")
    assert number in page.locator("#move-board").inner_text()
    assert refused == []  # the refresher is a static script and swaps in no inline style or script
