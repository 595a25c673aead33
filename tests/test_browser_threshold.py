"""The Threshold & cost page in a real browser: default story, slider, real uploads."""

import numpy as np
import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, wait_for_app_run
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open(page, app_server):
    # A fresh server runs a deep link's page file alone (Streamlit's pages/ folder
    # discovery) until app.py has run once: open the app's root first.
    open_page(page, app_server)
    open_page(page, f"{app_server}/threshold")
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Threshold & cost")


def _threshold_slider(page):
    return (page.get_by_test_id("stSlider")
            .filter(has_text="Threshold: flag a case").get_by_role("slider"))


def test_default_view_and_keyboard_slider(app_server, page):
    _open(page, app_server)
    assert_no_exception(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_be_visible()
    expect(page.get_by_text("per 1,000 cases").first).to_be_visible()
    slider = _threshold_slider(page)
    expect(slider).to_have_value("0.5")
    box = page.get_by_test_id("stMainBlockContainer").get_by_label("Exact threshold")
    shown = [0.5]
    for _ in range(3):  # each arrow: the next distinct score, higher each time
        slider.focus()
        page.keyboard.press("ArrowRight")
        wait_for_app_run(page)
        shown.append(float(box.input_value()))
    assert shown == sorted(set(shown)), shown
    heading = page.locator(".st-key-thr_at strong").first
    assert float(heading.inner_text().removeprefix("At threshold ")) == pytest.approx(
        shown[-1], rel=1e-3)
    page.get_by_role("button", name="Go to the recommendation").click()
    wait_for_app_run(page)
    assert_no_exception(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_test_id("llChart")).to_have_count(1)  # the decision
    # the PR and ROC curves with the current threshold marked, while switched on
    page.get_by_text("Show the precision-recall and ROC curves").click()
    wait_for_app_run(page)
    expect(main.get_by_test_id("llChart")).to_have_count(3)
    slider.focus()
    page.keyboard.press("ArrowLeft")
    wait_for_app_run(page)
    assert_no_exception(page)
    expect(main.get_by_test_id("llChart")).to_have_count(3)
    # the other views are drawn only when chosen
    main.get_by_test_id("stButtonGroup").get_by_text("How sure").click()
    wait_for_app_run(page)
    expect(main.get_by_test_id("llChart")).to_have_count(2)
    main.get_by_test_id("stButtonGroup").get_by_text("Decide").click()
    wait_for_app_run(page)
    expect(_threshold_slider(page)).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "threshold.png", full_page=True)


def test_real_uploads_good_then_bad(app_server, page, tmp_path):
    rng = np.random.default_rng(0)
    n = 5000
    y = (rng.random(n) < 0.2).astype(int)
    s = np.round(1 / (1 + np.exp(-(2.2 * y - 1.6 + rng.normal(0, 1, n)))), 4)
    good = tmp_path / "scored.csv"
    good.write_text("label,score\n" + "\n".join(
        f"{a},{b}" for a, b in zip(y, s, strict=True)))
    bad = tmp_path / "three_classes.csv"
    bad.write_text("label,score\n0,0.1\n1,0.8\n2,0.5\n")

    _open(page, app_server)
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_test_id("stExpander").filter(
        has_text="Scores, currency and production base rate").locator("summary").click()
    main.get_by_text("Upload a scored file").click()
    wait_for_app_run(page)
    uploader = main.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(good))
    # the uploader shows the name at once; the page once the file is in use
    expect(main.get_by_text("In use: scored.csv (5,000 rows)")).to_be_visible(
        timeout=30_000)
    wait_for_app_run(page)
    assert_no_exception(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(main.get_by_text("Scores: scored.csv")).to_be_visible()
    headline = page.get_by_test_id("stAlertContentSuccess").inner_text()
    page.set_viewport_size({"width": 1400, "height": 3000})
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "threshold_upload.png", full_page=True)

    uploader.set_input_files(str(bad))
    wait_for_app_run(page)
    assert_no_exception(page)
    error = page.get_by_test_id("stAlertContentError").first
    expect(error).to_contain_text("3 classes", timeout=30_000)
    wait_for_app_run(page)
    expect(error).to_contain_text("previous file is still in use")
    # the good file's numbers are still on screen
    assert page.get_by_test_id("stAlertContentSuccess").inner_text() == headline


