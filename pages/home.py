"""Home: what Loss Lab teaches and where to find it."""

import streamlit as st

from ui import lessons
from ui.chart import chart
from ui.figures_home import HOME_FIGURE_TITLE, make_home_figure
from ui.frame import require_frame
from ui.state import on_page

require_frame()  # before any element: the page must run inside app.py
on_page(None)  # no settings of its own: the address shows the dataset only

# (page file, what the visitor does there)
SECTIONS = {
    "Learn": (
        (
            "pages/loss_functions.py",
            "Compare log loss and squared error on a single prediction, and see "
            "why a confident wrong answer costs so much more under log loss.",
        ),
        (
            "pages/cost_surfaces.py",
            "Walk the cost over the weights: bowl-shaped for cross-entropy, "
            "with flat plateaus for MSE.",
        ),
    ),
    "Train": (
        (
            "pages/training.py",
            "Watch gradient descent fit a logistic regression step by step, and "
            "change the learning rate, optimizer and loss while it runs.",
        ),
    ),
    "Decide": (
        (
            "pages/threshold.py",
            "Turn probabilities into decisions: move the threshold, price "
            "mistakes, and find the cheapest cut-off for your own scored data.",
        ),
    ),
}

st.title("Loss Lab")
intro, picture = st.columns([1, 1], vertical_alignment="center")
with intro:
    st.markdown(
        "An interactive lab for **logistic regression**: why we train it with "
        "**log loss** (binary cross-entropy) rather than mean squared error, what "
        "gradient descent actually does, and how to turn predicted probabilities "
        "into decisions that cost the least."
    )
    st.markdown("**Start with a lesson**: a guided tour, one step at a time "
                "(Previous/Next, or the arrow keys).")
    lessons.draw_starts(where="home")
with picture:
    st.markdown(f"**{HOME_FIGURE_TITLE}**: log loss punishes a confident mistake "
                "without limit, squared error never charges more than 1.")
    chart(make_home_figure(), key="home_figure")

# (icon, heading, what it teaches)
COLUMNS = (
    (":material/school:", "Learn",
     "Why **binary cross-entropy, not MSE**. With a sigmoid output, squared error "
     "gives a non-convex cost whose gradient vanishes exactly when the model is "
     "confidently wrong. Log loss is convex in the weights and punishes confident "
     "mistakes without limit, so gradient descent keeps learning."),
    (":material/model_training:", "Train",
     "**Live gradient descent.** Follow the weights across the cost surface epoch "
     "by epoch, compare plain gradient descent, SGD, momentum, Adam and Newton "
     "steps, and see what too large a learning rate does."),
    (":material/tune:", "Decide",
     "**Threshold and business cost.** A probability is not a decision. Give each "
     "kind of mistake a price, sweep the threshold and pick the one with the "
     "lowest expected cost, on the demo data or on a file of your own."),
)

for column, (icon, section, words) in zip(st.columns(3), COLUMNS, strict=True):
    with column, st.container(border=True, height="stretch"):
        st.subheader(f"{icon} {section}")
        st.markdown(words)
        # Each page link is drawn as a button (styled below), so it looks like
        # something to click; its label and icon come from the page in app.py.
        with st.container(key=f"home_links_{section.lower()}"):
            for file, blurb in SECTIONS[section]:
                st.page_link(file, width="stretch")
                st.caption(blurb)

st.html("""<style>
[class*="st-key-home_links_"] a[data-testid="stPageLink-NavLink"] {
  border: 1px solid #0072B2; border-radius: 0.5rem; background: #F2F4F7;
  padding: 0.35rem 0.75rem; }
[class*="st-key-home_links_"] a[data-testid="stPageLink-NavLink"] p {
  color: #0072B2; font-weight: 600; }
[class*="st-key-home_links_"] a[data-testid="stPageLink-NavLink"]:hover {
  background: #0072B2; }
[class*="st-key-home_links_"] a[data-testid="stPageLink-NavLink"]:hover p,
[class*="st-key-home_links_"] a[data-testid="stPageLink-NavLink"]:hover span {
  color: #FFFFFF; }
</style>""")
