"""The DuckDB backend at the handler level: tags, types, errors, sessions, concurrency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

duckdb = pytest.importorskip("duckdb")

from pgwire import sqlstate  # noqa: E402
from pgwire.backends.duckdb import (  # noqa: E402
    DuckDBHandler,
    DuckDBSession,
    pg_type,
    to_pg_error,
)
from pgwire.backends.duckdb.tags import command_tag_for  # noqa: E402
from pgwire.errors import PgError  # noqa: E402
from pgwire.handler import Command, Rows, SessionInfo  # noqa: E402
from pgwire.types import Interval, oids, registry  # noqa: E402

# A query that keeps one DuckDB thread busy for a good second.
SLOW = "SELECT count(*) FROM range(400000000) t(i) WHERE i % 7 = 3 AND i * 3 % 11 = 2"


def run(body: Callable[[DuckDBHandler], Awaitable[None]], database: str = ":memory:") -> None:
    async def main() -> None:
        handler = DuckDBHandler(database)
        try:
            await asyncio.wait_for(body(handler), 60)
        finally:
            await handler.close()
            handler.shutdown()

    asyncio.run(main())


async def session(handler: DuckDBHandler, pid: int = 1) -> DuckDBSession:
    return await handler.connect(SessionInfo("tester", "memory", pid))


async def fetch(s: DuckDBSession, sql: str) -> tuple[Rows, list[tuple[Any, ...]]]:
    result = await s.query(sql)
    assert isinstance(result, Rows), result
    rows: list[tuple[Any, ...]] = [tuple(row) for row in result.rows]
    if result.batches is not None:
        async for batch in result.batches:
            rows.extend(tuple(row) for row in batch)
    return result, rows


async def text_rows(s: DuckDBSession, sql: str) -> list[list[str | None]]:
    """The rows as the server would send them: through the registry's text encoders."""
    result, rows = await fetch(s, sql)
    encoders = [registry.encoder(c.type_oid) for c in result.columns]
    return [
        [None if v is None else enc(v).decode() for enc, v in zip(encoders, row, strict=True)]
        for row in rows
    ]


async def tag(s: DuckDBSession, sql: str) -> str:
    result = await s.query(sql)
    assert isinstance(result, Command), result
    return result.tag


# --- command tags ---------------------------------------------------------------------------


def test_command_tags() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        expected = [
            ("CREATE TABLE t (i INT PRIMARY KEY, s VARCHAR)", "CREATE TABLE"),
            ("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')", "INSERT 0 3"),
            ("UPDATE t SET s = 'z' WHERE i > 1", "UPDATE 2"),
            ("DELETE FROM t WHERE i = 3", "DELETE 1"),
            ("DELETE FROM t WHERE i = 99", "DELETE 0"),
            ("CREATE TABLE t2 AS SELECT * FROM t", "SELECT 2"),
            ("CREATE OR REPLACE TEMP TABLE t3 (x INT)", "CREATE TABLE"),
            ("CREATE TABLE IF NOT EXISTS t3 (x INT)", "CREATE TABLE"),
            ("CREATE VIEW v AS SELECT 1", "CREATE VIEW"),
            ("CREATE UNIQUE INDEX ix ON t2 (i)", "CREATE INDEX"),
            ("CREATE SCHEMA sc", "CREATE SCHEMA"),
            ("CREATE SEQUENCE seq", "CREATE SEQUENCE"),
            ("CREATE TYPE mood AS ENUM ('sad', 'ok')", "CREATE TYPE"),
            ("CREATE MACRO twice(x) AS x * 2", "CREATE FUNCTION"),
            ("ALTER TABLE t2 ADD COLUMN z INT", "ALTER TABLE"),
            ("COMMENT ON TABLE t IS 'x'", "COMMENT"),
            ("DROP MACRO twice", "DROP FUNCTION"),
            ("DROP INDEX ix", "DROP INDEX"),
            ("DROP VIEW v", "DROP VIEW"),
            ("DROP TABLE t2", "DROP TABLE"),
            ("DROP SEQUENCE seq", "DROP SEQUENCE"),
            ("DROP SCHEMA sc", "DROP SCHEMA"),
            ("TRUNCATE t3", "TRUNCATE TABLE"),
            ("BEGIN", "BEGIN"),
            ("COMMIT", "COMMIT"),
            ("START TRANSACTION", "START TRANSACTION"),
            ("ROLLBACK", "ROLLBACK"),
            ("BEGIN TRANSACTION", "BEGIN"),
            ("END", "COMMIT"),
            ("SET threads = 2", "SET"),
            ("RESET threads", "RESET"),
            ("CHECKPOINT", "CHECKPOINT"),
            ("PREPARE p AS SELECT 1", "PREPARE"),
            ("DEALLOCATE p", "DEALLOCATE"),
            ("-- a comment first\nINSERT INTO t VALUES (7, 'q')", "INSERT 0 1"),
            ("/* block */ UPDATE t SET s = 'y'", "UPDATE 3"),
            ("INSERT INTO t VALUES (8, 'returning')", "INSERT 0 1"),
        ]
        for sql, want in expected:
            assert await tag(s, sql) == want, sql
        await s.close()

    run(body)


