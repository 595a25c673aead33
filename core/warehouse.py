"""Run the aggregate where the data live: DuckDB over a file, or a database
reached through SQLAlchemy (PostgreSQL), read-only and cancellable.

- **Files** (:class:`FileSource`): DuckDB reads a Parquet or CSV file out of core
  (bounded memory, spilling to a temporary folder), so a file far larger than the
  server's memory is aggregated without ever becoming a pandas table. Files come
  from an upload written to a temporary file, or from the server's data folder
  (:func:`data_folder_files`, :func:`data_folder_path`): only regular files directly
  inside it, no ``..``, no absolute path, no symlink.
- **Databases** (:class:`DatabaseSource`): one SQLAlchemy engine (what
  ``st.connection(..., type="sql")`` holds). Each aggregate's statements run in
  one read-only, repeatable-read transaction (they see the same rows) with a
  statement timeout, on the driver's own cursor (so no
  layer reads ``:name`` or ``%s`` in a quoted identifier as a parameter); Cancel
  sends the driver's cancel request (PostgreSQL's cancel key, what
  ``pg_cancel_backend`` does).
- :class:`Job` runs one aggregate in a thread, so the page can show progress and a
  Cancel button while it runs.

No Streamlit here; messages are plain sentences, never with a password in them.
"""

from __future__ import annotations

import itertools
import os
import stat
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .aggregate import (
    DEFAULT_CAP,
    DEFAULT_RESOLUTION,
    Aggregate,
    AggregateQuery,
    checks_from_result,
    from_result,
    quote_literal,
    relation_sql,
)
from .data import DataError

FILE_SUFFIXES = (".parquet", ".csv", ".tsv", ".txt")
DUCKDB_MEMORY = "512MB"  # DuckDB spills to disk beyond this
PERFECT_BITS = 21  # bin numbers spanning up to 2**21 values: an array, not a hash
CHECKS_SHARE = 0.1  # the checks statement's part of the progress bar
INTEGER_TYPES = {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                 "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
STATEMENT_TIMEOUT_MS = 10 * 60 * 1000
HIDDEN_SCHEMAS = ("information_schema", "pg_catalog", "pg_toast")


class Cancelled(Exception):
    """The aggregate was cancelled by the user."""


# ---------------------------------------------------------------------------------
# The data folder
# ---------------------------------------------------------------------------------


def _regular_file(path: Path) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode)  # a symlink is not a regular file under lstat


