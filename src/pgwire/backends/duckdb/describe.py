"""Describing a DuckDB statement without running it (`DuckDBSession.describe`).

Parameters left 0 by the client take their type from the SQL (`sqlparams`), asking DuckDB for
the columns of the tables it names. Result columns come from DuckDB's binder: `DESCRIBE
<query>` with each parameter replaced by a NULL cast as the execute path casts its value, and
for INSERT/UPDATE/DELETE ... RETURNING a SELECT of the RETURNING list. Everything here runs in
the session's worker thread, on its cursor.
"""

from __future__ import annotations

import functools
from typing import Any

import duckdb

from pgwire.backends.duckdb.errors import to_pg_error
from pgwire.backends.duckdb.types import EnumLookup, null_literal, parameter_oid, pg_type
from pgwire.backends.sqlparams import Spliced, infer_parameter_types, returning_query, splice
from pgwire.handler import Column, Description
from pgwire.sql import leading_words
from pgwire.types import oids

__all__ = ["describe", "describe_returning", "pg_type_named", "table_columns"]

Row = tuple[Any, ...]

# Statements that return no rows, whatever their parameters.
_NO_ROWS = frozenset(
    {"CREATE", "DROP", "ALTER", "SET", "VARIABLE_SET", "TRANSACTION", "VACUUM", "ATTACH",
     "DETACH", "LOAD", "EXPORT", "ANALYZE", "UPDATE_EXTENSIONS"}
)  # fmt: skip
_DML = frozenset({"INSERT", "UPDATE", "DELETE"})
_type_names: dict[str, tuple[int, int]] = {}  # DuckDB's type names (DESCRIBE) → pg_type


def describe(
    cursor: duckdb.DuckDBPyConnection,
    sql: str,
    statements: list[Any],
    types: list[int],
    enums: EnumLookup | None = None,
) -> Description | None:
    """Parameter and result types of `sql`, parsed by DuckDB into `statements`."""
    if len(statements) != 1:
        return Description(types, None) if not statements else None
    kind: str = statements[0].type.name
    if kind != "SELECT" and kind not in _DML and kind not in _NO_ROWS:
        return None
    if not all(types):
        types = infer_parameter_types(sql, types, functools.partial(table_columns, cursor))
    if kind in _NO_ROWS or leading_words(sql, 1) == ["TRUNCATE"]:
        return Description(types, None)
    spliced = splice(sql, [null_literal(oid) for oid in types])
    if kind == "SELECT":
        return Description(types, _describe_query(cursor, spliced, enums))
    # INSERT/UPDATE/DELETE: bound (EXPLAIN runs nothing) for the errors running it gives.
    _bind(cursor, "EXPLAIN ", spliced)
    query = returning_query(spliced.text)
    if query is None:
        return Description(types, None)
    columns = describe_returning(cursor, query, enums)
    return None if columns is None else Description(types, columns)


def _bind(cursor: duckdb.DuckDBPyConnection, prefix: str, spliced: Spliced) -> list[Row]:
    """Run `prefix + spliced.text`; a DuckDB error as the PgError running the statement
    gives, its cursor position mapped back to the client's SQL."""
    text = prefix + spliced.text
    try:
        rows: list[Row] = cursor.execute(text).fetchall()
    except duckdb.Error as exc:
        err = to_pg_error(exc, text)
        if err.position is not None:
            position = err.position - len(prefix)
            err.position = spliced.original_position(position) if position > 0 else None
        raise err from None
    return rows


def _describe_query(
    cursor: duckdb.DuckDBPyConnection, spliced: Spliced, enums: EnumLookup | None
) -> list[Column]:
    rows = _bind(cursor, "DESCRIBE ", spliced)
    return [Column(name, *pg_type_named(cursor, type_name, enums)) for name, type_name, *_ in rows]


def describe_returning(
    cursor: duckdb.DuckDBPyConnection, query: str, enums: EnumLookup | None = None
) -> list[Column] | None:
    """Columns of a RETURNING list rewritten as a SELECT; None when that does not bind.

    Parsed, then bound with `sql()`: neither may abort the client's transaction on an
    error (one from `execute` would), since it is not the client's statement failing.
    """
    try:
        cursor.extract_statements(query)
        rows = cursor.sql(f"DESCRIBE {query}").fetchall()
    except duckdb.Error:
        return None
    return [Column(name, *pg_type_named(cursor, type_name, enums)) for name, type_name, *_ in rows]


def pg_type_named(
    cursor: duckdb.DuckDBPyConnection, type_name: str, enums: EnumLookup | None = None
) -> tuple[int, int]:
    """(type OID, typmod) of a DuckDB type given by name, as DESCRIBE and DuckDB's catalog
    spell it; named enums by their labels in `enums`."""
    if enums is not None and "ENUM(" in type_name:
        return pg_type(cursor.sqltype(type_name), enums)
    found = _type_names.get(type_name)
    if found is None:
        try:
            found = pg_type(cursor.sqltype(type_name))
        except Exception:  # a type DuckDB prints but cannot parse back: text prints it
            found = (oids.TEXT, -1)
        _type_names[type_name] = found
    return found


def table_columns(
    cursor: duckdb.DuckDBPyConnection, name: tuple[str, ...]
) -> list[tuple[str, int]] | None:
    """A table's (or view's) columns and the parameter type each gives; None: no such
    table. Asked through `sql()` with quoted names: a missing table's catalog error then
    leaves the client's transaction alone (one from `execute` would abort it)."""
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in name)
    try:
        description = cursor.sql(f"SELECT * FROM {quoted} LIMIT 0").description
    except duckdb.Error:
        return None
    return [(column, parameter_oid(duck_type)) for column, duck_type, *_ in description]
