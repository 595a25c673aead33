// Loss Lab's charts: a Plotly figure's JSON, the subset the app builds, drawn as
// one SVG (and a canvas image for contour and heatmap fills) by this module alone.
//
// Plotly's own bundle (4.7 MB) costs a page about as much as the rest of the page
// to evaluate on every load, before its first chart is drawn; this file draws the
// same figures in a few milliseconds. What it draws: scatter (lines, markers, fills,
// "hv" steps), contour (filled bands, lines, none), heatmap, histogram (grouped);
// axes (linear, log, reversed, subplots by domain, matched ranges, d3-style tick
// formats), legends (click hides a trace), titles, annotations, shapes, colour
// bars and a hover readout from each trace's hovertemplate.
//
// Every text is set as textContent: Plotly's "<br>" starts a new line, other tags
// are dropped and entities decoded, so a name reaches the screen as the text it is.
//
// data = { spec: "<the figure's JSON>", version: "<its hash>" } (ui/chart.py).
// The chart's element (class ll-chart) carries `data-version` (the data it was last
// given), `data-drawn` (the data it has drawn: a chart out of sight draws a change
// when the browser is next idle) and `data-in-sight`, `llLayout`: its size and one object
// per axis with Plotly's names (d2p, l2p, d2l, _offset, _length, _id), and
// `llData`: the traces; static/chart_overlay.js and the tests use them. It fires
// "ll-drawn" after each draw.
const NS = "http://www.w3.org/2000/svg";
const CHARTS = new WeakMap();
const GRID = "#EBF0F8", AXIS_TEXT = "#2A3F5F";
const DASHES = { solid: "", dash: "9,5", dot: "3,3", dashdot: "9,3,3,3", longdash: "14,5" };
const TYPES = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array, u1c: Uint8ClampedArray };
const NAMED_SCALES = {
  Blues: [[0, "rgb(8,48,107)"], [0.125, "rgb(8,81,156)"], [0.25, "rgb(33,113,181)"],
    [0.375, "rgb(66,146,198)"], [0.5, "rgb(107,174,214)"], [0.625, "rgb(158,202,225)"],
    [0.75, "rgb(198,219,239)"], [0.875, "rgb(222,235,247)"], [1, "rgb(247,251,255)"]],
  Viridis: [[0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"],
    [1, "#fde725"]],
};

// ---------- data ----------

function decode(v) {
  if (v && typeof v === "object" && !Array.isArray(v) && typeof v.bdata === "string") {
    const text = atob(v.bdata);
    const bytes = new Uint8Array(text.length);
    for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
    const flat = Array.from(new (TYPES[v.dtype] || Float64Array)(bytes.buffer));
    if (!v.shape) return flat;
    const [rows, cols] = String(v.shape).split(",").map(Number);
    if (!cols) return flat;
    return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
  }
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = decode(x);
    return out;
  }
  return v;
}

// [min, max] of an array of numbers, by a loop (spreading 100,000 values into
// Math.min overflows the call stack).
function bounds(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const get = (o, path, dflt) => {
  let cur = o;
  for (const k of path.split(".")) { if (cur == null) return dflt; cur = cur[k]; }
  return cur === undefined || cur === null ? dflt : cur;
};

// ---------- text ----------

const ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00A0" };
function textLines(text) {
  if (text === undefined || text === null) return [];
  return String(text).split(/<br\s*\/?>/i).map((line) => line
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    }));
}

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

let measurer = null;
function textWidth(text, size, family) {
  if (!measurer) measurer = document.createElement("canvas").getContext("2d");
  measurer.font = `${size}px ${family}`;
  return measurer.measureText(text).width;
}

// Multi-line SVG text; anchor start|middle|end; baseline: top|middle|bottom of the block.
function svgText(parent, text, x, y, { size, color, family, anchor = "middle",
  baseline = "middle", rotate = 0, weight, cls } = {}) {
  const lines = textLines(text);
  if (!lines.length || lines.every((l) => !l)) return null;
  const lh = size * 1.2;
  const height = lh * lines.length;
  let top = baseline === "top" ? 0 : baseline === "bottom" ? -height : -height / 2;
  const t = el("text", { x, y, "text-anchor": anchor, fill: color, "font-size": size,
    "font-family": family, "font-weight": weight, class: cls,
    transform: rotate ? `rotate(${rotate},${x},${y})` : undefined }, parent);
  lines.forEach((line, k) => {
    const span = el("tspan", { x, dy: k === 0 ? top + size * 0.9 : lh }, t);
    span.textContent = line;
  });
  return t;
}

// ---------- number formats (the d3-format subset the figures use) ----------

function format(v, spec, prefix = "", suffix = "") {
  if (typeof v !== "number") return v === undefined || v === null ? "" : String(v);
  if (!Number.isFinite(v)) return String(v);
  const m = /^([$]?)(,?)(?:\.(\d+))?([efgs%d]?)$/.exec(spec || "");
  let out;
  if (!m) out = autoNumber(v);
  else {
    const [, dollar, comma, digits, type] = m;
    const p = digits === undefined ? null : Number(digits);
    let x = v, s;
    if (type === "%") { x = v * 100; s = x.toFixed(p ?? 0); }
    else if (type === "f") s = x.toFixed(p ?? 6);
    else if (type === "d") s = Math.round(x).toFixed(0);
    else if (type === "e") s = x.toExponential(p ?? 6);
    else if (type === "g" || type === "") s = p === null ? autoNumber(x) : trimG(x, Math.max(1, p));
    else if (type === "s") s = si(x, p ?? 3);
    else s = String(x);
    if (comma) s = group(s);
    out = (dollar ? (s.startsWith("-") ? "-$" + s.slice(1) : "$" + s) : s) + (type === "%" ? "%" : "");
  }
  return prefix + out.replace(/^-/, "\u2212") + suffix;
}

function trimG(x, p) {
  if (x === 0) return "0";
  const e = Math.floor(Math.log10(Math.abs(x)));
  if (e < -4 || e >= p) return x.toExponential(Math.max(0, p - 1)).replace(/\.?0+e/, "e");
  return x.toFixed(Math.max(0, p - 1 - e)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

function autoNumber(x) { return trimG(x, 6); }

function group(s) {
  const [int, frac] = s.split(".");
  const sign = int.startsWith("-") ? "-" : "";
  const body = int.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return sign + body + (frac !== undefined ? "." + frac : "");
}

function si(x, p) {
  const units = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [f, u] of units) if (Math.abs(x) >= f) return trimG(x / f, p) + u;
  return trimG(x, p);
}

// ---------- colours ----------

// [r, g, b, alpha 0..1] of "#rrggbb", "#rgb", "rgb(...)" or "rgba(...)".
function rgb(colour) {
  const c = String(colour).trim();
  let m = /^#([0-9a-f]{6})$/i.exec(c);
  if (m) { const n = parseInt(m[1], 16); return [n >> 16, (n >> 8) & 255, n & 255, 1]; }
  m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) return [...m[1].split("").map((h) => parseInt(h + h, 16)), 1];
  m = /^rgba?\(([^)]*)\)$/i.exec(c);
  if (m) {
    const [r, g, b, a] = m[1].split(",").map((v) => Number(v));
    return [r, g, b, Number.isFinite(a) ? a : 1];
  }
  return [0, 0, 0, 1];
}

function scaleOf(trace) {
  let s = trace.colorscale;
  if (typeof s === "string") s = NAMED_SCALES[s] || NAMED_SCALES.Viridis;
  if (!Array.isArray(s) || !s.length) s = NAMED_SCALES.Viridis;
  let stops = s.map(([t, c]) => [Number(t), rgb(c)]);
  if (trace.reversescale) stops = stops.map(([t, c]) => [1 - t, c]).reverse();
  return (t) => {
    if (!(t >= 0)) t = 0; if (t > 1) t = 1;
    for (let k = 1; k < stops.length; k++) {
      if (t <= stops[k][0]) {
        const [t0, c0] = stops[k - 1], [t1, c1] = stops[k];
        const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
        return [0, 1, 2, 3].map((i) => (i < 3 ? Math.round : Number)(c0[i] + f * (c1[i] - c0[i])));
      }
    }
    return stops[stops.length - 1][1];
  };
}

const css = (c) => `rgba(${c[0]},${c[1]},${c[2]},${c[3] ?? 1})`;

