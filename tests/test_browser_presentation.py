"""Presentation mode, lessons and small screens in a real browser: at 1280x720 in
presentation mode the key picture and its controls are inside the viewport; the
arrow keys move through a lesson; at 1024x768 no label on any page is cut short."""

from urllib.parse import urlencode

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, wait_for_app_run
from playwright.sync_api import expect

from ui.lessons import LESSONS, step_link

pytestmark = pytest.mark.browser

PROJECTOR = {"width": 1280, "height": 720}
SMALL = {"width": 1024, "height": 768}

# Every text in a button, a select box or a formula whose box is narrower than its
# content (CSS cuts it with an ellipsis, or scrolls it), or that ends in one.
CUT_LABELS_JS = """() => {
  const cut = [];
  const roots = document.querySelectorAll(
    'button, [data-testid="stSelectbox"], [data-testid="stPageLink"], ' +
    '[data-testid="stMetric"], [data-testid="stWidgetLabel"], .ll-metric');
  for (const root of roots) {
    if (!root.offsetParent) continue;  // not shown
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const style = getComputedStyle(el);
      const clips = style.overflow !== 'visible' || style.textOverflow === 'ellipsis';
      const text = (el.innerText || '').trim();
      if (!text || el.children.length > 3) continue;
      if ((clips && el.scrollWidth > el.clientWidth + 1) || text.endsWith('…')) {
        cut.push(text.slice(0, 60));
        break;
      }
    }
  }
  // KaTeX's multi-line layouts end in a 2-pixel spacer (.vlist-s) past the last
  // glyph: 3 pixels of slack, no more.
  for (const formula of document.querySelectorAll('.katex-display')) {
    if (formula.offsetParent && formula.scrollWidth > formula.clientWidth + 3) {
      cut.push('formula: ' + formula.textContent.slice(0, 40));
    }
  }
  return cut;
}"""


# Text in a chart that overlaps other text of its kind: an axis's tick labels, or
# two annotations (subplot titles over narrow panels).
OVERLAPS_JS = """() => {
  const bad = [];
  const hit = (a, b) => a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1
    && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1;
  for (const svg of document.querySelectorAll('.ll-chart svg.ll-main')) {
    if (!svg.getBoundingClientRect().width) continue;  // not shown
    const groups = [...svg.querySelectorAll('g.ll-axis')].map(
      g => [...g.querySelectorAll(':scope > text:not(.ll-axis-title)')]);
    groups.push([...svg.querySelectorAll('text.ll-annotation')]);
    for (const texts of groups) {
      const boxes = texts.filter(t => t.textContent.trim())
        .map(t => [t.textContent, t.getBoundingClientRect()]);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i], boxes[j]];
          if (hit(a[1], b[1])) bad.push(`${a[0]} / ${b[0]}`);
        }
      }
    }
  }
  return bad;
}"""


def _inside(page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None, "not shown"
    view = page.viewport_size
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= view["width"] + 1, box
    assert box["y"] + box["height"] <= view["height"] + 1, box


def _chrome_hidden(page) -> None:
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stHeader")).to_be_hidden()
    expect(page.get_by_role("button", name="Exit presentation")).to_be_visible()


def test_home_in_presentation_mode_fits_1280x720(app_server, page):
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_server)
    open_page(page, f"{app_server}/?app.present=1")
    assert_no_exception(page)
    _chrome_hidden(page)
    _inside(page, page.get_by_test_id("llChart").first)
    _inside(page, page.locator(".st-key-ll_start_log_loss_home button"))
    _inside(page, page.get_by_role("button", name="Exit presentation"))
    page.screenshot(path=ARTIFACTS / "present-home-1280x720.png")


def test_training_story_in_presentation_mode_fits_1280x720(app_server, page):
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_server)
    params = {"app.present": "1", "tr.story": "mse"}
    page.goto(f"{app_server}/training?{urlencode(params)}")
    live = page.locator(".ll-live")
    live.wait_for(state="visible")  # the story runs live
    page.wait_for_timeout(1500)
    assert_no_exception(page)
    _chrome_hidden(page)
    pause = page.locator(".st-key-tr_pause button").first
    expect(pause).to_be_visible()
    _inside(page, pause)
    page.screenshot(path=ARTIFACTS / "present-training-1280x720.png")
    _inside(page, live.locator("canvas").first)  # the cost chart
    _inside(page, live.locator("canvas.ll-live-model"))  # the (w, b) paths
    # space pauses (the keyboard presses the page's own button)
    page.locator("h1").first.click()
    page.keyboard.press("Space")
    expect(page.locator(".st-key-tr_run button").first).to_be_visible()
    wait_for_app_run(page)
    expect(page.get_by_text("Paused").first).to_be_visible()
    # leaving presentation mode keeps the story's settings
    page.get_by_role("button", name="Exit presentation").click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    assert "tr.story=mse" in page.url and "app.present" not in page.url


def test_arrow_keys_move_through_a_lesson(app_server, page):
    page.set_viewport_size(PROJECTOR)
    open_page(page, app_server)
    steps = LESSONS["log_loss"].steps
    open_page(page, f"{app_server}/{step_link('log_loss', 0, present=True)[2:]}")
    expect(page.get_by_text(f"step 1 of {len(steps)}")).to_be_visible()
    _chrome_hidden(page)
    page.screenshot(path=ARTIFACTS / "present-lesson-1280x720.png")
    page.locator("h1").first.click()
    page.keyboard.press("ArrowRight")
    wait_for_app_run(page)
    expect(page.get_by_text(f"step 2 of {len(steps)}")).to_be_visible()
    assert "app.step=1" in page.url and "lf.z=3" in page.url
    page.locator("h1").first.click()
    page.keyboard.press("ArrowLeft")
    wait_for_app_run(page)
    expect(page.get_by_text(f"step 1 of {len(steps)}")).to_be_visible()
    assert "app.step" not in page.url and "app.present=1" in page.url
    assert_no_exception(page)


@pytest.mark.parametrize(("path", "chart"), [
    ("training", "llChart"), ("", "llChart"),
    ("loss_functions", "llChart"), ("cost_surfaces", "llChart"),
    ("threshold", "llChart"), ("walk", "llChart")])
def test_no_label_is_cut_at_1024x768(app_server, page, path, chart):
    page.set_viewport_size(SMALL)
    open_page(page, app_server)
    open_page(page, f"{app_server}/{path}")
    page.get_by_test_id(chart).first.wait_for()
    assert_no_exception(page)
    wait_for_app_run(page)
    page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's own fonts
    page.screenshot(path=ARTIFACTS / f"{path or 'home'}-1024x768.png")
    assert page.evaluate(CUT_LABELS_JS) == []
    assert page.evaluate(OVERLAPS_JS) == []
