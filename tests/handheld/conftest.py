"""The handheld's fixtures: a phone-sized browser context and two moves for RS-01."""

import pytest

# The yard fixtures (small_yard, put, clerk) are the yard tests' own.
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401
from yard import selectors, services


@pytest.fixture
def phone(browser_page):
    context = browser_page.context.browser.new_context(viewport={"width": 360, "height": 640}, has_touch=True)
    yield context
    context.close()


@pytest.fixture
def two_moves(small_yard, put, clerk):  # noqa: F811 (the yard's fixtures)
    """Two shifts dispatched to RS-01, in queue order."""
    first, second = put("A-01-01-1"), put("A-01-02-1")
    services.move_create_adhoc(container=first.container.number, to="A-02-01-1", actor=clerk)
    services.move_create_adhoc(container=second.container.number, to="A-02-02-1", actor=clerk)
    services.moves_dispatch()
    return list(selectors.moves_queue(equipment_code="RS-01"))
