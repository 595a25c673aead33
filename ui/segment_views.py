"""The Threshold page's "Segments" view: the page's threshold, and each segment's
own, compared across the groups of a segment column of the uploaded scored file.

The numbers are :func:`core.segments.segment_report` on the page's own split (the
same rows as every other view: ``core.scored.split_parts``, seed 0): metrics and
costs on the held-out half, each segment's own threshold chosen on the validation
half. Weights and the production base rate apply within each segment as on the
whole page. Segment values are user text: shown through ``ui.format.plain`` in
Markdown and ``ui.format.for_chart`` in the chart, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core.scored import split_parts
from core.segments import (
    MAX_SEGMENTS,
    MIN_CASES,
    Half,
    SegmentReport,
    SegmentSweeps,
    report_at,
    reweighted,
    sweep_segments,
)
from ui.chart import chart
from ui.format import for_chart, plain, short
from ui.models import ThresholdState
from ui.style import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    REDDISH_PURPLE,
    VERMILLION,
    apply_style,
)
from ui.threshold_data import Scores, ThresholdSession
from ui.threshold_views import number_field

NAME_CHARS = 40  # characters of a segment value shown
BLANK = "(no value)"  # how an empty cell of the segment column is named


@dataclass(frozen=True)
class SegmentData:
    """The compared segments' sweeps on both halves (at the production base rate,
    if set), each code's value (None for an empty cell), and whether the rows
    were split."""

    sweeps: SegmentSweeps
    names: tuple[str | None, ...]
    split: bool
    weighted: bool


def segment_codes(column: pd.Series) -> tuple[np.ndarray, tuple[str | None, ...]]:
    """An integer code per row, in order of first appearance, and each code's
    value as text; empty cells (NaN, None) share one code named None."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    names: list[str | None] = [str(u) for u in uniques]
    if np.any(codes < 0):
        codes[codes < 0] = len(names)
        names.append(None)
    return codes, tuple(names)


def _make(scores: Scores, column: pd.Series,
          prevalence: float | None) -> SegmentData:
    codes, names = segment_codes(column)
    rows = scores.rows
    parts = split_parts(rows)
    if parts is None:
        whole = reweighted(Half(rows.y_true, rows.scores, rows.sample_weight, codes),
                           prevalence)
        choose = report = whole
    else:
        choose, report = (reweighted(Half(rows.y_true[idx], rows.scores[idx], w,
                                          codes[idx]), prevalence)
                          for idx, w in parts)
    return SegmentData(sweep_segments(choose, report, len(names)), names,
                       parts is not None, rows.sample_weight is not None)


def segment_data(sess: ThresholdSession, scores: Scores, view: ThresholdState,
                 prevalence: float | None) -> SegmentData | str:
    """The uploaded file's rows split as on the page, swept per segment (once per
    data, column and base rate); or a sentence saying how to get a segment
    column."""
    up, column = sess.upload, view.segment_column
    if view.source == "warehouse":
        return ("The database and data-folder source aggregates per segment where "
                "the rows live: choose its segment column there and a **Segment "
                "shown** to see one segment in every view. This side-by-side "
                "comparison works on an uploaded scored file with a segment column.")
    if view.source != "upload" or up is None:
        return ("Segments need a group column (a region, a product, a channel...): "
                "under **Scores, currency and production base rate** choose **Upload "
                "a scored file**, upload one with such a column, and pick it as the "
                "**Segment column**.")
    if not column or column not in up.columns:
        return ("Pick a **Segment column** for your file under **Scores, currency "
                "and production base rate** (next to the label, score and weight "
                "columns): a column that puts each row in a group.")
    if column in (view.label_column, view.score_column, view.weight_column):
        return ("The segment column must differ from the label, score and weight "
                "columns: pick another one.")
    if len(up.table) != scores.rows.n_rows:
        return "The scores in use are not the uploaded file's rows."
    return sess.big.get(("segments", scores.key, column, prevalence),
                        lambda: _make(scores, up.table[column], prevalence))


def report(sess: ThresholdSession, data: SegmentData, key: str, column: str,
           prevalence: float | None, cost, t: float) -> SegmentReport:
    """The segment report at threshold ``t``: lookups in the cached sweeps."""
    return sess.small.get(("segreport", key, column, prevalence, cost, t),
                          lambda: report_at(data.sweeps, cost, t))


def name_of(names, code: int) -> str:
    """A segment's value as one short line of text (still user text)."""
    name = names[code]
    return BLANK if name is None else short(name, NAME_CHARS)


