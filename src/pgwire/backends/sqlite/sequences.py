"""Sequences, as PostgreSQL's serial and identity columns own them, kept in the database file.

SQLite has no sequences. Each one is a row of `_pgwire_sequences` in the schema (attached
database) of the table whose column owns it, so a database file keeps them: the sequence's
state (last value, is_called), its options, the column that owns it and, for an identity
column, whether it is GENERATED ALWAYS ('a') or BY DEFAULT ('d'). The column itself is a
plain integer column with `DEFAULT (nextval('t_id_seq'))`, which SQLite evaluates per row
through the `nextval` function every session's connection has (as are currval, setval and
lastval), so an INSERT without the column, `RETURNING id` and `nextval('t_id_seq')` work as
in PostgreSQL.

Unlike PostgreSQL's, a sequence's changes are transactional: a rolled back INSERT gives its
numbers back. Another program opening the file without these functions cannot insert rows
without the column ("no such function: nextval").
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pgwire import sqlstate
from pgwire.backends.sqlite.functions import raising
from pgwire.errors import PgError

__all__ = ["META_TABLE", "OwnedSequence", "Sequences", "bounds"]

META_TABLE = "_pgwire_sequences"
_COLUMNS = (
    "name TEXT PRIMARY KEY, type TEXT NOT NULL, last_value INTEGER NOT NULL,"
    " start_value INTEGER NOT NULL, increment INTEGER NOT NULL, min_value INTEGER NOT NULL,"
    " max_value INTEGER NOT NULL, is_called INTEGER NOT NULL DEFAULT 0,"
    " owner_table TEXT, owner_column TEXT, identity TEXT"
)
_MAX = {"smallint": (1 << 15) - 1, "integer": (1 << 31) - 1, "bigint": (1 << 63) - 1}


def bounds(type_name: str, increment: int) -> tuple[int, int]:
    """PostgreSQL's default MINVALUE and MAXVALUE of a sequence of that type."""
    top = _MAX.get(type_name, _MAX["bigint"])
    return (1, top) if increment > 0 else (-top - 1, -1)


@dataclass(frozen=True, slots=True)
class OwnedSequence:
    """A serial or identity column's sequence, made with its table."""

    name: str  # t_id_seq
    column: str
    type_name: str  # smallint, integer, bigint
    identity: str | None = None  # 'a' GENERATED ALWAYS, 'd' BY DEFAULT, None: serial
    start: int | None = None
    increment: int = 1


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _master(schema: str) -> str:
    return "sqlite_temp_master" if schema == "temp" else f"{_quote(schema)}.sqlite_master"


def _regclass(text: str) -> tuple[str | None, str]:
    """'Seq', 's.seq', '"Seq"': (schema or None, name) as PostgreSQL reads a regclass."""
    parts: list[str] = []
    for part in text.split("."):
        part = part.strip()
        if len(part) >= 2 and part.startswith('"') and part.endswith('"'):
            parts.append(part[1:-1].replace('""', '"'))
        else:
            parts.append(part.lower())
    if len(parts) == 1:
        return None, parts[0]
    return parts[-2], parts[-1]


