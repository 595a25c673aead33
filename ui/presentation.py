"""Presentation mode and the keyboard: Loss Lab on a projector.

Presentation mode is the ``present`` field of :class:`ui.models.FrameState`, so it
is in every link (``app.present=1``): a lesson link opens in it. It hides the
sidebar and Streamlit's header (menu, "Deploy"), takes the empty band above each
page's title away, and enlarges the type; a small bar pinned to the top right keeps
a way out ("Exit presentation") and the Copy link button, since the sidebar that
holds them is hidden. Pages ask :func:`presenting` to lay themselves out tighter.

The keyboard is a tiny ``st.components.v2`` component: one ``keydown`` listener on
the document (keys typed into inputs, sliders, menus and buttons are left alone)
that presses the page's own buttons, found by their widget keys, so a key does
exactly what the button does: space runs or pauses training, the right arrow steps
it; in a lesson the left and right arrows move to the previous and next step.
"""

from __future__ import annotations

import json

import streamlit as st

from ui.copy_link import copy_link
from ui.models import FrameState
from ui.state import bind, current, update

# Widget keys the keyboard presses (the st-key-<key> class Streamlit gives each).
KEY_BUTTONS = {
    "next": ("ll_lesson_next", "tr_step"),  # right arrow: the first one on the page
    "previous": ("ll_lesson_prev",),  # left arrow
    "space": ("tr_pause", "tr_run"),  # space
}

_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stMainMenu"], .stAppDeployButton, [data-testid="stDecoration"] {
  display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 0.6rem !important;
  padding-bottom: 1rem !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li,
[data-testid="stMainBlockContainer"] .ll-slider-readout p:not(.ll-caption) {
  font-size: 1.12rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.8rem; padding: 0; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {
  gap: 0.6rem; }
.st-key-ll_present_bar { position: fixed; top: 0.4rem; right: 0.8rem; z-index: 999990;
  width: auto !important; background: rgba(255, 255, 255, 0.92);
  border-radius: 0.5rem; padding: 0.1rem 0.3rem; }
.st-key-ll_present_bar .ll-copy-field { max-width: 18rem; }
.st-key-ll_lesson_row { padding-right: 22rem; }  /* the pinned bar's room */
</style>
"""

# Every screen, presenting or not: on narrow screens (a 1024-pixel projector, a
# laptop with the sidebar open) metric values shrink instead of ending in an
# ellipsis, metric and widget labels wrap, and display formulas get smaller type
# instead of running out of their column.
_SMALL_SCREENS_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: clamp(1.3rem, 2.6vw, 2.25rem); }
[data-testid="stMetricValue"] p { font-size: inherit !important; }
[data-testid="stMetricLabel"] *, [data-testid="stWidgetLabel"] * {
  white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 1366px) { .katex-display > .katex { font-size: 1em; } }
@media (max-width: 1100px) { .katex-display > .katex { font-size: 0.8em; } }
</style>
"""

_JS = """
export default function (component) {
  if (window.__lossLabKeys) return;
  window.__lossLabKeys = true;
  const KEYS = %s;
  const press = (keys) => {
    for (const key of keys) {
      const button = document.querySelector(`.st-key-${key} button`);
      if (button && !button.disabled) { button.click(); return true; }
    }
    return false;
  };
  // Keys typed into a field, a slider or a menu are theirs; a focused button or
  // link keeps space (it presses them) but not the arrows.
  const typing = (target, which) => {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    if (which === "space" && target.closest("button, a")) return true;
    return !!target.closest(
      "input, textarea, select, [role=slider], [role=combobox], " +
      "[role=listbox], [role=option], [role=radiogroup], [role=textbox], " +
      "[role=menu], [contenteditable]");
  };
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey
        || event.repeat) return;
    const which = event.key === "ArrowRight" ? "next"
      : event.key === "ArrowLeft" ? "previous"
      : (event.key === " " || event.code === "Space") ? "space" : null;
    if (!which || typing(event.target, which)) return;
    if (press(KEYS[which])) event.preventDefault();
  });
}
"""

_keys = st.components.v2.component(
    "loss_lab_keys", js=_JS % json.dumps(KEY_BUTTONS), isolate_styles=False)


def presenting() -> bool:
    """Whether the app is in presentation mode (pages lay out tighter)."""
    return current(FrameState).present


def draw_toggle() -> None:
    """The sidebar's switch (bound to ``app.present``: every other setting stays)."""
    st.toggle("Presentation mode", **bind(FrameState, "present"),
              help="Hides the sidebar and Streamlit's menu and enlarges the type, "
                   "for a projector. Keys: space runs or pauses training, the right "
                   "arrow steps; in a lesson the arrows move through the steps.")


def _leave() -> None:
    update(FrameState, present=False)


def apply() -> None:
    """Presentation mode's styles and its pinned bar (when on), the styles for
    small screens, and the keyboard."""
    st.html(_SMALL_SCREENS_CSS)
    if presenting():
        st.html(_CSS)
        with st.container(key="ll_present_bar", horizontal=True, gap="small",
                          vertical_alignment="center"):
            st.button("Exit presentation", key="ll_exit_present", on_click=_leave,
                      icon=":material/close_fullscreen:")
            copy_link(key="copy_link_present")
    with st.sidebar:
        _keys(key="ll_keys", data={}, height="content")
