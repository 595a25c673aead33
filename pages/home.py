"""Home: what Loss Lab teaches and where to find it."""

import streamlit as st

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
st.markdown(
    "An interactive lab for **logistic regression**: why we train it with "
    "**log loss** (binary cross-entropy) rather than mean squared error, what "
    "gradient descent actually does, and how to turn predicted probabilities into "
    "decisions that cost the least."
)

learn, train, decide = st.columns(3)
with learn:
    st.subheader(":material/school: Learn")
    st.markdown(
        "Why **binary cross-entropy, not MSE**. With a sigmoid output, squared error "
        "gives a non-convex cost whose gradient vanishes exactly when the model is "
        "confidently wrong. Log loss is convex in the weights and punishes "
        "confident mistakes without limit, so gradient descent keeps learning."
    )
with train:
    st.subheader(":material/model_training: Train")
    st.markdown(
        "**Live gradient descent.** Follow the weights across the cost surface "
        "epoch by epoch, compare plain gradient descent, SGD, momentum, Adam and "
        "Newton steps, and see what too large a learning rate does."
    )
with decide:
    st.subheader(":material/tune: Decide")
    st.markdown(
        "**Threshold and business cost.** A probability is not a decision. Give "
        "each kind of mistake a price, sweep the threshold and pick the one with "
        "the lowest expected cost, on the demo data or on a file of your own."
    )

st.divider()
st.subheader("Where to go")
for section, pages in SECTIONS.items():
    for file, blurb in pages:
        # The label and icon come from the page registered in app.py.
        st.page_link(file)
        st.caption(f"{section}: {blurb}")
