// The clerk's train check-in: choose the inbound train on its line, then wagon by wagon scan each container and
// its seal (and note any damage). Each box shows as checked in, seal differs, to check, or waiting to send when
// the check-in is kept on the device for later.

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
  ui,
  write,
} from "./core.js";
import { damageNote, damageSet, wireDamage } from "./damage.js";
import { success } from "./feedback.js";
import { containerProblem } from "./gate.js";
import { entryProblem } from "./outbox.js";

const state = { trains: [], train: null, wagon: 0, busy: false, renders: 0 };

// --- Choosing the train --------------------------------------------------------------------------------------------

function pick(label, choose) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary wide";
  button.textContent = label;
  button.addEventListener("click", choose);
  return button;
}

function listTrains(trains) {
  state.trains = trains;
  $("train-none").hidden = trains.length > 0;
  $("train-none").textContent = trains.length ? "" : text("no_trains");
  $("train-list").replaceChildren(
    ...trains.map((train) => {
      const words = { train: train.train_number, line: train.line || "—", wagons: train.wagons.length };
      return pick(text("train_choice", words), () => openTrain(train));
    }),
  );
}

/** The inbound trains on their lines now; offline, the last train opened on this device. */
async function readTrains() {
  say(text("reading"));
  try {
    const page = await api.request("GET", "rail/visits/?direction=inbound&status=arrived&page_size=100");
    listTrains(page.results);
    quiet();
  } catch (problem) {
    if (!(problem instanceof ApiProblem) || problem.code !== "offline") return problemShown(problem);
    const last = store.getJson("train", null);
    listTrains(last ? [last] : []);
    say(text("list_offline"), "error");
  }
}

export async function toTrain() {
  show("train");
  quiet();
  state.train = null;
  $("train-work").hidden = true;
  $("train-choose").hidden = false;
  $("train-number").value = "";
  focusField($("train-number"));
  await readTrains();
  if (ui.screen === "train" && !state.train) focusField($("train-number"));
}

function chooseTrain(event) {
  event.preventDefault();
  const typed = compact($("train-number").value);
  if (!typed) {
    say(text("train_required"), "error");
    return focusField($("train-number"));
  }
  const found = state.trains.find((train) => compact(train.train_number) === typed);
  if (!found) {
    say(text("train_unknown", { train: $("train-number").value.trim().toUpperCase() }), "error");
    return focusField($("train-number"));
  }
  openTrain(found);
}

// --- The train, wagon by wagon -------------------------------------------------------------------------------------

function boxes() {
  return state.train ? state.train.wagons.flatMap((wagon) => wagon.containers) : [];
}

function wagonOf(number) {
  return state.train.wagons.findIndex((wagon) => wagon.containers.some((box) => box.container === number));
}

function remember() {
  store.setJson("train", state.train);
}

/** Opens a train on the first wagon with a box to check; reads it again from the API when there is network. */
async function openTrain(train, { container = "" } = {}) {
  state.train = train;
  const todo = train.wagons.findIndex((wagon) => wagon.containers.some((box) => box.seal_ok === null));
  state.wagon = container && wagonOf(container) >= 0 ? wagonOf(container) : Math.max(todo, 0);
  remember();
  $("train-choose").hidden = true;
  $("train-work").hidden = false;
  $("train-name").textContent = train.train_number;
  formClear(container);
  await render();
  focusField(container ? $("checkin-seal") : $("checkin-container"));
  try {
    const fresh = await api.request("GET", `rail/visits/${train.id}/`);
    if (state.train && state.train.id === fresh.id) {
      state.train = fresh;
      remember();
      await render();
    }
  } catch (problem) {
    if (!(problem instanceof ApiProblem) || problem.code !== "offline") problemShown(problem);
  }
}

/** Each box's check-ins kept on this device: the last one's status, by container. */
async function onDevice() {
  const mine = (await outbox.entries()).filter(
    (entry) => entry.kind === "check_in" && entry.extra && state.train && entry.extra.train === state.train.id,
  );
  return new Map(mine.map((entry) => [entry.body.container, entry.status]));
}

