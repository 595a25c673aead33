"""The two "why log loss" pages and the upload, in a real browser."""

import math
import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, wait_for_app_run
from playwright.sync_api import expect
from readouts import Shown, metric_in_page, shown_at

pytestmark = pytest.mark.browser


def _open(page, url: str) -> None:
    """Open ``url`` after the home page.

    Until a server has run ``app.py`` once, Streamlit treats a deep link into a
    ``pages/`` folder the old (pre-``st.navigation``) way and runs the page without
    the app frame (no sidebar); see the report to the lead. Visiting the home page
    first is what a fresh visitor's first click does.
    """
    open_page(page, url.rsplit("/", 1)[0] + "/")
    open_page(page, url)


def _screenshot(page, name: str, height: int = 3200) -> None:
    """The whole page: Streamlit scrolls inside its main block, so a full-page
    screenshot would stop at the viewport; a tall viewport shows everything."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_timeout(800)  # let the charts redraw at the new size
    page.screenshot(path=ARTIFACTS / name)
    page.set_viewport_size(size)
    page.wait_for_timeout(300)


def _drag_slider(page, label: str, presses: int, key: str = "ArrowRight") -> None:
    slider = page.get_by_test_id("stSlider").filter(has_text=label).first
    thumb = slider.get_by_role("slider").first
    thumb.focus()
    for _ in range(presses):
        page.keyboard.press(key)
    wait_for_app_run(page)


def test_loss_functions_page_draws_and_reacts(app_server, page):
    _open(page, f"{app_server}/loss_functions")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="Loss functions")).to_be_visible()
    charts = page.get_by_test_id("llChart")
    expect(charts).to_have_count(3)
    # Every chart drew its lines (SVG paths inside the plot area).
    for i in range(3):
        expect(charts.nth(i).locator("path.js-line").first).to_be_attached()
    before = metric_in_page(page, "Log loss")
    assert float(before) == pytest.approx(4.018, abs=1e-3)  # z = -4, y = 1
    _screenshot(page, "loss_functions.png")

    _drag_slider(page, "Logit z", 40)  # z: -4 -> 0
    after = metric_in_page(page, "Log loss")
    assert after != before
    assert float(after) == pytest.approx(0.6931, abs=1e-4)  # log 2 at z = 0
    assert_no_exception(page)

    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible()
    page.get_by_text("Beyond ±100").click()
    wait_for_app_run(page)
    assert_no_exception(page)
    failure = re.compile(r"naive float64.*first gives inf/nan")
    expect(page.get_by_text(failure)).to_be_visible()
    _screenshot(page, "loss_functions_log_axis.png")


# The share of each surface canvas's pixels in colour (the surfaces: axes, ticks
# and titles are black and grey), and a checksum of them.
CANVAS_INK_JS = """root => [...root.querySelectorAll('canvas')].map(c => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0, sum = 0;
  for (let k = 0; k < d.length; k += 4) {
    if (Math.max(d[k], d[k + 1], d[k + 2]) - Math.min(d[k], d[k + 1], d[k + 2]) > 40) {
      ink++;
      sum = (sum * 31 + d[k] + 7 * d[k + 2]) % 1000003;
    }
  }
  return [ink / (c.width * c.height), sum];
})"""


def _surfaces_drawn(page):
    """The surface pair (static/surface_chart.js) once it has drawn its latest data."""
    page.wait_for_function(
        """() => { const r = document.querySelector('.ll-surfaces');
                   return !!r && r.dataset.drawn === r.dataset.version; }""")
    return page.locator(".ll-surfaces")


def test_cost_surfaces_page_draws_both_surfaces_and_follows_the_w_range(
        app_server, page):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, f"{app_server}/cost_surfaces")
    assert_no_exception(page)
    expect(page.get_by_test_id("llChart")).to_have_count(2)  # contours, slice
    pair = _surfaces_drawn(page)
    pair.scroll_into_view_if_needed()
    assert pair.get_attribute("data-a-range") == "-6,6"
    assert pair.get_attribute("data-resolution") == "101x101"
    ink = pair.evaluate(CANVAS_INK_JS)
    assert len(ink) == 2 and all(share > 0.04 for share, _ in ink), ink
    for name in ("curves downward (negative eigenvalue)", "grid minimum"):
        expect(pair.get_by_text(name)).to_be_visible()
    expect(page.get_by_text("What to notice")).to_be_visible()
    pair.screenshot(path=ARTIFACTS / "cost_surfaces_3d.png")

    # the w range's upper end, five steps: both surfaces redrawn over the new range
    slider = page.get_by_test_id("stSlider").filter(has_text="from / to").first
    slider.get_by_role("slider").nth(1).focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    wait_for_app_run(page)
    pair = _surfaces_drawn(page)
    low, high = map(float, pair.get_attribute("data-a-range").split(","))
    shown = float(slider.get_by_test_id("stSliderThumbValue").nth(1).inner_text())
    assert low == -6 and high == pytest.approx(shown, abs=0.006) and high > 6
    # the ranges rerun a fragment; the address still carries the new range
    assert f"cs.a=-6%2C{high:g}" in page.url
    moved = pair.evaluate(CANVAS_INK_JS)
    assert all(new != old for (_, new), (_, old) in zip(moved, ink, strict=True))

    # dragging one surface turns both
    box = pair.locator("canvas").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2,
                    steps=4)
    page.mouse.up()
    page.wait_for_timeout(300)
    turned = pair.evaluate(CANVAS_INK_JS)
    assert all(new != old for (_, new), (_, old) in zip(turned, moved, strict=True))
    _screenshot(page, "cost_surfaces.png")

    heading = page.get_by_role("heading", name=re.compile("A slice along"))
    before = heading.inner_text()
    _drag_slider(page, "Slice at", 20)
    after = heading.inner_text()
    assert after != before
    assert_no_exception(page)
    _screenshot(page, "cost_surfaces_moved.png")
    assert errors == []


def _upload(page, path) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    expander = sidebar.get_by_test_id("stExpander")
    if not expander.get_by_test_id("stFileUploaderDropzone").is_visible():
        expander.get_by_text("Upload your own data").click()
    expander.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
    wait_for_app_run(page)


def test_upload_good_then_bad_file_keeps_the_good_one(app_server, page, tmp_path):
    good = tmp_path / "patients.csv"
    rows = ["age,size,malignant"] + [
        f"{30 + i},{(i % 7) * 0.5},{'yes' if (i % 7) > 3 else 'no'}" for i in range(40)
    ]
    good.write_text("\n".join(rows) + "\n")
    bad = tmp_path / "one_class.csv"
    bad.write_text("x,label\n1,1\n2,1\n3,1\n")

    open_page(page, f"{app_server}/walk")  # a light page with the dataset controls
    _upload(page, good)
    sidebar = page.get_by_test_id("stSidebar")
    picker = sidebar.get_by_role("combobox", name="Dataset")
    described = sidebar.get_by_text(re.compile(r"^40 rows from patients\.csv"))
    expect(picker).to_have_value("Uploaded: patients.csv")
    expect(sidebar.get_by_text("Loaded 40 rows from patients.csv")).to_be_visible()
    expect(described).to_contain_text("positive = 'yes'")
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "upload_good.png")

    _upload(page, bad)
    error = sidebar.get_by_test_id("stAlertContentError")
    expect(error).to_be_visible()
    expect(error).to_contain_text("one_class.csv")
    expect(error).to_contain_text("two classes")
    # The good upload is still the chosen data.
    expect(picker).to_have_value("Uploaded: patients.csv")
    expect(described).to_be_visible()
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "upload_bad.png")


def _inside(box, size) -> bool:
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] + 1
            and box["y"] + box["height"] <= size["height"] + 1)


def test_presenting_loss_functions_curves_and_point_controls_fit_1280x720(
        app_server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{app_server}/?app.present=1")  # the session starts presenting
    open_page(page, f"{app_server}/loss_functions?app.present=1")
    assert_no_exception(page)
    size = page.viewport_size
    curves = page.get_by_test_id("llChart").first
    expect(curves.locator("path.js-line").first).to_be_attached()
    page.wait_for_timeout(500)
    boxes = {
        "curves": curves.bounding_box(),
        "z slider": page.get_by_test_id("stSlider").filter(
            has_text="Logit z").first.bounding_box(),
        "label": page.get_by_test_id("stRadio").filter(
            has_text="True label y").first.bounding_box(),
    }
    page.screenshot(path=ARTIFACTS / "present_loss_functions_1280x720.png")
    for name, box in boxes.items():
        assert _inside(box, size), (name, box)
    # the metrics' numbers stay larger than the enlarged body text (its 1.12rem)
    value_px = page.locator(".ll-metric-value").first.evaluate(
        "el => parseFloat(getComputedStyle(el.querySelector('p') || el).fontSize)")
    assert value_px >= 20, value_px


def test_presenting_cost_surfaces_both_3d_surfaces_fit_1280x720(app_server, page):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{app_server}/?app.present=1")  # the session starts presenting
    open_page(page, f"{app_server}/cost_surfaces?app.present=1")
    assert_no_exception(page)
    size = page.viewport_size
    pair = _surfaces_drawn(page)
    page.screenshot(path=ARTIFACTS / "present_cost_surfaces_1280x720.png")
    canvases = pair.locator("canvas")
    expect(canvases).to_have_count(2)
    for k in range(2):
        box = canvases.nth(k).bounding_box()
        assert _inside(box, size), (k, box)
        assert box["width"] > 0.3 * size["width"] and box["height"] > 300, box
    assert all(share > 0.04 for share, _ in pair.evaluate(CANVAS_INK_JS))
    legend = pair.get_by_text("grid minimum")
    assert _inside(legend.bounding_box(), size)
    assert errors == []



# Where each overlay mark is on screen (the centre of its box, from the graph div's
# top left) and where the chart's own axes put data values.
OVERLAY_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .ll-chart`);
  const svg = gd && gd.querySelector(':scope > svg.ll-overlay');
  if (!svg) return null;
  const at = gd.getBoundingClientRect();
  const centre = el => { const b = el.getBoundingClientRect();
    return [b.x + b.width / 2 - at.x, b.y + b.height / 2 - at.y]; };
  return {
    points: [...svg.querySelectorAll('.ll-overlay-point')].map(centre),
    lines: [...svg.querySelectorAll('.ll-overlay-line')].map(l => {
      const b = l.getBoundingClientRect();
      return [b.x - at.x, b.y - at.y, b.width, b.height]; }),
    paths: svg.querySelectorAll('.ll-overlay-path').length,
  };
}"""

