"""The Threshold page's scenarios (named cost matrices compared) and its capacity
as a count per period, through Streamlit's AppTest."""

from __future__ import annotations

import re

import numpy as np
import pytest
from charts import chart_elements, spec_of
from test_threshold_page import _expected_default_story, _fresh, _page, _view

import core
from core.thresholds import best_under_capacity, capacity_share, compare_scenarios
from ui.format import money, plain
from ui.models import MAX_SCENARIOS, ThresholdState

FINANCE = core.CostMatrix(tp=0.0, fp=40.0, fn=30.0, tn=0.0)
OPERATIONS = core.CostMatrix(tp=-5.0, fp=2.0, fn=200.0, tn=0.0)


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _costs(at, cost: core.CostMatrix) -> None:
    """Type a cost matrix into the Decide view's four cells."""
    _view(at, "threshold")
    for name in ("tp", "fp", "fn", "tn"):
        at.text_input(key=f"thr.cost_{name}").input(str(getattr(cost, name))).run()
        assert not at.exception


def _save(at, name: str) -> None:
    _view(at, "scenarios")
    at.text_input(key="thr.sc_name").input(name).run()
    at.button(key="thr.sc_save").click().run()
    assert not at.exception


def _two_scenarios() -> object:
    at = _page(settings_open=False)
    _costs(at, FINANCE)
    _save(at, "Finance")
    _costs(at, OPERATIONS)
    _save(at, "Operations")
    return at


def _frames(at):
    table = next(d.value for d in at.dataframe if "threshold" in d.value.columns)
    regret = next(d.value for d in at.dataframe
                  if "under the costs of" in d.value.columns)
    return table, regret


def test_two_scenarios_give_their_optima_table_and_regret_matrix():
    at = _two_scenarios()
    model = at.session_state["thr"]
    assert model.scenarios == (("Finance", 0.0, 40.0, 30.0, 0.0),
                               ("Operations", -5.0, 2.0, 200.0, 0.0))
    _, _, sv, st_ = _expected_default_story()
    expected = compare_scenarios(sv, st_, [FINANCE, OPERATIONS])
    assert expected.thresholds[0] != expected.thresholds[1]  # they disagree
    table, regret = _frames(at)
    assert list(table["scenario"]) == ["Finance", "Operations"]
    for b in range(2):
        assert float(table["threshold"][b]) == pytest.approx(
            expected.thresholds[b], rel=5e-4)
        assert table["share flagged"][b] == f"{expected.flagged[b]:.1%}"
        assert table["precision"][b] == f"{expected.precision[b]:.3f}"
        assert table["recall"][b] == f"{expected.recall[b]:.3f}"
        for a, name in enumerate(("Finance", "Operations")):
            assert table[f"cost under {name}"][b] == money(
                expected.costs[a, b] * 1000)
            assert regret[f"at {name}'s threshold"][b] == money(
                expected.regret[b, a] * 1000)
    assert list(regret["under the costs of"]) == ["Finance", "Operations"]
    # the regret of Operations' threshold under Finance's costs, straight from core
    fin_at_ops = core.thresholds.cost_at(st_, FINANCE, expected.thresholds[1])
    fin_at_fin = core.thresholds.cost_at(st_, FINANCE, expected.thresholds[0])
    assert regret["at Operations's threshold"][0] == money(
        (fin_at_ops - fin_at_fin) * 1000)
    said = _unescaped(" ".join(m.value for m in at.markdown))
    assert "on the held-out half (each threshold chosen on the validation half" in said
    worst = expected.regret.max(axis=0)  # each threshold's worst regret
    a, b = (0, 1) if expected.regret[0, 1] >= expected.regret[1, 0] else (1, 0)
    names = ("Finance", "Operations")
    assert (f"The costliest compromise: adopting **{names[b]}**'s threshold costs "
            f"**{names[a]}** {money(expected.regret[a, b] * 1000)} more") in said
    best = int(np.argmin(worst))
    assert (f"worst regret is smallest is **{names[best]}**'s") in said
    assert f"at most {money(worst[best] * 1000)} per 1,000" in said
    spec = spec_of(chart_elements(at)[0])
    assert "Finance" in spec and "Operations" in spec


def test_scenarios_travel_in_the_link_and_can_be_used_and_removed():
    at = _two_scenarios()
    params = dict(at.query_params)
    assert params["thr.sc"] == "Finance,0,40,30,0;Operations,-5,2,200,0"
    fresh = _fresh(params, settings_open=False)
    assert fresh.session_state["thr"].scenarios == at.session_state["thr"].scenarios
    assert [d.value.equals(e.value) for d, e in zip(fresh.dataframe, at.dataframe,
                                                    strict=True)] == [True, True]
    # "Use" puts a scenario's costs on screen; "Remove" drops it from the link
    fresh.button(key="thr.sc_use_0").click().run()
    assert not fresh.exception
    model = fresh.session_state["thr"]
    assert (model.cost_tp, model.cost_fp, model.cost_fn, model.cost_tn) == (
        0.0, 40.0, 30.0, 0.0)
    fresh.button(key="thr.sc_remove_0").click().run()
    assert not fresh.exception
    assert dict(fresh.query_params)["thr.sc"] == "Operations,-5,2,200,0"
    fresh.button(key="thr.sc_remove_0").click().run()
    assert "thr.sc" not in dict(fresh.query_params)
    assert any("No scenario saved yet" in i.value for i in fresh.info)


