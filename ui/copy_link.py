"""A "Copy link" button: puts the address of the view on screen on the clipboard.

The state models keep the address bar in step with every setting
(``ui/state.py``), so the page's own address is the link. The button is a small
``st.components.v2`` component: it runs in the page, reads ``window.location``,
and copies it with the Clipboard API, or, where the browser refuses (a server
reached over plain http on a classroom network is not a "secure context"), with a
selected text field; the link is then shown in that field to copy by hand.
"""

from __future__ import annotations

import streamlit as st

_JS = """
export default function (component) {
  const root = component.parentElement;
  if (root.querySelector("button")) return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ll-copy-button";
  button.textContent = "Copy link to this view";
  const field = document.createElement("input");
  field.className = "ll-copy-field";
  field.readOnly = true;
  field.setAttribute("aria-label", "Link to this view");
  field.hidden = true;
  const status = document.createElement("span");
  status.className = "ll-copy-status";
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    const url = window.location.href;
    field.value = url;
    field.hidden = false;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch (e) {
      field.select();
      try { copied = document.execCommand("copy"); } catch (e2) { copied = false; }
    }
    field.select();
    status.textContent = copied ? "Link copied." : "Copy the link below by hand.";
  });
  root.append(button, status, field);
}
"""

_CSS = """
.ll-copy-button { font: inherit; font-size: 0.95rem; padding: 0.3rem 0.75rem;
  border: 1px solid rgba(49, 51, 63, 0.3); border-radius: 0.5rem; background: #fff;
  color: #1A1A1A; cursor: pointer; }
.ll-copy-button:hover { border-color: #0072B2; color: #0072B2; }
.ll-copy-status { margin-left: 0.5rem; font-size: 0.9rem; color: #1A1A1A; }
.ll-copy-field { display: block; width: 100%; margin-top: 0.4rem; font-size: 0.8rem;
  padding: 0.2rem 0.3rem; border: 1px solid rgba(49, 51, 63, 0.3);
  border-radius: 0.3rem; }
"""

_component = st.components.v2.component(
    "loss_lab_copy_link", js=_JS, css=_CSS, isolate_styles=False)


def copy_link(*, key: str = "copy_link") -> None:
    """Draw the button (it copies the address bar at the moment it is clicked)."""
    _component(key=key, data={}, height="content")
