"""The handheld web client (/hh/) in real Chromium at a phone's size, against gunicorn on this database.

`handheld_run` serves the client as production does and runs each measurement on it in turn (`handheld_measure`, make
bench's section, does so on a settled database with production durability). A measurement is a function of the
running server that returns its figures; it does its database work before and after its browser, never during it
(Playwright's sync API runs an event loop, which Django refuses to query from). Three:

- cold start (`cold_start_measure`): what a fresh browser (no cache, no service worker) transfers until the log-in
  screen shows: response bodies as sent (compressed where the server compresses), by type, and what followed
  until the network went quiet (the service worker's copies for offline use);
- scan to answer (`scan_answer_measure`): a driver logs in through the page, types the machine's code and works
  the moves of its queue as a scanner's keyboard wedge types them (the container, Enter, the position, Enter); each
  is timed in the page from the position's Enter until the message line shows the answer (by then the next move
  is on screen). Once unloaded, once while other handhelds' scan flows go through the API at ten times the design
  peak (bench.scanner_load's rate and its scan flow: look-up, then completion);
- replay after an outage (`replay_measure`): the same moves scanned with the network off, kept on the device;
  scans sent per second once the network returns, each applied once.

The moves are prepared as the scanner benchmark prepares them (stacks in the full-container blocks, through the
services) and given to one machine that serves their blocks and has nothing else to do, so that its queue is
exactly these moves; the page must show them in the order the queue gives. Moves left unscanned are cancelled.

The static files are served as in production: collected with the project's storage (gzip beside each file) and
served by WhiteNoise under gunicorn with DEBUG off, from a temporary folder rather than var/static.
"""

import contextlib
import math
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles.management.commands import collectstatic
from django.core.management import call_command
from django.utils.module_loading import import_string

from aktau_tos.audit import system_user
from bench.scanner_load import (
    CLIENT_TIMEOUT_S,
    TEN_TIMES_PEAK_FLOWS_PER_S,
    Flow,
    ScannerClient,
    Server,
    database_settle,
    database_url,
    design_peak,
    driver_token,
    driver_with_password,
    flow_run,
    gunicorn_default,
    latency_summary,
    moves_verify,
    percentile,
    production_durability,
    work_prepare,
    work_release,
)
from yard import selectors, services
from yard.models import Equipment, YardMove

CHROMIUM = "/usr/bin/chromium"  # Debian's: nothing is downloaded
# No sandbox (Chromium has none to offer as root in a container); no background traffic or downloads of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
PHONE = {"width": 360, "height": 640}  # the drivers' Android scanners
REPLAY_TIMEOUT_MS = 120_000
_SHOWN = "(container) => document.getElementById('move-container').textContent === container"
_WAITING = "(count) => document.querySelectorAll('#outbox-list li[data-status=queued]').length === count"
AIM_COLD_START_BYTES = 300_000
AIM_SCAN_ANSWER_MS = 300.0  # at p90
DRIVER_USERNAME = "bench-hh-driver"
DEVICE = "BENCH-HH-01"
STACK_HEIGHT = 5
BACKGROUND_LANES = 4
SECONDS_PER_SCAN_ALLOWED = 1.0  # sizes the background's work: a scan with its typing takes a fraction of this
ANSWER_TIMEOUT_MS = 30_000
APPLICATION_NAME = "aktau-bench-handheld"  # the gunicorn workers' PostgreSQL application_name
# Armed before the position's Enter: times, in the page, from that key press to the message line showing the answer
# (class ok; error for a refusal), and says which move the screen shows by then (null: none).
_ANSWER_WATCH = """(timeoutMs) => {
  const box = document.getElementById("hh-message");
  window.benchAnswer = new Promise((resolve) => {
    let pressed = null;
    const answered = (ok) => {
      observer.disconnect();
      clearTimeout(timer);
      const card = document.getElementById("move-card");
      const next = card && !card.hidden ? document.getElementById("move-container").textContent : null;
      resolve({ ms: pressed === null ? null : performance.now() - pressed, ok, text: box.textContent, next });
    };
    const observer = new MutationObserver(() => {
      if (pressed === null) return;
      if (box.classList.contains("ok")) answered(true);
      else if (box.classList.contains("error")) answered(false);
    });
    const timer = setTimeout(() => answered(false), timeoutMs);
    observer.observe(box, { attributes: true, childList: true, characterData: true, subtree: true });
    const onEnter = (event) => {
      if (event.key === "Enter") pressed = performance.now();
    };
    document.addEventListener("keydown", onEnter, { capture: true, once: true });
  });
}"""