function boxStatus(box, device) {
  const kept = device.get(box.container);
  if (kept === "queued") return ["waiting", text("box_waiting")];
  if (kept === "refused") return ["refused", text("box_refused")];
  if (box.seal_ok === null) return ["pending", text("box_pending")];
  if (box.seal_ok) return ["ok", text("box_ok")];
  const seals = { scanned: box.seal_scanned || "—", declared: box.seal_declared || "—" };
  return ["differs", text("box_seal_differs", seals)];
}

function boxItem(box, device) {
  const item = document.createElement("li");
  const [status, words] = boxStatus(box, device);
  item.dataset.status = status;
  item.dataset.container = box.container;
  const number = document.createElement("span");
  number.className = "number";
  number.textContent = box.container;
  const said = document.createElement("span");
  said.className = "status";
  said.textContent = words;
  item.append(number, said);
  if (box.damage) {
    const damage = document.createElement("span");
    damage.className = "damage";
    damage.textContent = text("box_damage", { note: box.damage });
    item.append(damage);
  }
  return item;
}

async function render() {
  const turn = ++state.renders;
  const device = await onDevice();
  if (ui.screen !== "train" || !state.train || turn !== state.renders) return;
  const { wagons } = state.train;
  const wagon = wagons[state.wagon];
  if (!wagon) return;
  const where = { index: state.wagon + 1, count: wagons.length, number: wagon.number };
  $("wagon-name").textContent = text("wagon_of", where);
  $("wagon-empty").hidden = wagon.containers.length > 0;
  $("wagon-empty").textContent = text("wagon_empty");
  $("wagon-boxes").replaceChildren(...wagon.containers.map((box) => boxItem(box, device)));
  $("wagon-prev").disabled = state.wagon === 0;
  $("wagon-next").disabled = state.wagon >= wagons.length - 1;
}

function toWagon(index) {
  if (!state.train || index < 0 || index >= state.train.wagons.length) return;
  state.wagon = index;
  quiet();
  formClear();
  render();
  focusField($("checkin-container"));
}

// --- Checking a box in ---------------------------------------------------------------------------------------------

function formClear(container = "") {
  $("checkin-container").value = container;
  $("checkin-seal").value = "";
  damageSet("checkin");
}

/** The scanned box on this train (its wagon on show), or null after saying why not. */
function boxScanned() {
  const number = compact($("checkin-container").value);
  const wrong = number ? containerProblem(number) : text("scan_container");
  if (wrong) {
    say(wrong, "error");
    focusField($("checkin-container"));
    return null;
  }
  const wagon = wagonOf(number);
  if (wagon < 0) {
    say(text("container_not_on_train", { container: number, train: state.train.train_number }), "error");
    focusField($("checkin-container"));
    return null;
  }
  if (wagon !== state.wagon) {
    state.wagon = wagon; // the box scanned says which wagon the clerk stands at
    render();
  }
  return boxes().find((box) => box.container === number);
}

function containerEntered() {
  if (!boxScanned()) return;
  quiet();
  focusField($("checkin-seal"));
}

/** The words after a check-in: the box's result, and the wagon's or the train's when it is the last. */
function afterCheckIn(box) {
  const seals = { container: box.container, scanned: box.seal_scanned, declared: box.seal_declared };
  const said = text(box.seal_ok === false ? "checked_in_seal_differs" : "checked_in", seals);
  const checked = (item) => item.seal_ok !== null;
  const wagon = state.train.wagons[state.wagon];
  if (boxes().every(checked)) return `${said} ${text("train_done", { train: state.train.train_number })}`;
  if (wagon.containers.every(checked)) return `${said} ${text("wagon_done", { position: wagon.position })}`;
  return said;
}

function checkInRefused(problem, number) {
  if (problem.code === "container_not_on_train") {
    say(text("container_not_on_train", { container: number, train: state.train.train_number }), "error");
    return focusField($("checkin-container"));
  }
  if (problem.code === "train_not_found") {
    say(text("train_not_found"), "error");
    return toTrain();
  }
  // Any other refusal: the box is known, so the seal is what to scan again once it is put right.
  const known = boxes().some((box) => box.container === number);
  if (!problemShown(problem)) focusField(known ? $("checkin-seal") : $("checkin-container"));
}

