"""The catalogue of hostile files (``tests/hostile/CATALOGUE.md``): each through the
parser, through the sidebar's upload and through the Threshold page's upload. A clear
message or a correct table, never a traceback, and the data loaded before stay."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import APP_PATH
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import core
from core.data import DataError, read_upload, scored_data
from core.scored import guess_columns
from ui.models import UPLOADED
from ui.sidebar import UPLOAD_TYPES, dataset_from_table

HOSTILE = Path(__file__).parent / "hostile"
GENERATED = "generated:"
PAGE_TYPES = ("csv", "txt", "tsv", "parquet")  # the Threshold page's uploader


def _as_allowed(name: str, types) -> str:
    """The name a user gives a file the uploader would not take: ``x.png.csv``."""
    return name if name.rsplit(".", 1)[-1] in types else name + ".csv"


@dataclass(frozen=True)
class Case:
    file: str
    what: str
    read: str  # "error: words" or "table RxC"
    train: str  # "ok", "error: words" or "-" (the file is refused as a whole)
    score: str


def _catalogue() -> list[Case]:
    cases = []
    for line in (HOSTILE / "CATALOGUE.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| file |"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 5, line
        cases.append(Case(*(c.strip("`") if i == 0 else c
                             for i, c in enumerate(cells))))
    return cases


CASES = _catalogue()


def _csv_header(n_columns: int, rows: int = 2) -> bytes:
    header = ",".join(f"c{i}" for i in range(n_columns))
    return (header + "\n" + "\n".join([",".join("1" * n_columns)] * rows)
            + "\n").encode()


def _parquet_bomb() -> bytes:
    """21 row groups of the same million rows: 0.15 MB that read as 42 million
    values."""
    table = pa.table({"label": pa.array(np.zeros(1_000_000, np.int8)),
                      "score": pa.array(np.zeros(1_000_000, np.float32))})
    buffer = io.BytesIO()
    with pq.ParquetWriter(buffer, table.schema, compression="zstd") as writer:
        for _ in range(21):
            writer.write_table(table)
    return buffer.getvalue()


def _wide_parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({f"c{i}": [1.0] for i in range(1_001)}), buffer)
    return buffer.getvalue()


MAKERS = {
    "ten_thousand_columns.csv": lambda: _csv_header(10_000),
    "fifty_thousand_columns.csv": lambda: _csv_header(50_000),
    "million_name_header.csv": lambda: (",".join(
        f"n{i}" for i in range(1_000_000)) + "\n").encode(),
    "ten_mb_line.csv": lambda: b"label,score\n" + b"7" * 10_000_000 + b"\n",
    "thousand_and_one_columns.parquet": _wide_parquet,
    "parquet_bomb.parquet": _parquet_bomb,
}
_made: dict[str, bytes] = {}


def _file(case: Case) -> tuple[str, bytes]:
    if case.file.startswith(GENERATED):
        name = case.file.removeprefix(GENERATED)
        if name not in _made:
            _made[name] = MAKERS[name]()
        return name, _made[name]
    return case.file, (HOSTILE / case.file).read_bytes()


def _words(outcome: str) -> str:
    assert outcome.startswith("error: "), outcome
    return outcome.removeprefix("error: ")


def _shown(markdown: str) -> str:
    """Text as a reader sees it (the Markdown escapes of user text removed)."""
    return re.sub(r"\\(.)", r"\1", markdown)


# --- the catalogue itself -----------------------------------------------------------


def test_the_catalogue_lists_every_file_once_and_enough_of_them():
    names = [c.file for c in CASES]
    assert len(names) == len(set(names)) >= 60
    on_disk = {p.name for p in HOSTILE.iterdir() if p.name != "CATALOGUE.md"}
    listed = {n for n in names if not n.startswith(GENERATED)}
    assert listed == on_disk
    assert {n.removeprefix(GENERATED) for n in names if n.startswith(GENERATED)} == set(
        MAKERS)
    for case in CASES:
        assert case.read.startswith(("error: ", "table ")), case
        if case.read.startswith("error: "):
            assert case.train == case.score == "-", case
        else:
            assert all(o == "ok" or o.startswith("error: ")
                       for o in (case.train, case.score)), case


# --- through the parser -------------------------------------------------------------


def _train(df, name: str) -> str:
    try:
        dataset_from_table(df, name)
    except DataError as exc:
        return str(exc)
    return "ok"


def _score(df) -> str:
    try:
        label, score, weight = guess_columns(df.columns)
        scored_data(df, label, score, weight)
    except DataError as exc:
        return str(exc)
    return "ok"


def _check_message(message: str, outcome: str, case: Case) -> None:
    if outcome == "ok":
        assert message == "ok", (case.file, message)
    else:
        assert _words(outcome) in message, (case.file, message)
        assert "np." not in message and len(message) < 1_000, (case.file, message)


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_the_parser_says_what_is_wrong_or_reads_the_table(case):
    name, data = _file(case)
    if case.read.startswith("error: "):
        with pytest.raises(DataError) as caught:
            read_upload(data, name)
        _check_message(str(caught.value), case.read, case)
        assert name in str(caught.value)
        return
    df = read_upload(data, name)
    assert case.read == f"table {df.shape[0]}x{df.shape[1]}", case.file
    for column in df.columns:  # plain values only: nothing unhashable reaches a widget
        assert df[column].dtype.kind in "biufO", (case.file, column)
        if df[column].dtype.kind == "O":
            assert all(isinstance(v, (str, bool, float, int)) for v in df[column])
    _check_message(_train(df, name), case.train, case)
    _check_message(_score(df), case.score, case)


def test_limits_hold_when_lowered(monkeypatch):
    """The cell and expanded-size limits, checked without building big files."""
    monkeypatch.setattr(core.data, "MAX_CELLS", 100)
    with pytest.raises(DataError, match="limit is 100 values"):
        read_upload(b"label,score\n" + b"0,0.5\n1,0.7\n" * 30, "rows.csv")
    buffer = io.BytesIO()
    pq.write_table(pa.table({"label": [0, 1] * 50, "note": ["a" * 500, "b"] * 50}),
                   buffer, use_dictionary=False)
    monkeypatch.setattr(core.data, "MAX_CELLS", 10_000)
    monkeypatch.setattr(core.data, "MAX_TABLE_BYTES", 10_000)
    with pytest.raises(DataError, match=r"would take .* MB once read \(100 rows\)"):
        read_upload(buffer.getvalue(), "wide_text.parquet")


def test_a_headerless_file_gets_a_header_and_then_reads_every_row():
    data = (HOSTILE / "headerless_numeric.csv").read_bytes()
    df = read_upload(b"label,score\n" + data, "fixed.csv")
    assert len(df) == 4 and df["label"].tolist() == [1, 0, 1, 0]


def test_blank_lines_before_a_good_header_are_skipped():
    df = read_upload(b"\n\r\n  \nx,label\n1,0\n2,1\n", "blank.csv")
    assert list(df.columns) == ["x", "label"] and len(df) == 2


def test_messages_quote_at_most_about_80_characters_of_a_value():
    word = "w" * 5_000
    df = read_upload(f"label,score\n0,0.1\n1,{word[:900]}\n".encode(), "long.csv")
    with pytest.raises(DataError) as caught:
        scored_data(df, "label", "score")
    assert "w" * 79 in str(caught.value) and "w" * 81 not in str(caught.value)
    df = read_upload(b"label,score\n1,0.1\n1,0.2\n", "one.csv")
    with pytest.raises(DataError, match=r"only one class: 1\.") as caught:
        scored_data(df, "label", "score")
    assert "np." not in str(caught.value)


def _parsed_or_refused(data: bytes) -> None:
    """The parser and both column readers: a table or a DataError, nothing else."""
    try:
        df = read_upload(data, "fuzz.csv")
    except DataError:
        return
    for use in (lambda: dataset_from_table(df, "fuzz.csv"),
                lambda: scored_data(df, *guess_columns(df.columns))):
        try:
            use()
        except DataError:
            pass


CHARACTERS = list(',;\t|\n\r"\' 01.-eE+abxyNaninf\ufeff\x00\u202e$[](){}')
FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=list(HealthCheck))


@FUZZ
@given(st.one_of(st.lists(st.sampled_from(CHARACTERS), max_size=200).map(
    lambda chars: "".join(chars).encode()), st.binary(max_size=300)))
def test_any_bytes_give_a_table_or_a_message(data):
    _parsed_or_refused(data)


TOKENS = ["", "0", "1", "-1", "0.5", "1e308", "-1e308", "1e400", "nan", "inf", "true",
          "False", "yes", "no", "a", "label", "score", "weight", "count", "x",
          '"q,q"', '"', " ", "1,5", "\ufeff", "9" * 25, "NA", "2020-01-01",
          "$\\gamma$", "[x](y)", "<b>"]


@FUZZ
@given(st.sampled_from(",;\t|"), st.sampled_from(["\n", "\r\n", "\r"]),
       st.lists(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5),
                min_size=1, max_size=8))
def test_any_table_of_awkward_cells_gives_a_table_or_a_message(sep, newline, rows):
    _parsed_or_refused(newline.join(sep.join(row) for row in rows).encode())


# --- through the app ----------------------------------------------------------------

GOOD_TRAIN = b"size;age;diagnosis\n1.5;40;benign\n3.0;51;malignant\n0.5;33;benign\n" \
             b"4.2;60;malignant\n2.2;45;benign\n"


def _sidebar_upload(at: AppTest, name: str, data: bytes) -> AppTest:
    name = _as_allowed(name, UPLOAD_TYPES)
    at.file_uploader(key="ds.file_widget").set_value((name, data, "text/csv")).run()
    assert not at.exception, (name, at.exception)
    return at


def _captions(at: AppTest) -> str:
    return " ".join(_shown(c.value) for c in at.sidebar.caption)


def test_every_hostile_file_through_the_sidebar_keeps_the_loaded_data():
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("pages/walk.py").run()  # a page with the dataset's controls
    _sidebar_upload(at, "good.csv", GOOD_TRAIN)
    kept = "5 rows from good.csv"
    assert kept in _captions(at)
    for case in CASES:
        name, data = _file(case)
        _sidebar_upload(at, name, data)
        outcome = case.train if case.read.startswith("table") else case.read
        if outcome == "ok":  # this file is now the data to keep
            assert not at.sidebar.error, (name, at.sidebar.error)
            rows = case.read.split()[1].split("x")[0]
            assert f"Loaded {rows} rows" in _shown(at.sidebar.success[0].value), name
            assert at.selectbox(key="ds.name").value == UPLOADED
            kept = f"{rows} rows from {_as_allowed(name, UPLOAD_TYPES)}"
            assert kept in _captions(at), name
            continue
        error = _shown(at.sidebar.error[0].value)
        assert _words(outcome) in error, (name, error)
        assert "previous dataset is still loaded" in error, name
        assert at.selectbox(key="ds.name").value == UPLOADED, name
        assert kept in _captions(at), name
    # a file's names, values and file name are shown as text, shortened
    _sidebar_upload(at, "![x](http://h/x.png) $\\gamma$ <b>.csv",
                    (HOSTILE / "markdown_label_values.csv").read_bytes())
    caption = next(c.value for c in at.sidebar.caption if "rows from" in c.value)
    assert "![x](" not in caption and "\\!\\[x\\]\\(" in caption
    assert "\\$\\\\gamma\\$" in caption and "\\<b\\>" in caption
    assert "\\[no\\]\\(http" in caption  # the positive label, a link in Markdown


def _threshold_page() -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page("pages/threshold.py").run()
    at.session_state["thr_settings"] = True  # the settings (and the uploader) open
    at.run()
    at.radio(key="thr.source").set_value("upload").run()
    at.button_group(key="thr.view").set_value("method").run()  # the lightest view
    assert not at.exception
    return at


def _page_upload(at: AppTest, name: str, data: bytes) -> AppTest:
    name = _as_allowed(name, PAGE_TYPES)
    at.file_uploader(key="thr.upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, (name, at.exception)
    return at


def _optimum(at: AppTest) -> str:
    return next(m.value for m in at.metric
                if m.label.startswith("Cost-optimal threshold"))


def test_every_hostile_file_through_the_threshold_page_keeps_the_loaded_scores():
    at = _threshold_page()
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.4).astype(int)
    s = np.round(np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1), 3)
    good = ("label,score\n" + "\n".join(f"{a},{b}" for a, b in zip(y, s, strict=True))
            + "\n").encode()
    _page_upload(at, "good_scores.csv", good)
    assert not at.error
    kept = _optimum(at)
    for case in CASES:
        name, data = _file(case)
        _page_upload(at, name, data)
        outcome = case.score if case.read.startswith("table") else case.read
        if outcome == "ok":  # this file is now the data to keep
            assert not at.error, (name, [e.value for e in at.error])
            kept = _optimum(at)
            continue
        assert at.error, name
        error = _shown(at.error[0].value)  # shown as text: Markdown-escaped
        assert _words(outcome) in error, (name, error)
        assert "previous file is still in use" in error, name
        assert _optimum(at) == kept, name
