"""The Threshold & cost page through Streamlit's AppTest (no browser)."""

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest
from charts import chart_elements, spec_of
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.scored import ScoredRows, split_scored
from core.thresholds import compare_costs
from ui.format import money
from ui.models import ThresholdState, TrainedScores

PAGE = "pages/threshold.py"


def _page(settings_open: bool = True) -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    if settings_open:
        # the section is folded by default and then draws no widgets
        at.session_state["thr_settings"] = True
        at.run()
        assert not at.exception
    return at


def _view(at, name: str) -> AppTest:
    """Pick one of the page's views (only the chosen one is drawn)."""
    at.button_group(key="thr.view").set_value(name).run()
    assert not at.exception
    return at


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.success]
    parts += [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [e.value for e in at.caption] + [e.value for e in at.text]
    # user text (file names, the currency) is shown with Markdown escapes
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def _table(at) -> pd.DataFrame:
    """The metrics table under the slider: a Markdown table, read back as text."""
    text = next(m.value for m in at.markdown if m.value.startswith("**At threshold"))
    rows = [[c.strip().replace("\\$", "$") for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]
    header, body = rows[0], rows[2:]
    assert set(rows[1][1:]) == {"---:"}
    return pd.DataFrame([r[1:] for r in body], index=[r[0] for r in body],
                        columns=header[1:])


def _errors(at) -> list[str]:
    return [e.value for e in at.error]


def _metric(at, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r}: {[m.label for m in at.metric]}")


def _num(text: str) -> float:
    """A number field's text as a number."""
    return float(text)


def _shown(text: str) -> float:
    """A threshold as the page prints it, read back as a number."""
    return np.inf if text.startswith("+inf") else float(text)


def _expected_default_story():
    """The headline numbers recomputed from core, independently of the page."""
    ds = core.one_d(n=200, separation=2.0, noise=1.0, balance=0.5, seed=0)
    p = core.scored.out_of_fold_scores(ds.X, ds.y)
    val, test = split_scored(ScoredRows(ds.y, p))
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    sv = core.threshold_sweep(val.y_true, val.scores)
    st_ = core.threshold_sweep(test.y_true, test.scores)
    opt = core.best_threshold(sv, cost)
    return opt, compare_costs(st_, cost, opt), sv, st_


def test_default_view_tells_the_story():
    at = _page()
    opt, comp, _, _ = _expected_default_story()
    story = at.success[0].value
    shown = re.search(r"cost-optimal threshold \*\*([^*]+)\*\*", story).group(1)
    assert float(shown) == pytest.approx(opt, rel=5e-4)
    # "$" is escaped in Markdown (a bare one would start LaTeX math)
    saved = money(comp.saved_vs("default", 1000)).replace("$", "\\$")
    assert f"saves **{saved} per 1,000 cases** (90% bootstrap interval" in story
    assert "on the held-out half; chosen on the validation half" in story
    assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(opt, rel=5e-4)
    assert _metric(at, "Saved vs flag everyone") == money(
        comp.saved_vs("everyone", 1000))
    assert _metric(at, "Saved vs flag no one") == money(comp.saved_vs("no_one", 1000))
    # the slider starts at 0.5, the metrics table shows both parts
    assert at.slider(key="thr.slider").value == pytest.approx(0.5)
    assert any(m.value.startswith("**At threshold 0.5**") for m in at.markdown)
    assert _metric(at, "Cost-optimal threshold (recommended)")
    table = _table(at)
    assert list(table.columns) == ["Validation", "Held-out test"]
    _, _, sv, st_ = _expected_default_story()
    assert table.loc["Precision", "Validation"] == (
        f"{core.metrics_at(sv, 0.5)['precision']:.3f}")
    assert table.loc["Recall", "Held-out test"] == (
        f"{core.metrics_at(st_, 0.5)['recall']:.3f}")
    assert not _errors(at)


def test_slider_ends_and_go_to_optimum():
    at = _page()
    opt, _, sv, st_ = _expected_default_story()
    at.slider(key="thr.slider").set_value(0.0).run()
    assert not at.exception
    table = _table(at)
    assert table.loc["Recall", "Validation"] == "1.000"
    assert table.loc["Share flagged", "Held-out test"] == "100.0%"
    assert _num(at.text_input(key="thr.number").value) == 0.0
    at.slider(key="thr.slider").set_value(1.0).run()
    assert not at.exception
    table = _table(at)
    m = core.metrics_at(sv, 1.0)
    assert table.loc["Recall", "Validation"] == f"{m['recall']:.3f}"
    at.button(key="thr.to_optimum").click().run()
    assert not at.exception
    assert at.session_state["thr"].threshold == opt
    assert _num(at.text_input(key="thr.number").value) == pytest.approx(opt)
    table = _table(at)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    expected = core.thresholds.cost_at(st_, cost, opt) * 1000
    assert table.loc["Cost per 1,000 cases", "Held-out test"] == money(expected)
    # an exact value typed in the number input
    at.text_input(key="thr.number").input(str(0.123456)).run()
    assert at.session_state["thr"].threshold == pytest.approx(0.123456)
    assert at.slider(key="thr.slider").value == pytest.approx(0.123)


def test_every_cost_cell_including_gains_and_all_zeros():
    at = _page()
    for key, value in (("thr.cost_tp", -40.0), ("thr.cost_fp", 25.0),
                       ("thr.cost_fn", 60.0), ("thr.cost_tn", -1.5)):
        at.text_input(key=key).input(str(value)).run()
        assert not at.exception
        assert not _errors(at)
    cost = core.CostMatrix(tp=-40.0, fp=25.0, fn=60.0, tn=-1.5)
    _, _, sv, _ = _expected_default_story()
    assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(
        core.best_threshold(sv, cost), rel=5e-4)
    for key in ("thr.cost_tp", "thr.cost_fp", "thr.cost_fn", "thr.cost_tn"):
        at.text_input(key=key).input(str(0.0)).run()
        assert not at.exception
    assert "every threshold costs the same" in _text(at)
    # a gain for every decision and costs that favour flagging no one
    at.text_input(key="thr.cost_fp").input(str(1000.0)).run()
    assert not at.exception
    assert _metric(at, "Cost-optimal threshold") == "+inf (flag no one)"
    at.button(key="thr.to_optimum").click().run()
    assert not at.exception
    assert _table(at).loc["Share flagged", "Validation"] == "0.0%"


def test_prevalence_reweighting_changes_precision_not_recall():
    at = _page()
    before = _table(at)
    at.checkbox(key="thr.base_on").check().run()
    at.text_input(key="thr.base_rate").input(str(0.1)).run()
    assert not at.exception
    after = _table(at)
    assert after.loc["Recall", "Validation"] == before.loc["Recall", "Validation"]
    _, _, sv, _ = _expected_default_story()
    rw = core.thresholds.reweight_sweep(sv, 0.1)
    assert after.loc["Precision", "Validation"] == (
        f"{core.metrics_at(rw, 0.5)['precision']:.3f}")
    assert "pi / p_sample" in _text(at)


def _upload(at, name: str, data: bytes) -> AppTest:
    """Upload through the page's own file uploader (choosing the source first)."""
    if at.radio(key="thr.source").value != "upload":
        at.radio(key="thr.source").set_value("upload").run()
    at.file_uploader(key="thr.upload").set_value((name, data, "text/csv")).run()
    return at


def _good_file(n=400, seed=0) -> tuple[bytes, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    s = np.round(1 / (1 + np.exp(-(2 * y - 1 + rng.normal(0, 1, n)))), 4)
    text = "label,score\n" + "\n".join(f"{a},{b}" for a, b in zip(y, s, strict=True))
    return text.encode(), y, s


def test_upload_good_then_bad_files_keep_the_good_data():
    at = _page()
    data, y, s = _good_file()
    at = _upload(at, "scores.csv", data)
    assert not at.exception
    assert not _errors(at)
    val, _ = split_scored(ScoredRows(y.astype(float), s))
    sv = core.threshold_sweep(val.y_true, val.scores)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    good_opt = f"{core.best_threshold(sv, cost):.4g}"
    assert _metric(at, "Cost-optimal threshold") == good_opt
    assert "scores.csv" in _text(at)
    bad = {
        "one_class.csv": (b"label,score\n1,0.2\n1,0.9\n1,0.5\n", "only one class"),
        "three.csv": (b"label,score\n0,0.2\n1,0.9\n2,0.5\n", "3 classes"),
        "nan.csv": (b"label,score\n0,0.2\n1,\n0,0.5\n", "missing value"),
        "text.csv": (b"label,score\n0,0.2\n1,high\n0,0.5\n", "must hold numbers"),
        "negw.csv": (b"label,score,weight\n0,0.2,1\n1,0.9,-2\n0,0.5,1\n", "negative"),
    }
    for name, (content, words) in bad.items():
        at = _upload(at, name, content)
        assert not at.exception, name
        errors = _errors(at)
        assert errors and words in errors[0], (name, errors)
        assert "previous file is still in use" in errors[0]
        assert _metric(at, "Cost-optimal threshold") == good_opt, name
        assert "scores.csv" in _text(at)


def test_upload_counts_and_logit_scores():
    at = _page()
    data = (b"y,logit,count\n1,2.5,40\n0,2.5,10\n1,0.5,30\n0,0.5,30\n"
            b"1,-1.0,15\n0,-1.0,60\n1,-3,5\n0,-3,90\n")
    at = _upload(at, "bins.csv", data)
    assert not at.exception and not _errors(at)
    assert "not all between 0 and 1" in _text(at)
    # thresholds on the logit scale: the slider spans the scores
    assert at.slider(key="thr.slider").min == -3.0
    assert at.slider(key="thr.slider").max == 3.0
    _view(at, "calibration")
    assert "Calibration needs probabilities" in _text(at)
    at.checkbox(key="thr.sigmoid").check().run()
    assert not at.exception
    assert any(m.label.startswith("Brier") for m in at.metric)
    _view(at, "threshold")
    assert at.slider(key="thr.slider").max == 1.0
    # choosing no weight column re-reads the same file
    at.selectbox(key="thr.weight_column").set_value("").run()
    assert not at.exception and not _errors(at)


def test_trained_scores_are_used_when_present():
    at = _page()
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.4).astype(float)
    p = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    at.session_state["trained_scores"] = TrainedScores(y, p, "my GD")
    at.radio(key="thr.source").set_value("trained").run()
    assert not at.exception and not _errors(at)
    assert "my GD" in _text(at)
    val, _ = split_scored(ScoredRows(y, p))
    sv = core.threshold_sweep(val.y_true, val.scores)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(
        core.best_threshold(sv, cost), rel=5e-4)


def test_tiny_data_say_they_cannot_hold_out():
    at = _page()
    at = _upload(at, "tiny.csv", b"label,score\n0,0.1\n0,0.4\n1,0.35\n1,0.8\n0,0.6\n")
    assert not at.exception and not _errors(at)
    assert "same rows it was chosen on" in at.success[0].value
    assert list(_table(at).columns) == ["All rows (in-sample)"]
    _view(at, "method")
    assert "too few to hold out" in _text(at)


def test_folded_settings_draw_nothing_and_keep_every_value():
    at = _page()
    at.text_input(key="thr.cost_fn").input(str(55.0)).run()
    at.checkbox(key="thr.base_on").check().run()
    at.text_input(key="thr.base_rate").input(str(0.2)).run()
    at.text_input(key="thr.currency").set_value("EUR").run()
    data, y, s = _good_file()
    at = _upload(at, "scores.csv", data)
    assert not at.exception and not _errors(at)
    opened = _metric(at, "Cost-optimal threshold")
    table = _table(at)
    at.session_state["thr_settings"] = False
    at.run()
    assert not at.exception and not _errors(at)
    # nothing of the section is sent while it is folded...
    assert not [w for w in at.text_input if w.key in ("thr.currency",
                                                       "thr.base_rate")]
    assert not at.radio
    # ...but the cost matrix is always on the decision screen
    assert _num(at.text_input(key="thr.cost_fn").value) == 55.0
    # ...and the page still uses every setting: same optimum, same numbers
    val, _ = split_scored(ScoredRows(y.astype(float), s))
    rw = core.thresholds.reweight_sweep(core.threshold_sweep(val.y_true, val.scores),
                                      0.2)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=55.0, tn=0.0)
    assert _metric(at, "Cost-optimal threshold") == opened == (
        f"{core.best_threshold(rw, cost):.4g}")
    assert _table(at).equals(table)
    assert "scores.csv" in _text(at) and "EUR" in _text(at)
    at.run()  # a second run with the section folded: still nothing forgotten
    assert _metric(at, "Cost-optimal threshold") == opened
    at.session_state["thr_settings"] = True
    at.run()
    assert _num(at.text_input(key="thr.cost_fn").value) == 55.0
    assert _num(at.text_input(key="thr.base_rate").value) == pytest.approx(0.2)
    assert at.radio(key="thr.source").value == "upload"


def test_figures_have_titles_legends_and_a_movable_marker():
    from ui.figures_threshold import (
        make_cost_figure,
        make_metrics_figure,
        make_pr_figure,
        make_roc_figure,
        move_current,
    )

    t = np.array([np.inf, 0.9, 0.5, 0.1])
    cost = make_cost_figure(t, [5.0, 3.0, 2.0, 4.0], optimum=0.5, optimum_cost=2.0,
                            current=0.3, reference=0.5, bayes=0.4, band=(0.2, 0.6))
    assert cost.layout.xaxis.title.text == "threshold"
    assert cost.layout.showlegend
    assert list(cost.data[-1].x) == [0.3, 0.3]
    move_current(cost, 0.7, name="current threshold 0.7")
    assert list(cost.data[-1].x) == [0.7, 0.7]
    assert cost.data[-1].name == "current threshold 0.7"
    # the +inf row is left out of the threshold axis
    line = next(d for d in cost.data if d.name.startswith("expected cost"))
    assert list(line.x) == [0.9, 0.5, 0.1]
    metrics = make_metrics_figure(t, [0, 1, 0.5, 0.3], [0, 0.2, 0.6, 1],
                                  [0, 0.3, 0.5, 0.5], 0.5)
    assert {d.name for d in metrics.data} >= {"precision", "recall", "F1"}
    pr = move_current(make_pr_figure([0, 0.5, 1], [0, 1, 0.5], 0.7, 0.5, 1.0, 0.3),
                      1.0, 0.5)
    assert (list(pr.data[-1].x), list(pr.data[-1].y)) == ([1.0], [0.5])
    roc = make_roc_figure([0, 0.2, 1], [0, 0.8, 1], 0.8, 0.2, 0.8)
    assert roc.layout.yaxis.title.text.startswith("true-positive rate")


# ---------------------------------------------------------------------------------
# State that lasts and travels: the URL is the view; caches keyed by content
# ---------------------------------------------------------------------------------


def _fresh(params: dict, settings_open: bool = True) -> AppTest:
    """A new session opened on the page with a link's query parameters."""
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception
    if settings_open:
        at.session_state["thr_settings"] = True
        at.run()
        assert not at.exception
    return at


def _headline(at) -> tuple:
    """Everything the headline says, and the metrics table under the slider."""
    return (at.success[0].value if at.success else None,
            tuple((m.label, m.value) for m in at.metric),
            _table(at).to_dict())


WIDGETS = ("thr.cost_tp", "thr.cost_fp", "thr.cost_fn", "thr.cost_tn", "thr.number",
           "thr.base_rate")


def _widgets(at) -> dict:
    values = {key: _num(at.text_input(key=key).value) for key in WIDGETS}
    values["thr.slider"] = at.slider(key="thr.slider").value
    values["thr.currency"] = at.text_input(key="thr.currency").value
    values["thr.per"] = at.selectbox(key="thr.per").value
    values["thr.base_on"] = at.checkbox(key="thr.base_on").value
    values["thr.source"] = at.radio(key="thr.source").value
    values["thr.view"] = at.button_group(key="thr.view").value
    return values


def _set_everything(at) -> AppTest:
    for key, value in (("thr.cost_tp", -5.0), ("thr.cost_fp", 25.0),
                       ("thr.cost_fn", 60.0), ("thr.cost_tn", 1.5)):
        at.text_input(key=key).input(str(value)).run()
    at.text_input(key="thr.currency").set_value("EUR").run()
    at.selectbox(key="thr.per").set_value(10_000).run()
    at.checkbox(key="thr.base_on").check().run()
    at.text_input(key="thr.base_rate").input(str(0.2)).run()
    at.text_input(key="thr.number").input(str(0.123456)).run()
    assert not at.exception and not _errors(at)
    return at


def test_a_link_restores_the_view_numbers_included():
    at = _set_everything(_page())
    params = dict(at.query_params)
    assert params["thr.t"] == "0.123456"  # the exact value, not the slider's
    assert params["thr.fp"] == "25" and params["thr.base"] == "0.2"
    shown, widgets = _headline(at), _widgets(at)
    assert widgets["thr.slider"] == pytest.approx(0.123)
    assert "**At threshold 0.123456**" in _text(at)  # digits that tell scores apart

    fresh = _fresh(params)
    assert _widgets(fresh) == widgets
    assert _headline(fresh) == shown
    assert dict(fresh.query_params) == params
    # and the other views travel too
    _view(fresh, "method")
    assert dict(fresh.query_params)["thr.view"] == "method"
    again = _fresh(dict(fresh.query_params), settings_open=False)
    assert "Production base rate 20.0%" in _text(again)


@pytest.mark.parametrize("params, ignored", [
    ({"thr.t": "abc"}, ["thr.t"]),
    ({"thr.t": "nan", "thr.tp": "inf"}, ["thr.t", "thr.tp"]),
    ({"thr.fp": "1e400"}, ["thr.fp"]),
    ({"thr.base": "2"}, ["thr.base"]),
    ({"thr.base": "0"}, ["thr.base"]),
    ({"thr.src": "<script>alert(1)</script>"}, ["thr.src"]),
    ({"thr.cur": "x" * 10_000}, ["thr.cur"]),
    ({"thr.cur": "**$**"}, []),  # valid text: shown escaped, never as Markdown
    ({"thr.per": "7"}, ["thr.per"]),
    ({"thr.view": "export<img src=x>"}, ["thr.view"]),
    ({"thr.sigmoid": "maybe", "thr.curves": "2"}, ["thr.sigmoid", "thr.curves"]),
    ({"thr.rows": "-3", "thr.file": "a.csv"}, ["thr.rows"]),
    ({"thr.label": "x" * 500}, ["thr.label"]),
])
def test_malformed_links_fall_back_to_defaults(params, ignored):
    at = _fresh(params)
    assert not at.exception and not _errors(at)
    model = at.session_state["thr"]
    defaults = ThresholdState()
    for name in ignored:
        field = next(f for f in dataclasses.fields(ThresholdState)
                     if ThresholdState.param(f.name) == name)
        assert getattr(model, field.name) == getattr(defaults, field.name), name
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert len(notices) == (1 if ignored else 0)
    for name in ignored:
        assert name in notices[0]
    for name in ignored:  # an ignored parameter leaves the address bar
        assert name not in at.query_params
    text = _text(at)
    assert "<script>" not in text and "<img" not in text
    if ignored:  # the default story, numbers included
        opt, _, _, _ = _expected_default_story()
        assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(
            opt, rel=5e-4)
    else:
        assert "Costs per case: TP \\*\\*\\$\\*\\*0.00" in "\n".join(
            c.value for c in at.caption)


def test_settings_survive_a_visit_to_training():
    at = _set_everything(_page())
    data, _, _ = _good_file()
    _upload(at, "scores.csv", data)
    at.text_input(key="thr.number").input(str(0.41)).run()
    widgets, shown, params = _widgets(at), _headline(at), dict(at.query_params)
    at.switch_page("pages/training.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    at.session_state["thr_settings"] = True  # the section opens folded again
    at.run()
    assert _widgets(at) == widgets
    assert _headline(at) == shown
    assert dict(at.query_params) == params
    assert "In use: scores.csv (400 rows)" in _text(at)


def test_a_link_made_with_an_upload_asks_for_the_file_again():
    at = _page()
    data, _, _ = _good_file()
    _upload(at, "scores.csv", data)
    at.text_input(key="thr.cost_fn").input(str(45.0)).run()
    at.text_input(key="thr.number").input(str(0.37)).run()
    params, shown = dict(at.query_params), _headline(at)
    assert params["thr.file"] == "scores.csv" and params["thr.rows"] == "400"

    fresh = _fresh(params)
    assert not _errors(fresh)
    notice = fresh.get("text")
    assert any(t.value == "File: scores.csv (400 rows)" for t in notice)
    assert "Upload the scored file this link was made with again" in _text(fresh)
    assert _num(fresh.text_input(key="thr.cost_fn").value) == 45.0
    # the same file again: the link's threshold and numbers come back
    _upload(fresh, "scores.csv", data)
    assert not fresh.exception and not _errors(fresh)
    assert _num(fresh.text_input(key="thr.number").value) == pytest.approx(0.37)
    assert _headline(fresh) == shown
    assert "Upload the scored file" not in _text(fresh)


def _scored_twin(seed: int) -> tuple[bytes, float]:
    """A scored file of 400 rows with 120 positives, and its own optimum."""
    rng = np.random.default_rng(seed)
    y = np.zeros(400, dtype=int)
    y[rng.permutation(400)[:120]] = 1
    spread = 0.5 + seed
    s = np.round(1 / (1 + np.exp(-(spread * (2 * y - 1) + rng.normal(0, 1, 400)))), 4)
    text = "label,score\n" + "\n".join(f"{a},{b}" for a, b in zip(y, s, strict=True))
    val, _ = split_scored(ScoredRows(y.astype(float), s))
    sv = core.threshold_sweep(val.y_true, val.scores)
    opt = core.best_threshold(sv, core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0))
    return text.encode(), opt


def _feature_twin(seed: int) -> tuple[bytes, float]:
    """A dataset to train on (feature x, label y; 200 rows, 60 positives), and the
    optimum of its out-of-fold scores."""
    rng = np.random.default_rng(seed)
    y = np.zeros(200, dtype=int)
    y[rng.permutation(200)[:60]] = 1
    x = np.round((0.3 + 2 * seed) * y + rng.normal(0, 1, 200), 4)
    text = "x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(x, y, strict=True))
    p = core.scored.out_of_fold_scores(x[:, None], y.astype(float))
    val, _ = split_scored(ScoredRows(y.astype(float), p))
    sv = core.threshold_sweep(val.y_true, val.scores)
    opt = core.best_threshold(sv, core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0))
    return text.encode(), opt


