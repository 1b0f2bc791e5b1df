"""`DuckDBHandler`: one DuckDB database, a cursor of its own for each client connection."""

from __future__ import annotations

import asyncio
from typing import Any

import duckdb

from pgwire.backends.duckdb import dialect
from pgwire.backends.duckdb.columns import TableColumns
from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.backends.duckdb.session import BATCH_ROWS, EXECUTOR, DuckDBSession
from pgwire.handler import Handler, Result, SessionInfo

__all__ = ["DuckDBHandler"]


class DuckDBHandler(Handler):
    """Serve one DuckDB database: ":memory:" (the default) or a file path."""

    implicit_transactions = True
    runs_savepoints = False  # DuckDB has none: the front end keeps them (see docs/backends.md)

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
        self._schema = SchemaVersion()  # moved on by any session's DDL (see schema_version.py)
        self._tables = TableColumns(self._schema)  # read before some INSERTs and UPDATEs
        self._default: DuckDBSession | None = None

    async def connect(self, session: SessionInfo) -> DuckDBSession:
        loop = asyncio.get_running_loop()
        # A cursor is a new DuckDB connection to the same database: its own transactions.
        cursor = await loop.run_in_executor(EXECUTOR, self._new_cursor)
        return DuckDBSession(cursor, session, self.batch_rows, self._schema, self._tables)

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
    for setting in dialect.SETTINGS:  # PostgreSQL's meaning where DuckDB has a setting for it
        conn.execute(setting)
