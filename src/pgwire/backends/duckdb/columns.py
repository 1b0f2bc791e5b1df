"""`TableColumns`: what the front end needs to know of a database's tables before DuckDB runs
an INSERT or UPDATE, read from DuckDB's catalog once and kept until a session changes the
schema (shared by the database's sessions; see schema_version.py):

- each table's column names, in order (an INSERT without a column list that gives fewer
  values than the table has columns: short_rows.py);
- its GENERATED ALWAYS identity columns (identity.py);
- its columns' declared types (the PostgreSQL-to-DuckDB passes: dialect/).
"""

from __future__ import annotations

import threading
from typing import Any

from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.sql import lexer
from pgwire.sql.lexer import IDENT, STRING, WORD

__all__ = ["MARKER", "TableColumns", "owned_sequence"]

# The comment on the sequence of a GENERATED ALWAYS identity column (see ddl.py).
MARKER = "GENERATED ALWAYS AS IDENTITY"


class TableColumns:
    """The columns of one database's tables, by table name (all schemas together)."""

    def __init__(self, schema: SchemaVersion) -> None:
        self._schema = schema
        self._version = -1  # the schema version that _names and _always were read in
        self._names: dict[str, list[str]] | None = None
        self._types: dict[str, dict[str, str]] | None = None
        self._always: dict[str, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def _current(self) -> None:
        """Forget what was read before the schema last changed."""
        if self._version != self._schema.value:
            with self._lock:
                self._names = self._always = self._types = None
                self._version = self._schema.value

    def names(self, cursor: Any, table: str) -> list[str]:
        self._current()
        names = self._names
        if names is None:
            with self._lock:
                names = self._names = _names(cursor)
        return names.get(table, [])

    def types(self, cursor: Any, table: str) -> dict[str, str]:
        """The table's columns: name → DuckDB type (as duckdb_columns() spells it)."""
        self._current()
        types = self._types
        if types is None:
            with self._lock:
                types = self._types = _types(cursor)
        return types.get(table, {})

    def always(self, cursor: Any, table: str) -> dict[str, int]:
        """The table's GENERATED ALWAYS identity columns: column → position (from 0)."""
        self._current()
        always = self._always
        if always is None:
            with self._lock:
                always = self._always = _always(cursor)
        return always.get(table, {})


def _names(cursor: Any) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table, column in cursor.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
        "ORDER BY database_name, schema_name, table_name, column_index"
    ).fetchall():
        tables.setdefault(table, []).append(column)
    return tables


def _types(cursor: Any) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in cursor.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal "
        "ORDER BY database_name, schema_name, table_name, column_index"
    ).fetchall():
        tables.setdefault(table, {}).setdefault(column, data_type)
    return tables


def _always(cursor: Any) -> dict[str, dict[str, int]]:
    marked = {
        name
        for (name,) in cursor.execute(
            "SELECT sequence_name FROM duckdb_sequences() WHERE comment = ?", [MARKER]
        ).fetchall()
    }
    tables: dict[str, dict[str, int]] = {}
    if not marked:  # the usual case: no column to read
        return tables
    for table, column, position, default in cursor.execute(
        "SELECT table_name, column_name, column_index, column_default FROM duckdb_columns() "
        "WHERE column_default LIKE 'nextval(%' AND NOT internal"
    ).fetchall():
        sequence = owned_sequence(table, column, default)
        if sequence is not None and sequence.rsplit(".", 1)[-1].strip('"') in marked:
            tables.setdefault(table, {})[column] = position - 1  # column_index counts from 1
    return tables


_NEXTVAL = "nextval('"


def owned_sequence(table: str, column: str, default: str | None) -> str | None:
    """The sequence name a column's default draws from, when it is the one this module
    creates for it (`<table>_<column>_seq`, possibly qualified); else None."""
    if default is None or not default.startswith(_NEXTVAL):
        return None
    tokens = lexer.code(default)
    if len(tokens) < 3 or tokens[2].kind != STRING:
        return None
    name = tokens[2].value
    last = lexer.code(name)[-1:] if name else ()
    if not last or last[0].kind not in (WORD, IDENT):
        return None
    return name if last[0].value == f"{table}_{column}_seq" else None
