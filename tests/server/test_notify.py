"""LISTEN / UNLISTEN / NOTIFY / pg_notify() in the front end, message by message.

An in-process server whose handler records every statement it sees (none of these may reach
it), and raw protocol clients, so the exact order of NotificationResponse against
CommandComplete and ReadyForQuery is checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pgwire import Column, Command, Config, Handler, PgError, Rows, Server, SessionInfo
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, Role
from pgwire.server import notify


class Recorder(Handler):
    """Runs `select N`, transaction control, `slow` and `fail`; records what it is given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def query(self, sql: str) -> Rows | Command:
        self.seen.append(sql)
        words = sql.split()
        verb = words[0].upper()
        if sql == "slow":
            await asyncio.sleep(0.3)
            return Command("SLOW")
        if verb == "SELECT" and len(words) == 2 and words[1].isdigit():
            return Rows([Column("n", "int4")], [(int(words[1]),)])
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            return Command(verb)
        raise PgError(f"cannot run {sql}", "42601")


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = Connection(Role.CLIENT)
        self.pid = 0

    @classmethod
    async def connect(cls, server: Server) -> Client:
        client = cls(*await asyncio.open_connection("127.0.0.1", server.port))
        await client.send(m.StartupMessage(parameters={"user": "u"}))
        for msg in await client.until(m.ReadyForQuery):
            if isinstance(msg, m.BackendKeyData):
                client.pid = msg.process_id
        return client

    async def send(self, *msgs: m.Message) -> None:
        self.writer.write(b"".join(self.conn.send(x) for x in msgs))
        await self.writer.drain()

    async def next(self, timeout: float = 5.0) -> m.Message:
        while True:
            event = self.conn.next_event()
            if event is not NEED_DATA:
                assert isinstance(event, m.Message)
                return event
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                raise ConnectionError("server closed the connection")
            self.conn.receive_data(data)

    async def until(self, cls: type[m.Message] = m.ReadyForQuery) -> list[m.Message]:
        out = [await self.next()]
        while not isinstance(out[-1], cls):
            out.append(await self.next())
        return out

    async def query(self, sql: str) -> list[m.Message]:
        await self.send(m.Query(sql))
        return await self.until()

    async def nothing_pending(self, wait: float = 0.15) -> bool:
        """True when no message arrives within `wait` seconds."""
        try:
            msg = await self.next(timeout=wait)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected {msg}")

    async def close(self) -> None:
        await self.send(m.Terminate())
        self.writer.close()


Scenario = Callable[[Server, Recorder], Awaitable[None]]


def run(scenario: Scenario) -> None:
    async def main() -> None:
        recorder = Recorder()
        async with Server(recorder, Config(port=0)) as server:
            await asyncio.wait_for(scenario(server, recorder), 30)
        for sql in recorder.seen:  # the backend never sees a notification statement
            assert not notify.is_notify_command(sql), sql

    asyncio.run(main())


def brief(msgs: list[m.Message]) -> list[str]:
    out = []
    for msg in msgs:
        if isinstance(msg, m.CommandComplete):
            out.append(msg.tag)
        elif isinstance(msg, m.NotificationResponse):
            out.append(f"A:{msg.channel}:{msg.payload}")
        elif isinstance(msg, m.ErrorResponse):
            out.append(f"E:{msg.fields['C']}")
        elif isinstance(msg, m.NoticeResponse):
            out.append(f"N:{msg.fields['C']}")
        elif isinstance(msg, m.ReadyForQuery):
            out.append(f"Z:{msg.status}")
        elif isinstance(msg, m.DataRow):
            out.append("D:" + ",".join(repr(v) for v in msg.values))
        elif isinstance(msg, m.RowDescription):
            out.append("T:" + ",".join(f"{f.name}/{f.type_oid}" for f in msg.fields))
        else:
            out.append(type(msg).__name__)
    return out


async def two(server: Server) -> tuple[Client, Client]:
    return await Client.connect(server), await Client.connect(server)


# ------------------------------------------------------------------------- one session


def test_own_notification_comes_before_ready_for_query() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        assert brief(await a.query("listen a")) == ["LISTEN", "Z:I"]
        msgs = await a.query("notify a, 'x'")
        assert brief(msgs) == ["NOTIFY", "A:a:x", "Z:I"]
        note = msgs[1]
        assert isinstance(note, m.NotificationResponse) and note.process_id == a.pid
        assert brief(await a.query("notify a")) == ["NOTIFY", "A:a:", "Z:I"]
        assert brief(await a.query("notify other, 'x'")) == ["NOTIFY", "Z:I"]

    run(scenario)