# The chart's mapping of data value v on axis `name` ("x2") to a pixel of its div.
PLOTLY_PX_JS = """([key, name, v]) => {
  const gd = document.querySelector(`.st-key-${key} .ll-chart`);
  const ax = gd.llLayout[name[0] + 'axis' + name.slice(1)];
  return ax.d2p(v) + ax._offset;
}"""

# The pixel of the tick labelled `text` on axis `name` (the chart's own drawing).
TICK_PX_JS = """([key, name, text]) => {
  const gd = document.querySelector(`.st-key-${key} .ll-chart`);
  const at = gd.getBoundingClientRect();
  const tick = [...gd.querySelectorAll(`g.${name}tick text`)]
    .find(t => t.textContent.replace('\u2212', '-') === text);
  if (!tick) return null;
  const b = tick.getBoundingClientRect();
  return name[0] === 'x' ? b.x + b.width / 2 - at.x : b.y + b.height / 2 - at.y;
}"""


def _overlay(page, key: str, count: int, kind: str = "points") -> dict:
    """The overlay of chart ``key`` once it shows ``count`` marks of ``kind``."""
    page.wait_for_function(
        "([key, kind, n]) => { const gd = document.querySelector(`.st-key-${key} "
        ".ll-chart`); const svg = gd && gd.querySelector(':scope > "
        "svg.ll-overlay'); return !!svg && svg.querySelectorAll(kind === 'points' ? "
        "'.ll-overlay-point' : '.ll-overlay-line').length === n; }",
        arg=[key, kind, count])
    return page.evaluate(OVERLAY_JS, key)