// ---------- axes ----------

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw * 0.999);
}

// Round ticks in [lo, hi], about `count` of them and at least three where the
// range allows; the values and their step.
function linearTicks(lo, hi, count) {
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  if (!(b > a)) return { values: [a], step: 1 };
  for (let c = count; ; c++) {
    const step = niceStep(b - a, c);
    const out = [];
    for (let k = Math.ceil(a / step - 1e-9); k <= Math.floor(b / step + 1e-9); k++) {
      out.push(Math.abs(k * step) < step * 1e-9 ? 0 : k * step);
    }
    if (out.length >= 3 || c > count + 8) return { values: out, step };
  }
}

function logTicks(lo, hi, count) {  // lo, hi in log10 units
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  const decades = b - a;
  const every = Math.max(1, Math.ceil(decades / Math.max(1, count)));
  const out = [];
  for (let e = Math.ceil(a - 1e-9); e <= Math.floor(b + 1e-9); e++) {
    if (e % every === 0) out.push(Math.pow(10, e));
  }
  if (decades < 2.5) {
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
      for (const m of [2, 5]) {
        const v = m * Math.pow(10, e), l = Math.log10(v);
        if (l >= a - 1e-9 && l <= b + 1e-9) out.push(v);
      }
    }
  }
  return out.sort((x, y) => x - y);
}

function tickLabel(ax, v, step) {
  const spec = ax.spec;
  if (spec.tickformat) return format(v, spec.tickformat, spec.tickprefix || "", spec.ticksuffix || "");
  let s;
  if (ax.type === "log") s = Math.abs(Math.log10(v)) >= 5 ? trimG(v, 2) : trimG(v, 6);
  else if (Math.abs(v) >= 1e4 && step >= 1000) s = si(v, 4);
  else {
    const digits = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
    s = v.toFixed(step >= 1 ? 0 : digits);
    if (step < 1 && s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
    if (step === 2.5 * Math.pow(10, Math.floor(Math.log10(step)))) s = trimG(v, 6);
  }
  return (spec.tickprefix || "") + s.replace(/^-/, "\u2212") + (spec.ticksuffix || "");
}

function makeAxis(id, spec, offset, length) {
  const ax = { _id: id, spec, type: spec.type === "log" ? "log" : "linear", _offset: offset,
    _length: length, range: [0, 1], letter: id[0] };
  ax.d2l = (v) => (ax.type === "log" ? (v > 0 ? Math.log10(v) : NaN) : v);
  ax.l2p = (l) => {
    const [lo, hi] = ax.range;
    const f = (l - lo) / (hi - lo);
    return ax.letter === "x" ? f * ax._length : (1 - f) * ax._length;
  };
  ax.d2p = (v) => ax.l2p(ax.d2l(v));
  ax.px = (v) => { const p = ax.d2p(v); return Number.isFinite(p) ? p + ax._offset : null; };
  return ax;
}

// ---------- traces: extents for autorange ----------

function histogramBins(trace) {
  const xs = (trace.x || []).filter((v) => num(v) !== null);
  if (!xs.length) return null;
  let [lo, hi] = bounds(xs);
  let size = num(get(trace, "xbins.size", null));
  if (num(get(trace, "xbins.start", null)) !== null) lo = trace.xbins.start;
  if (num(get(trace, "xbins.end", null)) !== null) hi = trace.xbins.end;
  if (!size) {
    const n = trace.nbinsx || Math.min(40, Math.max(5, Math.ceil(Math.sqrt(xs.length))));
    size = niceStep(hi - lo || 1, n);
    lo = Math.floor(lo / size) * size;
  }
  const count = Math.max(1, Math.ceil((hi - lo) / size + 1e-9));
  const counts = new Array(count).fill(0);
  for (const v of xs) {
    const k = Math.min(count - 1, Math.max(0, Math.floor((v - lo) / size)));
    counts[k] += 1;
  }
  const norm = trace.histnorm || "";
  const total = xs.length;
  const ys = counts.map((c) => norm === "percent" ? 100 * c / total
    : norm === "probability" ? c / total
      : norm === "probability density" ? c / total / size : norm === "density" ? c / size : c);
  return { lo, size, ys };
}

function extent(trace, letter) {
  const t = trace.type || "scatter";
  if (t === "histogram") {
    const h = trace._bins;
    if (!h) return [];
    return letter === "x" ? [h.lo, h.lo + h.size * h.ys.length] : [0, ...h.ys];
  }
  const vals = trace[letter] || [];
  if (t === "heatmap" && vals.length > 1) {
    const d = (vals[1] - vals[0]) / 2, e = (vals[vals.length - 1] - vals[vals.length - 2]) / 2;
    return [vals[0] - d, vals[vals.length - 1] + e];
  }
  const out = [];
  for (const v of vals) if (num(v) !== null) out.push(v);
  if (letter === "y" && t === "scatter" && /^tozero/.test(trace.fill || "")) out.push(0);
  return out;
}

// ---------- the chart ----------

// The frame holds the legend (HTML, above or below) and the chart's element: the
// SVG and the hover box, so pixels in the chart's element are pixels in the SVG.
function create(parent) {
  const frame = document.createElement("div");
  frame.className = "ll-chart-frame";
  frame.style.cssText = "width:100%;";
  frame.setAttribute("data-testid", "llChart");
  const root = document.createElement("div");
  root.className = "ll-chart";
  root.style.cssText = "position:relative;width:100%;";
  frame.appendChild(root);
  parent.appendChild(frame);
  const chart = { frame, root, spec: null, version: null, hidden: new Set(), width: 0,
    visible: true, pending: null, idle: null };
  // The width comes from the observer, after the browser's own layout: reading it
  // at once would force a layout of the whole page (tens of ms on a full page).
  new ResizeObserver((entries) => {
    const w = Math.floor(entries[entries.length - 1].contentRect.width);
    if (w > 0 && w !== chart.width) { chart.width = w; if (chart.spec) draw(chart); }
  }).observe(frame);
  // Whether it is on screen, the same way (for update below; data-in-sight).
  new IntersectionObserver((entries) => {
    chart.visible = entries[entries.length - 1].isIntersecting;
    root.dataset.inSight = String(chart.visible);
    if (chart.visible && chart.pending) update(chart);
  }).observe(frame);
  return chart;
}

// Read and draw the chart's pending data.
function update(chart) {
  if (chart.pending === null) return;
  if (chart.idle !== null) cancelIdleCallback(chart.idle);
  chart.idle = null;
  const data = chart.pending;
  chart.pending = null;
  chart.spec = decode(JSON.parse(data.spec));
  chart.drawn = data.version;  // what draw() draws from now on
  chart.root.setAttribute("aria-label", data.alt || "chart");
  if (chart.width) draw(chart);  // else the first width draws it
}

function subplotsOf(layout, traces) {
  const names = new Set();
  for (const k of Object.keys(layout)) {
    const m = /^([xy])axis(\d*)$/.exec(k);
    if (m) names.add(m[1] + (m[2] || ""));
  }
  for (const t of traces) { names.add(t.xaxis || "x"); names.add(t.yaxis || "y"); }
  names.add("x"); names.add("y");
  return [...names];
}

function legendEntries(chart, traces) {
  const layout = chart.spec.layout;
  if (layout.showlegend === false) return [];
  const seen = new Set(), out = [];
  traces.forEach((t, i) => {
    if (t.showlegend === false || t.visible === false) return;
    if (t.showlegend === undefined && (t.type === "contour" || t.type === "heatmap")) return;
    if (!t.name && t.name !== 0) return;
    const group = t.legendgroup ? `g:${t.legendgroup}` : `t:${i}`;
    if (seen.has(group)) return;
    seen.add(group);
    out.push({ trace: t, index: i, group });
  });
  // Plotly shows no legend for a single unnamed-in-legend trace unless asked
  if (out.length === 1 && layout.showlegend !== true) return [];
  return out;
}

// How many rows the legend's items wrap into at `width` (measured on a canvas, so
// no layout of the page is forced): swatch 30 px, gaps 6 and 16 px, padding 8 px.
function legendRows(entries, width, size, family) {
  let rows = 1, x = 8;
  for (const e of entries) {
    const w = 36 + textWidth(textLines(e.trace.name).join(" "), size, family);
    if (x > 8 && x + w > width - 8) { rows += 1; x = 8; }
    x += w + 16;
  }
  return rows;
}

function drawLegend(chart, entries, font) {
  const box = document.createElement("div");
  box.className = "ll-legend";
  const size = get(chart.spec.layout, "legend.font.size", font.size);
  box.style.cssText = `display:flex;flex-wrap:wrap;gap:2px 16px;padding:2px 8px;`
    + `font-size:${size}px;font-family:${font.family};color:${font.color};line-height:1.3;`
    + "overflow:hidden;box-sizing:border-box;";
  for (const e of entries) {
    const item = document.createElement("span");
    item.className = "ll-legend-item";
    item.style.cssText = "display:inline-flex;align-items:center;gap:6px;cursor:pointer;"
      + (chart.hidden.has(e.group) ? "opacity:0.45;" : "");
    const sw = document.createElementNS(NS, "svg");
    sw.setAttribute("width", "30"); sw.setAttribute("height", "14");
    swatch(sw, e.trace, chart.colours[e.index]);
    const label = document.createElement("span");
    label.textContent = textLines(e.trace.name).join(" ");
    item.append(sw, label);
    item.addEventListener("click", () => {
      if (chart.hidden.has(e.group)) chart.hidden.delete(e.group); else chart.hidden.add(e.group);
      draw(chart);
    });
    box.appendChild(item);
  }
  return box;
}

function swatch(svg, t, colour) {
  const type = t.type || "scatter";
  if (type === "contour" && ["none", "lines"].includes(get(t, "contours.coloring", "fill"))) {
    el("line", { x1: 2, y1: 7, x2: 28, y2: 7, stroke: get(t, "line.color", css(scaleOf(t)(0.5))),
      "stroke-width": Math.min(4, get(t, "line.width", 2)) }, svg);
    return;
  }
  if (type !== "scatter") {
    const fill = type === "histogram" ? get(t, "marker.color", colour) : css(scaleOf(t)(1));
    el("rect", { x: 6, y: 1, width: 18, height: 12, fill, opacity: t.opacity ?? 1,
      stroke: "#444", "stroke-width": 0.5 }, svg);
    return;
  }
  const mode = modeOf(t);
  if (t.fill && t.fill !== "none") {
    el("rect", { x: 4, y: 2, width: 22, height: 10, fill: t.fillcolor || colour, opacity: 0.5 }, svg);
  }
  if (mode.includes("lines")) {
    el("line", { x1: 2, y1: 7, x2: 28, y2: 7, stroke: get(t, "line.color", colour),
      "stroke-width": Math.min(4, get(t, "line.width", 2)),
      "stroke-dasharray": dashOf(get(t, "line.dash", "solid")) }, svg);
  }
  if (mode.includes("markers")) {
    const mc = get(t, "marker.color", colour);
    const c = Array.isArray(mc) ? colour : mc;
    const symbol = get(t, "marker.symbol", "circle");
    if (symbol !== "none") {
      el("path", { d: symbolPath(Array.isArray(symbol) ? symbol[0] : symbol, 5), transform: "translate(15,7)",
        fill: c, stroke: get(t, "marker.line.color", c), "stroke-width": get(t, "marker.line.width", 0) || (String(symbol).includes("x") ? 2 : 0) }, svg);
    }
  }
}

function dashOf(d) { return DASHES[d] ?? String(d).replace(/px/g, ""); }

function modeOf(t) { return t.mode || ((t.x || []).length < 20 ? "lines+markers" : "lines"); }

function symbolPath(symbol, r) {
  const s = String(symbol).replace(/-open$/, "");
  switch (s) {
    case "square": return `M${r},${r}H${-r}V${-r}H${r}Z`;
    case "diamond": { const q = 1.3 * r; return `M${q},0L0,${q}L${-q},0L0,${-q}Z`; }
    case "x": case "x-thin": { const q = r * 0.9; return `M${-q},${-q}L${q},${q}M${-q},${q}L${q},${-q}`; }
    case "cross": return `M${-r},0H${r}M0,${-r}V${r}`;
    case "triangle-up": return `M0,${-r * 1.2}L${r * 1.1},${r * 0.8}H${-r * 1.1}Z`;
    case "triangle-down": return `M0,${r * 1.2}L${r * 1.1},${-r * 0.8}H${-r * 1.1}Z`;
    case "star": {
      let d = "";
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + k * Math.PI / 5, q = k % 2 ? r * 0.55 : r * 1.35;
        d += `${k ? "L" : "M"}${(q * Math.cos(a)).toFixed(2)},${(q * Math.sin(a)).toFixed(2)}`;
      }
      return d + "Z";
    }
    default: return `M${r},0A${r},${r} 0 1,1 0,${-r}A${r},${r} 0 0,1 ${r},0Z`;
  }
}

