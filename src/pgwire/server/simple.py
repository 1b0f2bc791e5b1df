"""The simple query protocol: one Query message, any number of statements, one ReadyForQuery.

Each statement gets its own result; the first error stops the rest. Several statements
outside a transaction block run as one implicit transaction, as in PostgreSQL (an error
undoes the ones before it), unless the Query holds transaction control of its own. An empty
Query gets EmptyQueryResponse.
"""

from __future__ import annotations

from typing import Protocol

from pgwire import sql as sqltext
from pgwire.errors import PgError
from pgwire.handler import Command
from pgwire.protocol import messages as m
from pgwire.server.context import QueryContext
from pgwire.server.extended import ExtendedQuery
from pgwire.server.results import ResultStream
from pgwire.server.transaction import Implicit


class SimpleContext(QueryContext, Protocol):
    """What the simple query protocol uses of its session, beyond what both protocols use."""

    @property
    def extended(self) -> ExtendedQuery: ...

    def send_error(self, err: PgError) -> None: ...

    async def ready(self) -> None: ...


class SimpleQuery:
    __slots__ = ("session",)

    def __init__(self, session: SimpleContext) -> None:
        self.session = session

    async def query(self, msg: m.Query) -> None:
        session = self.session
        handler = session.handler
        transaction = session.transaction
        if transaction.implicit is Implicit.EXTENDED:
            # Extended messages before it, without a Sync: a Query ends them.
            await session.extended.end_implicit(commit=True)
        try:
            statements = handler.split(msg.sql)
        except PgError as err:
            statements = []
            session.send_error(err)
        else:
            if not statements:
                session.send(m.EmptyQueryResponse())
        await session.prepared.close_portal("")
        # Explicit transaction control opts out of the implicit transaction.
        implicit = (
            len(statements) > 1
            and transaction.wants_implicit(None, handler.implicit_transactions)
            and not any(sqltext.transaction_verb(s) for s in statements)
        )
        failed = False
        if implicit:
            failed = not await session.run_guarded(session.run_hidden, "BEGIN")
            transaction.implicit = Implicit.QUERY
        for statement in statements:
            if failed:
                break
            failed = not await session.run_guarded(self._statement, statement)
        if implicit:
            transaction.implicit = None
            await session.run_guarded(session.run_hidden, "ROLLBACK" if failed else "COMMIT")
        await session.ready()

    async def _statement(self, sql: str) -> None:
        session = self.session
        result = await session.run_statement(sql)
        if isinstance(result, Command):
            session.send(m.CommandComplete(result.tag))
            return
        stream = ResultStream(result, (), session.settings.formats)
        session.send(stream.description)
        count = await session.stream_rows(stream, 0)
        session.send(m.CommandComplete(result.tag(count)))
