"""`GENERATED ALWAYS AS IDENTITY` on DuckDB: an explicit value is refused as PostgreSQL
refuses it (428C9), unless the INSERT says `OVERRIDING SYSTEM VALUE`.

An identity column is a column whose default draws from its own sequence (see ddl.py); DuckDB
has no notion of ALWAYS, so the sequence of an ALWAYS column carries the comment `MARKER`,
and INSERT and UPDATE statements naming such a column are checked here before DuckDB runs
them. The columns are read from DuckDB's catalog once and kept (`Identities`) until a session
changes the schema.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql.lexer import PUNCT, Token
from pgwire.sql.reader import TokenReader

__all__ = ["MARKER", "Identities", "check"]

MARKER = "GENERATED ALWAYS AS IDENTITY"
_PREFIX = 400  # characters read to find an INSERT's or UPDATE's table
_STOP = frozenset({"FROM", "WHERE", "RETURNING"})


class Identities:
    """The ALWAYS identity columns of one database: table name → {column: position}."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def changed(self) -> None:
        """A session changed the schema (or committed a change): read it again when needed."""
        self._tables = None

    def columns(self, cursor: Any, table: str) -> dict[str, int]:
        tables = self._tables
        if tables is None:
            with self._lock:
                tables = self._tables = _load(cursor)
        return tables.get(table, {})


def _load(cursor: Any) -> dict[str, dict[str, int]]:
    from pgwire.backends.duckdb.ddl import owned_sequence  # ddl imports this module

    marked = {
        name
        for (name,) in cursor.execute(
            "SELECT sequence_name FROM duckdb_sequences() WHERE comment = ?", [MARKER]
        ).fetchall()
    }
    tables: dict[str, dict[str, int]] = {}
    if not marked:
        return tables
    for table, column, position, default in cursor.execute(
        "SELECT table_name, column_name, column_index, column_default FROM duckdb_columns() "
        "WHERE column_default LIKE 'nextval(%' AND NOT internal"
    ).fetchall():
        sequence = owned_sequence(table, column, default)
        if sequence is not None and sequence.rsplit(".", 1)[-1].strip('"') in marked:
            tables.setdefault(table, {})[column] = position - 1  # column_index counts from 1
    return tables


@functools.lru_cache(maxsize=1024)
def _target(prefix: str) -> tuple[str, str] | None:
    """("INSERT" or "UPDATE", table name) of a statement's start; None for anything else."""
    reader = TokenReader(prefix)
    if reader.keywords("INSERT", "INTO"):
        verb = "INSERT"
    elif reader.keyword("UPDATE"):
        verb = "UPDATE"
        reader.keyword("ONLY")
    else:
        return None
    name = reader.name()
    while name is not None and reader.char("."):
        name = reader.name()
    return None if name is None else (verb, name)


def check(cursor: Any, identities: Identities, sql: str) -> None:
    """Raise 428C9 when `sql` gives an ALWAYS identity column a value, and 0A000 for
    `OVERRIDING USER VALUE`, which DuckDB would ignore."""
    target = _target(sql[:_PREFIX])
    if target is None:
        return
    verb, table = target
    columns = identities.columns(cursor, table)
    if not columns:
        return
    if verb == "INSERT":
        _check_insert(sql, columns)
    else:
        _check_update(sql, columns)


def _refused(column: str, update: bool) -> PgError:
    message = (
        f'column "{column}" can only be updated to DEFAULT'
        if update
        else f'cannot insert a non-DEFAULT value into column "{column}"'
    )
    return PgError(
        message,
        sqlstate.GENERATED_ALWAYS,
        detail=f'Column "{column}" is an identity column defined as GENERATED ALWAYS.',
        hint=None if update else "Use OVERRIDING SYSTEM VALUE to override.",
    )


def _check_insert(sql: str, always: dict[str, int]) -> None:
    reader = TokenReader(sql)
    reader.keywords("INSERT", "INTO")
    reader.name()
    while reader.char("."):
        reader.name()
    if reader.keyword("AS"):
        reader.name()
    positions: dict[int, str]
    if reader.char("("):
        items = reader.bracketed() or []
        named = [reader.tokens[first].value for first, _ in items]
        positions = {n: c for n, c in enumerate(named) if c in always}
    else:
        positions = {p: c for c, p in always.items()}
    if reader.keywords("OVERRIDING", "USER", "VALUE"):
        raise PgError(
            "INSERT ... OVERRIDING USER VALUE is not supported on DuckDB",
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    if reader.keywords("OVERRIDING", "SYSTEM", "VALUE") or not positions:
        return
    if reader.keywords("DEFAULT", "VALUES"):
        return
    if not reader.keyword("VALUES"):  # INSERT ... SELECT gives every target column a value
        raise _refused(positions[min(positions)], update=False)
    while reader.char("("):
        row = reader.bracketed() or []
        for position, column in positions.items():
            if position < len(row) and not _is_default(reader.tokens, row[position]):
                raise _refused(column, update=False)
        if not reader.char(","):
            break


def _check_update(sql: str, always: dict[str, int]) -> None:
    reader = TokenReader(sql)
    while not reader.at_end() and not reader.keyword("SET"):
        reader.take()
    # the SET list: up to FROM, WHERE or RETURNING outside brackets
    end = len(reader.tokens)
    depth = 0
    for j in range(reader.i, len(reader.tokens)):
        token = reader.tokens[j]
        if token.kind == PUNCT and token.text in "([":
            depth += 1
        elif token.kind == PUNCT and token.text in ")]":
            depth -= 1
        elif depth == 0 and token.keyword in _STOP:
            end = j
            break
    reader.tokens = reader.tokens[:end]
    for first, last in reader.split(","):
        item = reader.tokens[first:last]
        if not item:
            continue
        if item[0].text == "(":
            close = next((k for k, t in enumerate(item) if t.text == ")"), len(item))
            names = [t.value for t in item[1:close] if t.kind != PUNCT]
            hit = next((n for n in names if n in always), None)
            if hit is not None:
                raise _refused(hit, update=True)
            continue
        column = item[0].value
        if column in always and not _is_default(item, (2, len(item))):
            raise _refused(column, update=True)


def _is_default(tokens: tuple[Token, ...], span: tuple[int, int]) -> bool:
    first, end = span
    return end - first == 1 and tokens[first].keyword == "DEFAULT"
