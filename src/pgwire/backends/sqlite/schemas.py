"""PostgreSQL's schemas on SQLite: each one a database file attached under its name.

The main database is PostgreSQL's `public` (SQLite calls it `main`). `CREATE SCHEMA s` makes
the file `<main file>.schema-s` next to the main database (for an in-memory database, next
to its temporary file, and deleted with it) and attaches it as `s`; `DROP SCHEMA s` detaches
and deletes it. Every session attaches the schema files it finds when it connects, and
looks again when it reads the catalog or a statement names a schema it has not attached.
SQLite cannot attach or detach inside a transaction, so neither statement runs in one.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
from dataclasses import dataclass
from urllib.parse import quote, unquote

from pgwire import sqlstate
from pgwire.backends.qualified import DEFAULT_SCHEMA, PUBLIC
from pgwire.errors import PgError
from pgwire.sql.reader import TokenReader

__all__ = ["SchemaFiles", "is_schema_command"]

_SUFFIX = ".schema-"
_RESERVED = frozenset({DEFAULT_SCHEMA, "temp", "pg_catalog", "information_schema"})


def is_schema_command(words: list[str]) -> bool:
    """CREATE SCHEMA or DROP SCHEMA, from a statement's first two words."""
    return len(words) >= 2 and words[1] == "SCHEMA" and words[0] in ("CREATE", "DROP")


