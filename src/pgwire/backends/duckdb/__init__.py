"""DuckDB, the embedded default backend: a plain user of the handler API.

    from pgwire import serve
    from pgwire.backends.duckdb import DuckDBHandler

    serve(DuckDBHandler("analytics.duckdb"), port=5433)

One `duckdb.connect()` per handler; each client connection gets a cursor of its own (DuckDB's
name for another connection to the same database), so transactions are per client, as in
PostgreSQL. DuckDB work runs in a thread pool, never on the event loop: one slow query does not
stall other clients, and a cancel request interrupts the query in DuckDB.

Results stream in batches from DuckDB's streaming result. Column types map to PostgreSQL OIDs
(`types.pg_type`); DuckDB's Python values then print through the ordinary type registry.

Describe (asyncpg, JDBC) is answered without running the statement: result columns from
DuckDB's binder (`DESCRIBE <query>`), parameter types from the SQL where PostgreSQL would infer
them from a column (`col = $1`, `INSERT ... VALUES ($1)`, `LIMIT $1`; see `describe`).
Other untyped parameters are reported as text, as PostgreSQL does when it cannot tell.

Known differences from PostgreSQL:
- INTERVAL: DuckDB's Python API turns intervals into timedeltas, counting a month as 30 days.
  A SELECT whose result holds intervals (also in lists) is therefore run again with the
  interval columns split into months, days and microseconds inside DuckDB: exact, at the cost
  of executing the query twice. Intervals inside STRUCTs and MAPs, and in the RETURNING rows
  of INSERT/UPDATE/DELETE, stay approximate.
- DATE/TIMESTAMP 'infinity' and '-infinity' come out of DuckDB's Python API as 9999-12-31 and
  0001-01-01 (its own conversion), BC dates and years past 9999 as text, which prints right.

The modules:
- handler: `DuckDBHandler`, the database; session: `DuckDBSession`, one client connection;
- types: DuckDB types as PostgreSQL OIDs, intervals, parameters as DuckDB reads them;
- describe: Describe without running the statement; tags: CommandComplete tags;
- errors: DuckDB exceptions as PgError; inserts: execute_many; copy_in: COPY FROM STDIN;
- catalog: DuckDB's catalog as the shared emulation's snapshot (`pgwire.backends.catalog`);
- DDL as PostgreSQL runs it (docs/backends.md): ddl (serial, identity, jsonb), clauses
  (clauses DuckDB's parser refuses), jsonops (jsonb operators), alter and rebuild (ALTER
  TABLE), constraints (names, SET CONSTRAINTS), identity (GENERATED ALWAYS), short_rows
  (INSERT without a column list), columns (the tables' columns those two read, owned sequences).
"""

from pgwire.backends.duckdb.errors import to_pg_error
from pgwire.backends.duckdb.handler import DuckDBHandler
from pgwire.backends.duckdb.session import DuckDBSession
from pgwire.backends.duckdb.types import pg_type

__all__ = ["DuckDBHandler", "DuckDBSession", "pg_type", "to_pg_error"]
