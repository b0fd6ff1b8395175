"""`manage.py simulate --days N --teu-per-year T --seed S`: Aktau traffic replayed through the real services.

Thin over simulation.runner: checks the database, shows a progress bar over simulated hours with the simulated
day (on stderr), prints a summary with a table per month and optionally writes every figure as JSON. Run it on
a database of its own: every record it writes carries simulated time.

A long run can be interrupted (Ctrl-C, a killed process) and continued: each simulated day is one database
transaction, and at its end the yard's invariants are checked and a checkpoint written (`--checkpoint`, by
default var/simulation/checkpoint.json). `simulate --resume` continues from the last finished day on the same
database; the final figures cover the whole run. See simulation.runner and simulation.checkpoint.
"""

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from tqdm import tqdm

from customs.models import InspectionOrder
from simulation.checkpoint import CheckpointError
from simulation.runner import (
    AREAS,
    InvariantViolation,
    Simulation,
    SimulationResult,
    checkpoint_figures,
    checkpoint_peek,
    latest_record_time,
    real_traffic_count,
    simulation_resume,
    simulation_run,
    start_after,
)
from simulation.traffic import AKTAU_TZ, DEFAULT_START
from yard.allocation import allocation_strategies
from yard.models import YardMove

DEFAULTS = {"days": 1, "teu_per_year": 240_000.0, "seed": 1, "strategy": "rehandle"}


def default_checkpoint() -> Path:
    return Path(settings.VAR_DIR) / "simulation" / "checkpoint.json"


