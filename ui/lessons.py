"""Lessons: guided sequences of steps through the pages, and the bar that shows one.

A step is a page, a state (the page's model from ``ui/models.py``, every field not
named at its default, and the sidebar's dataset), two to four sentences, and what to
notice. Going to a step applies that state with ``ui.state.save`` and
``ui.sidebar.choose_dataset`` and switches to its page; the lesson and step number
are in :class:`ui.models.FrameState` (``app.lesson``, ``app.step``), so the address
bar of a step, which :func:`step_link` writes out, opens that step with its state in
a new session too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import streamlit as st

from ui.models import (
    CostSurfacesState,
    DatasetState,
    FrameState,
    LossFunctionsState,
    ThresholdState,
    TrainingState,
)
from ui.sidebar import DATASETS, choose_dataset
from ui.state import Model, current, save, update
from ui.training_session import session

# page file -> its model (None: Home has no settings of its own)
PAGE_MODELS: dict[str, type[Model] | None] = {
    "pages/home.py": None,
    "pages/loss_functions.py": LossFunctionsState,
    "pages/cost_surfaces.py": CostSurfacesState,
    "pages/training.py": TrainingState,
    "pages/threshold.py": ThresholdState,
}


@dataclass(frozen=True)
class Step:
    """One step: ``page`` (a file in ``pages/``), ``state`` (fields of the page's
    model that differ from their defaults), ``dataset`` (``choose_dataset``'s
    arguments), the sentences and what to notice."""

    title: str
    page: str
    text: str
    notice: str
    state: dict = field(default_factory=dict)
    dataset: dict = field(default_factory=lambda: {"key": "one_d"})

    def model(self) -> Model | None:
        """The page's model this step shows."""
        cls = PAGE_MODELS[self.page]
        return None if cls is None else cls(**self.state)

    def dataset_model(self) -> DatasetState:
        """The sidebar's choice this step shows (as ``choose_dataset`` makes it from
        defaults)."""
        settings = dict(self.dataset)
        return DatasetState(name=settings.pop("key"), **settings)


@dataclass(frozen=True)
class Lesson:
    title: str
    steps: tuple[Step, ...]


ONE_D = {"key": "one_d"}
MSE_STORY = {"key": "one_d", "n": 200, "separation": 2.0, "noise": 1.0,
             "balance": 0.5, "seed": 0}
LR_STORY = {"key": "blobs", "n": 300, "noise": 1.0, "seed": 0}
OVERFIT_STORY = {"key": "moons", "n": 60, "noise": 1.0, "seed": 0}

