"""One client session: startup, then commands, over a sans-IO Connection.

The session turns protocol events into handler calls and handler results into messages. It
owns the protocol bookkeeping handlers never see: splitting a simple Query, the transaction
status byte (I/T/E, with 25P02 in a failed transaction), error recovery, and write batching
(bytes are collected and written once per flush point: ReadyForQuery, Flush, or a full buffer).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.auth import rules
from pgwire.auth.exchange import start_exchange
from pgwire.copy.statement import is_copy
from pgwire.errors import PgError, ProtocolViolation
from pgwire.handler import Command, Handler, Result, Rows, SessionInfo
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, State
from pgwire.server import copy as copy_command
from pgwire.server import notify, setcommands, sqlcommands
from pgwire.server.portals import UNKNOWN_COLUMNS, Portal, PreparedStatement, decode_params
from pgwire.server.results import CHUNK, ResultStream, encode_rows, expand_formats, row_description
from pgwire.server.tls import ALPN, TLSLayer
from pgwire.server.transport import StreamTransport
from pgwire.settings import Settings
from pgwire.types import oids
from pgwire.types.registry import registry

if TYPE_CHECKING:
    from pgwire.server.server import Server

log = logging.getLogger("pgwire.session")
T = TypeVar("T")

WRITE_CHUNK = 64 * 1024  # write (and wait for the socket) whenever this much is pending
_ENCODINGS_ACCEPTED = {"UTF8", "UTF-8", "UNICODE", "SQL_ASCII"}


class Session:
    def __init__(self, server: Server, conn: Connection, transport: StreamTransport) -> None:
        self.server = server
        self.conn = conn
        self.transport = transport
        self.process_id = 0
        self.secret_key = b""
        self.handler: Handler | None = None
        self.info: SessionInfo | None = None
        self.status = "I"  # transaction status: I idle, T in a block, E failed block
        self.admitted = False  # counted against max_connections
        self._out: list[bytes] = []
        self._out_size = 0
        self._terminating = False
        self._waiting = False  # idle, between commands
        self._cancel_requested = False
        self._task: asyncio.Task[Any] | None = None
        self.statements: dict[str, PreparedStatement] = {}
        self._batch_describes: list[bool] = []  # rows taken by _pipelined_rows: Describe too
        self.settings = Settings({})
        self.portals: dict[str, Portal] = {}
        self._implicit = False  # a hidden BEGIN is open for extended-query statements
        self._implicit_query = False  # a hidden BEGIN is open for a multi-statement Query
        self.notifications: notify.SessionNotifications | None = None  # on first LISTEN/NOTIFY

    # ------------------------------------------------------------------ output

    def send(self, message: m.Message) -> None:
        if self.notifications is not None and type(message) is m.ReadyForQuery:
            self.notifications.before_ready()  # NOTIFYs commit, NotificationResponses go first
        data = self.conn.send(message)
        self._out.append(data)
        self._out_size += len(data)

    def flush(self) -> None:
        if self._out:
            self.transport.write(b"".join(self._out))
            self._out.clear()
            self._out_size = 0

    def send_encoded(self, data: bytes) -> None:
        """Queue messages already encoded, whose state check an earlier message made (the
        CopyData rows after a CopyOutResponse)."""
        self._out.append(data)
        self._out_size += len(data)

    @property
    def in_transaction(self) -> bool:
        """A transaction is open: the client's block, or a hidden one around a batch."""
        return self.status != "I" or self._implicit or self._implicit_query

    async def flush_if_full(self) -> None:
        if self._out_size >= WRITE_CHUNK:
            self.flush()
            if self.transport.must_drain:
                await self.transport.drain()

    def send_error(self, err: PgError) -> None:
        self.send(m.ErrorResponse(err.fields()))

    def send_notice(self, notice: PgError) -> None:
        self.send(m.NoticeResponse(notice.fields()))

    # ------------------------------------------------------------------ main loop

    async def next_message(self) -> m.Message | None:
        """The next frontend message, or None when the client has gone."""
        while True:
            event = self.conn.next_event()
            if event is not NEED_DATA:
                assert isinstance(event, m.Message)
                return event
            if self.notifications is not None:
                self.notifications.idle()  # deliver notifications while waiting for the client
            self.flush()
            if self._terminating:
                raise PgError(
                    "terminating connection due to administrator command",
                    sqlstate.ADMIN_SHUTDOWN,
                    severity="FATAL",
                )
            self._waiting = True
            try:
                if not await self.transport.wait_for_data():
                    return None
            finally:
                self._waiting = False

    def terminate_when_idle(self) -> None:
        """End the session with 57P01 now if it is idle, else after its current command."""
        self._terminating = True
        if self._waiting:
            self.transport.wake()

    def cancel(self) -> None:
        """A matching CancelRequest arrived: stop the running statement, if any."""
        if self._task is not None and not self._waiting:
            self._cancel_requested = True
            self._task.cancel()

    async def run(self) -> None:
        self._task = asyncio.current_task()
        try:
            try:
                async with asyncio.timeout(self.server.config.startup_timeout):
                    started = await self._startup()
            except TimeoutError:
                self._fatal(PgError("timeout expired during startup", sqlstate.PROTOCOL_VIOLATION))
                return
            if started:
                await self._serve()
        except PgError as err:
            if err.severity not in ("FATAL", "PANIC"):
                err = PgError(err.message, err.sqlstate, severity="FATAL")
            self._fatal(err)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("session %s failed", self.process_id)
            self._fatal(PgError("internal error", sqlstate.INTERNAL_ERROR, severity="FATAL"))
        finally:
            if self.notifications is not None:
                self.notifications.close()
            self.flush()
            self.transport.close()
            if self.handler is not None:
                try:
                    await self.handler.close()
                except Exception:
                    log.exception("handler close failed")

    def _fatal(self, err: PgError) -> None:
        if err.sqlstate == sqlstate.PROTOCOL_VIOLATION:
            log.info("protocol violation from %s: %s", self.transport.peer, err.message)
        if self.conn.state is not State.CLOSED or err.is_fatal:
            # The state machine may refuse: then the peer is beyond help anyway.
            with contextlib.suppress(Exception):
                self.send_error(err)
        self.flush()

    # ------------------------------------------------------------------ startup

    async def _startup(self) -> bool:
        while True:
            if not self.conn.buffered and not await self.transport.wait_for_data():
                return False
            if self.transport.tls is None and self.conn.peek(1) == b"\x16":
                if not await self._direct_tls():
                    return False
                continue
            msg = await self.next_message()
            if msg is None:
                return False
            if isinstance(msg, m.SSLRequest):
                accept = self.server.tls is not None and self.transport.tls is None
                self.transport.write(self.conn.answer_encryption_request(accept))
                if accept and not await self._start_tls():
                    return False
                continue
            if isinstance(msg, m.GSSENCRequest):
                self.transport.write(self.conn.answer_encryption_request(False))
                continue
            if isinstance(msg, m.CancelRequest):
                self.server.cancel(msg.process_id, msg.secret_key)
                return False
            assert isinstance(msg, m.StartupMessage)
            break

        params = self.conn.startup_parameters
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
        self.settings = Settings.for_startup(params, self.server.config.server_version, user)
        if not self.server.admit(self):
            raise PgError(
                "sorry, too many clients already", sqlstate.TOO_MANY_CONNECTIONS, severity="FATAL"
            )
        if self.conn.negotiation is not None:
            self.send(self.conn.negotiation)
        await self._authenticate(user, database)
        self.send(m.AuthenticationOk())

        key_length = 4 if self.conn.protocol_version < (3, 2) else 32
        self.process_id, self.secret_key = self.server.register(self, key_length)
        self.info = SessionInfo(
            user=user,
            database=database,
            process_id=self.process_id,
            protocol_version=self.conn.protocol_version,
            parameters=dict(params),
            peer=self.transport.peer,
            notice_sink=self.send_notice,
        )
        self.handler = await self.server.handler.connect(self.info)
        for name, value in self.settings.reported().items():
            self.send(m.ParameterStatus(name, value))
        for name, value in self.settings.changed_from_defaults().items():
            await self._resolve(self.handler.set_parameter(name, value))
        self.send(m.BackendKeyData(self.process_id, self.secret_key))
        self.send(m.ReadyForQuery(self.status))
        log.info(
            "connection %d authorized: user=%s database=%s peer=%s tls=%s",
            self.process_id,
            user,
            database,
            self.transport.peer,
            "on" if self.transport.tls is not None else "off",
        )
        return True

    async def _start_tls(self, initial: bytes = b"") -> bool:
        assert self.server.tls is not None
        layer = TLSLayer(self.server.tls.context)
        if not await self.transport.start_tls(layer, initial):
            return False
        alpn = layer.alpn
        if initial and alpn != ALPN:
            # Direct TLS is only for clients that say they speak PostgreSQL (PostgreSQL 17).
            self._fatal(
                PgError(
                    "received direct SSL connection request without ALPN protocol "
                    "negotiation extension",
                    sqlstate.PROTOCOL_VIOLATION,
                    severity="FATAL",
                )
            )
            return False
        return True

    async def _direct_tls(self) -> bool:
        """A TLS ClientHello where the startup packet should be: PostgreSQL 17's direct TLS."""
        if self.server.tls is None:
            log.info("direct TLS from %s, but no certificate is configured", self.transport.peer)
            return False
        return await self._start_tls(self.conn.take_buffered())

    def _connection_type(self) -> str:
        if self.transport.local:
            return "local"
        return "hostssl" if self.transport.tls is not None else "hostnossl"

    async def _authenticate(self, user: str, database: str) -> None:
        """Run the exchange the first matching rule asks for; raise PgError on failure."""
        server = self.server
        kind = self._connection_type()
        if kind == "hostnossl" and server.config.tls_required:
            raise _no_rule(self.transport.peer, user, database, kind)
        rule = rules.choose(server.auth_rules, kind, database, user)
        if rule is None:
            raise _no_rule(self.transport.peer, user, database, kind)
        if rule.method == "reject":
            raise PgError(
                f'pg_hba.conf rejects connection for host "{self.transport.peer}", '
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

    # ------------------------------------------------------------------ commands

    async def _serve(self) -> None:
        # Extended-query steps run guarded: an error is answered and the rest skipped to Sync.
        guarded: dict[type[m.Message], Callable[[Any], Awaitable[None]]] = {
            m.Parse: self._parse,
            m.Bind: self._bind,
            m.Describe: self._describe,
            m.Execute: self._execute,
            m.Close: self._close,
        }
        direct: dict[type[m.Message], Callable[[Any], Awaitable[None]]] = {
            m.Query: self._query,
            m.Sync: self._sync,
            m.Flush: self._flush,
            m.FunctionCall: self._function_call,
        }
        while True:
            msg = await self.next_message()
            if msg is None or isinstance(msg, m.Terminate):
                return
            step = guarded.get(type(msg))
            if step is None:
                await direct[type(msg)](msg)
            elif not await self._guarded(step, msg) and self._implicit:
                await self._end_implicit(commit=False)  # the rest is skipped until Sync

    async def _guarded(self, step: Callable[..., Awaitable[None]], *args: Any) -> bool:
        """Run one step; an error is sent (and the step reported failed) instead of raised."""
        try:
            await step(*args)
        except PgError as err:
            self._failed(err)
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            self._uncancel()
            self._failed(
                PgError("canceling statement due to user request", sqlstate.QUERY_CANCELED)
            )
        except (ProtocolViolation, ConnectionError):
            raise
        except Exception as exc:
            log.exception("handler failed in %s", getattr(step, "__name__", step))
            self._failed(PgError(str(exc) or type(exc).__name__, sqlstate.INTERNAL_ERROR))
        else:
            return True
        return False

    def _uncancel(self) -> None:
        self._cancel_requested = False
        if self._task is not None:
            self._task.uncancel()

    def _failed(self, err: PgError) -> None:
        if err.is_fatal:
            raise err
        if self.notifications is not None:
            self.notifications.failed()
        if self.status == "T":
            self.status = "E"
        self.send_error(err)

    # ------------------------------------------------------------------ simple query

    async def _query(self, msg: m.Query) -> None:
        assert self.handler is not None
        if self._implicit:  # extended messages before it, without a Sync: a Query ends them
            await self._end_implicit(commit=True)
        try:
            statements = self.handler.split(msg.sql)
        except PgError as err:
            statements = []
            self.send_error(err)
        else:
            if not statements:
                self.send(m.EmptyQueryResponse())
        await self._drop_unnamed_portal()
        # Several statements outside a block run as one implicit transaction in PostgreSQL:
        # an error undoes the ones before it. Explicit transaction control opts out.
        implicit = (
            len(statements) > 1
            and self.status == "I"
            and self.handler.implicit_transactions
            and not any(sqltext.transaction_verb(s) for s in statements)
        )
        failed = False
        if implicit:
            failed = not await self._guarded(self._hidden, "BEGIN")
            self._implicit_query = True
        for statement in statements:
            if failed:
                break
            failed = not await self._guarded(self._simple_statement, statement)
        if implicit:
            self._implicit_query = False
            await self._guarded(self._hidden, "ROLLBACK" if failed else "COMMIT")
        await self._end_of_transaction_cleanup()
        self.send(m.ReadyForQuery(self.status))

    async def _hidden(self, sql: str) -> None:
        """Transaction control the client did not write: run it, send nothing."""
        assert self.handler is not None
        await self._resolve(self.handler.query(sql))

    async def _simple_statement(self, sql: str) -> None:
        result = await self.run_statement(sql)
        if isinstance(result, Command):
            self.send(m.CommandComplete(result.tag))
            return
        stream = ResultStream(result, (), self.settings.formats)
        self.send(stream.description)
        count = await self._stream_rows(stream, 0)
        self.send(m.CommandComplete(result.tag(count)))

    # ------------------------------------------------------------------ running statements

    async def run_statement(
        self, sql: str, params: Sequence[Any] | None = None, types: Sequence[int] = ()
    ) -> Result:
        """Run one statement through the handler, with the front end's own rules first."""
        assert self.handler is not None
        verb = sqltext.transaction_verb(sql)
        if verb is not None or self.status == "E":
            shortcut = self._transaction_shortcut(verb)
            if shortcut is not None:
                return shortcut
        if self.status == "E" and verb != "ROLLBACK TO":  # COMMIT/ROLLBACK of a failed block
            await self._resolve(self.handler.query("ROLLBACK"))
            result: Result = Command("ROLLBACK")
        else:
            kind = _front_end_kind(sql)
            if kind is None:
                result = await self._with_timeout(self._backend_call(sql, params, types))
            elif kind == "sql":
                result = await sqlcommands.run(self, sql, params, types)
            elif kind == "set":
                result = await setcommands.run(self, sql)
            elif kind == "copy":
                result = await self._with_timeout(copy_command.run(self, sql))
            else:
                result = notify.run(self, sql, params)
        if verb is not None and self.notifications is not None:
            self.notifications.transaction_control(verb, sql)  # sees the status before it
        if verb == "BEGIN":
            self.status = "T"
        elif verb in ("COMMIT", "ROLLBACK", "PREPARE TRANSACTION"):
            committed = verb == "COMMIT" and isinstance(result, Command) and result.tag == "COMMIT"
            self.status = "I"
            await self._transaction_ended(committed)
        elif verb == "ROLLBACK TO" and self.status == "E":
            self.status = "T"
        return result

    async def _backend_call(
        self, sql: str, params: Sequence[Any] | None, types: Sequence[int]
    ) -> Result:
        assert self.handler is not None
        if params is None:
            return await self._resolve(self.handler.query(sql))
        return await self._resolve(self.handler.execute(sql, params, types))

    async def _with_timeout(self, call: Awaitable[T]) -> T:
        """Apply statement_timeout: a statement running longer fails with 57014."""
        timeout = self.settings.statement_timeout()
        if not timeout:
            return await call
        try:
            async with asyncio.timeout(timeout):
                return await call
        except TimeoutError:
            raise PgError(
                "canceling statement due to statement timeout", sqlstate.QUERY_CANCELED
            ) from None

    # ------------------------------------------------------------------ session parameters

    async def set_parameter(self, name: str, value: str | None, *, local: bool) -> None:
        """SET (value) or RESET (None) one parameter, telling the client and the backend."""
        assert self.handler is not None
        settings = self.settings
        known = settings.known(name)
        in_transaction = self.status != "I"
        if value is None:
            value = settings.session_defaults.get(name.lower())
        if known is None and "." not in name:
            # Not ours: perhaps the backend's own (DuckDB: threads, memory_limit, ...).
            if not await self._resolve(self.handler.set_parameter(name, value)):
                raise PgError(
                    f'unrecognized configuration parameter "{name}"', sqlstate.UNDEFINED_OBJECT
                )
            if value is not None:
                settings.set(name, value, local=local, in_transaction=in_transaction)
            return
        if value is None:
            settings.get(name)  # 42704 for a custom option never set
            value = ""
        before = settings.values.get(name.lower())
        new = settings.set(name, value, local=local, in_transaction=in_transaction)
        if known is not None:
            await self._resolve(self.handler.set_parameter(known.name, new))
            if known.reported and new != before:
                self.send(m.ParameterStatus(known.name, new))

    async def reset_all_parameters(self) -> None:
        before = dict(self.settings.values)
        self.settings.reset_all(in_transaction=self.status != "I")
        await self._parameters_changed(before)

    async def _transaction_ended(self, committed: bool) -> None:
        before = dict(self.settings.values)
        self.settings.end_transaction(committed)
        await self._parameters_changed(before)

    async def _parameters_changed(self, before: dict[str, str]) -> None:
        assert self.handler is not None
        for key, value in self.settings.values.items():
            if before.get(key) == value:
                continue
            known = self.settings.known(key)
            name = known.name if known is not None else key
            await self._resolve(self.handler.set_parameter(name, value))
            if known is not None and known.reported:
                self.send(m.ParameterStatus(known.name, value))

    async def discard_all(self) -> None:
        """DISCARD ALL: close every portal and prepared statement, reset every parameter."""
        for name in list(self.portals):
            await self.close_portal(name)
        for name in list(self.statements):
            await self.close_statement(name)
        await self.reset_all_parameters()
        if self.notifications is not None:
            self.notifications.unlisten_all()  # DISCARD ALL includes UNLISTEN *

    def _refuse_in_failed_block(self, verb: str | None) -> None:
        """In a failed transaction block only its end may run: anything else is 25P02."""
        if self.status == "E" and verb not in ("COMMIT", "ROLLBACK", "ROLLBACK TO"):
            raise PgError(
                "current transaction is aborted, commands ignored until end of transaction block",
                sqlstate.IN_FAILED_SQL_TRANSACTION,
            )

    def _transaction_shortcut(self, verb: str | None) -> Result | None:
        """Answer transaction control the backend must not see, as PostgreSQL would."""
        if self.status == "E":
            self._refuse_in_failed_block(verb)
            return None
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK TO") and self.status == "I":
            raise PgError(
                f"{verb.split()[0]} can only be used in transaction blocks",
                sqlstate.NO_ACTIVE_SQL_TRANSACTION,
            )
        if verb == "BEGIN" and self.status == "T":
            self.send_notice(
                PgError(
                    "there is already a transaction in progress",
                    sqlstate.ACTIVE_SQL_TRANSACTION,
                    severity="WARNING",
                )
            )
            return Command("BEGIN")
        if verb in ("COMMIT", "ROLLBACK") and self.status == "I":
            self.send_notice(
                PgError(
                    "there is no transaction in progress",
                    sqlstate.NO_ACTIVE_SQL_TRANSACTION,
                    severity="WARNING",
                )
            )
            return Command(verb)
        return None

    @staticmethod
    async def _resolve(result: T | Awaitable[T]) -> T:
        if inspect.isawaitable(result):
            return await result
        return result

    async def _stream_rows(self, stream: ResultStream, max_rows: int) -> int:
        """Send up to `max_rows` rows (0: all) as DataRows, writing as the buffer fills."""
        sent = 0
        out = self._out
        while not stream.done and (max_rows <= 0 or sent < max_rows):
            want = CHUNK if max_rows <= 0 else min(CHUNK, max_rows - sent)
            rows = await stream.take(want)
            # DataRows need no state check each: the RowDescription before them had one.
            self._out_size += encode_rows(rows, stream.encode_row, out)
            sent += len(rows)
            if self._out_size >= WRITE_CHUNK:
                await self.flush_if_full()
        return sent

    # ------------------------------------------------------------------ extended query

    async def _parse(self, msg: m.Parse) -> None:
        if msg.name and msg.name in self.statements:
            raise PgError(
                f'prepared statement "{msg.name}" already exists', sqlstate.DUPLICATE_PSTATEMENT
            )
        self.statements[msg.name] = self.prepare(msg.name, msg.query, msg.param_types)
        self.send(m.ParseComplete())

    def prepare(self, name: str, sql: str, declared: Sequence[int]) -> PreparedStatement:
        assert self.handler is not None
        if type(self.handler).split is Handler.split:
            text, count, casts = _analyse(sql)  # the same texts come again and again
        else:
            text, count, casts = _analyse_statements(self.handler.split(sql))
        count = max(count, len(declared))
        types = list(declared) + [0] * (count - len(declared))
        for index, oid in casts:
            if index <= count and not types[index - 1]:
                types[index - 1] = oid
        prepared = PreparedStatement(name, text, types)
        if is_copy(text):
            prepared.columns = None  # no RowDescription: its data travels in CopyData
        return prepared

    def statement(self, name: str) -> PreparedStatement:
        found = self.statements.get(name)
        if found is None:
            raise PgError(
                f'prepared statement "{name}" does not exist', sqlstate.UNDEFINED_PSTATEMENT
            )
        return found

    def portal(self, name: str) -> Portal:
        found = self.portals.get(name)
        if found is None:
            raise PgError(f'portal "{name}" does not exist', sqlstate.UNDEFINED_CURSOR)
        return found

    async def _bind(self, msg: m.Bind) -> None:
        statement = self.statement(msg.statement)
        if self.status == "E":
            self._refuse_in_failed_block(sqltext.transaction_verb(statement.sql))
        if msg.portal:
            if msg.portal in self.portals:
                raise PgError(f'portal "{msg.portal}" already exists', sqlstate.DUPLICATE_CURSOR)
        else:
            await self._drop_unnamed_portal()
        params = decode_params(statement, msg.param_formats, msg.params)
        self.portals[msg.portal] = Portal(msg.portal, statement, params, msg.result_formats)
        self.send(m.BindComplete())

    async def _describe(self, msg: m.Describe) -> None:
        if msg.kind == "S":
            statement = self.statement(msg.name)
            await self._describe_statement(statement)
            self.send(m.ParameterDescription([t or oids.TEXT for t in statement.param_types]))
            if statement.columns is None:
                self.send(m.NoData())
            else:
                self.send(row_description(statement.columns, [0] * len(statement.columns)))
            return
        portal = self.portal(msg.name)
        if not portal.started:
            columns = portal.statement.columns
            if columns is UNKNOWN_COLUMNS:
                if not await self._implicit_begin(portal):
                    await self.start_portal(portal)  # the handler learns columns by running it
            elif columns is None:
                self.send(m.NoData())
                return
            else:
                formats = expand_formats(portal.result_formats, len(columns), "result")
                self.send(row_description(columns, formats))
                return
        if portal.stream is not None:
            self.send(portal.stream.description)
        else:
            self.send(m.NoData())

    async def _describe_statement(self, statement: PreparedStatement) -> None:
        """Learn a statement's parameter types and columns, from the handler if it can tell."""
        if statement.columns is not UNKNOWN_COLUMNS:
            return
        assert self.handler is not None
        if not statement.sql:
            statement.columns = None
            return
        if sqlcommands.is_front_end_command(statement.sql):  # EXECUTE p, FETCH 5 FROM c, ...
            statement.columns = None  # PREPARE p AS EXECUTE p must not describe itself forever
            statement.columns = await self._front_end_columns(statement.sql)
            return
        described = notify.describe(statement.sql)
        if described is None and not (  # the handler never sees these: it cannot describe them
            setcommands.is_set_command(statement.sql) or is_copy(statement.sql)
        ):
            described = await self._resolve(
                self.handler.describe(statement.sql, list(statement.param_types))
            )
        if described is not None:
            for i, oid in enumerate(described.param_types[: len(statement.param_types)]):
                if not statement.param_types[i]:
                    statement.param_types[i] = oid
            statement.columns = described.columns
            return
        if not _returns_rows(statement.sql):
            statement.columns = None
            return
        # Learn the columns by running it with NULL parameters: only for row-returning SQL.
        types = [t or oids.TEXT for t in statement.param_types]
        assert self.info is not None
        sink, self.info.notice_sink = self.info.notice_sink, None  # its notices are not sent
        try:
            result = await self.run_statement(statement.sql, [None] * len(types), types)
        finally:
            self.info.notice_sink = sink
        statement.columns = list(result.columns) if isinstance(result, Rows) else None
        if isinstance(result, Rows):
            await ResultStream(result, (), self.settings.formats).close()

    async def _front_end_columns(self, sql: str) -> Any:
        """The columns of EXECUTE and FETCH: those of the statement or cursor they name
        (described, not run: a FETCH run to learn them would move the cursor); None for the
        other SQL-level commands (PREPARE, DECLARE, MOVE, CLOSE, DEALLOCATE)."""
        text = sqltext.strip_comments(sql).strip()
        target: PreparedStatement | None = None
        if (found := sqlcommands._FETCH.match(text)) and found.group(1).upper() == "FETCH":
            portal = self.portals.get(sqlcommands._name(found.group(3)))
            if portal is not None and portal.started:
                return list(portal.result.columns) if isinstance(portal.result, Rows) else None
            target = portal.statement if portal is not None else None
        elif found := sqlcommands._EXECUTE.match(text):
            target = self.statements.get(sqlcommands._name(found.group(1)))
        if target is None:  # no such cursor or statement (yet): running it will tell
            return None
        await self._describe_statement(target)
        return target.columns

    async def start_portal(self, portal: Portal) -> None:
        statement = portal.statement
        if not statement.sql:
            portal.attach(Command(""), self.settings.formats)
            return
        types = [t or oids.TEXT for t in statement.param_types]
        result = await self.run_statement(statement.sql, portal.params, types)
        described = statement.columns
        if (
            statement.name
            and isinstance(result, Rows)
            and isinstance(described, list)
            and [c.type_oid for c in described] != [c.type_oid for c in result.columns]
        ):
            # The client decodes rows by the description it was given: after DDL changed
            # the shape it must prepare again (asyncpg and JDBC do, on this error).
            await ResultStream(result, ()).close()
            raise PgError(
                "cached plan must not change result type",
                sqlstate.FEATURE_NOT_SUPPORTED,
                file="plancache.c",
                routine="RevalidateCachedQuery",  # drivers recognise the error by this field
            )
        portal.attach(result, self.settings.formats)

    async def _execute(self, msg: m.Execute) -> None:
        portal = self.portal(msg.portal)
        if not portal.started and self._batchable(portal, msg):
            batch = self._pipelined_rows(portal)
            if batch:
                await self._execute_batch(portal, batch)
                return
        if not portal.started and not await self._implicit_begin(portal):
            await self.start_portal(portal)
        if not portal.statement.sql:
            self.send(m.EmptyQueryResponse())
            return
        stream = portal.stream
        if stream is None:
            self.send(m.CommandComplete(portal.tag))
            return
        count = await self._stream_rows(stream, msg.max_rows)
        portal.sent += count
        if msg.max_rows > 0 and count >= msg.max_rows:
            self.send(m.PortalSuspended())
        else:
            assert isinstance(portal.result, Rows)
            self.send(m.CommandComplete(portal.result.tag(count)))

    # A client that pipelines the same INSERT many times (asyncpg executemany, JDBC batches,
    # psycopg pipelines) sends Bind/Execute pairs for one statement back to back. When the
    # handler can run such a statement for many rows at once, the pairs already received are
    # taken together and answered as PostgreSQL would answer each (BindComplete, NoData,
    # CommandComplete), after one backend call. Batches never cross a Sync, so they stay
    # inside the implicit transaction PostgreSQL would run them in: an error leaves nothing of
    # the batch, as it would leave nothing of the pipeline.

    def _batchable(self, portal: Portal, msg: m.Execute) -> bool:
        assert self.handler is not None
        return (
            msg.portal == ""
            and msg.max_rows == 0
            and self.status != "E"
            and self.handler.can_execute_many(portal.statement.sql)
        )

    def _pipelined_rows(self, portal: Portal, limit: int = 5000) -> list[list[Any]]:
        """Parameter rows of the Bind/[Describe]/Execute runs for the same statement already
        received after this Execute; their frames are consumed only when they are taken."""
        statement = portal.statement
        rows: list[list[Any]] = []
        taken = 0  # frames of complete runs
        run: list[bytes] = []  # the kinds of the run being read
        bind: m.Bind | None = None
        self._batch_describes = []
        for kind, body in self.conn.lookahead(3 * limit):
            if kind == b"B" and not run:
                try:
                    bind = m.Bind.decode(body)
                except PgError:
                    break
                if bind.portal or bind.statement != statement.name:
                    break
            elif kind == b"D" and run == [b"B"]:
                if body != b"P\0":
                    break
            elif kind == b"E" and run[:1] == [b"B"] and bind is not None:
                if body != b"\0\0\0\0\0":  # unnamed portal, no row limit
                    break
                try:
                    rows.append(decode_params(statement, bind.param_formats, bind.params))
                except PgError:
                    break  # answered in the usual way, when its turn comes
                self._batch_describes.append(b"D" in run)
                taken += len(run) + 1
                run, bind = [], None
                continue
            else:
                break
            run.append(kind)
        for _ in range(taken):  # through the state machine, as every message goes
            self.conn.next_event()
        return rows

    async def _execute_batch(self, portal: Portal, rows: list[list[Any]]) -> None:
        assert self.handler is not None
        statement = portal.statement
        types = [t or oids.TEXT for t in statement.param_types]
        if not await self._implicit_begin(portal):
            await self._with_timeout(
                self._resolve(
                    self.handler.execute_many(statement.sql, [portal.params, *rows], types)
                )
            )
        portal.attach(Command("INSERT 0 1"), self.settings.formats)
        self.send(m.CommandComplete("INSERT 0 1"))
        for described in self._batch_describes:
            self.send(m.BindComplete())
            if described:
                self.send(m.NoData())
            self.send(m.CommandComplete("INSERT 0 1"))

    # Extended-query statements up to a Sync run as one implicit transaction in PostgreSQL: an
    # error undoes the statements before it (a pipelining client sees all or nothing). With a
    # backend that runs BEGIN/COMMIT (implicit_transactions), a hidden BEGIN opens before the
    # first statement of a batch, unless the client's next messages, already received, show
    # that the statement runs alone before the Sync: then autocommit is the same thing, and
    # the common Parse/Bind/Describe/Execute/Sync round trip pays for no BEGIN and COMMIT.
    # BEGIN inside the batch turns the implicit transaction into the block it opens, as in
    # PostgreSQL; other transaction control first commits (ROLLBACK: rolls back) it.

    async def _implicit_begin(self, portal: Portal) -> bool:
        """Open or end the implicit transaction before `portal` runs; True when that
        answered the statement itself (a BEGIN taken over by the open transaction)."""
        assert self.handler is not None
        sql = portal.statement.sql
        verb = sqltext.transaction_verb(sql) if sql else None
        if self._implicit:
            if verb == "BEGIN":
                self._implicit = False
                self.status = "T"
                portal.attach(Command("BEGIN"), self.settings.formats)
                return True
            if verb is not None:
                self._implicit = False
                await self._hidden("ROLLBACK" if verb == "ROLLBACK" else "COMMIT")
            return False
        if (
            not sql
            or verb is not None
            or self.status != "I"
            or not self.handler.implicit_transactions
            or self._runs_alone(portal.name)
        ):
            return False
        await self._hidden("BEGIN")
        self._implicit = True
        return False

    async def _end_implicit(self, commit: bool) -> None:
        self._implicit = False
        if commit:
            await self._guarded(self._hidden, "COMMIT")  # a failed COMMIT is the client's error
        else:
            with contextlib.suppress(PgError):  # after an error the client already has
                await self._hidden("ROLLBACK")

    def _runs_alone(self, portal: str) -> bool:
        """True when the input already received holds, before the next Sync, nothing but
        Describe/Execute of this portal, Close and Flush: no other statement joins it."""
        name = portal.encode() + b"\0"
        for kind, body in self.conn.lookahead(8):
            if kind == b"S":
                return True
            if kind == b"D" and body[:1] == b"S":
                continue  # describing a statement runs nothing
            if kind in (b"E", b"D"):
                if (body[1:] if kind == b"D" else body)[: len(name)] != name:
                    return False
            elif kind not in (b"C", b"H"):
                return False
        return False

    async def _close(self, msg: m.Close) -> None:
        if msg.kind == "S":
            await self.close_statement(msg.name)
        else:
            await self.close_portal(msg.name)
        self.send(m.CloseComplete())

    async def close_statement(self, name: str) -> None:
        statement = self.statements.pop(name, None)
        if statement is not None:
            # Closing a statement closes the portals made from it.
            for portal_name, portal in list(self.portals.items()):
                if portal.statement is statement:
                    await self.close_portal(portal_name)

    async def close_portal(self, name: str) -> None:
        portal = self.portals.pop(name, None)
        if portal is not None:
            await portal.close()

    async def _drop_unnamed_portal(self) -> None:
        if "" in self.portals:
            await self.close_portal("")

    async def _end_of_transaction_cleanup(self) -> None:
        """Outside a transaction block only WITH HOLD cursors outlive their transaction."""
        if self.status == "I" and self.portals:
            for name, portal in list(self.portals.items()):
                if not portal.hold:
                    await self.close_portal(name)

    async def _sync(self, msg: m.Sync) -> None:
        if self._implicit:
            await self._end_implicit(commit=True)
        await self._end_of_transaction_cleanup()
        self.send(m.ReadyForQuery(self.status))

    async def _flush(self, msg: m.Flush) -> None:
        self.flush()

    async def _function_call(self, msg: m.FunctionCall) -> None:
        self.send_error(
            PgError("the function call protocol is not supported", sqlstate.FEATURE_NOT_SUPPORTED)
        )
        self.send(m.ReadyForQuery(self.status))


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def _front_end_kind(sql: str) -> str | None:
    """Which front-end module answers `sql` itself, or None for the backend."""
    if sqlcommands.is_front_end_command(sql):
        return "sql"
    if setcommands.is_set_command(sql):
        return "set"
    if is_copy(sql):
        return "copy"
    if notify.is_notify_command(sql):
        return "notify"
    return None


@functools.lru_cache(maxsize=1024)
def _analyse(sql: str) -> tuple[str, int, tuple[tuple[int, int], ...]]:
    return _analyse_statements(sqltext.split_statements(sql))


def _analyse_statements(statements: list[str]) -> tuple[str, int, tuple[tuple[int, int], ...]]:
    """A prepared statement's text, parameter count and the types its casts give ($1::int4)."""
    if len(statements) > 1:
        raise PgError(
            "cannot insert multiple commands into a prepared statement", sqlstate.SYNTAX_ERROR
        )
    text = statements[0] if statements else ""
    count = sqltext.parameter_count(text)
    casts = []
    for index, type_name in sqltext.parameter_casts(text).items():
        with contextlib.suppress(PgError):
            if index > 0:
                casts.append((index, registry.by_name(type_name).oid))
    return text, count, tuple(casts)


def _no_rule(peer: str, user: str, database: str, kind: str) -> PgError:
    host = peer.rsplit(":", 1)[0]
    encryption = "SSL encryption" if kind == "hostssl" else "no encryption"
    where = "local connection" if kind == "local" else f'host "{host}"'
    return PgError(
        f'no pg_hba.conf entry for {where}, user "{user}", database "{database}", {encryption}',
        sqlstate.INVALID_AUTHORIZATION_SPECIFICATION,
        severity="FATAL",
    )


_ROW_VERBS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH"})


def _returns_rows(sql: str) -> bool:
    words = sqltext.leading_words(sql, 1)
    return bool(words) and words[0] in _ROW_VERBS
