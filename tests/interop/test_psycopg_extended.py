"""psycopg 3 over the extended protocol: parameters, prepared statements, binary, pipelines.

Default psycopg cursors send every `execute()` as Parse/Bind/Describe/Execute/Sync with
`%s` parameters bound server-side; these tests drive `pgwire serve` (DuckDB) that way and,
where behaviour is PostgreSQL's to define (pipelines, type OIDs), run the same scenario
against PostgreSQL 15 and compare.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import psycopg.errors as pgerr
import pytest
from psycopg import pq
from psycopg.types.json import Json, Jsonb

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

UTC = dt.UTC
PLUS_2 = dt.timezone(dt.timedelta(hours=2))


def connect(server: ServerProcess, **kw: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(server.conninfo(), connect_timeout=10, **kw)


def connect_pg(pg: TempPostgres, **kw: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(pg.dsn, connect_timeout=10, **kw)


# (id, value sent, value expected back). Json/Jsonb wrap a dict that comes back as the dict.
VALUES: list[tuple[str, Any, Any]] = [
    ("int", 42, 42),
    ("negative_int", -7, -7),
    ("bigint", 2**40 + 3, 2**40 + 3),
    ("float", 1.5, 1.5),
    ("float_fraction", -0.1, -0.1),
    ("decimal", Decimal("12.345"), Decimal("12.345")),
    ("decimal_wide", Decimal("1.23456789"), Decimal("1.23456789")),
    ("decimal_big", Decimal("123456789012345678.5"), Decimal("123456789012345678.5")),
    ("str", "plain", "plain"),
    ("str_quotes", 'it\'s "quoted" \\ back', 'it\'s "quoted" \\ back'),
    ("str_unicode", "héllo wörld ☃ 日本 🎉", "héllo wörld ☃ 日本 🎉"),
    ("str_empty", "", ""),
    ("bytes", b"\x00\xff\\x41'\"ab", b"\x00\xff\\x41'\"ab"),
    ("bytes_empty", b"", b""),
    ("bool_true", True, True),
    ("bool_false", False, False),
    ("date", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    (
        "datetime",
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
    ),
    (
        "datetime_utc",
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    ),
    (
        "datetime_plus2",  # the server's TimeZone is UTC: the same instant comes back in UTC
        dt.datetime(2024, 6, 1, 12, 0, tzinfo=PLUS_2),
        dt.datetime(2024, 6, 1, 10, 0, tzinfo=UTC),
    ),
    ("time", dt.time(12, 34, 56, 789), dt.time(12, 34, 56, 789)),
    (
        "timedelta",
        dt.timedelta(days=3, seconds=7, microseconds=5),
        dt.timedelta(days=3, seconds=7, microseconds=5),
    ),
    ("timedelta_negative", dt.timedelta(hours=-5), dt.timedelta(hours=-5)),
    (
        "uuid",
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
    ),
    ("int_list", [1, 2, 3], [1, 2, 3]),
    ("bigint_list", [2**40, -1], [2**40, -1]),
    ("int_list_with_null", [1, None, 3], [1, None, 3]),
    (
        "jsonb",
        Jsonb({"a": [1, "x", None], "b": {"c": True}}),
        {"a": [1, "x", None], "b": {"c": True}},
    ),
    ("json", Json({"k": "v", "n": 1.5}), {"k": "v", "n": 1.5}),
    ("none", None, None),
]
VALUE_IDS = [v[0] for v in VALUES]


@pytest.fixture
def conn(duckdb_server: ServerProcess) -> Iterator[psycopg.Connection[Any]]:
    with connect(duckdb_server, autocommit=True) as c:
        yield c


# --------------------------------------------------------------------------------------------
# parameters, text results


@pytest.mark.parametrize(("sent", "expected"), [v[1:] for v in VALUES], ids=VALUE_IDS)
def test_parameter_round_trip(conn: psycopg.Connection[Any], sent: Any, expected: Any) -> None:
    cur = conn.execute("select %s", [sent])
    assert cur.fetchone() == (expected,)
    assert cur.pgresult is not None
    assert cur.pgresult.fformat(0) == pq.Format.TEXT


def test_parameters_through_a_table(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "create table pe_types (id int primary key, i int, b bigint, f double, "
        "n decimal(12,3), t text, bt bytea, ok boolean, d date, ts timestamp, "
        "tz timestamptz, tm time, iv interval, u uuid, li int[], js json)"
    )
    row = (
        1,
        7,
        2**40,
        2.25,
        Decimal("12.345"),
        "it's ünïcode ☃",
        b"\x00\x01\xfe\xff",
        True,
        dt.date(1999, 12, 31),
        dt.datetime(2000, 1, 1, 0, 0, 0, 1),
        dt.datetime(2020, 5, 17, 8, 30, tzinfo=UTC),
        dt.time(23, 59, 59),
        dt.timedelta(days=1, hours=2),
        uuid.UUID(int=1),
        [10, 20, 30],
        Jsonb({"nested": {"list": [1, 2]}}),
    )
    conn.execute(f"insert into pe_types values ({', '.join(['%s'] * len(row))})", row)
    conn.execute(
        f"insert into pe_types values ({', '.join(['%s'] * len(row))})",
        (2,) + (None,) * (len(row) - 1),
    )
    got = conn.execute("select * from pe_types order by id").fetchall()
    assert got[0] == (*row[:-1], {"nested": {"list": [1, 2]}})
    assert got[1] == (2,) + (None,) * (len(row) - 1)

    # Parameters in WHERE, of each type, find the row.
    for column, value in [("i", 7), ("t", "it's ünïcode ☃"), ("bt", b"\x00\x01\xfe\xff"),
                          ("ts", dt.datetime(2000, 1, 1, 0, 0, 0, 1)), ("u", uuid.UUID(int=1)),
                          ("n", Decimal("12.345")), ("d", dt.date(1999, 12, 31))]:  # fmt: skip
        found = conn.execute(f"select id from pe_types where {column} = %s", [value])
        assert found.fetchall() == [(1,)], column


def test_update_and_delete_with_parameters(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_upd (id int primary key, name text)")
    cur = conn.cursor()
    cur.execute("insert into pe_upd values (%s, %s), (%s, %s), (%s, %s)", (1, "a", 2, "b", 3, "c"))
    assert cur.rowcount == 3
    cur.execute("update pe_upd set name = %s where id >= %s", ("z'z", 2))
    assert cur.rowcount == 2
    cur.execute("delete from pe_upd where name = %s", ("z'z",))
    assert cur.rowcount == 2
    assert conn.execute("select id, name from pe_upd").fetchall() == [(1, "a")]


STRINGS = ["a", "b c", 'q"uote', "NULL", None]


def test_str_list_parameters(conn: psycopg.Connection[Any]) -> None:
    # psycopg sends a list of str untyped in text: PostgreSQL then reads it as text too.
    assert conn.execute("select %s", [STRINGS]).fetchone() == ('{a,"b c","q\\"uote","NULL",NULL}',)
    assert conn.execute("select %s::text[]", [STRINGS]).fetchone() == (STRINGS,)
    assert conn.execute("select %b", [STRINGS]).fetchone() == (STRINGS,)  # binary: typed text[]
    conn.execute("create table pe_tags (id int, tags text[])")
    conn.execute("insert into pe_tags values (%s, %s::text[])", (1, STRINGS))
    conn.execute("insert into pe_tags values (%s, %b)", (2, STRINGS[:2]))
    assert conn.execute("select tags from pe_tags order by id").fetchall() == [
        (STRINGS,),
        (STRINGS[:2],),
    ]


def test_untyped_str_list_into_array_column(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_tags_untyped (tags text[])")
    conn.execute("insert into pe_tags_untyped values (%s)", [STRINGS])
    assert conn.execute("select tags from pe_tags_untyped").fetchone() == (STRINGS,)


# --------------------------------------------------------------------------------------------
# named (server-side) prepared statements


def _trace(conn: psycopg.Connection[Any], action: Callable[[], None]) -> list[str]:
    """The libpq protocol trace of `action`: one line per message, frontend ('F') or backend."""
    with tempfile.TemporaryFile("w+") as f:
        conn.pgconn.trace(f.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            action()
        finally:
            conn.pgconn.untrace()
        f.seek(0)
        return f.read().splitlines()


def _sent(trace: list[str], message: str) -> list[str]:
    return [line for line in trace if line.startswith("F\t") and f"\t{message}\t" in line + "\t"]


def test_prepare_true_parses_once_binds_many(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_prep (id int primary key, label text, amount decimal(10,2))")
    results: list[Any] = []

    def work() -> None:
        for i in range(40):
            conn.execute(
                "insert into pe_prep values (%s, %s, %s)",
                (i, f"label {i} ✓", Decimal(i) / 4),
                prepare=True,
            )
        for i in range(0, 40, 7):
            cur = conn.execute(
                "select label, amount from pe_prep where id = %s", (i,), prepare=True
            )
            results.append(cur.fetchone())

    trace = _trace(conn, work)
    parses = _sent(trace, "Parse")
    assert len(parses) == 2, parses  # one named statement per query text
    assert all('"_pg3_' in p for p in parses)  # named, not the unnamed statement
    assert len(_sent(trace, "Bind")) == 40 + 6
    assert results == [(f"label {i} ✓", Decimal(i) / 4) for i in range(0, 40, 7)]
    assert conn.execute("select count(*), sum(amount) from pe_prep").fetchone() == (
        40,
        Decimal("195.00"),
    )


def test_prepare_threshold_zero(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server, autocommit=True, prepare_threshold=0) as conn:
        queries = {
            "select %s::int * 2, %s::text || '!'": lambda i: (i * 2, f"{i}!"),
            "select %s + 1": lambda i: (i + 1,),
        }

        def work() -> None:
            for i in range(25):
                for sql, expected in queries.items():
                    args = (i, str(i)) if sql.count("%s") == 2 else (i,)
                    assert conn.execute(sql, args).fetchone() == expected(i)

        trace = _trace(conn, work)
        assert len(_sent(trace, "Parse")) == 2
        assert len(_sent(trace, "Bind")) == 50


def test_prepared_statement_survives_errors_and_transactions(
    duckdb_server: ServerProcess,
) -> None:
    with connect(duckdb_server, prepare_threshold=0) as conn:
        conn.execute("create table pe_prep2 (id int primary key)")
        conn.commit()
        insert = "insert into pe_prep2 values (%s)"
        conn.execute(insert, (1,))
        with pytest.raises(pgerr.UniqueViolation):
            conn.execute(insert, (1,))
        conn.rollback()
        for i in range(2, 6):
            conn.execute(insert, (i,))
        conn.commit()
        assert conn.execute("select list(id order by id) from pe_prep2").fetchone() == (
            [2, 3, 4, 5],
        )


# --------------------------------------------------------------------------------------------
# binary results and binary parameters


@pytest.mark.parametrize(("sent", "expected"), [v[1:] for v in VALUES], ids=VALUE_IDS)
def test_binary_results(conn: psycopg.Connection[Any], sent: Any, expected: Any) -> None:
    cur = conn.cursor(binary=True)
    cur.execute("select %s", [sent])
    assert cur.fetchone() == (expected,)
    assert cur.pgresult is not None
    assert cur.pgresult.fformat(0) == pq.Format.BINARY


@pytest.mark.parametrize(("sent", "expected"), [v[1:] for v in VALUES], ids=VALUE_IDS)
def test_binary_parameters(conn: psycopg.Connection[Any], sent: Any, expected: Any) -> None:
    assert conn.execute("select %b", [sent]).fetchone() == (expected,)
    assert conn.cursor(binary=True).execute("select %b", [sent]).fetchone() == (expected,)


def test_binary_table_round_trip(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        "create table pe_bin (id int, f double precision, n decimal(20,5), t text, b bytea, "
        "ts timestamptz, u uuid, li bigint[])"
    )
    rows = [
        (
            i,
            i / 3,
            Decimal(i) / 7,
            f"row {i} ☃",
            bytes(range(i % 256)),
            dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=i),
            uuid.UUID(int=i),
            [i, -i, 2**40 + i],
        )
        for i in range(50)
    ]
    cur = conn.cursor(binary=True)
    cur.executemany("insert into pe_bin values (%b, %b, %b, %b, %b, %b, %b, %b)", rows)
    got = cur.execute("select * from pe_bin order by id").fetchall()
    assert len(got) == 50
    for sent, back in zip(rows, got, strict=True):
        assert back[0] == sent[0]
        assert back[1] == pytest.approx(sent[1], rel=1e-15)
        assert back[2] == sent[2].quantize(Decimal("0.00001"))
        assert back[3:] == sent[3:]


# --------------------------------------------------------------------------------------------
# pipeline mode


def _pipeline_scenario(
    conn: psycopg.Connection[Any], table: str, *, sync_at: int | None = None
) -> dict[str, Any]:
    """1,000 inserts in one pipeline, the 501st into a missing table; what happened after."""
    outcome: dict[str, Any] = {}
    with pytest.raises(pgerr.UndefinedTable) as info, conn.pipeline() as pipeline:
        for i in range(1000):
            if i == sync_at:
                pipeline.sync()
            if i == 500:
                conn.execute(f"insert into {table}_missing values (%s)", (i,))
            else:
                conn.execute(f"insert into {table} values (%s)", (i,))
    outcome["sqlstate"] = info.value.sqlstate
    outcome["status"] = conn.info.transaction_status
    if not conn.autocommit:
        conn.rollback()
    outcome["count"] = conn.execute(f"select count(*) from {table}").fetchone()
    # The connection works afterwards, in a pipeline and outside one.
    with conn.pipeline():
        conn.execute(f"insert into {table} values (%s)", (-1,))
        cur = conn.execute(f"select count(*) from {table} where a = %s", (-1,))
    outcome["after"] = cur.fetchone()
    if not conn.autocommit:
        conn.commit()
    outcome["total"] = conn.execute(f"select count(*) from {table}").fetchone()
    return outcome


@pytest.mark.postgres
@pytest.mark.parametrize("autocommit", [True, False], ids=["autocommit", "transaction"])
@pytest.mark.parametrize("sync_at", [None, 250], ids=["one_sync", "sync_at_250"])
def test_pipeline_with_error_matches_postgres(
    duckdb_server: ServerProcess,
    postgres15: TempPostgres,
    autocommit: bool,
    sync_at: int | None,
) -> None:
    table = f"pe_pipe_{int(autocommit)}_{sync_at or 0}"
    outcomes = []
    for make in (lambda: connect_pg(postgres15), lambda: connect(duckdb_server)):
        with make() as setup:
            setup.autocommit = True
            setup.execute(f"drop table if exists {table}")
            setup.execute(f"create table {table} (a int)")
        try:
            with make() as conn:
                conn.autocommit = autocommit
                outcomes.append(_pipeline_scenario(conn, table, sync_at=sync_at))
        finally:
            with make() as cleanup:
                cleanup.autocommit = True
                cleanup.execute(f"drop table {table}")
    expected, got = outcomes
    assert got == expected
    assert got["sqlstate"] == "42P01"
    # What PostgreSQL does: the statements since the last Sync are one transaction.
    kept = 250 if autocommit and sync_at else 0
    assert got["count"] == (kept,)
    assert got["after"] == (1,)
    assert got["total"] == (kept + 1,)


# Statements in one autocommit pipeline (no Sync between them), and what each table keeps.
PIPELINE_CONTROL: dict[str, list[str]] = {
    "begin_takes_over": ["insert 1", "begin", "insert 2", "rollback", "insert 3"],
    "begin_commit": ["insert 1", "begin", "insert 2", "commit", "insert 3"],
    "commit_inside": ["insert 1", "commit", "insert 2"],
    "rollback_inside": ["insert 1", "rollback", "insert 2"],
}


def _pipeline_control(conn: psycopg.Connection[Any], table: str, steps: list[str]) -> Any:
    conn.execute(f"create temporary table {table} (a int)")
    with conn.pipeline():
        for step in steps:
            if step.startswith("insert"):
                conn.execute(f"insert into {table} values (%s)", (int(step.split()[1]),))
            else:
                conn.execute(step)
    return (
        conn.info.transaction_status,
        conn.execute(f"select a from {table} order by a").fetchall(),
    )


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(PIPELINE_CONTROL))
def test_pipeline_transaction_control_matches_postgres(
    conn: psycopg.Connection[Any], postgres15: TempPostgres, case: str
) -> None:
    steps = PIPELINE_CONTROL[case]
    with connect_pg(postgres15, autocommit=True) as pg:
        expected = _pipeline_control(pg, f"pe_ctl_{case}", steps)
    got = _pipeline_control(conn, f"pe_ctl_{case}", steps)
    assert got == expected


def test_pipeline_results_in_order(conn: psycopg.Connection[Any]) -> None:
    with conn.pipeline():
        cursors = [conn.execute("select %s::int * 10, %s", (i, f"r{i}")) for i in range(200)]
    assert [c.fetchone() for c in cursors] == [(i * 10, f"r{i}") for i in range(200)]


# --------------------------------------------------------------------------------------------
# named cursors (DECLARE / FETCH / CLOSE)


def test_named_cursor_fetchmany_in_transaction(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn, conn.transaction():
        cur = conn.cursor(name="c")
        cur.execute("select g, g * 2 from generate_series(1, %s) as t(g) order by g", (1050,))
        batches = []
        while batch := cur.fetchmany(100):
            batches.append(batch)
        assert [len(b) for b in batches] == [100] * 10 + [50]
        rows = [row for b in batches for row in b]
        assert rows == [(g, g * 2) for g in range(1, 1051)]
        assert cur.fetchone() is None
        cur.close()


def test_named_cursor_iterates_in_itersize_batches(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn, conn.transaction():
        cur = conn.cursor(name="it")
        cur.itersize = 100
        cur.execute("select g from generate_series(1, 1050) as t(g) order by g")
        seen: list[int] = []
        trace = _trace(conn, lambda: seen.extend(r[0] for r in cur))
        assert seen == list(range(1, 1051))
        fetches = [
            line for line in _sent(trace, "Parse") + _sent(trace, "Query") if "FETCH" in line
        ]
        assert len(fetches) == 11  # 10 full batches and the last, short one
        assert all("FORWARD 100" in f for f in fetches)
        assert cur.description is not None
        assert cur.description[0].type_code == 20  # DuckDB's generate_series is BIGINT


def test_named_cursor_scroll_and_position(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        cur = conn.cursor(name="pos", scrollable=False)
        cur.execute("select g from generate_series(1, 20) as t(g) order by g")
        cur.scroll(5)  # MOVE forward
        assert cur.fetchone() == (6,)
        assert cur.fetchmany(3) == [(7,), (8,), (9,)]
        assert cur.rownumber == 9
        with pytest.raises(pgerr.ObjectNotInPrerequisiteState):
            cur.scroll(-2)  # backwards needs SCROLL, as in PostgreSQL
        assert conn.info.transaction_status == pq.TransactionStatus.INERROR
        conn.rollback()
        assert conn.execute("select 1").fetchone() == (1,)


def test_withhold_cursor_in_autocommit(conn: psycopg.Connection[Any]) -> None:
    cur = conn.cursor(name="held", withhold=True)
    cur.execute("select g, 'v' || g from generate_series(1, 1050) as t(g) order by g")
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    first = cur.fetchmany(100)
    rest = cur.fetchall()
    assert first + rest == [(g, f"v{g}") for g in range(1, 1051)]
    cur.close()
    with pytest.raises(pgerr.InvalidCursorName):
        conn.execute('fetch next from "held"')


def test_withhold_cursor_survives_commit(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("create table pe_hold (a int)")
        conn.execute("insert into pe_hold select * from range(300)")
        cur = conn.cursor(name="survivor", withhold=True)
        cur.execute("select a from pe_hold order by a")
        assert cur.fetchmany(100) == [(a,) for a in range(100)]
        conn.commit()
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert cur.fetchall() == [(a,) for a in range(100, 300)]
        cur.close()
        conn.commit()


# --------------------------------------------------------------------------------------------
# executemany, rowcount, description


def test_executemany_500_rows(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_many (id int primary key, name text, score double)")
    rows = [(i, f"name {i}", i * 0.5) for i in range(500)]
    cur = conn.cursor()
    cur.executemany("insert into pe_many values (%s, %s, %s)", rows)
    assert cur.rowcount == 500
    cur.execute("select * from pe_many order by id")
    assert cur.rowcount == 500
    assert cur.fetchall() == rows
    cur.executemany("update pe_many set score = %s where id = %s", [(0.0, i) for i in range(10)])
    assert cur.rowcount == 10
    assert conn.execute("select count(*) from pe_many where score = 0").fetchone() == (10,)


def test_executemany_returning(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_ret (id int, doubled int)")
    cur = conn.cursor()
    cur.executemany(
        "insert into pe_ret values (%s, %s) returning id, doubled",
        [(i, i * 2) for i in range(20)],
        returning=True,
    )
    got = []
    while True:
        got.extend(cur.fetchall())
        if not cur.nextset():
            break
    assert got == [(i, i * 2) for i in range(20)]


def test_executemany_error_is_all_or_nothing_like_postgres(conn: psycopg.Connection[Any]) -> None:
    # psycopg pipelines executemany: in autocommit that is one implicit transaction.
    conn.execute("create table pe_many_err (id int primary key)")
    with pytest.raises(pgerr.UniqueViolation):
        conn.cursor().executemany(
            "insert into pe_many_err values (%s)", [(i,) for i in [*range(100), 5]]
        )
    assert conn.execute("select count(*) from pe_many_err").fetchone() == (0,)


# Expressions whose type is the same in DuckDB and PostgreSQL (not varchar: DuckDB has only
# VARCHAR, reported as text; not unknown-typed literals).
DESCRIBED = [
    "true",
    "1::smallint",
    "1::integer",
    "1::bigint",
    "1.5::real",
    "1.5::double precision",
    "1.5::numeric(10,2)",
    "'x'::text",
    "'\\x00'::bytea",
    "'2024-01-01'::date",
    "'12:00'::time",
    "'12:00:00+02'::timetz",
    "'2024-01-01 12:00'::timestamp",
    "'2024-01-01 12:00+00'::timestamptz",
    "'1 day'::interval",
    "'00000000-0000-0000-0000-000000000000'::uuid",
    "'{\"a\": 1}'::json",
    "array[true]",
    "array[1, 2]::smallint[]",
    "array[1, 2]::integer[]",
    "array[1, 2]::bigint[]",
    "array[1.5]::double precision[]",
    "array['a']::text[]",
    "%s::integer",
    "%s::bigint",
    "%s::text",
    "%s::date",
]


def _described(conn: psycopg.Connection[Any], binary: bool) -> tuple[list[int], Any]:
    cur = conn.cursor(binary=binary)
    cur.execute("select " + ", ".join(DESCRIBED), (5, 6, "seven", dt.date(2024, 8, 8)))
    assert cur.description is not None
    return [d.type_code for d in cur.description], cur.fetchone()


@pytest.mark.postgres
@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_description_type_codes_match_postgres(
    conn: psycopg.Connection[Any], postgres15: TempPostgres, binary: bool
) -> None:
    got_oids, got_row = _described(conn, binary)
    with connect_pg(postgres15, autocommit=True) as pg:
        expected_oids, expected_row = _described(pg, binary)
    assert list(zip(DESCRIBED, got_oids, strict=True)) == list(
        zip(DESCRIBED, expected_oids, strict=True)
    )
    assert got_row == expected_row


@pytest.mark.postgres
def test_table_column_type_codes_match_postgres(
    conn: psycopg.Connection[Any], postgres15: TempPostgres
) -> None:
    ddl = (
        "create table {} (a boolean, b smallint, c integer, d bigint, e real, "
        "f double precision, g numeric(12,4), h text, i bytea, j date, k time, l timestamp, "
        "m timestamptz, n interval, o uuid, p integer[], q text[])"
    )
    conn.execute(ddl.format("pe_desc"))
    cur = conn.execute("select * from pe_desc where c = %s", (1,))
    assert cur.description is not None
    got = [(d.name, d.type_code) for d in cur.description]
    with connect_pg(postgres15) as pg:  # a transaction, rolled back: nothing left behind
        pg.execute(ddl.format("pe_desc"))
        pcur = pg.execute("select * from pe_desc where c = %s", (1,))
        assert pcur.description is not None
        expected = [(d.name, d.type_code) for d in pcur.description]
        pg.rollback()
    assert got == expected


# --------------------------------------------------------------------------------------------
# transactions


def test_transaction_block_commits(
    duckdb_server: ServerProcess, conn: psycopg.Connection[Any]
) -> None:
    conn.execute("create table pe_tx_commit (a int)")
    with conn.transaction():
        conn.execute("insert into pe_tx_commit values (%s), (%s)", (1, 2))
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
        with connect(duckdb_server, autocommit=True) as other:  # not visible until COMMIT
            assert other.execute("select count(*) from pe_tx_commit").fetchone() == (0,)
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    with connect(duckdb_server, autocommit=True) as other:
        assert other.execute("select a from pe_tx_commit order by a").fetchall() == [(1,), (2,)]


def test_transaction_block_rolls_back_on_exception(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_tx_rb (a int)")
    with pytest.raises(ZeroDivisionError), conn.transaction():
        conn.execute("insert into pe_tx_rb values (%s)", (1,))
        _ = 1 / 0
    with conn.transaction():
        conn.execute("insert into pe_tx_rb values (%s)", (2,))
        raise psycopg.Rollback  # rolls back quietly
    assert conn.execute("select count(*) from pe_tx_rb").fetchone() == (0,)
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE


def test_transaction_rolls_back_after_server_error(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table pe_tx_err (a int primary key)")
    with pytest.raises(pgerr.UniqueViolation), conn.transaction():
        conn.execute("insert into pe_tx_err values (%s)", (1,))
        conn.execute("insert into pe_tx_err values (%s)", (1,))
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert conn.execute("select count(*) from pe_tx_err").fetchone() == (0,)


def test_non_autocommit_commit_and_rollback(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("create table pe_tx_manual (a int)")
        conn.commit()
        conn.execute("insert into pe_tx_manual values (%s)", (1,))
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
        conn.rollback()
        conn.execute("insert into pe_tx_manual values (%s)", (2,))
        conn.commit()
        assert conn.execute("select a from pe_tx_manual").fetchall() == [(2,)]


def test_nested_transaction_commits(conn: psycopg.Connection[Any]) -> None:
    """DuckDB has no SAVEPOINT: the front end keeps them, so nested blocks that commit work."""
    conn.execute("create table pe_tx_nested (a int)")
    with conn.transaction():
        conn.execute("insert into pe_tx_nested values (1)")
        with conn.transaction():
            conn.execute("insert into pe_tx_nested values (2)")
    assert conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert conn.execute("select a from pe_tx_nested order by a").fetchall() == [(1,), (2,)]


def test_nested_rollback_after_a_write_fails_the_whole_transaction(
    conn: psycopg.Connection[Any],
) -> None:
    """A nested block rolled back after a write cannot be undone alone: the error reaches the
    client and the outer block cannot commit."""
    conn.execute("create table pe_tx_sp (a int)")
    conn.execute("begin")
    conn.execute("insert into pe_tx_sp values (1)")
    conn.execute('savepoint "inner"')
    conn.execute("insert into pe_tx_sp values (2)")
    with pytest.raises(pgerr.FeatureNotSupported) as info:
        conn.execute('rollback to savepoint "inner"')
    assert info.value.sqlstate == "0A000"
    assert info.value.diag.message_primary == (
        'cannot roll back to savepoint "inner": this backend cannot undo part of a transaction'
    )
    assert conn.info.transaction_status == pq.TransactionStatus.INERROR
    with pytest.raises(pgerr.InFailedSqlTransaction):
        conn.execute("insert into pe_tx_sp values (3)")
    assert conn.execute("commit").statusmessage == "ROLLBACK"
    assert conn.execute("select count(*) from pe_tx_sp").fetchone() == (0,)


# --------------------------------------------------------------------------------------------
# errors: SQLSTATE classes, and the connection still usable


@pytest.fixture
def err_conn(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    conn.execute("create table if not exists pe_err (id int primary key, name text not null)")
    conn.execute("delete from pe_err")
    conn.execute("insert into pe_err values (%s, %s)", (1, "one"))
    return conn


ERRORS: list[tuple[str, str, tuple[Any, ...], type[psycopg.Error], str]] = [
    ("unique", "insert into pe_err values (%s, %s)", (1, "dup"), pgerr.UniqueViolation, "23505"),
    ("not_null", "insert into pe_err values (%s, %s)", (2, None), pgerr.NotNullViolation, "23502"),
    ("undefined_table", "select * from pe_nope where id = %s", (1,), pgerr.UndefinedTable, "42P01"),
    ("undefined_column", "select nope from pe_err where id = %s", (1,), pgerr.UndefinedColumn,
     "42703"),
    ("syntax", "selec %s", (1,), pgerr.SyntaxError, "42601"),
    ("integer_division_by_zero", "select %s::int // %s::int", (1, 0), pgerr.DivisionByZero,
     "22012"),
    ("bad_cast", "select %s::text::int", ("abc",), pgerr.InvalidTextRepresentation, "22P02"),
    ("undefined_function", "select nope_fn(%s)", (1,), pgerr.UndefinedFunction, "42883"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "args", "error", "code"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_error_class_then_connection_usable(
    err_conn: psycopg.Connection[Any],
    sql: str,
    args: tuple[Any, ...],
    error: type[psycopg.Error],
    code: str,
) -> None:
    with pytest.raises(error) as info:
        err_conn.execute(sql, args)
    assert info.value.sqlstate == code
    assert info.value.diag.severity == "ERROR"
    assert info.value.diag.message_primary
    assert err_conn.info.transaction_status == pq.TransactionStatus.IDLE
    assert err_conn.execute("select name from pe_err where id = %s", (1,)).fetchone() == ("one",)


def test_error_in_transaction_needs_rollback(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("create table pe_err_tx (id int primary key)")
        conn.commit()
        conn.execute("insert into pe_err_tx values (%s)", (1,))
        with pytest.raises(pgerr.UndefinedColumn):
            conn.execute("select nope from pe_err_tx")
        assert conn.info.transaction_status == pq.TransactionStatus.INERROR
        with pytest.raises(pgerr.InFailedSqlTransaction):
            conn.execute("select 1")
        conn.rollback()
        assert conn.execute("select count(*) from pe_err_tx").fetchone() == (0,)


def test_error_position_points_into_the_statement(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(pgerr.UndefinedColumn) as info:
        conn.execute("select 1, nope from (select %s as a) t", (1,))
    position = info.value.diag.statement_position
    assert position is not None
    assert 1 <= int(position) <= len("select 1, nope from (select $1 as a) t")


def test_integer_division_by_zero_with_slash(conn: psycopg.Connection[Any]) -> None:
    with pytest.raises(pgerr.DivisionByZero):
        conn.execute("select %s::int / %s::int", (1, 0))


def test_untyped_date_with_a_zone_into_a_date_column(conn: psycopg.Connection[Any]) -> None:
    """pgjdbc's setDate sends '2024-02-29 +00' with no type; PostgreSQL takes the zone and
    drops it. Here over libpq: Parse with the type unspecified, Describe, then Bind text."""
    conn.execute("create table pe_dates (id int, d date, ts timestamp)")
    pgconn = conn.pgconn
    pgconn.prepare(b"ins_date", b"insert into pe_dates values ($1, $2, $3)", None)
    described = pgconn.describe_prepared(b"ins_date")
    assert [described.param_type(i) for i in range(3)] == [23, 1082, 1114]
    for number, (day, stamp) in enumerate(
        [(b"2024-02-29 +00", b"2024-02-29 12:00:00+05"),
         (b"February 29, 2024", b"Feb 29 2024 1:00 PM"),
         (b"2/29/2024", b"20240229T130000"), (b"J2460370", b"2024-02-29 12:59:60")]
    ):  # fmt: skip
        result = pgconn.exec_prepared(b"ins_date", [str(number).encode(), day, stamp])
        assert result.status == pq.ExecStatus.COMMAND_OK, result.error_message
    result = pgconn.exec_prepared(b"ins_date", [b"9", b"2024-02-29 junk", None])
    assert result.error_field(pq.DiagnosticField.SQLSTATE) == b"22007"
    got = conn.execute("select d, ts from pe_dates order by id").fetchall()
    assert [row[0] for row in got] == [dt.date(2024, 2, 29)] * 4
    assert [row[1].time() for row in got] == [dt.time(12), dt.time(13), dt.time(13), dt.time(13)]
