"""asyncpg against `pgwire serve` (DuckDB), with PostgreSQL 15 as the reference.

asyncpg always uses named prepared statements, asks the server to Describe them, and reads
every result in binary. It picks each parameter's codec from ParameterDescription, so the
server must know a parameter's type before the first Bind: `select $1::int` from the cast,
`where id = $1` from the column (DuckDBSession.describe infers it). Where DuckDB's SQL means
the same as PostgreSQL's, each test runs against both servers and compares.

pytest-asyncio is not installed: each test drives its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from decimal import Decimal
from typing import Any, TypeVar

import pytest

asyncpg = pytest.importorskip("asyncpg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

T = TypeVar("T")
Server = ServerProcess | TempPostgres
Connection = Any  # asyncpg.Connection (asyncpg ships no type hints)

PLUS_2 = dt.timezone(dt.timedelta(hours=2))
ITEMS = (
    "create temp table items (id integer primary key, name text, price numeric(10,2), created date)"
)


def run(coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def connect(server: Server) -> Connection:
    if isinstance(server, TempPostgres):
        return await asyncpg.connect(server.dsn, timeout=10)
    return await asyncpg.connect(
        host=server.host, port=server.port, user="tester", database="testdb", timeout=10
    )


async def on(server: Server, body: Callable[[Connection], Awaitable[T]]) -> T:
    """Run `body` on a fresh connection to `server`."""
    conn = await connect(server)
    try:
        return await body(conn)
    finally:
        await conn.close()


def on_both(
    pg: TempPostgres, server: ServerProcess, body: Callable[[Connection], Awaitable[T]]
) -> tuple[T, T]:
    """(PostgreSQL's answer, pgwire's answer) to the same `body`."""

    async def main() -> tuple[T, T]:
        return await on(pg, body), await on(server, body)

    return run(main())


def same(a: Any, b: Any, *, strict: bool = True) -> bool:
    """Equal (and of the same Python type when `strict`), with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and (type(a) is type(b) or not strict)


# --------------------------------------------------------------------------------------------
# types, as results (binary) and as parameters

# (id, SELECT expression): the same SQL and the same meaning in PostgreSQL and DuckDB.
RESULTS = [
    ("bool", "true"),
    ("bool_false", "false"),
    ("int2", "(-32768)::int2"),
    ("int4", "2147483647::int4"),
    ("int8", "(-9223372036854775807)::int8"),
    ("float4", "1.5::float4"),
    ("float4_minus_inf", "'-Infinity'::float4"),
    ("float8", "0.1::float8"),
    ("float8_nan", "'NaN'::float8"),
    ("float8_inf", "'Infinity'::float8"),
    ("numeric", "123.45::numeric(10,2)"),
    ("numeric_negative_small", "(-0.000123)::numeric(10,6)"),
    ("numeric_large", "12345678901234567890.123456789::numeric(38,9)"),
    ("numeric_integral", "100000000000000000000::numeric(38,0)"),
    ("text", "'héllo ☃ 日本'::text"),
    ("text_empty", "''::text"),
    ("bytea", "'abc'::bytea"),
    ("date", "'2024-02-29'::date"),
    ("time", "'13:14:15.123456'::time"),
    ("timestamp", "'2024-02-29 13:14:15.123456'::timestamp"),
    ("timestamptz", "'2024-02-29 13:14:15.123456+02'::timestamptz"),
    ("interval", "'1 year 2 months 3 days 04:05:06.5'::interval"),
    ("uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"),
    ("json", """'{"a": [1, 2], "b": null}'::json"""),
    ("text_array", "array['a', null, 'b c']"),
    ("null", "null::int4"),
]


@pytest.mark.parametrize(("expr"), [e for _, e in RESULTS], ids=[i for i, _ in RESULTS])
def test_result_types_like_postgres(
    postgres15: TempPostgres, duckdb_server: ServerProcess, expr: str
) -> None:
    async def body(conn: Connection) -> tuple[Any, str]:
        statement = await conn.prepare(f"select {expr} as v")
        (attribute,) = statement.get_attributes()
        return await statement.fetchval(), attribute.type.name

    (want, want_type), (got, got_type) = on_both(postgres15, duckdb_server, body)
    assert got_type == want_type
    assert same(got, want), (got, want)


