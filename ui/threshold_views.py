"""What the Threshold page draws: its settings, headline, slider panel and views.

Every setting is a field of :class:`ui.models.ThresholdState`: widgets are drawn with
``**state.bind(ThresholdState, field)`` (or write it with ``state.update``), so a
value survives page switches and travels in the URL. Views take small typed values
(:class:`Money`, ``Analysis``, ``Curves``, ``Scale``...), never a bag of keys.
User text (file and column names, the currency) goes through
``ui.format.plain`` before any Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import numpy as np
import streamlit as st

import core
from core.bootstrap import BootstrapResult, ResampleSize
from core.calibration import Calibration
from core.thresholds import (
    Capacity,
    Recommendation,
    capacity_share,
    cost_at,
    cost_ratio,
    sample_prevalence,
)
from ui import state, warehouse
from ui import threshold_data as data
from ui.chart import chart
from ui.chart_overlay import Line, overlay
from ui.exports import (
    DecisionFacts,
    ScenarioLine,
    content_sha256,
    decision_csv,
    decision_memo_text,
    decision_report_html,
)
from ui.figures_threshold import (
    make_bootstrap_figure,
    make_calibration_figure,
    make_decision_figure,
    make_pr_figure,
    make_ratio_figure,
    make_roc_figure,
    move_current,
)
from ui.format import money, plain, short
from ui.models import PER_CHOICES, PERIODS, ThresholdState
from ui.sidebar import Chosen
from ui.slider_keys import slider_keys
from ui.style import THRESHOLD
from ui.threshold_data import Analysis, Curves, Scale, Scores, ThresholdSession

SOURCE_NAMES = {
    "builtin": "Logistic regression on the sidebar dataset",
    "trained": "The model trained on the Training page",
    "upload": "Upload a scored file",
    "warehouse": "Your database or the server's data folder",
}
VIEW_NAMES = {
    "threshold": "Decide",
    "scenarios": "Scenarios",
    "uncertainty": "How sure",
    "calibration": "Calibration",
    "method": "Method",
    "export": "Export",
    "segments": "Segments",
}
SLIDER_KEY, NUMBER_KEY = "thr.slider", "thr.number"
DECISION_KEY = "thr.fig_decision"


@dataclass(frozen=True)
class Money:
    """How money is shown: the currency sign and the number of cases it is per."""

    currency: str
    per: int

    def text(self, value: float) -> str:
        return money(value, self.currency)

    def md(self, value: float) -> str:
        return money(value, plain(self.currency))


def cost_of(view: ThresholdState) -> core.CostMatrix:
    return core.CostMatrix(tp=view.cost_tp, fp=view.cost_fp, fn=view.cost_fn,
                           tn=view.cost_tn)


def _seed(key: str, value) -> None:
    """Put the model's value into a widget's key before drawing it, only when they
    differ (writing a live widget's key on every run could swallow a move)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value


MESSAGES = "_thr_messages"  # field -> why the last text typed there was refused


def parse_number(text: str) -> float:
    """A number typed by a person: spaces, thousands commas and underscores
    allowed; anything else, NaN or an infinity raises ``ValueError`` in words
    (quoting at most 80 characters of what was typed)."""
    cleaned = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    quoted = short(text, 80)
    if not cleaned:
        raise ValueError("the box is empty")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f'"{quoted}" is not a number') from None
    if not math.isfinite(value):
        raise ValueError(f'"{quoted}" is not a finite number')
    return value


def number_text(value: float | None) -> str:
    """How a number field shows a value: exact, without trailing zeros."""
    return "" if value is None else f"{value:.15g}"


def _messages() -> dict:
    got = st.session_state.get(MESSAGES)
    if not isinstance(got, dict):
        got = st.session_state[MESSAGES] = {}
    return got


def _typed(name: str, key: str, then: Callable | None) -> None:
    """A number field changed: parse and check it against the model; refused
    text puts the previous value back and leaves the reason for the page."""
    text = st.session_state[key]
    before = getattr(state.current(ThresholdState), name)
    try:
        state.update(ThresholdState, **{name: parse_number(text)})
    except ValueError as exc:
        reason = str(exc).replace("outside", "it must lie between").replace(" to ",
                                                                             " and ")
        kept = number_text(before) or "the default"
        _messages()[name] = f"{reason}: kept {kept}."
        st.session_state[key] = number_text(before)
        return
    _messages().pop(name, None)
    if then is not None:
        then()


def number_field(label: str, name: str, *, then: Callable | None = None,
                 key: str | None = None, fallback: float | None = None,
                 **kwargs) -> None:
    """A text box for a number field of the model: whatever is typed is parsed
    and checked (finite, in the field's range) before the model or a formula sees
    it; junk keeps the previous value and says why under the box."""
    key = key or f"thr.{name}"
    value = getattr(state.current(ThresholdState), name)
    state.seed(key, number_text(fallback if value is None else value))
    st.text_input(label, key=key, on_change=_typed, args=(name, key, then),
                  **kwargs)
    why = _messages().get(name)
    if why:
        st.caption(f":material/error: Not applied: {plain(why, 160)}")