def test_channel_names_fold_like_identifiers() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query('listen Chan; listen "Quoted"; listen /* c */ "we""ird"')
        assert sorted(server.notifications.channels()) == ["Quoted", "chan", 'we"ird']
        msgs = await a.query(
            "notify CHAN, 'one'; notify \"Quoted\", 'two'; notify quoted, 'lost'; "
            'notify "we""ird", E\'tab\\there\''
        )
        assert brief(msgs)[-4:] == ["A:chan:one", "A:Quoted:two", 'A:we"ird:tab\there', "Z:I"]

    run(scenario)


def test_payload_forms() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen c")
        msgs = await a.query("notify c, 'it''s'; notify c, $$dollar 'quoted'$$; notify c, E'\\x41'")
        assert brief(msgs)[-4:] == ["A:c:it's", "A:c:dollar 'quoted'", "A:c:A", "Z:I"]

    run(scenario)


def test_duplicates_in_one_transaction_are_folded() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        msgs = await a.query("notify a, 'z'; notify a, 'z'; notify a, 'w'; notify a, 'z'")
        assert brief(msgs) == ["NOTIFY"] * 4 + ["A:a:z", "A:a:w", "Z:I"]
        assert brief(await a.query("begin")) == ["BEGIN", "Z:T"]
        assert brief(await a.query("notify a, 'in'")) == ["NOTIFY", "Z:T"]
        assert brief(await a.query("select pg_notify('a', 'in')"))[-1] == "Z:T"
        assert brief(await a.query("commit")) == ["COMMIT", "A:a:in", "Z:I"]
        # separate transactions are not folded
        assert brief(await a.query("notify a, 'z'"))[-2:] == ["A:a:z", "Z:I"]

    run(scenario)


def test_rollback_and_failed_transactions_drop_notifications() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        assert brief(await a.query("begin; notify a, 'x'; rollback")) == [
            "BEGIN",
            "NOTIFY",
            "ROLLBACK",
            "Z:I",
        ]
        assert brief(await a.query("begin; notify a, 'x'")) == ["BEGIN", "NOTIFY", "Z:T"]
        assert brief(await a.query("oops")) == ["E:42601", "Z:E"]
        assert brief(await a.query("notify a, 'y'")) == ["E:25P02", "Z:E"]
        assert brief(await a.query("commit")) == ["ROLLBACK", "Z:I"]
        # A failing statement ends a multi-statement Query's implicit transaction too.
        assert brief(await a.query("notify a, 'p'; oops")) == ["NOTIFY", "E:42601", "Z:I"]
        # ... but what an explicit COMMIT before it committed stays committed.
        msgs = await a.query("begin; notify a, 'q'; commit; oops")
        assert brief(msgs) == ["BEGIN", "NOTIFY", "COMMIT", "E:42601", "A:a:q", "Z:I"]

    run(scenario)


def test_rollback_to_savepoint_drops_what_came_after_it() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        msgs = await a.query(
            "begin; notify a, 'x'; savepoint s; notify a, 'y'; rollback to s; "
            "notify a, 'z'; savepoint t; notify a, 'kept'; release t; commit"
        )
        assert brief(msgs)[-4:] == ["A:a:x", "A:a:z", "A:a:kept", "Z:I"]
        # a savepoint set before the session's first notification statement
        b = await Client.connect(server)
        msgs = await b.query(
            "begin; savepoint s; notify a, 'gone'; rollback to savepoint s; commit"
        )
        assert brief(msgs)[-1] == "Z:I"
        assert await a.nothing_pending()

    run(scenario)


def test_listen_and_unlisten_take_effect_at_commit() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        assert brief(await a.query("begin; listen b; rollback"))[-1] == "Z:I"
        assert brief(await a.query("notify b")) == ["NOTIFY", "Z:I"]
        assert server.notifications.listeners("b") == 0
        # LISTEN and NOTIFY in one transaction: the session hears itself, as in PostgreSQL.
        msgs = await a.query("begin; listen x; notify x, '1'; commit")
        assert brief(msgs)[-2:] == ["A:x:1", "Z:I"]
        assert brief(await a.query("begin; unlisten x; rollback; notify x, '2'"))[-2:] == [
            "A:x:2",
            "Z:I",
        ]
        msgs = await a.query("begin; unlisten x; notify x, '3'; commit")
        assert brief(msgs)[-2:] == ["COMMIT", "Z:I"]
        assert server.notifications.listeners("x") == 0

    run(scenario)


