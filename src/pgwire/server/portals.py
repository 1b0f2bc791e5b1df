"""Prepared statements and portals: the extended-query bookkeeping handlers never see.

Protocol-level (Parse/Bind) and SQL-level (PREPARE, DECLARE ... CURSOR) objects share these
classes and the same namespaces, as in PostgreSQL. The unnamed statement and portal are
replaced by the next Parse/Bind; a named one must be closed before its name is reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Result, Rows
from pgwire.server.results import ResultStream, expand_formats
from pgwire.types import oids
from pgwire.types.registry import BINARY, TextFormats, registry

UNKNOWN_COLUMNS: Any = object()  # a statement whose result has not been described yet


@dataclass(slots=True)
class PreparedStatement:
    name: str
    sql: str  # "" for an empty query
    param_types: list[int]  # one OID per $n; 0 until the server decides
    columns: Any = UNKNOWN_COLUMNS  # None: returns no rows
    sql_level: bool = False  # created by SQL PREPARE (listed, not just protocol)


@dataclass(slots=True)
class Portal:
    name: str
    statement: PreparedStatement
    params: list[Any]
    result_formats: list[int]
    hold: bool = False  # WITH HOLD: survives the end of its transaction
    result: Result | None = None  # once the statement ran
    stream: ResultStream | None = None
    tag: str = ""  # the CommandComplete tag of a statement without rows
    sent: int = 0  # rows sent so far (cursors report positions)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        return self.result is not None

    def attach(self, result: Result, formats: TextFormats | None = None) -> None:
        self.result = result
        if isinstance(result, Rows):
            self.stream = ResultStream(result, self.result_formats, formats)
        else:
            self.tag = result.tag

    async def close(self) -> None:
        if self.stream is not None:
            await self.stream.close()


class Prepared:
    """A session's prepared statements and portals (cursors), by name."""

    __slots__ = ("portals", "statements")

    def __init__(self) -> None:
        self.statements: dict[str, PreparedStatement] = {}
        self.portals: dict[str, Portal] = {}

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

    def add_statement(self, statement: PreparedStatement) -> None:
        """A named statement must be closed before its name is used again."""
        if statement.name and statement.name in self.statements:
            raise PgError(
                f'prepared statement "{statement.name}" already exists',
                sqlstate.DUPLICATE_PSTATEMENT,
            )
        self.statements[statement.name] = statement

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

    async def close_all(self) -> None:
        for name in list(self.portals):
            await self.close_portal(name)
        for name in list(self.statements):
            await self.close_statement(name)

    async def transaction_ended(self) -> None:
        """Outside a transaction block only WITH HOLD cursors outlive their transaction."""
        for name, portal in list(self.portals.items()):
            if not portal.hold:
                await self.close_portal(name)


def decode_params(
    statement: PreparedStatement,
    formats: Sequence[int],
    values: Sequence[bytes | None],
    text_formats: TextFormats | None = None,
) -> list[Any]:
    """Bind's wire values as Python values, checked against the statement like PostgreSQL."""
    types = statement.param_types
    if len(values) != len(types):
        raise PgError(
            f"bind message supplies {len(values)} parameters, but prepared statement "
            f'"{statement.name}" requires {len(types)}',
            sqlstate.PROTOCOL_VIOLATION,
        )
    codes = expand_formats(formats, len(values), "parameter")
    out: list[Any] = []
    for index, (oid, fmt, raw) in enumerate(zip(types, codes, values, strict=True), 1):
        if raw is None:
            out.append(None)
            continue
        decoder = registry.decoder(oid or oids.TEXT, fmt, text_formats)
        if fmt == BINARY:
            _check_binary_size(oid, raw, index)
        try:
            out.append(decoder(raw))
        except PgError as err:
            if fmt == BINARY and err.sqlstate != sqlstate.INVALID_BINARY_REPRESENTATION:
                raise _bad_binary(index) from err
            raise
        except Exception as exc:
            if fmt == BINARY:
                raise _bad_binary(index) from exc
            name = registry.get(oid).name if registry.get(oid) else str(oid)  # type: ignore[union-attr]
            raise PgError(
                f'invalid input syntax for type {name}: "{raw.decode(errors="replace")}"',
                sqlstate.INVALID_TEXT_REPRESENTATION,
            ) from exc
    return out


def _check_binary_size(oid: int, raw: bytes, index: int) -> None:
    """A fixed-size binary value of the wrong size, with PostgreSQL's two different errors."""
    size = registry.size_of(oid)
    if size > 0 and len(raw) != size and oid != oids.NAME:  # name: 64 bytes, sent unpadded
        if len(raw) < size:
            raise PgError("insufficient data left in message", sqlstate.PROTOCOL_VIOLATION)
        raise _bad_binary(index)


def _bad_binary(index: int) -> PgError:
    return PgError(
        f"incorrect binary data format in bind parameter {index}",
        sqlstate.INVALID_BINARY_REPRESENTATION,
    )
