"""Home: a picture, page links drawn as buttons, lesson starts; the tumour data
described once in the sidebar."""

from __future__ import annotations

from charts import chart_elements
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

from ui.figures_home import make_home_figure


def test_home_has_its_picture_links_and_lessons():
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    assert not at.exception
    keys = {b.key for b in at.button}
    assert {"ll_start_log_loss_home", "ll_start_threshold_home"} <= keys
    assert len(chart_elements(at)) == 1
    assert len(at.get("page_link")) >= 4


def test_home_figure_shows_both_losses_with_log_loss_unbounded():
    fig = make_home_figure()
    log, squared = fig.data
    assert max(log.y) > 6 and max(squared.y) <= 1
    assert fig.layout.xaxis.title.text == "predicted probability p"


def test_the_tumour_data_are_described_once():
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("pages/walk.py").run()  # Home uses no dataset
    at.selectbox(key="ds.name").set_value("tumour").run()
    captions = [c.value for c in at.sidebar.caption if "tumour" in c.value.lower()
                or "malignant" in c.value.lower()]
    assert len(captions) == 1, captions