# ---------------------------------------------------------------------------------
# Settings: where the scores come from, the costs, the production base rate
# ---------------------------------------------------------------------------------


def choose_scores(sess: ThresholdSession, view: ThresholdState, chosen: Chosen,
                  show: bool) -> Scores:
    """The scores the page uses (the sidebar dataset's when the chosen source has
    none yet); draws the source's widgets when ``show``."""
    if show:
        st.radio("Where the scores come from", list(SOURCE_NAMES),
                 format_func=SOURCE_NAMES.get, **state.bind(ThresholdState, "source"))
    got = None
    if view.source == "trained":
        got = data.trained_scores(sess)
        if show and got is None:
            st.info("No model has been trained yet: train one on the **Training** "
                    "page, or pick another score source.")
        if isinstance(got, str):
            st.error(got)
            got = None
    elif view.source == "upload":
        if show:
            _upload_widgets(sess, view)
        got = data.upload_scores(sess, state.current(ThresholdState))
    elif view.source == "warehouse":
        got = warehouse.scores(show)
    if got is None:
        got = data.builtin_scores(chosen)
        if view.source != "builtin" and show:
            st.caption("Showing the sidebar dataset meanwhile.")
    if not got.are_probabilities and show:
        st.warning(
            "These scores are not all between 0 and 1 (logits or decision-function "
            "values): thresholds are on the score's own scale, and the Bayes "
            "threshold needs probabilities."
        )
        st.checkbox("Turn scores into probabilities with the sigmoid 1/(1+e^-s)",
                    **state.bind(ThresholdState, "sigmoid"))
    if not got.are_probabilities and state.current(ThresholdState).sigmoid:
        got = data.with_sigmoid(got)
    return got


def _on_file(sess: ThresholdSession) -> None:
    # An empty uploader is no removal: the browser clears it before it sends a
    # replacement, and after a page switch. The "Remove" button removes the file.
    file = st.session_state.get("thr.upload")
    if file is not None:
        data.receive_file(sess, file.getvalue(), file.name)


def _upload_widgets(sess: ThresholdSession, view: ThresholdState) -> None:
    st.file_uploader(
        "Scored file (CSV or Parquet): a label column, a score column and "
        "optionally a weight or count column",
        type=["csv", "txt", "tsv", "parquet"], key="thr.upload",
        on_change=_on_file, args=(sess,),
    )
    if sess.error:
        st.error(plain(sess.error, 600))
    up = sess.upload
    if up is None:
        st.info("Upload a file with one row per case (label, score), or one row "
                "per score bin with a count column. Until then the sidebar "
                "dataset is used.")
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.text(f"In use: {up.name} ({up.n_rows:,} rows)")
        st.button("Remove", key="thr.remove", icon=":material/delete:",
                  on_click=data.remove_file, args=(sess,))
    then = partial(data.check_columns, sess, (view.label_column, view.score_column,
                                              view.weight_column))
    c1, c2, c3, c4 = st.columns(4)
    columns = list(up.columns)
    c1.selectbox("Label column", columns,
                 **state.bind(ThresholdState, "label_column", on_change=then))
    c2.selectbox("Score column", columns,
                 **state.bind(ThresholdState, "score_column", on_change=then))
    c3.selectbox("Weight / count column", ["", *columns],
                 format_func=lambda c: c or "(none)",
                 **state.bind(ThresholdState, "weight_column", on_change=then))
    c4.selectbox("Segment column (optional)", ["", *columns],
                 format_func=lambda c: c or "(none)",
                 help="A group per row (region, product...): the Segments view "
                      "compares them.",
                 **state.bind(ThresholdState, "segment_column"))


def reupload_notice(sess: ThresholdSession, view: ThresholdState) -> None:
    """A link made with an uploaded file restores everything but the data: name
    the file to upload again (as plain text)."""
    if view.source != "upload" or sess.upload is not None or not view.file:
        return
    with st.container(border=True, key="thr_reupload"):
        st.markdown(":material/upload_file: **Upload the scored file this link was "
                    "made with again** (under *Scores, currency and production base "
                    "rate*); until then the sidebar dataset is shown.")
        rows = f" ({view.rows:,} rows)" if view.rows is not None else ""
        st.text(f"File: {view.file}{rows}")


COST_CELLS = (("cost_tp", "TP: positive flagged"),
              ("cost_fn", "FN: positive missed"),
              ("cost_fp", "FP: false alarm"),
              ("cost_tn", "TN: negative left alone"))


def cost_matrix() -> None:
    """The 2x2 cost matrix, laid out like the confusion matrix (rows: actual
    positive, actual negative; columns: flagged, not flagged), always on screen."""
    with st.container(key="thr_cost_matrix", gap="small"):
        st.markdown(f"**Cost per case** ({plain(current_currency())}; a gain is "
                    "negative)")
        rows = (("actual positive", COST_CELLS[:2]),
                ("actual negative", COST_CELLS[2:]))
        head = st.columns([1.1, 1, 1], gap="small", vertical_alignment="bottom")
        head[1].caption("flagged")
        head[2].caption("not flagged")
        for row_name, cells in rows:
            cols = st.columns([1.1, 1, 1], gap="small", vertical_alignment="center")
            cols[0].caption(row_name)
            for col, (name, label) in zip(cols[1:], cells, strict=True):
                with col:
                    number_field(label, name, label_visibility="collapsed",
                                 placeholder=label.split(":")[0])


