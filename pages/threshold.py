"""Threshold & business cost: turn scores into decisions that cost the least.

Every setting lives in ``ThresholdState`` (session and URL, see ``ui/state.py``); the
data and what is computed from them are cached by content (``ui/threshold_data.py``);
the views are drawn by ``ui/threshold_views.py``. The sweep of every threshold is
computed once per data and score choice; a slider move only looks the threshold up
(one binary search) inside an ``st.fragment``, so it stays instant on a million
uploaded rows.

The decision fits one 1280x720 screen: the headline, then the cost matrix, the
slider and the confusion matrix beside one chart of precision, recall, F1 and the
expected cost. Where the scores come from and the production base rate sit in a
folded section under it.
"""

from __future__ import annotations

import streamlit as st

import core
from core.thresholds import adjusted_bayes_threshold, bayes_rule_applies
from ui import scenario_views, segment_views, state
from ui import threshold_data as data
from ui import threshold_views as views
from ui.frame import require_frame
from ui.models import ThresholdState
from ui.presentation import presenting
from ui.sidebar import chosen_data

require_frame()  # before any element: the page must run inside app.py

view = state.on_page(ThresholdState)
sess = data.session()

# Screen order: title and view choice, headline, the chosen view, then the settings.
# While presenting, the title has no help icon: the views' buttons must end before
# the "Exit presentation" bar at the top right.
present = presenting()
with st.container(horizontal=True, vertical_alignment="center",
                  gap="small" if present else "medium"):
    st.subheader("Threshold & cost", anchor=False, width="content", help=None
                 if present else (
                     "A model gives a **score**; a decision needs a **threshold**. "
                     "Price each kind of mistake, and the threshold that costs the "
                     "least follows from the data."))
    chosen = views.choose_view()
headline = st.container()
body = st.container()

# 1. The scores and the production base rate. Folded by default: the summary line
#    under the headline says what is set, and a folded section sends nothing.
settings = st.expander("Scores, currency and production base rate",
                       icon=":material/settings:", key="thr_settings",
                       on_change="rerun")
show = bool(settings.open)
with settings:
    col_data, col_cost, col_base = (st.columns([5, 3, 3.5], gap="large") if show
                                    else (st.empty(),) * 3)
    with col_data:
        scores = views.choose_scores(sess, view, chosen_data(), show)
    with col_cost:
        views.money_settings(show)
view = state.current(ThresholdState)  # as the widgets above left it

# 2. New scores start at the scale's default threshold; a link's threshold, or the
#    one set before a visit to another page, is kept.
if sess.data_key not in (None, scores.key) and view.threshold is not None:
    view = state.update(ThresholdState, threshold=None)
sess.data_key = scores.key

# 3. Sweep every threshold on the validation half, at the production base rate.
with st.spinner("Sweeping every threshold..."):
    analysis = data.analyse(sess, scores, view.base_rate)
with col_base:
    views.base_rate_input(view, analysis.sample_prevalence, show)
    views.capacity_input(state.current(ThresholdState), show)
view = state.current(ThresholdState)

cost = views.cost_of(view)
cash = views.Money(view.currency, view.per)
curves = data.curves(sess, analysis, cost, view.per)
scale = data.scale(sess, scores)
is_prob = scores.are_probabilities
# With FP - TN + FN - TP <= 0 no "flag when p >= t" rule is optimal: no Bayes line.
bayes = core.bayes_threshold(cost) if is_prob and bayes_rule_applies(cost) else None
if bayes is not None and view.base_rate is not None:  # probabilities calibrated at
    bayes = adjusted_bayes_threshold(  # the data's base rate, used at production's
        bayes, analysis.sample_prevalence, view.base_rate)
with st.spinner("Bootstrapping the optimum..."):
    boot = data.bootstrap(sess, analysis, cost)

# 4. The headline: the recommendation, checked on the held-out half against the
#    trivial policies, and what it saves with its bootstrap interval.
rec = data.recommendation(sess, analysis, cost, scale.default)
with headline:
    views.reupload_notice(sess, view)
    views.headline(analysis, curves, rec, data.saving_band(
        sess, analysis, cost, rec, scale.default), scale, cash, is_prob)

panel = views.Panel(analysis, curves, cost, cash, scale, bayes, boot.threshold_band,
                    "threshold" if is_prob else "threshold (score scale)", rec)

# 5. One view at a time: only the chosen one is drawn and sent.
with body:
    if chosen == "uncertainty":
        views.uncertainty_view(sess, panel, boot, is_prob)
    elif chosen == "calibration":
        views.calibration_view(data.calibration(sess, scores, view.bins), bayes)
    elif chosen == "method":
        views.method_view(analysis)
    elif chosen == "scenarios":
        scenario_views.scenarios_view(sess, panel)
    elif chosen == "export":
        views.export_view(sess, panel, views.threshold_of(view, scale))
    elif chosen == "segments":
        segment_views.segments_view(sess, panel, scores, view,
                                    views.threshold_of(view, scale))
    else:
        views.threshold_panel(sess, panel)
        share = views.cap_share(view)
        if share is not None:
            views.capacity_note(data.capacity(sess, analysis, cost, share),
                                scale, cash, view)
        views.curves_toggle()
    views.summary(analysis, cost, cash, data.resample(analysis))
