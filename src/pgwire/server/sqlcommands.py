"""SQL statements the front end answers itself: PREPARE, EXECUTE, DEALLOCATE, and cursors.

They run over the same prepared statements and portals as Parse/Bind (one namespace each, as
in PostgreSQL), so psycopg's and psycopg2's named cursors (DECLARE / FETCH FORWARD n / CLOSE)
work on any backend, DuckDB included, which has no cursors of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Result, Rows
from pgwire.server.context import PortalContext
from pgwire.server.portals import Portal
from pgwire.server.results import CHUNK
from pgwire.server.transaction import IN_BLOCK
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader
from pgwire.types.registry import registry

VERBS = frozenset({"PREPARE", "EXECUTE", "DEALLOCATE", "DECLARE", "FETCH", "MOVE", "CLOSE"})


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_front_end_command(sql: str) -> bool:
    words = sqltext.leading_words(sql, 2)
    if not words or words[0] not in VERBS:
        return False
    return not (words[0] == "PREPARE" and words[1:] == ["TRANSACTION"])


async def run(
    ctx: PortalContext, sql: str, params: Sequence[Any] | None, types: Sequence[int]
) -> Result:
    verb = sqltext.leading_words(sql, 1)[0]
    if verb == "PREPARE":
        return _prepare(ctx, sql)
    if verb == "EXECUTE":
        return await _execute(ctx, sql)
    if verb == "DEALLOCATE":
        return await _deallocate(ctx, sql)
    if verb == "DECLARE":
        return _declare(ctx, sql, params, types)
    if verb in ("FETCH", "MOVE"):
        return await _fetch(ctx, sql)
    return await _close(ctx, sql)


def _syntax(sql: str) -> PgError:
    verb = sqltext.leading_words(sql, 1)
    return PgError(f"syntax error in {verb[0] if verb else ''} statement", sqlstate.SYNTAX_ERROR)


def _prepare(ctx: PortalContext, sql: str) -> Result:
    r = TokenReader(sql)
    r.keyword("PREPARE")
    name = r.name()
    if name is None:
        raise _syntax(sql)
    type_names: list[str] = []
    if r.char("("):
        items = r.bracketed()
        if items is None:
            raise _syntax(sql)
        type_names = [r.text(first, end) for first, end in items]
    if not r.keyword("AS") or r.at_end():
        raise _syntax(sql)
    if name in ctx.prepared.statements:
        raise PgError(f'prepared statement "{name}" already exists', sqlstate.DUPLICATE_PSTATEMENT)
    declared = [registry.by_name(t).oid for t in type_names]
    statement = ctx.prepare(name, r.rest(), declared)
    statement.sql_level = True
    ctx.prepared.statements[name] = statement
    return Command("PREPARE")


def _parse_execute(sql: str) -> tuple[str, list[str]] | None:
    """EXECUTE name [(arg, ...)]: the name and the arguments' texts; None if it is not."""
    r = TokenReader(sql)
    r.keyword("EXECUTE")
    name = r.name()
    if name is None:
        return None
    args: list[str] = []
    if r.char("("):
        items = r.bracketed()
        if items is None:
            return None
        args = [r.text(first, end) for first, end in items]
    return (name, args) if r.at_end() else None


async def _execute(ctx: PortalContext, sql: str) -> Result:
    parsed = _parse_execute(sql)
    if parsed is None:
        raise _syntax(sql)
    name, args = parsed
    statement = ctx.prepared.statement(name)
    if len(args) != len(statement.param_types):
        raise PgError(
            f'wrong number of parameters for prepared statement "{name}"',
            sqlstate.SYNTAX_ERROR,
            detail=f"Expected {len(statement.param_types)} parameters but got {len(args)}.",
        )
    # Arguments are SQL expressions the user wrote: they go into the text, typed as declared.
    replacements = []
    for arg, oid in zip(args, statement.param_types, strict=True):
        info = registry.get(oid) if oid else None
        replacements.append(f"({arg})::{info.name}" if info else f"({arg})")
    return await ctx.run_statement(sqltext.substitute_parameters(statement.sql, replacements))


async def _deallocate(ctx: PortalContext, sql: str) -> Result:
    r = TokenReader(sql)
    r.keyword("DEALLOCATE")
    r.keyword("PREPARE")
    if _all(r):
        for each in list(ctx.prepared.statements):
            await ctx.prepared.close_statement(each)
        return Command("DEALLOCATE ALL")
    name = r.name()
    if name is None or not r.at_end():
        raise _syntax(sql)
    ctx.prepared.statement(name)  # 26000 when it does not exist
    await ctx.prepared.close_statement(name)
    return Command("DEALLOCATE")


def _all(r: TokenReader) -> bool:
    """The rest is the keyword ALL (a quoted "all" is a name)."""
    token = r.peek()
    return token is not None and token.keyword == "ALL" and r.peek(1) is None


_CURSOR_OPTIONS = ("BINARY", "INSENSITIVE", "ASENSITIVE", "SENSITIVE", "NO", "SCROLL")