def test_two_people_with_files_of_the_same_name_see_their_own_optimum():
    # through the sidebar: the page scores the dataset itself
    files = [_feature_twin(seed) for seed in (0, 1, 2)]
    assert len({f"{opt:.4g}" for _, opt in files}) == 3
    people = []
    for data, opt in files[:2]:
        at = AppTest.from_file(APP_PATH, default_timeout=60).run()
        at.switch_page("pages/walk.py").run()  # a page with the dataset's controls
        at.file_uploader(key="ds.file_widget").set_value(
            ("data.csv", data, "text/csv")).run()
        at.switch_page(PAGE).run()
        assert not at.exception
        assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(
            opt, rel=5e-4)
        people.append(at)
    # the first person corrects the file and uploads it again under the same name
    first = people[0]
    data, opt = files[2]
    first.switch_page("pages/walk.py").run()
    first.file_uploader(key="ds.file_widget").set_value(
        ("data.csv", data, "text/csv")).run()
    first.switch_page(PAGE).run()
    assert _shown(_metric(first, "Cost-optimal threshold")) == pytest.approx(
        opt, rel=5e-4)

    # scored files uploaded on the page itself
    files = [_scored_twin(seed) for seed in (0, 1, 2)]
    assert len({f"{opt:.4g}" for _, opt in files}) == 3
    people = []
    for data, opt in files[:2]:
        at = _upload(_page(), "data.csv", data)
        assert not _errors(at)
        assert _shown(_metric(at, "Cost-optimal threshold")) == pytest.approx(
            opt, rel=5e-4)
        people.append(at)
    data, opt = files[2]
    _upload(people[0], "data.csv", data)
    assert _shown(_metric(people[0], "Cost-optimal threshold")) == pytest.approx(
        opt, rel=5e-4)
    assert _shown(_metric(people[1], "Cost-optimal threshold")) == pytest.approx(
        files[1][1], rel=5e-4)


