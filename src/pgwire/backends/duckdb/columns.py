"""`TableColumns`: what the front end needs to know of a database's tables before DuckDB runs
an INSERT or UPDATE, read from DuckDB's catalog once and kept until a session changes the
schema (shared by the database's sessions):

- each table's column names, in order (an INSERT without a column list that gives fewer
  values than the table has columns: short_rows.py);
- its GENERATED ALWAYS identity columns (identity.py).
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["MARKER", "TableColumns"]

# The comment on the sequence of a GENERATED ALWAYS identity column (see ddl.py).
MARKER = "GENERATED ALWAYS AS IDENTITY"


class TableColumns:
    """The columns of one database's tables, by table name (all schemas together)."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] | None = None
        self._always: dict[str, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def changed(self) -> None:
        """A session changed the schema (or committed a change): read it again when needed."""
        self._names = self._always = None

    def names(self, cursor: Any, table: str) -> list[str]:
        names = self._names
        if names is None:
            with self._lock:
                names = self._names = _names(cursor)
        return names.get(table, [])

    def always(self, cursor: Any, table: str) -> dict[str, int]:
        """The table's GENERATED ALWAYS identity columns: column → position (from 0)."""
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


def _always(cursor: Any) -> dict[str, dict[str, int]]:
    from pgwire.backends.duckdb.ddl import owned_sequence  # ddl imports this module

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
