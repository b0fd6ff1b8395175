"""A long run in days: each simulated day one transaction and a checkpoint, an interrupted run resumed from its last
finished day with the figures of one uninterrupted run, per month across a month boundary, and the command's
refusals of what cannot be resumed."""

import json
from dataclasses import replace
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction

from simulation.checkpoint import CheckpointError, CheckpointFile, Codec
from simulation.runner import Simulation, simulation_resume, simulation_run
from simulation.traffic import AKTAU_TZ, PlatformModel, TrafficParameters
from tests.factories.yard import ContainerVisitFactory
from tests.simulation.test_runner import SMALL
from yard.models import ContainerVisit

pytestmark = pytest.mark.django_db
MONTH_END = datetime(2026, 1, 31, tzinfo=AKTAU_TZ)  # day 1 in January, day 2 in February
TINY = ["--teu-per-year", "3000", "--no-progress"]


class Interrupted(Exception):
    pass


def interrupt_at(moment: datetime, monkeypatch, exception: type[BaseException] = Interrupted) -> None:
    """Stops the run at its first hourly sample from `moment` on, as Ctrl-C or a killed process would."""
    sample = Simulation.sample

    def sample_or_stop(self: Simulation) -> None:
        if self.now >= moment:
            raise exception
        sample(self)

    monkeypatch.setattr(Simulation, "sample", sample_or_stop)


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


@pytest.mark.system  # three runs of two small but busy days through every service
def test_a_run_interrupted_after_its_first_day_and_resumed_has_the_figures_of_one_run(tmp_path, monkeypatch):
    run = {"days": 2, "seed": 13, "parameters": SMALL, "start": MONTH_END}
    with transaction.atomic():  # the uninterrupted run is rolled back: the other starts from the same database
        whole = simulation_run(**run, checkpoint=tmp_path / "whole.json").figures()
        transaction.set_rollback(True)
    assert not ContainerVisit.objects.exists()

    checkpoint = tmp_path / "interrupted.json"
    with monkeypatch.context() as patch:
        interrupt_at(MONTH_END + timedelta(days=1, hours=9), patch)
        with pytest.raises(Interrupted):
            simulation_run(**run, checkpoint=checkpoint)
    saved = json.loads(checkpoint.read_text())
    assert (saved["day"], saved["finished"]) == (1, False)
    assert saved["state"]["queue"], "steps under way at midnight are part of the checkpoint"
    # The second day, interrupted, left nothing in the database: its transaction was rolled back.
    latest = ContainerVisit.history.latest("history_date").history_date
    assert latest < MONTH_END + timedelta(days=1)

    resumed = simulation_resume(checkpoint=checkpoint).figures()

    assert resumed == whole
    assert list(whole["months"]) == ["2026-01", "2026-02"]
    assert sum(month["boxes_in"] for month in whole["months"].values()) == whole["visits"] > 0
    assert sum(month["boxes_out"] for month in whole["months"].values()) == whole["departed"] > 0
    assert sum(month["retrievals"] for month in whole["months"].values()) == whole["retrievals"]
    turnarounds = [month["turnaround_hours"] for month in whole["months"].values()]
    for kind in ("trains_in", "trains_out", "vessels"):
        assert sum(hours[kind]["count"] for hours in turnarounds) >= 1, kind
    assert json.loads(checkpoint.read_text())["finished"] is True


@pytest.mark.system  # two simulated days at a small volume, interrupted once, then resumed, through the command
def test_the_command_resumes_after_ctrl_c_and_reports_by_month(tmp_path, monkeypatch):
    checkpoint = str(tmp_path / "year.json")
    args = ["--days", "2", "--teu-per-year", "20000", "--seed", "7", "--start", "2026-01-31", "--no-progress"]
    with monkeypatch.context() as patch:
        interrupt_at(MONTH_END + timedelta(days=1, hours=3), patch, KeyboardInterrupt)
        with pytest.raises(CommandError, match=r"during day 2: .* end of day 1 \(continue with --resume") as stopped:
            simulate(*args, "--checkpoint", checkpoint)
    assert stopped.value.returncode == 130

    with pytest.raises(CommandError, match=r"unfinished run \(day 1 of 2, seed 7, from 2026-01-31\).*--resume"):
        simulate(*args, "--checkpoint", checkpoint)  # a new run would lose the interrupted one
    with pytest.raises(CommandError, match=r"--seed 8 differs from the checkpoint's run \(--seed 7\)"):
        simulate("--resume", "--seed", "8", "--checkpoint", checkpoint, "--no-progress")

    # The figures so far, read from the checkpoint alone: the first day's, as a one-day run.
    so_far = tmp_path / "so-far.json"
    text = simulate("--figures", "--checkpoint", checkpoint, "--json", str(so_far))
    assert text.startswith(f"The run of {checkpoint} is at the end of day 1 of 2 (2026-01-31): its figures so far")
    assert "Simulated 1 day from 2026-01-31" in text
    first_day = json.loads(so_far.read_text())
    assert first_day["days"] == 1 and len(first_day["wall_seconds_by_day"]) == 1
    assert list(first_day["months"]) == ["2026-01"] and first_day["visits"] > 0

    report = tmp_path / "year-figures.json"
    text = simulate("--resume", "--days", "2", "--checkpoint", checkpoint, "--no-progress", "--json", str(report))

    figures = json.loads(report.read_text())
    assert figures["days"] == 2 and len(figures["wall_seconds_by_day"]) == 2
    assert list(figures["months"]) == ["2026-01", "2026-02"]
    assert figures["months"]["2026-01"]["turned_away"] == 0
    table = text[text.index("By month") :].splitlines()
    assert table[1].split()[:3] == ["month", "boxes", "in"]
    january, february = table[2].split(), table[3].split()
    assert (january[0], february[0]) == ("2026-01", "2026-02")
    assert int(january[1]) + int(february[1]) == figures["visits"]
    assert "busiest block" in text and "trains in" in text

    again = simulate("--resume", "--checkpoint", checkpoint, "--no-progress")  # finished: the figures again
    assert again.splitlines() == [f"The run of {checkpoint} finished already: its figures.", *text.splitlines()[:-1]]
    read = simulate("--figures", "--checkpoint", checkpoint)
    assert read.splitlines() == [f"The run of {checkpoint} finished: its figures.", *text.splitlines()[:-1]]
    # January is the first day: what arrived in it was all counted when the figures so far were read.
    assert first_day["months"]["2026-01"]["boxes_in"] == figures["months"]["2026-01"]["boxes_in"]


