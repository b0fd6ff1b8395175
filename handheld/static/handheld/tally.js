// The clerk's vessel tally: choose the call alongside, then confirm its discharges and loads by scanning the
// container (and, for a box put on board, the cell it stands in), its seal and any damage. Each confirmation is
// one POST vessels/calls/{id}/tally/: it completes the quay move (a discharge at the yard place the move was
// given, a load at the scanned cell) and records the seal as read and the damage seen.

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
  text,
  TEXTS,
  ui,
  write,
} from "./core.js";
import { damageNote, damageSet, wireDamage } from "./damage.js";
import { success } from "./feedback.js";
import { containerProblem } from "./gate.js";
import { entryProblem } from "./outbox.js";

const OPEN = new Set(["planned", "dispatched", "in_progress"]);
const TALLIED = new Set(["discharge", "load", "restow"]); // a restow comes off and goes back on: confirmed by its cell
const state = { calls: [], call: null, moves: [], current: null, busy: false, renders: 0 };

function kindLabel(kind) {
  return TEXTS[`kind_${kind}`] || kind;
}

const onBoard = (move) => move.kind !== "discharge";

// --- Choosing the call ---------------------------------------------------------------------------------------------

function listCalls(calls) {
  state.calls = calls;
  $("tally-none").hidden = calls.length > 0;
  $("tally-none").textContent = calls.length ? "" : text("no_calls");
  $("tally-calls").replaceChildren(
    ...calls.map((call) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary wide";
      button.textContent = text("call_choice", { vessel: call.reference, berth: call.berth });
      button.addEventListener("click", () => openCall(call));
      return button;
    }),
  );
}

export async function toTally() {
  show("tally");
  state.call = null;
  state.current = null;
  $("tally-work").hidden = true;
  $("tally-choose").hidden = false;
  listCalls([]);
  $("tally-none").hidden = true;
  say(text("reading"));
  try {
    const page = await api.request("GET", "vessels/calls/?status=arrived&page_size=100");
    if (ui.screen !== "tally") return;
    listCalls(page.results);
    quiet();
    const first = $("tally-calls").querySelector("button");
    if (first) focusField(first);
  } catch (problem) {
    if (!(problem instanceof ApiProblem) || problem.code !== "offline") return problemShown(problem);
    say(text("list_offline"), "error");
  }
}

// --- The call's moves ----------------------------------------------------------------------------------------------

/** The call's moves still to confirm, every page of them. */
async function readMoves(call) {
  const moves = [];
  for (let page = 1; ; page += 1) {
    const answer = await api.request("GET", `vessels/calls/${call.id}/moves/?page_size=500&page=${page}`);
    moves.push(...answer.results);
    if (!answer.next) break;
  }
  return moves.filter((move) => OPEN.has(move.status) && TALLIED.has(move.kind));
}

async function refresh() {
  const call = state.call;
  try {
    const [fresh, moves] = await Promise.all([api.request("GET", `vessels/calls/${call.id}/`), readMoves(call)]);
    if (state.call !== call) return;
    state.call = fresh;
    state.moves = moves;
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    if (problem.code === "offline") say(text("list_offline"), "error");
    else problemShown(problem);
  }
  await render();
}

async function openCall(call, { container = "" } = {}) {
  state.call = call;
  state.moves = [];
  state.current = null;
  $("tally-choose").hidden = true;
  $("tally-work").hidden = false;
  $("tally-name").textContent = call.reference;
  formClear(container);
  say(text("reading"));
  await refresh();
  if (ui.screen !== "tally" || state.call === null) return;
  if ($("hh-message").textContent === text("reading")) quiet();
  focusField($("tally-container"));
}

/** The moves still to confirm here: those read, less the confirmations kept or sent on this device. */
async function todo() {
  const settled = (entry) => entry.kind === "tally" && entry.status !== "refused";
  const kept = new Set((await outbox.entries()).filter(settled).map((entry) => entry.ref));
  return state.moves.filter((move) => !kept.has(move.id));
}

