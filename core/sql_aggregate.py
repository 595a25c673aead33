"""The per-score aggregate, computed where the rows live: one SQL statement over a
table, a view or a file, run by DuckDB (embedded) or by the user's database through
SQLAlchemy, returning :class:`core.score_counts.ScoreCounts`.

Nothing typed by a user is pasted into SQL. Table and column names are chosen from
what the database lists and always written as quoted identifiers; the optional
filter is parsed into a small grammar (comparisons of a known column with a number
or a string, ``IS [NOT] NULL``, ``AND``, ``OR``, ``NOT``, parentheses) and written
back from the parse. The statement is plain SQL that Spark SQL, Trino or BigQuery
also run (BigQuery quotes names with backticks).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import DataError
from .score_counts import ScoreCounts, bin_edges, check_counts

MAX_EXACT = 1_000_000  # distinct (segment, score) groups kept exactly
MAX_SEGMENTS = 50
MAX_FILTER = 500  # characters
MAX_NAME = 120


class QueryError(DataError):
    """An aggregation that cannot run or whose answer cannot be used."""


# ---------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------


def quote(name: str) -> str:
    """``name`` as a SQL identifier: in double quotes, inner quotes doubled, so no
    name can end the identifier (``a"; DROP TABLE t; --`` stays one name)."""
    name = str(name)
    if not name or len(name) > MAX_NAME or "\x00" in name:
        raise QueryError("A table or column name must be 1 to "
                         f"{MAX_NAME} characters, without NUL.")
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    """A number or a string as a SQL literal, written from its parsed value."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QueryError("A number in the filter must be finite.")
        return repr(value)
    text = str(value)
    if "\x00" in text:
        raise QueryError("A string in the filter cannot hold a NUL character.")
    return "'" + text.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------
# The filter: parsed, then written back
# ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")+")
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|<>|!=|=|<|>)
    | (?P<paren>[()])
    )""", re.VERBOSE)
_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "TRUE", "FALSE"}


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QueryError(f"The filter cannot be read at character {pos + 1}: "
                             f"{text[pos:pos + 20]!r}. Use comparisons like "
                             "amount > 100 AND region = 'EU'.")
        kind = m.lastgroup
        value, start = m.group(kind), m.start(kind)
        if kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value, start))
        pos = m.end()
    return out


@dataclass(frozen=True)
class Filter:
    """A parsed filter: its SQL (identifiers quoted, literals rewritten)."""

    sql: str


def parse_filter(text: str, columns) -> Filter | None:
    """Parse a row filter over ``columns``; None when ``text`` is blank.

    Grammar: ``expr := term (OR term)*``, ``term := factor (AND factor)*``,
    ``factor := NOT factor | ( expr ) | column op value | column IS [NOT] NULL``,
    ``value`` a number, a 'string' or TRUE/FALSE. Anything else (a semicolon, a
    comment, a function call, a second statement) is refused with where it is.
    """
    if text is None or not text.strip():
        return None
    if len(text) > MAX_FILTER:
        raise QueryError(f"The filter is longer than {MAX_FILTER} characters.")
    known = {str(c) for c in columns}
    toks = _tokens(text)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else ("end", "", len(text))

    def take(kind, value=None):
        nonlocal pos
        tok = peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            want = value or kind
            raise QueryError(f"The filter expects {want} at character {tok[2] + 1}"
                             f" but finds {tok[1] or 'the end'!r}.")
        pos += 1
        return tok

    def column():
        kind, value, at = peek()
        if kind == "word":
            name = value
        elif kind == "quoted":
            name = value[1:-1].replace('""', '"')
        else:
            raise QueryError(f"The filter expects a column name at character "
                             f"{at + 1} but finds {value or 'the end'!r}.")
        if name not in known:
            raise QueryError(f"The filter names a column that is not in the table: "
                             f"{name!r}.")
        take(kind)
        return quote(name)

    def value():
        kind, val, at = peek()
        if kind == "number":
            take(kind)
            num = float(val)
            return literal(int(num) if re.fullmatch(r"[-+]?\d+", val) else num)
        if kind == "string":
            take(kind)
            return literal(val[1:-1].replace("''", "'"))
        if kind == "kw" and val in ("TRUE", "FALSE"):
            take(kind)
            return val
        raise QueryError(f"The filter expects a number or a 'string' at character "
                         f"{at + 1} but finds {val or 'the end'!r}.")

    def factor():
        kind, val, _ = peek()
        if kind == "kw" and val == "NOT":
            take(kind)
            return f"NOT ({factor()})"
        if kind == "paren" and val == "(":
            take(kind)
            inner = expr()
            take("paren", ")")
            return f"({inner})"
        col = column()
        kind, val, _ = peek()
        if kind == "kw" and val == "IS":
            take(kind)
            negate = peek()[:2] == ("kw", "NOT")
            if negate:
                take("kw")
            take("kw", "NULL")
            return f"{col} IS {'NOT ' if negate else ''}NULL"
        op = take("op")[1]
        return f"{col} {'<>' if op == '!=' else op} {value()}"

    def term():
        out = factor()
        while peek()[:2] == ("kw", "AND"):
            take("kw")
            out = f"{out} AND {factor()}"
        return out

    def expr():
        out = term()
        while peek()[:2] == ("kw", "OR"):
            take("kw")
            out = f"{out} OR {term()}"
        return out

    sql = expr()
    if pos != len(toks):
        _, val, at = toks[pos]
        raise QueryError(f"The filter has more after a complete condition at "
                         f"character {at + 1}: {val!r}.")
    return Filter(sql)


