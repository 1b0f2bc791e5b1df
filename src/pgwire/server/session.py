"""One client session: the loop, the dispatch of its messages, and its output buffer.

The rooms around it each own one concern: `startup` (encryption requests, authentication),
`transaction` (the I/T/E status and PostgreSQL's rules, a table), `extended` (Parse, Bind,
Describe, Execute, Close), `portals` (prepared statements and cursors), `parameters` (SET
reaching the client and the backend), and the front-end commands (`sqlcommands`,
`setcommands`, `copy`, `notify`, `advisory`), which see the session only through narrow
protocols (`context`). What stays here: reading messages, running statements (simple Query, and the
routing of every statement to the backend or a front-end command under the transaction
rules), turning errors into ErrorResponses, cancel, and write batching (bytes are collected
and written once per flush point: ReadyForQuery, Flush, or a full buffer).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError, ProtocolViolation
from pgwire.handler import Command, Handler, Result, SessionInfo, resolve
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, State
from pgwire.server import advisory, locktable, notify, setcommands, sqlcommands
from pgwire.server import copy as copy_command
from pgwire.server.advisory import SessionLocks
from pgwire.server.extended import ExtendedQuery
from pgwire.server.locks import LockManager
from pgwire.server.notify import NotificationHub, SessionNotifications
from pgwire.server.notifysql import savepoint_name
from pgwire.server.parameters import Parameters
from pgwire.server.portals import Portal, Prepared, PreparedStatement
from pgwire.server.results import CHUNK, ResultStream, encode_rows
from pgwire.server.routing import front_end_kind, write_kind
from pgwire.server.simple import SimpleQuery
from pgwire.server.startup import ServerContext, Startup
from pgwire.server.transaction import AS_WRITTEN, FAILED, IDLE, Implicit, Transaction
from pgwire.server.transport import StreamTransport
from pgwire.settings import Settings

log = logging.getLogger("pgwire.session")
T = TypeVar("T")

WRITE_CHUNK = 64 * 1024  # write (and wait for the socket) whenever this much is pending


class Session:
    def __init__(
        self,
        server: ServerContext,
        conn: Connection,
        transport: StreamTransport,
        hub: NotificationHub,
        locks: LockManager,
    ) -> None:
        self.server = server
        self.conn = conn
        self.transport = transport
        self.hub = hub
        self.locks = locks
        self.process_id = 0  # set by the server when it registers the session
        self.secret_key = b""
        self.admitted = False  # counted against max_connections
        self._handler: Handler | None = None
        self._info: SessionInfo | None = None
        self.settings = Settings({})
        self._parameters: Parameters | None = None
        self.transaction = Transaction()
        self.prepared = Prepared()
        self.extended = ExtendedQuery(self)
        self.notifications: SessionNotifications | None = None  # on first LISTEN/NOTIFY
        self.advisory: SessionLocks | None = None  # on first advisory-lock call
        self._out: list[bytes] = []
        self._out_size = 0
        self._terminating = False
        self._waiting = False  # idle, between commands
        self._cancel_requested = False
        self._task: asyncio.Task[Any] | None = None

    @property
    def handler(self) -> Handler:
        assert self._handler is not None, "the session has not started"
        return self._handler

    @property
    def info(self) -> SessionInfo:
        assert self._info is not None, "the session has not started"
        return self._info

    @property
    def parameters(self) -> Parameters:
        assert self._parameters is not None, "the session has not started"
        return self._parameters

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

    async def flush_if_full(self) -> None:
        if self._out_size >= WRITE_CHUNK:
            self.flush()
            if self.transport.must_drain:
                await self.transport.drain()

    def send_error(self, err: PgError) -> None:
        self.send(m.ErrorResponse(err.fields()))

    def send_notice(self, notice: PgError) -> None:
        self.send(m.NoticeResponse(notice.fields()))

    async def stream_rows(self, stream: ResultStream, max_rows: int) -> int:
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

    # ------------------------------------------------------------------ main loop

    async def next_message(self) -> m.Message | None:
        """The next frontend message, or None when the client has gone."""
        while True:
            event = self.conn.next_event()
            if event is not NEED_DATA:
                assert isinstance(event, m.Message)
                return event
            if self.notifications is not None:
                # Deliver notifications while waiting for the client.
                self.notifications.idle(ready=self.conn.state is State.IDLE)
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
            if self.advisory is not None:
                self.advisory.close()  # however it ended, its locks go
            self.flush()
            self.transport.close()
            if self._handler is not None:
                try:
                    await self._handler.close()
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

    async def _startup(self) -> bool:
        startup = Startup(
            self.server, self.conn, self.transport, self.send, self.next_message, self.send_notice
        )
        established = await startup.run(self)
        if established is None:
            return False
        self._handler = established.handler
        self.transaction.keeps_savepoints = not established.handler.runs_savepoints
        self._info = established.info
        self.settings = established.settings
        self._parameters = Parameters(self.settings, self._handler, self.send)
        await self._parameters.apply_startup()
        startup.finish(established)
        self.send(m.ReadyForQuery(self.transaction.status))
        return True

    async def _serve(self) -> None:
        extended = self.extended
        # Extended-query steps run guarded: an error is answered and the rest skipped to Sync.
        guarded: dict[type[m.Message], Callable[[Any], Awaitable[None]]] = {
            m.Parse: extended.parse,
            m.Bind: extended.bind,
            m.Describe: extended.describe,
            m.Execute: extended.execute,
            m.Close: extended.close,
        }
        direct: dict[type[m.Message], Callable[[Any], Awaitable[None]]] = {
            m.Query: SimpleQuery(self).query,
            m.Sync: self._sync,
            m.Flush: self._flush,
            m.FunctionCall: self._function_call,
        }
        transaction = self.transaction
        while True:
            msg = await self.next_message()
            if msg is None or isinstance(msg, m.Terminate):
                return
            step = guarded.get(type(msg))
            if step is None:
                await direct[type(msg)](msg)
            elif (
                not await self.run_guarded(step, msg) and transaction.implicit is Implicit.EXTENDED
            ):
                await extended.end_implicit(commit=False)  # the rest is skipped until Sync

    async def run_guarded(self, step: Callable[..., Awaitable[None]], *args: Any) -> bool:
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
        self.transaction.failed()
        self.send_error(err)

    async def ready(self) -> None:
        """ReadyForQuery, after closing the cursors an ended transaction takes with it."""
        if self.transaction.status == IDLE:
            if self.prepared.portals:
                await self.prepared.transaction_ended()
            if self.advisory is not None:
                self.advisory.transaction_ended()  # an implicit transaction ends here
        self.send(m.ReadyForQuery(self.transaction.status))

    async def _sync(self, msg: m.Sync) -> None:
        if self.transaction.implicit is Implicit.EXTENDED:
            await self.extended.end_implicit(commit=True)
        await self.ready()

    async def _flush(self, msg: m.Flush) -> None:
        self.flush()

    async def _function_call(self, msg: m.FunctionCall) -> None:
        self.send_error(
            PgError("the function call protocol is not supported", sqlstate.FEATURE_NOT_SUPPORTED)
        )
        await self.ready()

    async def run_hidden(self, sql: str) -> None:
        """Transaction control the client did not write: run it, send nothing."""
        await resolve(self.handler.query(sql))

    # ------------------------------------------------------------------ running statements

    async def run_statement(
        self, sql: str, params: Sequence[Any] | None = None, types: Sequence[int] = ()
    ) -> Result:
        """Run one statement under the transaction rules: the backend's, or the front end's."""
        verb = sqltext.transaction_verb(sql)
        transaction = self.transaction
        if verb is None and transaction.status != FAILED:
            if transaction.savepoints:
                transaction.ran(write_kind(sql))
            return await self._route(sql, params, types)  # the common case
        rule = transaction.rule(verb)  # 25P01, 25P02
        if rule.kept:  # a savepoint the front end keeps (3B001, 0A000)
            assert verb is not None and rule.answer is not None
            transaction.keep(verb, savepoint_name(sql))
            result: Result = Command(rule.answer)
        elif rule.run is None:  # answered without the backend
            warning = transaction.warning(rule)
            if warning is not None:
                self.send_notice(warning)
            assert rule.answer is not None
            return Command(rule.answer)
        elif rule.run == AS_WRITTEN:
            result = await self._route(sql, params, types)
        else:
            await self.run_hidden(rule.run)
            result = Command(rule.answer or rule.run)
        if verb is not None and self.notifications is not None:
            self.notifications.transaction_control(verb, sql)  # sees the status before it
        transaction.succeeded(rule)
        if verb in ("COMMIT", "ROLLBACK", "PREPARE TRANSACTION"):
            committed = verb == "COMMIT" and isinstance(result, Command) and result.tag == "COMMIT"
            await self.parameters.transaction_ended(committed)
            if self.advisory is not None:
                self.advisory.transaction_ended()
        return result

    async def _route(self, sql: str, params: Sequence[Any] | None, types: Sequence[int]) -> Result:
        kind = front_end_kind(sql)
        if kind is None:
            if params is None:
                return await self.with_timeout(resolve(self.handler.query(sql)))
            return await self.with_timeout(resolve(self.handler.execute(sql, params, types)))
        if kind == "sql":
            return await sqlcommands.run(self, sql, params, types)
        if kind == "set":
            return await setcommands.run(self, sql)
        if kind == "copy":
            return await self.with_timeout(copy_command.run(self, sql))
        if kind == "lock":
            return await advisory.run(self, sql, params)
        if kind == "lock table":
            return await self.with_timeout(locktable.run(self, sql))
        return notify.run(self, sql, params)

    async def with_timeout(self, call: Awaitable[T]) -> T:
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

    # ------------------------------------------------------------------ for the commands

    def prepare(self, name: str, sql: str, declared: Sequence[int]) -> PreparedStatement:
        return self.extended.prepare(name, sql, declared)

    async def start_portal(self, portal: Portal) -> None:
        await self.extended.start_portal(portal)

    async def describe_statement(self, statement: PreparedStatement) -> None:
        await self.extended.describe_statement(statement)

    def notification_state(self) -> SessionNotifications:
        if self.notifications is None:
            self.notifications = SessionNotifications(
                self.hub, self.process_id, self.transaction, self.send, self.transport.wake
            )
        return self.notifications

    def lock_state(self) -> SessionLocks:
        if self.advisory is None:
            self.advisory = SessionLocks(self.locks, self.process_id, self.info.database)
        return self.advisory

    async def discard_all(self) -> None:
        """DISCARD ALL: close every portal and prepared statement, reset every parameter."""
        await self.prepared.close_all()
        await self.parameters.reset_all(in_block=self.transaction.status != IDLE)
        if self.notifications is not None:
            self.notifications.unlisten_all()  # DISCARD ALL includes UNLISTEN *
        if self.advisory is not None:
            self.advisory.unlock_all()  # and SELECT pg_advisory_unlock_all()
