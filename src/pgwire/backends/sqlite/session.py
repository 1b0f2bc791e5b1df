"""`SQLiteSession`: one client connection on a sqlite3 connection of its own.

Its SQLite work runs in a thread pool (`EXECUTOR`), never on the event loop (sqlite3 releases
the GIL while SQLite runs); the connection is used by one thread at a time, and interrupted
when the awaiting task is cancelled. Transaction statements are the session's own, the rest
is translated (`sql`) and run; catalog queries go to the shared emulation.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pgwire import sqlstate
from pgwire.backends.catalog import NotCatalog, is_catalog_query
from pgwire.backends.inheritance import drop_only
from pgwire.backends.offloop import run_interruptible
from pgwire.backends.sqlite.columns import ColumnTypes
from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.sql import Translation, translate
from pgwire.backends.sqlite.types import Converter, convert_rows, to_sqlite
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Handler, Result, Rows, SessionInfo
from pgwire.sql import leading_words, transaction_verb

if TYPE_CHECKING:
    from pgwire.backends.catalog import (
        Activity,
        CatalogResult,
        CatalogSession,
        SessionState,
        Snapshot,
    )

__all__ = ["BATCH_ROWS", "EXECUTOR", "SQLiteSession"]

# sqlite3 releases the GIL while SQLite works, so threads give concurrency between clients.
EXECUTOR = ThreadPoolExecutor(max_workers=64, thread_name_prefix="pgwire-sqlite")

BATCH_ROWS = 1000  # rows per fetch: the first batch comes back with the execute itself

_T = TypeVar("_T")
Row = tuple[Any, ...]


@dataclass(slots=True)
class _Outcome:
    command: str | None = None
    columns: list[Column] = field(default_factory=list)
    first: list[Row] = field(default_factory=list)
    cursor: sqlite3.Cursor | None = None  # still has rows to fetch
    converters: list[Converter | None] = field(default_factory=list)
    verb: str = "SELECT"
    notice: str | None = None


_STARTUP_KEYS = frozenset({"user", "database", "options", "replication"})
_COUNTED = frozenset({"INSERT", "UPDATE", "DELETE"})
# Transaction ids of this process (txid_current()): next() is atomic under the GIL.
_TRANSACTION_IDS = itertools.count(1)
_BEGIN_TAGS = {"BEGIN": "BEGIN", "START": "START TRANSACTION"}


class SQLiteSession(Handler):
    """One client connection: a sqlite3 connection of its own."""

    implicit_transactions = True

    def __init__(
        self, conn: sqlite3.Connection, info: SessionInfo, batch_rows: int = BATCH_ROWS
    ) -> None:
        self.info = info
        self._conn = conn
        self._batch_rows = batch_rows
        self._closed = False
        self._types = ColumnTypes(conn, batch_rows)  # result column types, learnt and kept
        self._ddl_epoch = 0  # this session's own DDL so far (temporary tables included)
        self._snapshot_cache: tuple[Any, Snapshot] | None = None
        self._xid: int | None = None  # the open transaction's id (txid_current())
        # pg_catalog and information_schema, emulated (backends/catalog): on first use.
        self._catalog: CatalogSession | None = None
        self._settings = {
            k.lower(): v for k, v in info.parameters.items() if k not in _STARTUP_KEYS
        }

    # -- running things off the loop -----------------------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await run_interruptible(EXECUTOR, self._conn.interrupt, fn, *args)

    # -- the handler API -----------------------------------------------------------------------

    async def query(self, sql: str) -> Result:
        if is_catalog_query(sql):
            try:
                found = await self._run(self._catalog_query, sql)
            except NotCatalog:
                pass  # it reads the client's tables too: SQLite's own answer
            else:
                return Rows(found.columns, found.rows)
        return await self._result(sql, ())

    async def execute(self, sql: str, params: Sequence[Any], param_types: Sequence[int]) -> Result:
        if is_catalog_query(sql):
            # The emulated catalog takes parameters as typed literals (the library's default).
            spliced = Handler.execute(self, sql, params, param_types)
            assert not isinstance(spliced, Result)
            return await spliced
        values = tuple(to_sqlite(v, oid) for v, oid in zip(params, param_types, strict=True))
        return await self._result(sql, values)

    async def _result(self, sql: str, params: tuple[Any, ...]) -> Result:
        outcome = await self._run(self._execute, sql, params)
        if outcome.notice is not None:
            self.info.notice(outcome.notice)
        if outcome.command is not None:
            return Command(outcome.command)
        return Rows(outcome.columns, batches=self._batches(outcome, sql), command=outcome.verb)

    async def describe(self, sql: str, param_types: Sequence[int]) -> Description | None:
        """Parameter and result types of `sql` without running it.

        Result columns come from the declared types of what the query reads (SQLite keeps
        them for a view's columns: the query is made a temporary view for a moment), then
        from the query itself, else text; the execute path then keeps them. Parameters left
        0 by the client take the type of the column they are compared with or inserted into
        (see `sqlparams.infer_parameter_types`). Errors are those running it would give.
        """
        if is_catalog_query(sql):
            return None  # the library learns a catalog query's columns by running it
        return await self._run(self._types.describe, sql, list(param_types))

    def set_parameter(self, name: str, value: str | None) -> bool:
        """SQLite has no session settings of its own; the emulated catalog reports them
        (current_setting(), pg_settings)."""
        key = name.lower()
        if value is None:
            self._settings.pop(key, None)
        else:
            self._settings[key] = value
        if self._catalog is not None:
            self._catalog.set_setting(name, value)
        return False

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._conn.interrupt()
        with contextlib.suppress(sqlite3.Error):
            await self._run(self._conn.close)
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None

    # -- in the worker thread ------------------------------------------------------------------

    def _execute(self, sql: str, params: tuple[Any, ...]) -> _Outcome:
        try:
            verb = transaction_verb(sql)
            if verb is not None:
                return _Outcome(command=self._transaction(verb, sql))
            translation = translate(drop_only(sql))  # no inheritance: see inheritance.py
            return self._run_translation(sql, translation, params)
        except sqlite3.Error as exc:
            raise to_pg_error(exc, sql) from None

    def _transaction(self, verb: str, sql: str) -> str:
        conn = self._conn
        if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
            self._xid = None  # the next transaction takes a new id
        if verb == "BEGIN":
            if not conn.in_transaction:
                conn.execute("BEGIN")
            return _BEGIN_TAGS.get(leading_words(sql, 1)[0], "BEGIN")
        if verb == "COMMIT":
            if conn.in_transaction:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error:
                    # PostgreSQL ends a transaction whose COMMIT failed; so do we.
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                    raise
            return "COMMIT"
        if verb == "ROLLBACK":
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return "ROLLBACK"
        if verb == "PREPARE TRANSACTION":
            raise PgError(
                "prepared transactions are not supported by the SQLite backend",
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        if not conn.in_transaction:
            raise PgError(
                f"{verb} can only be used in transaction blocks",
                sqlstate.NO_ACTIVE_SQL_TRANSACTION,
            )
        conn.execute(sql)  # SAVEPOINT, RELEASE, ROLLBACK TO: SQLite spells them the same
        return "ROLLBACK" if verb == "ROLLBACK TO" else verb

    def _run_translation(
        self, sql: str, translation: Translation, params: tuple[Any, ...]
    ) -> _Outcome:
        if translation.noop:
            return _Outcome(
                command=translation.tag,
                notice=f"{translation.tag} is accepted and not stored by the SQLite backend",
            )
        if not translation.text:
            return _Outcome(command="")
        conn = self._conn
        for statement in translation.before:
            conn.execute(statement)
        cursor = conn.cursor()
        cursor.execute(translation.text, params)
        if translation.rows is not True:
            self._schema_changed_by_us(translation)
        description = cursor.description
        if description is None:
            return _Outcome(command=self._tag(translation, cursor))
        columns, converters, first, done = self._types.of_result(
            sql, translation, cursor, description
        )
        verb = translation.tag if translation.tag in _COUNTED else "SELECT"
        if translation.tag == "EXPLAIN":
            verb = "EXPLAIN"
        if verb in _COUNTED and not done:
            first.extend(convert_rows(cursor.fetchall(), converters))  # the write is done now
            done = True
        if done:
            cursor.close()
        return _Outcome(
            columns=columns,
            first=first,
            cursor=None if done else cursor,
            converters=converters,
            verb=verb,
        )

    def _tag(self, translation: Translation, cursor: sqlite3.Cursor) -> str:
        tag = translation.tag
        if tag == "INSERT":
            return f"INSERT 0 {max(cursor.rowcount, 0)}"
        if tag in _COUNTED:
            return f"{tag} {max(cursor.rowcount, 0)}"
        if translation.count_table is not None:  # CREATE TABLE ... AS: PostgreSQL's SELECT n
            row = self._conn.execute(f"SELECT count(*) FROM {translation.count_table}").fetchone()
            return f"SELECT {row[0] if row else 0}"
        return tag

    def _schema_changed_by_us(self, translation: Translation) -> None:
        if translation.tag not in _COUNTED:
            self._types.forget()  # CREATE/DROP/ALTER or SQLite's own: types may change
            self._ddl_epoch += 1

    # -- the catalog emulation's view of this database ------------------------------------------

    async def catalog_snapshot(self) -> Snapshot:
        """SQLite's catalog as this session sees it, for the shared pg_catalog emulation
        (`pgwire.backends.catalog`); re-read only when the schema changed."""
        return await self._run(self._snapshot)

    def _snapshot(self) -> Snapshot:
        from pgwire.backends.sqlite.catalog import read_snapshot

        key = (
            tuple(
                self._conn.execute(f'PRAGMA "{name}".schema_version').fetchone()[0]
                for _, name, _ in self._conn.execute("PRAGMA database_list").fetchall()
                if name != "temp"  # describing a query makes and drops a temporary view
            ),
            self._ddl_epoch,
        )
        if self._snapshot_cache is None or self._snapshot_cache[0] != key:
            self._snapshot_cache = (key, read_snapshot(self._conn))
        return self._snapshot_cache[1]

    def catalog_state(self) -> SessionState:
        """What the emulated catalog functions report: current_user, version(), ..."""
        from pgwire.backends.catalog.model import SessionState

        return SessionState(
            user=self.info.user,
            database=self.info.database,
            process_id=self.info.process_id,
            server_version=self.info.server_version,
            backend=f"SQLite {sqlite3.sqlite_version}",
            settings=dict(self._settings),
        )

    def _catalog_query(self, sql: str) -> CatalogResult:
        """A pg_catalog / information_schema query, answered by the shared emulation from
        this session's snapshot (blocking: in the worker thread)."""
        if self._catalog is None:
            from pgwire.backends.catalog import CatalogEngine

            try:
                engine = CatalogEngine.shared()
            except ImportError:
                raise PgError(
                    "the pg_catalog emulation needs the duckdb package",
                    sqlstate.FEATURE_NOT_SUPPORTED,
                    hint="pip install 'pgwire[duckdb]'",
                ) from None
            self._catalog = engine.session(self.catalog_state())
        return self._catalog.run(sql, self._snapshot, self._activity)

    def _activity(self) -> Activity:
        """The transaction's id (one per transaction, from a counter of this process that
        each transaction start takes the next number of) and the sizes of the database."""
        from pgwire.backends.catalog.model import Activity
        from pgwire.backends.sqlite.catalog import read_sizes

        if not self._conn.in_transaction:
            self._xid = None  # outside a block each statement is a transaction of its own
        if self._xid is None:
            self._xid = next(_TRANSACTION_IDS)
        xid = self._xid
        if not self._conn.in_transaction:
            self._xid = None
        database, relations = read_sizes(self._conn)
        return Activity(xid, database, relations)

    # -- streaming -----------------------------------------------------------------------------

    async def _batches(self, outcome: _Outcome, sql: str) -> AsyncIterator[list[Row]]:
        cursor = outcome.cursor
        try:
            if outcome.first:
                yield outcome.first
            outcome.first = []
            while cursor is not None:
                try:
                    rows = await self._run(self._fetch, cursor, outcome.converters)
                except sqlite3.Error as exc:
                    raise to_pg_error(exc, sql) from None
                if len(rows) < self._batch_rows:
                    cursor = None
                if rows:
                    yield rows
        finally:
            if outcome.cursor is not None:
                # Finished or abandoned: release the statement (and its read snapshot).
                leftover, outcome.cursor = outcome.cursor, None
                with contextlib.suppress(sqlite3.Error):
                    await self._run(leftover.close)

    def _fetch(self, cursor: sqlite3.Cursor, converters: list[Converter | None]) -> list[Row]:
        return convert_rows(cursor.fetchmany(self._batch_rows), converters)