LOG_LOSS = Lesson("Why log loss", (
    Step("One prediction", "pages/loss_functions.py",
         "A logistic regression turns a score z = w.x + b into a probability "
         "p = sigmoid(z). Here the true label is y = 1 and the model says z = -4, so "
         "p is about 0.02: confident, and wrong.",
         "Log loss charges -log(0.02), about 3.9; squared error charges at most 1.",
         {"label": 1, "z": -4.0}),
    Step("A right answer", "pages/loss_functions.py",
         "Move the same point to z = 3: now p is about 0.95 and both losses are "
         "small. A loss is a price per example; the cost J is its mean over the "
         "data.",
         "Near a right answer the two losses agree; they part ways when the model "
         "is wrong.",
         {"label": 1, "z": 3.0}),
    Step("Where log loss comes from: the likelihood", "pages/loss_functions.py",
         "Each label is a coin flip with chance p of a 1: its probability is "
         "p^y (1 - p)^(1 - y), which is p when y = 1 and 1 - p when y = 0. The "
         "likelihood of all labels is the product over the examples; its log is a "
         "sum, and J = -(1/m) log L is exactly the mean log loss.",
         "Maximising the likelihood and minimising log loss are the same fit; "
         "squared error has no such reason behind it for 0/1 labels.",
         {"label": 0, "z": 2.0}),
    Step("The two loss curves against z", "pages/loss_functions.py",
         "Against the logit z, log loss grows like a straight line on the wrong "
         "side, while squared error flattens out at 1.",
         "The gradient of log loss with respect to z is p - y, large when wrong; "
         "squared error's is multiplied by p(1 - p), nearly 0 when confidently "
         "wrong.",
         {"label": 1, "z": -6.0, "axis": "z"}),
    Step("Computing it safely", "pages/loss_functions.py",
         "Computing sigmoid first and then log rounds p to exactly 1 or 0 for "
         "large |z|, and the log turns that into infinity or 0. The stability panel "
         "compares that naive route in float32 and float64 with the logits-space "
         "form softplus(z) - y z, which never overflows (PyTorch's "
         "BCEWithLogitsLoss works this way).",
         "Far out on the wrong side only the logits-space column stays finite and "
         "exact.",
         {"label": 1, "z": -4.0, "s_label": 1, "log_x": True, "wrong_side": True}),
    Step("The cost surfaces", "pages/cost_surfaces.py",
         "Average the loss over all examples and plot J against the weight and the "
         "bias. Log loss makes one bowl; squared error through a sigmoid makes "
         "plateaus and bends.",
         "Where the MSE surface curves downward (a negative Hessian eigenvalue) it "
         "is not convex; the log-loss surface never does.",
         {}, ONE_D),
    Step("Flat plateaus, seen on a log scale", "pages/cost_surfaces.py",
         "On a log scale of J the flat regions of the MSE surface stand out: far "
         "from the optimum it hardly slopes at all.",
         "A flat surface means a tiny gradient, so gradient descent barely moves.",
         {"log_z": True}, ONE_D),
    Step("Training: MSE stalls", "pages/training.py",
         "Both losses start from the same confidently wrong (w, b) = (-4, 4) and "
         "take the update w <- w - eta grad J. Log loss walks to the optimum; MSE "
         "crawls across a plateau.",
         "Watch the gradient norm of MSE: it stays tiny for many epochs.",
         {"story": "mse"}, MSE_STORY),
    Step("The update rule, one step at a time", "pages/training.py",
         "For log loss the gradient is X^T(p - y)/m: the errors p - y weighted by "
         "the inputs. Press Step (or the right arrow when no lesson is open) to "
         "take one epoch at a time.",
         "Each step moves (w, b) against the gradient by eta times its size.",
         {"loss": "log"}, ONE_D),
    Step("A learning rate that diverges", "pages/training.py",
         "With eta = 30 on unscaled polynomial features each step overshoots the "
         "bowl's floor and lands higher up the other side, until the numbers "
         "overflow.",
         "The cost rises instead of falling; the page stops the run and says why.",
         {"story": "lr", "loss": "log", "lr": 30.0, "epochs": 100, "degree": 2,
          "standardise": False}, LR_STORY),
    Step("Overfitting", "pages/training.py",
         "Sixty points and polynomial features of degree 10: the training cost keeps "
         "falling while the validation loss turns back up.",
         "The star marks the best validation epoch: stop there, add L2 or lower "
         "the degree.",
         {"story": "overfit", "loss": "log", "optimizer": "adam", "lr": 0.1,
          "epochs": 1000, "degree": 10, "val": 0.5}, OVERFIT_STORY),
    Step("Calibration: probabilities you can trust", "pages/threshold.py",
         "Log loss is a proper scoring rule: it is lowest, on average, when the "
         "predicted probabilities are the true frequencies. The reliability "
         "diagram checks that: of the cases given p = 0.7, about 70% should be "
         "positive.",
         "Points near the diagonal mean calibrated probabilities, the thing log "
         "loss rewards.",
         {"view": "calibration"}, ONE_D),
    Step("From probability to decision", "pages/threshold.py",
         "A probability is not yet a decision: a threshold turns it into one, and "
         "what a mistake costs decides where the threshold should be. The lesson "
         "'Choosing a threshold' goes on from here.",
         "Log loss trains good probabilities; the threshold is chosen afterwards.",
         {}, ONE_D),
))

THRESHOLD = Lesson("Choosing a threshold", (
    Step("Probabilities into decisions", "pages/threshold.py",
         "The model gives every case a probability. Flag a case when its "
         "probability reaches the threshold; at 0.5 we flag whatever is more likely "
         "positive than not.",
         "The confusion matrix counts the four outcomes at this threshold.",
         {"threshold": 0.5}, ONE_D),
    Step("A lower threshold", "pages/threshold.py",
         "Lower the threshold to 0.2: more cases are flagged, so fewer positives "
         "are missed, but more negatives are flagged by mistake.",
         "Recall rises and precision falls as the threshold goes down.",
         {"threshold": 0.2}, ONE_D),
    Step("A higher threshold", "pages/threshold.py",
         "Raise it to 0.8: only the surest cases are flagged. Few false alarms, "
         "many misses.",
         "Precision rises, recall falls: no threshold gets both for free.",
         {"threshold": 0.8}, ONE_D),
    Step("Price the mistakes", "pages/threshold.py",
         "Give each outcome a cost. Here a missed positive costs 30 and a false "
         "alarm 10, so misses hurt three times as much.",
         "The cheapest threshold sits below 0.5: it pays to flag more.",
         {"cost_fp": 10.0, "cost_fn": 30.0}, ONE_D),
    Step("When false alarms are dear", "pages/threshold.py",
         "Swap the prices: a false alarm now costs 30 and a miss 10.",
         "The cost-optimal threshold moves above 0.5, close to the Bayes threshold "
         "c_FP / (c_FP + c_FN) = 0.75 for calibrated probabilities.",
         {"cost_fp": 30.0, "cost_fn": 10.0}, ONE_D),
    Step("A different base rate in production", "pages/threshold.py",
         "If positives are rarer in production than in these data (10% instead of "
         "50%), the same threshold flags more false alarms per true find.",
         "With the base rate changed, the cost-optimal threshold moves up.",
         {"base_rate": 0.1}, ONE_D),
    Step("How sure is the optimum?", "pages/threshold.py",
         "Resample the data (a bootstrap) and find the best threshold each time: "
         "the spread shows how much the choice depends on this sample.",
         "A wide band means more data, or a less fussy choice, is needed.",
         {"view": "uncertainty"}, ONE_D),
))

