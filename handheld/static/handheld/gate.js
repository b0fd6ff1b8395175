// The clerk's gate-in: the truck, the container, its type, freight, category, weight, seal and dangerous goods
// lines; the place the API allocates is shown large for the truck driver. Checked on the device before it is
// sent; without network it waits in the outbox, and the place is shown once it is sent.

import { ApiProblem } from "./api.js";
import {
  $,
  compact,
  focusField,
  onEnter,
  outbox,
  problemShown,
  quiet,
  say,
  show,
  text,
  ui,
  uuid,
  write,
} from "./core.js";
import { success } from "./feedback.js";
import { entryProblem } from "./outbox.js";

const state = { busy: false, waiting: null, lines: 0 };

// --- Checks made on the device -------------------------------------------------------------------------------------

/** ISO 6346 letter values: A = 10, skipping the multiples of 11. */
const LETTER_VALUES = (() => {
  const values = {};
  let value = 10;
  for (const letter of "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
    if (value % 11 === 0) value += 1;
    values[letter] = value;
    value += 1;
  }
  return values;
})();

/** What is wrong with a container number (compact form), as the clerk should hear it; "" when it is right. */
export function containerProblem(number) {
  if (!/^[A-Z]{3}[UJZ]\d{7}$/.test(number)) return text("container_number_form", { number: number || "—" });
  let sum = 0;
  for (let index = 0; index < 10; index += 1) {
    const character = number[index];
    sum += (index < 4 ? LETTER_VALUES[character] : Number(character)) * 2 ** index;
  }
  const digit = (sum % 11) % 10;
  return String(digit) === number[10] ? "" : text("container_check_digit", { number, digit });
}

const EMS = /^F-[A-J], ?S-[A-Z]$/;
const DG_CLASS = /^[1-9](\.[1-6])?[A-S]?$/;

function lineFields(fieldset) {
  const field = (name) => fieldset.querySelector(`[data-field="${name}"]`);
  return {
    un: field("un_number"),
    dgClass: field("class"),
    group: field("packing_group"),
    mass: field("net_mass_kg"),
    limited: field("limited_quantity"),
    ems: field("ems"),
  };
}

/** The DG lines as the API takes them, or {problem, field} for the first one that is not right. */
function dangerousGoods() {
  const lines = [];
  const fieldsets = [...$("gate-dg-lines").querySelectorAll(".dg-line")];
  for (const [index, fieldset] of fieldsets.entries()) {
    const line = index + 1;
    const { un, dgClass, group, mass, limited, ems } = lineFields(fieldset);
    const unNumber = un.value.toUpperCase().replace(/^UN/, "").replace(/\s/g, "");
    if (!/^\d{4}$/.test(unNumber)) return { problem: text("dg_un_invalid", { line }), field: un };
    const dgClassValue = dgClass.value.trim().toUpperCase();
    if (!DG_CLASS.test(dgClassValue)) return { problem: text("dg_class_invalid", { line }), field: dgClass };
    const entry = { un_number: unNumber, class: dgClassValue };
    if (group.value) entry.packing_group = group.value;
    const massValue = mass.value.trim().replace(",", ".");
    if (massValue) {
      if (!/^\d+(\.\d{1,2})?$/.test(massValue) || Number(massValue) <= 0) {
        return { problem: text("dg_mass_invalid", { line }), field: mass };
      }
      entry.net_mass_kg = massValue;
    }
    if (limited.checked) entry.limited_quantity = true;
    const emsValue = ems.value.trim().toUpperCase();
    if (emsValue) {
      if (!EMS.test(emsValue)) return { problem: text("dg_ems_invalid", { line }), field: ems };
      entry.ems = emsValue;
    }
    lines.push(entry);
  }
  return { lines };
}

/** The request's body, or {problem, field} for the first thing to put right. */
function gateBody() {
  const truck = $("gate-truck").value.trim().toUpperCase();
  if (!truck) return { problem: text("truck_required"), field: $("gate-truck") };
  const container = compact($("gate-container").value);
  if (!container) return { problem: text("scan_container"), field: $("gate-container") };
  const wrong = containerProblem(container);
  if (wrong) return { problem: wrong, field: $("gate-container") };
  const isoType = compact($("gate-iso").value);
  if (!/^[0-9A-Z]{4}$/.test(isoType)) return { problem: text("iso_type_required"), field: $("gate-iso") };
  const body = { container, iso_type: isoType, freight_kind: $("gate-freight").value, truck };
  body.category = $("gate-category").value;
  const gross = $("gate-gross").value.trim().replace(/[\s.,]/g, "");
  if (gross) {
    if (!/^\d+$/.test(gross) || Number(gross) < 1000 || Number(gross) > 50000) {
      return { problem: text("gross_invalid"), field: $("gate-gross") };
    }
    body.gross_kg = Number(gross);
  }
  const seal = $("gate-seal").value.trim().toUpperCase();
  if (seal) body.seal = seal;
  const goods = dangerousGoods();
  if (goods.problem) return goods;
  if (goods.lines.length) body.dangerous_goods = goods.lines;
  return { body };
}

