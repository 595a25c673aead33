"""The Threshold page's "database or data folder" source: scores aggregated where
they live, by DuckDB or by the user's database, never loaded row by row.

Three places the rows can be (``WarehouseState.kind``):

- **database**: the SQLAlchemy URL of ``st.connection("warehouse", type="sql")``,
  from ``[connections.warehouse] url = ...`` in ``.streamlit/secrets.toml``, or from
  the ``LOSSLAB_DATABASE_URL`` environment variable. Its tables and views are
  offered; the aggregate runs in the database, read-only.
- **folder**: Parquet/CSV files directly inside the server's ``LOSSLAB_DATA_DIR``
  (off unless set), read by DuckDB in place.
- **upload**: a scored file larger than :data:`BIG_UPLOAD_BYTES` uploaded on the
  page: written to a temporary file and read by DuckDB, not pandas.

The aggregate runs in a thread (:class:`core.warehouse.Job`); while it runs a
fragment polls it twice a second with the elapsed time (and DuckDB's share done)
and a Cancel button. The page then works on the aggregate: one weighted row per
distinct score and label, the same sweep as the raw rows (``core.aggregate``). The
SQL that ran is shown; the connection's URL and password never are.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from core.aggregate import (
    DEFAULT_CAP,
    Aggregate,
    AggregateQuery,
    binning_error,
    parse_filter,
)
from core.data import DataError
from core.scored import ScoredRows, guess_columns
from core.thresholds import CostMatrix
from core.warehouse import (
    DatabaseSource,
    FileSource,
    Job,
    Table,
    data_folder_files,
    data_folder_path,
)
from ui import state
from ui.format import money, plain, short
from ui.memo import digest
from ui.models import ThresholdState, WarehouseState

SESSION_KEY = "_wh_session"
CONNECTION = "warehouse"
DATABASE_ENV = "LOSSLAB_DATABASE_URL"
FOLDER_ENV = "LOSSLAB_DATA_DIR"
BIG_UPLOAD_BYTES = 50 * 1024 * 1024  # above this an upload is read by DuckDB
POLL_S = 0.5
KIND_NAMES = {
    "database": "Your database",
    "folder": "The server's data folder",
    "upload": "The large uploaded file",
}


@dataclass(frozen=True)
class Result:
    """A finished aggregate and where it came from (for the words under it)."""

    aggregate: Aggregate
    where: str  # the table or file, as the user chose it
    sql: str  # as shown (a file's server path replaced by its name)
    seconds: float
    key: str  # content key of the aggregate


@dataclass
class WarehouseSession:
    """Per session: the open sources, the running job and the last result."""

    database: DatabaseSource | None = None
    files: dict[str, FileSource] = field(default_factory=dict)
    upload: tuple[str, Path] | None = None  # (name, temporary file) of a big upload
    job: Job | None = None
    job_where: str = ""
    job_source: object = None
    result: Result | None = None
    error: str | None = None
    scores: tuple[str, object] | None = None  # (key + part, Scores)


def session() -> WarehouseSession:
    held = st.session_state.get(SESSION_KEY)
    if not isinstance(held, WarehouseSession):
        held = st.session_state[SESSION_KEY] = WarehouseSession()
    return held


# ---------------------------------------------------------------------------------
# Where the rows can be
# ---------------------------------------------------------------------------------


def _has_secrets_connection() -> bool:
    try:
        return CONNECTION in st.secrets.get("connections", {})
    except Exception:  # no secrets.toml at all
        return False


def database(ws: WarehouseSession) -> DatabaseSource | str | None:
    """The configured database (None when there is none, a message when it
    cannot be opened)."""
    if ws.database is not None:
        return ws.database
    url = os.environ.get(DATABASE_ENV)
    if not url and not _has_secrets_connection():
        return None
    try:
        kwargs = {"url": url} if url else {}
        conn = st.connection(CONNECTION, type="sql", **kwargs)
        ws.database = DatabaseSource(conn.engine)
    except Exception as exc:  # a bad URL or a missing driver: say so, no secrets
        return (f"The database connection is configured but cannot be opened "
                f"({type(exc).__name__}). Check the URL in .streamlit/secrets.toml "
                f"or {DATABASE_ENV}.")
    return ws.database


def data_folder() -> Path | None:
    root = os.environ.get(FOLDER_ENV)
    return Path(root) if root and Path(root).is_dir() else None


def _file_source(ws: WarehouseSession, path: Path, shown: str) -> FileSource:
    key = str(path)
    if key not in ws.files:
        keep = str(ws.upload[1]) if ws.upload is not None else None
        for other in [k for k in ws.files if k != keep]:  # one open file at a time
            ws.files.pop(other).close()
        spill = Path(tempfile.gettempdir()) / "losslab-duckdb"
        spill.mkdir(exist_ok=True)
        ws.files[key] = FileSource(path, str(spill), shown)
    return ws.files[key]


def receive_big_file(data: bytes, name: str) -> str | None:
    """A scored upload too large for pandas: keep it as a temporary file for DuckDB
    and switch the page to it (the column choice comes next); or say why not."""
    ws = session()
    forget_big_file(ws)
    suffix = ".parquet" if name.lower().endswith(".parquet") else ".csv"
    folder = Path(tempfile.mkdtemp(prefix="losslab-upload-"))
    path = folder / f"scored{suffix}"
    path.write_bytes(data)
    ws.upload = (name, path)
    weakref.finalize(ws, shutil.rmtree, folder, True)
    source = _file_source(ws, path, name)
    try:
        columns = source.columns()
        label, score, weight = guess_columns(columns)
    except DataError as exc:
        forget_big_file(ws)
        return f"{name}: {exc}"
    ws.error, ws.result, ws.scores = None, None, None
    state.update(WarehouseState, kind="upload", table=short(name, 120), label=label,
                 score=score, weight=weight or "", segment="", where="", part="")
    state.update(ThresholdState, source="warehouse")
    return None


def forget_big_file(ws: WarehouseSession) -> None:
    if ws.upload is None:
        return
    path = ws.upload[1]
    source = ws.files.pop(str(path), None)
    if source is not None:
        source.close()
    shutil.rmtree(path.parent, ignore_errors=True)
    ws.upload = None


# ---------------------------------------------------------------------------------
# The widgets
# ---------------------------------------------------------------------------------


def _kinds(ws: WarehouseSession) -> list[str]:
    kinds = []
    if os.environ.get(DATABASE_ENV) or _has_secrets_connection():
        kinds.append("database")
    if data_folder() is not None:
        kinds.append("folder")
    if ws.upload is not None:
        kinds.append("upload")
    return kinds


def _pick(label: str, options: list[str], name: str, *, optional=False,
          format_func=None) -> None:
    """A selectbox bound to ``WarehouseState.name``, its value kept valid."""
    view = state.current(WarehouseState)
    options = ["", *options] if optional else options
    if getattr(view, name) not in options:
        state.update(WarehouseState, **{name: options[0] if options else ""})
    st.selectbox(label, options, format_func=format_func or (
        lambda c: c or "(none)"), **state.bind(WarehouseState, name))


def scores(show: bool):
    """The Threshold page's hook: the held scores (or None), and the source's
    widgets when ``show``."""
    view = state.current(ThresholdState)
    cost = CostMatrix(tp=view.cost_tp, fp=view.cost_fp, fn=view.cost_fn,
                      tn=view.cost_tn)
    return draw(session(), show, cost, view.currency, view.per)


def draw(ws: WarehouseSession, show: bool, cost: CostMatrix, currency: str,
         per: int):
    """The source's widgets (when ``show``) and the held scores (or None)."""
    if not show:
        if ws.job is not None and not ws.job.running:
            finish(ws)  # finished while the settings were folded
        return held_scores(ws)
    kinds = _kinds(ws)
    if not kinds:
        st.info(f"No database or data folder is set up on this server. Put a "
                f"SQLAlchemy URL under [connections.{CONNECTION}] in "
                f".streamlit/secrets.toml (or in {DATABASE_ENV}), or a folder of "
                f"Parquet/CSV files in {FOLDER_ENV}; scored files larger than "
                f"{BIG_UPLOAD_BYTES // 2**20} MB uploaded under \"Upload a scored "
                f"file\" also land here. See the README.")
        return held_scores(ws)
    view = state.current(WarehouseState)
    if view.kind not in kinds:
        view = state.update(WarehouseState, kind=kinds[0])
    if len(kinds) > 1:
        st.radio("Where the rows are", kinds, format_func=KIND_NAMES.get,
                 horizontal=True, **state.bind(WarehouseState, "kind"))
        view = state.current(WarehouseState)
    source, where, columns = _choose_relation(ws, view)
    if source is not None and columns:
        _column_widgets(columns)
        _run_controls(ws, source, where, columns)
    if ws.error:  # may quote the database's words and the user's names
        st.error(plain(ws.error, 400))
    _progress(ws)
    got = held_scores(ws)
    if ws.result is not None:
        _describe(ws.result, cost, currency, per)
    return got


