"""SET, RESET, SHOW, DISCARD and the set_config()/current_setting() calls, over Settings.

SET [SESSION | LOCAL] name { TO | = } { value [, ...] | DEFAULT }
SET [SESSION | LOCAL] TIME ZONE { value | LOCAL | DEFAULT }
SET SCHEMA 'x' · SET NAMES 'x' · SET [SESSION CHARACTERISTICS AS] TRANSACTION ...
RESET { name | ALL } · SHOW { name | ALL | TIME ZONE } · DISCARD { ALL | PLANS | ... }
SELECT set_config('name', 'value', is_local) · SELECT current_setting('name'[, missing_ok])
"""

from __future__ import annotations

import functools
import re

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Result, Rows
from pgwire.server.context import ParameterContext
from pgwire.server.transaction import IDLE
from pgwire.settings import PARAMETERS

_NAME = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*(?:\.[A-Za-z_][A-Za-z_0-9$]*)*)'
_SET = re.compile(
    rf"SET\s+(?:(SESSION|LOCAL)\s+)?({_NAME})\s*(?:TO|=)\s*(.*?)\s*\Z", re.IGNORECASE | re.DOTALL
)
_SET_TZ = re.compile(
    r"SET\s+(?:(SESSION|LOCAL)\s+)?TIME\s+ZONE\s+(.*?)\s*\Z", re.IGNORECASE | re.DOTALL
)
_SET_ALIAS = re.compile(
    r"SET\s+(?:(SESSION|LOCAL)\s+)?(SCHEMA|NAMES)\s+(.*?)\s*\Z", re.IGNORECASE | re.DOTALL
)
_RESET = re.compile(rf"RESET\s+({_NAME})\s*\Z", re.IGNORECASE)
_SHOW = re.compile(rf"SHOW\s+({_NAME}|TIME\s+ZONE)\s*\Z", re.IGNORECASE)
_CALL = re.compile(
    r"SELECT\s+(?:pg_catalog\.)?(set_config|current_setting)\s*\((.*)\)\s*(?:AS\s+(\w+|\"[^\"]+\"))?\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
_ALIASES = {"SCHEMA": "search_path", "NAMES": "client_encoding"}


def _unquote(name: str) -> str:
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def _value(text: str) -> str | None:
    """A SET value list as PostgreSQL flattens it ('a', b, 3 → "a, b, 3"); None for DEFAULT."""
    if text.upper() == "DEFAULT":
        return None
    items = []
    for item in _split_commas(text):
        item = item.strip()
        if len(item) >= 2 and item[0] == "'" and item[-1] == "'":
            item = item[1:-1].replace("''", "'")
        elif len(item) >= 3 and item[:2].upper() == "E'" and item[-1] == "'":
            item = item[2:-1].replace("''", "'").replace("\\\\", "\\")
        elif item.startswith('"') and item.endswith('"'):
            item = item[1:-1]
        items.append(item)
    return ", ".join(items)


def _split_commas(text: str) -> list[str]:
    out, start = [], 0
    for is_code, begin, end in sqltext.spans(text):
        if not is_code:
            continue
        comma = text.find(",", begin, end)
        while comma >= 0:
            out.append(text[start:comma])
            start = comma + 1
            comma = text.find(",", start, end)
    out.append(text[start:])
    return out


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_set_command(sql: str) -> bool:
    words = sqltext.leading_words(sql, 2)
    if not words:
        return False
    if words[0] in ("SET", "RESET", "SHOW", "DISCARD"):
        return not (words[0] == "SET" and words[1:] in (["CONSTRAINTS"], ["ROLE"]))
    return words[0] == "SELECT" and _single_call(sqltext.strip_comments(sql).strip())


def _single_call(text: str) -> bool:
    """True when the SELECT is one set_config()/current_setting() call and nothing else: the
    argument list closes exactly where the call ends (no second call, no FROM)."""
    match = _CALL.match(text)
    if match is None:
        return False
    depth = 0
    args = match.group(2)
    for is_code, begin, end in sqltext.spans(args):
        if not is_code:
            continue
        for c in args[begin:end]:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth < 0:
                    return False  # the first call closed before the text's last ')'
    return depth == 0


async def run(ctx: ParameterContext, sql: str) -> Result:
    text = sqltext.strip_comments(sql).strip().rstrip(";").strip()
    verb = sqltext.leading_words(text, 1)[0]
    local_tx = ctx.transaction.status != IDLE
    if verb == "SHOW":
        return _show(ctx, text)
    if verb == "DISCARD":
        return await _discard(ctx, text)
    if verb == "RESET":
        if sqltext.leading_words(text, 2)[1:] == ["ALL"]:
            await ctx.parameters.reset_all(in_block=ctx.transaction.status != IDLE)
            return Command("RESET")
        match = _RESET.match(text)
        if not match:
            raise _syntax(text)
        await ctx.parameters.set(_unquote(match.group(1)), None, local=False, in_block=local_tx)
        return Command("RESET")
    if verb == "SELECT":
        return await _call(ctx, text)
    words = sqltext.leading_words(text, 3)
    if "TRANSACTION" in words[1:] or words[1:3] == ["SESSION", "CHARACTERISTICS"]:
        return Command("SET")  # isolation and access modes: accepted, DuckDB is serializable
    for pattern in (_SET_TZ, _SET_ALIAS, _SET):
        match = pattern.match(text)
        if match:
            break
    else:
        raise _syntax(text)
    scope = (match.group(1) or "").upper()
    if pattern is _SET_TZ:
        name, raw = "TimeZone", match.group(2)
        value = None if raw.upper() in ("LOCAL", "DEFAULT") else _value(raw)
    elif pattern is _SET_ALIAS:
        name, value = _ALIASES[match.group(2).upper()], _value(match.group(3))
    else:
        name, value = _unquote(match.group(2)), _value(match.group(3))
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


def _syntax(text: str) -> PgError:
    return PgError(f'syntax error at or near "{text.split()[0]}"', sqlstate.SYNTAX_ERROR)


def _show(ctx: ParameterContext, text: str) -> Result:
    if re.fullmatch(r"SHOW\s+TRANSACTION\s+ISOLATION\s+LEVEL", text, re.IGNORECASE):
        value = ctx.settings.get("transaction_isolation")
        return Rows([Column("transaction_isolation")], [(value,)], command="SHOW")
    match = _SHOW.match(text)
    if not match:
        raise _syntax(text)
    raw = match.group(1)
    settings = ctx.settings
    if raw.upper() == "ALL":
        rows = [
            (settings.display_name(key), settings.values[key], PARAMETERS[key].description)
            for key in sorted(PARAMETERS)
        ]
        return Rows(
            [Column("name"), Column("setting"), Column("description")], rows, command="SHOW"
        )
    name = "TimeZone" if re.fullmatch(r"TIME\s+ZONE", raw, re.IGNORECASE) else _unquote(raw)
    value = settings.get(name)
    return Rows([Column(settings.display_name(name))], [(value,)], command="SHOW")


async def _discard(ctx: ParameterContext, text: str) -> Result:
    words = sqltext.leading_words(text, 2)
    what = words[1] if len(words) > 1 else ""
    if what not in ("ALL", "PLANS", "SEQUENCES", "TEMP", "TEMPORARY"):
        raise _syntax(text)
    if what == "ALL":
        if ctx.transaction.status != IDLE:
            raise PgError(
                "DISCARD ALL cannot run inside a transaction block",
                sqlstate.ACTIVE_SQL_TRANSACTION,
            )
        await ctx.discard_all()
    return Command(f"DISCARD {'TEMP' if what == 'TEMPORARY' else what}")


def _literal_args(text: str) -> list[str | None]:
    args: list[str | None] = []
    for item in _split_commas(text):
        item = item.strip()
        if item.upper() == "NULL":
            args.append(None)
        elif item.upper() in ("TRUE", "FALSE"):
            args.append(item.lower())
        else:
            value = _value(item)
            args.append(value)
    return args


async def _call(ctx: ParameterContext, text: str) -> Result:
    match = _CALL.match(text)
    assert match is not None
    function = match.group(1).lower()
    label = match.group(3).strip('"') if match.group(3) else function
    args = _literal_args(match.group(2))
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
