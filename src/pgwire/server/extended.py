"""The extended query protocol: Parse, Bind, Describe, Execute, Close and Sync.

Statements and portals are kept in `Prepared`; this module answers each message as
PostgreSQL does. Two things it adds for backends:

- an implicit transaction across the statements up to a Sync, opened with a hidden BEGIN
  only when the client's next messages, already received, show more than one statement;
- pipelined Bind/Execute runs of one INSERT taken together and run as one backend call
  (`Handler.execute_many`), each still answered as PostgreSQL would answer it.

Errors propagate to the session, which answers them and skips the rest until Sync.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Sequence
from typing import Any, Protocol, TypeVar

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.copy.statement import is_copy
from pgwire.errors import PgError
from pgwire.handler import Command, Handler, Rows, SessionInfo, resolve
from pgwire.protocol import lookahead
from pgwire.protocol import messages as m
from pgwire.protocol.connection import Connection
from pgwire.server import advisory, notify, setcommands, sqlcommands
from pgwire.server.context import PortalContext, QueryContext
from pgwire.server.portals import UNKNOWN_COLUMNS, Portal, PreparedStatement, decode_params
from pgwire.server.results import ResultStream, expand_formats, row_description
from pgwire.server.routing import front_end_kind
from pgwire.server.transaction import FAILED, IN_BLOCK, Implicit
from pgwire.types import oids
from pgwire.types.registry import registry

T = TypeVar("T")

BATCH_LIMIT = 5000  # Bind/Execute runs taken into one backend call at most


class ExtendedContext(PortalContext, QueryContext, Protocol):
    """What the extended protocol uses of its session, beyond what both protocols use."""

    @property
    def conn(self) -> Connection: ...

    @property
    def info(self) -> SessionInfo: ...

    async def with_timeout(self, call: Awaitable[T]) -> T: ...


class ExtendedQuery:
    __slots__ = ("_batch_describes", "session")

    def __init__(self, session: ExtendedContext) -> None:
        self.session = session
        self._batch_describes: list[bool] = []  # runs taken by _pipelined_rows: Describe too

    # ------------------------------------------------------------------ Parse

    async def parse(self, msg: m.Parse) -> None:
        prepared = self.session.prepared
        statement = self.prepare(msg.name, msg.query, msg.param_types)
        types = statement.param_types
        if 0 in types and statement.sql and front_end_kind(statement.sql) is None:
            # PostgreSQL types them now, so Bind reads the values as their columns' types.
            inferred = await resolve(self.session.handler.parameter_types(statement.sql, types))
            if inferred is not None:
                for i, oid in enumerate(inferred[: len(types)]):
                    types[i] = types[i] or oid
        prepared.add_statement(statement)
        self.session.send(m.ParseComplete())

    def prepare(self, name: str, sql: str, declared: Sequence[int]) -> PreparedStatement:
        handler = self.session.handler
        if type(handler).split is Handler.split:
            text, count, casts = _analyse(sql)  # the same texts come again and again
        else:
            text, count, casts = _analyse_statements(handler.split(sql))
        count = max(count, len(declared))
        types = list(declared) + [0] * (count - len(declared))
        for index, oid in casts:
            if index <= count and not types[index - 1]:
                types[index - 1] = oid
        prepared = PreparedStatement(name, text, types)
        kind = front_end_kind(text) if text else "empty"
        if kind is None:
            handler.check_syntax(text)  # PostgreSQL answers a syntax error at Parse
        elif kind == "copy":
            prepared.columns = None  # no RowDescription: its data travels in CopyData
        return prepared

    # ------------------------------------------------------------------ Bind

    async def bind(self, msg: m.Bind) -> None:
        session = self.session
        prepared = session.prepared
        statement = prepared.statement(msg.statement)
        if session.transaction.status == FAILED:
            session.transaction.refuse_in_failed_block(sqltext.transaction_verb(statement.sql))
        if msg.portal:
            if msg.portal in prepared.portals:
                raise PgError(f'portal "{msg.portal}" already exists', sqlstate.DUPLICATE_CURSOR)
        else:
            await prepared.close_portal("")
        params = decode_params(statement, msg.param_formats, msg.params, session.settings.formats)
        prepared.portals[msg.portal] = Portal(msg.portal, statement, params, msg.result_formats)
        session.send(m.BindComplete())

    # ------------------------------------------------------------------ Describe

    async def describe(self, msg: m.Describe) -> None:
        session = self.session
        if msg.kind == "S":
            statement = session.prepared.statement(msg.name)
            await self.describe_statement(statement)
            session.send(m.ParameterDescription([t or oids.TEXT for t in statement.param_types]))
            if statement.columns is None:
                session.send(m.NoData())
            else:
                session.send(row_description(statement.columns, [0] * len(statement.columns)))
            return
        portal = session.prepared.portal(msg.name)
        if not portal.started:
            columns = portal.statement.columns
            if columns is UNKNOWN_COLUMNS:
                if not await self._implicit_begin(portal):
                    await self.start_portal(portal)  # the handler learns columns by running it
            elif columns is None:
                session.send(m.NoData())
                return
            else:
                formats = expand_formats(portal.result_formats, len(columns), "result")
                session.send(row_description(columns, formats))
                return
        if portal.stream is not None:
            session.send(portal.stream.description)
        else:
            session.send(m.NoData())

    async def describe_statement(self, statement: PreparedStatement) -> None:
        """Learn a statement's parameter types and columns, from the handler if it can tell."""
        if statement.columns is not UNKNOWN_COLUMNS:
            return
        session = self.session
        if not statement.sql:
            statement.columns = None
            return
        if sqlcommands.is_front_end_command(statement.sql):  # EXECUTE p, FETCH 5 FROM c, ...
            statement.columns = None  # PREPARE p AS EXECUTE p must not describe itself forever
            statement.columns = await sqlcommands.described_columns(session, statement.sql)
            return
        described = notify.describe(statement.sql)
        if described is None:
            described = advisory.describe(statement.sql)
        if described is None and not (  # the handler never sees these: it cannot describe them
            setcommands.is_set_command(statement.sql) or is_copy(statement.sql)
        ):
            described = await resolve(
                session.handler.describe(statement.sql, list(statement.param_types))
            )
        if described is not None:
            for i, oid in enumerate(described.param_types[: len(statement.param_types)]):
                if not statement.param_types[i]:
                    statement.param_types[i] = oid
            statement.columns = described.columns
            return
        if not sqltext.returns_rows(statement.sql):
            statement.columns = None
            return
        # Learn the columns by running it with NULL parameters: only for row-returning SQL.
        types = [t or oids.TEXT for t in statement.param_types]
        info = session.info
        sink, info.notice_sink = info.notice_sink, None  # its notices are not sent
        try:
            result = await session.run_statement(statement.sql, [None] * len(types), types)
        finally:
            info.notice_sink = sink
        statement.columns = list(result.columns) if isinstance(result, Rows) else None
        if isinstance(result, Rows):
            await ResultStream(result, (), session.settings.formats).close()

    # ------------------------------------------------------------------ Execute

    async def start_portal(self, portal: Portal) -> None:
        session = self.session
        statement = portal.statement
        if not statement.sql:
            portal.attach(Command(""), session.settings.formats)
            return
        types = [t or oids.TEXT for t in statement.param_types]
        result = await session.run_statement(statement.sql, portal.params, types)
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
        portal.attach(result, session.settings.formats)

    async def execute(self, msg: m.Execute) -> None:
        session = self.session
        portal = session.prepared.portal(msg.portal)
        if not portal.started and self._batchable(portal, msg):
            batch = self._pipelined_rows(portal)
            if batch:
                await self._execute_batch(portal, batch)
                return
        if not portal.started and not await self._implicit_begin(portal):
            await self.start_portal(portal)
        if not portal.statement.sql:
            session.send(m.EmptyQueryResponse())
            return
        stream = portal.stream
        if stream is None:
            session.send(m.CommandComplete(portal.tag))
            return
        count = await session.stream_rows(stream, msg.max_rows)
        portal.sent += count
        if msg.max_rows > 0 and count >= msg.max_rows:
            session.send(m.PortalSuspended())
        else:
            assert isinstance(portal.result, Rows)
            session.send(m.CommandComplete(portal.result.tag(count)))

    # A client that pipelines the same INSERT many times (asyncpg executemany, JDBC batches,
    # psycopg pipelines) sends Bind/Execute pairs for one statement back to back. When the
    # handler can run such a statement for many rows at once, the pairs already received are
    # taken together and answered as PostgreSQL would answer each (BindComplete, NoData,
    # CommandComplete), after one backend call. Batches never cross a Sync, so they stay
    # inside the implicit transaction PostgreSQL would run them in: an error leaves nothing of
    # the batch, as it would leave nothing of the pipeline.

    def _batchable(self, portal: Portal, msg: m.Execute) -> bool:
        session = self.session
        return (
            msg.portal == ""
            and msg.max_rows == 0
            and session.transaction.status != FAILED
            and session.handler.can_execute_many(portal.statement.sql)
        )

    def _pipelined_rows(self, portal: Portal) -> list[list[Any]]:
        """Parameter rows of the Bind/[Describe]/Execute runs for the same statement already
        received after this Execute; their frames are consumed only when they are taken."""
        conn = self.session.conn
        statement = portal.statement
        rows: list[list[Any]] = []
        taken = 0
        self._batch_describes = []
        for run in lookahead.bind_execute_runs(conn.lookahead(3 * BATCH_LIMIT), statement.name):
            try:
                rows.append(
                    decode_params(
                        statement,
                        run.bind.param_formats,
                        run.bind.params,
                        self.session.settings.formats,
                    )
                )
            except PgError:
                break  # answered in the usual way, when its turn comes
            self._batch_describes.append(run.described)
            taken += run.frames
        for _ in range(taken):  # through the state machine, as every message goes
            conn.next_event()
        return rows

    async def _execute_batch(self, portal: Portal, rows: list[list[Any]]) -> None:
        session = self.session
        statement = portal.statement
        types = [t or oids.TEXT for t in statement.param_types]
        if session.transaction.savepoints:
            session.transaction.ran(sqltext.write_kind(statement.sql))
        if not await self._implicit_begin(portal):
            await session.with_timeout(
                resolve(session.handler.execute_many(statement.sql, [portal.params, *rows], types))
            )
        portal.attach(Command("INSERT 0 1"), session.settings.formats)
        session.send(m.CommandComplete("INSERT 0 1"))
        for described in self._batch_describes:
            session.send(m.BindComplete())
            if described:
                session.send(m.NoData())
            session.send(m.CommandComplete("INSERT 0 1"))

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
        session = self.session
        transaction = session.transaction
        sql = portal.statement.sql
        verb = sqltext.transaction_verb(sql) if sql else None
        if transaction.implicit is Implicit.EXTENDED:
            if verb == "BEGIN":
                transaction.implicit = None
                transaction.status = IN_BLOCK
                portal.attach(Command("BEGIN"), session.settings.formats)
                return True
            if verb is not None:
                transaction.implicit = None
                await session.run_hidden("ROLLBACK" if verb == "ROLLBACK" else "COMMIT")
            return False
        if (
            not sql
            or not transaction.wants_implicit(verb, session.handler.implicit_transactions)
            or lookahead.runs_alone(session.conn.lookahead(8), portal.name)
        ):
            return False
        await session.run_hidden("BEGIN")
        transaction.implicit = Implicit.EXTENDED
        return False

    async def end_implicit(self, commit: bool) -> None:
        session = self.session
        session.transaction.implicit = None
        if commit:
            # A failed COMMIT is the client's error.
            await session.run_guarded(session.run_hidden, "COMMIT")
        else:
            with contextlib.suppress(PgError):  # after an error the client already has
                await session.run_hidden("ROLLBACK")

    # ------------------------------------------------------------------ Close, Sync

    async def close(self, msg: m.Close) -> None:
        prepared = self.session.prepared
        if msg.kind == "S":
            await prepared.close_statement(msg.name)
        else:
            await prepared.close_portal(msg.name)
        self.session.send(m.CloseComplete())


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
