// Loss Lab's readout (ui/readout.py): what a slider shows, redrawn in the page
// the moment the slider's thumb moves (a key press, every step of a drag), from a
// table with one row per slider position; the server's run after the move
// changes nothing on screen.
//
// data = { slider: "<the slider element's st-key class>", value, values: [...],
//          columns: { name: [one value per row] }, blocks: [...],
//          overlays: { "<chart key>": [marks, coordinates maybe {col}] },
//          overlay_module: "<address of static/chart_overlay.js>" }
// Text is set with textContent only: no Markdown, no HTML.
const READOUTS = new Map(); // parent element -> its state
let observer = null;
const WARNING_ICON = "M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z";

// The slider's value in the page (its thumb, an <input type="range"> whose value
// Streamlit's slider sets as it moves), or null.
function sliderValue(cls) {
  const thumb = document.querySelector(`.${cls} input[type="range"]`);
  const v = thumb ? Number(thumb.value) : NaN;
  return Number.isFinite(v) ? v : null;
}

// Index of the value in increasing `values` nearest `v`.
function nearest(values, v) {
  let lo = 0, hi = values.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= v) lo = mid; else hi = mid;
  }
  return Math.abs(values[hi] - v) < Math.abs(values[lo] - v) ? hi : lo;
}

// The bytes of a packed or flags column (ui/readout.py: Packed, Flags), decoded
// once per update.
function bytesOf(column) {
  if (!column.bytes) {
    const bin = atob(column.packed ?? column.bits);
    column.bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) column.bytes[i] = bin.charCodeAt(i);
  }
  return column.bytes;
}

// A column's value in `row`: a number, text or flag; for a packed column an
// array of numbers (null: a gap), for flags an array of true/false.
function cell(data, part, row) {
  const column = data.columns[part.col];
  if (column === undefined) return null;
  if (Array.isArray(column)) return column[row];
  const bytes = bytesOf(column), w = column.width, out = new Array(w);
  if ("packed" in column) {
    const view = new DataView(bytes.buffer);
    const scale = (column.hi - column.lo) / 65534;
    for (let k = 0; k < w; k++) {
      const v = view.getUint16(2 * (row * w + k), true);
      out[k] = v === 65535 ? null : column.lo + v * scale;
    }
  } else {
    for (let k = 0; k < w; k++) {
      const bit = row * w + k;
      out[k] = ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) === 1;
    }
  }
  return out;
}

function paragraph(data, parts, row, cls) {
  const p = document.createElement("p");
  if (cls) p.className = cls;
  for (const part of parts) {
    if (typeof part === "string") { p.append(part); continue; }
    const value = "text" in part ? part.text : cell(data, part, row);
    const text = value === null || value === undefined ? "" : String(value);
    if (part.bold) {
      const b = document.createElement("strong");
      b.textContent = text;
      p.append(b);
    } else p.append(text);
  }
  return p;
}

function block(data, b, row) {
  if (b.kind === "metrics") {
    const grid = document.createElement("div");
    grid.className = "ll-metrics";
    grid.style.setProperty("--ll-columns", b.columns);
    for (const item of b.items) {
      const m = document.createElement("div");
      m.className = "ll-metric";
      const label = document.createElement("div");
      label.className = "ll-metric-label";
      label.textContent = item.label;
      const value = document.createElement("div");
      value.className = "ll-metric-value";
      value.textContent = String(cell(data, item.value, row) ?? "");
      m.append(label, value);
      grid.append(m);
    }
    return grid;
  }
  if (b.kind === "warning") {
    const box = document.createElement("div");
    box.className = "ll-warning";
    box.setAttribute("role", "alert");
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", WARNING_ICON);
    svg.append(path);
    box.append(svg, paragraph(data, b.parts, row));
    return box;
  }
  if (b.kind === "heading") {
    const h = paragraph(data, b.parts, row);
    const h3 = document.createElement("h3");
    h3.className = "ll-heading";
    h3.append(...h.childNodes);
    return h3;
  }
  return paragraph(data, b.parts, row, b.kind === "caption" ? "ll-caption" : "");
}

// A mark with its {col} coordinates filled from `row` (a path's from packed
// columns, drawn only where its `where` flags are true), or null if one is
// missing.
function filled(data, mark, row) {
  const out = { ...mark };
  const path = mark.kind === "path";
  for (const key of ["x", "y", "start", "end"]) {
    const v = mark[key];
    if (v && typeof v === "object" && !Array.isArray(v) && "col" in v) {
      const value = cell(data, v, row);
      if (path ? !Array.isArray(value) : typeof value !== "number") return null;
      out[key] = value;
    }
  }
  if (path && mark.where) {
    const keep = cell(data, mark.where, row);
    if (!Array.isArray(keep)) return null;
    out.y = out.y.map((v, k) => (keep[k] ? v : null));
  }
  return out;
}

function render(state, force) {
  const { data } = state;
  const value = sliderValue(data.slider) ?? data.value;
  const row = nearest(data.values, value);
  if (row === state.row && !force) return;
  state.row = row;
  const shown = data.blocks
    .filter((b) => (!b.when || cell(data, { col: b.when }, row))
      && (!b.unless || !cell(data, { col: b.unless }, row)))
    .map((b) => block(data, b, row));
  state.root.replaceChildren(...shown);
  for (const [target, marks] of Object.entries(data.overlays)) {
    state.overlay.setMarks(target, marks.map((m) => filled(data, m, row))
      .filter((m) => m !== null));
  }
  state.root.dataset.value = String(data.values[row]);
  state.root.dataset.version = String(++state.version);
}

// One observer for every readout: a thumb's value changing (React writes the
// attributes with the property), or a slider element replaced by Streamlit.
function observe() {
  if (observer) return;
  observer = new MutationObserver(() => {
    for (const [parent, state] of READOUTS) {
      if (!parent.isConnected) { READOUTS.delete(parent); continue; }
      render(state, false);
    }
  });
  observer.observe(document.body, { subtree: true, childList: true,
    attributes: true, attributeFilter: ["value", "aria-valuetext"] });
}

export default async function (component) {
  const { data, parentElement } = component;
  const overlay = await import(new URL(data.overlay_module, document.baseURI).href);
  let state = READOUTS.get(parentElement);
  if (!state) {
    const root = document.createElement("div");
    root.className = "ll-slider-readout";
    parentElement.append(root); // beside the <style> Streamlit put there
    state = { root, row: null, version: 0 };
    READOUTS.set(parentElement, state);
  }
  state.data = data;
  state.overlay = overlay;
  render(state, true);
  observe();
}
