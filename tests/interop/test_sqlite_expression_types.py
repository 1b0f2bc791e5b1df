"""The SQLite backend types result expressions as PostgreSQL 15 does, side by side.

Each expression runs on PostgreSQL 15 and on `pgwire serve x.sqlite`; the RowDescription type
OIDs and the values drivers decode must be the same: asyncpg (binary), psycopg in text and in
binary. Types come from the statement (see backends/sqlite/expressions.py), so 1 + 1 is an
int4 2 and a comparison a bool, not an int8 or the text '2'.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Server = ServerProcess | TempPostgres

EXPRESSIONS = [
    "1 + 1",
    "7 / 2",
    "-7 / 2",
    "7 % 3",
    "2 * 3 - 1",
    "2147483648",
    "2147483647 + 1::bigint",
    "99999999999999999999",
    "1.5",
    "0.1 + 0.2",
    "1 + 1.5",
    "7.0 / 2",
    "2.5::float8 * 2",
    "2 ^ 3",
    "'a'",
    "'a' || 'b'",
    "'1' + 2",
    "'42'::int",
    "CAST(5 AS bigint)",
    "3::smallint + 1::smallint",
    "1 < 2",
    "1 = 1 AND 2 > 3",
    "NOT true",
    "1 IN (1, 2)",
    "'abc' LIKE 'a%'",
    "NULL IS NULL",
    "count(*)",
    "sum(2)",
    "avg(2)",
    "max(3)",
    "min(1.5)",
    "coalesce(NULL, 3)",
    "coalesce(NULL, 1, 2.5)",
    "CASE WHEN 1 > 0 THEN 1 ELSE 0 END",
    "CASE WHEN false THEN 'x' END",
    "upper('a') || lower('B')",
    "length('abc')",
    "abs(-5)",
]


# Expressions over a table's columns: typed from the columns' declared types.
TABLE = "create table et_items (i int, b bigint, n numeric(10,2), f float8, s text, d date)"
ROWS = "insert into et_items values (1, 2, 2.50, 1.5, 'x', '2024-01-01'), (2, 3, 1.25, 2, 'y', '2024-01-02')"  # noqa: E501
OVER_COLUMNS = [
    "SELECT i + 1, b * 2, i / 2, f * 2 FROM et_items ORDER BY i",
    "SELECT sum(i), sum(b), sum(n), avg(i), count(*) FROM et_items",
    "SELECT max(i), min(d), max(s), upper(s) FROM et_items GROUP BY s ORDER BY 1",
    "SELECT i > 1, coalesce(i, 0), length(s) FROM et_items ORDER BY i",
    "SELECT x.i * y.i FROM et_items x JOIN et_items y ON x.i = y.i ORDER BY 1",
]


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(str(tmp_path_factory.mktemp("et") / "et.sqlite")) as server:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute(TABLE)
            conn.execute(ROWS)
        yield server


@pytest.fixture(scope="module")
def postgres(postgres15: TempPostgres) -> Iterator[TempPostgres]:
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop table if exists et_items")
        conn.execute(TABLE)
        conn.execute(ROWS)
    yield postgres15
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop table et_items")


def dsn(server: Server) -> str:
    return server.dsn if isinstance(server, TempPostgres) else server.conninfo()


def asyncpg_answers(server: Server, queries: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    """(type OIDs, first row) of each prepared query, read in binary by asyncpg."""

    async def main() -> list[Any]:
        if isinstance(server, TempPostgres):
            conn = await asyncpg.connect(server.dsn, timeout=10)
        else:
            conn = await asyncpg.connect(
                host=server.host, port=server.port, user="tester", database="testdb", timeout=10
            )
        try:
            out = []
            for sql, args in queries:
                statement = await conn.prepare(sql)
                types = [a.type.oid for a in statement.get_attributes()]
                out.append((types, tuple(await statement.fetchrow(*args))))
            return out
        finally:
            await conn.close()

    return asyncio.run(asyncio.wait_for(main(), 30))


def psycopg_answers(server: Server, queries: list[str], binary: bool) -> list[Any]:
    """(type OIDs, first row) of each query, read by psycopg in text or binary."""
    out = []
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        cursor = conn.cursor(binary=binary)
        for sql in queries:
            cursor.execute(sql)
            assert cursor.description is not None
            out.append(([c.type_code for c in cursor.description], cursor.fetchone()))
    return out


def queries() -> list[str]:
    return [f"SELECT {e}" for e in EXPRESSIONS]


def test_asyncpg_reads_expressions_as_postgres(
    postgres: TempPostgres, sqlite_server: ServerProcess
) -> None:
    asked = [(q, ()) for q in queries()]
    asked += [("SELECT $1::int", (42,)), ("SELECT $1::bigint * 2", (21,))]
    want = asyncpg_answers(postgres, asked)
    got = asyncpg_answers(sqlite_server, asked)
    for (sql, _), mine, theirs in zip(asked, got, want, strict=True):
        assert mine == theirs, sql
    assert dict(zip([q for q, _ in asked], got, strict=True))["SELECT 1 + 1"] == ([23], (2,))


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_psycopg_reads_expressions_as_postgres(
    postgres: TempPostgres, sqlite_server: ServerProcess, binary: bool
) -> None:
    asked = queries()
    want = psycopg_answers(postgres, asked, binary)
    got = psycopg_answers(sqlite_server, asked, binary)
    for sql, mine, theirs in zip(asked, got, want, strict=True):
        assert mine == theirs, sql
    answers = dict(zip(asked, got, strict=True))
    assert answers["SELECT 7 / 2"] == ([23], (3,))
    assert answers["SELECT 1 < 2"] == ([16], (True,))
    assert answers["SELECT count(*)"] == ([20], (1,))


def test_clock_and_overflow_as_postgres(
    postgres: TempPostgres, sqlite_server: ServerProcess
) -> None:
    clock = "SELECT now(), current_timestamp, current_date"
    want = psycopg_answers(postgres, [clock], True)
    got = psycopg_answers(sqlite_server, [clock], True)
    assert got[0][0] == want[0][0] == [1184, 1184, 1082]
    for server in (postgres, sqlite_server):
        with (
            psycopg.connect(dsn(server), autocommit=True) as conn,
            pytest.raises(psycopg.errors.NumericValueOutOfRange, match="integer out of"),
        ):
            conn.execute("SELECT 2147483647 + 1").fetchall()


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_expressions_over_columns_as_postgres(
    postgres: TempPostgres, sqlite_server: ServerProcess, binary: bool
) -> None:
    want = psycopg_answers(postgres, OVER_COLUMNS, binary)
    got = psycopg_answers(sqlite_server, OVER_COLUMNS, binary)
    for sql, mine, theirs in zip(OVER_COLUMNS, got, want, strict=True):
        assert mine == theirs, sql
    assert got[1][0] == [20, 1700, 1700, 1700, 20]  # sum(int) int8, sum(bigint) numeric
