"""Replays the traffic model through the real services, in simulated time.

Every event of `simulation.traffic` and every step it leads to runs inside
`time_machine.travel(<its time>, tick=False)`, so every row written (visits, moves, holds, history)
carries simulated time: dwell, ages and the nightly report's days come out as they would in operation.

Who does what, as in operation: an operator registers train lists, forms outbound trains and plans them,
announces vessels; a clerk gates trucks in, checks containers in on their wagons and plans deliveries,
loading and relocations; a driver completes moves (the scanner's `move_complete` at the planned
position); a customs officer releases declarations, orders inspections and records their results;
dispatch runs as the Celery tick would (`moves_dispatch`, at most every 15 simulated seconds).
The simulation acts as its own users (`simulation-*`, inactive, in the right role groups), so its
records are told apart from real traffic.

- Inbound train: its list is registered (when a line is free), containers are checked in and discharged
  one by one at the gantries' rate, and the train leaves once empty.
- Vessel: the line announces the call days ahead through the vessels app (the vessel registered by its IMO
  number, the call on the container berth in a window no other call holds) and sends load lists with the
  boxes' VGM as they become ready. Alongside, its arrival bay plan is applied (boxes for Aktau get discharge
  moves, through cargo stays on board, through boxes over Aktau's are restowed); restows are lifted off, the
  boxes discharged top first and the restows put back (into another free cell when theirs no longer stands
  on anything). Then the stowage plan is built and each planned box loaded into its cell in the plan's
  sequence (the scanner's `move_complete` at `VESSEL:<reference>/<cell>`), and the call departs with its
  departure bay plan.
- Outbound train: platforms are placed on a free line, the ready boxes for its destination booked, the
  load plan built, each box loaded onto its planned wagon, and the train leaves.
- Trucks bring boxes (gate-in) and collect them (delivery to GATE).
- Customs: arrival control is lifted when the declaration is released; inspections are ordered, the box
  goes to the inspection area and back, results are recorded; findings holds are lifted later.

Whenever a box to be taken out is buried, what stands on it is relocated first through the services
(allocation, a shift move, its completion) and counted as a rehandle. Whenever a rule says no (a hold,
a full area, a segregation conflict), that is an event of the day: it is counted by its error code and
the simulation goes on as people would (retry later, choose another slot, turn a truck away); no rule is
ever bypassed. Anything else is a bug and stops the run.

A run goes a simulated day at a time (`Simulation.run`), and each day is one database transaction. At the day's
end the yard's invariants are checked on what the database holds (`yard.invariants`): a violation stops the run
naming the day (the day is committed and kept for inspection, but no checkpoint is written for it). With a
checkpoint file, the run's state is then written to it (`simulation.checkpoint`), before the commit, and the file
renamed into place after it. The figures are kept per calendar month too (`MonthFigures`).

Resuming (`simulation_resume`): the state of the event queue cannot be rebuilt from the database (retries,
moves under way, departures to come are the simulation's own), so the checkpoint holds it: the pending steps by
method name and arguments, the bookkeeping, the figures so far, the allocation strategy's random state. The
traffic is not stored: it is generated again from the seed and parameters (a digest proves it is the same), and
its events and hourly samples from the checkpoint's day on are planned again with the numbers they had (steps
are ordered by time, then by that number, so the order of execution is the same). What it promises: a run
interrupted at any point (Ctrl-C, a killed process) and resumed on the same database gives the same figures
as the run would have given uninterrupted (tests/simulation/test_resume.py checks it); only wall-clock times
differ. The half-finished day is never in the database, since its transaction did not commit. Records later
than the checkpoint's day mean something else wrote to the database: the resume is refused, not repaired.

What the services do not offer yet, and how the simulation lives with it:
- A train list cannot name its wagons' models, so wagons have none: the list's payload check is skipped
  and outbound load plans assume 40' platforms. The model sends no 45' box away by rail.
- A train list is refused whole when one box has no slot, naming only that box: the operator takes it off
  (it goes on by direct delivery) and registers the list again, once per such box.
"""

import contextlib
import functools
import heapq
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from statistics import mean, median

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import connection, transaction
from django.db.models import Count, Max, Subquery
from django.test.utils import override_settings
from django.utils.translation import gettext

from aktau_tos import roles
from aktau_tos.audit import system_user
from aktau_tos.errors import DomainError
from customs import services as customs_services
from customs.models import InspectionOrder
from dangerous_goods.reference import un_numbers_load
from rail import services as rail_services
from rail.models import LoadingLine, LoadPlanEntry, TrainVisit
from rail.reference import rail_reference_load
from simulation.bayplan import Ship, Stowable, bay_plan
from simulation.checkpoint import FORMAT, CheckpointError, CheckpointFile, Codec, traffic_digest
from simulation.traffic import (
    AKTAU_TZ,
    DEFAULT_START,
    RAIL,
    VESSEL,
    BoxPlan,
    OutboundTrain,
    PlatformModel,
    ThroughBox,
    Traffic,
    TrafficParameters,
    TrainArrival,
    TruckArrival,
    TruckPickup,
    VesselAnnouncement,
    VesselArrival,
    traffic_generate,
)
from simulation.traffic import VesselCall as PlannedCall
from vessels import services as vessels_services
from vessels.geometry import cell_parse
from vessels.layout import berths_apply
from vessels.models import Booking, Vessel, VesselCall
from vessels.profiles import default_profile_ensure, geometry_of
from vessels.services.calls import call_moves
from yard import reference, selectors
from yard import services as yard_services
from yard.allocation import allocation_strategy_check, blocks_for, slot_allocate, strategy_using
from yard.invariants import yard_invariants_check
from yard.layout import layout_apply
from yard.models import Block, CarrierVisit, ContainerVisit, IsoSizeType, Occupancy, Slot, YardMove
from yard.stacking import snapshot_around

SIMULATION_USERS = {
    "simulation-operator": roles.OPERATOR,
    "simulation-clerk": roles.YARD_CLERK,
    "simulation-driver": roles.DRIVER,
    "simulation-customs": roles.CUSTOMS_OFFICER,
}
DISPATCH_TICK = timedelta(seconds=15)  # the beat schedule's dispatch interval (YARD_DISPATCH_INTERVAL_SECONDS)
RETRY = timedelta(minutes=30)
AWAITING_TICK = timedelta(minutes=5)  # the beat schedule's look for places (YARD_AWAITING_SLOT_INTERVAL_SECONDS)
OVERFLOW_AFTER = timedelta(hours=1)  # the operator sends a box still waiting for a slot to the overflow area
MAX_RETRIES = 48  # a day of half-hourly retries, then the step is given up (and counted)
ROLL_AFTER_RETRIES = 4  # an outbound train waits two hours for its last boxes, then leaves without them
INSPECTION_RETRIES = 6
TRUCK_RESCHEDULE = timedelta(hours=2)  # a truck the gate cannot take for lack of a place comes back this much later
TRUCK_RESCHEDULES = 12  # for a day, then it is turned away
DRAIN_LIMIT = timedelta(days=1)  # after the last day, operations under way may finish within this
PLACEMENT_CODES = {"position_occupied", "position_invalid", "segregation_conflict"}
LOAD_CUTOFF = timedelta(hours=6)  # a box ready this long after a vessel's arrival still makes it
# The stowage solver's budget per call (deterministic time, so the same run gives the same plans). Every plan is
# checked by the services all the same; the default 20 s per call would make the run's wall time the solver's.
STOWAGE_PLAN_SECONDS = 2.0
OPEN = YardMove.OPEN_STATUSES