def test_unlisten_star_and_unlisten_one() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a; listen b; listen c")
        assert brief(await a.query("unlisten b")) == ["UNLISTEN", "Z:I"]
        msgs = await a.query("notify a, '1'; notify b, '2'; notify c, '3'")
        assert brief(msgs)[-3:] == ["A:a:1", "A:c:3", "Z:I"]
        assert brief(await a.query("unlisten *")) == ["UNLISTEN", "Z:I"]
        assert brief(await a.query("notify a; notify c")) == ["NOTIFY", "NOTIFY", "Z:I"]
        assert server.notifications.channels() == []
        assert brief(await a.query("unlisten nothing_here")) == ["UNLISTEN", "Z:I"]

    run(scenario)


def test_pg_notify_simple_query() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        msgs = await a.query("select pg_notify('a', 'y')")
        assert brief(msgs) == ["T:pg_notify/2278", "D:b''", "SELECT 1", "A:a:y", "Z:I"]
        msgs = await a.query("SELECT pg_catalog.pg_notify('a'::text, NULL) AS sent;")
        assert brief(msgs) == ["T:sent/2278", "D:b''", "SELECT 1", "A:a:", "Z:I"]
        # pg_notify takes the channel as given: no case folding
        msgs = await a.query("select pg_notify('A', 'other channel')")
        assert brief(msgs) == ["T:pg_notify/2278", "D:b''", "SELECT 1", "Z:I"]

    run(scenario)


def test_pg_notify_with_parameters() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        await a.send(
            m.Parse("q", "select pg_notify($1, $2::text)", []),
            m.Describe("S", "q"),
            m.Sync(),
        )
        described = await a.until()
        assert isinstance(described[1], m.ParameterDescription)
        assert described[1].type_oids == [25, 25]
        assert brief(described) == [
            "ParseComplete",
            "ParameterDescription",
            "T:pg_notify/2278",
            "Z:I",
        ]
        for payload in (b"first", b"second"):
            await a.send(
                m.Bind("", "q", [], [b"a", payload], [1]),
                m.Execute("", 0),
                m.Sync(),
            )
            assert brief(await a.until()) == [
                "BindComplete",
                "D:b''",
                "SELECT 1",
                f"A:a:{payload.decode()}",
                "Z:I",
            ]
        # unnamed statement, Describe of the portal, as psycopg does
        await a.send(
            m.Parse("", "select pg_notify($1, $2)", []),
            m.Bind("", "", [], [b"a", None], []),
            m.Describe("P", ""),
            m.Execute("", 0),
            m.Sync(),
        )
        assert brief(await a.until()) == [
            "ParseComplete",
            "BindComplete",
            "T:pg_notify/2278",
            "D:b''",
            "SELECT 1",
            "A:a:",
            "Z:I",
        ]

    run(scenario)


def test_extended_notify_commits_at_sync_and_an_error_before_sync_drops_it() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        await a.send(
            m.Parse("", "notify a, 'one'", []),
            m.Bind("", "", [], [], []),
            m.Execute("", 0),
            m.Flush(),
        )
        assert brief([await a.next(), await a.next(), await a.next()]) == [
            "ParseComplete",
            "BindComplete",
            "NOTIFY",
        ]
        assert await a.nothing_pending()  # not before the Sync ends the implicit transaction
        await a.send(m.Sync())
        assert brief(await a.until()) == ["A:a:one", "Z:I"]
        await a.send(
            m.Parse("", "notify a, 'two'", []),
            m.Bind("", "", [], [], []),
            m.Execute("", 0),
            m.Parse("", "oops", []),
            m.Bind("", "", [], [], []),
            m.Execute("", 0),
            m.Sync(),
        )
        assert brief(await a.until())[-2:] == ["E:42601", "Z:I"]
        await a.send(m.Parse("", "listen b", []), m.Describe("S", ""), m.Sync())
        assert brief(await a.until()) == ["ParseComplete", "ParameterDescription", "NoData", "Z:I"]

    run(scenario)


