"""The SQLite backend: type mapping, translation, errors, locking, sessions, the CLI target.

What every backend must do alike is in tests/backends/contract/; this file holds what is
SQLite's own.
"""

from __future__ import annotations

import asyncio
import datetime
import sqlite3
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlglot")

from pgwire import sqlstate
from pgwire.backends.sqlite import SQLiteHandler, SQLiteSession
from pgwire.backends.sqlite import sql as sqlite_sql
from pgwire.backends.sqlite.sql import translate
from pgwire.backends.sqlite.types import converter, declared_type, to_sqlite
from pgwire.errors import PgError
from pgwire.handler import Command, Description, Rows, SessionInfo
from pgwire.types import oids, registry


def run(body: Callable[[SQLiteHandler], Awaitable[None]], database: str = ":memory:",
        **options: Any) -> None:  # fmt: skip
    async def main() -> None:
        handler = SQLiteHandler(database, **options)
        try:
            await asyncio.wait_for(body(handler), 60)
        finally:
            await handler.close()
            handler.shutdown()

    asyncio.run(main())


async def session(handler: SQLiteHandler, pid: int = 1, **info: Any) -> SQLiteSession:
    return await handler.connect(SessionInfo("tester", "app", pid, **info))


async def fetch(s: SQLiteSession, sql: str, params: list[Any] | None = None,
                types: list[int] | None = None) -> tuple[Rows, list[tuple[Any, ...]]]:  # fmt: skip
    if params is None:
        result = await s.query(sql)
    else:
        result = await s.execute(sql, params, types or [0] * len(params))
    assert isinstance(result, Rows), result
    rows: list[tuple[Any, ...]] = [tuple(row) for row in result.rows]  # catalog results
    if result.batches is not None:
        async for batch in result.batches:
            rows.extend(tuple(row) for row in batch)
    return result, rows


async def printed(s: SQLiteSession, sql: str) -> list[list[str | None]]:
    result, rows = await fetch(s, sql)
    encoders = [registry.encoder(c.type_oid) for c in result.columns]
    return [
        [None if v is None else enc(v).decode() for enc, v in zip(encoders, row, strict=True)]
        for row in rows
    ]


async def tag(s: SQLiteSession, sql: str) -> str:
    result = await s.query(sql)
    assert isinstance(result, Command), result
    return result.tag


async def error(s: SQLiteSession, sql: str) -> PgError:
    with pytest.raises(PgError) as caught:
        result = await s.query(sql)
        if isinstance(result, Rows) and result.batches is not None:
            async for _ in result.batches:
                pass
    return caught.value


# --- declared types -------------------------------------------------------------------------

VARCHAR10 = 10 + 4
NUMERIC_10_2 = ((10 << 16) | 2) + 4


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("INTEGER", (oids.INT8, -1)),  # SQLite's 64-bit integer and rowid
        ("INT", (oids.INT4, -1)),  # PostgreSQL's integer, as translated DDL spells it
        ("int4", (oids.INT4, -1)),
        ("SMALLINT", (oids.INT2, -1)),
        ("BIGINT", (oids.INT8, -1)),
        ("UNSIGNED BIG INT", (oids.INT8, -1)),
        ("TEXT", (oids.TEXT, -1)),
        ("VARCHAR(10)", (oids.VARCHAR, VARCHAR10)),
        ("character varying(10)", (oids.VARCHAR, VARCHAR10)),
        ("CHAR(3)", (oids.BPCHAR, 3 + 4)),
        ("REAL", (oids.FLOAT8, -1)),
        ("DOUBLE PRECISION", (oids.FLOAT8, -1)),
        ("FLOAT", (oids.FLOAT8, -1)),
        ("BLOB", (oids.BYTEA, -1)),
        ("BYTEA", (oids.BYTEA, -1)),
        ("NUMERIC", (oids.NUMERIC, -1)),
        ("DECIMAL(10, 2)", (oids.NUMERIC, NUMERIC_10_2)),
        ("numeric(10,2)", (oids.NUMERIC, NUMERIC_10_2)),
        ("BOOLEAN", (oids.BOOL, -1)),
        ("DATE", (oids.DATE, -1)),
        ("DATETIME", (oids.TIMESTAMP, -1)),
        ("TIMESTAMP", (oids.TIMESTAMP, -1)),
        ("TIMESTAMP(3)", (oids.TIMESTAMP, 3)),
        ("TIMESTAMPTZ", (oids.TIMESTAMPTZ, -1)),
        ("timestamp with time zone", (oids.TIMESTAMPTZ, -1)),
        ("TIME", (oids.TIME, -1)),
        ("INTERVAL", (oids.INTERVAL, -1)),
        ("JSON", (oids.JSON, -1)),
        ("JSONB", (oids.JSONB, -1)),
        ("UUID", (oids.UUID, -1)),
        ("TEXT[]", (oids.TEXT_ARRAY, -1)),
        ("INT[]", (oids.INT4_ARRAY, -1)),
        ("MEDIUMTEXT", (oids.TEXT, -1)),  # SQLite's affinity rules for names it does not know
        ("WHATEVER INT", (oids.INT8, -1)),
        ("STUFF", (oids.NUMERIC, -1)),
        ("", None),
    ],
)
def test_declared_type(declared: str, expected: tuple[int, int] | None) -> None:
    assert declared_type(declared) == expected


