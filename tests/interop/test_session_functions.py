"""Functions clients call about the session and its storage, side by side with PostgreSQL 15:
txid_current() and pg_current_xact_id(), the size functions and pg_size_pretty(), version()
and server_version, current_setting() and set_config() inside larger queries."""

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
TABLE = "sf_items"


@pytest.fixture(scope="module", params=["duckdb", "sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "postgres":
        pg = request.getfixturevalue("postgres15")
        with psycopg.connect(pg.dsn, autocommit=True) as conn:
            conn.execute(f"drop table if exists {TABLE}")
            conn.execute(f"create table {TABLE} (id integer primary key, label text)")
        yield pg
        return
    suffix = "duckdb" if request.param == "duckdb" else "sqlite"
    target = str(tmp_path_factory.mktemp("sf") / f"sf.{suffix}")
    with ServerProcess(target, "--server-version", "15.4") as process:
        with psycopg.connect(process.conninfo(), autocommit=True) as conn:
            conn.execute(f"create table {TABLE} (id integer primary key, label text)")
        yield process


def dsn(server: Server) -> str:
    return server.dsn if isinstance(server, TempPostgres) else server.conninfo()


def one(conn: Any, sql: str) -> tuple[Any, list[int]]:
    cur = conn.execute(sql)
    row = cur.fetchone()
    return row, [c.type_code for c in cur.description]


def test_transaction_ids(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        with conn.transaction():
            (a, b), types = one(conn, "select txid_current(), pg_current_xact_id()")
            (a2, b2), _ = one(conn, "select txid_current(), pg_current_xact_id()")
            conn.execute(f"insert into {TABLE} values (-1, 'x')")
            (a3,), _ = one(conn, "select txid_current()")
        assert types == [20, 5069]
        assert int(a) == int(b) == int(a2) == int(b2) == int(a3) > 0
        with conn.transaction():
            (c,), _ = one(conn, "select txid_current()")
        assert int(c) > int(a)
        conn.execute(f"delete from {TABLE} where id = -1")


def test_sizes_grow(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        sql = (
            f"select pg_relation_size('{TABLE}'), pg_total_relation_size('{TABLE}'), "
            f"pg_table_size('{TABLE}'), pg_indexes_size('{TABLE}'), "
            "pg_database_size(current_database())"
        )
        before, types = one(conn, sql)
        assert types == [20] * 5
        with conn.transaction():
            conn.cursor().executemany(
                f"insert into {TABLE} values (%s, %s)", [(i, "x" * 50) for i in range(1, 5001)]
            )
        after, _ = one(conn, sql)
        conn.execute(f"delete from {TABLE}")
        rel, total, table, indexes, database = after
        assert rel > before[0] and rel > 0
        assert total >= table > 0 and total > before[1]
        assert indexes >= 0 and database > 0 and database >= before[4]


def test_size_pretty(server: Server) -> None:
    values = [0, 10239, 10240, 20971000, 20971520, 1073741824, 5 * 2**40, -10240, 2**62]
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        got = [one(conn, f"select pg_size_pretty({v}::bigint)")[0][0] for v in values]
    assert got == [
        "0 bytes", "10239 bytes", "10 kB", "20 MB", "20 MB", "1024 MB", "5120 GB", "-10 kB",
        "4096 PB",
    ]  # fmt: skip


def test_version_agrees(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        reported = conn.info.parameter_status("server_version")
        assert reported is not None
        (version,), _ = one(conn, "select version()")
        (in_query,), _ = one(conn, "select upper(current_setting('server_version'))")
        (num,), _ = one(conn, "select current_setting('server_version_num') || ''")
        (shown,) = conn.execute("show server_version_num").fetchone()  # type: ignore[misc]
    assert version.startswith(f"PostgreSQL {reported.split(' ')[0]}")
    assert in_query == reported.upper()
    major, minor = reported.split(" ")[0].split(".")[:2]
    assert num == shown == str(int(major) * 10000 + int(minor))
    if not isinstance(server, TempPostgres):
        assert reported == "15.4"


def test_settings_inside_queries(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        conn.execute("set application_name = 'sfx'")
        (value,), _ = one(conn, "select upper(current_setting('application_name'))")
        assert value == "SFX"
        # a value the parameter has already: confirmed, as PostgreSQL does
        (same,), _ = one(conn, "select upper(set_config('application_name', 'sfx', false))")
        assert same == "SFX"
        if isinstance(server, TempPostgres):
            return
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="set_config"):
            conn.execute("select upper(set_config('application_name', 'other', false))")
        (after,), _ = one(conn, "select current_setting('application_name')")
        assert after == "sfx"


def test_asyncpg_connects_and_reads_xact_id(server: Server) -> None:
    async def main() -> tuple[Any, Any, Any]:
        if isinstance(server, TempPostgres):
            conn = await asyncpg.connect(server.dsn, timeout=10)
        else:
            conn = await asyncpg.connect(
                host=server.host, port=server.port, user="tester", database="testdb", timeout=10
            )
        try:
            async with conn.transaction():
                a = await conn.fetchval("select txid_current()")
                b = await conn.fetchval("select txid_current()")
            c = await conn.fetchval("select pg_size_pretty(pg_database_size(current_database()))")
            return a, b, c
        finally:
            await conn.close()

    a, b, pretty = asyncio.run(main())
    assert a == b and a > 0
    assert pretty.split(" ")[1] in ("bytes", "kB", "MB", "GB")