def _px(page, key: str, axis: str, value: float) -> float:
    return page.evaluate(PLOTLY_PX_JS, [key, axis, value])


def _readout_in_page(page) -> Shown:
    """What the Loss functions point's readout shows in the browser."""
    out = page.locator(".st-key-lf_point .ll-slider-readout").evaluate("""root => ({
      lines: [...root.querySelectorAll(':scope > p:not(.ll-caption)')]
        .map(p => p.textContent),
      captions: [...root.querySelectorAll(':scope > p.ll-caption')]
        .map(p => p.textContent),
      warnings: [...root.querySelectorAll('.ll-warning p')].map(p => p.textContent),
      metrics: Object.fromEntries([...root.querySelectorAll('.ll-metric')].map(m =>
        [m.querySelector('.ll-metric-label').textContent,
         m.querySelector('.ll-metric-value').textContent])),
      value: Number(root.dataset.value)})""")
    return Shown(lines=out["lines"], metrics=out["metrics"], warnings=out["warnings"],
                 captions=out["captions"]), out["value"]


def _expected(label: int, mode: str, axis: str, value: float) -> Shown:
    from ui.loss_views import point_readout

    r = point_readout(label, mode, axis)
    data = {**r["rows"], "blocks": r["blocks"],
            "overlays": {}}
    return shown_at(data, value)


