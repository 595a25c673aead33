// Loss Lab's chart overlay: marks (points, vertical and horizontal lines) drawn
// on an SVG laid over a chart (static/chart.js), so what moves with a slider is
// redrawn here in a millisecond while the chart itself stays as it is.
//
// data = { target: "<the chart's Streamlit key>", marks: [...] } (ui/chart_overlay.py):
// paths (polylines), points and vertical or horizontal lines.
// Data coordinates become pixels through the chart's own axes
// (gd.llLayout.xaxis2.d2p(x) + ._offset), so log axes, ranges and subplots
// map exactly as the chart maps its own traces. The marks are redrawn after every
// chart redraw (its "ll-drawn" event: a new width, a new figure) and when
// Streamlit replaces the chart's element.
const NS = "http://www.w3.org/2000/svg";
const OVERLAYS = new Map(); // target key -> its state
const DASHES = { solid: "", dash: "7,4", dot: "2,3" };
const SYMBOLS = {
  circle: (r) => `M${r},0A${r},${r} 0 1,1 0,-${r}A${r},${r} 0 0,1 ${r},0Z`,
  square: (r) => `M${r},${r}H-${r}V-${r}H${r}Z`,
  diamond: (r) => `M${1.3 * r},0L0,${1.3 * r}L-${1.3 * r},0L0,-${1.3 * r}Z`,
  x: (r) => `M-${r},-${r}L${r},${r}M-${r},${r}L${r},-${r}`,
};
let watching = false;

function graph(target) {
  // the class Streamlit gives a keyed element: every character outside
  // [a-zA-Z0-9_-] becomes "-" (so "thr.fig_decision" is st-key-thr-fig_decision)
  const el = document.querySelector(
    `.st-key-${String(target).trim().replace(/[^a-zA-Z0-9_-]/g, "-")}`);
  const gd = el && el.querySelector(".ll-chart");
  return gd && gd.llLayout ? gd : null;
}

// Axis object for a trace-style axis name: "x" -> xaxis, "y2" -> yaxis2.
function axis(layout, name) {
  const ax = layout[`${name[0]}axis${name.slice(1)}`];
  return ax && typeof ax.l2p === "function" && ax._length > 0 ? ax : null;
}

// Pixel of data value v on ax (from the graph div's top left), or null.
function pixel(ax, v) {
  const p = typeof ax.d2p === "function" ? ax.d2p(v) : ax.l2p(ax.d2l(v));
  return Number.isFinite(p) ? p + ax._offset : null;
}

function within(ax, p) {
  return p >= ax._offset - 0.5 && p <= ax._offset + ax._length + 0.5;
}

function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function label(g, text, x, y, anchor, colour) {
  if (!text) return;
  const t = svgEl("text", { x, y, "text-anchor": anchor, fill: colour,
    "font-size": 14, "font-family": '"Source Sans Pro", sans-serif',
    "paint-order": "stroke", stroke: "#FFFFFF", "stroke-width": 3 });
  t.textContent = text; // plain text, never markup
  g.appendChild(t);
}

// A clip rectangle for the plot area of axes xa, ya (paths stay inside it).
function clip(svg, target, xa, ya) {
  const id = `ll-clip-${target}-${xa._id}${ya._id}`.replace(/[^A-Za-z0-9_-]/g, "_");
  let defs = svg.querySelector("defs");
  if (!defs) { defs = svgEl("defs", {}); svg.prepend(defs); }
  let cp = defs.querySelector(`#${id}`);
  if (!cp) {
    cp = svgEl("clipPath", { id });
    cp.appendChild(svgEl("rect", {}));
    defs.appendChild(cp);
  }
  const r = cp.firstChild;
  r.setAttribute("x", xa._offset); r.setAttribute("y", ya._offset);
  r.setAttribute("width", xa._length); r.setAttribute("height", ya._length);
  return `url(#${id})`;
}

