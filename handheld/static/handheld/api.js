// The scanner API as the handheld calls it: the device token on every request, problems as exceptions.

const TOKEN_KEY = "hh.token";

export const AUTH_CODES = new Set(["not_authenticated", "authentication_failed", "token_expired", "token_revoked"]);

/** A refusal from the API (problem+json) or a failure to reach it (code "offline"). */
export class ApiProblem extends Error {
  constructor(status, body) {
    super((body && body.detail) || (body && body.title) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.code) || (status === 0 ? "offline" : "server_error");
    this.detail = (body && body.detail) || "";
    this.body = body || {};
  }

  /** The token no longer works: the user must log in again. */
  get isAuth() {
    return this.status === 401 && AUTH_CODES.has(this.code);
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY);
}

export function tokenForget() {
  localStorage.removeItem(TOKEN_KEY);
}

export class Api {
  constructor(base) {
    this.base = base;
  }

  async request(method, path, { body, idempotencyKey, auth = true } = {}) {
    // Refusals come back in the language the page is shown in (the API follows Accept-Language).
    const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "en" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth && token()) headers.Authorization = `Token ${token()}`;
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", // the token is the only credential: no admin session rides along
        cache: "no-store",
      });
    } catch {
      throw new ApiProblem(0, null);
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) throw new ApiProblem(response.status, data);
    return data;
  }

  async logIn(username, password, device) {
    const answer = await this.request("POST", "auth/token/", { body: { username, password, device }, auth: false });
    localStorage.setItem(TOKEN_KEY, answer.token);
    return answer;
  }

  async logOut() {
    try {
      await this.request("DELETE", "auth/token/");
    } finally {
      tokenForget();
    }
  }

  me() {
    return this.request("GET", "auth/me/");
  }

  queue(machine) {
    return this.request("GET", `yard/moves/?equipment=${encodeURIComponent(machine)}`);
  }

  container(number) {
    return this.request("GET", `containers/${encodeURIComponent(number)}/`);
  }

  move(id) {
    return this.request("GET", `yard/moves/${id}/`);
  }

  complete(id, container, position, idempotencyKey) {
    return this.request("POST", `yard/moves/${id}/complete/`, { body: { container, position }, idempotencyKey });
  }
}