def test_the_point_readout_follows_a_drag_before_the_server_hears_of_it(
        app_server, page):
    _open(page, f"{app_server}/loss_functions?lf.y=0")
    shown, value = _readout_in_page(page)
    assert value == -4.0 and shown == _expected(0, "z", "p", -4.0)
    assert not shown.warnings  # y = 0 and z = -4: right
    thumb = page.get_by_test_id("stSlider").filter(has_text="Logit z").first \
        .get_by_role("slider").first
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_for_app_run(page)
    shown, value = _readout_in_page(page)
    assert value == pytest.approx(-3.7) and shown == _expected(0, "z", "p", -3.7)
    assert "lf.z=-3.7" in page.url

    # a drag: the thumb held down far to the right, where y = 0 is confidently
    # wrong. Streamlit's slider tells the server only on release: the address bar
    # (written by the server's run) still says -3.7 while the readout follows.
    track = page.get_by_test_id("stSlider").filter(has_text="Logit z").first \
        .locator("[data-orientation=horizontal]").nth(1).bounding_box()
    box = thumb.locator("xpath=../..").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.95 * track["width"], box["y"] + box["height"] / 2,
                    steps=8)
    page.wait_for_timeout(300)
    shown, value = _readout_in_page(page)
    assert value > 5 and shown == _expected(0, "z", "p", value)
    assert shown.warnings and "Confidently wrong" in shown.warnings[0]
    assert "lf.z=-3.7" in page.url
    page.screenshot(path=ARTIFACTS / "loss_functions_readout_dragging.png")
    page.mouse.up()
    wait_for_app_run(page)
    page.wait_for_function(f"() => location.search.includes('lf.z={value:g}')")
    assert _readout_in_page(page) == (shown, value)
    assert_no_exception(page)


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_the_moving_point_is_where_the_chart_puts_z(app_server, page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open(page, f"{app_server}/loss_functions?lf.axis=z")
    charts = {key: page.locator(f".st-key-{key} .ll-chart")
              for key in ("lf_curves", "lf_gradient")}
    before = {key: chart.evaluate("gd => gd.__llSame = 1") for key, chart
              in charts.items()}
    _drag_slider(page, "Logit z", 40)  # z: -4 -> 0, y = 1
    log_loss = float(metric_in_page(page, "Log loss"))
    assert log_loss == pytest.approx(math.log(2), abs=1e-4)
    # the charts were not redrawn: the same graph divs (a new figure remounts them)
    assert all(chart.evaluate("gd => gd.__llSame") == before[key]
               for key, chart in charts.items())
    loss = {"log": math.log(2), "mse": 0.25}
    grad = {"log": -0.5, "mse": -0.25}  # p - y and 2 (p - y) p (1 - p) at p = 1/2
    for key, axes, values in (("lf_curves", ("x", "y"), loss),
                              ("lf_gradient", ("x", "y"), grad)):
        charts[key].scroll_into_view_if_needed()
        shown = _overlay(page, key, 2)
        for (px, py), value in zip(shown["points"], values.values(), strict=True):
            assert px == pytest.approx(_px(page, key, axes[0], 0.0), abs=1.5), key
            assert py == pytest.approx(_px(page, key, axes[1], value), abs=1.5), key
    # and the chart's own "0" tick on the gradient's z axis is there too
    tick = page.evaluate(TICK_PX_JS, ["lf_gradient", "x", "0"])
    assert tick is not None
    assert shown["points"][0][0] == pytest.approx(tick, abs=1.5)
    charts["lf_curves"].scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / f"loss_functions_point_{size[0]}x{size[1]}.png")
    assert_no_exception(page)


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_the_slice_line_is_where_the_chart_puts_the_slice(app_server, page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    _open(page, f"{app_server}/cost_surfaces")
    contours = page.locator(".st-key-cs_contours .ll-chart")
    contours.scroll_into_view_if_needed()
    contours.evaluate("gd => gd.__llSame = 1")
    _drag_slider(page, "Slice at", 20)  # 0.5 -> 0.7
    share = float(parse_qs(urlparse(page.url).query)["cs.slice"][0])  # the state
    assert share == pytest.approx(0.7)
    # the slice's c: row round(share * (n - 1)) of the contours' own y values
    grid = contours.evaluate(
        "gd => { const t = gd.llData.find(t => t.type === 'contour');"
        " return [Array.from(t.x), Array.from(t.y)]; }")
    a_values, c_values = grid
    c = c_values[round(share * (len(c_values) - 1))]
    heading = page.get_by_role("heading", name=re.compile("A slice along"))
    assert heading.inner_text().endswith(f"= {c:.3g}")
    assert contours.evaluate("gd => gd.__llSame") == 1  # not redrawn
    shown = _overlay(page, "cs_contours", 2, "lines")
    for (x, y, width, height), (xaxis, yaxis) in zip(
            shown["lines"], (("x", "y"), ("x2", "y2")), strict=True):
        assert height < 3  # horizontal
        assert y + height / 2 == pytest.approx(_px(page, "cs_contours", yaxis, c),
                                               abs=1.5)
        # across the whole panel: from the chart's first a value to its last
        left = _px(page, "cs_contours", xaxis, a_values[0])
        right = _px(page, "cs_contours", xaxis, a_values[-1])
        assert (x, x + width) == (pytest.approx(left, abs=1.5),
                                  pytest.approx(right, abs=1.5))
    page.screenshot(path=ARTIFACTS / f"slice_line_{size[0]}x{size[1]}.png")
    # the slice's curves: cost and second differences of both losses, and red
    # where MSE bends downward
    page.locator(".st-key-cs_slice").scroll_into_view_if_needed()
    page.wait_for_function(
        "() => document.querySelectorAll('.st-key-cs_slice svg.ll-overlay "
        ".ll-overlay-path').length >= 4")
    page.wait_for_timeout(300)
    # the MSE cost path starts at J(a[0], c) of the contours' own MSE contours
    # (their z values are J on the default linear axis): 16-bit packing lands on
    # the pixel
    j_first = contours.evaluate(
        "(gd, row) => gd.llData.find(t => t.type === 'contour'"
        " && t.name.includes('MSE')).z[row][0]",
        round(share * (len(c_values) - 1)))
    start = page.locator(".st-key-cs_slice svg.ll-overlay .ll-overlay-path").first \
        .get_attribute("d")
    x0, y0 = (float(v) for v in re.match(r"M([-\d.]+),([-\d.]+)", start).groups())
    assert x0 == pytest.approx(_px(page, "cs_slice", "x", a_values[0]), abs=1.5)
    assert y0 == pytest.approx(_px(page, "cs_slice", "y", j_first), abs=1.5)
    page.screenshot(path=ARTIFACTS / f"cost_surfaces_slice_{size[0]}x{size[1]}.png")
    assert_no_exception(page)
