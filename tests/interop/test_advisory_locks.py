"""Advisory locks across sessions, from psycopg and asyncpg, with PostgreSQL 15 as the reference.

Two (or three) connections to the same server: what one holds, the other sees refused or waits
for. Where it is cheap the same steps run against PostgreSQL 15 and the answers are compared.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import psycopg
import pytest

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

asyncpg = pytest.importorskip("asyncpg")

pytestmark = pytest.mark.interop

T = TypeVar("T")
Server = ServerProcess | TempPostgres


def run(coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def dsn(server: Server) -> str:
    return server.dsn


def pconnect(server: Server, **kw: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn(server), autocommit=True, connect_timeout=10, **kw)


async def aconnect(server: Server) -> Any:
    return await asyncpg.connect(dsn(server), timeout=10)


def one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> Any:
    row = conn.execute(sql, params or None).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


# --------------------------------------------------------------------------------------------
# the same steps on PostgreSQL 15 and on pgwire


def two_sessions(server: Server) -> list[Any]:
    """Conflicts, modes, key spaces, counts and unlocks seen from two sessions."""
    out: list[Any] = []
    warnings: list[tuple[str | None, str | None, str | None]] = []
    with pconnect(server) as a, pconnect(server) as b:
        a.add_notice_handler(lambda d: warnings.append((d.severity, d.sqlstate, d.message_primary)))
        out.append(one(a, "select pg_advisory_lock(770001)"))
        out.append(one(b, "select pg_try_advisory_lock(770001)"))  # held: false
        out.append(one(b, "select pg_try_advisory_lock_shared(770001)"))
        out.append(one(b, "select pg_try_advisory_lock(0, 770001)"))  # another key space
        out.append(one(a, "select pg_try_advisory_lock(0, 770001)"))
        out.append(one(b, "select pg_advisory_unlock(0, 770001)"))
        # shared locks coexist; an exclusive one conflicts with them
        out.append(one(a, "select pg_advisory_lock_shared(770002)"))
        out.append(one(b, "select pg_try_advisory_lock_shared(770002)"))
        out.append(one(b, "select pg_try_advisory_lock(770002)"))
        out.append(one(b, "select pg_advisory_unlock_shared(770002)"))
        out.append(one(a, "select pg_advisory_unlock_shared(770002)"))
        out.append(one(b, "select pg_try_advisory_lock(770002)"))
        # counted: locked twice, unlocked twice
        out.append(one(a, "select pg_advisory_lock(770001)"))
        out.append(one(a, "select pg_advisory_unlock(770001)"))
        out.append(one(b, "select pg_try_advisory_lock(770001)"))
        out.append(one(a, "select pg_advisory_unlock(770001)"))
        out.append(one(b, "select pg_try_advisory_lock(770001)"))
        # not held: false and a WARNING
        out.append(one(a, "select pg_advisory_unlock(770001)"))
        out.append(one(a, "select pg_advisory_unlock_shared(770003)"))
        out.append(one(a, "select pg_try_advisory_lock(%s), pg_try_advisory_lock(%s)", 5, 6))
        out.append(one(a, "select pg_try_advisory_lock(%s::int4, %s::int4) as got", 5, 6))
        out.append(one(a, "select pg_advisory_lock(null)"))  # strict: NULL, nothing locked
        # unlock_all releases the session-level locks, held any number of times
        out.append(one(b, "select pg_advisory_unlock_all()"))
        out.append(one(a, "select pg_try_advisory_lock(770001)"))
        out.append(one(a, "select pg_try_advisory_lock(-770001)"))
        out.append(one(b, "select pg_try_advisory_lock(-770001)"))
    out.append(warnings)
    return out


def test_two_sessions_as_postgresql(postgres15: TempPostgres, duckdb_server: ServerProcess) -> None:
    expected = two_sessions(postgres15)
    assert two_sessions(duckdb_server) == expected
    assert expected[:6] == ["", False, False, True, False, True]
    assert expected[-1] == [
        ("WARNING", "01000", "you don't own a lock of type ExclusiveLock"),
        ("WARNING", "01000", "you don't own a lock of type ShareLock"),
    ]


def xact_locks(server: Server) -> list[Any]:
    out: list[Any] = []
    with pconnect(server) as a, pconnect(server) as b:
        # in a block: held until COMMIT
        with a.transaction():
            out.append(one(a, "select pg_advisory_xact_lock(770011)"))
            out.append(one(a, "select pg_try_advisory_xact_lock_shared(770012)"))
            out.append(one(b, "select pg_try_advisory_lock(770011)"))
            out.append(one(b, "select pg_try_advisory_lock(770012)"))
            out.append(one(b, "select pg_try_advisory_lock_shared(770012)"))
            out.append(one(a, "select pg_advisory_unlock(770011)"))  # not a session lock
        out.append(one(b, "select pg_try_advisory_lock(770011)"))
        out.append(one(b, "select pg_advisory_unlock_all()"))
        # ... and until ROLLBACK
        a.execute("begin")
        out.append(one(a, "select pg_try_advisory_xact_lock(770013)"))
        out.append(one(b, "select pg_try_advisory_lock(770013)"))
        a.execute("rollback")
        out.append(one(b, "select pg_try_advisory_lock(770013)"))
        out.append(one(b, "select pg_advisory_unlock_all()"))
        # outside a block: the statement's own transaction
        out.append(one(a, "select pg_advisory_xact_lock(770014)"))
        out.append(one(b, "select pg_try_advisory_lock(770014)"))
        # the simple protocol: held to the end of the Query's statements, then released
        cur = psycopg.ClientCursor(a)
        cur.execute("select pg_advisory_xact_lock(770015); select pg_try_advisory_lock(770016)")
        out.append(one(b, "select pg_try_advisory_lock(770015)"))
        out.append(one(b, "select pg_try_advisory_lock(770016)"))  # a session lock: still held
    return out


def test_transaction_locks_as_postgresql(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    expected = xact_locks(postgres15)
    assert xact_locks(duckdb_server) == expected
    assert expected == [
        "", True, False, False, True, False, True, "", True, False, True, "", "", True, True, False
    ]  # fmt: skip


def test_deadlock_between_two_sessions(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    """One of the two waits fails with 40P01; the other goes on once the failed session lets
    go of its own lock (an error does not release session locks). PostgreSQL checks after
    deadlock_timeout (1s), so there the first waiter usually fails; pgwire checks as a wait
    starts, so the request that closes the cycle fails."""

    async def scenario(server: Server) -> tuple[str, str, bool, str]:
        a, b = await aconnect(server), await aconnect(server)
        try:
            await a.execute("select pg_advisory_lock(770021)")
            await b.execute("select pg_advisory_lock(770022)")
            first = asyncio.ensure_future(a.execute("select pg_advisory_lock(770022)"))
            await asyncio.sleep(0.2)
            second = asyncio.ensure_future(b.execute("select pg_advisory_lock(770021)"))
            done, pending = await asyncio.wait(
                {first, second}, timeout=10, return_when=asyncio.FIRST_COMPLETED
            )
            assert len(done) == 1 and len(pending) == 1
            failed = done.pop()
            err = failed.exception()
            assert isinstance(err, asyncpg.exceptions.DeadlockDetectedError)
            victim, survivor = (a, b) if failed is first else (b, a)
            await asyncio.sleep(0.2)
            assert not pending.pop().done()
            assert await victim.fetchval("select pg_advisory_unlock_all()") is None
            await asyncio.wait_for(first if failed is second else second, 5)
            assert await survivor.fetchval("select pg_advisory_unlock_all()") is None
            detail = err.detail or ""
            return (
                err.sqlstate,
                err.args[0],
                "waits for ExclusiveLock on advisory lock" in detail,
                "second" if failed is second else "first",
            )
        finally:
            await a.close()
            await b.close()

    async def main() -> tuple[tuple[str, str, bool, str], tuple[str, str, bool, str]]:
        return await scenario(postgres15), await scenario(duckdb_server)

    expected, got = run(main())
    assert expected[:3] == got[:3] == ("40P01", "deadlock detected", True)
    assert got[3] == "second"


# --------------------------------------------------------------------------------------------
# waiting: released, cancelled, timed out


def test_blocked_lock_granted_when_the_holder_unlocks_or_leaves(
    duckdb_server: ServerProcess,
) -> None:
    async def main() -> None:
        a, b, c = [await aconnect(duckdb_server) for _ in range(3)]
        try:
            await a.execute("select pg_advisory_lock(1)")
            waiting = asyncio.ensure_future(b.fetchval("select pg_advisory_lock(1)"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            # other sessions are served while b waits
            assert await c.fetchval("select pg_try_advisory_lock(2)") is True
            assert await c.fetchval("select 40 + 2") == 42
            assert await a.fetchval("select pg_advisory_unlock(1)") is True
            assert await asyncio.wait_for(waiting, 5) is None  # void
            assert await c.fetchval("select pg_try_advisory_lock(1)") is False  # b has it now

            # the holder disconnects: its locks go, the waiter gets them
            waiting = asyncio.ensure_future(a.execute("select pg_advisory_lock_shared(2)"))
            await asyncio.sleep(0.3)
            assert not waiting.done()
            await c.close()
            await asyncio.wait_for(waiting, 5)
            assert await b.fetchval("select pg_try_advisory_lock(2)") is False
            assert await b.fetchval("select pg_try_advisory_lock_shared(2)") is True
        finally:
            for conn in (a, b, c):
                await conn.close()

    run(main())


def test_cancel_of_a_blocked_lock(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as a, pconnect(duckdb_server) as b:
        assert one(a, "select pg_advisory_lock(3)") == ""
        errors: list[BaseException] = []

        def wait() -> None:
            try:
                b.execute("select pg_advisory_lock(3)")
            except BaseException as exc:
                errors.append(exc)

        worker = threading.Thread(target=wait)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive()
        for _ in range(20):  # a cancel that came before the query reached the server is lost
            b.cancel()
            worker.join(0.5)
            if not worker.is_alive():
                break
        assert not worker.is_alive()
        assert len(errors) == 1 and isinstance(errors[0], psycopg.errors.QueryCanceled)
        assert "canceling statement due to user request" in str(errors[0])
        # b left the queue: a new request is not behind it, and b holds nothing
        assert one(a, "select pg_advisory_unlock(3)") is True
        with pconnect(duckdb_server) as c:
            assert one(c, "select pg_try_advisory_lock(3)") is True
            assert one(b, "select pg_try_advisory_lock(3)") is False
            assert one(b, "select 1") == 1


def test_asyncpg_timeout_cancels_the_wait(duckdb_server: ServerProcess) -> None:
    async def main() -> None:
        a, b = await aconnect(duckdb_server), await aconnect(duckdb_server)
        try:
            await a.execute("select pg_advisory_lock(4)")
            with pytest.raises(asyncio.TimeoutError):
                await b.execute("select pg_advisory_lock(4)", timeout=0.3)
            assert await b.fetchval("select pg_try_advisory_lock(4)") is False
            await a.execute("select pg_advisory_unlock_all()")
            assert await b.fetchval("select pg_try_advisory_lock(4)") is True
        finally:
            await a.close()
            await b.close()

    run(main())


def test_statement_timeout_ends_the_wait(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as a, pconnect(duckdb_server) as b:
        assert one(a, "select pg_advisory_xact_lock(5), pg_advisory_lock(5)") == ("", "")
        b.execute("set statement_timeout = '200ms'")
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled) as caught:
            b.execute("select pg_advisory_lock(5)")
        assert time.monotonic() - started < 5
        assert "canceling statement due to statement timeout" in str(caught.value)
        # in a transaction block the failure aborts it, as any error does
        b.execute("begin")
        with pytest.raises(psycopg.errors.QueryCanceled):
            b.execute("select pg_advisory_xact_lock(5)")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            b.execute("select pg_try_advisory_lock(6)")
        b.execute("rollback")
        b.execute("reset statement_timeout")
        assert one(a, "select pg_advisory_unlock(5)") is True
        assert one(b, "select pg_try_advisory_lock(5)") is True


# --------------------------------------------------------------------------------------------
# the extended protocol, asyncpg's pool, and what is not supported


def test_asyncpg_parameters_and_types(duckdb_server: ServerProcess) -> None:
    async def main() -> None:
        conn = await aconnect(duckdb_server)
        other = await aconnect(duckdb_server)
        try:
            assert await conn.fetchval("select pg_try_advisory_lock($1)", 5) is True
            assert await conn.fetchval("select pg_try_advisory_lock($1, $2)", 5, 6) is True
            assert await other.fetchval("select pg_try_advisory_lock($1)", 5) is False
            assert await other.fetchval("select pg_try_advisory_lock(5::bigint)") is False
            assert await other.fetchval("select pg_try_advisory_lock($1::int4, 6)", 5) is False
            assert await other.fetchval("select pg_try_advisory_lock($1)", 2**40) is True
            statement = await conn.prepare("select pg_advisory_lock($1), pg_advisory_unlock($1)")
            assert [t.name for t in statement.get_parameters()] == ["int8"]
            assert [(a.name, a.type.name) for a in statement.get_attributes()] == [
                ("pg_advisory_lock", "void"),
                ("pg_advisory_unlock", "bool"),
            ]
            assert tuple(await statement.fetchrow(7)) == (None, True)
            statement = await conn.prepare("select pg_try_advisory_xact_lock($1, $2) as ok")
            assert [t.name for t in statement.get_parameters()] == ["int4", "int4"]
            assert await statement.fetchval(1, 2) is True
        finally:
            await conn.close()
            await other.close()

    run(main())


def test_calls_inside_other_sql_are_refused(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as conn:
        for sql in (
            "select * from range(3) t(id) where pg_try_advisory_lock(id)",
            "select pg_try_advisory_lock(1) from range(3)",
            "select pg_advisory_lock(1 + 1)",
            "select 1, pg_advisory_unlock_all()",
        ):
            with pytest.raises(psycopg.errors.FeatureNotSupported) as caught:
                conn.execute(sql)
            assert "advisory lock" in str(caught.value)
            assert caught.value.diag.message_hint
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute("select pg_advisory_lock(1.5)")
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute("select pg_advisory_unlock_all(1)")
        # nothing was locked by any of them
        with pconnect(duckdb_server) as other:
            assert one(other, "select pg_try_advisory_lock(1), pg_try_advisory_lock(2)") == (
                True,
                True,
            )


def test_asyncpg_pool_default_reset_releases_locks(duckdb_server: ServerProcess) -> None:
    """asyncpg's Pool resets a released connection with `SELECT pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL;`: a lock left behind by one user is free for the next."""

    async def main() -> list[int]:
        async with asyncpg.create_pool(dsn(duckdb_server), min_size=2, max_size=4) as pool:

            async def one(n: int) -> int:
                async with pool.acquire() as conn:
                    await conn.execute("select pg_advisory_lock($1)", n % 3)  # never unlocked
                    value: int = await conn.fetchval("select $1::int * 2", n)
                    return value

            return list(await asyncio.gather(*(one(n) for n in range(30))))

    assert run(main()) == [n * 2 for n in range(30)]