function drawPath(g, svg, target, xa, ya, m) {
  let d = "", pen = false;
  for (let k = 0; k < m.x.length; k++) {
    const px = m.x[k] === null ? null : pixel(xa, m.x[k]);
    const py = m.y[k] === null ? null : pixel(ya, m.y[k]);
    if (px === null || py === null) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${px.toFixed(2)},${py.toFixed(2)}`;
    pen = true;
  }
  if (!d) return;
  g.appendChild(svgEl("path", { d, fill: "none", stroke: m.color,
    "stroke-width": m.width, "stroke-dasharray": DASHES[m.dash],
    "stroke-linejoin": "round", "clip-path": clip(svg, target, xa, ya),
    class: "ll-overlay-path" }));
}

function drawMark(g, svg, target, layout, m) {
  const xa = axis(layout, m.xaxis), ya = axis(layout, m.yaxis);
  if (!xa || !ya) return;
  if (m.kind === "path") { drawPath(g, svg, target, xa, ya, m); return; }
  if (m.kind === "point") {
    const px = pixel(xa, m.x), py = pixel(ya, m.y);
    if (px === null || py === null || !within(xa, px) || !within(ya, py)) return;
    const path = svgEl("path", { d: SYMBOLS[m.symbol](m.size / 2),
      transform: `translate(${px},${py})`, fill: m.color, stroke: m.outline,
      "stroke-width": m.symbol === "x" ? 3 : 2, class: "ll-overlay-point" });
    if (m.symbol === "x") path.setAttribute("stroke", m.color);
    path.dataset.x = px; path.dataset.y = py;
    g.appendChild(path);
    label(g, m.label, px + m.size / 2 + 4, py - m.size / 2, "start", m.color);
    return;
  }
  const vertical = m.kind === "vline";
  const [along, across] = vertical ? [xa, ya] : [ya, xa];
  const at = pixel(along, vertical ? m.x : m.y);
  if (at === null || !within(along, at)) return;
  let lo = across._offset, hi = across._offset + across._length;
  if (m.start !== null) { const p = pixel(across, m.start); if (p !== null) lo = p; }
  if (m.end !== null) { const p = pixel(across, m.end); if (p !== null) hi = p; }
  [lo, hi] = [Math.max(Math.min(lo, hi), across._offset),
    Math.min(Math.max(lo, hi), across._offset + across._length)];
  const [x1, y1, x2, y2] = vertical ? [at, lo, at, hi] : [lo, at, hi, at];
  const line = svgEl("line", { x1, y1, x2, y2, stroke: m.color,
    "stroke-width": m.width, "stroke-dasharray": DASHES[m.dash],
    class: "ll-overlay-line" });
  line.dataset.at = at;
  g.appendChild(line);
  if (vertical) label(g, m.label, at + 4, lo + 14, "start", m.color);
  else label(g, m.label, hi - 4, at - 6, "end", m.color);
}

// Draw (or redraw) one overlay onto its chart, attaching to a new graph div.
function draw(state) {
  const gd = graph(state.target);
  if (!gd) return false;
  if (state.gd !== gd) {
    state.gd = gd;
    if (getComputedStyle(gd).position === "static") gd.style.position = "relative";
    if (!gd.__llOverlay) {
      gd.__llOverlay = true;
      gd.addEventListener("ll-drawn", () => {
        for (const s of OVERLAYS.values()) if (s.gd === gd) draw(s);
      });
    }
  }
  let svg = gd.querySelector(":scope > svg.ll-overlay");
  if (!svg) {
    svg = svgEl("svg", { class: "ll-overlay", "aria-hidden": "true" });
    svg.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;"
      + "overflow:visible;z-index:1001";
    gd.appendChild(svg);
  }
  const layout = gd.llLayout;
  svg.setAttribute("width", layout.width);
  svg.setAttribute("height", layout.height);
  svg.replaceChildren();
  const g = svgEl("g", {});
  for (const m of state.marks) drawMark(g, svg, state.target, layout, m);
  svg.appendChild(g);
  svg.dataset.target = state.target;
  svg.dataset.version = state.version;
  return true;
}

// Until the chart is there (it may render after this component), try each frame.
function schedule(state) {
  if (state.frame !== null) return;
  const started = performance.now();
  const tick = () => {
    state.frame = null;
    if (draw(state) || performance.now() - started > 20000) return;
    state.frame = requestAnimationFrame(tick);
  };
  state.frame = requestAnimationFrame(tick);
}

// Streamlit may replace a chart's element (a remount): find it again.
function watch() {
  if (watching) return;
  watching = true;
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      for (const s of OVERLAYS.values()) {
        const gd = graph(s.target);
        if (gd && (gd !== s.gd || !gd.querySelector(":scope > svg.ll-overlay"))) draw(s);
      }
    });
  }).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("resize", () => {
    for (const s of OVERLAYS.values()) draw(s);
  });
}

// Draw `marks` over the chart keyed `target` (replacing what was drawn there):
// this component's update, and static/readout.js's on every slider step.
export function setMarks(target, marks) {
  let state = OVERLAYS.get(target);
  if (!state) {
    state = { target, gd: null, frame: null, marks: [], version: 0 };
    OVERLAYS.set(target, state);
  }
  state.marks = marks;
  state.version += 1;
  watch();
  if (!draw(state)) schedule(state);
}

export default function (component) {
  setMarks(component.data.target, component.data.marks);
}
