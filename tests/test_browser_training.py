"""The Training page in a real browser: a live run changes the chart, Pause holds it."""

import re

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, wait_for_app_run
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TALL = {"width": 1400, "height": 2200}  # the whole page in one screenshot
# A hash of the live cost chart's pixels (static/live_chart.js, while running) and how
# many are not white.
COST_CHART_JS = """() => {
  const chart = document.querySelector('.ll-live');
  const canvas = chart && chart.querySelector('canvas');
  if (!canvas || !canvas.width) return null;
  const bytes = canvas.getContext('2d')
    .getImageData(0, 0, canvas.width, canvas.height).data;
  let h = 0, ink = 0;
  for (let i = 0; i < bytes.length; i += 4) {
    h = (h * 31 + bytes[i] + 7 * bytes[i + 1] + 13 * bytes[i + 2]) | 0;
    if (bytes[i + 3] > 0 && bytes[i] + bytes[i + 1] + bytes[i + 2] < 600) ink += 1;
  }
  return {hash: h, ink, shown: canvas.dataset.shown || null};
}"""


def _open_training(page, base_url):
    # The app's root first, so app.py's st.navigation owns the routes, then the page.
    open_page(page, base_url)
    open_page(page, f"{base_url}/training")
    page.get_by_test_id("llChart").first.wait_for()


def _status(page) -> str:
    return page.get_by_text(re.compile(r"^(Ready|Running|Paused|Finished)")).first \
        .inner_text()


def test_live_run_updates_the_cost_chart_and_pause_holds_it(app_server, page):
    page.set_viewport_size(TALL)
    _open_training(page, app_server)
    assert_no_exception(page)
    expect(page.get_by_text("Finished.").first).to_be_visible()
    expect(page.get_by_text("crawls across a plateau").first).to_be_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "training.png")

    # 5000 epochs at 50 a second: the run is surely still going when we pause it
    epochs = page.get_by_test_id("stSlider").filter(has_text="Epochs") \
        .get_by_role("slider").first
    epochs.focus()
    epochs.press("End")
    wait_for_app_run(page)
    page.get_by_text("More settings:").click()
    speed = page.get_by_test_id("stSlider").filter(has_text="epochs per second") \
        .get_by_role("slider")
    speed.focus()
    speed.press("Home")
    for _ in range(5):
        speed.press("ArrowRight")  # auto, 2, 5, 10, 20, 50
    wait_for_app_run(page)
    page.get_by_role("button", name="Run").first.click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_text("Running…").first).to_be_visible()
    page.wait_for_function(f"({COST_CHART_JS})()?.shown > 0")
    first = page.evaluate(COST_CHART_JS)
    page.wait_for_timeout(1200)
    second = page.evaluate(COST_CHART_JS)
    assert second["ink"] > 5000, "the cost chart is (nearly) blank"
    assert second["hash"] != first["hash"], "the cost chart did not move"
    assert int(second["shown"]) > int(first["shown"]), "no new epoch on screen"
    page.locator(".ll-live").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "training_running.png")

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused.").first).to_be_visible(timeout=10_000)
    wait_for_app_run(page)
    held = _status(page)
    epoch_now = int(re.search(r"epoch (\d+) of 5000", held).group(1))
    assert 0 < epoch_now < 5000
    page.wait_for_timeout(1000)
    assert _status(page) == held, "the run kept going after Pause"
    # stopped: the full chart (static/chart.js, with hover readouts) shows every epoch
    # trained
    metrics = page.locator(".st-key-tr_metrics_chart .ll-chart")
    expect(metrics).to_be_visible()
    assert page.locator(".ll-live").count() == 0
    last = metrics.evaluate("""gd => { const t = gd.llData.find(
        t => t.name === 'log loss: training' && (t.xaxis || 'x') === 'x');
        return t.x[t.x.length - 1]; }""")
    assert last == epoch_now
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "training_paused.png")

    # Step moves exactly one epoch on from where Pause left it
    page.get_by_role("button", name="Step").click()
    wait_for_app_run(page)
    expect(page.get_by_text(f"epoch {epoch_now + 1} of 5000").first).to_be_visible()


def test_divergence_and_overfitting_stories(app_server, page):
    page.set_viewport_size(TALL)
    _open_training(page, app_server)
    page.get_by_role("button", name="A learning rate that diverges").click()
    expect(page.get_by_text(re.compile(r"^Finished\..* of 100\b")).first) \
        .to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    expect(page.get_by_text("too high for unscaled features").first).to_be_visible()
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "training_diverged.png")

    page.get_by_role("button", name="Overfitting").click()
    # while it runs, the live chart moves the decision boundary over the points
    model = page.locator("canvas.ll-live-model")
    expect(model).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "document.querySelector('canvas.ll-live-chart')?.dataset.shown > 100")
    model.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "training_boundary_live.png")
    expect(page.get_by_text(re.compile(r"^Finished\..*epoch 1000 of 1000")).first) \
        .to_be_visible(timeout=120_000)
    wait_for_app_run(page)
    expect(page.get_by_text("Overfitting (log loss)").first).to_be_visible()
    assert_no_exception(page)
    page.screenshot(path=ARTIFACTS / "training_overfitting.png")


SIZES = ({"width": 1440, "height": 900}, {"width": 1280, "height": 720})


def _slider_value(page, label: str) -> str:
    return (page.get_by_test_id("stSlider").filter(has_text=label)
            .get_by_role("slider").first.get_attribute("aria-valuetext"))


def test_a_story_link_opens_the_same_story_in_a_new_browser(app_server, page,
                                                            browser):
    page.set_viewport_size(SIZES[0])
    _open_training(page, app_server)
    page.get_by_role("button", name="A learning rate that diverges").click()
    expect(page.get_by_text(re.compile(r"^Finished\..* of 100\b")).first) \
        .to_be_visible(timeout=60_000)
    wait_for_app_run(page)
    link = page.url
    assert "tr.story=lr" in link and "tr.lr=30" in link and "tr.epochs=100" in link
    shown = (_slider_value(page, "Learning rate"), _slider_value(page, "Epochs"))
    assert shown == ("30", "100")
    errors = " ".join(page.get_by_test_id("stAlert").all_inner_texts())
    assert "too high for unscaled features" in errors

    for size in SIZES:  # a new browser context: its own cookies, its own session
        context = browser.new_context(viewport=size)
        other = context.new_page()
        try:
            open_page(other, link)
            expect(other.get_by_text(re.compile(r"^Finished\..* of 100\b")).first) \
                .to_be_visible(timeout=60_000)
            wait_for_app_run(other)
            assert (_slider_value(other, "Learning rate"),
                    _slider_value(other, "Epochs")) == shown
            assert "tr.story=lr" in other.url
            expect(other.get_by_text("too high for unscaled features").first) \
                .to_be_visible()
            assert_no_exception(other)
            other.screenshot(path=ARTIFACTS / "training_story_link_"
                             f"{size['width']}x{size['height']}.png")
        finally:
            context.close()
