"""The server against raw, misbehaving and too many clients: clean errors, never a hang."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from pgwire import Column, Command, Config, Handler, PgError, Rows, Server
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, Role


class Echo(Handler):
    """Answers `select N` with N; `fail` raises a plain exception; `slow` sleeps."""

    async def query(self, sql: str) -> Rows | Command:
        if sql == "fail":
            raise RuntimeError("handler bug")
        if sql == "slow":
            await asyncio.sleep(30)
        if sql.startswith("select "):
            return Rows([Column("n", "int4")], [(int(sql.split()[1]),)])
        if sql == "begin" or sql == "commit":
            return Command(sql.upper())
        raise PgError(f"cannot run {sql}", "42601")


def run(coro_fn: Callable[[Server], Awaitable[None]], **config: Any) -> None:
    async def main() -> None:
        async with Server(Echo(), Config(port=0, **config)) as server:
            await asyncio.wait_for(coro_fn(server), 30)

    asyncio.run(main())


class RawClient:
    """A client Connection over an asyncio stream, for tests that need exact control."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = Connection(Role.CLIENT)

    @classmethod
    async def open(cls, server: Server) -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        return cls(reader, writer)

    async def send(self, *msgs: m.Message) -> None:
        self.writer.write(b"".join(self.conn.send(x) for x in msgs))
        await self.writer.drain()

    async def until(self, cls: type[m.Message]) -> list[m.Message]:
        out: list[m.Message] = []
        while True:
            event = self.conn.next_event()
            if event is NEED_DATA:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError(f"closed before {cls.__name__}: {out}")
                self.conn.receive_data(data)
                continue
            assert isinstance(event, m.Message)
            out.append(event)
            if isinstance(event, cls):
                return out

    async def startup(self, **params: str) -> list[m.Message]:
        await self.send(m.StartupMessage(parameters={"user": "u", **params}))
        return await self.until(m.ReadyForQuery)

    async def query(self, sql: str) -> list[m.Message]:
        await self.send(m.Query(sql))
        return await self.until(m.ReadyForQuery)


def errors(msgs: list[m.Message]) -> list[str]:
    return [x.fields["C"] for x in msgs if isinstance(x, m.ErrorResponse)]


def test_startup_sends_parameters_key_and_ready() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        msgs = await client.startup(application_name="app")
        kinds = [type(x) for x in msgs]
        assert kinds[0] is m.AuthenticationOk
        assert kinds[-2:] == [m.BackendKeyData, m.ReadyForQuery]
        params = {x.name: x.value for x in msgs if isinstance(x, m.ParameterStatus)}
        for name in (
            "server_version",
            "server_encoding",
            "client_encoding",
            "DateStyle",
            "TimeZone",
            "integer_datetimes",
            "standard_conforming_strings",
            "IntervalStyle",
            "is_superuser",
            "session_authorization",
            "application_name",
        ):
            assert name in params, name
        assert params["application_name"] == "app"
        key = msgs[-2]
        assert isinstance(key, m.BackendKeyData) and len(key.secret_key) == 4

    run(check)


def test_protocol_3_2_gets_a_long_cancel_key_and_3_9_is_negotiated() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.send(m.StartupMessage((3 << 16) | 9, {"user": "u", "_pq_.x": "1"}))
        msgs = await client.until(m.ReadyForQuery)
        assert msgs[0] == m.NegotiateProtocolVersion(2, ["_pq_.x"])
        key = next(x for x in msgs if isinstance(x, m.BackendKeyData))
        assert len(key.secret_key) == 32

    run(check)


def test_multi_statement_results_and_first_error_stops() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.startup()
        msgs = await client.query("select 1; select 2; bogus; select 3")
        tags = [x.tag for x in msgs if isinstance(x, m.CommandComplete)]
        assert tags == ["SELECT 1", "SELECT 1"]
        assert errors(msgs) == ["42601"]
        assert [x.values for x in msgs if isinstance(x, m.DataRow)] == [[b"1"], [b"2"]]
        assert msgs[-1] == m.ReadyForQuery("I")

    run(check)


def test_empty_query() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.startup()
        msgs = await client.query("  ;  -- nothing\n")
        assert msgs == [m.EmptyQueryResponse(), m.ReadyForQuery("I")]

    run(check)


