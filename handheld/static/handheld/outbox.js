// The outbox: every write the handheld makes is kept on the device (IndexedDB) before it is sent, and sent in
// the order it was made. A write gets its Idempotency-Key when the button is pressed and keeps it through every
// retry, so a write whose answer was lost is applied once however often it is resent. Written scans survive a
// closed app, a reload without network and an expired log-in.

import { ApiProblem } from "./api.js";

const DB_NAME = "aktau-hh";
const STORE = "outbox";
const SENT_KEPT = 20; // the last sent writes stay listed, so the screen can show them as sent
const RETRY_MS = 10000;

// Codes that mean "not now" rather than "no": the write stays queued and is sent again later.
const TRANSIENT = new Set(["offline", "server_error", "lock_timeout", "throttled"]);

function request(idbRequest) {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result);
    idbRequest.onerror = () => reject(idbRequest.error);
  });
}

function openDatabase() {
  const opening = indexedDB.open(DB_NAME, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
  return request(opening);
}

export class Outbox {
  /**
   * @param api the Api the writes go through
   * @param user a function giving the logged-in user's name: only that user's writes are sent (keys are per user)
   */
  constructor(api, user) {
    this.api = api;
    this.user = user;
    this.database = openDatabase();
    this.flushing = null;
    this.again = null;
    this.listeners = new Set();
    window.addEventListener("online", () => this.flush());
    setInterval(() => this.flush(), RETRY_MS);
  }

  /** Calls back on every change: (entries, event) where event is "change" or "auth" (the token stopped working). */
  listen(callback) {
    this.listeners.add(callback);
  }

  async emit(event = "change") {
    const entries = await this.entries();
    for (const callback of this.listeners) callback(entries, event);
  }

  async transaction(mode, work) {
    const database = await this.database;
    const store = database.transaction(STORE, mode).objectStore(STORE);
    return request(work(store));
  }

  /** The current user's writes, oldest first. */
  async entries() {
    const all = await this.transaction("readonly", (store) => store.getAll());
    return all.filter((entry) => entry.user === this.user());
  }

  async get(seq) {
    return this.transaction("readonly", (store) => store.get(seq));
  }

  async put(entry) {
    return this.transaction("readwrite", (store) => store.put(entry));
  }

  async remove(seq) {
    await this.transaction("readwrite", (store) => store.delete(seq));
    await this.emit();
  }

  /**
   * Keeps a write and sends it after every earlier one.
   * @param write {method, path, body, key, label, ref}: key is the Idempotency-Key made when the button was pressed;
   *   label says what it is on the screen; ref is what it concerns (a move's id), for the screens.
   * @returns the entry once answered or left queued: status "sent" (with answer), "refused" (with problem),
   *   or "queued" (not sent now: no network, or the log-in must be renewed first).
   */
  async submit(write) {
    const entry = { ...write, user: this.user(), status: "queued", made: Date.now() };
    entry.seq = await this.transaction("readwrite", (store) => store.add(entry));
    await this.emit();
    await this.flush();
    const answered = await this.get(entry.seq);
    return answered || entry;
  }

  /** Sends the queued writes in order; one flush at a time. Resolves when it stops (all sent, or not now). */
  flush() {
    if (this.flushing) {
      // The running flush may have looked for queued writes before the latest was added, and would leave it
      // queued until the next retry: one more pass after it, shared by everyone who asks meanwhile.
      const after = this.flushing.catch(() => undefined); // its own caller hears how it failed
      this.again ??= after.then(() => {
        this.again = null;
        return this.flush();
      });
      return this.again;
    }
    this.flushing = this.sendQueued().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  async sendQueued() {
    if (!this.user()) return;
    for (;;) {
      const next = (await this.entries()).find((entry) => entry.status === "queued");
      if (!next) break;
      let answer;
      try {
        answer = await this.api.request(next.method, next.path, { body: next.body, idempotencyKey: next.key });
      } catch (problem) {
        if (!(problem instanceof ApiProblem)) throw problem;
        if (problem.isAuth) {
          await this.emit("auth");
          return; // kept, with its key, until the same user logs in again
        }
        if (TRANSIENT.has(problem.code) || problem.status >= 500) return;
        // A 400 `invalid` names its fields (`errors`): kept, so the fix can point at the field to put right.
        const errors = problem.body.errors || null;
        const refused = { code: problem.code, detail: problem.detail, errors, httpStatus: problem.status };
        await this.put({ ...next, ...refused, status: "refused", answered: Date.now() });
        await this.emit();
        continue;
      }
      await this.put({ ...next, status: "sent", answer, answered: Date.now() });
      await this.prune();
      await this.emit();
    }
  }

  /** Forgets all but the last sent writes: the device keeps what is still to send or to fix. */
  async prune() {
    const sent = (await this.entries()).filter((entry) => entry.status === "sent");
    for (const old of sent.slice(0, Math.max(0, sent.length - SENT_KEPT))) {
      await this.transaction("readwrite", (store) => store.delete(old.seq));
    }
  }
}

/** The refusal kept with a refused write, as the screens explain it. */
export function entryProblem(entry) {
  return new ApiProblem(entry.httpStatus || 409, { code: entry.code, detail: entry.detail, errors: entry.errors });
}
