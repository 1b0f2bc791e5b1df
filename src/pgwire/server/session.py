"""One client session: startup, then commands, over a sans-IO Connection.

The session turns protocol events into handler calls and handler results into messages. It
owns the protocol bookkeeping handlers never see: splitting a simple Query, the transaction
status byte (I/T/E, with 25P02 in a failed transaction), error recovery, and write batching
(bytes are collected and written once per flush point: ReadyForQuery, Flush, or a full buffer).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError, ProtocolViolation
from pgwire.handler import Command, Handler, Result, Rows, SessionInfo
from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, State
from pgwire.server.transport import StreamTransport
from pgwire.types.registry import TEXT, registry

if TYPE_CHECKING:
    from pgwire.server.server import Server

log = logging.getLogger("pgwire.session")

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

    # ------------------------------------------------------------------ output

    def send(self, message: m.Message) -> None:
        data = self.conn.send(message)
        self._out.append(data)
        self._out_size += len(data)

    def flush(self) -> None:
        if self._out:
            self.transport.write(b"".join(self._out))
            self._out.clear()
            self._out_size = 0

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
            msg = await self.next_message()
            if msg is None:
                return False
            if isinstance(msg, m.SSLRequest | m.GSSENCRequest):
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
        if not self.server.admit(self):
            raise PgError(
                "sorry, too many clients already", sqlstate.TOO_MANY_CONNECTIONS, severity="FATAL"
            )
        if self.conn.negotiation is not None:
            self.send(self.conn.negotiation)

        # Authentication: trust for now.
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
        )
        self.handler = await self.server.handler.connect(self.info)
        for name, value in self.server.parameter_status(self.info).items():
            self.send(m.ParameterStatus(name, value))
        self.send(m.BackendKeyData(self.process_id, self.secret_key))
        self.send(m.ReadyForQuery(self.status))
        log.info(
            "connection %d authorized: user=%s database=%s peer=%s",
            self.process_id,
            user,
            database,
            self.transport.peer,
        )
        return True

    # ------------------------------------------------------------------ commands

    async def _serve(self) -> None:
        while True:
            msg = await self.next_message()
            if msg is None or isinstance(msg, m.Terminate):
                return
            if isinstance(msg, m.Query):
                await self._simple_query(msg.sql)
            else:
                # Extended query, function calls: not in this version of the server.
                self.send_error(
                    PgError(
                        f"{type(msg).__name__} messages are not supported yet",
                        sqlstate.FEATURE_NOT_SUPPORTED,
                    )
                )
                if isinstance(msg, m.Sync | m.FunctionCall):
                    self.send(m.ReadyForQuery(self.status))
                if isinstance(msg, m.Flush):
                    self.flush()

    async def _simple_query(self, text: str) -> None:
        assert self.handler is not None
        try:
            statements = self.handler.split(text)
        except PgError as err:
            statements = []
            self.send_error(err)
        else:
            if not statements:
                self.send(m.EmptyQueryResponse())
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
        for statement in statements:
            if failed:
                break
            failed = not await self._guarded(self._statement, statement)
        if implicit:
            await self._guarded(self._hidden, "ROLLBACK" if failed else "COMMIT")
        self.send(m.ReadyForQuery(self.status))

    async def _guarded(self, step: Callable[[str], Awaitable[None]], sql: str) -> bool:
        """Run one step of a Query; an error is sent and reported as False."""
        try:
            await step(sql)
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
            log.exception("handler failed on %r", sql[:200])
            self._failed(PgError(str(exc) or type(exc).__name__, sqlstate.INTERNAL_ERROR))
        else:
            return True
        return False

    async def _hidden(self, sql: str) -> None:
        """Transaction control the client did not write: run it, send nothing."""
        assert self.handler is not None
        await self._resolve(self.handler.query(sql))

    def _uncancel(self) -> None:
        self._cancel_requested = False
        if self._task is not None:
            self._task.uncancel()

    def _failed(self, err: PgError) -> None:
        if err.is_fatal:
            raise err
        if self.status == "T":
            self.status = "E"
        self.send_error(err)

    async def _statement(self, sql: str) -> None:
        """Run one statement of a simple Query and send its result."""
        verb = sqltext.transaction_verb(sql)
        if (verb is not None or self.status == "E") and self._transaction_shortcut(verb):
            return
        result = await self._call(sql)
        self._after_transaction_verb(verb)
        await self._send_result(result)

    def _transaction_shortcut(self, verb: str | None) -> bool:
        """Answer transaction control the backend must not see, as PostgreSQL would.

        True when the statement was answered here.
        """
        if self.status == "E":
            if verb in ("COMMIT", "ROLLBACK"):
                return False  # run as ROLLBACK by _call
            if verb == "ROLLBACK TO":
                return False
            raise PgError(
                "current transaction is aborted, commands ignored until end of transaction block",
                sqlstate.IN_FAILED_SQL_TRANSACTION,
            )
        if verb == "BEGIN" and self.status == "T":
            self.send_notice(
                PgError(
                    "there is already a transaction in progress",
                    sqlstate.ACTIVE_SQL_TRANSACTION,
                    severity="WARNING",
                )
            )
            self.send(m.CommandComplete("BEGIN"))
            return True
        if verb in ("COMMIT", "ROLLBACK") and self.status == "I":
            self.send_notice(
                PgError(
                    "there is no transaction in progress",
                    sqlstate.NO_ACTIVE_SQL_TRANSACTION,
                    severity="WARNING",
                )
            )
            self.send(m.CommandComplete(verb))
            return True
        return False

    async def _call(self, sql: str) -> Result:
        assert self.handler is not None
        if self.status == "E" and sqltext.transaction_verb(sql) in ("COMMIT", "ROLLBACK"):
            # COMMIT of a failed transaction rolls it back and says so.
            await self._resolve(self.handler.query("ROLLBACK"))
            return Command("ROLLBACK")
        return await self._resolve(self.handler.query(sql))

    @staticmethod
    async def _resolve(result: Result | Awaitable[Result]) -> Result:
        if inspect.isawaitable(result):
            return await result
        return result

    def _after_transaction_verb(self, verb: str | None) -> None:
        if verb == "BEGIN":
            self.status = "T"
        elif verb in ("COMMIT", "ROLLBACK", "PREPARE TRANSACTION"):
            self.status = "I"
        elif verb == "ROLLBACK TO" and self.status == "E":
            self.status = "T"

    async def _send_result(self, result: Result) -> None:
        if isinstance(result, Command):
            self.send(m.CommandComplete(result.tag))
            return
        if not isinstance(result, Rows):
            raise PgError(
                f"handler returned {type(result).__name__}, expected Rows or Command",
                sqlstate.INTERNAL_ERROR,
            )
        self.send(
            m.RowDescription(
                [
                    m.FieldDescription(
                        c.name,
                        c.table_oid,
                        c.column_attnum,
                        c.type_oid,
                        c.type_size,
                        c.type_modifier,
                        TEXT,
                    )
                    for c in result.columns
                ]
            )
        )
        encoders = [registry.encoder(c.type_oid, TEXT) for c in result.columns]
        count = 0
        if result.batches is not None:
            async for batch in result.batches:
                count += self._send_rows(batch, encoders)
                await self.flush_if_full()
        else:
            rows: list[Sequence[Any]] = []
            for row in result.rows:
                rows.append(row)
                if len(rows) >= 256:
                    count += self._send_rows(rows, encoders)
                    rows = []
                    await self.flush_if_full()
            count += self._send_rows(rows, encoders)
        self.send(m.CommandComplete(result.tag(count)))

    def _send_rows(self, rows: Sequence[Sequence[Any]], encoders: list[Any]) -> int:
        """Encode rows as DataRows; the state machine allowed them with the RowDescription."""
        width = len(encoders)
        encode_row = m.encode_data_row
        out = self._out
        size = 0
        for row in rows:
            if len(row) != width:
                raise PgError(
                    f"row has {len(row)} values, the result has {width} columns",
                    sqlstate.DATATYPE_MISMATCH,
                )
            data = encode_row(
                [None if v is None else enc(v) for enc, v in zip(encoders, row, strict=False)]
            )
            out.append(data)
            size += len(data)
        self._out_size += size
        return len(rows)
