"""asyncpg's `create_pool`: many tasks sharing a few connections, on both backends.

A released connection is reset, by default with `SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL;` (what the server's capabilities allow), or by the pool's `reset`
callback; a connection released inside a transaction is rolled back first.

pytest-asyncio is not installed: each test drives its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from tests.apps.conftest import App

asyncpg = pytest.importorskip("asyncpg")

pytestmark = pytest.mark.interop

T = TypeVar("T")
Connection = Any  # asyncpg.Connection (asyncpg ships no type hints)


def run(coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def pool(app: App, **options: Any) -> Any:
    return asyncpg.create_pool(
        host=app.server.host, port=app.server.port, user="tester", database="testdb", **options
    )


def test_default_reset_undoes_session_state(app: App) -> None:
    """One connection, released and acquired again: the default reset ran in between."""

    async def main() -> tuple[Any, ...]:
        async with pool(app, min_size=1, max_size=1) as shared:
            async with shared.acquire() as conn:
                first = conn.get_server_pid()
                await conn.execute("SET application_name = 'in-the-pool'")
                await conn.execute("select pg_advisory_lock($1::int8)", 42)
                await conn.execute("LISTEN pool_channel")
            async with shared.acquire() as conn:
                again = conn.get_server_pid()
                name = await conn.fetchval("SHOW application_name")
                # the lock went back: another session takes it at once
                other = await asyncpg.connect(
                    host=app.server.host, port=app.server.port, user="tester", database="testdb"
                )
                try:
                    taken = await other.fetchval("select pg_try_advisory_lock($1::int8)", 42)
                finally:
                    await other.close()
                typed = await conn.fetchval("select $1::int", 1)
            return first, again, name, taken, typed

    first, again, name, taken, typed = run(main())
    assert again == first
    assert name != "in-the-pool"
    assert taken is True
    assert typed == 1


def test_own_reset_and_many_tasks(app: App) -> None:
    """Twenty tasks on at most four connections, with a reset of the user's own."""

    async def reset(conn: Connection) -> None:
        await conn.execute("CLOSE ALL; UNLISTEN *; RESET ALL;")

    async def main() -> list[int]:
        async with pool(app, min_size=2, max_size=4, reset=reset) as shared:

            async def one(n: int) -> int:
                async with shared.acquire() as conn:
                    value: int = await conn.fetchval("select $1::int * 2", n)
                    return value

            return list(await asyncio.gather(*(one(n) for n in range(20))))

    assert run(main()) == [n * 2 for n in range(20)]


def test_work_from_many_tasks(app: App) -> None:
    """Tasks write and read through three connections; a failed transaction leaves nothing
    behind, and its connection comes back from the pool ready for work."""

    async def main() -> tuple[list[Any], int]:
        async with pool(app, min_size=1, max_size=3) as shared:
            async with shared.acquire() as conn:
                await conn.execute("drop table if exists pool_orders")
                await conn.execute(
                    "create table pool_orders (id integer primary key, client text not null,"
                    " qty integer not null)"
                )

            async def order(n: int) -> int:
                async with shared.acquire() as conn:
                    await conn.execute(
                        "insert into pool_orders values ($1, $2, $3)", n, f"c{n % 3}", n
                    )
                    await asyncio.sleep(0)  # let the others in while this one is held
                    mine: int = await conn.fetchval(
                        "select count(*) from pool_orders where client = $1", f"c{n % 3}"
                    )
                    return mine

            counts = await asyncio.gather(*(order(n) for n in range(12)))
            assert all(1 <= c <= 4 for c in counts)
            with pytest.raises(asyncpg.UniqueViolationError):
                async with shared.acquire() as conn, conn.transaction():
                    await conn.execute("insert into pool_orders values (100, 'late', 1)")
                    await conn.execute("insert into pool_orders values (0, 'dup', 1)")
            async with shared.acquire() as conn:
                totals = await conn.fetch(
                    "select client, count(*), sum(qty) from pool_orders group by client"
                    " order by client"
                )
                late: int = await conn.fetchval(
                    "select count(*) from pool_orders where id = $1", 100
                )
                await conn.execute("drop table pool_orders")
            return [tuple(r) for r in totals], late

    totals, late = run(main())
    assert totals == [(f"c{k}", 4, sum(n for n in range(12) if n % 3 == k)) for k in range(3)]
    assert late == 0


def test_write_transactions_interleaved(app: App) -> None:
    """Two pooled connections each insert a row of their own in a transaction: one prepares
    its INSERT (Parse, Describe), the other inserts and commits, then the first runs its
    statement. PostgreSQL takes both: neither read anything the other wrote."""

    async def main() -> list[Any]:
        async with pool(app, min_size=2, max_size=2) as shared:
            async with shared.acquire() as conn:
                await conn.execute("drop table if exists pool_tx")
                await conn.execute("create table pool_tx (id integer primary key, who text)")
            async with (
                shared.acquire() as first,
                shared.acquire() as second,
                first.transaction(),
            ):
                insert = await first.prepare("insert into pool_tx values ($1, $2)")
                async with second.transaction():
                    await second.execute("insert into pool_tx values ($1, $2)", 2, "second")
                await insert.fetch(1, "first")
            async with shared.acquire() as conn:
                rows = await conn.fetch("select id, who from pool_tx order by id")
                await conn.execute("drop table pool_tx")
            return [tuple(r) for r in rows]

    # SQLite has one writer at a time: the first transaction holds the write lock from its
    # BEGIN, so the second's BEGIN waits for it (busy_timeout), while the first waits for the
    # second: the second gives up with a clear 55P03 instead of both hanging.
    with app.blocked("sqlite", "could not obtain lock on the SQLite database"):
        assert run(main()) == [(1, "first"), (2, "second")]
