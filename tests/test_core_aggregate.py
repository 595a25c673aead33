"""The per-score aggregate: built in SQL, run by DuckDB over a Parquet file and by a
real PostgreSQL server, and swept: the same curves as ``threshold_sweep`` on the
raw rows, to the last bit. Then hostile names, filters, paths and a database that
goes away or is cancelled mid-query."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
from postgres import load_scored, pg_bin, postgres_server

import core
from core.aggregate import (
    Aggregate,
    AggregateQuery,
    binning_error,
    parse_filter,
    quote_ident,
    relation_sql,
    sweep_from_aggregate,
)
from core.data import DataError
from core.thresholds import expected_cost
from core.warehouse import (
    DatabaseSource,
    FileSource,
    Job,
    Table,
    data_folder_files,
    data_folder_path,
    run_aggregate,
)

N = 100_000
HOSTILE = 'we"ird; DROP TABLE scored; -- /* x */'


def scored_rows(n=N, seed=0):
    """Rows with many ties (scores on a 1/2000 grid), integer weights, segments."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.clip(np.round(rng.beta(2, 5, n) + 0.2 * y, 3) / 1.2, 0, 1)
    s = np.round(s * 2000) / 2000
    w = rng.integers(1, 5, n).astype(float)
    seg = rng.choice(["north", "south", "o'east"], n)
    return y, s, w, seg