def test_converters() -> None:
    def convert(oid: int, value: Any, typmod: int = -1) -> Any:
        found = converter(oid, typmod)
        return value if found is None else found(value)

    assert convert(oids.BOOL, 1) is True and convert(oids.BOOL, 0) is False
    assert convert(oids.BOOL, "true") is True and convert(oids.BOOL, "f") is False
    assert convert(oids.NUMERIC, 1.5, NUMERIC_10_2) == Decimal("1.50")
    assert str(convert(oids.NUMERIC, 1.5, NUMERIC_10_2)) == "1.50"
    assert convert(oids.NUMERIC, 3) == Decimal(3)
    assert convert(oids.NUMERIC, "12.345") == Decimal("12.345")
    assert convert(oids.INT4, 7) == 7 and convert(oids.INT4, "8") == 8
    assert convert(oids.FLOAT8, 2) == 2.0
    assert convert(oids.DATE, "2024-02-29") == datetime.date(2024, 2, 29)
    assert convert(oids.TIMESTAMP, "2024-01-02 03:04:05.5") == datetime.datetime(
        2024, 1, 2, 3, 4, 5, 500000
    )
    assert convert(oids.TIMESTAMP, "2024-01-02T03:04:05+02:00") == datetime.datetime(
        2024, 1, 2, 1, 4, 5
    )
    assert convert(oids.TIMESTAMP, 0) == datetime.datetime(1970, 1, 1)
    assert convert(oids.TIMESTAMPTZ, "2024-01-02 03:04:05") == datetime.datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC
    )
    assert convert(oids.TIME, "10:11:12") == datetime.time(10, 11, 12)
    assert convert(oids.BYTEA, "\\x01ff") == b"\x01\xff"
    assert convert(oids.BYTEA, "plain") == b"plain"
    assert str(convert(oids.UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")).startswith("a0ee")
    assert converter(oids.TEXT) is None  # strings pass as they are
    for oid, bad in [(oids.INT4, "abc"), (oids.DATE, "not a date"), (oids.BOOL, "maybe")]:
        with pytest.raises(PgError) as caught:
            convert(oid, bad)
        assert caught.value.sqlstate == sqlstate.INVALID_TEXT_REPRESENTATION


def test_parameters_as_sqlite_values() -> None:
    assert to_sqlite(True, oids.BOOL) == 1
    assert to_sqlite(Decimal("5"), oids.NUMERIC) == 5
    assert to_sqlite(Decimal("1.50"), oids.NUMERIC) == "1.50"
    assert to_sqlite(datetime.date(2024, 1, 2), oids.DATE) == "2024-01-02"
    assert to_sqlite(datetime.datetime(2024, 1, 2, 3, 4, 5), oids.TIMESTAMP) == (
        "2024-01-02 03:04:05"
    )
    aware = datetime.datetime(
        2024, 1, 2, 5, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert to_sqlite(aware, oids.TIMESTAMPTZ) == "2024-01-02 03:04:05+00:00"
    assert to_sqlite(bytearray(b"ab"), oids.BYTEA) == b"ab"
    assert to_sqlite([1, 2], oids.INT4_ARRAY) == "{1,2}"
    assert to_sqlite(None, oids.INT4) is None


# --- translation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postgres", "sqlite"),
    [
        ("SELECT $1::int + $2", 'SELECT CAST(?1 AS INTEGER) + ?2 AS "?column?"'),
        ("SELECT count(*) FROM t", 'SELECT COUNT(*) AS "count" FROM t'),
        ("SELECT a, t.b, a + 1, 'x' AS y FROM t",
         'SELECT a, t.b, a + 1 AS "?column?", \'x\' AS "y" FROM t'),
        ("SELECT Foo::text, 1 AS Bar, 2 AS nothing FROM T",
         'SELECT CAST(foo AS TEXT) AS "foo", 1 AS "bar", 2 AS "nothing" FROM t'),
        ("SELECT '\\x01ff'::bytea", "SELECT x'01ff' AS \"bytea\""),
        ("SELECT 't'::boolean", 'SELECT TRUE AS "bool"'),
        ("SELECT '2024-01-02 03:04:05.5'::timestamp",
         "SELECT '2024-01-02 03:04:05.5' AS \"timestamp\""),
        ("SELECT 1.5::numeric(10,2)", 'SELECT CAST(1.5 AS NUMERIC) AS "numeric"'),
        ("SELECT E'a\\tb'", "SELECT 'a\tb' AS \"?column?\""),
        ("SELECT * FROM t WHERE a ILIKE 'x%' FOR UPDATE",
         "SELECT * FROM t WHERE LOWER(a) LIKE LOWER('x%')"),
        ("CREATE TABLE t (id serial PRIMARY KEY, v varchar(10), n numeric(10,2), b boolean)",
         "CREATE TABLE t (id INT PRIMARY KEY NOT NULL DEFAULT (nextval('t_id_seq')),"
             " v VARCHAR(10), n DECIMAL(10, 2), b BOOLEAN)"),
        ("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
         "CREATE TABLE t (id BIGINT PRIMARY KEY NOT NULL DEFAULT (nextval('t_id_seq')))"),
        ("CREATE INDEX i ON t (a)", "CREATE INDEX i ON t(a)"),
        ("SELECT * FROM t WHERE (j -> 'a') = '\"x\"'::jsonb AND j = $1::json",
         "SELECT * FROM t WHERE (j -> '$.a') = '\"x\"' AND j = ?1"),
        ("SELECT $1::timestamp, $2::timestamptz, $3::time, $4::date",
         'SELECT ?1 AS "timestamp", ?2 AS "timestamptz", ?3 AS "time", ?4 AS "date"'),
        ("INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING",
         "INSERT INTO t VALUES (1) ON CONFLICT(a) DO NOTHING"),
        ("DROP TABLE t CASCADE", "DROP TABLE t"),
        ("CREATE VIEW v AS (SELECT a FROM t)", "CREATE VIEW v AS SELECT a FROM t"),  # dbt
        ("CREATE TABLE u AS (SELECT a FROM t)", "CREATE TABLE u AS SELECT a FROM t"),
        ("SELECT a FROM t ORDER BY a NULLS FIRST", "SELECT a FROM t ORDER BY a"),
        ("PRAGMA table_info(t)", "PRAGMA table_info(t)"),
        ("INSERT OR REPLACE INTO t VALUES ($1)", "INSERT OR REPLACE INTO t VALUES (?1)"),
        # postgres.js writes `in ${sql([1, 2])}` as `in ($1,$2)`
        ("SELECT a FROM t WHERE a IN ($1,$2) AND b = $3",
         "SELECT a FROM t WHERE a IN (?1, ?2) AND b = ?3"),
        ("SELECT ($1),$2, '$1,$2'",
         'SELECT (?1) AS "?column?", ?2 AS "?column?", \'$1,$2\' AS "?column?"'),
    ],
)  # fmt: skip
def test_translation(postgres: str, sqlite: str) -> None:
    assert translate(postgres).text == sqlite


def test_plain_inserts_skip_sqlglot(monkeypatch: pytest.MonkeyPatch) -> None:
    """INSERT ... VALUES of plain literals runs as written: parsing costs more than running."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("sqlglot was asked")

    import sqlglot

    monkeypatch.setattr(sqlglot, "parse", refuse)
    sql = "INSERT INTO t (a, b) VALUES (1, 'it''s'), (-2.5, NULL), ($1, true)"
    assert (
        translate(sql).text == "INSERT INTO t (a, b) VALUES (1, 'it''s'), (-2.5, NULL), (?1, true)"
    )
    for not_plain in [
        "INSERT INTO t VALUES ('1'::int)",
        "INSERT INTO t VALUES (E'x')",
        "INSERT INTO t VALUES (now())",
        "INSERT INTO t VALUES (1) RETURNING a",
        "INSERT INTO t SELECT 1",
    ]:
        with pytest.raises(AssertionError, match="sqlglot was asked"):
            sqlite_sql._translate.__wrapped__(not_plain)


def test_translation_results() -> None:
    select = translate("SELECT a, 1, a = 2, *, now() FROM t WHERE b = $1")
    assert select.rows is True
    expected: tuple[Any, ...] = (
        None,
        (oids.INT4, -1),
        (oids.BOOL, -1),
        "*",
        (oids.TIMESTAMPTZ, -1),
    )
    assert select.projections == expected
    assert select.describe is not None and "NULL" in select.describe and "?1" in select.text
    assert translate("UPDATE t SET a = 1").tag == "UPDATE"
    assert translate("CREATE TABLE u AS SELECT 1").count_table == "u"
    truncate = translate("TRUNCATE TABLE a, b RESTART IDENTITY CASCADE")
    assert (truncate.before, truncate.text, truncate.tag) == (
        ("DELETE FROM a",),
        "DELETE FROM b",
        "TRUNCATE TABLE",
    )
    assert translate("COMMENT ON INDEX i IS 'x'").noop
    replace = translate("CREATE OR REPLACE VIEW public.v (a) AS SELECT 1")  # pgcli's \\ev
    assert (replace.text, replace.tag, replace.before) == (
        "CREATE VIEW public.v (a) AS SELECT 1",
        "CREATE VIEW",
        ("DROP VIEW IF EXISTS public.v",),
    )
    with pytest.raises(PgError) as caught:
        translate("SELECT x FROM generate_series(1, 3) AS g(x)")
    assert caught.value.sqlstate == sqlstate.FEATURE_NOT_SUPPORTED


# --- sessions -------------------------------------------------------------------------------


def test_types_from_declarations_queries_and_values() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query(
            "CREATE TABLE t (id serial PRIMARY KEY, v varchar(10), n numeric(10,2), b boolean, "
            "d date, ts timestamptz, raw bytea, free)"
        )
        await s.query(
            "INSERT INTO t (v, n, b, d, ts, raw, free) VALUES ('x', 2, true, '2024-01-02', "
            "'2024-01-02 03:04:05+00', '\\x00ff'::bytea, 42)"
        )
        result, _ = await fetch(s, "SELECT * FROM t")
        assert [(c.name, c.type_oid, c.type_modifier) for c in result.columns] == [
            ("id", oids.INT4, -1),
            ("v", oids.VARCHAR, VARCHAR10),
            ("n", oids.NUMERIC, NUMERIC_10_2),
            ("b", oids.BOOL, -1),
            ("d", oids.DATE, -1),
            ("ts", oids.TIMESTAMPTZ, -1),
            ("raw", oids.BYTEA, -1),
            ("free", oids.INT8, -1),  # no declared type: its value's
        ]
        assert await printed(s, "SELECT * FROM t") == [
            ["1", "x", "2.00", "t", "2024-01-02", "2024-01-02 03:04:05+00", "\\x00ff", "42"]
        ]
        # expressions: from the query where it says, else from the first value
        result, rows = await fetch(
            s, "SELECT n * 2 AS x, v || '!' AS y, b AND true AS z, 1.5 FROM t"
        )
        # n * 2: numeric, from n's declared type (SQLite stored 2.00 as 2: no scale kept)
        assert [c.type_oid for c in result.columns] == [
            oids.NUMERIC, oids.TEXT, oids.BOOL, oids.NUMERIC,
        ]  # fmt: skip
        assert rows == [(Decimal(4), "x!", True, Decimal("1.5"))]
        # free has no declared type: an expression over it takes its value's type
        result, rows = await fetch(s, "SELECT free + 1 AS x, sum(id) AS y FROM t")
        assert [c.type_oid for c in result.columns] == [oids.INT8, oids.INT8]  # sum(int4) is int8
        assert rows == [(43, 1)]
        result, rows = await fetch(s, "SELECT NULL AS nothing")
        assert result.columns[0].type_oid == oids.TEXT and rows == [(None,)]
        # a subquery, a join and a CTE keep the declared types of what they read
        result, _ = await fetch(
            s, "WITH c AS (SELECT d FROM t) SELECT x.v, c.d FROM (SELECT v FROM t) x, c"
        )
        assert [c.type_oid for c in result.columns] == [oids.VARCHAR, oids.DATE]

    run(body)


def test_a_value_that_does_not_fit_its_column_is_an_error() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE t (n int)")
        await s.query("INSERT INTO t VALUES ('not a number')")  # SQLite keeps it as text
        err = await error(s, "SELECT n FROM t")
        assert err.sqlstate == sqlstate.INVALID_TEXT_REPRESENTATION
        assert 'invalid input syntax for type int4: "not a number"' in err.message

    run(body)


def test_errors_map_to_sqlstates() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE parent (id int PRIMARY KEY)")
        await s.query(
            "CREATE TABLE child (id int PRIMARY KEY, p int REFERENCES parent (id), "
            "n int CONSTRAINT positive CHECK (n > 0), u text UNIQUE)"
        )
        await s.query("INSERT INTO parent VALUES (1)")
        await s.query("INSERT INTO child VALUES (1, 1, 1, 'x')")
        cases = [
            ("INSERT INTO child VALUES (2, 99, 1, 'y')", sqlstate.FOREIGN_KEY_VIOLATION),
            ("INSERT INTO child VALUES (2, 1, -1, 'y')", sqlstate.CHECK_VIOLATION),
            ("INSERT INTO child VALUES (1, 1, 1, 'y')", sqlstate.UNIQUE_VIOLATION),
            ("INSERT INTO child VALUES (2, 1, 1, 'x')", sqlstate.UNIQUE_VIOLATION),
            ("CREATE TABLE parent (x int)", sqlstate.DUPLICATE_TABLE),
            ("SELECT no_such_function(1)", sqlstate.UNDEFINED_FUNCTION),
            ("SELECT id FROM parent, child", sqlstate.AMBIGUOUS_COLUMN),
            ("SAVEPOINT s", sqlstate.NO_ACTIVE_SQL_TRANSACTION),
            ("PREPARE TRANSACTION 'x'", sqlstate.FEATURE_NOT_SUPPORTED),
        ]
        for sql, code in cases:
            assert (await error(s, sql)).sqlstate == code, sql
        check = await error(s, "INSERT INTO child VALUES (2, 1, -1, 'y')")
        assert check.message == 'new row violates check constraint "positive"'
        unique = await error(s, "INSERT INTO child VALUES (2, 1, 1, 'x')")
        assert unique.message == 'duplicate key value violates unique constraint "child_u_key"'
        assert unique.detail == "Key (u) already exists."
        missing = await error(s, "SELECT * FROM nowhere")
        assert (missing.message, missing.position) == ('relation "nowhere" does not exist', 15)
        syntax = await error(s, "SELECT 1 FRM parent")  # FRM is an alias: "parent" is wrong
        assert syntax.sqlstate == sqlstate.SYNTAX_ERROR and syntax.position == 14

    run(body)


def test_savepoints() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE t (a int)")
        assert await tag(s, "BEGIN") == "BEGIN"
        await s.query("INSERT INTO t VALUES (1)")
        assert await tag(s, "SAVEPOINT sp") == "SAVEPOINT"
        await s.query("INSERT INTO t VALUES (2)")
        assert await tag(s, "ROLLBACK TO SAVEPOINT sp") == "ROLLBACK"
        assert await tag(s, "RELEASE sp") == "RELEASE"
        assert await tag(s, "COMMIT") == "COMMIT"
        assert await printed(s, "SELECT a FROM t") == [["1"]]
        assert await tag(s, "START TRANSACTION ISOLATION LEVEL SERIALIZABLE") == "START TRANSACTION"
        assert await tag(s, "END") == "COMMIT"

    run(body)


def test_write_lock_is_55P03_after_the_busy_timeout(tmp_path: Path) -> None:
    async def body(h: SQLiteHandler) -> None:
        a = await session(h, 1)
        b = await session(h, 2)
        await a.query("CREATE TABLE t (v int)")
        await a.query("BEGIN")
        await a.query("INSERT INTO t VALUES (1)")
        started = time.monotonic()
        err = await error(b, "INSERT INTO t VALUES (2)")
        assert time.monotonic() - started >= 0.2  # it waited for the lock first
        assert err.sqlstate == sqlstate.LOCK_NOT_AVAILABLE
        assert "lock" in err.message and err.hint
        await a.query("COMMIT")
        assert await tag(b, "INSERT INTO t VALUES (2)") == "INSERT 0 1"

    run(body, str(tmp_path / "locks.sqlite"), busy_timeout=0.3)


def test_a_transaction_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    """Read, then write, in one transaction while another session writes: the transaction
    holds SQLite's write lock from BEGIN, so its write cannot meet a stale snapshot; the
    other session waits, then gets 55P03. A READ ONLY transaction takes no write lock."""

    async def body(h: SQLiteHandler) -> None:
        a = await session(h, 1)
        b = await session(h, 2)
        await a.query("CREATE TABLE t (v int)")
        await a.query("BEGIN")
        assert await printed(a, "SELECT count(*) AS n FROM t") == [["0"]]
        err = await error(b, "INSERT INTO t VALUES (1)")
        assert err.sqlstate == sqlstate.LOCK_NOT_AVAILABLE
        await a.query("INSERT INTO t VALUES (2)")
        await a.query("COMMIT")
        await a.query("START TRANSACTION READ ONLY")
        assert await printed(a, "SELECT count(*) AS n FROM t") == [["1"]]
        await b.query("INSERT INTO t VALUES (3)")  # not blocked by a read-only transaction
        await a.query("COMMIT")
        assert await printed(a, "SELECT count(*) AS n FROM t") == [["2"]]

    run(body, str(tmp_path / "snapshot.sqlite"), busy_timeout=0.3)


def test_files_wal_read_only_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "app.sqlite"

    async def create(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE t (v text)")
        await s.query("INSERT INTO t VALUES ('kept')")

    run(create, str(path))
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # a new file: WAL

    async def read_only(h: SQLiteHandler) -> None:
        s = await session(h)
        assert await printed(s, "SELECT v FROM t") == [["kept"]]
        err = await error(s, "INSERT INTO t VALUES ('no')")
        assert err.sqlstate == sqlstate.READ_ONLY_SQL_TRANSACTION

    run(read_only, str(path), read_only=True)
    rollback_journal = tmp_path / "old.sqlite"
    sqlite3.connect(rollback_journal).close()
    run(create, str(rollback_journal))
    with sqlite3.connect(rollback_journal) as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # left as it was
    with pytest.raises(ValueError):
        SQLiteHandler(":memory:", read_only=True)


def test_memory_databases_are_private_and_removed() -> None:
    first = SQLiteHandler()
    second = SQLiteHandler()
    try:
        assert first.path != second.path
        assert Path(first.path).exists()
    finally:
        first.shutdown()
        second.shutdown()
    assert not Path(first.path).exists()


def test_rows_stream_in_batches_and_abandoned_streams_close() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE t (v int)")
        await s.query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25) "
            "INSERT INTO t SELECT i FROM n"
        )
        result = await s.query("SELECT v FROM t ORDER BY v")
        assert isinstance(result, Rows) and result.batches is not None
        sizes = [len(batch) async for batch in result.batches]
        assert sizes == [10, 10, 5]
        result = await s.query("SELECT v FROM t ORDER BY v")
        assert isinstance(result, Rows) and result.batches is not None
        batches = aiter(result.batches)
        assert len(await anext(batches)) == 10
        await batches.aclose()  # type: ignore[attr-defined]
        assert await tag(s, "DELETE FROM t") == "DELETE 25"

    run(body, batch_rows=10)


def test_cancel_interrupts_a_running_statement() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        slow = (
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) "
            "SELECT count(*) FROM n"
        )
        task = asyncio.ensure_future(s.query(slow))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 5
        assert await printed(s, "SELECT 1 AS one") == [["1"]]  # the session lives on

    run(body)


def test_describe_and_execute_agree() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE t (id int, v varchar(5))")
        described = await s.describe("SELECT v, id + 1 AS next FROM t WHERE id = $1", [0])
        assert isinstance(described, Description) and described.columns is not None
        assert described.param_types == [oids.INT4]
        assert [(c.name, c.type_oid) for c in described.columns] == [
            ("v", oids.VARCHAR),
            ("next", oids.INT4),  # int4 + int4, from id's declared type
        ]
        await s.query("INSERT INTO t VALUES (1, 'a')")
        result, rows = await fetch(s, "SELECT v, id + 1 AS next FROM t WHERE id = $1", [1])
        assert [c.type_oid for c in result.columns] == [oids.VARCHAR, oids.INT4]  # as described
        assert rows == [("a", 2)]
        returning = await s.describe("INSERT INTO t VALUES ($1, $2) RETURNING v", [0, 0])
        assert isinstance(returning, Description) and returning.columns is not None
        assert returning.param_types == [oids.INT4, oids.VARCHAR]
        assert [(c.name, c.type_oid) for c in returning.columns] == [("v", oids.VARCHAR)]
        ddl = await s.describe("CREATE TABLE u (a int)", [])
        assert isinstance(ddl, Description) and ddl.columns is None
        # the schema changes: what was cached about it goes
        await s.query("ALTER TABLE t ADD COLUMN born date")
        result, _ = await fetch(s, "SELECT * FROM t")
        assert [c.type_oid for c in result.columns] == [oids.INT4, oids.VARCHAR, oids.DATE]
        with pytest.raises(PgError) as caught:
            await s.describe("INSERT INTO nowhere VALUES ($1)", [0])
        assert caught.value.sqlstate == sqlstate.UNDEFINED_TABLE

    run(body)


def test_comment_on_an_object_not_kept_is_accepted_with_a_notice() -> None:
    notices: list[PgError] = []

    async def body(h: SQLiteHandler) -> None:
        s = await session(h, notice_sink=notices.append)
        await s.query("CREATE TABLE t (a int)")
        assert await tag(s, "COMMENT ON TABLE t IS 'hello'") == "COMMENT"  # kept: no notice
        assert await tag(s, "COMMENT ON INDEX i IS 'hello'") == "COMMENT"

    run(body)
    assert len(notices) == 1 and "not stored" in notices[0].message


def test_postgres_functions_sqlite_lacks() -> None:
    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        rows = await printed(
            s,
            "SELECT current_database() AS db, current_user AS u, 'abc' ~ 'b' AS m, "
            "'ABC' LIKE 'a%' AS cs, length(gen_random_uuid()::text) AS l",
        )
        assert rows == [["app", "tester", "t", "f", "36"]]

    run(body)


# --- the CLI target -------------------------------------------------------------------------


def test_load_target_chooses_the_backend(tmp_path: Path) -> None:
    from pgwire.backends.duckdb import DuckDBHandler
    from pgwire.cli import load_target

    handlers: list[Any] = []
    try:
        for target in ["app.sqlite", "app.SQLITE3", "app.db", "sqlite:app.data", "sqlite:"]:
            handler = load_target(target.replace("app", str(tmp_path / "app")))
            handlers.append(handler)
            assert isinstance(handler, SQLiteHandler), target
        assert handlers[-1].database == ":memory:"
        duckdb_targets: list[str | None] = [
            None,
            "duckdb:",
            f"duckdb:{tmp_path / 'x.sqlite'}",
            str(tmp_path / "x.duckdb"),
        ]
        for duckdb_target in duckdb_targets:
            handler = load_target(duckdb_target)
            handlers.append(handler)
            assert isinstance(handler, DuckDBHandler), duckdb_target
        assert type(load_target("examples.fixed:handler")).__name__ != "SQLiteHandler"
    finally:
        for handler in handlers:
            handler.shutdown()


# --- the catalog emulation's snapshot -------------------------------------------------------


def test_catalog_snapshot() -> None:
    pytest.importorskip("pgwire.backends.catalog.model")
    from pgwire.backends.catalog import model

    async def body(h: SQLiteHandler) -> None:
        s = await session(h)
        await s.query("CREATE TABLE parent (id serial PRIMARY KEY, code varchar(5) UNIQUE)")
        await s.query(
            "CREATE TABLE child (a int, b int NOT NULL, n numeric(10,2) CONSTRAINT pos "
            "CHECK (n > 0), p int REFERENCES parent (id) ON DELETE CASCADE, PRIMARY KEY (a, b))"
        )
        await s.query("CREATE INDEX child_n ON child (n)")
        await s.query("CREATE VIEW v AS SELECT a FROM child")
        snapshot = await s.catalog_snapshot()
        assert await s.catalog_snapshot() is snapshot  # unchanged schema: the same snapshot
        by_name = {r.name: r for r in snapshot.relations}
        assert sorted(by_name) == ["child", "parent", "parent_id_seq", "v"]
        assert by_name["parent_id_seq"].kind == "S"  # the serial column's sequence
        parent, child, view = by_name["parent"], by_name["child"], by_name["v"]
        assert [(c.name, c.type_oid, c.typmod) for c in parent.columns] == [
            ("id", oids.INT4, -1),
            ("code", oids.VARCHAR, 9),
        ]
        assert {(c.name, c.kind, c.columns) for c in parent.constraints} == {
            ("parent_pkey", model.PK, ("id",)),
            ("parent_code_key", model.UNIQUE, ("code",)),
        }
        kinds = {c.name: c for c in child.constraints}
        assert kinds["child_pkey"].columns == ("a", "b")
        assert (
            kinds["child_p_fkey"].ref_table == "parent" and kinds["child_p_fkey"].on_delete == "c"
        )
        assert kinds["pos"].kind == model.CHECK and kinds["pos"].expression == "n > 0"
        assert [i.name for i in child.indexes] == ["child_n"]
        assert [c.not_null for c in child.columns] == [True, True, False, False]
        assert view.kind == "v" and view.definition == "SELECT a FROM child"
        assert snapshot.search_path == ("public",)
        await s.query("CREATE TEMP TABLE scratch (x text)")
        changed = await s.catalog_snapshot()
        assert changed is not snapshot
        assert [(r.schema, r.temporary) for r in changed.relations if r.name == "scratch"] == [
            ("temp", True)
        ]
        state = s.catalog_state()
        assert (state.user, state.database, state.backend.split()[0]) == ("tester", "app", "SQLite")

    run(body)


# --- pgwire serve FILE.sqlite ---------------------------------------------------------------


@pytest.mark.interop
def test_serve_a_sqlite_file(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    from tests.support.server import ServerProcess

    path = tmp_path / "app.sqlite"
    with ServerProcess(str(path)) as server, psycopg.connect(server.conninfo()) as conn:
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
        conn.execute("INSERT INTO notes (body) VALUES (%s), (%s)", ("one", "two"))
        conn.commit()
    assert path.exists()
    with ServerProcess(str(path)) as server, psycopg.connect(server.conninfo()) as conn:
        assert conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall() == [
            (1, "one"),
            (2, "two"),
        ]
    with sqlite3.connect(path) as direct:  # an ordinary SQLite file, readable by anything
        assert direct.execute("SELECT count(*) FROM notes").fetchone() == (2,)


@pytest.mark.interop
def test_psql_describes_a_sqlite_table() -> None:
    """psql's \\dt and \\d run against the emulated catalog, built from SQLite's own."""
    import shutil
    import subprocess

    pytest.importorskip("duckdb")  # the catalog emulation's engine
    psycopg = pytest.importorskip("psycopg")
    from tests.conftest import skip_or_fail
    from tests.support.server import ServerProcess

    psql = shutil.which("psql")
    if psql is None:
        skip_or_fail("psql is not installed")
    assert psql is not None
    with ServerProcess("sqlite::memory:") as server:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute("CREATE TABLE parent (id serial PRIMARY KEY)")
            conn.execute(
                "CREATE TABLE child (a int PRIMARY KEY, n numeric(10,2) NOT NULL CHECK (n > 0), "
                "p int REFERENCES parent (id))"
            )

        def run_psql(command: str) -> str:
            done = subprocess.run(
                [psql, "-X", "-h", server.host, "-p", str(server.port), "-U", "tester",
                 "-d", "testdb", "-c", command],
                capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            return done.stdout

        listed = run_psql("\\dt")
        assert " child  | table" in listed and " parent | table" in listed
        described = run_psql("\\d child")
        for expected in [
            'Table "public.child"',
            "numeric(10,2) |           | not null",
            '"child_pkey" PRIMARY KEY, btree (a)',
            "CHECK ((n > 0))",
            '"child_p_fkey" FOREIGN KEY (p) REFERENCES parent(id)',
        ]:
            assert expected in described, described
