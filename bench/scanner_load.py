"""Scanner API under load (issue #8): the scan flow from many concurrent handhelds against gunicorn and PostgreSQL.

A scan flow is what a driver's handheld does for one move: look the container up
(`GET /api/v1/containers/{number}/`), then confirm the move (`POST /api/v1/yard/moves/{id}/complete/` with an
`Idempotency-Key`). `scanner_load_run` prepares moves through the real services on the current database, starts
gunicorn on it as a subprocess (sync workers by default, as in the Procfile: see `gunicorn_default`), drives the
flow from client processes, each with a few threads on HTTP/1.1 connections (kept alive where the workers allow),
and reports latency percentiles, throughput, errors, queries per request and CPU per request. Two modes:

- paced (`rate_per_s` given): open loop, Poisson arrivals of scan flows at that rate however slow the server is;
  latency is also reported from each flow's scheduled start, so a stalled server is not hidden;
- saturated (`rate_per_s=None`): closed loop, every client starts its next flow as soon as the last one ends.

The floor is the same machinery (same gunicorn, settings, middleware, token and role check) against a bare
DRF endpoint that does one indexed read and one update (`bench.floor`), saturated. It is
mounted only by `bench.settings`, with which the benchmark starts gunicorn.

Design peak, from the 240,000 TEU a year the hub is designed for:

- at about 1.6 TEU per box (the mix of 20' and 40'/45' boxes), 150,000 boxes a year: about 410 arrivals and
  410 departures a day;
- each box is moved about 2.5 times: once in (discharge or receive), once out (load or delivery) and half a
  move more on average for shifts, housekeeping and inspections: about 1,030 moves a day, 43 an hour on average;
- the peak hour is taken as 4 times the mean hour (trains of up to 114 boxes and vessels arrive in batches,
  and the gate has its rush hours): about 170 moves an hour, within what the ten stacking machines can do
  (20 to 25 moves an hour each);
- each move is one scan flow (two requests), so the design peak is 0.048 flows a second and ten times the
  peak 0.48 flows (0.95 requests) a second, about 1,700 moves an hour: some seven times what the machines
  could physically do, so a margin for bursts, retries and growth rather than a traffic forecast.

The moves prepared for a run are in the full-container blocks, grouped in stacks that one client works
through in order, so that no two clients ever race for one stack and every completion is legal whatever the
interleaving: arrivals by truck stacked up tier by tier (receive), top-down deliveries to the gate, and
top-down shifts from one stack to an empty one; 20' and 40' boxes alternate. The boxes are preferably
containers that have been in the terminal before (the history), so the look-up sees a real container's past.
"""

import contextlib
import math
import multiprocessing
import os
import queue
import random
import secrets
import signal
import socket
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException, RemoteDisconnected
from itertools import cycle
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from stdnum import iso6346

from aktau_tos import roles
from aktau_tos.audit import audited, system_user
from aktau_tos.services import token_obtain
from bench.floor import FLOOR_PATH
from yard import services
from yard.models import Block, CarrierVisit, Container, ContainerVisit, Occupancy, Slot, YardMove

# --- Design peak (see the module docstring) --------------------------------------------------------------

DESIGN_TEU_PER_YEAR = 240_000
TEU_PER_BOX = 1.6
MOVES_PER_BOX = 2.5
PEAK_HOUR_FACTOR = 4
BOXES_PER_YEAR = DESIGN_TEU_PER_YEAR / TEU_PER_BOX  # 150,000: about 410 arrivals and 410 departures a day
MOVES_PER_HOUR_MEAN = BOXES_PER_YEAR * MOVES_PER_BOX / (365 * 24)  # about 43
DESIGN_PEAK_FLOWS_PER_S = MOVES_PER_HOUR_MEAN * PEAK_HOUR_FACTOR / 3600  # about 0.048: one scan flow per move
TEN_TIMES_PEAK_FLOWS_PER_S = 10 * DESIGN_PEAK_FLOWS_PER_S  # about 0.48 flows, 0.95 requests a second

# Targets of issue #8.
TARGET_P99_MS = 50.0
TARGET_SCAN_OVER_FLOOR = 0.5

DRIVER_USERNAME = "bench-driver"
SCAN_OWNER = "BSCU"  # new boxes, when the history has too few containers out of the terminal
FLOOR_OWNER = "BFLU"  # the floor endpoint's rows, one per client
APPLICATION_NAME = "aktau-bench-web"  # the gunicorn workers' PostgreSQL application_name
STACK_KINDS = ["receive", "delivery", "shift"]
BOX_TYPES = {20: "22G1", 40: "45G1"}
CLIENT_TIMEOUT_S = 30.0
# Work prepared for a saturated run, per core and second: above what a core serves (the scan flow costs about 45 ms
# of web and database CPU: some 20 flows a second per core at best). Should the clients run out even so, the
# measured window ends there (`work_exhausted`) and the figures are those of the shorter window.
SATURATED_FLOWS_PER_CORE_S = 20