class Refused(Exception):
    """A service said no; the DomainError is counted already."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(str(error))
        self.error = error
        self.code = error.code


# The areas whose occupancy peaks the monthly figures follow, by block kind.
AREAS = {Block.Kind.DANGEROUS_GOODS: "dg", Block.Kind.REEFER: "reefer", Block.Kind.INSPECTION: "inspection"}
TURNAROUNDS = ("trains_in", "trains_out", "vessels")


def month_of(at: datetime) -> str:
    """The calendar month (Aktau time) a figure counts in: YYYY-MM."""
    return f"{at.astimezone(AKTAU_TZ):%Y-%m}"


def _hours_summary(hours: list[float]) -> dict:
    return {
        "count": len(hours),
        "median": round(median(hours), 1) if hours else None,
        "max": round(max(hours), 1) if hours else None,
    }


@dataclass
class MonthFigures:
    """One calendar month of a run (Aktau time): what came and went, and the peaks the hourly samples saw."""

    boxes_in: int = 0  # container stays opened
    teu_in: float = 0.0
    boxes_out: int = 0  # stays closed by a departure (gate, train, vessel)
    teu_out: float = 0.0
    turned_away: int = 0
    # Boxes that waited for a yard slot, and for how long (counted in the month the wait ended): moves awaiting a
    # slot (`Simulation.slot_wait_ended`), and trucks the gate sent back for lack of a place (`truck_arrives`).
    boxes_awaiting_slot: int = 0
    hours_awaiting_slot: float = 0.0
    retrievals: int = 0
    rehandles: int = 0
    block_peaks: dict = field(default_factory=dict)  # block code -> peak share of its places (slot x tier)
    area_peaks: dict = field(default_factory=dict)  # an area of AREAS -> peak share of its blocks' places
    # Carrier visits that departed in the month: hours from their recorded arrival to their departure. An
    # outbound train arrives when its empty platforms are placed on a line; a vessel when it is alongside.
    turnaround_hours: dict = field(default_factory=lambda: {kind: [] for kind in TURNAROUNDS})

    @property
    def rehandles_per_retrieval(self) -> float:
        return self.rehandles / self.retrievals if self.retrievals else 0.0

    def figures(self) -> dict:
        return {
            "boxes_in": self.boxes_in,
            "teu_in": round(self.teu_in, 2),
            "boxes_out": self.boxes_out,
            "teu_out": round(self.teu_out, 2),
            "turned_away": self.turned_away,
            "boxes_awaiting_slot": self.boxes_awaiting_slot,
            "hours_awaiting_slot": round(self.hours_awaiting_slot, 1),
            "retrievals": self.retrievals,
            "rehandles": self.rehandles,
            "rehandles_per_retrieval": round(self.rehandles_per_retrieval, 3),
            "block_peaks": {code: round(share, 3) for code, share in sorted(self.block_peaks.items())},
            "area_peaks": {area: round(self.area_peaks.get(area, 0.0), 3) for area in AREAS.values()},
            "turnaround_hours": {kind: _hours_summary(self.turnaround_hours[kind]) for kind in TURNAROUNDS},
        }


@dataclass
class SimulationResult:
    days: int
    teu_per_year: float
    seed: int
    strategy: str
    start: datetime
    model: dict = field(default_factory=dict)  # the traffic model's own figures
    visits: int = 0  # container stays opened
    teu_in: float = 0.0
    departed: int = 0
    teu_out: float = 0.0
    turned_away: int = 0  # boxes that never got in (no slot, refused list line)
    carriers: Counter = field(default_factory=Counter)
    waits: Counter = field(default_factory=Counter)  # carriers and boxes waiting (half hours, or times)
    moves_by_kind: Counter = field(default_factory=Counter)
    retrievals: int = 0  # boxes taken out of a stack: loading, delivery, to inspection
    rehandles: int = 0  # boxes relocated to reach them
    deviations: int = 0  # moves confirmed elsewhere than planned, because a rule refused the planned place
    refusals: Counter = field(default_factory=Counter)  # by error code
    refusals_by_step: Counter = field(default_factory=Counter)  # "step: code"
    customs: Counter = field(default_factory=Counter)
    vessels: Counter = field(default_factory=Counter)  # calls, boxes discharged, loaded, restowed, through, ...
    given_up: Counter = field(default_factory=Counter)  # steps abandoned after their retries
    utilisation: list = field(default_factory=list)  # hourly (time, share of ground slots, share of places)
    dwell_hours: list = field(default_factory=list)  # of the boxes that left
    events: int = 0  # model events replayed
    steps: int = 0  # everything executed: events and what they led to
    wall_seconds: float = 0.0
    wall_seconds_by_day: list = field(default_factory=list)
    service_seconds: Counter = field(default_factory=Counter)
    drained_until: datetime | None = None
    drain_wall_seconds: float = 0.0  # finishing what was under way after the last day
    block_peaks: dict = field(default_factory=dict)  # block code -> peak share of its places (slot x tier)
    containers_seen: set = field(default_factory=set, repr=False)
    months: dict = field(default_factory=dict)  # YYYY-MM -> MonthFigures
    days_done: int = 0  # simulated days finished (the drain after the last is not a day)

    def refused(self, step: str, code: str) -> None:
        self.refusals[code] += 1
        self.refusals_by_step[f"{step}: {code}"] += 1

    def month(self, at: datetime) -> "MonthFigures":
        return self.months.setdefault(month_of(at), MonthFigures())

    @property
    def containers(self) -> int:
        return len(self.containers_seen)

    @property
    def moves(self) -> int:
        return sum(self.moves_by_kind.values())

    @property
    def moves_per_container(self) -> float:
        return self.moves / self.visits if self.visits else 0.0

    @property
    def rehandles_per_retrieval(self) -> float:
        return self.rehandles / self.retrievals if self.retrievals else 0.0

    def _utilisation(self, index: int) -> tuple[float, float]:
        values = [sample[index] for sample in self.utilisation]
        return (mean(values), max(values)) if values else (0.0, 0.0)

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds else 0.0

    def figures(self) -> dict:
        """Everything the run decided, without wall-clock times: the same seed on the same database gives
        the same figures."""
        ground_mean, ground_peak = self._utilisation(1)
        places_mean, places_peak = self._utilisation(2)
        return {
            "days": self.days,
            "teu_per_year": self.teu_per_year,
            "seed": self.seed,
            "strategy": self.strategy,
            "start": self.start.isoformat(),
            "visits": self.visits,
            "containers": self.containers,
            "teu_in": round(self.teu_in, 2),
            "departed": self.departed,
            "teu_out": round(self.teu_out, 2),
            "turned_away": self.turned_away,
            "carriers": dict(sorted(self.carriers.items())),
            "waits": dict(sorted(self.waits.items())),
            "moves_by_kind": dict(sorted(self.moves_by_kind.items())),
            "moves": self.moves,
            "moves_per_container": round(self.moves_per_container, 3),
            "retrievals": self.retrievals,
            "rehandles": self.rehandles,
            "rehandles_per_retrieval": round(self.rehandles_per_retrieval, 3),
            "deviations": self.deviations,
            "utilisation": {
                "ground_slots_mean": round(ground_mean, 4),
                "ground_slots_peak": round(ground_peak, 4),
                "places_mean": round(places_mean, 4),
                "places_peak": round(places_peak, 4),
                "samples": len(self.utilisation),
            },
            "dwell_hours_departed": {
                "mean": round(mean(self.dwell_hours), 1) if self.dwell_hours else None,
                "median": round(median(self.dwell_hours), 1) if self.dwell_hours else None,
            },
            "refusals": dict(sorted(self.refusals.items())),
            "refusals_by_step": dict(sorted(self.refusals_by_step.items())),
            "customs": dict(sorted(self.customs.items())),
            "vessels": dict(sorted(self.vessels.items())),
            "given_up": dict(sorted(self.given_up.items())),
            "events": self.events,
            "steps": self.steps,
            "drained_until": self.drained_until.isoformat() if self.drained_until else None,
            "block_peaks": {code: round(share, 3) for code, share in sorted(self.block_peaks.items())},
            "months": {key: month.figures() for key, month in sorted(self.months.items())},
        }

    def as_dict(self) -> dict:
        return {
            **self.figures(),
            "model": self.model,
            "utilisation_hourly": [
                {"at": at.isoformat(), "ground_slots": round(ground, 4), "places": round(places, 4)}
                for at, ground, places in self.utilisation
            ],
            "wall_seconds": round(self.wall_seconds, 2),
            "wall_seconds_by_day": [round(seconds, 2) for seconds in self.wall_seconds_by_day],
            "drain_wall_seconds": round(self.drain_wall_seconds, 2),
            "events_per_second": round(self.events_per_second, 2),
            "service_seconds": {name: round(s, 2) for name, s in self.service_seconds.most_common()},
        }


# --- Database preparation ----------------------------------------------------------------------------------


def reference_ensure() -> None:
    """The Aktau layout and reference data, loaded by the same loaders as seed_aktau (idempotent)."""
    reference.iso_size_types_load()
    un_numbers_load()
    layout_apply()
    berths_apply()
    rail_reference_load()
    default_profile_ensure(actor=system_user())  # the simulated feeders' cells


def simulation_users() -> dict[str, AbstractBaseUser]:
    """The simulation's own users, one per role it acts in (inactive: nobody logs in as them), by role."""
    users = {}
    for username, role in SIMULATION_USERS.items():
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"is_active": False, "first_name": "Simulation", "last_name": role}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    return users


def real_traffic_count() -> int:
    """Container stays that the simulation did not open: real (or demo) traffic it must not mix with."""
    simulated = ContainerVisit.history.filter(history_type="+", history_user__username__in=list(SIMULATION_USERS))
    return ContainerVisit.objects.exclude(pk__in=Subquery(simulated.values("id"))).count()


def latest_record_time() -> datetime | None:
    """The latest time any container stay or move was written (by anyone)."""
    times = [
        ContainerVisit.history.aggregate(latest=Max("history_date"))["latest"],
        YardMove.history.aggregate(latest=Max("history_date"))["latest"],
    ]
    times = [value for value in times if value]
    return max(times) if times else None


def start_after(latest: datetime | None, requested: datetime = DEFAULT_START) -> datetime:
    """The requested start, or the first midnight (Aktau time) after the latest record if that is later:
    simulated records never come before what the database already holds."""
    if latest is None or latest < requested:
        return requested
    day = latest.astimezone(AKTAU_TZ).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=AKTAU_TZ)


# --- The run -----------------------------------------------------------------------------------------------


@dataclass
class _Vessel:
    call: PlannedCall
    call_id: int  # the vessels app's call
    carrier_id: int
    eta: datetime  # as announced (later than the model's if its window was taken)
    capacity_teu: float  # the ship's TEU less the through cargo's
    booked: list = field(default_factory=list)  # container numbers
    booked_teu: float = 0.0
    arrived: bool = False


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    action: Callable = field(compare=False)
    args: tuple = field(compare=False, default=())
    essential: bool = field(compare=False, default=False)  # finishes operations under way after the last day
    event: bool = field(compare=False, default=False)


class InvariantViolation(Exception):
    """The yard broke its rules at the end of a simulated day: a bug in a service or in the simulation."""

    def __init__(self, day: int, date: str, problems: list[str]) -> None:
        self.day, self.date, self.problems = day, date, problems
        super().__init__(f"day {day} ({date}): " + "; ".join(problems))