# ---------------------------------------------------------------------------------
# The statement
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """The columns chosen for the aggregate ("" weight or segment: none)."""

    label: str
    score: str
    weight: str = ""
    segment: str = ""
    label_is_bool: bool = False

    def check(self, available) -> None:
        names = [self.label, self.score, self.weight, self.segment]
        known = {str(c) for c in available}
        for name in filter(None, names):
            if name not in known:
                raise QueryError(f"The table has no column {name!r}.")
        used = [n for n in names if n]
        if len(set(used)) != len(used):
            raise QueryError("The label, score, weight and segment must be "
                             "different columns.")


def aggregate_sql(relation: str, cols: Columns, where: Filter | None = None,
                  resolution: float | None = None, limit: int | None = None) -> str:
    """The aggregate statement over ``relation`` (already quoted or a table
    function): per (segment,) score or score bin, the positive and negative weight,
    the rows, and the rows whose label or weight a sweep cannot use.

    With ``resolution``, the score column is ``FLOOR(score / resolution)``: the
    bin's index (its edge is computed after, the same way for every engine).
    """
    # In double precision: a REAL sent as text would come back as its shortest
    # decimal (0.97), not the float it is (0.9700000286...).
    s, lab = f"CAST({quote(cols.score)} AS DOUBLE PRECISION)", quote(cols.label)
    w = quote(cols.weight) if cols.weight else "1"
    if cols.label_is_bool:
        is_pos, is_neg = f"{lab} = TRUE", f"{lab} = FALSE"
    else:
        is_pos, is_neg = f"{lab} = 1", f"{lab} = 0"
    key = s if resolution is None else f"FLOOR({s} / {literal(float(resolution))})"
    seg = f"CAST({quote(cols.segment)} AS VARCHAR(200))" if cols.segment else None
    bad_weight = (f"{quote(cols.weight)} IS NULL OR {quote(cols.weight)} < 0"
                  if cols.weight else "1 = 0")
    select = [*([f"{seg} AS segment"] if seg else []), f"{key} AS score",
              f"SUM(CASE WHEN {is_pos} THEN {w} ELSE 0 END) AS pos",
              f"SUM(CASE WHEN {is_neg} THEN {w} ELSE 0 END) AS neg",
              "COUNT(*) AS n_rows",
              f"SUM(CASE WHEN {is_pos} OR {is_neg} THEN 0 ELSE 1 END) AS bad_label",
              f"SUM(CASE WHEN {bad_weight} THEN 1 ELSE 0 END) AS bad_weight"]
    group = [*([seg] if seg else []), key]
    sql = "SELECT " + ",\n       ".join(select) + f"\nFROM {relation}"
    if where is not None:
        sql += f"\nWHERE {where.sql}"
    sql += "\nGROUP BY " + ", ".join(group)
    if limit is not None:
        sql += f"\nLIMIT {int(limit)}"
    return sql


