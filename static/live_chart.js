// Loss Lab's live training chart: cost, accuracy and gradient norm per epoch.
//
// Streamlit sends a batch of freshly trained epochs a few times a second; this
// player reveals them epoch by epoch on a canvas, one animation frame at a time,
// over the time until the next batch is due (data.reveal_s). Every point drawn is
// a computed epoch: nothing is interpolated. The canvas is redrawn only when a new
// epoch comes into view.
const PLAYERS = new WeakMap();
const FONT = '"Source Sans Pro", "Source Sans 3", sans-serif';
const MARGIN = { left: 66, right: 14, top: 34, bottom: 46 };
const GAP = 26; // between panels
const POSITIVE = "#009E73", NEGATIVE = "#E69F00"; // ui/style.py

// An axis range wide enough to draw: finite, and more than rounding noise apart.
function span(lo, hi) {
  if (!isFinite(lo) || !isFinite(hi)) return [0, 1];
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > 1e-9 * scale && hi - lo > 1e-300) return [lo, hi];
  const d = 0.1 * scale || 1;
  return [lo - d, hi + d];
}

// Round-number ticks in [lo, hi], at most a handful, each with its label.
function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const i0 = Math.ceil(lo / step - 1e-9), i1 = Math.floor(hi / step + 1e-9);
  if (!(i1 - i0 <= 4 * count)) return [];
  const digits = Math.floor(Math.log10(Math.max(Math.abs(lo), Math.abs(hi))));
  const ticks = [];
  for (let i = i0; i <= i1; i++) ticks.push({ v: i * step, text: label(i * step, step, digits) });
  return ticks;
}

// A tick label with as many digits as the step between ticks needs.
function label(v, step, digits) {
  if (v === 0) return "0";
  const e = Math.floor(Math.log10(step) + 1e-9);
  const extra = Math.abs(step / Math.pow(10, e) - 2.5) < 1e-6 ? 1 : 0;  // 2.5, 7.5
  if (digits >= 5 || digits <= -4) {  // 2.5e+5, 7.5e-4
    const sig = Math.floor(Math.log10(Math.abs(v)) + 1e-9) - e + extra;
    return v.toExponential(Math.min(Math.max(sig, 0), 6)).replace(/\.?0+e/, "e");
  }
  return String(Number(v.toFixed(Math.min(Math.max(-e + extra, 0), 12))));
}

// The y range of the values on screen (x <= shown) and the reference lines.
function yRange(panel, lines, hlines, shown) {
  if (panel.y_min !== null && panel.y_max !== null) return [panel.y_min, panel.y_max];
  let lo = Infinity, hi = -Infinity;
  for (const l of lines) {
    for (let k = 0; k < l.x.length && l.x[k] <= shown; k++) {
      if (l.y[k] < lo) lo = l.y[k];
      if (l.y[k] > hi) hi = l.y[k];
    }
  }
  for (const h of hlines) { lo = Math.min(lo, h.y); hi = Math.max(hi, h.y); }
  if (!isFinite(lo)) return [0, 1];
  [lo, hi] = span(lo, hi);
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const rad = i % 2 ? r * 0.45 : r;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    ctx.lineTo(x + rad * Math.cos(a), y + rad * Math.sin(a));
  }
  ctx.closePath();
}

// A white canvas the size it is shown at, and a function giving panel i's box.
function begin(canvas, n) {
  const ctx = canvas.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#FFFFFF";
  ctx.fillRect(0, 0, width, height);
  const pw = (width - GAP * (n - 1)) / n;
  const box = (i) => ({ x0: i * (pw + GAP) + MARGIN.left,
                        x1: (i + 1) * pw + i * GAP - MARGIN.right,
                        y0: MARGIN.top, y1: height - MARGIN.bottom });
  return { ctx, box };
}