def test_copy_tag(tmp_path: Path) -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TABLE t AS SELECT range AS i FROM range(5)")
        path = tmp_path / "t.csv"
        assert await tag(s, f"COPY t TO '{path}'") == "COPY 5"
        assert await tag(s, f"COPY t FROM '{path}'") == "COPY 5"

    run(body)


def test_rows_tags_and_returning() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TABLE t (i INT)")
        result, rows = await fetch(s, "INSERT INTO t VALUES (1), (2) RETURNING i")
        assert rows == [(1,), (2,)]
        assert result.tag(len(rows)) == "INSERT 0 2"
        result, rows = await fetch(s, "UPDATE t SET i = i + 10 RETURNING i")
        assert sorted(rows) == [(11,), (12,)]
        assert result.tag(len(rows)) == "UPDATE 2"
        result, rows = await fetch(s, "DELETE FROM t RETURNING *")
        assert result.tag(len(rows)) == "DELETE 2"
        # A SELECT that happens to look like DuckDB's own Count/Success results stays rows.
        result, rows = await fetch(s, 'SELECT 5::BIGINT AS "Count"')
        assert rows == [(5,)] and result.tag(1) == "SELECT 1"
        result, rows = await fetch(s, 'SELECT true AS "Success"')
        assert rows == [(True,)]
        result, rows = await fetch(s, "SHOW TABLES")
        assert rows == [("t",)] and result.tag(1) == "SHOW"
        result, rows = await fetch(s, "EXPLAIN SELECT 1")
        assert result.tag(len(rows)) == "EXPLAIN"
        result, rows = await fetch(s, "SELECT * FROM range(0)")
        assert rows == [] and result.tag(0) == "SELECT 0"

    run(body)


def test_command_tag_for_unit() -> None:
    assert command_tag_for("INSERT", "insert into t values (1)", 1) == "INSERT 0 1"
    assert command_tag_for("CREATE", "create table t as select 1", 1) == "SELECT 1"
    assert command_tag_for("CREATE", "CREATE TEMPORARY TABLE t (i int)", None) == "CREATE TABLE"
    assert command_tag_for("DROP", "drop table if exists t", None) == "DROP TABLE"
    assert command_tag_for("ATTACH", "attach 'x.db'", None) == "ATTACH"
    assert command_tag_for("SET", "use memory", None) == "SET"
    assert command_tag_for("MERGE_INTO", "merge into t using s on true", 4) == "MERGE 4"


# --- types ----------------------------------------------------------------------------------

