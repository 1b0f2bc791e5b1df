"""COPY ... FROM STDIN / TO STDOUT: the statement and the COPY sub-protocol, for any handler.

DuckDB's COPY (and most engines') reads and writes files only, so the front end speaks the
COPY sub-protocol itself, from a simple Query or an extended-protocol Execute alike:

- `COPY t [(cols)] FROM STDIN ...`: CopyInResponse, then the client's CopyData messages are
  parsed as they arrive (`pgwire.copy.format`) and handed to the handler's `copy_in` as an
  async iterator of row batches: a load of any size never sits in memory. CopyDone ends it
  with "COPY n"; CopyFail (57014), a malformed row (22P04, 22P02, ...) or a lost connection
  abort it, and nothing of it is committed: outside a transaction block the load runs inside
  a hidden BEGIN ... COMMIT (ROLLBACK on failure) when the handler runs transactions.
- `COPY t [(cols)] TO STDOUT ...` and `COPY (query) TO STDOUT ...`: the query runs through
  the handler's `query`, and its rows stream out one CopyData each as the output buffer
  fills, with back-pressure from the socket.

Both option syntaxes are understood: `WITH (FORMAT csv, HEADER)` and the older
`WITH CSV HEADER DELIMITER ','` that psql's `\\copy` passes through. Server-side files and
programs are refused with PostgreSQL's 42501, pointing at STDIN/STDOUT and psql's \\copy.
"""

from __future__ import annotations

import contextlib
import operator
import struct
from collections.abc import AsyncIterator, Sequence
from itertools import chain, repeat
from typing import Any

from pgwire import sqlstate
from pgwire.copy.format import CopyColumn, CopyOptions, CopyReader, reader_for, writer_for
from pgwire.copy.statement import CopyStatement, parse
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Rows, resolve
from pgwire.protocol import messages as m
from pgwire.server.context import CopyContext
from pgwire.server.results import ResultStream

__all__ = ["run"]

BATCH_ROWS = 4096  # rows per batch handed to the handler's copy_in
FEED_BYTES = 64 * 1024  # CopyData gathered before parsing (and the most parsed at once)
OUT_ROWS = 1000  # rows encoded between checks of the output buffer (COPY TO)

_FILE_HINT = "Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone."


# ---------------------------------------------------------------------------------------------
# running it


async def run(ctx: CopyContext, sql: str) -> Command:
    """Run one COPY statement over the session's connection; its CommandComplete tag."""
    stmt = parse(sql)
    if stmt.target != "stdio":
        _refuse_server_side(stmt)
    if stmt.where is not None:
        raise PgError(
            "COPY FROM ... WHERE is not supported",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="Load into a staging table, then INSERT ... SELECT ... WHERE.",
        )
    if stmt.is_from:
        return await _copy_from(ctx, stmt)
    return await _copy_to(ctx, stmt)


def _refuse_server_side(stmt: CopyStatement) -> None:
    if stmt.target == "program":
        message = (
            "must be superuser or have privileges of the pg_execute_server_program role "
            "to COPY to or from an external program"
        )
    elif stmt.is_from:
        message = (
            "must be superuser or have privileges of the pg_read_server_files role "
            "to COPY from a file"
        )
    else:
        message = (
            "must be superuser or have privileges of the pg_write_server_files role "
            "to COPY to a file"
        )
    raise PgError(message, sqlstate.INSUFFICIENT_PRIVILEGE, hint=_FILE_HINT)


async def _target_columns(ctx: CopyContext, stmt: CopyStatement) -> list[Column]:
    """The table's columns the COPY names (all, in order, without a list), from the handler."""
    assert ctx.handler is not None and stmt.table is not None
    try:
        table_columns = list(await ctx.handler.table_columns(stmt.table))
    except PgError as err:
        # Its cursor and hint point into SQL the client never wrote.
        err.position = None
        err.hint = None
        raise
    if stmt.columns is None:
        return table_columns
    chosen: list[Column] = []
    for written in stmt.columns:
        quoted = written.startswith('"')
        name = written[1:-1].replace('""', '"') if quoted else written.lower()
        found = next((c for c in table_columns if c.name == name), None)
        if found is None and not quoted:
            found = next((c for c in table_columns if c.name.lower() == name), None)
        if found is None:
            raise PgError(
                f'column "{name}" of relation "{stmt.relname}" does not exist',
                sqlstate.UNDEFINED_COLUMN,
            )
        if any(c is found for c in chosen):
            raise PgError(f'column "{name}" specified more than once', sqlstate.DUPLICATE_COLUMN)
        chosen.append(found)
    return chosen


