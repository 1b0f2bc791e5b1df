"""DuckDB's types in PostgreSQL's terms: a column's type OID and typmod (`pg_type`), intervals
rebuilt exactly from their parts, and bound parameters as DuckDB reads them (`duck_literal`,
`duck_param`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pgwire.handler import Column
from pgwire.sql import quote_literal
from pgwire.types import Interval, oids
from pgwire.types.record import Record
from pgwire.types.registry import TEXT, registry

__all__ = [
    "duck_literal",
    "duck_param",
    "interval_converter",
    "interval_sql",
    "null_literal",
    "parameter_oid",
    "pg_type",
]

# ---------------------------------------------------------------------------------------------
# types: DuckDB → PostgreSQL

_BY_ID: dict[str, int] = {
    "boolean": oids.BOOL,
    "tinyint": oids.INT2,
    "utinyint": oids.INT2,
    "smallint": oids.INT2,
    "usmallint": oids.INT4,
    "integer": oids.INT4,
    "uinteger": oids.INT8,
    "bigint": oids.INT8,
    "ubigint": oids.NUMERIC,
    "hugeint": oids.NUMERIC,
    "uhugeint": oids.NUMERIC,
    "bignum": oids.NUMERIC,
    "varint": oids.NUMERIC,
    "decimal": oids.NUMERIC,
    "float": oids.FLOAT4,
    "double": oids.FLOAT8,
    "varchar": oids.TEXT,
    "blob": oids.BYTEA,
    "date": oids.DATE,
    "time": oids.TIME,
    "time_ns": oids.TIME,
    "time with time zone": oids.TIMETZ,
    "timestamp": oids.TIMESTAMP,
    "timestamp_s": oids.TIMESTAMP,
    "timestamp_ms": oids.TIMESTAMP,
    "timestamp_ns": oids.TIMESTAMP,
    "timestamp with time zone": oids.TIMESTAMPTZ,
    "interval": oids.INTERVAL,
    "uuid": oids.UUID,
    "bit": oids.VARBIT,
    "struct": oids.RECORD,  # an anonymous row value, as ROW(...) and whole-row references are
    "tuple": oids.RECORD,  # ROW(1, 'a'): a STRUCT without field names
    "map": oids.JSON,
    "enum": oids.TEXT,
    # A UNION value comes out as its member's value: text prints any member the PostgreSQL way.
    "union": oids.TEXT,
    "null": oids.TEXT,
}
_TYPMOD_BY_ID = {"timestamp_s": 0, "timestamp_ms": 3}  # timestamp(0), timestamp(3)
_type_cache: dict[str, tuple[int, int]] = {}


# A named enum's type OID by its labels (None: no such enum): see enums.py.
EnumLookup = Callable[[tuple[str, ...]], "int | None"]


def pg_type(duck_type: Any, enums: EnumLookup | None = None) -> tuple[int, int]:
    """(type OID, typmod) of a DuckDBPyType, as RowDescription describes a column; a named
    enum's OID is looked up by its labels in `enums` (see enums.py)."""
    key = str(duck_type)
    if enums is not None and "ENUM(" in key:
        return _pg_type(duck_type, enums)  # which enum it is depends on the database
    found = _type_cache.get(key)
    if found is None:
        found = _type_cache[key] = _pg_type(duck_type, None)
    return found


def _pg_type(duck_type: Any, enums: EnumLookup | None) -> tuple[int, int]:
    kind = duck_type.id
    if kind == "enum" and enums is not None:
        return enums(tuple(dict(duck_type.children)["values"])) or oids.TEXT, -1
    if kind in ("list", "array"):
        element_oid, typmod = pg_type(dict(duck_type.children)["child"], enums)
        if oids.ELEMENT_OF.get(element_oid):  # a list of lists: one multi-dimensional array
            return element_oid, typmod
        return oids.ARRAY_OF.get(element_oid, oids.TEXT_ARRAY), typmod
    if kind == "decimal":
        children = dict(duck_type.children)
        return oids.NUMERIC, ((children["precision"] << 16) | children["scale"]) + 4
    if kind == "varchar" and str(duck_type) == "JSON":
        # DuckDB has one JSON type and forgets whether a column was declared json or jsonb;
        # ORMs declare jsonb (Django reads only jsonb as text, and decodes it itself). A
        # statement that asks for json by name gets json (see `json_by_name`).
        return oids.JSONB, -1
    return _BY_ID.get(kind, oids.TEXT), _TYPMOD_BY_ID.get(kind, -1)