# (DuckDB expression, PostgreSQL OID, typmod, text PostgreSQL would print)
TYPE_CASES: list[tuple[str, int, int, str | None]] = [
    ("true", oids.BOOL, -1, "t"),
    ("1::TINYINT", oids.INT2, -1, "1"),
    ("255::UTINYINT", oids.INT2, -1, "255"),
    ("(-32768)::SMALLINT", oids.INT2, -1, "-32768"),
    ("65535::USMALLINT", oids.INT4, -1, "65535"),
    ("2147483647::INTEGER", oids.INT4, -1, "2147483647"),
    ("4294967295::UINTEGER", oids.INT8, -1, "4294967295"),
    ("(-9223372036854775808)::BIGINT", oids.INT8, -1, "-9223372036854775808"),
    ("18446744073709551615::UBIGINT", oids.NUMERIC, -1, "18446744073709551615"),
    ("170141183460469231731687303715884105727::HUGEINT", oids.NUMERIC, -1,
     "170141183460469231731687303715884105727"),
    ("1::UHUGEINT", oids.NUMERIC, -1, "1"),
    ("0.1::FLOAT", oids.FLOAT4, -1, "0.1"),
    ("1e20::DOUBLE", oids.FLOAT8, -1, "1e+20"),
    ("'NaN'::DOUBLE", oids.FLOAT8, -1, "NaN"),
    ("'-inf'::DOUBLE", oids.FLOAT8, -1, "-Infinity"),
    ("12.34::DECIMAL(10,2)", oids.NUMERIC, ((10 << 16) | 2) + 4, "12.34"),
    ("(-1)::DECIMAL(38,10)", oids.NUMERIC, ((38 << 16) | 10) + 4, "-1.0000000000"),
    ("'héllo'", oids.TEXT, -1, "héllo"),
    ("'x'::VARCHAR(10)", oids.TEXT, -1, "x"),
    ("'\\x01\\xFF'::BLOB", oids.BYTEA, -1, "\\x01ff"),
    ("DATE '2024-02-29'", oids.DATE, -1, "2024-02-29"),
    ("DATE '-0044-03-15'", oids.DATE, -1, "0045-03-15 BC"),
    ("DATE '12000-01-01'", oids.DATE, -1, "12000-01-01"),
    ("TIME '12:34:56.5'", oids.TIME, -1, "12:34:56.5"),
    ("TIME '24:00:00'", oids.TIME, -1, "24:00:00"),
    ("TIMETZ '01:02:03+05:30'", oids.TIMETZ, -1, "01:02:03+05:30"),
    ("TIMESTAMP '2024-01-02 03:04:05.000001'", oids.TIMESTAMP, -1, "2024-01-02 03:04:05.000001"),
    ("TIMESTAMP_S '2024-01-02 03:04:05'", oids.TIMESTAMP, 0, "2024-01-02 03:04:05"),
    ("TIMESTAMP_MS '2024-01-02 03:04:05.123'", oids.TIMESTAMP, 3, "2024-01-02 03:04:05.123"),
    ("TIMESTAMP_NS '2024-01-02 03:04:05.123456'", oids.TIMESTAMP, -1,
     "2024-01-02 03:04:05.123456"),
    ("TIMESTAMP '-0044-03-15 01:02:03.5'", oids.TIMESTAMP, -1, "0045-03-15 01:02:03.5 BC"),
    ("TIMESTAMPTZ '-0044-03-15 01:02:03+00'", oids.TIMESTAMPTZ, -1, "0045-03-15 01:02:03+00 BC"),
    ("TIMESTAMPTZ '2024-01-02 03:04:05+05'", oids.TIMESTAMPTZ, -1, "2024-01-01 22:04:05+00"),
    ("INTERVAL '1 year 2 months 3 days 04:05:06.5'", oids.INTERVAL, -1,
     "1 year 2 mons 3 days 04:05:06.5"),
    ("INTERVAL '1 month'", oids.INTERVAL, -1, "1 mon"),
    ("INTERVAL '-1 day 2 hours'", oids.INTERVAL, -1, "-1 days +02:00:00"),
    ("INTERVAL '100000000 hours 0.000001 seconds'", oids.INTERVAL, -1, "100000000:00:00.000001"),
    ("[INTERVAL '1 month', NULL, INTERVAL '-2 years']", oids.INTERVAL_ARRAY, -1,
     '{"1 mon",NULL,"-2 years"}'),
    ("[[INTERVAL '1 day']]", oids.INTERVAL_ARRAY, -1, '{{"1 day"}}'),
    ("NULL::INTERVAL", oids.INTERVAL, -1, None),
    ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID", oids.UUID, -1,
     "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ("'{\"a\": [1, 2]}'::JSON", oids.JSON, -1, '{"a": [1, 2]}'),  # named json: json
    ("[1, NULL, 3]", oids.INT4_ARRAY, -1, "{1,NULL,3}"),
    ("[[1, 2], [3, 4]]", oids.INT4_ARRAY, -1, "{{1,2},{3,4}}"),
    ("[1, 2]::INTEGER[2]", oids.INT4_ARRAY, -1, "{1,2}"),
    ("['a b', NULL, '', 'NULL', 'x\"y']", oids.TEXT_ARRAY, -1, '{"a b",NULL,"","NULL","x\\"y"}'),
    ("[1.5::DECIMAL(4,2)]", oids.NUMERIC_ARRAY, ((4 << 16) | 2) + 4, "{1.50}"),
    ("[DATE '2024-01-01']", oids.DATE_ARRAY, -1, "{2024-01-01}"),
    ("[TIMESTAMP '2024-01-01 00:00:00']", oids.TIMESTAMP_ARRAY, -1, '{"2024-01-01 00:00:00"}'),
    ("[{'a': 1}]", oids.RECORD_ARRAY, -1, "{(1)}"),  # as PostgreSQL 15 prints array[row(1)]
    ("{'a': 1, 'b': 'x y', 'c': [1.5, NULL]}", oids.RECORD, -1, '(1,"x y","{1.5,NULL}")'),
    ("{'d': DATE '2024-01-01', 'u': 123456789012345678901::HUGEINT}", oids.RECORD, -1,
     "(2024-01-01,123456789012345678901)"),
    ("ROW(1, NULL, '')", oids.RECORD, -1, '(1,,"")'),
    ("MAP {1: 'a', 2: 'b'}", oids.JSON, -1, '{"1": "a", "2": "b"}'),
    ("union_value(n := 2)", oids.TEXT, -1, "2"),
    ("'101'::BIT", oids.VARBIT, -1, "101"),
    ("NULL", oids.TEXT, -1, None),
]  # fmt: skip


