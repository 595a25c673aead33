"""What a readout (``ui/readout.py``) shows, as AppTest sees it: the component's
table read at the slider's value the way ``static/readout.js`` reads it (the
nearest row; blocks shown by their ``when``/``unless`` columns; parts joined).
The browser tests check that the page shows the same words."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import numpy as np
from streamlit.testing.v1 import AppTest


@dataclass
class Shown:
    lines: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
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


def cell(column, row: int):
    """A column's value in ``row`` (packed and flags columns decoded)."""
    if isinstance(column, list):
        return column[row]
    width = column["width"]
    if "packed" in column:
        steps = np.frombuffer(base64.b64decode(column["packed"]), "<u2")
        steps = steps[row * width:(row + 1) * width]
        scale = (column["hi"] - column["lo"]) / 65534
        return [None if s == 65535 else column["lo"] + int(s) * scale
                for s in steps]
    bits = np.unpackbits(np.frombuffer(base64.b64decode(column["bits"]), np.uint8))
    return [bool(b) for b in bits[row * width:(row + 1) * width]]


def shown_at(data: dict, value: float) -> Shown:
    """What the readout shows with its slider at ``value``."""
    row = nearest(data["values"], value)
    columns = {name: cell(column, row) for name, column in data["columns"].items()}

    def text(parts) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif "text" in part:
                out.append(part["text"])
            else:
                value = columns[part["col"]]
                out.append("" if value is None else str(value))
        return "".join(out)

    shown = Shown()
    for block in data["blocks"]:
        if block["kind"] == "metrics":
            shown.metrics |= {item["label"]: columns[item["value"]["col"]]
                              for item in block["items"]}
            continue
        if block.get("when") and not columns[block["when"]]:
            continue
        if block.get("unless") and columns[block["unless"]]:
            continue
        {"text": shown.lines, "heading": shown.headings, "caption": shown.captions,
         "warning": shown.warnings}[block["kind"]].append(text(block["parts"]))
    for target, marks in data["overlays"].items():
        shown.marks[target] = []
        for mark in marks:
            out = {k: (columns[v["col"]] if isinstance(v, dict) else v)
                   for k, v in mark.items()}
            if "where" in out:
                out["y"] = [v if keep else None
                            for v, keep in zip(out["y"], out.pop("where"), strict=True)]
            shown.marks[target].append(out)
    return shown


def shown(at: AppTest, key: str, slider: str) -> Shown:
    """What the readout keyed ``key`` shows with the slider keyed ``slider`` where
    AppTest has it."""
    return shown_at(readout_data(at, key), at.slider(key=slider).value)


def metric_in_page(page, label: str) -> str:
    """The value a readout's metric labelled ``label`` shows in the browser."""
    metric = page.locator(".ll-slider-readout .ll-metric").filter(has_text=label).first
    return metric.locator(".ll-metric-value").inner_text()
