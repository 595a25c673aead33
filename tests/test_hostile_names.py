"""User text is shown as text on the Training page and in the sidebar (issue 12,
item 3): a table of hostile file and column names through every place they reach
Markdown or a chart. The browser half is in test_browser_hostile_names.py."""

import json

import pytest
from charts import figures
from conftest import APP_PATH
from hostile_names import FILE_NAME, HOST, NAMES, hostile_csv
from streamlit.testing.v1 import AppTest

from ui.format import for_chart
from ui.models import DatasetState
from ui.sidebar import UPLOAD, handle_upload

MARKUP_KINDS = ("markdown", "caption", "error", "warning", "info", "success")


def upload(names: list[str]) -> AppTest:
    """A session with the hostile file uploaded, on the Training page."""
    state: dict = {}
    assert handle_upload(state, hostile_csv(names), FILE_NAME), state[UPLOAD].error
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    at.session_state[UPLOAD] = state[UPLOAD]
    at.session_state[DatasetState.KEY] = state[DatasetState.KEY]
    at.run()
    return at.switch_page("pages/training.py").run()


def markup(at: AppTest) -> list[str]:
    """Every piece of Markdown on the page (sidebar included)."""
    return [e.value for kind in MARKUP_KINDS for e in at.get(kind)]


def assert_only_escaped(at: AppTest, hostile: list[str]) -> None:
    texts = markup(at)
    for text in texts:
        for raw in [*hostile, FILE_NAME]:
            assert raw not in text, (raw, text)
        assert f"http://{HOST}" not in text  # every ":" and "/" escaped
    # the file's name is on the page, escaped (the sidebar's description)
    assert any(r"\<b\>\!\[n\]" in t for t in texts)


@pytest.mark.parametrize("kind", list(NAMES))
def test_a_hostile_column_name_is_text_in_the_weights_chart(kind):
    names = [NAMES[kind], "plain", "other"]
    at = upload(names)
    assert not at.exception
    assert_only_escaped(at, [NAMES[kind]])
    (weights,) = [f for f in figures(at)
                  if f["layout"].get("title", {}).get("text") == "Weights now"]
    for bar in weights["data"]:
        assert bar["x"] == [for_chart(n) for n in names]
        assert not any("<a" in x or "<img" in x for x in bar["x"])


def test_hostile_column_names_are_text_on_the_2d_boundary_chart():
    names = [NAMES["link"], NAMES["html"]]
    at = upload(names)
    assert not at.exception
    assert_only_escaped(at, names)
    (boundary,) = [f for f in figures(at) if "Decision boundary" in json.dumps(
        f["layout"].get("title", {}))]
    axes = boundary["layout"]
    assert axes["xaxis"]["title"]["text"] == for_chart(names[0])
    assert axes["yaxis"]["title"]["text"] == for_chart(names[1])
    assert "<a " not in json.dumps(axes) and "<img" not in json.dumps(axes)


def test_every_hostile_name_at_once_keeps_the_page_as_text():
    names = list(NAMES.values())
    at = upload(names)
    assert not at.exception
    assert_only_escaped(at, names)