// Axes of one panel: grid, ticks, labels and titles; returns the data-to-pixel maps.
function axes(ctx, b, xRange, yRange, title, xName, yName, grid) {
  const { x0, x1, y0, y1 } = b;
  const xr = span(...xRange), yr = span(...yRange);
  const sx = (x) => x0 + ((x1 - x0) * (x - xr[0])) / (xr[1] - xr[0]);
  const sy = (y) => y1 - ((y1 - y0) * (y - yr[0])) / (yr[1] - yr[0]);
  ctx.font = `13px ${FONT}`;
  ctx.lineWidth = 1;
  ctx.fillStyle = "#000000";
  ctx.strokeStyle = "#E5E5E5";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const { v, text } of niceTicks(yr[0], yr[1], 5)) {
    if (grid) { ctx.beginPath(); ctx.moveTo(x0, sy(v)); ctx.lineTo(x1, sy(v)); ctx.stroke(); }
    ctx.fillText(text, x0 - 6, sy(v));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  // about one x tick per 60 px
  for (const { v, text } of niceTicks(xr[0], xr[1], Math.max(2, Math.floor((x1 - x0) / 60)))) {
    if (grid) { ctx.beginPath(); ctx.moveTo(sx(v), y0); ctx.lineTo(sx(v), y1); ctx.stroke(); }
    ctx.fillText(text, sx(v), y1 + 5);
  }
  ctx.strokeStyle = "#000000";
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x0, y1); ctx.lineTo(x1, y1); ctx.stroke();
  ctx.font = `15px ${FONT}`;
  ctx.fillText(xName, (x0 + x1) / 2, y1 + 24);
  ctx.font = `17px ${FONT}`;
  ctx.textBaseline = "alphabetic";
  ctx.fillText(title, (x0 + x1) / 2, 20);
  ctx.save();
  ctx.font = `15px ${FONT}`;
  ctx.translate(x0 - 50, (y0 + y1) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(yName, 0, 0);
  ctx.restore();
  return { sx, sy };
}

function clip(ctx, b) {
  ctx.save();
  ctx.beginPath(); ctx.rect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0); ctx.clip();
}

function drawMetrics(p) {
  const { data } = p;
  const { ctx, box } = begin(p.canvas, data.panels.length);
  data.panels.forEach((panel, i) => {
    const lines = data.lines.filter((l) => l.panel === i);
    const hlines = data.hlines.filter((h) => h.panel === i);
    const b = box(i), { x0, x1, y0 } = b;
    const { sx, sy } = axes(ctx, b, [0, data.x_max], yRange(panel, lines, hlines, p.shown),
                            panel.title, "epoch", panel.y_name, true);
    // lines, clipped to the panel, up to the epoch shown
    clip(ctx, b);
    for (const h of hlines) {
      ctx.strokeStyle = h.colour; ctx.lineWidth = 2; ctx.setLineDash([8, 5]);
      ctx.beginPath(); ctx.moveTo(x0, sy(h.y)); ctx.lineTo(x1, sy(h.y)); ctx.stroke();
    }
    for (const l of lines) {
      ctx.strokeStyle = l.colour; ctx.lineWidth = 3;
      ctx.setLineDash(l.dashed ? [2, 4] : []);
      ctx.beginPath();
      let k = 0;
      for (; k < l.x.length && l.x[k] <= p.shown; k++) ctx.lineTo(sx(l.x[k]), sy(l.y[k]));
      ctx.stroke();
      if (k === 1) {  // a single epoch so far: a dot, or nothing would show
        ctx.fillStyle = l.colour;
        ctx.beginPath(); ctx.arc(sx(l.x[0]), sy(l.y[0]), 3, 0, 2 * Math.PI); ctx.fill();
      }
    }
    ctx.setLineDash([]);
    for (const m of data.marks.filter((m) => m.panel === i && m.x <= p.shown)) {
      ctx.fillStyle = m.colour; ctx.strokeStyle = "#000000"; ctx.lineWidth = 1;
      star(ctx, sx(m.x), sy(m.y), 10); ctx.fill(); ctx.stroke();
    }
    ctx.restore();
    const note = panel.notes && panel.notes.filter((n) => n.epoch <= p.shown).pop();
    if (note) {
      ctx.font = `14px ${FONT}`;
      ctx.textAlign = "right";
      ctx.textBaseline = "top";
      ctx.fillStyle = "rgba(255,255,255,0.8)";
      const w = ctx.measureText(note.text).width;
      ctx.fillRect(x1 - w - 8, y0 + 4, w + 8, 20);
      ctx.fillStyle = "#000000";
      ctx.fillText(note.text, x1 - 4, y0 + 7);
    }
  });
}

function cross(ctx, x, y, r) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
  ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
}

