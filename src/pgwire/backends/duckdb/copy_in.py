"""COPY FROM STDIN into DuckDB through its appender (`DuckDBSession.copy_in`): batches decoded
on the event loop are appended in a worker thread, the next batch parsed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Executor
from typing import Any

import duckdb

from pgwire.backends.duckdb.errors import to_pg_error
from pgwire.handler import Column
from pgwire.types import oids
from pgwire.types.registry import TEXT, registry

__all__ = ["COPY_FLUSH_ROWS", "append_rows", "copy_converter"]

COPY_FLUSH_ROWS = 65536  # rows the appender buffers between INSERTs (measured: fewer is slower)

Converter = Callable[[Sequence[Sequence[Any]]], list[tuple[Any, ...]]]


async def append_rows(
    appender: Any,
    rows: AsyncIterator[Sequence[Sequence[Any]]],
    convert: Converter | None,
    executor: Executor,
    interrupt: Callable[[], None],
) -> int:
    """Append every batch of `rows` (converted by `convert`, if any), flushing every
    COPY_FLUSH_ROWS rows and at the end; the number of rows. The appender is cleared
    whatever happens; a cancelled load interrupts the cursor."""
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[None] | None = None
    count = unflushed = 0
    try:
        async for batch in rows:
            if convert is not None:
                batch = convert(batch)
            if pending is not None:
                await asyncio.shield(pending)
            unflushed += len(batch)
            flush = unflushed >= COPY_FLUSH_ROWS
            if flush:
                unflushed = 0
            pending = loop.run_in_executor(executor, _copy_append, appender, batch, flush)
            count += len(batch)
        if pending is not None:
            await asyncio.shield(pending)
        pending = loop.run_in_executor(executor, appender.flush)
        await asyncio.shield(pending)
    except duckdb.Error as exc:
        raise to_pg_error(exc) from None
    except asyncio.CancelledError:
        interrupt()
        raise
    finally:
        if pending is not None and not pending.done():
            with contextlib.suppress(BaseException):
                await pending  # the worker must be done with the cursor first
        appender.clear()
    return count


def _copy_append(appender: Any, batch: Sequence[Sequence[Any]], flush: bool) -> None:
    appender.append_rows(batch)
    if flush:
        appender.flush()


# Types whose decoded Python values DuckDB's appender takes as they are (and arrays of them);
# values of any other type go in as PostgreSQL's text, which DuckDB casts to the column type.
_APPENDER_NATIVE = frozenset(
    {
        oids.BOOL, oids.INT2, oids.INT4, oids.INT8, oids.FLOAT4, oids.FLOAT8, oids.NUMERIC,
        oids.TEXT, oids.VARCHAR, oids.BPCHAR, oids.NAME, oids.BYTEA, oids.DATE, oids.TIME,
        oids.TIMESTAMP, oids.TIMESTAMPTZ, oids.UUID, oids.JSON, oids.JSONB,
    }
)  # fmt: skip


def copy_converter(columns: Sequence[Column]) -> Converter | None:
    """A batch converter for the columns DuckDB cannot take as Python values; None: none."""
    encoders: list[Callable[[Any], bytes] | None] = []
    for column in columns:
        oid = column.type_oid
        info = registry.get(oid)
        element = info.element_oid if info is not None else 0
        native = oid in _APPENDER_NATIVE or element in _APPENDER_NATIVE
        encoders.append(None if native else registry.encoder(oid, TEXT))
    if not any(encoders):
        return None

    def convert(batch: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(
                v if enc is None or v is None else enc(v).decode()
                for enc, v in zip(encoders, row, strict=True)
            )
            for row in batch
        ]

    return convert
