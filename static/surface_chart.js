// Loss Lab's cost surfaces: two J(a, c) surfaces side by side on 2-D canvases.
//
// Each grid cell is a filled quad, shaded by its height (light low, dark high) and
// by its slope towards the light, blue where the surface bends upward and red where
// it bends downward; the quads are drawn far to near (the painter's algorithm) as
// pixels of the canvas, two triangles each, so no WebGL is needed and a new range
// costs one redraw: 2 x 10,000 quads at 101 x 101 in about 20 ms (the benchmark
// bench/bench_learn_pages.py prints it).
// Dragging either surface turns both. Data come from ui/surface_chart.py:
// J as little-endian float32 and the downward flags as uint8, both base64.
const CHARTS = new WeakMap();
const FONT = '"Source Sans Pro", "Source Sans 3", sans-serif';
const MARGIN = { left: 70, right: 70, top: 40, bottom: 56 };
const UP = [[0xDC, 0xEB, 0xF7], [0x08, 0x30, 0x6B]]; // ui/figures_loss.py UPWARD_SCALE
const DOWN = [[0xFD, 0xD0, 0xC2], [0x99, 0x00, 0x0D]]; // DOWNWARD_SCALE
const LEVELS = 48, SHADES = 8; // colour levels by height, and by light
const MIN_COLOUR = "#F0E442";

function decode(b64, Type) {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  return new Type(bytes.buffer);
}

// [lo, hi] split into about `count` round steps; each tick with its label.
function niceTicks(lo, hi, count) {
  if (!(hi > lo)) return [{ v: lo, text: fmt(lo) }];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let i = Math.ceil(lo / step - 1e-9); i <= Math.floor(hi / step + 1e-9); i++) {
    const v = i * step;
    ticks.push({ v, text: fmt(Math.abs(v) < step * 1e-9 ? 0 : v) });
  }
  return ticks;
}

function fmt(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace(/\.0e/, "e").replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

// Each colour as one ImageData pixel (bytes R, G, B, A: little-endian 32-bit words).
function palette() {
  const colours = [];
  for (const scale of [UP, DOWN]) {
    for (let l = 0; l < LEVELS; l++) {
      const t = l / (LEVELS - 1);
      for (let s = 0; s < SHADES; s++) {
        const light = 0.72 + 0.28 * (s / (SHADES - 1));
        const c = scale[0].map((v, k) => Math.round((v + (scale[1][k] - v) * t) * light));
        colours.push((0xFF000000 | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0);
      }
    }
  }
  return Uint32Array.from(colours);
}
const COLOURS = palette();

// Triangle (x0, y0), (x1, y1), (x2, y2) (device pixels) filled with `value` into
// `px` (W x H pixels): every pixel whose centre lies inside or on an edge, so two
// triangles that share an edge leave no seam. One span per row: a canvas path per
// quad cost a fill() each (17,553 at the default view), 60-70 ms of a w-range move.
function triangle(px, W, H, x0, y0, x1, y1, x2, y2, value) {
  const area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
  if (!(area !== 0)) return;  // degenerate or NaN
  if (area < 0) { const tx = x1, ty = y1; x1 = x2; y1 = y2; x2 = tx; y2 = ty; }
  const edges = [[x0, y0, x1, y1], [x1, y1, x2, y2], [x2, y2, x0, y0]];
  const top = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5));
  const bottom = Math.min(H - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
  const left = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 0.5));
  const right = Math.min(W - 1, Math.floor(Math.max(x0, x1, x2) - 0.5));
  for (let y = top; y <= bottom; y++) {
    const py = y + 0.5;
    let lo = left, hi = right;
    for (const [ax, ay, bx, by] of edges) {
      // inside this edge: (bx - ax)(py - ay) - (by - ay)(px - ax) >= 0
      const B = by - ay, A = (bx - ax) * (py - ay) + B * ax;
      if (B > 0) hi = Math.min(hi, Math.floor(A / B - 0.5));
      else if (B < 0) lo = Math.max(lo, Math.ceil(A / B - 0.5));
      else if (A < 0) { hi = -1; break; }
    }
    if (lo <= hi) px.fill(value, y * W + lo, y * W + hi + 1);
  }
}

