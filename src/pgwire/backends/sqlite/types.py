"""SQLite values and declared types as PostgreSQL types, and parameters as SQLite values.

SQLite stores five kinds of value (NULL, INTEGER, REAL, TEXT, BLOB) and keeps a column's
declared type only as text. A result column's PostgreSQL type comes from, in order:

1. the declared type of the column it reads (`declared_type`): `varchar(10)` → varchar with
   typmod 14, `numeric(10,2)` → numeric, `INTEGER` → int8, `date` → date, ...;
2. for an expression, what the query says (a cast, a comparison, count(*), arithmetic, the
   columns it reads: see `expressions`);
3. the Python type of the first value SQLite returns (int → int8, float → float8, str → text,
   bytes → bytea);
4. text.

`converter` then turns each SQLite value into the Python value the type's encoder prints
(1 → True for bool, '2024-01-01' → date, 1.5 → Decimal('1.50') for numeric(10,2)). A value
that cannot be read as its column's type (SQLite lets an INT column hold 'abc') is an error
(22P02), never a silently wrong value.

This module knows no sqlite3: only values and type names.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.registry import TEXT, registry

__all__ = [
    "Converter",
    "PgType",
    "converter",
    "declared_type",
    "to_sqlite",
    "type_of_value",
]

PgType = tuple[int, int]  # (type OID, typmod)
Converter = Callable[[Any], Any]

# Exact declared names (lower case, single spaces). SQLite's own spelling INTEGER is 64-bit
# (and the rowid of INTEGER PRIMARY KEY), so it is int8; PostgreSQL's `integer`/`int` reach
# SQLite as INT (see `sql`) and stay int4.
_NAMES: dict[str, int] = {
    "integer": oids.INT8,
    "int": oids.INT4,
    "int4": oids.INT4,
    "mediumint": oids.INT4,
    "serial": oids.INT4,
    "serial4": oids.INT4,
    "smallint": oids.INT2,
    "int2": oids.INT2,
    "tinyint": oids.INT2,
    "smallserial": oids.INT2,
    "serial2": oids.INT2,
    "bigint": oids.INT8,
    "int8": oids.INT8,
    "unsigned big int": oids.INT8,
    "bigserial": oids.INT8,
    "serial8": oids.INT8,
    # SQLite's REAL is an 8-byte double whatever it is called
    "real": oids.FLOAT8,
    "float": oids.FLOAT8,
    "double": oids.FLOAT8,
    "double precision": oids.FLOAT8,
    "float8": oids.FLOAT8,
    "float4": oids.FLOAT4,
    "numeric": oids.NUMERIC,
    "decimal": oids.NUMERIC,
    "text": oids.TEXT,
    "clob": oids.TEXT,
    "string": oids.TEXT,
    "varchar": oids.VARCHAR,
    "character varying": oids.VARCHAR,
    "varying character": oids.VARCHAR,
    "nvarchar": oids.VARCHAR,
    "char": oids.BPCHAR,
    "character": oids.BPCHAR,
    "nchar": oids.BPCHAR,
    "native character": oids.BPCHAR,
    "bpchar": oids.BPCHAR,
    "blob": oids.BYTEA,
    "bytea": oids.BYTEA,
    "boolean": oids.BOOL,
    "bool": oids.BOOL,
    "date": oids.DATE,
    "datetime": oids.TIMESTAMP,
    "timestamp": oids.TIMESTAMP,
    "timestamp without time zone": oids.TIMESTAMP,
    "timestamptz": oids.TIMESTAMPTZ,
    "timestamp with time zone": oids.TIMESTAMPTZ,
    "time": oids.TIME,
    "time without time zone": oids.TIME,
    "timetz": oids.TIMETZ,
    "time with time zone": oids.TIMETZ,
    "interval": oids.INTERVAL,
    "json": oids.JSON,
    "jsonb": oids.JSONB,
    "uuid": oids.UUID,
}
_LENGTH_TYPES = frozenset({oids.VARCHAR, oids.BPCHAR})
_PRECISION_TYPES = frozenset({oids.TIMESTAMP, oids.TIMESTAMPTZ, oids.TIME, oids.TIMETZ})

# name [ (a [, b]) ] [ rest ]   (rest: "with time zone", "[]", "array", ...)
_DECLARED = re.compile(
    r"^\s*([a-z_][a-z0-9_]*(?:\s+[a-z_][a-z0-9_]*)*)\s*"
    r"(?:\(\s*([+-]?\d+)\s*(?:,\s*([+-]?\d+)\s*)?\))?\s*(.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
_cache: dict[str, PgType | None] = {}


def declared_type(declared: str | None) -> PgType | None:
    """(OID, typmod) for a column's declared type; None when it has none (an expression)."""
    if not declared:
        return None
    if declared in _cache:
        return _cache[declared]
    found = _cache[declared] = _declared_type(declared)
    return found


