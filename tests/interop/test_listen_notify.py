"""LISTEN / NOTIFY across connections of `pgwire serve` (DuckDB) with asyncpg and psycopg 3,
and one message-by-message transcript compared with PostgreSQL 15.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import psycopg
import psycopg.errors as pgerr
import pytest

from pgwire.protocol import messages as m
from tests.support.postgres import TempPostgres
from tests.support.rawclient import RawClient
from tests.support.server import ServerProcess

asyncpg = pytest.importorskip("asyncpg")

pytestmark = pytest.mark.interop

T = TypeVar("T")
Connection = Any  # asyncpg.Connection (asyncpg ships no type hints)
Note = tuple[int, str, str]  # (pid, channel, payload)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


async def apg(server: ServerProcess) -> Connection:
    return await asyncpg.connect(
        host=server.host, port=server.port, user="tester", database="testdb", timeout=10
    )


def pconnect(server: ServerProcess, **kw: Any) -> psycopg.Connection[Any]:
    return psycopg.connect(server.conninfo(), connect_timeout=10, autocommit=True, **kw)


class Inbox:
    """An asyncpg listener callback that collects (pid, channel, payload)."""

    def __init__(self) -> None:
        self.notes: list[Note] = []
        self._changed = asyncio.Event()

    def __call__(self, conn: Connection, pid: int, channel: str, payload: str) -> None:
        self.notes.append((pid, channel, payload))
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Note]:
        async def enough() -> None:
            while len(self.notes) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.notes

    async def quiet(self, wait: float = 0.3) -> list[Note]:
        """The notes after `wait` seconds in which nothing more is expected."""
        await asyncio.sleep(wait)
        return self.notes


# ---------------------------------------------------------------------------- asyncpg


def test_asyncpg_listener_gets_notify_from_psycopg_and_asyncpg(
    duckdb_server: ServerProcess,
) -> None:
    async def main() -> None:
        listener = await apg(duckdb_server)
        sender = await apg(duckdb_server)
        try:
            inbox = Inbox()
            await listener.add_listener("apg_chan", inbox)
            await sender.execute("NOTIFY apg_chan, 'from asyncpg'")
            with pconnect(duckdb_server) as conn:
                conn.execute("notify apg_chan, 'from psycopg'")
                psycopg_pid = conn.info.backend_pid
            notes = await inbox.wait_for(2)
            assert notes == [
                (sender.get_server_pid(), "apg_chan", "from asyncpg"),
                (psycopg_pid, "apg_chan", "from psycopg"),
            ]
            assert listener.get_server_pid() not in (sender.get_server_pid(), psycopg_pid)
            # the listener's own connection keeps working between notifications
            assert await listener.fetchval("select 41 + 1") == 42
        finally:
            await listener.close()
            await sender.close()

    run(main())


def test_asyncpg_pg_notify_with_parameters(duckdb_server: ServerProcess) -> None:
    async def main() -> None:
        listener = await apg(duckdb_server)
        sender = await apg(duckdb_server)
        try:
            inbox = Inbox()
            await listener.add_listener("apg_params", inbox)
            assert await sender.fetchval("select pg_notify($1, $2)", "apg_params", "one") is None
            await sender.execute("select pg_notify($1, $2)", "apg_params", "two")
            statement = await sender.prepare("select pg_notify($1, $2)")
            assert [t.name for t in statement.get_parameters()] == ["text", "text"]
            assert [(a.name, a.type.name) for a in statement.get_attributes()] == [
                ("pg_notify", "void")
            ]
            await statement.fetch("apg_params", "three")
            notes = await inbox.wait_for(3)
            assert [payload for _, _, payload in notes] == ["one", "two", "three"]
            with pytest.raises(asyncpg.InvalidParameterValueError, match="payload string too"):
                await sender.execute("select pg_notify($1, $2)", "apg_params", "x" * 8000)
        finally:
            await listener.close()
            await sender.close()

    run(main())


def test_asyncpg_many_listeners_and_unlisten(duckdb_server: ServerProcess) -> None:
    async def main() -> None:
        listeners = [await apg(duckdb_server) for _ in range(8)]
        sender = await apg(duckdb_server)
        inboxes = [Inbox() for _ in listeners]
        try:
            for conn, inbox in zip(listeners, inboxes, strict=True):
                await conn.add_listener("apg_many", inbox)
            await sender.execute("notify apg_many, 'everyone'")
            for inbox in inboxes:
                assert await inbox.wait_for(1) == [
                    (sender.get_server_pid(), "apg_many", "everyone")
                ]
            await listeners[0].remove_listener("apg_many", inboxes[0])  # UNLISTEN apg_many
            await listeners[1].execute("UNLISTEN *")
            await sender.execute("notify apg_many, 'the rest'")
            for inbox in inboxes[2:]:
                assert (await inbox.wait_for(2))[-1][2] == "the rest"
            assert len(await inboxes[0].quiet()) == 1
            assert len(inboxes[1].notes) == 1
        finally:
            for conn in [*listeners, sender]:
                await conn.close()

    run(main())


def test_asyncpg_transaction_commit_delivers_rollback_drops(duckdb_server: ServerProcess) -> None:
    async def main() -> None:
        listener = await apg(duckdb_server)
        sender = await apg(duckdb_server)
        try:
            inbox = Inbox()
            await listener.add_listener("apg_tx", inbox)
            async with sender.transaction():
                await sender.execute("notify apg_tx, 'dup'")
                await sender.execute("notify apg_tx, 'dup'")
                await sender.execute("select pg_notify('apg_tx', 'other')")
                assert await inbox.quiet(0.2) == []
            assert [p for _, _, p in await inbox.wait_for(2)] == ["dup", "other"]
            tx = sender.transaction()
            await tx.start()
            await sender.execute("notify apg_tx, 'rolled back'")
            await tx.rollback()
            assert len(await inbox.quiet()) == 2
        finally:
            await listener.close()
            await sender.close()

    run(main())


# ---------------------------------------------------------------------------- psycopg


def test_psycopg_notifies_generator(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as listener, pconnect(duckdb_server) as sender:
        listener.execute("LISTEN psy_chan")

        def send_later() -> None:
            time.sleep(0.2)
            sender.execute("NOTIFY psy_chan, 'first'")
            sender.execute("select pg_notify(%s, %s)", ("psy_chan", "second"))

        thread = threading.Thread(target=send_later)
        thread.start()
        notes = list(listener.notifies(timeout=5, stop_after=2))
        thread.join()
        assert [(n.pid, n.channel, n.payload) for n in notes] == [
            (sender.info.backend_pid, "psy_chan", "first"),
            (sender.info.backend_pid, "psy_chan", "second"),
        ]


def test_psycopg_transactions(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as listener, pconnect(duckdb_server) as sender:
        listener.execute("listen psy_tx")
        with sender.transaction():
            sender.execute("notify psy_tx, 'a'")
            sender.execute("notify psy_tx, 'a'")  # folded
            sender.execute("notify psy_tx, 'b'")
            assert list(listener.notifies(timeout=0.2)) == []
        with pytest.raises(RuntimeError), sender.transaction():
            sender.execute("notify psy_tx, 'dropped'")
            raise RuntimeError("roll it back")
        with pytest.raises(pgerr.UndefinedTable), sender.transaction():
            sender.execute("notify psy_tx, 'failed'")
            sender.execute("select * from no_such_table_here")
        got = [n.payload for n in listener.notifies(timeout=0.5)]
        assert got == ["a", "b"]
        # LISTEN inside a rolled-back transaction has no effect
        with pytest.raises(RuntimeError), listener.transaction():
            listener.execute("listen psy_never")
            raise RuntimeError("roll it back")
        sender.execute("notify psy_never")
        assert list(listener.notifies(timeout=0.3)) == []


def test_psycopg_own_notifications_and_limits(duckdb_server: ServerProcess) -> None:
    with pconnect(duckdb_server) as conn:
        conn.execute("listen self_chan")
        cur = conn.execute("select pg_notify('self_chan', %s)", ("to myself",))
        assert cur.description is not None and cur.description[0].name == "pg_notify"
        assert cur.fetchall() == [("",)]
        notes = list(conn.notifies(timeout=2, stop_after=1))
        assert [(n.pid, n.payload) for n in notes] == [(conn.info.backend_pid, "to myself")]
        with pytest.raises(pgerr.InvalidParameterValue, match="payload string too long"):
            conn.execute("notify self_chan, '" + "x" * 8000 + "'")
        with pytest.raises(pgerr.InvalidParameterValue, match="payload string too long"):
            conn.execute("select pg_notify(%s, %s)", ("self_chan", "y" * 8000))
        conn.execute("select pg_notify(%s, %s)", ("self_chan", "y" * 7999))
        assert [len(n.payload) for n in conn.notifies(timeout=2, stop_after=1)] == [7999]
        conn.execute("unlisten *")
        conn.execute("notify self_chan, 'unheard'")
        assert list(conn.notifies(timeout=0.3)) == []


# ---------------------------------------------------------------------------- vs PostgreSQL


def transcript(host: str, port: int) -> list[str]:
    """A fixed exchange between two raw clients; pids become A and B."""
    a = RawClient(host, port).startup("tester", "testdb")
    b = RawClient(host, port).startup("tester", "testdb")
    assert a.backend_key is not None and b.backend_key is not None
    who = {a.backend_key.process_id: "A", b.backend_key.process_id: "B"}
    out: list[str] = []

    def record(name: str, msgs: list[m.Message]) -> None:
        for msg in msgs:
            if isinstance(msg, m.NotificationResponse):
                text = f"A:{who[msg.process_id]}:{msg.channel}:{msg.payload}"
            elif isinstance(msg, m.CommandComplete):
                text = f"C:{msg.tag}"
            elif isinstance(msg, m.ErrorResponse | m.NoticeResponse):
                text = f"{msg.type_byte.decode()}:{msg.fields['C']}:{msg.fields['M']}"
            elif isinstance(msg, m.ReadyForQuery):
                text = f"Z:{msg.status}"
            elif isinstance(msg, m.DataRow):
                text = f"D:{msg.values}"
            elif isinstance(msg, m.RowDescription):
                text = "T:" + ",".join(f"{f.name}/{f.type_oid}" for f in msg.fields)
            elif isinstance(msg, m.ParameterDescription):
                text = f"t:{msg.type_oids}"
            else:
                text = type(msg).__name__
            out.append(f"{name} {text}")

    def q(client: RawClient, sql: str) -> None:
        record("A" if client is a else "B", client.query(sql))

    def arrives(client: RawClient) -> None:
        client.sock.settimeout(0.5)
        try:
            record("A" if client is a else "B", [client.next()])
        except TimeoutError:
            out.append("nothing")
        client.sock.settimeout(20)

    q(a, "listen a")
    q(a, "notify a, 'x'")
    q(a, "select pg_notify('a', 'y')")
    q(a, "notify a, 'z'; notify a, 'z'; notify a, 'w'")
    q(a, "begin; listen b; rollback")
    q(a, "notify b")
    q(a, "begin")
    q(a, "notify a, 'in'")
    q(a, "notify a, 'in'")
    q(a, "commit")
    q(a, "notify a, 'p'; select * from missing_table")
    q(a, "begin; notify a, 'q'; commit; select * from missing_table")
    q(a, "listen " + "L" * 70)
    q(a, "notify a, '" + "x" * 8000 + "'")
    q(a, 'listen "A"; notify "A", E\'q\\nr\'')
    q(a, "begin; listen x; notify x, '1'; commit")
    q(a, "begin; unlisten x; notify x, '2'; commit")
    q(a, "select pg_catalog.pg_notify('a', 'p') as sent")
    q(b, "notify a, 'from b while a is idle'")
    arrives(a)
    q(a, "begin")
    q(b, "notify a, 'held'")
    arrives(a)
    q(a, "commit")
    q(b, "begin; notify a, 'rolled back'; rollback")
    q(b, "begin; notify a, 'failed'; select * from missing_table")
    q(b, "commit")
    arrives(a)
    a.send(m.Parse("s", "select pg_notify($1, $2)", []), m.Describe("S", "s"), m.Sync())
    record("A", a.until())
    a.send(m.Bind("", "s", [], [b"a", b"bound"], []), m.Execute("", 0), m.Sync())
    record("A", a.until())
    a.send(m.Parse("", "notify a", []), m.Describe("S", ""), m.Sync())
    record("A", a.until())
    q(a, "unlisten *")
    q(b, "notify a, 'nobody'")
    arrives(a)
    a.close()
    b.close()
    return out


def test_transcript_matches_postgres(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        if conn.execute("select 1 from pg_roles where rolname = 'tester'").fetchone() is None:
            conn.execute("create role tester login superuser")
        if conn.execute("select 1 from pg_database where datname = 'testdb'").fetchone() is None:
            conn.execute("create database testdb")
    want = transcript(postgres15.host, postgres15.port)
    got = transcript(duckdb_server.host, duckdb_server.port)
    assert got == want