class Sequences:
    """One connection's sequence functions, and its session's currval()/lastval() memory.

    Their PgErrors reach the client through `functions.raising`.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._current: dict[tuple[str, str], int] = {}
        self._last: int | None = None

    def register(self) -> None:
        conn = self._conn
        conn.create_function("nextval", 1, raising(self.nextval))
        conn.create_function("currval", 1, raising(self.currval))
        conn.create_function("lastval", 0, raising(self.lastval))
        conn.create_function("setval", 2, raising(self.setval))
        conn.create_function("setval", 3, raising(self.setval))

    # -- where a sequence is -------------------------------------------------------------------

    def _schemas(self) -> list[str]:
        """Attached databases with a sequence table, temp first (PostgreSQL's pg_temp)."""
        names = [str(row[1]) for row in self._conn.execute("PRAGMA database_list").fetchall()]
        names.sort(key=lambda s: s != "temp")
        return [
            s
            for s in names
            if self._conn.execute(
                f"SELECT 1 FROM {_master(s)} WHERE type = 'table' AND name = ?", (META_TABLE,)
            ).fetchone()
        ]

    def locate(self, text: str) -> tuple[str, str]:
        """(schema, name) of the sequence `text` names; 42P01 when there is none."""
        schema, name = _regclass(str(text))
        for candidate in [schema] if schema is not None else self._schemas():
            try:
                row = self._conn.execute(
                    f"SELECT 1 FROM {_quote(candidate)}.{META_TABLE} WHERE name = ?", (name,)
                ).fetchone()
            except sqlite3.Error:
                row = None
            if row:
                return candidate, name
        raise PgError(f'relation "{text}" does not exist', sqlstate.UNDEFINED_TABLE)

    def state(self, text: str) -> tuple[int, bool] | None:
        """(last_value, is_called) of the sequence `text` names, as reading it as a relation
        shows them; None when there is no such sequence."""
        try:
            schema, name = self.locate(text)
        except PgError:
            return None
        row = self._conn.execute(
            f"SELECT last_value, is_called FROM {_quote(schema)}.{META_TABLE} WHERE name = ?",
            (name,),
        ).fetchone()
        return None if row is None else (int(row[0]), bool(row[1]))

    # -- the SQL functions ---------------------------------------------------------------------

    def nextval(self, text: str) -> int | None:
        if text is None:
            return None
        schema, name = self.locate(text)
        table = f"{_quote(schema)}.{META_TABLE}"
        row = self._conn.execute(
            f"SELECT last_value, increment, min_value, max_value, is_called FROM {table}"
            " WHERE name = ?",
            (name,),
        ).fetchone()
        last, increment, low, high, called = (int(v) for v in row)
        value = last + increment if called else last
        if value > high:
            raise PgError(
                f'nextval: reached maximum value of sequence "{name}" ({high})',
                sqlstate.SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
            )
        if value < low:
            raise PgError(
                f'nextval: reached minimum value of sequence "{name}" ({low})',
                sqlstate.SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
            )
        self._conn.execute(
            f"UPDATE {table} SET last_value = ?, is_called = 1 WHERE name = ?", (value, name)
        )
        self._current[(schema, name)] = value
        self._last = value
        return value

    def currval(self, text: str) -> int | None:
        if text is None:
            return None
        schema, name = self.locate(text)
        value = self._current.get((schema, name))
        if value is None:
            raise PgError(
                f'currval of sequence "{name}" is not yet defined in this session',
                sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
            )
        return value

    def lastval(self) -> int:
        if self._last is None:
            raise PgError(
                "lastval is not yet defined in this session",
                sqlstate.OBJECT_NOT_IN_PREREQUISITE_STATE,
            )
        return self._last

    def setval(self, text: str, value: int | None, called: int | None = 1) -> int | None:
        if text is None or value is None or called is None:
            return None
        schema, name = self.locate(text)
        table = f"{_quote(schema)}.{META_TABLE}"
        low, high = self._conn.execute(
            f"SELECT min_value, max_value FROM {table} WHERE name = ?", (name,)
        ).fetchone()
        value = int(value)
        if not int(low) <= value <= int(high):
            raise PgError(
                f'setval: value {value} is out of bounds for sequence "{name}" ({low}..{high})',
                sqlstate.NUMERIC_VALUE_OUT_OF_RANGE,
            )
        self._conn.execute(
            f"UPDATE {table} SET last_value = ?, is_called = ? WHERE name = ?",
            (value, 1 if called else 0, name),
        )
        return value

    # -- DDL -----------------------------------------------------------------------------------

    def relation_exists(self, schema: str, name: str) -> bool:
        """A table, view or index `name` in `schema` (as SQLite compares names)."""
        return bool(
            self._conn.execute(
                f"SELECT 1 FROM {_master(schema)} WHERE name = ? COLLATE NOCASE", (name,)
            ).fetchone()
        )

    def create(self, schema: str, table: str, owned: tuple[OwnedSequence, ...]) -> None:
        """Make the sequences of a new table's columns (before the CREATE TABLE, in its
        transaction); 42P07 when a relation already has the name."""
        conn = self._conn
        meta = f"{_quote(schema)}.{META_TABLE}"
        conn.execute(f"CREATE TABLE IF NOT EXISTS {meta} ({_COLUMNS})")
        for sequence in owned:
            taken = (
                conn.execute(
                    f"SELECT 1 FROM {_master(schema)} WHERE name = ? COLLATE NOCASE",
                    (sequence.name,),
                ).fetchone()
                or conn.execute(f"SELECT 1 FROM {meta} WHERE name = ?", (sequence.name,)).fetchone()
            )
            if taken:
                raise PgError(
                    f'relation "{sequence.name}" already exists', sqlstate.DUPLICATE_TABLE
                )
            low, high = bounds(sequence.type_name, sequence.increment)
            start = sequence.start
            if start is None:
                start = low if sequence.increment > 0 else high
            conn.execute(
                f"INSERT INTO {meta} (name, type, last_value, start_value, increment,"
                " min_value, max_value, is_called, owner_table, owner_column, identity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
                (
                    sequence.name,
                    sequence.type_name,
                    start,
                    start,
                    sequence.increment,
                    low,
                    high,
                    table,
                    sequence.column,
                    sequence.identity,
                ),
            )

    def restart(self, tables: tuple[str, ...]) -> None:
        """TRUNCATE ... RESTART IDENTITY: the sequences these tables own start over."""
        marks = ", ".join("?" for _ in tables)
        for schema in self._schemas():
            self._conn.execute(
                f"UPDATE {_quote(schema)}.{META_TABLE} SET last_value = start_value,"
                f" is_called = 0 WHERE owner_table IN ({marks})",
                tables,
            )

    def drop_orphans(self) -> None:
        """After DROP TABLE: the sequences its columns owned go with it."""
        for schema in self._schemas():
            self._conn.execute(
                f"DELETE FROM {_quote(schema)}.{META_TABLE} WHERE owner_table IS NOT NULL"
                f" AND owner_table NOT IN (SELECT name FROM {_master(schema)}"
                " WHERE type = 'table')"
            )

    def renamed(
        self, table: str, new_table: str | None, column: str | None, new_column: str | None
    ) -> None:
        """ALTER TABLE ... RENAME: the sequences keep their names and follow their owner."""
        for schema in self._schemas():
            meta = f"{_quote(schema)}.{META_TABLE}"
            if new_table is not None:
                self._conn.execute(
                    f"UPDATE {meta} SET owner_table = ? WHERE owner_table = ?", (new_table, table)
                )
            if column is not None and new_column is not None:
                self._conn.execute(
                    f"UPDATE {meta} SET owner_column = ? WHERE owner_table = ?"
                    " AND owner_column = ?",
                    (new_column, table, column),
                )

    def always(self, table: str) -> frozenset[str]:
        """The GENERATED ALWAYS identity columns of `table` (by its bare name)."""
        found: set[str] = set()
        for schema in self._schemas():
            found.update(
                str(row[0])
                for row in self._conn.execute(
                    f"SELECT owner_column FROM {_quote(schema)}.{META_TABLE}"
                    " WHERE owner_table = ? AND identity = 'a'",
                    (table,),
                ).fetchall()
            )
        return frozenset(found)

    def listing(self) -> list[tuple[str, str, str, int, int, int, int, str | None, str | None]]:
        """Every sequence: (schema, name, type, start, increment, min, max, table, column)."""
        out = []
        for schema in self._schemas():
            for row in self._conn.execute(
                f"SELECT name, type, start_value, increment, min_value, max_value, owner_table,"
                f" owner_column FROM {_quote(schema)}.{META_TABLE} ORDER BY name"
            ).fetchall():
                out.append((schema, *row))
        return out