def design_peak() -> dict:
    """The derivation's figures, for the report."""
    return {
        "teu_per_year": DESIGN_TEU_PER_YEAR,
        "teu_per_box": TEU_PER_BOX,
        "arrivals_per_day": round(BOXES_PER_YEAR / 365),
        "departures_per_day": round(BOXES_PER_YEAR / 365),
        "moves_per_box": MOVES_PER_BOX,
        "moves_per_hour_mean": round(MOVES_PER_HOUR_MEAN, 1),
        "peak_hour_factor": PEAK_HOUR_FACTOR,
        "peak_flows_per_s": round(DESIGN_PEAK_FLOWS_PER_S, 4),
        "ten_times_peak_flows_per_s": round(TEN_TIMES_PEAK_FLOWS_PER_S, 3),
        "ten_times_peak_moves_per_hour": round(TEN_TIMES_PEAK_FLOWS_PER_S * 3600),
    }


# --- Work: moves prepared through the services ------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """One scan flow: the container to look up and the completion to send."""

    move_id: int
    container: str
    position: str
    kind: str


@dataclass
class _Place:
    """Ground for one stack: a 20' slot, or the two slots a 40' stack covers (addressed by the first)."""

    slot: Slot
    length_ft: int
    max_tier: int

    def position(self, tier: int) -> str:
        return f"{self.slot.block.code}-{self.slot.bay:02d}-{self.slot.row:02d}-{tier}"


class _Ground:
    """Hands out free ground in the full-container blocks: pairs of bays with nothing on them and no open move
    from or to them, so that prepared stacks never interfere with each other or with anything else."""

    def __init__(self) -> None:
        busy = set(Occupancy.objects.values_list("slot_id", flat=True))
        for from_id, to_id in YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).values_list(
            "from_slot_id", "to_slot_id"
        ):
            busy.update({from_id, to_id})
        slots = list(Slot.objects.filter(block__kind=Block.Kind.FULL).select_related("block"))
        by_place = {(s.block_id, s.row, s.bay): s for s in slots}
        for slot in slots:  # an open move to a slot may be a 40': keep the next bay free too
            if slot.pk in busy and (following := by_place.get((slot.block_id, slot.row, slot.bay + 1))):
                busy.add(following.pk)
        self._pairs = []
        for (block_id, row, bay), slot in sorted(by_place.items(), key=lambda item: (item[1].block.code, item[0])):
            following = by_place.get((block_id, row, bay + 1))
            if bay % 2 == 1 and following and slot.pk not in busy and following.pk not in busy:
                self._pairs.append((slot, following))
        self._pairs.reverse()
        self._spare_20: Slot | None = None

    def take(self, length_ft: int) -> _Place | None:
        if length_ft == 20 and self._spare_20 is not None:
            slot, self._spare_20 = self._spare_20, None
            return _Place(slot, 20, slot.block.max_tier)
        if not self._pairs:
            return None
        first, second = self._pairs.pop()
        if length_ft == 20:
            self._spare_20 = second
        return _Place(first, length_ft, first.block.max_tier)


class _Boxes:
    """Container numbers for arriving boxes: containers with no open stay first (returning boxes with a past)."""

    def __init__(self) -> None:
        open_stay = ContainerVisit.objects.filter(container=OuterRef("pk")).exclude(state=ContainerVisit.State.DEPARTED)
        self._returning = list(
            Container.objects.annotate(in_terminal=Exists(open_stay))
            .filter(in_terminal=False)
            .exclude(number__startswith=FLOOR_OWNER)
            .order_by("pk")
            .values_list("number", flat=True)[:20_000]
        )
        self._returning.reverse()
        last = Container.objects.filter(number__startswith=SCAN_OWNER).order_by("-number").first()
        self._serial = int(last.number[4:10]) if last else 0

    def next(self) -> str:
        if self._returning:
            return self._returning.pop()
        self._serial += 1
        return _check_digit_added(f"{SCAN_OWNER}{self._serial:06d}")


def _check_digit_added(body: str) -> str:
    return body + iso6346.calc_check_digit(body)


def _visit_arriving(number: str, length_ft: int, actor) -> ContainerVisit:
    """A box arriving by truck, as the gate opens its stay (without the gate's slot allocation)."""
    truck = CarrierVisit(mode=CarrierVisit.Mode.TRUCK, reference=f"{random.randrange(1000):03d}BEN01")
    truck.status, truck.arrived_at = CarrierVisit.Status.ARRIVED, timezone.now()
    audited(truck, actor).save()
    return services.visit_open(
        container=number, iso_type=BOX_TYPES[length_ft], freight_kind=ContainerVisit.FreightKind.FULL,
        category=ContainerVisit.Category.EXPORT, inbound_carrier=truck, gross_kg=18_000, actor=actor,
    )  # fmt: skip


def _placed(place: _Place, tier: int, boxes: _Boxes, actor) -> ContainerVisit:
    """A box put at place/tier through the services: its stay opened, a receive move planned and completed."""
    visit = _visit_arriving(boxes.next(), place.length_ft, actor)
    move = services.move_plan(visit=visit, kind=YardMove.Kind.RECEIVE, to_slot=place.slot, to_tier=tier, actor=actor)
    services.move_complete(
        move_id=move.pk, container=visit.container.number, position=place.position(tier), actor=actor
    )
    return visit