def test_limits_and_errors() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")

        async def error(sql: str) -> tuple[str, str]:
            msgs = await a.query(sql)
            assert isinstance(msgs[-1], m.ReadyForQuery) and msgs[-1].status == "I"
            errors = [x for x in msgs if isinstance(x, m.ErrorResponse)]
            assert len(errors) == 1, brief(msgs)
            return errors[0].fields["C"], errors[0].fields["M"]

        ok = await a.query(
            "select pg_notify('a', repeat)".replace("repeat", "'" + "x" * 7999 + "'")
        )
        assert brief(ok)[-2] == "A:a:" + "x" * 7999
        too_long = ("22023", "payload string too long")
        assert await error("notify a, '" + "x" * 8000 + "'") == too_long
        assert await error("select pg_notify('a', '" + "é" * 4000 + "')") == too_long
        assert await error("select pg_notify('', 'x')") == ("22023", "channel name cannot be empty")
        assert await error("select pg_notify(NULL, 'x')") == (
            "22023",
            "channel name cannot be empty",
        )
        assert await error("select pg_notify('" + "c" * 64 + "', 'x')") == (
            "22023",
            "channel name too long",
        )
        assert (await error("notify"))[0] == "42601"
        assert (await error("notify a 'x'"))[0] == "42601"
        assert (await error("notify a, 1"))[0] == "42601"
        assert (await error('listen ""'))[0] == "42601"
        assert (await error("listen a b"))[0] == "42601"
        assert (await error("select pg_notify('a', 'b'), 1"))[0] == "0A000"
        assert (await error("select pg_notify('a', 'b') from t"))[0] == "0A000"
        assert (await error("select pg_notify('a' || 'b', 'c')"))[0] == "0A000"
        assert (await error("select pg_notify('a')"))[0] == "42883"
        # a long identifier is truncated to 63 bytes, with PostgreSQL's NOTICE
        msgs = await a.query("listen " + "L" * 70)
        assert brief(msgs) == ["N:42622", "LISTEN", "Z:I"]
        assert server.notifications.listeners("l" * 63) == 1

    run(scenario)


# ------------------------------------------------------------------------- across sessions


def test_idle_listener_is_notified_at_once() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen a")
        assert brief(await b.query("notify a, 'hi'")) == ["NOTIFY", "Z:I"]
        note = await a.next(timeout=2)
        assert isinstance(note, m.NotificationResponse)
        assert (note.process_id, note.channel, note.payload) == (b.pid, "a", "hi")
        assert brief(await a.query("select 1")) == ["T:n/23", "D:b'1'", "SELECT 1", "Z:I"]

    run(scenario)


def test_busy_listener_gets_it_before_its_next_ready_for_query() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen a")
        await a.send(m.Query("slow"))
        await asyncio.sleep(0.05)
        await b.query("notify a, 'while busy'")
        assert brief(await a.until()) == ["SLOW", "A:a:while busy", "Z:I"]

    run(scenario)


def test_listener_in_a_transaction_block_waits_for_its_end() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen a")
        await a.query("begin")
        await b.query("notify a, '1'")
        assert await a.nothing_pending()
        assert brief(await a.query("select 2")) == ["T:n/23", "D:b'2'", "SELECT 1", "Z:T"]
        assert brief(await a.query("rollback")) == ["ROLLBACK", "A:a:1", "Z:I"]

    run(scenario)


def test_sender_transaction_commit_delivers_rollback_drops() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen a")
        await b.query("begin; notify a, 'x'; notify a, 'x'; select pg_notify('a', 'y')")
        assert await a.nothing_pending()
        await b.query("commit")
        first, second = await a.next(), await a.next()
        assert isinstance(first, m.NotificationResponse)
        assert isinstance(second, m.NotificationResponse)
        assert [first.payload, second.payload] == ["x", "y"]
        await b.query("begin; notify a, 'never'; rollback")
        await b.query("begin; notify a, 'never'; oops; commit")
        assert await a.nothing_pending()

    run(scenario)


def test_many_listeners_all_receive_and_unlisten_stops_delivery() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        clients = [await Client.connect(server) for _ in range(6)]
        sender = clients[0]
        for client in clients:
            await client.query("listen many")
        assert server.notifications.listeners("many") == 6
        await sender.query("notify many, 'all'")  # the sender itself gets it before Z
        for client in clients[1:]:
            note = await client.next()
            assert isinstance(note, m.NotificationResponse)
            assert (note.process_id, note.payload) == (sender.pid, "all")
        await clients[1].query("unlisten *")
        await clients[2].query("unlisten many")
        await sender.query("notify many, 'fewer'")
        assert await clients[1].nothing_pending()
        assert await clients[2].nothing_pending()
        for client in clients[3:]:
            note = await client.next()
            assert isinstance(note, m.NotificationResponse) and note.payload == "fewer"

    run(scenario)