@dataclass(frozen=True, slots=True)
class SchemaFiles:
    """The schema files of one main database file."""

    main_path: str
    read_only: bool = False

    def file_of(self, schema: str) -> str:
        return f"{self.main_path}{_SUFFIX}{quote(schema, safe='')}"

    def on_disk(self) -> list[str]:
        """The schemas whose files exist, in the order they were made."""
        pattern = glob.escape(self.main_path + _SUFFIX) + "*"
        files = [f for f in glob.glob(pattern) if not f.endswith(("-wal", "-shm", "-journal"))]
        files.sort(key=lambda f: (os.path.getmtime(f) if os.path.exists(f) else 0, f))
        return [unquote(f[len(self.main_path) + len(_SUFFIX) :]) for f in files]

    def sync(self, conn: sqlite3.Connection) -> None:
        """Attach the schemas made since the connection last looked; detach those dropped."""
        if conn.in_transaction:
            return  # SQLite attaches nothing inside one; the next statement outside will
        attached = _attached(conn)
        present = self.on_disk()
        for schema in present:
            if schema not in attached:
                with contextlib.suppress(sqlite3.Error):  # a file dropped meanwhile
                    self._attach(conn, schema)
        for schema in attached - _RESERVED - set(present):
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"DETACH DATABASE {_quote(schema)}")

    def run(self, conn: sqlite3.Connection, sql: str) -> tuple[str, list[str]]:
        """CREATE SCHEMA or DROP SCHEMA: (command tag, notices)."""
        reader = TokenReader(sql)
        verb = reader.keyword("CREATE", "DROP")
        reader.keyword("SCHEMA")
        if conn.in_transaction:
            raise PgError(
                f"{verb} SCHEMA cannot run inside a transaction block on the SQLite backend",
                sqlstate.ACTIVE_SQL_TRANSACTION,
            )
        self.sync(conn)
        if verb == "CREATE":
            return self._create(conn, reader)
        return self._drop(conn, reader)

    def _create(self, conn: sqlite3.Connection, reader: TokenReader) -> tuple[str, list[str]]:
        if_not_exists = reader.keywords("IF", "NOT", "EXISTS")
        name = reader.name()
        if name is None:
            raise reader.error()
        if reader.keyword("AUTHORIZATION"):
            reader.name()  # one user: the owner is the session's user anyway
        if not reader.at_end():
            raise PgError(
                "CREATE SCHEMA with schema elements is not supported by the SQLite backend",
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        if name == DEFAULT_SCHEMA:
            name = PUBLIC  # `public` reaches here as main (see qualified.rewrite)
        if name in _attached(conn) | _RESERVED | {PUBLIC} or name.startswith("pg_"):
            if if_not_exists:
                return "CREATE SCHEMA", [f'schema "{name}" already exists, skipping']
            if name.startswith("pg_") and name not in _RESERVED:
                raise PgError(
                    f'unacceptable schema name "{name}"',
                    sqlstate.RESERVED_NAME,
                    detail='The prefix "pg_" is reserved for system schemas.',
                )
            raise PgError(f'schema "{name}" already exists', sqlstate.DUPLICATE_SCHEMA)
        if self.read_only:
            raise PgError(
                "cannot execute CREATE SCHEMA in a read-only transaction",
                sqlstate.READ_ONLY_SQL_TRANSACTION,
            )
        self._attach(conn, name)
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA {_quote(name)}.journal_mode=WAL")  # as the main file's
        return "CREATE SCHEMA", []

    def _drop(self, conn: sqlite3.Connection, reader: TokenReader) -> tuple[str, list[str]]:
        if_exists = reader.keywords("IF", "EXISTS")
        names: list[str] = []
        while True:
            name = reader.name()
            if name is None:
                raise reader.error()
            names.append(name)
            if not reader.char(","):
                break
        cascade = reader.keyword("CASCADE", "RESTRICT") == "CASCADE"
        if not reader.at_end():
            raise reader.error()
        attached = _attached(conn)
        notices: list[str] = []
        dropping: list[str] = []
        for name in names:
            if name == DEFAULT_SCHEMA:
                name = PUBLIC
            if name in (PUBLIC, "pg_catalog", "information_schema"):
                raise PgError(
                    f"cannot drop schema {name}, the default schema of SQLite"
                    if name == PUBLIC
                    else f"cannot drop schema {name} because it is required by the database system",
                    sqlstate.FEATURE_NOT_SUPPORTED
                    if name == PUBLIC
                    else sqlstate.DEPENDENT_OBJECTS_STILL_EXIST,
                )
            if name not in attached or name in _RESERVED:
                if if_exists:
                    notices.append(f'schema "{name}" does not exist, skipping')
                    continue
                raise PgError(f'schema "{name}" does not exist', sqlstate.INVALID_SCHEMA_NAME)
            if not cascade:
                _check_empty(conn, name)
            dropping.append(name)
        if self.read_only and dropping:
            raise PgError(
                "cannot execute DROP SCHEMA in a read-only transaction",
                sqlstate.READ_ONLY_SQL_TRANSACTION,
            )
        for name in dropping:
            conn.execute(f"DETACH DATABASE {_quote(name)}")
            path = self.file_of(name)
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
        return "DROP SCHEMA", notices

    def _attach(self, conn: sqlite3.Connection, schema: str) -> None:
        uri = f"file:{quote(self.file_of(schema))}" + ("?mode=ro" if self.read_only else "")
        conn.execute(f"ATTACH DATABASE ? AS {_quote(schema)}", (uri,))


def _check_empty(conn: sqlite3.Connection, schema: str) -> None:
    """PostgreSQL's 2BP01 for DROP SCHEMA without CASCADE on a schema with objects."""
    rows = conn.execute(
        f"SELECT type, name FROM {_quote(schema)}.sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    ).fetchall()
    if rows:
        detail = "\n".join(
            f"{kind} {schema}.{name} depends on schema {schema}" for kind, name in rows
        )
        raise PgError(
            f"cannot drop schema {schema} because other objects depend on it",
            sqlstate.DEPENDENT_OBJECTS_STILL_EXIST,
            detail=detail,
            hint="Use DROP ... CASCADE to drop the dependent objects too.",
        )


def _attached(conn: sqlite3.Connection) -> set[str]:
    return {str(row[1]) for row in conn.execute("PRAGMA database_list").fetchall()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