def _stack_prepare(kind: str, length_ft: int, height: int, ground: _Ground, boxes: _Boxes, actor) -> list[Flow]:
    """One stack's open moves, in the order they must be completed (empty if the yard has no ground left)."""
    place = ground.take(length_ft)
    target = ground.take(length_ft) if kind == "shift" else None
    if place is None or (kind == "shift" and target is None):
        return []
    height = min(height, place.max_tier, target.max_tier if target else height)
    flows = []
    if kind == "receive":  # boxes at the gate, to be stacked from the ground up
        for tier in range(1, height + 1):
            visit = _visit_arriving(boxes.next(), length_ft, actor)
            move = services.move_plan(
                visit=visit, kind=YardMove.Kind.RECEIVE, to_slot=place.slot, to_tier=tier, actor=actor
            )
            flows.append(Flow(move.pk, visit.container.number, place.position(tier), kind))
        return flows
    stack = [_placed(place, tier, boxes, actor) for tier in range(1, height + 1)]
    for index, visit in enumerate(reversed(stack)):  # from the top down
        number = visit.container.number
        if kind == "delivery":
            move = services.move_create_adhoc(container=number, to="GATE", actor=actor)
            flows.append(Flow(move.pk, number, "GATE", kind))
        else:  # the top box of the source goes to the ground of the target, the next one on it, and so on
            move = services.move_plan(
                visit=visit, kind=YardMove.Kind.SHIFT, to_slot=target.slot, to_tier=index + 1, actor=actor
            )
            flows.append(Flow(move.pk, number, target.position(index + 1), kind))
    return flows


def work_prepare(*, moves: int, stack_height: int = 5, measure_sets: int = 0) -> dict:
    """Prepares at least `moves` scan flows in stacks, each a list of flows to complete in order, and
    `measure_sets` spare sets of one flow of each kind, for counting queries."""
    actor, ground, boxes = system_user(), _Ground(), _Boxes()
    measure = []
    for _ in range(measure_sets):
        flows = {kind: _stack_prepare(kind, 20, 1, ground, boxes, actor) for kind in STACK_KINDS}
        if not all(flows.values()):
            raise RuntimeError("the yard's full-container blocks have no free ground left for the benchmark")
        measure.append({kind: kind_flows[0] for kind, kind_flows in flows.items()})
    stacks: list[list[Flow]] = []
    specs = cycle([(kind, length) for length in (20, 40) for kind in STACK_KINDS])
    total = 0
    while total < moves:
        kind, length_ft = next(specs)
        flows = _stack_prepare(kind, length_ft, stack_height, ground, boxes, actor)
        if not flows:
            break  # no free ground left: the run gets what there is, and says so
        stacks.append(flows)
        total += len(flows)
    return {"stacks": stacks, "measure": measure, "moves": total, "short": total < moves}


def work_release(stacks: list[list[Flow]], attempted: set[int]) -> int:
    """Cancels, through the service, the prepared moves the clients never reached; returns how many."""
    actor, cancelled = system_user(), 0
    for flow in (flow for stack in stacks for flow in stack if flow.move_id not in attempted):
        if YardMove.objects.filter(pk=flow.move_id, status__in=YardMove.OPEN_STATUSES).exists():
            services.move_cancel(move_id=flow.move_id, actor=actor, reason="scanner benchmark: not reached")
            cancelled += 1
    return cancelled


# --- The floor's rows and the driver's token --------------------------------------------------------------


def floor_rows(count: int) -> list[str]:
    """Containers for the floor endpoint to read and update, one per client (registered if missing)."""
    numbers = [_check_digit_added(f"{FLOOR_OWNER}{index:06d}") for index in range(1, count + 1)]
    existing = set(Container.objects.filter(number__in=numbers).values_list("number", flat=True))
    actor = system_user()
    for number in numbers:
        if number not in existing:
            services.container_register(number=number, iso_type=BOX_TYPES[20], actor=actor)
    return numbers


def driver_with_password(username: str) -> str:
    """A fresh password for the driver `username`, made if missing, to log in with as a handheld does."""
    password = secrets.token_urlsafe(24)
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.is_active = True
    user.save()
    user.groups.add(Group.objects.get(name=roles.DRIVER))
    return password


def driver_token() -> str:
    """A driver's token, from the log-in service as a handheld gets it (the user is made if missing)."""
    password = driver_with_password(DRIVER_USERNAME)
    request = RequestFactory().post("/api/v1/auth/token/", REMOTE_ADDR="127.0.0.1")
    _, key = token_obtain(username=DRIVER_USERNAME, password=password, device="BENCH-HH", request=request)
    return key


# --- gunicorn ---------------------------------------------------------------------------------------------


