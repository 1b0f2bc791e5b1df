"""SQL statements the front end answers itself: PREPARE, EXECUTE, DEALLOCATE, and cursors.

They run over the same prepared statements and portals as Parse/Bind (one namespace each, as
in PostgreSQL), so psycopg's and psycopg2's named cursors (DECLARE / FETCH FORWARD n / CLOSE)
work on any backend, DuckDB included, which has no cursors of its own.
"""

from __future__ import annotations

import functools
import re
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
from pgwire.types.registry import registry

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*)'
_PREPARE = re.compile(
    rf"PREPARE\s+({_IDENT})\s*(?:\((.*?)\))?\s*AS\s+(.*)\Z", re.IGNORECASE | re.DOTALL
)
_EXECUTE = re.compile(rf"EXECUTE\s+({_IDENT})\s*(?:\((.*)\))?\s*\Z", re.IGNORECASE | re.DOTALL)
_DEALLOCATE = re.compile(rf"DEALLOCATE\s+(?:PREPARE\s+)?({_IDENT})\s*\Z", re.IGNORECASE)
_DECLARE = re.compile(
    rf"DECLARE\s+({_IDENT})\s+((?:\w+\s+)*?)CURSOR\s*((?:WITH|WITHOUT)\s+HOLD\s+)?FOR\s+(.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_FETCH = re.compile(
    rf"(FETCH|MOVE)\s+(?:(.*?)\s+)?(?:(?:FROM|IN)\s+)?({_IDENT})\s*\Z", re.IGNORECASE | re.DOTALL
)
_CLOSE = re.compile(rf"CLOSE\s+({_IDENT})\s*\Z", re.IGNORECASE)

VERBS = frozenset({"PREPARE", "EXECUTE", "DEALLOCATE", "DECLARE", "FETCH", "MOVE", "CLOSE"})


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_front_end_command(sql: str) -> bool:
    words = sqltext.leading_words(sql, 2)
    if not words or words[0] not in VERBS:
        return False
    return not (words[0] == "PREPARE" and words[1:] == ["TRANSACTION"])


def _name(ident: str) -> str:
    """An identifier as PostgreSQL folds it: quoted kept, unquoted lower-cased."""
    if ident.startswith('"'):
        return ident[1:-1].replace('""', '"')
    return ident.lower()


def _split_args(text: str) -> list[str]:
    """Top-level comma-separated expressions of an EXECUTE argument list."""
    args: list[str] = []
    depth = 0
    start = 0
    for is_code, begin, end in sqltext.spans(text):
        if not is_code:
            continue
        for i in range(begin, end):
            c = text[i]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "," and depth == 0:
                args.append(text[start:i].strip())
                start = i + 1
    last = text[start:].strip()
    if last or args:
        args.append(last)
    return args


async def run(
    ctx: PortalContext, sql: str, params: Sequence[Any] | None, types: Sequence[int]
) -> Result:
    text = sqltext.strip_comments(sql).strip()
    verb = sqltext.leading_words(text, 1)[0]
    if verb == "PREPARE":
        return _prepare(ctx, text)
    if verb == "EXECUTE":
        return await _execute(ctx, text)
    if verb == "DEALLOCATE":
        return await _deallocate(ctx, text)
    if verb == "DECLARE":
        return _declare(ctx, text, params, types)
    if verb in ("FETCH", "MOVE"):
        return await _fetch(ctx, text)
    return await _close(ctx, text)


def _syntax(sql: str) -> PgError:
    return PgError(f"syntax error in {sql.split()[0].upper()} statement", sqlstate.SYNTAX_ERROR)


def _prepare(ctx: PortalContext, sql: str) -> Result:
    match = _PREPARE.match(sql)
    if not match:
        raise _syntax(sql)
    name = _name(match.group(1))
    if name in ctx.prepared.statements:
        raise PgError(f'prepared statement "{name}" already exists', sqlstate.DUPLICATE_PSTATEMENT)
    declared = [registry.by_name(t.strip()).oid for t in _split_args(match.group(2) or "")]
    statement = ctx.prepare(name, match.group(3), declared)
    statement.sql_level = True
    ctx.prepared.statements[name] = statement
    return Command("PREPARE")