// One panel's geometry, in the unit cube [-1, 1]^3, that does not depend on the view.
function prepare(panel, data) {
  const na = data.a.length, nc = data.c.length;
  const J = decode(panel.J, Float32Array);
  const down = decode(panel.down, Uint8Array);
  const h = new Float32Array(J.length);
  let lo = Infinity, hi = -Infinity;
  for (let k = 0; k < J.length; k++) {
    const v = data.log_z ? Math.log10(Math.max(J[k], 1e-30)) : J[k];
    h[k] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  const X = data.a.map((v) => (2 * (v - data.a[0])) / (data.a[na - 1] - data.a[0]) - 1);
  const Y = data.c.map((v) => (2 * (v - data.c[0])) / (data.c[nc - 1] - data.c[0]) - 1);
  const Z = new Float32Array(h.length);
  for (let k = 0; k < h.length; k++) Z[k] = (2 * (h[k] - lo)) / span - 1;
  // per cell: colour level (by mean height) and whether it bends downward
  const cells = (na - 1) * (nc - 1);
  const level = new Uint16Array(cells), normal = new Float32Array(cells * 3);
  let n = 0;
  for (let j = 0; j < nc - 1; j++) {
    for (let i = 0; i < na - 1; i++, n++) {
      const k = j * na + i;
      const z00 = Z[k], z10 = Z[k + 1], z01 = Z[k + na], z11 = Z[k + na + 1];
      const t = (z00 + z10 + z01 + z11 + 4) / 8;
      const bent = down[k] + down[k + 1] + down[k + na] + down[k + na + 1] >= 2;
      level[n] = (bent ? LEVELS : 0) + Math.min(LEVELS - 1, Math.floor(t * LEVELS));
      // the normal of the quad (diagonals' cross product), for the shading
      const dx = X[i + 1] - X[i], dy = Y[j + 1] - Y[j];
      const gx = ((z10 - z00) + (z11 - z01)) / (2 * dx);
      const gy = ((z01 - z00) + (z11 - z10)) / (2 * dy);
      const len = Math.hypot(gx, gy, 1);
      normal[3 * n] = -gx / len; normal[3 * n + 1] = -gy / len; normal[3 * n + 2] = 1 / len;
    }
  }
  const ticks = data.log_z
    ? data.z_ticks[panel.loss].map((v) => ({ v: Math.log10(v), text: fmt(v) }))
    : niceTicks(lo, hi, 4);
  const zOf = (value) => (2 * (value - lo)) / span - 1;
  const m = panel.minimum;
  return { na, nc, J, X, Y, Z, level, normal, lo, hi, ticks, zOf,
           min: [(2 * (m[0] - data.a[0])) / (data.a[na - 1] - data.a[0]) - 1,
                 (2 * (m[1] - data.c[0])) / (data.c[nc - 1] - data.c[0]) - 1,
                 zOf(data.log_z ? Math.log10(Math.max(m[2], 1e-30)) : m[2])] };
}

// The view: turn by `az` about the vertical, tilt by `el`; orthographic, the
// box's eight corners fitted into `box`.
function projector(view, box) {
  const ca = Math.cos(view.az), sa = Math.sin(view.az);
  const ce = Math.cos(view.el), se = Math.sin(view.el);
  const raw = (x, y, z) => {
    const xr = x * ca - y * sa, yr = x * sa + y * ca, zz = 0.8 * z;
    return [xr, -(zz * ce + yr * se), yr * ce - zz * se];
  };
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) {
    const [u, v] = raw(x, y, z);
    x0 = Math.min(x0, u); x1 = Math.max(x1, u); y0 = Math.min(y0, v); y1 = Math.max(y1, v);
  }
  const scale = Math.min((box.x1 - box.x0) / (x1 - x0), (box.y1 - box.y0) / (y1 - y0));
  const cx = (box.x0 + box.x1) / 2 - (scale * (x0 + x1)) / 2;
  const cy = (box.y0 + box.y1) / 2 - (scale * (y0 + y1)) / 2;
  return (x, y, z) => {
    const [u, v, d] = raw(x, y, z);
    return [cx + scale * u, cy + scale * v, d];
  };
}