def test_type_mapping_and_text() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        for expr, oid, typmod, text in TYPE_CASES:
            result, _ = await fetch(s, f"SELECT {expr} AS v")
            column = result.columns[0]
            assert (column.name, column.type_oid, column.type_modifier) == ("v", oid, typmod), expr
            encoded = await text_rows(s, f"SELECT {expr} AS v")
            assert encoded == [[text]], expr

    run(body)


def test_named_enum_is_its_type_and_unnamed_enum_is_text() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TYPE mood AS ENUM ('sad', 'ok')")
        result, rows = await fetch(s, "SELECT 'ok'::mood AS m, 'b'::ENUM('a', 'b') AS u")
        mood = result.columns[0].type_oid
        assert mood not in (oids.TEXT, 0) and result.columns[1].type_oid == oids.TEXT
        assert rows == [("ok", "b")]
        _, found = await fetch(s, "SELECT oid, typtype FROM pg_type WHERE typname = 'mood'")
        assert [(int(oid), kind) for oid, kind in found] == [(mood, "e")]

    run(body)


def test_intervals_are_exact_and_keep_column_names() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        result, rows = await fetch(
            s,
            "SELECT INTERVAL '1 month' AS a, 42 AS b, INTERVAL '1 month' AS a -- trailing comment",
        )
        assert [c.name for c in result.columns] == ["a", "b", "a"]
        assert rows == [(Interval(1, 0, 0), 42, Interval(1, 0, 0))]
        # From a table, in many batches, in order.
        await tag(s, "CREATE TABLE iv AS SELECT i, to_months(i::INT) AS m FROM range(2500) t(i)")
        result, rows = await fetch(s, "SELECT m, i FROM iv ORDER BY i")
        assert len(rows) == 2500
        assert rows[2499] == (Interval(2499, 0, 0), 2499)

    run(body)


