"""LISTEN, UNLISTEN, NOTIFY and SELECT pg_notify(...), parsed: sans-IO.

Just enough of PostgreSQL's grammar for these four statements (and the savepoint names that
NOTIFY's transaction rules need), with PostgreSQL's errors; `pgwire.server.notify` runs them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader

NAMEDATALEN = 64  # a channel name has at most NAMEDATALEN - 1 bytes


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_notify_command(sql: str) -> bool:
    """True for LISTEN, UNLISTEN, NOTIFY and SELECT pg_notify(...): the front end runs them."""
    words = [t.keyword or t.text for t in lexer.code(sql)[:5]]
    if words[:1] in (["LISTEN"], ["UNLISTEN"], ["NOTIFY"]):
        return True
    if words[:1] != ["SELECT"]:
        return False
    rest = words[3:] if words[1:3] == ["PG_CATALOG", "."] else words[1:]
    return rest[:2] == ["PG_NOTIFY", "("]


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

Notice = Callable[[PgError], None] | None


class _Parser(TokenReader):
    """Just enough of PostgreSQL's grammar for the four statements."""

    __slots__ = ("notice",)

    def __init__(self, sql: str, notice: Notice) -> None:
        super().__init__(sql)
        self.notice = notice

    def end(self, error: Callable[[], PgError] | None = None) -> None:
        if not self.at_end():
            raise (error or self.error)()

    def identifier(self) -> str:
        """An identifier as PostgreSQL folds it: quoted kept, unquoted lower-cased; names
        over NAMEDATALEN - 1 bytes are truncated with a NOTICE."""
        token = self.peek()
        if token is None or token.kind not in (lexer.WORD, lexer.IDENT):
            raise self.error()
        if token.kind == lexer.IDENT:
            if not lexer.closed(token):
                raise PgError("unterminated quoted identifier", sqlstate.SYNTAX_ERROR)
            if not token.value:
                raise PgError(
                    'zero-length delimited identifier at or near """"', sqlstate.SYNTAX_ERROR
                )
        self.i += 1
        return self._truncate(token.value)

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
        token = self.peek()
        if token is None or token.kind != lexer.STRING or token.text[:1] not in "'eE$":
            return None
        if not lexer.closed(token):
            dollar = token.text.startswith("$")
            raise PgError(
                f"unterminated {'dollar-quoted' if dollar else 'quoted'} string",
                sqlstate.SYNTAX_ERROR,
            )
        self.i += 1
        return token.value

    def argument(self) -> Arg:
        """A pg_notify argument: a string constant, $n or NULL, with optional ::casts."""
        token = self.peek()
        if token is not None and token.kind == lexer.PARAM:
            self.i += 1
            arg = Arg(param=int(token.text[1:]))
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
            name = self.peek()
            if name is None or name.kind != lexer.WORD:
                raise self.error()
            self.i += 1
            if self.char("."):  # schema.type
                name = self.peek()
                if name is None or name.kind != lexer.WORD:
                    raise self.error()
                self.i += 1
        return arg


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
        if p.keyword("AS") or p.at_name():
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