def _declared_type(declared: str) -> PgType | None:
    text = declared.strip().strip('"').lower()
    if not text:
        return None
    array = False
    for suffix in ("[]", " array"):
        if text.endswith(suffix):
            array, text = True, text[: -len(suffix)].strip()
    match = _DECLARED.match(text)
    if match is None:
        return _affinity(text), -1
    name, first, second, rest = match.groups()
    name = " ".join(name.split())
    if rest:  # "timestamp(3) with time zone", "character varying"
        name = f"{name} {' '.join(rest.split())}"
    oid = _NAMES.get(name)
    if oid is None:
        oid = _registered(name) or _affinity(name)
    typmod = -1
    if first is not None:
        if oid == oids.NUMERIC:
            scale = int(second) if second is not None else 0
            typmod = ((int(first) << 16) | (scale & 0xFFFF)) + 4
        elif oid in _LENGTH_TYPES:
            typmod = int(first) + 4
        elif oid in _PRECISION_TYPES:
            typmod = int(first)
    elif oid == oids.BPCHAR and name in ("char", "character", "nchar"):
        typmod = 1 + 4  # char is char(1)
    if array:
        return oids.ARRAY_OF.get(oid, oids.TEXT_ARRAY), typmod
    return oid, typmod


def _registered(name: str) -> int | None:
    """A PostgreSQL type the registry knows by this name (inet, xml, money, ...)."""
    try:
        info = registry.by_name(name)
    except PgError:
        return None
    return info.oid if info.text_decode is not None else None


def _affinity(name: str) -> int:
    """SQLite's own rules for a type name it does not know (section 3.1 of datatype3.html)."""
    upper = name.upper()
    if "INT" in upper:
        return oids.INT8
    if "CHAR" in upper or "CLOB" in upper or "TEXT" in upper:
        return oids.TEXT
    if "BLOB" in upper:
        return oids.BYTEA
    if "REAL" in upper or "FLOA" in upper or "DOUB" in upper:
        return oids.FLOAT8
    return oids.NUMERIC


def type_of_value(value: Any) -> PgType:
    """The type a column takes from a value SQLite returned, when nothing else tells."""
    kind = type(value)
    if kind is int:
        return oids.INT8, -1
    if kind is float:
        return oids.FLOAT8, -1
    if kind is bytes:
        return oids.BYTEA, -1
    return oids.TEXT, -1


# ---------------------------------------------------------------------------------------------
# SQLite values → the Python values the PostgreSQL encoders print


def _bad(value: Any, oid: int) -> PgError:
    info = registry.get(oid)
    name = info.name if info is not None else str(oid)
    shown = value if isinstance(value, str) else repr(value)
    return PgError(
        f'invalid input syntax for type {name}: "{shown}"',
        sqlstate.INVALID_TEXT_REPRESENTATION,
        detail="SQLite stored this value in a column of that type.",
    )


def _to_bool(value: Any) -> Any:
    if type(value) is int or type(value) is float:
        return value != 0
    if isinstance(value, str):
        return _decode(value, oids.BOOL)
    raise _bad(value, oids.BOOL)


_INT_RANGES = {
    oids.INT2: (-(1 << 15), (1 << 15) - 1, "smallint"),
    oids.INT4: (-(1 << 31), (1 << 31) - 1, "integer"),
    oids.INT8: (-(1 << 63), (1 << 63) - 1, "bigint"),
}


