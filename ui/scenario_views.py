"""The Threshold page's "Scenarios" view: named cost matrices ("Finance",
"Operations", ...) saved from the one on screen, and compared.

Scenarios live in ``ThresholdState.scenarios`` (so they travel in the link) as
``(name, TP, FP, FN, TN)``. Each scenario's threshold is chosen on the validation
half, like the page's recommendation; every cost, share and rate compared is on
the held-out half, the page's comparison basis. A name is user text: it is shown
with ``st.text``, in tables as cell text (``ui.format.short``), inside Markdown
through ``plain`` and in the chart through ``for_chart``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import core
from ui import state
from ui import threshold_data as data
from ui.chart import chart
from ui.figures_threshold import make_scenarios_figure
from ui.format import for_chart, plain, short
from ui.models import MAX_SCENARIO_NAME, MAX_SCENARIOS, Scenario, ThresholdState
from ui.threshold_views import Panel, cost_of

NAME_KEY = "thr.sc_name"
NOTE = "_thr_scenario_note"  # (ok, words) about the last save, use or removal


def cost_of_scenario(row: Scenario) -> core.CostMatrix:
    return core.CostMatrix(*row[1:])  # (name, TP, FP, FN, TN)


def _note(ok: bool, words: str) -> None:
    st.session_state[NOTE] = (ok, words)


def _save() -> None:
    """Save the cost matrix on screen under the typed name (replacing the costs
    of a scenario of that name); a name that cannot be used changes nothing."""
    typed = st.session_state.get(NAME_KEY)
    name = " ".join(str(typed or "").split())
    view = state.current(ThresholdState)
    if not name:
        return _note(False, "Type a name for the cost matrix first.")
    if len(name) > MAX_SCENARIO_NAME:
        return _note(False, f"A name has at most {MAX_SCENARIO_NAME} characters; "
                            f"“{short(name, 40)}” has {len(name)}. Nothing saved.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return _note(False, "A name cannot hold control characters. Nothing saved.")
    row = (name, view.cost_tp, view.cost_fp, view.cost_fn, view.cost_tn)
    rows = list(view.scenarios)
    names = [r[0] for r in rows]
    if name in names:
        rows[names.index(name)] = row
    elif len(rows) >= MAX_SCENARIOS:
        return _note(False, f"Up to {MAX_SCENARIOS} scenarios: remove one to save "
                            f"“{short(name, 40)}”.")
    else:
        rows.append(row)
    try:
        state.update(ThresholdState, scenarios=tuple(rows))
    except ValueError as exc:  # control characters, ...
        return _note(False, f"“{short(name, 40)}” cannot be saved: "
                            f"{str(exc).split(': ', 1)[-1]}. Nothing saved.")
    st.session_state[NAME_KEY] = ""
    _note(True, f"{'Updated' if name in names else 'Saved'} “{name}”.")


def _use(name: str) -> None:
    """Put a scenario's costs into the cost matrix on screen."""
    rows = {r[0]: r for r in state.current(ThresholdState).scenarios}
    if name in rows:
        _, tp, fp, fn, tn = rows[name]
        state.update(ThresholdState, cost_tp=tp, cost_fp=fp, cost_fn=fn, cost_tn=tn)
        _note(True, f"The cost matrix on screen is now “{name}”'s.")


def _remove(name: str) -> None:
    view = state.current(ThresholdState)
    state.update(ThresholdState, scenarios=tuple(r for r in view.scenarios
                                                 if r[0] != name))
    _note(True, f"Removed “{name}”.")


def _editor(panel: Panel) -> None:
    """Save the matrix on screen under a name; the saved ones, to use or remove."""
    view = state.current(ThresholdState)
    cash, on_screen = panel.cash, cost_of(view)
    st.markdown(f"**Scenarios** (up to {MAX_SCENARIOS}): save the cost matrix on "
                "screen under a name, change the costs on the *Decide* view, save "
                "again under another name.")
    st.text(f"On screen: TP {cash.text(view.cost_tp)}, FP {cash.text(view.cost_fp)}, "
            f"FN {cash.text(view.cost_fn)}, TN {cash.text(view.cost_tn)}")
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.text_input("Name", key=NAME_KEY, max_chars=MAX_SCENARIO_NAME,
                      placeholder="e.g. Finance")
        st.button("Save", key="thr.sc_save", on_click=_save,
                  icon=":material/bookmark_add:")
    note = st.session_state.get(NOTE)
    if note:
        icon = ":material/check:" if note[0] else ":material/error:"
        st.caption(f"{icon} {plain(note[1], 200)}")
    for i, row in enumerate(view.scenarios):
        c = cost_of_scenario(row)
        with st.container(horizontal=True, vertical_alignment="center", gap="small",
                          key=f"thr_sc_row_{i}"):
            st.text(f"{row[0]}: TP {cash.text(c.tp)}, FP {cash.text(c.fp)}, "
                    f"FN {cash.text(c.fn)}, TN {cash.text(c.tn)}"
                    + (" (on screen)" if c == on_screen else ""))
            st.button("Use", key=f"thr.sc_use_{i}", on_click=_use, args=(row[0],),
                      help="Put these costs in the cost matrix on screen",
                      disabled=c == on_screen)
            st.button("Remove", key=f"thr.sc_remove_{i}", on_click=_remove,
                      args=(row[0],), icon=":material/delete:")


