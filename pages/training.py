"""Training: gradient descent live, log loss against MSE, divergence and overfitting.

The story of the page, top to bottom: the controls (one typed model,
``ui.models.TrainingState``, kept in the session and in the URL) say what to train;
the session's runs (``ui.training_session``) follow them; the live part and the model
views (``ui.training_views``) draw the runs. A first visit, or a link opened in a new
session, arrives at a finished run (trained within ``FIRST_VISIT_BUDGET_S``), so the
same numbers show for the same link; a link naming a story runs it, as its button
does.

The controls and buttons run with the whole page; the charts live in two fragments.
While a run is going the first ticks every ``BATCH_S``: it advances the runs by the
epochs due since the last batch and feeds them to the live chart, which reveals them
one per animation frame, so the browser shows a new epoch on every frame while
Streamlit reruns only a few times a second. The second ticks every ``MODEL_FRAME_S``
to redraw the weights of data with more features. Pause stops the ticking; the last
batch stays on screen, drawn in full.
"""

from __future__ import annotations

import streamlit as st

from ui.format import plain
from ui.frame import require_frame
from ui.models import TrainingState
from ui.presentation import presenting
from ui.sidebar import chosen_data
from ui.state import on_page, update
from ui.training_session import BATCH_S, session, sync
from ui.training_views import (
    MODEL_FRAME_S,
    draw_buttons,
    draw_controls,
    draw_stories,
    draw_update_rule,
    model_area,
    open_story_link,
    training_area,
)

require_frame()  # before any element: the page must run inside app.py

model = on_page(TrainingState)

# A link that names a story, opened in a new session: set the story up and run it.
# (No st.rerun() here: a rerun requested before the controls are drawn leaves the
# browser's sliders at their minimum after the next full run.)
if session() is None and model.story:
    model = open_story_link(model.story)
    sync(model, chosen_data(), start_pending=True)

chosen = chosen_data()
dataset = chosen.dataset
present = presenting()

# On a projector the chart must start high: the title shares a line with the
# update rule, the settings fold away, and the buttons and stories share one row.
if present:  # (the right end of the title row holds the Exit bar)
    title, rule, _ = st.columns([1, 2.2, 1.3], vertical_alignment="center")
    title.title("Training")
    with rule:
        draw_update_rule(compact=True)
else:
    intro, rule = st.columns([3, 2])
    with intro:
        st.title("Training")
        st.markdown(
            "Watch gradient descent fit a logistic regression, epoch by epoch. The "
            "default starts **log loss and MSE from the same point** (w, b) = "
            "(-4, 4), where the model is confidently wrong: log loss walks straight "
            "to the optimum while MSE crawls over a flat plateau."
        )
    with rule:
        draw_update_rule()
    draw_stories()
    draw_controls(model, dataset.n_features)

try:
    sess = sync(model, chosen)
except ValueError as err:
    st.error(f"These settings cannot be trained: {plain(err, 400)}")
    st.stop()

if sess.start_pending:  # a story was chosen: run it live from the start
    sess.start_pending = False
    sess.reset()
    sess.start()
    sess.story_data = sess.signature.data
elif model.story and sess.story_data not in (None, sess.signature.data):
    model = update(TrainingState, story="")  # other data now: no longer the story

reference = None
if "log" in sess.runs:
    with st.spinner("Fitting the scikit-learn reference…"):
        reference = sess.reference()

with st.container(horizontal=True, gap="small", vertical_alignment="center",
                  key="tr_buttons"):
    draw_buttons(sess, dataset.name)
    if present:
        draw_stories(compact=True)
        with st.popover("Settings", icon=":material/tune:"):
            draw_controls(model, dataset.n_features)
if sess.prep.bound_note:
    st.caption(f":material/speed: {sess.prep.bound_note}")

running = sess.status == "running"
st.fragment(run_every=BATCH_S if running else None)(training_area)(reference)
st.fragment(run_every=MODEL_FRAME_S if running else None)(model_area)(reference,
                                                                      dataset.name)
