// The handheld's shell: log-in and log-out, the screen for the user's role, the list of scans kept on the device
// (queued, sent or refused, with a way to fix a refused one), and the service worker that opens the app offline.
// Everything goes through the scanner API; the page's wording comes from the server (the hh-texts block).

import { ApiProblem, token, tokenForget } from "./api.js";
import { wireClerk, toClerk } from "./clerk.js";
import {
  $,
  api,
  expectedField,
  focusField,
  onEnter,
  outbox,
  say,
  session,
  show,
  store,
  text,
  ui,
} from "./core.js";
import { toDriver, toMachine, wireDriver } from "./driver.js";

const DRIVER_ROLES = ["driver"];
const CLERK_ROLES = ["yard_clerk", "operator"];

// --- Log-in and log-out --------------------------------------------------------------------------------------------

function toLogin(message = "", kind = "info") {
  tokenForget();
  show("login");
  $("login-username").value = store.get("username");
  $("login-password").value = "";
  $("login-device").value = store.get("device");
  say(message, kind);
  focusField(expectedField());
}

/** The first screen for the user's roles: a clerk's menu, or a driver's machine. */
function home() {
  const roles = store.getJson("roles", []);
  if (roles.some((role) => CLERK_ROLES.includes(role))) return toClerk();
  if (!store.get("machine")) return toMachine();
  return toDriver();
}

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
    if (me.username !== store.get("username")) store.forget("machine");
    store.set("username", me.username);
    store.set("device", device);
    store.setJson("roles", me.roles);
    if (!me.roles.some((role) => [...DRIVER_ROLES, ...CLERK_ROLES].includes(role))) {
      await api.logOut().catch(() => null);
      toLogin(text("no_role", { roles: me.roles.join(", ") || "—" }), "error");
      return;
    }
    $("login-password").value = "";
    home();
    outbox.flush(); // what waited for this log-in goes now
  } catch (problem) {
    if (!(problem instanceof ApiProblem)) throw problem;
    tokenForget();
    const known = ["invalid_credentials", "login_locked", "throttled", "offline"];
    say(known.includes(problem.code) ? text(problem.code) : problem.detail || text("server_error"), "error");
    focusField($("login-password").value ? $("login-password") : $("login-username"));
  }
}

async function logOut() {
  const waiting = (await outbox.entries()).filter((entry) => entry.status === "queued").length;
  if (waiting && !window.confirm(text("logout_waiting", { count: waiting }))) return;
  try {
    await api.logOut();
  } catch {
    // logged out on the device all the same; an unreachable server lets the token expire
  }
  store.forget("machine");
  store.forget("queue");
  toLogin(text("logged_out"));
}

// --- The scans kept on the device ----------------------------------------------------------------------------------

const STATUS_TEXT = { queued: "status_queued", sent: "status_sent", refused: "status_refused" };

function outboxItem(entry) {
  const item = document.createElement("li");
  item.dataset.status = entry.status;
  item.dataset.seq = entry.seq;
  const what = document.createElement("span");
  what.className = "what";
  what.textContent = entry.label || entry.path;
  const status = document.createElement("span");
  status.className = "status";
  status.textContent = text(STATUS_TEXT[entry.status]);
  item.append(what, status);
  if (entry.status !== "refused") return item;
  const why = document.createElement("p");
  why.className = "why";
  why.textContent = entry.detail || entry.code;
  const fix = document.createElement("button");
  fix.type = "button";
  fix.className = "secondary";
  fix.textContent = text("fix");
  fix.addEventListener("click", async () => {
    await outbox.remove(entry.seq);
    (ui.fixers[entry.kind] || (() => home()))(entry);
  });
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "secondary";
  dismiss.textContent = text("dismiss");
  dismiss.addEventListener("click", () => outbox.remove(entry.seq));
  item.append(why, fix, dismiss);
  return item;
}

const refusedSeen = new Set();

function outboxShown(entries, event) {
  if (event === "auth" && ui.screen !== "login") toLogin(text("token_expired_kept"), "error");
  // A scan refused after it waited (the user had moved on) is announced once, with sound, not only listed.
  const newlyRefused = entries.filter((entry) => entry.status === "refused" && !refusedSeen.has(entry.seq));
  for (const entry of newlyRefused) refusedSeen.add(entry.seq);
  if (newlyRefused.length && ui.screen !== "login") say(text("refused_waiting", { label: newlyRefused[0].label }), "error");
  const recent = [...entries].reverse(); // newest first: the scan just made is on top
  $("outbox-list").replaceChildren(...recent.map(outboxItem));
  const queued = entries.filter((entry) => entry.status === "queued").length;
  const refused = entries.filter((entry) => entry.status === "refused").length;
  $("outbox-summary").textContent = text("outbox_summary", { queued, refused });
  $("outbox").classList.toggle("attention", refused > 0);
  $("outbox").hidden = entries.length === 0;
  $("hh-net").hidden = navigator.onLine && !queued;
  $("hh-net").textContent = navigator.onLine ? text("queued_count", { count: queued }) : text("offline_short");
}

// --- Scanner input and start ---------------------------------------------------------------------------------------

/** A scan that arrives while no field has the focus goes to the field the screen expects. */
function captureStrayKeys(event) {
  const active = document.activeElement;
  if (active && ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(active.tagName)) return;
  if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
  const field = expectedField();
  if (field) field.focus(); // the key's character lands in the field now focused
}

/** The device's language: kept in Django's language cookie (which serves the page in it), then the page again. */
function languageChosen() {
  const year = 365 * 24 * 3600;
  document.cookie = `django_language=${$("login-language").value}; path=/; max-age=${year}; SameSite=Lax`;
  window.location.reload();
}

function wire() {
  session.toLogin = toLogin;
  ui.screens.login = {
    expects: () => ($("login-username").value ? $("login-password") : $("login-username")),
  };
  $("login-form").addEventListener("submit", logIn);
  $("login-language").addEventListener("change", languageChosen);
  onEnter($("login-username"), () => focusField($("login-password")));
  onEnter($("login-password"), () => focusField($("login-device")));
  onEnter($("login-device"), () => $("login-form").requestSubmit());
  $("hh-logout").addEventListener("click", logOut);
  document.addEventListener("keydown", captureStrayKeys);
  outbox.listen(outboxShown);
  const network = () => outbox.emit();
  window.addEventListener("online", network);
  window.addEventListener("offline", network);
  wireDriver();
  wireClerk();
}

async function start() {
  wire();
  if ("serviceWorker" in navigator && document.body.dataset.worker) {
    // Opens the app without network next time; a failure here only means it needs the network to open.
    navigator.serviceWorker.register(document.body.dataset.worker, { scope: document.body.dataset.scope }).catch(() => null);
  }
  await outbox.emit();
  if (!token()) return toLogin();
  home();
  outbox.flush();
}

start();