class Command(BaseCommand):
    help = (
        "Simulates N days of Aktau traffic (trains, vessels, trucks, customs, dangerous goods) through the real "
        "services in simulated time, and reports throughput, moves, rehandles, yard use and refusals, in all and "
        "per month. Checks the yard's invariants at the end of every simulated day and writes a checkpoint, so "
        "that an interrupted run continues with --resume."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="simulated days (default 1)")
        parser.add_argument("--teu-per-year", type=float, help="volume (default: the design, 240000)")
        parser.add_argument("--seed", type=int, help="the same seed replays the same traffic (default 1)")
        parser.add_argument(
            "--strategy", choices=allocation_strategies(),
            help="slot allocation strategy (default rehandle; the benchmarks' settings add their baselines)",
        )  # fmt: skip
        parser.add_argument(
            "--start", type=date.fromisoformat, help="first simulated day, YYYY-MM-DD (default: 2026-01-05, or "
            "the day after the latest record if the database holds an earlier simulation)",
        )  # fmt: skip
        parser.add_argument(
            "--json", dest="json_file", metavar="FILE", help="also write every figure to this JSON file"
        )
        parser.add_argument("--force", action="store_true", help="run even on a database with real traffic")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--checkpoint", metavar="FILE", type=Path,
            help="where to write the checkpoint at the end of every simulated day, and where --resume reads it "
            "(default var/simulation/checkpoint.json)",
        )  # fmt: skip
        parser.add_argument("--no-checkpoint", action="store_true", help="write no checkpoint (cannot be resumed)")
        parser.add_argument(
            "--resume", action="store_true",
            help="continue the interrupted run of the checkpoint from its last finished day, on the same database "
            "(its seed, days, volume and strategy; any of them given must match)",
        )  # fmt: skip
        parser.add_argument(
            "--figures", action="store_true",
            help="simulate nothing: print the figures of the checkpoint's run as they stand at its last finished day "
            "(and write them with --json), while the run goes on or after it was stopped",
        )  # fmt: skip

    def handle(self, *args, json_file: str | None, force: bool, no_progress: bool, checkpoint: Path | None,
               no_checkpoint: bool, resume: bool, start: date | None, figures: bool, **options) -> None:  # fmt: skip
        given = {name: options[name] for name in DEFAULTS if options.get(name) is not None}
        if figures:
            if given or start or resume or no_checkpoint or force:
                raise CommandError(_("--figures takes only --checkpoint and --json: it reads a run, it runs nothing."))
            self._figures(checkpoint or default_checkpoint(), json_file)
            return
        if given.get("days", 1) < 1:
            raise CommandError(_("--days must be at least 1."))
        if given.get("teu_per_year", 1) <= 0:
            raise CommandError(_("--teu-per-year must be positive."))
        if no_checkpoint and (resume or checkpoint):
            raise CommandError(_("--no-checkpoint cannot be combined with --resume or --checkpoint."))
        path = None if no_checkpoint else (checkpoint or default_checkpoint())
        real = real_traffic_count()
        if real and not force:
            raise CommandError(
                ngettext(
                    "This database holds %(count)s container stay that no simulation made. The simulation writes "
                    "its records in simulated time and would mix them with real traffic: run it on a database of "
                    "its own (or one an earlier simulation made), or pass --force if this one may be spoilt.",
                    "This database holds %(count)s container stays that no simulation made. The simulation writes "
                    "its records in simulated time and would mix them with real traffic: run it on a database of "
                    "its own (or one an earlier simulation made), or pass --force if this one may be spoilt.",
                    real,
                )
                % {"count": real}
            )
        if resume:
            run = self._resumable(path, given, start)
        else:
            if path:
                self._not_overwriting(path)
            run = {**DEFAULTS, **given, "start": self._first_day(start, force), "day": 0}
        days, first = run["days"], run["start"]
        bar = tqdm(total=days * 24, initial=run["day"] * 24, unit=" " + _("simulated h"), desc=_("simulating"),
                   file=sys.stderr, disable=no_progress)  # fmt: skip
        reached = {"day": run["day"]}

        def progress(at: datetime, simulation: Simulation) -> None:
            reached["day"] = simulation.day
            hours = min(days * 24, int((at - first).total_seconds() // 3600))
            if hours > bar.n:
                bar.update(hours - bar.n)
                util = simulation.result.utilisation
                day = min(simulation.day + 1, days)
                description = _("day %(day)s/%(days)s %(date)s")
                bar.set_description(description % {"day": day, "days": days, "date": simulation.date_of(day)},
                                    refresh=False)  # fmt: skip
                bar.set_postfix(
                    {
                        _("boxes"): simulation.result.visits,
                        _("refusals"): sum(simulation.result.refusals.values()),
                        _("yard"): f"{util[-1][2]:.0%}" if util else "-",
                    },
                    refresh=False,
                )

        try:
            if resume:
                result = simulation_resume(checkpoint=path, progress=progress)
            else:
                result = simulation_run(
                    days=days, seed=run["seed"], teu_per_year=run["teu_per_year"], strategy=run["strategy"],
                    start=first, progress=progress, checkpoint=path,
                )  # fmt: skip
        except CheckpointError as error:
            raise CommandError(_("Cannot resume: %(reason)s.") % {"reason": error}) from None
        except InvariantViolation as violation:
            stops = _(
                "The yard breaks its invariants at the end of day %(day)s (%(date)s); the run stops. The day's "
                "records are kept for inspection; the checkpoint stays at the day before."
            ) % {"day": violation.day, "date": violation.date}
            raise CommandError("\n".join([stops, *(f"  - {problem}" for problem in violation.problems)])) from None
        except KeyboardInterrupt:
            bar.close()
            day = reached["day"]
            if path and day:
                option = f"--resume --checkpoint {path}" if checkpoint else "--resume"
                resume_hint = _("continue with %(option)s") % {"option": option}
            else:
                resume_hint = _("nothing to resume")
            raise CommandError(
                _("Interrupted during day %(day)s: the database is at the end of day %(done)s (%(hint)s).")
                % {"day": day + 1, "done": day, "hint": resume_hint},
                returncode=130,
            ) from None
        finally:
            bar.close()
        if resume and run["finished"]:
            self.stdout.write(_("The run of %(path)s finished already: its figures.") % {"path": path})
        self._report(result, json_file)

    def _figures(self, path: Path, json_file: str | None) -> None:
        """The figures of the checkpoint's run so far (all of them once it finished); the database is not read."""
        try:
            result, run = checkpoint_figures(path)
        except CheckpointError as error:
            raise CommandError(_("Cannot read the run's figures: %(reason)s.") % {"reason": error}) from None
        if run["finished"]:
            self.stdout.write(_("The run of %(path)s finished: its figures.") % {"path": path})
        else:
            last = f"{(run['start'] + timedelta(days=run['day'] - 1)).astimezone(AKTAU_TZ):%Y-%m-%d}"
            self.stdout.write(
                _(
                    "The run of %(path)s is at the end of day %(day)s of %(days)s (%(date)s): its figures so far, "
                    "without what is under way."
                )
                % {"path": path, "day": run["day"], "days": run["days"], "date": last}
            )
        self._report(result, json_file)

    def _report(self, result: SimulationResult, json_file: str | None) -> None:
        self.stdout.write(summary(result))
        if json_file:
            Path(json_file).parent.mkdir(parents=True, exist_ok=True)
            Path(json_file).write_text(json.dumps(result.as_dict(), indent=2, default=str))
            self.stdout.write(_("Figures written to %(file)s") % {"file": json_file})

    def _first_day(self, start: date | None, force: bool) -> datetime:
        latest = latest_record_time()
        if start is None:
            return start_after(latest, DEFAULT_START)
        first = datetime(start.year, start.month, start.day, tzinfo=AKTAU_TZ)
        if latest and first < latest and not force:
            raise CommandError(
                _(
                    "--start %(start)s is before the latest record (%(latest)s): simulated records would come "
                    "before existing ones. Choose a later day, or --force."
                )
                % {"start": start, "latest": f"{latest.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M}"}
            )
        return first

    def _resumable(self, path: Path, given: dict, start: date | None) -> dict:
        """The checkpoint's run, once what the command line says agrees with it."""
        if start is not None:
            raise CommandError(_("--start cannot be combined with --resume: the run goes on from its checkpoint."))
        try:
            run = checkpoint_peek(path)
        except CheckpointError as error:
            raise CommandError(_("Cannot resume: %(reason)s.") % {"reason": error}) from None
        if run is None:
            raise CommandError(
                _(
                    "There is no checkpoint at %(path)s: nothing to resume. A run writes one at the end of every "
                    "simulated day; pass --checkpoint FILE if it was written elsewhere."
                )
                % {"path": path}
            )
        for name, value in given.items():
            if value != run[name]:
                option = "--" + name.replace("_", "-")
                raise CommandError(
                    _(
                        "%(option)s %(value)s differs from the checkpoint's run (%(option)s %(theirs)s): a resumed "
                        "run goes on as it started. Leave %(option)s out, or start a new run with another "
                        "--checkpoint."
                    )
                    % {"option": option, "value": value, "theirs": run[name]}
                )
        return run

    def _not_overwriting(self, path: Path) -> None:
        try:
            run = checkpoint_peek(path)
        except CheckpointError:
            return  # unreadable or of another version: nothing that could be resumed anyway
        if run and not run["finished"]:
            raise CommandError(
                _(
                    "%(path)s holds the checkpoint of an unfinished run (day %(day)s of %(days)s, seed %(seed)s, "
                    "from %(start)s): continue it with --resume, or give another --checkpoint (or delete that file) "
                    "to start a new run."
                )
                % {
                    "path": path,
                    "day": run["day"],
                    "days": run["days"],
                    "seed": run["seed"],
                    "start": f"{run['start'].astimezone(AKTAU_TZ):%Y-%m-%d}",
                }
            )


# How the figures' own keys read in the summary: the JSON keeps them in English, for programs; people read these.
# Service names and refusal codes stay as they are (codes are the same in every language).
FIGURE_LABELS = {
    "trains in": pgettext_lazy("simulation figure", "trains in"),
    "trains out": pgettext_lazy("simulation figure", "trains out"),
    "trucks in": pgettext_lazy("simulation figure", "trucks in"),
    "trucks out": pgettext_lazy("simulation figure", "trucks out"),
    "vessel calls": pgettext_lazy("simulation figure", "vessel calls"),
    "boxes rolled over to a later train": pgettext_lazy("simulation figure", "boxes rolled over to a later train"),
    "boxes rolled over to a later vessel": pgettext_lazy("simulation figure", "boxes rolled over to a later vessel"),
    "boxes sent to the overflow area": pgettext_lazy("simulation figure", "boxes sent to the overflow area"),
    "inbound train waits for a line (half hours)": pgettext_lazy(
        "simulation figure", "inbound train waits for a line (half hours)"
    ),
    "outbound train waits for a line (half hours)": pgettext_lazy(
        "simulation figure", "outbound train waits for a line (half hours)"
    ),
    "moves redirected at completion": pgettext_lazy("simulation figure", "moves redirected at completion"),
    "trucks given a later appointment for lack of a place": pgettext_lazy(
        "simulation figure", "trucks given a later appointment for lack of a place"
    ),
    "vessel calls moved to a free berth window": pgettext_lazy(
        "simulation figure", "vessel calls moved to a free berth window"
    ),
    "vessel waits for the berth (half hours)": pgettext_lazy(
        "simulation figure", "vessel waits for the berth (half hours)"
    ),
    "declarations released": pgettext_lazy("simulation figure", "declarations released"),
    "findings holds lifted": pgettext_lazy("simulation figure", "findings holds lifted"),
    "inspections ordered": pgettext_lazy("simulation figure", "inspections ordered"),
    "inspection results": pgettext_lazy("simulation figure", "inspection results"),
    "inbound train": pgettext_lazy("simulation figure", "inbound train"),
    "outbound train": pgettext_lazy("simulation figure", "outbound train"),
    "inspection order": pgettext_lazy("simulation figure", "inspection order"),
    "move": pgettext_lazy("simulation figure", "move"),
    "train departure (line stays blocked)": pgettext_lazy("simulation figure", "train departure (line stays blocked)"),
    "truck pickup": pgettext_lazy("simulation figure", "truck pickup"),
    "vessel call (berth never free)": pgettext_lazy("simulation figure", "vessel call (berth never free)"),
    "vessel call (no berth window)": pgettext_lazy("simulation figure", "vessel call (no berth window)"),
    "vessel move (the vessel sailed)": pgettext_lazy("simulation figure", "vessel move (the vessel sailed)"),
    **{kind.value: kind.label for kind in YardMove.Kind},  # moves by kind
    **{kind.value: kind.label for kind in InspectionOrder.Kind},
    **{result.value: result.label for result in InspectionOrder.Result},
}


def figure_label(key: str) -> str:
    """A figure's key as people read it ("inspections ordered: scan" -> its two parts, each in their words)."""
    if key in FIGURE_LABELS:
        return str(FIGURE_LABELS[key])
    head, separator, tail = key.partition(": ")
    if separator and head in FIGURE_LABELS:
        return f"{FIGURE_LABELS[head]}: {figure_label(tail)}"
    return key


def _counts(counter: dict, limit: int = 8) -> str:
    """`label count, ...`, the keys read as people read them (figure_label), refusal codes as they are."""
    items = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    if not items:
        return _("none")
    text = ", ".join(f"{figure_label(key)} {value:,}" for key, value in items[:limit])
    if len(items) > limit:
        text += ", " + _("... (%(count)s more)") % {"count": len(items) - limit}
    return text


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A plain text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list) -> str:
        return "  ".join(
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), *[line(row) for row in rows]]