def _choose_relation(ws: WarehouseSession, view: WarehouseState):
    """The source object, the relation's SQL, its name and columns (None, "", []
    when nothing can be chosen)."""
    try:
        if view.kind == "database":
            db = database(ws)
            if isinstance(db, str) or db is None:
                st.error(plain(db or "No database is configured.", 400))
                return None, None, []
            tables = db.tables()
            if not tables:
                st.info("The database shows no tables or views to this connection.")
                return None, None, []
            by_label = {t.label: t for t in tables}
            _pick("Table or view", list(by_label), "table",
                  format_func=lambda t: f"{t} ({by_label[t].kind})")
            table: Table = by_label[state.current(WarehouseState).table]
            return db, (table.relation, table.label), db.columns(table)
        if view.kind == "folder":
            root = data_folder()
            files = data_folder_files(root) if root else []
            if not files:
                st.info("The data folder holds no Parquet or CSV files.")
                return None, None, []
            _pick("File in the data folder", files, "table")
            name = state.current(WarehouseState).table
            path = data_folder_path(root, name)
            src = _file_source(ws, path, name)
            return src, (src.relation, name), src.columns()
        if ws.upload is None:
            return None, None, []
        name, path = ws.upload
        st.text(f"Large upload, read by DuckDB: {name}")
        src = _file_source(ws, path, name)
        return src, (src.relation, name), src.columns()
    except DataError as exc:
        st.error(plain(exc, 400))
        return None, None, []