def test_pg_type_unit() -> None:
    con = duckdb.connect()
    con.execute("SELECT [[1.5::DECIMAL(5,1)]] a, ['{}'::JSON] b, [{'a': 1}] c")
    types = [d[1] for d in con.description]
    assert pg_type(types[0]) == (oids.NUMERIC_ARRAY, ((5 << 16) | 1) + 4)
    assert pg_type(types[1]) == (oids.JSONB_ARRAY, -1)
    assert pg_type(types[2]) == (oids.RECORD_ARRAY, -1)
    con.close()


# --- errors ---------------------------------------------------------------------------------

ERROR_CASES: list[tuple[str, str]] = [
    ("SELEC 1", sqlstate.SYNTAX_ERROR),
    ("SELECT * FROM nosuch", sqlstate.UNDEFINED_TABLE),
    ("SELECT * FROM nosuch_schema.t", sqlstate.UNDEFINED_TABLE),
    ("SELECT nosuch FROM t", sqlstate.UNDEFINED_COLUMN),
    ("SELECT nosuch_function(1)", sqlstate.UNDEFINED_FUNCTION),
    ("SELECT abs('x', 2)", sqlstate.UNDEFINED_FUNCTION),
    ("SELECT 1::nosuch_type", sqlstate.UNDEFINED_OBJECT),
    ("CREATE TABLE t (i INT)", sqlstate.DUPLICATE_TABLE),
    ("CREATE SCHEMA main", sqlstate.DUPLICATE_SCHEMA),
    ("SELECT i, count(*) FROM t", sqlstate.GROUPING_ERROR),
    ("SELECT i FROM t a, t b", sqlstate.AMBIGUOUS_COLUMN),
    ("INSERT INTO t VALUES (1, 1, 'dup')", sqlstate.UNIQUE_VIOLATION),
    ("INSERT INTO t VALUES (9, 1, 'dup')", sqlstate.UNIQUE_VIOLATION),
    ("INSERT INTO t VALUES (9, 9, NULL)", sqlstate.NOT_NULL_VIOLATION),
    ("INSERT INTO t VALUES (200, 10, 'x')", sqlstate.CHECK_VIOLATION),
    ("INSERT INTO child VALUES (99)", sqlstate.FOREIGN_KEY_VIOLATION),
    ("SELECT 'abc'::INTEGER", sqlstate.INVALID_TEXT_REPRESENTATION),
    ("SELECT 3000000000::INTEGER", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE),
    ("SELECT 2147483647::INTEGER + 1", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE),
    ("SELECT 'abc'::DATE", sqlstate.INVALID_DATETIME_FORMAT),
    ("SELECT 1 // 0", sqlstate.DIVISION_BY_ZERO),
    ("SELECT 1 % 0", sqlstate.DIVISION_BY_ZERO),
    ("COMMIT", sqlstate.NO_ACTIVE_SQL_TRANSACTION),
    ("SELECT * FROM read_csv('/nonexistent/x.csv')", sqlstate.IO_ERROR),
]


