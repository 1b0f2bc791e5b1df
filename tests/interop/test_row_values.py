"""Row values (ROW(...), a table's whole row, DuckDB's STRUCTs) are PostgreSQL records,
side by side with PostgreSQL 15: psycopg reads them as tuples in text and binary, asyncpg as
records, with the fields' own types in binary."""

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
SETUP = [
    "drop table if exists rv_items",
    "create table rv_items (id integer, label text, price numeric(6, 2))",
    "insert into rv_items values (1, 'a b', 1.50), (2, null, 2.00), (3, '', 0)",
]
# PostgreSQL leaves a bare literal in ROW() of type unknown (psycopg reads it as bytes in
# binary): the casts keep the comparison about records.
QUERIES = [
    "select row(1, 'a b'::text, null::text) as r",
    "select rv_items from rv_items order by id",
    "select row(id, row(label, price)) from rv_items order by id",
    "select array[row(1, 'x'::text), row(2, 'y,z'::text)] as a",
]
# A table's whole row is of the table's row type in PostgreSQL, which psycopg does not know
# (it returns the text as is); pgwire has no row types for tables and sends a record, which
# psycopg parses. asyncpg introspects the row type and reads both alike.
PSYCOPG_QUERIES = [q for q in QUERIES if "rv_items from" not in q]


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "postgres":
        target: Server = request.getfixturevalue("postgres15")
        yield target
        return
    with ServerProcess() as process:
        yield process


def psycopg_rows(server: Server, binary: bool) -> list[Any]:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        for sql in SETUP:
            conn.execute(sql)
        return [conn.execute(sql, binary=binary).fetchall() for sql in PSYCOPG_QUERIES]


def asyncpg_rows(server: Server) -> list[Any]:
    async def body() -> list[Any]:
        conn = await asyncpg.connect(server.dsn, timeout=10)
        try:
            return [[tuple(r[0]) if r[0] is not None else None for r in await conn.fetch(sql)]
                    for sql in QUERIES[:2]]  # fmt: skip
        finally:
            await conn.close()

    return asyncio.run(asyncio.wait_for(body(), 60))


@pytest.fixture(scope="module")
def reference(postgres15: TempPostgres) -> dict[str, Any]:
    return {
        "text": psycopg_rows(postgres15, False),
        "binary": psycopg_rows(postgres15, True),
        "asyncpg": asyncpg_rows(postgres15),
    }


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_psycopg_reads_records_as_postgresql(
    server: Server, reference: dict[str, Any], binary: bool
) -> None:
    assert psycopg_rows(server, binary) == reference["binary" if binary else "text"]


def test_asyncpg_reads_records_as_postgresql(server: Server, reference: dict[str, Any]) -> None:
    assert asyncpg_rows(server) == reference["asyncpg"]