def _column_widgets(columns: list[str]) -> None:
    view = state.current(WarehouseState)
    if view.label not in columns or view.score not in columns:
        label, score, weight = guess_columns(columns)
        state.update(WarehouseState, label=label, score=score, weight=weight or "")
    c1, c2 = st.columns(2)
    with c1:
        _pick("Label column (0/1)", columns, "label")
        _pick("Weight / count column", columns, "weight", optional=True)
    with c2:
        _pick("Score column", columns, "score")
        _pick("Segment column", columns, "segment", optional=True)
    st.text_input("Filter (optional): column op value, joined by AND",
                  placeholder="region = 'north' AND amount > 100",
                  **state.bind(WarehouseState, "where"))


def _query(relation: str, columns: list[str]) -> AggregateQuery:
    view = state.current(WarehouseState)
    return AggregateQuery(relation, view.label, view.score, view.weight or None,
                          view.segment or None, parse_filter(view.where, columns))


def _run_controls(ws: WarehouseSession, source, where, columns) -> None:
    running = ws.job is not None and ws.job.running
    st.button("Aggregate", key="wh_run", icon=":material/functions:",
              type="primary", disabled=running,
              on_click=_start, args=(ws, source, where, columns))


def _start(ws: WarehouseSession, source, where, columns) -> None:
    relation, name = where
    try:
        query = _query(relation, columns)
        query.sql()  # refuses a bad column choice before anything runs
    except DataError as exc:
        ws.error = str(exc)
        return
    ws.error = None
    ws.job = Job(lambda: source.aggregate(query), source.cancel, source.progress)
    ws.job_where, ws.job_source = name, source


def _cancel(ws: WarehouseSession) -> None:
    if ws.job is not None:
        ws.job.cancel()


