"""Scores where they live: the per-score aggregate a threshold decision needs, built
in SQL, and the sweep from it.

A sweep needs, per distinct score, only the weighted number of positives and of
negatives. :func:`aggregate_sql` writes the one ``GROUP BY`` statement that makes
them in the database (DuckDB over a file, or the user's own database), so billions of
rows never leave it; :func:`sweep_from_aggregate` turns the few thousand resulting
rows into the same :class:`core.thresholds.Sweep` as :func:`threshold_sweep` on the
raw rows.

**Checked, then grouped.** :meth:`AggregateQuery.checks_sql` first counts, in one
row, the rows that cannot be swept (a label other than 0/1, a score that is not a
finite number, a weight that is missing, negative or not finite) and (where the
engine has one) estimates how many distinct scores there are; nothing is grouped
unless every row is usable. The ``GROUP BY`` then needs only two aggregates per
group, ``COUNT(*) FILTER (WHERE label = 1)`` and ``COUNT(*)`` (``neg`` is their
difference; with weights ``SUM(weight) FILTER (WHERE label = 1)`` and ``... = 0``),
and the score is the group's key, not an aggregate: each aggregate of a group costs
a random memory access per row, so fewer (and counting rather than summing) is most
of the speed.

**Exact, then binned.** Up to ``cap`` distinct scores the aggregate groups by the
score itself, and the sweep is *equal* to the raw rows' sweep (float64 sums of
counts or integer weights are exact up to 2**53; the order of a database's sums of
fractional weights may differ in the last bit). Beyond the cap the scores are
grouped into bins of width ``resolution``, a power of two (2**-20, about 9.5e-7, by
default): bin ``k = FLOOR(score * 2**20)`` (a ``BIGINT``, which DuckDB counts into
a plain array instead of a hash table). Multiplying by a power of two is exact, so
``FLOOR(score * 2**20) >= k`` exactly when ``score >= k * 2**-20``: each bin is
represented by its lower edge ``k * 2**-20``, and "flag when score >= edge" flags
exactly the cases in that bin and above. Every point of the binned sweep is still
an exact point of the raw sweep; only thresholds strictly inside a bin are missing.
:func:`binning_error` bounds what that can cost: at most the most expensive bin's
cases decided the other way.

**SQL text is built from quoted identifiers only.** Names go through
:func:`quote_ident` (double quotes, doubled inside, nothing else allowed to end
them); the optional filter is parsed by :func:`parse_filter` into
``column op literal [AND ...]`` with a whitelist of operators and literals that are
numbers or quoted strings, never pasted. No user text reaches the statement
otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .data import DataError
from .thresholds import CostMatrix, Sweep

DEFAULT_CAP = 1_000_000  # distinct scores kept exactly
DEFAULT_RESOLUTION = 2.0**-20  # bin width beyond the cap (about 9.5e-7)
MAX_SCORE = 2.0**1000  # larger scores are refused: score * 2**20 stays finite
MAX_NAME = 120
MAX_FILTER = 500
OPERATORS = ("=", "!=", "<>", "<=", ">=", "<", ">")


# ---------------------------------------------------------------------------------
# Identifiers and the filter
# ---------------------------------------------------------------------------------


def quote_ident(name: str) -> str:
    """``name`` as one SQL identifier: in double quotes, inner quotes doubled.

    A quoted identifier cannot end early, so quotes, semicolons and comment marks
    in it are just characters of the name. NUL and other control characters (which
    no real name holds and some drivers cut at) are refused.
    """
    if not isinstance(name, str) or not name:
        raise DataError("A table or column name cannot be empty.")
    if len(name) > MAX_NAME:
        raise DataError(f"A table or column name is longer than {MAX_NAME} "
                        "characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise DataError("A table or column name holds a control character.")
    return '"' + name.replace('"', '""') + '"'


def relation_sql(*parts: str) -> str:
    """A schema-qualified relation, every part quoted: ``"schema"."table"``."""
    return ".".join(quote_ident(p) for p in parts)


def quote_literal(value: str) -> str:
    """A SQL string literal: single quotes, inner ones doubled; no control
    characters and no backslash (whose meaning depends on the database's
    settings)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value) or "\\" in value:
        raise DataError("A text value in the filter holds a control character or a "
                        "backslash.")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Condition:
    """``column op value``: one comparison of the filter."""

    column: str
    op: str
    value: float | str

    def sql(self) -> str:
        op = "<>" if self.op == "!=" else self.op
        if isinstance(self.value, str):
            literal = quote_literal(self.value)
        else:
            literal = repr(float(self.value))
        return f"{quote_ident(self.column)} {op} {literal}"


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ident>"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|<>|!=|=|<|>)
      | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^']|'')*')
    )""",
    re.VERBOSE,
)


def parse_filter(text: str, columns) -> tuple[Condition, ...]:
    """The filter ``column op literal [AND column op literal ...]`` as conditions.

    ``column`` is one of ``columns`` (bare, or in double quotes when it has other
    characters); ``op`` one of ``= != <> < <= > >=``; the literal a number or a
    'single-quoted' text. Anything else (a semicolon, a comment, a function, OR,
    a second statement) is refused with where it stops making sense.
    """
    text = (text or "").strip()
    if not text:
        return ()
    if len(text) > MAX_FILTER:
        raise DataError(f"The filter is longer than {MAX_FILTER} characters.")
    known = set(columns)
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise DataError(f"The filter cannot be read at character {pos + 1}: "
                            "write column op value, joined by AND (for example "
                            "region = 'north' AND amount > 100).")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind), pos))
        pos = m.end()
    out = []
    i = 0
    while True:
        if i + 3 > len(tokens):
            raise DataError("The filter ends too early: each condition is "
                            "column op value.")
        (k1, col, p1), (k2, op, p2), (k3, lit, p3) = tokens[i:i + 3]
        if k1 != "ident":
            raise DataError(f"The filter expects a column name at character {p1 + 1}.")
        name = col[1:-1].replace('""', '"') if col.startswith('"') else col
        if name not in known:
            raise DataError("The filter names a column that is not in the table.")
        if k2 != "op" or op not in OPERATORS:
            raise DataError(f"The filter expects one of {' '.join(OPERATORS)} at "
                            f"character {p2 + 1}.")
        if k3 == "number":
            value: float | str = float(lit)
            if not math.isfinite(value):
                raise DataError("The filter's number is not finite.")
        elif k3 == "string":
            value = lit[1:-1].replace("''", "'")
        else:
            raise DataError(f"The filter expects a number or a 'text' at character "
                            f"{p3 + 1}.")
        cond = Condition(name, op, value)
        cond.sql()  # refuses a literal that cannot be written
        out.append(cond)
        i += 3
        if i == len(tokens):
            return tuple(out)
        kind, word, p = tokens[i]
        if kind != "ident" or word.upper() != "AND":
            raise DataError(f"The filter expects AND at character {p + 1}.")
        i += 1


# ---------------------------------------------------------------------------------
# The statement
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AggregateQuery:
    """What to aggregate: a relation (already quoted SQL) and column names."""

    relation: str
    label: str
    score: str
    weight: str | None = None
    segment: str | None = None
    where: tuple[Condition, ...] = ()
    # the label column holds integers or booleans: "0 or 1" is then "between 0 and
    # 1", a range a file's statistics can answer without reading the column
    integer_label: bool = False

    def _parts(self) -> tuple[str, str, str | None, str]:
        """The label, score and weight as DOUBLE PRECISION expressions (weight None
        without a weight column), and the ``FROM ... WHERE`` text."""
        names = [self.label, self.score, self.weight, self.segment]
        used = [n for n in names if n]
        if len(set(used)) != len(used):
            raise DataError("The label, score, weight and segment must be different "
                            "columns.")
        y = f"CAST({quote_ident(self.label)} AS DOUBLE PRECISION)"
        s = f"CAST({quote_ident(self.score)} AS DOUBLE PRECISION)"
        w = (f"CAST({quote_ident(self.weight)} AS DOUBLE PRECISION)"
             if self.weight else None)
        where = [f"{quote_ident(self.score)} IS NOT NULL",  # as a file's statistics
                 *(c.sql() for c in self.where)]
        return y, s, w, f"FROM {self.relation}\nWHERE {' AND '.join(where)}"

    def checks_sql(self, resolution: float, distinct: str | None = None,
                   distinct_rows: int = 5_000_000) -> str:
        """One row about the rows to aggregate: ``n_rows``, ``bad_label`` (label not
        0 or 1, or missing), ``bad_score`` (NaN, infinite or beyond
        :data:`MAX_SCORE`), ``bad_weight`` (missing, negative, NaN or infinite),
        ``wide`` (scores whose bin number at ``resolution`` may not fit a
        ``BIGINT``: ``|score| / resolution`` 2**62 or more) and, when the engine has an
        estimate of distinct values (its function's name as ``distinct``, e.g.
        DuckDB's ``approx_count_distinct``), ``distinct_scores``: the estimate for
        the first ``distinct_rows`` rows only, a lower bound of the whole's that
        costs a tenth of a pass over 5e7 rows. NaN sorts above every number in
        DuckDB and PostgreSQL, so ``ABS(x) < bound`` is false for NaN and both
        infinities."""
        y, s, w, source = self._parts()
        inf = "CAST('Infinity' AS DOUBLE PRECISION)"
        label_ok = "BETWEEN 0 AND 1" if self.integer_label else "IN (0, 1)"
        select = [
            "COUNT(*) AS n_rows",
            f"SUM(CASE WHEN {y} {label_ok} THEN 0 ELSE 1 END) AS bad_label",
            f"SUM(CASE WHEN ABS({s}) < {MAX_SCORE!r} THEN 0 ELSE 1 END) AS bad_score",
            (f"SUM(CASE WHEN {w} >= 0 AND {w} < {inf} THEN 0 ELSE 1 END)"
             if w else "0") + " AS bad_weight",
            f"SUM(CASE WHEN ABS({s}) < {_check_resolution(resolution) * 2.0**62!r} "
            "THEN 0 ELSE 1 END) AS wide",
        ]
        if distinct:
            if not re.fullmatch(r"[a-z_]+", distinct):
                raise ValueError("distinct must be a function's name.")
            select.append(f"(SELECT {distinct}(s) FROM (SELECT {s} AS s {source} "
                          f"LIMIT {int(distinct_rows)}) AS head) AS distinct_scores")
        return f"SELECT {', '.join(select)}\n{source}"

    def sql(self, resolution: float | None = None, limit: int | None = None, *,
            integer_bins: bool = True) -> str:
        """The ``GROUP BY`` statement: one row per distinct score (and segment), or
        per bin of width ``resolution``; at most ``limit`` rows when given.

        Columns out: ``score`` (the score, or the bin's lower edge), ``pos``,
        ``neg`` (weights of label 1 and 0), ``n_rows``, and ``segment`` when asked.
        It assumes the rows passed :meth:`checks_sql` (labels 0/1, finite scores
        and weights). Bins are numbered by a ``BIGINT`` when ``integer_bins``
        (every ``|score| / resolution`` below 2**62: the checks' ``wide`` is 0),
        else by the floored DOUBLE: the same bins either way.
        """
        y, s, w, source = self._parts()
        if resolution is None:
            key = score = s
        else:
            scale = 1.0 / _check_resolution(resolution)  # a power of two: exact
            key = f"FLOOR({s} * {scale!r})"
            if integer_bins:
                key = f"CAST({key} AS BIGINT)"
            score = f"{key} * {float(resolution)!r}"
        if w:
            pos = f"SUM({w}) FILTER (WHERE {y} = 1)"
            neg = f"SUM({w}) FILTER (WHERE {y} = 0)"
        else:  # counting is cheaper than summing
            pos = f"COUNT(*) FILTER (WHERE {y} = 1)"
            neg = f"COUNT(*) - {pos}"
        select = [f"{score} AS score", f"{pos} AS pos", f"{neg} AS neg",
                  "COUNT(*) AS n_rows"]
        group = [key]
        if self.segment:
            seg = quote_ident(self.segment)
            select.append(f"CAST({seg} AS VARCHAR(200)) AS segment")
            group.append(seg)
        text = f"SELECT {', '.join(select)}\n{source}\nGROUP BY {', '.join(group)}"
        if limit is not None:
            text += f"\nLIMIT {int(limit)}"
        return text


def _check_resolution(resolution: float) -> float:
    """``resolution`` if it is a power of two (2**-60 to 2**60), so that scores
    times its inverse, and the bins' edges, are exact."""
    resolution = float(resolution)
    if not (math.isfinite(resolution) and resolution > 0
            and math.frexp(resolution)[0] == 0.5 and 2**-60 <= resolution <= 2**60):
        raise ValueError("The resolution must be a power of two.")
    return resolution


@dataclass(frozen=True)
class Checks:
    """The one row of :meth:`AggregateQuery.checks_sql`, checked: the number of
    rows, whether every bin number fits a ``BIGINT``, the distinct estimate."""

    n_rows: int
    integer_bins: bool = True
    distinct: float | None = None


def checks_from_result(columns) -> Checks:
    """The :class:`Checks` from the checks statement's result (one row, as
    columns), or ``DataError`` saying which rows cannot be swept."""
    n_rows, bad_label, bad_score, bad_weight, wide = (
        int(np.nan_to_num(_floats(c)[0])) if len(c) else 0 for c in columns[:5])
    if n_rows == 0:
        raise DataError("The table (after the filter) has no rows with a score.")
    if bad_label:
        raise DataError(f"{bad_label:,} rows have a label other than 0 or 1 (or none): "
                        "choose another label column, or filter them out.")
    if bad_score:
        raise DataError(f"{bad_score:,} scores are not finite numbers (NaN or "
                        "infinity) or are beyond ±1e301: filter them out.")
    if bad_weight:
        raise DataError(f"{bad_weight:,} rows have a missing, negative or infinite "
                        "weight: choose another weight column, or filter them out.")
    distinct = float(_floats(columns[5])[0]) if len(columns) > 5 else None
    return Checks(n_rows, wide == 0, distinct)


# ---------------------------------------------------------------------------------
# The aggregate and its sweep
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    """Per distinct score (or score bin) and segment: positive and negative weight
    and the number of rows, highest score first. ``resolution`` is None when
    exact, else the bin width."""

    scores: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    n_rows: np.ndarray
    segments: np.ndarray | None = None
    resolution: float | None = None
    sql: str = ""

    @property
    def total_rows(self) -> int:
        return int(self.n_rows.sum())

    @property
    def exact(self) -> bool:
        return self.resolution is None

    def only(self, segment: str) -> Aggregate:
        """The aggregate of one segment."""
        if self.segments is None:
            raise ValueError("This aggregate has no segments.")
        keep = self.segments == segment
        return Aggregate(self.scores[keep], self.pos[keep], self.neg[keep],
                         self.n_rows[keep], None, self.resolution, self.sql)

    def to_rows(self):
        """(y_true, scores, sample_weight): one row per (score, label) with weight
        > 0, for everything that works on weighted rows (split, bootstrap,
        calibration)."""
        merged = merge_segments(self)
        has_p, has_n = merged.pos > 0, merged.neg > 0
        y = np.concatenate([np.ones(int(has_p.sum())), np.zeros(int(has_n.sum()))])
        s = np.concatenate([merged.scores[has_p], merged.scores[has_n]])
        w = np.concatenate([merged.pos[has_p], merged.neg[has_n]])
        return y, s, w


def merge_segments(agg: Aggregate) -> Aggregate:
    """One row per distinct score across segments, highest first (``agg`` itself
    when it already is that)."""
    s = agg.scores
    if agg.segments is None and np.all(s[1:] < s[:-1]):
        return agg
    uniq, inv = np.unique(agg.scores, return_inverse=True)
    n = len(uniq)

    def add(values):
        return np.bincount(inv, weights=values, minlength=n)[::-1]

    return Aggregate(uniq[::-1].astype(float), add(agg.pos), add(agg.neg),
                     np.bincount(inv, weights=agg.n_rows, minlength=n)[::-1]
                     .astype(np.int64), None, agg.resolution, agg.sql)


def _floats(column) -> np.ndarray:
    """A result column as float64 (None, NULL or a masked entry as NaN)."""
    if isinstance(column, np.ma.MaskedArray):
        return np.ma.filled(column.astype(float), np.nan)
    try:
        return np.asarray(column, dtype=float)
    except TypeError:
        return np.array([np.nan if v is None else float(v) for v in column])


def from_result(columns, *, segmented: bool, resolution: float | None,
                sql: str) -> Aggregate:
    """The :class:`Aggregate` from the statement's result, given as columns (one
    sequence or array per column, in the order of :meth:`AggregateQuery.sql`);
    ``DataError`` when the data cannot be swept (no rows, non-finite scores, one
    class only). Labels and weights were checked by the checks statement."""
    columns = list(columns)
    scores = _floats(columns[0])
    if scores.size == 0:
        raise DataError("The table (after the filter) has no rows with a score.")
    pos, neg = np.nan_to_num(_floats(columns[1])), np.nan_to_num(_floats(columns[2]))
    n_rows = _floats(columns[3]).astype(np.int64)
    if not np.all(np.isfinite(scores)):
        raise DataError("Some scores are not finite numbers (NaN or infinity).")
    if not (pos.sum() > 0 and neg.sum() > 0):
        raise DataError("The rows hold only one class: a threshold needs both "
                        "positives (1) and negatives (0).")
    segments = None
    if segmented:
        raw = columns[4]
        if isinstance(raw, np.ma.MaskedArray):
            raw = raw.filled("")
        segments = np.asarray(["" if v is None else str(v) for v in raw],
                              dtype=object)
    order = np.argsort(-scores)  # groups: no two equal scores unless segmented
    return Aggregate(scores[order], pos[order], neg[order], n_rows[order],
                     None if segments is None else segments[order], resolution, sql)


def sweep_from_aggregate(agg: Aggregate) -> Sweep:
    """The :class:`Sweep` of the rows the aggregate stands for: equal to
    ``threshold_sweep`` on those rows when exact (see the module's docstring)."""
    merged = merge_segments(agg)  # also sorts, highest first, and joins ties
    p, q, s = merged.pos, merged.neg, merged.scores
    tp = np.concatenate(([0.0], np.cumsum(p)))
    fp = np.concatenate(([0.0], np.cumsum(q)))
    return Sweep(np.concatenate(([np.inf], s)), tp, fp, tp[-1] - tp, fp[-1] - fp)


def binning_error(agg: Aggregate, cost: CostMatrix, per: int = 1_000) -> float:
    """The largest possible cost error, per ``per`` cases, of a binned aggregate.

    A threshold strictly inside a bin decides some of the bin's cases the other
    way than the bin's smallest score does; at worst all of them: each positive
    moves between TP and FN (``|fn - tp|``), each negative between FP and TN
    (``|fp - tn|``). 0 when the aggregate is exact.
    """
    if agg.exact:
        return 0.0
    merged = merge_segments(agg)
    worst = (merged.pos * abs(cost.fn - cost.tp) + merged.neg * abs(cost.fp - cost.tn))
    total = float(merged.pos.sum() + merged.neg.sum())
    return float(worst.max() / total * per)
