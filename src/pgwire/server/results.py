"""Streaming a result set: encoders resolved once per result, applied per row, in chunks.

A `ResultStream` is what a portal holds between Executes: the columns, one encoder per
column for the format the client asked for, and the rows not yet sent. Rows come from a
handler's plain iterable or its async iterable of batches; either way they are pulled only
as fast as the client takes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Rows
from pgwire.protocol import messages as m
from pgwire.types.registry import Encoder, TextFormats, registry

CHUNK = 256  # rows encoded between checks of the output buffer


def expand_formats(formats: Sequence[int], count: int, what: str) -> list[int]:
    """Format codes as sent (none: all text; one: all alike; else one each), one per item."""
    if not formats:
        return [0] * count
    for code in formats:
        if code != 0 and code != 1:
            raise PgError(f"unsupported format code: {code}", sqlstate.INVALID_PARAMETER_VALUE)
    if len(formats) == 1:
        return [formats[0]] * count
    if len(formats) != count:
        raise PgError(
            f"bind message has {len(formats)} {what} formats but query has {count} columns"
            if what == "result"
            else f"bind message has {len(formats)} parameter formats but {count} parameters",
            sqlstate.PROTOCOL_VIOLATION,
        )
    return list(formats)


def row_description(columns: Sequence[Column], formats: Sequence[int]) -> m.RowDescription:
    return m.RowDescription(
        [
            m.FieldDescription(
                c.name, c.table_oid, c.column_attnum, c.type_oid, c.type_size, c.type_modifier, f
            )
            for c, f in zip(columns, formats, strict=True)
        ]
    )


def encode_rows(
    rows: Sequence[Sequence[Any]], encoders: Sequence[Encoder], out: list[bytes]
) -> int:
    """Append one DataRow per row to `out`; return the bytes added."""
    width = len(encoders)
    encode_row = m.encode_data_row
    size = 0
    for row in rows:
        if len(row) != width:
            raise PgError(
                f"row has {len(row)} values, the result has {width} columns",
                sqlstate.DATATYPE_MISMATCH,
            )
        data = encode_row([None if v is None else enc(v) for enc, v in zip(encoders, row)])  # noqa: B905 - width checked above
        out.append(data)
        size += len(data)
    return size


class ResultStream:
    __slots__ = ("_batches", "_iter", "_pending", "description", "done", "encoders", "rows")

    def __init__(
        self, rows: Rows, formats: Sequence[int], text_formats: TextFormats | None = None
    ) -> None:
        columns = rows.columns
        expanded = expand_formats(formats, len(columns), "result")
        self.rows = rows
        self.encoders = [
            registry.encoder(c.type_oid, f, text_formats)
            for c, f in zip(columns, expanded, strict=True)
        ]
        self.description = row_description(columns, expanded)
        self.done = False
        self._iter: Iterator[Sequence[Any]] | None = None
        self._batches: AsyncIterator[Sequence[Sequence[Any]]] | None = None
        if rows.batches is not None:
            self._batches = aiter(rows.batches)
        else:
            self._iter = iter(rows.rows)
        self._pending: Sequence[Sequence[Any]] = ()

    async def take(self, limit: int) -> Sequence[Sequence[Any]]:
        """Up to `limit` more rows (fewer only at the end); empty when exhausted."""
        if self._pending:
            chunk, self._pending = self._pending[:limit], self._pending[limit:]
            return chunk
        if self._iter is not None:
            chunk = []
            for row in self._iter:
                chunk.append(row)
                if len(chunk) >= limit:
                    return chunk
            self.done = True
            return chunk
        assert self._batches is not None
        try:
            batch = await anext(self._batches)
            while not batch:
                batch = await anext(self._batches)
        except StopAsyncIteration:
            self.done = True
            return ()
        if len(batch) > limit:
            self._pending = batch[limit:]
            return batch[:limit]
        return batch

    async def close(self) -> None:
        """Release the handler's iterator early (a portal closed before its end)."""
        self.done = True
        self._pending = ()
        closer = getattr(self._batches, "aclose", None)
        if closer is not None:
            await closer()
        close = getattr(self._iter, "close", None)
        if close is not None:
            close()