# --- The server --------------------------------------------------------------------------------------------------


@dataclass
class HandheldServer(Server):
    """bench.scanner_load's gunicorn, also serving the static files collected into `static_root`."""

    static_root: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "DJANGO_STATIC_ROOT": self.static_root}


def static_collect(folder: str) -> None:
    """collectstatic into `folder` with the project's static storage (the compressed copies included)."""
    command = collectstatic.Command()
    command.storage = import_string(settings.STORAGES["staticfiles"]["BACKEND"])(location=folder)
    call_command(command, interactive=False, verbosity=0)


@contextlib.contextmanager
def handheld_served(token: str) -> Iterator[HandheldServer]:
    """gunicorn (sync workers, as in the Procfile) serving the project and its collected static files, warmed up;
    stopped, and the files removed, whatever happens."""
    workers, threads = gunicorn_default("sync")
    with tempfile.TemporaryDirectory(prefix="aktau-bench-static-") as folder:
        static_collect(folder)
        server = HandheldServer("sync", workers, threads, database_url(APPLICATION_NAME), static_root=folder)
        try:
            server.start()
            server.warm_up(token, ["/hh/", "/api/v1/auth/me/"])
            yield server
        except BaseException as error:
            error.add_note(f"gunicorn's log:\n{server.log_tail(20)}")
            raise
        finally:
            server.stop()
            if server.log_path:
                server.log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def _chromium():
    from playwright.sync_api import sync_playwright  # only this section needs a browser

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- Cold start --------------------------------------------------------------------------------------------------


def _resource_type(content_type: str) -> str:
    for marker, kind in (("html", "html"), ("javascript", "js"), ("css", "css")):
        if marker in content_type:
            return kind
    return "other"


def _resource(request) -> dict:
    """One request's response, and its body's bytes as transferred (compressed where it was sent compressed)."""
    response = request.response()
    row = {
        "path": urlsplit(request.url).path,
        "by": "service worker" if request.service_worker else "page",
        "status": response.status if response else None,
        "type": _resource_type(response.headers.get("content-type", "") if response else ""),
        "encoding": response.headers.get("content-encoding", "") if response else "",
        "bytes": 0,
    }
    if response is None:
        row["failure"] = request.failure or "no response"
        return row
    reported = request.sizes()["responseBodySize"]  # what Chromium received, less the headers
    if reported < 0:  # it received no more than headers' worth: the body came from the browser's HTTP cache
        row["from_cache"] = True
    elif reported == 0 and "content-length" in response.headers:
        row["bytes"] = int(response.headers["content-length"])  # a service worker's script: Chromium says 0
    else:
        row["bytes"] = reported
    return row


def _resources_total(rows: list[dict]) -> dict:
    """Bytes and requests in all, by type and by who asked (the page, or its service worker)."""
    by_type = {kind: {"bytes": 0, "requests": 0} for kind in ("html", "js", "css", "other")}
    by_requester = {who: {"bytes": 0, "requests": 0} for who in ("page", "service worker")}
    for row in rows:
        for part in (by_type[row["type"]], by_requester[row["by"]]):
            part["bytes"] += row["bytes"]
            part["requests"] += 1
    return {
        "bytes": sum(row["bytes"] for row in rows),
        "requests": len(rows),
        "by_type": by_type,
        "by_requester": by_requester,
        "from_cache": sum(1 for row in rows if row.get("from_cache")),
        "resources": rows,
    }


def cold_start_measure(server: HandheldServer) -> dict:
    """Bytes a fresh browser context transfers for /hh/ until the log-in screen shows (the page's requests and its
    service worker's), by type; then what followed until the network went quiet."""
    with _chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        requests: list = []
        errors: list[str] = []
        context.on("request", lambda request: requests.append(request))  # the page's and its service worker's
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        started = time.perf_counter()
        page.goto(f"{server.url}/hh/")
        page.locator("#login-username").wait_for(state="visible")
        shown_ms = 1000 * (time.perf_counter() - started)
        until_shown = len(requests)
        page.wait_for_load_state("networkidle")
        rows = [_resource(request) for request in requests]
        context.close()
    figures = _resources_total(rows[:until_shown])
    figures.update(
        ms_to_log_in_screen=round(shown_ms, 1),
        after_log_in_shown=_resources_total(rows[until_shown:]),
        aim_bytes=AIM_COLD_START_BYTES,
        aim_met=figures["bytes"] < AIM_COLD_START_BYTES,
        page_errors=errors[:5],
    )
    return figures