def test_removing_the_file_lets_go_of_everything_made_from_it():
    at = _page()
    data, _, _ = _good_file()
    _upload(at, "scores.csv", data)
    sess = at.session_state["_thr_session"]
    key = sess.upload.key
    assert any(str(k[1]).startswith(key) for k in sess.big._items)
    at.button(key="thr.remove").click().run()
    assert not at.exception
    sess = at.session_state["_thr_session"]
    assert sess.upload is None
    assert not [k for memo in (sess.big, sess.small) for k in memo._items
                if str(k[1]).startswith(key)]
    assert "thr.file" not in at.query_params
    assert "Upload a file with one row per case" in _text(at)


def test_the_session_memo_is_bounded():
    from ui.memo import Memo

    memo = Memo(3)
    made = []
    for i in range(5):
        memo.get(("x", f"k{i}"), lambda i=i: made.append(i) or i)
    assert len(memo) == 3
    assert memo.get(("x", "k4"), lambda: -1) == 4  # kept, not made again
    assert memo.get(("x", "k0"), lambda: -1) == -1  # the oldest went first
    memo.forget("k")
    assert len(memo) == 0


@pytest.mark.parametrize("params", [
    {"thr.t": "1e15"}, {"thr.t": "-1e15", "thr.fp": "1e12", "thr.tp": "-1e12"},
    {"thr.src": "upload", "thr.file": "[x](javascript:alert(1)) *b*.csv",
     "thr.rows": "12", "thr.label": "y", "thr.score": "p"},
    {"thr.src": "trained", "thr.view": "export", "thr.sigmoid": "1"},
])
def test_extreme_but_valid_links_draw_without_error(params):
    at = _fresh(params)
    assert not at.exception and not _errors(at)
    # the address bar keeps every value (written in its shortest exact form)
    assert (ThresholdState.from_params(dict(at.query_params))
            == ThresholdState.from_params(params))
    if "thr.file" in params:  # the file name is plain text, never Markdown
        assert any(t.value == f"File: {params['thr.file']} (12 rows)"
                   for t in at.get("text"))
        assert "javascript" not in " ".join(m.value for m in at.markdown)


