"""DuckDB enum types are PostgreSQL enums to clients, side by side with PostgreSQL 15: a column
of a named enum is described with the enum's OID, which the catalog lists as typtype 'e' with
its labels, so asyncpg's introspection and psycopg's EnumInfo find the same enum as on
PostgreSQL, and values round-trip as members of a Python Enum."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterator
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")

from psycopg.types.enum import EnumInfo, register_enum  # noqa: E402

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Server = ServerProcess | TempPostgres
SCHEMA = [
    "drop table if exists et_items",
    "drop type if exists et_mood",
    "create type et_mood as enum ('sad', 'ok', 'happy')",
    "create table et_items (id integer, mood et_mood)",
    "insert into et_items values (1, 'ok'), (2, 'happy'), (3, null)",
]


class Mood(enum.Enum):
    sad = "sad"
    ok = "ok"
    happy = "happy"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    if request.param == "postgres":
        yield request.getfixturevalue("postgres15")
        return
    with ServerProcess() as process:
        yield process


def dsn(server: Server) -> str:
    return server.dsn


def test_asyncpg_sees_an_enum(server: Server) -> None:
    async def body() -> None:
        conn = await asyncpg.connect(dsn(server), timeout=10)
        try:
            for sql in SCHEMA:
                await conn.execute(sql)
            statement = await conn.prepare("select id, mood from et_items order by id")
            mood = statement.get_attributes()[1].type
            assert (mood.name, mood.kind) == ("et_mood", "scalar")
            rows = await statement.fetch()
            assert [tuple(r) for r in rows] == [(1, "ok"), (2, "happy"), (3, None)]
            assert await conn.fetchval("select id from et_items where mood = $1", "happy") == 2
            kind = await conn.fetchval("select typtype from pg_type where oid = $1", mood.oid)
            assert kind == b"e"
            labels = await conn.fetch(
                "select enumlabel from pg_enum where enumtypid = $1 order by enumsortorder",
                mood.oid,
            )
            assert [r[0] for r in labels] == ["sad", "ok", "happy"]
        finally:
            await conn.close()

    asyncio.run(asyncio.wait_for(body(), 60))


def test_psycopg_enum_info_round_trip(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        for sql in SCHEMA:
            conn.execute(sql)
        info = EnumInfo.fetch(conn, "et_mood")
        assert info is not None
        assert info.labels == ["sad", "ok", "happy"]
        register_enum(info, conn, Mood)
        rows: list[Any] = conn.execute("select mood from et_items order by id").fetchall()
        assert rows == [(Mood.ok,), (Mood.happy,), (None,)]
        binary = conn.execute("select mood from et_items order by id", binary=True).fetchall()
        assert binary == rows
        conn.execute("insert into et_items values (4, %s)", [Mood.sad])
        assert conn.execute("select mood from et_items where id = 4").fetchone() == (Mood.sad,)
