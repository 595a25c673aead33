"""The shared sidebar: built-in datasets, choices that persist, and uploads."""

import io
import re

import numpy as np
import pandas as pd
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from ui import sidebar
from ui.models import UPLOADED, DatasetState
from ui.sidebar import (
    apply_columns,
    handle_upload,
    parse_upload,
    remove_upload,
    upload_of,
)


def _shown(markdown: str) -> str:
    """Text as a reader sees it (the Markdown escapes of user text removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _captions(at: AppTest) -> str:
    return " ".join(_shown(c.value) for c in at.sidebar.caption)


def _app() -> AppTest:
    """The app on a page that uses the dataset (its controls are drawn there)."""
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    return at.switch_page("pages/walk.py").run()


# --- pure parsing ------------------------------------------------------------------

GOOD_CSV = b"size;age;diagnosis\n1.5;40;benign\n3.0;51;malignant\n0.5;33;benign\n" \
           b"4.2;60;malignant\n2.2;45;benign\n"


def _parquet(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer)
    return buffer.getvalue()


def test_parse_upload_reads_csv_with_default_columns_and_positive_label():
    ds = parse_upload(GOOD_CSV, "tumours.csv")

    assert ds.name == "Uploaded: tumours.csv"
    assert ds.feature_names == ("size", "age")
    np.testing.assert_array_equal(ds.X, [[1.5, 40], [3.0, 51], [0.5, 33], [4.2, 60],
                                         [2.2, 45]])
    np.testing.assert_array_equal(ds.y, [0, 1, 0, 1, 0])  # "malignant" sorts last
    assert "positive = 'malignant'" in ds.description


def test_parse_upload_honours_choices_and_reads_parquet():
    df = pd.DataFrame({"flag": [True, False, True, False], "a": [1.0, 2.0, 3.0, 4.0],
                       "b": [0.1, 0.2, 0.3, 0.5]})
    ds = parse_upload(_parquet(df), "data.parquet", "flag", ["b"], False)

    assert ds.feature_names == ("b",)
    np.testing.assert_array_equal(ds.X[:, 0], df["b"])
    np.testing.assert_array_equal(ds.y, [0, 1, 0, 1])  # positive = False


TWO = "x,label\n1,0\n2,1\n"
BAD_FILES = {
    "empty": (b"", {}, "empty"),
    "header only": (b"x,label\n", {}, "no data rows"),
    "binary junk": (bytes(range(256)) * 8, {}, "binary"),
    "not UTF-8": (b"x,label\n1,caf\xe9\n2,ol\xe9\n", {}, "UTF-8"),
    "one class": (b"x,label\n1,1\n2,1\n3,1\n", {}, "only one class"),
    "three classes": (b"x,label\n1,0\n2,1\n3,2\n", {"label_column": "label"},
                      "3 classes"),
    "missing label": (b"x,label\n1,0\n2,\n3,1\n", {"label_column": "label"},
                      "missing"),
    "text in a feature": (b"x,label\n1,0\nabc,1\n3,1\n", {"feature_columns": ["x"]},
                          "must hold numbers"),
    "infinity": (b"x,label\n1,0\ninf,1\n3,1\n", {}, "infinite"),
    "label as feature": (TWO.encode(), {"label_column": "label",
                                        "feature_columns": ["x", "label"]},
                         "cannot also be a feature"),
    "no feature": (b"label\n0\n1\n", {}, "at least one feature"),
    "missing feature value": (b"x,label\n1,0\n,1\n3,1\n", {}, "missing"),
    "broken parquet": (b"PAR1" + b"\x00junk" * 50, {}, "Parquet"),
    "unknown label column": (TWO.encode(), {"label_column": "y"}, "no column"),
    "positive label absent": (TWO.encode(), {"positive_label": "yes"},
                              "not one of the label values"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_parse_upload_rejects_bad_files_in_plain_words(kind):
    data, choices, words = BAD_FILES[kind]
    with pytest.raises(core.DataError, match=words):
        parse_upload(data, f"{kind}.csv", **choices)


def _choice(state) -> str:
    return state[DatasetState.KEY].name


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_upload_keeps_the_previous_dataset(kind):
    data, choices, _ = BAD_FILES[kind]
    state = {}
    assert handle_upload(state, GOOD_CSV, "good.csv")
    assert _choice(state) == UPLOADED
    up = upload_of(state)
    state[DatasetState.KEY] = DatasetState(name="tumour")  # back to a built-in set

    if not choices:  # the file itself is bad
        before = up.dataset
        assert handle_upload(state, data, f"{kind}.csv") is False
    else:  # the file may parse with default columns; the user's choice is bad
        handle_upload(state, data, f"{kind}.csv")
        before = up.dataset
        choice = _choice(state)
        for key, attribute in (("label_column", "label"),
                               ("feature_columns", "features"),
                               ("positive_label", "positive")):
            if key in choices:
                setattr(up, attribute, choices[key])
        assert apply_columns(state) is False
        assert _choice(state) == choice

    assert up.dataset is before
    assert _choice(state) in ("tumour", UPLOADED)
    if not choices:
        assert _choice(state) == "tumour"
    assert f"{kind}.csv" in up.error
    assert "previous dataset is still loaded" in up.error


def test_removing_the_file_keeps_the_parsed_dataset_until_removed_for_good():
    state = {}
    handle_upload(state, GOOD_CSV, "good.csv")
    up = upload_of(state)
    dataset = up.dataset
    assert handle_upload(state, None, "") is False
    assert up.dataset is dataset
    assert not up.error
    assert _choice(state) == UPLOADED
    assert state[DatasetState.KEY].file == "good.csv"
    assert state[DatasetState.KEY].rows == 5

    remove_upload(state)
    assert upload_of(state).dataset is None
    assert _choice(state) == sidebar.DEFAULT_DATASET


def test_the_same_bytes_are_read_once_per_session():
    state = {}
    handle_upload(state, GOOD_CSV, "good.csv")
    table = upload_of(state).table
    handle_upload(state, GOOD_CSV, "renamed.csv")  # same content, new name
    assert upload_of(state).table is table
    assert upload_of(state).dataset.name == "Uploaded: renamed.csv"
    handle_upload(state, GOOD_CSV.replace(b"1.5", b"1.6"), "renamed.csv")
    assert upload_of(state).table is not table  # other bytes, same name: read again
    assert upload_of(state).dataset.X[0, 0] == 1.6


# --- the sidebar in the app ---------------------------------------------------------


def test_every_built_in_dataset_renders_with_its_description():
    at = _app()
    for key in sidebar.DATASETS:
        at.selectbox(key="ds.name").set_value(key).run()

        assert not at.exception
        captions = _captions(at)
        assert sidebar.DATASETS[key][2] in captions
        with_defaults = sidebar.built_in(key, 200, 2.0, 1.0, 0.5, 0)
        assert with_defaults.description in captions
        controls = {s.key for s in at.sidebar.slider} | {
            n.key for n in at.sidebar.number_input
        } | {s.key for s in at.sidebar.select_slider}
        assert controls == {f"ds.{c}" for c in sidebar.DATASETS[key][1]}


def test_generator_values_persist_across_datasets_and_pages():
    at = _app()
    at.select_slider(key="ds.n").set_value(500).run()
    at.slider(key="ds.separation").set_value(3.5).run()
    at.number_input(key="ds.seed").set_value(42).run()
    at.selectbox(key="ds.name").set_value("tumour").run()  # no generator sliders
    assert not at.sidebar.slider
    at.switch_page("pages/cost_surfaces.py").run()
    at.selectbox(key="ds.name").set_value("moons").run()
    assert at.select_slider(key="ds.n").value == 200  # moons has its own settings
    at.select_slider(key="ds.n").set_value(1000).run()
    # a page that uses no dataset says so and draws none of its controls; the
    # choice and its settings stay for the next page that uses them
    for page in ("pages/loss_functions.py", "pages/home.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert not at.sidebar.slider and not at.sidebar.selectbox
        assert sidebar.NO_DATA in _captions(at)
        assert at.query_params["ds.name"] == "moons"  # the link keeps the data
    at.switch_page("pages/walk.py").run()
    assert at.selectbox(key="ds.name").value == "moons"
    assert at.select_slider(key="ds.n").value == 1000
    at.selectbox(key="ds.name").set_value("one_d").run()

    assert not at.exception
    assert at.select_slider(key="ds.n").value == 500
    assert at.slider(key="ds.separation").value == 3.5
    assert at.number_input(key="ds.seed").value == 42
    expected = core.one_d(n=500, separation=3.5, seed=42).description
    assert expected in _captions(at)

    at.selectbox(key="ds.name").set_value("moons").run()
    assert at.select_slider(key="ds.n").value == 1000
    assert "1000 points" in _captions(at)


@pytest.mark.parametrize("end", ["low", "high"])
def test_generator_controls_at_their_extremes(end):
    at = _app()
    for key in ("one_d", "circles"):
        at.selectbox(key="ds.name").set_value(key).run()
        for control in sidebar.DATASETS[key][1]:
            _, low, high, _ = sidebar.CONTROLS[control]
            widget = f"ds.{control}"
            value = low if end == "low" else high
            element = (at.number_input(key=widget) if control == "seed"
                       else at.select_slider(key=widget) if control == "n"
                       else at.slider(key=widget))
            element.set_value(value).run()
            assert not at.exception, (key, control, value)
        n = 20 if end == "low" else 10_000
        assert f"{n} points" in _captions(at)


def test_upload_through_the_real_widget_then_a_bad_file_keeps_it():
    at = _app()
    at.file_uploader(key="ds.file_widget").set_value(
        ("tumours.csv", GOOD_CSV, "text/csv")
    ).run()
    assert not at.exception
    assert at.selectbox(key="ds.name").value == UPLOADED
    assert at.selectbox(key="ds.upload_label").value == "diagnosis"
    assert at.multiselect(key="ds.upload_features").value == ["size", "age"]
    assert at.selectbox(key="ds.upload_positive").value == "malignant"
    assert "Loaded 5 rows from tumours.csv" in _shown(at.sidebar.success[0].value)

    at.file_uploader(key="ds.file_widget").set_value(
        ("junk.csv", bytes(range(256)) * 4, "text/csv")
    ).run()
    assert not at.exception
    assert "junk.csv" in _shown(at.sidebar.error[0].value)
    assert "binary" in _shown(at.sidebar.error[0].value)
    assert at.selectbox(key="ds.name").value == UPLOADED
    captions = _captions(at)
    assert "5 rows from tumours.csv" in captions


def test_generator_values_survive_a_detour_through_an_upload():
    at = _app()
    at.select_slider(key="ds.n").set_value(500).run()
    at.file_uploader(key="ds.file_widget").set_value(
        ("tumours.csv", GOOD_CSV, "text/csv")
    ).run()
    assert at.selectbox(key="ds.name").value == UPLOADED
    at.run()
    at.selectbox(key="ds.name").set_value("one_d").run()

    assert not at.exception
    assert at.select_slider(key="ds.n").value == 500
    assert "500 points" in _captions(at)


def test_upload_column_choices_reparse_and_a_bad_choice_keeps_the_data():
    at = _app()
    at.file_uploader(key="ds.file_widget").set_value(
        ("tumours.csv", GOOD_CSV, "text/csv")
    ).run()
    at.multiselect(key="ds.upload_features").set_value(["size"]).run()
    assert not at.exception
    assert "features size." in _captions(at)

    at.selectbox(key="ds.upload_positive").set_value("benign").run()
    assert "positive = 'benign', 60% of rows" in _captions(at)

    at.multiselect(key="ds.upload_features").set_value(["size", "diagnosis"]).run()
    assert not at.exception
    assert "cannot also be a feature" in _shown(at.sidebar.error[0].value)
    captions = _captions(at)
    assert "positive = 'benign'" in captions and "features size." in captions

    # A built-in dataset can be picked again, and the upload stays available.
    at.selectbox(key="ds.name").set_value("tumour").run()
    assert at.selectbox(key="ds.name").value == "tumour"
    assert "Uploaded: tumours.csv" in at.selectbox(key="ds.name").options


def test_choose_dataset_from_a_callback_sets_picker_and_settings():
    script = """
