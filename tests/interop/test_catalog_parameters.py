"""Parameters of catalog queries are typed as PostgreSQL types them, side by side with
PostgreSQL 15: asyncpg trusts ParameterDescription to choose its encoders, so `relnamespace =
$1` must say oid (an int goes over) and `nspname = $1` name, not text for both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Server = ServerProcess | TempPostgres

QUERIES = [
    "select count(*) from pg_class c where c.relnamespace = $1",
    "select nspname from pg_catalog.pg_namespace where nspname = $1",
    "select typname from pg_type t where t.oid = $1 and t.typtype = $2",
    "select attname from pg_attribute where attrelid = $1 and attnum > $2",
    "select count(*) from pg_locks where pid = $1 and granted = $2",
    "select proname from pg_proc where pronargs = $1 and proname like $2",
]


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def pgwire(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    target = None if request.param == "duckdb" else str(tmp_path_factory.mktemp("cp") / "c.db")
    with ServerProcess(target) as server:
        yield server


def parameter_types(server: Server) -> list[list[str]]:
    async def body() -> list[list[str]]:
        conn = await asyncpg.connect(server.dsn, timeout=10)
        try:
            out = []
            for sql in QUERIES:
                statement = await conn.prepare(sql)
                out.append([t.name for t in statement.get_parameters()])
            # an int goes over for an oid parameter, a str for a name one
            assert await conn.fetchval(QUERIES[0], 11) > 0
            assert await conn.fetchval(QUERIES[1], "pg_catalog") == "pg_catalog"
            return out
        finally:
            await conn.close()

    return asyncio.run(asyncio.wait_for(body(), 60))


def test_catalog_parameters_typed_as_postgresql(
    postgres15: TempPostgres, pgwire: ServerProcess
) -> None:
    expected = parameter_types(postgres15)
    assert expected[0] == ["oid"] and expected[1] == ["name"]  # the reference as it should be
    got: Any = parameter_types(pgwire)
    assert got == expected
