"""Lessons: every step's link opens its page with its state; Previous/Next move
through the steps and apply each step's state; presentation mode is in the link
and leaves every other setting alone."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

from ui.lessons import LESSONS, PAGE_MODELS, step_link
from ui.models import DatasetState, FrameState

STEPS = [(name, i) for name, lesson in LESSONS.items()
         for i in range(len(lesson.steps))]


def _open(link: str) -> AppTest:
    """A new session opened at ``link`` (relative, as the lesson bar writes it)."""
    parts = urlsplit(link)
    at = AppTest.from_file(APP_PATH, default_timeout=120)
    at.query_params.update(dict(parse_qsl(parts.query)))
    at.switch_page(f"pages/{parts.path.removeprefix('./') or 'home'}.py")
    return at.run()


def test_lessons_have_the_steps_the_story_needs():
    assert 10 <= len(LESSONS["log_loss"].steps) <= 15
    assert 6 <= len(LESSONS["threshold"].steps) <= 8
    assert {s.page for s in LESSONS["threshold"].steps} == {"pages/threshold.py"}
    words = " ".join(s.title + s.text + s.notice
                     for s in LESSONS["log_loss"].steps).lower()
    for idea in ("likelihood", "stability", "surface", "plateau", "diverge",
                 "overfit", "calibrat"):
        assert idea in words, idea
    for lesson in LESSONS.values():
        for step in lesson.steps:
            sentences = step.text.count(". ") + 1
            assert 1 <= sentences <= 4, step.title
            assert step.notice


@pytest.mark.parametrize(("lesson", "index"), STEPS)
def test_every_step_link_opens_its_page_with_its_state(lesson, index):
    step = LESSONS[lesson].steps[index]
    at = _open(step_link(lesson, index))
    assert not at.exception
    cls = PAGE_MODELS[step.page]
    if cls is not None:
        assert at.session_state[cls.KEY] == step.model()
    assert at.session_state[DatasetState.KEY] == step.dataset_model()
    assert at.session_state[FrameState.KEY] == FrameState(lesson=lesson, step=index)
    shown = " ".join(m.value for m in at.markdown)
    assert f"step {index + 1} of {len(LESSONS[lesson].steps)}" in shown
    assert step.title in shown


def test_next_and_previous_apply_each_steps_state_and_page():
    at = AppTest.from_file(APP_PATH, default_timeout=120).run()
    at.button(key="ll_start_log_loss_sidebar").click().run()
    steps = LESSONS["log_loss"].steps
    assert at.session_state[FrameState.KEY] == FrameState(lesson="log_loss", step=0)
    assert at.button(key="ll_lesson_prev").disabled
    for i in range(1, 7):  # through the Loss functions and Cost surfaces steps
        at.button(key="ll_lesson_next").click().run()
        assert not at.exception
        assert at.session_state[FrameState.KEY].step == i
        cls = PAGE_MODELS[steps[i].page]
        assert at.session_state[cls.KEY] == steps[i].model()
        assert at.query_params["app.step"] in (str(i), [str(i)])
    at.button(key="ll_lesson_prev").click().run()
    assert at.session_state[FrameState.KEY].step == 5
    assert at.session_state["cs"] == steps[5].model()
    at.button(key="ll_lesson_end").click().run()
    assert at.session_state[FrameState.KEY].lesson == ""
    assert not [b for b in at.button if b.key == "ll_lesson_next"]


def test_presentation_mode_toggles_in_the_link_and_keeps_every_other_setting():
    at = _open("./loss_functions?lf.z=2.5&ds.name=moons&ds.n=80")
    before = (at.session_state["lf"], at.session_state[DatasetState.KEY])
    at.toggle(key="app.present").set_value(True).run()
    assert not at.exception
    assert at.query_params["app.present"] in ("1", ["1"])
    assert (at.session_state["lf"], at.session_state[DatasetState.KEY]) == before
    assert at.button(key="ll_exit_present")  # the way out, with the sidebar hidden
    at.button(key="ll_exit_present").click().run()
    assert "app.present" not in at.query_params
    assert (at.session_state["lf"], at.session_state[DatasetState.KEY]) == before


def test_every_button_the_keyboard_presses_exists():
    from pathlib import Path

    from ui.presentation import KEY_BUTTONS

    sources = "".join((Path(__file__).parent.parent / "ui" / name).read_text()
                      for name in ("training_views.py", "lessons.py"))
    for keys in KEY_BUTTONS.values():
        for key in keys:
            assert f'key="{key}"' in sources, key
