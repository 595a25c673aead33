"""The per-score aggregate in DuckDB, in a real PostgreSQL and in memory: identical
sweeps; binning and its error bound; hostile names, filters, paths and a database
that goes away."""

from __future__ import annotations

import threading
import time

import duckdb
import numpy as np
import pandas as pd
import pg_server
import pytest
import sqlalchemy as sa

from core.score_counts import (
    counts_from_rows,
    max_cost_error,
    sweep_counts,
)
from core.sql_aggregate import (
    Columns,
    QueryError,
    aggregate,
    aggregate_sql,
    duckdb_runner,
    file_relation,
    folder_files,
    list_relations,
    parse_filter,
    quote,
    relation_columns,
    resolve_in_folder,
    sqlalchemy_runner,
    table_name,
)
from core.thresholds import CostMatrix, expected_cost, threshold_sweep

FIELDS = ("thresholds", "tp", "fp", "fn", "tn")
N = 100_000


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(7)
    # Ties: scores on a 1e-3 grid, stored as float32 (as a warehouse would).
    s = np.round(rng.beta(2, 5, N), 3).astype(np.float32)
    y = (rng.random(N) < s).astype(int)
    w = rng.integers(1, 6, N)
    seg = rng.choice(["north", "south", "it's \"east\""], N)
    return y, s, w, seg


@pytest.fixture(scope="module")
def pg(rows):
    server = pg_server.start()
    y, s, w, seg = rows
    pg_server.load_scored(server, "scored", y, s, w, seg)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def reader(pg):
    engine = sa.create_engine(pg.reader_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def duck(rows):
    y, s, w, seg = rows
    con = duckdb.connect()
    con.register("scored", pd.DataFrame({"label": y, "score": s, "weight": w,
                                         "segment": seg}))
    yield con
    con.close()


COLS = Columns("label", "score", "weight", "segment")


def test_duckdb_postgres_and_memory_give_identical_sweeps(rows, duck, reader):
    y, s, w, seg = rows
    raw = threshold_sweep(y, s.astype(float), w)
    in_memory = counts_from_rows(y, s, w, seg)
    from_duck = aggregate(duckdb_runner(duck), table_name("scored"), COLS).counts
    with reader.connect() as conn:
        from_pg = aggregate(sqlalchemy_runner(conn), table_name("scored", "public"),
                            COLS).counts
    assert from_duck.resolution is None and from_pg.resolution is None
    for counts in (in_memory, from_duck, from_pg):
        assert counts.n_rows == N
        assert same(sweep_counts(counts), raw)
        for name in ("north", "south", "it's \"east\""):
            keep = seg == name
            assert same(sweep_counts(counts, name),
                        threshold_sweep(y[keep], s[keep].astype(float), w[keep]))


def test_unweighted_counts_equal_the_unweighted_sweep(rows, duck):
    y, s, _, _ = rows
    counts = aggregate(duckdb_runner(duck), table_name("scored"),
                       Columns("label", "score")).counts
    assert same(sweep_counts(counts), threshold_sweep(y, s.astype(float)))
    yw, sw, ww = counts.as_weighted_rows()
    assert same(threshold_sweep(yw, sw, ww), threshold_sweep(y, s.astype(float)))


def test_beyond_the_cap_scores_are_binned_and_the_error_is_bounded(rows, duck,
                                                                   reader):
    y, s, w, _ = rows
    cols = Columns("label", "score", "weight")
    got = aggregate(duckdb_runner(duck), table_name("scored"), cols, cap=200)
    assert got.counts.resolution == 0.01  # the scores span < 1: 100 bins of 0.01
    assert "FLOOR" in got.sql and got.counts.n_groups <= 200
    with reader.connect() as conn:
        from_pg = aggregate(sqlalchemy_runner(conn), table_name("scored"), cols,
                            cap=200).counts
    assert same(sweep_counts(from_pg), sweep_counts(got.counts))
    assert same(sweep_counts(got.counts),
                sweep_counts(counts_from_rows(y, s, w, resolution=0.01)))
    cost = CostMatrix(tp=-5.0, fp=10.0, fn=30.0, tn=0.0)
    exact = expected_cost(threshold_sweep(y, s.astype(float), w), cost).min()
    binned = expected_cost(sweep_counts(got.counts), cost).min()
    bound = max_cost_error(got.counts, cost)
    assert 0 < bound < 30
    assert exact - 1e-12 <= binned <= exact + bound


def test_reading_is_done_in_a_read_only_transaction(reader):
    with reader.connect() as conn:
        run = sqlalchemy_runner(conn)
        with pytest.raises(QueryError, match="read-only transaction"):
            run("CREATE TABLE evil (a int)")
    insp = sa.inspect(reader)
    assert "evil" not in insp.get_table_names()


def test_hostile_table_and_column_names_stay_names(pg, reader, duck):
    name = 'x"; DROP TABLE scored; --'
    col = "s'core\"; /* c */ --"
    rng = np.random.default_rng(1)
    y, s = rng.integers(0, 2, 500), rng.random(500)
    pg_server.load_scored(pg, name, y, s)
    with sa.create_engine(pg.admin_url).begin() as conn:
        conn.execute(sa.text(f'ALTER TABLE {quote(name)} RENAME COLUMN "score" TO '
                             f"{quote(col)}"))
    assert ("public", name) in list_relations(reader)
    assert [c for c, _ in relation_columns(reader, "public", name)] == ["label", col]
    with reader.connect() as conn:
        got = aggregate(sqlalchemy_runner(conn), table_name(name, "public"),
                        Columns("label", col))
    assert same(sweep_counts(got.counts), threshold_sweep(y, s.astype(np.float32)))
    assert "scored" in sa.inspect(reader).get_table_names()  # nothing dropped
    duck.register("hostile", pd.DataFrame({"label": y, col: s}))
    got = aggregate(duckdb_runner(duck), table_name("hostile"), Columns("label", col))
    assert same(sweep_counts(got.counts), threshold_sweep(y, s))


@pytest.mark.parametrize("text", [
    "weight > 1; DROP TABLE scored",
    "weight > 1 -- comment",
    "weight > 1 /* comment */",
    "weight > (SELECT 1)",
    "pg_sleep(10) IS NULL",
    "1 = 1",
    "weight > 1 UNION SELECT 1",
    "nosuchcolumn = 1",
    "segment = 'a' OR",
])
def test_a_filter_is_parsed_never_pasted(text):
    ran = []
    with pytest.raises(QueryError):
        where = parse_filter(text, COLS.__dict__.values())
        aggregate(ran.append, table_name("scored"), COLS, where)
    assert ran == []


def test_a_parsed_filter_selects_the_same_rows_everywhere(rows, duck, reader):
    y, s, w, seg = rows
    where = parse_filter("segment = 'it''s \"east\"' AND (weight >= 2 OR score < .1)",
                         ["label", "score", "weight", "segment"])
    assert where.sql == ('"segment" = \'it\'\'s "east"\' AND ("weight" >= 2 OR '
                         '"score" < 0.1)')
    keep = (seg == "it's \"east\"") & ((w >= 2) | (s < np.float32(0.1)))
    expected = threshold_sweep(y[keep], s[keep].astype(float), w[keep])
    cols = Columns("label", "score", "weight")
    assert same(sweep_counts(aggregate(duckdb_runner(duck), table_name("scored"),
                                       cols, where).counts), expected)
    with reader.connect() as conn:
        got = aggregate(sqlalchemy_runner(conn), table_name("scored"), cols, where)
    assert same(sweep_counts(got.counts), expected)


def test_unusable_rows_get_a_clear_message(duck):
    duck.register("bad", pd.DataFrame({"label": [0, 1, 2], "score": [0.1, 0.2, 0.3]}))
    with pytest.raises(QueryError, match="1 rows have a label"):
        aggregate(duckdb_runner(duck), table_name("bad"), Columns("label", "score"))
    duck.register("nulls", pd.DataFrame({"label": [0, 1, 1],
                                         "score": [0.1, None, 0.3]}))
    with pytest.raises(QueryError, match="1 rows have no score"):
        aggregate(duckdb_runner(duck), table_name("nulls"), Columns("label", "score"))
    with pytest.raises(QueryError, match="different columns"):
        Columns("label", "label").check(["label", "score"])


def test_only_plain_files_directly_inside_the_data_folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"label": [0, 1], "score": [0.2, 0.8]}).to_parquet(
        folder / "ok.parquet")
    secret = tmp_path / "secret.csv"
    secret.write_text("label,score\n0,0.1\n1,0.9\n")
    (folder / "link.csv").symlink_to(secret)
    assert folder_files(folder) == ["ok.parquet"]
    assert resolve_in_folder(folder, "ok.parquet") == (folder / "ok.parquet")
    for name in ("../secret.csv", str(secret), "link.csv", "..", "",
                 "sub/../../secret.csv", "missing.csv"):
        with pytest.raises(QueryError):
            resolve_in_folder(folder, name)
    got = aggregate(duckdb_runner(duckdb.connect()),
                    file_relation(folder / "ok.parquet"), Columns("label", "score"))
    assert got.counts.n_rows == 2
    odd = folder / "it's.csv"
    odd.write_text("label,score\n0,0.3\n1,0.7\n")
    relation = file_relation(resolve_in_folder(folder, "it's.csv"))
    assert relation.endswith("/it''s.csv')")
    got = aggregate(duckdb_runner(duckdb.connect()), relation,
                    Columns("label", "score"))
    assert got.counts.n_rows == 2


