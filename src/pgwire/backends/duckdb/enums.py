"""DuckDB ENUM types as PostgreSQL enums in results.

`CREATE TYPE mood AS ENUM (...)` is listed in pg_type (typtype 'e') and pg_enum by the catalog
emulation; a column of that type is described with the same OID, so asyncpg finds an enum when
it introspects the column's type and psycopg reads its values as text. DuckDB forgets the
type's name in result descriptions (a column shows `ENUM('sad', 'ok')`), so the name is found
again by the labels. An ENUM with no name (`x ENUM('a', 'b')` in a column definition) has no
PostgreSQL counterpart and stays text.

The names are read on a cursor of their own (the session's may hold a result not yet fetched),
so they are the committed ones, and again only when the database's schema version moved on.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pgwire.backends.catalog.model import stable_oid
from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.backends.qualified import DEFAULT_SCHEMA, PUBLIC
from pgwire.types.registry import TypeInfo, registry
from pgwire.types.text import text_decode, text_encode

__all__ = ["EnumTypes"]


class EnumTypes:
    """One session's view of the named enums of its database, by their labels. Called with
    a column's labels, it gives the enum type's OID, or None. Blocking: call it in the
    session's worker thread."""

    __slots__ = ("_by_labels", "_cursor", "_new_cursor", "_schema", "_version")

    def __init__(
        self, schema: SchemaVersion, new_cursor: Callable[[], duckdb.DuckDBPyConnection]
    ) -> None:
        self._schema = schema
        self._new_cursor = new_cursor
        self._cursor: duckdb.DuckDBPyConnection | None = None
        self._version = -1
        self._by_labels: dict[tuple[str, ...], int] = {}

    def __call__(self, labels: tuple[str, ...]) -> int | None:
        if self._version != self._schema.value:
            self._load()
        return self._by_labels.get(labels)

    def _load(self) -> None:
        version = self._schema.value
        if self._cursor is None:
            self._cursor = self._new_cursor()
        rows = self._cursor.execute(
            "SELECT schema_name, type_name, labels FROM duckdb_types() WHERE NOT internal "
            "AND logical_type = 'ENUM' AND database_name = current_database() "
            "ORDER BY schema_name, type_name"
        ).fetchall()
        found: dict[tuple[str, ...], int] = {}
        for schema, name, labels in rows:
            # as the catalog emulation numbers it, with DuckDB's main shown as public
            shown = PUBLIC if schema == DEFAULT_SCHEMA else schema
            oid = stable_oid("type", shown, name)
            found.setdefault(tuple(labels), oid)
            # an enum's value is its label, in text and binary alike
            registry.add_user_type(
                TypeInfo(oid, name, -1, 0, 0, text_encode, text_decode, text_encode, text_decode)
            )
        self._by_labels, self._version = found, version

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