# --- Scan to answer ----------------------------------------------------------------------------------------------


def _driver() -> tuple[str, str]:
    """A driver's user name and a fresh password, to log in through the page (the user is made if missing)."""
    return DRIVER_USERNAME, driver_with_password(DRIVER_USERNAME)


def _machine_give(flows: list[Flow]) -> str:
    """Gives the moves, as an operator would, to an active machine that serves every block they are in and has no
    open move, preferring the one that serves fewest blocks; returns its code."""
    moves = YardMove.objects.filter(pk__in=[flow.move_id for flow in flows]).select_related("to_slot", "from_slot")
    blocks = {(move.to_slot or move.from_slot).block_id for move in moves}
    busy = YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES, equipment__isnull=False).values("equipment")
    machines = Equipment.objects.filter(active=True).exclude(pk__in=busy).prefetch_related("blocks")
    serving = [machine for machine in machines if blocks <= {block.pk for block in machine.blocks.all()}]
    if not serving:
        raise RuntimeError(f"no idle machine serves blocks {sorted(blocks)} of the prepared moves")
    machine = min(serving, key=lambda machine: (len(machine.blocks.all()), machine.code))
    actor = system_user()
    for flow in flows:
        services.move_reassign(move_id=flow.move_id, equipment_code=machine.code, actor=actor)
    return machine.code


class BackgroundLoad:
    """Other handhelds' scan flows through the API while the measured one works: Poisson arrivals at `rate_per_s` in
    all, from `lanes` threads that each work their own stacks in order (as in bench.scanner_load), from start() to
    stop() or until the work runs out."""

    def __init__(self, port: int, token: str, stacks: list[list[Flow]], rate_per_s: float, lanes: int, seed: int = 1):
        self.port, self.token, self.rate_per_s = port, token, rate_per_s
        self._stacks = iter(stacks)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._lane, args=(random.Random(seed + index), lanes))
                         for index in range(lanes)]  # fmt: skip
        self.records: list[tuple[str, int, float, float]] = []
        self.attempted: list[int] = []
        self.exhausted = False
        self.started: float | None = None
        self.seconds = 0.0
        self.cancelled = 0  # its moves the lanes never reached, cancelled afterwards

    def start(self) -> None:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        if self.started is None:
            return
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * CLIENT_TIMEOUT_S + 5)
        self.seconds = time.monotonic() - self.started

    def _lane(self, rng: random.Random, lanes: int) -> None:
        client = ScannerClient(self.port, self.token)
        flows: Iterator[Flow] = iter(())
        next_at = time.monotonic() + rng.expovariate(self.rate_per_s / lanes)
        while not self._stop.wait(max(0.0, next_at - time.monotonic())):
            flow = next(flows, None)
            if flow is None:
                with self._lock:
                    stack = next(self._stacks, None)
                if stack is None:
                    self.exhausted = True
                    break
                flows = iter(stack)
                flow = next(flows)
            flow_run(client, flow)
            next_at += rng.expovariate(self.rate_per_s / lanes)
            with self._lock:
                self.attempted.append(flow.move_id)
        client.conn.close()
        with self._lock:
            self.records.extend(client.records)

    def figures(self) -> dict:
        by_type: dict[str, list[float]] = {}
        errors: Counter = Counter()
        for what, status, begun, ended in self.records:
            request = what.split("!")[0].split("_")[0]  # lookup, complete
            by_type.setdefault(request, []).append(ended - begun)
            if not 200 <= status < 300:
                errors[f"{request} {status}" if status else what] += 1
        return {
            "rate_per_s": round(self.rate_per_s, 3),
            "lanes": len(self._threads),
            "seconds": round(self.seconds, 1),
            "flows": len(self.attempted),
            "flows_per_s": round(len(self.attempted) / self.seconds, 3) if self.seconds else None,
            "latency": {what: latency_summary(values) for what, values in sorted(by_type.items())},
            "error_count": sum(errors.values()),
            "errors": dict(errors),
            "work_exhausted": self.exhausted,
            "cancelled_not_reached": self.cancelled,
        }


