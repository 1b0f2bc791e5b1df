"""COMMENT ON TABLE/VIEW/COLUMN, kept in the database file for obj_description() and
col_description() (psql's \\d+, SQLAlchemy's inspector).

SQLite has no comments. Each one is a row of `_pgwire_comments` in the schema (attached
database) of its table: (table, column or '', text). A NULL or empty comment removes it, as
in PostgreSQL; DROP TABLE removes a table's, ALTER TABLE ... RENAME carries them over.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pgwire import sqlstate
from pgwire.errors import PgError

__all__ = ["META_TABLE", "Comment", "drop_orphans", "read", "renamed", "store"]

META_TABLE = "_pgwire_comments"


@dataclass(frozen=True, slots=True)
class Comment:
    """COMMENT ON {TABLE | VIEW | COLUMN} [schema.]table[.column] IS text."""

    schema: str | None
    table: str
    column: str  # '' for the table itself
    text: str | None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _master(schema: str) -> str:
    return "sqlite_temp_master" if schema == "temp" else f"{_quote(schema)}.sqlite_master"


def _has_table(conn: sqlite3.Connection, schema: str) -> bool:
    return bool(
        conn.execute(
            f"SELECT 1 FROM {_master(schema)} WHERE type = 'table' AND name = ?", (META_TABLE,)
        ).fetchone()
    )


def store(conn: sqlite3.Connection, comment: Comment) -> None:
    schema = comment.schema or "main"
    found = conn.execute(
        f"SELECT name FROM {_master(schema)} WHERE type IN ('table', 'view')"
        " AND name = ? COLLATE NOCASE",
        (comment.table,),
    ).fetchone()
    if not found:
        raise PgError(f'relation "{comment.table}" does not exist', sqlstate.UNDEFINED_TABLE)
    table = str(found[0])
    column = comment.column
    if column:
        names = {
            str(row[1]).lower(): str(row[1])
            for row in conn.execute(
                f"PRAGMA {_quote(schema)}.table_xinfo({_quote(table)})"
            ).fetchall()
        }
        if column.lower() not in names:
            raise PgError(
                f'column "{column}" of relation "{table}" does not exist',
                sqlstate.UNDEFINED_COLUMN,
            )
        column = names[column.lower()]
    meta = f"{_quote(schema)}.{META_TABLE}"
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {meta} (tbl TEXT NOT NULL, col TEXT NOT NULL,"
        " comment TEXT NOT NULL, PRIMARY KEY (tbl, col))"
    )
    conn.execute(f"DELETE FROM {meta} WHERE tbl = ? AND col = ?", (table, column))
    if comment.text:
        conn.execute(f"INSERT INTO {meta} VALUES (?, ?, ?)", (table, column, comment.text))


def read(conn: sqlite3.Connection, schema: str) -> dict[tuple[str, str], str]:
    """The comments of a schema's relations, by (table, column or '')."""
    if not _has_table(conn, schema):
        return {}
    rows = conn.execute(f"SELECT tbl, col, comment FROM {_quote(schema)}.{META_TABLE}")
    return {(str(t), str(c)): str(text) for t, c, text in rows.fetchall()}


def renamed(conn: sqlite3.Connection, schema: str | None, table: str, new: str) -> None:
    """ALTER TABLE ... RENAME TO: the comments follow the table."""
    schema = schema or "main"
    if _has_table(conn, schema):
        conn.execute(
            f"UPDATE {_quote(schema)}.{META_TABLE} SET tbl = ? WHERE tbl = ?", (new, table)
        )


def drop_orphans(conn: sqlite3.Connection) -> None:
    """After DROP TABLE/VIEW: the comments of relations that are gone."""
    for row in conn.execute("PRAGMA database_list").fetchall():
        schema = str(row[1])
        if _has_table(conn, schema):
            conn.execute(
                f"DELETE FROM {_quote(schema)}.{META_TABLE} WHERE tbl NOT IN"
                f" (SELECT name FROM {_master(schema)} WHERE type IN ('table', 'view'))"
            )