# Intervals: split into parts inside DuckDB (see the package docstring), rebuilt here.
_INTERVAL_PARTS = "['year', 'month', 'day', 'hour', 'minute', 'microseconds']"


def interval_sql(expr: str, duck_type: Any, depth: int = 0) -> str | None:
    """A DuckDB expression giving `expr`'s intervals as part structs; None: no intervals."""
    kind = duck_type.id
    if kind == "interval":
        return f"datepart({_INTERVAL_PARTS}, {expr})"
    if kind in ("list", "array"):
        var = f"_pgwire_e{depth}"
        inner = interval_sql(var, dict(duck_type.children)["child"], depth + 1)
        if inner is not None:
            return f"list_transform({expr}, lambda {var}: {inner})"
    return None


def _interval_of(parts: dict[str, int] | None) -> Interval | None:
    if parts is None:
        return None
    micros = parts["hour"] * 3_600_000_000 + parts["minute"] * 60_000_000
    return Interval(
        parts["year"] * 12 + parts["month"], parts["day"], micros + parts["microseconds"]
    )


def interval_converter(duck_type: Any) -> Callable[[Any], Any]:
    if duck_type.id == "interval":
        return _interval_of
    inner = interval_converter(dict(duck_type.children)["child"])
    return lambda items: None if items is None else [inner(item) for item in items]


_JSON_BY_NAME = re.compile(r"\bjson(?!b)|\w_json\b", re.IGNORECASE)
_AS_JSON = {oids.JSONB: oids.JSON, oids.JSONB_ARRAY: oids.JSON_ARRAY}


@functools.lru_cache(maxsize=1024)
def json_by_name(sql: str) -> bool:
    """Whether `sql` names json and never jsonb (`'{}'::json`, `json_build_object(...)`,
    `row_to_json(t)`): its JSON columns are then described as json, as PostgreSQL would."""
    return "jsonb" not in sql.lower() and _JSON_BY_NAME.search(sql) is not None


def json_columns(columns: list[Column], sql: str, param_types: Sequence[int] = ()) -> list[Column]:
    """`columns` with jsonb made json where the client's `sql` names json, or a parameter
    is json (and none jsonb)."""
    if not any(c.type_oid in _AS_JSON for c in columns):
        return columns
    by_parameter = oids.JSON in param_types and oids.JSONB not in param_types
    if not (by_parameter or json_by_name(sql)):
        return columns
    return [
        Column(c.name, _AS_JSON[c.type_oid], c.type_modifier) if c.type_oid in _AS_JSON else c
        for c in columns
    ]


def struct_converter(duck_type: Any) -> Callable[[Any], Any] | None:
    """DuckDB's STRUCT values (dicts) as `Record`s typed as the struct's fields are, or a
    list of them; None when `duck_type` holds no STRUCT."""
    kind = duck_type.id
    if kind in ("list", "array"):
        inner = struct_converter(dict(duck_type.children)["child"])
        if inner is None:
            return None
        return lambda items: None if items is None else [inner(item) for item in items]
    if kind not in ("struct", "tuple"):
        return None
    fields = [child for _, child in duck_type.children]
    types = tuple(pg_type(child)[0] for child in fields)
    inner_converters = [struct_converter(child) for child in fields]

    def record(value: dict[str, Any] | tuple[Any, ...] | None) -> Record | None:
        if value is None:
            return None
        fields = value.values() if isinstance(value, dict) else value
        values = tuple(
            v if convert is None or v is None else convert(v)
            for convert, v in zip(inner_converters, fields, strict=True)
        )
        return Record(values, types)

    return record


