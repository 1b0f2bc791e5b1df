"""SET, RESET, SHOW, DISCARD and the set_config()/current_setting() calls, over Settings.

SET [SESSION | LOCAL] name { TO | = } { value [, ...] | DEFAULT }
SET [SESSION | LOCAL] TIME ZONE { value | LOCAL | DEFAULT }
SET SCHEMA 'x' · SET NAMES 'x' · SET [SESSION CHARACTERISTICS AS] TRANSACTION ...
RESET { name | ALL } · SHOW { name | ALL | TIME ZONE } · DISCARD { ALL | PLANS | ... }
SELECT set_config('name', 'value', is_local) · SELECT current_setting('name'[, missing_ok])
SELECT set_config(name, 'value', is_local) FROM pg_settings WHERE name = 'name'
  (pg_dump's way to set a parameter only where the server has it)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Result, Rows
from pgwire.server.context import ParameterContext
from pgwire.server.transaction import IDLE
from pgwire.settings import PARAMETERS
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader

_ALIASES = {"SCHEMA": "search_path", "NAMES": "client_encoding"}
_CALLS = ("SET_CONFIG", "CURRENT_SETTING")
# Lists of names, which PostgreSQL keeps quoted where a name needs it (GUC_LIST_QUOTE).
_NAME_LISTS = frozenset({"search_path"})
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_$]*\Z")


def _value(r: TokenReader, items: list[tuple[int, int]], name: str = "") -> str | None:
    """A SET value list as PostgreSQL flattens it ('a', b, 3 → "a, b, 3"); None for DEFAULT."""
    if len(items) == 1 and r.text(*items[0]).upper() == "DEFAULT":
        return None
    if name.lower() in _NAME_LISTS:
        return ", ".join(_name_item(r, first, end) for first, end in items)
    return ", ".join(_item(r, first, end) for first, end in items)


def _name_item(r: TokenReader, first: int, end: int) -> str:
    """One name of a list: folded as PostgreSQL folds it, quoted where it must be."""
    token = r.tokens[first]
    if end - first != 1 or token.kind not in (lexer.STRING, lexer.IDENT, lexer.WORD):
        return r.text(first, end)
    name = token.value
    return name if _PLAIN_NAME.match(name) else '"' + name.replace('"', '""') + '"'


def _item(r: TokenReader, first: int, end: int) -> str:
    """One value: a string constant or quoted name unquoted, anything else as written."""
    if end - first == 1 and r.tokens[first].kind in (lexer.STRING, lexer.IDENT):
        return r.tokens[first].value
    return r.text(first, end)


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_set_command(sql: str) -> bool:
    words = sqltext.leading_words(sql, 2)
    if not words:
        return False
    if words[0] in ("SET", "RESET", "SHOW", "DISCARD"):
        return not (words[0] == "SET" and words[1:] in (["CONSTRAINTS"], ["ROLE"]))
    return words[0] == "SELECT" and _call(sql) is not None


@dataclass(frozen=True, slots=True)
class _Call:
    function: str  # set_config or current_setting
    args: list[str | None]  # literal arguments; the bare column `name` of pg_settings: None
    label: str  # the result column's name
    only_if: str | None = None  # FROM pg_settings WHERE name = only_if: the parameter's name


def _call(sql: str) -> _Call | None:
    """SELECT [pg_catalog.]set_config(...) or current_setting(...) [[AS] label] and nothing
    else, or set_config(name, ...) FROM pg_settings WHERE name = '...': None for any other
    SELECT."""
    r = TokenReader(sql)
    r.keyword("SELECT")
    if r.keywords("PG_CATALOG") and not r.char("."):
        return None
    function = r.keyword(*_CALLS)
    if function is None or not r.char("("):
        return None
    items = r.bracketed()
    if items is None:
        return None
    label = function.lower()
    following = r.peek()
    if r.keyword("AS") or (
        r.at_name() and following is not None and following.text.upper() != "FROM"
    ):
        label = r.name() or ""
    args = [_argument(r, first, end) for first, end in items]
    only_if = None
    if function == "SET_CONFIG" and r.keyword("FROM"):
        only_if = _settings_filter(r)
        bare_name = len(items) == 3 and r.text(*items[0]).lower() == "name"
        if only_if is None or not bare_name:
            return None
        args[0] = only_if
    if not r.at_end() or not label:
        return None
    return _Call(function.lower(), args, label, only_if)


def _settings_filter(r: TokenReader) -> str | None:
    """After FROM: `[pg_catalog.]pg_settings WHERE name = 'x'`, consumed: x."""
    if r.qualified_name() not in ("pg_settings", "pg_catalog.pg_settings"):
        return None
    if not (r.keyword("WHERE") and r.keyword("NAME") and r.char("=")):
        return None
    token = r.take()
    if token is None or token.kind != lexer.STRING:
        return None
    return token.value


def _argument(r: TokenReader, first: int, end: int) -> str | None:
    text = r.text(first, end)
    if text.upper() == "NULL":
        return None
    if text.upper() in ("TRUE", "FALSE"):
        return text.lower()
    return _item(r, first, end)


async def run(ctx: ParameterContext, sql: str) -> Result:
    r = TokenReader(sql)
    verb = r.keyword("SHOW", "DISCARD", "RESET", "SELECT", "SET")
    local_tx = ctx.transaction.status != IDLE
    if verb == "SHOW":
        return _show(ctx, r)
    if verb == "DISCARD":
        return await _discard(ctx, r)
    if verb == "RESET":
        if r.keyword("ALL") and r.at_end():
            await ctx.parameters.reset_all(in_block=local_tx)
            return Command("RESET")
        name = r.qualified_name()
        if name is None or not r.at_end():
            raise r.error()
        await ctx.parameters.set(name, None, local=False, in_block=local_tx)
        return Command("RESET")
    if verb == "SELECT":
        return await _set_config_call(ctx, sql)
    scope = r.keyword("SESSION", "LOCAL")
    if r.keyword("TRANSACTION") or (scope == "SESSION" and r.keyword("CHARACTERISTICS")):
        return Command("SET")  # isolation and access modes: accepted, DuckDB is serializable
    if r.keywords("TIME", "ZONE"):
        name = "TimeZone"
        items = r.split()
        bare = len(items) == 1 and r.text(*items[0]).upper() in ("LOCAL", "DEFAULT")
        value = None if bare else _value(r, items)
    elif alias := r.keyword(*_ALIASES):
        name = _ALIASES[alias]
        value = _value(r, r.split(), name)
    else:
        found = r.qualified_name()
        if found is None or not (r.keyword("TO") or r.char("=")) or r.at_end():
            raise r.error()
        name, value = found, _value(r, r.split(), found)
    if scope == "LOCAL" and not local_tx:
        ctx.send_notice(
            PgError(
                "SET LOCAL can only be used in transaction blocks",
                sqlstate.NO_ACTIVE_SQL_TRANSACTION,
                severity="WARNING",
            )
        )
        return Command("SET")
    await ctx.parameters.set(name, value, local=scope == "LOCAL", in_block=local_tx)
    return Command("SET")


def _show(ctx: ParameterContext, r: TokenReader) -> Result:
    settings = ctx.settings
    if r.keywords("TRANSACTION", "ISOLATION", "LEVEL") and r.at_end():
        value = settings.get("transaction_isolation")
        return Rows([Column("transaction_isolation")], [(value,)], command="SHOW")
    if r.keywords("TIME", "ZONE"):
        name: str | None = "TimeZone"
    elif r.keyword("ALL"):
        name = None
    else:
        name = r.qualified_name()
        if name is None:
            raise r.error()
    if not r.at_end():
        raise r.error()
    if name is None:
        rows = [
            (settings.display_name(key), settings.values[key], PARAMETERS[key].description)
            for key in sorted(PARAMETERS)
        ]
        return Rows(
            [Column("name"), Column("setting"), Column("description")], rows, command="SHOW"
        )
    value = settings.get(name)
    return Rows([Column(settings.display_name(name))], [(value,)], command="SHOW")


async def _discard(ctx: ParameterContext, r: TokenReader) -> Result:
    what = r.keyword("ALL", "PLANS", "SEQUENCES", "TEMP", "TEMPORARY")
    if what is None or not r.at_end():
        raise r.error()
    if what == "ALL":
        if ctx.transaction.status != IDLE:
            raise PgError(
                "DISCARD ALL cannot run inside a transaction block",
                sqlstate.ACTIVE_SQL_TRANSACTION,
            )
        await ctx.discard_all()
    return Command(f"DISCARD {'TEMP' if what == 'TEMPORARY' else what}")


async def _set_config_call(ctx: ParameterContext, sql: str) -> Result:
    call = _call(sql)
    assert call is not None
    function, args, label = call.function, call.args, call.label
    if call.only_if is not None and call.only_if.lower() not in PARAMETERS:
        return Rows([Column(label)], [])  # no such row in pg_settings: nothing is set
    if function == "current_setting":
        if not 1 <= len(args) <= 2 or args[0] is None:
            raise PgError("function current_setting needs a name", sqlstate.UNDEFINED_FUNCTION)
        missing_ok = len(args) == 2 and args[1] in ("true", "t", "on")
        try:
            value: str | None = ctx.settings.get(args[0])
        except PgError:
            if not missing_ok:
                raise
            value = None
        return Rows([Column(label)], [(value,)])
    if len(args) != 3 or args[0] is None:
        raise PgError("function set_config needs three arguments", sqlstate.UNDEFINED_FUNCTION)
    local = args[2] in ("true", "t", "on")
    if local and ctx.transaction.status == IDLE:
        return Rows([Column(label)], [(args[1] or "",)])  # lasts only this statement
    in_block = ctx.transaction.status != IDLE
    await ctx.parameters.set(args[0], args[1] or "", local=local, in_block=in_block)
    return Rows([Column(label)], [(ctx.settings.get(args[0]),)])