def test_saving_again_under_a_name_updates_it_and_the_list_has_a_cap():
    at = _two_scenarios()
    _costs(at, core.CostMatrix(fp=1.0, fn=1.0))
    _save(at, "  Finance ")  # spaces do not make another name
    assert at.session_state["thr"].scenarios[0] == ("Finance", 0.0, 1.0, 1.0, 0.0)
    for i in range(MAX_SCENARIOS - 2):
        _save(at, f"Team {i}")
    assert len(at.session_state["thr"].scenarios) == MAX_SCENARIOS
    before = at.session_state["thr"].scenarios
    _save(at, "One too many")
    assert at.session_state["thr"].scenarios == before
    said = _unescaped(" ".join(c.value for c in at.caption))
    assert f"Up to {MAX_SCENARIOS} scenarios: remove one" in said
    for junk, why in (("", "Type a name"), ("a\x07b", "control characters"),
                      ("x" * 31, "remove one")):  # the box keeps 30 characters
        at.session_state["thr.sc_name"] = junk
        at.button(key="thr.sc_save").click().run()
        assert not at.exception
        assert at.session_state["thr"].scenarios == before
        assert why in _unescaped(" ".join(c.value for c in at.caption)), junk


HOSTILE = "**$x$** <img src=x onerror=alert(1)> [a](http://e.vil)"[:30]


def test_a_hostile_scenario_name_is_shown_as_text_only():
    at = _page(settings_open=False)
    _save(at, HOSTILE)
    _costs(at, OPERATIONS)
    _save(at, "Ops; 100%, really")  # the URL's separators inside a name
    names = [r[0] for r in at.session_state["thr"].scenarios]
    assert names == [HOSTILE, "Ops; 100%, really"]
    # as text: st.text and table cells hold the name as it is ...
    assert any(t.value.startswith(HOSTILE + ":") for t in at.text)
    table, _ = _frames(at)
    assert list(table["scenario"]) == names
    # ... in Markdown only escaped, in the chart only with <, > and & escaped
    for m in [*at.markdown, *at.caption]:
        assert HOSTILE not in m.value  # every < [ $ in Markdown is escaped
        assert not re.search(r"(?<!\\)[<\[$]", m.value), m.value
        assert "](http" not in m.value and "**$x$**" not in m.value
    assert any(plain(HOSTILE) in m.value for m in at.markdown)  # the compromise
    spec = spec_of(chart_elements(at)[0])
    assert "<img" not in spec and "&lt;img src=x" in spec
    fresh = _fresh(dict(at.query_params), settings_open=False)
    assert [r[0] for r in fresh.session_state["thr"].scenarios] == names


@pytest.mark.parametrize("value", [
    "Finance", "Finance,1,2,3", "Finance,1,2,3,x", "Finance,1,2,3,nan",
    "Finance,1,2,3,1e400", ",1,2,3,4", "a,1,2,3,4;a,5,6,7,8", "a%zz,1,2,3,4",
    ";".join(f"n{i},1,2,3,4" for i in range(MAX_SCENARIOS + 1)),
    "<script>alert(1)</script>,1,2,3,4" + "9" * 5000])
def test_a_malformed_scenarios_link_falls_back_to_none_with_a_notice(value):
    at = _fresh({"thr.sc": value, "thr.view": "scenarios"}, settings_open=False)
    assert not at.exception and not at.error
    assert at.session_state["thr"].scenarios == ()
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert len(notices) == 1 and "thr.sc" in notices[0]
    assert "thr.sc" not in dict(at.query_params)
    assert any("No scenario saved yet" in i.value for i in at.info)