async function render() {
  const turn = ++state.renders;
  const moves = await todo();
  if (ui.screen !== "tally" || !state.call || turn !== state.renders) return;
  const { discharge, load } = state.call;
  $("tally-progress").textContent = text("tally_progress", {
    discharged: discharge.done,
    discharge: discharge.planned,
    loaded: load.done,
    load: load.planned,
  });
  $("tally-empty").hidden = moves.length > 0;
  $("tally-empty").textContent = text("tally_nothing");
  $("tally-list").replaceChildren(
    ...moves.map((move) => {
      const item = document.createElement("li");
      item.textContent = `${move.container} · ${kindLabel(move.kind)} · ${move.from || "—"} → ${move.to || "—"}`;
      return item;
    }),
  );
}

// --- Confirming ----------------------------------------------------------------------------------------------------

function formClear(container = "") {
  state.current = null;
  $("tally-container").value = container;
  $("tally-cell").value = "";
  $("tally-cell-field").hidden = true;
  $("tally-move").hidden = true;
  $("tally-seal").value = "";
  damageSet("tally");
}

function showMove(move) {
  $("tally-move").hidden = false;
  $("tally-move").textContent = `${kindLabel(move.kind)} · ${move.from || "—"} → ${move.to || "—"}`;
  $("tally-cell-field").hidden = !onBoard(move);
  const planned = (move.to || "").split("/")[1] || "";
  $("tally-cell").placeholder = planned ? text("planned", { place: planned }) : "";
}

/** The scanned box's move at this call, or null after saying why not. */
async function moveScanned() {
  const number = compact($("tally-container").value);
  const wrong = number ? containerProblem(number) : text("scan_container");
  if (wrong) {
    say(wrong, "error");
    focusField($("tally-container"));
    return null;
  }
  const move = (await todo()).find((item) => item.container === number);
  if (!move) {
    say(text("tally_not_in_call", { container: number }), "error");
    focusField($("tally-container"));
    return null;
  }
  state.current = move;
  showMove(move);
  return move;
}

/** The cell a load or restow went into, as scanned (`BBRRTT`); "" for a discharge; null if not a cell. */
function cellFor(move) {
  if (!onBoard(move)) return "";
  let scanned = $("tally-cell").value.trim().toUpperCase();
  if (scanned.startsWith("VESSEL:")) scanned = scanned.split("/")[1] || "";
  const cell = scanned.replace(/\s/g, "");
  if (!/^0?\d{6}$/.test(cell)) return null;
  return cell.length === 7 ? cell.slice(1) : cell;
}

async function tallyRefused(problem, move) {
  const detail = problem.detail;
  switch (problem.code) {
    case "position_occupied":
    case "position_invalid":
      if (onBoard(move)) {
        say(text("cell_refused", { detail }), "error");
        return focusField($("tally-cell"));
      }
      break;
    case "move_redirected": {
      await refresh();
      const fresh = state.moves.find((item) => item.id === move.id);
      $("tally-container").value = move.container;
      say(text("tally_redirected", { target: (fresh && fresh.to) || detail }), "error");
      return focusField($("tally-container"));
    }
    case "move_not_open":
      formClear();
      await refresh();
      say(text("move_not_open"), "error");
      return focusField($("tally-container"));
    case "vessel_not_alongside":
      say(text("vessel_not_alongside"), "error");
      return focusField($("tally-container"));
    case "cell_required":
      say(text("scan_cell"), "error");
      return focusField($("tally-cell"));
    case "cell_mismatch":
      say(text("cell_mismatch", { detail }), "error");
      return focusField($("tally-cell"));
    case "container_not_in_call":
      say(text("tally_not_in_call", { container: move.container }), "error");
      return focusField($("tally-container"));
    case "tally_move_closed":
      formClear();
      await refresh();
      say(text("tally_move_closed", { container: move.container }), "error");
      return focusField($("tally-container"));
    case "container_on_hold":
    case "container_not_on_top":
      say(text(problem.code, { detail }), "error");
      return focusField($("tally-container"));
    default:
      break;
  }
  if (!problemShown(problem)) focusField($("tally-container"));
}