def test_a_column_choice_that_cannot_work_keeps_the_previous_one():
    at = _page()
    data, _, _ = _good_file()
    _upload(at, "scores.csv", data)
    opt = _metric(at, "Cost-optimal threshold")
    at.selectbox(key="thr.score_column").set_value("label").run()
    assert not at.exception
    assert "two different columns" in _errors(at)[0]
    assert "previous column choice is still in use" in _errors(at)[0]
    assert at.selectbox(key="thr.score_column").value == "score"
    assert at.session_state["thr"].score_column == "score"
    assert _metric(at, "Cost-optimal threshold") == opt


# ------------------------------------------------------- issue 11/12: wrong numbers


@pytest.mark.parametrize(("name", "content", "words"), [
    ("huge_scores.csv", b"label,score\n0,-1e308\n1,1e308\n0,0.5\n1,0.7\n",
     "The score column 'score' has"),
    ("huge_counts.csv", b"label,score,count\n0,0.2,1e19\n1,0.9,1e19\n0,0.5,1\n",
     "The weight column 'count' has"),
    ("huge_weights.csv", b"label,score,weight\n0,0.2,1e308\n1,0.9,1e308\n0,0.5,1\n",
     "The weight column 'weight' has"),
])
def test_numbers_no_widget_can_hold_are_refused_and_the_good_file_kept(
        name, content, words):
    at = _page()
    data, _, _ = _good_file()
    at = _upload(at, "scores.csv", data)
    good = _metric(at, "Cost-optimal threshold")
    at = _upload(at, name, content)
    assert not at.exception
    errors = [re.sub(r"\\(.)", r"\1", e) for e in _errors(at)]  # shown as text
    assert errors and words in errors[0], errors
    assert "previous file is still in use" in errors[0]
    assert _metric(at, "Cost-optimal threshold") == good
    assert at.slider(key="thr.slider").step == pytest.approx(0.001)