def current_currency() -> str:
    return state.current(ThresholdState).currency


def money_settings(show: bool) -> None:
    if not show:
        return
    st.markdown("**Money**")
    st.text_input("Currency", max_chars=5, **state.bind(ThresholdState, "currency"))
    st.selectbox("Show money per", PER_CHOICES, format_func=lambda n: f"{n:,} cases",
                 **state.bind(ThresholdState, "per"))


def _on_base_toggle(sample_p: float) -> None:
    on = st.session_state["thr.base_on"]
    guess = float(np.clip(round(sample_p, 3) or 0.5, 0.001, 0.999))
    state.update(ThresholdState, base_rate=guess if on else None)


def _on_cap_toggle() -> None:
    on = st.session_state["thr.cap_on"]
    state.update(ThresholdState, cap=0.1 if on else None, cap_count=None)


CAP_FORMS = {"share": "a share of the cases", "count": "a count per period"}


def _on_cap_form() -> None:
    """Switch between the two forms of the cap, carrying its value over."""
    view = state.current(ThresholdState)
    share = cap_share(view)
    share = 0.1 if share is None else share
    if st.session_state["thr.cap_by"] == "count":
        state.update(ThresholdState, cap=None,
                     cap_count=float(round(share * view.cap_cases)))
    else:
        state.update(ThresholdState, cap=share, cap_count=None)


def cap_share(view: ThresholdState) -> float | None:
    """The cap as a share of the cases flagged (None: no cap). A count per period
    is that count over the cases arriving per period (``capacity_share``)."""
    if view.cap_count is not None:
        return capacity_share(view.cap_count, view.cap_cases)
    return view.cap


def capacity_input(view: ThresholdState, show: bool) -> None:
    if not show:
        return
    st.markdown("**Capacity**")
    _seed("thr.cap_on", cap_share(view) is not None)
    st.checkbox("Cap the cases flagged", key="thr.cap_on",
                on_change=_on_cap_toggle)
    if cap_share(view) is None:
        return
    _seed("thr.cap_by", "count" if view.cap_count is not None else "share")
    st.radio("Cap as", list(CAP_FORMS), format_func=CAP_FORMS.get, key="thr.cap_by",
             on_change=_on_cap_form, horizontal=True, label_visibility="collapsed")
    if view.cap_count is None:
        number_field("Largest share flagged (0 to 1; 0.05 is 5%)", "cap")
        return
    st.selectbox("Period", PERIODS, **state.bind(ThresholdState, "period"))
    per = state.current(ThresholdState).period
    number_field(f"Cases the team can review per {per}", "cap_count")
    number_field(f"Cases arriving per {per}", "cap_cases")


def _cap_words(cap: Capacity, view: ThresholdState | None) -> tuple[str, str]:
    """(the cap, what the capped threshold flags) in words: a share, or a count
    per period."""
    if view is None or view.cap_count is None:
        return f"flag at most {cap.max_share:.1%} of cases", f"{cap.flagged:.1%}"
    n, of, per = view.cap_count, view.cap_cases, view.period
    return (f"review at most {_count(n)} of the {_count(of)} cases arriving per "
            f"{per} ({cap.max_share:.1%})",
            f"{cap.flagged:.1%}, about {_count(cap.flagged * of, 1)} a {per}")


def _count(v: float, decimals: int = 2) -> str:
    """A count of cases: ``1,234``, ``12.5``; no exponent at any size."""
    return f"{v:,.{decimals}f}".rstrip("0").rstrip(".")


def capacity_note(cap: Capacity, scale: Scale, cash: Money,
                  view: ThresholdState | None = None) -> None:
    """What the cap allows and what it costs, on the validation half where the
    threshold is chosen; in the cap's own form (``view``: a count per period)."""
    per = cash.per
    allowed, flags = _cap_words(cap, view)
    if not cap.binding:
        st.info(f"Capacity: the cost-optimal threshold {scale.text(cap.optimum)} "
                f"already fits ({plain(allowed)}): the cap costs nothing.",
                icon=":material/inventory:")
        return
    st.warning(
        f"Capacity: to {plain(allowed)}, use "
        f"**{scale.text(cap.threshold)}** (flags {plain(flags)}). It costs "
        f"{cash.md(cap.cost * per)} per {per:,} cases against "
        f"{cash.md(cap.optimum_cost * per)} at the unconstrained optimum "
        f"{scale.text(cap.optimum)}: the cap costs **{cash.md(cap.price * per)} per "
        f"{per:,} cases** (validation half, where the threshold is chosen).",
        icon=":material/inventory:")


