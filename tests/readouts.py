"""What a readout (``ui/readout.py``) shows, as AppTest sees it: the component's
table read at the slider's value the way ``static/readout.js`` reads it (the
nearest row; blocks shown by their ``when``/``unless`` columns; parts joined).
The browser tests check that the page shows the same words."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest


@dataclass
class Shown:
    lines: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    marks: dict[str, list[dict]] = field(default_factory=dict)


def readout_data(at: AppTest, key: str) -> dict:
    """The data the readout keyed ``key`` was given."""
    found = [e for e in at.get("bidi_component")
             if e.proto.component_name == "loss_lab_readout"
             and e.proto.id.endswith(f"-{key}")]
    assert len(found) == 1, f"{len(found)} readouts keyed {key!r}"
    return json.loads(found[0].proto.json)


def nearest(values: list[float], value: float) -> int:
    return min(range(len(values)), key=lambda k: (abs(values[k] - value), k))


def shown_at(data: dict, value: float) -> Shown:
    """What the readout shows with its slider at ``value``."""
    row = nearest(data["values"], value)
    columns = data["columns"]

    def text(parts) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif "text" in part:
                out.append(part["text"])
            else:
                value = columns[part["col"]][row]
                out.append("" if value is None else str(value))
        return "".join(out)

    shown = Shown()
    for block in data["blocks"]:
        if block["kind"] == "metrics":
            shown.metrics |= {item["label"]: columns[item["value"]["col"]][row]
                              for item in block["items"]}
            continue
        if block.get("when") and not columns[block["when"]][row]:
            continue
        if block.get("unless") and columns[block["unless"]][row]:
            continue
        {"text": shown.lines, "caption": shown.captions,
         "warning": shown.warnings}[block["kind"]].append(text(block["parts"]))
    for target, marks in data["overlays"].items():
        shown.marks[target] = [
            {k: (columns[v["col"]][row] if isinstance(v, dict) else v)
             for k, v in mark.items()} for mark in marks]
    return shown


def shown(at: AppTest, key: str, slider: str) -> Shown:
    """What the readout keyed ``key`` shows with the slider keyed ``slider`` where
    AppTest has it."""
    return shown_at(readout_data(at, key), at.slider(key=slider).value)


def metric_in_page(page, label: str) -> str:
    """The value a readout's metric labelled ``label`` shows in the browser."""
    metric = page.locator(".ll-readout .ll-metric").filter(has_text=label).first
    return metric.locator(".ll-metric-value").inner_text()