// The axes' ranges: given, or from the data their traces draw; matched axes share.
function setRanges(axes, traces) {
  const extents = {};
  for (const t of traces) {
    for (const letter of ["x", "y"]) {
      const id = t[`${letter}axis`] || letter;
      const values = extent(t, letter);
      const all = (extents[id] ||= []);
      for (const v of values) all.push(v);
      // Plotly's padding: 5% each side of a scatter's y values, and of x with
      // markers or text (lines alone reach the x edges); none beside a fill to 0
      if (!values.length || (t.type || "scatter") !== "scatter") continue;
      const mode = modeOf(t);
      const marked = mode.includes("markers") || mode.includes("text");
      if (letter === "x" ? marked : (marked || !/^to(zero|next)y$/.test(t.fill || ""))) {
        extents[`${id}:pad`] = true;
      }
    }
  }
  for (const ax of Object.values(axes)) {
    const spec = ax.spec;
    const group = [ax._id, ...Object.values(axes).filter((o) => o.spec.matches === ax._id
      || spec.matches === o._id).map((o) => o._id)];
    const given = Array.isArray(spec.range) && spec.range.every((v) => num(v) !== null) ? spec.range : null;
    if (given) { ax.range = [...given]; }
    else if (ax.categories) { ax.range = [-0.5, ax.categories.length - 0.5]; }
    else {
      let vals = group.flatMap((id) => extents[id] || []).map(ax.d2l).filter(Number.isFinite);
      if (spec.rangemode === "tozero") vals.push(0);
      let [lo, hi] = vals.length ? bounds(vals) : (ax.type === "log" ? [0, 1] : [-1, 6]);
      if (hi === lo) { lo -= 1; hi += 1; }
      if (group.some((id) => extents[`${id}:pad`])) {
        const pad = (hi - lo) * 0.05;
        lo = spec.rangemode === "tozero" && lo === 0 ? 0 : lo - pad; hi += pad;
      }
      ax.range = [lo, hi];
    }
    if (spec.autorange === "reversed") ax.range = [ax.range[1], ax.range[0]];
  }
  for (const ax of Object.values(axes)) {  // "matches" copies the matched range
    const m = ax.spec.matches && axes[ax.spec.matches];
    if (m && !(Array.isArray(ax.spec.range))) ax.range = [...m.range];
  }
}