def database_url(application_name: str = APPLICATION_NAME) -> str:
    """DATABASE_URL of the database this process uses, as settings.py reads it, tagged with application_name."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="") + (f":{db['PORT']}" if db["PORT"] else "")
    options = {k: v for k, v in db.get("OPTIONS", {}).items() if isinstance(v, str)}  # settings.py derives the rest
    query = urlencode({**options, "application_name": application_name})
    return f"postgres://{auth}{'@' if auth else ''}{host}/{quote(db['NAME'], safe='')}?{query}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """gunicorn serving the benchmark settings (the project plus the floor endpoint) on a free local port."""

    worker_class: str
    workers: int
    threads: int
    database_url: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "aktau_tos.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--worker-class", self.worker_class,
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--graceful-timeout", "5", "--timeout", "60", "--log-level", "warning",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DATABASE_URL=self.database_url,
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DJANGO_DEBUG="false",
            DJANGO_SSL_REDIRECT="false",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, timeout_s: float = 60.0) -> None:
        log = tempfile.NamedTemporaryFile(prefix="aktau-bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(log.name)
        # Our own interpreter and fixed arguments (the port is a number we chose): nothing untrusted runs.
        self.process = subprocess.Popen(  # nosec B603
            self.command(), cwd=settings.BASE_DIR, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() reaches every worker
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            probe = HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                if _request(probe, "GET", "/api/v1/auth/me/")[0] == 401:  # answered by Django: a worker is up
                    return
            except OSError:
                pass  # not listening yet
            finally:
                probe.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {timeout_s} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def warm_up(self, token: str, paths: list[str], rounds: int = 3) -> int:
        """Gets every worker (and thread) past its first, slow requests (lazy imports, its database connection):
        bursts of concurrent requests on fresh connections, which the workers' accept() spreads among them."""
        headers = {"Authorization": f"Token {token}", "Accept": "application/json", "Connection": "close"}
        answered = Counter()

        def hit(path: str) -> None:
            for _ in range(rounds):
                conn = HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_S)
                try:
                    answered[_request(conn, "GET", path, headers=headers)[0]] += 1
                finally:
                    conn.close()

        burst = [threading.Thread(target=hit, args=(path,)) for _ in range(2 * self.workers * self.threads)
                 for path in paths]  # fmt: skip
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join()
        return answered[200]

    def stop(self) -> None:
        """Graceful stop, then SIGKILL to the whole process group: no worker outlives the benchmark."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# --- Clients ----------------------------------------------------------------------------------------------


def _request(
    conn: HTTPConnection, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


@dataclass
class _Lane:
    """One client thread: its floor row (floor runs) and the seed of its arrival times (paced runs)."""

    floor_number: str | None
    seed: int


@dataclass
class _Plan:
    port: int
    token: str
    duration_s: float
    rate_per_lane: float | None  # flows per second of one lane (paced); None: saturated
    warmup_requests: int
    stacks: list[list[Flow]] = field(default_factory=list)  # taken in turn by whichever client is free


class ScannerClient:
    """One thread's persistent HTTP/1.1 connection, recording (what, status, start, end) per request.

    Like any HTTP client library, it opens a new connection rather than reuse one that has idled past the server's
    keep-alive (gunicorn closes them after 2 s), and resends once if a reused connection turns out to have been
    closed by the server: safe for the completions too, which carry their Idempotency-Key.
    """

    IDLE_RECONNECT_S = 1.0

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.conn = HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
        self.auth = {"Authorization": f"Token {token}", "Accept": "application/json"}
        self.records: list[tuple[str, int, float, float]] = []
        self.last_used = 0.0
        self.resent = 0

    def call(self, what: str, method: str, path: str, payload: bytes | None = None, key: str | None = None) -> int:
        headers = dict(self.auth)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        started = time.monotonic()
        if started - self.last_used > self.IDLE_RECONNECT_S:
            self.conn.close()  # http.client connects again on the next request
        try:
            status = self._send(method, path, payload, headers)
        except (OSError, HTTPException) as error:  # a reset or a timeout: counted as an error
            status = 0
            what = f"{what}!{type(error).__name__}"
            self.conn.close()
        self.last_used = time.monotonic()
        self.records.append((what, status, started, self.last_used))
        return status

    def _send(self, method: str, path: str, payload: bytes | None, headers: dict) -> int:
        reused = self.conn.sock is not None
        try:
            return _request(self.conn, method, path, payload, headers)[0]
        except (RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()
            if not reused:
                raise
        self.resent += 1
        return _request(self.conn, method, path, payload, headers)[0]


def flow_run(client: ScannerClient, flow: Flow) -> None:
    client.call("lookup", "GET", f"/api/v1/containers/{flow.container}/")
    payload = f'{{"container": "{flow.container}", "position": "{flow.position}"}}'.encode()
    client.call(f"complete_{flow.kind}", "POST", f"/api/v1/yard/moves/{flow.move_id}/complete/", payload,
                key=str(uuid.uuid4()))  # fmt: skip


def _floor_run(client: ScannerClient, number: str, tare_kg: int) -> None:
    client.call("floor", "POST", f"/{FLOOR_PATH}{number}/", f'{{"tare_kg": {tare_kg}}}'.encode())


def _stack_taker(plan: _Plan, taken):
    """The flows of one stack after another, each stack taken by one client only (`taken`: a shared counter)."""
    while True:
        with taken.get_lock():
            index = taken.value
            if index >= len(plan.stacks):
                return
            taken.value = index + 1
        yield from plan.stacks[index]


def _lane_run(plan: _Plan, lane: _Lane, taken, barrier, out: dict) -> None:
    """A client thread: warm up, wait for all the others, then run until the deadline or the end of the work."""
    client = ScannerClient(plan.port, plan.token)
    rng = random.Random(lane.seed)
    for index in range(plan.warmup_requests):  # connect, and get gunicorn's workers and connections going
        if lane.floor_number:
            _floor_run(client, lane.floor_number, 2000 + index)
        elif plan.stacks:
            client.call("warmup", "GET", f"/api/v1/containers/{plan.stacks[0][0].container}/")
    client.records.clear()
    client.resent = 0
    barrier.wait(timeout=120)
    started = time.monotonic()
    deadline = started + plan.duration_s
    flows_done: list[tuple[float, float, float]] = []  # (scheduled, started, ended) of each paced flow
    exhausted_at = None
    work = _stack_taker(plan, taken)
    next_at = started + (rng.expovariate(plan.rate_per_lane) if plan.rate_per_lane else 0.0)
    count = 0
    while True:
        if plan.rate_per_lane:
            if next_at >= deadline:
                break
            time.sleep(max(0.0, next_at - time.monotonic()))
        elif time.monotonic() >= deadline:
            break
        if lane.floor_number:
            _floor_run(client, lane.floor_number, 2000 + count % 5000)
        else:
            flow = next(work, None)
            if flow is None:
                exhausted_at = time.monotonic()
                break
            flow_started = time.monotonic()
            flow_run(client, flow)
            out.setdefault("attempted", []).append(flow.move_id)
            if plan.rate_per_lane:
                flows_done.append((next_at, flow_started, time.monotonic()))
        count += 1
        if plan.rate_per_lane:
            next_at += rng.expovariate(plan.rate_per_lane)
    client.conn.close()
    out.update(records=client.records, started=started, exhausted_at=exhausted_at, flows=flows_done,
               resent=client.resent)  # fmt: skip


def _client_process(plan: _Plan, lanes: list[_Lane], taken, barrier, results) -> None:
    """A load-generating process (forked): one thread per lane; sends its lanes' records to the parent."""
    outs = [{} for _ in lanes]
    errors: list[str] = []

    def guarded(lane: _Lane, out: dict) -> None:
        try:
            _lane_run(plan, lane, taken, barrier, out)
        except BaseException:  # reported to the parent, which raises it
            errors.append(traceback.format_exc())
            barrier.abort()

    threads = [threading.Thread(target=guarded, args=(lane, out)) for lane, out in zip(lanes, outs, strict=True)]
    cpu = os.times()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_seconds = sum(os.times()[:2]) - sum(cpu[:2])
    results.put({"lanes": outs, "errors": errors, "cpu_seconds": cpu_seconds})