def test_errors_map_to_sqlstates() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(
            s, "CREATE TABLE t (i INT PRIMARY KEY CHECK (i < 100), j INT UNIQUE, s TEXT NOT NULL)"
        )
        await tag(s, "INSERT INTO t VALUES (1, 1, 'a')")
        await tag(s, "CREATE TABLE child (i INT REFERENCES t (i))")
        for sql, code in ERROR_CASES:
            with pytest.raises(PgError) as info:
                await s.query(sql)
            assert info.value.sqlstate == code, (sql, info.value.message)
            assert "Error:" not in info.value.message, info.value.message
        # The session still works after all that.
        assert await text_rows(s, "SELECT 1") == [["1"]]

    run(body)


def test_error_messages_position_and_hint() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TABLE t (s TEXT)")
        with pytest.raises(PgError) as info:
            await s.query("SELECT * FROM nosuch")
        assert info.value.message == 'relation "nosuch" does not exist'
        assert info.value.position == 15  # as PostgreSQL reports it
        with pytest.raises(PgError) as info:
            await s.query("SELECT\n  1,\n  nosuch_col\nFROM t")
        assert info.value.message == 'column "nosuch_col" does not exist'
        assert info.value.position == 15
        assert info.value.hint is not None and '"s"' in info.value.hint
        with pytest.raises(PgError) as info:
            await s.query("SELECT 1 // 0")
        assert info.value.message == "division by zero"

    run(body)


def test_to_pg_error_unit() -> None:
    cases = [
        (duckdb.TransactionException("TransactionContext Error: Conflict on update!"), "40001"),
        (duckdb.InterruptException("INTERRUPT Error: Interrupted!"), "57014"),
        (duckdb.NotImplementedException("Not implemented Error: nope"), "0A000"),
        (
            duckdb.CatalogException(
                "Catalog Error: Cannot drop this column: an index depends on it!"
            ),
            "2BP01",
        ),
        (duckdb.OutOfMemoryException("Out of Memory Error: full"), "53200"),
        (duckdb.InternalException("INTERNAL Error: oops"), "XX000"),
        (duckdb.Error("something"), "XX000"),
    ]
    for exc, code in cases:
        err = to_pg_error(exc)
        assert err.sqlstate == code, exc
    err = to_pg_error(duckdb.ParserException('Parser Error: syntax error at or near "x"'))
    assert err.message == 'syntax error at or near "x"'


def test_failed_transaction_and_recovery() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TABLE t (i INT PRIMARY KEY)")
        await tag(s, "BEGIN")
        await tag(s, "INSERT INTO t VALUES (1)")
        with pytest.raises(PgError) as info:
            await s.query("INSERT INTO t VALUES (1)")
        assert info.value.sqlstate == sqlstate.UNIQUE_VIOLATION
        with pytest.raises(PgError) as info:
            await s.query("SELECT 1")
        assert info.value.sqlstate == sqlstate.IN_FAILED_SQL_TRANSACTION
        await tag(s, "ROLLBACK")
        assert await text_rows(s, "SELECT count(*) FROM t") == [["0"]]

    run(body)


# --- sessions -------------------------------------------------------------------------------


def test_transactions_are_per_session() -> None:
    async def body(h: DuckDBHandler) -> None:
        a, b = await session(h, 1), await session(h, 2)
        await tag(a, "CREATE TABLE t (i INT PRIMARY KEY, s TEXT)")
        await tag(a, "BEGIN")
        await tag(a, "INSERT INTO t VALUES (1, 'a')")
        assert await text_rows(a, "SELECT count(*) FROM t") == [["1"]]
        assert await text_rows(b, "SELECT count(*) FROM t") == [["0"]]  # not committed yet
        await tag(a, "COMMIT")
        assert await text_rows(b, "SELECT count(*) FROM t") == [["1"]]
        # Write-write conflict between two open transactions: serialization failure.
        await tag(a, "BEGIN")
        await tag(b, "BEGIN")
        await tag(a, "UPDATE t SET s = 'x' WHERE i = 1")
        with pytest.raises(PgError) as info:
            await b.query("UPDATE t SET s = 'y' WHERE i = 1")
        assert info.value.sqlstate == sqlstate.T_R_SERIALIZATION_FAILURE
        await tag(a, "COMMIT")
        await tag(b, "ROLLBACK")
        # Session settings stay in their session.
        await tag(a, "SET TimeZone = 'America/New_York'")
        assert await text_rows(b, "SELECT current_setting('TimeZone')") == [["UTC"]]
        await a.close()
        await b.close()

    run(body)


