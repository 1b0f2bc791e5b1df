"""The connection state machine: a client and a server Connection talking to each other."""

from __future__ import annotations

import pytest

from pgwire.errors import LocalProtocolError, PgError, ProtocolViolation
from pgwire.protocol import messages as m
from pgwire.protocol.connection import (
    NEED_DATA,
    TRANSITIONS,
    Connection,
    Role,
    Side,
    State,
)


def events(conn: Connection) -> list[m.Message]:
    out = []
    while (event := conn.next_event()) is not NEED_DATA:
        assert isinstance(event, m.Message)
        out.append(event)
    return out


class Pair:
    """A client and a server wired back to back; every message crosses as bytes."""

    def __init__(self) -> None:
        self.client = Connection(Role.CLIENT)
        self.server = Connection(Role.SERVER)

    def c2s(self, *msgs: m.Message) -> list[m.Message]:
        self.server.receive_data(b"".join(self.client.send(x) for x in msgs))
        return events(self.server)

    def s2c(self, *msgs: m.Message) -> list[m.Message]:
        self.client.receive_data(b"".join(self.server.send(x) for x in msgs))
        return events(self.client)

    def ready(self) -> Pair:
        self.c2s(m.StartupMessage(parameters={"user": "u", "database": "d"}))
        self.s2c(
            m.AuthenticationOk(),
            m.ParameterStatus("server_version", "15.0"),
            m.BackendKeyData(42, b"\x01\x02\x03\x04"),
            m.ReadyForQuery("I"),
        )
        assert self.client.state is self.server.state is State.IDLE
        return self


def test_startup_and_simple_query() -> None:
    pair = Pair()
    got = pair.c2s(m.StartupMessage(parameters={"user": "alice"}))
    assert got == [m.StartupMessage(parameters={"user": "alice"})]
    assert pair.server.state is State.AUTHENTICATING
    pair.s2c(m.AuthenticationOk())
    assert pair.server.state is State.AUTHENTICATED
    pair.s2c(m.BackendKeyData(1, b"abcd"), m.ReadyForQuery("I"))
    assert pair.server.state is State.IDLE

    assert pair.c2s(m.Query("select 1")) == [m.Query("select 1")]
    assert pair.server.state is State.SIMPLE_QUERY
    got = pair.s2c(
        m.RowDescription([m.FieldDescription("a", type_oid=23, type_size=4)]),
        m.DataRow([b"1"]),
        m.CommandComplete("SELECT 1"),
        m.ReadyForQuery("T"),
    )
    assert [type(x) for x in got] == [
        m.RowDescription,
        m.DataRow,
        m.CommandComplete,
        m.ReadyForQuery,
    ]
    assert pair.server.state is pair.client.state is State.IDLE
    assert pair.client.transaction_status == "T"


def test_password_message_is_decoded_by_auth_state() -> None:
    pair = Pair()
    pair.c2s(m.StartupMessage(parameters={"user": "u"}))
    pair.s2c(m.AuthenticationSASL(["SCRAM-SHA-256"]))
    assert pair.c2s(m.SASLInitialResponse("SCRAM-SHA-256", b"n,,n=,r=abc")) == [
        m.SASLInitialResponse("SCRAM-SHA-256", b"n,,n=,r=abc")
    ]
    pair.s2c(m.AuthenticationSASLContinue(b"r=abcdef,s=c2FsdA==,i=4096"))
    assert pair.c2s(m.SASLResponse(b"c=biws,r=abcdef,p=x")) == [
        m.SASLResponse(b"c=biws,r=abcdef,p=x")
    ]
    pair.s2c(m.AuthenticationSASLFinal(b"v=xyz"), m.AuthenticationOk())
    assert pair.server.state is State.AUTHENTICATED


def test_error_in_extended_mode_skips_until_sync() -> None:
    pair = Pair().ready()
    batch = [
        m.Parse("", "select 1/0", []),
        m.Bind("", "", [], [], []),
        m.Execute("", 0),
        m.Parse("", "select 2", []),
        m.Sync(),
    ]
    pair.server.receive_data(b"".join(pair.client.send(x) for x in batch))
    assert pair.client.state is State.SYNC
    assert pair.server.next_event() == batch[0]
    pair.s2c(m.ErrorResponse({"S": "ERROR", "C": "22012", "M": "division by zero"}))
    assert pair.server.state is State.EXTENDED_FAILED
    # Bind, Execute and the second Parse are discarded: Sync is next.
    assert pair.server.next_event() == m.Sync()
    assert pair.server.state is State.SYNC
    pair.s2c(m.ReadyForQuery("I"))
    assert pair.server.state is pair.client.state is State.IDLE


def test_pipelined_client_tracks_each_sync() -> None:
    pair = Pair().ready()
    for i in range(3):
        pair.client.send(m.Parse("", f"select {i}", []))
        pair.client.send(m.Sync())
    assert pair.client.state is State.SYNC
    for _ in range(2):
        pair.client.receive_data(m.ParseComplete().encode() + m.ReadyForQuery("I").encode())
        events(pair.client)
        assert pair.client.state is State.SYNC
    pair.client.receive_data(m.ParseComplete().encode() + m.ReadyForQuery("I").encode())
    events(pair.client)
    assert pair.client.state is State.IDLE