def _load_drive(plan: _Plan, lanes: list[_Lane], processes: int, meters: dict) -> tuple[list[dict], dict]:
    """Runs the lanes in `processes` forked processes; returns each lane's records and the CPU seconds each meter
    (and the clients) used from the start to the end of the load. Always reaps the processes."""
    context = multiprocessing.get_context("fork")  # the children only speak HTTP: they never touch the database
    barrier, taken, results = context.Barrier(len(lanes) + 1), context.Value("q", 0), context.Queue()
    groups = [lanes[index::processes] for index in range(processes)]
    children = [context.Process(target=_client_process, args=(plan, group, taken, barrier, results), daemon=True)
                for group in groups if group]  # fmt: skip
    collected: list[dict] = []
    try:
        for child in children:
            child.start()
        with contextlib.suppress(threading.BrokenBarrierError):  # a client failed: its error comes back below
            barrier.wait(timeout=180)
        cpu_started = {name: meter() for name, meter in meters.items()}
        deadline = time.monotonic() + plan.duration_s + 2 * CLIENT_TIMEOUT_S + 60
        while len(collected) < len(children):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("load clients did not report back in time")
            try:
                collected.append(results.get(timeout=min(remaining, 5)))
            except queue.Empty:  # check that the children are still alive
                if not any(child.is_alive() for child in children) and results.empty():
                    raise RuntimeError("a load client process died without reporting") from None
        cpu = {name: _difference(meter(), cpu_started[name]) for name, meter in meters.items()}
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
                child.join(timeout=5)
        results.close()
    errors = [error for result in collected for error in result["errors"]]
    if errors:
        raise RuntimeError("a load client failed:\n" + errors[0])
    cpu["clients"] = sum(result["cpu_seconds"] for result in collected)
    return [lane for result in collected for lane in result["lanes"]], cpu


