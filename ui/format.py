"""Numbers and user text turned into words: money, thresholds, short numbers, and
the one escaping helper for user text inside Markdown."""

from __future__ import annotations

import math


def money(value: float, currency: str = "$") -> str:
    """``-$1,234`` style, with at most two decimals when the amount is small."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    digits = 0 if v >= 100 else 2
    return f"{sign}{currency}{v:,.{digits}f}"


def format_threshold(t: float) -> str:
    """A threshold for people: four significant digits; ``+inf`` means flag no one."""
    if math.isinf(t) and t > 0:
        return "+inf (flag no one)"
    return f"{t:.4g}"


def short_number(v: float) -> str:
    """Short numbers for sentences: 0.693, 30, 1.6e3, 4e5."""
    if abs(v) < 1000:
        return f"{v:.3g}"
    return f"{v:.2g}".replace("e+0", "e").replace("e+", "e")


def md_escape(text) -> str:
    """User text made safe inside Markdown: one line, no table pipes or markup, no
    ``$`` that a renderer could take for the start of LaTeX math."""
    text = " ".join(str(text).split())
    for ch in "\\`*_[]<>|#$":
        text = text.replace(ch, "\\" + ch)
    return text
