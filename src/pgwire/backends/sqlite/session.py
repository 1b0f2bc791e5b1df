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
the query, then from the values (see `types`). SQLite errors map to SQLSTATEs
(`to_pg_error`). Catalog queries (pg_catalog, information_schema, version(), ::regclass, ...)
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
  checked, `serial` is SQLite's rowid (int8) when it is the primary key.
- Identifiers are case-insensitive even when quoted; LIKE is case-sensitive, as PostgreSQL.
- Expression columns PostgreSQL would type from its operators (`a + 1`, `sum(a)`) take the
  type of their first value (int8, float8, text or bytea).
- COMMENT ON is accepted and not stored (a NOTICE says so).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pgwire import sqlstate
from pgwire.backends.catalog import NotCatalog, is_catalog_query
from pgwire.backends.offloop import run_interruptible
from pgwire.backends.sqlite.sql import STAR, Translation, translate
from pgwire.backends.sqlite.types import (
    Converter,
    PgType,
    convert_rows,
    converter,
    declared_type,
    to_sqlite,
    type_of_value,
)
from pgwire.backends.sqlparams import infer_parameter_types
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Handler, Result, Rows, SessionInfo
from pgwire.sql import leading_words, parameter_count, transaction_verb
from pgwire.types import oids

if TYPE_CHECKING:
    from pgwire.backends.catalog import CatalogResult, CatalogSession, SessionState, Snapshot

__all__ = ["SQLiteHandler", "SQLiteSession", "to_pg_error"]

# sqlite3 releases the GIL while SQLite works, so threads give concurrency between clients.
_EXECUTOR = ThreadPoolExecutor(max_workers=64, thread_name_prefix="pgwire-sqlite")

BATCH_ROWS = 1000  # rows per fetch: the first batch comes back with the execute itself
BUSY_TIMEOUT = 5.0  # seconds a session waits for another's write lock before 55P03
_DESCRIBED_CACHE = 256  # statements whose described columns a session remembers
_VIEW = "_pgwire_describe"

_T = TypeVar("_T")
Row = tuple[Any, ...]

# ---------------------------------------------------------------------------------------------
# errors: sqlite3 exception → PgError with the nearest SQLSTATE

# Extended result codes first (sqlite3's sqlite_errorcode), then the primary code.
_BY_CODE: dict[int, str] = {
    2067: sqlstate.UNIQUE_VIOLATION,  # SQLITE_CONSTRAINT_UNIQUE
    1555: sqlstate.UNIQUE_VIOLATION,  # SQLITE_CONSTRAINT_PRIMARYKEY
    1299: sqlstate.NOT_NULL_VIOLATION,  # SQLITE_CONSTRAINT_NOTNULL
    787: sqlstate.FOREIGN_KEY_VIOLATION,  # SQLITE_CONSTRAINT_FOREIGNKEY
    275: sqlstate.CHECK_VIOLATION,  # SQLITE_CONSTRAINT_CHECK
    517: sqlstate.T_R_SERIALIZATION_FAILURE,  # SQLITE_BUSY_SNAPSHOT
    5: sqlstate.LOCK_NOT_AVAILABLE,  # SQLITE_BUSY
    6: sqlstate.LOCK_NOT_AVAILABLE,  # SQLITE_LOCKED
    7: sqlstate.OUT_OF_MEMORY,  # SQLITE_NOMEM
    8: sqlstate.READ_ONLY_SQL_TRANSACTION,  # SQLITE_READONLY
    9: sqlstate.QUERY_CANCELED,  # SQLITE_INTERRUPT
    10: sqlstate.IO_ERROR,  # SQLITE_IOERR
    11: sqlstate.DATA_CORRUPTED,  # SQLITE_CORRUPT
    13: sqlstate.DISK_FULL,  # SQLITE_FULL
    14: sqlstate.IO_ERROR,  # SQLITE_CANTOPEN
    18: sqlstate.PROGRAM_LIMIT_EXCEEDED,  # SQLITE_TOOBIG
    19: sqlstate.INTEGRITY_CONSTRAINT_VIOLATION,  # SQLITE_CONSTRAINT
    20: sqlstate.DATATYPE_MISMATCH,  # SQLITE_MISMATCH
    25: sqlstate.PROTOCOL_VIOLATION,  # SQLITE_RANGE: a parameter number out of range
    26: sqlstate.IO_ERROR,  # SQLITE_NOTADB
}

