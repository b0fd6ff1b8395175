// The driver's screens: the machine, then its work queue with the next move large, confirmed by scanning the
// container and the position. Without network the last queue read stays on screen and confirmations wait in
// the outbox; the moves they confirm leave the screen at once.

import { ApiProblem } from "./api.js";
import {
  $,
  api,
  compact,
  focusField,
  onEnter,
  outbox,
  problemShown,
  quiet,
  say,
  show,
  store,
  text,
  TEXTS,
  ui,
  write,
} from "./core.js";
import { success } from "./feedback.js";

const POLL_MS = 15000; // dispatch hands out moves every 15 seconds
const HANDED_OVER = new Set(["complete", "cancel"]); // writes that take a move off the driver's queue
const state = { current: null, busy: false, poll: null, queue: [], pinned: null, renders: 0 };

// --- Machine -------------------------------------------------------------------------------------------------------

export function toMachine(message = "") {
  show("machine");
  $("machine-code").value = store.get("machine");
  say(message);
  focusField($("machine-code"));
}

async function chooseMachine(event) {
  event.preventDefault();
  const machine = $("machine-code").value.trim().toUpperCase();
  if (!machine) {
    say(text("machine_required"), "error");
    focusField($("machine-code"));
    return;
  }
  say(text("checking_machine"));
  try {
    const queue = await api.queue(machine); // an unknown code answers 404 equipment_not_found
    if (machine !== store.get("machine")) store.forget("queue");
    store.set("machine", machine);
    toDriver(queue);
  } catch (problem) {
    if (problem instanceof ApiProblem && problem.code === "equipment_not_found") {
      say(text("equipment_not_found", { machine }), "error");
      focusField($("machine-code"));
    } else if (!problemShown(problem)) {
      focusField($("machine-code"));
    }
  }
}

// --- The queue -----------------------------------------------------------------------------------------------------

/** Opens the driver's screen with a queue just read, or (none given) the last one read, then reads it again. */
export function toDriver(queue = null) {
  show("driver");
  quiet();
  $("driver-machine").textContent = store.get("machine");
  state.current = null;
  clearInterval(state.poll);
  state.poll = setInterval(() => refresh(), POLL_MS);
  if (queue) {
    remember(queue);
    return render();
  }
  state.queue = store.getJson("queue", []);
  render();
  return refresh();
}

function remember(queue) {
  state.queue = queue;
  store.setJson("queue", queue);
}

function kindLabel(kind) {
  return TEXTS[`kind_${kind}`] || kind;
}

function showMove(move) {
  $("move-kind").textContent = kindLabel(move.kind) + (move.status === "in_progress" ? ` · ${text("started")}` : "");
  $("move-container").textContent = move.container;
  $("move-from").textContent = move.from || "—";
  $("move-to").textContent = move.to || "—";
  $("move-start").hidden = move.status === "in_progress";
}

/** The moves still to do on this device: the queue read last, less the moves confirmed or handed back on it. */
async function todo() {
  const settled = (entry) => HANDED_OVER.has(entry.kind) && entry.status !== "refused"; // queued, or sent
  const waiting = new Set((await outbox.entries()).filter(settled).map((entry) => entry.ref));
  const moves = state.queue.filter((move) => !waiting.has(move.id));
  const pinned = moves.findIndex((move) => move.id === state.pinned);
  if (pinned > 0) moves.unshift(...moves.splice(pinned, 1)); // a refused scan being fixed comes first
  return moves;
}

/** Shows the queue: its first move large, ready for the scans. Keeps what was scanned while the first stays. */
async function render() {
  const turn = ++state.renders; // renders overlap (the outbox and the screen both call): the last one wins
  const [next, ...rest] = await todo();
  if (ui.screen !== "driver" || turn !== state.renders) return;
  const same = next && state.current && next.id === state.current.id;
  state.current = next || null;
  $("move-card").hidden = !next;
  $("confirm-form").hidden = !next;
  $("move-trouble").hidden = !next;
  $("queue-empty").hidden = Boolean(next);
  $("queue-empty").textContent = next ? "" : text("queue_empty", { machine: store.get("machine") });
  $("queue-more").textContent = rest.length ? text("queue_count", { count: rest.length }) : "";
  $("queue-list").replaceChildren(
    ...rest.map((move) => {
      const item = document.createElement("li");
      item.textContent = `${move.container} · ${move.from || "—"} → ${move.to || "—"} · ${kindLabel(move.kind)}`;
      return item;
    }),
  );
  if (!next) return;
  showMove(next);
  if (!same) {
    $("confirm-container").value = state.pinned === next.id ? next.container : "";
    $("confirm-position").value = "";
    $("trouble-reason").value = "";
    focusField(state.pinned === next.id ? $("confirm-position") : $("confirm-container"));
  }
}

/** Reads the machine's queue again; without network the screen keeps the last one read. */
export async function refresh() {
  if (state.busy || ui.screen !== "driver") return;
  try {
    remember(await api.queue(store.get("machine")));
  } catch (problem) {
    if (problem instanceof ApiProblem && problem.code === "equipment_not_found") {
      return toMachine(text("equipment_not_found", { machine: store.get("machine") }));
    }
    if (!(problem instanceof ApiProblem) || problem.code !== "offline") return problemShown(problem);
  }
  await render();
}

// --- Confirming ----------------------------------------------------------------------------------------------------