def base_rate_input(view: ThresholdState, sample_p: float, show: bool) -> None:
    if not show:
        return
    st.markdown("**Base rate in production**")
    st.caption(f"In these data {sample_p:.1%} of cases are positive.")
    _seed("thr.base_on", view.base_rate is not None)
    st.checkbox("Different in production", key="thr.base_on",
                on_change=_on_base_toggle, args=(sample_p,))
    if view.base_rate is None:
        return
    number_field("Share of positives expected in production", "base_rate")
    pi = state.current(ThresholdState).base_rate or sample_p
    st.caption(
        f"Every metric and cost below is re-weighted: positives count "
        f"{pi / sample_p:.3g} times (pi / p_sample) and negatives "
        f"{(1 - pi) / (1 - sample_p):.3g} times ((1 - pi) / (1 - p_sample))."
    )


# ---------------------------------------------------------------------------------
# Headline
# ---------------------------------------------------------------------------------


POLICY_WORDS = {
    "everyone": "flagging everyone",
    "no_one": "flagging no one",
}


def _policy_words(policy: str, rec: Recommendation, scale: Scale,
                  default: str) -> str:
    if policy == "optimum":
        return f"the cost-optimal threshold **{scale.text(rec.optimum)}**"
    if policy == "default":
        return f"the default threshold **{default}**"
    return f"**{POLICY_WORDS[policy]}**"


def headline(analysis: Analysis, curves: Curves, rec: Recommendation,
             band: tuple[float, float], scale: Scale, cash: Money,
             is_prob: bool) -> None:
    """The recommendation and what it saves, all measured on the held-out half;
    the validation half is named only as where the threshold was chosen. A
    recommendation that loses to a trivial policy there is never shown as a win:
    the page says so and recommends what wins."""
    if curves.flat:
        st.info("With these costs every threshold costs the same: there is nothing "
                "to optimise. Give the mistakes different prices.")
        return
    per = cash.per
    default = "0.5" if is_prob else "0 (probability 0.5)"
    where = ("on the held-out half; chosen on the validation half"
             if analysis.split else
             "on the same rows it was chosen on: too few cases to hold some out, so "
             "expect these savings to be optimistic")
    words = _policy_words(rec.policy, rec, scale, default)
    if rec.policy == "optimum":
        saved = rec.saved_vs("default", per)
        lo, hi = band[0] * per, band[1] * per
        interval = ("" if lo == hi else
                    f" (90% bootstrap interval {cash.md(lo)} to {cash.md(hi)})")
        st.success(
            f"Recommended: {words}. It saves **{cash.md(saved)} per {per:,} "
            f"cases**{interval} against {default}, {where}.",
            icon=":material/savings:",
        )
    else:
        beaten = ", ".join(_policy_words(b, rec, scale, default).replace("**", "")
                           for b in rec.beaten_by)
        st.warning(
            f"The cost-optimal threshold on the validation half, "
            f"{scale.text(rec.optimum)}, costs more on the held-out half than "
            f"{beaten}: {cash.md(rec.held_out['optimum'] * per)} against "
            f"{cash.md(rec.cost * per)} per {per:,} cases. Recommended instead: "
            f"{words}. The data cannot back a finer threshold: more data, or "
            "another look at the costs.",
            icon=":material/warning:",
        )
    # one horizontal block instead of four columns: fewer blocks to re-render
    with st.container(horizontal=True, gap="medium", key="thr_headline"):
        if rec.policy == "optimum":
            st.metric("Cost-optimal threshold (recommended)",
                      scale.text(rec.threshold),
                      help="Chosen on the validation half, checked on the held-out "
                           "half against 0.5, flagging everyone and no one.")
        else:
            st.metric("Recommended threshold", scale.text(rec.threshold))
        basis = f"held-out, per {per:,}"
        st.metric(f"Saved vs {default.split()[0]}", cash.text(rec.saved_vs(
            "default", per)), help=basis)
        st.metric("Saved vs flag everyone", cash.text(rec.saved_vs("everyone", per)),
                  help=basis)
        st.metric("Saved vs flag no one", cash.text(rec.saved_vs("no_one", per)),
                  help=basis)
        if rec.policy != "optimum":
            st.metric("Cost-optimal threshold (validation half)",
                      scale.text(rec.optimum), help="Chosen on the validation half; "
                      "it loses on the held-out half.")


WEIGHT_READING = {
    "rows": "",
    "counts": " The weight column holds whole numbers: read as counts (a row with "
              "weight 3 is 3 cases).",
    "importance": " The weight column holds fractions: read as importance weights "
                  "(how much each row matters, not how many cases it is); the "
                  "bootstrap draws their effective sample size, {n:,} cases.",
}