def test_result_values(duckdb_server: ServerProcess) -> None:
    """What asyncpg makes of them: the values themselves, not only PostgreSQL's agreement."""

    async def body(conn: Connection) -> None:
        row = await conn.fetchrow(
            "select 1.5::float4 as f, 123.45::numeric(10,2) as n, 'abc'::bytea as b, "
            "'2024-02-29 13:14:15.123456+02'::timestamptz as tz, "
            "'1 year 2 months 3 days 04:05:06.5'::interval as i, "
            """'{"a": 1}'::json as j, array['a', null] as ta, 'NaN'::float8 as nan"""
        )
        assert row["f"] == 1.5
        assert row["n"] == Decimal("123.45") and str(row["n"]) == "123.45"
        assert row["b"] == b"abc"
        assert row["tz"] == dt.datetime(2024, 2, 29, 11, 14, 15, 123456, tzinfo=dt.UTC)
        # asyncpg counts a year as 365 days and a month as 30
        assert row["i"] == dt.timedelta(days=365 + 2 * 30 + 3, seconds=4 * 3600 + 5 * 60 + 6.5)
        assert row["j"] == '{"a": 1}'  # json comes back as text
        assert row["ta"] == ["a", None]
        assert math.isnan(row["nan"])

    run(on(duckdb_server, body))


