"""`manage.py simulate`: refuses a database with real traffic, runs, reports, writes JSON, and continues an
earlier simulation after its last record."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from simulation.traffic import AKTAU_TZ, DEFAULT_START
from tests.factories.yard import ContainerVisitFactory
from yard.models import ContainerVisit

pytestmark = pytest.mark.django_db
TINY = ["--days", "1", "--teu-per-year", "3000", "--no-progress"]  # a handful of boxes: seconds


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *TINY, *args, stdout=out)
    return out.getvalue()


def test_it_refuses_a_database_with_real_traffic_unless_forced():
    ContainerVisitFactory()  # a stay someone else opened
    with pytest.raises(CommandError, match=r"1 container stay.*--force"):
        simulate("--seed", "3")
    assert ContainerVisit.objects.count() == 1  # nothing was written
    assert "Traffic:" in simulate("--seed", "3", "--force")
    assert ContainerVisit.objects.count() > 1


def test_it_refuses_nonsense():
    with pytest.raises(CommandError, match="--days"):
        call_command("simulate", "--days", "0", "--no-progress")
    with pytest.raises(CommandError, match="--teu-per-year"):
        call_command("simulate", "--teu-per-year", "-5", "--no-progress")


@pytest.mark.system  # two simulated days through every service
def test_it_runs_reports_and_continues_an_earlier_simulation(tmp_path):
    report = tmp_path / "first.json"
    text = simulate("--seed", "3", "--json", str(report))
    for heading in ("Traffic:", "Moves:", "Rehandles:", "Yard:", "Refusals:", "Wall time:", "Slowest:"):
        assert heading in text
    first = json.loads(report.read_text())
    assert first["start"] == DEFAULT_START.isoformat() and first["visits"] > 0
    assert len(first["utilisation_hourly"]) == 24 and first["wall_seconds"] > 0
    assert first["visits"] == first["model"]["boxes"] - first["turned_away"]

    # The database now holds only simulated traffic: a second run is allowed, and starts after it.
    with pytest.raises(CommandError, match="before the latest record"):
        simulate("--seed", "4", "--start", DEFAULT_START.date().isoformat())
    second_report = tmp_path / "second.json"
    simulate("--seed", "4", "--json", str(second_report))
    second = json.loads(second_report.read_text())
    assert datetime.fromisoformat(second["start"]) > DEFAULT_START
    assert datetime.fromisoformat(second["start"]).astimezone(AKTAU_TZ).hour == 0


def test_the_summary_reads_its_figures_in_the_readers_language():
    """The JSON keeps the figures' English keys for programs; the printed summary names them in the reader's
    language, an inspection's kind and result included, and leaves refusal codes as codes."""
    from django.utils import translation

    from customs.models import InspectionOrder
    from simulation.management.commands.simulate import figure_label

    with translation.override("ru"):
        assert figure_label("trucks in") == "въехавшие автомобили"
        scan = str(InspectionOrder.Kind.SCAN.label)
        assert scan != "X-ray scan" and figure_label("inspections ordered: scan") == f"назначенные досмотры: {scan}"
        assert figure_label("position_invalid") == "position_invalid"
    assert figure_label("trucks in") == "trucks in"


def test_every_figure_the_simulator_counts_has_words_for_people():
    import re
    from pathlib import Path

    import simulation.runner
    from simulation.management.commands.simulate import FIGURE_LABELS

    source = Path(simulation.runner.__file__).read_text()
    keys = re.findall(r'self\.result\.(?:waits|given_up|carriers|customs)\[f?"([^"{]+)', source)
    assert len(keys) > 20
    missing = {key for key in keys if key.rstrip(": ") not in FIGURE_LABELS}
    assert not missing