def _turnaround(hours: dict) -> str:
    return f"{hours['median']:.1f}/{hours['max']:.1f}" if hours["count"] else "-"


def monthly_tables(result: SimulationResult) -> list[str]:
    """The run month by month (Aktau time): throughput and waits, then the yard's peaks and carriers' turnaround."""
    months = result.figures()["months"]
    flows = [
        [key, f"{m['boxes_in']:,}", f"{m['teu_in']:,.0f}", f"{m['boxes_out']:,}", f"{m['teu_out']:,.0f}",
         f"{m['turned_away']:,}", f"{m['boxes_awaiting_slot']:,}", f"{m['hours_awaiting_slot']:,.1f}",
         f"{m['rehandles_per_retrieval']:.3f}"]
        for key, m in months.items()
    ]  # fmt: skip
    peaks = []
    for key, m in months.items():
        busiest = max(m["block_peaks"].items(), key=lambda item: item[1], default=None)
        peaks.append([
            key, f"{busiest[0]} {busiest[1]:.0%}" if busiest else "-",
            *(f"{m['area_peaks'][area]:.0%}" for area in AREAS.values()),
            *(_turnaround(m["turnaround_hours"][kind]) for kind in ("trains_in", "trains_out", "vessels")),
        ])  # fmt: skip
    return [
        _(
            "By month (Aktau time): boxes and TEU in and out, boxes turned away, boxes that waited for a slot and "
            "their hours, rehandles per retrieval:"
        ),
        *_table(
            [
                _("month"),
                _("boxes in"),
                _("TEU in"),
                _("boxes out"),
                _("TEU out"),
                _("turned away"),
                _("slot waits"),
                _("hours"),
                _("rehandles"),
            ],
            flows,
        ),
        _(
            "Peak occupancy (share of places) of the busiest block, the DG, reefer and inspection areas; turnaround "
            "from arrival to departure in hours (median/max):"
        ),
        *_table(
            [
                _("month"),
                _("busiest block"),
                _("DG"),
                _("reefer"),
                _("inspection"),
                _("trains in"),
                _("trains out"),
                _("vessels"),
            ],
            peaks,
        ),
    ]