// --- The form ------------------------------------------------------------------------------------------------------

function renumberLines() {
  const fieldsets = [...$("gate-dg-lines").querySelectorAll(".dg-line")];
  for (const [index, fieldset] of fieldsets.entries()) {
    fieldset.querySelector("legend").textContent = text("dg_line", { line: index + 1 });
  }
}

/** A new DG line from the page's template (its labels translated there), optionally filled. */
function addLine(values = null) {
  state.lines += 1;
  const fieldset = $("gate-dg-template").content.firstElementChild.cloneNode(true);
  for (const label of fieldset.querySelectorAll("label[for]")) {
    const field = fieldset.querySelector(`#${label.htmlFor}`);
    const id = `${label.htmlFor}-${state.lines}`;
    field.id = id;
    label.htmlFor = id;
  }
  fieldset.querySelector("[data-remove]").addEventListener("click", () => {
    fieldset.remove();
    renumberLines();
    focusField($("gate-dg-add"));
  });
  const fields = lineFields(fieldset);
  if (values) {
    fields.un.value = values.un_number || "";
    fields.dgClass.value = values.class || "";
    fields.group.value = values.packing_group || "";
    fields.mass.value = values.net_mass_kg || "";
    fields.limited.checked = Boolean(values.limited_quantity);
    fields.ems.value = values.ems || "";
  }
  $("gate-dg-lines").append(fieldset);
  renumberLines();
  return fields.un;
}

function categoryFollowsFreight() {
  // The API's default: export for a full box, empty for an empty one. A category the clerk chose stays.
  const category = $("gate-category");
  if (category.dataset.chosen) return;
  category.value = $("gate-freight").value === "empty" ? "empty" : "export";
}

function formFill(body = {}) {
  $("gate-truck").value = body.truck || "";
  $("gate-container").value = body.container || "";
  $("gate-iso").value = body.iso_type || "";
  $("gate-freight").value = body.freight_kind || "full";
  delete $("gate-category").dataset.chosen;
  categoryFollowsFreight();
  if (body.category) $("gate-category").value = body.category;
  $("gate-gross").value = body.gross_kg ? String(body.gross_kg) : "";
  $("gate-seal").value = body.seal || "";
  $("gate-dg-lines").replaceChildren();
  for (const line of body.dangerous_goods || []) addLine(line);
}

function gateExpects() {
  if (!$("gate-result").hidden) return null;
  for (const id of ["gate-truck", "gate-container", "gate-iso"]) if (!$(id).value.trim()) return $(id);
  return $("gate-seal").value.trim() ? null : $("gate-seal");
}

/** Opens the gate-in, empty for the next truck, or filled (a refused gate-in to fix). */
export function toGate(body = null) {
  show("gate");
  quiet();
  window.scrollTo(0, 0); // from the outbox list below: the message and the form's top in sight
  state.waiting = null;
  $("gate-result").hidden = true;
  $("gate-form").hidden = false;
  formFill(body || {});
  focusField(gateExpects() || $("gate-container"));
}

// --- The answer ----------------------------------------------------------------------------------------------------

function showPlace(container, position, note = "") {
  $("gate-form").hidden = true;
  $("gate-result").hidden = false;
  $("gate-result-container").textContent = container;
  $("gate-result-to").textContent = position || "—";
  $("gate-result-note").textContent = note;
  focusField($("gate-next"));
}

function answered(answer) {
  const position = answer.move && answer.move.to;
  showPlace(answer.container, position);
  if (position) say(text("gated_in", { container: answer.container, position }), "ok");
  else say(text("gate_no_place", { container: answer.container }), "error");
}

/** The form's input the API named in a 400 `invalid` (e.g. `gross_kg`, `dangerous_goods.0.net_mass_kg`). */
function gateInput(name) {
  const [field, index, key] = name.split(".");
  if (field !== "dangerous_goods") return $("gate-form").querySelector(`[name="${field}"]`);
  const line = $("gate-dg-lines").querySelectorAll(".dg-line")[Number(index)];
  return line ? line.querySelector(`[data-field="${key}"]`) || line.querySelector("input") : null;
}

/** The first field the API refused, with its words: {input, words}, or null if it names none on this form. */
function fieldRefused(problem) {
  for (const [name, messages] of Object.entries(problem.body.errors || {})) {
    const input = gateInput(name);
    if (!input) continue;
    const label = input.labels && input.labels.length ? input.labels[0].textContent.trim() : name;
    const line = input.closest(".dg-line");
    const field = line ? `${line.querySelector("legend").textContent} · ${label}` : label;
    return { input, words: text("field_refused", { field, message: [].concat(messages).join(" ") }) };
  }
  return null;
}

