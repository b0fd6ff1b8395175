// What every screen of the handheld shares: the server's wording, the message line, screens, scanner input,
// the API and the outbox. The screens (driver.js, clerk.js) and the shell (app.js) build on it.

import { Api, ApiProblem, tokenForget } from "./api.js";
import { entryProblem, Outbox } from "./outbox.js";
import { refusal } from "./feedback.js";

export const TEXTS = JSON.parse(document.getElementById("hh-texts").textContent);
export const api = new Api(document.body.dataset.api);

export const store = {
  get: (key) => localStorage.getItem(`hh.${key}`) || "",
  set: (key, value) => localStorage.setItem(`hh.${key}`, value),
  forget: (key) => localStorage.removeItem(`hh.${key}`),
  getJson: (key, fallback) => {
    try {
      return JSON.parse(localStorage.getItem(`hh.${key}`)) ?? fallback;
    } catch {
      return fallback;
    }
  },
  setJson: (key, value) => localStorage.setItem(`hh.${key}`, JSON.stringify(value)),
};

export const outbox = new Outbox(api, () => store.get("username"));

export const $ = (id) => document.getElementById(id);

/** The screen on show and what its scanner input expects; screens register themselves here. */
export const ui = { screen: null, screens: {}, fixers: {} };

export function text(key, params = {}) {
  return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** The container number as the API compares it: upper case, without spaces or hyphens. */
export function compact(number) {
  return number.toUpperCase().replace(/[\s-]/g, "");
}

/** A new Idempotency-Key, made when a button is pressed. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs https; this does not
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function say(message, kind = "info") {
  const box = $("hh-message");
  box.textContent = message;
  box.className = `message ${kind}`;
  box.hidden = !message;
  if (kind === "error") refusal();
}

export function quiet() {
  say("");
}

export function focusField(field) {
  if (!field) return;
  field.focus();
  if (field.select) field.select();
  field.scrollIntoView({ block: "nearest" }); // a long message must not hide the field the scan goes to
}

/**
 * Shows one screen. A screen registered in ui.screens may have enter() (called on show), leave() and expects()
 * (the field a scan goes to).
 */
export function show(screen) {
  const before = ui.screens[ui.screen];
  if (before && before.leave && ui.screen !== screen) before.leave();
  ui.screen = screen;
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${screen}`;
  const loggedIn = screen !== "login";
  $("hh-logout").hidden = !loggedIn;
  $("hh-who").textContent = loggedIn ? [store.get("username"), store.get("device")].filter(Boolean).join(" · ") : "";
}

export function expectedField() {
  const current = ui.screens[ui.screen];
  return current && current.expects ? current.expects() : null;
}

/** Enter means "next": the scanner ends every scan with it. */
export function onEnter(field, next) {
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    next();
  });
}

/** Sends the user to log-in; set by the shell (app.js). */
export const session = { toLogin: () => {} };

/** A refusal the screen cannot handle itself. Returns true when it ended the session. */
export function problemShown(problem) {
  if (!(problem instanceof ApiProblem)) throw problem;
  if (problem.isAuth) {
    tokenForget();
    session.toLogin(text(problem.code), "error");
    return true;
  }
  if (problem.code === "offline" || problem.code === "permission_denied") say(text(problem.code), "error");
  else if (problem.status >= 500) say(text("server_error"), "error");
  else say(problem.detail || text("server_error"), "error");
  return false;
}

/**
 * Sends a write through the outbox and says what became of it: sent (returns the answer), refused now (throws the
 * ApiProblem, removed from the outbox: the user sees it on the spot), or kept to send later (returns null).
 */
export async function write(method, path, body, { label, kind, ref, extra } = {}) {
  const entry = await outbox.submit({ method, path, body, key: uuid(), label, kind, ref, extra });
  if (entry.status === "sent") return entry.answer;
  if (entry.status === "refused") {
    await outbox.remove(entry.seq);
    throw entryProblem(entry);
  }
  return null;
}