import streamlit as st
from ui.sidebar import choose_dataset, current_dataset, render_sidebar
st.button("Story", key="story", on_click=choose_dataset, args=("moons",),
          kwargs={"n": 60, "seed": 3})
render_sidebar()
st.markdown(current_dataset().description)
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    at.select_slider(key="ds.n").set_value(2000).run()  # one_d's own setting
    at.button(key="story").click().run()

    assert not at.exception
    assert at.selectbox(key="ds.name").value == "moons"
    assert at.select_slider(key="ds.n").value == 60
    assert at.number_input(key="ds.seed").value == 3
    assert at.markdown[0].value == sidebar.built_in("moons", 60, 2.0, 1.0, 0.5,
                                                    3).description
    at.selectbox(key="ds.name").set_value("one_d").run()
    assert at.select_slider(key="ds.n").value == 2000
    with pytest.raises(ValueError, match="no setting"):
        sidebar.choose_dataset("tumour", n=5)


def test_noise_caption_names_the_sliders_noise_and_points_step_on_a_log_scale():
    at = _app()
    at.selectbox(key="ds.name").set_value("blobs").run()
    at.slider(key="ds.noise").set_value(1.5).run()
    assert not at.exception
    assert at.slider(key="ds.noise").value == 1.5
    captions = _captions(at)
    assert "noise 1.5," in captions and "noise 0.375" not in captions
    points = at.select_slider(key="ds.n")
    assert list(points.options)[:3] == ["20", "30", "50"]
    assert points.value == 200
    ratios = np.diff(np.log10(sidebar.POINTS))
    assert ratios.max() < 0.41  # no step more than about x2.5


def test_the_tumour_set_and_blobs_describe_themselves_once_and_truly():
    at = _app()
    at.selectbox(key="ds.name").set_value("tumour").run()
    words = [c.value for c in at.sidebar.caption if "0 to 5" in _shown(c.value)]
    assert len(words) == 1
    assert "nearly linearly separable" not in sidebar.DATASETS["blobs"][2]
    assert "separable" not in sidebar.built_in("blobs", 200, 2.0, 1.0, 0.5,
                                               0).description
