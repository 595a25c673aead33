"""State models, links and caches: settings that last, travel in the URL, refuse
junk, and caches that cannot mix people up (issue 9)."""

import dataclasses
import re

import numpy as np
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

from ui import memo, models, state
from ui.models import (
    CostSurfacesState,
    DatasetState,
    FrameState,
    LossFunctionsState,
    ThresholdState,
    TrainingState,
)

MODELS = [FrameState, DatasetState, LossFunctionsState, CostSurfacesState,
          TrainingState, ThresholdState]
GOOD_CSV = b"size;age;diagnosis\n1.5;40;benign\n3.0;51;malignant\n0.5;33;benign\n" \
           b"4.2;60;malignant\n2.2;45;benign\n"


def _fresh(path: str, params: dict) -> AppTest:
    """A new session that opens ``path`` from a link with ``params``."""
    at = AppTest.from_file(APP_PATH, default_timeout=120)
    at.query_params.update(params)
    at.switch_page(path)
    return at.run()


def _page(path: str) -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=120).run()
    return at.switch_page(path).run()


def _link(at: AppTest) -> dict:
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def _shown(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


# --- the models ----------------------------------------------------------------------


@pytest.mark.parametrize("cls", MODELS)
def test_defaults_make_an_empty_link_and_read_back(cls):
    assert cls().to_params() == {}
    assert cls.from_params({}) == (cls(), [])


def test_a_changed_model_reads_back_exactly():
    cases = [
        TrainingState(loss="log", optimizer="adam", lr=0.003, epochs=2000, l2=1e-4,
                      degree=5, standardise=False, w0=2.5, b0=-1.0, seed=42,
                      val=0.0, speed=50, story="overfit"),
        ThresholdState(source="upload", threshold=0.29051234567, cost_fp=5.0,
                       cost_fn=200.0, currency="€", per=100, base_rate=0.02,
                       sigmoid=True, view="export", file="scores 2026.csv",
                       rows=1_000_000, label_column="y", score_column="p",
                       cap_count=50.0, cap_cases=1234.5, period="week",
                       scenarios=(("Finance; 10%, net", 0.0, 40.0, 30.0, 0.0),
                                  ("Ops", -5.0, 2.5, 1e12, -1e-3))),
        CostSurfacesState(first=3, second=30, a_range=(-2.5, 7.125),
                          c_range=(-1e-3, 0.5), resolution=31, slice_at=0.33,
                          log_z=True),
        DatasetState(name="moons", n=730, noise=0.3, seed=9),
        LossFunctionsState(label=0, mode="p", p=0.987, axis="z", log_x=True,
                           wrong_side=False),
    ]
    for model in cases:
        params = model.to_params()
        assert all(isinstance(v, str) for v in params.values())
        assert type(model).from_params(params) == (model, [])


@pytest.mark.parametrize("changes", [
    {"lr": 0.123}, {"epochs": 7}, {"degree": 13}, {"w0": float("nan")},
    {"speed": True}, {"optimizer": "lbfgs"}, {"seed": 1.5},
])
def test_a_model_refuses_values_outside_its_contract(changes):
    with pytest.raises(ValueError, match="tr\\."):
        TrainingState().replace(**changes)


def test_every_url_name_is_unique():
    names = [cls.param(f.name) for cls in MODELS for f in dataclasses.fields(cls)]
    assert len(names) == len(set(names))


# --- malformed links: defaults, one notice, no exception, nothing rendered ----------

HOSTILE = [
    ("pages/loss_functions.py", {"lf.z": "abc"}, ["lf.z"]),
    ("pages/loss_functions.py", {"lf.z": "1e400"}, ["lf.z"]),
    ("pages/loss_functions.py", {"lf.p": "nan", "lf.y": "2"}, ["lf.p", "lf.y"]),
    ("pages/loss_functions.py", {"lf.mode": "<script>alert(1)</script>"}, ["lf.mode"]),
    ("pages/loss_functions.py", {"lf.far": "yes please"}, ["lf.far"]),
    ("pages/cost_surfaces.py", {"cs.res": "100000"}, ["cs.res"]),
    ("pages/cost_surfaces.py", {"cs.a": "5,-5"}, ["cs.a"]),
    ("pages/cost_surfaces.py", {"cs.a": "1,2,3"}, ["cs.a"]),
    ("pages/cost_surfaces.py", {"cs.c": "-1e300,1e300"}, ["cs.c"]),
    ("pages/cost_surfaces.py", {"cs.first": "-1"}, ["cs.first"]),
    ("pages/home.py", {"ds.name": "passwords"}, ["ds.name"]),
    ("pages/home.py", {"ds.n": "9" * 10_000}, ["ds.n"]),  # a 10 kB value
    ("pages/home.py", {"ds.n": "19"}, ["ds.n"]),
    ("pages/home.py", {"ds.seed": "-0x10"}, ["ds.seed"]),
    ("pages/home.py", {"ds.file": "a\nb"}, ["ds.file"]),
    ("pages/home.py", {"![x](http://evil/x.png)": "1"}, ["??x??http"]),
    ("pages/home.py", {"$\\gamma$": "1", "<b>": "2"}, ["??gamma?", "?b?"]),
    ("pages/home.py", {"ds.name": "uploaded", "ds.file": "[click](http://x)"}, []),
    ("pages/home.py", {"tr.lr": "abc", "thr.fp": "1e400"}, ["tr.lr", "thr.fp"]),
    ("pages/home.py", {"thr.sc": "[a](http://x),1,2,3"}, ["thr.sc"]),
    ("pages/home.py", {"thr.capn": "-1", "thr.capof": "0"}, ["thr.capn", "thr.capof"]),
]


@pytest.mark.parametrize(("path", "params", "named"), HOSTILE)
def test_a_malformed_link_falls_back_to_defaults_with_one_notice(path, params, named):
    at = _fresh(path, params)

    assert not at.exception
    warnings = [w.value for w in at.warning]
    link_notices = [w for w in warnings if "could not be used" in w]
    assert len(link_notices) == (1 if named else 0)
    for name in named:
        assert name in link_notices[0]
    for text in [*warnings, *(m.value for m in at.markdown),
                 *(c.value for c in at.caption)]:
        # user text never arrives as markup: no tag, link, image or formula
        assert "<script" not in text and "<b>" not in text
        assert "](" not in text and "$\\gamma" not in text
    for cls in MODELS:  # everything the link got wrong is at its default
        model = at.session_state[cls.KEY] if cls.KEY in at.session_state else cls()
        for name in named:
            if name.startswith(cls.KEY + "."):
                field = next(f for f in dataclasses.fields(cls)
                             if cls.param(f.name) == name)
                assert getattr(model, field.name) == field.default
    for name in named:  # and the address bar no longer carries it
        assert name not in at.query_params


def test_a_link_made_for_other_data_is_refused_with_words():
    at = _fresh("pages/cost_surfaces.py", {"cs.first": "7", "cs.second": "3"})
    assert not at.exception
    assert any("do not fit these data" in w.value for w in at.warning)
    assert at.session_state["cs"].first is None


# --- the URL is the view --------------------------------------------------------------


def test_loss_functions_link_restores_the_view_and_numbers():
    at = _page("pages/loss_functions.py")
    at.radio(key="lf.label").set_value(0).run()
    at.radio(key="lf.mode").set_value("p").run()
    at.slider(key="lf.p").set_value(0.973).run()
    at.radio(key="lf.axis").set_value("z").run()
    at.toggle(key="lf.log_x").set_value(True).run()
    at.radio(key="lf.wrong_side").set_value(False).run()
    link = _link(at)
    assert link == {"lf.y": "0", "lf.mode": "p", "lf.p": "0.973", "lf.axis": "z",
                    "lf.far": "1", "lf.wrong": "0"}

    again = _fresh("pages/loss_functions.py", link)
    assert not again.exception
    for kind, key in (("radio", "lf.label"), ("radio", "lf.mode"),
                      ("slider", "lf.p"), ("radio", "lf.axis"),
                      ("toggle", "lf.log_x"), ("radio", "lf.wrong_side")):
        assert getattr(again, kind)(key=key).value == getattr(at, kind)(key=key).value
    assert [(m.label, m.value) for m in again.metric] == [
        (m.label, m.value) for m in at.metric]
    assert _link(again) == link


def test_cost_surfaces_link_restores_data_grid_and_numbers():
    at = _page("pages/cost_surfaces.py")
    at.selectbox(key="ds.name").set_value("moons").run()
    at.select_slider(key="ds.n").set_value(300).run()
    at.selectbox(key="cs.first").set_value(1).run()
    at.slider(key="cs.resolution").set_value(41).run()
    at.slider(key="cs.a_range").set_value((-2.0, 3.0)).run()
    at.toggle(key="cs.log_z").set_value(True).run()
    at.slider(key="cs.slice_at").set_value(0.25).run()
    assert not at.exception
    link = _link(at)
    assert link["ds.name"] == "moons" and link["cs.res"] == "41"

    again = _fresh("pages/cost_surfaces.py", link)
    assert not again.exception
    for kind, key in (("selectbox", "ds.name"), ("select_slider", "ds.n"),
                      ("selectbox", "cs.first"), ("selectbox", "cs.second"),
                      ("slider", "cs.resolution"), ("slider", "cs.a_range"),
                      ("slider", "cs.c_range"), ("toggle", "cs.log_z"),
                      ("slider", "cs.slice_at")):
        assert getattr(again, kind)(key=key).value == getattr(at, kind)(key=key).value
    text = [m.value for m in at.markdown if "lowest grid point" in m.value]
    assert text and text == [m.value for m in again.markdown
                             if "lowest grid point" in m.value]
    assert _link(again) == link


def test_the_link_follows_page_switches_and_keeps_each_pages_settings():
    at = _page("pages/loss_functions.py")
    at.slider(key="lf.z").set_value(2.5).run()
    assert _link(at) == {"lf.z": "2.5"}
    at.switch_page("pages/cost_surfaces.py").run()
    at.slider(key="cs.resolution").set_value(21).run()
    assert _link(at) == {"cs.res": "21"}  # only what is on screen
    at.switch_page("pages/home.py").run()
    assert _link(at) == {}
    at.switch_page("pages/loss_functions.py").run()
    assert _link(at) == {"lf.z": "2.5"}
    assert at.slider(key="lf.z").value == 2.5


def test_an_upload_link_names_the_file_to_upload_again():
    at = _page("pages/walk.py")
    at.file_uploader(key="ds.file_widget").set_value(
        ("tumours.csv", GOOD_CSV, "text/csv")).run()
    link = _link(at)
    assert link == {"ds.name": "uploaded", "ds.file": "tumours.csv", "ds.rows": "5"}
    assert "1.5" not in " ".join(link.values())  # no data in the URL

    again = _fresh("pages/cost_surfaces.py", link)
    assert not again.exception
    notice = next(_shown(w.value) for w in again.warning
                  if "Upload it again" in w.value)
    assert "tumours.csv, 5 rows" in notice
    assert "1-D overlapping classes" in _shown(again.markdown[0].value)  # meanwhile
    assert _link(again)["ds.file"] == "tumours.csv"  # the link stays a valid link

    again.file_uploader(key="ds.file_widget").set_value(
        ("tumours.csv", GOOD_CSV, "text/csv")).run()
    assert not again.exception
    assert not [w for w in again.warning if "Upload it again" in w.value]
    assert "Uploaded: tumours" in _shown(again.markdown[0].value)


# --- caches ---------------------------------------------------------------------------


def test_digest_is_content_not_shape_or_name():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = a.copy()
    b[1, 1] = 4.000000001
    assert memo.digest(a) == memo.digest(a.copy())
    assert memo.digest(a) != memo.digest(b)  # same shape, same name, other data
    assert memo.digest(a) != memo.digest(a.astype(np.float32))
    assert memo.digest(a, 1) != memo.digest(a, 2)


def test_shared_store_is_bounded_in_entries_and_lifetime(monkeypatch):
    store = memo._Shared()
    calls = []
    for i in range(memo.SHARED_ENTRIES + 5):
        store.get("x", i, lambda i=i: calls.append(i) or i)
    assert len(store._stores["x"]) == memo.SHARED_ENTRIES
    assert store.get("x", memo.SHARED_ENTRIES + 4, lambda: -1) == (
        memo.SHARED_ENTRIES + 4)  # a hit
    assert store.get("x", 0, lambda: "again") == "again"  # evicted: computed again
    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    store.get("y", "k", lambda: 1)
    clock[0] += memo.SHARED_TTL_S + 1
    assert store.get("y", "k", lambda: 2) == 2  # expired


def test_session_memo_is_per_session_and_bounded():
    script = """
import streamlit as st
from ui.memo import memo
n = st.number_input("n", 0, 100, 0, key="n")
st.markdown(memo("demo", n, lambda: f"computed {n} for " + st.session_state["who"],
                 shared=False))
st.markdown(f"entries {len(st.session_state['_memo']['demo'])}")
"""
    one, two = AppTest.from_string(script), AppTest.from_string(script)
    one.session_state["who"], two.session_state["who"] = "one", "two"
    one.run().number_input(key="n").set_value(1).run()
    two.run().number_input(key="n").set_value(1).run()
    assert one.markdown[0].value == "computed 1 for one"
    assert two.markdown[0].value == "computed 1 for two"  # not the other session's
    for n in range(2, 10):
        one.number_input(key="n").set_value(n).run()
    assert f"entries {memo.SESSION_ENTRIES}" in [m.value for m in one.markdown]


def test_model_lists_stay_in_step_with_the_pages():
    assert models.UPLOADED not in models.BUILT_IN
    assert set(state.REGISTRY) >= {cls.KEY for cls in MODELS}
