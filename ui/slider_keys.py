"""The keyboard of a Streamlit slider, handed to Python.

Streamlit's slider moves by its ``step`` on the arrow keys. A page whose values are
not evenly spaced (the Threshold page: the next *distinct score*) needs the key
itself: this tiny ``st.components.v2`` component listens on the document in the
capture phase, and when a key below is pressed on the slider's thumb (found by the
widget key's ``st-key-<key>`` class) it stops the slider from moving and sends the
key's name to Python, which computes the new value and writes it back.

What the browser sends is checked: only a name in :data:`KEYS` reaches the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import streamlit as st

KEYS = ("ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown", "PageUp", "PageDown",
        "Home", "End")

_JS = """
export default function (component) {
  const keys = window.__llSliderKeys = window.__llSliderKeys || {};
  const { data, setTriggerValue } = component;
  keys[data.slider] = setTriggerValue;  // the newest mount answers
  if (keys.__installed) return;
  keys.__installed = true;
  let n = 0;
  const NAMES = new Set(KEY_NAMES);
  document.addEventListener("keydown", (event) => {
    if (!NAMES.has(event.key) || event.altKey || event.ctrlKey || event.metaKey)
      return;
    const target = event.target;
    // the focused thumb: react-aria's <input type="range"> (or a role=slider)
    if (!target || !target.matches || !target.matches(
        "input[type=range], [role=slider]")) return;
    const host = target.closest("[class*='st-key-']");
    const name = host && [...host.classList].find((c) => c in keys);
    if (!name) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    n += 1;
    keys[name]("press", { key: event.key, n });
  }, true);
}
""".replace("KEY_NAMES", json.dumps(KEYS))

_CSS = """
.stElementContainer[class*="st-key-ll_keys_"] {
  display: none; }
"""  # (on two lines: Streamlit reads a one-line string with a "*" as a file path)

_component = st.components.v2.component(
    "loss_lab_slider_keys", js=_JS, css=_CSS, isolate_styles=False)


def key_class(key: str) -> str:
    """The class Streamlit gives an element drawn with ``key`` (st-key-<key>, with
    every character outside [a-zA-Z0-9_-] made a dash)."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def pressed(key: str) -> str | None:
    """The key name the component sent in this run (checked), else None."""
    got = st.session_state.get(key)
    press = got.get("press") if hasattr(got, "get") else None
    name = press.get("key") if isinstance(press, dict) else None
    return name if name in KEYS else None


def slider_keys(slider_key: str, on_press: Callable[[str], None]) -> None:
    """Send the keys in :data:`KEYS`, pressed on the slider drawn with
    ``key=slider_key``, to ``on_press(name)`` (a callback: it runs before the
    rerun, like a widget's ``on_change``) instead of moving the slider."""
    key = "ll_keys_" + key_class(slider_key).removeprefix("st-key-")

    def changed() -> None:
        name = pressed(key)
        if name is not None:
            on_press(name)

    _component(key=key, data={"slider": key_class(slider_key)}, height="content",
               on_press_change=changed)