# (pattern on SQLite's message, SQLSTATE, PostgreSQL's wording or None to keep SQLite's)
_RULES: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), code, wording)
    for pattern, code, wording in [
        (r"^no such table: (?:main\.)?(.+)$", sqlstate.UNDEFINED_TABLE,
         'relation "{0}" does not exist'),
        (r"^no such view: (?:main\.)?(.+)$", sqlstate.UNDEFINED_TABLE,
         'relation "{0}" does not exist'),
        (r"^no such column: (.+)$", sqlstate.UNDEFINED_COLUMN, 'column "{0}" does not exist'),
        (r"^table \S+ has no column named (.+)$", sqlstate.UNDEFINED_COLUMN,
         'column "{0}" does not exist'),
        (r"^no such function: (.+)$", sqlstate.UNDEFINED_FUNCTION, "function {0} does not exist"),
        (r"^wrong number of arguments to function (.+?)\(\)$", sqlstate.UNDEFINED_FUNCTION,
         "function {0} does not exist"),
        (r"^no such index: (.+)$", sqlstate.UNDEFINED_OBJECT, 'index "{0}" does not exist'),
        (r"^no such savepoint: (.+)$", sqlstate.S_E_INVALID_SPECIFICATION,
         'savepoint "{0}" does not exist'),
        (r"^no such collation sequence", sqlstate.UNDEFINED_OBJECT, None),
        (r"^no such", sqlstate.UNDEFINED_OBJECT, None),
        (r"^(?:table|view) \"?(.+?)\"? already exists$", sqlstate.DUPLICATE_TABLE,
         'relation "{0}" already exists'),
        (r"^index \"?(.+?)\"? already exists$", sqlstate.DUPLICATE_TABLE,
         'relation "{0}" already exists'),
        (r"already exists", sqlstate.DUPLICATE_OBJECT, None),
        (r"^duplicate column name: (.+)$", sqlstate.DUPLICATE_COLUMN,
         'column "{0}" specified more than once'),
        (r"^ambiguous column name: (.+)$", sqlstate.AMBIGUOUS_COLUMN,
         'column reference "{0}" is ambiguous'),
        (r'^near "(.+?)": syntax error$', sqlstate.SYNTAX_ERROR, 'syntax error at or near "{0}"'),
        (r"^incomplete input$", sqlstate.SYNTAX_ERROR, "syntax error at end of input"),
        (r"^unrecognized token: \"?(.+?)\"?$", sqlstate.SYNTAX_ERROR,
         'syntax error at or near "{0}"'),
        (r"syntax error", sqlstate.SYNTAX_ERROR, None),
        (r"^misuse of aggregate", sqlstate.GROUPING_ERROR, None),
        (r"GROUP BY", sqlstate.GROUPING_ERROR, None),
        (r"^integer overflow$", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range"),
        (r"^too many (?:SQL variables|columns|terms)", sqlstate.PROGRAM_LIMIT_EXCEEDED, None),
        (r"^cannot commit - no transaction is active", sqlstate.NO_ACTIVE_SQL_TRANSACTION, None),
        (r"^cannot rollback - no transaction is active", sqlstate.NO_ACTIVE_SQL_TRANSACTION,
         None),
        (r"within a transaction", sqlstate.ACTIVE_SQL_TRANSACTION, None),
        (r"^sub-select returns", sqlstate.SYNTAX_ERROR, None),
        (r"SELECTs to the left and right of", sqlstate.SYNTAX_ERROR,
         "each UNION query must have the same number of columns"),
        (r"^Incorrect number of bindings", sqlstate.PROTOCOL_VIOLATION, None),
        (r"^parameters are not allowed", sqlstate.FEATURE_NOT_SUPPORTED, None),
        (r"^not authorized", sqlstate.INSUFFICIENT_PRIVILEGE, None),
    ]
]  # fmt: skip

# Errors PostgreSQL points at a token for: the one SQLite names, where the client's SQL has it.
_POSITIONED = frozenset(
    {sqlstate.SYNTAX_ERROR, sqlstate.UNDEFINED_TABLE, sqlstate.UNDEFINED_COLUMN}
)

_CONSTRAINT = re.compile(
    r"^(NOT NULL|UNIQUE|PRIMARY KEY|FOREIGN KEY|CHECK) constraint failed(?:: (.*))?$",
    re.IGNORECASE | re.DOTALL,
)