def _copy_columns(columns: Sequence[Column], options: CopyOptions) -> list[CopyColumn]:
    """Columns with their FORCE_* flags; the FORCE_* names must be among them."""
    names = [c.name for c in columns]
    out = [CopyColumn(c.name, c.type_oid) for c in columns]
    force_quote = options.force_quote
    if force_quote == "*":
        for column in out:
            column.force_quote = True
        force_quote = []
    for option, listed in (
        ("FORCE_QUOTE", force_quote),
        ("FORCE_NOT_NULL", options.force_not_null),
        ("FORCE_NULL", options.force_null),
    ):
        for name in listed:
            if name not in names:
                lowered = [n.lower() for n in names]
                if name.lower() in lowered:
                    name = names[lowered.index(name.lower())]
                else:
                    raise PgError(
                        f'{option} column "{name}" not referenced by COPY',
                        sqlstate.INVALID_COLUMN_REFERENCE,
                    )
            column = out[names.index(name)]
            if option == "FORCE_QUOTE":
                column.force_quote = True
            elif option == "FORCE_NOT_NULL":
                column.force_not_null = True
            else:
                column.force_null = True
    return out


def _formats(options: CopyOptions, count: int) -> tuple[int, list[int]]:
    fmt = 1 if options.format == "binary" else 0
    return fmt, [fmt] * count


async def _copy_from(ctx: CopyContext, stmt: CopyStatement) -> Command:
    handler = ctx.handler
    assert handler is not None and stmt.table is not None
    columns = await _target_columns(ctx, stmt)
    reader = reader_for(stmt.relname, _copy_columns(columns, stmt.options), stmt.options)
    fmt, formats = _formats(stmt.options, len(columns))
    # Outside any transaction, the load is all or nothing in a hidden transaction of its own.
    wrap = handler.implicit_transactions and not ctx.transaction.in_transaction
    if wrap:
        await resolve(handler.query("BEGIN"))
    incoming = _CopyIn(ctx, reader, stmt.relname)
    try:
        ctx.send(m.CopyInResponse(fmt, formats))
        count = await handler.copy_in(stmt.table, columns, incoming.batches())
        await incoming.drain()
    except BaseException:
        await incoming.close()
        if wrap:
            with contextlib.suppress(Exception):
                await resolve(handler.query("ROLLBACK"))
        raise
    if wrap:
        await resolve(handler.query("COMMIT"))
    return Command(f"COPY {count}")