def summary(analysis: Analysis, cost: core.CostMatrix, cash: Money,
            size: ResampleSize) -> None:
    """One line under the headline: what the numbers above are made of."""
    rows = analysis.rows
    base = (f"{analysis.prevalence:.1%} in production (re-weighted)"
            if analysis.prevalence is not None
            else f"{analysis.sample_prevalence:.1%}")
    st.caption(
        f"Scores: {plain(rows.source)} ({rows.n_rows:,} scored rows). "
        "Costs per case: "
        f"TP {cash.md(cost.tp)}, FP {cash.md(cost.fp)}, FN {cash.md(cost.fn)}, "
        f"TN {cash.md(cost.tn)}. Positives: {base}. Change them under "
        "**Scores, currency and production base rate**."
        + WEIGHT_READING[size.kind].format(n=size.n)
    )


# Six views beside the title on a 1280x720 screen: tighter buttons than the default,
# in presentation mode too (its larger type would slide the last one under its
# pinned Exit bar).
VIEW_STYLE = """<style>
.st-key-thr-view button { padding-left: 0.5rem; padding-right: 0.5rem; }
[data-testid="stMainBlockContainer"] .st-key-thr-view button p {
  font-size: 0.92rem; }
</style>"""


def choose_view() -> str:
    # A segmented control, not st.tabs: only the chosen view is sent, and tabs would
    # re-render themselves (and every panel) after each of the browser's updates.
    st.html(VIEW_STYLE)  # style only: takes no room in the row
    return st.segmented_control(
        "View", list(VIEW_NAMES), format_func=VIEW_NAMES.get, required=True,
        label_visibility="collapsed", **state.bind(ThresholdState, "view"))


# ---------------------------------------------------------------------------------
# The threshold: one exact value (the model's), a slider and a number input
# ---------------------------------------------------------------------------------


def threshold_of(view: ThresholdState, scale: Scale) -> float:
    return scale.default if view.threshold is None else view.threshold


def _set_threshold(value: float | None, scale: Scale) -> None:
    try:
        if value is None:
            raise ValueError("empty")
        state.update(ThresholdState, threshold=float(value))
    except ValueError:
        pass
    _messages().pop("threshold", None)
    _show_threshold(scale)


def _show_threshold(scale: Scale) -> None:
    t = threshold_of(state.current(ThresholdState), scale)
    st.session_state[NUMBER_KEY] = number_text(t)
    st.session_state[SLIDER_KEY] = scale.snap(t)


def _on_slider(scale: Scale) -> None:
    _set_threshold(st.session_state[SLIDER_KEY], scale)


def _on_number(scale: Scale) -> None:
    _show_threshold(scale)  # after the model took (or refused) the typed text


def _on_key(scale: Scale, sweep: core.Sweep, top: float, key: str) -> None:
    t = threshold_of(state.current(ThresholdState), scale)
    _set_threshold(data.key_target(sweep, scale, t, key, top), scale)


SLIDER_HELP = (
    "Keys on the slider: the arrows move to the next distinct score (the next "
    "threshold that changes a decision), Page Up / Page Down to the nearest score "
    f"that flags about {data.PAGE_SHARE:.0%} fewer / more of the cases, Home to the "
    "lowest score (flag everyone), End past the highest (flag no one). The exact "
    "value is in the box below.")


def _to_recommendation(scale: Scale, optimum: float, top: float) -> None:
    # +inf (flag no one) becomes a value just above the highest score
    _set_threshold(optimum if np.isfinite(optimum) else top + scale.step, scale)


@dataclass(frozen=True)
class Panel:
    """What the slider's panel shows besides the threshold."""

    analysis: Analysis
    curves: Curves
    cost: core.CostMatrix
    cash: Money
    scale: Scale
    bayes: float | None
    band: tuple[float, float]
    x_title: str
    rec: Recommendation


@st.fragment
def threshold_panel(sess: ThresholdSession, panel: Panel) -> None:
    """The decision screen: the cost matrix, the slider and the confusion matrix
    beside one chart of precision, recall, F1 and the expected cost. Reruns alone
    when the threshold moves: lookups (one binary search per part), text and one
    line over a figure that does not change; nothing is hashed.

    A cost typed here changes everything on the page: the fragment then hands over
    to a full rerun before drawing."""
    view = state.current(ThresholdState)
    if cost_of(view) != panel.cost:
        st.rerun(scope="app")
    scale, a = panel.scale, panel.analysis
    t = threshold_of(view, scale)
    val, test = core.metrics_at(a.val, t), core.metrics_at(a.test, t)
    per = panel.cash.per
    val_cost = cost_at(a.val, panel.cost, t) * per
    test_cost = cost_at(a.test, panel.cost, t) * per
    table = _metrics_markdown(panel, t, val, test, val_cost, test_cost)
    text = _outcome_markdown(panel, test if a.split else val,
                             test_cost if a.split else val_cost)

    left, right = st.columns([2, 3], gap="medium")
    with left:
        cost_matrix()
        _seed(SLIDER_KEY, scale.snap(t))
        st.slider("Threshold: flag a case when its score is at or above it",
                  scale.lo, scale.hi, step=scale.step, key=SLIDER_KEY,
                  on_change=_on_slider, args=(scale,), format="%.3f",
                  help=SLIDER_HELP)
        slider_keys(SLIDER_KEY, partial(_on_key, scale, a.val, a.top_score))
        with st.container(horizontal=True, vertical_alignment="bottom",
                          gap="small"):
            number_field("Exact threshold", "threshold", key=NUMBER_KEY,
                         fallback=t, then=partial(_on_number, scale))
            st.button("Go to the recommendation", key="thr.to_optimum",
                      on_click=_to_recommendation,
                      args=(scale, panel.rec.threshold, a.top_score),
                      icon=":material/my_location:")
        st.markdown(text)
    with right:
        c = panel.curves
        fig = _figure(sess, "fig_decision", panel, lambda: make_decision_figure(
            c.thresholds, c.precision, c.recall, c.f1, c.cost,
            recommended=panel.rec.threshold, current=None,
            currency=panel.cash.currency, per=per, band=panel.band,
            x_title=panel.x_title, x_range=(scale.lo, scale.hi)))
        # the same figure on every move (the browser does not redraw it); the
        # current threshold is a line drawn over it
        chart(fig, key=DECISION_KEY)
        overlay(DECISION_KEY, lines=[
            Line(THRESHOLD, x=t, dash="solid", label="current"),
            Line(THRESHOLD, x=t, xaxis="x2", yaxis="y2", dash="solid")])
        # a stable key: tests and the benchmark read the displayed value here
        with st.container(key="thr_at"):
            st.markdown(table)
    if view.curves:
        _live_curves(sess, panel, t, val)


