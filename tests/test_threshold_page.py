"""The Threshold & cost page through Streamlit's AppTest (no browser)."""

import numpy as np
import pandas as pd
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.scored import ScoredRows, split_scored
from core.thresholds import compare_costs
from ui.format import money

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
    at.button_group(key="thr_view").set_value(name).run()
    assert not at.exception
    return at


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.success]
    parts += [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [e.value for e in at.caption]
    return "\n".join(parts)


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
    assert f"cost-optimal threshold **{opt:.3g}**" in story
    # "$" is escaped in Markdown (a bare one would start LaTeX math)
    saved = money(comp.saved_vs("default", 1000)).replace("$", "\\$")
    assert f"save {saved} per 1,000" in story
    assert "held-out test half" in story
    assert _metric(at, "Cost-optimal threshold") == f"{opt:.4g}"
    assert _metric(at, "Saved vs flag everyone") == money(
        comp.saved_vs("everyone", 1000))
    assert _metric(at, "Saved vs flag no one") == money(comp.saved_vs("no_one", 1000))
    # the slider starts at 0.5, the metrics table shows both parts
    assert at.slider(key="thr_slider").value == pytest.approx(0.5)
    assert any(m.value.startswith("**At threshold 0.5**") for m in at.markdown)
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
    at.slider(key="thr_slider").set_value(0.0).run()
    assert not at.exception
    table = _table(at)
    assert table.loc["Recall", "Validation"] == "1.000"
    assert table.loc["Share flagged", "Held-out test"] == "100.0%"
    assert at.number_input(key="thr_number").value == 0.0
    at.slider(key="thr_slider").set_value(1.0).run()
    assert not at.exception
    table = _table(at)
    m = core.metrics_at(sv, 1.0)
    assert table.loc["Recall", "Validation"] == f"{m['recall']:.3f}"
    at.button(key="thr_to_optimum").click().run()
    assert not at.exception
    assert at.session_state["thr_value"] == opt
    assert at.number_input(key="thr_number").value == pytest.approx(opt)
    table = _table(at)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    expected = core.thresholds.cost_at(st_, cost, opt) * 1000
    assert table.loc["Cost per 1,000 cases", "Held-out test"] == money(expected)
    # an exact value typed in the number input
    at.number_input(key="thr_number").set_value(0.123456).run()
    assert at.session_state["thr_value"] == pytest.approx(0.123456)
    assert at.slider(key="thr_slider").value == pytest.approx(0.123)


def test_every_cost_cell_including_gains_and_all_zeros():
    at = _page()
    for key, value in (("thr_cost_tp", -40.0), ("thr_cost_fp", 25.0),
                       ("thr_cost_fn", 60.0), ("thr_cost_tn", -1.5)):
        at.number_input(key=key).set_value(value).run()
        assert not at.exception
        assert not _errors(at)
    cost = core.CostMatrix(tp=-40.0, fp=25.0, fn=60.0, tn=-1.5)
    _, _, sv, _ = _expected_default_story()
    assert _metric(at, "Cost-optimal threshold") == (
        f"{core.best_threshold(sv, cost):.4g}")
    for key in ("thr_cost_tp", "thr_cost_fp", "thr_cost_fn", "thr_cost_tn"):
        at.number_input(key=key).set_value(0.0).run()
        assert not at.exception
    assert "every threshold costs the same" in _text(at)
    # a gain for every decision and costs that favour flagging no one
    at.number_input(key="thr_cost_fp").set_value(1000.0).run()
    assert not at.exception
    assert _metric(at, "Cost-optimal threshold") == "+inf (flag no one)"
    at.button(key="thr_to_optimum").click().run()
    assert not at.exception
    assert _table(at).loc["Share flagged", "Validation"] == "0.0%"


def test_prevalence_reweighting_changes_precision_not_recall():
    at = _page()
    before = _table(at)
    at.checkbox(key="thr_prev_on").check().run()
    at.number_input(key="thr_prevalence").set_value(0.1).run()
    assert not at.exception
    after = _table(at)
    assert after.loc["Recall", "Validation"] == before.loc["Recall", "Validation"]
    _, _, sv, _ = _expected_default_story()
    rw = core.thresholds.reweight_sweep(sv, 0.1)
    assert after.loc["Precision", "Validation"] == (
        f"{core.metrics_at(rw, 0.5)['precision']:.3f}")
    assert "pi / p_sample" in _text(at)


def _upload(at, name: str, data: bytes) -> AppTest:
    at.radio(key="thr_source").set_value("upload").run()
    at.session_state["thr_incoming_file"] = (name, data)
    return at.run()


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
    assert at.slider(key="thr_slider").min == -3.0
    assert at.slider(key="thr_slider").max == 3.0
    _view(at, "Calibration")
    assert "Calibration needs probabilities" in _text(at)
    at.checkbox(key="thr_sigmoid").check().run()
    assert not at.exception
    assert any(m.label.startswith("Brier") for m in at.metric)
    _view(at, "Threshold & cost")
    assert at.slider(key="thr_slider").max == 1.0
    # choosing no weight column re-reads the same file
    at.selectbox(key="thr_col_weight").set_value("(none)").run()
    assert not at.exception and not _errors(at)


def test_trained_scores_are_used_when_present():
    at = _page()
    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.4).astype(float)
    p = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    at.session_state["trained_scores"] = {"y_true": y, "scores": p, "label": "my GD"}
    at.radio(key="thr_source").set_value("trained").run()
    assert not at.exception and not _errors(at)
    assert "my GD" in _text(at)
    val, _ = split_scored(ScoredRows(y, p))
    sv = core.threshold_sweep(val.y_true, val.scores)
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    assert _metric(at, "Cost-optimal threshold") == (
        f"{core.best_threshold(sv, cost):.4g}")


def test_tiny_data_say_they_cannot_hold_out():
    at = _page()
    at = _upload(at, "tiny.csv", b"label,score\n0,0.1\n0,0.4\n1,0.35\n1,0.8\n0,0.6\n")
    assert not at.exception and not _errors(at)
    assert "same rows it was chosen on" in at.success[0].value
    assert list(_table(at).columns) == ["All rows (in-sample)"]
    _view(at, "Method & data")
    assert "too few to hold out" in _text(at)


def test_folded_settings_draw_nothing_and_keep_every_value():
    at = _page()
    at.number_input(key="thr_cost_fn").set_value(55.0).run()
    at.checkbox(key="thr_prev_on").check().run()
    at.number_input(key="thr_prevalence").set_value(0.2).run()
    at.text_input(key="thr_currency").set_value("EUR").run()
    data, y, s = _good_file()
    at = _upload(at, "scores.csv", data)
    assert not at.exception and not _errors(at)
    opened = _metric(at, "Cost-optimal threshold")
    table = _table(at)
    at.session_state["thr_settings"] = False
    at.run()
    assert not at.exception and not _errors(at)
    # nothing of the section is sent while it is folded...
    assert not [w for w in at.number_input if w.key.startswith("thr_cost")]
    assert not at.radio
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
    assert at.number_input(key="thr_cost_fn").value == 55.0
    assert at.number_input(key="thr_prevalence").value == pytest.approx(0.2)
    assert at.radio(key="thr_source").value == "upload"


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
