"""Streaming a result set: encoders resolved once per result, applied per row, in chunks.

A `ResultStream` is what a portal holds between Executes: the columns, one encoder per
column for the format the client asked for, and the rows not yet sent. Rows come from a
handler's plain iterable or its async iterable of batches; either way they are pulled only
as fast as the client takes them.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
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


RowEncoder = Callable[[Sequence[Any]], bytes]


@functools.lru_cache(maxsize=64)
def _row_encoder_factory(width: int) -> Callable[..., RowEncoder]:
    """Code for a DataRow encoder of `width` columns, loops unrolled: one per result shape.

    The generated function unpacks the row, encodes each non-NULL value with its column's
    encoder and joins the frame in one go; it is compiled once per width and bound to the
    encoders of each result.
    """
    names = [f"v{i}" for i in range(width)]
    body = [f"def make({', '.join(f'e{i}' for i in range(width))}):", "    def encode(row):"]
    body.append(f"        {', '.join(names)}{',' if width == 1 else ''} = row")
    for i in range(width):
        body += [
            f"        if v{i} is None:",
            f"            l{i} = NULL; d{i} = EMPTY; n{i} = 0",
            "        else:",
            f"            d{i} = e{i}(v{i}); n{i} = len(d{i}); l{i} = pack(n{i})",
        ]
    total = " + ".join([str(6 + 4 * width)] + [f"n{i}" for i in range(width)])
    parts = ", ".join([f"header(b'D', {total}, {width})"] + [f"l{i}, d{i}" for i in range(width)])
    body.append(f"        return join(({parts},))")
    body.append("    return encode")
    namespace: dict[str, Any] = {
        "NULL": b"\xff\xff\xff\xff",
        "EMPTY": b"",
        "pack": struct.Struct("!i").pack,
        "header": struct.Struct("!ciH").pack,
        "join": b"".join,
    }
    exec("\n".join(body), namespace)  # our own template: no outside input reaches it
    factory: Callable[..., RowEncoder] = namespace["make"]
    return factory


def row_encoder(encoders: Sequence[Encoder]) -> RowEncoder:
    """Encode a row (a sequence of Python values, None for NULL) as a complete DataRow."""
    return _row_encoder_factory(len(encoders))(*encoders)


def encode_rows(rows: Sequence[Sequence[Any]], encode: RowEncoder, out: list[bytes]) -> int:
    """Append one DataRow per row to `out`; return the bytes added."""
    try:
        frames = list(map(encode, rows))
    except ValueError as exc:
        if "unpack" not in str(exc):
            raise
        raise PgError(
            f"a row does not have as many values as the result has columns ({exc})",
            sqlstate.DATATYPE_MISMATCH,
        ) from None
    out.extend(frames)
    return sum(map(len, frames))


class ResultStream:
    __slots__ = (
        "_batches",
        "_iter",
        "_pending",
        "description",
        "done",
        "encode_row",
        "encoders",
        "rows",
    )

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
        self.encode_row = row_encoder(self.encoders)
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
