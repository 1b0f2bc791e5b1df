"""`SQLiteSession`: one client connection on a sqlite3 connection of its own.

Its SQLite work runs in a thread pool (`EXECUTOR`), never on the event loop (sqlite3 releases
the GIL while SQLite runs); the connection is used by one thread at a time, and interrupted
when the awaiting task is cancelled. Transaction statements are the session's own, the rest
is translated (`sql`) and run; catalog queries go to the shared emulation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pgwire import sqlstate
from pgwire.backends import qualified
from pgwire.backends.catalog import NotCatalog, is_catalog_query
from pgwire.backends.catalog.parameters import parameter_types as catalog_parameter_types
from pgwire.backends.inheritance import drop_only
from pgwire.backends.offloop import run_interruptible
from pgwire.backends.qualified import backend_schema
from pgwire.backends.sequence_reads import sequence_read, sequence_row
from pgwire.backends.sqlite import alter, comments
from pgwire.backends.sqlite.columns import ColumnTypes
from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.functions import register_functions, take_error
from pgwire.backends.sqlite.schemas import SchemaFiles, is_schema_command
from pgwire.backends.sqlite.searchpath import index_in_schema, qualify
from pgwire.backends.sqlite.sequences import Sequences
from pgwire.backends.sqlite.sql import Translation, translate, with_defaults
from pgwire.backends.sqlite.syntax import check_syntax
from pgwire.backends.sqlite.types import Converter, convert_rows, to_sqlite
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Handler, Result, Rows, SessionInfo
from pgwire.sql import leading_words, transaction_verb
from pgwire.types.registry import registry

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
_PATH = '"$user", public'  # PostgreSQL's default search_path


def _unknown_schema(exc: sqlite3.Error) -> bool:
    """SQLite's error for a schema (attached database) it does not know."""
    text = str(exc)
    return text.startswith("unknown database") or (
        text.startswith("no such table: ") and "." in text
    )