def curves_toggle() -> None:
    st.toggle("Show the precision-recall and ROC curves with the threshold marked "
              "(redrawn on every move)", **state.bind(ThresholdState, "curves"))


def _metrics_markdown(panel: Panel, t: float, val: dict, test: dict, val_cost: float,
                      test_cost: float) -> str:
    """The threshold and its metrics on each part, as a Markdown table."""
    names = (("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"),
             ("accuracy", "Accuracy"), ("specificity", "Specificity"),
             ("flagged", "Share flagged"))
    split = panel.analysis.split
    parts = [("Validation" if split else "All rows (in-sample)", val, val_cost)]
    if split:
        parts.append(("Held-out test", test, test_cost))
    lines = [f"**At threshold {panel.scale.text(t)}**", "",
             "| | " + " | ".join(name for name, _, _ in parts) + " |",
             "|---|" + "---:|" * len(parts)]
    for k, label in names:
        cells = [f"{m[k]:.3f}" if k != "flagged" else f"{m[k]:.1%}"
                 for _, m, _ in parts]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(f"| Cost per {panel.cash.per:,} cases | "
                 + " | ".join(panel.cash.md(c) for _, _, c in parts) + " |")
    return "\n".join(lines)


def _confusion_markdown(m: dict) -> str:
    """The 2x2 confusion matrix as a Markdown table: counts and row shares."""
    def cell(name, v, row):
        return f"{name} {v:,.0f} ({v / row:.0%})" if row > 0 else f"{name} 0"

    pos, neg = m["tp"] + m["fn"], m["fp"] + m["tn"]
    return (
        "| | flagged | not flagged |\n|---|---:|---:|\n"
        f"| **actual positive** | {cell('TP', m['tp'], pos)} | "
        f"{cell('FN', m['fn'], pos)} |\n"
        f"| **actual negative** | {cell('FP', m['fp'], neg)} | "
        f"{cell('TN', m['tn'], neg)} |"
    )


def _outcome_markdown(panel: Panel, shown: dict, shown_cost: float) -> str:
    """One Markdown element: the confusion matrix and the cost, on the held-out
    half (the basis of the headline), against the recommendation's."""
    rec, cash = panel.rec, panel.cash
    split = panel.analysis.split
    part = "held-out half" if split else "all rows"
    extra = shown_cost - rec.cost * cash.per
    return (
        f"**Confusion matrix** ({part}"
        + (", re-weighted to the production base rate"
           if panel.analysis.prevalence is not None else "") + ")\n\n"
        + _confusion_markdown(shown) + "\n\n"
        + f"Cost here: **{cash.md(shown_cost)} per {cash.per:,} cases** ({part}), "
        + (f"{cash.md(extra)} more than at the recommendation "
           f"{panel.scale.text(rec.threshold)}." if extra > 1e-9 * cash.per else
           f"{cash.md(-extra)} less than at the recommendation." if extra < -1e-9
           * cash.per else "the same as at the recommendation.")
    )


def _figure(sess: ThresholdSession, name: str, panel: Panel, make):
    """A styled figure, built once per data, costs and money unit (a move only
    shifts its current-threshold trace)."""
    key = (name, panel.analysis.key, panel.cost, panel.cash, panel.bayes,
           panel.x_title)
    return sess.small.get(key, make)