def _declare(
    ctx: PortalContext, sql: str, params: Sequence[Any] | None, types: Sequence[int]
) -> Result:
    r = TokenReader(sql)
    r.keyword("DECLARE")
    name = r.name()
    if name is None:
        raise _syntax(sql)
    options = []
    while option := r.keyword(*_CURSOR_OPTIONS):
        options.append(option)
    if not r.keyword("CURSOR"):
        raise _syntax(sql)
    hold = r.keyword("WITH", "WITHOUT")
    if hold is not None and not r.keyword("HOLD"):
        raise _syntax(sql)
    if not r.keyword("FOR") or r.at_end():
        raise _syntax(sql)
    query = r.rest()
    if "BINARY" in options:
        raise PgError("binary cursors are not supported", sqlstate.FEATURE_NOT_SUPPORTED)
    if "SCROLL" in options and "NO" not in options:
        raise PgError(
            "scrollable cursors are not supported",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="Declare it with NO SCROLL, or fetch forward only.",
        )
    if hold != "WITH" and ctx.transaction.status != IN_BLOCK:
        raise PgError(
            "DECLARE CURSOR can only be used in transaction blocks",
            sqlstate.NO_ACTIVE_SQL_TRANSACTION,
        )
    if name in ctx.prepared.portals:
        raise PgError(f'cursor "{name}" already exists', sqlstate.DUPLICATE_CURSOR)
    statement = ctx.prepare("", query, list(types))
    portal = Portal(name, statement, list(params or []), [], hold=hold == "WITH")
    ctx.prepared.portals[name] = portal
    return Command("DECLARE CURSOR")


def _count(direction: str) -> int | None:
    """Rows a FETCH/MOVE direction asks for (None: all); only forward motion is supported."""
    words = direction.upper().split()
    if not words or words == ["NEXT"] or words == ["FORWARD"]:
        return 1
    if words[0] == "FORWARD":
        words = words[1:]
    if words == ["ALL"]:
        return None
    if len(words) == 1 and words[0].lstrip("+").isdigit():
        return int(words[0])
    if len(words) == 2 and words[0] == "RELATIVE" and words[1].lstrip("+").isdigit():
        return int(words[1])
    raise PgError(
        "cursor can only scan forward",
        sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
        hint="Declare it with SCROLL option to enable backward scan.",
    )


def _parse_fetch(sql: str) -> tuple[str, str, str] | None:
    """FETCH | MOVE [direction] [FROM | IN] cursor: (verb, direction, cursor); None if not."""
    r = TokenReader(sql)
    verb = r.keyword("FETCH", "MOVE")
    tokens = r.tokens
    end = len(tokens) - 1
    if verb is None or end < 1 or tokens[end].kind not in (lexer.WORD, lexer.IDENT):
        return None
    if end > 1 and tokens[end - 1].keyword in ("FROM", "IN"):
        end -= 1
    direction = " ".join(token.text for token in tokens[1:end])
    return verb, direction, tokens[-1].value


async def _fetch(ctx: PortalContext, sql: str) -> Result:
    parsed = _parse_fetch(sql)
    if parsed is None:
        raise _syntax(sql)
    verb, direction, name = parsed
    portal = ctx.prepared.portals.get(name)
    if portal is None:
        raise PgError(f'cursor "{name}" does not exist', sqlstate.UNDEFINED_CURSOR)
    wanted = _count(direction)
    if not portal.started:
        await ctx.start_portal(portal)
    stream = portal.stream
    if stream is None:
        raise PgError(f'cursor "{name}" does not return rows', sqlstate.INVALID_CURSOR_STATE)
    rows: list[Sequence[Any]] = []
    while not stream.done and (wanted is None or len(rows) < wanted):
        step = CHUNK if wanted is None else min(CHUNK, wanted - len(rows))
        chunk = await stream.take(step)
        if verb == "FETCH":
            rows.extend(chunk)
        else:
            rows.extend(() for _ in chunk)
        if not chunk:
            break
    portal.sent += len(rows)
    if verb == "MOVE":
        return Command(f"MOVE {len(rows)}")
    assert isinstance(portal.result, Rows)
    return Rows(portal.result.columns, rows, command="FETCH")


async def _close(ctx: PortalContext, sql: str) -> Result:
    r = TokenReader(sql)
    r.keyword("CLOSE")
    if _all(r):
        for each in list(ctx.prepared.portals):
            await ctx.prepared.close_portal(each)
        return Command("CLOSE CURSOR ALL")
    name = r.name()
    if name is None or not r.at_end():
        raise _syntax(sql)
    if name not in ctx.prepared.portals:
        raise PgError(f'cursor "{name}" does not exist', sqlstate.UNDEFINED_CURSOR)
    await ctx.prepared.close_portal(name)
    return Command("CLOSE CURSOR")


async def described_columns(ctx: PortalContext, sql: str) -> list[Column] | None:
    """The columns of EXECUTE and FETCH: those of the statement or cursor they name
    (described, not run: a FETCH run to learn them would move the cursor); None for the
    other SQL-level commands (PREPARE, DECLARE, MOVE, CLOSE, DEALLOCATE)."""
    target = None
    verb = sqltext.leading_words(sql, 1)
    if verb == ["FETCH"] and (fetch := _parse_fetch(sql)):
        portal = ctx.prepared.portals.get(fetch[2])
        if portal is not None and portal.started:
            return list(portal.result.columns) if isinstance(portal.result, Rows) else None
        target = portal.statement if portal is not None else None
    elif verb == ["EXECUTE"] and (execute := _parse_execute(sql)):
        target = ctx.prepared.statements.get(execute[0])
    if target is None:  # no such cursor or statement (yet): running it will tell
        return None
    await ctx.describe_statement(target)
    return target.columns  # type: ignore[no-any-return]
