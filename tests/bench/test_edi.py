"""The EDI measure on a small bay plan: read and applied through the inbox, its figures agree, nothing kept."""

import pytest

from bench.edi import edi_measure
from bench.summary import summary_markdown
from edi.models import Interchange
from vessels.models import OnBoard

pytestmark = [pytest.mark.bench, pytest.mark.django_db]


def test_a_small_bay_plan_is_read_and_applied_then_rolled_back(port, settings):
    settings.EDI_TERMINAL_ID = "AKTAUTOS"
    results = edi_measure(boxes=24, for_this_port=0.25)
    assert (results["status"], results["problems"]) == ("accepted", 0)
    assert results["discharge_moves"] + results["through"] == 24
    assert results["discharge_moves"] == 6  # every fourth box is for this port
    assert (results["coarri_boxes"], results["departure_baplie_boxes"]) == (6, 18)
    assert not Interchange.objects.exists() and not OnBoard.objects.exists()  # the measure leaves nothing behind
    markdown = summary_markdown({
        "mode": "quick", "started_at": "now", "total_seconds": 1, "section_seconds": {}, "edi_bay_plan": results,
        "machine": {"cpus": 2, "memory_gib": 1, "platform": "p", "python": "3", "database": "d"},
    })  # fmt: skip
    assert "BAPLIE of 24 boxes" in markdown