def table_name(name: str, schema: str | None = None) -> str:
    """A (schema-qualified) table or view as quoted identifiers."""
    return (quote(schema) + "." if schema else "") + quote(name)


def resolution_for(lo: float, hi: float, cap: int = MAX_EXACT) -> float:
    """The bin width, a power of ten, that keeps ``[lo, hi]`` within ``cap`` bins."""
    span = max(float(hi) - float(lo), 1e-12)
    return float(10.0 ** math.ceil(math.log10(span / (cap - 1))))


def counts_from_result(rows, has_segment: bool,
                       resolution: float | None) -> ScoreCounts:
    """Turn the statement's result rows into checked :class:`ScoreCounts`."""
    rows = list(rows)
    if not rows:
        raise QueryError("The query returned no rows: there are no scores to sweep.")
    cols = list(zip(*rows, strict=True))
    off = 1 if has_segment else 0
    if any(v is None for v in cols[off]):
        n = sum(int(r[off + 3]) for r in rows if r[off] is None)
        raise QueryError(f"{n:,} rows have no score (NULL). Filter them out, for "
                         "example with: score IS NOT NULL.")
    bad_label = sum(int(v or 0) for v in cols[off + 4])
    if bad_label:
        raise QueryError(f"{bad_label:,} rows have a label that is neither 0 nor 1 "
                         "(or is NULL).")
    bad_weight = sum(int(v or 0) for v in cols[off + 5])
    if bad_weight:
        raise QueryError(f"{bad_weight:,} rows have a missing or negative weight.")
    scores = np.array(cols[off], dtype=float)
    if resolution is not None:
        scores = bin_edges(scores, resolution)
    segments = None
    if has_segment:
        segments = np.array(["(none)" if v is None else str(v) for v in cols[0]],
                            dtype=object)
        if len(set(segments.tolist())) > MAX_SEGMENTS:
            raise QueryError(f"The segment column has more than {MAX_SEGMENTS} "
                             "values; choose a column with fewer.")
    pos = np.array([float(v or 0) for v in cols[off + 1]])
    neg = np.array([float(v or 0) for v in cols[off + 2]])
    order = (np.lexsort((scores, segments)) if has_segment
             else np.argsort(scores, kind="stable"))
    counts = ScoreCounts(scores[order], pos[order], neg[order],
                         np.array(cols[off + 3], dtype=np.int64)[order],
                         None if segments is None else segments[order], resolution)
    try:
        check_counts(counts)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc
    return counts


@dataclass(frozen=True)
class Aggregate:
    """The counts and the statement that made them (shown on the page)."""

    counts: ScoreCounts
    sql: str


def aggregate(run, relation: str, cols: Columns, where: Filter | None = None,
              cap: int = MAX_EXACT) -> Aggregate:
    """Exact per-score counts when there are at most ``cap`` groups, else binned.

    ``run(sql) -> list of tuples`` executes one statement (DuckDB or SQLAlchemy
    below). The exact statement carries ``LIMIT cap + 1``: more rows than ``cap``
    means too many distinct scores, and the scores' range then sets a power-of-ten
    bin width with at most ``cap`` bins.
    """
    sql = aggregate_sql(relation, cols, where, limit=cap + 1)
    rows = run(sql)
    if len(rows) <= cap:
        return Aggregate(counts_from_result(rows, bool(cols.segment), None), sql)
    s = quote(cols.score)
    span_sql = f"SELECT MIN({s}), MAX({s}) FROM {relation}" + (
        f" WHERE {where.sql}" if where is not None else "")
    lo, hi = run(span_sql)[0]
    resolution = resolution_for(lo, hi, cap)
    sql = aggregate_sql(relation, cols, where, resolution=resolution)
    rows = run(sql)
    if len(rows) > cap * max(1, MAX_SEGMENTS if cols.segment else 1):
        raise QueryError("Too many (segment, score) groups even after binning.")
    return Aggregate(counts_from_result(rows, bool(cols.segment), resolution), sql)


# ---------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------


def duckdb_runner(con):
    """``run(sql)`` on a DuckDB connection."""
    def run(sql):
        return con.execute(sql).fetchall()
    return run