def test_handler_exception_becomes_xx000_and_session_lives() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.startup()
        msgs = await client.query("fail")
        assert errors(msgs) == ["XX000"]
        err = next(x for x in msgs if isinstance(x, m.ErrorResponse))
        assert "handler bug" in err.fields["M"]
        msgs = await client.query("select 5")
        assert [x.values for x in msgs if isinstance(x, m.DataRow)] == [[b"5"]]

    run(check)


def test_failed_transaction_status_and_25p02() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.startup()
        assert (await client.query("begin"))[-1] == m.ReadyForQuery("T")
        msgs = await client.query("bogus")
        assert msgs[-1] == m.ReadyForQuery("E")
        msgs = await client.query("select 1")
        assert errors(msgs) == ["25P02"]
        assert msgs[-1] == m.ReadyForQuery("E")
        msgs = await client.query("commit")
        assert [x.tag for x in msgs if isinstance(x, m.CommandComplete)] == []
        assert errors(msgs) == ["42601"]  # our Echo handler does not know ROLLBACK

    run(check)


def test_max_connections_gives_53300() -> None:
    async def check(server: Server) -> None:
        first = await RawClient.open(server)
        await first.startup()
        second = await RawClient.open(server)
        await second.send(m.StartupMessage(parameters={"user": "u"}))
        msgs = await second.until(m.ErrorResponse)
        err = msgs[-1]
        assert isinstance(err, m.ErrorResponse)
        assert err.fields["C"] == "53300" and err.fields["S"] == "FATAL"
        # The first session is unaffected, and a slot frees when it leaves.
        assert errors(await first.query("select 1")) == []
        await first.send(m.Terminate())
        await asyncio.sleep(0.2)
        third = await RawClient.open(server)
        assert (await third.startup())[-1] == m.ReadyForQuery("I")

    run(check, max_connections=1)


def test_startup_timeout() -> None:
    async def check(server: Server) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(struct.pack("!i", 100))  # a length, then nothing
        data = await asyncio.wait_for(reader.read(), 5)
        assert b"timeout expired during startup" in data
        writer.close()

    run(check, startup_timeout=0.5)


def test_garbage_gets_08p01_and_the_server_keeps_serving() -> None:
    async def check(server: Server) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 5)
        assert b"08P01" in data
        client = await RawClient.open(server)
        await client.startup()
        assert errors(await client.query("select 1")) == []

    run(check)


def test_oversize_message_is_refused_without_waiting_for_it() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        await client.startup()
        client.writer.write(b"Q" + struct.pack("!i", 50_000_000))
        msgs = await client.until(m.ErrorResponse)
        assert msgs[-1].fields["C"] == "08P01"  # type: ignore[attr-defined]
        assert await client.reader.read() == b""

    run(check, max_message_size=1_000_000)


def test_unsupported_protocol_version() -> None:
    async def check(server: Server) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(m.StartupMessage(2 << 16, {}).encode())
        data = await asyncio.wait_for(reader.read(), 5)
        assert b"0A000" in data and b"unsupported frontend protocol 2.0" in data

    run(check)


def test_ssl_and_gssenc_requests_are_declined() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        client.writer.write(m.GSSENCRequest().encode())
        assert await client.reader.readexactly(1) == b"N"
        client.writer.write(m.SSLRequest().encode())
        assert await client.reader.readexactly(1) == b"N"
        assert (await client.startup())[-1] == m.ReadyForQuery("I")

    run(check)


def test_cancel_request_stops_running_statement() -> None:
    async def check(server: Server) -> None:
        client = await RawClient.open(server)
        msgs = await client.startup()
        key = next(x for x in msgs if isinstance(x, m.BackendKeyData))
        await client.send(m.Query("slow"))
        await asyncio.sleep(0.2)
        # A wrong key does nothing; the right one cancels.
        for secret in (b"nope", key.secret_key):
            _, w = await asyncio.open_connection("127.0.0.1", server.port)
            w.write(m.CancelRequest(key.process_id, secret).encode())
            await w.drain()
            w.close()
            await asyncio.sleep(0.2)
        msgs = await client.until(m.ReadyForQuery)
        assert errors(msgs) == ["57014"]
        assert errors(await client.query("select 1")) == []

    run(check)


def test_shutdown_terminates_idle_sessions_with_57p01() -> None:
    async def main() -> None:
        server = Server(Echo(), Config(port=0))
        await server.start()
        client = await RawClient.open(server)
        await client.startup()
        await server.close()
        msgs = await client.until(m.ErrorResponse)
        assert msgs[-1].fields["C"] == "57P01"  # type: ignore[attr-defined]

    asyncio.run(main())
