// Loss Lab's chart overlay: vertical lines drawn over a Plotly chart at data x.
//
// The Plotly figure stays byte-identical while the lines move, so the browser never
// redraws the chart: each line is an absolutely positioned <div> inside the chart's
// graph div, placed with the chart's own axis mapping (xaxis._offset + l2p(x)) over
// the whole plotting area. It is placed again after every Plotly redraw
// (plotly_afterplot: resize, zoom, a new figure) and, cheaply, twice a second in case
// Streamlit mounted a new graph div without telling anyone.
const OVERLAYS = (window.__llOverlays = window.__llOverlays || new Map());

function place(entry) {
  const d = entry.data;
  const gd = document.querySelector(`.${d.host} .js-plotly-plot`);
  const full = gd && gd._fullLayout;
  const xa = full && full[d.xaxis];
  if (!xa || !full._size || typeof xa.l2p !== "function") return;
  if (entry.gd !== gd) {
    entry.gd = gd;
    if (typeof gd.on === "function") gd.on("plotly_afterplot", () => place(entry));
  }
  let layer = gd.querySelector(":scope > .ll-overlay");
  if (!layer) {
    if (getComputedStyle(gd).position === "static") gd.style.position = "relative";
    layer = document.createElement("div");
    layer.className = "ll-overlay";
    gd.appendChild(layer);
  }
  const size = full._size;
  const [lo, hi] = [Math.min(...xa.range), Math.max(...xa.range)];
  while (layer.children.length > d.lines.length) layer.lastChild.remove();
  d.lines.forEach((line, i) => {
    let el = layer.children[i];
    if (!el) {
      el = document.createElement("div");
      el.className = "ll-overlay-line";
      el.appendChild(document.createElement("span"));
      layer.appendChild(el);
    }
    const inside = Number.isFinite(line.x) && line.x >= lo && line.x <= hi;
    // the 2px border centred on the pixel, as Plotly centres a 2px line
    const left = inside ? xa._offset + xa.l2p(line.x) - 1 : 0;
    const style = `left:${left.toFixed(2)}px;top:${size.t}px;height:${size.h}px;` +
      `border-left-color:${line.color};display:${inside ? "block" : "none"};`;
    if (el.getAttribute("style") !== style) el.setAttribute("style", style);
    el.dataset.x = String(line.x);
    el.dataset.name = line.name;
    const label = el.firstChild;
    if (label.textContent !== line.label) label.textContent = line.label;
    label.style.color = line.color;
  });
}

export default function (component) {
  const data = component.data;
  let entry = OVERLAYS.get(data.host);
  if (!entry) {
    entry = { data, gd: null };
    OVERLAYS.set(data.host, entry);
    entry.timer = setInterval(() => place(entry), 500);
  }
  entry.data = data;
  place(entry);
}
