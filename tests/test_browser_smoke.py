"""The real app in a real browser: the home page loads and renders."""

import pytest
from conftest import ARTIFACTS, assert_no_exception, open_page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_home_page_renders(app_server, page):
    open_page(page, app_server)

    assert_no_exception(page)
    expect(page).to_have_title("Loss Lab")
    expect(page.get_by_role("heading", name="Loss Lab", level=1)).to_be_visible()
    expect(page.get_by_text("cross-entropy").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "home.png", full_page=True)
