"""The Threshold page's Segments view through AppTest: a scored CSV with a
segment column uploaded on the page, the column chosen, the table checked against
each segment's rows alone, the too-small notice, hostile segment values shown as
text, and the link."""

from __future__ import annotations

import re

import numpy as np
import pytest
from charts import chart_elements, spec_of
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.scored import ScoredRows, split_parts
from ui.format import money

PAGE = "pages/threshold.py"
COST = core.CostMatrix(tp=0.0, fp=10.0, fn=30.0, tn=0.0)  # the page's default
IMAGE, GAMMA = "![x](http://h/x.png)", "$\\gamma$"
VALUES = ("north", "south", IMAGE, GAMMA, "tiny")


def _file(n=1600, seed=7, counts=False):
    """A scored CSV with a region column: three large segments, a middling one
    (about 45 positives in all: too few per half) and a tiny one. Not seed 0,
    the page's split seed: one random stream would tie regions to halves."""
    rng = np.random.default_rng(seed)
    region = rng.choice(VALUES, n, p=[0.36, 0.32, 0.22, 0.08, 0.02])
    y = (rng.random(n) < 0.35).astype(int)
    shift = np.where(region == "south", 0.8, 0.0)  # south scores run high
    s = np.round(1 / (1 + np.exp(-(2 * y - 1 + shift + rng.normal(0, 1, n)))), 3)
    w = rng.integers(1, 4, n) if counts else None
    head = "label,score,region" + (",count" if counts else "")
    lines = [f"{a},{b},\"{c}\"" + (f",{w[i]}" if counts else "")
             for i, (a, b, c) in enumerate(zip(y, s, region, strict=True))]
    return ("\n".join([head, *lines]) + "\n").encode(), y, s, region, w


