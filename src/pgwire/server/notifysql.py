"""LISTEN, UNLISTEN, NOTIFY and SELECT pg_notify(...), parsed: sans-IO.

Just enough of PostgreSQL's grammar for these four statements (and the savepoint names that
NOTIFY's transaction rules need), with PostgreSQL's errors; `pgwire.server.notify` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError

NAMEDATALEN = 64  # a channel name has at most NAMEDATALEN - 1 bytes

_START = re.compile(
    r"\s*(?:(?:LISTEN|UNLISTEN|NOTIFY)\b|SELECT\s+(?:pg_catalog\s*\.\s*)?pg_notify\s*\()",
    re.IGNORECASE,
)


def is_notify_command(sql: str) -> bool:
    """True for LISTEN, UNLISTEN, NOTIFY and SELECT pg_notify(...): the front end runs them."""
    if sql[:1] in ("-", "/"):
        sql = sqltext.strip_comments(sql)
    return _START.match(sql) is not None


# ---------------------------------------------------------------------------- statements


@dataclass(slots=True)
class NotifyStatement:
    kind: str  # LISTEN, UNLISTEN, NOTIFY or PG_NOTIFY
    channel: str = ""  # "*" for UNLISTEN *
    payload: str = ""
    args: tuple[Arg, Arg] | None = None  # pg_notify's (channel, payload)
    alias: str = "pg_notify"


@dataclass(frozen=True, slots=True)
class Arg:
    value: str | None = None  # a literal (None: NULL)
    param: int = 0  # $n


# ---------------------------------------------------------------------------- parsing

_SPACE = re.compile(r"(?:\s+|--[^\n]*(?:\n|\Z))*")
_WORD = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*")
_PARAM = re.compile(r"\$([0-9]+)")
_TYPE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(?:\s*\.\s*[A-Za-z_][A-Za-z_0-9]*)?")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$")
_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S
)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Notice = Callable[[PgError], None] | None


class _Parser:
    """Just enough of PostgreSQL's grammar for the four statements, comments included."""

    def __init__(self, sql: str, notice: Notice) -> None:
        self.sql = sql
        self.pos = 0
        self.notice = notice

    def space(self) -> None:
        while True:
            found = _SPACE.match(self.sql, self.pos)
            assert found is not None  # it matches the empty string
            self.pos = found.end()
            if self.sql.startswith("/*", self.pos):
                self.pos = sqltext.skip_block_comment(self.sql, self.pos)
            else:
                return

    def at_end(self) -> bool:
        self.space()
        return self.pos >= len(self.sql)

    def error(self) -> PgError:
        self.space()
        if self.pos >= len(self.sql):
            return PgError("syntax error at end of input", sqlstate.SYNTAX_ERROR)
        token = _WORD.match(self.sql, self.pos)
        near = token.group(0) if token else self.sql[self.pos]
        return PgError(
            f'syntax error at or near "{near}"', sqlstate.SYNTAX_ERROR, position=self.pos + 1
        )

    def keyword(self, *words: str) -> str | None:
        self.space()
        found = _WORD.match(self.sql, self.pos)
        if found and found.group(0).upper() in words:
            self.pos = found.end()
            return found.group(0).upper()
        return None

    def char(self, c: str) -> bool:
        self.space()
        if self.sql.startswith(c, self.pos):
            self.pos += len(c)
            return True
        return False

    def end(self, error: Callable[[], PgError] | None = None) -> None:
        self.char(";")
        if not self.at_end():
            raise (error or self.error)()

    def at_identifier(self) -> bool:
        self.space()
        return self.sql.startswith('"', self.pos) or _WORD.match(self.sql, self.pos) is not None

    def identifier(self) -> str:
        """An identifier as PostgreSQL folds it: quoted kept, unquoted lower-cased; names
        over NAMEDATALEN - 1 bytes are truncated with a NOTICE."""
        self.space()
        sql = self.sql
        if sql.startswith('"', self.pos):
            end = sqltext.skip_quoted(sql, self.pos, '"', False)
            if end > len(sql) or sql[end - 1] != '"' or end - self.pos < 2:
                raise PgError("unterminated quoted identifier", sqlstate.SYNTAX_ERROR)
            name = sql[self.pos + 1 : end - 1].replace('""', '"')
            if not name:
                raise PgError(
                    'zero-length delimited identifier at or near """"', sqlstate.SYNTAX_ERROR
                )
            self.pos = end
        else:
            found = _WORD.match(sql, self.pos)
            if not found:
                raise self.error()
            name = found.group(0).translate(_ASCII_LOWER)
            self.pos = found.end()
        return self._truncate(name)

    def _truncate(self, name: str) -> str:
        data = name.encode()
        if len(data) < NAMEDATALEN:
            return name
        short = data[: NAMEDATALEN - 1].decode(errors="ignore")
        if self.notice is not None:
            self.notice(
                PgError(
                    f'identifier "{name}" will be truncated to "{short}"',
                    sqlstate.NAME_TOO_LONG,
                    severity="NOTICE",
                )
            )
        return short

    def string(self) -> str | None:
        """A string constant ('...', E'...', $tag$...$tag$), or None when there is none."""
        self.space()
        sql, pos = self.sql, self.pos
        if sql.startswith("'", pos):
            end = self._closing_quote(pos, backslashes=False)
            self.pos = end
            return sql[pos + 1 : end - 1].replace("''", "'")
        if sql[pos : pos + 2] in ("E'", "e'"):
            end = self._closing_quote(pos + 1, backslashes=True)
            self.pos = end
            return _unescape(sql[pos + 2 : end - 1])
        dollar = _DOLLAR.match(sql, pos)
        if dollar:
            close = sql.find(dollar.group(0), dollar.end())
            if close < 0:
                raise PgError("unterminated dollar-quoted string", sqlstate.SYNTAX_ERROR)
            self.pos = close + len(dollar.group(0))
            return sql[dollar.end() : close]
        return None

    def _closing_quote(self, start: int, *, backslashes: bool) -> int:
        end = sqltext.skip_quoted(self.sql, start, "'", backslashes)
        if end > len(self.sql) or self.sql[end - 1] != "'" or end - start < 2:
            raise PgError("unterminated quoted string", sqlstate.SYNTAX_ERROR)
        return end

    def argument(self) -> Arg:
        """A pg_notify argument: a string constant, $n or NULL, with optional ::casts."""
        self.space()
        param = _PARAM.match(self.sql, self.pos)
        if param:
            self.pos = param.end()
            arg = Arg(param=int(param.group(1)))
        elif self.keyword("NULL"):
            arg = Arg()
        else:
            value = self.string()
            if value is None:
                raise PgError(
                    "pg_notify() arguments must be string constants, $n parameters or NULL here",
                    sqlstate.FEATURE_NOT_SUPPORTED,
                    hint="Run SELECT pg_notify(channel, payload) as a statement of its own.",
                )
            arg = Arg(value)
        while self.char("::"):
            self.space()
            cast = _TYPE.match(self.sql, self.pos)
            if not cast:
                raise self.error()
            self.pos = cast.end()
        return arg