def test_sessions_that_end_leave_the_hub() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen gone")
        assert server.notifications.listeners("gone") == 1
        await a.close()
        for _ in range(50):
            if not server.notifications.listeners("gone"):
                break
            await asyncio.sleep(0.02)
        assert server.notifications.channels() == []
        assert brief(await b.query("notify gone")) == ["NOTIFY", "Z:I"]

    run(scenario)


def test_discard_all_unlistens() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a = await Client.connect(server)
        await a.query("listen a")
        assert brief(await a.query("discard all")) == ["DISCARD ALL", "Z:I"]
        assert brief(await a.query("notify a")) == ["NOTIFY", "Z:I"]

    run(scenario)


def test_flood_of_notifications_to_an_idle_listener() -> None:
    async def scenario(server: Server, _: Recorder) -> None:
        a, b = await two(server)
        await a.query("listen flood")
        await b.query("; ".join(f"notify flood, '{i}'" for i in range(500)))
        payloads = []
        for _ in range(500):
            note = await a.next()
            assert isinstance(note, m.NotificationResponse)
            payloads.append(int(note.payload))
        assert payloads == list(range(500))

    run(scenario)


# ------------------------------------------------------------------------- notices


class Noisy(Handler):
    def __init__(self, session: SessionInfo | None = None) -> None:
        self.session = session

    async def connect(self, session: SessionInfo) -> Handler:
        session.notice("welcome", severity="INFO")
        return Noisy(session)

    def query(self, sql: str) -> Rows:
        assert self.session is not None
        self.session.notice("before rows", detail="d", hint="h")
        session = self.session

        def rows() -> Any:
            yield (1,)
            session.notice("between rows", severity="WARNING")
            yield (2,)

        return Rows([Column("n", "int4")], rows())


def test_handler_notices_in_order_with_results() -> None:
    async def main() -> None:
        async with Server(Noisy(), Config(port=0)) as server:
            client = Client(*await asyncio.open_connection("127.0.0.1", server.port))
            await client.send(m.StartupMessage(parameters={"user": "u"}))
            startup = await client.until()
            welcome = [x for x in startup if isinstance(x, m.NoticeResponse)]
            assert [(x.fields["S"], x.fields["C"], x.fields["M"]) for x in welcome] == [
                ("INFO", "00000", "welcome")
            ]
            msgs = await client.query("select")
            # From a row generator, a notice goes out with the batch of rows being gathered
            # (up to 256): after the RowDescription, before the CommandComplete.
            summary = brief(msgs)
            assert summary[:2] == ["N:00000", "T:n/23"]
            assert summary[-2:] == ["SELECT 2", "Z:I"]
            assert sorted(summary[2:-2]) == ["D:b'1'", "D:b'2'", "N:01000"]
            first = msgs[0]
            assert isinstance(first, m.NoticeResponse)
            assert first.fields == {
                "S": "NOTICE",
                "V": "NOTICE",
                "C": "00000",
                "M": "before rows",
                "D": "d",
                "H": "h",
            }
            # Describe of a statement the handler cannot describe runs it to learn its
            # columns: what it says then is not sent; Execute runs it for real.
            await client.send(m.Parse("", "select", []), m.Describe("S", ""), m.Sync())
            assert brief(await client.until()) == [
                "ParseComplete",
                "ParameterDescription",
                "T:n/23",
                "Z:I",
            ]
            await client.send(m.Bind("", "", [], [], []), m.Execute("", 0), m.Sync())
            assert brief(await client.until())[:2] == ["BindComplete", "N:00000"]
            await client.close()

    asyncio.run(main())


def test_notice_arguments_are_checked_and_a_closed_connection_drops_them() -> None:
    sent: list[PgError] = []
    info = SessionInfo("u", "d", 1, notice_sink=sent.append)
    info.notice("careful", severity="WARNING", code="01P01")
    assert (sent[0].severity, sent[0].sqlstate, sent[0].message) == ("WARNING", "01P01", "careful")
    with pytest.raises(ValueError, match="raise PgError"):
        info.notice("no", severity="ERROR")
    SessionInfo("u", "d", 1).notice("nowhere to go")  # no sink: nothing happens