def _number(main, label: str):
    return main.get_by_label(label)


def _type(page, box, value: str) -> None:
    box.fill(value)
    box.press("Enter")
    wait_for_app_run(page)


def _settings(main):
    return main.get_by_test_id("stExpander").filter(
        has_text="Scores, currency and production base rate").locator("summary")


def _upload(page, app_server, path, in_use: str):
    """Open the page, upload a scored file through its settings, wait until the page
    says it is in use; the main block is returned."""
    _open(page, app_server)
    main = page.get_by_test_id("stMainBlockContainer")
    _settings(main).click()
    main.get_by_text("Upload a scored file").click()
    wait_for_app_run(page)
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    expect(main.get_by_text(in_use)).to_be_visible(timeout=30_000)
    wait_for_app_run(page)
    return main


def _scored_file(tmp_path, n=5000):
    rng = np.random.default_rng(1)
    y = (rng.random(n) < 0.2).astype(int)
    s = np.round(1 / (1 + np.exp(-(2.2 * y - 1.6 + rng.normal(0, 1, n)))), 4)
    path = tmp_path / "meeting_scores.csv"
    path.write_text("label,score\n" + "\n".join(
        f"{a},{b}" for a, b in zip(y, s, strict=True)))
    return path


def _shots(page, name: str) -> None:
    for width, height in ((1440, 900), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        page.screenshot(path=ARTIFACTS / f"{name}_{width}x{height}.png")


def test_settings_last_and_the_link_travels(app_server, page, browser, tmp_path):
    scored = _scored_file(tmp_path)
    main = _upload(page, app_server, scored, "In use: meeting_scores.csv (5,000 rows)")
    assert_no_exception(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    _type(page, _number(main, "FP: false alarm"), "25")
    _type(page, _number(main, "FN: positive missed"), "80")
    main.get_by_text("Different in production").click()
    wait_for_app_run(page)
    _type(page, _number(main, "Share of positives expected"), "0.05")
    _type(page, _number(main, "Exact threshold"), "0.37")
    assert_no_exception(page)
    headline = page.get_by_test_id("stAlertContentSuccess").inner_text()
    caption = main.get_by_text("Costs per case:").inner_text()
    assert "FP $25.00, FN $80.00" in caption and "5.0% in production" in caption
    expect(page.get_by_text("At threshold 0.37", exact=True)).to_be_visible()

    # to Training and back: everything is still there
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Training").click()
    wait_for_app_run(page)
    assert_no_exception(page)
    nav.get_by_role("link", name="Threshold & cost").click()
    wait_for_app_run(page)
    assert_no_exception(page)
    assert page.get_by_test_id("stAlertContentSuccess").inner_text() == headline
    assert main.get_by_text("Costs per case:").inner_text() == caption
    expect(page.get_by_text("At threshold 0.37", exact=True)).to_be_visible()
    expect(_number(main, "Exact threshold")).to_have_value("0.37")
    _settings(main).click()
    wait_for_app_run(page)
    expect(_number(main, "FP: false alarm")).to_have_value("25")
    expect(_number(main, "Share of positives expected")).to_have_value("0.05")
    expect(main.get_by_text("In use: meeting_scores.csv (5,000 rows)")).to_be_visible()
    _shots(page, "threshold_settings")
    url = page.url
    assert "thr.fp=25" in url and "thr.t=0.37" in url
    assert "thr.file=meeting_scores.csv" in url

    # the link in a new browser: same costs and threshold, and a request for the file
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        other = context.new_page()
        open_page(other, url)
        assert_no_exception(other)
        main2 = other.get_by_test_id("stMainBlockContainer")
        asked = main2.get_by_text("File: meeting_scores.csv (5,000 rows)")
        expect(asked).to_be_visible()
        assert (main2.get_by_text("Costs per case:").inner_text().split("Costs")[1]
                == caption.split("Costs")[1])
        expect(_number(main2, "Exact threshold")).to_have_value("0.37")
        _shots(other, "threshold_link")
        _settings(main2).click()
        wait_for_app_run(other)
        expect(_number(main2, "FN: positive missed")).to_have_value("80")
        main2.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(scored))
        expect(main2.get_by_text("In use: meeting_scores.csv")).to_be_visible(
            timeout=30_000)
        wait_for_app_run(other)
        assert_no_exception(other)
        assert other.get_by_test_id("stAlertContentSuccess").inner_text() == headline
        expect(main2.get_by_text("File: meeting_scores.csv")).to_have_count(0)
        expect(_number(main2, "Exact threshold")).to_have_value("0.37")
    finally:
        context.close()


def _inside(page, locator, name: str) -> None:
    box = locator.bounding_box()
    view = page.viewport_size
    assert box is not None, name
    assert box["x"] >= 0 and box["y"] >= 0, (name, box)
    assert box["x"] + box["width"] <= view["width"] + 1, (name, box)
    assert box["y"] + box["height"] <= view["height"] + 1, (name, box)


def test_the_decision_fits_one_1280x720_screen(app_server, page):
    """Headline, cost matrix, slider and the precision/recall chart inside the
    viewport without scrolling, with the sidebar and without it."""
    page.set_viewport_size({"width": 1280, "height": 720})
    _open(page, app_server)
    assert_no_exception(page)
    main = page.get_by_test_id("stMainBlockContainer")
    parts = {
        "headline": page.get_by_test_id("stAlertContentSuccess"),
        "headline metrics": main.locator(".st-key-thr_headline"),
        "cost matrix": main.locator(".st-key-thr_cost_matrix"),
        "slider": _threshold_slider(page),
        "P/R chart": main.get_by_test_id("llChart").first,
    }
    for sidebar in ("shown", "collapsed"):
        if sidebar == "collapsed":
            page.get_by_test_id("stSidebar").hover()
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click(
                force=True)
            page.wait_for_timeout(600)
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        page.screenshot(path=ARTIFACTS / f"threshold_1280x720_sidebar_{sidebar}.png")
        for name, locator in parts.items():
            expect(locator).to_be_visible()
            _inside(page, locator, f"{name} (sidebar {sidebar})")


def test_the_decision_fits_1280x720_in_presentation_mode(app_server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_server)
    open_page(page, f"{app_server}/threshold?app.present=1")
    assert_no_exception(page)
    main = page.get_by_test_id("stMainBlockContainer")
    page.screenshot(path=ARTIFACTS / "threshold_1280x720_present.png")
    for name, locator in (
            ("headline", page.get_by_test_id("stAlertContentSuccess")),
            ("headline metrics", main.locator(".st-key-thr_headline")),
            ("cost matrix", main.locator(".st-key-thr_cost_matrix")),
            ("slider", _threshold_slider(page)),
            ("P/R chart", main.get_by_test_id("llChart").first)):
        expect(locator).to_be_visible()
        _inside(page, locator, f"{name} (presentation mode)")
    # the current threshold (0.5 by default) is drawn on the chart here too
    _assert_line_at(page, 0.5)


def test_scenarios_compared_at_1280x720(app_server, page):
    """Two scenarios from a link, a third saved by typing its name: the chart (one
    curve and optimum per scenario), the table and the regret matrix."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_server)
    open_page(page, f"{app_server}/threshold?thr.view=scenarios"
                    "&thr.sc=Finance,0,40,30,0;Operations,-5,2,200,0")
    assert_no_exception(page)
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_text("Finance: TP $0.00, FP $40.00")).to_be_visible()
    name = main.get_by_label("Name")
    name.fill("Default <b>costs</b>")
    name.press("Enter")
    wait_for_app_run(page)
    main.get_by_role("button", name="Save", exact=True).click()
    wait_for_app_run(page)
    assert_no_exception(page)
    expect(main.get_by_text("Default <b>costs</b>: TP $0.00")).to_be_visible()
    chart = main.get_by_test_id("llChart")
    expect(chart).to_have_count(1)
    legend = chart.locator(".ll-legend").text_content()
    for who in ("Finance (optimum", "Operations (optimum",
                "Default <b>costs</b> (optimum"):
        assert who in legend, legend
    expect(chart.locator(".xtitle")).to_have_text("threshold")
    expect(chart.locator(".ytitle")).to_contain_text("scaled cost (0 best, 1 worst)")
    expect(main.get_by_test_id("stDataFrame")).to_have_count(2)
    assert "thr.sc=Finance" in page.url and "Default" in page.url
    page.screenshot(path=ARTIFACTS / "threshold_scenarios_1280x720_top.png")
    chart.scroll_into_view_if_needed()  # under the headline: one scroll away
    page.wait_for_timeout(300)
    _inside(page, chart, "scenario chart")
    page.screenshot(path=ARTIFACTS / "threshold_scenarios_1280x720.png")
    page.set_viewport_size({"width": 1280, "height": 1600})
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / "threshold_scenarios_full.png", full_page=True)
    # presentation mode: the same view, larger type, no sidebar
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, page.url + "&app.present=1")
    assert_no_exception(page)
    chart = page.get_by_test_id("stMainBlockContainer").get_by_test_id(
        "llChart")
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    _inside(page, chart, "scenario chart (presentation mode)")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    views = page.get_by_test_id("stMainBlockContainer").get_by_test_id(
        "stButtonGroup").first.bounding_box()
    exit_bar = page.get_by_role("button", name="Exit presentation").bounding_box()
    assert views["x"] + views["width"] <= exit_bar["x"], (views, exit_bar)
    page.screenshot(path=ARTIFACTS / "threshold_scenarios_1280x720_present.png")


def test_a_count_per_period_cap_from_a_link(app_server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, app_server)
    open_page(page, f"{app_server}/threshold?thr.capn=12&thr.capof=240"
                    "&thr.period=week")
    assert_no_exception(page)
    main = page.get_by_test_id("stMainBlockContainer")
    note = main.get_by_test_id("stAlertContentWarning").filter(has_text="Capacity")
    expect(note).to_contain_text(
        "review at most 12 of the 240 cases arriving per week (5.0%)")
    _settings(main).click()
    wait_for_app_run(page)
    expect(_number(main, "Cases the team can review per week")).to_have_value("12")
    box = _number(main, "Cases arriving per week")
    _type(page, box, "many")  # junk keeps the previous value and says why
    assert_no_exception(page)
    expect(box).to_have_value("240")
    expect(main.get_by_text("Not applied")).to_be_visible()
    box.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "threshold_capacity_count_1280x720.png")


def test_segments_view_at_1280x720(app_server, page, tmp_path):
    """A scored file with a region column: the Segments view's table, too-small
    mark, gaps and chart, hostile segment values shown as text, in the viewport
    of a 1280x720 screen."""
    rng = np.random.default_rng(3)
    n = 4000
    values = np.array(["north", "south", "![x](http://h/x.png)", "$\\gamma$", "tiny"])
    region = values[rng.choice(5, n, p=[0.36, 0.32, 0.22, 0.08, 0.02])]
    y = (rng.random(n) < 0.3).astype(int)
    s = np.round(1 / (1 + np.exp(-(2.2 * y - 1.6 + rng.normal(0, 1, n)))), 4)
    path = tmp_path / "regions.csv"
    path.write_text("label,score,region\n" + "\n".join(
        f'{a},{b},"{c}"' for a, b, c in zip(y, s, region, strict=True)))
    page.set_viewport_size({"width": 1280, "height": 720})
    main = _upload(page, app_server, path, "In use: regions.csv (4,000 rows)")
    box = main.get_by_test_id("stSelectbox").filter(has_text="Segment column")
    option = page.get_by_role("option", name="region", exact=True)
    for _ in range(3):  # a rerun finishing just then can close the list again
        box.get_by_role("combobox").click()
        try:
            option.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            wait_for_app_run(page)
    option.click()
    wait_for_app_run(page)
    _settings(main).click()  # fold the settings again: the view comes first
    wait_for_app_run(page)
    main.get_by_test_id("stButtonGroup").get_by_text("Segments").click()
    wait_for_app_run(page)
    assert_no_exception(page)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    table = main.locator(".st-key-thr_segments_table")
    # as text, not an image (a word joiner keeps the URL from becoming a link)
    expect(table).to_contain_text("![x](http:/\u2060/h/x.png)")
    expect(table).to_contain_text("$\\gamma$")
    expect(table).to_contain_text("tiny (too small)")
    expect(table.locator("img")).to_have_count(0)
    expect(table.locator(".katex")).to_have_count(0)
    expect(table.locator("a")).to_have_count(0)
    expect(main.get_by_text("too small to estimate")).to_be_visible()
    chart = main.get_by_test_id("llChart")
    expect(chart).to_have_count(1)
    expect(chart.locator(".xtitle").first).to_have_text("rate (0 to 1)")
    expect(chart.locator(".ytitle").first).to_have_text("segment")
    expect(chart.locator(".ll-legend")).to_contain_text("false-positive rate")
    expect(chart.locator(".ll-axis[data-axis='y']").first).to_contain_text(
        "![x](http://h/x.png)")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / "threshold_segments_1280x720.png")
    _inside(page, table, "segments table")
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / "threshold_segments_chart_1280x720.png")
    _inside(page, chart, "segments chart")


# The current-threshold line (ui.chart_overlay: one segment per panel) in the graph
# div's pixels, each panel's y extent from the chart's own axes, and the centre of
# the chart's own dashed "recommended" shape line.
LINE_JS = """() => {
  const gd = document.querySelector('.st-key-thr-fig_decision .ll-chart');
  const svg = gd && gd.querySelector('svg.ll-overlay');
  const lines = svg ? [...svg.querySelectorAll('line.ll-overlay-line')] : [];
  if (lines.length !== 2 || !gd.llLayout) return null;
  const L = gd.llLayout, g = gd.getBoundingClientRect();
  const dash = (p) => !!p.getAttribute('stroke-dasharray');
  const dashed = [...gd.querySelectorAll('.ll-shape')].filter(dash);
  const rec = dashed.length ? dashed[0].getBoundingClientRect() : null;
  return {
    lines: lines.map((l) => { const r = l.getBoundingClientRect();
      return {center: r.left + r.width / 2 - g.left, top: r.top - g.top,
              bottom: r.bottom - g.top}; }),
    panels: [L.yaxis, L.yaxis2].map((a) => [a._offset, a._offset + a._length]),
    recCenter: rec ? rec.left + rec.width / 2 - g.left : null,
    label: svg.textContent};
}"""
MAP_JS = """(v) => {
  const gd = document.querySelector('.st-key-thr-fig_decision .ll-chart');
  const xa = gd.llLayout.xaxis2;
  return xa._offset + xa.l2p(v);
}"""


def _line(page) -> dict:
    page.wait_for_function(f"({LINE_JS})() !== null")
    got = page.evaluate(LINE_JS)
    assert got["label"] == "current"
    for line, (top, bottom) in zip(got["lines"], got["panels"], strict=True):
        assert abs(line["top"] - top) <= 1.5 and abs(line["bottom"] - bottom) <= 1.5
    return got


def _assert_line_at(page, value: float) -> dict:
    """Both segments are drawn where the chart's x axis puts ``value`` (1 pixel)."""
    want = page.evaluate(MAP_JS, value)
    page.wait_for_function(
        f"(w) => {{ const g = ({LINE_JS})(); return g !== null && "
        "g.lines.every((l) => Math.abs(l.center - w) <= 1); }", arg=want)
    return _line(page)


def _grid_file(tmp_path):
    """199 distinct scores 0.005 .. 0.995, 30 rows each (labels drawn with the
    score as the chance of a positive): every score is in both halves."""
    rng = np.random.default_rng(3)
    s = np.repeat(np.round(np.arange(1, 200) * 0.005, 3), 30)
    y = (rng.random(s.size) < s).astype(int)
    path = tmp_path / "grid_scores.csv"
    path.write_text("label,score\n" + "\n".join(
        f"{a},{b}" for a, b in zip(y, s, strict=True)))
    return y, s, path


def test_keys_move_to_distinct_scores_and_the_line_follows(app_server, page, tmp_path):
    from core.scored import ScoredRows, split_scored

    y, s, path = _grid_file(tmp_path)
    # the validation half as the page splits it (seed 0): its distinct scores and,
    # by brute force over its rows, the share flagged at any threshold
    val, _ = split_scored(ScoredRows(y.astype(float), s))
    distinct = np.unique(val.scores)
    assert len(distinct) == 199

    def share(t):
        return float(np.mean(val.scores >= t))

    main = _upload(page, app_server, path, "In use: grid_scores.csv (5,970 rows)")
    _settings(main).click()
    wait_for_app_run(page)
    assert_no_exception(page)
    box = _number(main, "Exact threshold")
    expect(box).to_have_value("0.5")
    _assert_line_at(page, 0.5)
    slider = _threshold_slider(page)
    t = 0.5

    def press(key, want):
        nonlocal t
        slider.focus()
        page.keyboard.press(key)
        expect(box).to_have_value(f"{want:.15g}")
        wait_for_app_run(page)
        expect(page.get_by_text(f"At threshold {want:.4g}", exact=True)).to_be_visible()
        _assert_line_at(page, want)
        t = want

    for key in ("ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft", "ArrowLeft",
                "ArrowUp", "ArrowDown"):
        up = key in ("ArrowRight", "ArrowUp")
        want = distinct[distinct > t][0] if up else distinct[distinct < t][-1]
        press(key, float(want))
    assert t == pytest.approx(0.495)
    # Page Up: the nearest score flagging at least 1 point fewer; Page Down back
    want = distinct[(distinct > t) & ([share(d) <= share(t) - 0.01 for d in distinct])]
    press("PageUp", float(want[0]))
    assert share(t) <= share(0.495) - 0.01 < share(distinct[distinct < t][-1])
    want = distinct[(distinct < t) & ([share(d) >= share(t) + 0.01 for d in distinct])]
    press("PageDown", float(want[-1]))
    press("Home", float(distinct[0]))
    # the slider itself did not move by its own step on any of these keys
    expect(slider).to_have_value(f"{distinct[0]:g}")

    # the line is the chart's: on the recommended line after "Go to the recommendation",
    # and placed again when the window (and so the chart) is resized
    main.get_by_role("button", name="Go to the recommendation").click()
    wait_for_app_run(page)
    rec = float(box.input_value())
    got = _assert_line_at(page, rec)
    assert got["recCenter"] is not None
    assert all(abs(ln["center"] - got["recCenter"]) <= 1.0 for ln in got["lines"])
    for width, height in ((1280, 720), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)
        got = _assert_line_at(page, rec)
        assert all(abs(ln["center"] - got["recCenter"]) <= 1.0 for ln in got["lines"])
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=ARTIFACTS / f"threshold_keys_{width}x{height}.png")
    assert_no_exception(page)


def test_exports_are_made_on_the_click(app_server, page, tmp_path):
    """The memo and the report are deferred files (made when clicked, not on every
    run): the browser's download holds the memo previewed on the page."""
    _open(page, app_server)
    open_page(page, f"{app_server}/threshold?thr.view=export")
    main = page.get_by_test_id("stMainBlockContainer")
    preview = main.get_by_test_id("stCode").inner_text()
    with page.expect_download() as memo:
        main.get_by_role("button", name="Decision memo (Markdown)").click()
    text = (tmp_path / "memo.md")
    memo.value.save_as(text)
    assert memo.value.suggested_filename == "decision_memo.md"
    assert text.read_text().strip() == preview.strip()
    with page.expect_download() as report:
        main.get_by_role("button", name="Decision report (HTML)").click()
    html = tmp_path / "report.html"
    report.value.save_as(html)
    assert "<html" in html.read_text()[:500].lower()
    assert_no_exception(page)
