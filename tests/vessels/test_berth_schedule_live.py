"""The berth schedule as a live board: each call's moves done of planned, the week alone for the page's reload; and
a vessel's move given to another of the cranes at its berth."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from aktau_tos.errors import DomainError
from tests.vessels.conftest import REPORT_DAY, _done, bay_plan_box
from vessels import services
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import YardMove

LIVE = {"X-Live-Refresh": "fragment"}


def moves_shown(page: str, call) -> dict[str, str]:
    row = re.search(rf'<tr data-call="{call.pk}">(.*?)</tr>', page, re.S).group(1)
    return dict(re.findall(r'data-kind="(\w+)"[^>]*>([^<]*)</td>', row))


@pytest.fixture
def discharging(alongside, operator):
    """The call alongside with two boxes to discharge, one of them done (by the services)."""
    rows = [bay_plan_box(1, "010102"), bay_plan_box(2, "030102")]
    moves = services.discharge_list_apply(call_id=alongside.pk, containers=rows, actor=operator).moves
    _done(moves[0], yard_selectors.move_to(moves[0]), operator)
    return alongside, moves


def test_the_schedule_shows_each_calls_moves_done_of_planned(discharging, client, operator):
    call, _ = discharging
    client.force_login(operator)
    page = client.get(reverse("admin:vessels_call_schedule")).content.decode()
    assert moves_shown(page, call) == {"discharge": "1 / 2", "restow": "-", "load": "-"}
    assert "data-live-status" in page and "aktau_tos/live.js" in page


def test_a_worked_call_counts_its_restow_and_loads(worked_call, client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:vessels_call_schedule"), {"start": REPORT_DAY.isoformat()}).content.decode()
    assert moves_shown(page, worked_call) == {"discharge": "2 / 2", "restow": "1 / 1", "load": "3 / 3"}


def test_the_live_request_gets_the_week_alone_for_the_week_asked(discharging, client, operator):
    call, _ = discharging
    client.force_login(operator)
    start = timezone.localtime(call.alongside_from).date().isoformat()
    fragment = client.get(reverse("admin:vessels_call_schedule"), {"start": start}, headers=LIVE).content.decode()
    fragment = fragment.strip()
    assert fragment.startswith('<div id="berth-week" data-live-refresh="10"') and fragment.endswith("</div>")
    assert "<html" not in fragment and 'class="week-pick"' not in fragment and "live-status" not in fragment
    assert f'data-call="{call.pk}"' in fragment and 'id="schedule"' in fragment


def test_a_vessels_move_goes_only_to_a_crane_at_its_berth(discharging, operator):
    _, moves = discharging
    waiting = moves[1]
    yard_services.moves_dispatch()
    waiting.refresh_from_db()
    other = "MHC-2" if waiting.equipment.code == "MHC-1" else "MHC-1"
    moved = yard_services.move_reassign(move_id=waiting.pk, equipment_code=other, actor=operator)
    assert moved.equipment.code == other
    with pytest.raises(DomainError) as refused:  # a yard machine, even one that serves the block it goes to
        yard_services.move_reassign(move_id=waiting.pk, equipment_code="RS-01", actor=operator)
    assert refused.value.code == "machine_not_serving" and "cranes" in refused.value.detail
    assert YardMove.objects.get(pk=waiting.pk).equipment.code == other