def test_a_count_per_period_cap_gives_the_best_threshold_under_it_and_its_price():
    at = _page()
    at.checkbox(key="thr.cap_on").check().run()
    at.radio(key="thr.cap_by").set_value("count").run()
    assert not at.exception
    assert at.session_state["thr"].cap is None
    assert at.session_state["thr"].cap_count == 100.0  # 10% of 1,000, carried over
    at.text_input(key="thr.cap_count").input("12").run()
    at.text_input(key="thr.cap_cases").input("240").run()
    at.selectbox(key="thr.period").set_value("week").run()
    assert not at.exception
    _, _, sv, _ = _expected_default_story()
    cost = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)
    cap = best_under_capacity(sv, cost, capacity_share(12, 240))
    assert cap.binding and cap.max_share == 0.05
    note = _unescaped(next(w.value for w in at.warning if "Capacity" in w.value))
    assert "review at most 12 of the 240 cases arriving per week (5.0%)" in note
    assert f"the cap costs **{money(cap.price * 1000)} per 1,000 cases**" in note
    shown = float(re.search(r"use \*\*([^*]+)\*\*", note).group(1))
    assert shown == pytest.approx(cap.threshold, rel=5e-4)
    assert f"about {cap.flagged * 240:,.1f}".rstrip("0").rstrip(".") in note
    params = dict(at.query_params)
    assert (params["thr.capn"], params["thr.capof"], params["thr.period"]) == (
        "12", "240", "week")
    # junk typed keeps the previous value and says why
    for key, junk in (("thr.cap_count", "lots"), ("thr.cap_cases", "0"),
                      ("thr.cap_count", "-3"), ("thr.cap_cases", "inf")):
        at.text_input(key=key).input(junk).run()
        assert not at.exception
        model = at.session_state["thr"]
        assert (model.cap_count, model.cap_cases) == (12.0, 240.0)
        assert any("Not applied" in c.value for c in at.caption)
    # the link reopens the same cap; back to a share carries it over
    fresh = _fresh(params)
    assert _unescaped(next(w.value for w in fresh.warning
                           if "Capacity" in w.value)) == note
    fresh.radio(key="thr.cap_by").set_value("share").run()
    assert fresh.session_state["thr"].cap == 0.05
    assert fresh.session_state["thr"].cap_count is None
    # a team that can review every case has no cap
    fresh.radio(key="thr.cap_by").set_value("count").run()
    fresh.text_input(key="thr.cap_count").input("5000").run()
    assert any("the cap costs nothing" in _unescaped(i.value) for i in fresh.info)


def test_capacity_share_of_a_count_is_count_over_cases():
    assert capacity_share(12, 240) == 0.05
    assert np.isclose(capacity_share(1, 3), 1 / 3)
    assert ThresholdState(cap_count=12.0, cap_cases=240.0).to_params() == {
        "thr.capn": "12", "thr.capof": "240"}


def test_the_memo_lists_the_scenarios_as_the_page_computes_them():
    at = _two_scenarios()
    _view(at, "export")
    memo = at.code[0].value
    _, _, sv, st_ = _expected_default_story()
    got = compare_scenarios(sv, st_, [FINANCE, OPERATIONS])
    assert "## Scenarios" in memo and "\\" not in memo
    rows = [line for line in memo.splitlines()
            if line.startswith(("| Finance ", "| Operations "))]
    assert len(rows) == 2
    for i, (line, cost) in enumerate(zip(rows, (FINANCE, OPERATIONS), strict=True)):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1:5] == [money(v) for v in (cost.tp, cost.fp, cost.fn, cost.tn)]
        assert float(cells[5]) == pytest.approx(got.thresholds[i], rel=5e-4)
        assert cells[6:9] == [f"{got.flagged[i]:.1%}", f"{got.precision[i]:.3f}",
                              f"{got.recall[i]:.3f}"]
        assert cells[9] == money(got.costs[i, i] * 1000)


def test_the_html_report_escapes_scenario_names():
    import dataclasses

    from test_threshold_exports import _facts

    from ui.exports import ScenarioLine, decision_memo_text, decision_report_html
    from ui.figures_threshold import make_decision_figure

    facts, val, _ = _facts()
    line = ScenarioLine("<script>x</script> | a", FINANCE, 0.25, 0.4, 0.5, 0.6, 1.5)
    facts = dataclasses.replace(facts, scenarios=(line,))
    r = core.rates(val)
    fig = make_decision_figure(val.thresholds, r["precision"], r["recall"], r["f1"],
                               core.expected_cost(val, facts.cost) * 1000,
                               recommended=0.3, current=0.4)
    page = decision_report_html(facts, {"validation": core.metrics_at(val, 0.4)},
                                fig)
    table = page.split("<table id='scenarios'>")[1].split("</table>")[0]
    assert "&lt;script&gt;x&lt;/script&gt;" in table and "<script>x" not in page
    assert "<td>0.25</td><td>40.0%</td><td>0.500</td><td>0.600</td>" in table
    assert "<td>$1,500</td>" in table  # 1.5 per case, per 1,000 cases
    memo = decision_memo_text(facts, {"validation": core.metrics_at(val, 0.4)})
    row = next(x for x in memo.splitlines() if x.startswith("| <script>"))
    assert len(row.strip("|").split("|")) == 10  # the name's "|" ends no cell


def test_on_tiny_data_scenarios_say_they_are_compared_on_the_same_rows():
    from test_threshold_page import _upload

    at = _upload(_page(), "tiny.csv",
                 b"label,score\n0,0.1\n0,0.4\n1,0.35\n1,0.8\n0,0.6\n")
    _costs(at, FINANCE)
    _save(at, "Finance")
    _costs(at, OPERATIONS)
    _save(at, "Operations")
    said = _unescaped(" ".join(m.value for m in at.markdown))
    assert "on the same rows the thresholds were chosen on" in said
    assert "happened to do better" not in said
    _, regret = _frames(at)
    cells = regret.drop(columns="under the costs of").to_numpy().ravel()
    values = [float(c.replace("$", "").replace(",", "")) for c in cells]
    assert min(values) >= 0.0 and max(values) > 0.0  # own threshold is best here