class Simulation:
    """One run: the traffic replayed through the services. Use `simulation_run` or `simulation_resume`."""

    # What a checkpoint holds of a run besides its pending steps (see `state`); the rest is derived again.
    STATE = (
        "now", "day", "day_end", "draining", "last_dispatch", "next_seq", "declarations", "visit_of", "arrived_at",
        "in_yard", "left", "turned_away", "booking", "vessels", "vessel_carriers", "lines", "awaiting_slot", "result",
        "last_awaiting_run",
    )  # fmt: skip

    def __init__(
        self,
        traffic: Traffic,
        *,
        strategy: str,
        progress: Callable[[datetime, "Simulation"], None] | None,
        checkpoint: CheckpointFile | None = None,
        header: dict | None = None,
    ):
        self.traffic = traffic
        self.p = traffic.parameters
        self.strategy = strategy
        self.progress = progress
        self.checkpoint = checkpoint
        self.header = header or {}  # the run's identity, written at the head of every checkpoint
        self.result = SimulationResult(traffic.days, self.p.teu_per_year, traffic.seed, strategy, traffic.start)
        self.result.model = traffic.summary()
        users = simulation_users()
        self.operator, self.clerk = users[roles.OPERATOR], users[roles.YARD_CLERK]
        self.driver, self.customs = users[roles.DRIVER], users[roles.CUSTOMS_OFFICER]
        self.queue: list[_Step] = []
        # Steps are numbered in the order they are planned (ties in time go in that order). The traffic's events
        # and the hourly samples take the first numbers, so a resumed run plans them again with the same ones.
        self.static_steps = len(traffic.events) + traffic.days * 24
        self.next_seq = self.static_steps
        self.now = traffic.start
        self.day = 0  # simulated days finished
        self.day_end = traffic.start + timedelta(days=1)
        self.last_dispatch: datetime | None = None
        self.plans: dict[str, BoxPlan] = traffic.boxes
        self.visit_of: dict[str, int] = {}  # number -> open visit id (this run's boxes)
        self.arrived_at: dict[str, datetime] = {}  # when its carrier arrived
        self.in_yard: set[str] = set()
        self.left: set[str] = set()
        self.turned_away: set[str] = set()
        self.booking: dict[str, int] = {}  # number -> carrier visit id it is booked on
        self.vessels: dict[str, _Vessel] = {}  # by reference
        self.vessel_carriers: set[int] = set()  # carrier visits of this run's vessel calls
        self.lines = self._lines()
        self.declarations = 0  # customs declarations registered
        self.awaiting_slot: dict[int, datetime] = {}  # move id -> since when it finds no slot
        self.last_awaiting_run: datetime | None = None
        self.draining = False
        self.capacity: tuple[int, int] | None = None
        self.block_places: dict[str, int] = {}
        self.area_blocks: dict[str, set[str]] = {}  # area (AREAS) -> its blocks' codes
        self.rng = random.Random(f"aktau-{traffic.seed}-allocation")
        self.resumed = False

    # --- infrastructure ---

    def _lines(self) -> dict[str, int | None]:
        """Loading lines and the train on each (trains of an earlier run that never left keep theirs)."""
        busy = dict(
            TrainVisit.objects.exclude(carrier__status=CarrierVisit.Status.DEPARTED)
            .filter(line__isnull=False)
            .values_list("line__code", "pk")
        )
        return {code: busy.get(code) for code in LoadingLine.objects.order_by("code").values_list("code", flat=True)}

    def at(self, when: datetime, action: Callable, *args, essential: bool = False, event: bool = False) -> None:
        heapq.heappush(self.queue, _Step(max(when, self.now), self.next_seq, action, args, essential, event))
        self.next_seq += 1

    def call(self, step: str, service: Callable, /, **kwargs):
        """A service call as a user would make it: a refusal is counted by its code and raised as Refused."""
        started = time.perf_counter()
        try:
            return service(**kwargs)
        except DomainError as error:
            self.result.refused(step, error.code)
            raise Refused(error) from error
        finally:
            self.result.service_seconds[step] += time.perf_counter() - started

    def ready_at(self, number: str) -> datetime:
        return self.arrived_at[number] + timedelta(hours=self.plans[number].dwell_hours)

    # --- the run, a simulated day at a time ---

    def plan_traffic(self, after: datetime | None = None) -> None:
        """The traffic's events and the hourly samples, numbered by their place in the traffic (the same numbers
        on every run of it); with `after`, only those still to come then (a resumed run)."""
        handlers = {
            TrainArrival: self.train_arrives,
            OutboundTrain: self.train_forms,
            VesselAnnouncement: self.vessel_announced,
            VesselArrival: self.vessel_arrives,
            TruckArrival: self.truck_arrives,
            TruckPickup: self.truck_collects,
        }
        steps = [
            _Step(event.at, seq, handlers[type(event)], (event,), event=True)
            for seq, event in enumerate(self.traffic.events)
        ]
        first_sample = len(self.traffic.events)
        steps += [
            _Step(self.traffic.start + timedelta(hours=hour), first_sample + hour, self.sample)
            for hour in range(self.traffic.days * 24)
        ]
        self.queue += [step for step in steps if after is None or step.at >= after]
        heapq.heapify(self.queue)

    def run(self) -> SimulationResult:
        """Runs the days left, each in one database transaction: a day is in the database whole or not at all.
        At each day's end the yard's invariants are checked and, with a checkpoint file, the checkpoint written
        (before the commit, renamed into place after it). After the last day, what is under way finishes."""
        if not self.resumed:
            self.plan_traffic()
        # The simulation plays the worker that looks for places for moves awaiting a slot (`slot_found`): the
        # services' wake-up after a commit would only queue tasks for a worker that is not there.
        with strategy_using(self.strategy, rng=self.rng), override_settings(YARD_AWAITING_SLOT_WAKE=False):
            while self.day < self.traffic.days or self.draining:
                started = time.perf_counter()
                statistics_refresh()
                with transaction.atomic():
                    self.run_day()
                    finished_day = self.day_done()
                    problems = yard_invariants_check()
                    wall = time.perf_counter() - started
                    self.result.wall_seconds += wall
                    if finished_day:
                        self.result.wall_seconds_by_day.append(wall)
                    else:
                        self.result.drain_wall_seconds = wall
                    if not problems and self.checkpoint:
                        self.checkpoint.prepare(self.checkpoint_content())
                if problems:  # the day is kept for inspection; the checkpoint stays at the day before
                    day = self.day if finished_day else self.traffic.days + 1
                    raise InvariantViolation(day, self.date_of(day), problems)
                if self.checkpoint:
                    self.checkpoint.commit()
                if not finished_day:
                    break
        return self.result

    def run_day(self) -> None:
        """The steps of the current simulated day; after the last day, the essential ones of what is under way
        (within DRAIN_LIMIT)."""
        end = self.traffic.end
        while self.queue:
            step = heapq.heappop(self.queue)
            if not self.draining and step.at >= self.day_end:
                heapq.heappush(self.queue, step)  # the next day's
                return
            if self.draining and (not step.essential or step.at > end + DRAIN_LIMIT):
                continue
            self.now = step.at
            with time_machine.travel(step.at, tick=False):
                step.action(*step.args)
            self.result.steps += 1
            self.result.events += step.event
            if self.draining:
                self.result.drained_until = step.at
            if self.progress:
                self.progress(step.at, self)

    def day_done(self) -> bool:
        """Counts the day just run; whether it was a simulated day (False: it was the drain, the run is over)."""
        if self.draining:
            self.draining = False
            return False
        self.day += 1
        self.result.days_done = self.day
        self.day_end += timedelta(days=1)
        self.draining = self.day >= self.traffic.days and bool(self.queue)
        return True

    def date_of(self, day: int) -> str:
        """The date of simulated day `day` (1 is the first; the one after the last is the drain's)."""
        return f"{(self.traffic.start + timedelta(days=day - 1)).astimezone(AKTAU_TZ):%Y-%m-%d}"

    @property
    def finished(self) -> bool:
        return self.day >= self.traffic.days and not self.draining

    def sample(self) -> None:
        """Yard utilisation now: the share of ground slots with a box, and of all places (slot x tier); the
        month's peaks per block and area."""
        if self.capacity is None:
            blocks = list(Block.objects.all())
            ground = Slot.objects.count()
            places = sum(block.max_tier * block.slots.count() for block in blocks)
            self.capacity = (ground or 1, places or 1)
            self.block_places = {block.code: block.max_tier * block.slots.count() or 1 for block in blocks}
            self.area_blocks = {area: {b.code for b in blocks if b.kind == kind} for kind, area in AREAS.items()}
        used_ground = Occupancy.objects.filter(tier=1).count()
        used_places = Occupancy.objects.count()
        self.result.utilisation.append((self.now, used_ground / self.capacity[0], used_places / self.capacity[1]))
        month = self.result.month(self.now)
        used_by_block = dict(Occupancy.objects.values_list("slot__block__code").annotate(n=Count("id")))
        for code, used in used_by_block.items():
            share = used / self.block_places[code]
            self.result.block_peaks[code] = max(self.result.block_peaks.get(code, 0.0), share)
            month.block_peaks[code] = max(month.block_peaks.get(code, 0.0), share)
        for area, codes in self.area_blocks.items():
            places = sum(self.block_places[code] for code in codes)
            if places:
                share = sum(used_by_block.get(code, 0) for code in codes) / places
                month.area_peaks[area] = max(month.area_peaks.get(area, 0.0), share)

    # --- checkpoints ---

    def codec(self) -> Codec:
        return Codec(self, self.traffic, (SimulationResult, MonthFigures, _Vessel, _Step))

    def state(self) -> dict:
        """What the run needs to go on from here, besides the traffic (generated again from the seed)."""
        state = {name: getattr(self, name) for name in self.STATE}
        state["queue"] = sorted(step for step in self.queue if step.seq >= self.static_steps)
        state["rng"] = self.rng.getstate()
        return state

    def restore(self, state: dict) -> None:
        """Takes up a run at the end of a checkpoint's day: its state, and the traffic still to come."""
        for name in self.STATE:
            setattr(self, name, state[name])
        self.rng.setstate(state["rng"])
        self.queue = list(state["queue"])
        if not self.finished:
            self.plan_traffic(after=self.day_end - timedelta(days=1))
        self.resumed = True

    def database_check(self) -> None:
        """The database holds what the restored state expects: the run's open stays, its trains on their lines."""
        open_stays = set(self.visit_of.values())
        found = ContainerVisit.objects.filter(pk__in=open_stays).exclude(state=ContainerVisit.State.DEPARTED).count()
        trains = {train for train in self.lines.values() if train is not None}
        if found != len(open_stays) or TrainVisit.objects.filter(pk__in=trains).count() != len(trains):
            raise CheckpointError(
                gettext(
                    "this database does not hold the run's open container stays (%(found)s of %(open)s) or its "
                    "trains on the loading lines: it is not the database the checkpoint's run wrote to"
                )
                % {"found": found, "open": len(open_stays)}
            )

    def checkpoint_content(self) -> dict:
        return {
            **self.header,
            "day": self.day,
            "reached": (self.traffic.start + timedelta(days=self.day)).isoformat(),
            "finished": self.finished,
            "state": self.codec().encode(self.state()),
        }

    # --- bookkeeping ---

    def arrived(self, box: BoxPlan, visit_id: int, carrier_arrived: datetime) -> None:
        self.visit_of[box.number] = visit_id
        self.arrived_at[box.number] = carrier_arrived
        self.result.visits += 1
        self.result.teu_in += box.teu
        month = self.result.month(self.now)
        month.boxes_in += 1
        month.teu_in += box.teu
        self.result.containers_seen.add(box.number)
        if box.release_hours is not None and box.inbound_mode != RAIL:  # trains are declared whole
            self.at(
                carrier_arrived + timedelta(hours=box.release_hours), self.customs_release, [box.number], box.number
            )
        if box.inspection:
            self.at(carrier_arrived + timedelta(hours=box.inspection.after_hours), self.inspection_order, box, 0)

    def move_done(self, move: YardMove) -> None:
        self.result.moves_by_kind[move.kind] += 1
        number = move.visit.container.number
        if move.kind == YardMove.Kind.RESTOW:  # off and back on board: the box never was the yard's
            self.result.vessels["restows"] += 1
            return
        if move.kind == YardMove.Kind.DISCHARGE and move.from_carrier_id in self.vessel_carriers:
            self.result.vessels["boxes discharged"] += 1
        if move.kind == YardMove.Kind.LOAD and move.to_carrier_id in self.vessel_carriers:
            self.result.vessels["boxes loaded"] += 1
        if move.kind in (YardMove.Kind.DISCHARGE, YardMove.Kind.RECEIVE):
            self.in_yard.add(number)
        if move.to_gate or move.to_carrier_id:
            self.in_yard.discard(number)
            self.left.add(number)
            self.visit_of.pop(number, None)
            self.booking.pop(number, None)
            self.result.departed += 1
            month = self.result.month(self.now)
            month.boxes_out += 1
            plan = self.plans.get(number)
            if plan:
                self.result.teu_out += plan.teu
                month.teu_out += plan.teu
            if number in self.arrived_at:
                self.result.dwell_hours.append((self.now - self.arrived_at[number]).total_seconds() / 3600)

    def turn_away(self, count: int = 1) -> None:
        """Boxes that never got in: counted for the run and the month."""
        self.result.turned_away += count
        self.result.month(self.now).turned_away += count

    def departed(self, kind: str, carrier: CarrierVisit) -> None:
        """A carrier visit left: its turnaround (recorded arrival to departure) in the month."""
        if carrier.arrived_at and carrier.departed_at:
            hours = (carrier.departed_at - carrier.arrived_at).total_seconds() / 3600
            self.result.month(self.now).turnaround_hours[kind].append(hours)

    def slot_found(self, move: YardMove) -> bool:
        """A move awaiting a slot: the worker's look for places (at most once per beat interval), and then the
        operator, who sends a box that has waited too long to the overflow area. Whether the move has a place."""
        self.awaiting_slot.setdefault(move.pk, move.awaiting_slot_since)  # the services' record of the wait
        if self.last_awaiting_run is None or self.now - self.last_awaiting_run >= AWAITING_TICK:
            self.call("awaiting_slots_allocate", yard_services.awaiting_slots_allocate)
            self.last_awaiting_run = self.now
        if YardMove.objects.filter(pk=move.pk, awaiting_slot_since__isnull=True).exists():
            return True
        if move.kind != YardMove.Kind.DISCHARGE or self.now - move.awaiting_slot_since < OVERFLOW_AFTER:
            return False  # a train or ship waits on it; a box for inspection waits for the inspection area
        if move.visit.dangerous_goods:
            return False  # the overflow area takes no DG: the operator knows, and waits for the DG area
        try:
            self.call("move_send_to_overflow", yard_services.move_send_to_overflow, move_id=move.pk,
                      actor=self.operator)  # fmt: skip
        except Refused:
            return False
        self.result.waits["boxes sent to the overflow area"] += 1
        return True

    def slot_wait_ended(self, move_id: int) -> None:
        """A box that had found no slot got one (or was given up): the hours it waited, in the month. The wait
        starts when its move was planned awaiting a slot (YardMove.awaiting_slot_since)."""
        since = self.awaiting_slot.pop(move_id, None)
        if since is not None:
            month = self.result.month(self.now)
            month.boxes_awaiting_slot += 1
            month.hours_awaiting_slot += (self.now - since).total_seconds() / 3600

    def visit(self, number: str) -> ContainerVisit | None:
        visit_id = self.visit_of.get(number)
        if visit_id is None:
            return None
        return ContainerVisit.objects.select_related("container__iso_type", "outbound_carrier").get(pk=visit_id)

    # --- moves as drivers do them ---

    def dispatch(self, move: YardMove) -> None:
        """The Celery tick, which runs every 15 s: by the time a driver completes a move, a tick has handed it
        (and every other planned move) to a machine's queue. Run only when the move is still planned, and at
        most once per tick interval, since a tick with nothing new to hand out changes nothing."""
        if move.status != YardMove.Status.PLANNED:
            return
        if self.last_dispatch is None or self.now - self.last_dispatch >= DISPATCH_TICK:
            self.call("moves_dispatch", yard_services.moves_dispatch)
            self.last_dispatch = self.now

    def complete(self, move_id: int) -> YardMove | None:
        """The driver's completion scan at the planned place (digging the box out first if it is buried).
        If a rule now refuses the planned place, the driver asks for another and puts it there (a
        deviation). None if the move could not be done now."""
        moves = YardMove.objects.select_related("visit__container__iso_type", "to_slot__block", "to_carrier")
        move = moves.filter(pk=move_id).first()
        if move is None or move.status not in OPEN:
            return None
        if move.awaiting_slot_since:
            if not self.slot_found(move):
                return None
            move = moves.get(pk=move_id)  # it has its place now
        self.dispatch(move)
        if move.from_slot_id and not self.dig_out(move.visit):
            return None
        number = move.visit.container.number
        if move.kind == YardMove.Kind.LOAD and move.to_carrier and move.to_carrier.mode == RAIL:
            return self.load_onto_wagon(move)
        try:
            done = self.call(
                f"move_complete ({move.kind})", yard_services.move_complete, move_id=move.pk, container=number,
                position=selectors.move_to(move), actor=self.driver,
            )  # fmt: skip
        except Refused as refused:
            if refused.code == "move_redirected":  # the driver goes where the answer says
                self.result.waits["moves redirected at completion"] += 1
                return self.complete(move_id)
            if refused.code not in PLACEMENT_CODES or not move.to_slot_id:
                return None
            done = self.complete_elsewhere(move)
            if done is None:
                return None
        self.after_move(done)
        return done

    def after_move(self, move: YardMove) -> None:
        leaves_stack = move.kind in (YardMove.Kind.LOAD, YardMove.Kind.DELIVERY) or (
            move.kind == YardMove.Kind.INSPECTION and move.to_slot.block.kind == Block.Kind.INSPECTION
        )
        if move.from_slot_id and leaves_stack:
            self.result.retrievals += 1
            self.result.month(self.now).retrievals += 1
        self.move_done(move)

    def complete_elsewhere(self, move: YardMove) -> YardMove | None:
        inspection = move.to_slot.block.kind == Block.Kind.INSPECTION
        try:
            allocation = self.call(
                "slot_allocate", slot_allocate, visit=move.visit, blocks=blocks_for(move.visit, inspection=inspection)
            )
            done = self.call(
                f"move_complete ({move.kind}, elsewhere)", yard_services.move_complete, move_id=move.pk,
                container=move.visit.container.number, position=allocation.chosen.position, actor=self.driver,
            )  # fmt: skip
        except Refused:
            return None
        self.result.deviations += 1
        return done

    def load_onto_wagon(self, move: YardMove) -> YardMove | None:
        entry = LoadPlanEntry.objects.select_related("train_wagon").filter(move_id=move.pk).first()
        if entry is None:
            return None
        try:
            self.call(
                "container_load", rail_services.container_load, train_id=entry.train_id,
                container=move.visit.container.number, wagon_position=entry.train_wagon.position, actor=self.driver,
            )  # fmt: skip
        except Refused:
            return None
        move.refresh_from_db()
        self.after_move(move)
        return move

    def dig_out(self, visit: ContainerVisit) -> bool:
        """Relocates whatever stands on the box (top first) so that it can be lifted; each relocation is a
        rehandle. A box above that is leaving anyway (its own move is open) makes that move first."""
        for _ in range(20):  # more than any stack's height, with 40' boxes resting on two stacks
            occupancies = list(Occupancy.objects.filter(visit=visit).select_related("slot__block"))
            if not occupancies:
                return True
            primary = next(occupancy for occupancy in occupancies if occupancy.primary)
            top = snapshot_around(primary.slot).top_above(visit.pk)
            if top is None:
                return True
            blocker = ContainerVisit.objects.select_related("container__iso_type", "outbound_carrier").get(
                pk=top.visit_id
            )
            open_move = YardMove.objects.filter(visit=blocker, status__in=OPEN).first()
            if open_move is not None:
                if self.complete(open_move.pk) is None:
                    return False
                continue
            if not self.relocate(blocker, exclude={occupancy.slot_id for occupancy in occupancies}):
                return False
        return False

    def relocate(self, blocker: ContainerVisit, exclude: set[int]) -> bool:
        try:
            allocation = self.call(
                "slot_allocate (rehandle)", slot_allocate, visit=blocker, blocks=blocks_for(blocker),
                exclude_slot_ids=exclude,
            )  # fmt: skip
            move = self.call(
                "move_plan (rehandle)", yard_services.move_plan, visit=blocker, kind=YardMove.Kind.SHIFT,
                to_slot=allocation.slot, to_tier=allocation.chosen.tier, allocation=allocation.explanation(),
                actor=self.clerk,
            )  # fmt: skip
        except Refused:
            return False
        try:
            done = self.call(
                "move_complete (rehandle)", yard_services.move_complete, move_id=move.pk,
                container=blocker.container.number, position=allocation.chosen.position, actor=self.driver,
            )  # fmt: skip
        except Refused:
            with contextlib.suppress(Refused):
                self.call("move_cancel", yard_services.move_cancel, move_id=move.pk, actor=self.clerk,
                          reason="could not be put down where allocated")  # fmt: skip
            return False
        self.result.rehandles += 1
        self.result.month(self.now).rehandles += 1
        self.move_done(done)
        return True

    def complete_later(self, move_id: int, attempt: int = 0, then: Callable | None = None) -> None:
        """Completes the move now, or retries (the box could not be dug out, the place was refused). An arriving
        box for which no slot is free waits for one (`slot_wait_ended`)."""
        done = self.complete(move_id)
        if done is not None:
            self.slot_wait_ended(move_id)
            if then:
                then()
            return
        status = YardMove.objects.filter(pk=move_id).values_list("status", flat=True).first()
        if status not in OPEN:
            self.slot_wait_ended(move_id)
            if then:
                then()
            return
        if attempt >= MAX_RETRIES:
            self.result.given_up["move"] += 1
            self.slot_wait_ended(move_id)
            return
        self.at(self.now + RETRY, self.complete_later, move_id, attempt + 1, then, essential=True)

    # --- inbound trains ---

    def free_line(self) -> str | None:
        return next((code for code, train in self.lines.items() if train is None), None)

    def train_arrives(self, event: TrainArrival, attempt: int = 0) -> None:
        line = self.free_line()
        if line is None:  # the train waits at the station for a line
            self.result.waits["inbound train waits for a line (half hours)"] += 1
            if attempt < MAX_RETRIES:
                self.at(self.now + RETRY, self.train_arrives, event, attempt + 1)
            else:
                self.result.given_up["inbound train"] += 1
                self.turn_away(len(event.boxes))
            return
        wagons = [
            {"number": platform.number, "position": platform.position, "containers": [
                {"number": box.number, "iso_type": box.iso_type, "gross_kg": box.gross_kg, "seal": box.seal,
                 "freight_kind": box.freight_kind, "dangerous_goods": [line.as_dict() for line in box.dangerous_goods]}
                for box in platform.containers]}
            for platform in event.platforms
        ]  # fmt: skip
        try:  # a box with no place yet is taken all the same: its move awaits a slot
            train, moves = self.call(
                "train_list_register", rail_services.train_list_register, train_number=event.train_number,
                line=line, wagons=wagons, actor=self.operator, origin=event.origin, category=event.category,
                eta=event.at,
            )  # fmt: skip
        except Refused:  # a list the traffic model got wrong: not the simulation's to fix
            self.result.given_up["inbound train"] += 1
            self.turn_away(sum(len(wagon["containers"]) for wagon in wagons))
            return
        self.lines[line] = train.pk
        self.result.carriers["trains in"] += 1
        by_number = {box.number: box for box in event.boxes}
        for move in moves:
            box = by_number[move.visit.container.number]
            self.arrived(box, move.visit_id, event.at)
            self.book_on_vessel(box)
        if event.category in settings.CUSTOMS_CONTROL_CATEGORIES:
            numbers = [move.visit.container.number for move in moves]
            self.at(event.at + timedelta(hours=event.release_hours), self.customs_release, numbers, event.train_number)
        start = self.now + timedelta(minutes=20)  # the clerk walks the train; the gantries start
        for index, move in enumerate(moves):
            when = start + timedelta(hours=index / self.p.rail_moves_per_hour)
            self.at(when, self.discharge, train.pk, move.pk, move.visit.container.number, essential=True)
        last = start + timedelta(hours=len(moves) / self.p.rail_moves_per_hour)
        self.at(last + timedelta(minutes=10), self.train_leaves, train.pk, line, 0, False, essential=True)

    def discharge(self, train_id: int, move_id: int, number: str) -> None:
        plan = self.plans[number]
        with contextlib.suppress(Refused):  # counted; the box is discharged all the same
            self.call("container_check_in", rail_services.container_check_in, train_id=train_id, container=number,
                      seal=plan.seal, actor=self.clerk)  # fmt: skip
        self.complete_later(move_id)

    def train_leaves(self, train_id: int, line: str, attempt: int, outbound: bool) -> None:
        """The train leaves once empty (inbound) or loaded (outbound), freeing its line."""
        if outbound:  # what could not be loaded in turn gets another try
            waiting = LoadPlanEntry.objects.filter(train_id=train_id, loaded_at__isnull=True).order_by("pk")
            for move_id in list(waiting.values_list("move_id", flat=True)):
                self.complete(move_id)
        # An outbound train does not wait for ever: after a while the operator rolls what is not loaded yet.
        roll = outbound and attempt >= ROLL_AFTER_RETRIES
        try:
            train = self.call("train_depart", rail_services.train_depart, train_id=train_id, actor=self.operator,
                              roll_unloaded=roll)  # fmt: skip
        except Refused:
            if attempt >= MAX_RETRIES:
                self.result.given_up["train departure (line stays blocked)"] += 1
                return
            self.at(self.now + RETRY, self.train_leaves, train_id, line, attempt + 1, outbound, essential=True)
            return
        for number in train.rolled:  # back in the pool for the next train to its destination
            self.booking.pop(number, None)
            self.result.waits["boxes rolled over to a later train"] += 1
        self.departed("trains_out" if outbound else "trains_in", train.carrier)
        self.lines[line] = None

    # --- outbound trains ---

    def train_forms(self, event: OutboundTrain, attempt: int = 0) -> None:
        line = self.free_line()
        if line is None:
            self.result.waits["outbound train waits for a line (half hours)"] += 1
            if attempt < MAX_RETRIES:
                self.at(self.now + RETRY, self.train_forms, event, attempt + 1)
            else:
                self.result.given_up["outbound train"] += 1
            return
        etd = max(event.etd, self.now + timedelta(hours=self.p.outbound_train_formation_hours))
        try:
            train = self.call(
                "train_outbound_create", rail_services.train_outbound_create, train_number=event.train_number,
                line=line, wagons=[{"number": p.number, "position": p.position} for p in event.platforms],
                actor=self.operator, destination=event.destination, etd=etd,
            )  # fmt: skip
        except Refused:
            return
        self.lines[line] = train.pk
        self.result.carriers["trains out"] += 1
        capacity = 2 * len(event.platforms)  # the planner's default platform: one 40' or two 20'
        ready = sorted(
            (self.ready_at(number), number)
            for number, plan in self.plans.items()
            if number in self.in_yard and number not in self.booking and plan.outbound_mode == RAIL
            and plan.destination == event.destination and self.ready_at(number) <= etd
        )  # fmt: skip
        teu = 0.0
        for _, number in ready:
            plan = self.plans[number]
            if teu + plan.teu > capacity:
                continue
            visit = self.visit(number)
            self.call("visit_book_outbound", yard_services.visit_book_outbound, visit=visit, carrier=train.carrier,
                      actor=self.operator, destination=event.destination)  # fmt: skip
            self.booking[number] = train.carrier_id
            teu += plan.teu
        self.at(self.now + timedelta(hours=1), self.train_plan, train.pk, line, essential=True)

    def train_plan(self, train_id: int, line: str) -> None:
        try:
            plan = self.call("load_plan_build", rail_services.load_plan_build, train_id=train_id, actor=self.operator,
                             time_limit=5.0)  # fmt: skip
        except Refused:
            plan = {"excluded": []}
        for row in plan["excluded"]:  # held or no room: it waits for the next train
            self.booking.pop(row["container"], None)
            self.result.waits["boxes rolled over to a later train"] += 1
        entries = list(
            LoadPlanEntry.objects.filter(train_id=train_id, move__isnull=False)
            .select_related("move__from_slot__block")
            .order_by("pk")
        )
        entries.sort(key=lambda entry: _top_first(entry.move))
        start = self.now + timedelta(minutes=15)
        for index, entry in enumerate(entries):
            when = start + timedelta(hours=index / self.p.rail_moves_per_hour)
            self.at(when, self.complete_later, entry.move_id, essential=True)
        last = start + timedelta(hours=len(entries) / self.p.rail_moves_per_hour)
        self.at(last + timedelta(minutes=15), self.train_leaves, train_id, line, 0, True, essential=True)

    # --- vessels ---

    def vessel_announced(self, event: VesselAnnouncement) -> None:
        """The line announces the call: the vessel is registered, the call created on the berth (a window that
        is taken, by a call this run did not plan, moves after it), and the ready boxes booked on its load list."""
        call = event.call
        vessel = self.call("vessel_register", vessels_services.vessel_register, name=call.name, imo=call.imo,
                           line="KMTF", actor=self.operator)  # fmt: skip
        eta, etd = call.eta, call.etd
        for _ in range(MAX_RETRIES):
            try:
                created = self.call(
                    "call_create", vessels_services.call_create, vessel=vessel, voyage_in=call.voyage,
                    berth=self.p.berth, eta=eta, etd=etd, rotation=list(call.rotation), actor=self.operator,
                )  # fmt: skip
                break
            except Refused as refused:
                if refused.code != "berth_occupied":
                    raise
                shift = refused.error.context["end"] + timedelta(hours=self.p.berth_gap_hours) - eta
                eta, etd = eta + shift, etd + shift
                self.result.waits["vessel calls moved to a free berth window"] += 1
        else:
            self.result.given_up["vessel call (no berth window)"] += 1
            return
        through_teu = sum(box.teu for box in call.through)
        self.vessel_carriers.add(created.carrier_id)
        self.vessels[call.reference] = _Vessel(
            call, created.pk, created.carrier_id, eta=eta, capacity_teu=call.capacity_teu - through_teu
        )
        ready = sorted(
            (self.ready_at(number), number)
            for number, plan in self.plans.items()
            if number in self.visit_of and number not in self.booking and plan.outbound_mode == VESSEL
            and plan.destination == call.port
        )  # fmt: skip
        self.book(self.vessels[call.reference], [number for ready_at, number in ready if ready_at <= eta + LOAD_CUTOFF])

    def vessel_for(self, box: BoxPlan, ready_at: datetime) -> _Vessel | None:
        if box.outbound_mode != VESSEL:
            return None
        candidates = [
            vessel for vessel in self.vessels.values()
            if not vessel.arrived and vessel.call.port == box.destination
            and ready_at <= vessel.eta + LOAD_CUTOFF and vessel.booked_teu + box.teu <= vessel.capacity_teu
        ]  # fmt: skip
        return min(candidates, key=lambda vessel: vessel.eta, default=None)

    def book(self, vessel: _Vessel, numbers: list[str]) -> None:
        """The line's load list (COPRAR) for these boxes, with their verified gross mass, within the ship's room."""
        rows, teu = [], vessel.booked_teu
        for number in numbers:
            plan = self.plans[number]
            if teu + plan.teu > vessel.capacity_teu:
                continue
            teu += plan.teu
            rows.append({"number": number, "pod": self.p.port_locodes[vessel.call.port], "vgm_kg": plan.gross_kg})
        if not rows:
            return
        result = self.call("load_list_apply", vessels_services.load_list_apply, call_id=vessel.call_id,
                           containers=rows, actor=self.operator)  # fmt: skip
        self.list_problems("load_list_apply", result)
        for booking in result.booked:
            vessel.booked.append(booking.container)
            vessel.booked_teu += self.plans[booking.container].teu
            self.booking[booking.container] = vessel.carrier_id

    def list_problems(self, step: str, result) -> set[str]:
        """A list's bad rows, counted by their codes like any refusal; their container numbers."""
        for problem in result.problems:
            self.result.refused(step, problem["code"])
        return {problem["container"] for problem in result.problems}

    def book_on_vessel(self, box: BoxPlan) -> None:
        vessel = self.vessel_for(box, self.ready_at(box.number))
        if vessel is not None:
            self.book(vessel, [box.number])

    def vessel_arrives(self, event: VesselArrival, attempt: int = 0) -> None:
        """Alongside (once the berth is free, at the window the call was given): the arrival bay plan is applied,
        restows lifted off, boxes for Aktau discharged top first, restows put back, then loading."""
        call = event.call
        vessel = self.vessels.get(call.reference)
        if vessel is None:
            return
        if self.now < vessel.eta:  # its window was moved
            self.at(vessel.eta, self.vessel_arrives, event, attempt)
            return
        alongside = VesselCall.objects.filter(berth__code=self.p.berth, carrier__status=CarrierVisit.Status.ARRIVED)
        if alongside.exclude(pk=vessel.call_id).exists():
            self.result.waits["vessel waits for the berth (half hours)"] += 1
            if attempt < MAX_RETRIES:
                self.at(self.now + RETRY, self.vessel_arrives, event, attempt + 1, essential=True)
            else:
                self.result.given_up["vessel call (berth never free)"] += 1
            return
        vessel.arrived = True
        self.call("call_arrive", vessels_services.call_arrive, call_id=vessel.call_id, actor=self.operator)
        self.result.carriers["vessel calls"] += 1
        self.result.vessels["calls"] += 1
        rows, by_number = self.arrival_bay_plan(vessel)
        result = self.call("discharge_list_apply", vessels_services.discharge_list_apply, call_id=vessel.call_id,
                           containers=rows, actor=self.operator)  # fmt: skip
        refused = self.list_problems("discharge_list_apply", result)
        self.result.vessels["through boxes"] += len(result.through)
        for number in refused:
            if number in self.plans:  # a box for Aktau the yard could not take: it stays on board
                self.turn_away_from_vessel(number)
        discharges = [move for move in result.moves if move.kind == YardMove.Kind.DISCHARGE]
        restows = [move for move in result.moves if move.kind == YardMove.Kind.RESTOW]
        for move in discharges:
            box = self.plans[move.visit.container.number]
            self.arrived(box, move.visit_id, self.now)
            self.book_on_vessel(box)
        discharges.sort(key=lambda move: by_number[move.visit.container.number])
        when = self.now + timedelta(minutes=30)
        step = timedelta(hours=1 / self.p.quay_moves_per_hour)
        for move in restows:
            self.at(when, self.restow_lift, move.pk, essential=True)
            when += step
        for move in discharges:
            self.at(when, self.complete_later, move.pk, essential=True)
            when += step
        for move in restows:
            self.at(when, self.restow_back, move.pk, vessel.call_id, essential=True)
            when += step
        self.at(when + timedelta(minutes=10), self.vessel_loads, call.reference, essential=True)

    def arrival_bay_plan(self, vessel: _Vessel) -> tuple[list[dict], dict[str, tuple]]:
        """The line's arrival bay plan (BAPLIE) for the call, stowed on the vessel's own cells (its profile):
        through cargo, then Aktau's boxes over it, then the through boxes stowed over those. Also each Aktau
        box's discharge order (top first). A box for Aktau no cell takes does not come."""
        call = vessel.call
        geometry = geometry_of(Vessel.objects.get(calls__pk=vessel.call_id))
        through = sorted((box for box in call.through if not box.restow), key=_heavy_first)
        over = sorted((box for box in call.through if box.restow), key=_heavy_first)
        order = [*through, *sorted(call.discharge, key=_heavy_first), *over]
        stowable = [
            Stowable(box.number, box.length_ft, box.reefer, here=isinstance(box, BoxPlan), over_here=box in over)
            for box in order
        ]
        rng = random.Random(f"aktau-{self.traffic.seed}-bayplan-{call.reference}")
        cells, no_cell = bay_plan(geometry, stowable, rng)
        for number in no_cell:
            if number in self.plans:
                self.turn_away_from_vessel(number)
        rows = []
        for box in order:
            if box.number not in cells:
                continue
            row = {"number": box.number, "iso_type": box.iso_type, "gross_kg": box.gross_kg,
                   "stowage": cells[box.number], "freight_kind": box.freight_kind}  # fmt: skip
            if isinstance(box, ThroughBox):
                row.update(pol=box.pol, pod=box.pod)
            else:
                row.update(pol=self.p.port_locodes.get(call.port, ""), pod=settings.TERMINAL_LOCODE,
                           category=box.category, seal=box.seal,
                           dangerous_goods=[line.as_dict() for line in box.dangerous_goods])  # fmt: skip
            rows.append(row)
        tiers = geometry.tier_numbers
        top_first = {number: (-tiers.index(cell_parse(label).tier), label) for number, label in cells.items()}
        return rows, top_first

    def turn_away_from_vessel(self, number: str) -> None:
        if number not in self.turned_away:
            self.turned_away.add(number)
            self.turn_away()
            self.result.vessels["boxes turned away"] += 1

    def restow_lift(self, move_id: int) -> None:
        """The crane lifts the through box off (the move starts), so the boxes under it can be discharged."""
        with contextlib.suppress(Refused):
            self.call("move_start (restow)", yard_services.move_start, move_id=move_id, actor=self.driver)

    def restow_back(self, move_id: int, call_id: int, attempt: int = 0) -> None:
        """The lifted box goes back on board: into its own cell if it still stands there, else into the lowest
        free cell that takes it (a deviation the ship's owner checks)."""
        move = YardMove.objects.select_related("visit__container__iso_type", "to_carrier").get(pk=move_id)
        if move.status not in OPEN:
            return
        number = move.visit.container.number
        planned = selectors.move_to(move)
        try:
            done = self.call("move_complete (restow)", yard_services.move_complete, move_id=move_id,
                             container=number, position=planned, actor=self.driver)  # fmt: skip
        except Refused as refused:
            if refused.code not in PLACEMENT_CODES:
                return self.retry_restow(move_id, call_id, attempt)
            call = VesselCall.objects.select_related("vessel__profile").get(pk=call_id)
            taken = dict(call.on_board.exclude(container=number).values_list("cell", "length_ft"))
            size_type = move.visit.container.iso_type
            box = Stowable(number, size_type.length_ft, size_type.group == IsoSizeType.Group.REEFER)
            cell = Ship(geometry_of(call.vessel), taken).lowest_free(box)
            if cell is None:
                return self.retry_restow(move_id, call_id, attempt)
            try:
                done = self.call(
                    "move_complete (restow, elsewhere)", yard_services.move_complete, move_id=move_id,
                    container=number, position=selectors.carrier_label(move.to_carrier, cell.label), actor=self.driver,
                )  # fmt: skip
            except Refused:
                return self.retry_restow(move_id, call_id, attempt)
            self.result.deviations += 1
        self.move_done(done)
        return None

    def retry_restow(self, move_id: int, call_id: int, attempt: int) -> None:
        if attempt < MAX_RETRIES:
            self.at(self.now + RETRY, self.restow_back, move_id, call_id, attempt + 1, essential=True)
        else:
            self.result.given_up["restow"] += 1

    def vessel_loads(self, reference_: str, attempt: int = 0) -> None:
        """Once discharged, the stowage plan for what is booked; each planned box loaded into its cell in the
        plan's sequence. Boxes left out of the plan wait for a later vessel."""
        vessel = self.vessels[reference_]
        try:
            plan = self.call("stowage_plan_build", vessels_services.stowage_plan_build, call_id=vessel.call_id,
                             actor=self.operator, time_limit=STOWAGE_PLAN_SECONDS)  # fmt: skip
        except Refused as refused:
            if refused.code == "plan_outdated" and attempt < 3:
                self.at(self.now + timedelta(minutes=5), self.vessel_loads, reference_, attempt + 1, essential=True)
                return
            plan = {"assigned": [], "left_out": [{"container": number} for number in vessel.booked]}
        for row in plan["left_out"]:
            self.unbook(row["container"], vessel)
            self.result.vessels["boxes left out of the stowage plan"] += 1
        moves = dict(
            Booking.objects.filter(call_id=vessel.call_id, status=Booking.Status.PLANNED).values_list(
                "container", "move_id"
            )
        )
        start = self.now + timedelta(minutes=10)
        assigned = sorted(plan["assigned"], key=lambda row: row["sequence"])
        for index, row in enumerate(assigned):
            self.at(start + timedelta(hours=index / self.p.quay_moves_per_hour), self.complete_later,
                    moves[row["container"]], essential=True)  # fmt: skip
        done = start + timedelta(hours=len(assigned) / self.p.quay_moves_per_hour)
        self.at(done + timedelta(minutes=20), self.vessel_sails, reference_, essential=True)

    def unbook(self, number: str, vessel: _Vessel) -> None:
        if self.booking.get(number) == vessel.carrier_id:
            del self.booking[number]
            self.result.waits["boxes rolled over to a later vessel"] += 1

    def vessel_sails(self, reference_: str) -> None:
        """A last try for what could not be loaded in turn; what is still open is cancelled (the ship does not
        wait), and the call departs with its departure bay plan. Boxes it left behind go on a later call."""
        vessel = self.vessels.pop(reference_)
        call = VesselCall.objects.select_related("carrier").get(pk=vessel.call_id)
        loads = YardMove.objects.filter(to_carrier_id=vessel.carrier_id, kind=YardMove.Kind.LOAD, status__in=OPEN)
        for move_id in list(loads.order_by("pk").values_list("pk", flat=True)):
            self.complete(move_id)
        for move_id in list(call_moves(call).filter(status__in=OPEN).order_by("pk").values_list("pk", flat=True)):
            self.call("move_cancel", yard_services.move_cancel, move_id=move_id, actor=self.clerk,
                      reason="the vessel sailed without it")  # fmt: skip
            self.result.given_up["vessel move (the vessel sailed)"] += 1
        for number in vessel.booked:
            if number not in self.left:
                self.unbook(number, vessel)
        departed = self.call("call_depart", vessels_services.call_depart, call_id=vessel.call_id, actor=self.operator)
        self.departed("vessels", departed.carrier)
        for number in [n for n in vessel.booked if n not in self.left and n in self.visit_of]:
            self.book_on_vessel(self.plans[number])  # the next announced call, if any

    # --- trucks ---

    def truck_arrives(self, event: TruckArrival, attempt: int = 0) -> None:
        """A truck at the gate. When the box's area has no legal place (a full DG area, say), the gate does not
        take it, and the haulier's appointment is moved: the truck comes back in TRUCK_RESCHEDULE, up to
        TRUCK_RESCHEDULES times, and the box's wait counts as a wait for a slot; only then is it turned away."""
        box = event.box
        vessel = self.vessel_for(box, self.now + timedelta(hours=box.dwell_hours))
        carrier = CarrierVisit.objects.get(pk=vessel.carrier_id) if vessel else None
        try:
            move = self.call(
                "gate_in", yard_services.gate_in, container=box.number, iso_type=box.iso_type,
                freight_kind=box.freight_kind, actor=self.clerk, truck=event.plate, gross_kg=box.gross_kg,
                seal=box.seal, dangerous_goods=[line.as_dict() for line in box.dangerous_goods],
                outbound_carrier=carrier, category=box.category,
            )  # fmt: skip
        except Refused as refusal:
            if refusal.code == "no_slot_available" and attempt < TRUCK_RESCHEDULES:
                self.result.waits["trucks given a later appointment for lack of a place"] += 1
                self.at(self.now + TRUCK_RESCHEDULE, self.truck_arrives, event, attempt + 1)
                return
            self.turned_away.add(box.number)  # refused for its papers or goods, or no place for a day
            self.turn_away()
            return
        if attempt:
            month = self.result.month(self.now)
            month.boxes_awaiting_slot += 1
            month.hours_awaiting_slot += (self.now - event.at).total_seconds() / 3600
        self.result.carriers["trucks in"] += 1
        self.arrived(box, move.visit_id, self.now)
        if vessel:  # the line's load list names it too
            self.book(vessel, [box.number])
        self.at(self.now + timedelta(minutes=self.p.gate_receive_minutes), self.complete_later, move.pk, essential=True)

    def truck_collects(self, event: TruckPickup, attempt: int = 0) -> None:
        number = event.container
        if number in self.turned_away or number in self.left or number not in self.plans:
            return
        if number not in self.in_yard or self.ready_at(number) > self.now + timedelta(hours=1):
            # not there yet (its train waited, or is being discharged): the haulier comes back later
            if attempt < MAX_RETRIES:
                self.at(self.now + timedelta(hours=2), self.truck_collects, event, attempt + 1)
            else:
                self.result.given_up["truck pickup"] += 1
            return
        try:
            move = self.call("move_create_adhoc (delivery)", yard_services.move_create_adhoc, container=number,
                             to="GATE", actor=self.clerk)  # fmt: skip
        except Refused:  # on hold, or busy: the truck leaves empty and comes back later
            if attempt < MAX_RETRIES:
                self.at(self.now + timedelta(hours=6), self.truck_collects, event, attempt + 1)
            else:
                self.result.given_up["truck pickup"] += 1
            return
        self.result.carriers["trucks out"] += 1
        self.at(self.now + timedelta(minutes=self.p.gate_delivery_minutes), self.complete_later, move.pk,
                essential=True)  # fmt: skip

    # --- customs ---

    def customs_release(self, numbers: list[str], label: str) -> None:
        present = [number for number in numbers if number in self.visit_of]
        if not present:
            return
        number = f"SIM{self.traffic.seed}-{self.traffic.start:%y%m%d}-{self.declarations + 1:06d}"
        self.declarations += 1
        try:
            declaration = self.call(
                "declaration_register", customs_services.declaration_register, number=number,
                procedure="transit", containers=present, actor=self.customs,
            )  # fmt: skip
            self.call("declaration_release", customs_services.declaration_release, declaration_id=declaration.pk,
                      actor=self.customs)  # fmt: skip
        except Refused:
            return
        self.result.customs["declarations released"] += 1

    def inspection_order(self, box: BoxPlan, attempt: int) -> None:
        number = box.number
        if number not in self.visit_of:
            return  # never came in, or already gone
        if number not in self.in_yard:
            if attempt < MAX_RETRIES:
                self.at(self.now + timedelta(hours=1), self.inspection_order, box, attempt + 1)
            return
        try:
            order = self.call(
                "inspection_order", customs_services.inspection_order, container=number, kind=box.inspection.kind,
                actor=self.customs, appointment_at=self.now + timedelta(hours=1),
            )  # fmt: skip
        except Refused as refused:
            # Busy (an open move) or the area full: the officer tries again in an hour, a few times.
            if refused.code in ("move_already_open", "no_slot_available") and attempt < INSPECTION_RETRIES:
                self.at(self.now + timedelta(hours=1), self.inspection_order, box, attempt + 1)
            else:
                self.result.given_up["inspection order"] += 1
            return
        self.result.customs[f"inspections ordered: {box.inspection.kind}"] += 1
        if order.move_in_id is None:  # inspected where it stands (dangerous goods)
            self.at_inspection(order.pk, box)
            return
        minutes = timedelta(minutes=self.p.inspection_move_minutes)
        self.at(self.now + minutes, self.complete_later, order.move_in_id, 0,
                functools.partial(self.at_inspection, order.pk, box), essential=True)  # fmt: skip

    def at_inspection(self, order_id: int, box: BoxPlan) -> None:
        """The box is at the inspection area: the result comes when the inspection is done."""
        self.at(self.now + timedelta(hours=box.inspection.duration_hours), self.inspection_result, order_id, box, False,
                essential=True)  # fmt: skip

    def inspection_result(self, order_id: int, box: BoxPlan, exam: bool) -> None:
        plan = box.inspection
        result = plan.exam_result if exam else plan.result
        try:
            order = self.call(
                "inspection_result", customs_services.inspection_result, order_id=order_id, result=result,
                actor=self.customs, findings="Goods differ from the declaration" if result == "findings" else "",
            )  # fmt: skip
        except Refused:
            return
        self.result.customs[f"inspection results: {result}"] += 1
        if result == InspectionOrder.Result.SUSPICION:
            exam_order = (
                InspectionOrder.objects.filter(visit_id=order.visit_id, status=InspectionOrder.Status.AT_INSPECTION)
                .order_by("-pk")
                .first()
            )
            if exam_order:
                hours = self.p.inspection_hours["physical_exam"]
                self.at(self.now + timedelta(hours=hours), self.inspection_result, exam_order.pk, box, True,
                        essential=True)  # fmt: skip
            return
        if order.move_out_id:
            self.at(self.now + timedelta(minutes=self.p.inspection_move_minutes), self.complete_later,
                    order.move_out_id, essential=True)  # fmt: skip
        if result == InspectionOrder.Result.FINDINGS:
            self.at(self.now + timedelta(hours=plan.hold_release_hours), self.findings_cleared, order.hold_id)

    def findings_cleared(self, hold_id: int) -> None:
        try:
            self.call("hold_release (findings)", customs_services.hold_release, hold_id=hold_id, actor=self.customs)
        except Refused:
            return
        self.result.customs["findings holds lifted"] += 1


