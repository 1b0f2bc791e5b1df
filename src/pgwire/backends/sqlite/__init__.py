"""SQLite (the stdlib's sqlite3) as a backend: a plain user of the handler API.

    pgwire serve app.sqlite

    from pgwire import serve
    from pgwire.backends.sqlite import SQLiteHandler

    serve(SQLiteHandler("app.sqlite"), port=5433)

Each client connection gets its own sqlite3 connection to the same database, so transactions
are per client, as in PostgreSQL: BEGIN/COMMIT/ROLLBACK come from the client (the connection
runs in autocommit mode, `isolation_level=None`), SAVEPOINTs are SQLite's own. SQLite work
runs in a thread pool, never on the event loop (sqlite3 releases the GIL while SQLite runs);
a connection is used by one thread at a time, and a cancel request interrupts it.

PostgreSQL SQL is translated for SQLite by sqlglot (see `sql`), `$n` parameters are
bound by position, and column types come from the declared types SQLite keeps, then from
the query, then from the values (see `types` and `columns`). SQLite errors map to SQLSTATEs
(`errors.to_pg_error`). Catalog queries (pg_catalog, information_schema, version(), ::regclass, ...)
go to the shared emulation (`pgwire.backends.catalog`), fed from SQLite's own catalog as the
session sees it (`catalog`); it needs the duckdb package, which runs it.

Concurrency: SQLite has one writer at a time. A session that must wait for another's write
transaction waits up to `busy_timeout` seconds, then fails with 55P03 (lock_not_available);
a transaction whose snapshot went stale before its first write fails with 40001
(serialization_failure), which clients retry. Readers never wait in WAL mode, which every
database this backend creates uses; an existing file keeps its journal mode unless `wal=True`
(in rollback-journal mode a COMMIT waits for readers to finish).

":memory:" is a private temporary file in WAL mode, deleted when the handler shuts down:
SQLite's shared-cache in-memory databases lock whole tables, so one session's uncommitted
write would make every other session's read fail at once (SQLITE_LOCKED, which no busy
timeout waits for) instead of reading the committed rows as PostgreSQL does.

Known differences from PostgreSQL:
- Types are SQLite's: any column holds any value (a value that cannot be read as its
  column's declared type is 22P02 when read), INTEGER arithmetic overflows into REAL,
  numeric is a double (about 15 significant digits), varchar(n) is not truncated or
  checked; serial and identity columns draw from sequences kept in the file
  (`sequences`), which are transactional.
- Identifiers are case-insensitive even when quoted; LIKE is case-sensitive, as PostgreSQL.
- Expression columns PostgreSQL would type from its operators (`a + 1`, `sum(a)`) take the
  type of their first value (int8, float8, text or bytea).
- ALTER TABLE beyond SQLite's own rewrites the table's declaration (`alter`); adding or
  dropping a primary key is refused. COMMENT ON tables, views and columns is kept
  (`comments`), on other objects accepted with a NOTICE.

The modules:
- handler: `SQLiteHandler`, the database; session: `SQLiteSession`, one client connection;
- sql: PostgreSQL's SQL as SQLite's; types: declared types and values, both ways;
- columns: result column types, for Execute and Describe; errors: sqlite3 errors as PgError;
- catalog: SQLite's catalog as the shared emulation's snapshot (`pgwire.backends.catalog`);
- sequences, alter, comments: serial/identity columns, ALTER TABLE, COMMENT ON;
- functions: nextval() & co.'s and pg_div()'s errors; syntax: syntax errors at Parse.
"""

from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.handler import SQLiteHandler
from pgwire.backends.sqlite.session import SQLiteSession

__all__ = ["SQLiteHandler", "SQLiteSession", "to_pg_error"]