def test_the_page_says_how_it_read_the_weights():
    at = _page()
    rng = np.random.default_rng(5)
    n = 300
    y = (rng.random(n) < 0.4).astype(int)
    s = np.round(rng.random(n) * 0.5 + 0.4 * y, 3)
    counts = "\n".join(f"{a},{b},{k}" for a, b, k in
                       zip(y, s, rng.integers(1, 5, n), strict=True))
    at = _upload(at, "counts.csv", ("label,score,count\n" + counts).encode())
    assert not _errors(at)
    assert "read as counts" in _text(at)
    frac = "\n".join(f"{a},{b},{1 / n!r}" for a, b in zip(y, s, strict=True))
    at = _upload(at, "frac.csv", ("label,score,weight\n" + frac).encode())
    assert not _errors(at)
    assert "read as importance weights" in _text(at)
    assert "effective sample size" in _text(at)
    _view(at, "uncertainty")  # no longer one case per resample: a finite band
    band = _text(at).split("falls between")[1].split("in 90%")[0]
    assert "+inf" not in band and "$0.00 and $0.00" not in band, band


def test_the_bayes_threshold_moves_with_the_production_base_rate():
    from core.thresholds import adjusted_bayes_threshold

    at = _page()
    _view(at, "calibration")
    assert "= 0.25 is" in _text(at)
    at.checkbox(key="thr.base_on").check().run()
    at.text_input(key="thr.base_rate").input(str(0.02)).run()
    assert not at.exception
    _, _, sv, _ = _expected_default_story()
    want = adjusted_bayes_threshold(0.25, core.thresholds.sample_prevalence(sv), 0.02)
    assert want > 0.8
    assert f"= {want:.3g}" in _text(at)


