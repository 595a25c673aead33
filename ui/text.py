"""User text (file names, column names, labels) shown as text, never as markup."""

from __future__ import annotations

import html
import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def short(value: object, limit: int = 60) -> str:
    """``value`` as one line of at most ``limit`` characters (an ellipsis if cut)."""
    text = _CONTROL.sub(" ", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(value: object, limit: int = 60) -> str:
    """``value`` ready to sit inside Markdown as literal text: shortened, on one
    line, every ASCII punctuation character backslash-escaped (CommonMark's escape),
    so no emphasis, link, image, HTML, LaTeX ``$`` or code can start in it."""
    return _PUNCTUATION.sub(r"\\\1", short(value, limit))


def for_chart(value: object, limit: int = 60) -> str:
    """``value`` for a Plotly title, label or hover text: shortened, on one line,
    with ``<``, ``>`` and ``&`` escaped so Plotly draws no tag or link from it."""
    return html.escape(short(value, limit), quote=False)