async def _execute(ctx: PortalContext, sql: str) -> Result:
    match = _EXECUTE.match(sql)
    if not match:
        raise _syntax(sql)
    name = _name(match.group(1))
    statement = ctx.prepared.statement(name)
    args = _split_args(match.group(2) or "")
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
    words = sqltext.leading_words(sql, 3)
    if words[1:] in (["ALL"], ["PREPARE", "ALL"]):
        for name in list(ctx.prepared.statements):
            await ctx.prepared.close_statement(name)
        return Command("DEALLOCATE ALL")
    match = _DEALLOCATE.match(sql)
    if not match:
        raise _syntax(sql)
    name = _name(match.group(1))
    ctx.prepared.statement(name)  # 26000 when it does not exist
    await ctx.prepared.close_statement(name)
    return Command("DEALLOCATE")


def _declare(
    ctx: PortalContext, sql: str, params: Sequence[Any] | None, types: Sequence[int]
) -> Result:
    match = _DECLARE.match(sql)
    if not match:
        raise _syntax(sql)
    name = _name(match.group(1))
    options = match.group(2).upper().split()
    hold = (match.group(3) or "").upper().startswith("WITH")
    if "BINARY" in options:
        raise PgError("binary cursors are not supported", sqlstate.FEATURE_NOT_SUPPORTED)
    if "SCROLL" in options and "NO" not in options:
        raise PgError(
            "scrollable cursors are not supported",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="Declare it with NO SCROLL, or fetch forward only.",
        )
    if not hold and ctx.transaction.status != IN_BLOCK:
        raise PgError(
            "DECLARE CURSOR can only be used in transaction blocks",
            sqlstate.NO_ACTIVE_SQL_TRANSACTION,
        )
    if name in ctx.prepared.portals:
        raise PgError(f'cursor "{name}" already exists', sqlstate.DUPLICATE_CURSOR)
    statement = ctx.prepare("", match.group(4), list(types))
    portal = Portal(name, statement, list(params or []), [], hold=hold)
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


async def _fetch(ctx: PortalContext, sql: str) -> Result:
    match = _FETCH.match(sql)
    if not match:
        raise _syntax(sql)
    verb = match.group(1).upper()
    direction = match.group(2) or ""
    name = _name(match.group(3))
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
    if sqltext.leading_words(sql, 2) == ["CLOSE", "ALL"]:
        for name in list(ctx.prepared.portals):
            await ctx.prepared.close_portal(name)
        return Command("CLOSE CURSOR ALL")
    match = _CLOSE.match(sql)
    if not match:
        raise _syntax(sql)
    name = _name(match.group(1))
    if name not in ctx.prepared.portals:
        raise PgError(f'cursor "{name}" does not exist', sqlstate.UNDEFINED_CURSOR)
    await ctx.prepared.close_portal(name)
    return Command("CLOSE CURSOR")


async def described_columns(ctx: PortalContext, sql: str) -> list[Column] | None:
    """The columns of EXECUTE and FETCH: those of the statement or cursor they name
    (described, not run: a FETCH run to learn them would move the cursor); None for the
    other SQL-level commands (PREPARE, DECLARE, MOVE, CLOSE, DEALLOCATE)."""
    text = sqltext.strip_comments(sql).strip()
    target = None
    if (found := _FETCH.match(text)) and found.group(1).upper() == "FETCH":
        portal = ctx.prepared.portals.get(_name(found.group(3)))
        if portal is not None and portal.started:
            return list(portal.result.columns) if isinstance(portal.result, Rows) else None
        target = portal.statement if portal is not None else None
    elif found := _EXECUTE.match(text):
        target = ctx.prepared.statements.get(_name(found.group(1)))
    if target is None:  # no such cursor or statement (yet): running it will tell
        return None
    await ctx.describe_statement(target)
    return target.columns  # type: ignore[no-any-return]