@st.fragment(run_every=POLL_S)
def _poll() -> None:
    ws = session()
    job = ws.job
    if job is None:
        return
    if job.running:
        share = job.progress()
        text = f"Aggregating {ws.job_where}: {job.elapsed:.1f} s"
        if share is not None:
            st.progress(min(max(share, 0.0), 1.0), text=text + f", {share:.0%} read")
        else:
            st.progress(0.0, text=text + " (the database reports no share done)")
        st.button("Cancel", key="wh_cancel", icon=":material/cancel:",
                  on_click=_cancel, args=(ws,))
        return
    finish(ws)
    st.rerun()  # the whole page, now with the new scores


def _progress(ws: WarehouseSession) -> None:
    if ws.job is not None and ws.job.running:
        _poll()
    elif ws.job is not None:
        finish(ws)


def finish(ws: WarehouseSession) -> None:
    """Take a finished job's outcome into the session (once)."""
    job, ws.job = ws.job, None
    if job is None:
        return
    if job.state == "done":
        agg: Aggregate = job.result
        shown = agg.sql
        src = ws.job_source
        if isinstance(src, FileSource):  # the file's name, not the server's path
            shown = shown.replace(src.relation, src.shown_relation)
        segments = (None if agg.segments is None
                    else np.asarray(agg.segments, dtype=str))
        key = "warehouse:" + digest(agg.scores, agg.pos, agg.neg, agg.n_rows,
                                    segments, agg.sql)
        ws.result = Result(agg, ws.job_where, shown, job.elapsed, key)
        ws.error, ws.scores = None, None
        state.update(WarehouseState, part="")
    elif job.state == "cancelled":
        ws.error = "Cancelled: the aggregate was stopped; nothing changed."
    else:
        ws.error = job.error


def held_scores(ws: WarehouseSession):
    """The last aggregate as the page's :class:`ui.threshold_data.Scores` (the
    chosen segment only, if one is chosen), or None."""
    from ui.threshold_data import Scores

    res = ws.result
    if res is None:
        return None
    part = state.current(WarehouseState).part
    agg = res.aggregate
    if agg.segments is None or part not in set(agg.segments):
        part = ""
    key = f"{res.key}:{digest(part)}"
    if ws.scores is not None and ws.scores[0] == key:
        return ws.scores[1]
    chosen = agg.only(part) if part else agg
    y, s, w = chosen.to_rows()
    if not (np.any(y == 1) and np.any(y == 0)):
        return None
    what = f"{res.where}" + (f", segment {part}" if part else "") + (
        f": {chosen.total_rows:,} rows aggregated where they are, one row per "
        "score and label here")
    scores = Scores(ScoredRows(y, s, w, what), key)
    ws.scores = (key, scores)
    return scores


def _describe(res: Result, cost: CostMatrix, currency: str, per: int) -> None:
    agg = res.aggregate
    if agg.segments is not None:
        parts = sorted(set(agg.segments))
        _pick("Segment shown", parts, "part", optional=True,
              format_func=lambda p: p or "(all segments)")
    n_scores = len(np.unique(agg.scores))
    if agg.exact:
        st.caption(f"Aggregated {agg.total_rows:,} rows into {n_scores:,} distinct "
                   f"scores in {res.seconds:.1f} s: exact (up to {DEFAULT_CAP:,} "
                   f"distinct scores are kept as they are).")
    else:
        err = binning_error(agg, cost, per)
        st.caption(
            f"Aggregated {agg.total_rows:,} rows in {res.seconds:.1f} s. More than "
            f"{DEFAULT_CAP:,} distinct scores, so scores are binned to a width "
            f"of {agg.resolution:.3g} (each bin's threshold is its lower edge): "
            f"every point of the curves is exact, thresholds inside a bin are "
            f"missing; the cost at the chosen threshold is off by at most "
            f"{money(err, plain(currency))} per {per:,} cases.")
    with st.expander("The SQL that ran", icon=":material/code:"):
        st.code(res.sql, language="sql", wrap_lines=True)
        st.caption("The same statement runs on Spark SQL, Trino or BigQuery (their "
                   "quoting of names may differ; BigQuery writes COUNT(*) FILTER "
                   "(WHERE x) as COUNTIF(x)). Its result, one row per score "
                   "with the weight of positives (pos) and negatives (neg), can be "
                   "uploaded as a summary file once it is one row per label and "
                   "score with a count (the README shows how).")