// The cost surfaces (shaded, darker is higher) with each run's path of (w, b).
function drawPaths(p) {
  const view = p.data.paths;
  const { ctx, box } = begin(p.pathCanvas, view.panels.length);
  view.panels.forEach((panel, i) => {
    const b = box(i);
    const { sx, sy } = axes(ctx, b, panel.x_range, panel.y_range, panel.title,
                            "weight w", "bias b", false);
    clip(ctx, b);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(p.shades[i], b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    let last = -1;
    if (panel.x.length) {
      ctx.strokeStyle = panel.colour; ctx.lineWidth = 3;
      ctx.beginPath();
      for (let k = 0; k < panel.x.length && panel.epoch[k] <= p.shown; k++) {
        ctx.lineTo(sx(panel.x[k]), sy(panel.y[k])); last = k;
      }
      ctx.stroke();
    }
    if (view.start) {
      ctx.strokeStyle = "#000000"; ctx.lineWidth = 4;
      cross(ctx, sx(view.start[0]), sy(view.start[1]), 6); ctx.stroke();
    }
    if (last >= 0) {  // where the run is now
      ctx.fillStyle = panel.colour; ctx.strokeStyle = "#FFFFFF"; ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx(panel.x[last]), sy(panel.y[last]), 7, 0, 2 * Math.PI);
      ctx.fill(); ctx.stroke();
    }
    if (view.reference) {  // on top: the run converging onto it is the lesson
      ctx.fillStyle = view.reference_colour; ctx.strokeStyle = "#000000"; ctx.lineWidth = 1;
      star(ctx, sx(view.reference[0]), sy(view.reference[1]), 10); ctx.fill(); ctx.stroke();
    }
    ctx.restore();
  });
}

// The data points and each run's decision boundary at the latest epoch shown.
function drawBoundary(p) {
  const view = p.data.boundary;
  const { ctx, box } = begin(p.pathCanvas, 1);
  const b = box(0);
  const { sx, sy } = axes(ctx, b, view.x_range, view.y_range, view.title,
                          view.x_name, view.y_name, true);
  clip(ctx, b);
  // the points change only with the data or the size: drawn once, then copied
  const dpr = window.devicePixelRatio || 1;
  const key = `${p.data.static_key}|${b.x1 - b.x0}|${b.y1 - b.y0}|${dpr}`;
  if (p.pointsKey !== key || !p.points.width || !p.points.height) {
    p.pointsKey = key;
    p.points = document.createElement("canvas");
    p.points.width = p.pathCanvas.width; p.points.height = p.pathCanvas.height;
    const pc = p.points.getContext("2d");
    pc.setTransform(dpr, 0, 0, dpr, 0, 0);
    const pts = view.points;
    pc.lineWidth = 1.5;
    for (let k = 0; k < pts.x.length; k++) {
      const colour = pts.positive[k] ? POSITIVE : NEGATIVE;
      pc.beginPath();
      pc.arc(sx(pts.x[k]), sy(pts.y[k]), 3.5, 0, 2 * Math.PI);
      pc.fillStyle = pts.validation[k] ? "#FFFFFF" : colour;
      pc.strokeStyle = colour;
      pc.fill(); pc.stroke();
    }
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  if (p.points.width && p.points.height) ctx.drawImage(p.points, 0, 0);
  ctx.restore();
  ctx.lineWidth = 4;
  for (const run of view.boundaries) {
    let frame = run.frames[0];
    for (const f of run.frames) if (f.epoch <= p.shown) frame = f;
    const s = frame.segments;
    ctx.strokeStyle = run.colour;
    ctx.beginPath();
    for (let k = 0; k < s.length; k += 4) {
      ctx.moveTo(sx(s[k]), sy(s[k + 1])); ctx.lineTo(sx(s[k + 2]), sy(s[k + 3]));
    }
    ctx.stroke();
  }
  ctx.restore();
}

// Each surface as a small image, one pixel a grid cell: white (low) to grey (high).
function shades(view) {
  return view.panels.map((panel) => {
    const rows = panel.shade.length, cols = rows ? panel.shade[0].length : 0;
    const img = document.createElement("canvas");
    img.width = cols; img.height = rows;
    if (!rows || !cols) return img;  // nothing to shade; drawPaths skips it
    const ctx = img.getContext("2d");
    const pixels = ctx.createImageData(cols, rows);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const g = Math.round(255 - (panel.shade[r][c] / 100) * (255 - 140));
        const at = 4 * ((rows - 1 - r) * cols + c);  // row 0 is the lowest b
        pixels.data.set([g, g, g, 255], at);
      }
    }
    ctx.putImageData(pixels, 0, 0);
    return img;
  });
}

// A canvas with no size (hidden, collapsed, or not laid out yet) cannot be drawn
// on or copied from (drawImage throws for a 0-wide canvas): it is skipped, and the
// ResizeObserver draws it when it gets a size again.
function drawable(canvas) {
  return canvas.isConnected && canvas.clientWidth > 0 && canvas.clientHeight > 0;
}

function draw(p) {
  if (!p.data) return;
  legend(p.legend, p.data.legend.filter((e) => !(e.epoch > p.shown)));
  if (drawable(p.canvas)) drawMetrics(p);
  if (drawable(p.pathCanvas)) {
    if (p.data.paths && p.shades.length && p.shades.every((s) => s.width && s.height))
      drawPaths(p);
    if (p.data.boundary) drawBoundary(p);
  }
  // the epoch on screen, for the reader and for the tests
  p.canvas.dataset.shown = String(Math.floor(p.shown));
}