def _page(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    at.session_state["thr_settings"] = True  # the settings section is folded
    at.run()
    assert not at.exception
    return at


def _upload(at, data: bytes, name="regions.csv") -> AppTest:
    if at.radio(key="thr.source").value != "upload":
        at.radio(key="thr.source").set_value("upload").run()
    at.file_uploader(key="thr.upload").set_value((name, data, "text/csv")).run()
    assert not at.exception and not at.error
    return at


def _segments_table(at) -> dict[str, list[str]]:
    """The segment table read back as text: value (Markdown escapes undone) ->
    its cells."""
    text = next(m.value for m in at.markdown if m.value.startswith("| Segment"))
    out = {}
    for line in text.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        name = re.sub(r"\\(.)", r"\1", cells[0]).replace("\u2060", "")
        out[name] = [c.replace("\\$", "$") for c in cells[1:]]
    return out


def _brute(y, s, w, t):
    w = np.ones(len(s)) if w is None else w
    f, p = s >= t, y == 1
    tp, fp, fn, tn = (w[f & p].sum(), w[f & ~p].sum(), w[~f & p].sum(),
                      w[~f & ~p].sum())
    cost = (tp * COST.tp + fp * COST.fp + fn * COST.fn + tn * COST.tn) / w.sum()
    return {"precision": tp / (tp + fp), "recall": tp / (tp + fn),
            "fpr": fp / (fp + tn), "flagged": (tp + fp) / w.sum(), "cost": cost,
            "rows": len(s), "positives": w[p].sum()}


def _expect(y, s, region, w, t):
    """Each segment's numbers on the held-out half, from its rows alone."""
    rows = ScoredRows(y.astype(float), s.astype(float),
                      None if w is None else w.astype(float))
    (iv, wv), (idx, wt) = split_parts(rows)
    out = {}
    for value in VALUES:
        m = region[idx] == value
        out[value] = _brute(y[idx][m], s[idx][m], None if wt is None else wt[m], t)
        least = min(
            np.sum(np.where(region[i] == value, 1 if ww is None else ww, 0)
                   * (y[i] == cls)) for i, ww in ((iv, wv), (idx, wt))
            for cls in (0, 1))  # whole-number counts: cases are their sum
        out[value]["small"] = least < 30
    return out


def _check(table, expected):
    assert [want["small"] for want in expected.values()] == [
        False, False, False, True, True]
    for value, want in expected.items():
        cells = table[value + (" *(too small)*" if want["small"] else "")]
        assert cells[0] == f"{want['rows']:,}"
        assert cells[1] == f"{want['positives']:,.0f}"
        assert cells[2] == f"{want['precision']:.3f}", value
        assert cells[3] == f"{want['recall']:.3f}", value
        assert cells[4] == f"{want['fpr']:.3f}", value
        assert cells[5] == f"{want['flagged']:.1%}", value
        assert cells[6] == money(want["cost"] * 1000), value


def test_segments_view_says_how_to_get_a_segment_column():
    at = _page()
    at.button_group(key="thr.view").set_value("segments").run()
    assert not at.exception
    assert "Upload a scored file" in at.info[0].value
    data, *_ = _file()
    _upload(at, data)
    assert "Pick a **Segment column**" in at.info[0].value


@pytest.mark.parametrize("counts", [False, True])
def test_upload_choose_the_column_and_read_each_segment(counts):
    data, y, s, region, w = _file(counts=counts)
    at = _upload(_page(), data)
    if counts:
        assert at.session_state["thr"].weight_column == "count"
    at.button_group(key="thr.view").set_value("segments").run()
    at.selectbox(key="thr.segment_column").set_value("region").run()
    assert not at.exception and not at.error
    table = _segments_table(at)
    # hostile values are shown as text: escaped for Markdown, read back verbatim
    raw = next(m.value for m in at.markdown if m.value.startswith("| Segment"))
    assert "\\!\\[x\\]\\(http" in raw and "\\$\\\\gamma\\$" in raw
    assert IMAGE in table and GAMMA + " *(too small)*" in table
    assert "tiny *(too small)*" in table
    _check(table, _expect(y, s, region, w, 0.5))
    # too small: said in words, no own threshold
    notice = " ".join(x.value for x in at.caption)
    assert "2 segment(s) too small to estimate**: fewer than 30 positive" in notice
    assert table["tiny *(too small)*"][7] == "too small"
    assert re.fullmatch(r"0\.\d+ \(\$[\d,.]+\)", table["north"][7])
    # the gaps name segments large enough only
    gaps = next(m.value for m in at.markdown if m.value.startswith("| | Gap"))
    assert "tiny" not in gaps and "gamma" not in gaps
    assert "Recall" in gaps and "Own threshold" in gaps
    # a move of the threshold moves every segment's numbers
    at.text_input(key="thr.seg_threshold").input("0.37").run()
    assert not at.exception
    assert at.session_state["thr"].threshold == 0.37
    _check(_segments_table(at), _expect(y, s, region, w, 0.37))
    # the chart: labelled axes, a legend, the hostile value escaped for Plotly
    fig = spec_of(chart_elements(at)[0])
    assert '"rate (0 to 1)"' in fig and "cost per 1,000 cases" in fig
    assert '"segment"' in fig and "x.png" in fig and "<img" not in fig


def test_the_segment_column_travels_in_the_link_and_asks_for_the_file():
    data, *_ = _file()
    at = _upload(_page(), data)
    at.button_group(key="thr.view").set_value("segments").run()
    at.selectbox(key="thr.segment_column").set_value("region").run()
    at.text_input(key="thr.seg_threshold").input("0.42").run()
    at.text_input(key="thr.seg_threshold").input("0.4two").run()  # junk: kept
    assert at.session_state["thr"].threshold == 0.42
    assert at.text_input(key="thr.seg_threshold").value == "0.42"
    assert any('"0.4two" is not a number: kept 0.42' in c.value.replace("\\", "")
               for c in at.caption)
    params = dict(at.query_params)
    assert params["thr.segment"] == "region" and params["thr.view"] == "segments"
    table = _segments_table(at)

    fresh = _page(params)
    assert not fresh.exception and not fresh.error
    assert any("Upload the scored file this link was made with again" in m.value
               for m in fresh.markdown)
    assert any("Upload a scored file" in i.value for i in fresh.info)
    _upload(fresh, data)
    assert fresh.session_state["thr"].segment_column == "region"
    assert _segments_table(fresh) == table
    assert dict(fresh.query_params) == params
    # another file (not the link's) starts without a segment column
    other, *_ = _file(n=900, seed=3)
    _upload(fresh, other, name="other.csv")
    assert fresh.session_state["thr"].segment_column == ""
    # and "Remove" forgets it
    _upload(fresh, data)
    fresh.selectbox(key="thr.segment_column").set_value("region").run()
    fresh.button(key="thr.remove").click().run()
    assert fresh.session_state["thr"].segment_column == ""


def test_a_hostile_segment_column_name_is_shown_as_text():
    name = "[x](javascript:alert(1)) *b*"
    data, *_ = _file(n=800)
    data = data.replace(b"label,score,region", f'label,score,"{name}"'.encode(), 1)
    at = _upload(_page(), data)
    at.button_group(key="thr.view").set_value("segments").run()
    at.selectbox(key="thr.segment_column").set_value(name).run()
    assert not at.exception and not at.error
    head = next(m.value for m in at.markdown if m.value.startswith("**Segments of"))
    assert head.startswith("**Segments of \\[x\\]\\(javascript\\:alert\\(1\\)\\) "
                           "\\*b\\* at threshold")
    assert at.query_params["thr.segment"] == name


def test_the_production_base_rate_applies_within_each_segment():
    data, y, s, region, _ = _file()
    at = _upload(_page(), data)
    at.checkbox(key="thr.base_on").check().run()
    at.text_input(key="thr.base_rate").input("0.1").run()
    at.button_group(key="thr.view").set_value("segments").run()
    at.selectbox(key="thr.segment_column").set_value("region").run()
    assert not at.exception and not at.error
    table = _segments_table(at)
    _, (idx, _) = split_parts(ScoredRows(y.astype(float), s.astype(float)))
    p = y[idx].mean()  # the held-out half's own share of positives, as the page
    w = np.where(y[idx] == 1, 0.1 / p, 0.9 / (1 - p))
    for value in ("north", "south", IMAGE):
        m = region[idx] == value
        want = _brute(y[idx][m], s[idx][m], w[m], 0.5)
        assert table[value][2] == f"{want['precision']:.3f}"
        assert table[value][3] == f"{want['recall']:.3f}"
        assert table[value][6] == money(want["cost"] * 1000)
    assert "re-weighted to the production base rate" in "\n".join(
        m.value for m in at.markdown)


def test_few_rows_and_many_segments_say_what_they_leave_out():
    # 30 row-values of a "shop" column, 60 rows each, and an empty cell: the 20
    # largest are compared, the page says what happens to the other 11
    rng = np.random.default_rng(11)
    shop = np.repeat([f"shop {k:02d}" for k in range(30)], 60)
    shop = np.append(shop, "")
    n = len(shop)
    y = (rng.random(n) < 0.4).astype(int)
    s = np.round(rng.random(n), 3)
    text = "label,score,shop\n" + "\n".join(
        f"{a},{b},{c}" for a, b, c in zip(y, s, shop, strict=True))
    at = _upload(_page(), text.encode(), name="shops.csv")
    at.button_group(key="thr.view").set_value("segments").run()
    at.selectbox(key="thr.segment_column").set_value("shop").run()
    assert not at.exception and not at.error
    table = _segments_table(at)
    assert len(table) == 20 and all(k.endswith("*(too small)*") for k in table)
    captions = " ".join(c.value for c in at.caption)
    assert "31 segments in all: the 20 largest are compared here; the other 11" in (
        captions)
    assert "No gaps: fewer than two segments are large enough" in " ".join(
        i.value for i in at.info)
    # too few rows to hold out: said, and the numbers are on all rows
    tiny = "label,score,shop\n" + "\n".join(
        f"{i % 2},{(i % 7) / 7:.3f},{'ab'[i % 3 == 0]}" for i in range(24))
    _upload(at, tiny.encode(), name="tiny.csv")
    at.selectbox(key="thr.segment_column").set_value("shop").run()
    assert not at.exception
    head = next(m.value for m in at.markdown if m.value.startswith("**Segments of"))
    assert "on all rows (too few to hold some out" in head
    table = _segments_table(at)
    assert sorted(table) == ["a *(too small)*", "b *(too small)*"]
    assert sum(int(v[0]) for v in table.values()) == 24
