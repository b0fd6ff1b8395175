// The clerk's screens: a menu of the clerk's jobs (gate-in, train check-in, vessel tally: gate.js, train.js,
// tally.js) and the container look-up (status, position, holds).

import { ApiProblem } from "./api.js";
import { $, api, compact, focusField, onEnter, problemShown, quiet, say, show, text, ui } from "./core.js";
import { toMachine } from "./driver.js";
import { toGate, wireGate } from "./gate.js";
import { toTally, wireTally } from "./tally.js";
import { toTrain, wireTrain } from "./train.js";

export function toClerk(message = "") {
  show("clerk");
  say(message);
  focusField($("clerk-menu").querySelector("button"));
}

function toLookup() {
  show("lookup");
  quiet();
  $("lookup-container").value = "";
  $("lookup-result").hidden = true;
  focusField($("lookup-container"));
}

function row(term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  return [dt, dd];
}

function showContainer(found) {
  const visit = found.visit || {};
  const rows = [
    row(text("container"), found.number),
    row(text("iso_type"), found.iso_type),
    row(text("status"), text(`container_status_${found.status}`)),
    row(text("position"), found.position || "—"),
  ];
  if (found.visit) {
    rows.push(row(text("category"), visit.category || "—"));
    rows.push(row(text("arrived"), visit.inbound_carrier || "—"));
    rows.push(row(text("leaves"), visit.outbound_carrier || visit.destination || "—"));
  }
  const goods = (found.dangerous_goods || []).map((line) => `UN ${line.un_number} · ${line.class}`);
  if (goods.length) rows.push(row(text("dangerous_goods"), goods.join(", ")));
  $("lookup-facts").replaceChildren(...rows.flat());
  const holds = found.holds || [];
  $("lookup-holds").replaceChildren(
    ...holds.map((hold) => {
      const item = document.createElement("li");
      item.textContent = `${hold.reference} · ${hold.authority} · ${hold.kind}${hold.reason ? ` — ${hold.reason}` : ""}`;
      return item;
    }),
  );
  $("lookup-no-holds").hidden = holds.length > 0;
  $("lookup-result").hidden = false;
}

async function lookUp(event) {
  event.preventDefault();
  const number = compact($("lookup-container").value);
  if (!number) {
    say(text("scan_container"), "error");
    return focusField($("lookup-container"));
  }
  say(text("looking_up"));
  try {
    showContainer(await api.container(number));
    quiet();
  } catch (problem) {
    $("lookup-result").hidden = true;
    if (problem instanceof ApiProblem && ["container_not_found", "invalid_container_number"].includes(problem.code)) {
      say(problem.code === "container_not_found" ? text("container_not_found", { number }) : problem.detail, "error");
    } else {
      problemShown(problem);
    }
  }
  focusField($("lookup-container"));
}

export function wireClerk() {
  ui.screens.clerk = { expects: () => null };
  ui.screens.lookup = { expects: () => $("lookup-container") };
  $("clerk-gate").addEventListener("click", () => toGate());
  $("clerk-train").addEventListener("click", () => toTrain());
  $("clerk-tally").addEventListener("click", () => toTally());
  $("clerk-lookup").addEventListener("click", toLookup);
  $("clerk-drive").addEventListener("click", () => toMachine());
  for (const back of document.querySelectorAll("[data-back='clerk']")) back.addEventListener("click", () => toClerk());
  $("lookup-form").addEventListener("submit", lookUp);
  onEnter($("lookup-container"), () => $("lookup-form").requestSubmit());
  wireGate();
  wireTrain();
  wireTally();
}