async function confirm() {
  if (state.busy || !state.call) return;
  const same = state.current && compact($("tally-container").value) === state.current.container;
  const move = same ? state.current : await moveScanned();
  if (!move) return;
  if (!move.to) {
    say(text("tally_no_place", { container: move.container }), "error");
    return focusField($("tally-container"));
  }
  const cell = cellFor(move);
  if (cell === null) {
    const empty = !$("tally-cell").value.trim();
    say(text(empty ? "scan_cell" : "cell_invalid"), empty ? "info" : "error");
    return focusField($("tally-cell"));
  }
  const damage = damageNote("tally");
  if (damage === null) return;
  const label = text("tally_label", { kind: kindLabel(move.kind), container: move.container });
  const body = { container: move.container, cell, seal: $("tally-seal").value.trim().toUpperCase(), damage };
  state.busy = true;
  $("tally-button").disabled = true;
  say(text("sending"));
  try {
    const call = state.call;
    const answer = await write("POST", `vessels/calls/${call.id}/tally/`, body, {
      label,
      kind: "tally",
      ref: move.id,
      extra: { call: call.id },
    });
    if (ui.screen !== "tally" || state.call !== call) return;
    formClear();
    if (answer === null) {
      say(text("queued", { label }), "info");
    } else {
      success();
      const done = onBoard(move) ? call.load : call.discharge;
      if (move.kind !== "restow") done.done += 1;
      state.moves = state.moves.filter((item) => item.id !== move.id);
      say(...tallyAnswered(move, answer));
    }
    await render();
    focusField($("tally-container"));
  } catch (refused) {
    if (!(refused instanceof ApiProblem)) throw refused;
    await tallyRefused(refused, move);
  } finally {
    state.busy = false;
    $("tally-button").disabled = false;
  }
}

/** What the clerk is told once a tally is in: where the box went, and a seal that differs from the list. */
function tallyAnswered(move, answer) {
  const words = onBoard(move)
    ? text("load_confirmed", { container: move.container, cell: answer.cell })
    : text("discharge_confirmed", { container: move.container, position: answer.move.to });
  if (answer.seal_ok) return [words, "ok"];
  const seals = { scanned: answer.seal_scanned || "—", declared: answer.seal_declared || "—" };
  return [text("tally_seal_differs", { what: words, ...seals }), "info"];
}

async function containerEntered() {
  const move = await moveScanned();
  if (!move) return;
  if (onBoard(move)) {
    say(text("scan_cell"));
    return focusField($("tally-cell"));
  }
  say(text("tally_seal"));
  focusField($("tally-seal"));
}

function cellEntered() {
  if (!state.current || cellFor(state.current) === null) return confirm(); // says what is wrong with the cell
  say(text("tally_seal"));
  focusField($("tally-seal"));
}

function tallyExpects() {
  if (!state.call) return null;
  if (!state.current) return $("tally-container");
  if (!$("tally-cell-field").hidden && !$("tally-cell").value.trim()) return $("tally-cell");
  return $("tally-seal").value.trim() ? null : $("tally-seal");
}

/** Fixing a refused confirmation: its call again, the container filled in, and why it was refused. */
async function fixTally(entry) {
  show("tally");
  let call;
  try {
    call = await api.request("GET", `vessels/calls/${entry.extra.call}/`);
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    return problem.code === "offline" || problem.code === "not_found" ? toTally() : problemShown(problem);
  }
  await openCall(call, { container: entry.body.container });
  window.scrollTo(0, 0);
  const move = state.moves.find((item) => item.id === entry.ref);
  if (move) {
    state.current = move;
    showMove(move);
    $("tally-cell").value = entry.body.cell || "";
    $("tally-seal").value = entry.body.seal || "";
    damageSet("tally", entry.body.damage || "");
  }
  await tallyRefused(entryProblem(entry), move || { kind: "discharge", container: entry.body.container });
}

export function wireTally() {
  ui.screens.tally = { expects: tallyExpects };
  ui.fixers.tally = fixTally;
  $("tally-change").addEventListener("click", () => toTally());
  $("tally-form").addEventListener("submit", (event) => {
    event.preventDefault();
    confirm();
  });
  onEnter($("tally-container"), containerEntered);
  onEnter($("tally-cell"), cellEntered);
  onEnter($("tally-seal"), confirm);
  wireDamage("tally", confirm);
  $("tally-container").addEventListener("input", () => {
    if (state.current && compact($("tally-container").value) !== state.current.container) {
      state.current = null;
      $("tally-move").hidden = true;
      $("tally-cell-field").hidden = true;
    }
  });
  outbox.listen(() => {
    if (ui.screen === "tally" && state.call) render();
  });
}
