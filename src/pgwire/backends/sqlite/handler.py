"""`SQLiteHandler`: one SQLite database, a sqlite3 connection of its own for each client."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
from typing import Any
from urllib.parse import quote

from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.schemas import SchemaFiles
from pgwire.backends.sqlite.session import BATCH_ROWS, EXECUTOR, SQLiteSession
from pgwire.handler import Handler, Result, SessionInfo

__all__ = ["SQLiteHandler"]

BUSY_TIMEOUT = 5.0  # seconds a session waits for another's write lock before 55P03


class SQLiteHandler(Handler):
    """Serve one SQLite database: a file path, or ":memory:" (the default)."""

    implicit_transactions = True

    def __init__(
        self,
        database: str | os.PathLike[str] = ":memory:",
        read_only: bool = False,
        *,
        busy_timeout: float = BUSY_TIMEOUT,
        wal: bool | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        database = os.fspath(database)
        if read_only and database in ("", ":memory:"):
            raise ValueError("an in-memory SQLite database cannot be opened read-only")
        self.database = database
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.batch_rows = batch_rows
        self._tempdir: str | None = None
        if database in ("", ":memory:"):
            self._tempdir = tempfile.mkdtemp(prefix="pgwire-sqlite-")
            path = os.path.join(self._tempdir, "memory.sqlite")
            atexit.register(shutil.rmtree, self._tempdir, True)
            wal = True
        else:
            path = os.path.abspath(database)
            if wal is None:
                wal = not read_only and not os.path.exists(path)
        self.path = path
        self._uri = f"file:{quote(path)}" + ("?mode=ro" if read_only else "")
        # One connection kept open for the handler's life: it creates the file, sets WAL
        # (a property of the database file) and keeps a temporary database alive.
        self._anchor = self._open()
        if wal and not read_only:
            self._anchor.execute("PRAGMA journal_mode=WAL")
        if self._tempdir is not None:
            self._anchor.execute("PRAGMA synchronous=OFF")  # a scratch database
        self._default: SQLiteSession | None = None
        self._schema_files = SchemaFiles(path, read_only)

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._uri,
                uri=True,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=256,
            )
        except sqlite3.Error as exc:
            raise to_pg_error(exc) from None
        conn.execute("PRAGMA foreign_keys=ON")  # PostgreSQL always checks them
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA case_sensitive_like=ON")  # LIKE is case-sensitive in PG
        return conn

    async def connect(self, session: SessionInfo) -> SQLiteSession:
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(EXECUTOR, self._open)
        await loop.run_in_executor(EXECUTOR, self._schema_files.sync, conn)
        _register_functions(conn, session)
        return SQLiteSession(conn, session, self.batch_rows, self._schema_files)

    async def query(self, sql: str) -> Result:
        """Run `sql` on a session of the handler's own (handy in scripts and tests)."""
        if self._default is None:
            self._default = await self.connect(SessionInfo("sqlite", self.database, 0))
        return await self._default.query(sql)

    async def close(self) -> None:
        if self._default is not None:
            await self._default.close()
            self._default = None

    def shutdown(self) -> None:
        """Close the database (a temporary one is deleted)."""
        with contextlib.suppress(sqlite3.Error):
            self._anchor.close()
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# SQL functions PostgreSQL has, on every session's connection


def _register_functions(conn: sqlite3.Connection, info: SessionInfo) -> None:
    """SQL functions PostgreSQL has and SQLite lacks, as sqlglot spells the calls."""
    deterministic = {"deterministic": True}
    conn.create_function("regexp", 2, _regexp, **deterministic)
    conn.create_function("uuid", 0, _uuid4)
    conn.create_function("current_database", 0, lambda: info.database)
    conn.create_function("current_user", 0, lambda: info.user)
    conn.create_function("session_user", 0, lambda: info.user)
    conn.create_function("current_schema", 0, lambda: "public")
    conn.create_function("pg_backend_pid", 0, lambda: info.process_id)


_regex_cache: dict[str, re.Pattern[str]] = {}


def _regexp(pattern: str | None, value: Any) -> int | None:
    if pattern is None or value is None:
        return None
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        if len(_regex_cache) > 256:
            _regex_cache.clear()
        compiled = _regex_cache[pattern] = re.compile(pattern)
    return 1 if compiled.search(str(value)) else 0


def _uuid4() -> str:
    import uuid

    return str(uuid.uuid4())
