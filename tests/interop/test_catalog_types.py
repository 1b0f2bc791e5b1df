"""Catalog results carry PostgreSQL's column types, side by side with PostgreSQL 15.

asyncpg's type introspection and psycopg's `TypeInfo` read pg_type and pg_attribute and trust
the types of the result columns (oid, name, "char", oid[]): asyncpg introspects any it has no
codec for, so int8[] in place of oid[] sent it round and round. Here the same queries run on
PostgreSQL 15, on `pgwire serve` (DuckDB) and on `pgwire serve x.sqlite`, over the same
schema; the RowDescription types must match, and the values where OIDs are PostgreSQL's own.
Both drivers read these results in binary.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")

from psycopg.types import TypeInfo  # noqa: E402

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog_queries"
# asyncpg's INTRO_LOOKUP_TYPES (PostgreSQL 14+) and INTRO_LOOKUP_TYPES_13
INTROSPECTION = [
    q.split("\n", 1)[1]
    for q in (FIXTURES / "asyncpg" / "introspection.sql").read_text().split(";;")[:2]
]
SCHEMA = "create table ct_items (id integer primary key, label text, qty smallint)"
INDEX = "create index ct_items_label_qty on ct_items (label, qty)"

Server = ServerProcess | TempPostgres


@pytest.fixture(scope="module")
def postgres(postgres15: TempPostgres) -> Iterator[TempPostgres]:
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop table if exists ct_items")
        conn.execute(SCHEMA)
        conn.execute(INDEX)
    yield postgres15
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop table ct_items")


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def pgwire(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    if request.param == "duckdb":
        target = str(tmp_path_factory.mktemp("ct") / "ct.duckdb")
    else:
        target = str(tmp_path_factory.mktemp("ct") / "ct.sqlite")
    with ServerProcess(target) as server:
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute(SCHEMA)
            conn.execute(INDEX)
        yield server


def dsn(server: Server) -> str:
    return server.dsn if isinstance(server, TempPostgres) else server.conninfo()


def asyncpg_answer(server: Server, sql: str, *args: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """((column, type OID) of the prepared statement, rows as dicts), read in binary."""

    async def main() -> tuple[list[Any], list[dict[str, Any]]]:
        if isinstance(server, TempPostgres):
            conn = await asyncpg.connect(server.dsn, timeout=10)
        else:
            conn = await asyncpg.connect(
                host=server.host, port=server.port, user="tester", database="testdb", timeout=10
            )
        try:
            statement = await conn.prepare(sql)
            types = [(a.name, a.type.oid) for a in statement.get_attributes()]
            return types, [dict(r) for r in await statement.fetch(*args)]
        finally:
            await conn.close()

    return asyncio.run(asyncio.wait_for(main(), 20))


def psycopg_answer(server: Server, sql: str) -> tuple[list[Any], list[tuple[Any, ...]]]:
    """((column, type OID), rows) of `sql` read in binary by psycopg."""
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        cursor = conn.cursor(binary=True)
        cursor.execute(sql)
        assert cursor.description is not None
        return [(c.name, c.type_code) for c in cursor.description], cursor.fetchall()


# --------------------------------------------------------------------------------------------
# asyncpg's introspection


def by_oid(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["depth"], r["oid"]))


@pytest.mark.parametrize("query", [0, 1], ids=["pg14+", "pg13"])
def test_asyncpg_introspection_like_postgres(
    postgres: TempPostgres, pgwire: ServerProcess, query: int
) -> None:
    sql = INTROSPECTION[query]
    want_types, want = asyncpg_answer(postgres, sql, [1007, 23])
    got_types, got = asyncpg_answer(pgwire, sql, [1007, 23])
    assert got_types == want_types
    assert want_types[:4] == [("oid", 26), ("ns", 19), ("name", 19), ("kind", 18)]
    assert ("attrtypoids", 1028) in want_types
    assert by_oid(got) == by_oid(want)
    assert {(r["name"], r["kind"], r["elemtype"], r["elemtype_name"]) for r in got} == {
        ("_int4", b"b", 23, "integer"), ("int4", b"b", 0, "-"),
    }  # fmt: skip


def test_asyncpg_introspects_an_enum(postgres: TempPostgres, duckdb_server: ServerProcess) -> None:
    """DuckDB's enum types are pg_type rows of kind 'e': asyncpg's introspection of one ends
    (it did not before: its oid columns were int8), typed as PostgreSQL types it."""
    create = "create type ct_mood as enum ('sad', 'happy')"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute("drop type if exists ct_mood")
        conn.execute(create)
    with psycopg.connect(duckdb_server.conninfo(), autocommit=True) as conn:
        conn.execute(create)
    lookup = "select t.oid from pg_type t where t.typname = 'ct_mood'"
    try:
        (_, [pg_row]), (_, [our_row]) = (
            asyncpg_answer(postgres, lookup), asyncpg_answer(duckdb_server, lookup)
        )  # fmt: skip
        want_types, want = asyncpg_answer(postgres, INTROSPECTION[0], [pg_row["oid"]])
        got_types, got = asyncpg_answer(duckdb_server, INTROSPECTION[0], [our_row["oid"]])
    finally:
        with psycopg.connect(postgres.dsn, autocommit=True) as conn:
            conn.execute("drop type ct_mood")
    assert got_types == want_types

    def shown(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(r["name"], r["kind"], r["elemtype"], r["basetype"], r["depth"]) for r in rows]

    assert shown(got) == shown(want) == [("ct_mood", b"e", 0, None, 0)]


# --------------------------------------------------------------------------------------------
# psycopg's TypeInfo


@pytest.mark.parametrize("name", ["int4", "text[]", "name", "oidvector"])
def test_psycopg_type_info_like_postgres(
    postgres: TempPostgres, pgwire: ServerProcess, name: str
) -> None:
    def fetch(server: Server) -> tuple[Any, ...]:
        with psycopg.connect(dsn(server), autocommit=True) as conn:
            info = TypeInfo.fetch(conn, name)
            assert info is not None
            return (info.name, info.oid, info.array_oid, info.regtype, info.delimiter)

    assert fetch(pgwire) == fetch(postgres)


def test_psycopg_type_info_query_types(postgres: TempPostgres, pgwire: ServerProcess) -> None:
    sql = (
        "SELECT typname AS name, oid, typarray AS array_oid, oid::regtype::text AS regtype, "
        "typdelim AS delimiter FROM pg_type t WHERE t.oid = 'int4'::regtype ORDER BY t.oid"
    )
    want = psycopg_answer(postgres, sql)
    assert want[0] == [("name", 19), ("oid", 26), ("array_oid", 26), ("regtype", 25),
                       ("delimiter", 18)]  # fmt: skip
    assert psycopg_answer(pgwire, sql) == want


# --------------------------------------------------------------------------------------------
# binary results of the catalog's own types

BINARY = {
    "int2vector": (
        "select i.indkey, c.relname, c.relkind from pg_index i "
        "join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid "
        "where t.relname = 'ct_items' and c.relname = 'ct_items_label_qty'"
    ),
    "oid[]": (
        "select array_agg(a.atttypid order by a.attnum) as types, max(a.attname) as last "
        "from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "where c.relname = 'ct_items' and a.attnum > 0"
    ),
    "oidvector": "select p.proargtypes, p.proname, p.prokind from pg_proc p "
    "where p.proname = 'format_type'",
    "char": "select t.typtype, t.typcategory, t.typdelim, t.typname, t.typelem, t.oid "
    "from pg_type t where t.oid in (23, 1007) order by t.oid",
}


@pytest.mark.parametrize("sql", BINARY.values(), ids=BINARY.keys())
def test_binary_results_like_postgres_asyncpg(
    postgres: TempPostgres, pgwire: ServerProcess, sql: str
) -> None:
    want = asyncpg_answer(postgres, sql)
    assert want[1]  # rows to compare
    assert asyncpg_answer(pgwire, sql) == want


@pytest.mark.parametrize("sql", BINARY.values(), ids=BINARY.keys())
def test_binary_results_like_postgres_psycopg(
    postgres: TempPostgres, pgwire: ServerProcess, sql: str
) -> None:
    want = psycopg_answer(postgres, sql)
    assert want[1]
    assert psycopg_answer(pgwire, sql) == want


def test_binary_values(pgwire: ServerProcess) -> None:
    """What the comparisons above compare, spelled out."""
    types, rows = asyncpg_answer(pgwire, BINARY["int2vector"])
    assert types == [("indkey", 22), ("relname", 19), ("relkind", 18)]
    assert rows == [{"indkey": [2, 3], "relname": "ct_items_label_qty", "relkind": b"i"}]
    types, rows = asyncpg_answer(pgwire, BINARY["oid[]"])
    assert types == [("types", 1028), ("last", 25)]  # max(name) is text in PostgreSQL
    assert rows == [{"types": [23, 25, 21], "last": "qty"}]
    types, rows = psycopg_answer(pgwire, BINARY["char"])
    assert types[:4] == [("typtype", 18), ("typcategory", 18), ("typdelim", 18), ("typname", 19)]
    assert rows == [("b", "N", ",", "int4", 0, 23), ("b", "A", ",", "_int4", 23, 1007)]