/** What to say and which field to put right when the API refuses a gate-in. */
function gateRefused(problem, body) {
  const named = problem.code === "invalid" ? fieldRefused(problem) : null;
  if (named) {
    say(named.words, "error");
    return focusField(named.input);
  }
  const field = {
    invalid_container_number: $("gate-container"),
    container_already_in_terminal: $("gate-container"),
    invalid_iso_type: $("gate-iso"),
    dg_line_invalid: $("gate-dg-lines").querySelector("input") || $("gate-dg-add"),
    dg_not_admitted: $("gate-dg-lines").querySelector("input") || $("gate-dg-add"),
  }[problem.code];
  const words = {
    invalid_container_number: () => text("invalid_container_number", { detail: problem.detail }),
    container_already_in_terminal: () => text("container_already_in_terminal", { container: body.container }),
    no_slot_available: () => text("no_slot_available", { container: body.container }),
    invalid_iso_type: () => text("invalid_iso_type", { iso_type: body.iso_type }),
    dg_line_invalid: () => text("dg_line_invalid", { detail: problem.detail }),
    dg_not_admitted: () => text("dg_not_admitted", { detail: problem.detail }),
    invalid: () => text("fields_invalid"),
  }[problem.code];
  if (!words) {
    if (!problemShown(problem)) focusField($("gate-button"));
    return;
  }
  say(words(), "error");
  focusField(field || $("gate-button"));
}

async function gateIn(event) {
  event.preventDefault();
  if (state.busy) return;
  const { body, problem, field } = gateBody();
  if (problem) {
    say(problem, "error");
    return focusField(field);
  }
  const label = text("gate_label", { container: body.container, truck: body.truck });
  const ref = uuid(); // this gate-in's own mark in the outbox: its answer is shown here when it is sent later
  state.busy = true;
  $("gate-button").disabled = true;
  say(text("sending"));
  try {
    const answer = await write("POST", "yard/gate-in/", body, { label, kind: "gate_in", ref });
    if (ui.screen !== "gate") return; // the log-in ran out meanwhile: the gate-in waits in the outbox
    if (answer === null) {
      state.waiting = ref;
      showPlace(body.container, "", text("gate_waiting"));
      say(text("queued", { label }), "info");
      return;
    }
    success();
    answered(answer);
  } catch (refused) {
    if (!(refused instanceof ApiProblem)) throw refused;
    gateRefused(refused, body);
  } finally {
    state.busy = false;
    $("gate-button").disabled = false;
  }
}

/** A gate-in kept on the device and sent later: its place is shown if the clerk is still on its card. */
function outboxChanged(entries) {
  if (ui.screen !== "gate" || !state.waiting) return;
  const entry = entries.find((item) => item.ref === state.waiting);
  if (!entry || entry.status === "queued") return;
  state.waiting = null;
  if (entry.status === "sent") answered(entry.answer);
  else $("gate-result-note").textContent = "";
}

/** Fixing a refused gate-in from the outbox list: the form again, filled with what was sent, and why it was refused. */
function fixGateIn(entry) {
  toGate(entry.body);
  window.scrollTo(0, 0); // the refusal's words in sight, above the field to put right
  gateRefused(entryProblem(entry), entry.body);
}

export function wireGate() {
  ui.screens.gate = { expects: gateExpects };
  ui.fixers.gate_in = fixGateIn;
  $("gate-form").addEventListener("submit", gateIn);
  $("gate-next").addEventListener("click", () => toGate());
  $("gate-dg-add").addEventListener("click", () => focusField(addLine()));
  $("gate-freight").addEventListener("change", categoryFollowsFreight);
  $("gate-category").addEventListener("change", () => {
    $("gate-category").dataset.chosen = "yes";
  });
  onEnter($("gate-truck"), () => focusField($("gate-container")));
  onEnter($("gate-container"), () => {
    const number = compact($("gate-container").value);
    const wrong = number ? containerProblem(number) : text("scan_container");
    if (wrong) {
      say(wrong, "error");
      return focusField($("gate-container"));
    }
    quiet();
    focusField($("gate-iso"));
  });
  onEnter($("gate-iso"), () => focusField($("gate-gross"))); // freight and category are tapped: full, export first
  onEnter($("gate-gross"), () => focusField($("gate-seal")));
  // The seal's Enter does not send: the DG lines come after it, and a box must not go in without them.
  onEnter($("gate-seal"), () => focusField($("gate-button")));
  outbox.listen(outboxChanged);
}