async function checkIn(event) {
  event.preventDefault();
  if (state.busy || !state.train) return;
  const box = boxScanned();
  if (!box) return;
  const seal = $("checkin-seal").value.trim().toUpperCase();
  if (!seal && box.seal_declared) {
    say(text("scan_seal"), "error");
    return focusField($("checkin-seal"));
  }
  const damage = damageNote("checkin");
  if (damage === null) return;
  const train = state.train;
  const body = { container: box.container, seal, damage };
  const label = text("checkin_label", { container: box.container, train: train.train_number });
  state.busy = true;
  $("checkin-button").disabled = true;
  say(text("sending"));
  try {
    const answer = await write("POST", `rail/visits/${train.id}/check-in/`, body, {
      label,
      kind: "check_in",
      ref: `${train.id}:${box.container}`,
      extra: { train: train.id },
    });
    if (ui.screen !== "train" || state.train !== train) return;
    formClear();
    if (answer === null) {
      say(text("queued", { label }), "info");
    } else {
      success();
      Object.assign(box, answer);
      remember();
      say(afterCheckIn(box), box.seal_ok === false ? "info" : "ok");
    }
    await render();
    focusField($("checkin-container"));
  } catch (refused) {
    if (!(refused instanceof ApiProblem)) throw refused;
    checkInRefused(refused, box.container);
  } finally {
    state.busy = false;
    $("checkin-button").disabled = false;
  }
}

/** Check-ins sent after waiting on the device: their answers update the boxes on show. */
function outboxChanged(entries) {
  if (!state.train) return;
  let changed = false;
  for (const entry of entries) {
    if (entry.kind !== "check_in" || entry.status !== "sent" || !entry.answer || !entry.extra) continue;
    if (entry.extra.train !== state.train.id) continue;
    const box = boxes().find((item) => item.container === entry.answer.container);
    if (box && box.checked_in_at !== entry.answer.checked_in_at) {
      Object.assign(box, entry.answer);
      changed = true;
    }
  }
  if (changed) remember();
  if (ui.screen === "train") render();
}

function trainExpects() {
  if (!state.train) return $("train-number");
  const number = compact($("checkin-container").value);
  if (number && boxes().some((box) => box.container === number) && !$("checkin-seal").value.trim()) {
    return $("checkin-seal");
  }
  return $("checkin-container");
}

/** Fixing a refused check-in: its train and wagon again, the container filled in, the seal to scan again. */
async function fixCheckIn(entry) {
  show("train");
  quiet();
  let train = state.train && state.train.id === entry.extra.train ? state.train : null;
  try {
    train = train || (await api.request("GET", `rail/visits/${entry.extra.train}/`));
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    if (problem.code === "offline" && store.getJson("train", {}).id === entry.extra.train) {
      train = store.getJson("train", null);
    } else if (problem.code === "not_found" || problem.code === "offline") {
      return toTrain();
    } else {
      return problemShown(problem);
    }
  }
  await openTrain(train, { container: entry.body.container });
  window.scrollTo(0, 0);
  checkInRefused(entryProblem(entry), entry.body.container);
}

export function wireTrain() {
  ui.screens.train = { expects: trainExpects };
  ui.fixers.check_in = fixCheckIn;
  $("train-form").addEventListener("submit", chooseTrain);
  onEnter($("train-number"), () => $("train-form").requestSubmit());
  $("train-change").addEventListener("click", () => toTrain());
  $("wagon-prev").addEventListener("click", () => toWagon(state.wagon - 1));
  $("wagon-next").addEventListener("click", () => toWagon(state.wagon + 1));
  $("checkin-form").addEventListener("submit", checkIn);
  onEnter($("checkin-container"), containerEntered);
  onEnter($("checkin-seal"), () => $("checkin-form").requestSubmit());
  wireDamage("checkin", () => $("checkin-form").requestSubmit());
  outbox.listen(outboxChanged);
}