def test_the_headline_never_shows_a_loss_to_a_trivial_policy_as_a_win():
    """The brief's case, FP $5 / FN $200: the validation optimum lost to flagging
    everyone on the held-out half under a green banner."""
    from core.thresholds import recommend

    at = _page()
    at.text_input(key="thr.cost_fp").input(str(5.0)).run()
    at.text_input(key="thr.cost_fn").input(str(200.0)).run()
    assert not at.exception
    _, _, sv, st_ = _expected_default_story()
    cost = core.CostMatrix(tp=0.0, fp=5.0, fn=200.0, tn=0.0)
    rec = recommend(sv, st_, cost, 0.5)
    for label in ("Saved vs 0.5", "Saved vs flag everyone", "Saved vs flag no one"):
        assert not _metric(at, label).startswith("-"), label
    if rec.policy == "optimum":
        assert at.success and not at.warning
    else:
        warning = at.warning[0].value
        assert "costs more on the held-out half than flagging everyone" in warning
        assert "Recommended instead" in warning
        assert not any("Recommended:" in s.value for s in at.success)
    label = ("Cost-optimal threshold (recommended)" if rec.policy == "optimum"
             else "Recommended threshold")
    assert _shown(_metric(at, label)) == pytest.approx(rec.threshold, rel=5e-4)