# ---------------------------------------------------------------------------------------------
# parameters: Python values → DuckDB literals

# PostgreSQL type names DuckDB knows as casts with the same meaning. A parameter of any other
# type becomes a bare string literal, which DuckDB casts implicitly where it can.
_DUCK_TYPE_NAMES = {
    **{name: name for name in (
        "bool", "int2", "int4", "int8", "oid", "float4", "float8", "text", "varchar",
        "bpchar", "char", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
        "uuid", "json", "bit",
    )},
    "jsonb": "json",
    "jsonpath": "json",
    "varbit": "bit",
}  # fmt: skip
_MAX_DECIMAL_PRECISION = 38


def duck_literal(value: Any, oid: int) -> str:
    """A bound parameter spliced into DuckDB SQL: PostgreSQL's text form, cast, where DuckDB
    reads it alike; DuckDB's own spelling for bytea, numeric, arrays and types it lacks."""
    if value is None:
        return "NULL"
    info = registry.get(oid)
    if info is not None and info.element_oid and isinstance(value, list | tuple):
        return _list_literal(value, info.element_oid)
    if oid == oids.BYTEA and isinstance(value, bytes | bytearray | memoryview):
        # DuckDB's blob literal escapes each byte: to it, PostgreSQL's '\x0a0b' is 3 bytes.
        return "'" + "".join(f"\\x{b:02X}" for b in bytes(value)) + "'::BLOB"
    if oid == oids.INTERVAL and isinstance(value, Interval | timedelta):
        # DuckDB misreads PostgreSQL's '-1 days +19:00:00'; each part keeps its own sign here.
        iv = Interval.from_timedelta(value) if isinstance(value, timedelta) else value
        return f"'{iv.months} months {iv.days} days {iv.microseconds} microseconds'::interval"
    text = registry.encoder(oid, TEXT)(value).decode()
    if oid == oids.NUMERIC:
        return _numeric_literal(text)
    name = _DUCK_TYPE_NAMES.get(info.name) if info is not None else None
    if name is None or oid == oids.TEXT:
        return quote_literal(text)
    return f"{quote_literal(text)}::{name}"