function text(ctx, str, x, y, align, base, size = 14) {
  ctx.font = `${size}px ${FONT}`;
  ctx.textAlign = align;
  ctx.textBaseline = base;
  ctx.fillText(str, x, y);
}

// The floor's outline, the back walls' J grid, ticks and axis titles.
function axes(ctx, g, P, data, title, names) {
  const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
  const floor = corners.map(([x, y]) => P(x, y, -1));
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#BBBBBB";
  ctx.beginPath();
  floor.forEach((p, k) => (k ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
  ctx.closePath();
  ctx.stroke();
  // the far corner's two walls carry J's grid lines
  const far = floor.reduce((best, p, k) => (p[2] > floor[best][2] ? k : best), 0);
  const [fx, fy] = corners[far];
  ctx.strokeStyle = "#E3E3E3";
  for (const t of g.ticks) {
    const z = g.zOf(t.v);
    if (z < -1.001 || z > 1.001) continue;
    const a = P(-fx, fy, z), b = P(fx, fy, z), c = P(fx, -fy, z);
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.lineTo(c[0], c[1]);
    ctx.stroke();
  }
  ctx.fillStyle = "#000000";
  const centre = P(0, 0, -1);
  // a and c ticks on the floor edges nearest the viewer, labels pushed outward
  const edge = (axis) => {
    const other = [-1, 1].map((s) => (axis === 0 ? P(0, s, -1) : P(s, 0, -1)));
    const s = other[0][2] < other[1][2] ? -1 : 1; // the nearer side
    const values = axis === 0 ? data.a : data.c;
    const lo = values[0], hi = values[values.length - 1];
    const at = (u) => (axis === 0 ? P(u, s, -1) : P(s, u, -1));
    const mid = at(0);
    let ox = mid[0] - centre[0], oy = mid[1] - centre[1];
    const len = Math.hypot(ox, oy) || 1;
    ox /= len; oy /= len;
    const align = ox > 0.3 ? "left" : ox < -0.3 ? "right" : "center";
    for (const t of niceTicks(lo, hi, 4)) {
      const p = at((2 * (t.v - lo)) / (hi - lo) - 1);
      ctx.strokeStyle = "#000000";
      ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(p[0] + 5 * ox, p[1] + 5 * oy); ctx.stroke();
      text(ctx, t.text, p[0] + 9 * ox, p[1] + 9 * oy, align, oy > 0.3 ? "top" : "middle", 13);
    }
    text(ctx, names[axis], mid[0] + 38 * ox, mid[1] + 38 * oy, align, oy > 0.3 ? "top" : "middle", 15);
  };
  edge(0);
  edge(1);
  // J on the vertical edge furthest left on screen
  const left = floor.reduce((best, p, k) => (p[0] < floor[best][0] ? k : best), 0);
  const [lx, ly] = corners[left];
  const bottom = P(lx, ly, -1), top = P(lx, ly, 1);
  ctx.strokeStyle = "#000000";
  ctx.beginPath(); ctx.moveTo(bottom[0], bottom[1]); ctx.lineTo(top[0], top[1]); ctx.stroke();
  for (const t of g.ticks) {
    const z = g.zOf(t.v);
    if (z < -1.001 || z > 1.001) continue;
    const p = P(lx, ly, z);
    ctx.beginPath(); ctx.moveTo(p[0], p[1]); ctx.lineTo(p[0] - 5, p[1]); ctx.stroke();
    text(ctx, t.text, p[0] - 8, p[1], "right", "middle", 13);
  }
  if (bottom[0] - 52 >= 10) {  // J's title beside its ticks, or above them when narrow
    ctx.save();
    ctx.translate(bottom[0] - 52, (bottom[1] + top[1]) / 2);
    ctx.rotate(-Math.PI / 2);
    text(ctx, names[2], 0, 0, "center", "middle", 15);
    ctx.restore();
  } else {
    text(ctx, names[2], Math.max(top[0], 4), top[1] - 10, "left", "bottom", 15);
  }
  text(ctx, title, (ctx.canvas.clientWidth) / 2, 22, "center", "alphabetic", 18);
}

function drawPanel(chart, k) {
  const { data, view } = chart;
  const canvas = chart.canvases[k], g = chart.geometry[k], panel = data.panels[k];
  const ctx = canvas.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (!width || !height) return;
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#FFFFFF";
  ctx.fillRect(0, 0, width, height);
  const side = Math.min(1, width / 480);  // narrow panels: narrower margins
  const P = projector(view, { x0: MARGIN.left * side, x1: width - MARGIN.right * side,
                               y0: MARGIN.top, y1: height - MARGIN.bottom * side });
  axes(ctx, g, P, data, panel.title, [data.a_title, data.c_title, data.z_title]);
  // project every grid point once
  const { na, nc, X, Y, Z } = g;
  const sx = new Float32Array(na * nc), sy = new Float32Array(na * nc), sd = new Float32Array(na * nc);
  for (let j = 0; j < nc; j++) {
    for (let i = 0; i < na; i++) {
      const q = P(X[i], Y[j], Z[j * na + i]), k2 = j * na + i;
      sx[k2] = q[0]; sy[k2] = q[1]; sd[k2] = q[2];
    }
  }
  // far to near
  const cells = (na - 1) * (nc - 1);
  const depth = new Float32Array(cells), order = new Uint32Array(cells);
  for (let j = 0, n = 0; j < nc - 1; j++) {
    for (let i = 0; i < na - 1; i++, n++) {
      const q = j * na + i;
      depth[n] = sd[q] + sd[q + 1] + sd[q + na] + sd[q + na + 1];
      order[n] = n;
    }
  }
  order.sort((p, q) => depth[q] - depth[p]);
  // light from above the viewer's shoulder
  const lx = -Math.sin(view.az) * 0.5, ly = -Math.cos(view.az) * 0.5, lz = 0.85;
  const lnorm = Math.hypot(lx, ly, lz);
  // the quads far to near, as pixels over the axes drawn so far
  const W = canvas.width, H = canvas.height;
  const img = ctx.getImageData(0, 0, W, H), px = new Uint32Array(img.data.buffer);
  const X2 = sx.map((v) => v * dpr), Y2 = sy.map((v) => v * dpr);  // device pixels
  for (let o = 0; o < cells; o++) {
    const n = order[o];
    const i = n % (na - 1), j = (n - i) / (na - 1), q = j * na + i;
    const lit = Math.abs(g.normal[3 * n] * lx + g.normal[3 * n + 1] * ly + g.normal[3 * n + 2] * lz) / lnorm;
    const colour = COLOURS[g.level[n] * SHADES + Math.min(SHADES - 1, Math.floor(lit * SHADES))];
    const r = q + na;  // the next row's point
    triangle(px, W, H, X2[q], Y2[q], X2[q + 1], Y2[q + 1], X2[r + 1], Y2[r + 1], colour);
    triangle(px, W, H, X2[q], Y2[q], X2[r + 1], Y2[r + 1], X2[r], Y2[r], colour);
  }
  ctx.putImageData(img, 0, 0);
  // the grid minimum: a yellow diamond edged in black
  const m = P(...g.min);
  ctx.beginPath();
  ctx.moveTo(m[0], m[1] - 8); ctx.lineTo(m[0] + 7, m[1]); ctx.lineTo(m[0], m[1] + 8); ctx.lineTo(m[0] - 7, m[1]);
  ctx.closePath();
  ctx.fillStyle = MIN_COLOUR;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#000000";
  ctx.stroke();
  chart.projected[k] = { sx, sy, P };
}

function draw(chart) {
  chart.frame = null;
  const t0 = performance.now();
  chart.canvases.forEach((_, k) => drawPanel(chart, k));
  chart.root.dataset.drawMs = (performance.now() - t0).toFixed(1);  // for bench/
  chart.root.dataset.drawn = chart.data.version;
}

function schedule(chart) {
  if (chart.frame === null) chart.frame = requestAnimationFrame(() => draw(chart));
}

// The grid point nearest the pointer on panel k (within 12 px), for the readout.
function nearest(chart, k, x, y) {
  const pr = chart.projected[k];
  if (!pr) return null;
  let best = -1, bestD = 144;
  for (let q = 0; q < pr.sx.length; q++) {
    const d = (pr.sx[q] - x) ** 2 + (pr.sy[q] - y) ** 2;
    if (d < bestD) { bestD = d; best = q; }
  }
  return best;
}

function legend(box) {
  const items = [["#2F6DB0", "square", "curves upward (convex here)"],
                 ["#C0392B", "square", "curves downward (negative eigenvalue)"],
                 [MIN_COLOUR, "diamond", "grid minimum"]];
  box.replaceChildren(...items.map(([colour, shape, name]) => {
    const item = document.createElement("span");
    item.className = "ll-legend-item";
    const swatch = document.createElement("span");
    swatch.className = `ll-swatch ll-${shape}`;
    swatch.style.background = colour;
    item.append(swatch, document.createTextNode(name));
    return item;
  }));
}

function create(parent) {
  const root = document.createElement("div");
  root.className = "ll-surfaces";
  const row = document.createElement("div");
  row.className = "ll-surface-row";
  const canvases = [0, 1].map(() => {
    const c = document.createElement("canvas");
    c.className = "ll-surface";
    c.setAttribute("role", "img");
    return c;
  });
  row.append(...canvases);
  const readout = document.createElement("div");
  readout.className = "ll-readout";
  const legendBox = document.createElement("div");
  legendBox.className = "ll-legend";
  legend(legendBox);
  root.append(row, legendBox, readout);
  parent.appendChild(root);
  const chart = { root, canvases, readout, data: null, geometry: [], projected: [],
                  view: { az: Math.PI / 4, el: 0.45 }, frame: null, drag: null };
  canvases.forEach((canvas, k) => {
    canvas.addEventListener("pointerdown", (e) => {
      chart.drag = { x: e.clientX, y: e.clientY, az: chart.view.az, el: chart.view.el };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (chart.drag) {
        chart.view.az = chart.drag.az - (e.clientX - chart.drag.x) * 0.01;
        chart.view.el = Math.min(1.5, Math.max(0.05, chart.drag.el + (e.clientY - chart.drag.y) * 0.01));
        schedule(chart);
        return;
      }
      const r = canvas.getBoundingClientRect();
      const q = nearest(chart, k, e.clientX - r.left, e.clientY - r.top);
      const d = chart.data;
      if (q === null || q < 0) { readout.textContent = ""; return; }
      const na = d.a.length, i = q % na, j = (q - i) / na;
      const J = chart.geometry[k].J[q];
      readout.textContent = `${d.panels[k].title}: ${d.a_title} = ${fmt(d.a[i])}, ` +
        `${d.c_title} = ${fmt(d.c[j])}, J = ${Number(J.toPrecision(5))}`;
    });
    const end = () => { chart.drag = null; };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", () => { if (!chart.drag) readout.textContent = ""; });
  });
  const observer = new ResizeObserver(() => schedule(chart));
  canvases.forEach((c) => observer.observe(c));
  return chart;
}

export default function (component) {
  const { data, parentElement } = component;
  let chart = CHARTS.get(parentElement);
  if (!chart) { chart = create(parentElement); CHARTS.set(parentElement, chart); }
  if (chart.data && chart.data.version === data.version) return;
  chart.data = data;
  chart.geometry = data.panels.map((panel) => prepare(panel, data));
  const root = chart.root;
  root.dataset.version = data.version;
  root.dataset.aRange = `${data.a[0]},${data.a[data.a.length - 1]}`;
  root.dataset.cRange = `${data.c[0]},${data.c[data.c.length - 1]}`;
  root.dataset.resolution = `${data.a.length}x${data.c.length}`;
  root.dataset.logZ = String(!!data.log_z);
  chart.canvases.forEach((c, k) => {
    c.style.maxHeight = `${data.height}px`;  // and no taller than its width allows
    c.setAttribute("aria-label", data.panels[k].alt);
  });
  if (chart.frame !== null) cancelAnimationFrame(chart.frame);
  draw(chart);
}
