"""SQL functions of ours that may fail with a PostgreSQL error, and how that error gets out.

SQLite turns an exception raised in a Python function into "user-defined function raised
exception"; the PgError itself is kept here (per thread: a connection is used by one thread
at a time) and `take_error` gives it to the session, which raises it instead.

`pg_array_json(text)` reads an array parameter for the translation's UNNEST (see `sql`).
`pg_div(a, b)` and `pg_mod(a, b)` are the translation's `a / b` and `a % b`: SQLite's
results (integer division truncating toward zero for integers), but a zero divisor is
22012 division_by_zero, as in PostgreSQL, not NULL.
"""

from __future__ import annotations

import functools
import json
import math
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from pgwire import sqlstate
from pgwire.backends.sqlite.types import declared_type
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.array import parse_array_text

__all__ = [
    "NumericColumns",
    "pg_array_json",
    "pg_div",
    "pg_mod",
    "raising",
    "register_functions",
    "take_error",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_local = threading.local()
_INT8_MIN = -(1 << 63)
_INT8_MAX = (1 << 63) - 1
_FRACTIONAL = frozenset({oids.NUMERIC, oids.FLOAT4, oids.FLOAT8})


def raising(fn: _F) -> _F:
    """`fn` as a SQL function whose PgError reaches the client (see `take_error`)."""

    @functools.wraps(fn)
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except PgError as exc:
            _local.error = exc
            raise

    return call  # type: ignore[return-value]


def take_error() -> PgError | None:
    """The PgError a function of ours raised in this thread's last statement, if any."""
    error: PgError | None = getattr(_local, "error", None)
    _local.error = None
    return error


def _number(value: Any) -> int | float:
    """A value as SQLite's arithmetic reads it (text and blobs as their leading number)."""
    if isinstance(value, int | float):
        return value
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    for reader in (int, float):
        try:
            return reader(text.strip())
        except ValueError:
            pass
    return 0


def _zero() -> PgError:
    return PgError("division by zero", sqlstate.DIVISION_BY_ZERO)


def _integer(value: int) -> int:
    if not _INT8_MIN <= value <= _INT8_MAX:
        raise PgError("bigint out of range", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
    return value


def pg_div(left: Any, right: Any) -> int | float | None:
    if left is None or right is None:
        return None
    a, b = _number(left), _number(right)
    if b == 0:
        raise _zero()
    if isinstance(a, int) and isinstance(b, int):
        quotient = abs(a) // abs(b)
        return _integer(quotient if (a < 0) == (b < 0) else -quotient)
    return a / b


def pg_mod(left: Any, right: Any) -> int | float | None:
    if left is None or right is None:
        return None
    a, b = _number(left), _number(right)
    if b == 0:
        raise _zero()
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)  # the dividend's sign, as C and PostgreSQL
        return remainder if a >= 0 else -remainder
    return math.fmod(a, b)


class NumericColumns:
    """pg_div(a, b, hint_a, hint_b): a division one of whose operands is numeric divides as
    numbers, whole values or not. A hint is 'n' (numeric), 'table.column' (numeric when the
    column's declared type is numeric, real or double: read once per schema version) or ''.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._version: Any = None
        self._known: dict[str, bool] = {}

    def refresh(self) -> None:
        """Forget what was read when the schema changed (once per statement that needs it)."""
        version = self._conn.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._version:
            self._version, self._known = version, {}

    def fractional(self, hint: str) -> bool:
        if not hint:
            return False
        if hint == "n":
            return True
        found = self._known.get(hint)
        if found is None:
            table, _, column = hint.rpartition(".")
            found = False
            quoted = '"' + table.replace('"', '""') + '"'
            for row in self._conn.execute(f"PRAGMA table_xinfo({quoted})").fetchall():
                if str(row[1]).lower() == column.lower():
                    declared = declared_type(str(row[2] or ""))
                    found = declared is not None and declared[0] in _FRACTIONAL
            self._known[hint] = found
        return found

    def divide(self, left: Any, right: Any, left_hint: str, right_hint: str) -> Any:
        if left is None or right is None:
            return None
        if self.fractional(left_hint) or self.fractional(right_hint):
            a, b = _number(left), _number(right)
            if b == 0:
                raise _zero()
            return float(a) / float(b)
        return pg_div(left, right)


def pg_array_json(value: Any) -> str | None:
    """An array in PostgreSQL's text form ('{a,"b c",NULL}') as a JSON array, for
    json_each() (the translation's UNNEST)."""
    if value is None:
        return None
    try:
        return json.dumps(parse_array_text(str(value)))
    except ValueError:
        raise PgError(
            f'malformed array literal: "{value}"', sqlstate.INVALID_TEXT_REPRESENTATION
        ) from None


def register_functions(conn: sqlite3.Connection) -> NumericColumns:
    """Our functions on `conn`; the NumericColumns its session refreshes."""
    numeric = NumericColumns(conn)
    conn.create_function("pg_div", 2, raising(pg_div), deterministic=True)
    conn.create_function("pg_div", 4, raising(numeric.divide))
    conn.create_function("pg_mod", 2, raising(pg_mod), deterministic=True)
    conn.create_function("pg_array_json", 1, raising(pg_array_json), deterministic=True)
    return numeric