def test_slow_query_does_not_block_other_sessions() -> None:
    async def body(h: DuckDBHandler) -> None:
        slow, fast = await session(h, 1), await session(h, 2)
        await tag(slow, "SET threads = 1")  # keep the slow one honest on a small machine
        finished: dict[str, float] = {}
        start = time.monotonic()

        async def run_slow() -> None:
            await fetch(slow, SLOW)
            finished["slow"] = time.monotonic() - start

        async def run_fast() -> None:
            await asyncio.sleep(0.05)  # let the slow query get going
            for i in range(20):
                assert await text_rows(fast, f"SELECT {i}") == [[str(i)]]
            finished["fast"] = time.monotonic() - start

        await asyncio.gather(run_slow(), run_fast())
        assert finished["fast"] < finished["slow"], finished

    run(body)


def test_cancel_interrupts_the_query() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        task = asyncio.ensure_future(fetch(s, SLOW))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 2.0
        # The session is usable right after.
        assert await text_rows(s, "SELECT 42") == [["42"]]

    run(body)


def test_interrupt_maps_to_query_canceled() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, s._cursor.interrupt)
        with pytest.raises(PgError) as info:
            await fetch(s, SLOW)
        assert info.value.sqlstate == sqlstate.QUERY_CANCELED

    run(body)


def test_streaming_batches_and_interleaved_statements() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        result = await s.query("SELECT range AS i FROM range(5500)")
        assert isinstance(result, Rows) and result.batches is not None
        batches = aiter(result.batches)
        first = list(await anext(batches))
        assert len(first) == 1000
        # Another statement before the first result is read to the end: the rest is kept.
        assert await text_rows(s, "SELECT 'other'") == [["other"]]
        rest = [row async for batch in batches for row in batch]
        assert [row[0] for row in first + rest] == list(range(5500))

    run(body)


def test_file_database_and_read_only(tmp_path: Path) -> None:
    path = str(tmp_path / "db.duckdb")

    async def write(h: DuckDBHandler) -> None:
        s = await session(h)
        await tag(s, "CREATE TABLE t AS SELECT 1 AS i")

    run(write, path)

    async def read() -> None:
        h = DuckDBHandler(path, read_only=True)
        s = await session(h)
        assert await text_rows(s, "SELECT i FROM t") == [["1"]]
        with pytest.raises(PgError) as info:
            await s.query("INSERT INTO t VALUES (2)")
        assert info.value.sqlstate == sqlstate.READ_ONLY_SQL_TRANSACTION
        await s.close()
        h.shutdown()

    asyncio.run(read())
    with pytest.raises(ValueError):
        DuckDBHandler(":memory:", read_only=True)


def test_python_variables_are_not_visible_to_sql() -> None:
    async def body(h: DuckDBHandler) -> None:
        s = await session(h)
        with pytest.raises(PgError) as info:
            await s.query("SELECT * FROM sql")  # a local variable in the worker's frames
        assert info.value.sqlstate == sqlstate.UNDEFINED_TABLE

    run(body)


def test_handler_query_uses_a_default_session() -> None:
    async def body(h: DuckDBHandler) -> None:
        result = await h.query("SELECT 1 AS one")
        assert isinstance(result, Rows)
        assert [c.name for c in result.columns] == ["one"]

    run(body)