def _live_curves(sess: ThresholdSession, panel: Panel, t: float, val: dict) -> None:
    """The PR and ROC curves (validation half), the current threshold marked."""
    c = panel.curves
    c1, c2 = st.columns(2)
    with c1:
        fig = _figure(sess, "fig_pr", panel, lambda: make_pr_figure(
            c.recall, c.precision, c.ap, val["recall"], val["precision"],
            sample_prevalence(panel.analysis.val)))
        chart(move_current(fig, val["recall"], val["precision"]),
              key="thr.fig_pr")
    with c2:
        fig = _figure(sess, "fig_roc", panel, lambda: make_roc_figure(
            c.fpr, c.recall, c.auc, val["fpr"], val["recall"]))
        chart(move_current(fig, val["fpr"], val["recall"]),
              key="thr.fig_roc")


# ---------------------------------------------------------------------------------
# The other views
# ---------------------------------------------------------------------------------


def uncertainty_view(sess: ThresholdSession, panel: Panel,
                     boot: BootstrapResult, is_prob: bool) -> None:
    lo, hi = boot.threshold_band
    clo, chi = boot.cost_band
    cash = panel.cash
    st.markdown(
        f"Resampling the validation cases {len(boot.thresholds)} times (with "
        f"replacement, seed 0), the cost-optimal threshold falls between "
        f"**{panel.scale.text(lo)}** and **{panel.scale.text(hi)}** in 90% of "
        f"resamples, and its cost between **{cash.md(clo * cash.per)}** and "
        f"**{cash.md(chi * cash.per)}** per {cash.per:,} cases. A wide band means "
        "the data cannot pin the threshold down: more data, or a flat cost curve where "
        "the exact choice matters little."
    )
    if not boot.exact_grid:
        st.caption(f"With this many distinct scores each resample searches "
                   f"{boot.grid_size:,} evenly spaced candidate thresholds.")
    left, right = st.columns(2)
    with left:
        chart(make_bootstrap_figure(boot.thresholds, panel.curves.optimum,
                                    boot.threshold_band),
              key="thr.fig_boot")
    with right:
        emp, bayes = data.ratio_curve(sess, panel.analysis)
        ratio = cost_ratio(panel.cost)
        current_opt = None
        if ratio is not None:
            current_opt = core.best_threshold(
                panel.analysis.val, core.CostMatrix(fp=1.0, fn=ratio))
        chart(make_ratio_figure(data.RATIOS, emp, bayes if is_prob else None,
                                ratio, current_opt),
              key="thr.fig_ratio")
        st.caption(
            "Only the ratio (FN - TP) / (FP - TN) moves the optimum: what a missed "
            "positive costs over what a false alarm costs, each against the right "
            "decision. "
            + (f"Your matrix's ratio is {ratio:.3g}." if ratio is not None else
               "With your matrix one of these differences is not positive, so one "
               "decision is always at least as cheap.")
        )


def calibration_view(cal: Calibration | None, bayes: float | None) -> None:
    if cal is None:
        st.info("Calibration needs probabilities: tick the sigmoid transform above "
                "to read these scores as probabilities.")
        return
    st.radio("Bins", ["uniform", "quantile"], horizontal=True,
             format_func={"uniform": "10 equal widths",
                          "quantile": "10 equal counts (quantiles)"}.get,
             **state.bind(ThresholdState, "bins"))
    left, right = st.columns([3, 2])
    with left:
        chart(make_calibration_figure(cal.prob_pred, cal.prob_true,
                                      cal.bin_weight),
              key="thr.fig_calibration")
    with right:
        st.metric("Brier score (lower is better)", f"{cal.brier:.4f}")
        st.metric("Log loss (lower is better)", f"{cal.log_loss:.4f}")
        st.metric("Expected calibration error", f"{cal.ece:.3f}")
        st.markdown(
            "The **Bayes threshold** (FP - TN) / ((FP - TN) + (FN - TP))"
            + (f" = {bayes:.3g}" if bayes is not None else "")
            + " is the cost-optimal threshold **only when the scores are calibrated "
            "probabilities**: when the dots follow the diagonal. If they do not, or "
            "the production base rate differs from the data, trust the empirical "
            "optimum on held-out data instead."
        )


def method_view(analysis: Analysis) -> None:
    rows, val, test = analysis.rows, analysis.val_rows, analysis.test_rows
    if analysis.split:
        st.markdown(
            f"**Choose on validation, report on test.** The {rows.n_rows:,} scored "
            f"rows ({rows.n_cases:,.0f} cases) are split at random, stratified by "
            f"class (seed 0): {val.n_cases:,.0f} validation cases choose the "
            f"threshold, {test.n_cases:,.0f} held-out test cases report what it is "
            "worth. Numbers measured on the rows that chose the threshold are "
            "optimistic, so the headline uses the test half. Pre-aggregated counts "
            "are split case by case (binomial thinning)."
        )
    else:
        st.warning(
            f"Only {rows.n_cases:,.0f} cases: too few to hold out a test half with at "
            "least 10 cases of each class, so the threshold is chosen and evaluated "
            "on the same rows. Expect real performance to be worse."
        )
    st.markdown(f"Source: {plain(rows.source)}.")
    if analysis.prevalence is not None:
        st.markdown(
            f"**Production base rate {analysis.prevalence:.1%}.** Positive cases are "
            "weighted by pi / p_sample and negative cases by (1 - pi) / (1 - "
            "p_sample): recall and specificity do not change, precision, accuracy, "
            "share flagged and cost are those of a population with the production "
            "base rate."
        )
    st.markdown(
        "**Pre-aggregated data.** A billion rows need not be uploaded: summarise them "
        "into one row per score bin and class with a count column, for example\n\n"
        "```sql\nSELECT label, ROUND(score, 3) AS score, COUNT(*) AS count "
        "FROM scored GROUP BY label, ROUND(score, 3);\n```"
    )


