"""Cancel requests from real clients stop a long query with 57014; others keep working."""

from __future__ import annotations

import asyncio
import threading
import time

import asyncpg
import psycopg
import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

LONG = "select count(*) from range(20000000000) t(x) where x % 7 = 3"


def test_psycopg_cancel(duckdb_server: ServerProcess) -> None:
    with psycopg.connect(duckdb_server.conninfo(), autocommit=True) as conn:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                conn.execute(LONG)
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=run)
        started = time.monotonic()
        worker.start()
        time.sleep(0.5)
        # Meanwhile another connection is served at once.
        with psycopg.connect(duckdb_server.conninfo(), autocommit=True) as other:
            assert other.execute("select 42").fetchone() == (42,)
        conn.cancel()
        worker.join(30)
        assert not worker.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], psycopg.errors.QueryCanceled)
        assert time.monotonic() - started < 20
        assert conn.execute("select 1").fetchone() == (1,)


def test_asyncpg_timeout_cancels(duckdb_server: ServerProcess) -> None:
    async def check() -> None:
        conn = await asyncpg.connect(duckdb_server.dsn)
        try:
            with pytest.raises(asyncio.TimeoutError):
                await conn.fetchval(LONG, timeout=0.5)
            # asyncpg sent a CancelRequest; the connection is usable again.
            assert await conn.fetchval("select 7") == 7
        finally:
            await conn.close()

    asyncio.run(check())


def test_wrong_key_cancels_nothing(duckdb_server: ServerProcess) -> None:
    from pgwire.protocol import messages as m
    from tests.support.rawclient import RawClient

    with RawClient("127.0.0.1", duckdb_server.port) as client:
        client.startup("u", "d")
        key = client.backend_key
        assert key is not None
        client.send(m.Query("select count(*) from range(300000000) t(x) where x % 7 = 3"))
        with RawClient("127.0.0.1", duckdb_server.port) as canceller:
            wrong = bytes(b ^ 0xFF for b in key.secret_key)
            canceller.send(m.CancelRequest(key.process_id, wrong))
        msgs = client.until()
        assert not any(isinstance(x, m.ErrorResponse) for x in msgs)
        assert any(isinstance(x, m.DataRow) for x in msgs)