def test_what_cannot_be_resumed_is_refused_with_a_reason(tmp_path, monkeypatch):
    checkpoint = tmp_path / "run.json"
    with pytest.raises(CommandError, match=f"no checkpoint at {checkpoint}"):
        simulate("--resume", "--checkpoint", str(checkpoint), *TINY)
    with pytest.raises(CommandError, match="--start cannot be combined with --resume"):
        simulate("--resume", "--start", "2026-02-01", *TINY)
    with pytest.raises(CommandError, match="--no-checkpoint cannot be combined"):
        simulate("--resume", "--no-checkpoint", *TINY)
    with pytest.raises(CommandError, match=f"Cannot read the run's figures: there is no checkpoint at {checkpoint}"):
        simulate("--figures", "--checkpoint", str(checkpoint))
    with pytest.raises(CommandError, match="--figures takes only --checkpoint and --json"):
        simulate("--figures", "--seed", "3", "--checkpoint", str(checkpoint))

    with monkeypatch.context() as patch:  # a two-day run stopped in its second day
        interrupt_at(datetime(2026, 1, 6, 2, tzinfo=AKTAU_TZ), patch)
        with pytest.raises(Interrupted):
            simulation_run(days=2, seed=3, teu_per_year=3_000, checkpoint=checkpoint)
    with pytest.raises(CommandError, match=r"--days 3 differs from the checkpoint's run \(--days 2\)"):
        simulate("--resume", "--days", "3", "--checkpoint", str(checkpoint), *TINY)

    saved = checkpoint.read_text()
    checkpoint.write_text(saved.replace('"format":1', '"format":0'))
    with pytest.raises(CommandError, match="another version of the simulator"):
        simulate("--resume", "--checkpoint", str(checkpoint), *TINY)
    checkpoint.write_text(saved.replace('"database":"', '"database":"elsewhere-'))
    with pytest.raises(CheckpointError, match="not on this database"):
        simulation_resume(checkpoint=checkpoint)
    checkpoint.write_text(saved)

    with time_machine.travel(datetime(2026, 1, 6, 5, tzinfo=AKTAU_TZ), tick=False):
        ContainerVisitFactory()  # someone wrote to the database after the checkpoint's day
    with pytest.raises(CommandError, match=r"records from 2026-01-06 05:00, after the checkpoint's last day"):
        simulate("--resume", "--checkpoint", str(checkpoint), "--force", *TINY)


def test_a_checkpoint_left_pending_at_a_commit_is_taken_if_its_day_is_in_the_database(tmp_path, monkeypatch):
    checkpoint = tmp_path / "run.json"
    file = CheckpointFile(checkpoint)
    commit = CheckpointFile.commit
    monkeypatch.setattr(CheckpointFile, "commit", lambda self: None)  # killed after the commit, before the rename
    with monkeypatch.context() as patch:
        interrupt_at(datetime(2026, 1, 6, 2, tzinfo=AKTAU_TZ), patch)
        with pytest.raises(Interrupted):
            simulation_run(days=2, seed=3, teu_per_year=3_000, checkpoint=checkpoint)
    assert file.pending.exists() and not checkpoint.exists()
    monkeypatch.setattr(CheckpointFile, "commit", commit)

    result = simulation_resume(checkpoint=checkpoint)

    assert result.days_done == 2 and not file.pending.exists()
    assert json.loads(checkpoint.read_text())["finished"] is True


def test_a_new_run_after_a_finished_one_replaces_its_checkpoint(tmp_path):
    checkpoint = str(tmp_path / "run.json")
    simulate("--days", "1", "--seed", "3", "--checkpoint", checkpoint, *TINY)
    assert json.loads((tmp_path / "run.json").read_text())["finished"] is True
    simulate("--days", "1", "--seed", "4", "--checkpoint", checkpoint, *TINY)  # the next day: a new run
    assert json.loads((tmp_path / "run.json").read_text())["run"]["seed"] == 4


def test_the_small_day_parameters_survive_a_checkpoint():
    """The tests' parameters (dicts keyed by numbers and tuples) are written and read back as they were."""
    codec = Codec(None, None, (TrafficParameters, PlatformModel))
    parameters = replace(SMALL, gross_kg={("general", 20): (1, 2, 3)})
    assert codec.decode(json.loads(json.dumps(codec.encode(parameters)))) == parameters