function draw(chart) {
  const { root } = chart;
  const spec = chart.spec;
  const layout = spec.layout || {};
  const categories = categoryAxes(layout, spec.data);
  const traces = spec.data.map((t) => {
    const out = { ...t, _x: t.x, _y: t.y };  // _x, _y: as given, for the hover
    for (const letter of ["x", "y"]) {
      const cats = categories[t[`${letter}axis`] || letter];
      if (cats && Array.isArray(t[letter])) out[letter] = t[letter].map((v) => cats.indexOf(String(v)));
    }
    if (out.type === "histogram") out._bins = histogramBins(out);
    return out;
  });
  const font = { family: get(layout, "font.family", "sans-serif"), size: get(layout, "font.size", 14),
    color: get(layout, "font.color", AXIS_TEXT) };
  const colorway = layout.colorway || spec.theme?.colorway || ["#0072B2"];
  let next = 0;
  chart.colours = traces.map((t) => {
    if ((t.type || "scatter") === "scatter" || t.type === "histogram") return colorway[next++ % colorway.length];
    return "#444";
  });
  const { frame } = chart;
  const width = Math.max(120, chart.width);
  const totalHeight = num(layout.height) || 450;
  frame.replaceChildren(root);
  root.replaceChildren();

  const entries = legendEntries(chart, traces);
  let legend = null, legendHeight = 0;
  const margin = { l: get(layout, "margin.l", 80), r: get(layout, "margin.r", 80),
    t: get(layout, "margin.t", 100), b: get(layout, "margin.b", 80) };
  if (entries.length) {
    legend = drawLegend(chart, entries, font);
    const size = get(layout, "legend.font.size", font.size);
    const below = get(layout, "legend.orientation", "v") === "h" && get(layout, "legend.y", 1.02) < 0.5;
    frame.appendChild(legend);
    legendHeight = legendRows(entries, width, size, font.family) * Math.ceil(size * 1.3 + 2) + 4;
    legend.style.height = `${legendHeight}px`;
    // the legend takes the room Plotly would take for it inside the figure
    if (below) margin.b = Math.max(margin.b - legendHeight - 30, 40);
    else margin.t = Math.max(margin.t - legendHeight, 10);
  }
  const height = Math.max(80, totalHeight - legendHeight);
  const svg = el("svg", { width, height, class: "ll-main", role: "img",
    "font-family": font.family });
  svg.style.display = "block";
  const title = get(layout, "title.text", "");
  if (title) margin.t = Math.max(margin.t, get(layout, "title.font.size", font.size + 4) * 1.2 * textLines(title).length + 12);

  // colour bars need room on the right
  const bars = traces.filter((t) => (t.type === "contour" || t.type === "heatmap") && t.showscale !== false
    && t.visible !== false);
  const barRoom = bars.length ? (get(bars[0], "colorbar.thickness", 30) + 60
    + (get(bars[0], "colorbar.title.text", "") && get(bars[0], "colorbar.title.side", "top") === "right" ? 24 : 0)) : 0;
  margin.r = Math.max(margin.r, barRoom);

  // axes, laid out twice: once to measure the tick labels, then with room for them
  const ids = subplotsOf(layout, traces);
  const plot = () => ({ x: margin.l, y: margin.t, w: Math.max(20, width - margin.l - margin.r),
    h: Math.max(20, height - margin.t - margin.b) });
  let axes = {};
  const layoutAxes = () => {
    const area = plot();
    axes = {};
    for (const id of ids) {
      const spec = layout[`${id[0]}axis${id.slice(1)}`] || {};
      const d = Array.isArray(spec.domain) ? spec.domain : [0, 1];
      axes[id] = id[0] === "x"
        ? makeAxis(id, spec, area.x + d[0] * area.w, (d[1] - d[0]) * area.w)
        : makeAxis(id, spec, area.y + (1 - d[1]) * area.h, (d[1] - d[0]) * area.h);
    }
    for (const [id, cats] of Object.entries(categories)) if (axes[id]) axes[id].categories = cats;
    setRanges(axes, traces);
    for (const ax of Object.values(axes)) ax.ticks = ticksOf(ax);
  };
  layoutAxes();
  const need = neededMargins(axes, font);
  let grown = false;
  for (const side of ["l", "b"]) if (need[side] > margin[side]) { margin[side] = need[side]; grown = true; }
  if (grown) layoutAxes();

  chart.layout = { width, height, margin, axes };
  const layoutFacade = { width, height };
  for (const ax of Object.values(axes)) layoutFacade[`${ax.letter}axis${ax._id.slice(1)}`] = ax;
  root.llLayout = layoutFacade;
  root.llData = traces;  // the figure's traces, arrays decoded

  const defs = el("defs", {}, svg);
  const clipFor = (xa, ya) => {
    const id = `ll-clip-${chart.uid}-${xa._id}${ya._id}`;
    if (!defs.querySelector(`#${id}`)) {
      const cp = el("clipPath", { id }, defs);
      el("rect", { x: xa._offset, y: ya._offset, width: xa._length, height: ya._length }, cp);
    }
    return `url(#${id})`;
  };
  // plot areas: background grid, zero lines
  const pairs = new Map();
  traces.forEach((t) => pairs.set(`${t.xaxis || "x"}|${t.yaxis || "y"}`, [axes[t.xaxis || "x"], axes[t.yaxis || "y"]]));
  for (const ax of Object.values(axes)) {
    const anchor = axes[ax.spec.anchor] || axes[ax.letter === "x" ? "y" : "x"];
    if (anchor) pairs.set(ax.letter === "x" ? `${ax._id}|${anchor._id}` : `${anchor._id}|${ax._id}`,
      ax.letter === "x" ? [ax, anchor] : [anchor, ax]);
  }
  const gridLayer = el("g", { class: "ll-grid" }, svg);
  const shapesBelow = el("g", { class: "ll-shapes-below" }, svg);
  const traceLayer = el("g", { class: "ll-traces" }, svg);
  const shapesAbove = el("g", { class: "ll-shapes" }, svg);
  const axisLayer = el("g", { class: "ll-axes" }, svg);
  const annLayer = el("g", { class: "ll-annotations" }, svg);
  for (const [xa, ya] of pairs.values()) drawGrid(gridLayer, xa, ya);
  for (const ax of Object.values(axes)) {
    const anchor = axes[ax.spec.anchor] || axes[ax.letter === "x" ? "y" : "x"];
    if (anchor) drawAxis(axisLayer, ax, anchor, font);
  }

  // traces
  const hover = [];
  let previous = {};
  traces.forEach((t, i) => {
    const xa = axes[t.xaxis || "x"], ya = axes[t.yaxis || "y"];
    const group = t.legendgroup ? `g:${t.legendgroup}` : `t:${i}`;
    if (t.visible === false || t.visible === "legendonly" || chart.hidden.has(group)) return;
    const g = el("g", { class: `ll-trace trace ${t.type || "scatter"}`, "clip-path": clipFor(xa, ya) }, traceLayer);
    g.dataset.name = textLines(t.name).join(" ");
    const type = t.type || "scatter";
    if (type === "scatter") {
      const key = `${xa._id}${ya._id}`;
      drawScatter(g, t, xa, ya, chart.colours[i], previous[key], hover);
      previous[key] = t;
    } else if (type === "contour" || type === "heatmap") {
      drawGridTrace(g, t, xa, ya, hover);
    } else if (type === "histogram") {
      const histos = traces.filter((u) => u.type === "histogram" && u.visible !== false);
      drawHistogram(g, t, xa, ya, chart.colours[i], histos.indexOf(t), histos.length,
        layout.barmode || "group", hover);
    }
  });
  for (const s of layout.shapes || []) {
    drawShape((s.layer === "below" ? shapesBelow : shapesAbove), s, axes, chart.layout);
  }
  for (const a of layout.annotations || []) drawAnnotation(annLayer, a, axes, chart.layout, font);
  separateAnnotations(annLayer, font.family);
  if (title) {
    const size = get(layout, "title.font.size", font.size + 4);
    const tx = get(layout, "title.x", 0.05);
    svgText(svg, title, tx * width, 6, { size, color: get(layout, "title.font.color", font.color),
      family: font.family, anchor: tx > 0.4 && tx < 0.6 ? "middle" : "start", baseline: "top",
      cls: "ll-title" });
  }
  bars.slice(0, 1).forEach((t) => drawColourBar(svg, t, chart.layout, font));
  if (legend && !(get(layout, "legend.orientation", "v") === "h" && get(layout, "legend.y", 1.02) < 0.5)) {
    frame.prepend(legend);
  }
  root.style.height = `${height}px`;
  root.appendChild(svg);
  setupHover(chart, svg, hover, layout, font);
  root.dataset.drawn = chart.drawn;
  root.dispatchEvent(new CustomEvent("ll-drawn"));
}

// Axes whose values are words (Plotly's category axes), each with its words in
// order of first appearance; the traces then place them at 0, 1, 2, ...
function categoryAxes(layout, data) {
  const out = {};
  for (const t of data) {
    for (const letter of ["x", "y"]) {
      const id = t[`${letter}axis`] || letter;
      const spec = layout[`${letter}axis${id.slice(1)}`] || {};
      const values = Array.isArray(t[letter]) ? t[letter] : [];
      const words = spec.type === "category"
        || (spec.type === undefined && values.some((v) => typeof v === "string" && v !== "" && !Number.isFinite(Number(v))));
      if (!words) continue;
      const cats = (out[id] ||= []);
      for (const v of values) if (v !== null && !cats.includes(String(v))) cats.push(String(v));
    }
  }
  return out;
}