def _labelled(rows: list[tuple[str, str]]) -> list[str]:
    """`Label:  text` lines, the texts aligned after the longest label (whatever language the labels are in)."""
    width = max(len(label) for label, _text in rows)
    return [f"{label.ljust(width)}  {text}" for label, text in rows]


def summary(result: SimulationResult) -> str:
    figures = result.figures()
    util = figures["utilisation"]
    dwell = figures["dwell_hours_departed"]
    per_day = result.wall_seconds / result.days if result.days else 0.0
    services = sorted(result.service_seconds.items(), key=lambda item: -item[1])[:5]
    simulated = ngettext(
        "Simulated %(days)s day from %(start)s (Aktau) at %(volume)s TEU a year, seed %(seed)s, allocation strategy "
        "%(strategy)s.",
        "Simulated %(days)s days from %(start)s (Aktau) at %(volume)s TEU a year, seed %(seed)s, allocation strategy "
        "%(strategy)s.",
        result.days,
    ) % {
        "days": result.days,
        "start": f"{result.start.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M}",
        "volume": f"{result.teu_per_year:,.0f}",
        "seed": result.seed,
        "strategy": result.strategy,
    }
    rows = [
        (
            _("Traffic:"),
            _(
                "%(visits)s container stays opened (%(teu_in)s TEU), %(departed)s left (%(teu_out)s TEU), "
                "%(turned_away)s turned away."
            )
            % {
                "visits": f"{result.visits:,}",
                "teu_in": f"{result.teu_in:,.0f}",
                "departed": f"{result.departed:,}",
                "teu_out": f"{result.teu_out:,.0f}",
                "turned_away": f"{result.turned_away:,}",
            },
        ),
        (_("Carriers:"), f"{_counts(figures['carriers'])}."),
        (_("Waits:"), f"{_counts(figures['waits'])}."),
        (
            _("Moves:"),
            _("%(moves)s done (%(kinds)s), %(per_stay)s per container stay.")
            % {
                "moves": f"{result.moves:,}",
                "kinds": _counts(figures["moves_by_kind"]),
                "per_stay": f"{result.moves_per_container:.2f}",
            },
        ),
        (
            _("Rehandles:"),
            _(
                "%(rehandles)s for %(retrievals)s retrievals (%(per_retrieval)s per retrieval); %(deviations)s moves "
                "put elsewhere than planned."
            )
            % {
                "rehandles": f"{result.rehandles:,}",
                "retrievals": f"{result.retrievals:,}",
                "per_retrieval": f"{result.rehandles_per_retrieval:.3f}",
                "deviations": f"{result.deviations:,}",
            },
        ),
        (
            _("Yard:"),
            _(
                "ground slots used %(slots_mean)s on average, %(slots_peak)s at peak; places (slot x tier) "
                "%(places_mean)s and %(places_peak)s."
            )
            % {
                "slots_mean": f"{util['ground_slots_mean']:.1%}",
                "slots_peak": f"{util['ground_slots_peak']:.1%}",
                "places_mean": f"{util['places_mean']:.1%}",
                "places_peak": f"{util['places_peak']:.1%}",
            },
        ),
    ]
    by_block = _("Peak by block (share of places): %(blocks)s.") % {
        "blocks": ", ".join(f"{code} {share:.0%}" for code, share in figures["block_peaks"].items())
    }
    more = [
        (
            _("Dwell:"),
            _("of the boxes that left, %(mean)s h on average (median %(median)s h).")
            % {"mean": f"{dwell['mean'] or 0:.1f}", "median": f"{dwell['median'] or 0:.1f}"},
        ),
        (_("Customs:"), f"{_counts(figures['customs'])}."),
        (_("Refusals:"), f"{_counts(figures['refusals'])}."),
        (_("Given up:"), f"{_counts(figures['given_up'])}."),
        (
            _("Wall time:"),
            _(
                "%(seconds)s s (%(per_day)s s per simulated day; by day: %(by_day)s; finishing what was under way "
                "%(drain)s s), %(events)s traffic events a second."
            )
            % {
                "seconds": f"{result.wall_seconds:,.1f}",
                "per_day": f"{per_day:,.1f}",
                "by_day": ", ".join(f"{seconds:.0f}" for seconds in result.wall_seconds_by_day),
                "drain": f"{result.drain_wall_seconds:.0f}",
                "events": f"{result.events_per_second:.1f}",
            },
        ),
        (_("Slowest:"), ", ".join(f"{name} {seconds:.1f} s" for name, seconds in services) + "."),
    ]
    labelled = _labelled(rows + more)
    lines = [simulated, *labelled[: len(rows)], by_block, *labelled[len(rows) :], *monthly_tables(result)]
    return "\n".join(lines)