@pytest.mark.parametrize(
    "msg",
    [
        m.PasswordMessage("secret"),
        m.SASLResponse(b"x"),
    ],
)
def test_password_after_startup_is_a_violation(msg: m.Message) -> None:
    pair = Pair().ready()
    pair.server.receive_data(msg.encode())
    with pytest.raises(ProtocolViolation) as info:
        pair.server.next_event()
    assert info.value.sqlstate == "08P01"
    assert info.value.is_fatal


def test_unknown_message_type_is_a_violation() -> None:
    pair = Pair().ready()
    pair.server.receive_data(b"\x01\x00\x00\x00\x04")
    with pytest.raises(ProtocolViolation, match="message type"):
        pair.server.next_event()


def test_server_cannot_send_rows_when_idle() -> None:
    pair = Pair().ready()
    with pytest.raises(LocalProtocolError):
        pair.server.send(m.DataRow([b"1"]))
    with pytest.raises(LocalProtocolError):
        pair.server.send(m.ReadyForQuery("I"))


def test_client_cannot_query_before_startup() -> None:
    with pytest.raises(LocalProtocolError):
        Connection(Role.CLIENT).send(m.Query("select 1"))


def test_typed_bytes_before_startup_are_refused() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.Query("select 1").encode())
    with pytest.raises(ProtocolViolation, match="startup packet"):
        server.next_event()


def test_unsupported_major_version() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.StartupMessage(4 << 16, {}).encode())
    with pytest.raises(PgError) as info:
        server.next_event()
    assert info.value.sqlstate == "0A000"
    assert info.value.is_fatal
    assert "unsupported frontend protocol 4.0" in info.value.message


def test_newer_minor_and_unknown_options_are_negotiated() -> None:
    server = Connection(Role.SERVER)
    startup = m.StartupMessage((3 << 16) | 5, {"user": "u", "_pq_.compression": "on"})
    server.receive_data(startup.encode())
    server.next_event()
    assert server.protocol_version == (3, 2)
    assert server.negotiation == m.NegotiateProtocolVersion(2, ["_pq_.compression"])
    assert "_pq_.compression" not in server.startup_parameters
    server.send(server.negotiation)
    server.send(m.AuthenticationOk())


@pytest.mark.parametrize("minor", [0, 2])
def test_supported_versions_need_no_negotiation(minor: int) -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.StartupMessage((3 << 16) | minor, {"user": "u"}).encode())
    server.next_event()
    assert server.protocol_version == (3, minor)
    assert server.negotiation is None


def test_missing_user_is_refused() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.StartupMessage(parameters={"database": "d"}).encode())
    with pytest.raises(PgError) as info:
        server.next_event()
    assert info.value.sqlstate == "28000"


def test_ssl_request_answered_then_startup() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.SSLRequest().encode())
    assert server.next_event() == m.SSLRequest()
    assert server.answer_encryption_request(False) == b"N"
    server.receive_data(m.SSLRequest().encode())
    with pytest.raises(ProtocolViolation, match="duplicate"):
        server.next_event()


def test_bytes_after_ssl_request_cannot_be_upgraded() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.SSLRequest().encode() + b"\x16\x03\x01")
    server.next_event()
    with pytest.raises(ProtocolViolation, match="unencrypted data"):
        server.answer_encryption_request(True)


def test_cancel_request_closes() -> None:
    server = Connection(Role.SERVER)
    server.receive_data(m.CancelRequest(7, b"\x00\x00\x00\x01").encode())
    assert server.next_event() == m.CancelRequest(7, b"\x00\x00\x00\x01")
    assert server.state is State.CLOSED
    assert server.next_event() is NEED_DATA


def test_fatal_error_closes_from_any_state() -> None:
    pair = Pair().ready()
    pair.c2s(m.Parse("", "select 1", []))
    pair.s2c(m.ErrorResponse({"S": "ERROR", "C": "42601", "M": "x"}))
    assert pair.server.state is State.EXTENDED_FAILED
    pair.server.send(m.ErrorResponse({"S": "FATAL", "C": "57P01", "M": "bye"}))
    assert pair.server.state is State.CLOSED


def test_copy_in_round_trip_and_stray_copy_messages() -> None:
    pair = Pair().ready()
    pair.c2s(m.Query("copy t from stdin"))
    pair.s2c(m.CopyInResponse(0, [0, 0]))
    assert pair.server.state is State.COPY_IN
    got = pair.c2s(m.CopyData(b"1\t2\n"), m.CopyDone())
    assert got == [m.CopyData(b"1\t2\n"), m.CopyDone()]
    assert pair.server.state is State.SIMPLE_QUERY
    pair.s2c(m.CommandComplete("COPY 1"), m.ReadyForQuery("I"))
    # After a failed COPY the client may still be sending data: it is dropped when idle.
    assert pair.c2s(m.CopyData(b"late\n"), m.CopyDone()) == []
    assert pair.server.state is State.IDLE


def test_error_during_copy_in_returns_to_query() -> None:
    pair = Pair().ready()
    pair.c2s(m.Query("copy t from stdin"))
    pair.s2c(m.CopyInResponse(0, []))
    pair.s2c(m.ErrorResponse({"S": "ERROR", "C": "22P04", "M": "bad"}))
    assert pair.server.state is State.SIMPLE_QUERY


def test_terminate() -> None:
    pair = Pair().ready()
    pair.c2s(m.Terminate())
    assert pair.server.state is State.CLOSED


def test_every_state_has_a_row_for_each_side() -> None:
    for state in State:
        assert set(TRANSITIONS[state]) == {Side.FRONTEND, Side.BACKEND}