def test_threshold_digits_tell_neighbouring_scores_apart():
    from ui.format import format_threshold
    from ui.threshold_data import make_scale, threshold_digits

    rng = np.random.default_rng(0)
    for scores in (rng.random(5000), np.round(rng.random(500), 2),
                   np.array([0.29051, 0.29052, 0.5]), rng.normal(0, 30, 3000),
                   np.array([1e14, 1e14 + 1.0]), np.array([0.0, 5e-324])):
        d = threshold_digits(scores)
        u = np.unique(scores)
        shown = {format_threshold(t, d) for t in u}
        assert len(shown) == len(u), d
        assert 4 <= d <= 17
        assert make_scale(scores).text(u[0]) == format_threshold(u[0], d)
    assert threshold_digits(np.round(rng.random(500), 2)) <= 4


JUNK = ["abc", "nan", "NaN", "inf", "-inf", "1e400", "", "   ", "1e13", "-1e13",
        "12abc", "0x10", "=1+1", "$5", "1e306", "x" * 5000]


@pytest.mark.parametrize(("key", "field", "good"), [
    ("thr.cost_tp", "cost_tp", 0.0), ("thr.cost_fp", "cost_fp", 10.0),
    ("thr.cost_fn", "cost_fn", 30.0), ("thr.cost_tn", "cost_tn", 0.0),
    ("thr.base_rate", "base_rate", 0.2), ("thr.number", "threshold", 0.37),
])
def test_junk_typed_into_a_number_field_keeps_the_previous_value(key, field, good):
    at = _page()
    if field == "base_rate":
        at.checkbox(key="thr.base_on").check().run()
    at.text_input(key=key).input(str(good)).run()
    assert getattr(at.session_state["thr"], field) == good
    headline = _headline(at)
    # a threshold of 1e13 is a threshold (flag no one), not junk
    for junk in [j for j in JUNK if field != "threshold" or "e13" not in j]:
        at.text_input(key=key).input(junk).run()
        assert not at.exception, junk
        assert getattr(at.session_state["thr"], field) == good, junk
        assert _num(at.text_input(key=key).value) == good, junk
        said = [re.sub(r"\\(.)", r"\1", c.value) for c in at.caption
                if "Not applied" in c.value]
        assert said and f"kept {good:g}" in said[0], (junk, said)
        assert len(said[0]) < 300  # a long paste is quoted short
        assert _headline(at) == headline, junk
    # a good value clears the message
    at.text_input(key=key).input("1,000" if field.startswith("cost") else "0.3").run()
    assert not [c for c in at.caption if "Not applied" in c.value]
    assert getattr(at.session_state["thr"], field) == (
        1000.0 if field.startswith("cost") else 0.3)


def test_a_huge_typed_threshold_is_applied_or_refused_never_ignored():
    at = _page()
    at.text_input(key="thr.number").input("1e13").run()
    assert at.session_state["thr"].threshold == 1e13
    assert _table(at).loc["Share flagged", "Validation"] == "0.0%"
    assert at.slider(key="thr.slider").value == 1.0
    at.text_input(key="thr.number").input("1e306").run()
    assert not at.exception
    assert at.session_state["thr"].threshold == 1e13
    said = " ".join(c.value for c in at.caption if "Not applied" in c.value)
    assert "1e\\+15" in said or "1e+15" in said


def test_a_capacity_cap_gives_the_best_threshold_under_it_and_its_price():
    from core.thresholds import best_under_capacity

    at = _page()
    at.checkbox(key="thr.cap_on").check().run()
    at.text_input(key="thr.cap").input("0.05").run()
    assert not at.exception
    assert at.session_state["thr"].cap == 0.05
    _, _, sv, _ = _expected_default_story()
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    cap = best_under_capacity(sv, cost, 0.05)
    assert cap.binding
    note = re.sub(r"\\(.)", r"\1", at.warning[0].value)
    assert f"the cap costs **{money(cap.price * 1000)} per 1,000 cases**" in note
    shown = float(re.search(r"use \*\*([^*]+)\*\*", note).group(1))
    assert shown == pytest.approx(cap.threshold, rel=5e-4)
    assert dict(at.query_params)["thr.cap"] == "0.05"  # the cap travels in the link
    at.text_input(key="thr.cap").input("2").run()  # out of range: kept, said why
    assert at.session_state["thr"].cap == 0.05
    assert any("Not applied" in c.value for c in at.caption)