def comparison_tables(panel: Panel, rows: tuple[Scenario, ...],
                      res: data.ScenarioResults) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per scenario: its threshold, share flagged, precision, recall and cost
    under every scenario; the regret matrix), as text cells ready to show."""
    cmp, cash, per = res.compared, panel.cash, panel.cash.per
    names = [short(r[0], MAX_SCENARIO_NAME) for r in rows]
    table = pd.DataFrame({
        "scenario": names,
        "threshold": [panel.scale.text(t) for t in cmp.thresholds],
        "share flagged": [f"{v:.1%}" for v in cmp.flagged],
        "precision": [f"{v:.3f}" for v in cmp.precision],
        "recall": [f"{v:.3f}" for v in cmp.recall],
        # costs[a, b] is under a's costs at b's threshold: column a, row b
        **{f"cost under {a}": [cash.text(v * per) for v in cmp.costs[i]]
           for i, a in enumerate(names)},
    })
    regret = pd.DataFrame({
        "under the costs of": names,
        **{f"at {b}'s threshold": [cash.text(v * per) for v in cmp.regret[:, j]]
           for j, b in enumerate(names)},
    })
    return table, regret


def scenarios_view(sess: data.ThresholdSession, panel: Panel) -> None:
    rows = state.current(ThresholdState).scenarios
    left, right = st.columns([2, 3], gap="medium")
    with left:
        _editor(panel)
    if not rows:
        with right:
            st.info("No scenario saved yet. Save the cost matrix on screen under a "
                    "name (say “Finance”), change the costs, and save the next one: "
                    "each scenario's best threshold and what it costs the others "
                    "appear here.", icon=":material/compare_arrows:")
        return
    a, cash = panel.analysis, panel.cash
    res = data.scenarios(sess, a, tuple(cost_of_scenario(r) for r in rows))
    with right:
        fig = make_scenarios_figure(
            res.thresholds, res.scaled, [for_chart(r[0], 40) for r in rows],
            res.compared.thresholds, x_title=panel.x_title,
            threshold_text=panel.scale.text)
        chart(fig, key="thr.fig_scenarios")
        st.caption("Validation half, where each threshold is chosen. Each curve is "
                   "its scenario's expected cost, scaled to its own range: 0 at its "
                   "cheapest threshold (the star), 1 at its dearest, so matrices in "
                   "different units share one axis.")
    basis = ("held-out half (each threshold chosen on the validation half, like "
             "the recommendation)" if a.split else
             "same rows the thresholds were chosen on (too few cases to hold some "
             "out: expect these numbers to be optimistic)")
    table, regret = comparison_tables(panel, rows, res)
    st.markdown(f"**Each scenario's cost-optimal threshold**, and what it costs "
                f"under every scenario, per {cash.per:,} cases, on the {basis}.")
    st.dataframe(table, hide_index=True, key="thr.sc_table")
    st.markdown(
        f"**Regret matrix**: what adopting one scenario's threshold (column) costs "
        f"under another's costs (row), per {cash.per:,} cases, against that row's "
        f"own threshold, on the {basis}."
        + (" A negative cell means the other threshold happened to do better on "
           "these rows than the row's own, chosen on the validation half."
           if a.split and np.any(res.compared.regret < 0) else ""))
    st.dataframe(regret, hide_index=True, key="thr.sc_regret")
    if len(rows) > 1:
        st.markdown(_compromise(panel, rows, res.compared))


def _compromise(panel: Panel, rows: tuple[Scenario, ...], cmp) -> str:
    """The meeting's two sentences: the costliest compromise, and the threshold
    whose worst regret is smallest (names as Markdown-safe text)."""
    cash, per = panel.cash, panel.cash.per
    off = cmp.regret - np.diag(np.full(len(rows), np.inf))  # the diagonal never
    a, b = np.unravel_index(int(np.argmax(off)), off.shape)
    best = cmp.least_regret
    return (
        f"The costliest compromise: adopting **{plain(rows[b][0])}**'s threshold "
        f"costs **{plain(rows[a][0])}** {cash.md(cmp.regret[a, b] * per)} more per "
        f"{per:,} cases. The threshold whose worst regret is smallest is "
        f"**{plain(rows[best][0])}**'s, {panel.scale.text(cmp.thresholds[best])}: "
        f"at most {cash.md(cmp.regret[:, best].max() * per)} per {per:,} cases "
        "under any scenario's costs.")
