// The handheld client: log-in, the driver's machine, and the driver's work queue with its confirmations.
// Everything goes through the scanner API; the page's wording comes from the server (the hh-texts block).

import { Api, ApiProblem, token, tokenForget } from "./api.js";
import { refusal, success } from "./feedback.js";

const TEXTS = JSON.parse(document.getElementById("hh-texts").textContent);
const api = new Api(document.body.dataset.api);
const store = {
  get: (key) => localStorage.getItem(`hh.${key}`) || "",
  set: (key, value) => localStorage.setItem(`hh.${key}`, value),
  forget: (key) => localStorage.removeItem(`hh.${key}`),
};
const MOVER_ROLES = ["driver", "yard_clerk"]; // who may complete moves
const POLL_MS = 15000; // dispatch hands out moves every 15 seconds

const $ = (id) => document.getElementById(id);
const state = { screen: null, current: null, busy: false, attempt: null, poll: null };

function text(key, params = {}) {
  return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** The container number as the API compares it: upper case, without spaces or hyphens. */
export function compact(number) {
  return number.toUpperCase().replace(/[\s-]/g, "");
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs https; this does not
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- Messages and screens ------------------------------------------------------------------------------------------

function say(message, kind = "info") {
  const box = $("hh-message");
  box.textContent = message;
  box.className = `message ${kind}`;
  box.hidden = !message;
  if (kind === "error") refusal();
}

function quiet() {
  say("");
}

/** The field a scan goes to on this screen. */
function expectedField() {
  if (state.screen === "login") return $("login-username").value ? $("login-password") : $("login-username");
  if (state.screen === "machine") return $("machine-code");
  if (state.screen === "driver" && state.current) {
    return compact($("confirm-container").value) === compact(state.current.container)
      ? $("confirm-position")
      : $("confirm-container");
  }
  return null;
}

function focusField(field) {
  if (!field) return;
  field.focus();
  field.select();
  field.scrollIntoView({ block: "nearest" }); // a long message must not hide the field the scan goes to
}

function show(screen) {
  state.screen = screen;
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${screen}`;
  const loggedIn = screen !== "login";
  $("hh-logout").hidden = !loggedIn;
  $("hh-who").textContent = loggedIn ? [store.get("username"), store.get("device")].filter(Boolean).join(" · ") : "";
  clearInterval(state.poll);
  state.poll = screen === "driver" ? setInterval(() => refresh(), POLL_MS) : null;
}

function toLogin(message = "", kind = "info") {
  tokenForget();
  state.current = null;
  show("login");
  $("login-username").value = store.get("username");
  $("login-password").value = "";
  $("login-device").value = store.get("device");
  say(message, kind);
  focusField(expectedField());
}

/** A refusal the screen cannot handle itself. Returns true when it ended the session. */
function problemShown(problem) {
  if (!(problem instanceof ApiProblem)) throw problem;
  if (problem.isAuth) {
    toLogin(text(problem.code), "error");
    return true;
  }
  if (problem.code === "offline" || problem.code === "permission_denied") say(text(problem.code), "error");
  else if (problem.status >= 500) say(text("server_error"), "error");
  else say(problem.detail || text("server_error"), "error");
  return false;
}

// --- Log-in and log-out --------------------------------------------------------------------------------------------

async function logIn(event) {
  event.preventDefault();
  const username = $("login-username").value.trim();
  const password = $("login-password").value;
  const device = $("login-device").value.trim();
  if (!username || !password) {
    say(text("fields_required"), "error");
    focusField(expectedField());
    return;
  }
  say(text("signing_in"));
  try {
    await api.logIn(username, password, device);
    const me = await api.me();
    store.set("username", me.username);
    store.set("device", device);
    if (!me.roles.some((role) => MOVER_ROLES.includes(role))) {
      await api.logOut().catch(() => null);
      toLogin(text("no_role", { roles: me.roles.join(", ") || "—" }), "error");
      return;
    }
    $("login-password").value = "";
    toMachine();
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    tokenForget();
    const known = ["invalid_credentials", "login_locked", "throttled", "offline"];
    say(known.includes(problem.code) ? text(problem.code) : problem.detail || text("server_error"), "error");
    focusField($("login-password").value ? $("login-password") : $("login-username"));
  }
}

async function logOut() {
  try {
    await api.logOut();
  } catch {
    // logged out on the device all the same; an unreachable server lets the token expire
  }
  store.forget("machine");
  toLogin(text("logged_out"));
}

// --- Machine -------------------------------------------------------------------------------------------------------

function toMachine(message = "") {
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

// --- Driver --------------------------------------------------------------------------------------------------------

function toDriver(queue) {
  show("driver");
  quiet();
  $("driver-machine").textContent = store.get("machine");
  state.current = null;
  render(queue);
}

function kindLabel(kind) {
  return TEXTS[`kind_${kind}`] || kind;
}

function showMove(move) {
  $("move-kind").textContent = kindLabel(move.kind);
  $("move-container").textContent = move.container;
  $("move-from").textContent = move.from || "—";
  $("move-to").textContent = move.to || "—";
}

/** Shows the queue: its first move large, ready for the scans. Keeps what was scanned while the first stays. */
function render(queue) {
  const [next, ...rest] = queue;
  const same = next && state.current && next.id === state.current.id;
  state.current = next || null;
  $("move-card").hidden = !next;
  $("confirm-form").hidden = !next;
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
    $("confirm-container").value = "";
    $("confirm-position").value = "";
    state.attempt = null;
    focusField($("confirm-container"));
  }
}

async function refresh() {
  if (state.busy || state.screen !== "driver") return;
  try {
    render(await api.queue(store.get("machine")));
  } catch (problem) {
    if (problem instanceof ApiProblem && problem.code === "equipment_not_found") {
      toMachine(text("equipment_not_found", { machine: store.get("machine") }));
    } else {
      problemShown(problem);
    }
  }
}

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
async function completionRefused(problem, move) {
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
        const fresh = await api.move(move.id);
        target = fresh.to || "";
        if (state.current && state.current.id === fresh.id) {
          state.current = { ...state.current, to: fresh.to };
          showMove(state.current);
        }
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
      if (!problemShown(problem)) focusField(expectedField());
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
  // The key is made when the button is pressed. Pressing again after a lost connection, with the same scans,
  // resends the same request under the same key: the server applies it at most once.
  const same = state.attempt && state.attempt.id === move.id && state.attempt.container === container
    && state.attempt.position === position;
  const attempt = same ? state.attempt : { id: move.id, container, position, key: uuid() };
  state.attempt = attempt;
  state.busy = true;
  $("confirm-button").disabled = true;
  say(text("sending"));
  try {
    const done = await api.complete(move.id, container, position, attempt.key);
    state.attempt = null;
    success();
    state.busy = false;
    state.current = null;
    await refresh();
    say(text("done", { container: done.container, position: done.position }), "ok");
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    if (problem.code !== "offline") state.attempt = null; // a refusal keeps no key: the next press is new
    await completionRefused(problem, move);
  } finally {
    state.busy = false;
    $("confirm-button").disabled = false;
  }
}

// --- Scanner input -------------------------------------------------------------------------------------------------

/** Enter means "next": the scanner ends every scan with it. */
function onEnter(field, next) {
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    next();
  });
}

/** A scan that arrives while no field has the focus goes to the field the screen expects. */
function captureStrayKeys(event) {
  const active = document.activeElement;
  if (active && ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(active.tagName)) return;
  if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
  const field = expectedField();
  if (field) field.focus(); // the key's character lands in the field now focused
}

function wire() {
  $("login-form").addEventListener("submit", logIn);
  onEnter($("login-username"), () => focusField($("login-password")));
  onEnter($("login-password"), () => focusField($("login-device")));
  onEnter($("login-device"), () => $("login-form").requestSubmit());
  $("machine-form").addEventListener("submit", chooseMachine);
  $("confirm-form").addEventListener("submit", confirm);
  onEnter($("confirm-container"), containerScanned);
  onEnter($("confirm-position"), () => $("confirm-form").requestSubmit());
  $("hh-logout").addEventListener("click", logOut);
  $("driver-change-machine").addEventListener("click", () => toMachine());
  document.addEventListener("keydown", captureStrayKeys);
}

function start() {
  wire();
  if (!token()) return toLogin();
  if (!store.get("machine")) return toMachine();
  show("driver");
  $("driver-machine").textContent = store.get("machine");
  refresh();
}

start();