def test_a_database_that_goes_away_mid_query_is_an_error_not_a_hang(pg):
    with sa.create_engine(pg.admin_url).begin() as conn:
        conn.execute(sa.text("CREATE OR REPLACE VIEW slow AS SELECT s.* FROM "
                             "scored s, (SELECT pg_sleep(5)) AS z"))
        conn.execute(sa.text("GRANT SELECT ON slow TO reader"))
    engine = sa.create_engine(pg.reader_url)
    admin = sa.create_engine(pg.admin_url)

    def kill_reader():
        time.sleep(1.0)
        with admin.begin() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM "
                                 "pg_stat_activity WHERE usename = 'reader'"))

    killer = threading.Thread(target=kill_reader)
    killer.start()
    started = time.monotonic()
    with pytest.raises(QueryError, match="connection") as err, engine.connect() as c:
        aggregate(sqlalchemy_runner(c), table_name("slow"), COLS)
    killer.join()
    assert time.monotonic() - started < 4.5
    assert pg.reader_url not in str(err.value) and "127.0.0.1" not in str(err.value)
    engine.dispose()
    admin.dispose()


def test_the_statement_quotes_every_name():
    sql = aggregate_sql(table_name('t"; --', 'sch"ema'),
                        Columns('l"', "s;", "w--", "g/*"))
    assert '"sch""ema"."t""; --"' in sql
    for name in ('"l"""', '"s;"', '"w--"', '"g/*"'):
        assert name in sql