function containerScanned() {
  const scanned = compact($("confirm-container").value);
  if (!scanned || !state.current) return;
  if (scanned !== compact(state.current.container)) {
    say(text("container_mismatch_scanned", { scanned, expected: state.current.container }), "error");
    focusField($("confirm-container"));
    return;
  }
  say(text("scan_position"));
  focusField($("confirm-position"));
}

/** What to say and where to go when the API refuses a completion. */
export async function completionRefused(problem, moveId) {
  const detail = problem.detail;
  switch (problem.code) {
    case "container_mismatch":
      say(text("container_mismatch"), "error");
      return focusField($("confirm-container"));
    case "position_occupied":
      say(text("position_occupied", { detail }), "error");
      return focusField($("confirm-position"));
    case "move_redirected": {
      let target = "";
      try {
        const fresh = await api.move(moveId);
        target = fresh.to || "";
        state.queue = state.queue.map((move) => (move.id === fresh.id ? { ...move, to: fresh.to } : move));
        if (state.current && state.current.id === fresh.id) showMove({ ...state.current, to: fresh.to });
      } catch (again) {
        if (again instanceof ApiProblem && again.isAuth) return problemShown(again);
      }
      say(text("move_redirected", { target: target || detail }), "error");
      return focusField($("confirm-position"));
    }
    case "move_not_open":
      say(text("move_not_open"), "error");
      state.current = null;
      return refresh();
    case "container_on_hold":
    case "container_not_on_top":
      say(text(problem.code, { detail }), "error");
      return focusField($("confirm-container"));
    default:
      if (!problemShown(problem)) focusField(driverExpects());
  }
}

/** Sends a write about the current move; the screen moves on at once when it is kept for later. */
async function moveWrite(path, body, label, kind) {
  const move = state.current;
  state.busy = true;
  $("confirm-button").disabled = true;
  say(text("sending"));
  try {
    const answer = await write("POST", path, body, { label, kind, ref: move.id });
    if (ui.screen !== "driver") return null; // the log-in ran out meanwhile: the write waits in the outbox
    if (answer === null) {
      say(text("queued", { label }), "info");
      state.pinned = null;
      await render();
      return null;
    }
    success();
    if (state.pinned === move.id) state.pinned = null;
    return answer;
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    await completionRefused(problem, move.id);
    return null;
  } finally {
    state.busy = false;
    $("confirm-button").disabled = false;
  }
}

async function confirm(event) {
  event.preventDefault();
  const move = state.current;
  if (!move || state.busy) return;
  const container = $("confirm-container").value.trim();
  const position = $("confirm-position").value.trim().toUpperCase();
  if (!container) {
    say(text("scan_container"), "error");
    return focusField($("confirm-container"));
  }
  if (!position) {
    say(text("scan_position"), "error");
    return focusField($("confirm-position"));
  }
  // The Idempotency-Key is made now and kept with the scan on the device until the server has answered it.
  const label = `${compact(container)} → ${position}`;
  const done = await moveWrite(`yard/moves/${move.id}/complete/`, { container, position }, label, "complete");
  if (!done) return;
  state.current = null;
  await refresh();
  say(text("done", { container: done.container, position: done.position }), "ok");
}

async function start() {
  const move = state.current;
  if (!move || state.busy) return;
  const started = await moveWrite(`yard/moves/${move.id}/start/`, undefined, `${move.container} · ${text("start")}`);
  if (!started) return;
  state.queue = state.queue.map((item) => (item.id === started.id ? { ...item, status: started.status } : item));
  store.setJson("queue", state.queue);
  showMove({ ...move, status: started.status });
  say(text("started_move", { container: move.container }), "ok");
  focusField($("confirm-container"));
}

/** Cancel (cannot be done now) or fail (the machine could not do it): a reason is required either way. */
async function handBack(failed) {
  const move = state.current;
  if (!move || state.busy) return;
  const reason = $("trouble-reason").value.trim();
  if (!reason) {
    say(text("reason_required"), "error");
    return focusField($("trouble-reason"));
  }
  const what = failed ? text("fail") : text("cancel");
  const body = { reason, failed };
  const answered = await moveWrite(`yard/moves/${move.id}/cancel/`, body, `${move.container} · ${what}`, "cancel");
  if (!answered) return;
  state.current = null;
  await refresh();
  say(text(failed ? "failed_move" : "cancelled_move", { container: move.container }), "ok");
}

function driverExpects() {
  if (!state.current) return null;
  return compact($("confirm-container").value) === compact(state.current.container)
    ? $("confirm-position")
    : $("confirm-container");
}

/** Fixing a refused confirmation: its move comes first, the container already filled in, the position to scan. */
function fixCompletion(entry) {
  state.pinned = entry.ref;
  toDriver();
}

export function wireDriver() {
  ui.screens.machine = { expects: () => $("machine-code") };
  ui.screens.driver = {
    expects: driverExpects,
    leave: () => {
      clearInterval(state.poll);
      state.poll = null;
    },
  };
  ui.fixers.complete = fixCompletion;
  ui.fixers.cancel = fixCompletion;
  $("machine-form").addEventListener("submit", chooseMachine);
  $("confirm-form").addEventListener("submit", confirm);
  onEnter($("confirm-container"), containerScanned);
  onEnter($("confirm-position"), () => $("confirm-form").requestSubmit());
  $("driver-change-machine").addEventListener("click", () => toMachine());
  $("move-start").addEventListener("click", start);
  $("trouble-cancel").addEventListener("click", () => handBack(false));
  $("trouble-fail").addEventListener("click", () => handBack(true));
  outbox.listen(() => {
    if (ui.screen === "driver" && !state.busy) render();
  });
}
