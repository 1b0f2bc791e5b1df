"""psycopg_pool: ConnectionPool and AsyncConnectionPool, each connection set up by a
`configure` callback (search_path), many getconn/putconn with work in between, and a
connection handed back inside a failed transaction rolled back before anyone sees it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.apps.conftest import App

psycopg = pytest.importorskip("psycopg")
psycopg_pool = pytest.importorskip("psycopg_pool")

pytestmark = pytest.mark.interop

IDLE = psycopg.pq.TransactionStatus.IDLE


@pytest.fixture
def schema(app: App) -> Iterator[str]:
    """The schema the pool's connections work in: the backend's current one (DuckDB and
    SQLite call it main), named in the `configure` callback's SET search_path."""
    with psycopg.connect(app.conninfo(), autocommit=True) as conn:
        row = conn.execute("select current_schema()").fetchone()
        assert row is not None
        conn.execute("drop table if exists pool_items")
        conn.execute("create table pool_items (id integer primary key, owner text, n integer)")
        yield row[0]
        conn.execute("drop table pool_items")


def configure_with(schema: str, seen: list[str]) -> Any:
    def configure(conn: Any) -> None:
        conn.execute(f"set search_path to {schema}")
        conn.commit()
        seen.append(schema)

    return configure


def test_pool_configure_and_many_workers(app: App, schema: str) -> None:
    configured: list[str] = []
    with psycopg_pool.ConnectionPool(
        app.conninfo(), min_size=2, max_size=4, configure=configure_with(schema, configured)
    ) as pool:

        def worker(k: int) -> None:
            for i in range(5):
                conn = pool.getconn()
                try:
                    path = conn.execute("show search_path").fetchone()
                    assert path == (schema,)
                    conn.execute(
                        "insert into pool_items values (%s, %s, %s)", (k * 10 + i, f"w{k}", i)
                    )
                    row = conn.execute(
                        "select count(*) from pool_items where owner = %s", (f"w{k}",)
                    ).fetchone()
                    assert row == (i + 1,)
                    conn.commit()
                finally:
                    pool.putconn(conn)

        with ThreadPoolExecutor(max_workers=8) as threads:
            for done in [threads.submit(worker, k) for k in range(8)]:
                done.result()  # a worker's error fails the test
        with pool.connection() as conn:
            rows = conn.execute(
                "select owner, count(*), sum(n) from pool_items group by owner order by owner"
            ).fetchall()
        stats = pool.get_stats()
    assert rows == [(f"w{k}", 5, 10) for k in range(8)]
    assert 2 <= len(configured) <= 4  # each connection configured once, when made
    assert stats["connections_num"] == len(configured)
    assert stats["requests_num"] >= 41


def test_failed_transaction_is_reset(app: App, schema: str) -> None:
    with psycopg_pool.ConnectionPool(
        app.conninfo(), min_size=1, max_size=1, configure=configure_with(schema, [])
    ) as pool:
        conn = pool.getconn()
        conn.execute("insert into pool_items values (1, 'kept', 0)")
        conn.commit()
        conn.execute("insert into pool_items values (2, 'lost', 0)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into pool_items values (1, 'again', 0)")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        pid = conn.info.backend_pid
        pool.putconn(conn)  # the pool rolls it back
        with pool.connection() as again:
            assert again.info.backend_pid == pid
            assert again.info.transaction_status == IDLE
            owners = again.execute("select owner from pool_items order by id").fetchall()
            assert again.execute("show search_path").fetchone() == (schema,)
    assert owners == [("kept",)]


def test_async_pool(app: App, schema: str) -> None:
    async def configure(conn: Any) -> None:
        await conn.execute(f"set search_path to {schema}")
        await conn.commit()

    async def main() -> tuple[list[int], list[Any], Any]:
        async with psycopg_pool.AsyncConnectionPool(
            app.conninfo(), min_size=1, max_size=3, configure=configure, open=False
        ) as pool:

            async def one(k: int) -> int:
                async with pool.connection() as conn:
                    await conn.execute(
                        "insert into pool_items values (%s, %s, %s)", (k, f"a{k % 2}", k)
                    )
                    cur = await conn.execute("select n * 2 from pool_items where id = %s", (k,))
                    row = await cur.fetchone()
                    assert row is not None
                    return int(row[0])

            doubled = await asyncio.gather(*(one(k) for k in range(20)))
            conn = await pool.getconn()
            with pytest.raises(psycopg.errors.UniqueViolation):
                await conn.execute("insert into pool_items values (0, 'dup', 0)")
            await pool.putconn(conn)
            async with pool.connection() as conn:
                status = conn.info.transaction_status
                cur = await conn.execute(
                    "select owner, count(*) from pool_items group by owner order by owner"
                )
                counts = await cur.fetchall()
            return list(doubled), counts, status

    doubled, counts, status = asyncio.run(asyncio.wait_for(main(), 60))
    assert doubled == [k * 2 for k in range(20)]
    assert counts == [("a0", 10), ("a1", 10)]
    assert status == IDLE


def test_configure_with_a_schema_of_its_own(app: App) -> None:
    """`search_path` naming a schema the application made: unqualified names go there."""
    with psycopg.connect(app.conninfo(), autocommit=True) as conn:
        conn.execute("create schema if not exists billing")
        conn.execute("create table billing.invoices (id integer primary key, amount int)")
    try:
        with psycopg_pool.ConnectionPool(
            app.conninfo(), min_size=1, max_size=2, configure=configure_with("billing", [])
        ) as pool:
            with pool.connection() as conn:
                conn.execute("insert into invoices values (1, 10), (2, 32)")
            with pool.connection() as conn:
                schema = conn.execute("select current_schema()").fetchone()
                total = conn.execute("select sum(amount) from invoices").fetchone()
    finally:
        with psycopg.connect(app.conninfo(), autocommit=True) as conn:
            conn.execute("drop table billing.invoices")
            conn.execute("drop schema billing")
    assert schema == ("billing",)
    assert total == (42,)
