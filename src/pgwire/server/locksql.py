"""SELECT pg_advisory_lock(...) and its kin, parsed: sans-IO.

The front end answers the advisory-lock functions when a statement is nothing but calls to
them: `SELECT fn(args) [[AS] label] [, ...]`, each argument an integer constant (signed,
quoted or cast) or a `$n` parameter. A statement that mentions one of them anywhere else
(`... WHERE pg_try_advisory_lock(id)`) is refused with 0A000 rather than sent to a backend
that would not know the function.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.server.locks import EXCLUSIVE, SESSION, SHARE, XACT
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader
from pgwire.types import oids

LOCK, TRY, UNLOCK, UNLOCK_ALL = "lock", "try", "unlock", "unlock_all"

# name → (mode, level, what it does)
FUNCTIONS: dict[str, tuple[str, str, str]] = {
    "pg_advisory_lock": (EXCLUSIVE, SESSION, LOCK),
    "pg_advisory_lock_shared": (SHARE, SESSION, LOCK),
    "pg_try_advisory_lock": (EXCLUSIVE, SESSION, TRY),
    "pg_try_advisory_lock_shared": (SHARE, SESSION, TRY),
    "pg_advisory_unlock": (EXCLUSIVE, SESSION, UNLOCK),
    "pg_advisory_unlock_shared": (SHARE, SESSION, UNLOCK),
    "pg_advisory_unlock_all": (EXCLUSIVE, SESSION, UNLOCK_ALL),
    "pg_advisory_xact_lock": (EXCLUSIVE, XACT, LOCK),
    "pg_advisory_xact_lock_shared": (SHARE, XACT, LOCK),
    "pg_try_advisory_xact_lock": (EXCLUSIVE, XACT, TRY),
    "pg_try_advisory_xact_lock_shared": (SHARE, XACT, TRY),
}

_INTEGER_TYPES = {
    "int2": "smallint", "smallint": "smallint", "int4": "integer", "int": "integer",
    "integer": "integer", "int8": "bigint", "bigint": "bigint",
}  # fmt: skip
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class Arg:
    value: int | None = None  # a constant (None: NULL)
    param: int = 0  # $n
    type: str = "bigint"  # its SQL type, for error messages: smallint, integer, bigint, ...


@dataclass(frozen=True, slots=True)
class LockCall:
    function: str  # a key of FUNCTIONS
    args: tuple[Arg, ...]
    label: str

    @property
    def mode(self) -> str:
        return FUNCTIONS[self.function][0]

    @property
    def level(self) -> str:
        return FUNCTIONS[self.function][1]

    @property
    def action(self) -> str:
        return FUNCTIONS[self.function][2]

    @property
    def result_type(self) -> str:
        return "bool" if self.action in (TRY, UNLOCK) else "void"


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def is_lock_command(sql: str) -> bool:
    """True when `sql` calls an advisory-lock function: the front end answers (or refuses) it."""
    tokens = lexer.code(sql)
    for i, token in enumerate(tokens[:-1]):
        if token.kind == lexer.WORD and "advisory" in token.text.lower():
            after = tokens[i + 1]
            if after.kind == lexer.PUNCT and after.text == "(" and token.text[:3].lower() == "pg_":
                return True
    return False


@functools.lru_cache(maxsize=1024)
def parse(sql: str) -> tuple[LockCall, ...]:
    """The calls of a whole-statement `SELECT fn(...) [, ...]`; 0A000 for any other statement
    calling these functions, 42883 for a call no function matches."""
    r = TokenReader(sql)
    if not r.keyword("SELECT"):
        raise _whole_statement_only()
    calls: list[LockCall] = []
    while True:
        if r.keyword("PG_CATALOG") and not r.char("."):
            raise _whole_statement_only()
        token = r.take()
        if token is None or token.kind != lexer.WORD or not r.char("("):
            raise _whole_statement_only()
        name = token.text.lower()
        items = r.bracketed()
        if name not in FUNCTIONS or items is None:
            raise _whole_statement_only()
        args = tuple(_argument(r, first, end) for first, end in items)
        _check_signature(name, args)
        label = name
        if r.keyword("AS") or r.at_name():
            label = r.name() or name
        calls.append(LockCall(name, args, label))
        if r.at_end():
            return tuple(calls)
        if not r.char(","):
            raise _whole_statement_only()


def parameter_types(calls: tuple[LockCall, ...], count: int) -> list[int]:
    """The type OID each `$n` takes from the call it is an argument of (int8, or int4 in the
    two-key form); 0 for parameters not used there."""
    types = [0] * count
    for call in calls:
        oid = oids.INT8 if len(call.args) == 1 else oids.INT4
        for arg in call.args:
            if 0 < arg.param <= count and not types[arg.param - 1]:
                types[arg.param - 1] = oid
    return types


def _argument(r: TokenReader, first: int, end: int) -> Arg:
    tokens = r.tokens[first:end]
    sign = 1
    i = 0
    if i < len(tokens) and tokens[i].kind == lexer.OP and tokens[i].text in ("-", "+"):
        sign = -1 if tokens[i].text == "-" else 1
        i += 1
    if i >= len(tokens):
        raise _constants_only()
    token = tokens[i]
    i += 1
    arg: Arg
    if token.kind == lexer.PARAM and sign == 1:
        arg = Arg(param=int(token.text[1:]), type="unknown")
    elif token.kind == lexer.WORD and token.text.upper() == "NULL" and sign == 1:
        arg = Arg(None, type="unknown")
    elif token.kind == lexer.NUMBER:
        text = token.text.replace("_", "")
        try:
            value = sign * int(text, 0 if text[:2].lower() in ("0x", "0o", "0b") else 10)
        except ValueError:
            value = None  # a decimal or float: numeric
        if value is None or not INT8_MIN <= value <= INT8_MAX:
            arg = Arg(None, type="numeric")  # refused by the signature check
        else:
            arg = Arg(value, type="integer" if INT4_MIN <= value <= INT4_MAX else "bigint")
    elif token.kind == lexer.STRING and sign == 1 and token.text.startswith("'"):
        arg = Arg(bigint_input(token.value), type="unknown")
    else:
        raise _constants_only()
    while i < len(tokens):  # ::type casts
        if not (tokens[i].kind == lexer.OP and tokens[i].text == "::" and i + 1 < len(tokens)):
            raise _constants_only()
        type_name = tokens[i + 1].text.lower()
        i += 2
        if type_name == "pg_catalog" and i + 1 < len(tokens) and tokens[i].text == ".":
            type_name = tokens[i + 1].text.lower()
            i += 2
        arg = Arg(arg.value, arg.param, _INTEGER_TYPES.get(type_name, type_name))
    return arg


def _check_signature(name: str, args: tuple[Arg, ...]) -> None:
    """42883 unless the arguments fit one of the function's signatures."""
    action = FUNCTIONS[name][2]
    if action == UNLOCK_ALL:
        fits = not args
    elif len(args) == 1:
        fits = args[0].type in ("smallint", "integer", "bigint", "unknown")
    elif len(args) == 2:
        fits = all(a.type in ("smallint", "integer", "unknown") for a in args)
    else:
        fits = False
    if not fits:
        raise PgError(
            f"function {name}({', '.join(a.type for a in args)}) does not exist",
            sqlstate.UNDEFINED_FUNCTION,
            hint="No function matches the given name and argument types. "
            "You might need to add explicit type casts.",
        )


def bigint_input(text: str) -> int:
    """A string as PostgreSQL's bigint input reads it."""
    try:
        value = int(text.strip().replace("_", ""), 10)
    except ValueError:
        raise PgError(
            f'invalid input syntax for type bigint: "{text}"', sqlstate.INVALID_TEXT_REPRESENTATION
        ) from None
    if not INT8_MIN <= value <= INT8_MAX:
        raise PgError(
            f'value "{text}" is out of range for type bigint', sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
        )
    return value


def _whole_statement_only() -> PgError:
    return PgError(
        "advisory lock functions are supported only as a statement of their own",
        sqlstate.FEATURE_NOT_SUPPORTED,
        hint="Call them as SELECT pg_advisory_lock(key) [, ...] with integer constants or $n "
        "parameters, in a statement of its own.",
    )


def _constants_only() -> PgError:
    return PgError(
        "advisory lock function arguments must be integer constants or $n parameters here",
        sqlstate.FEATURE_NOT_SUPPORTED,
        hint="Pass the key as a constant or a $n parameter, in a statement of its own.",
    )