# --------------------------------------------------------------------------------------------
# pg_locks


def pg_locks_rows(server: Server) -> list[Any]:
    """pg_locks' advisory rows while one session holds locks and another waits for one."""
    query = (
        "select l.locktype, d.datname, l.classid::int8, l.objid::int8, l.objsubid, "
        "l.pid = $1 as mine, l.mode, l.granted, l.fastpath "
        "from pg_locks l left join pg_database d on d.oid = l.database "
        "where l.locktype = 'advisory' order by l.objid, l.objsubid, l.mode, l.granted"
    )

    async def body() -> list[Any]:
        holder, waiter, watcher = [await aconnect(server) for _ in range(3)]
        try:
            await holder.execute("select pg_advisory_lock(4294967297)")  # classid 1, objid 1
            await holder.execute("select pg_advisory_lock_shared(3, 4)")
            holder_pid = await holder.fetchval("select pg_backend_pid()")
            waiting = asyncio.ensure_future(waiter.execute("select pg_advisory_lock(3, 4)"))
            for _ in range(100):
                rows = await watcher.fetch(query, holder_pid)
                if any(not r["granted"] for r in rows):
                    break
                await asyncio.sleep(0.05)
            await holder.execute("select pg_advisory_unlock_all()")
            await asyncio.wait_for(waiting, 10)
            return [tuple(r) for r in rows]
        finally:
            for conn in (holder, waiter, watcher):
                await conn.close()

    return run(body())


@pytest.fixture(scope="module")
def sqlite_file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(str(tmp_path_factory.mktemp("locks") / "locks.sqlite")) as server:
        yield server


def test_pg_locks_as_postgresql(
    postgres15: TempPostgres, duckdb_server: ServerProcess, sqlite_file_server: ServerProcess
) -> None:
    expected = pg_locks_rows(postgres15)
    database = postgres15.dsn.rsplit("/", 1)[-1]
    assert [r[0] for r in expected] == ["advisory"] * 3  # the reference looks as it should
    for server in (duckdb_server, sqlite_file_server):
        got = pg_locks_rows(server)
        ours = server.dsn.rsplit("/", 1)[-1]
        assert [(*r[:1], database if r[1] == ours else r[1], *r[2:]) for r in got] == expected