def _numeric_literal(text: str) -> str:
    """NUMERIC as a DECIMAL wide enough for the value: DuckDB's NUMERIC is DECIMAL(18,3)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return f"{quote_literal(text)}::DOUBLE"
    if not number.is_finite():
        return f"{quote_literal(text)}::DOUBLE"
    plain = format(number, "f")
    whole, _, fraction = plain.lstrip("-").partition(".")
    scale = len(fraction)
    precision = max(len(whole.lstrip("0")) + scale, 1)
    if precision > _MAX_DECIMAL_PRECISION:  # past DuckDB's widest DECIMAL: as DuckDB reads it
        return f"{quote_literal(plain)}::DOUBLE"
    return f"{quote_literal(plain)}::DECIMAL({precision},{scale})"


def duck_param(value: Any, oid: int, number: int) -> tuple[str, Any]:
    """Parameter $number for DuckDB: the placeholder as the SQL will hold it (cast to the
    type `duck_literal` would give) and the value bound to it. Values are bound, never
    spliced: only the cast is written into the text."""
    placeholder = f"${number}"
    if value is None:
        return placeholder, None  # as the literal NULL: DuckDB types it from its context
    info = registry.get(oid)
    if info is not None and info.element_oid and isinstance(value, list | tuple):
        element = registry.get(info.element_oid)
        name = _DUCK_TYPE_NAMES.get(element.name) if element is not None else None
        depth, bound = _list_value(value, info.element_oid)
        return f"CAST({placeholder} AS {name or 'VARCHAR'}{'[]' * depth})", bound
    duck_type = _param_cast(value, oid)
    bound_value = _bound_value(value, oid)
    return (f"CAST({placeholder} AS {duck_type})" if duck_type else placeholder), bound_value


def _param_cast(value: Any, oid: int) -> str | None:
    """The DuckDB type a parameter is cast to in the text; None: bound bare (text)."""
    if oid == oids.BYTEA:
        return "BLOB"
    if oid == oids.INTERVAL:
        return "INTERVAL"
    if oid == oids.NUMERIC:
        literal = _numeric_literal(registry.encoder(oid, TEXT)(value).decode())
        return literal.rsplit("::", 1)[1]
    info = registry.get(oid)
    if info is None or oid == oids.TEXT:
        return None
    return _DUCK_TYPE_NAMES.get(info.name)


def _bound_value(value: Any, oid: int) -> Any:
    """The Python value DuckDB binds: bytes for bytea, else PostgreSQL's text of the value,
    which the cast in the statement reads as the right type."""
    if oid == oids.BYTEA and isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if oid == oids.INTERVAL and isinstance(value, Interval | timedelta):
        iv = Interval.from_timedelta(value) if isinstance(value, timedelta) else value
        return f"{iv.months} months {iv.days} days {iv.microseconds} microseconds"
    if oid == oids.NUMERIC:
        text = registry.encoder(oid, TEXT)(value).decode()
        try:
            return format(Decimal(text), "f")
        except InvalidOperation:
            return text
    if isinstance(value, str):
        return value
    return registry.encoder(oid or oids.TEXT, TEXT)(value).decode()


def _list_value(items: Sequence[Any], element_oid: int) -> tuple[int, list[Any]]:
    """(depth, nested Python list of bound element values) for an array parameter."""
    depth = 1
    inner: Any = items
    while inner and isinstance(inner[0], list | tuple):
        depth += 1
        inner = inner[0]

    def convert(item: Any) -> Any:
        if isinstance(item, list | tuple):
            return [convert(x) for x in item]
        return None if item is None else _bound_value(item, element_oid)

    return depth, [convert(x) for x in items]


def _list_literal(items: Sequence[Any], element_oid: int) -> str:
    """An array parameter as a DuckDB list (nested lists: a multi-dimensional array)."""
    depth = 1
    inner: Any = items
    while inner and isinstance(inner[0], list | tuple):
        depth += 1
        inner = inner[0]
    element = registry.get(element_oid)
    name = _DUCK_TYPE_NAMES.get(element.name) if element is not None else None
    body = _list_body(items, element_oid)
    return body if name is None else f"{body}::{name}{'[]' * depth}"


def _list_body(items: Sequence[Any], element_oid: int) -> str:
    parts = [
        _list_body(item, element_oid)
        if isinstance(item, list | tuple)
        else duck_literal(item, element_oid)
        for item in items
    ]
    return f"[{', '.join(parts)}]"


# ---------------------------------------------------------------------------------------------
# describing: a parameter as a typed NULL, a column's type as a parameter's


def _null_spelling(oid: int) -> str | None:
    """The DuckDB type `duck_literal` gives a value of type `oid`; None: none (bare)."""
    if oid == oids.BYTEA:
        return "BLOB"
    if oid == oids.NUMERIC:
        return "DECIMAL"
    info = registry.get(oid)
    if info is None:
        return None
    if info.element_oid:
        element = _null_spelling(info.element_oid)
        return None if element is None else f"{element}[]"
    return _DUCK_TYPE_NAMES.get(info.name)


def null_literal(oid: int) -> str:
    """The NULL that stands for a parameter of type `oid` while describing: cast as
    `duck_literal` casts a value of that type, so the result types come out the same
    (text, like an unknown type, is spliced bare)."""
    spelling = None if oid == oids.TEXT else _null_spelling(oid)
    return "NULL" if spelling is None else f"NULL::{spelling}"


def parameter_oid(duck_type: Any) -> int:
    """The type a parameter takes from a column of `duck_type`; 0 (unknown) where the column
    type has no PostgreSQL counterpart a client could send (STRUCT, MAP, UNION)."""
    kind = duck_type.id
    if kind in ("struct", "map", "union"):
        return 0
    if kind in ("list", "array") and not parameter_oid(dict(duck_type.children)["child"]):
        return 0
    return pg_type(duck_type)[0]