def _heavy_first(box: BoxPlan | ThroughBox) -> int:
    """Stowing order within a group: heavy under light in every stack."""
    return -box.gross_kg


def statistics_refresh() -> None:
    """PostgreSQL's tables vacuumed and their planner statistics brought up to the yard as it stands, before every
    simulated day. A day is one transaction, which autovacuum cannot see into: whether it happened to analyse the
    tables in time made one 3-day run take twice as long as the same run again (one day 94 s instead of 28 s). A
    real terminal commits every scan, so autovacuum keeps up; the simulation does it itself, between its days.

    Between the days, not inside one: an ANALYZE in a transaction holds its lock until the commit, which kept
    autovacuum away for good, and the dead rows of every update piled up (at day 37, 39,000 dead stays beside
    14,600 live ones, and a yard area took 50 ms to read instead of 4): the time a day took grew with the history.
    Inside a transaction (a test's), VACUUM cannot run and only ANALYZE does. Only the project's tables: a bare
    VACUUM or ANALYZE also takes the server's shared catalogues, which two simulations on one server share."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(table) for table in connection.introspection.django_table_names(
        only_existing=True, include_views=False))  # fmt: skip
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")  # nosec B608: table names from the database's own catalogue


def _top_first(move: YardMove) -> tuple:
    """Loading order: the highest boxes first (nothing is dug out for a box of the same carrier), then by place."""
    slot = move.from_slot
    return (-(move.from_tier or 0), slot.block.code, slot.bay, slot.row) if slot else (0, "", 0, 0)


def simulation_run(
    *,
    days: int,
    seed: int,
    teu_per_year: float | None = None,
    strategy: str = "rehandle",
    start: datetime | None = None,
    parameters: TrafficParameters | None = None,
    progress: Callable[[datetime, Simulation], None] | None = None,
    checkpoint: Path | str | None = None,
) -> SimulationResult:
    """Generates the traffic and replays it through the services. Expects a database that holds no real
    traffic (the command checks); loads the Aktau layout and reference data if they are missing. With
    `checkpoint`, writes that file at the end of every simulated day (see `simulation_resume`)."""
    allocation_strategy_check(strategy)
    reference_ensure()
    open_numbers = sorted(
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).values_list("container__number", flat=True)
    )
    traffic = traffic_generate(
        days=days, seed=seed, teu_per_year=teu_per_year, start=start or start_after(latest_record_time()),
        parameters=parameters, avoid_numbers=set(open_numbers),
    )  # fmt: skip
    file, header = None, None
    if checkpoint is not None:
        file = CheckpointFile(checkpoint)
        file.discard_pending()
        codec = _header_codec()
        header = {
            "format": FORMAT,
            "database": database_label(),
            "run": codec.encode(
                {
                    "days": days,
                    "seed": seed,
                    "teu_per_year": traffic.parameters.teu_per_year,
                    "strategy": strategy,
                    "start": traffic.start,
                }
            ),
            "parameters": codec.encode(traffic.parameters),
            "avoid_numbers": open_numbers,
            "traffic": {"events": len(traffic.events), "digest": traffic_digest(traffic)},
        }
    return Simulation(traffic, strategy=strategy, progress=progress, checkpoint=file, header=header).run()


# --- Resuming --------------------------------------------------------------------------------------------------

HEADER = ("format", "database", "run", "parameters", "avoid_numbers", "traffic")


def _header_codec() -> Codec:
    return Codec(None, None, (TrafficParameters, PlatformModel))


def database_label() -> str:
    """Which database a checkpoint belongs to (its engine and name; host and port may change)."""
    return f"{connection.vendor}:{connection.settings_dict['NAME']}"


def checkpoint_peek(path: Path | str) -> dict | None:
    """The latest checkpoint at `path` (a pending one if there is one), without the database: for the command
    to tell whether an unfinished run would be overwritten. The state is left out."""
    file = CheckpointFile(path)
    try:
        content = file.read(pending=True)
    except CheckpointError:  # cut short while being written: the checkpoint before it counts
        content = None
    content = content or file.read()
    if content is None:
        return None
    return _run_of(content)


def _run_of(content: dict) -> dict:
    """A checkpoint's run: its options, the days it finished, whether it is over, and its database."""
    run = _header_codec().decode(content["run"])
    return {**run, "day": content["day"], "finished": content["finished"], "database": content["database"]}