def decision_facts(sess: ThresholdSession, panel: Panel, t: float) -> DecisionFacts:
    """What every decision export says, at threshold ``t`` (the page's)."""
    a, view = panel.analysis, state.current(ThresholdState)
    rows = a.rows
    size = data.resample(a)
    upload = sess.upload if view.source == "upload" else None
    base = (f"{a.prevalence:.1%} (re-weighted from {a.sample_prevalence:.1%} in the "
            "data)" if a.prevalence is not None else
            f"{a.sample_prevalence:.1%}, as in the data")
    weights = {"rows": "", "counts": "whole numbers, read as counts",
               "importance": "fractions, read as importance weights (effective "
               f"sample size {size.n:,})"}[size.kind]
    positives = float(np.sum(rows.y_true * (1.0 if rows.sample_weight is None
                                            else rows.sample_weight)))
    return DecisionFacts(
        made=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        source=rows.source, file_name=upload.name if upload else "",
        n_rows=rows.n_rows, n_cases=rows.n_cases, positives=positives,
        content_sha256=content_sha256(rows.y_true, rows.scores, rows.sample_weight),
        base_rate=base, weights=weights, cost=panel.cost,
        currency=panel.cash.currency, per=panel.cash.per, digits=panel.scale.digits,
        threshold=t, recommendation=panel.rec,
        saving_band=data.saving_band(sess, a, panel.cost, panel.rec,
                                     panel.scale.default),
        default_threshold=panel.scale.default, split=a.split,
        scenarios=scenario_lines(sess, a, view))


def scenario_lines(sess: ThresholdSession, a: Analysis,
                   view: ThresholdState) -> tuple[ScenarioLine, ...]:
    """The saved scenarios as the exports list them (none: an empty tuple)."""
    if not view.scenarios:
        return ()
    costs = tuple(core.CostMatrix(*row[1:]) for row in view.scenarios)
    got = data.scenarios(sess, a, costs).compared
    return tuple(ScenarioLine(row[0], c, float(got.thresholds[i]),
                              float(got.flagged[i]), float(got.precision[i]),
                              float(got.recall[i]), float(got.costs[i, i]))
                 for i, (row, c) in enumerate(zip(view.scenarios, costs, strict=True)))


def _export_metrics(panel: Panel, t: float) -> dict[str, dict[str, float]]:
    a = panel.analysis
    if not a.split:
        return {"all rows": core.metrics_at(a.val, t)}
    return {"validation": core.metrics_at(a.val, t),
            "held-out": core.metrics_at(a.test, t)}


def _report_figure(panel: Panel, t: float):
    c = panel.curves
    return make_decision_figure(
        c.thresholds, c.precision, c.recall, c.f1, c.cost,
        recommended=panel.rec.threshold, current=t, currency=panel.cash.currency,
        per=panel.cash.per, band=panel.band, x_title=panel.x_title, height=520)


def export_view(sess: ThresholdSession, panel: Panel, t: float) -> None:
    """Three files for threshold ``t`` (the one on the slider): the threshold
    table of both halves (CSV), the memo (Markdown that reads as plain text; the
    preview below is the file itself) and a self-contained HTML report. Each is
    made on the click (a deferred file), not registered on every run."""
    facts = decision_facts(sess, panel, t)
    metrics = _export_metrics(panel, t)
    memo = decision_memo_text(facts, metrics)
    st.markdown(
        f"Everything here is for **the threshold on the slider, "
        f"{panel.scale.text(t)}**. The CSV holds every distinct score of both "
        "halves (text cells a spreadsheet could run as a formula are neutralised); "
        "the HTML report opens offline, charts included.")
    halves = ({"validation": panel.analysis.val, "held-out": panel.analysis.test}
              if panel.analysis.split else {"all rows": panel.analysis.val})
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "Threshold table (CSV)", data=lambda: decision_csv(facts, halves),
        file_name="threshold_table.csv", mime="text/csv", key="thr.dl_csv",
        on_click="ignore", icon=":material/table:")
    c2.download_button(
        "Decision memo (Markdown)", data=lambda: memo, file_name="decision_memo.md",
        mime="text/markdown", key="thr.dl_memo", on_click="ignore",
        icon=":material/description:")
    c3.download_button(
        "Decision report (HTML)",
        data=lambda: decision_report_html(facts, metrics, _report_figure(panel, t)),
        file_name="decision_report.html", mime="text/html", key="thr.dl_html",
        on_click="ignore", icon=":material/web:")
    st.caption("Preview: the memo exactly as downloaded.")
    st.code(memo, language=None, height=360)
