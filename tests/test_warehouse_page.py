"""The Threshold page's "database or data folder" source through AppTest: the data
folder (DuckDB), a large upload, and what is shown when nothing is set up."""

from __future__ import annotations

import re
import threading

import numpy as np
import pandas as pd
import pytest
from conftest import APP_PATH
from streamlit.testing.v1 import AppTest

import core
from core.thresholds import expected_cost
from ui import warehouse
from ui.models import WarehouseState

PAGE = "pages/threshold.py"


def _page() -> AppTest:
    at = AppTest.from_file(APP_PATH, default_timeout=60).run()
    at.switch_page(PAGE).run()
    at.session_state["thr_settings"] = True
    at.run()
    assert not at.exception
    return at


def _finish(at: AppTest) -> AppTest:
    """Wait for the aggregate's thread, then rerun (the page's poller would)."""
    ws = at.session_state[warehouse.SESSION_KEY]
    if ws.job is not None:
        ws.job.wait(120)
    at.run()
    ws = at.session_state[warehouse.SESSION_KEY]
    assert ws.result is not None, [e.value for e in at.error]
    return at


def _rows(n=20_000, seed=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.round(np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1), 3)
    return y, s


def _optimum(y, s):
    """The cost-optimal threshold on the page's validation half, computed apart:
    the rows aggregated in memory, split (counts thinned binomially) and swept."""
    from core.aggregate import Aggregate
    from core.scored import ScoredRows, split_scored

    df = pd.DataFrame({"s": s, "pos": (y == 1) * 1.0, "neg": (y == 0) * 1.0, "n": 1})
    g = df.groupby("s").sum().reset_index()
    agg = Aggregate(g["s"].to_numpy(), g["pos"].to_numpy(), g["neg"].to_numpy(),
                    g["n"].to_numpy())
    val, _ = split_scored(ScoredRows(*agg.to_rows()))
    sweep = core.threshold_sweep(val.y_true, val.scores, val.sample_weight)
    ec = expected_cost(sweep, core.CostMatrix(tp=0, fp=10, fn=30, tn=0))
    return float(sweep.thresholds[int(np.argmin(ec))])


def _metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_without_a_database_or_folder_the_page_says_how(monkeypatch):
    monkeypatch.delenv(warehouse.DATABASE_ENV, raising=False)
    monkeypatch.delenv(warehouse.FOLDER_ENV, raising=False)
    at = _page()
    at.radio(key="thr.source").set_value("warehouse").run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "secrets.toml" in info and warehouse.FOLDER_ENV in info
    assert "Showing the sidebar dataset meanwhile." in [c.value for c in at.caption]


def test_a_data_folder_file_is_aggregated_by_duckdb(tmp_path, monkeypatch):
    y, s = _rows()
    rng = np.random.default_rng(2)
    seg = rng.choice(["a", "b"], len(y))
    pd.DataFrame({"label": y, "score": s.astype(np.float32), "region": seg}) \
        .to_parquet(tmp_path / "scores.parquet")
    (tmp_path / "evil.csv").symlink_to("/etc/passwd")
    monkeypatch.setenv(warehouse.FOLDER_ENV, str(tmp_path))
    monkeypatch.delenv(warehouse.DATABASE_ENV, raising=False)
    at = _page()
    at.radio(key="thr.source").set_value("warehouse").run()
    assert at.selectbox(key="wh.table").options == ["scores.parquet"]  # no symlink
    # a filter that tries a second statement runs nothing
    at.text_input(key="wh.where").set_value("label = 1; DROP TABLE x").run()
    at.button(key="wh_run").click().run()
    assert any("cannot be read" in e.value for e in at.error)
    assert at.session_state[warehouse.SESSION_KEY].job is None
    at.text_input(key="wh.where").set_value("").run()
    at.selectbox(key="wh.segment").set_value("region").run()
    at.button(key="wh_run").click().run()
    at = _finish(at)
    assert not at.exception
    s32 = s.astype(np.float32).astype(float)
    assert _metric(at, "Cost-optimal threshold") == f"{_optimum(y, s32):.4g}"
    captions = " ".join(c.value for c in at.caption)
    assert "Aggregated 20,000 rows" in captions and "exact" in captions
    sql = at.code[0].value
    assert "read_parquet('scores.parquet')" in sql and str(tmp_path) not in sql
    assert 'GROUP BY CAST("score" AS DOUBLE PRECISION), "region"' in sql
    # one segment: its own rows' optimum, no new query
    at.selectbox(key="wh.part").set_value("b").run()
    keep = seg == "b"
    want = _optimum(y[keep], s32[keep])
    assert _metric(at, "Cost-optimal threshold") == f"{want:.4g}"
    text = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    assert re.search(r"scores\.parquet, segment b", text.replace("\\", ""))