def checkpoint_figures(path: Path | str) -> tuple[SimulationResult, dict]:
    """The figures of a checkpoint's run at its last finished day, and the run (`_run_of`), without the database:
    a long run is looked at while it goes on, or after it was stopped. Only the committed checkpoint counts; a
    pending one may belong to a day that never committed. The figures' `days` are the days finished, so that every
    rate in them is of what ran."""
    file = CheckpointFile(path)
    content = file.read()
    if content is None:
        raise CheckpointError(gettext("there is no checkpoint at %(path)s") % {"path": path})
    result = Codec(None, None, (SimulationResult, MonthFigures)).decode(content["state"]["result"])
    if not content["finished"]:
        result = replace(result, days=result.days_done)
    return result, _run_of(content)


def checkpoint_settle(file: CheckpointFile) -> dict:
    """The checkpoint the database is at. A pending checkpoint is left when the process ended between a day's
    commit and the rename: if the database holds records from that day (at or after the checkpoint's end), the
    day committed and the pending checkpoint is the right one; otherwise it is dropped. (A day that wrote no stay
    or move at all would be taken for one that did not commit: at any real volume every day writes both.)"""
    current = file.read()
    try:
        pending = file.read(pending=True)
    except CheckpointError:  # cut short while being written: its day never committed
        pending = None
        file.discard_pending()
    if pending and current and (pending["traffic"] != current["traffic"] or pending["day"] < current["day"]):
        pending = None  # not this run's successor
    if pending is not None:
        since = current["reached"] if current else _header_codec().decode(pending["run"])["start"].isoformat()
        latest = latest_record_time()
        if latest is not None and latest >= datetime.fromisoformat(since):
            file.commit()
            current = pending
        else:
            file.discard_pending()
    if current is None:
        raise CheckpointError(
            gettext(
                "there is no checkpoint at %(path)s: nothing to resume (a run writes one at the end of every "
                "simulated day; pass --checkpoint if it wrote it elsewhere)"
            )
            % {"path": file.path}
        )
    return current