def sqlalchemy_runner(conn):
    """``run(sql)`` on an open SQLAlchemy connection, inside a read-only
    transaction (``SET TRANSACTION READ ONLY``, PostgreSQL and most SQL engines)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    def run(sql):
        try:
            with conn.begin():
                if conn.dialect.name in ("postgresql", "mysql", "mariadb", "oracle"):
                    conn.execute(text("SET TRANSACTION READ ONLY"))
                return [tuple(r) for r in conn.execute(text(sql)).fetchall()]
        except DBAPIError as exc:
            raise database_error(exc) from None
    return run


def database_error(exc) -> QueryError:
    """A database's error in plain words: its first line only (never the URL or
    the connection's settings)."""
    reason = str(getattr(exc, "orig", exc) or type(exc).__name__).strip()
    reason = reason.splitlines()[0][:300] if reason else type(exc).__name__
    if getattr(exc, "connection_invalidated", False) or "connection" in reason:
        return QueryError("The connection to the database was lost during the "
                          f"query ({reason}). Nothing was changed; try again.")
    return QueryError(f"The database refused the query: {reason}")


def list_relations(engine) -> list[tuple[str | None, str]]:
    """(schema, name) of every table and view the connection can see, system
    schemas left out."""
    from sqlalchemy import inspect

    insp = inspect(engine)
    system = {"information_schema", "pg_catalog", "pg_toast"}
    out = []
    for schema in insp.get_schema_names():
        if schema in system or schema.startswith("pg_temp"):
            continue
        names = insp.get_table_names(schema=schema) + insp.get_view_names(
            schema=schema)
        out.extend((schema, n) for n in sorted(set(names)))
    return out


def relation_columns(engine, schema: str | None, name: str) -> list[tuple[str, str]]:
    """(column, type name) of one table or view."""
    from sqlalchemy import inspect

    return [(str(c["name"]), str(c["type"])) for c in
            inspect(engine).get_columns(name, schema=schema)]


# ---------------------------------------------------------------------------------
# Files: the server's data folder and DuckDB's readers
# ---------------------------------------------------------------------------------

FILE_SUFFIXES = (".parquet", ".csv", ".tsv", ".txt")


def data_folder() -> Path | None:
    """The server-side data folder (``LOSSLAB_DATA_DIR``), or None when not set."""
    folder = os.environ.get("LOSSLAB_DATA_DIR", "").strip()
    if not folder:
        return None
    path = Path(folder).resolve()
    return path if path.is_dir() else None


def folder_files(folder: Path) -> list[str]:
    """Data files directly inside ``folder`` (no symlinks, no subfolders)."""
    return sorted(p.name for p in folder.iterdir()
                  if p.suffix.lower() in FILE_SUFFIXES and not p.is_symlink()
                  and p.is_file())


def resolve_in_folder(folder: Path, name: str) -> Path:
    """The file ``name`` inside ``folder``, refusing anything that leaves it: a
    path with separators or ``..``, a symlink, or a file that does not exist."""
    name = str(name)
    if (not name or name in (".", "..") or "/" in name or "\\" in name
            or "\x00" in name or Path(name).name != name):
        raise QueryError("Only a file directly inside the data folder can be read.")
    path = folder / name
    if path.is_symlink():
        raise QueryError(f"{name!r} is a symbolic link; only plain files inside "
                         "the data folder can be read.")
    real = path.resolve()
    if real.parent != folder.resolve() or not real.is_file():
        raise QueryError(f"There is no file {name!r} in the data folder.")
    if real.suffix.lower() not in FILE_SUFFIXES:
        raise QueryError("Only CSV and Parquet files can be read.")
    return real


def file_relation(path: Path) -> str:
    """The DuckDB table function that reads ``path`` (a literal, quotes doubled)."""
    reader = "read_parquet" if path.suffix.lower() == ".parquet" else "read_csv"
    return f"{reader}({literal(str(path))})"


def file_columns(con, relation: str) -> list[tuple[str, str]]:
    """(column, type) of a DuckDB relation."""
    return [(str(r[0]), str(r[1])) for r in
            con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]


def is_bool_type(type_name: str) -> bool:
    return type_name.strip().upper() in ("BOOLEAN", "BOOL")