function legend(box, entries) {
  const key = JSON.stringify(entries);
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.replaceChildren(...entries.map((e) => {
    const item = document.createElement("span");
    item.className = "ll-legend-item";
    const swatch = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    swatch.setAttribute("width", "30");
    swatch.setAttribute("height", "12");
    swatch.innerHTML = e.dot
      ? `<circle cx="15" cy="6" r="4.5" stroke="${e.colour}" stroke-width="1.5" fill="${e.dot === "ring" ? "#FFF" : e.colour}"/>`
      : e.cross
      ? '<path d="M10,1L20,11M10,11L20,1" stroke="#000" stroke-width="3"/>'
      : e.star
      ? `<polygon points="15,0 17.6,4.4 22.6,4.4 18.6,7.4 20.1,12 15,9.2 9.9,12 11.4,7.4 7.4,4.4 12.4,4.4" fill="${e.colour}" stroke="#000" stroke-width="0.5"/>`
      : `<line x1="0" y1="6" x2="30" y2="6" stroke="${e.colour}" stroke-width="3"` +
        (e.dashed ? ' stroke-dasharray="2 4"' : e.ref ? ' stroke-dasharray="8 5"' : "") + "/>";
    item.append(swatch, document.createTextNode(e.name));
    return item;
  }));
}

function tick(p, now) {
  p.frame = null;
  const f = Math.min(1, (now - p.t0) / p.duration);
  const target = p.from + (p.to - p.from) * f;
  // redraw only when another computed epoch comes into view
  if (Math.floor(target) !== Math.floor(p.shown) || f === 1) {
    p.shown = target;
    draw(p);
  }
  if (f < 1) p.frame = requestAnimationFrame((t) => tick(p, t));
}

function create(parent) {
  const root = document.createElement("div");
  root.className = "ll-live";
  const canvas = document.createElement("canvas");
  canvas.className = "ll-live-chart";
  canvas.setAttribute("role", "img");
  const legendBox = document.createElement("div");
  legendBox.className = "ll-legend";
  const pathCanvas = document.createElement("canvas");
  pathCanvas.className = "ll-live-model";
  pathCanvas.setAttribute("role", "img");
  const pathLegend = document.createElement("div");
  pathLegend.className = "ll-legend";
  root.append(canvas, legendBox, pathCanvas, pathLegend);
  parent.appendChild(root);
  const p = { canvas, legend: legendBox, pathCanvas, pathLegend, data: null, shown: 0,
              run: null, frame: null, shades: [] };
  // Redraw when either canvas changes size (shown again after being hidden); in
  // an animation frame, so a resize loop cannot throw "ResizeObserver loop".
  const observer = new ResizeObserver(() => {
    if (p.resizeFrame) return;
    p.resizeFrame = requestAnimationFrame(() => { p.resizeFrame = null; draw(p); });
  });
  observer.observe(canvas);
  observer.observe(pathCanvas);
  return p;
}

export default function (component) {
  const { data, parentElement } = component;
  let p = PLAYERS.get(parentElement);
  if (!p) { p = create(parentElement); PLAYERS.set(parentElement, p); }
  // A new run, or one that restarted: reveal from this batch's first epoch.
  if (p.run !== data.run || data.start < p.shown) { p.run = data.run; p.shown = data.start; }
  p.data = data;
  p.canvas.style.height = `${data.height}px`;
  p.canvas.setAttribute("aria-label", data.alt);
  const model = data.paths || data.boundary;  // the second canvas: paths or boundary
  p.pathCanvas.style.display = p.pathLegend.style.display = model ? "" : "none";
  if (model) {
    p.pathCanvas.style.height = `${model.height}px`;
    p.pathCanvas.setAttribute("aria-label", model.alt);
    legend(p.pathLegend, model.legend);
  }
  if (data.paths && p.shadesKey !== data.static_key) {
    p.shadesKey = data.static_key;
    p.shades = shades(data.paths);
  }
  if (p.frame !== null) cancelAnimationFrame(p.frame);
  p.frame = null;
  // A browser that fell behind skips to this batch rather than show older epochs
  // from thinned data.
  p.from = Math.max(Math.min(p.shown, data.last), data.start);
  p.to = data.last;
  p.t0 = performance.now();
  p.duration = Math.max(1, data.reveal_s * 1000);
  if (!data.running || p.to <= p.from) {
    p.shown = p.to;
    draw(p);
  } else {
    p.frame = requestAnimationFrame((t) => tick(p, t));
  }
  return () => { if (p.frame !== null) cancelAnimationFrame(p.frame); p.frame = null; };
}