LESSONS = {"log_loss": LOG_LOSS, "threshold": THRESHOLD}


# --------------------------------------------------------------------- state
def step_params(lesson: str, index: int, *, present: bool = False) -> dict[str, str]:
    """The URL parameters of step ``index`` of ``lesson``: its dataset, its page's
    model and the frame (lesson, step and presentation mode)."""
    step = LESSONS[lesson].steps[index]
    params = step.dataset_model().to_params()
    model = step.model()
    if model is not None:
        params |= model.to_params()
    return params | FrameState(present=present, lesson=lesson, step=index).to_params()


def url_path(page: str) -> str:
    """The address of a page file (Streamlit's default: its name; Home is "")."""
    return "" if page == "pages/home.py" else page.removeprefix("pages/")[:-3]


def step_link(lesson: str, index: int, *, present: bool = False) -> str:
    """A relative link that opens step ``index`` of ``lesson`` with its state."""
    step = LESSONS[lesson].steps[index]
    query = urlencode(step_params(lesson, index, present=present))
    return f"./{url_path(step.page)}?{query}"


def apply_step(lesson: str, index: int) -> str:
    """Put step ``index``'s state into the session; return its page file."""
    step = LESSONS[lesson].steps[index]
    data = step.dataset_model()  # every setting, not the ones remembered
    choose_dataset(data.name, **{c: getattr(data, c) for c in DATASETS[data.name][1]})
    model = step.model()
    if model is not None:
        save(model)
    if isinstance(model, TrainingState) and model.story:
        sess = session()
        if sess is not None:  # the page runs the story live, as its button does
            sess.start_pending = True
    update(FrameState, lesson=lesson, step=index)
    return step.page


_GOTO = "_ll_goto"  # the page a lesson button asked for, switched to by follow()


def go(lesson: str, index: int) -> None:
    """A Previous/Next/start button's callback: step ``index``'s state now, its
    page on this run (:func:`follow`: a callback cannot switch pages)."""
    st.session_state[_GOTO] = apply_step(lesson, index)


def follow(path_on_screen: str) -> None:
    """In ``app.py`` after ``st.navigation``: switch to the page a lesson button
    asked for, if it is not the one on screen (``path_on_screen``, its URL path)."""
    page = st.session_state.pop(_GOTO, None)
    if page is not None and url_path(page) != path_on_screen:
        st.switch_page(page)


def leave() -> None:
    update(FrameState, lesson="", step=0)


# --------------------------------------------------------------------- drawing
def draw_bar() -> None:
    """The lesson bar above the page: title, step counter, the step's words, what to
    notice, Previous/Next, and the link to this step."""
    frame = current(FrameState)
    lesson = LESSONS.get(frame.lesson)
    if lesson is None:
        return
    index = min(frame.step, len(lesson.steps) - 1)
    step = lesson.steps[index]
    with st.container(border=True, key="ll_lesson_bar"):
        # One row; buttons as wide as their labels. In presentation mode the row
        # leaves room at its right end for the pinned Exit bar (ui.presentation).
        with st.container(horizontal=True, vertical_alignment="center", gap="small",
                          key="ll_lesson_row"):
            st.markdown(f"**{lesson.title}** · step {index + 1} of "
                        f"{len(lesson.steps)}: **{step.title}**", width="stretch")
            st.button("Previous", key="ll_lesson_prev", icon=":material/arrow_back:",
                      disabled=index == 0, width="content", on_click=go,
                      args=(frame.lesson, index - 1))
            st.button("Next", key="ll_lesson_next", icon=":material/arrow_forward:",
                      disabled=index == len(lesson.steps) - 1, width="content",
                      type="primary", on_click=go, args=(frame.lesson, index + 1))
            st.button("End lesson", key="ll_lesson_end", on_click=leave,
                      icon=":material/close:", width="content")
        link = step_link(frame.lesson, index, present=frame.present)
        notice = (f":material/visibility: **What to notice:** {step.notice} "
                  f"[Link to this step]({link})")
        if frame.present:  # one line on a projector: the words on demand
            words, rest = st.columns([1.3, 6], vertical_alignment="center")
            with words.popover("About this step", icon=":material/notes:"):
                st.markdown(step.text)
            rest.markdown(notice)
        else:
            st.markdown(step.text)
            st.markdown(notice)


def draw_starts(*, where: str) -> None:
    """A button per lesson that opens its first step."""
    for name, lesson in LESSONS.items():
        st.button(f"Lesson: {lesson.title} ({len(lesson.steps)} steps)",
                  key=f"ll_start_{name}_{where}", icon=":material/school:",
                  width="stretch", on_click=go, args=(name, 0))
