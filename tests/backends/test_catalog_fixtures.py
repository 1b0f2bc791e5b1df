"""Every captured client catalog query (tests/fixtures/catalog_queries) against the DuckDB
backend: each must run without an error, and be recognized as a catalog query."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("duckdb")

from pgwire.backends.catalog import is_catalog_query
from pgwire.backends.catalog.sqltext import COMMENT, WS, tokenize
from pgwire.backends.duckdb import DuckDBHandler, DuckDBSession
from pgwire.handler import Rows, SessionInfo
from tests.fixtures.catalog_queries import (
    HERE,
    OID_OF,
    PLACEHOLDER,
    SETUP,
    Statement,
    load_all,
)

# Statements in the captures that are no catalog query: the front end answers them (SHOW),
# or they are the client's transaction control.
_NOT_QUERIES = ("show", "savepoint", "release")

CASES = [pytest.param(statement, id=statement.name) for statement in load_all()]


class Backend:
    """A DuckDB session on a loop of its own, shared by the module's tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.handler = DuckDBHandler()
        self.session: DuckDBSession = self.run(
            self.handler.connect(SessionInfo("tester", "testdb", 7))
        )
        for statement in SETUP:
            self.run(self.session.query(statement))
        self._oids: dict[tuple[str, str], str] = {}

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coroutine, 60))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        async def fetch() -> list[tuple[Any, ...]]:
            result = await self.session.query(sql)
            if not isinstance(result, Rows):
                return []
            rows = [tuple(r) for r in result.rows]
            if result.batches is not None:
                async for batch in result.batches:
                    rows.extend(tuple(r) for r in batch)
            return rows

        out: list[tuple[Any, ...]] = self.run(fetch())
        return out

    def resolve(self, sql: str) -> str:
        """{{oid:items}} and {{nsp:main}} → this server's OIDs."""
        for kind, name in set(PLACEHOLDER.findall(sql)):
            key = (kind, name)
            if key not in self._oids:
                query = OID_OF[kind].replace("$1", f"'{name}'")
                self._oids[key] = str(self.rows(query)[0][0])
            sql = sql.replace(f"{{{{{kind}:{name}}}}}", self._oids[key])
        return sql

    def close(self) -> None:
        self.run(self.session.close())
        self.handler.shutdown()
        self.loop.close()


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    found = Backend()
    yield found
    found.close()


def test_fixtures_are_there() -> None:
    clients = {path.parent.name for path in HERE.glob("*/*.sql")}
    assert clients >= {"psql", "jdbc", "sqlalchemy", "dbeaver", "metabase", "grafana", "pgcli"}
    assert len(CASES) > 100


@pytest.mark.parametrize("statement", CASES)
def test_catalog_query_runs(backend: Backend, statement: Statement) -> None:
    sql = backend.resolve(statement.with_literals())
    code = [t.text.lower() for t in tokenize(sql) if t.kind not in (WS, COMMENT)]
    if code[0] in _NOT_QUERIES:
        pytest.skip("not a catalog query: answered by the front end or transaction control")
    if code != ["select", "1"]:
        assert is_catalog_query(sql), "would reach DuckDB's own pg_catalog"
    backend.rows(sql)  # raises PgError on any failure