def assert_same_sweep(a, b):
    for name in ("thresholds", "tp", "fp", "fn", "tn"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def numpy_aggregate(y, s, w, seg=None) -> Aggregate:
    """The aggregate made in memory, as the oracle's twin."""
    df = pd.DataFrame({"s": s, "pos": w * (y == 1), "neg": w * (y == 0), "n": 1})
    keys = ["s"] if seg is None else ["s", "seg"]
    if seg is not None:
        df["seg"] = seg
    g = df.groupby(keys, sort=False).sum().reset_index()
    return Aggregate(g["s"].to_numpy(), g["pos"].to_numpy(), g["neg"].to_numpy(),
                     g["n"].to_numpy(), None if seg is None else g["seg"].to_numpy())


@pytest.fixture(scope="module")
def rows():
    return scored_rows()


@pytest.fixture(scope="module")
def parquet(tmp_path_factory, rows):
    y, s, w, seg = rows
    path = tmp_path_factory.mktemp("folder") / "scored.parquet"
    pd.DataFrame({"label": y, "score": s, "weight": w, "segment": seg,
                  HOSTILE: s}).to_parquet(path)
    return path


@pytest.fixture(scope="module")
def pg(rows):
    if pg_bin() is None:
        pytest.fail("PostgreSQL is not installed: apt-get install -y postgresql "
                    "(or make test, which installs it).")
    import sqlalchemy as sa

    with postgres_server() as url:
        load_scored(url, "scored", *rows)
        engine = sa.create_engine(url)
        with engine.begin() as con:
            q = quote_ident(HOSTILE)
            con.exec_driver_sql(f'CREATE TABLE {q} AS SELECT label, score AS {q} '
                                'FROM scored LIMIT 1000')
            con.exec_driver_sql("CREATE VIEW slow AS SELECT s.* FROM scored s, "
                                "(SELECT pg_sleep(20)) z")
        yield DatabaseSource(engine)
        engine.dispose()


# ---------------------------------------------------------------------------------
# The same curves everywhere
# ---------------------------------------------------------------------------------


def test_numpy_aggregate_sweep_equals_threshold_sweep(rows):
    y, s, w, seg = rows
    raw = core.threshold_sweep(y, s, w)
    assert_same_sweep(sweep_from_aggregate(numpy_aggregate(y, s, w)), raw)
    assert_same_sweep(sweep_from_aggregate(numpy_aggregate(y, s, w, seg)), raw)
    assert_same_sweep(sweep_from_aggregate(numpy_aggregate(y, s, np.ones(N))),
                      core.threshold_sweep(y, s))


def test_duckdb_and_postgres_give_the_raw_rows_curves(rows, parquet, pg):
    y, s, w, seg = rows
    table = Table(None, "scored", "table")
    assert "scored" in [t.name for t in pg.tables()]
    assert pg.columns(table) == ["label", "score", "weight", "segment"]
    duck = FileSource(parquet)
    try:
        for weight, segment in ((None, None), ("weight", None), ("weight", "segment")):
            raw = core.threshold_sweep(y, s, w if weight else None)
            q_duck = AggregateQuery(duck.relation, "label", "score", weight, segment)
            q_pg = AggregateQuery(table.relation, "label", "score", weight, segment)
            a_duck, a_pg = duck.aggregate(q_duck), pg.aggregate(q_pg)
            assert a_duck.exact and a_pg.exact
            assert a_duck.total_rows == a_pg.total_rows == N
            assert_same_sweep(sweep_from_aggregate(a_duck), raw)
            assert_same_sweep(sweep_from_aggregate(a_pg), raw)
            if segment:  # one segment alone is that segment's rows' sweep
                keep = seg == "o'east"
                assert_same_sweep(sweep_from_aggregate(a_pg.only("o'east")),
                                  core.threshold_sweep(y[keep], s[keep], w[keep]))
                assert_same_sweep(sweep_from_aggregate(a_duck.only("o'east")),
                                  core.threshold_sweep(y[keep], s[keep], w[keep]))
        # the filter runs in the database: the filtered rows' sweep
        where = parse_filter("segment = 'o''east' AND score >= 0.25",
                             duck.columns())
        keep = (seg == "o'east") & (s >= 0.25)
        want = core.threshold_sweep(y[keep], s[keep], w[keep])
        for src, rel in ((duck, duck.relation), (pg, table.relation)):
            agg = src.aggregate(AggregateQuery(rel, "label", "score", "weight",
                                               where=where))
            assert_same_sweep(sweep_from_aggregate(agg), want)
            assert "'o''east'" in agg.sql
    finally:
        duck.close()


def test_to_rows_stand_for_the_same_cases(rows):
    y, s, w, _ = rows
    yy, ss, ww = numpy_aggregate(y, s, w).to_rows()
    assert_same_sweep(core.threshold_sweep(yy, ss, ww), core.threshold_sweep(y, s, w))


def test_beyond_the_cap_scores_are_binned_with_a_stated_bound(rows, parquet):
    y, s, w, _ = rows
    duck = FileSource(parquet)
    try:
        q = AggregateQuery(duck.relation, "label", "score", "weight")
        agg = duck.aggregate(q, cap=100, resolution=2**-6)
    finally:
        duck.close()
    assert not agg.exact and agg.resolution == 2**-6 and "FLOOR" in agg.sql
    assert len(agg.scores) <= 2**6 + 1
    raw = core.threshold_sweep(y, s, w)
    binned = sweep_from_aggregate(agg)
    # every binned point is an exact point of the raw sweep
    idx = [raw.index_at(t) for t in binned.thresholds]
    for name in ("tp", "fp", "fn", "tn"):
        np.testing.assert_array_equal(getattr(binned, name), getattr(raw, name)[idx])
    cost = core.CostMatrix(tp=0, fp=10, fn=30, tn=0)
    exact_best = expected_cost(raw, cost).min() * 1000
    binned_best = expected_cost(binned, cost).min() * 1000
    bound = binning_error(agg, cost)
    assert 0 <= binned_best - exact_best <= bound
    assert binning_error(numpy_aggregate(y, s, w), cost) == 0.0


def fake_engine(n_scores, *, rows=None, wide=0, distinct=None):
    """An ``execute`` answering the checks, the exact attempt (``n_scores``
    groups of 2 rows) and the binned statement (one group), and the statements
    it saw."""
    seen = []

    def execute(sql):
        seen.append(sql)
        if "bad_label" in sql:
            row = [rows if rows is not None else 2 * n_scores, 0, 0, 0, wide]
            return [[v] for v in (row if distinct is None else [*row, distinct])]
        groups = ([(0.5, 1, 1, 2)] if "FLOOR" in sql else
                  [(i / 10, 1, 1, 2) for i in range(n_scores)])
        return [list(c) for c in zip(*groups, strict=True)]

    return execute, seen


def test_run_aggregate_checks_first_then_asks_for_one_row_more_than_the_cap():
    query = AggregateQuery('"t"', "y", "s")
    for width in (1e-6, 0.0, -2**-20, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="power of two"):
            query.sql(resolution=width)  # bin edges exact only for powers of two
    execute, seen = fake_engine(4, rows=2)
    agg = run_aggregate(execute, query, cap=3)
    assert "bad_label" in seen[0] and "distinct" not in seen[0]
    assert seen[1].endswith("LIMIT 4")
    assert "CAST(FLOOR(" in seen[2] and "AS BIGINT)" in seen[2]
    assert not agg.exact and len(seen) == 3
    execute, seen = fake_engine(3)
    assert run_aggregate(execute, query, cap=3).exact and len(seen) == 2
    # an estimate clearly above the cap goes straight to the bins
    execute, seen = fake_engine(3, rows=2, distinct=1e6)
    assert not run_aggregate(execute, query, cap=3, distinct="approx").exact
    assert "SELECT approx(s) FROM (SELECT CAST" in seen[0] and "LIMIT 15)" in seen[0]
    assert len(seen) == 2 and "FLOOR" in seen[1]
    # bin numbers that a BIGINT cannot hold exactly stay DOUBLE: the same bins
    execute, seen = fake_engine(3, rows=2, wide=1, distinct=1e6)
    run_aggregate(execute, query, cap=3, distinct="approx")
    assert "FLOOR(" in seen[1] and "BIGINT" not in seen[1]
    # a total that is not the checks' count: the rows changed in between
    execute, seen = fake_engine(3, rows=7)
    with pytest.raises(DataError, match="changed"):
        run_aggregate(execute, query, cap=3)


BAD_ROWS = {  # column -> (values with unusable rows, the message)
    "label": ([0, 1, 2, 1, 0, 1], "1 rows have a label other than 0 or 1"),
    "score": ([0.1, float("nan"), 0.3, float("inf"), 0.5, 0.6],
              "2 scores are not finite"),
    "weight": ([1.0, -1.0, None, 1.0, float("inf"), 2.0],
               "3 rows have a missing, negative or infinite weight"),
}


def test_rows_that_cannot_be_swept_are_counted_and_nothing_is_grouped(pg, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    import sqlalchemy as sa

    good = {"label": [0, 1, 0, 1, 0, 1], "score": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
            "weight": [1.0] * 6}
    for column, (values, message) in BAD_ROWS.items():
        table = dict(good, **{column: values})
        path = tmp_path / f"bad_{column}.parquet"
        pq.write_table(pa.table({k: pa.array(v, pa.float64())  # None: NULL
                                 for k, v in table.items()}), path)
        duck = FileSource(path)
        seen = []

        def execute(sql, duck=duck, seen=seen):
            seen.append(sql)
            return duck.execute(sql)

        query = AggregateQuery(duck.relation, "label", "score", "weight")
        try:
            with pytest.raises(DataError, match=message):
                run_aggregate(execute, query, distinct="approx_count_distinct")
        finally:
            duck.close()
        assert len(seen) == 1 and "GROUP BY" not in seen[0]
        assert "IN (0, 1)" in seen[0]  # a DOUBLE label: 0.5 is not 0 or 1
        with pg.engine.begin() as con:
            con.exec_driver_sql("DROP TABLE IF EXISTS bad")
            con.exec_driver_sql("CREATE TABLE bad (label float8, score float8, "
                                "weight float8)")
            con.execute(sa.text("INSERT INTO bad VALUES (:label, :score, :weight)"),
                        [dict(zip(table, r, strict=True))
                         for r in zip(*table.values(), strict=True)])
        with pytest.raises(DataError, match=message):
            pg.aggregate(AggregateQuery(relation_sql("bad"), "label", "score",
                                        "weight"))
    # an integer label: "0 or 1" is "between 0 and 1"; 2, -1 and NULL are not
    path = tmp_path / "int_label.parquet"
    pq.write_table(pa.table({"label": pa.array([0, 1, 2, -1, None, 1], pa.int8()),
                             "score": good["score"]}), path)
    duck = FileSource(path)
    try:
        with pytest.raises(DataError, match="3 rows have a label other than 0 or 1"):
            duck.aggregate(AggregateQuery(duck.relation, "label", "score"))
        checks = AggregateQuery(duck.relation, "label", "score",
                                integer_label=True).checks_sql(2**-20)
        assert "BETWEEN 0 AND 1" in checks
        assert duck.execute(checks)[1][0] == 3
    finally:
        duck.close()


def test_bins_edges_are_exact_thresholds_in_both_engines(pg, tmp_path):
    """Scores on a bin's edge and one float below it fall into different bins, and
    each bin's edge flags exactly its bin and above: the binned sweep's points are
    the raw sweep's. Beyond |score| / resolution = 2**62 the bin number stays a
    DOUBLE (a BIGINT could overflow), with the same guarantee."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.normal(0, 1, 500), 2)
    edges = np.arange(-20, 20) / 8  # bin edges at 2**-3
    s[3:43], s[43:83] = edges, np.nextafter(edges, -np.inf)
    s[:3] = (1e18, -1e18, 2e18)  # bin numbers 8e18 and more at 2**-3
    raw = core.threshold_sweep(y, s)
    path = tmp_path / "wide.parquet"
    pd.DataFrame({"label": y, "score": s}).to_parquet(path)
    load_scored(pg.engine.url.render_as_string(hide_password=False), "wide", y, s)
    duck = FileSource(path)
    try:
        for src, rel in ((duck, duck.relation), (pg, relation_sql("wide"))):
            agg = src.aggregate(AggregateQuery(rel, "label", "score"), cap=50,
                                resolution=2**-3)
            assert not agg.exact and "FLOOR(" in agg.sql and "BIGINT" not in agg.sql
            binned = sweep_from_aggregate(agg)
            idx = [raw.index_at(t) for t in binned.thresholds]
            for name in ("tp", "fp", "fn", "tn"):
                np.testing.assert_array_equal(getattr(binned, name),
                                              getattr(raw, name)[idx])
    finally:
        duck.close()


def test_duckdb_counts_bins_of_scores_in_0_1_into_an_array(parquet):
    """The binned statement groups by an integer bin number whose range DuckDB
    knows from the file's statistics: a perfect hash (an array), not a hash
    table. A wider range (or a DOUBLE bin number) falls back to hashing."""
    duck = FileSource(parquet)
    try:
        query = AggregateQuery(duck.relation, "label", "score", "weight")

        def plan(sql):
            return duck._con.execute("EXPLAIN " + sql).fetchall()[0][1]

        assert "Perfect Hash Group By" in plan(query.sql(resolution=2**-20))
        assert "Perfect Hash Group By" not in plan(
            query.sql(resolution=2**-20, integer_bins=False))
        assert "Perfect Hash Group By" not in plan(query.sql(resolution=2**-27))
    finally:
        duck.close()


def test_duckdb_progress_spans_both_statements_and_never_goes_back(parquet):
    duck = FileSource(parquet)
    real, seen = duck.execute, []

    def execute(sql):
        for p in (0.0, 50.0, 100.0, -1.0):
            duck._query_progress = lambda p=p: p
            seen.append(duck.progress())
        return real(sql)

    duck.execute = execute
    try:
        duck.aggregate(AggregateQuery(duck.relation, "label", "score"))
    finally:
        duck.close()
    assert seen == pytest.approx([0.0, 0.05, 0.1, 0.1, 0.1, 0.55, 1.0, 1.0])


# ---------------------------------------------------------------------------------
# Hostile input
# ---------------------------------------------------------------------------------


def test_hostile_names_are_just_names(pg, parquet):
    assert quote_ident(HOSTILE) == '"we""ird; DROP TABLE scored; -- /* x */"'
    assert relation_sql("a.b", 'c"') == '"a.b"."c"""'
    for bad in ("", "a\x00b", "tab\nle", "x" * 500):
        with pytest.raises(DataError):
            quote_ident(bad)
    table = next(t for t in pg.tables() if t.name == HOSTILE)
    agg = pg.aggregate(AggregateQuery(table.relation, "label", HOSTILE))
    assert agg.total_rows == 1000
    assert "scored" in [t.name for t in pg.tables()]  # nothing dropped
    duck = FileSource(parquet)
    try:
        agg = duck.aggregate(AggregateQuery(duck.relation, "label", HOSTILE))
        assert agg.total_rows == N
    finally:
        duck.close()


@pytest.mark.parametrize("text", [
    "label = 1; DROP TABLE scored",
    "label = 1 -- comment",
    "label = 1 /* c */",
    "label = 1 OR 1 = 1",
    "label = (SELECT 1)",
    "nope = 1",
    "label LIKE 'a'",
    "label = 'a\\'",
    "label =",
    "label = 1 AND",
    "'label' = 1",
])
def test_filters_that_are_not_conditions_are_refused(text):
    with pytest.raises(DataError):
        parse_filter(text, ["label", "score"])


def test_filters_that_are_conditions_become_quoted_sql():
    conds = parse_filter('"we""ird" <> \'a\'\'b\' and score >= -1.5e-3',
                         ['we"ird', "score"])
    assert [c.sql() for c in conds] == ['"we""ird" <> \'a\'\'b\'',
                                        '"score" >= -0.0015']
    assert parse_filter("  ", ["x"]) == ()


def test_data_folder_lists_and_opens_only_its_own_files(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.parquet").write_bytes(b"x")
    (root / "notes.md").write_text("x")
    (root / "sub").mkdir()
    (root / "sub" / "b.csv").write_text("x")
    outside = tmp_path / "secret.csv"
    outside.write_text("label,score\n1,0.5\n")
    os.symlink(outside, root / "link.csv")
    assert data_folder_files(root) == ["a.parquet"]
    assert data_folder_path(root, "a.parquet") == root.resolve() / "a.parquet"
    for name in ("../secret.csv", str(outside), "sub/b.csv", "link.csv", "..",
                 "sub", "notes.md", "missing.csv", "a.parquet\x00"):
        with pytest.raises(DataError):
            data_folder_path(root, name)


# ---------------------------------------------------------------------------------
# Cancel, and a database that goes away
# ---------------------------------------------------------------------------------


def _wait_running(pg_source, timeout=10.0):
    deadline = time.monotonic() + timeout
    while pg_source._running is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # the statement itself has started


def test_cancel_stops_the_postgres_statement(pg):
    q = AggregateQuery(relation_sql("slow"), "label", "score")
    job = Job(lambda: pg.aggregate(q), pg.cancel)
    _wait_running(pg)
    job.cancel()
    job.wait(10)
    assert job.state == "cancelled" and job.elapsed < 10


def test_a_database_that_goes_away_mid_query_is_a_clear_message(pg):
    q = AggregateQuery(relation_sql("slow"), "label", "score")
    job = Job(lambda: pg.aggregate(q), pg.cancel)
    _wait_running(pg)
    with pg.engine.connect() as con:  # what a restart or a dropped link does
        con.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE query LIKE '%%slow%%' AND pid <> pg_backend_pid()")
    job.wait(10)
    assert job.state == "failed"
    assert "went away" in job.error and "losslab" not in job.error
    # the pool recovers: the next aggregate works
    agg = pg.aggregate(AggregateQuery(relation_sql("scored"), "label", "score"))
    assert agg.total_rows == N


def test_the_transaction_is_read_only(pg):
    with pytest.raises(DataError, match="read-only"):
        pg.execute("CREATE TABLE nope (x int)")
    assert "nope" not in [t.name for t in pg.tables()]


def test_duckdb_aggregate_is_cancelled_while_it_runs(tmp_path):
    duck = FileSource(tmp_path / "x.parquet")
    endless = ("(SELECT range % 2 AS label, random() AS score "
               "FROM range(100000000000)) AS t")
    job = Job(lambda: duck.aggregate(AggregateQuery(endless, "label", "score")),
              duck.cancel, duck.progress)
    deadline = time.monotonic() + 10
    while duck._query_progress() < 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the statement runs
    job.cancel()
    job.wait(10)
    assert job.state == "cancelled"
    duck.close()


def test_duckdb_interrupt_is_a_cancel(tmp_path):
    duck = FileSource(tmp_path / "x.parquet")
    job = Job(lambda: duck.execute("SELECT COUNT(*) FROM range(100000000000) t, "
                                   "range(10) u WHERE t.range % 7 = u.range"),
              duck.cancel, duck.progress)
    time.sleep(0.5)
    job.cancel()
    job.wait(10)
    assert job.state == "cancelled"
    duck.close()


def test_unreachable_database_is_a_message_without_the_password():
    import sqlalchemy as sa

    engine = sa.create_engine("postgresql+psycopg://u:hunter2@127.0.0.1:1/db",
                              connect_args={"connect_timeout": 2})
    with pytest.raises(DataError) as err:
        DatabaseSource(engine).tables()
    assert "hunter2" not in str(err.value)


def test_core_aggregate_needs_no_streamlit():
    code = ("import sys, core.aggregate, core.warehouse; "
            "assert 'streamlit' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_job_reports_progress_and_results():
    gate = threading.Event()
    job = Job(lambda: gate.wait(5) and 42, lambda: None, lambda: 0.5)
    assert job.running and job.progress() == 0.5
    gate.set()
    job.wait(5)
    assert job.state == "done" and job.result == 42


def test_asking_for_the_columns_while_an_aggregate_runs_does_not_break_it(tmp_path):
    """A page's rerun asks a file for its columns while the aggregate runs in
    another thread: each must get its own answer (on one DuckDB connection the
    second call took the first's result or was refused as busy)."""
    rng = np.random.default_rng(0)
    n = 500_000
    pd.DataFrame({"label": (rng.random(n) < 0.3).astype(int),
                  "score": rng.random(n)}).to_parquet(tmp_path / "s.parquet")
    source = FileSource(tmp_path / "s.parquet")
    done = threading.Event()
    columns = []

    def ask():
        while not done.is_set():
            columns.append(source.columns())

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        totals = [source.aggregate(AggregateQuery(source.relation, "label", "score"))
                  .total_rows for _ in range(10)]
    finally:
        done.set()
        asker.join()
    assert totals == [n] * 10
    assert columns and all(c == ["label", "score"] for c in columns)