def simulation_resume(
    *, checkpoint: Path | str, progress: Callable[[datetime, Simulation], None] | None = None
) -> SimulationResult:
    """Continues a run from its checkpoint, on the database it ran on, and returns the figures of the whole run.

    The database must be where the checkpoint left it: a day runs in one transaction, so an interrupted day
    left nothing behind, and records later than the checkpoint's last day mean someone else wrote to the
    database since (or a day that broke the yard's invariants was kept for inspection): refused. The traffic is
    generated again from the checkpoint's seed and parameters and must match its digest."""
    file = CheckpointFile(checkpoint)
    content = checkpoint_settle(file)
    if content["database"] != database_label():
        raise CheckpointError(
            gettext("the checkpoint is of a run on %(database)s, not on this database (%(this)s)")
            % {"database": content["database"], "this": database_label()}
        )
    codec = _header_codec()
    run, parameters = codec.decode(content["run"]), codec.decode(content["parameters"])
    reached = datetime.fromisoformat(content["reached"])
    latest = latest_record_time()
    if not content["finished"] and latest is not None and latest >= reached:
        raise CheckpointError(
            gettext(
                "the database holds records from %(latest)s, after the checkpoint's last day (it ends %(reached)s): "
                "something wrote to it since (another run, or the day that broke the yard's invariants, kept for "
                "inspection), so the run cannot go on from it"
            )
            % {
                "latest": f"{latest.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M}",
                "reached": f"{reached.astimezone(AKTAU_TZ):%Y-%m-%d %H:%M}",
            }
        )
    reference_ensure()
    traffic = traffic_generate(days=run["days"], seed=run["seed"], start=run["start"], parameters=parameters,
                               avoid_numbers=set(content["avoid_numbers"]))  # fmt: skip
    if traffic_digest(traffic) != content["traffic"]["digest"]:
        raise CheckpointError(
            gettext(
                "the traffic generated again from the checkpoint's seed and parameters differs from the run's: the "
                "traffic model (simulation/traffic.py) or its reference data changed since, so the run cannot go on"
            )
        )
    header = {key: content[key] for key in HEADER}
    simulation = Simulation(traffic, strategy=run["strategy"], progress=progress, checkpoint=file, header=header)
    simulation.restore(simulation.codec().decode(content["state"]))
    if not simulation.finished:
        simulation.database_check()
    return simulation.run()