class SQLiteSession(Handler):
    """One client connection: a sqlite3 connection of its own."""

    implicit_transactions = True

    def __init__(
        self,
        conn: sqlite3.Connection,
        info: SessionInfo,
        batch_rows: int = BATCH_ROWS,
        schema_files: SchemaFiles | None = None,
    ) -> None:
        self.info = info
        self._schema_files = schema_files  # CREATE SCHEMA's files (see schemas.py)
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
        self._sequences = Sequences(conn)  # nextval() & co., serial and identity columns
        self._sequences.register()
        self._numeric = register_functions(conn)  # pg_div() and its numeric columns
        # Identity columns GENERATED ALWAYS by table, for the schema version they were read at.
        self._always: tuple[Any, dict[str, frozenset[str]]] = (None, {})

    def _read_sequence(
        self, columns: tuple[str, ...], schema: str | None, name: str
    ) -> Rows | None:
        """`SELECT last_value, is_called FROM seq` (pg_dump) from the sequence's state; None
        when `name` is no sequence (SQLite answers: a table, or 42P01)."""
        text = name if schema is None else f"{backend_schema(schema)}.{name}"
        state = self._sequences.state(text)
        if state is None:
            return None
        return sequence_row(columns, *state)

    # -- running things off the loop -----------------------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await run_interruptible(EXECUTOR, self._conn.interrupt, fn, *args)

    # -- the handler API -----------------------------------------------------------------------

    async def query(self, sql: str) -> Result:
        read = sequence_read(sql)
        if read is not None:
            found_sequence = await self._run(self._read_sequence, *read)
            if found_sequence is not None:
                return found_sequence
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
        return await self._run(self._describe, sql, list(param_types))

    def parameter_types(
        self, sql: str, param_types: Sequence[int]
    ) -> Sequence[int] | Awaitable[Sequence[int] | None] | None:
        """Typed at Parse from the columns they are compared with or inserted into."""
        if is_catalog_query(sql):
            return catalog_parameter_types(sql, param_types)
        return self._run(self._types.parameter_types, sql, list(param_types))

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
            sql = self._backend_text(sql)
            files = self._schema_files
            if files is not None and is_schema_command(leading_words(sql, 2)):
                tag, notices = files.run(self._conn, sql)
                self._types.forget()
                self._ddl_epoch += 1
                return _Outcome(command=tag, notice="\n".join(notices) or None)
            translation = translate(drop_only(sql))  # no inheritance: see inheritance.py
            if translation.tag == "CREATE INDEX":
                moved = index_in_schema(translation.text)
                if moved is not None:
                    translation = dataclasses.replace(translation, text=moved)
            try:
                return self._run_translation(sql, translation, params)
            except sqlite3.Error as exc:
                if files is None or self._conn.in_transaction or not _unknown_schema(exc):
                    raise
                files.sync(self._conn)  # another session's CREATE SCHEMA: attach it, again
                return self._run_translation(sql, translation, params)
        except sqlite3.Error as exc:
            raise take_error() or to_pg_error(exc, sql) from None

    def check_syntax(self, sql: str) -> None:
        """A statement that neither sqlglot (PostgreSQL's grammar) nor SQLite can read fails
        at Parse with 42601, as in PostgreSQL (see `syntax`)."""
        if transaction_verb(sql) or is_catalog_query(sql):
            return
        check_syntax(sql)

    def _describe(self, sql: str, param_types: list[int]) -> Description | None:
        return self._types.describe(self._backend_text(sql), param_types)

    def _backend_text(self, sql: str) -> str:
        """`sql` with PostgreSQL's names as SQLite knows them: public is main, no database
        qualifier (`qualified`), and unqualified names looked up along a search_path that
        puts another schema first (`searchpath`)."""
        sql = qualified.rewrite(sql, self.info.database) or sql
        value = self._settings.get("search_path")
        if value is None or value == _PATH:
            return sql
        wanted = qualified.search_path_schemas(value, self.info.user)
        attached = {str(row[1]) for row in self._conn.execute("PRAGMA database_list")}
        path = [
            s for s in dict.fromkeys(map(qualified.backend_schema, wanted))
            if s in attached and s != "temp"
        ]  # fmt: skip
        if not path or path[0] == qualified.DEFAULT_SCHEMA:
            return sql  # SQLite's own order: main, then the other schemas
        return qualify(sql, path, self._has_relation)

    def _has_relation(self, schema: str, name: str) -> bool:
        master = "sqlite_temp_master" if schema == "temp" else "sqlite_master"
        row = self._conn.execute(
            f'SELECT 1 FROM "{schema.replace(chr(34), chr(34) * 2)}".{master} '
            "WHERE type IN ('table', 'view') AND name = ?",
            (name,),
        ).fetchone()
        return row is not None

    def _transaction(self, verb: str, sql: str) -> str:
        conn = self._conn
        if verb in ("BEGIN", "COMMIT", "ROLLBACK"):
            self._xid = None  # the next transaction takes a new id
        if verb == "BEGIN":
            if not conn.in_transaction:
                conn.execute(_begin(sql))
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
        conn = self._conn
        take_error()  # nothing left over from an earlier statement
        if "PG_DIV(" in translation.text.upper():
            self._numeric.refresh()
        if translation.alter is not None:
            with _atomic(conn):
                alter.run(conn, translation.alter, self._sequences)
            self._schema_changed_by_us(translation)
            return _Outcome(command="ALTER TABLE")
        if translation.constraints is not None:
            return self._set_constraints(translation.constraints)
        if translation.comment is not None:
            comments.store(conn, translation.comment)
            self._schema_changed_by_us(translation)
            return _Outcome(command="COMMENT")
        if not translation.text and translation.defaults is None:
            return _Outcome(command="")
        if translation.table_as is not None:
            made = self._create_table_as(translation, translation.table_as, params)
            if made is not None:
                return made
        for statement in translation.before:
            conn.execute(statement)
        text = translation.text
        if translation.tag == "INSERT" and translation.target is not None:
            text = self._insert_text(translation)
        elif translation.tag == "UPDATE" and translation.target is not None:
            text = self._update_text(translation)
        cursor = conn.cursor()
        if translation.owned and translation.target is not None:
            schema, table = translation.target
            if self._sequences.relation_exists(schema or "main", table):
                cursor.execute(text, params)  # IF NOT EXISTS: nothing; else 42P07 for the table
            else:
                with _atomic(conn):
                    self._sequences.create(schema or "main", table, translation.owned)
                    cursor.execute(text, params)
        else:
            cursor.execute(text, params)
        if translation.tag == "DROP TABLE":
            self._sequences.drop_orphans()
        if translation.restart:
            self._sequences.restart(translation.restart)
        if translation.tag in ("DROP TABLE", "DROP VIEW"):
            comments.drop_orphans(conn)
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

    def _set_constraints(self, mode: str) -> _Outcome:
        """SQLite cannot make a deferred foreign key immediate for the rest of the
        transaction: IMMEDIATE checks the foreign keys now (23503 if a row breaks one),
        DEFERRED defers every foreign key to COMMIT."""
        conn = self._conn
        if not conn.in_transaction:
            return _Outcome(
                command="SET CONSTRAINTS",
                notice="SET CONSTRAINTS can only be used in transaction blocks",
            )
        if mode == "DEFERRED":
            conn.execute("PRAGMA defer_foreign_keys=ON")
            return _Outcome(command="SET CONSTRAINTS")
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken:
            raise PgError(
                f'insert or update on table "{broken[0]}" violates foreign key constraint',
                sqlstate.FOREIGN_KEY_VIOLATION,
                detail=f'A row of "{broken[0]}" references a missing row of "{broken[2]}".',
            )
        return _Outcome(command="SET CONSTRAINTS")

    def _insert_text(self, translation: Translation) -> str:
        """The INSERT's text, once checked against the table's GENERATED ALWAYS identity
        columns (428C9 without OVERRIDING SYSTEM VALUE) and with its DEFAULTs filled in."""
        assert translation.target is not None
        schema, table = translation.target
        always = self._always_columns(table)
        if not always and translation.defaults is None:
            return translation.text
        columns = translation.insert_columns
        table_columns: list[tuple[str, str | None]] = []
        if columns is None or translation.defaults is not None:
            table_columns = alter.insertable_columns(self._conn, schema, table)
        if columns is None:
            columns = tuple(name for name, _ in table_columns)
        if always and not translation.overriding:
            given = alter.given_columns(translation.defaults, columns)
            for column in columns:
                if column.lower() in always and column.lower() in given:
                    raise PgError(
                        f'cannot insert a non-DEFAULT value into column "{column}"',
                        sqlstate.GENERATED_ALWAYS,
                        detail=f'Column "{column}" is an identity column defined as'
                        " GENERATED ALWAYS.",
                        hint="Use OVERRIDING SYSTEM VALUE to override.",
                    )
        if translation.defaults is None:
            return translation.text
        defaults = {name.lower(): default for name, default in table_columns}
        return with_defaults(translation.defaults, columns, defaults)

    def _update_text(self, translation: Translation) -> str:
        """The UPDATE's text, once checked against GENERATED ALWAYS identity columns (only
        to DEFAULT, 428C9) and with SET c = DEFAULT as the column's default."""
        assert translation.target is not None
        schema, table = translation.target
        always = self._always_columns(table)
        for column, default in translation.update_columns:
            if column.lower() in always and not default:
                raise PgError(
                    f'column "{column}" can only be updated to DEFAULT',
                    sqlstate.GENERATED_ALWAYS,
                    detail=f'Column "{column}" is an identity column defined as GENERATED ALWAYS.',
                )
        if translation.defaults is None:
            return translation.text
        table_columns = alter.insertable_columns(self._conn, schema, table)
        defaults = {name.lower(): default for name, default in table_columns}
        return with_defaults(translation.defaults, (), defaults)

    def _create_table_as(
        self, translation: Translation, table_as: tuple[str, str], params: tuple[Any, ...]
    ) -> _Outcome | None:
        """CREATE TABLE t AS query, with t's columns declared as the query's PostgreSQL types:
        SQLite alone declares each column by its affinity (a date column NUM, read back as
        numeric). None when the query cannot be described: SQLite's own CREATE TABLE AS."""
        table, query = table_as
        try:
            described = self._types.describe(query, [0] * len(params))
        except (PgError, sqlite3.Error):
            return None
        if described is None or not described.columns:
            return None
        declared = ", ".join(
            f"{_quote_ident(column.name)} {_type_name(column.type_oid)}"
            for column in described.columns
        )
        create = translate(f"CREATE TABLE {table} ({declared})")
        insert = translate(f"INSERT INTO {table} {query}")
        with _atomic(self._conn):
            self._conn.execute(create.text)
            self._conn.execute(insert.text, params)
        self._schema_changed_by_us(translation)
        cursor = self._conn.cursor()
        return _Outcome(command=self._tag(translation, cursor))

    def _always_columns(self, table: str) -> frozenset[str]:
        version = (
            self._conn.execute("PRAGMA schema_version").fetchone()[0],
            self._ddl_epoch,
        )
        if self._always[0] != version:
            self._always = (version, {})
        known = self._always[1]
        if table not in known:
            known[table] = self._sequences.always(table)
        return known[table]

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

        if self._schema_files is not None:
            self._schema_files.sync(self._conn)  # schemas other sessions made or dropped
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
        snapshot = self._snapshot_cache[1]
        # PostgreSQL's current_schema() and current_schemas(): the path's schemas that exist.
        names = {schema.name for schema in snapshot.schemas}
        value = self._settings.get("search_path", _PATH)
        wanted = qualified.search_path_schemas(value, self.info.user)
        path = tuple(s for s in dict.fromkeys(wanted) if s in names)
        if path != snapshot.search_path:
            snapshot = dataclasses.replace(snapshot, search_path=path)
            self._snapshot_cache = (key, snapshot)
        return snapshot

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
            locks=self.info.locks,
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
                    raise take_error() or to_pg_error(exc, sql) from None
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


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _type_name(oid: int) -> str:
    """A PostgreSQL type's name for a column definition (text for one the registry lacks)."""
    info = registry.get(oid)
    if info is None:
        return "text"
    if info.element_oid:
        element = registry.get(info.element_oid)
        return f"{element.name if element is not None else 'text'}[]"
    return info.name


def _begin(sql: str) -> str:
    """SQLite's BEGIN for a client's BEGIN or START TRANSACTION.

    IMMEDIATE takes SQLite's write lock at once, waiting (busy_timeout) for another writer to
    finish. A deferred transaction would take it at its first write, after its reads (the
    client's, or the backend's own look at the schema before an INSERT) fixed its snapshot:
    if another connection committed meanwhile, SQLite cannot move the snapshot and the write
    fails at once ("database is locked"), where PostgreSQL would simply go on. A READ ONLY
    transaction stays deferred and takes no write lock.
    """
    words = " ".join(leading_words(sql, 8))
    return "BEGIN" if "READ ONLY" in words else "BEGIN IMMEDIATE"


@contextlib.contextmanager
def _atomic(conn: sqlite3.Connection) -> Iterator[None]:
    """Several statements as one: all or none (a savepoint inside a transaction)."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT pgwire_statement")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO pgwire_statement")
            conn.execute("RELEASE pgwire_statement")
            raise
        conn.execute("RELEASE pgwire_statement")
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