def _difference(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else end - start


# --- CPU used by the server and the database (Linux /proc; None elsewhere) ---------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_stat(pid: int) -> tuple[str, int, float] | None:
    """(name, parent pid, CPU seconds of the process and of its children it has reaped), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
    return name, int(fields[1]), sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS  # utime .. cstime


def cpu_tree_seconds(root: int | None) -> float | None:
    """CPU seconds used so far by a process and its children (gunicorn's workers, PostgreSQL's backends)."""
    own = _process_stat(root) if root else None
    if own is None:
        return None
    total = own[2]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _process_stat(int(entry.name))) and stat[1] == root:
            total += stat[2]
    return total


def postgres_server_pid() -> int | None:
    """The local PostgreSQL server's process (the parent of this connection's backend); None if not local."""
    host = connection.settings_dict.get("HOST") or ""
    if connection.vendor != "postgresql" or not (host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = _process_stat(cursor.fetchone()[0])
    server = _process_stat(backend[1]) if backend else None
    return backend[1] if backend and server and backend[0].startswith("postgres") else None


# --- Figures ----------------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def latency_summary(values_s: list[float]) -> dict:
    ordered = sorted(values_s)
    ms = [round(1000 * percentile(ordered, p), 2) for p in (50, 95, 99)]
    return {
        "count": len(ordered),
        "p50_ms": ms[0],
        "p95_ms": ms[1],
        "p99_ms": ms[2],
        "max_ms": round(1000 * ordered[-1], 2) if ordered else math.nan,
        "mean_ms": round(1000 * sum(ordered) / len(ordered), 2) if ordered else math.nan,
    }


def _figures(lanes: list[dict], duration_s: float, cpu: dict) -> dict:
    """Latency by request type, throughput over the window in which every client had work, errors, and CPU
    milliseconds per request of the web server, the database and the load clients (over the whole load)."""
    records = [record for lane in lanes for record in lane.get("records", [])]
    started = min((lane["started"] for lane in lanes if "started" in lane), default=0.0)
    exhausted = [lane["exhausted_at"] for lane in lanes if lane.get("exhausted_at")]
    window_end = min([started + duration_s, *exhausted])
    window = max(window_end - started, 1e-9)
    by_type: dict[str, list[float]] = {}
    errors: Counter = Counter()
    for what, status, begun, ended in records:
        by_type.setdefault(what.split("!")[0].split("_")[0], []).append(ended - begun)
        if what.startswith("complete_"):
            by_type.setdefault(what, []).append(ended - begun)
        if not 200 <= status < 300:
            errors[f"{what.split('_')[0]} {status}" if status else what] += 1
    in_window = [record for record in records if record[3] <= window_end]
    figures = {
        "latency": {what: latency_summary(values) for what, values in sorted(by_type.items())},
        "all_requests": latency_summary([ended - begun for _, _, begun, ended in records]),
        "requests": len(records),
        "window_s": round(window, 2),
        "requests_per_s": round(len(in_window) / window, 1),
        "error_count": sum(errors.values()),
        "errors": dict(errors),
        "work_exhausted": bool(exhausted) and min(exhausted) < started + duration_s,
        "resent_on_closed_connection": sum(lane.get("resent", 0) for lane in lanes),
    }
    figures["cpu_ms_per_request"] = {
        name: round(1000 * seconds / len(records), 2) if seconds is not None and records else None
        for name, seconds in cpu.items()
    }
    completes = [record for record in in_window if record[0].startswith("complete_")]
    if completes or any(record[0] == "lookup" for record in records):
        figures["scans_per_s"] = round(len(completes) / window, 1)  # one completion per scan flow
        figures["scans_ok"] = sum(1 for record in records if record[0].startswith("complete_") and record[1] < 300)
    flows = [flow for lane in lanes for flow in lane.get("flows", [])]
    if flows:  # paced: the flow's time from its scheduled start, and how late clients started it
        figures["flow_from_schedule"] = latency_summary([ended - scheduled for scheduled, _, ended in flows])
        figures["start_lag"] = latency_summary([begun - scheduled for scheduled, begun, _ in flows])
    return figures


# --- Queries per request, in process ----------------------------------------------------------------------


def queries_per_request(token: str, flows: dict[str, Flow], floor_number: str) -> dict:
    """Each request type of the run through the DRF test client, its queries counted (gunicorn cannot say), as
    Django counts them (transaction control included); `completion_statements` splits a completion's count."""
    from rest_framework.test import APIClient

    counts: dict = {"lookup": {}, "complete": {}, "completion_statements": {}}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        client.get("/api/v1/auth/me/")  # the token's occasional last-used write happens here, not below
        for kind, flow in flows.items():
            with CaptureQueriesContext(connection) as lookup:
                response = client.get(f"/api/v1/containers/{flow.container}/")
            _expect_ok(response, "look-up")
            counts["lookup"][kind] = len(lookup)
            body = {"container": flow.container, "position": flow.position}
            with CaptureQueriesContext(connection) as complete:
                response = client.post(f"/api/v1/yard/moves/{flow.move_id}/complete/", body, format="json",
                                       HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
            _expect_ok(response, f"completion ({kind})")
            counts["complete"][kind] = len(complete)
            counts["completion_statements"][kind] = _statement_classes(complete.captured_queries)
        with override_settings(ROOT_URLCONF="bench.urls"):
            with CaptureQueriesContext(connection) as floor:
                response = client.post(f"/{FLOOR_PATH}{floor_number}/", {"tare_kg": 2500}, format="json")
            _expect_ok(response, "floor")
            counts["floor"] = len(floor)
    return counts


def _statement_classes(captured: list[dict]) -> dict:
    classes = Counter()
    for query in captured:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            classes["transaction_control"] += 1
        elif "SET_CONFIG('LOCK_TIMEOUT'" in sql:
            classes["lock_timeout"] += 1
        elif sql.startswith("INSERT INTO") and "_HISTORICAL" in sql.split("(", 1)[0]:  # django-simple-history
            classes["history"] += 1
        else:
            classes["data"] += 1
    return dict(sorted(classes.items()))


def _expect_ok(response, what: str) -> None:
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"the in-process {what} answered {response.status_code}: {response.content[:300]!r}")


# --- The database while a run is timed ----------------------------------------------------------------------

_DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")


def _settings_shown(names: tuple[str, ...]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(names)])
        return dict(cursor.fetchall())


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def production_durability():
    """fsync, synchronous commit and full-page writes on while the block runs, as on a production server.

    make bench's throwaway cluster runs without them, for loading speed; the timed scanner runs should pay
    for their commits what a real server pays. Only settings that are off are turned on (ALTER SYSTEM, so a
    superuser is needed; otherwise nothing changes), and only those are reset afterwards. Yields the settings.
    """
    turned_on = [name for name, value in _settings_shown(_DURABILITY).items() if value == "off"] if _superuser() else []
    _durability_set(turned_on, on=True)
    try:
        yield _settings_shown(_DURABILITY)
    finally:
        _durability_set(turned_on, on=False)


