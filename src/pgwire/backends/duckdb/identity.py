"""`GENERATED ALWAYS AS IDENTITY` on DuckDB: an explicit value is refused as PostgreSQL
refuses it (428C9), unless the INSERT says `OVERRIDING SYSTEM VALUE`.

An identity column is a column whose default draws from its own sequence (see ddl.py); DuckDB
has no notion of ALWAYS, so the sequence of an ALWAYS column carries a comment
(`columns.MARKER`), and INSERT and UPDATE statements naming such a column are checked here
before DuckDB runs them (`columns.TableColumns` knows the columns).
"""

from __future__ import annotations

import functools
from typing import Any

from pgwire import sqlstate
from pgwire.backends.duckdb.columns import TableColumns
from pgwire.errors import PgError
from pgwire.sql.lexer import PUNCT, Token
from pgwire.sql.reader import TokenReader

__all__ = ["check"]

_PREFIX = 400  # characters read to find an INSERT's or UPDATE's table
_STOP = frozenset({"FROM", "WHERE", "RETURNING"})


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


def check(cursor: Any, tables: TableColumns, sql: str) -> None:
    """Raise 428C9 when `sql` gives an ALWAYS identity column a value, and 0A000 for
    `OVERRIDING USER VALUE`, which DuckDB would ignore."""
    target = _target(sql[:_PREFIX])
    if target is None:
        return
    verb, table = target
    columns = tables.always(cursor, table)
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