def test_beyond_the_cap_the_page_states_the_bins_and_the_error_bound(tmp_path,
                                                                    monkeypatch):
    from core.warehouse import FileSource

    y, s = _rows()
    pd.DataFrame({"label": y, "score": s}).to_parquet(tmp_path / "scores.parquet")
    monkeypatch.setenv(warehouse.FOLDER_ENV, str(tmp_path))
    monkeypatch.delenv(warehouse.DATABASE_ENV, raising=False)
    aggregate = FileSource.aggregate
    monkeypatch.setattr(FileSource, "aggregate", lambda self, q: aggregate(
        self, q, cap=100, resolution=2**-6))
    at = _page()
    at.radio(key="thr.source").set_value("warehouse").run()
    at.button(key="wh_run").click().run()
    at = _finish(at)
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "binned to a width of 0.0156" in captions and "at most" in captions
    assert "FLOOR(" in at.code[0].value
    shown = _metric(at, "Cost-optimal threshold")  # a bin's lower edge, k / 64
    assert shown == f"{round(float(shown) * 64) / 64:.4g}"


def test_a_large_upload_goes_to_duckdb_not_pandas(monkeypatch):
    monkeypatch.setattr(warehouse, "BIG_UPLOAD_BYTES", 1000)
    monkeypatch.delenv(warehouse.DATABASE_ENV, raising=False)
    monkeypatch.delenv(warehouse.FOLDER_ENV, raising=False)
    y, s = _rows()
    data = pd.DataFrame({"y_true": y, "proba": s}).to_csv(index=False).encode()
    at = _page()
    at.radio(key="thr.source").set_value("upload").run()
    at.file_uploader(key="thr.upload").set_value(("big.csv", data, "text/csv")).run()
    assert at.radio(key="thr.source").value == "warehouse"
    view = at.session_state[WarehouseState.KEY]
    assert (view.kind, view.label, view.score) == ("upload", "y_true", "proba")
    at.button(key="wh_run").click().run()
    at = _finish(at)
    assert not at.exception
    assert _metric(at, "Cost-optimal threshold") == f"{_optimum(y, s):.4g}"
    assert "read_csv_auto('big.csv')" in at.code[0].value


@pytest.mark.parametrize("url", ["postgresql+psycopg://u:hunter2@127.0.0.1:1/db",
                                 "nonsense://x:hunter2@"])
def test_an_unreachable_database_is_a_message_without_secrets(monkeypatch, url):
    monkeypatch.setenv(warehouse.DATABASE_ENV, url)
    monkeypatch.delenv(warehouse.FOLDER_ENV, raising=False)
    at = _page()
    at.radio(key="thr.source").set_value("warehouse").run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert errors and "hunter2" not in errors


def test_progress_and_cancel_while_the_aggregate_runs(tmp_path, monkeypatch):
    from core.warehouse import Cancelled, FileSource

    y, s = _rows(2_000)
    pd.DataFrame({"label": y, "score": s}).to_parquet(tmp_path / "scores.parquet")
    monkeypatch.setenv(warehouse.FOLDER_ENV, str(tmp_path))
    monkeypatch.delenv(warehouse.DATABASE_ENV, raising=False)
    stop = threading.Event()

    def slow_aggregate(self, query, **kw):  # a statement that runs until cancelled
        if stop.wait(60):
            raise Cancelled("cancelled")

    monkeypatch.setattr(FileSource, "aggregate", slow_aggregate)
    monkeypatch.setattr(FileSource, "cancel", lambda self: stop.set())
    monkeypatch.setattr(FileSource, "progress", lambda self: 0.25)
    at = _page()
    at.radio(key="thr.source").set_value("warehouse").run()
    at.button(key="wh_run").click().run()
    assert not at.exception
    texts = [p.proto.text for p in at.get("progress")]
    assert any(t.startswith("Aggregating scores.parquet") and "25% read" in t
               for t in texts), texts
    assert at.button(key="wh_run").disabled
    at.button(key="wh_cancel").click().run()
    ws = at.session_state[warehouse.SESSION_KEY]
    if ws.job is not None:
        ws.job.wait(30)
    at.run()
    assert any("Cancelled" in e.value for e in at.error)
    assert at.session_state[warehouse.SESSION_KEY].result is None


def test_a_large_upload_duckdb_cannot_read_is_refused_in_words(monkeypatch):
    monkeypatch.setattr(warehouse, "BIG_UPLOAD_BYTES", 10)
    at = _page()
    at.radio(key="thr.source").set_value("upload").run()
    at.file_uploader(key="thr.upload").set_value(
        ("big.parquet", b"PAR1 this is not parquet at all", "application/octet-stream")
    ).run()
    assert not at.exception
    assert at.radio(key="thr.source").value == "upload"
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # plain() escapes
    assert any("big.parquet" in e and "DuckDB cannot read" in e for e in errors), errors