function ticksOf(ax) {
  if (ax.categories) {
    return ax.categories.map((c, k) => ({ v: k, p: ax.px(k), text: c }))
      .filter((t) => t.p !== null && t.p >= ax._offset - 0.5 && t.p <= ax._offset + ax._length + 0.5);
  }
  const [lo, hi] = ax.range;
  const count = Math.max(2, Math.round(ax._length / (ax.letter === "x" ? 80 : 45)));
  if (ax.spec.showticklabels === false && ax.spec.showgrid === false) return [];
  let values, step;
  if (ax.type === "log") { values = logTicks(lo, hi, count); step = 1; }
  else {
    ({ values, step } = linearTicks(lo, hi, count));
  }
  return values.map((v) => ({ v, p: ax.px(v), text: tickLabel(ax, v, step) })).filter((t) => t.p !== null);
}

function neededMargins(axes, font) {
  const need = { l: 0, b: 0 };
  for (const ax of Object.values(axes)) {
    const size = get(ax.spec, "tickfont.size", font.size);
    const tsize = get(ax.spec, "title.font.size", font.size);
    const titled = !!get(ax.spec, "title.text", "");
    const labels = ax.spec.showticklabels === false ? [] : ax.ticks.map((t) => t.text);
    if (ax.letter === "y" && (Array.isArray(ax.spec.domain) ? true : true)) {
      const w = labels.length ? Math.max(...labels.map((s) => textWidth(s, size, font.family))) : 0;
      need.l = Math.max(need.l, w + 8 + (titled ? tsize * 1.3 + 6 : 0) + 4);
    } else if (ax.letter === "x") {
      need.b = Math.max(need.b, (labels.length ? size * 1.3 + 4 : 0) + (titled ? tsize * 1.3 + 8 : 0) + 6);
    }
  }
  return need;
}

function drawGrid(g, xa, ya) {
  const x0 = xa._offset, y0 = ya._offset, x1 = x0 + xa._length, y1 = y0 + ya._length;
  if (xa.spec.showgrid !== false) {
    for (const t of xa.ticks) el("line", { x1: t.p, x2: t.p, y1: y0, y2: y1, stroke: GRID, "stroke-width": 1 }, g);
  }
  if (ya.spec.showgrid !== false) {
    for (const t of ya.ticks) el("line", { x1: x0, x2: x1, y1: t.p, y2: t.p, stroke: GRID, "stroke-width": 1 }, g);
  }
  for (const [ax, other] of [[xa, ya], [ya, xa]]) {
    if (ax.type === "log" || ax.spec.zeroline === false) continue;
    const p = ax.px(0);
    const [a, b] = [ax._offset, ax._offset + ax._length];
    if (p === null || p <= a + 0.5 || p >= b - 0.5) continue;
    const o0 = other._offset, o1 = other._offset + other._length;
    el("line", ax.letter === "x" ? { x1: p, x2: p, y1: o0, y2: o1 } : { x1: o0, x2: o1, y1: p, y2: p },
      g).setAttribute("style", `stroke:${GRID};stroke-width:2`);
  }
}

// Every how many ticks an x axis can label without its labels touching (a
// narrow subplot: 0.25, 0.5 and 0.75 in 90 pixels).
function labelStride(ticks, size, family) {
  const w = ticks.map((t) => textWidth(t.text, size, family));
  for (let stride = 1; stride < ticks.length; stride++) {
    let fits = true;
    for (let k = stride; k < ticks.length && fits; k += stride) {
      fits = ticks[k].p - ticks[k - stride].p >= (w[k] + w[k - stride]) / 2 + 6;
    }
    if (fits) return stride;
  }
  return Math.max(1, ticks.length);
}

// Annotations on one line that would overlap (two subplot titles over narrow
// panels) get smaller type, down to 60%, so each stays readable. Measured with
// the text's font, not the layout (the chart may be drawn before it is shown).
function separateAnnotations(layer, family) {
  const boxes = [...layer.querySelectorAll("text.ll-annotation")].map((t) => {
    const size = Number(t.getAttribute("font-size"));
    const width = Math.max(...[...t.children].map((s) => textWidth(s.textContent, size, family)));
    const x = Number(t.getAttribute("x")), anchor = t.getAttribute("text-anchor");
    const left = anchor === "start" ? x : anchor === "end" ? x - width : x - width / 2;
    return { t, size, width, left, centre: left + width / 2, y: Number(t.getAttribute("y")) };
  });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = boxes[i].left <= boxes[j].left ? [boxes[i], boxes[j]] : [boxes[j], boxes[i]];
      if (Math.abs(a.y - b.y) > Math.max(a.size, b.size) || b.left - (a.left + a.width) >= 4) continue;
      const scale = Math.max(0.6, (b.centre - a.centre - 4) / ((a.width + b.width) / 2));
      for (const box of [a, b]) {
        if (scale >= 1) continue;
        box.t.setAttribute("font-size", (box.size * scale).toFixed(1));
      }
    }
  }
}

function drawAxis(g, ax, anchor, font) {
  const size = get(ax.spec, "tickfont.size", font.size);
  const tsize = get(ax.spec, "title.font.size", font.size);
  const color = get(ax.spec, "tickfont.color", font.color);
  const axisG = el("g", { class: `ll-axis ${ax._id}tick`, "data-axis": ax._id }, g);
  let far = 0;
  if (ax.spec.showticklabels !== false) {
    const stride = ax.letter === "x" ? labelStride(ax.ticks, size, font.family) : 1;
    for (const [k, t] of ax.ticks.entries()) {
      if (k % stride !== 0) continue;  // a narrow axis labels every other tick
      if (ax.letter === "x") {
        const y = anchor._offset + anchor._length + 4;
        svgText(axisG, t.text, t.p, y, { size, color, family: font.family, baseline: "top" });
        far = Math.max(far, size * 1.25 + 4);
      } else {
        svgText(axisG, t.text, anchor._offset - 6, t.p, { size, color, family: font.family, anchor: "end" });
        far = Math.max(far, textWidth(t.text, size, font.family) + 6);
      }
    }
  }
  const title = get(ax.spec, "title.text", "");
  if (!title) return;
  const tcolor = get(ax.spec, "title.font.color", font.color);
  if (ax.letter === "x") {
    svgText(axisG, title, ax._offset + ax._length / 2, anchor._offset + anchor._length + far + 6,
      { size: tsize, color: tcolor, family: font.family, baseline: "top", cls: `ll-axis-title ${ax._id}title` });
  } else {
    const x = anchor._offset - far - 6 - tsize * 0.6;
    svgText(axisG, title, x, ax._offset + ax._length / 2,
      { size: tsize, color: tcolor, family: font.family, rotate: -90, cls: `ll-axis-title ${ax._id}title` });
  }
}

function points(t, xa, ya) {
  const xs = t.x || [], ys = t.y || [];
  const out = [];
  const n = Math.min(xs.length, ys.length);
  for (let k = 0; k < n; k++) {
    const px = num(xs[k]) === null ? null : xa.px(xs[k]);
    const py = num(ys[k]) === null ? null : ya.px(ys[k]);
    out.push(px === null || py === null ? null : [px, py, k]);
  }
  return out;
}

function linePath(pts, shape) {
  let d = "", pen = false, last = null;
  for (const p of pts) {
    if (!p) { pen = false; continue; }
    if (!pen) d += `M${p[0].toFixed(2)},${p[1].toFixed(2)}`;
    else if (shape === "hv") d += `H${p[0].toFixed(2)}V${p[1].toFixed(2)}`;
    else if (shape === "vh") d += `V${p[1].toFixed(2)}H${p[0].toFixed(2)}`;
    else d += `L${p[0].toFixed(2)},${p[1].toFixed(2)}`;
    pen = true; last = p;
  }
  return d;
}