def to_pg_error(exc: BaseException, sql: str = "") -> PgError:
    """A sqlite3 exception as a PgError: the nearest SQLSTATE, PostgreSQL's wording where it
    has one (SQLite's own message then goes in the detail), and the cursor position of the
    token a syntax error names."""
    message = str(exc) or type(exc).__name__
    code = getattr(exc, "sqlite_errorcode", None)
    state = None
    if isinstance(code, int):
        state = _BY_CODE.get(code) or _BY_CODE.get(code & 0xFF)
    if state in (sqlstate.LOCK_NOT_AVAILABLE, sqlstate.T_R_SERIALIZATION_FAILURE):
        return _lock_error(state, message)
    if state == sqlstate.QUERY_CANCELED:
        return PgError("canceling statement due to user request", state)
    constraint = _CONSTRAINT.match(message)
    if constraint is not None:
        kind = constraint.group(1).upper().split()[0]  # NOT, UNIQUE, PRIMARY, FOREIGN, CHECK
        return _constraint_error(state, kind, constraint.group(2), message)
    for pattern, rule_code, wording in _RULES:
        match = pattern.search(message)
        if match:
            if wording is None:
                return PgError(message, rule_code)
            text = wording.format(*(g.strip('"') for g in match.groups()))
            position = None
            if match.groups() and rule_code in _POSITIONED:
                position = _position(sql, match.group(1).strip('"'))
            return PgError(text, rule_code, detail=f"SQLite: {message}", position=position)
    if state is not None:
        return PgError(message, state)
    if isinstance(exc, sqlite3.IntegrityError):
        return PgError(message, sqlstate.INTEGRITY_CONSTRAINT_VIOLATION)
    if isinstance(exc, sqlite3.DataError):
        return PgError(message, sqlstate.DATA_EXCEPTION)
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.OperationalError):
        return PgError(message, sqlstate.SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
    return PgError(message, sqlstate.INTERNAL_ERROR)


def _lock_error(state: str, message: str) -> PgError:
    if state == sqlstate.T_R_SERIALIZATION_FAILURE:
        return PgError(
            "could not serialize access due to concurrent update",
            state,
            detail=f"SQLite: {message} (another session committed a write after this "
            "transaction's snapshot)",
            hint="Retry the transaction.",
        )
    return PgError(
        "could not obtain lock on the SQLite database",
        state,
        detail=f"SQLite: {message} (another session holds the write lock)",
        hint="SQLite allows one writer at a time: retry, or keep write transactions short.",
    )


def _constraint_error(state: str | None, kind: str, target: str | None, message: str) -> PgError:
    """SQLite names the columns ('t.a, t.b') or the CHECK constraint; PostgreSQL's wording."""
    columns = [part.strip() for part in (target or "").split(",") if part.strip()]
    table = columns[0].split(".")[0] if columns and "." in columns[0] else None
    names = [c.split(".", 1)[-1] for c in columns]
    detail = f"SQLite: {message}"
    if kind in ("UNIQUE", "PRIMARY"):
        constraint = f"{table}_{'_'.join(names)}_key" if table and names else None
        if kind == "PRIMARY" and table:
            constraint = f"{table}_pkey"
        return PgError(
            "duplicate key value violates unique constraint"
            + (f' "{constraint}"' if constraint else ""),
            sqlstate.UNIQUE_VIOLATION,
            detail=f"Key ({', '.join(names)}) already exists." if names else detail,
            table=table,
            constraint=constraint,
        )
    if kind == "NOT":  # "NOT NULL constraint failed: t.a"
        column = names[0] if names else None
        where = f' of relation "{table}"' if table else ""
        return PgError(
            f'null value in column "{column}"{where} violates not-null constraint',
            sqlstate.NOT_NULL_VIOLATION,
            detail=detail,
            table=table,
            column=column,
        )
    if kind == "FOREIGN":
        return PgError(
            "insert or update on table violates foreign key constraint",
            sqlstate.FOREIGN_KEY_VIOLATION,
            detail=detail,
        )
    if kind == "CHECK":
        name = target.strip() if target else None
        return PgError(
            "new row violates check constraint" + (f' "{name}"' if name else ""),
            sqlstate.CHECK_VIOLATION,
            detail=detail,
            constraint=name,
        )
    return PgError(message, state or sqlstate.INTEGRITY_CONSTRAINT_VIOLATION)


def _position(sql: str, token: str) -> int | None:
    """1-based position of the token SQLite names, when it occurs once in the client's SQL."""
    if not sql or not token:
        return None
    lowered, wanted = sql.lower(), token.lower()
    found = lowered.find(wanted)
    if found < 0 or lowered.find(wanted, found + 1) >= 0:
        return None
    return found + 1


# ---------------------------------------------------------------------------------------------
# connections


def _register_functions(conn: sqlite3.Connection, info: SessionInfo) -> None:
    """SQL functions PostgreSQL has and SQLite lacks, as sqlglot spells the calls."""
    deterministic = {"deterministic": True}
    conn.create_function("regexp", 2, _regexp, **deterministic)
    conn.create_function("uuid", 0, _uuid4)
    conn.create_function("current_database", 0, lambda: info.database)
    conn.create_function("current_user", 0, lambda: info.user)
    conn.create_function("session_user", 0, lambda: info.user)
    conn.create_function("current_schema", 0, lambda: "main")
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


# ---------------------------------------------------------------------------------------------
# the handler


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
        conn = await loop.run_in_executor(_EXECUTOR, self._open)
        _register_functions(conn, session)
        return SQLiteSession(conn, session, self.batch_rows)

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
# a session


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
        # Described columns by statement text: what Describe told the client, Execute keeps.
        self._described: dict[str, list[Column]] = {}
        # Declared types of a query's result columns, by its describe text; valid while the
        # schema (main's schema_version, and this session's own DDL) stays the same.
        self._decltypes: dict[str, list[str]] = {}
        self._schema_seen: int | None = None
        self._ddl_epoch = 0  # this session's own DDL so far (temporary tables included)
        self._snapshot_cache: tuple[Any, Snapshot] | None = None
        # pg_catalog and information_schema, emulated (backends/catalog): on first use.
        self._catalog: CatalogSession | None = None
        self._settings = {
            k.lower(): v for k, v in info.parameters.items() if k not in _STARTUP_KEYS
        }

    # -- running things off the loop -----------------------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await run_interruptible(_EXECUTOR, self._conn.interrupt, fn, *args)

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
        return await self._run(self._describe, sql, list(param_types))

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
            translation = translate(sql)
            return self._run_translation(sql, translation, params)
        except sqlite3.Error as exc:
            raise to_pg_error(exc, sql) from None

    def _transaction(self, verb: str, sql: str) -> str:
        conn = self._conn
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
        columns, converters, first, done = self._columns(sql, translation, cursor, description)
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
            self._decltypes.clear()  # CREATE/DROP/ALTER or SQLite's own: types may change
            self._described.clear()
            self._ddl_epoch += 1

    # -- result columns ------------------------------------------------------------------------

    def _columns(
        self,
        sql: str,
        translation: Translation,
        cursor: sqlite3.Cursor,
        description: Sequence[Any],
    ) -> tuple[list[Column], list[Converter | None], list[Row], bool]:
        names = [str(d[0]) for d in description]
        described = self._described.get(sql)
        raw: list[Row] = cursor.fetchmany(self._batch_rows)
        done = len(raw) < self._batch_rows
        if described is not None and len(described) == len(names):
            types: list[PgType | None] = [(c.type_oid, c.type_modifier) for c in described]
        else:
            types = self._known_types(translation, len(names))
            for i, found in enumerate(types):
                if found is None:
                    value = next((row[i] for row in raw if row[i] is not None), None)
                    types[i] = type_of_value(value) if value is not None else (oids.TEXT, -1)
        columns = [
            Column(name, *(t or (oids.TEXT, -1))) for name, t in zip(names, types, strict=True)
        ]
        converters = [converter(c.type_oid, c.type_modifier) for c in columns]
        return columns, converters, convert_rows(raw, converters), done

    def _known_types(self, translation: Translation, width: int) -> list[PgType | None]:
        """Per result column: its declared type, else what the query says, else None."""
        types: list[PgType | None] = [None] * width
        if translation.describe is not None:
            try:
                declared = self._declared_types(translation.describe)
            except sqlite3.Error:  # not a query SQLite takes as a view: values decide
                declared = []
            if len(declared) == width:
                types = [declared_type(d) for d in declared]
        hints = translation.projections
        if hints is not None:
            for i, hint in _aligned(hints, width):
                if hint is not None and types[i] is None:
                    types[i] = hint
        return types

    def _declared_types(self, query: str) -> list[str]:
        """The declared type of each result column of `query` (a SELECT with no parameters),
        as SQLite reports it for the columns of a view; '' for an expression."""
        version = self._conn.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._schema_seen:
            self._decltypes.clear()
            self._schema_seen = version
        found = self._decltypes.get(query)
        if found is not None:
            return found
        conn = self._conn
        conn.execute(f"CREATE TEMP VIEW {_VIEW} AS {query}")
        try:
            found = [str(row[2]) for row in conn.execute(f"PRAGMA temp.table_info({_VIEW})")]
        finally:
            conn.execute(f"DROP VIEW temp.{_VIEW}")
        if len(self._decltypes) >= _DESCRIBED_CACHE:
            self._decltypes.clear()
        self._decltypes[query] = found
        return found

    # -- describe ------------------------------------------------------------------------------

    def _describe(self, sql: str, types: list[int]) -> Description | None:
        try:
            if transaction_verb(sql) is not None:
                return Description(types, None)
            translation = translate(sql)
            if not all(types):
                types = infer_parameter_types(sql, types, self._table_columns)
            if translation.noop or not translation.text:
                return Description(types, None)
            if translation.rows is None:
                return None  # the library learns by running it
            if translation.rows is False or translation.describe is None:
                # Compiled, not run: errors (no such table, ...) show now, as in PostgreSQL.
                nulls = (None,) * parameter_count(sql)
                self._conn.execute(f"EXPLAIN {translation.text}", nulls).fetchall()
                if translation.rows is False:
                    return Description(types, None)
            if translation.describe is None:
                return None
            try:
                declared = self._declared_types(translation.describe)
            except sqlite3.Error:
                # Not a query SQLite takes as a view: compiling it tells whether it is an
                # error; if not, the library learns its columns by running it.
                nulls = (None,) * parameter_count(sql)
                self._conn.execute(f"EXPLAIN {translation.text}", nulls).fetchall()
                return None
        except sqlite3.Error as exc:
            raise to_pg_error(exc, sql) from None
        types_out: list[PgType | None] = [declared_type(d) for d in declared]
        if translation.projections is not None:
            for i, hint in _aligned(translation.projections, len(types_out)):
                if hint is not None and types_out[i] is None:
                    types_out[i] = hint
        names = self._view_names(translation.describe)
        columns = [
            Column(name, *(t or (oids.TEXT, -1))) for name, t in zip(names, types_out, strict=True)
        ]
        if len(self._described) >= _DESCRIBED_CACHE:
            self._described.clear()
        self._described[sql] = columns
        return Description(types, columns)

    def _view_names(self, query: str) -> list[str]:
        cursor = self._conn.execute(f"SELECT * FROM ({query}) LIMIT 0")
        names = [str(d[0]) for d in cursor.description or ()]
        cursor.close()
        return names

    def _table_columns(self, name: tuple[str, ...]) -> list[tuple[str, int]] | None:
        """A table's (or view's) columns and the parameter type each gives; None: no such
        table. For parameter type inference."""
        if len(name) > 2:
            return None
        schema = f'"{name[0]}".' if len(name) == 2 else ""
        table = name[-1].replace("'", "''")
        try:
            rows = self._conn.execute(f"PRAGMA {schema}table_info('{table}')").fetchall()
        except sqlite3.Error:
            return None
        if not rows:
            return None
        out = []
        for row in rows:
            found = declared_type(str(row[2]))
            out.append((str(row[1]), found[0] if found is not None else 0))
        return out

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
        return self._catalog.run(sql, self._snapshot)

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


def _aligned(hints: Sequence[PgType | None], width: int) -> list[tuple[int, PgType | None]]:
    """(column index, hint) for projections whose column is known despite `*` expansions:
    those before the first star, and those after the last one counted from the end."""
    if STAR not in hints:
        return list(enumerate(hints)) if len(hints) == width else []
    first = hints.index(STAR)
    last = len(hints) - 1 - list(reversed(hints)).index(STAR)
    pairs = list(enumerate(hints[:first]))
    tail = hints[last + 1 :]
    pairs += [(width - len(tail) + k, hint) for k, hint in enumerate(tail)]
    return [(i, h) for i, h in pairs if 0 <= i < width]
