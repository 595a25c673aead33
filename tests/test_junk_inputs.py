"""Junk typed into the number fields of the sidebar and the Training page keeps the
previous value and says why; nothing is clamped silently (issue 12, item 2).

The seed fields have no min or max in the browser (it would clamp a typed value to
them without a word): the page model refuses a value outside its range and the page
says what was typed, why it was refused and what stays. Integers beyond what a
browser's number field holds exactly (2**53) never reach the page: Streamlit puts
the widget's current value back itself.
"""

import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

from ui.models import DatasetState, TrainingState

TIMEOUT = 60
FIELDS = {  # widget key -> (page, model)
    "ds.seed": ("pages/walk.py", DatasetState),  # a page that uses the data
    "tr.seed": ("pages/training.py", TrainingState),
}
REFUSED = [-1, 10_001, 10**9, -(10**9), 2**53 - 1, -(2**53 - 1)]
KEPT_BY_STREAMLIT = [2**63 - 1, -(2**63), 1e306, -1e306]


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT).run()
    return at.switch_page(page).run()


def set_field(at: AppTest, key: str, value) -> AppTest:
    at.number_input(key=key).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


@pytest.fixture(scope="module", params=list(FIELDS))
def field(request):
    """A page with the field set to 7 first, so "kept" is not the default."""
    key = request.param
    page, model = FIELDS[key]
    at = set_field(open_page(page), key, 7)
    assert at.session_state[model.KEY].seed == 7 and not warnings(at)
    return key, model, at


@pytest.mark.parametrize("value", REFUSED, ids=str)
def test_a_value_out_of_range_keeps_the_previous_one_and_says_why(field, value):
    key, model, at = field
    set_field(at, key, value)
    assert at.number_input(key=key).value == 7
    assert at.session_state[model.KEY].seed == 7
    (words,) = [w for w in warnings(at) if "Seed" in w]
    assert f"“{str(value).replace('-', chr(92) + '-')}”" in words
    assert "outside 0 to 10000" in words and "stays 7" in words
    at.run()  # said once: the next run is quiet
    assert not [w for w in warnings(at) if "Seed" in w]


@pytest.mark.parametrize("value", KEPT_BY_STREAMLIT, ids=str)
def test_a_value_no_number_field_holds_keeps_the_previous_one(field, value):
    key, model, at = field
    set_field(at, key, value)
    assert at.number_input(key=key).value == 7
    assert at.session_state[model.KEY].seed == 7


def test_a_valid_value_after_junk_is_used(field):
    key, model, at = field
    set_field(at, key, -5)
    set_field(at, key, 42)
    assert at.session_state[model.KEY].seed == 42
    assert not [w for w in warnings(at) if "Seed" in w]
    set_field(at, key, 7)
