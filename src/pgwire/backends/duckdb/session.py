"""DuckDB, the embedded default backend: a plain user of the handler API.

    from pgwire import serve
    from pgwire.backends.duckdb import DuckDBHandler

    serve(DuckDBHandler("analytics.duckdb"), port=5433)

One `duckdb.connect()` per handler; each client connection gets a cursor of its own (DuckDB's
name for another connection to the same database), so transactions are per client, as in
PostgreSQL. DuckDB work runs in a thread pool, never on the event loop: one slow query does not
stall other clients, and a cancel request interrupts the query in DuckDB.

Results stream in batches from DuckDB's streaming result. Column types map to PostgreSQL OIDs
(see `pg_type`); DuckDB's Python values then print through the ordinary type registry.

Describe (asyncpg, JDBC) is answered without running the statement: result columns from
DuckDB's binder (`DESCRIBE <query>`), parameter types from the SQL where PostgreSQL would infer
them from a column (`col = $1`, `INSERT ... VALUES ($1)`, `LIMIT $1`; see `sqlparams`).
Other untyped parameters are reported as text, as PostgreSQL does when it cannot tell.

Known differences from PostgreSQL:
- INTERVAL: DuckDB's Python API turns intervals into timedeltas, counting a month as 30 days.
  A SELECT whose result holds intervals (also in lists) is therefore run again with the
  interval columns split into months, days and microseconds inside DuckDB: exact, at the cost
  of executing the query twice. Intervals inside STRUCTs and MAPs, and in the RETURNING rows
  of INSERT/UPDATE/DELETE, stay approximate.
- DATE/TIMESTAMP 'infinity' and '-infinity' come out of DuckDB's Python API as 9999-12-31 and
  0001-01-01 (its own conversion), BC dates and years past 9999 as text, which prints right.
- Column names are DuckDB's ('count_star()' where PostgreSQL says 'count').
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import duckdb

from pgwire import sqlstate
from pgwire.backends.catalog import NotCatalog, is_catalog_query
from pgwire.backends.duckdb.catalog import DuckDBCatalog
from pgwire.backends.offloop import run_interruptible
from pgwire.backends.sqlparams import Spliced, infer_parameter_types, returning_query, splice
from pgwire.errors import PgError
from pgwire.handler import (
    Column,
    Command,
    Description,
    Handler,
    Result,
    Rows,
    SessionInfo,
    command_tag,
)
from pgwire.sql import (
    leading_words,
    quote_literal,
    spans,
    substitute_parameters,
    transaction_verb,
)
from pgwire.types import Interval, oids
from pgwire.types.registry import TEXT, registry

__all__ = ["DuckDBHandler", "DuckDBSession", "pg_type", "to_pg_error"]

# DuckDB releases the GIL while it executes, so threads give real concurrency between clients.
# A pool of our own: a slow query must not starve the loop's default executor.
_EXECUTOR = ThreadPoolExecutor(max_workers=64, thread_name_prefix="pgwire-duckdb")

BATCH_ROWS = 1000  # rows per fetch: the first batch comes back with the execute itself
_STATEMENT_CACHE = 256  # parsed statements kept per session, keyed by SQL text

_T = TypeVar("_T")
Row = tuple[Any, ...]

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
    "struct": oids.JSON,
    "map": oids.JSON,
    "enum": oids.TEXT,
    # A UNION value comes out as its member's value: text prints any member the PostgreSQL way.
    "union": oids.TEXT,
    "null": oids.TEXT,
}
_TYPMOD_BY_ID = {"timestamp_s": 0, "timestamp_ms": 3}  # timestamp(0), timestamp(3)
_type_cache: dict[str, tuple[int, int]] = {}


def pg_type(duck_type: Any) -> tuple[int, int]:
    """(type OID, typmod) of a DuckDBPyType, as RowDescription describes a column."""
    key = str(duck_type)
    found = _type_cache.get(key)
    if found is None:
        found = _type_cache[key] = _pg_type(duck_type)
    return found


def _pg_type(duck_type: Any) -> tuple[int, int]:
    kind = duck_type.id
    if kind in ("list", "array"):
        element_oid, typmod = pg_type(dict(duck_type.children)["child"])
        if oids.ELEMENT_OF.get(element_oid):  # a list of lists: one multi-dimensional array
            return element_oid, typmod
        return oids.ARRAY_OF.get(element_oid, oids.TEXT_ARRAY), typmod
    if kind == "decimal":
        children = dict(duck_type.children)
        return oids.NUMERIC, ((children["precision"] << 16) | children["scale"]) + 4
    if kind == "varchar" and str(duck_type) == "JSON":
        return oids.JSON, -1
    return _BY_ID.get(kind, oids.TEXT), _TYPMOD_BY_ID.get(kind, -1)


# Intervals: split into parts inside DuckDB (see the module docstring), rebuilt here.
_INTERVAL_PARTS = "['year', 'month', 'day', 'hour', 'minute', 'microseconds']"


def _interval_sql(expr: str, duck_type: Any, depth: int = 0) -> str | None:
    """A DuckDB expression giving `expr`'s intervals as part structs; None: no intervals."""
    kind = duck_type.id
    if kind == "interval":
        return f"datepart({_INTERVAL_PARTS}, {expr})"
    if kind in ("list", "array"):
        var = f"_pgwire_e{depth}"
        inner = _interval_sql(var, dict(duck_type.children)["child"], depth + 1)
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