def _durability_set(names: list[str], on: bool) -> None:
    """ALTER SYSTEM on (or back to the configuration file's value), and wait for the reload to take."""
    if not names:
        return
    with connection.cursor() as cursor:
        for name in names:  # names from _DURABILITY only: no outside input reaches this SQL
            cursor.execute(f"ALTER SYSTEM SET {name} = on" if on else f"ALTER SYSTEM RESET {name}")
        cursor.execute("SELECT pg_reload_conf()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the reload is asynchronous
        if all(value == ("on" if on else "off") for value in _settings_shown(tuple(names)).values()):
            return
        time.sleep(0.1)


def database_settle(timeout_s: float = 120.0) -> dict:
    """A checkpoint, then no autovacuum worker running (waiting at most timeout_s): a run measures the API, not
    the tail of the bulk load before it. Needs a superuser for the checkpoint; otherwise only waits."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        if _superuser():
            cursor.execute("CHECKPOINT")
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")
            vacuuming = cursor.fetchone()[0]
            if not vacuuming or time.monotonic() - started > timeout_s:
                break
            time.sleep(1)
    return {"seconds": round(time.monotonic() - started, 1), "autovacuum_workers_left": vacuuming}


# --- Checks in the database -------------------------------------------------------------------------------


def moves_verify(move_ids: list[int]) -> dict:
    """How many of the moves the clients completed are done, and whether any was completed twice."""
    done = YardMove.objects.filter(pk__in=move_ids, status=YardMove.Status.DONE).count()
    history = YardMove.history.model.objects.filter(id__in=move_ids, status=YardMove.Status.DONE)
    done_twice = history.values("id").annotate(n=Count("history_id")).filter(n__gt=1).count()
    return {"attempted": len(move_ids), "done": done, "done_more_than_once": done_twice}


# --- The run ----------------------------------------------------------------------------------------------


def gunicorn_default(worker_class: str) -> tuple[int, int]:
    """(workers, threads) for this machine: 2 x cores + 1 sync workers, or cores + 1 gthread workers of 4 threads.

    sync is the default, as in the Procfile. Measured on two cores (32 clients, saturated, runs interleaved): the
    scan flow got 24 and 40 flows a second from 5 sync workers against 19 and 24 from 3 gthread workers of 4
    threads, with a p99 completion of 0.7-1.1 s against 1.8-2.4 s. A scan request costs some 25 ms of CPU, so the
    threads of a gthread worker, sharing its GIL, add no parallelism, and its keep-alive ties each client to one
    worker: some clients starve (look-up p50 0.13 s, p99 2.5 s) where sync workers take requests from the shared
    accept queue in turn. gthread's keep-alive saves about 1 ms of CPU a request: it helps only the trivial floor.
    """
    cores = os.cpu_count() or 2
    return (2 * cores + 1, 1) if worker_class == "sync" else (cores + 1, 4)


def scanner_load_run(
    *,
    clients: int,
    duration_s: float,
    rate_per_s: float | None = None,
    moves: int | None = None,
    floor: bool | None = None,
    floor_duration_s: float | None = None,
    worker_class: str = "sync",
    workers: int | None = None,
    threads: int | None = None,
    client_processes: int | None = None,
    stack_height: int = 5,
    warmup_requests: int = 3,
    seed: int = 1,
) -> dict:
    """The scan flow from `clients` concurrent handhelds for `duration_s` seconds against gunicorn on this database.

    `rate_per_s`: scan flows a second, paced (open loop); None runs saturated (closed loop). `moves`: flows to
    prepare (default: enough for the rate with a margin; saturated, SATURATED_FLOWS_PER_CORE_S per core and second,
    capped by the free ground in the yard; a client that runs out ends the measured window: `work_exhausted`). `floor`:
    also measure the bare-DRF floor, saturated with the same clients (default: when saturated). The Aktau layout
    and reference data must be in the database. gunicorn and the client processes are always stopped.
    """
    if worker_class not in ("sync", "gthread"):
        raise ValueError("worker_class is sync or gthread")
    floor = rate_per_s is None if floor is None else floor
    default_workers, default_threads = gunicorn_default(worker_class)
    workers = workers or default_workers
    threads = 1 if worker_class == "sync" else threads or default_threads  # sync workers have one thread each
    processes = max(1, min(clients, client_processes or (os.cpu_count() or 2)))
    if moves is None:  # paced: twice the expected flows and a stack more per client, so that no client runs out
        moves = (
            math.ceil(2 * rate_per_s * duration_s) + clients * stack_height
            if rate_per_s
            else math.ceil(SATURATED_FLOWS_PER_CORE_S * (os.cpu_count() or 2) * duration_s)
        )

    prepare_started = time.monotonic()
    work = work_prepare(moves=moves, stack_height=stack_height, measure_sets=3)
    floor_numbers = floor_rows(clients)
    token = driver_token()
    prepare_seconds = time.monotonic() - prepare_started
    # The process's first requests fill caches (content types and the like) with a query or two: warm up first.
    queries_per_request(token, work["measure"][0], floor_numbers[0])
    queries_before = queries_per_request(token, work["measure"][1], floor_numbers[0])
    settled = database_settle()

    server = Server(worker_class, workers, threads, database_url())
    result: dict = {
        "mode": "paced" if rate_per_s else "saturated",
        "config": {
            "clients": clients, "client_processes": processes, "duration_s": duration_s, "rate_per_s": rate_per_s,
            "gunicorn": {"worker_class": worker_class, "workers": workers, "threads": threads},
            "cpus": os.cpu_count(), "database": connection.vendor,
            "database_settle": settled,
            "database_durability": _settings_shown(_DURABILITY),
            "load_average_before": [round(value, 2) for value in os.getloadavg()],  # others on the machine: noise
        },
        "design_peak": design_peak(),
        "work": {"moves_prepared": work["moves"], "ground_ran_out": work["short"],
                 "by_kind": dict(Counter(flow.kind for stack in work["stacks"] for flow in stack)),
                 "history": {"visits": ContainerVisit.objects.count(), "moves": YardMove.objects.count()}},
    }  # fmt: skip
    attempted: list[int] = []
    seconds = {"prepare": round(prepare_seconds, 1)}
    lap = time.monotonic()
    try:
        server.start()
        result["gunicorn_pgid"] = server.process.pid
        warm_paths = [f"/api/v1/containers/{stack[0].container}/" for stack in work["stacks"][:1]]
        server.warm_up(token, [*warm_paths, "/api/v1/auth/me/"])
        seconds["gunicorn_start_and_warm_up"], lap = round(time.monotonic() - lap, 1), time.monotonic()
        rate_per_lane = rate_per_s / clients if rate_per_s else None
        scan_plan = _Plan(server.port, token, duration_s, rate_per_lane, warmup_requests, work["stacks"])
        scan_lanes = [_Lane(None, seed + index) for index in range(clients)]
        database_pid = postgres_server_pid()
        meters = {
            "web": lambda: cpu_tree_seconds(server.process.pid),
            "database": lambda: cpu_tree_seconds(database_pid),
        }
        lanes, cpu = _load_drive(scan_plan, scan_lanes, processes, meters)
        attempted = [move_id for lane in lanes for move_id in lane.get("attempted", [])]
        result["scan"] = _figures(lanes, duration_s, cpu)
        seconds["scan"], lap = round(time.monotonic() - lap, 1), time.monotonic()
        if floor:
            floor_plan = _Plan(server.port, token, floor_duration_s or duration_s, None, warmup_requests)
            floor_lanes = [_Lane(number, seed) for number in floor_numbers]
            lanes, cpu = _load_drive(floor_plan, floor_lanes, processes, meters)
            result["floor"] = _figures(lanes, floor_duration_s or duration_s, cpu)
            seconds["floor"], lap = round(time.monotonic() - lap, 1), time.monotonic()
    finally:
        server.stop()
        seconds["gunicorn_stop"] = round(time.monotonic() - lap, 1)
        if any(result.get(part, {}).get("error_count") for part in ("scan", "floor")) or "scan" not in result:
            result["gunicorn_log_tail"] = server.log_tail(20)  # what the server said about the errors
        if server.log_path:
            server.log_path.unlink(missing_ok=True)
    result["seconds"] = seconds
    result["config"]["load_average_after"] = [round(value, 2) for value in os.getloadavg()]

    result["database"] = moves_verify(attempted)
    result["work"]["cancelled_not_reached"] = work_release(work["stacks"], set(attempted))
    queries_after = queries_per_request(token, work["measure"][2], floor_numbers[0])
    result["queries_per_request"] = {**queries_after, "constant": queries_before == queries_after,
                                     "before_run": queries_before}  # fmt: skip
    result["targets"] = _targets(result)
    return result


def _targets(result: dict) -> dict:
    scan = result["scan"]
    worst_p99 = max(scan["latency"][what]["p99_ms"] for what in ("lookup", "complete") if what in scan["latency"])
    targets = {"p99_ms_worst_request_type": worst_p99, "p99_target_ms": TARGET_P99_MS}
    if result["mode"] == "paced":
        targets["p99_met"] = worst_p99 <= TARGET_P99_MS
    if "floor" in result:
        floor_rps = result["floor"]["requests_per_s"]
        ratio = scan.get("scans_per_s", 0) / floor_rps if floor_rps else math.nan
        targets.update(
            scan_writes_per_s=scan.get("scans_per_s"),
            floor_requests_per_s=floor_rps,
            scan_write_over_floor=round(ratio, 3),
            scan_requests_over_floor=round(scan["requests_per_s"] / floor_rps, 3) if floor_rps else math.nan,
            ratio_target=TARGET_SCAN_OVER_FLOOR,
            ratio_met=ratio >= TARGET_SCAN_OVER_FLOOR,
        )
        scan_cpu, floor_cpu = (_server_cpu_ms(part["cpu_ms_per_request"]) for part in (scan, result["floor"]))
        if scan_cpu and floor_cpu:  # what the ratio would be if the server's CPU were all there is: robust to noise
            targets["scan_write_over_floor_by_cpu"] = round(floor_cpu / (2 * scan_cpu), 3)  # two requests a scan
    targets["queries_constant"] = result["queries_per_request"]["constant"]
    return targets


def _server_cpu_ms(per_request: dict) -> float | None:
    if per_request.get("web") is None or per_request.get("database") is None:
        return None
    return per_request["web"] + per_request["database"]


def scanner_benchmark(*, clients: int = 32, paced_s: float = 300.0, saturated_s: float = 30.0, **options) -> dict:
    """The issue's two runs: paced at ten times the design peak, and saturated with the floor.

    Five minutes at ten times the peak are about 140 scan flows (280 requests): p99 is then the third-slowest
    completion. Each run prepares its own moves and starts its own gunicorn, on a settled database with
    production durability (see production_durability).
    """
    with production_durability():
        return {
            "paced_ten_times_peak": scanner_load_run(
                clients=clients, duration_s=paced_s, rate_per_s=TEN_TIMES_PEAK_FLOWS_PER_S, **options
            ),
            "saturated": scanner_load_run(clients=clients, duration_s=saturated_s, rate_per_s=None, **options),
        }