function drawScatter(g, t, xa, ya, colour, prev, hover) {
  const mode = modeOf(t);
  const pts = points(t, xa, ya);
  const shape = get(t, "line.shape", "linear");
  const lineColour = get(t, "line.color", colour);
  if (t.fill && t.fill !== "none") {
    const solid = pts.filter(Boolean);
    let d = "";
    if (solid.length) {
      if (t.fill === "toself") d = linePath(solid, shape) + "Z";
      else if (t.fill === "tozeroy") {
        const base = Math.min(Math.max(ya.px(ya.type === "log" ? 1 : 0) ?? ya._offset + ya._length,
          ya._offset), ya._offset + ya._length);
        d = linePath(solid, shape) + `L${solid[solid.length - 1][0]},${base}L${solid[0][0]},${base}Z`;
      } else if (t.fill === "tonexty" && prev) {
        const back = points(prev, xa, ya).filter(Boolean).reverse();
        d = linePath(solid, shape) + back.map((p) => `L${p[0]},${p[1]}`).join("") + "Z";
      }
    }
    if (d) el("path", { d, fill: t.fillcolor || colour, "fill-opacity": t.fillcolor ? 1 : 0.5,
      stroke: "none", class: "ll-fill" }, g);
  }
  if (mode.includes("lines") && get(t, "line.width", 2) > 0) {
    const d = linePath(t.connectgaps ? pts.filter(Boolean) : pts, shape);
    if (d) el("path", { d, fill: "none", stroke: lineColour, "stroke-width": get(t, "line.width", 2),
      "stroke-dasharray": dashOf(get(t, "line.dash", "solid")), "stroke-linejoin": "round",
      opacity: t.opacity ?? 1, class: "js-line ll-line" }, g);
  }
  if (mode.includes("markers")) {
    const m = t.marker || {};
    const symbols = Array.isArray(m.symbol) ? m.symbol : null;
    const sizes = Array.isArray(m.size) ? m.size : null;
    const colours = Array.isArray(m.color) ? m.color : null;
    const lineW = get(m, "line.width", 0), lineC = get(m, "line.color", "#444");
    const mg = el("g", { class: "ll-points points", opacity: m.opacity ?? t.opacity ?? 1 }, g);
    for (const p of pts) {
      if (!p) continue;
      const k = p[2];
      const symbol = symbols ? symbols[k] : (m.symbol || "circle");
      if (symbol === "none") continue;
      const size = (sizes ? sizes[k] : m.size) ?? 6;
      const c = colours ? colours[k] : (m.color || colour);
      const isX = String(symbol).startsWith("x") || symbol === "cross";
      el("path", { d: symbolPath(symbol, size / 2), transform: `translate(${p[0].toFixed(2)},${p[1].toFixed(2)})`,
        fill: isX ? "none" : c, stroke: isX ? c : (lineW ? (Array.isArray(lineC) ? lineC[k] : lineC) : "none"),
        "stroke-width": isX ? Math.max(2, lineW) : lineW, class: "point" }, mg);
    }
  }
  if (mode.includes("text")) {
    const texts = Array.isArray(t.text) ? t.text : null;
    const pos = t.textposition || "middle center";
    for (const p of pts) {
      if (!p) continue;
      const text = texts ? texts[p[2]] : t.text;
      const dy = pos.startsWith("top") ? -10 : pos.startsWith("bottom") ? 10 : 0;
      const anchor = pos.endsWith("right") ? "start" : pos.endsWith("left") ? "end" : "middle";
      svgText(g, text, p[0] + (anchor === "start" ? 6 : anchor === "end" ? -6 : 0), p[1] + dy,
        { size: get(t, "textfont.size", 14), color: get(t, "textfont.color", lineColour), family: "inherit", anchor });
    }
  }
  if (t.hoverinfo !== "skip" && t.hoverinfo !== "none") {
    for (const p of pts) if (p) hover.push({ px: p[0], py: p[1], t, k: p[2], colour: lineColour, xa });
  }
}

function levelsOf(t, lo, hi) {
  const c = t.contours || {};
  let start = num(c.start), end = num(c.end), size = num(c.size);
  if (start === null || end === null || !size || t.autocontour === true) {
    size = niceStep(hi - lo || 1, t.ncontours || 15);
    start = Math.ceil(lo / size) * size; end = Math.floor(hi / size) * size;
  }
  const out = [];
  for (let v = start; v <= end + size * 1e-6 && out.length < 500; v += size) out.push(v);
  return out;
}

function zRange(t) {
  let lo = Infinity, hi = -Infinity;
  for (const row of t.z || []) for (const v of row) if (num(v) !== null) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (num(t.zmin) !== null) lo = t.zmin;
  if (num(t.zmax) !== null) hi = t.zmax;
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}

function drawGridTrace(g, t, xa, ya, hover) {
  const z = t.z || [];
  const ny = z.length, nx = ny ? z[0].length : 0;
  if (!nx || !ny) return;
  const xs = t.x && t.x.length === nx ? t.x : Array.from({ length: nx }, (_, k) => k);
  const ys = t.y && t.y.length === ny ? t.y : Array.from({ length: ny }, (_, k) => k);
  const [zlo, zhi] = zRange(t);
  const colour = scaleOf(t);
  const coloring = t.type === "heatmap" ? "heatmap" : get(t, "contours.coloring", "fill");
  const levels = t.type === "contour" ? levelsOf(t, zlo, zhi) : [];
  t._levels = levels; t._zrange = [zlo, zhi];
  // pixel box of the grid (heatmap cells extend half a step past the centres)
  const half = (arr, k) => (arr.length > 1 ? (arr[Math.min(k + 1, arr.length - 1)] - arr[Math.max(k - 1, 0)]) / (k === 0 || k === arr.length - 1 ? 2 : 4) : 0.5);
  const xl = t.type === "heatmap" ? xs[0] - half(xs, 0) : xs[0], xh = t.type === "heatmap" ? xs[nx - 1] + half(xs, nx - 1) : xs[nx - 1];
  const yl = t.type === "heatmap" ? ys[0] - half(ys, 0) : ys[0], yh = t.type === "heatmap" ? ys[ny - 1] + half(ys, ny - 1) : ys[ny - 1];
  const px0 = xa.px(xl), px1 = xa.px(xh), py0 = ya.px(yl), py1 = ya.px(yh);
  if ([px0, px1, py0, py1].some((p) => p === null)) return;
  if (coloring === "fill" || coloring === "heatmap") {
    const cw = Math.max(1, Math.min(600, Math.round(Math.abs(px1 - px0))));
    const ch = Math.max(1, Math.min(600, Math.round(Math.abs(py1 - py0))));
    const cells = t.type === "heatmap" && t.zsmooth !== "best" && t.zsmooth !== "fast";
    const W = cells ? nx : cw, H = cells ? ny : ch;
    const canvas = document.createElement("canvas");
    canvas.width = W; canvas.height = H;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(W, H);
    // a contour's bands each have one colour: computed once per band; a pixel's band
    // is found by binary search over the (ascending) levels
    const bandColour = (k) => {
      const step = levels.length > 1 ? levels[1] - levels[0] : (zhi - zlo);
      const mid = k === 0 ? levels[0] - step / 2 : k === levels.length ? levels[k - 1] + step / 2
        : (levels[k - 1] + levels[k]) / 2;
      const a = (levels[0] ?? zlo) - step / 2, b = (levels[levels.length - 1] ?? zhi) + step / 2;
      return colour((mid - a) / (b - a));
    };
    const bands = coloring === "heatmap" ? [] : levels.map((_, k) => bandColour(k))
      .concat([bandColour(levels.length)]);
    // a heatmap: the scale's colour at 1,024 steps (finer than a channel's 256)
    const steps = coloring === "heatmap"
      ? Array.from({ length: 1024 }, (_, k) => colour(k / 1023)) : null;
    const colourAt = (v) => {
      if (steps) return steps[Math.round(1023 * Math.min(1, Math.max(0, (v - zlo) / (zhi - zlo))))];
      let lo = 0, hi = levels.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (v >= levels[m]) lo = m + 1; else hi = m; }
      return bands[lo];
    };
    // where each canvas column falls in the grid: the same for every row
    const gx = (i) => (cells ? (px0 < px1 ? i : nx - 1 - i)
      : (px0 < px1 ? i / Math.max(1, W - 1) : 1 - i / Math.max(1, W - 1)) * (nx - 1));
    const col0 = new Int32Array(W), col1 = new Int32Array(W), colT = new Float64Array(W);
    for (let i = 0; i < W; i++) {
      const fx = gx(i);
      col0[i] = Math.floor(fx); col1[i] = Math.min(nx - 1, col0[i] + 1); colT[i] = fx - col0[i];
    }
    const data = img.data;
    for (let j = 0; j < H; j++) {
      // canvas row 0 is the top: the grid's high y when y grows upward on screen
      const fy = cells ? (py0 < py1 ? j : ny - 1 - j) : (py0 < py1 ? j / Math.max(1, H - 1) : 1 - j / Math.max(1, H - 1)) * (ny - 1);
      const j0 = Math.floor(fy), j1 = Math.min(ny - 1, j0 + 1), ty = fy - j0;
      const r0 = z[j0], r1 = z[j1];
      for (let i = 0; i < W; i++) {
        const i0 = col0[i], i1 = col1[i], tx = colT[i];
        const a = r0[i0], b = r0[i1], c = r1[i0], d = r1[i1];
        let v;
        if (Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d)) {
          v = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
        } else v = num(z[Math.round(fy)][Math.round(gx(i))]);
        const o = 4 * (j * W + i);
        if (v === null) { data[o + 3] = 0; continue; }
        const col = colourAt(v);
        data[o] = col[0]; data[o + 1] = col[1]; data[o + 2] = col[2];
        data[o + 3] = Math.round(255 * (col[3] ?? 1));
      }
    }
    ctx.putImageData(img, 0, 0);
    const image = el("image", { x: Math.min(px0, px1), y: Math.min(py0, py1), width: Math.abs(px1 - px0),
      height: Math.abs(py1 - py0), preserveAspectRatio: "none", class: t.type === "heatmap" ? "hm" : "ll-fill" }, g);
    if (cells) image.setAttribute("style", "image-rendering:pixelated");
    image.setAttribute("href", canvas.toDataURL());
  }
  if (t.type === "contour" && coloring !== "none" && get(t, "contours.showlines", true) !== false) {
    const lg = el("g", { class: "ll-contour-lines contourlevel" }, g);
    const width = get(t, "line.width", coloring === "lines" ? 2 : 0.5);
    const span = (levels[levels.length - 1] - levels[0]) || 1;
    for (const level of levels) {
      const d = isoline(z, xs, ys, level, xa, ya);
      if (!d) continue;
      const stroke = coloring === "lines" ? css(colour((level - levels[0]) / span))
        : get(t, "line.color", "rgba(0,0,0,0.35)");
      el("path", { d, fill: "none", stroke, "stroke-width": width }, lg);
    }
  } else if (t.type === "contour" && coloring === "none") {
    // lines in the trace's own colour only
    const lg = el("g", { class: "ll-contour-lines contourlevel" }, g);
    for (const level of levels) {
      const d = isoline(z, xs, ys, level, xa, ya);
      if (d) el("path", { d, fill: "none", stroke: get(t, "line.color", "#444"),
        "stroke-width": get(t, "line.width", 1), "stroke-dasharray": dashOf(get(t, "line.dash", "solid")) }, lg);
    }
  }
  if (t.hoverinfo !== "skip" && t.hoverinfo !== "none") hover.push({ grid: true, t, xs, ys, xa, ya });
}