class _CopyIn:
    """The client's CopyData, parsed as it arrives, as batches of rows."""

    def __init__(self, ctx: CopyContext, reader: CopyReader, relname: str) -> None:
        self.ctx = ctx
        self.reader = reader
        self.relname = relname
        self.finished = False  # CopyDone (or CopyFail) has been read
        self._gen: AsyncIterator[list[tuple[Any, ...]]] | None = None

    def batches(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        self._gen = self._batches()
        return self._gen

    async def _batches(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        ctx = self.ctx
        reader = self.reader
        batch: list[tuple[Any, ...]] = []
        pending: list[bytes] = []
        size = 0
        while True:
            msg = await ctx.next_message()
            if msg is None:
                self.finished = True
                raise ConnectionError("client closed the connection during COPY FROM STDIN")
            kind = type(msg)
            if kind is m.CopyData:
                data = msg.data  # type: ignore[attr-defined]
                if reader.ended:
                    continue  # after the end marker: ignored, as PostgreSQL does
                pending.append(data)
                size += len(data)
                if size < FEED_BYTES:
                    continue
                batch.extend(self._feed(pending))
                pending = []
                size = 0
                if len(batch) >= BATCH_ROWS:
                    yield batch
                    batch = []
            elif kind is m.CopyDone:
                self.finished = True
                if pending:
                    batch.extend(self._feed(pending))
                batch.extend(reader.finish())
                if batch:
                    yield batch
                return
            elif kind is m.CopyFail:
                self.finished = True
                if pending:
                    self._feed(pending)  # PostgreSQL has parsed all it received
                raise PgError(
                    f"COPY from stdin failed: {msg.message}",  # type: ignore[attr-defined]
                    sqlstate.QUERY_CANCELED,
                    where=f"COPY {self.relname}, line {reader.lineno + 1}",
                )
            # Flush and Sync during COPY IN are ignored, as PostgreSQL does; nothing else
            # gets past the state machine here.

    def _feed(self, pending: list[bytes]) -> list[tuple[Any, ...]]:
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        reader = self.reader
        if reader.ended:
            return []
        if len(data) <= FEED_BYTES:
            return reader.feed(data)
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(data), FEED_BYTES):
            rows.extend(reader.feed(data[start : start + FEED_BYTES]))
        return rows

    async def drain(self) -> None:
        """Read to the end of the COPY data, should the handler have stopped early."""
        if self._gen is None:
            self._gen = self._batches()
        if not self.finished:
            async for _ in self._gen:
                pass

    async def close(self) -> None:
        gen = self._gen
        closer = getattr(gen, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()


_COPY_DATA_HEADER = struct.Struct(">cI").pack


def _frames(payloads: list[bytes]) -> bytes:
    """CopyData messages, one per payload, without a state check each (CopyOutResponse had
    one): headers and payloads interleaved by C-level iterators."""
    lengths = map(operator.add, map(len, payloads), repeat(4))
    headers = map(_COPY_DATA_HEADER, repeat(b"d"), lengths)
    return b"".join(chain.from_iterable(zip(headers, payloads, strict=True)))


async def _copy_to(ctx: CopyContext, stmt: CopyStatement) -> Command:
    handler = ctx.handler
    assert handler is not None
    if stmt.query is not None:
        sql = stmt.query
    else:
        assert stmt.table is not None
        select = "*"
        if stmt.columns is not None:
            await _target_columns(ctx, stmt)  # PostgreSQL's errors for a bad column list
            select = ", ".join(stmt.columns)
        sql = f"SELECT {select} FROM {stmt.table}"
    try:
        result = await resolve(handler.query(sql))
    except PgError as err:
        if stmt.query is None:
            err.position = err.hint = None
        elif err.position is not None and stmt.query in stmt.text:
            err.position += stmt.text.index(stmt.query)  # as a cursor into the COPY
        raise
    if not isinstance(result, Rows):
        raise PgError("COPY query must have a RETURNING clause", sqlstate.FEATURE_NOT_SUPPORTED)
    stream = ResultStream(result, ())
    try:
        copy_columns = _copy_columns(result.columns, stmt.options)
        writer = writer_for(copy_columns, stmt.options, ctx.settings.formats)
        fmt, formats = _formats(stmt.options, len(copy_columns))
        ctx.send(m.CopyOutResponse(fmt, formats))
        # A text or CSV header line is a message of its own; the binary header travels in
        # the first row's message (or the trailer's), as PostgreSQL sends them.
        header = writer.header()
        prefix = b""
        if header is not None:
            if stmt.options.format == "binary":
                prefix = header
            else:
                ctx.send_encoded(_frames([header]))
        count = 0
        while not stream.done:
            rows = await stream.take(OUT_ROWS)
            if rows:
                payloads = writer.rows(rows)
                if prefix:
                    payloads[0] = prefix + payloads[0]
                    prefix = b""
                ctx.send_encoded(_frames(payloads))
                count += len(rows)
            await ctx.flush_if_full()
        trailer = writer.trailer()
        if trailer is not None or prefix:
            ctx.send_encoded(_frames([prefix + (trailer or b"")]))
        ctx.send(m.CopyDone())
    finally:
        await stream.close()
    return Command(f"COPY {count}")