def _type_scan(page, text: str) -> None:
    """What a scanner's keyboard wedge sends: the text, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _work_start(page, url: str, username: str, password: str, machine: str, first: Flow) -> None:
    """Log-in through the form, then the machine's code typed as a scan; returns when the first move is shown."""
    page.goto(f"{url}/hh/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Device").fill(DEVICE)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Machine").wait_for()
    _type_scan(page, machine)
    page.wait_for_function(
        "(container) => document.getElementById('move-container').textContent === container", arg=first.container
    )


def _scan_timed(page, flow: Flow, following: Flow | None) -> float:
    """Scans the move the screen shows (container, then position); the milliseconds until the answer is shown."""
    shown = page.locator("#move-container").text_content()
    if shown != flow.container:
        raise RuntimeError(f"the page shows {shown} where the queue has {flow.container} (move {flow.move_id}) next")
    _type_scan(page, flow.container)
    page.keyboard.type(flow.position)
    page.evaluate(_ANSWER_WATCH, ANSWER_TIMEOUT_MS)
    page.keyboard.press("Enter")
    answer = page.evaluate("window.benchAnswer")
    if not answer["ok"]:
        raise RuntimeError(f"move {flow.move_id} ({flow.kind}) to {flow.position} was answered: {answer['text']!r}")
    expected = following.container if following else None
    if answer["next"] != expected:
        raise RuntimeError(f"after move {flow.move_id} the page shows {answer['next']}, the queue {expected} next")
    return answer["ms"]


def _latency(samples_ms: list[float]) -> dict:
    ordered = sorted(samples_ms)
    return {
        "count": len(ordered),
        "median_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(percentile(ordered, 90), 1),
        "max_ms": round(ordered[-1], 1),
        "samples_ms": [round(value, 1) for value in samples_ms],
    }


def _scan_run(
    server: HandheldServer,
    driver: tuple[str, str],
    *,
    moves: int,
    warmup_moves: int,
    background_rate_per_s: float | None,
    background_lanes: int,
) -> dict:
    """One driver's session: `warmup_moves` scans, then `moves` timed ones, with or without the background load.
    Whatever happens, the prepared moves nobody completed are cancelled afterwards."""
    work = work_prepare(moves=moves + warmup_moves, stack_height=STACK_HEIGHT)
    flows = {flow.move_id: flow for stack in work["stacks"] for flow in stack}
    if len(flows) < moves + warmup_moves:
        raise RuntimeError("the yard's full-container blocks have too little free ground for the handheld's moves")
    machine = _machine_give(list(flows.values()))
    queue = [flows[move.pk] for move in selectors.moves_queue(equipment_code=machine)]  # the order the page shows
    load = None
    if background_rate_per_s:
        expected_s = (moves + warmup_moves) * SECONDS_PER_SCAN_ALLOWED
        background = work_prepare(
            moves=math.ceil(2 * background_rate_per_s * expected_s) + background_lanes * STACK_HEIGHT,
            stack_height=STACK_HEIGHT,
        )
        load = BackgroundLoad(server.port, driver_token(), background["stacks"], background_rate_per_s,
                              background_lanes)  # fmt: skip
    scanned: list[int] = []
    samples_ms: list[float] = []
    page_errors: list[str] = []
    try:
        with _chromium() as browser:
            page = browser.new_context(viewport=PHONE, has_touch=True).new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            _work_start(page, server.url, *driver, machine, queue[0])
            for index in range(warmup_moves + moves):
                if index == warmup_moves and load:
                    load.start()  # through the timed scans only
                following = queue[index + 1] if index + 1 < len(queue) else None
                answer_ms = _scan_timed(page, queue[index], following)
                scanned.append(queue[index].move_id)
                if index >= warmup_moves:
                    samples_ms.append(answer_ms)
    finally:
        if load:
            load.stop()
        cancelled = work_release(work["stacks"], set(scanned))
        if load:
            load.cancelled = work_release(background["stacks"], set(load.attempted))
    run = {
        "machine": machine,
        "warmup_moves": warmup_moves,
        "latency": _latency(samples_ms),
        "aim_ms": AIM_SCAN_ANSWER_MS,
        "by_kind": dict(Counter(flows[move_id].kind for move_id in scanned[warmup_moves:])),
        "page_errors": page_errors[:5],
        "scanned_move_ids": scanned,
        "database": moves_verify(scanned),
        "cancelled_not_reached": cancelled,
    }
    run["aim_met"] = run["latency"]["p90_ms"] < AIM_SCAN_ANSWER_MS
    if load:
        run["background"] = {**load.figures(), "database": moves_verify(load.attempted)}
    return run