def data_folder_files(root: str | os.PathLike) -> list[str]:
    """The names of the Parquet/CSV files directly in ``root`` (no symlinks, no
    sub-folders), sorted."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(e.name for e in os.scandir(root)
                  if e.name.lower().endswith(FILE_SUFFIXES)
                  and not e.name.startswith(".") and _regular_file(Path(e.path)))


def data_folder_path(root: str | os.PathLike, name: str) -> Path:
    """The file ``name`` inside ``root``, or ``DataError``: a name with a path
    separator or ``..``, a symlink, or anything that resolves outside ``root`` is
    refused."""
    if (not name or name != os.path.basename(name) or name in (".", "..")
            or "/" in name or "\\" in name or "\x00" in name):
        raise DataError("Only a file directly inside the data folder can be used.")
    base = Path(root).resolve(strict=True)
    path = base / name
    if not _regular_file(path):
        raise DataError("That file is not a regular file in the data folder (a "
                        "symlink or a folder is not used).")
    if path.resolve(strict=True).parent != base:
        raise DataError("Only a file directly inside the data folder can be used.")
    if not name.lower().endswith(FILE_SUFFIXES):
        raise DataError("The data folder's files must be Parquet or CSV.")
    return path


# ---------------------------------------------------------------------------------
# Running the aggregate: exact up to the cap, else binned
# ---------------------------------------------------------------------------------


def run_aggregate(execute: Callable[[str], list], query: AggregateQuery, *,
                  cap: int = DEFAULT_CAP, resolution: float = DEFAULT_RESOLUTION,
                  distinct: str | None = None) -> Aggregate:
    """Run ``query`` through ``execute(sql) -> columns``: first the checks (every
    row usable, the scores' range), then grouped by the exact score when there are
    at most ``cap`` distinct ones (asking for ``cap + 1`` rows tells), else binned
    to ``resolution``. ``distinct`` names the engine's estimate of distinct values
    (see :meth:`AggregateQuery.checks_sql`), made on the first ``5 * cap`` rows: an
    estimate clearly above the cap skips the exact attempt (a lower one only costs
    that attempt). All statements should see the same rows (one snapshot); a total
    that differs from the checks' count is refused."""
    checks = checks_from_result(execute(query.checks_sql(resolution, distinct,
                                                         5 * cap)))
    segmented = query.segment is not None
    agg = None
    if checks.distinct is None or checks.distinct <= cap * 1.1:
        sql = query.sql(limit=cap + 1) if not segmented else query.sql()
        columns = execute(sql)
        n_scores = (len(np.unique(np.asarray(columns[0], dtype=float))) if segmented
                    else len(columns[0]))
        if n_scores <= cap:
            agg = from_result(columns, segmented=segmented, resolution=None, sql=sql)
    if agg is None:
        sql = query.sql(resolution=resolution, integer_bins=checks.integer_bins)
        agg = from_result(execute(sql), segmented=segmented, resolution=resolution,
                          sql=sql)
    if agg.total_rows != checks.n_rows:
        raise DataError("The rows changed while they were being aggregated; run it "
                        "again.")
    return agg


# ---------------------------------------------------------------------------------
# DuckDB over a file
# ---------------------------------------------------------------------------------


@dataclass
class FileSource:
    """A Parquet or CSV file that DuckDB reads in place."""

    path: Path
    temp_dir: str | None = None  # where DuckDB may spill
    shown_name: str = ""  # the file's name for people (not the server's path)

    def __post_init__(self):
        import duckdb

        # a bin number spanning up to 2**PERFECT_BITS values (1e6 bins of [0, 1]
        # need 20 bits) is counted into a plain array, not a hash table
        config = {"memory_limit": DUCKDB_MEMORY, "threads": 2,
                  "perfect_ht_threshold": PERFECT_BITS}
        if self.temp_dir:
            config["temp_directory"] = self.temp_dir
        self._con = duckdb.connect(":memory:", config=config)
        # progress is tracked (for query_progress) but never printed
        self._con.execute("SET enable_progress_bar = true; "
                          "SET enable_progress_bar_print = false")
        self._span = (0.0, 1.0)  # the running statement's part of the progress bar
        self._shown = 0.0

    @property
    def relation(self) -> str:
        reader = ("read_parquet" if self.path.suffix.lower() == ".parquet"
                  else "read_csv_auto")
        return f"{reader}({quote_literal(str(self.path))})"

    @property
    def shown_relation(self) -> str:
        """:attr:`relation` with the file's own name instead of its path."""
        reader = self.relation.split("(")[0]
        try:
            return f"{reader}({quote_literal(self.shown_name or self.path.name)})"
        except DataError:
            return f"{reader}('scored_file')"

    def columns(self) -> list[str]:
        return list(self.column_types())

    def column_types(self, relation: str | None = None) -> dict[str, str]:
        """The columns' names and DuckDB types, in order, of the file (or of
        ``relation``)."""
        try:
            # its own cursor: a page's rerun asks for the columns while an
            # aggregate runs on the connection in another thread, and a statement
            # on the same connection took the aggregate's result (fetchnumpy gave
            # None: "'NoneType' object has no attribute 'values'")
            with self._con.cursor() as cursor:
                rows = cursor.execute(
                    f"DESCRIBE SELECT * FROM {relation or self.relation}").fetchall()
            return {r[0]: str(r[1]) for r in rows}
        except Exception as exc:  # duckdb's errors have no common base we need
            raise DataError(f"DuckDB cannot read this file: {_first_line(exc)}") \
                from exc

    def execute(self, sql: str) -> list:
        """The result of ``sql`` as a list of columns (NumPy arrays)."""
        try:
            return list(self._con.execute(sql).fetchnumpy().values())
        except Exception as exc:
            if "interrupt" in str(exc).lower():
                raise Cancelled("The aggregate was cancelled.") from exc
            raise DataError(f"DuckDB could not aggregate this file: "
                            f"{_first_line(exc)}") from exc

    def aggregate(self, query: AggregateQuery, **kw) -> Aggregate:
        """The aggregate (:func:`run_aggregate`, with DuckDB's estimate of distinct
        scores; an integer label's check is a range, which DuckDB answers from a
        Parquet file's statistics). The checks statement, a scan, is the first
        tenth of the progress bar; the grouping statement(s) the rest."""
        self._shown = 0.0
        calls = itertools.count()
        if self.column_types(query.relation).get(query.label) in INTEGER_TYPES:
            query = replace(query, integer_label=True)

        def execute(sql: str) -> list:
            self._span = (0.0, CHECKS_SHARE) if next(calls) == 0 else \
                (CHECKS_SHARE, 1.0 - CHECKS_SHARE)
            return self.execute(sql)

        return run_aggregate(execute, query, distinct="approx_count_distinct", **kw)

    def _query_progress(self) -> float:
        return float(self._con.query_progress())

    def progress(self) -> float | None:
        """Share of the running aggregate done (0..1, never going back), when
        DuckDB knows it."""
        try:
            p = self._query_progress()
        except Exception:
            return None
        if not p >= 0:  # between two statements
            return self._shown
        start, width = self._span
        self._shown = max(self._shown, start + width * min(p, 100.0) / 100.0)
        return self._shown

    def cancel(self) -> None:
        self._con.interrupt()

    def close(self) -> None:
        self._con.close()


# ---------------------------------------------------------------------------------
# A database through SQLAlchemy
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    schema: str | None
    name: str
    kind: str  # "table" or "view"

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def relation(self) -> str:
        return relation_sql(*(p for p in (self.schema, self.name) if p))


class DatabaseSource:
    """The tables and views of a SQLAlchemy engine, aggregated in the database."""

    def __init__(self, engine):
        self.engine = engine
        self._running = None  # the driver connection of the running statement
        self._lock = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _error(self, exc: BaseException, doing: str) -> DataError:
        text = _first_line(exc)
        password = self.engine.url.password
        if password:
            text = text.replace(str(password), "***")
        return DataError(f"The database could not {doing}: {text}")

    def tables(self) -> list[Table]:
        from sqlalchemy import inspect

        try:
            insp = inspect(self.engine)
            default = insp.default_schema_name
            out = []
            for schema in insp.get_schema_names():
                if schema in HIDDEN_SCHEMAS or schema.startswith("pg_"):
                    continue
                shown = None if schema == default else schema
                out += [Table(shown, t, "table") for t in insp.get_table_names(schema)]
                out += [Table(shown, v, "view") for v in insp.get_view_names(schema)]
        except Exception as exc:
            raise self._error(exc, "list its tables") from exc
        return sorted(out, key=lambda t: (t.schema is not None, t.label))

    def columns(self, table: Table) -> list[str]:
        from sqlalchemy import inspect

        try:
            return [c["name"] for c in inspect(self.engine).get_columns(
                table.name, schema=table.schema)]
        except Exception as exc:
            raise self._error(exc, "list the table's columns") from exc

    @contextmanager
    def _transaction(self):
        """``run(sql) -> columns`` inside one read-only, repeatable-read transaction
        (so all its statements see the same rows) with a statement timeout, on the
        driver's cursor; rolled back after."""
        if self.dialect != "postgresql":
            raise DataError("Only PostgreSQL databases are aggregated here; run the "
                            "SQL shown on your database and upload the result.")
        try:
            raw = self.engine.raw_connection()
        except Exception as exc:
            raise self._error(exc, "be reached") from exc
        try:
            driver = raw.driver_connection
            with self._lock:
                self._running = driver
            cur = raw.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(f"SET LOCAL statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")

            def run(sql: str) -> list:
                cur.execute(sql)
                rows = cur.fetchall()
                width = len(cur.description or ())
                return [list(c) for c in zip(*rows, strict=True)] if rows else \
                    [[] for _ in range(width)]

            yield run
        except (DataError, Cancelled):
            raise
        except Exception as exc:
            if "canceling statement due to user request" in str(exc):
                raise Cancelled("The aggregate was cancelled.") from exc
            if "closed" in str(exc).lower() or "terminat" in str(exc).lower():
                raise DataError("The database went away during the query (the "
                                "connection was closed); nothing was changed. Try "
                                "again when it is back.") from exc
            raise self._error(exc, "run the aggregate") from exc
        finally:
            with self._lock:
                self._running = None
            try:
                raw.rollback()
                raw.close()
            except Exception:  # a dead connection: the pool drops it
                raw.invalidate() if hasattr(raw, "invalidate") else None

    def execute(self, sql: str) -> list:
        """The result of ``sql`` as a list of columns, in its own read-only
        transaction."""
        with self._transaction() as run:
            return run(sql)

    def aggregate(self, query: AggregateQuery, **kw) -> Aggregate:
        """The aggregate (:func:`run_aggregate`), all its statements in one
        transaction."""
        with self._transaction() as run:
            return run_aggregate(run, query, **kw)

    def progress(self) -> float | None:
        return None  # PostgreSQL does not report a share done

    def cancel(self) -> None:
        with self._lock:
            driver = self._running
        if driver is not None:
            cancel = getattr(driver, "cancel_safe", None) or driver.cancel
            cancel()


# ---------------------------------------------------------------------------------
# One aggregate in a thread
# ---------------------------------------------------------------------------------


class Job:
    """``work()`` in a daemon thread, with its state for a page to poll:
    ``running``, ``done`` (``result``), ``failed`` (``error``, a sentence) or
    ``cancelled``; ``cancel()`` asks the engine to stop the statement."""

    def __init__(self, work: Callable[[], object], cancel: Callable[[], None],
                 progress: Callable[[], float | None] = lambda: None):
        self._cancel, self._progress = cancel, progress
        self.state = "running"
        self.result: object = None
        self.error: str | None = None
        self.started = time.monotonic()
        self.finished: float | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work) -> None:
        try:
            self.result = work()
            self.state = "done"
        except Cancelled:
            self.state = "cancelled"
        except DataError as exc:
            self.error, self.state = str(exc), "failed"
        except Exception as exc:  # anything else still ends the job with words
            self.error, self.state = f"The aggregate failed: {_first_line(exc)}", \
                "failed"
        finally:
            self.finished = time.monotonic()

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def progress(self) -> float | None:
        return self._progress() if self.running else None

    def cancel(self) -> None:
        if self.running:
            self._cancel()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
