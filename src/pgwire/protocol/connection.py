"""The connection state machine, sans-IO, for both roles.

Everything that affects the protocol state lives in this file. `TRANSITIONS` is the whole
table: for each state, which messages each side may send and where that leads. A server and a
client read the same table with the sides swapped:

    conn = Connection(Role.SERVER)
    conn.receive_data(data)
    while (event := conn.next_event()) is not NEED_DATA:
        ...                      # a frontend message, already checked against the state
    wire_bytes = conn.send(messages.ReadyForQuery("I"))

A message the peer may not send in the current state raises `ProtocolViolation` (08P01);
one our own side may not send raises `LocalProtocolError`. After an error in extended query
mode the server side discards frontend messages until Sync, as PostgreSQL does.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Final

from pgwire import sqlstate
from pgwire.errors import LocalProtocolError, PgError, ProtocolViolation
from pgwire.protocol import messages as m
from pgwire.protocol.framing import DEFAULT_MAX_MESSAGE_SIZE, FrameReader

# Protocol versions this implementation speaks (major, minor).
MIN_MINOR = 0
MAX_MINOR = 2


class Role(enum.Enum):
    SERVER = "server"
    CLIENT = "client"


class Side(enum.Enum):
    FRONTEND = "frontend"
    BACKEND = "backend"

    __hash__ = object.__hash__  # members are singletons; Enum's own hash runs Python code


class State(enum.Enum):
    STARTUP = "startup"  # before the StartupMessage (encryption may be negotiated here)
    AUTHENTICATING = "authenticating"  # StartupMessage seen; auth exchange under way
    AUTHENTICATED = "authenticated"  # AuthenticationOk sent; parameters, key, then ReadyForQuery
    IDLE = "idle"  # ReadyForQuery sent: waiting for a command
    SIMPLE_QUERY = "simple_query"  # a Query is being answered
    EXTENDED = "extended"  # extended-query messages until Sync
    EXTENDED_FAILED = "extended_failed"  # an error in extended mode: skip until Sync
    SYNC = "sync"  # Sync received; ReadyForQuery owed
    COPY_IN = "copy_in"
    COPY_OUT = "copy_out"
    COPY_BOTH = "copy_both"
    FUNCTION_CALL = "function_call"
    CLOSED = "closed"

    __hash__ = object.__hash__  # looked up on every message: keep it in C


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()

S = State
F = Side.FRONTEND
B = Side.BACKEND

# Messages any state that answers a command may carry from the backend.
_ASYNC = {m.NoticeResponse: None, m.ParameterStatus: None, m.NotificationResponse: None}
_EXTENDED_REPLIES = {
    m.ParseComplete: None,
    m.BindComplete: None,
    m.CloseComplete: None,
    m.ParameterDescription: None,
    m.RowDescription: None,
    m.NoData: None,
    m.DataRow: None,
    m.CommandComplete: None,
    m.EmptyQueryResponse: None,
    m.PortalSuspended: None,
    m.CopyInResponse: S.COPY_IN,
    m.CopyOutResponse: S.COPY_OUT,
    m.CopyBothResponse: S.COPY_BOTH,
    m.ErrorResponse: S.EXTENDED_FAILED,
}
_EXTENDED_MESSAGES = {
    m.Parse: S.EXTENDED,
    m.Bind: S.EXTENDED,
    m.Describe: S.EXTENDED,
    m.Execute: S.EXTENDED,
    m.Close: S.EXTENDED,
    m.Flush: S.EXTENDED,
    m.Sync: S.SYNC,
    m.Query: S.SIMPLE_QUERY,
    m.FunctionCall: S.FUNCTION_CALL,
    m.Terminate: S.CLOSED,
    # PostgreSQL accepts and ignores stray COPY messages outside COPY (see _dropped).
    m.CopyData: None,
    m.CopyDone: None,
    m.CopyFail: None,
}
_AUTH_REQUESTS = {
    m.AuthenticationOk: S.AUTHENTICATED,
    m.AuthenticationKerberosV5: None,
    m.AuthenticationCleartextPassword: None,
    m.AuthenticationMD5Password: None,
    m.AuthenticationGSS: None,
    m.AuthenticationGSSContinue: None,
    m.AuthenticationSSPI: None,
    m.AuthenticationSASL: None,
    m.AuthenticationSASLContinue: None,
    m.AuthenticationSASLFinal: None,
    m.NegotiateProtocolVersion: None,
    m.NoticeResponse: None,
}
_PASSWORD_MESSAGES = {
    m.PasswordMessage: None,
    m.SASLInitialResponse: None,
    m.SASLResponse: None,
    m.GSSResponse: None,
}

# state → side → {message class: next state (None: unchanged)}.
# A FATAL ErrorResponse closes the connection in every state; that rule is in code below.
TRANSITIONS: dict[State, dict[Side, dict[type[m.Message], State | None]]] = {
    S.STARTUP: {
        F: {
            m.StartupMessage: S.AUTHENTICATING,
            m.SSLRequest: None,
            m.GSSENCRequest: None,
            m.CancelRequest: S.CLOSED,
        },
        B: {m.ErrorResponse: S.CLOSED},
    },
    S.AUTHENTICATING: {
        F: {**_PASSWORD_MESSAGES, m.Terminate: S.CLOSED},
        B: {**_AUTH_REQUESTS, m.ErrorResponse: S.CLOSED},
    },
    S.AUTHENTICATED: {
        F: {m.Terminate: S.CLOSED},
        B: {
            m.ParameterStatus: None,
            m.BackendKeyData: None,
            m.NoticeResponse: None,
            m.NegotiateProtocolVersion: None,
            m.ReadyForQuery: S.IDLE,
            m.ErrorResponse: S.CLOSED,
        },
    },
    S.IDLE: {
        F: _EXTENDED_MESSAGES,
        B: {**_ASYNC, m.ErrorResponse: S.CLOSED},
    },
    S.SIMPLE_QUERY: {
        F: {m.Terminate: S.CLOSED},
        B: {
            **_ASYNC,
            m.RowDescription: None,
            m.DataRow: None,
            m.CommandComplete: None,
            m.EmptyQueryResponse: None,
            m.ErrorResponse: None,
            m.CopyInResponse: S.COPY_IN,
            m.CopyOutResponse: S.COPY_OUT,
            m.CopyBothResponse: S.COPY_BOTH,
            m.ReadyForQuery: S.IDLE,
        },
    },
    S.EXTENDED: {F: _EXTENDED_MESSAGES, B: {**_ASYNC, **_EXTENDED_REPLIES}},
    # The backend reads only Sync and Terminate here; the rest is dropped in receive.
    S.EXTENDED_FAILED: {
        F: {m.Sync: S.SYNC, m.Terminate: S.CLOSED},
        B: {**_ASYNC},
    },
    # A pipelining client may send the next batch before ReadyForQuery arrives.
    S.SYNC: {
        F: {**dict.fromkeys(_EXTENDED_MESSAGES), m.Terminate: S.CLOSED},
        B: {**_ASYNC, **_EXTENDED_REPLIES, m.ErrorResponse: None, m.ReadyForQuery: S.IDLE},
    },
    S.COPY_IN: {
        F: {m.CopyData: None, m.CopyDone: None, m.CopyFail: None, m.Flush: None, m.Sync: None},
        B: {**_ASYNC, m.ErrorResponse: None},
    },
    S.COPY_OUT: {
        F: {m.Terminate: S.CLOSED},
        B: {**_ASYNC, m.CopyData: None, m.CopyDone: None, m.ErrorResponse: None},
    },
    S.COPY_BOTH: {
        F: {m.CopyData: None, m.CopyDone: None, m.CopyFail: None},
        B: {**_ASYNC, m.CopyData: None, m.CopyDone: None, m.ErrorResponse: None},
    },
    S.FUNCTION_CALL: {
        F: {m.Terminate: S.CLOSED},
        B: {
            **_ASYNC,
            m.FunctionCallResponse: None,
            m.ErrorResponse: None,
            m.ReadyForQuery: S.IDLE,
        },
    },
    S.CLOSED: {F: {}, B: {}},
}

_COPY_STATES = (S.COPY_IN, S.COPY_OUT, S.COPY_BOTH)
_COPY_ENDS = (m.CopyDone, m.CopyFail)


class Connection:
    """One side of one connection: parses what the peer sends, checks what we send."""

    def __init__(
        self,
        role: Role,
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self.role = role
        self.state = State.STARTUP
        self.our_side = B if role is Role.SERVER else F
        self.peer_side = F if role is Role.SERVER else B
        # What the last ReadyForQuery said (I, T or E): a client's (and a proxy's) view of the
        # server. A server decides the status elsewhere (pgwire.server.transaction) and only
        # reports it through the ReadyForQuery it sends.
        self.transaction_status = "I"
        self.protocol_version: tuple[int, int] = (3, 0)
        self.startup_parameters: dict[str, str] = {}
        # What the server must answer the StartupMessage with, when the client asked for a
        # newer minor version or for protocol options we do not know.
        self.negotiation: m.NegotiateProtocolVersion | None = None
        self._reader = FrameReader(max_message_size=max_message_size, untyped=role is Role.SERVER)
        self._ssl_asked = False
        self._gss_asked = False
        self._password_type: type[m.Message] = m.PasswordMessage
        self._query_state = S.SIMPLE_QUERY  # where COPY returns to
        self._syncs_pending = 0  # Syncs sent or received whose ReadyForQuery is still owed
        self._unsynced = False  # client sent extended messages after its last pending Sync

    # ---------------------------------------------------------------- receiving

    def receive_data(self, data: bytes) -> None:
        self._reader.feed(data)

    @property
    def buffered(self) -> int:
        return self._reader.buffered

    def peek(self, n: int) -> bytes:
        """The next `n` received bytes, left in place."""
        return self._reader.peek(n)

    @property
    def direct_tls(self) -> bool:
        """The first packet received is a TLS handshake record, not a startup packet:
        PostgreSQL 17's direct TLS (the bytes go to a TLS layer with `take_buffered`)."""
        return self.state is S.STARTUP and self._reader.peek(1) == b"\x16"

    def lookahead(self, limit: int) -> Iterator[tuple[bytes, bytes]]:
        """(type byte, payload) of complete messages received but not yet returned, left in
        place; they still go through next_event and the state machine in their turn."""
        return self._reader.lookahead(limit)

    def take_buffered(self) -> bytes:
        """Hand every received byte to a layer below us: only before the startup packet."""
        if self.state is not S.STARTUP:
            raise LocalProtocolError("buffered bytes can only be taken before startup")
        return self._reader.take()

    def next_event(self) -> m.Message | _NeedData:
        """The next message from the peer, checked against the state, or NEED_DATA."""
        while True:
            if self.state is S.CLOSED:
                return NEED_DATA
            frame = self._reader.next_frame()
            if frame is None:
                return NEED_DATA
            message = self._decode(*frame)
            if self.peer_side is F and self._dropped(message):
                continue
            self._transition(self.peer_side, message)
            return message

    def _dropped(self, message: m.Message) -> bool:
        """Frontend messages the backend reads and throws away, as PostgreSQL does."""
        if self.state is S.EXTENDED_FAILED:
            return not isinstance(message, m.Sync | m.Terminate)  # skipped until Sync
        if self.state in (S.IDLE, S.EXTENDED, S.SYNC):
            return isinstance(message, m.CopyData | m.CopyDone | m.CopyFail)  # stray COPY
        return False

    def _decode(self, type_byte: bytes, payload: bytes) -> m.Message:
        if self.peer_side is F:
            if not type_byte:
                return m.decode_startup_packet(payload)
            if type_byte == b"p":
                return self._password_type.decode(payload)
            cls = m.FRONTEND.get(type_byte)
        else:
            cls = m.BACKEND.get(type_byte)
        if cls is None:
            raise ProtocolViolation(f"invalid {self.peer_side.value} message type {type_byte[0]}")
        return cls.decode(payload)

    # ---------------------------------------------------------------- sending

    def send(self, message: m.Message) -> bytes:
        """The bytes of `message`, after checking that our side may send it now."""
        self._transition(self.our_side, message)
        return message.encode()

    def send_many(self, messages: list[m.Message]) -> bytes:
        return b"".join([self.send(msg) for msg in messages])

    def answer_encryption_request(self, accept: bool) -> bytes:
        """The one-byte answer to SSLRequest/GSSENCRequest: b"S"/b"G" to accept, b"N" not."""
        if self.role is not Role.SERVER or self.state is not S.STARTUP:
            raise LocalProtocolError("no encryption request to answer")
        if not accept:
            return b"N"
        if self._reader.buffered:
            # Bytes sent before our answer cannot have been encrypted: an injection attempt.
            raise ProtocolViolation("received unencrypted data after SSL request")
        return b"S"

    # ---------------------------------------------------------------- the table

    def _transition(self, side: Side, message: m.Message) -> None:
        state = self.state
        cls = type(message)
        if cls is m.ErrorResponse and side is B:
            if message.fields.get("S") in ("FATAL", "PANIC"):  # type: ignore[attr-defined]
                self.state = S.CLOSED  # a fatal error may end any state
                return
            if state in _COPY_STATES:
                self.state = self._copy_end(side, cls) or state
                return
        allowed = TRANSITIONS[state][side]
        if cls not in allowed:
            self._illegal(side, message)
        nxt = allowed[cls]

        if cls is m.StartupMessage:
            self._start(message)  # type: ignore[arg-type]
        elif cls is m.SSLRequest or cls is m.GSSENCRequest:
            self._encryption_request(cls)
        elif cls is m.ReadyForQuery:
            self.transaction_status = message.status  # type: ignore[attr-defined]
            self._syncs_pending = max(self._syncs_pending - 1, 0)
            if self._syncs_pending:
                nxt = S.SYNC
            elif self._unsynced:
                nxt = S.EXTENDED  # a pipelining client has sent more since its last Sync
        elif state is S.SYNC and side is F:
            # Pipelining: what the client sends now is answered after the pending Syncs.
            if cls is m.Sync or cls is m.Query:
                self._syncs_pending += 1
                self._unsynced = False
            elif cls not in _COPY_ENDS and cls is not m.CopyData:
                self._unsynced = True
        elif cls is m.Sync:
            if state in _COPY_STATES:
                return  # Sync during COPY IN is ignored
            self._syncs_pending += 1
        elif cls is m.Query or cls is m.FunctionCall:
            self._query_state = S.SIMPLE_QUERY
            self._syncs_pending = 1
        elif cls in _PASSWORD_REQUESTS:
            self._password_type = _PASSWORD_REQUESTS[cls]
        elif cls is m.CopyInResponse and self._query_state is S.EXTENDED:
            # The backend ignores Syncs that reach it during COPY IN (libpq sends one after
            # Execute): the client sends another after CopyDone, and only that one counts.
            self._syncs_pending = 0
        elif nxt is S.EXTENDED:
            self._query_state = S.EXTENDED
        elif state in _COPY_STATES and cls in _COPY_ENDS:
            nxt = self._copy_end(side, cls)

        if nxt is not None:
            self.state = nxt

    def _copy_end(self, side: Side, cls: type[m.Message]) -> State | None:
        """Where a COPY goes when one side ends it (both must end COPY BOTH)."""
        back = self._query_state
        if back is S.EXTENDED and self._syncs_pending:
            back = S.SYNC  # a Sync sent before the COPY still owes its ReadyForQuery
        if cls is m.ErrorResponse:
            return S.EXTENDED_FAILED if back is S.EXTENDED else back
        if self.state is S.COPY_BOTH:
            # One side finishing leaves the other streaming.
            return S.COPY_OUT if side is F else S.COPY_IN
        if self.state is S.COPY_IN and side is F:
            return back
        if self.state is S.COPY_OUT and side is B:
            return back
        return None

    def _illegal(self, side: Side, message: m.Message) -> None:
        name = type(message).__name__
        where = self.state.value
        if side is self.peer_side:
            raise ProtocolViolation(f"unexpected {name} message in state {where}")
        raise LocalProtocolError(f"cannot send {name} in state {where}")

    def _encryption_request(self, cls: type[m.Message]) -> None:
        if cls is m.SSLRequest:
            if self._ssl_asked:
                raise ProtocolViolation("duplicate SSL negotiation request")
            self._ssl_asked = True
        else:
            if self._gss_asked:
                raise ProtocolViolation("duplicate GSSAPI negotiation request")
            self._gss_asked = True

    def _start(self, message: m.StartupMessage) -> None:
        major, minor = divmod(message.protocol_version, 1 << 16)
        if major != 3:
            self.state = S.CLOSED
            raise PgError(
                f"unsupported frontend protocol {major}.{minor}: "
                f"server supports 3.{MIN_MINOR} to 3.{MAX_MINOR}",
                sqlstate.FEATURE_NOT_SUPPORTED,
                severity="FATAL",
            )
        params = dict(message.parameters)
        unknown = sorted(name for name in params if name.startswith("_pq_."))
        for name in unknown:
            del params[name]
        if minor > MAX_MINOR or unknown:
            self.negotiation = m.NegotiateProtocolVersion(min(minor, MAX_MINOR), unknown)
        self.protocol_version = (3, min(minor, MAX_MINOR))
        self.startup_parameters = params
        if self.role is Role.SERVER:
            self._reader.untyped = False
        if self.role is Role.SERVER and "user" not in params:
            self.state = S.CLOSED
            raise PgError(
                "no PostgreSQL user name specified in startup packet",
                sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
                severity="FATAL",
            )


# The 'p' message a client answers each authentication request with.
_PASSWORD_REQUESTS: dict[type[m.Message], type[m.Message]] = {
    m.AuthenticationCleartextPassword: m.PasswordMessage,
    m.AuthenticationMD5Password: m.PasswordMessage,
    m.AuthenticationSASL: m.SASLInitialResponse,
    m.AuthenticationSASLContinue: m.SASLResponse,
    m.AuthenticationGSS: m.GSSResponse,
    m.AuthenticationGSSContinue: m.GSSResponse,
    m.AuthenticationSSPI: m.GSSResponse,
}