# (id, cast, value sent): `select $1::<cast>` must give the value back, as PostgreSQL does.
PARAMS = [
    ("bool", "bool", True),
    ("int2", "int2", -32768),
    ("int4", "int4", 2**31 - 1),
    ("int8", "int8", -(2**63)),
    ("float4", "float4", 1.5),
    ("float4_inf", "float4", math.inf),
    ("float8", "float8", 0.1),
    ("float8_minus_inf", "float8", -math.inf),
    ("float8_nan", "float8", math.nan),
    ("numeric", "numeric(20,6)", Decimal("-1234.56789")),
    ("numeric_large", "numeric(38,9)", Decimal("12345678901234567890.123456789")),
    ("numeric_tiny", "numeric(20,18)", Decimal("-0.000000000000000001")),
    ("numeric_exponent", "numeric(20,0)", Decimal("1.5E+3")),
    ("text", "text", "héllo ☃ 'quoted' \\ 日本"),
    ("text_empty", "text", ""),
    ("bytea", "bytea", bytes(range(256))),
    ("date", "date", dt.date(2024, 2, 29)),
    ("time", "time", dt.time(13, 14, 15, 123456)),
    ("timestamp", "timestamp", dt.datetime(2024, 2, 29, 13, 14, 15, 123456)),
    ("timestamptz", "timestamptz", dt.datetime(2024, 2, 29, 13, 14, 15, 123456, PLUS_2)),
    ("interval", "interval", dt.timedelta(days=3, hours=4, microseconds=5)),
    ("interval_negative", "interval", dt.timedelta(days=-1, seconds=7200)),
    ("uuid", "uuid", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
    ("json", "json", '{"a": [1, 2]}'),
    ("text_array", "text[]", ["a", None, "b c", ""]),
    ("null", "int4", None),
]


@pytest.mark.parametrize(
    ("cast", "value"), [(c, v) for _, c, v in PARAMS], ids=[i for i, _, _ in PARAMS]
)
def test_parameters_like_postgres(
    postgres15: TempPostgres, duckdb_server: ServerProcess, cast: str, value: Any
) -> None:
    async def body(conn: Connection) -> Any:
        return await conn.fetchval(f"select $1::{cast}", value)

    want, got = on_both(postgres15, duckdb_server, body)
    assert same(want, value, strict=False)  # asyncpg's UUID is not uuid.UUID
    assert same(got, want), (got, want)


def test_int_array_result(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        assert await conn.fetchval("select array[1, null, 3]") == [1, None, 3]

    run(on(duckdb_server, body), timeout=10)


def test_int_array_parameter(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        assert await conn.fetchval("select $1::int4[]", [1, None, 3]) == [1, None, 3]

    run(on(duckdb_server, body), timeout=10)


def test_int_arrays_on_postgres(postgres15: TempPostgres) -> None:
    """What the two tests above expect, as PostgreSQL answers it."""

    async def body(conn: Connection) -> None:
        assert await conn.fetchval("select array[1, null, 3]") == [1, None, 3]
        assert await conn.fetchval("select $1::int4[]", [1, None, 3]) == [1, None, 3]

    run(on(postgres15, body))


@pytest.mark.xfail(
    raises=AssertionError,
    strict=True,
    reason="DuckDB's NUMERIC without a precision is DECIMAL(18,3): `$1::numeric` rounds to 3 "
    "decimal places where PostgreSQL keeps every digit (give a precision: numeric(20,6))",
)
def test_unconstrained_numeric_parameter(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        value = Decimal("1.23456")
        assert await conn.fetchval("select $1::numeric", value) == value

    run(on(duckdb_server, body))


def test_jsonb(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        assert await conn.fetchval("""select '{"a": 1}'::jsonb""") == '{"a": 1}'

    run(on(duckdb_server, body))


# --------------------------------------------------------------------------------------------
# prepared statements: what Describe reports

# Statements whose parameter and result types PostgreSQL and pgwire must report alike.
DESCRIBED = [
    "select $1::int + 1 as x",
    "select $1::text as t, $2::date as d, $3::numeric as n, $4::bool as b",
    "select name, price from items where id = $1",
    "select id from items where $1 = name and price > $2 and created between $3 and $4",
    "select id from items where id in ($1, $2) and name like $3 order by id limit $4 offset $5",
    "select i.id from items i where i.price <= $1",
    "select count(*) as n from items where created = $1",
    "insert into items (id, name, price, created) values ($1, $2, $3, $4)",
    "insert into items values ($1, $2, $3, $4) returning id, price",
    "update items set name = $1, price = $2 where id = $3 returning id, name",
    "delete from items where id = $1",
]


@pytest.mark.parametrize("sql", DESCRIBED)
def test_prepare_describes_like_postgres(
    postgres15: TempPostgres, duckdb_server: ServerProcess, sql: str
) -> None:
    async def body(conn: Connection) -> tuple[list[str], list[tuple[str, str]]]:
        await conn.execute(ITEMS)
        statement = await conn.prepare(sql)
        return (
            [p.name for p in statement.get_parameters()],
            [(a.name, a.type.name) for a in statement.get_attributes()],
        )

    want, got = on_both(postgres15, duckdb_server, body)
    assert got == want


def test_prepare_reports_types(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        statement = await conn.prepare("select $1::int + 1 as x")
        assert [p.name for p in statement.get_parameters()] == ["int4"]
        assert [(a.name, a.type.name) for a in statement.get_attributes()] == [("x", "int4")]
        assert await statement.fetchval(41) == 42

        await conn.execute(ITEMS)
        statement = await conn.prepare("select name, created from items where id = $1")
        assert [p.name for p in statement.get_parameters()] == ["int4"]
        assert [(a.name, a.type.name) for a in statement.get_attributes()] == [
            ("name", "text"),
            ("created", "date"),
        ]
        # no context to infer from: unknown, reported as text, as PostgreSQL does
        statement = await conn.prepare("select $1 as v")
        assert [p.name for p in statement.get_parameters()] == ["text"]
        assert await statement.fetchval("x") == "x"
        # an error in the statement comes at prepare
        with pytest.raises(asyncpg.exceptions.UndefinedTableError):
            await conn.prepare("select * from no_such_table where id = $1")
        with pytest.raises(asyncpg.exceptions.UndefinedColumnError):
            await conn.prepare("select no_such_column from items")

    run(on(duckdb_server, body))


def test_statement_cache_after_alter_table(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("create temp table altered (a integer)")
        await conn.execute("insert into altered values (1)")
        assert [tuple(r) for r in await conn.fetch("select * from altered")] == [(1,)]
        await conn.execute("alter table altered add column b text")
        assert [tuple(r) for r in await conn.fetch("select * from altered")] == [(1, None)]

    run(on(duckdb_server, body))


# --------------------------------------------------------------------------------------------
# queries with parameters


def test_fetch_with_parameters(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        assert await conn.fetchval("select $1::int", 41) == 41
        assert await conn.fetchval("select $1::int + $2::int", 40, 2) == 42
        await conn.execute("create temp table t (a integer, b text, c numeric(38,9))")
        await conn.execute(
            "insert into t values ($1, $2, $3), ($4, $5, $6)",
            1,
            "one",
            Decimal("12345678901234567890.123456789"),
            2,
            "two",
            None,
        )
        # `a = $1` with an int: asyncpg encodes it as the int4 the server inferred
        assert [tuple(r) for r in await conn.fetch("select a, b from t where a = $1", 2)] == [
            (2, "two")
        ]
        row = await conn.fetchrow("select * from t where b = $1", "one")
        assert row is not None and tuple(row) == (
            1,
            "one",
            Decimal("12345678901234567890.123456789"),
        )
        assert row["c"] == Decimal("12345678901234567890.123456789")
        assert await conn.fetchrow("select * from t where a = $1", 99) is None
        assert await conn.fetchval("select count(*) from t where a in ($1, $2)", 1, 2) == 2
        assert await conn.fetchval("select b from t where c is null and a > $1", 1) == "two"
        rows = await conn.fetch("select a from t order by a limit $1 offset $2", 1, 1)
        assert [r["a"] for r in rows] == [2]
        assert await conn.execute("update t set b = $1 where a = $2", "uno", 1) == "UPDATE 1"
        assert await conn.fetchval("select b from t where a = $1", 1) == "uno"
        assert await conn.execute("delete from t where a = $1", 1) == "DELETE 1"

    run(on(duckdb_server, body))


def test_executemany(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("create temp table many (id integer, name text, day date)")
        rows = [(i, f"row {i}", dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(1000)]
        await conn.executemany("insert into many values ($1, $2, $3)", rows)
        assert await conn.fetchval("select count(*) from many") == 1000
        assert await conn.fetchval("select sum(id) from many") == sum(range(1000))
        assert tuple(await conn.fetchrow("select * from many where id = $1", 999)) == rows[999]

    run(on(duckdb_server, body))


def test_cursor_in_a_transaction(duckdb_server: ServerProcess) -> None:
    query = "select g from generate_series(0, 999) as s(g) order by g"

    async def body(conn: Connection) -> None:
        async with conn.transaction():
            seen = [r["g"] async for r in conn.cursor(query, prefetch=50)]
        assert seen == list(range(1000))

        async with conn.transaction():
            cursor = await conn.cursor(query)
            assert [r["g"] for r in await cursor.fetch(10)] == list(range(10))
            assert await cursor.forward(5) == 5
            row = await cursor.fetchrow()
            assert row is not None and row["g"] == 15
            assert [r["g"] for r in await cursor.fetch(1000)] == list(range(16, 1000))
            assert await cursor.fetch(10) == []

        # with parameters, the type inferred from the table
        await conn.execute("create temp table nums (n integer)")
        await conn.execute("insert into nums select * from generate_series(1, 300)")
        async with conn.transaction():
            cursor = conn.cursor("select n from nums where n > $1 order by n", 100, prefetch=7)
            assert [r["n"] async for r in cursor] == list(range(101, 301))

    run(on(duckdb_server, body))


def test_sql_level_statements_and_cursors(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    """EXECUTE, FETCH and SHOW prepared by asyncpg: the front end, not DuckDB, describes them
    (and describing a FETCH must not move its cursor)."""

    async def body(conn: Connection) -> list[Any]:
        out: list[Any] = []
        await conn.execute("prepare p(int) as select $1 + 1 as x")
        statement = await conn.prepare("execute p(41)")
        out.append([(a.name, a.type.name) for a in statement.get_attributes()])
        out.append(await statement.fetchval())
        async with conn.transaction():
            await conn.execute(
                "declare cur cursor for select g from generate_series(1, 10) as s(g) order by g"
            )
            out.append([r["g"] for r in await conn.fetch("fetch 3 from cur")])
            out.append(await conn.fetchval("fetch next from cur"))
            await conn.execute("move 2 in cur")
            out.append([r["g"] for r in await conn.fetch("fetch all from cur")])
        out.append(await conn.fetchval("show standard_conforming_strings"))
        out.append(await conn.fetchval("select current_setting('DateStyle')"))
        return out

    want, got = on_both(postgres15, duckdb_server, body)
    assert want[2:5] == [[1, 2, 3], 4, [7, 8, 9, 10]]
    assert got == want


# --------------------------------------------------------------------------------------------
# errors

ERRORS = [
    ("select * from no_such_table", "UndefinedTableError"),
    ("select no_such_column from uq", "UndefinedColumnError"),
    ("selec 1", "PostgresSyntaxError"),
    ("insert into uq values (1)", "UniqueViolationError"),
    ("insert into uq values (null)", "NotNullViolationError"),
    ("select 'x'::int", "InvalidTextRepresentationError"),
]


@pytest.mark.parametrize(("sql", "error"), ERRORS, ids=[e for _, e in ERRORS])
def test_errors_like_postgres(
    postgres15: TempPostgres, duckdb_server: ServerProcess, sql: str, error: str
) -> None:
    async def body(conn: Connection) -> tuple[str, str]:
        await conn.execute("create temp table uq (id integer primary key)")
        await conn.execute("insert into uq values (1)")
        with pytest.raises(asyncpg.PostgresError) as info:
            await conn.execute(sql)
        # the connection is still usable, also for a prepared statement
        assert await conn.fetchval("select $1::int", 7) == 7
        return type(info.value).__name__, info.value.sqlstate

    want, got = on_both(postgres15, duckdb_server, body)
    assert want[0] == error
    assert got == want


def test_errors_with_parameters_and_transactions(duckdb_server: ServerProcess) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("create temp table uq (id integer primary key)")
        await conn.execute("insert into uq values ($1)", 1)
        with pytest.raises(asyncpg.exceptions.UniqueViolationError):
            await conn.execute("insert into uq values ($1)", 1)
        with pytest.raises(asyncpg.exceptions.UndefinedTableError):
            await conn.fetch("select * from no_such_table where id = $1", 1)
        with pytest.raises(asyncpg.exceptions.PostgresSyntaxError):
            await conn.fetch("selec $1", 1)

        # an error inside a transaction: the rest fails with 25P02 until it is rolled back
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute("insert into uq values (2)")
        with pytest.raises(asyncpg.exceptions.UniqueViolationError):
            await conn.execute("insert into uq values (2)")
        with pytest.raises(asyncpg.exceptions.InFailedSQLTransactionError):
            await conn.fetchval("select 1")
        await transaction.rollback()
        assert await conn.fetchval("select count(*) from uq") == 1

        # `async with` rolls back on an exception of our own, and commits otherwise
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await conn.execute("insert into uq values (3)")
                raise RuntimeError("rolled back")
        async with conn.transaction():
            await conn.execute("insert into uq values (4)")
        assert [r["id"] for r in await conn.fetch("select id from uq order by id")] == [1, 4]

    run(on(duckdb_server, body))


def test_prepared_savepoints(duckdb_server: ServerProcess) -> None:
    """SQLAlchemy's asyncpg dialect prepares SAVEPOINT, RELEASE and ROLLBACK TO (Parse,
    Describe) like any statement; the front end keeps them for DuckDB."""

    async def body(conn: Connection) -> list[Any]:
        await conn.execute("create temp table sp_items (a integer)")
        async with conn.transaction():
            await conn.execute("insert into sp_items values (1)")
            for sql in ("SAVEPOINT sp_1", "RELEASE SAVEPOINT sp_1", "SAVEPOINT sp_2"):
                assert await (await conn.prepare(sql)).fetch() == []
            assert await conn.fetchval("select count(*) from sp_items") == 1
            await (await conn.prepare("ROLLBACK TO SAVEPOINT sp_2")).fetch()  # nothing written
            await conn.execute("insert into sp_items values (2)")
        return [r["a"] for r in await conn.fetch("select a from sp_items order by a")]

    assert run(on(duckdb_server, body)) == [1, 2]


# --------------------------------------------------------------------------------------------
# several connections at once


# asyncpg's create_pool: tests/apps/test_asyncpg_pool.py, on both backends.


def test_concurrent_connections(duckdb_server: ServerProcess) -> None:
    clients = 8

    async def client(n: int) -> tuple[int, int, int]:
        conn = await connect(duckdb_server)
        try:
            await conn.execute("create temp table mine (k integer, v text)")
            await conn.executemany(
                "insert into mine values ($1, $2)", [(i, f"{n}:{i}") for i in range(100)]
            )
            total = await conn.fetchval("select sum(k) + $1::int from mine", n)
            mine = await conn.fetchval("select count(*) from mine where v like $1", f"{n}:%")
            return conn.get_server_pid(), total, mine
        finally:
            await conn.close()

    async def main() -> list[tuple[int, int, int]]:
        return list(await asyncio.gather(*(client(n) for n in range(clients))))

    results = run(main())
    assert len({pid for pid, _, _ in results}) == clients
    assert [(total, mine) for _, total, mine in results] == [
        (sum(range(100)) + n, 100) for n in range(clients)
    ]
