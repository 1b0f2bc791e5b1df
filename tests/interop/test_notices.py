"""Notices a handler sends (`SessionInfo.notice`), as psql, psycopg and asyncpg show them.

The server is `pgwire serve examples.notices:handler`: every statement gets a NOTICE and a
WARNING before its one row.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def notices_server() -> Iterator[ServerProcess]:
    with ServerProcess("examples.notices:handler") as server:
        yield server


def test_psql_prints_notice_and_warning(notices_server: ServerProcess, psql_path: str) -> None:
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    env.pop("PGSSLMODE", None)
    where = ["-h", notices_server.host, "-p", str(notices_server.port), "-U", "tester"]
    proc = subprocess.run(
        [psql_path, "-X", "-At", *where, "-d", "testdb", "-c", "select 1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "42"
    lines = proc.stderr.splitlines()
    assert lines == [
        "NOTICE:  you asked: select 1",
        "DETAIL:  Every statement gets 42.",
        "WARNING:  this server has no data",
        "HINT:  Try DuckDB.",
    ]


def test_psycopg_notice_handler(notices_server: ServerProcess) -> None:
    seen: list[tuple[str | None, ...]] = []

    def handler(d: psycopg.errors.Diagnostic) -> None:  # valid only during the call
        seen.append((d.severity, d.severity_nonlocalized, d.sqlstate, d.message_primary))
        seen.append((d.message_detail, d.message_hint))

    with psycopg.connect(notices_server.conninfo(), connect_timeout=10, autocommit=True) as conn:
        conn.add_notice_handler(handler)
        assert conn.execute("select answer").fetchall() == [(42,)]
    assert seen == [
        ("NOTICE", "NOTICE", "00000", "you asked: select answer"),
        ("Every statement gets 42.", None),
        ("WARNING", "WARNING", "01000", "this server has no data"),
        (None, "Try DuckDB."),
    ]


def test_asyncpg_log_listener(notices_server: ServerProcess) -> None:
    asyncpg = pytest.importorskip("asyncpg")

    async def main() -> list[Any]:
        conn = await asyncpg.connect(
            host=notices_server.host, port=notices_server.port, user="tester", database="x"
        )
        seen: list[Any] = []
        conn.add_log_listener(lambda _conn, message: seen.append(message))
        try:
            assert await conn.fetchval("select 1") == 42
            await asyncio.sleep(0.05)  # listeners are called soon, not at once
        finally:
            await conn.close()
        return seen

    seen = asyncio.run(asyncio.wait_for(main(), 30))
    assert [(x.severity, x.sqlstate, x.message) for x in seen] == [
        ("NOTICE", "00000", "you asked: select 1"),
        ("WARNING", "01000", "this server has no data"),
    ]