def scan_answer_measure(
    server: HandheldServer,
    *,
    moves: int,
    warmup_moves: int = 2,
    background_rate_per_s: float = TEN_TIMES_PEAK_FLOWS_PER_S,
    background_lanes: int = BACKGROUND_LANES,
) -> dict:
    """Scan to answer for `moves` moves: unloaded, then under the background load (see the module docstring)."""
    driver = _driver()
    sizes = {"moves": moves, "warmup_moves": warmup_moves, "background_lanes": background_lanes}
    return {
        "design_peak": design_peak(),
        "runs": {
            "unloaded": _scan_run(server, driver, background_rate_per_s=None, **sizes),
            "ten_times_design_peak": _scan_run(server, driver, background_rate_per_s=background_rate_per_s, **sizes),
        },
    }


def replay_measure(server: HandheldServer, *, moves: int) -> dict:
    """Queued scans replayed after an outage: the driver works `moves` moves with the network off (each is kept on
    the device and the next move comes up from the queue read before), then the network returns; timed in the page
    from the browser's "online" event until no scan is left waiting. Each must then be done exactly once."""
    driver = _driver()
    work = work_prepare(moves=moves, stack_height=STACK_HEIGHT)
    flows = {flow.move_id: flow for stack in work["stacks"] for flow in stack}
    machine = _machine_give(list(flows.values()))
    queue = [flows[move.pk] for move in selectors.moves_queue(equipment_code=machine)][:moves]
    page_errors: list[str] = []
    try:
        with _chromium() as browser:
            context = browser.new_context(viewport=PHONE, has_touch=True)
            page = context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            _work_start(page, server.url, *driver, machine, queue[0])
            context.set_offline(True)
            for index, flow in enumerate(queue):
                page.wait_for_function(_SHOWN, arg=flow.container)  # the screen has moved on to this move
                _type_scan(page, flow.container)
                _type_scan(page, flow.position)
                page.wait_for_function(_WAITING, arg=index + 1)
            context.set_offline(False)
            started = page.evaluate("() => { window.dispatchEvent(new Event('online')); return performance.now(); }")
            page.wait_for_function(_WAITING, arg=0, polling="raf", timeout=REPLAY_TIMEOUT_MS)
            seconds = (page.evaluate("() => performance.now()") - started) / 1000
            refused = page.locator("#outbox-list li[data-status=refused]").count()
    finally:
        cancelled = work_release(work["stacks"], {flow.move_id for flow in queue})
    scanned = [flow.move_id for flow in queue]
    return {
        "machine": machine,
        "scans": len(queue),
        "seconds": round(seconds, 3),
        "scans_per_s": round(len(queue) / seconds, 1),
        "refused": refused,
        "page_errors": page_errors[:5],
        "database": moves_verify(scanned),
        "cancelled_not_reached": cancelled,
    }


# --- The section -------------------------------------------------------------------------------------------------


def handheld_run(*, moves: int, **scan_options) -> dict:
    """Every measurement on one served client, on the database as it is."""
    with handheld_served(driver_token()) as server:
        figures = {
            "server": {"gunicorn": {"worker_class": server.worker_class, "workers": server.workers},
                       "gunicorn_pgid": server.process.pid,
                       "static": "collected with the project's storage, served by WhiteNoise, DEBUG off"},
            "cold_start": cold_start_measure(server),
            "scan_answer": scan_answer_measure(server, moves=moves, **scan_options),
            "replay_after_outage": replay_measure(server, moves=moves),
        }  # fmt: skip
    return figures


def handheld_measure(*, moves: int, **scan_options) -> dict:
    """make bench's section: handheld_run on a settled database with production durability, as the scanner runs."""
    with production_durability() as durability:
        settled = database_settle()
        figures = handheld_run(moves=moves, **scan_options)
    figures["server"].update(database_durability=durability, database_settle=settled)
    return figures