def test_after_a_scored_upload_the_sidebar_hides_the_generator_controls():
    at = _page()
    assert at.sidebar.slider  # the 1-D generator's controls apply to these scores
    data, _, _ = _good_file()
    at = _upload(at, "scores.csv", data)
    assert not at.exception
    assert not at.sidebar.slider and not at.sidebar.number_input
    said = " ".join(c.value for c in at.sidebar.caption)
    assert "uses your scored file scores" in re.sub(r"\\(.)", r"\1", said)
    at.button(key="thr.remove").click().run()
    assert not at.exception
    assert at.sidebar.slider


def test_calibration_bins_can_be_quantiles_and_travel_in_the_link():
    from core.calibration import calibration_summary

    at = _view(_page(), "calibration")
    ds = core.one_d(n=200, separation=2.0, noise=1.0, balance=0.5, seed=0)
    p = core.scored.out_of_fold_scores(ds.X, ds.y)
    uniform = calibration_summary(ds.y, p)
    assert _metric(at, "Expected calibration error") == f"{uniform.ece:.3f}"
    at.radio(key="thr.bins").set_value("quantile").run()
    assert not at.exception
    quantile = calibration_summary(ds.y, p, strategy="quantile")
    assert _metric(at, "Expected calibration error") == f"{quantile.ece:.3f}"
    assert dict(at.query_params)["thr.bins"] == "quantile"


def test_slider_keys_go_to_distinct_scores_by_binary_search():
    """What each key on the threshold slider does (ui.threshold_data.key_target),
    against the distinct scores and shares flagged counted from the rows."""
    from ui.threshold_data import PAGE_SHARE, key_target, make_scale

    rng = np.random.default_rng(4)
    s = np.round(rng.random(2000), 3)
    y = (rng.random(2000) < s).astype(float)
    sweep = core.threshold_sweep(y, s)
    scale = make_scale(s)
    distinct = np.unique(s)

    def share(t):
        return float(np.mean(s >= t))

    for t in (0.5, 0.1234, float(distinct[50]), float(distinct[-50])):
        assert key_target(sweep, scale, t, "ArrowRight", s.max()) == \
            distinct[distinct > t][0]
        assert key_target(sweep, scale, t, "ArrowUp", s.max()) == \
            distinct[distinct > t][0]
        assert key_target(sweep, scale, t, "ArrowLeft", s.max()) == \
            distinct[distinct < t][-1]
        up = key_target(sweep, scale, t, "PageUp", s.max())
        assert share(up) <= share(t) - PAGE_SHARE < share(distinct[distinct < up][-1])
        down = key_target(sweep, scale, t, "PageDown", s.max())
        above = distinct[distinct > down][0]
        assert share(down) >= share(t) + PAGE_SHARE > share(above)
    assert key_target(sweep, scale, 0.5, "Home", s.max()) == distinct[0]
    # past the highest score (flag no one): just above it, a finite number
    end = key_target(sweep, scale, 0.5, "End", s.max())
    assert end == pytest.approx(distinct[-1] + scale.step) and share(end) == 0
    assert key_target(sweep, scale, float(distinct[-1]), "ArrowRight", s.max()) == end
    assert key_target(sweep, scale, end, "ArrowRight", s.max()) == end
    assert key_target(sweep, scale, float(distinct[0]), "ArrowLeft", s.max()) == \
        distinct[0]
    with pytest.raises(ValueError):
        key_target(sweep, scale, 0.5, "<b>Enter</b>", s.max())


def test_a_move_leaves_the_decision_figure_unchanged():
    """The decision chart is the same bytes at every threshold (the browser does
    not redraw it); the current threshold is the overlay's line, at the threshold."""
    at = _page()
    specs, lines = [], []
    for t in ("0.3", "0.61"):
        at.text_input(key="thr.number").input(t).run()
        assert not at.exception
        specs.append(spec_of(chart_elements(at)[0]))
        overlay = next(e for e in at.get("bidi_component")
                       if e.proto.component_name == "loss_lab_chart_overlay")
        lines.append(json.loads(overlay.proto.json))
    assert specs[0] == specs[1]
    assert '"current"' not in specs[0] and '"recommended"' in specs[0]
    for got, t in zip(lines, (0.3, 0.61), strict=True):
        assert got["target"] == "thr.fig_decision"
        # one segment on each panel, at the threshold
        assert [(m["kind"], m["x"], m["xaxis"]) for m in got["marks"]] == [
            ("vline", t, "x"), ("vline", t, "x2")]
    help_text = at.slider(key="thr.slider").help
    assert "next distinct score" in help_text and "1%" in help_text
