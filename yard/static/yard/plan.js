// The yard plan: draws the terminal to scale from the layout the page carries (metres; y runs north, so the
// drawing uses -y), colours every stack from the server's answer and asks again every few seconds while the page
// is visible. No inline code or styles: the content security policy forbids them, so everything here sets
// attributes and classes only, and builds text with textContent.

const SVG_NS = "http://www.w3.org/2000/svg";
const DETAIL_PX_PER_M = 4; // bay and row numbers show from this zoom on
const MARGIN_M = 25;

function svgAdd(parent, tag, attributes = {}, text = null) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== null) element.textContent = text;
  parent.appendChild(element);
  return element;
}

function htmlAdd(parent, tag, attributes = {}, text = null) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== null) element.textContent = text;
  parent.appendChild(element);
  return element;
}

const pad2 = (n) => String(n).padStart(2, "0");
const positionOf = (block, bay, row) => `${block}-${pad2(bay)}-${pad2(row)}`;
const pointsAttribute = (points) => points.map(([x, y]) => `${x},${-y}`).join(" ");

// The page's words, translated on the server (yard.admin._plan_texts): whole phrases with {name} placeholders.
const TEXTS = JSON.parse(document.getElementById("plan-texts")?.textContent || "{}");
function text(key, params = {}) {
  return (TEXTS[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function planStart(config, layout) {
  const urls = config.dataset; // the URLs the script asks (its words are in TEXTS)
  const svg = document.getElementById("plan-svg");
  const slot = layout.slot;
  const FLAGS = layout.flags;
  const blocks = new Map(layout.blocks.map((block) => [block.code, block]));
  const cells = new Map(); // "A-01-01" -> rect
  const marks = new Map(); // block code -> <g> of hold and reefer marks
  const titles = new Map(); // block code -> {used tspan, badge}
  const state = { view: null, stacks: new Map(), selected: null, found: null, foundNumber: "", request: null };

  // ---- Drawing ------------------------------------------------------------------------------------------------
  const ground = svgAdd(svg, "g", { class: "ground" });
  const blockLayer = svgAdd(svg, "g", { class: "blocks" });
  const overlay = svgAdd(svg, "g", { class: "overlay" });

  for (const water of layout.water) {
    svgAdd(ground, "polygon", { class: "water", points: pointsAttribute(water.outline) });
    const [x, y] = water.outline.reduce(([sx, sy], [px, py]) => [sx + px / water.outline.length, sy + py / water.outline.length], [0, 0]);
    svgAdd(ground, "text", { class: "water-label", x, y: -y, "data-px": 13, "text-anchor": "middle",
      transform: `rotate(-90 ${x} ${-y})` }, water.name);
  }
  if (layout.boundary.length) svgAdd(ground, "polygon", { class: "terrain", points: pointsAttribute(layout.boundary) });
  for (const road of layout.roads) {
    const points = pointsAttribute(road.line);
    svgAdd(ground, "polyline", { class: "road", points, "stroke-width": road.width }).appendChild(titleOf(road.name));
    svgAdd(ground, "polyline", { class: "road-centre", points });
  }
  for (const track of layout.rail_lines) {
    svgAdd(ground, "polyline", { class: "track-bed", points: pointsAttribute(track.line) });
    for (const side of [-1, 1]) {
      // the two rails, half the gauge either side of the centre line (tracks run along x)
      svgAdd(ground, "polyline", { class: "rail", points: pointsAttribute(track.line.map(([x, y]) => [x, y + (side * track.gauge) / 2])) });
    }
    const [x, y] = track.line[0];
    svgAdd(ground, "text", { class: "track-label grid-label", x: x - 2, y: -y + 0.9, "font-size": 2.6, "text-anchor": "end" }, track.code);
  }
  if (layout.rail_lines.length) {
    // One name for the lines together, readable at any zoom, above the northernmost track's east end.
    const ends = layout.rail_lines.map((track) => track.line[track.line.length - 1]);
    const [x, y] = ends.reduce((north, end) => (end[1] > north[1] ? end : north));
    const gauge = Math.round(layout.rail_lines[0].gauge * 1000);
    svgAdd(ground, "text", { class: "track-label", x, y: -y - 4, "data-px": 11, "text-anchor": "end" },
      text("rail_lines", { lines: layout.rail_lines.map((track) => track.code).join(" · "), gauge }));
  }
  for (const quay of layout.quays) {
    const points = pointsAttribute(quay.line);
    svgAdd(ground, "polyline", { class: "berth", points });
    svgAdd(ground, "polyline", { class: "quay", points });
    const [[x1, y1], [x2, y2]] = [quay.line[0], quay.line[quay.line.length - 1]];
    const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
    const angle = (Math.atan2(-(y2 - y1), x2 - x1) * 180) / Math.PI;
    svgAdd(ground, "text", { class: "berth-label", x: mx, y: -my, "data-px": 12, "text-anchor": "middle",
      transform: `rotate(${angle > 90 || angle < -90 ? angle + 180 : angle} ${mx} ${-my}) translate(0 -4)` }, text("berth", { berth: quay.berth }));
  }
  if (layout.gate) {
    const gate = layout.gate;
    const left = gate.x - gate.width / 2;
    svgAdd(ground, "rect", { class: "gate", x: left, y: -(gate.y + gate.depth), width: gate.width, height: gate.depth });
    for (let lane = 1; lane < gate.lanes; lane += 1) {
      const x = left + (lane * gate.width) / gate.lanes;
      svgAdd(ground, "line", { class: "gate-lane", x1: x, x2: x, y1: -gate.y, y2: -(gate.y + gate.depth) });
    }
    svgAdd(ground, "text", { class: "gate-label", x: gate.x, y: -gate.y, dy: "1.1em", "data-px": 12, "text-anchor": "middle" }, gate.name || text("gate"));
  }
  scaleBarDraw();

  for (const block of layout.blocks) blockDraw(block);
  const screenSized = [...svg.querySelectorAll("text[data-px]")]; // labels kept at a size in pixels, not metres

  function titleOf(text) {
    const title = document.createElementNS(SVG_NS, "title");
    title.textContent = text;
    return title;
  }

  // A point of a block (metres along its bays, across its rows) on the plan.
  function blockPoint(block, along, across) {
    const angle = (block.angle * Math.PI) / 180;
    return [block.x + along * Math.cos(angle) - across * Math.sin(angle), block.y + along * Math.sin(angle) + across * Math.cos(angle)];
  }

  function cellCentre(block, bay, row) {
    return blockPoint(block, (bay - 1) * slot.bay_pitch + slot.length / 2, (row - 1) * slot.row_pitch + slot.width / 2);
  }

  function blockDraw(block) {
    const length = block.bays * slot.bay_pitch - (slot.bay_pitch - slot.length);
    const depth = block.rows * slot.row_pitch - (slot.row_pitch - slot.width);
    // Inside the group: x along the bays, -y across the rows (so rows run to the left of the bays, as on the plan).
    const group = svgAdd(blockLayer, "g", { class: `block kind-${block.kind}`, "data-block": block.code, id: `block-${block.code}`,
      transform: `translate(${block.x} ${-block.y}) rotate(${-block.angle})` });
    svgAdd(group, "rect", { class: `pad kind-${block.kind}`, x: -1.2, y: -depth - 1.2, width: length + 2.4, height: depth + 2.4 })
      .appendChild(titleOf(`${block.code}${block.name ? ` — ${block.name}` : ""} (${block.kind_label})`));
    const missing = new Set(block.missing.map(([bay, row]) => `${bay}-${row}`));
    const places = [];
    for (let bay = 1; bay <= block.bays; bay += 1) {
      for (let row = 1; row <= block.rows; row += 1) if (!missing.has(`${bay}-${row}`)) places.push([bay, row]);
    }
    places.push(...block.extra);
    for (const [bay, row] of places) {
      const x = (bay - 1) * slot.bay_pitch;
      const y = -((row - 1) * slot.row_pitch + slot.width);
      const position = positionOf(block.code, bay, row);
      const cell = svgAdd(group, "rect", { class: "slot h0", x, y, width: slot.length, height: slot.width,
        "data-position": position, "data-block": block.code, "data-bay": bay, "data-row": row, "data-height": 0 });
      cells.set(position, cell);
    }
    for (const [bay, row] of block.powered) {
      const x = (bay - 1) * slot.bay_pitch;
      const y = -((row - 1) * slot.row_pitch);
      svgAdd(group, "line", { class: "power", x1: x + 0.3, x2: x + slot.length - 0.3, y1: y - 0.25, y2: y - 0.25 });
    }
    marks.set(block.code, svgAdd(group, "g", { class: "marks" }));
    const labels = svgAdd(group, "g", { class: "grid-label" });
    for (let bay = 1; bay <= block.bays; bay += 1) {
      svgAdd(labels, "text", { x: (bay - 1) * slot.bay_pitch + slot.length / 2, y: 2.6, "font-size": 1.9, "text-anchor": "middle" }, pad2(bay));
    }
    for (let row = 1; row <= block.rows; row += 1) {
      svgAdd(labels, "text", { x: -1.8, y: -((row - 1) * slot.row_pitch + slot.width / 2) + 0.65, "font-size": 1.8, "text-anchor": "end" }, pad2(row));
    }
    // The title stands unrotated above the block's first bay, on its far row side.
    const [tx, ty] = blockPoint(block, 0, depth + 2);
    const title = svgAdd(blockLayer, "text", { class: "block-title", x: tx, y: -ty, "data-title": block.code });
    svgAdd(title, "tspan", {}, block.code);
    const used = svgAdd(title, "tspan", { class: "used", dx: "0.4em" }, "");
    const [bx, by] = blockPoint(block, 0, -1.5); // the badge hangs below the block
    const badge = svgAdd(blockLayer, "text", { class: "awaiting-badge", x: bx, y: -by });
    titles.set(block.code, { title, used, badge, capacity: block.bays * block.rows * block.max_tier });
  }

  function scaleBarDraw() {
    const [minX, minY] = layout.extent;
    const bar = svgAdd(ground, "g", { class: "scale-bar" });
    const y = -(minY - 10);
    for (let step = 0; step < 4; step += 1) {
      svgAdd(bar, "rect", { class: step % 2 ? "light" : "dark", x: minX + step * 25, y: y - 3, width: 25, height: 3 });
    }
    for (const metres of [0, 50, 100]) {
      svgAdd(bar, "text", { x: minX + metres, y, dy: "1.1em", "data-px": 10, "text-anchor": "middle" }, metres === 100 ? text("metres", { metres }) : String(metres));
    }
    const north = svgAdd(ground, "g", { class: "north", transform: `translate(${minX + 130} ${y})` });
    svgAdd(north, "path", { d: "M0,-18 L5,0 L0,-5 L-5,0 Z" });
    svgAdd(north, "text", { x: 0, y: 7, "font-size": 7, "text-anchor": "middle" }, text("north"));
  }

  // ---- Zoom and pan: the viewBox, kept at the element's aspect ratio -----------------------------------------
  function viewSet(view) {
    const width = svg.clientWidth || 1;
    const height = svg.clientHeight || 1;
    const aspect = height / width;
    const centreX = view.x + view.w / 2;
    const centreY = view.y + view.h / 2;
    let w = Math.max(view.w, view.h / aspect);
    w = Math.min(Math.max(w, 20), 4000);
    state.view = { x: centreX - w / 2, y: centreY - (w * aspect) / 2, w, h: w * aspect };
    svg.setAttribute("viewBox", `${state.view.x} ${state.view.y} ${state.view.w} ${state.view.h}`);
    const pxPerMetre = width / w;
    svg.classList.toggle("detail", pxPerMetre >= DETAIL_PX_PER_M);
    // Block titles keep a readable size on screen however far out the plan is zoomed.
    const size = Math.max(5, 15 / pxPerMetre);
    for (const { title, badge } of titles.values()) {
      title.setAttribute("font-size", size);
      badge.setAttribute("font-size", size * 0.85);
      badge.setAttribute("dy", size * 1.1);
    }
    for (const label of screenSized) label.setAttribute("font-size", Math.max(1.5, label.dataset.px / pxPerMetre));
  }

  function fit() {
    const [minX, minY, maxX, maxY] = layout.extent;
    viewSet({ x: minX - MARGIN_M, y: -maxY - MARGIN_M, w: maxX - minX + 2 * MARGIN_M, h: maxY - minY + 2 * MARGIN_M });
  }

  function zoomAt(factor, svgX, svgY) {
    const v = state.view;
    const w = v.w / factor;
    const h = v.h / factor;
    viewSet({ x: svgX - ((svgX - v.x) / v.w) * w, y: svgY - ((svgY - v.y) / v.h) * h, w, h });
  }

  function centreOn([x, y], width) {
    viewSet({ x: x - width / 2, y: -y - width / 4, w: width, h: width / 2 });
  }

  function svgPoint(event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  document.querySelector(".plan-zoom").addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const v = state.view;
    if (button.dataset.zoom === "fit") fit();
    else zoomAt(button.dataset.zoom === "in" ? 1.6 : 1 / 1.6, v.x + v.w / 2, v.y + v.h / 2);
  });
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const point = svgPoint(event);
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, point.x, point.y);
  }, { passive: false });

  let drag = null;
  let dragJustEnded = false; // the click that ends a drag opens no stack
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, view: { ...state.view }, moved: false, id: event.pointerId };
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      svg.setPointerCapture(drag.id);
      svg.classList.add("dragging");
    }
    const scale = drag.view.w / svg.clientWidth;
    viewSet({ ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale });
  });
  const dragEnd = () => {
    if (drag && drag.moved) {
      svg.classList.remove("dragging");
      dragJustEnded = true;
      setTimeout(() => { dragJustEnded = false; });
    }
    drag = null;
  };
  svg.addEventListener("pointerup", dragEnd);
  svg.addEventListener("pointercancel", dragEnd);
  window.addEventListener("resize", () => viewSet(state.view));

  // ---- Stacks: heights, flags, filter matches --------------------------------------------------------------------
  function cellClass(block, height, flags, position) {
    const names = ["slot", `h${Math.min(height, 7)}`];
    if (height && height >= block.max_tier) names.push("full");
    for (const [name, bit] of Object.entries(FLAGS)) if (flags & bit) names.push(name);
    if (position === state.selected) names.push("selected");
    if (position === state.found) names.push("found");
    return names.join(" ");
  }

  function stacksApply(data) {
    const previous = state.stacks;
    state.stacks = new Map();
    for (const [code, values] of Object.entries(data.stacks)) {
      for (let index = 0; index < values.length; index += 4) {
        state.stacks.set(positionOf(code, values[index], values[index + 1]), [values[index + 2], values[index + 3]]);
      }
    }
    for (const position of new Set([...previous.keys(), ...state.stacks.keys()])) {
      const cell = cells.get(position);
      if (!cell) continue;
      const [height, flags] = state.stacks.get(position) || [0, 0];
      cell.setAttribute("class", cellClass(blocks.get(cell.dataset.block), height, flags, position));
      cell.dataset.height = height;
    }
    for (const group of marks.values()) group.replaceChildren();
    for (const [position, [, flags]] of state.stacks) {
      if (!(flags & (FLAGS.hold | FLAGS.reefer))) continue;
      const cell = cells.get(position);
      if (!cell) continue;
      const x = Number(cell.getAttribute("x"));
      const y = Number(cell.getAttribute("y")) + slot.width / 2;
      const group = marks.get(cell.dataset.block);
      if (flags & FLAGS.hold) svgAdd(group, "circle", { class: "mark-hold", cx: x + slot.length - 1, cy: y, r: 0.8 });
      if (flags & FLAGS.reefer) svgAdd(group, "circle", { class: "mark-reefer", cx: x + 1, cy: y, r: 0.8 });
    }
    for (const [code, { used, capacity }] of titles) {
      used.textContent = `${data.used[code] || 0}/${capacity}`;
    }
    svg.classList.toggle("filtering", data.filtering);
    filterMessage.textContent = data.filtering ? text("matching", { count: data.matching }) : "";
    filterMessage.classList.remove("error");
    optionsUpdate(data.options);
    awaitingShow(data.awaiting);
    statusLine.textContent = text("status", { time: new Date().toLocaleTimeString(), boxes: data.boxes });
    // The open stack is read again only if something in it changed.
    if (state.selected && String(previous.get(state.selected)) !== String(state.stacks.get(state.selected))) {
      stackOpen(state.selected, { quiet: true });
    }
  }

  // ---- Filters -------------------------------------------------------------------------------------------------
  const filters = document.getElementById("plan-filters");
  const filterMessage = document.getElementById("plan-filter-result");
  const statusLine = document.getElementById("plan-status");

  function filterQuery() {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(filters)) {
      if (value && name !== "awaiting") query.set(name, value);
    }
    return query;
  }

  function optionsUpdate(options) {
    const lists = { line: options.lines, destination: options.destinations, dg: options.dg_classes,
      hold: options.holds.map(([value]) => value) };
    const labels = { hold: Object.fromEntries(options.holds) };
    for (const [name, values] of Object.entries(lists)) {
      const select = filters.elements[name];
      const fixed = [...select.options].filter((option) => !option.dataset.dynamic);
      const current = [...select.options].filter((option) => option.dataset.dynamic).map((option) => option.value);
      const wanted = [...values];
      if (select.value && !fixed.some((option) => option.value === select.value) && !wanted.includes(select.value)) {
        wanted.push(select.value); // keep what the operator chose even when no box has it any more
      }
      if (String(current) === String(wanted)) continue;
      const chosen = select.value;
      for (const option of [...select.options]) if (option.dataset.dynamic) option.remove();
      for (const value of wanted) {
        const option = htmlAdd(select, "option", { value, "data-dynamic": "1" }, (labels[name] || {})[value] || value);
        if (value === chosen) option.selected = true;
      }
    }
  }

  let filterTimer = null;
  filters.addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(refresh, 250);
  });
  filters.addEventListener("change", () => {
    svg.classList.toggle("awaiting-filter", filters.elements.awaiting.checked);
  });
  filters.addEventListener("reset", () => setTimeout(() => {
    svg.classList.remove("awaiting-filter");
    refresh();
  }));
  filters.addEventListener("submit", (event) => event.preventDefault());

  // ---- Moves awaiting a slot: a list, and a count at each block of the area they wait for ---------------------
  const awaitingSection = document.getElementById("plan-awaiting");
  function awaitingShow(moves) {
    awaitingSection.hidden = moves.length === 0;
    awaitingSection.querySelector("[data-count]").textContent = moves.length;
    const list = awaitingSection.querySelector("ol");
    list.replaceChildren();
    const perBlock = new Map();
    for (const move of moves) {
      const item = htmlAdd(list, "li", { "data-move": move.move });
      htmlAdd(item, "a", { href: urls.moveUrl.replace("/0/", `/${move.move}/`) }, `#${move.move}`);
      item.append(" ");
      htmlAdd(item, "a", { class: "number", href: urls.visitUrl.replace("/0/", `/${move.visit}/`) }, move.container);
      item.append(` — ${text("awaiting_move", { kind: move.kind, minutes: move.minutes, blocks: move.blocks.join(", ") })}`);
      for (const code of move.blocks) perBlock.set(code, (perBlock.get(code) || 0) + 1);
    }
    for (const block of blockLayer.querySelectorAll(".block")) {
      block.classList.toggle("awaited", perBlock.has(block.dataset.block));
    }
    for (const [code, { badge }] of titles) {
      const count = perBlock.get(code) || 0;
      badge.textContent = count ? `⧗ ${text("waiting_here", { count })}` : "";
      badge.classList.toggle("some", count > 0);
    }
  }

  // ---- Live updates --------------------------------------------------------------------------------------------
  const pollMs = Math.max(1, Number(urls.pollSeconds) || 10) * 1000;
  let pollTimer = null;

  async function refresh() {
    if (state.request) state.request.abort();
    const request = new AbortController();
    state.request = request;
    try {
      const response = await fetch(`${urls.stacksUrl}?${filterQuery()}`, {
        signal: request.signal, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const data = await response.json();
      if (state.request !== request) return;
      if (!response.ok) {
        filterMessage.textContent = data.error || response.statusText;
        filterMessage.classList.add("error");
        return;
      }
      stacksApply(data);
    } catch (error) {
      if (error.name !== "AbortError") statusLine.textContent = text("offline");
    } finally {
      if (state.request === request) state.request = null;
    }
  }

  function pollSchedule() {
    clearTimeout(pollTimer);
    if (!document.hidden) pollTimer = setTimeout(poll, pollMs);
  }

  async function poll() {
    await refresh();
    pollSchedule();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      clearTimeout(pollTimer);
      statusLine.textContent = text("paused");
    } else {
      poll();
    }
  });

  // ---- A stack's boxes -----------------------------------------------------------------------------------------
  const stackPanel = document.getElementById("plan-stack");

  function cellMark(position, name) {
    const previous = state[name];
    state[name] = position;
    for (const key of [previous, position]) {
      const cell = key && cells.get(key);
      if (cell) {
        const [height, flags] = state.stacks.get(key) || [0, 0];
        cell.setAttribute("class", cellClass(blocks.get(cell.dataset.block), height, flags, key));
      }
    }
  }

  async function stackOpen(position, { quiet = false } = {}) {
    const cell = cells.get(position);
    if (!cell) return;
    cellMark(position, "selected");
    const url = urls.stackUrl.replace(/BLOCK\/1\/1\/$/, `${encodeURIComponent(cell.dataset.block)}/${cell.dataset.bay}/${cell.dataset.row}/`);
    let response;
    let data;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      data = await response.json();
    } catch {
      statusLine.textContent = text("offline");
      return;
    }
    if (state.selected !== position) return; // another stack was opened meanwhile
    if (!response.ok) {
      if (!quiet) stackPanel.replaceChildren(htmlAdd(document.createElement("div"), "p", { class: "errornote" }, data.error));
      return;
    }
    stackRender(data);
  }

  function stackRender(stack) {
    const panel = document.createDocumentFragment();
    htmlAdd(panel, "h2", {}, stack.position);
    const block = blocks.get(stack.block);
    const used = stack.boxes.length ? Math.max(...stack.boxes.map((box) => box.tier)) : 0;
    const meta = text(stack.reefer_power ? "stack_meta_powered" : "stack_meta",
      { used, max_tier: stack.max_tier, area: block.name || block.kind_label });
    htmlAdd(panel, "p", { class: "meta" }, meta);
    if (!stack.boxes.length) {
      htmlAdd(panel, "p", { class: "plan-hint" }, text("empty_stack"));
    } else {
      // One <tbody> a box, top tier first as the stack stands: its main row, then its DG lines and holds if any.
      const table = htmlAdd(panel, "table", { class: "stack-boxes" });
      const head = htmlAdd(htmlAdd(table, "thead"), "tr");
      for (const label of [text("tier"), text("container_type"), text("line_destination"), text("dwell")]) {
        htmlAdd(head, "th", { scope: "col" }, label);
      }
      for (const box of [...stack.boxes].sort((a, b) => b.tier - a.tier)) {
        const body = htmlAdd(table, "tbody", { "data-tier": box.tier, "data-number": box.number });
        if (box.number === state.foundNumber) body.classList.add("found");
        const row = htmlAdd(body, "tr");
        htmlAdd(row, "td", { rowspan: box.dg.length || box.holds.length ? 2 : 1 }, String(box.tier));
        const numberCell = htmlAdd(row, "td");
        htmlAdd(numberCell, "a", { class: "number", href: urls.visitUrl.replace("/0/", `/${box.visit}/`) }, box.number);
        let type = `${box.iso_type} · ${box.length_ft}′`;
        if (box.reefer) type += ` · ${text("reefer")}`;
        if (box.freight === "empty") type += ` · ${text("empty_box")}`;
        htmlAdd(numberCell, "div", { class: "plan-hint", title: box.group }, type);
        if (box.from_bay) htmlAdd(numberCell, "div", { class: "plan-hint" }, text("from_bay", { bay: pad2(box.from_bay) }));
        const goes = htmlAdd(row, "td", {}, [box.line, box.destination].filter(Boolean).join(" · ") || "–");
        if (box.leaves_with) htmlAdd(goes, "div", { class: "plan-hint" }, text("leaves_with", { carrier: box.leaves_with }));
        htmlAdd(row, "td", {}, text("dwell_days", { days: box.dwell_days }));
        if (box.dg.length || box.holds.length) {
          const notes = htmlAdd(htmlAdd(body, "tr", { class: "box-notes" }), "td", { colspan: 3 });
          for (const line of box.dg) {
            htmlAdd(notes, "span", { class: "dg-class", title: text("dg_title") },
              text("dg_line", { dg_class: line.class, un_number: line.un_number }));
          }
          for (const hold of box.holds) {
            htmlAdd(notes, "span", { class: "hold-name", "data-authority": hold.authority }, `${hold.name} (${hold.reference})`);
          }
        }
      }
    }
    stackPanel.replaceChildren(panel);
  }

  svg.addEventListener("click", (event) => {
    const cell = event.target.closest("rect.slot");
    if (cell && !dragJustEnded) stackOpen(cell.dataset.position);
  });

  // ---- Find a container ----------------------------------------------------------------------------------------
  const findForm = document.getElementById("plan-find");
  const findMessage = document.getElementById("plan-find-result");
  findForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const number = findForm.elements.number.value.trim();
    if (!number) return;
    let response;
    let data;
    try {
      response = await fetch(`${urls.findUrl}?${new URLSearchParams({ number })}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      data = await response.json();
    } catch {
      findMessage.textContent = text("offline");
      findMessage.classList.add("error");
      return;
    }
    if (!response.ok) {
      findMessage.textContent = data.error;
      findMessage.classList.add("error");
      return;
    }
    findMessage.classList.remove("error");
    findMessage.textContent = text("found", { number: data.number, position: data.position });
    const position = positionOf(data.block, data.bay, data.row);
    state.foundNumber = data.number;
    cellMark(position, "found");
    const block = blocks.get(data.block);
    const centre = cellCentre(block, data.bay, data.row);
    overlay.replaceChildren();
    svgAdd(overlay, "circle", { class: "found-ring", cx: centre[0], cy: -centre[1], r: 7 });
    centreOn(centre, 160);
    stackOpen(position);
  });

  // ---- Start ---------------------------------------------------------------------------------------------------
  fit();
  const linked = blocks.get(decodeURIComponent(location.hash.replace(/^#block-/, "")));
  if (linked) {
    const [minX, minY] = [Math.min(...linked.outline.map(([x]) => x)), Math.min(...linked.outline.map(([, y]) => y))];
    const [maxX, maxY] = [Math.max(...linked.outline.map(([x]) => x)), Math.max(...linked.outline.map(([, y]) => y))];
    viewSet({ x: minX - 15, y: -maxY - 15, w: maxX - minX + 30, h: maxY - minY + 30 });
  }
  poll();
}

const config = document.getElementById("plan-config");
if (config) {
  planStart(config, JSON.parse(document.getElementById("plan-layout").textContent));
}
