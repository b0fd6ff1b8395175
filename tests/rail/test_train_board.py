"""The train board: per line its train with what a shift asks of it, and the live fragment the page reloads."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from rail.models import TrainVisit
from rail.services import container_check_in, load_plan_build, train_list_register
from tests.factories.accounts import UserFactory
from tests.rail.test_outbound import booked, outbound  # noqa: F401  (a fixture, shared)
from tests.rail.test_trains import clerk, rail_yard, train_list  # noqa: F401  (fixtures, shared)
from yard import services as yard_services
from yard.models import CarrierVisit

LIVE = {"X-Live-Refresh": "fragment"}


def row_of(page: str, train: TrainVisit) -> list[str]:
    """The cells of the train's row, as text."""
    found = re.search(rf'<tr data-line="[^"]*" data-train="{train.pk}">(.*?)</tr>', page, re.S)
    assert found, f"no row for {train}"
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))]


def test_an_inbound_train_shows_its_line_direction_progress_and_time_on_the_line(rail_yard, operator, clerk, client):  # noqa: F811
    train, moves = train_list_register(actor=operator, **train_list())
    CarrierVisit.objects.filter(pk=train.carrier_id).update(arrived_at=timezone.now() - timedelta(hours=2, minutes=5))
    container_check_in(train_id=train.pk, container="CSQU3054383", seal="CN001", actor=clerk)
    first = next(move for move in moves if move.visit.container.number == "CSQU3054383")
    yard_services.move_complete(move_id=first.pk, container="CSQU3054383", position=first.planned_to, actor=clerk)
    client.force_login(operator)
    page = client.get(reverse("admin:rail_train_board")).content.decode()
    cells = row_of(page, train)
    assert cells[:5] == ["L1", "KZ-2401", "Inbound", "Altynkol", "Arrived"]
    assert cells[5] == "2 hours, 5 minutes"  # on the line since it arrived
    assert cells[6:] == ["0 / 2", "1 / 3", "1 / 3", "-"]  # released, checked in, discharged; nothing to load


def test_an_outbound_train_shows_what_is_loaded_of_its_plan(outbound, operator, client):  # noqa: F811
    booked(outbound, "A-01-01-1")
    booked(outbound, "A-02-01-1")
    load_plan_build(train_id=outbound, actor=UserFactory())
    client.force_login(operator)
    train = TrainVisit.objects.get(pk=outbound)
    cells = row_of(client.get(reverse("admin:rail_train_board")).content.decode(), train)
    assert cells[2:4] == ["Outbound", "Almaty-1"] and cells[-1] == "0 / 2"


def test_the_live_request_gets_the_board_alone(rail_yard, operator, client):  # noqa: F811
    train, _ = train_list_register(actor=operator, **train_list())
    client.force_login(operator)
    page = client.get(reverse("admin:rail_train_board")).content.decode()
    assert "data-live-status" in page and "aktau_tos/live.js" in page
    fragment = client.get(reverse("admin:rail_train_board"), headers=LIVE).content.decode().strip()
    assert fragment.startswith('<div id="train-board" class="train-board" data-live-refresh="10"')
    assert "<html" not in fragment and "Upload a train list" not in fragment
    assert row_of(fragment, train)[1] == "KZ-2401"