def _cases(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() or v >= 100 else f"{v:,.1f}"


def _table(rep: SegmentReport, names, panel) -> str:
    cash, scale, per = panel.cash, panel.scale, panel.cash.per
    lines = ["| Segment | Rows | Positives | Precision | Recall | FPR | Flagged | "
             f"Cost per {per:,} | Own threshold (its cost) |",
             "|---|" + "---:|" * 8]
    for s in rep.segments:
        label = plain(name_of(names, s.code), NAME_CHARS + 20)
        if s.small:
            label += " *(too small)*"
        if s.metrics is None:
            rates = ["-"] * 4
        else:
            m = s.metrics
            rates = [f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                     f"{m['fpr']:.3f}", f"{m['flagged']:.1%}"]
        cost = "-" if s.cost is None else cash.md(s.cost * per)
        own = ("too small" if s.small else "-") if s.optimum is None else (
            f"{scale.text(s.optimum)} ({cash.md(s.optimum_cost * per)})")
        lines.append(f"| {label} | {s.rows:,} | {_cases(s.positives)} | "
                     + " | ".join(rates) + f" | {cost} | {own} |")
    return "\n".join(lines)


# a compact table: a meeting reads it on one 1280x720 screen under the headline
TABLE_STYLE = """<style>
[class*="st-key-thr_segments_"] th, [class*="st-key-thr_segments_"] td {
  padding: 0.2rem 0.55rem; font-size: 0.92rem; line-height: 1.35; }
</style>"""


GAP_NAMES = {"precision": "Precision", "recall": "Recall",
             "fpr": "False-positive rate", "flagged": "Share flagged",
             "cost": "Cost at this threshold", "optimum": "Own threshold"}


def _gap_table(rep: SegmentReport, names, panel) -> str:
    cash, per = panel.cash, panel.cash.per

    def shown(metric: str, v: float) -> str:
        if metric == "cost":
            return cash.md(v * per)
        if metric == "flagged":
            return f"{v:.1%}"
        if metric == "optimum":
            return panel.scale.text(v)
        return f"{v:.3f}"

    lines = ["| | Gap (largest - smallest) | Largest | Smallest |",
             "|---|---:|---|---|"]
    for g in rep.gaps:
        gap = (cash.md(g.gap * per) if g.metric == "cost" else
               f"{g.gap:.1%}" if g.metric == "flagged" else
               f"{g.gap:.3g}" if g.metric == "optimum" else f"{g.gap:.3f}")
        lines.append(
            f"| {GAP_NAMES[g.metric]} | {gap} | "
            f"{plain(name_of(names, g.high), NAME_CHARS + 20)} "
            f"({shown(g.metric, g.high_value)}) | "
            f"{plain(name_of(names, g.low), NAME_CHARS + 20)} "
            f"({shown(g.metric, g.low_value)}) |")
    return "\n".join(lines)


def _chart_labels(rep: SegmentReport, names) -> list[str]:
    """One distinct chart label per segment (two values cut to the same text get
    a number), escaped for Plotly."""
    out, seen = [], set()
    for s in rep.segments:
        label = name_of(names, s.code) + (" (too small)" if s.small else "")
        base, k = label, 2
        while label in seen:
            label, k = f"{base} #{k}", k + 1
        seen.add(label)
        out.append(label)
    return [for_chart(v, NAME_CHARS + 20) for v in out]


def make_segments_figure(rep: SegmentReport, names, t_text: str, currency: str,
                         per: int) -> go.Figure:
    """Per segment (one row each, largest on top): precision, recall and FPR at the
    threshold; the cost per ``per`` cases there and at the segment's own
    threshold. Colours from the Okabe-Ito palette, each with its own marker."""
    labels = _chart_labels(rep, names)
    segs = rep.segments
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        column_widths=[0.55, 0.45], subplot_titles=(
                            f"Rates at threshold {for_chart(t_text)}",
                            f"Cost per {per:,} cases"))

    def values(get):
        return [np.nan if v is None else v for v in map(get, segs)]

    for key, name, color, symbol in (
            ("precision", "precision", BLUE, "circle"),
            ("recall", "recall", BLUISH_GREEN, "diamond"),
            ("fpr", "false-positive rate", VERMILLION, "square")):
        fig.add_trace(go.Scatter(
            x=values(lambda s, k=key: None if s.metrics is None else s.metrics[k]),
            y=labels, mode="markers", name=name,
            marker={"color": color, "symbol": symbol, "size": 11},
            hovertemplate=f"%{{y}}: {name} %{{x:.3f}}<extra></extra>"),
            row=1, col=1)
    money = for_chart(currency, 10)
    for get, name, color, symbol in (
            (lambda s: None if s.cost is None else s.cost * per,
             "cost at this threshold", REDDISH_PURPLE, "circle"),
            (lambda s: None if s.optimum_cost is None else s.optimum_cost * per,
             "cost at its own threshold", BLACK, "x")):
        fig.add_trace(go.Scatter(
            x=values(get), y=labels, mode="markers", name=name,
            marker={"color": color, "symbol": symbol, "size": 11},
            hovertemplate=f"%{{y}}: {money}%{{x:,.2f}}<extra></extra>"),
            row=1, col=2)
    height = 230 + 32 * len(segs)
    fig = apply_style(fig, height=height)
    fig.update_xaxes(range=[-0.02, 1.02], title_text="rate (0 to 1)", row=1, col=1)
    fig.update_xaxes(title_text=f"cost per {per:,} cases ({money})", rangemode="tozero",
                     tickprefix=money, tickformat=",.0f", row=1, col=2)
    fig.update_yaxes(autorange="reversed", title_text="segment", row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_annotations(font={"size": 15})
    top, bottom = 66, 120  # titles below Plotly's toolbar; the legend at the foot
    fig.update_layout(margin={"l": 10, "r": 10, "t": top, "b": bottom},
                      legend={"orientation": "h", "yanchor": "top",
                              "y": -62 / (height - top - bottom), "x": 0,
                              "xanchor": "left", "font": {"size": 13}})
    return fig


def _notices(rep: SegmentReport, n_all: int) -> None:
    """Why some segments have no own threshold, and which are not shown."""
    small = [s for s in rep.segments if s.small]
    if small:
        st.caption(
            f":material/error: **{len(small)} segment(s) too small to estimate**: "
            f"fewer than {MIN_CASES} positive or {MIN_CASES} negative cases in the "
            "validation or the held-out half. Shown (marked *too small*), but a "
            "handful of cases swings their rates: no own threshold, not in the gaps.")
    if rep.left_out:
        st.caption(
            f":material/filter_list: {n_all:,} segments in all: the {MAX_SEGMENTS} "
            f"largest are compared here; the other {rep.left_out:,} "
            f"({rep.left_out_rows:,} rows of this half) are left out of this view "
            "and count in every other view of the page.")


def segments_view(sess: ThresholdSession, panel, scores: Scores,
                  view: ThresholdState, t: float) -> None:
    """The Segments view at the page's threshold ``t``."""
    a = panel.analysis
    data = segment_data(sess, scores, view, a.prevalence)
    if isinstance(data, str):
        st.info(data, icon=":material/groups:")
        return
    rep = report(sess, data, scores.key, view.segment_column, a.prevalence,
                 panel.cost, t)
    names, per = data.names, panel.cash.per
    part = ("the held-out half; each segment's own threshold is chosen on the "
            "validation half, as the recommendation is" if data.split else
            "all rows (too few to hold some out: the own thresholds are chosen on "
            "the same rows, so their costs are optimistic)")
    n_all = len(rep.segments) + rep.left_out
    field, words = st.columns([1, 5], vertical_alignment="bottom")
    with field:
        number_field("Threshold", "threshold", key="thr.seg_threshold", fallback=t,
                     help="The page's threshold: the slider's under Decide. Type "
                     "one to compare the segments there.")
    words.markdown(
        f"**Segments of {plain(view.segment_column, 60)} at threshold "
        f"{panel.scale.text(t)}**, on {part}. Costs per {per:,} cases"
        + (", re-weighted to the production base rate" if a.prevalence
           is not None else "") + (
            "; weights apply within each segment as on the whole page"
            if data.weighted else "") + ".")
    st.html(TABLE_STYLE)
    with st.container(key="thr_segments_table"):
        st.markdown(_table(rep, names, panel))
    _notices(rep, n_all)
    chart(make_segments_figure(
        rep, names, panel.scale.text(t), panel.cash.currency, per),
        key="thr.fig_segments")
    with st.container(key="thr_segments_gaps"):
        st.markdown("**Gaps between segments**")
        if rep.gaps:
            st.markdown(_gap_table(rep, names, panel))
            st.caption("Over the segments large enough to estimate. A gap in "
                       "recall or false-positive rate at one threshold is what a "
                       "fairness review asks about; a gap in own thresholds says "
                       "one threshold for all costs money somewhere.")
        else:
            st.info("No gaps: fewer than two segments are large enough to "
                    "compare.")