// Marching squares: the segments where z crosses `level`, as one SVG path.
function isoline(z, xs, ys, level, xa, ya) {
  const ny = z.length, nx = z[0].length;
  let d = "";
  const at = (i, j, i2, j2) => {
    const a = z[j][i], b = z[j2][i2];
    const f = (level - a) / (b - a);
    const x = xs[i] + f * (xs[i2] - xs[i]), y = ys[j] + f * (ys[j2] - ys[j]);
    return `${xa.px(x).toFixed(1)},${ya.px(y).toFixed(1)}`;
  };
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const v = [z[j][i], z[j][i + 1], z[j + 1][i + 1], z[j + 1][i]];
      if (v.some((q) => num(q) === null)) continue;
      const code = (v[0] >= level ? 1 : 0) | (v[1] >= level ? 2 : 0) | (v[2] >= level ? 4 : 0) | (v[3] >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const e = [() => at(i, j, i + 1, j), () => at(i + 1, j, i + 1, j + 1),
        () => at(i, j + 1, i + 1, j + 1), () => at(i, j, i, j + 1)];
      const SEG = { 1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 5: [[3, 0], [1, 2]], 6: [[0, 2]],
        7: [[3, 2]], 8: [[2, 3]], 9: [[0, 2]], 10: [[0, 1], [2, 3]], 11: [[1, 2]], 12: [[1, 3]],
        13: [[0, 1]], 14: [[0, 3]] };
      for (const [p, q] of SEG[code]) d += `M${e[p]()}L${e[q]()}`;
    }
  }
  return d;
}

function drawHistogram(g, t, xa, ya, colour, index, count, barmode, hover) {
  const h = t._bins;
  if (!h) return;
  const fill = get(t, "marker.color", colour);
  const gap = 0.05;
  const share = barmode === "group" ? count : 1;
  const slot = barmode === "group" ? index : 0;
  h.ys.forEach((y, k) => {
    const left = h.lo + k * h.size, w = h.size * (1 - 2 * gap) / share;
    const x0 = left + h.size * gap + slot * w, x1 = x0 + w;
    const p0 = xa.px(x0), p1 = xa.px(x1), py = ya.px(y), base = ya.px(0);
    if ([p0, p1, py, base].some((p) => p === null) || y <= 0) return;
    el("rect", { x: Math.min(p0, p1), y: Math.min(py, base), width: Math.abs(p1 - p0),
      height: Math.abs(base - py), fill, opacity: t.opacity ?? 1, class: "point" }, g);
    hover.push({ px: (p0 + p1) / 2, py, t: { ...t, x: [left + h.size / 2], y: [y], _x: null, _y: null }, k: 0, colour: fill, xa });
  });
}

function refPixel(ref, v, axes, L, letter) {
  const r = ref || letter;
  if (r === "paper") {
    return letter === "x" ? L.margin.l + v * (L.width - L.margin.l - L.margin.r)
      : L.margin.t + (1 - v) * (L.height - L.margin.t - L.margin.b);
  }
  const m = /^([xy]\d*) domain$/.exec(r);
  if (m) {
    const ax = axes[m[1]];
    if (!ax) return null;
    return letter === "x" ? ax._offset + v * ax._length : ax._offset + (1 - v) * ax._length;
  }
  const ax = axes[r];
  return ax && num(v) !== null ? ax.px(v) : null;
}

function drawShape(g, s, axes, L) {
  const x0 = refPixel(s.xref, s.x0, axes, L, "x"), x1 = refPixel(s.xref, s.x1, axes, L, "x");
  const y0 = refPixel(s.yref, s.y0, axes, L, "y"), y1 = refPixel(s.yref, s.y1, axes, L, "y");
  if ([x0, x1, y0, y1].some((p) => p === null)) return;
  const common = { stroke: get(s, "line.color", "#444"), "stroke-width": get(s, "line.width", 2),
    "stroke-dasharray": dashOf(get(s, "line.dash", "solid")), opacity: s.opacity ?? 1, class: "ll-shape" };
  if (s.type === "rect") {
    el("rect", { ...common, x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0),
      height: Math.abs(y1 - y0), fill: s.fillcolor || "none" }, g);
  } else el("line", { ...common, x1: x0, y1: y0, x2: x1, y2: y1 }, g);
}

function drawAnnotation(g, a, axes, L, font) {
  let x = refPixel(a.xref, a.x, axes, L, "x"), y = refPixel(a.yref, a.y, axes, L, "y");
  if (x === null || y === null) return;
  const size = get(a, "font.size", font.size), color = get(a, "font.color", font.color);
  const arrow = a.showarrow !== false;
  if (arrow) {
    const tx = x + (num(a.ax) ?? -10), ty = y + (num(a.ay) ?? -30);
    el("path", { d: `M${tx},${ty}L${x},${y}`, stroke: get(a, "arrowcolor", "#444"), "stroke-width": 1,
      "marker-end": undefined }, g);
    const ang = Math.atan2(y - ty, x - tx), hl = 7;
    el("path", { d: `M${x},${y}L${x - hl * Math.cos(ang - 0.4)},${y - hl * Math.sin(ang - 0.4)}`
      + `L${x - hl * Math.cos(ang + 0.4)},${y - hl * Math.sin(ang + 0.4)}Z`, fill: get(a, "arrowcolor", "#444") }, g);
    x = tx; y = ty;
  }
  const xa = a.xanchor && a.xanchor !== "auto" ? a.xanchor : "center";
  const ya = a.yanchor && a.yanchor !== "auto" ? a.yanchor : "middle";
  const anchor = xa === "left" ? "start" : xa === "right" ? "end" : "middle";
  const baseline = ya === "top" ? "top" : ya === "bottom" ? "bottom" : "middle";
  const t = svgText(g, a.text, x + (num(a.xshift) ?? 0) + (arrow && anchor === "start" ? 3 : 0),
    y - (num(a.yshift) ?? 0), { size, color, family: font.family, anchor, baseline, cls: "ll-annotation" });
  if (t && a.bgcolor) t.setAttribute("style", `paint-order:stroke;stroke:${a.bgcolor};stroke-width:4px`);
  else if (t) t.setAttribute("style", "paint-order:stroke;stroke:#FFFFFF;stroke-width:3px");
}

