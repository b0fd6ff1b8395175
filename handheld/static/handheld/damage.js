// The "Damaged" tick and its note, as the train check-in and the vessel tally both ask them: `prefix`-damaged,
// `prefix`-damage-note (shown when ticked) and `prefix`-damage in the page.

import { $, focusField, onEnter, say, text } from "./core.js";

/** Ticking shows the note and puts the cursor in it; Enter in the note sends the form (`send`). */
export function wireDamage(prefix, send) {
  const ticked = $(`${prefix}-damaged`);
  ticked.addEventListener("change", () => {
    $(`${prefix}-damage-note`).hidden = !ticked.checked;
    if (ticked.checked) focusField($(`${prefix}-damage`));
  });
  onEnter($(`${prefix}-damage`), send);
}

/** Sets the tick and the note ("" clears both). */
export function damageSet(prefix, note = "") {
  $(`${prefix}-damaged`).checked = Boolean(note);
  $(`${prefix}-damage`).value = note;
  $(`${prefix}-damage-note`).hidden = !note;
}

/** The note to send ("" when not ticked), or null after asking for one: ticked with no words is not a note. */
export function damageNote(prefix) {
  if (!$(`${prefix}-damaged`).checked) return "";
  const note = $(`${prefix}-damage`).value.trim();
  if (note) return note;
  say(text("damage_note_required"), "error");
  focusField($(`${prefix}-damage`));
  return null;
}