def _interval_converter(duck_type: Any) -> Callable[[Any], Any]:
    if duck_type.id == "interval":
        return _interval_of
    inner = _interval_converter(dict(duck_type.children)["child"])
    return lambda items: None if items is None else [inner(item) for item in items]


# ---------------------------------------------------------------------------------------------
# command tags

_CREATE_SKIP = {"OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "PERSISTENT", "GLOBAL", "LOCAL"}
_OBJECT_NAMES = {"MACRO": "FUNCTION"}  # DuckDB's macros are PostgreSQL's SQL functions
_COUNTED_TYPES = {"INSERT", "UPDATE", "DELETE", "MERGE_INTO", "COPY", "CREATE"}
_ROW_VERBS = {"INSERT": "INSERT", "UPDATE": "UPDATE", "DELETE": "DELETE", "MERGE_INTO": "MERGE"}
_TRANSACTION_TAGS = {
    "BEGIN": "BEGIN",
    "START": "START TRANSACTION",
    "COMMIT": "COMMIT",
    "END": "COMMIT",
    "ROLLBACK": "ROLLBACK",
    "ABORT": "ROLLBACK",
}


def _object_tag(verb: str, words: list[str]) -> str:
    """'CREATE TABLE', 'DROP VIEW', 'ALTER TABLE', ...: the verb and the kind of object."""
    for word in words[1:]:
        if word not in _CREATE_SKIP:
            return f"{verb} {_OBJECT_NAMES.get(word, word)}"
    return verb


def command_tag_for(statement_type: str, sql: str, count: int | None) -> str:
    """PostgreSQL's CommandComplete tag for a DuckDB statement that returned no rows."""
    words = leading_words(sql, 6)
    first = words[0] if words else statement_type
    if statement_type == "INSERT":
        return command_tag("INSERT", count or 0)
    if statement_type in ("UPDATE", "DELETE"):
        if first == "TRUNCATE":
            return "TRUNCATE TABLE"
        return command_tag(statement_type, count or 0)
    if statement_type == "MERGE_INTO":
        return command_tag("MERGE", count or 0)
    if statement_type == "COPY":
        return command_tag("COPY", count or 0)
    if statement_type == "CREATE":
        if count is not None:  # CREATE TABLE ... AS: PostgreSQL says SELECT n
            return command_tag("SELECT", count)
        return _object_tag("CREATE", words)
    if statement_type == "DROP":
        return "DEALLOCATE" if first == "DEALLOCATE" else _object_tag("DROP", words)
    if statement_type == "ALTER":
        return "COMMENT" if first == "COMMENT" else _object_tag("ALTER", words)
    if statement_type == "TRANSACTION":
        return _TRANSACTION_TAGS.get(first, first)
    if statement_type == "SET":
        return "RESET" if first == "RESET" else "SET"
    return first


# ---------------------------------------------------------------------------------------------
# errors: DuckDB exception → PgError with the nearest SQLSTATE

_PREFIX = re.compile(r"^[A-Za-z][A-Za-z ]*? Error: ")
_LINE = re.compile(r"LINE (\d+): (.*)\n( *)\^")

# (exception class name, pattern on the message, SQLSTATE, PostgreSQL's wording or None)
_RULES: list[tuple[str, re.Pattern[str], str, str | None]] = [
    (cls, re.compile(pattern, re.IGNORECASE | re.DOTALL), code, wording)
    for cls, pattern, code, wording in [
        ("Error", r"read-only", "25006", None),
        ("CatalogException", r'^Table with name "?(.+?)"? does not exist', "42P01",
         'relation "{0}" does not exist'),
        ("CatalogException", r'^(?:Table|View) with name "?(.+?)"? already exists', "42P07",
         'relation "{0}" already exists'),
        ("CatalogException", r"^(?:Scalar |Table |Aggregate |Pragma |Macro )?Function with "
         r'name "?(.+?)"? does not exist', "42883", "function {0} does not exist"),
        ("CatalogException", r'^Type with name "?(.+?)"? does not exist', "42704",
         'type "{0}" does not exist'),
        ("CatalogException", r'^Schema with name "?(.+?)"? does not exist', "3F000",
         'schema "{0}" does not exist'),
        ("CatalogException", r'^Schema with name "?(.+?)"? already exists', "42P06",
         'schema "{0}" already exists'),
        ("CatalogException", r"^(?:View|Sequence) with name .* does not exist", "42P01", None),
        ("CatalogException", r"^unrecognized configuration parameter", "42704", None),
        ("CatalogException", r"does not exist", "42704", None),
        ("CatalogException", r"already exists", "42710", None),
        ("CatalogException", r"", "42P01", None),
        ("BinderException", r'^Referenced column "(.+?)" not found', "42703",
         'column "{0}" does not exist'),
        ("BinderException", r"^Referenced table .* not found", "42P01", None),
        ("BinderException", r"^Ambiguous reference", "42702", None),
        ("BinderException", r"must appear in the GROUP BY clause", "42803", None),
        ("BinderException", r"^No function matches", "42883", None),
        ("BinderException", r"^Could not choose a best candidate", "42725", None),
        ("BinderException", r"", "42000", None),
        ("ConstraintException", r"duplicate key|unique constraint|primary key", "23505", None),
        ("ConstraintException", r"NOT NULL", "23502", None),
        ("ConstraintException", r"foreign key", "23503", None),
        ("ConstraintException", r"CHECK constraint", "23514", None),
        ("ConstraintException", r"", "23000", None),
        ("ConversionException", r"out of range", "22003", None),
        ("ConversionException", r"date|time|interval", "22007", None),
        ("ConversionException", r"", "22P02", None),
        ("InvalidInputException", r"division by zero", "22012", "division by zero"),
        ("InvalidInputException", r"^Values were not provided", "08P01", None),
        ("InvalidInputException", r"", "22023", None),
        ("TransactionException", r"transaction is aborted", "25P02",
         "current transaction is aborted, commands ignored until end of transaction block"),
        ("TransactionException", r"within a transaction", "25001", None),
        ("TransactionException", r"no transaction is active", "25P01", None),
        ("TransactionException", r"conflict", "40001", None),
        ("TransactionException", r"", "25000", None),
        ("InterruptException", r"", "57014", "canceling statement due to user request"),
        ("ParserException", r"", "42601", None),
        ("SyntaxException", r"", "42601", None),
        ("OutOfRangeException", r"", "22003", None),
        ("NotImplementedException", r"", "0A000", None),
        ("PermissionException", r"", "42501", None),
        ("DependencyException", r"", "2BP01", None),
        ("SequenceException", r"", "2200H", None),
        ("TypeMismatchException", r"", "42804", None),
        ("InvalidTypeException", r"", "42804", None),
        ("IOException", r"", "58030", None),
        ("HTTPException", r"", "58030", None),
        ("OutOfMemoryException", r"", "53200", None),
        ("ConnectionException", r"", "08000", None),
    ]
]  # fmt: skip


_SAVEPOINT_VERBS = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")  # DuckDB's parser knows none


def to_pg_error(exc: BaseException, sql: str = "") -> PgError:
    """A DuckDB exception as a PgError: nearest SQLSTATE, DuckDB's prefixes stripped, the
    'Did you mean' line as hint and the LINE/caret excerpt as a cursor position in `sql`."""
    text = _PREFIX.sub("", str(exc), count=1)
    body, _, excerpt = text.partition("\n\nLINE ")
    lines = [line.strip() for line in body.split("\n")]
    message = lines[0].rstrip("!") or type(exc).__name__
    hint = None
    details = []
    for line in lines[1:]:
        if not line:
            continue
        if line.startswith("Did you mean") or line.startswith("Candidate bindings"):
            hint = line if hint is None else f"{hint} {line}"
        else:
            details.append(line)
    code = sqlstate.INTERNAL_ERROR
    names = {cls.__name__ for cls in type(exc).__mro__}
    for cls, pattern, rule_code, wording in _RULES:
        if cls in names:
            match = pattern.search(message)
            if match:
                code = rule_code
                if wording is not None:
                    message = wording.format(*match.groups())
                break
    position = _position(excerpt, sql) if excerpt else None
    if code == sqlstate.SYNTAX_ERROR and transaction_verb(sql) in _SAVEPOINT_VERBS:
        return PgError(
            "savepoints are not supported by DuckDB",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="Roll back or commit the whole transaction instead.",
        )
    return PgError(
        message,
        code,
        detail="\n".join(details) or None,
        hint=hint,
        position=position,
    )


def _position(excerpt: str, sql: str) -> int | None:
    """1-based character position in `sql` of DuckDB's caret ('LINE 1: ...\\n   ^^^')."""
    match = _LINE.match("LINE " + excerpt)
    if not match or not sql:
        return None
    line_no, shown, spaces = int(match[1]), match[2], len(match[3])
    column = spaces - len(f"LINE {line_no}: ")
    sql_lines = sql.split("\n")
    if not 1 <= line_no <= len(sql_lines) or column < 0:
        return None
    line = sql_lines[line_no - 1]
    start = 0
    if shown.startswith("..."):  # DuckDB shortened a long line: find the piece it shows
        piece = shown[3:]
        piece = piece[:-3] if piece.endswith("...") else piece
        found = line.find(piece)
        if found < 0:
            return None
        start, column = found, column - 3
    offset = sum(len(previous) + 1 for previous in sql_lines[: line_no - 1])
    return offset + start + column + 1


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
# describing a statement without running it (DuckDBSession.describe)

# Statements that return no rows, whatever their parameters.
_NO_ROWS = frozenset(
    {"CREATE", "DROP", "ALTER", "SET", "VARIABLE_SET", "TRANSACTION", "VACUUM", "ATTACH",
     "DETACH", "LOAD", "EXPORT", "ANALYZE", "UPDATE_EXTENSIONS"}
)  # fmt: skip
_DML = frozenset({"INSERT", "UPDATE", "DELETE"})
_type_names: dict[str, tuple[int, int]] = {}  # DuckDB's type names (DESCRIBE) → pg_type


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


def _null_literal(oid: int) -> str:
    """The NULL that stands for a parameter of type `oid` while describing: cast as
    `duck_literal` casts a value of that type, so the result types come out the same
    (text, like an unknown type, is spliced bare)."""
    spelling = None if oid == oids.TEXT else _null_spelling(oid)
    return "NULL" if spelling is None else f"NULL::{spelling}"


def _parameter_oid(duck_type: Any) -> int:
    """The type a parameter takes from a column of `duck_type`; 0 (unknown) where the column
    type has no PostgreSQL counterpart a client could send (STRUCT, MAP, UNION)."""
    kind = duck_type.id
    if kind in ("struct", "map", "union"):
        return 0
    if kind in ("list", "array") and not _parameter_oid(dict(duck_type.children)["child"]):
        return 0
    return pg_type(duck_type)[0]


# ---------------------------------------------------------------------------------------------
# the handler


class DuckDBHandler(Handler):
    """Serve one DuckDB database: ":memory:" (the default) or a file path."""

    implicit_transactions = True

    def __init__(
        self,
        database: str = ":memory:",
        read_only: bool = False,
        *,
        config: dict[str, Any] | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        if read_only and database in ("", ":memory:"):
            raise ValueError("an in-memory DuckDB database cannot be opened read-only")
        self.database = database
        self.read_only = read_only
        self.batch_rows = batch_rows
        self._db = duckdb.connect(database, read_only=read_only, config=config or {})
        _prepare(self._db)
        self._default: DuckDBSession | None = None

    async def connect(self, session: SessionInfo) -> DuckDBSession:
        loop = asyncio.get_running_loop()
        # A cursor is a new DuckDB connection to the same database: its own transactions.
        cursor = await loop.run_in_executor(_EXECUTOR, self._new_cursor)
        return DuckDBSession(cursor, session, self.batch_rows)

    def _new_cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self._db.cursor()
        _prepare(cursor)
        return cursor

    async def query(self, sql: str) -> Result:
        """Run `sql` on a session of the handler's own (handy in scripts and tests)."""
        if self._default is None:
            self._default = await self.connect(SessionInfo("duckdb", self.database, 0))
        return await self._default.query(sql)

    async def close(self) -> None:
        if self._default is not None:
            await self._default.close()
            self._default = None

    def shutdown(self) -> None:
        """Close the database; every session's cursor stops working."""
        self._db.close()


def _prepare(conn: duckdb.DuckDBPyConnection) -> None:
    # Replacement scans would let SQL text read Python variables of the server process.
    conn.execute("SET python_enable_replacements = false")
    # The server reports TimeZone=UTC; timestamptz values are computed in it.
    conn.execute("SET TimeZone = 'UTC'")


# PostgreSQL settings that pgjdbc SETs on every connection and DuckDB does not have
# ("SET extra_float_digits = 3", "SET application_name = '...'"): accepted and ignored.
# Floats already print shortest-exact, as PostgreSQL does with extra_float_digits >= 1.
_IGNORED_SETTINGS = frozenset({"EXTRA_FLOAT_DIGITS", "APPLICATION_NAME"})


def _ignored_setting(sql: str) -> bool:
    words = leading_words(sql, 3)
    if words[:1] != ["SET"]:
        return False
    if words[1:2] in (["SESSION"], ["LOCAL"]):
        words = words[1:]
    return len(words) > 1 and words[1] in _IGNORED_SETTINGS


@dataclass(slots=True)
class _Stream:
    """The rest of a result that has not been fetched yet."""

    batch_rows: int
    # Per column (None: as is), when DuckDB's Python values need fixing.
    converters: list[Callable[[Any], Any] | None] | None = None
    buffered: list[Row] = field(default_factory=list)  # drained early (see _drain)
    done: bool = False


@dataclass(slots=True)
class _Outcome:
    command: str | None = None
    columns: list[Column] = field(default_factory=list)
    first: list[Row] = field(default_factory=list)
    stream: _Stream | None = None
    verb: str = "SELECT"


_SETTING_NAMES: frozenset[str] | None = None  # DuckDB's own settings, read once
_MANY_PARAMS = 4000  # parameters bound in one multi-row INSERT (execute_many)


@functools.lru_cache(maxsize=256)
def _values_insert(sql: str) -> tuple[str, str] | None:
    """("INSERT INTO t (a, b) VALUES", "($1, $2)") for a plain one-row INSERT ... VALUES;
    None for anything else (RETURNING, ON CONFLICT, several rows, a SELECT)."""
    if leading_words(sql, 2) != ["INSERT", "INTO"]:
        return None
    code = "".join(sql[b:e] if is_code else " " * (e - b) for is_code, b, e in spans(sql))
    upper = code.upper()
    if any(word in upper.split() for word in ("RETURNING", "CONFLICT", "SELECT", "DEFAULT")):
        return None
    at = upper.rfind(" VALUES")
    if at < 0:
        return None
    row = sql[at + len(" VALUES") :].strip().rstrip(";").rstrip()
    if not (row.startswith("(") and row.endswith(")")):
        return None
    depth = 0
    for is_code, b, e in spans(row):
        for i, c in enumerate(row[b:e] if is_code else "", start=b):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i != len(row) - 1:
                return None  # a second tuple, or something after the first
    return sql[: at + len(" VALUES")].strip(), row


class DuckDBSession(Handler):
    """One client connection: a DuckDB cursor of its own."""

    implicit_transactions = True

    def __init__(
        self, cursor: duckdb.DuckDBPyConnection, info: SessionInfo, batch_rows: int = BATCH_ROWS
    ) -> None:
        self.info = info
        self._cursor = cursor
        self._batch_rows = batch_rows
        self._statements: dict[str, list[Any]] = {}
        self._open: _Stream | None = None  # a result still being streamed to the client
        self._closed = False
        # pg_catalog and information_schema, emulated (backends/catalog)
        self._catalog = DuckDBCatalog(info, self._type_of, f"DuckDB {duckdb.__version__}")

    # -- running things off the loop -----------------------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await run_interruptible(_EXECUTOR, self._interrupt, fn, *args)

    def _interrupt(self) -> None:
        self._cursor.interrupt()
        self._catalog.interrupt()

    # -- the handler API -----------------------------------------------------------------------

    async def query(self, sql: str) -> Result:
        if _ignored_setting(sql):
            return Command("SET")
        if is_catalog_query(sql):
            try:
                found = await self._run(self._catalog_query, sql)
                return Rows(found.columns, found.rows)
            except NotCatalog:
                pass  # it reads the client's tables too: DuckDB's own answer
        return await self._query(sql, None)

    async def _query(self, sql: str, params: list[Any] | None) -> Result:
        try:
            outcome = await self._run(self._execute, sql, params)
        except duckdb.Error as exc:
            raise to_pg_error(exc, sql) from None
        if outcome.command is not None:
            return Command(outcome.command)
        return Rows(outcome.columns, batches=self._batches(outcome, sql), command=outcome.verb)

    def execute(
        self, sql: str, params: Sequence[Any], param_types: Sequence[int]
    ) -> Result | Awaitable[Result]:
        if is_catalog_query(sql):
            # The catalog emulation answers from its own tables and reads the text.
            literals = [duck_literal(v, oid) for v, oid in zip(params, param_types, strict=True)]
            return self.query(substitute_parameters(sql, literals))
        pairs = [
            duck_param(v, oid, n)
            for n, (v, oid) in enumerate(zip(params, param_types, strict=True), start=1)
        ]
        text = substitute_parameters(sql, [placeholder for placeholder, _ in pairs])
        return self._query(text, [value for _, value in pairs])

    def can_execute_many(self, sql: str) -> bool:
        return _values_insert(sql) is not None

    async def execute_many(
        self, sql: str, rows: Sequence[Sequence[Any]], param_types: Sequence[int]
    ) -> int:
        """Many rows of one `INSERT ... VALUES (...)` as one multi-row INSERT per chunk of
        rows: one DuckDB call instead of one each, values bound as for `execute`."""
        split = _values_insert(sql)
        assert split is not None
        head, row_text = split
        per_chunk = max(1, _MANY_PARAMS // max(1, len(param_types)))
        done = 0
        for start in range(0, len(rows), per_chunk):
            tuples: list[str] = []
            values: list[Any] = []
            for row in rows[start : start + per_chunk]:
                pairs = [
                    duck_param(v, oid, len(values) + n)
                    for n, (v, oid) in enumerate(zip(row, param_types, strict=True), start=1)
                ]
                tuples.append(substitute_parameters(row_text, [ph for ph, _ in pairs]))
                values.extend(value for _, value in pairs)
            try:
                await self._run(self._execute, f"{head} {', '.join(tuples)}", values)
            except duckdb.Error as exc:
                raise to_pg_error(exc, sql) from None
            done += len(tuples)
        return done

    async def describe(self, sql: str, param_types: Sequence[int]) -> Description | None:
        """Parameter and result types of `sql`, from DuckDB's binder: nothing runs.

        Parameters left 0 by the client are inferred from their context where it is clear
        (see `sqlparams`). Result columns come from `DESCRIBE <query>` with each parameter
        replaced by a NULL cast as the execute path casts its value; for INSERT/UPDATE/DELETE
        ... RETURNING from a SELECT of the RETURNING list. Errors are those running the
        statement would give (42P01, 42601, ...). None where DuckDB cannot tell (PRAGMA,
        CALL, EXPLAIN, ...) and for catalog queries: the library then derives what it can.
        """
        if is_catalog_query(sql):
            return None
        return await self._run(self._describe, sql, list(param_types))

    async def set_parameter(self, name: str, value: str | None) -> bool:
        """Session parameters: TimeZone is mirrored into DuckDB (its date functions use it);
        DuckDB's own settings (threads, memory_limit, ...) are SET or RESET; the rest of
        PostgreSQL's client parameters are the front end's business."""
        self._catalog.set_parameter(name, value)  # for current_setting() and pg_settings
        if name == "TimeZone" and value is not None:
            zone = value.replace("'", "''")
            # DuckDB knows IANA names; PostgreSQL's offset spellings stay front-end only.
            with contextlib.suppress(duckdb.Error):
                await self._run(self._cursor.execute, f"SET TimeZone = '{zone}'")
            return True
        key = name.lower()
        if key not in await self._duckdb_settings():
            return False
        try:
            if value is None:
                await self._run(self._cursor.execute, f'RESET "{key}"')
            else:
                literal = value.replace("'", "''")
                await self._run(self._cursor.execute, f"SET \"{key}\" = '{literal}'")
        except duckdb.Error as exc:
            raise to_pg_error(exc, name) from None
        return True

    async def _duckdb_settings(self) -> frozenset[str]:
        global _SETTING_NAMES
        if _SETTING_NAMES is None:
            rows = await self._run(
                lambda: self._cursor.execute("SELECT name FROM duckdb_settings()").fetchall()
            )
            _SETTING_NAMES = frozenset(str(r[0]).lower() for r in rows)
        return _SETTING_NAMES

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cursor.interrupt()
        with contextlib.suppress(duckdb.Error):
            await self._run(self._cursor.close)
        self._catalog.close()

    # -- in the worker thread ------------------------------------------------------------------

    def _catalog_query(self, sql: str) -> Any:
        self._drain()
        return self._catalog.run(self._cursor, sql)

    def _type_of(self, type_name: str) -> tuple[int, int]:
        column = self._column("", type_name)
        return column.type_oid, column.type_modifier

    def _parse(self, sql: str) -> list[Any]:
        statements = self._statements.get(sql)
        if statements is None:
            statements = self._cursor.extract_statements(sql)
            if len(self._statements) >= _STATEMENT_CACHE:
                self._statements.clear()
            self._statements[sql] = statements
        return statements

    def _drain(self) -> None:
        """Buffer what is left of a result still being streamed: the cursor is needed again."""
        stream, self._open = self._open, None
        if stream is not None and not stream.done:
            stream.buffered.extend(self._fetch(stream, None))
            stream.done = True

    def _fetch(self, stream: _Stream, count: int | None) -> list[Row]:
        rows = self._cursor.fetchall() if count is None else self._cursor.fetchmany(count)
        converters = stream.converters
        if converters is not None and rows:
            rows = [
                tuple(value if convert is None else convert(value)
                      for convert, value in zip(converters, row, strict=True))
                for row in rows
            ]  # fmt: skip
        return rows

    def _execute(self, sql: str, params: list[Any] | None = None) -> _Outcome:
        self._drain()
        statements = self._parse(sql)
        if not statements:
            return _Outcome(command="")
        cursor = self._cursor
        for statement in statements[:-1]:  # the session splits; DuckDB may still see several
            cursor.execute(statement)
        statement = statements[-1]
        cursor.execute(statement, params)
        kind: str = statement.type.name
        description = cursor.description
        if not description:
            return _Outcome(command=command_tag_for(kind, sql, None))
        if len(description) == 1:
            only_name, only_type = description[0][0], str(description[0][1])
            if (
                only_name == "Success"
                and only_type == "BOOLEAN"
                and kind not in ("SELECT", "EXECUTE")
            ):
                return _Outcome(command=command_tag_for(kind, sql, None))
            # Without RETURNING, DuckDB answers DML with one BIGINT column "Count".
            if only_name == "Count" and only_type == "BIGINT" and kind in _COUNTED_TYPES:
                row = cursor.fetchone()
                return _Outcome(command=command_tag_for(kind, sql, None if row is None else row[0]))
        columns = []
        for name, duck_type, *_ in description:
            oid, typmod = pg_type(duck_type)
            columns.append(Column(name, oid, typmod))
        stream = _Stream(self._batch_rows)
        if kind == "SELECT":
            self._fix_intervals(statement, description, stream, params)
        verb = _ROW_VERBS.get(kind, "SELECT")
        if kind == "SELECT" and statement.query[:4].upper() == "SHOW":  # leading comments gone
            verb = "SHOW"
        elif kind == "EXPLAIN":
            verb = "EXPLAIN"
        first = self._fetch(stream, stream.batch_rows)
        stream.done = len(first) < stream.batch_rows
        if not stream.done:
            self._open = stream
        return _Outcome(columns=columns, first=first, stream=stream, verb=verb)

    def _describe(self, sql: str, types: list[int]) -> Description | None:
        self._drain()
        try:
            statements = self._parse(sql)
        except duckdb.Error as exc:
            raise to_pg_error(exc, sql) from None
        if len(statements) != 1:
            return Description(types, None) if not statements else None
        kind: str = statements[0].type.name
        if kind != "SELECT" and kind not in _DML and kind not in _NO_ROWS:
            return None
        if not all(types):
            types = infer_parameter_types(sql, types, self._table_columns)
        if kind in _NO_ROWS or leading_words(sql, 1) == ["TRUNCATE"]:
            return Description(types, None)
        spliced = splice(sql, [_null_literal(oid) for oid in types])
        if kind == "SELECT":
            return Description(types, self._describe_query(spliced))
        # INSERT/UPDATE/DELETE: bound (EXPLAIN runs nothing) for the errors running it gives.
        self._bind("EXPLAIN ", spliced)
        query = returning_query(spliced.text)
        if query is None:
            return Description(types, None)
        columns = self._describe_returning(query)
        return None if columns is None else Description(types, columns)

    def _bind(self, prefix: str, spliced: Spliced) -> list[Row]:
        """Run `prefix + spliced.text`; a DuckDB error as the PgError running the statement
        gives, its cursor position mapped back to the client's SQL."""
        text = prefix + spliced.text
        try:
            rows: list[Row] = self._cursor.execute(text).fetchall()
        except duckdb.Error as exc:
            err = to_pg_error(exc, text)
            if err.position is not None:
                position = err.position - len(prefix)
                err.position = spliced.original_position(position) if position > 0 else None
            raise err from None
        return rows

    def _describe_query(self, spliced: Spliced) -> list[Column]:
        rows = self._bind("DESCRIBE ", spliced)
        return [self._column(name, type_name) for name, type_name, *_ in rows]

    def _describe_returning(self, query: str) -> list[Column] | None:
        """Columns of a RETURNING list rewritten as a SELECT; None when that does not bind.

        Parsed, then bound with `sql()`: neither may abort the client's transaction on an
        error (one from `execute` would), since it is not the client's statement failing.
        """
        try:
            self._cursor.extract_statements(query)
            rows = self._cursor.sql(f"DESCRIBE {query}").fetchall()
        except duckdb.Error:
            return None
        return [self._column(name, type_name) for name, type_name, *_ in rows]

    def _column(self, name: str, type_name: str) -> Column:
        found = _type_names.get(type_name)
        if found is None:
            try:
                found = pg_type(self._cursor.sqltype(type_name))
            except Exception:  # a type DuckDB prints but cannot parse back: text prints it
                found = (oids.TEXT, -1)
            _type_names[type_name] = found
        return Column(name, *found)

    def _table_columns(self, name: tuple[str, ...]) -> list[tuple[str, int]] | None:
        """A table's (or view's) columns and the parameter type each gives; None: no such
        table. Asked through `sql()` with quoted names: a missing table's catalog error then
        leaves the client's transaction alone (one from `execute` would abort it)."""
        quoted = ".".join('"' + part.replace('"', '""') + '"' for part in name)
        try:
            description = self._cursor.sql(f"SELECT * FROM {quoted} LIMIT 0").description
        except duckdb.Error:
            return None
        return [(column, _parameter_oid(duck_type)) for column, duck_type, *_ in description]

    def _fix_intervals(
        self,
        statement: Any,
        description: Sequence[Any],
        stream: _Stream,
        params: list[Any] | None = None,
    ) -> None:
        """Re-run a SELECT with its intervals split into parts (see the module docstring)."""
        exprs = []
        converters: list[Callable[[Any], Any] | None] = []
        for i, (_name, duck_type, *_) in enumerate(description, start=1):
            fixed = _interval_sql(f"#{i}", duck_type)
            exprs.append(fixed or f"#{i}")
            converters.append(_interval_converter(duck_type) if fixed else None)
        if not any(converters):
            return
        inner = statement.query.strip().rstrip(";").rstrip()
        wrapped = f"SELECT {', '.join(exprs)} FROM (\n{inner}\n) AS _pgwire_q"
        try:
            self._cursor.execute(wrapped, params)
        except duckdb.Error:
            self._cursor.execute(statement, params)  # cannot wrap it: intervals stay approximate
            return
        stream.converters = converters

    # -- streaming -----------------------------------------------------------------------------

    async def _batches(self, outcome: _Outcome, sql: str) -> AsyncIterator[list[Row]]:
        stream = outcome.stream
        assert stream is not None
        try:
            if outcome.first:
                yield outcome.first
            outcome.first = []
            while not stream.done or stream.buffered:
                if stream.buffered:
                    rows, stream.buffered = stream.buffered, []
                    yield rows
                    continue
                try:
                    rows = await self._run(self._fetch_next, stream)
                except duckdb.Error as exc:
                    raise to_pg_error(exc, sql) from None
                if rows:
                    yield rows
        finally:
            # Abandoned (client gone, error while sending): nothing will read the rest, so
            # the next statement must not buffer it.
            if self._open is stream:
                self._open = None

    def _fetch_next(self, stream: _Stream) -> list[Row]:
        if stream.done:  # drained by another statement meanwhile: rows are in the buffer
            return []
        rows = self._fetch(stream, stream.batch_rows)
        if len(rows) < stream.batch_rows:
            stream.done = True
            if self._open is stream:
                self._open = None
        return rows

    # -- COPY FROM STDIN -----------------------------------------------------------------------

    async def copy_in(
        self,
        table: str,
        columns: Sequence[Column],
        rows: AsyncIterator[Sequence[Sequence[Any]]],
    ) -> int:
        """Load through DuckDB's appender: each batch is appended in the worker thread while the
        event loop parses the next one, and flushed (one INSERT of the rows buffered, inside the
        session's transaction) every COPY_FLUSH_ROWS rows and at the end. The library's hidden
        transaction makes the load all or nothing."""
        convert = _copy_converter(columns)
        try:
            appender = await self._run(self._copy_appender, table, [c.name for c in columns])
        except duckdb.Error as exc:
            raise to_pg_error(exc) from None
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[None] | None = None
        count = unflushed = 0
        try:
            async for batch in rows:
                if convert is not None:
                    batch = convert(batch)
                if pending is not None:
                    await asyncio.shield(pending)
                unflushed += len(batch)
                flush = unflushed >= COPY_FLUSH_ROWS
                if flush:
                    unflushed = 0
                pending = loop.run_in_executor(_EXECUTOR, _copy_append, appender, batch, flush)
                count += len(batch)
            if pending is not None:
                await asyncio.shield(pending)
            pending = loop.run_in_executor(_EXECUTOR, appender.flush)
            await asyncio.shield(pending)
        except duckdb.Error as exc:
            raise to_pg_error(exc) from None
        except asyncio.CancelledError:
            self._cursor.interrupt()
            raise
        finally:
            if pending is not None and not pending.done():
                with contextlib.suppress(BaseException):
                    await pending  # the worker must be done with the cursor first
            appender.clear()
        return count

    def _copy_appender(self, table: str, names: list[str]) -> Any:
        self._drain()
        return self._cursor.appender(table, columns=names)


COPY_FLUSH_ROWS = 65536  # rows the appender buffers between INSERTs (measured: fewer is slower)


def _copy_append(appender: Any, batch: Sequence[Sequence[Any]], flush: bool) -> None:
    appender.append_rows(batch)
    if flush:
        appender.flush()


# Types whose decoded Python values DuckDB's appender takes as they are (and arrays of them);
# values of any other type go in as PostgreSQL's text, which DuckDB casts to the column type.
_APPENDER_NATIVE = frozenset(
    {
        oids.BOOL, oids.INT2, oids.INT4, oids.INT8, oids.FLOAT4, oids.FLOAT8, oids.NUMERIC,
        oids.TEXT, oids.VARCHAR, oids.BPCHAR, oids.NAME, oids.BYTEA, oids.DATE, oids.TIME,
        oids.TIMESTAMP, oids.TIMESTAMPTZ, oids.UUID, oids.JSON, oids.JSONB,
    }
)  # fmt: skip


def _copy_converter(
    columns: Sequence[Column],
) -> Callable[[Sequence[Sequence[Any]]], list[tuple[Any, ...]]] | None:
    """A batch converter for the columns DuckDB cannot take as Python values; None: none."""
    encoders: list[Callable[[Any], bytes] | None] = []
    for column in columns:
        oid = column.type_oid
        info = registry.get(oid)
        element = info.element_oid if info is not None else 0
        native = oid in _APPENDER_NATIVE or element in _APPENDER_NATIVE
        encoders.append(None if native else registry.encoder(oid, TEXT))
    if not any(encoders):
        return None

    def convert(batch: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(
                v if enc is None or v is None else enc(v).decode()
                for enc, v in zip(encoders, row, strict=True)
            )
            for row in batch
        ]

    return convert