function drawColourBar(svg, t, L, font) {
  const [zlo, zhi] = t._zrange;
  const levels = t._levels || [];
  const plotTop = L.margin.t, plotH = L.height - L.margin.t - L.margin.b;
  const len = get(t, "colorbar.len", 1), thick = get(t, "colorbar.thickness", 30);
  const x = L.margin.l + get(t, "colorbar.x", 1.02) * (L.width - L.margin.l - L.margin.r);
  const h = plotH * len, y = plotTop + (plotH - h) / 2;
  const title = get(t, "colorbar.title.text", "");
  const side = get(t, "colorbar.title.side", "top");
  const top = title && side === "top" ? y + 24 : y;
  const barH = title && side === "top" ? h - 24 : h;
  const g = el("g", { class: "ll-colorbar" }, svg);
  const colour = scaleOf(t);
  const [a, b] = levels.length > 1 ? [levels[0], levels[levels.length - 1]] : [zlo, zhi];
  const steps = 48;
  for (let k = 0; k < steps; k++) {
    const f = k / steps;
    el("rect", { x, y: top + barH * (1 - f - 1 / steps), width: thick, height: barH / steps + 0.6,
      fill: css(colour(f)) }, g);
  }
  const size = get(t, "colorbar.tickfont.size", font.size - 2);
  const { values, step } = linearTicks(a, b, Math.max(2, Math.round(barH / 50)));
  for (const v of values) {
    const py = top + barH * (1 - (v - a) / (b - a || 1));
    svgText(g, tickLabel({ type: "linear", spec: {} }, v, step), x + thick + 4, py,
      { size, color: font.color, family: font.family, anchor: "start" });
  }
  if (title) {
    if (side === "right") {
      svgText(g, title, x + thick + 50, top + barH / 2, { size, color: font.color, family: font.family, rotate: 90 });
    } else svgText(g, title, x, y, { size, color: font.color, family: font.family, anchor: "start", baseline: "top" });
  }
}

// ---------- hover ----------

function hoverText(t, k, values) {
  const template = t.hovertemplate;
  const name = textLines(t.name).join(" ");
  if (template === undefined || template === null) {
    const parts = ["x", "y", "z"].filter((p) => values[p] !== undefined).map((p) => format(values[p], ""));
    return { lines: [name, `(${parts.join(", ")})`].filter(Boolean), extra: "" };
  }
  const tpl = Array.isArray(template) ? template[k] : template;
  let extra = name;
  const body = String(tpl).replace(/<extra>([\s\S]*?)<\/extra>/i, (m, e) => { extra = e; return ""; });
  const filled = body.replace(/%\{([^}:]+)(?::([^}]*))?\}/g, (m, path, fmt) => {
    let v;
    const mm = /^([a-z]+)(?:\[(\d+)\])?$/i.exec(path.trim());
    if (!mm) return "";
    const [, field, index] = mm;
    if (field in values) v = values[field];
    else if (field === "customdata") {
      const cd = Array.isArray(t.customdata) ? t.customdata[k] : t.customdata;
      v = index !== undefined && Array.isArray(cd) ? cd[Number(index)] : cd;
    } else if (field === "text") v = Array.isArray(t.text) ? t.text[k] : t.text;
    else if (field === "name") v = name;
    return typeof v === "number" ? format(v, fmt || "") : v === undefined || v === null ? "" : String(v);
  });
  return { lines: textLines(filled), extra: textLines(extra).join(" ") };
}

function setupHover(chart, svg, hover, layout, font) {
  if (!hover.length || layout.hovermode === false) return;
  const tip = document.createElement("div");
  tip.className = "ll-hover hoverlayer";
  tip.style.cssText = `position:absolute;pointer-events:none;display:none;z-index:1002;`
    + `background:#FFFFFF;border:1px solid #444;border-radius:3px;padding:3px 6px;`
    + `font-family:${font.family};font-size:${get(layout, "hoverlabel.font.size", font.size)}px;`
    + "color:#1A1A1A;white-space:nowrap;max-width:420px;overflow:hidden;";
  chart.root.appendChild(tip);
  const unified = String(layout.hovermode || "").startsWith("x");
  svg.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  svg.addEventListener("mousemove", (ev) => {
    const box = svg.getBoundingClientRect();
    const mx = ev.clientX - box.left, my = ev.clientY - box.top;
    let best = null, bestD = 24;
    const rows = [];
    for (const h of hover) {
      if (h.grid) continue;
      const d = unified ? Math.abs(h.px - mx) : Math.hypot(h.px - mx, h.py - my);
      if (d < bestD) { bestD = d; best = h; }
    }
    if (unified && best) {
      const seen = new Set();
      for (const h of hover) {
        if (h.grid || seen.has(h.t) || Math.abs(h.px - best.px) > 1.5 || h.xa !== best.xa) continue;
        seen.add(h.t); rows.push(h);
      }
    } else if (best) rows.push(best);
    if (!rows.length) {
      for (const h of hover) {
        if (!h.grid) continue;
        const { xa, ya, xs, ys, t } = h;
        if (mx < xa._offset || mx > xa._offset + xa._length || my < ya._offset || my > ya._offset + ya._length) continue;
        const nearest = (arr, ax, p) => {
          let bk = 0, bd = Infinity;
          arr.forEach((v, k) => { const q = ax.px(v); const dd = Math.abs(q - p); if (dd < bd) { bd = dd; bk = k; } });
          return bk;
        };
        const i = nearest(xs, xa, mx), j = nearest(ys, ya, my);
        const z = t.z[j][i];
        const text = hoverText({ ...t, customdata: undefined }, 0, { x: xs[i], y: ys[j], z });
        show(tip, [text], mx, my, box);
        return;
      }
      tip.style.display = "none";
      return;
    }
    show(tip, rows.map((h) => hoverText(h.t, h.k, { x: (h.t._x || h.t.x)[h.k], y: (h.t._y || h.t.y)[h.k] })), best.px, best.py, box,
      rows.map((h) => h.colour));
  });
}

function show(tip, texts, x, y, box, colours = []) {
  tip.replaceChildren();
  texts.forEach((text, n) => {
    const block = document.createElement("div");
    if (colours[n]) block.style.borderLeft = `4px solid ${colours[n]}`;
    block.style.paddingLeft = colours[n] ? "5px" : "0";
    for (const line of [...text.lines, text.extra].filter(Boolean)) {
      const row = document.createElement("div");
      row.textContent = line;
      block.appendChild(row);
    }
    tip.appendChild(block);
  });
  tip.style.display = "block";
  const w = tip.offsetWidth, h = tip.offsetHeight;
  const left = x + 12 + w > box.width ? x - 12 - w : x + 12;
  tip.style.left = `${Math.max(0, left)}px`;
  tip.style.top = `${Math.max(0, Math.min(y - h / 2, box.height - h))}px`;
}

let uid = 0;
export default function (component) {
  const { data, parentElement } = component;
  let chart = CHARTS.get(parentElement);
  if (!chart) { chart = create(parentElement); chart.uid = ++uid; CHARTS.set(parentElement, chart); }
  if (chart.version === data.version && chart.frame.isConnected) return;
  chart.version = data.version;
  chart.root.dataset.version = data.version;  // what it was given; data-drawn: drawn
  chart.pending = data;
  // A chart out of sight is read and drawn when the browser is next idle (within
  // half a second, or at once if it comes into sight): a change draws what is on
  // screen first. A new chart is drawn at once, wherever it is.
  if (chart.visible || !chart.spec) update(chart);
  else if (chart.idle === null) {
    chart.idle = requestIdleCallback(() => { chart.idle = null; update(chart); },
      { timeout: 500 });
  }
}
