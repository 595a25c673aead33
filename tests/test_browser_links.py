"""Links in a real browser: the address bar follows the view, "Copy link" copies it,
and the link opens the same view in a fresh browser (issue 9)."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page, wait_for_app_run
from playwright.sync_api import expect
from readouts import metric_in_page

pytestmark = pytest.mark.browser


def _params(url: str) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(url).query).items()}


def _drag(page, label: str, presses: int) -> None:
    slider = page.get_by_test_id("stSlider").filter(has_text=label).first
    slider.get_by_role("slider").first.focus()
    for _ in range(presses):
        page.keyboard.press("ArrowRight")
    wait_for_app_run(page)


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"])


def test_copy_link_opens_the_same_view_in_a_new_browser(app_server, page, browser):
    open_page(page, f"{app_server}/")
    open_page(page, f"{app_server}/loss_functions")
    page.get_by_test_id("stRadio").filter(has_text="True label y").first.get_by_text(
        "y = 0").click()
    wait_for_app_run(page)
    _drag(page, "Logit z", 15)  # -4.0 -> -2.5
    assert _params(page.url) == {"lf.y": "0", "lf.z": "-2.5"}
    log_loss = metric_in_page(page, "Log loss")

    button = page.get_by_role("button", name="Copy link to this view")
    assert _in_viewport(page, button)
    button.click()
    field = page.get_by_role("textbox", name="Link to this view")
    expect(field).to_be_visible()
    expect(page.locator(".ll-copy-status")).to_have_text(re.compile(r"\S"))
    link = field.input_value()
    assert _params(link) == {"lf.y": "0", "lf.z": "-2.5"}
    assert_no_exception(page)

    # A new browser context: no cookies, no session, only the link.
    for width, height in ((1440, 900), (1280, 720)):
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            fresh = open_page(context.new_page(), link)
            assert_no_exception(fresh)
            expect(fresh.get_by_role("heading", name="Loss functions")).to_be_visible()
            assert metric_in_page(fresh, "Log loss") == log_loss
            checked = fresh.get_by_test_id("stRadio").filter(
                has_text="True label y").first.locator("input:checked")
            assert checked.evaluate("el => el.closest('label').innerText") == "y = 0"
            assert _params(fresh.url) == {"lf.y": "0", "lf.z": "-2.5"}
            assert _in_viewport(fresh, fresh.get_by_role(
                "button", name="Copy link to this view"))
            fresh.screenshot(path=ARTIFACTS / f"link_opened_{width}x{height}.png")
        finally:
            context.close()


def test_a_hostile_link_shows_defaults_and_a_plain_notice(app_server, page):
    open_page(page, f"{app_server}/")
    open_page(page, f"{app_server}/cost_surfaces?cs.res=abc&%3Cimg%20src%3Dx%3E=1"
                    "&ds.n=1e400")
    assert_no_exception(page)
    notice = page.get_by_test_id("stAlert").filter(has_text="could not be used")
    expect(notice).to_have_count(1)
    assert "cs.res" in notice.inner_text() and "ds.n" in notice.inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert _params(page.url) == {}  # the junk is gone from the address bar
    page.screenshot(path=ARTIFACTS / "link_hostile.png")
