"""A connection's first steps: encryption requests, the startup packet, authentication.

SSLRequest is answered 'S' (then TLS) or 'N' on the same socket, GSSENCRequest always 'N';
a TLS ClientHello in place of a startup packet is PostgreSQL 17's direct TLS (ALPN
`postgresql` required); a CancelRequest is handed to the server and the connection closed.
Then the StartupMessage: the client encoding is checked, the session's settings made, the
connection counted against max_connections, and the exchange that the first matching auth
rule asks for is run. `run_startup` ends with the session established: AuthenticationOk, the
handler connected, ParameterStatus for every reported parameter, BackendKeyData.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pgwire import sqlstate
from pgwire.auth import rules
from pgwire.auth.exchange import start_exchange
from pgwire.auth.rules import AuthRule
from pgwire.auth.sources import CredentialSource
from pgwire.config import Config
from pgwire.errors import PgError
from pgwire.handler import Handler, HeldLock, SessionInfo
from pgwire.protocol import messages as m
from pgwire.protocol.connection import Connection
from pgwire.server.tls import ALPN, TLSConfig, TLSLayer
from pgwire.server.transport import StreamTransport
from pgwire.settings import Settings

log = logging.getLogger("pgwire.session")

_ENCODINGS_ACCEPTED = {"UTF8", "UTF-8", "UNICODE", "SQL_ASCII"}


class ServerContext(Protocol):
    """What a session needs of its server (`pgwire.server.server.Server`)."""

    handler: Handler
    config: Config
    tls: TLSConfig | None
    auth_rules: list[AuthRule]
    credentials: CredentialSource | None
    auth_secret: bytes

    async def scram_verifier(self, user: str, secret: str) -> str: ...

    def admit(self, session: Any) -> bool: ...

    def register(self, session: Any, key_length: int) -> tuple[int, bytes]: ...

    def cancel(self, process_id: int, secret_key: bytes) -> None: ...

    def held_locks(self) -> Sequence[HeldLock]: ...


@dataclass(slots=True)
class Established:
    """A session that finished its startup: who it is and what serves it."""

    handler: Handler
    info: SessionInfo
    settings: Settings
    process_id: int
    secret_key: bytes


class Startup:
    """The startup of one connection, over the session's connection and output."""

    def __init__(
        self,
        server: ServerContext,
        conn: Connection,
        transport: StreamTransport,
        send: Callable[[m.Message], None],
        next_message: Callable[[], Awaitable[m.Message | None]],
        notice_sink: Callable[[PgError], None],
    ) -> None:
        self.server = server
        self.conn = conn
        self.transport = transport
        self.send = send
        self.next_message = next_message
        self.notice_sink = notice_sink

    async def run(self, session: Any) -> Established | None:
        """Establish `session` (counted and registered as itself); None when the client left
        or only asked to cancel. Refusals raise FATAL PgErrors."""
        if not await self._negotiate():
            return None
        server, conn = self.server, self.conn
        params = conn.startup_parameters
        user = params["user"]
        database = params.get("database") or user
        encoding = params.get("client_encoding", "UTF8").strip("'\"").upper()
        if encoding not in _ENCODINGS_ACCEPTED:
            raise PgError(
                f'invalid value for parameter "client_encoding": "{params["client_encoding"]}"',
                sqlstate.INVALID_PARAMETER_VALUE,
                severity="FATAL",
                hint="pgwire speaks UTF8 only.",
            )
        settings = Settings.for_startup(params, server.config.server_version, user)
        if not server.admit(session):
            raise PgError(
                "sorry, too many clients already", sqlstate.TOO_MANY_CONNECTIONS, severity="FATAL"
            )
        if conn.negotiation is not None:
            self.send(conn.negotiation)
        await self._authenticate(user, database)
        self.send(m.AuthenticationOk())

        key_length = 4 if conn.protocol_version < (3, 2) else 32
        process_id, secret_key = server.register(session, key_length)
        info = SessionInfo(
            user=user,
            database=database,
            process_id=process_id,
            protocol_version=conn.protocol_version,
            parameters=dict(params),
            peer=self.transport.peer,
            server_version=server.config.server_version,
            notice_sink=self.notice_sink,
            locks=server.held_locks,
        )
        handler = await server.handler.connect(info)
        for name, value in settings.reported().items():
            self.send(m.ParameterStatus(name, value))
        log.info(
            "connection %d authorized: user=%s database=%s peer=%s tls=%s",
            process_id,
            user,
            database,
            self.transport.peer,
            "on" if self.transport.tls is not None else "off",
        )
        return Established(handler, info, settings, process_id, secret_key)

    def finish(self, established: Established) -> None:
        """The last messages of the startup, once the session applied its parameters."""
        self.send(m.BackendKeyData(established.process_id, established.secret_key))

    # ------------------------------------------------------------------ before the packet

    async def _negotiate(self) -> bool:
        """Answer encryption and cancel requests until the StartupMessage; False: closed."""
        conn, transport = self.conn, self.transport
        while True:
            if not conn.buffered and not await transport.wait_for_data():
                return False
            if transport.tls is None and conn.direct_tls:
                if not await self._direct_tls():
                    return False
                continue
            msg = await self.next_message()
            if msg is None:
                return False
            if isinstance(msg, m.SSLRequest):
                accept = self.server.tls is not None and transport.tls is None
                transport.write(conn.answer_encryption_request(accept))
                if accept and not await self._start_tls():
                    return False
                continue
            if isinstance(msg, m.GSSENCRequest):
                transport.write(conn.answer_encryption_request(False))
                continue
            if isinstance(msg, m.CancelRequest):
                self.server.cancel(msg.process_id, msg.secret_key)
                return False
            assert isinstance(msg, m.StartupMessage)
            return True

    async def _start_tls(self, initial: bytes = b"") -> bool:
        assert self.server.tls is not None
        layer = TLSLayer(self.server.tls.context)
        if not await self.transport.start_tls(layer, initial):
            return False
        if initial and layer.alpn != ALPN:
            # Direct TLS is only for clients that say they speak PostgreSQL (PostgreSQL 17).
            raise PgError(
                "received direct SSL connection request without ALPN protocol "
                "negotiation extension",
                sqlstate.PROTOCOL_VIOLATION,
                severity="FATAL",
            )
        return True

    async def _direct_tls(self) -> bool:
        """A TLS ClientHello where the startup packet should be: PostgreSQL 17's direct TLS."""
        if self.server.tls is None:
            log.info("direct TLS from %s, but no certificate is configured", self.transport.peer)
            return False
        return await self._start_tls(self.conn.take_buffered())

    # ------------------------------------------------------------------ authentication

    def _connection_type(self) -> str:
        if self.transport.local:
            return "local"
        return "hostssl" if self.transport.tls is not None else "hostnossl"

    async def _authenticate(self, user: str, database: str) -> None:
        """Run the exchange the first matching rule asks for; raise PgError on failure."""
        server = self.server
        peer = self.transport.peer
        kind = self._connection_type()
        if kind == "hostnossl" and server.config.tls_required:
            raise _no_rule(peer, user, database, kind)
        rule = rules.choose(server.auth_rules, kind, database, user)
        if rule is None:
            raise _no_rule(peer, user, database, kind)
        if rule.method == "reject":
            raise PgError(
                f'pg_hba.conf rejects connection for host "{peer}", '
                f'user "{user}", database "{database}"',
                sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
                severity="FATAL",
            )
        if rule.method == "trust":
            return
        secret = None
        if server.credentials is not None:
            secret = await server.credentials.secret_for(user)
        if secret is not None and rule.method == "scram-sha-256":
            secret = await server.scram_verifier(user, secret)
        exchange = start_exchange(
            rule.method,
            user,
            secret,
            channel_binding=server.tls.channel_binding
            if server.tls is not None and self.transport.tls is not None
            else None,
            iterations=server.config.scram_iterations,
            server_secret=server.auth_secret,
        )
        request = exchange.first()
        while not exchange.done:
            assert request is not None
            self.send(request)
            reply = await self.next_message()
            if reply is None:
                raise ConnectionError("client left during authentication")
            request = exchange.step(reply)
        if request is not None:
            self.send(request)  # SASLFinal


def _no_rule(peer: str, user: str, database: str, kind: str) -> PgError:
    host = peer.rsplit(":", 1)[0]
    encryption = "SSL encryption" if kind == "hostssl" else "no encryption"
    where = "local connection" if kind == "local" else f'host "{host}"'
    return PgError(
        f'no pg_hba.conf entry for {where}, user "{user}", database "{database}", {encryption}',
        sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
        severity="FATAL",
    )