def _int_converter(oid: int) -> Converter:
    low, high, name = _INT_RANGES[oid]

    def convert(value: Any) -> Any:
        if type(value) is int:
            found = value
        elif isinstance(value, float) and value.is_integer():
            found = int(value)  # SQLite's integer arithmetic overflowed into a double
        elif isinstance(value, str):
            try:
                found = int(value.strip())
            except ValueError:
                raise _bad(value, oid) from None
        else:
            raise _bad(value, oid)
        if not low <= found <= high:
            # PostgreSQL refuses what overflows its type (2147483647 + 1); SQLite computed it.
            raise PgError(f"{name} out of range", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
        return found

    return convert


def _float_converter(oid: int) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is float:
            return value
        if type(value) is int:
            return float(value)
        if isinstance(value, str):
            return _decode(value, oid)
        raise _bad(value, oid)

    return convert


def _numeric_converter(typmod: int) -> Converter:
    exponent = None
    if typmod >= 4:
        scale = (typmod - 4) & 0xFFFF
        exponent = Decimal(1).scaleb(-scale)

    def convert(value: Any) -> Any:
        if type(value) is int:
            number = Decimal(value)
        elif type(value) is float:
            if value != value or value in (float("inf"), float("-inf")):
                return value  # NaN, ±Infinity print as numeric does
            # A double holds 15 significant decimal digits (DBL_DIG): what SQLite computed
            # in doubles reads as the decimal it stands for (0.1 + 0.2 → 0.3).
            number = Decimal(f"{value:.15g}")
            if number.as_tuple().exponent > 0:  # type: ignore[operator]
                number = number.quantize(Decimal(1))
        elif isinstance(value, str):
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise _bad(value, oids.NUMERIC) from None
        else:
            raise _bad(value, oids.NUMERIC)
        if exponent is not None and number.is_finite():
            # More digits than the context holds: printed as stored.
            with contextlib.suppress(InvalidOperation):
                number = number.quantize(exponent)
        return number

    return convert


def _to_bytea(value: Any) -> Any:
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        if value.startswith("\\x"):
            return _decode(value, oids.BYTEA)
        return value.encode()
    if isinstance(value, int | float):
        return str(value).encode()
    raise _bad(value, oids.BYTEA)


def _to_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            return datetime.fromisoformat(value).date()
        except ValueError:
            return _decode(value, oids.DATE)
    raise _bad(value, oids.DATE)


def _to_timestamp(value: Any) -> Any:
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return _decode(value, oids.TIMESTAMP)
        if found.tzinfo is not None:
            found = found.astimezone(UTC).replace(tzinfo=None)
        return found
    if isinstance(value, int | float):  # seconds since the epoch, as SQLite's 'unixepoch'
        return datetime(1970, 1, 1) + timedelta(seconds=value)
    raise _bad(value, oids.TIMESTAMP)


def _to_timestamptz(value: Any) -> Any:
    if isinstance(value, str):
        try:
            found = datetime.fromisoformat(value)
        except ValueError:
            return _decode(value, oids.TIMESTAMPTZ)
        return found if found.tzinfo is not None else found.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=value)
    raise _bad(value, oids.TIMESTAMPTZ)


def _to_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            return _decode(value, oids.TIME)
    raise _bad(value, oids.TIME)


def _to_uuid(value: Any) -> Any:
    try:
        if isinstance(value, str):
            return uuid.UUID(value)
        if isinstance(value, bytes) and len(value) == 16:
            return uuid.UUID(bytes=value)
    except ValueError:
        pass
    raise _bad(value, oids.UUID)


def _decode(value: str, oid: int) -> Any:
    """`value` read as PostgreSQL reads the text form of type `oid`."""
    try:
        return registry.decoder(oid, TEXT)(value.encode())
    except PgError:
        raise _bad(value, oid) from None
    except Exception:
        raise _bad(value, oid) from None


def _by_text(oid: int) -> Converter:
    """Types whose values SQLite holds as PostgreSQL's text form (interval, arrays, inet...)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return _decode(value, oid)
        raise _bad(value, oid)

    return convert


_INTS = frozenset({oids.INT2, oids.INT4, oids.INT8})
_FLOATS = frozenset({oids.FLOAT4, oids.FLOAT8})
_AS_IS = frozenset({oids.TEXT, oids.VARCHAR, oids.BPCHAR, oids.NAME, oids.JSON, oids.JSONB})
_FIXED: dict[int, Converter] = {
    oids.BOOL: _to_bool,
    oids.BYTEA: _to_bytea,
    oids.DATE: _to_date,
    oids.TIMESTAMP: _to_timestamp,
    oids.TIMESTAMPTZ: _to_timestamptz,
    oids.TIME: _to_time,
    oids.UUID: _to_uuid,
}


def converter(oid: int, typmod: int = -1) -> Converter | None:
    """What turns a SQLite value (never None) into the value type `oid` prints; None: as is."""
    if oid in _AS_IS:
        return None
    if oid in _INTS:
        return _int_converter(oid)
    if oid in _FLOATS:
        return _float_converter(oid)
    if oid == oids.NUMERIC:
        return _numeric_converter(typmod)
    fixed = _FIXED.get(oid)
    if fixed is not None:
        return fixed
    info = registry.get(oid)
    if info is not None and info.text_decode is not None:
        return _by_text(oid)
    return None


def convert_rows(
    rows: Sequence[Sequence[Any]], converters: Sequence[Converter | None]
) -> list[tuple[Any, ...]]:
    """Apply one converter per column (None: as is) to every non-NULL value."""
    pairs = [(i, c) for i, c in enumerate(converters) if c is not None]
    if not pairs:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, convert in pairs:
            value = values[i]
            if value is not None:
                values[i] = convert(value)
        out.append(tuple(values))
    return out


# ---------------------------------------------------------------------------------------------
# parameters: Python values (decoded by the front end) → what sqlite3 binds

_INT64 = 1 << 63


def to_sqlite(value: Any, oid: int) -> Any:
    """A parameter as a value SQLite stores the way PostgreSQL's text form would read."""
    kind = type(value)
    if value is None or kind is int or kind is str or kind is float or kind is bytes:
        return value
    if kind is bool:
        return int(value)
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value() and abs(value) < _INT64:
            return int(value)
        return str(value) if value.is_finite() else float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return registry.encoder(oid or oids.TEXT, TEXT)(value).decode()