def _unescape(body: str) -> str:
    """The value of an E'...' string body."""

    def one(found: re.Match[str]) -> str:
        octal, hex2, u4, u8, other = found.groups()
        if octal:
            return chr(int(octal, 8) & 0xFF)
        if hex2 or u4 or u8:
            return chr(int(hex2 or u4 or u8, 16))
        return _SIMPLE_ESCAPES.get(other, other)

    return _ESCAPE.sub(one, body.replace("''", "'"))


def parse(sql: str, notice: Notice) -> NotifyStatement:
    p = _Parser(sql, notice)
    verb = p.keyword("LISTEN", "UNLISTEN", "NOTIFY", "SELECT")
    if verb == "UNLISTEN" and p.char("*"):
        statement = NotifyStatement("UNLISTEN", "*")
    elif verb in ("LISTEN", "UNLISTEN"):
        statement = NotifyStatement(verb, p.identifier())
    elif verb == "NOTIFY":
        statement = NotifyStatement("NOTIFY", p.identifier())
        if p.char(","):
            payload = p.string()
            if payload is None:
                raise p.error()
            statement.payload = payload
    else:
        if p.keyword("PG_CATALOG") and not p.char("."):
            raise p.error()
        if not p.keyword("PG_NOTIFY") or not p.char("("):
            raise p.error()
        args = [p.argument()]
        while p.char(","):
            args.append(p.argument())
        if not p.char(")"):
            raise _whole_statement_only()
        if len(args) != 2:
            raise PgError(
                f"function pg_notify({', '.join(['unknown'] * len(args))}) does not exist",
                sqlstate.UNDEFINED_FUNCTION,
                hint="Call pg_notify(channel, payload).",
            )
        channel, payload_arg = args
        statement = NotifyStatement("PG_NOTIFY", args=(channel, payload_arg))
        if p.keyword("AS") or p.at_identifier():
            statement.alias = p.identifier()
        p.end(_whole_statement_only)
        return statement
    p.end()
    return statement


def _whole_statement_only() -> PgError:
    return PgError(
        "pg_notify() is supported only as a statement of its own",
        sqlstate.FEATURE_NOT_SUPPORTED,
        hint="Run SELECT pg_notify(channel, payload), with constants or $n parameters.",
    )


def savepoint_name(sql: str) -> str:
    """The savepoint a SAVEPOINT / RELEASE [SAVEPOINT] / ROLLBACK [WORK] TO [SAVEPOINT] names."""
    p = _Parser(sql, None)
    p.keyword("SAVEPOINT", "RELEASE", "ROLLBACK", "ABORT")
    p.keyword("WORK", "TRANSACTION")
    p.keyword("TO")
    p.keyword("SAVEPOINT")
    try:
        return p.identifier()
    except PgError:
        return ""
