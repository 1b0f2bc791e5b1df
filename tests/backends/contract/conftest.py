"""The contract suite: the same inputs and expected results, run against every backend.

Each test takes `backend` (one of BACKENDS) and drives it at the handler level (`Driver`: no
network) or over the wire (`server` + psycopg, through a `pgwire serve` subprocess). A backend
whose result differs from PostgreSQL's on purpose says so with `known_difference`, which marks
the test xfail(strict=True): visible in every run, and an error once the difference is gone.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest

from pgwire.handler import Command, Handler, Rows, SessionInfo
from pgwire.types import registry
from tests.conftest import skip_or_fail
from tests.support.server import ServerProcess

# backend name → (module that must import, `pgwire serve` TARGET for an in-memory database)
BACKENDS: dict[str, tuple[str, str]] = {
    "duckdb": ("duckdb", "duckdb::memory:"),
    "sqlite": ("sqlglot", "sqlite::memory:"),
}

# (backend, difference) → why that backend differs from PostgreSQL there.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("duckdb", "varchar type"): "DuckDB has one string type: varchar(n) is described as text",
    ("duckdb", "bytea literal"): "DuckDB reads '\\x0102' as escapes per byte, not hex",
    ("duckdb", "float is float8"): "DuckDB's FLOAT is 4 bytes (PostgreSQL's is float8)",
    ("duckdb", "bare numeric"): "DuckDB's bare NUMERIC is DECIMAL(18,3): 1.5 prints 1.500",
}


def known_difference(request: pytest.FixtureRequest, backend: str, difference: str) -> None:
    """Mark the running test xfail(strict) when `backend` is known to differ there."""
    reason = KNOWN_DIFFERENCES.get((backend, difference))
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=f"{backend}: {reason}", strict=True))


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    module = BACKENDS[name][0]
    if importlib.util.find_spec(module) is None:
        skip_or_fail(f"the {name} backend needs {module}")
    return name


def make_handler(backend: str) -> Handler:
    if backend == "duckdb":
        from pgwire.backends.duckdb import DuckDBHandler

        return DuckDBHandler(":memory:")
    from pgwire.backends.sqlite import SQLiteHandler

    return SQLiteHandler(":memory:")


def shutdown(handler: Handler) -> None:
    stop = getattr(handler, "shutdown", None)
    if stop is not None:
        stop()


class Driver:
    """A handler and its sessions, driven as the server would, minus the network."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sessions: list[Handler] = []

    async def session(self) -> Handler:
        pid = len(self.sessions) + 1
        session = await self.handler.connect(SessionInfo("tester", "testdb", pid))
        self.sessions.append(session)
        return session

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()


async def _result(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) or asyncio.isfuture(value) else value


async def run(session: Handler, sql: str, params: list[Any] | None = None,
              types: list[int] | None = None) -> Rows | Command:  # fmt: skip
    if params is None:
        result = await _result(session.query(sql))
    else:
        result = await _result(session.execute(sql, params, types or [0] * len(params)))
    assert isinstance(result, Rows | Command)
    return result


async def rows_of(result: Rows) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = [tuple(row) for row in result.rows]
    if result.batches is not None:
        async for batch in result.batches:
            rows.extend(tuple(row) for row in batch)
    return rows


Printed = tuple[list[str], list[list[str | None]], str]


async def text(session: Handler, sql: str, params: list[Any] | None = None,
               types: list[int] | None = None) -> Printed:  # fmt: skip
    """(column type names, rows as PostgreSQL prints them in text, tag) of a statement."""
    result = await run(session, sql, params, types)
    if isinstance(result, Command):
        return [], [], result.tag
    rows = await rows_of(result)
    encoders = [registry.encoder(c.type_oid) for c in result.columns]
    names = [registry.get(c.type_oid).name for c in result.columns]  # type: ignore[union-attr]
    printed = [
        [None if v is None else enc(v).decode() for enc, v in zip(encoders, row, strict=True)]
        for row in rows
    ]
    return names, printed, result.tag(len(rows))


async def tag(session: Handler, sql: str) -> str:
    result = await run(session, sql)
    if isinstance(result, Rows):
        return result.tag(len(await rows_of(result)))
    return result.tag


@pytest.fixture
def driver(backend: str) -> Iterator[Driver]:
    """A fresh in-memory database of `backend`, at the handler level."""
    handler = make_handler(backend)
    driver = Driver(handler)
    yield driver
    asyncio.run(driver.close())
    shutdown(handler)


def drive(driver: Driver, body: Any) -> None:
    """Run `await body(driver)` with a time limit."""

    async def main() -> None:
        await asyncio.wait_for(body(driver), 60)

    asyncio.run(main())


_servers: dict[str, ServerProcess] = {}


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, ServerProcess]]:
    """One `pgwire serve` per backend, started on first use, shared by the session."""
    yield _servers
    for server in _servers.values():
        server.stop()
    _servers.clear()


@pytest.fixture
def server(backend: str, servers: dict[str, ServerProcess]) -> ServerProcess:
    found = servers.get(backend)
    if found is None or not found.alive:
        found = servers[backend] = ServerProcess(BACKENDS[backend][1]).start()
    return found


@pytest.fixture
def table(request: pytest.FixtureRequest) -> str:
    """A table name of the test's own: servers are shared by the tests of a backend."""
    name = request.node.originalname.removeprefix("test_")
    suffix = request.node.callspec.id.replace("-", "_") if hasattr(request.node, "callspec") else ""
    cleaned = "".join(c if c.isalnum() else "_" for c in f"{name}_{suffix}")
    return f"c_{cleaned}".lower()[:60]
