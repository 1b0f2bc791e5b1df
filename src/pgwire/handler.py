"""The handler API: what users write to put a PostgreSQL front on their own data.

A handler sees Python values, column descriptions and `PgError`, never bytes. The library
keeps all protocol bookkeeping (splitting a simple Query into statements, transaction status,
RowDescription/DataRow/CommandComplete, error recovery).

    class Hello(Handler):
        def query(self, sql: str) -> Result:
            return Rows([Column("greeting", "text")], [("hello",)])

`query` may be a plain or an `async def` method. A handler that keeps per-connection state
returns a fresh object from `connect`; the default serves every connection with one object.

To send the client a NOTICE or WARNING while a statement runs, keep the `SessionInfo` that
`connect` receives and call `session.notice("...", severity="WARNING")`: the NoticeResponse
goes out in order with the statement's results (psql prints it, drivers hand it to their
notice handlers).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import LocalProtocolError, PgError
from pgwire.types.registry import TEXT, registry

T = TypeVar("T")


@dataclass(slots=True)
class Column:
    """One result column, as RowDescription describes it."""

    name: str
    type_oid: int = 25  # text
    type_modifier: int = -1
    table_oid: int = 0
    column_attnum: int = 0

    def __init__(
        self,
        name: str,
        type: int | str = "text",
        type_modifier: int = -1,
        table_oid: int = 0,
        column_attnum: int = 0,
    ) -> None:
        self.name = name
        self.type_oid = registry.oid_of(type)
        self.type_modifier = type_modifier
        self.table_oid = table_oid
        self.column_attnum = column_attnum

    @property
    def type_size(self) -> int:
        return registry.size_of(self.type_oid)


# Commands whose tag carries a row count, and how PostgreSQL spells it.
_COUNTED = {"SELECT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY"}


def command_tag(command: str, rowcount: int | None = None) -> str:
    """`command_tag("INSERT", 3)` → "INSERT 0 3"; commands without a count stay bare."""
    command = command.upper()
    if rowcount is None:
        return command
    if command == "INSERT":
        return f"INSERT 0 {rowcount}"
    if command in _COUNTED:
        return f"{command} {rowcount}"
    return command


@dataclass(slots=True)
class Rows:
    """A result set: columns and the rows, streamed.

    `rows` is any iterable of row sequences (values in column order, None for NULL).
    A backend that produces rows off the event loop gives `batches` instead: an async
    iterable of lists of rows. The tag defaults to "SELECT <count>"; `command` changes the
    verb (e.g. "INSERT" for INSERT ... RETURNING, "SHOW" for a bare tag).
    """

    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] = ()
    batches: AsyncIterable[Sequence[Sequence[Any]]] | None = None
    command: str = "SELECT"

    def tag(self, count: int) -> str:
        if self.command == "SHOW":
            return "SHOW"
        return command_tag(self.command, count)


@dataclass(slots=True)
class Command:
    """A statement that returns no rows: just its CommandComplete tag ("CREATE TABLE")."""

    tag: str


Result = Rows | Command


@dataclass(slots=True)
class Description:
    """What a statement takes and returns, known without running it."""

    param_types: list[int]  # one OID per $n; 0 where the handler cannot tell either
    columns: list[Column] | None  # None: the statement returns no rows


class HeldLock(NamedTuple):
    """A lock the front end keeps (advisory locks), as a row of `pg_locks` shows it."""

    locktype: str  # "advisory"
    database: str  # the database's name (pg_locks shows its OID)
    classid: int
    objid: int
    objsubid: int
    pid: int  # the holding or waiting session's process id
    mode: str  # "ExclusiveLock" or "ShareLock"
    granted: bool  # False: waiting for it


def _no_locks() -> Sequence[HeldLock]:
    return ()


@dataclass(slots=True)
class SessionInfo:
    """What a handler may know about the connection it serves."""

    user: str
    database: str
    process_id: int
    protocol_version: tuple[int, int] = (3, 0)
    parameters: dict[str, str] = field(default_factory=dict)  # from the startup packet
    peer: str = ""  # "127.0.0.1:53412", or "[local]" on a unix socket
    server_version: str = "15.0"  # what the server reports (ParameterStatus server_version)
    # Where `notice` sends its NoticeResponse: set by the server for each connection.
    notice_sink: Callable[[PgError], None] | None = field(default=None, repr=False, compare=False)
    # Every session's advisory locks, held and awaited, for a backend's pg_locks: set by the
    # server (the front end keeps them), read on the event loop's thread or a worker's.
    locks: Callable[[], Sequence[HeldLock]] = field(default=_no_locks, repr=False, compare=False)

    @property
    def application_name(self) -> str:
        return self.parameters.get("application_name", "")

    def notice(
        self,
        message: str,
        *,
        severity: str = "NOTICE",
        code: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Send the client a NoticeResponse now, in order with the running statement's results.

        `severity` is NOTICE, WARNING, INFO, LOG or DEBUG; `code` is the SQLSTATE, by default
        00000 (01000 for a WARNING), as PostgreSQL. Call it on the event loop (from `connect`,
        `query`, `execute` or while rows are produced); a notice for a connection that has
        ended is dropped.
        """
        if severity not in _NOTICE_SEVERITIES:
            raise ValueError(
                f"a notice's severity is one of {', '.join(sorted(_NOTICE_SEVERITIES))}, "
                f"not {severity!r}: raise PgError for an error"
            )
        if code is None:
            code = sqlstate.WARNING if severity == "WARNING" else sqlstate.SUCCESSFUL_COMPLETION
        notice = PgError(message, code, severity=severity, detail=detail, hint=hint)
        if self.notice_sink is not None:
            with contextlib.suppress(LocalProtocolError):  # the connection has ended
                self.notice_sink(notice)


_NOTICE_SEVERITIES = frozenset({"NOTICE", "WARNING", "INFO", "LOG", "DEBUG"})


class Handler:
    """Subclass and override `query`; override `connect` to keep state per connection."""

    #: True when `query` runs BEGIN, COMMIT and ROLLBACK: then a simple Query holding several
    #: statements runs as one implicit transaction, all or nothing, as in PostgreSQL.
    implicit_transactions: bool = False

    #: True when `query` runs SAVEPOINT, RELEASE and ROLLBACK TO itself (they reach it as the
    #: client wrote them). False for a backend without savepoints: the library then keeps
    #: them and answers them itself; ROLLBACK TO succeeds only when nothing was written and
    #: no statement failed since the savepoint, else it fails (0A000) and the transaction
    #: stays failed until ROLLBACK.
    runs_savepoints: bool = True

    #: True when connections share no state through this object, so `--workers N` may serve
    #: it from several processes at once (each process has its own copy).
    multiprocess: bool = False

    async def connect(self, session: SessionInfo) -> Handler:
        """Called once per client connection after startup; return the object that serves it.

        Raise `PgError` (for example 3D000 for an unknown database) to refuse the connection.
        Keep `session` to send the client notices later: `session.notice("...")`.
        """
        return self

    def query(self, sql: str) -> Result | Awaitable[Result]:
        """Run one SQL statement (the library splits a multi-statement Query first)."""
        raise NotImplementedError

    def execute(
        self, sql: str, params: Sequence[Any], param_types: Sequence[int]
    ) -> Result | Awaitable[Result]:
        """Run one statement with parameters $1..$n (Python values, None for NULL).

        Extended-query clients (psycopg, asyncpg, JDBC, ...) arrive here. The default splices
        the parameters into the SQL as typed literals and calls `query`; a backend that can
        bind parameters itself should override this and never splice.
        """
        if not params:
            return self.query(sql)
        literals = [_literal(value, oid) for value, oid in zip(params, param_types, strict=True)]
        return self.query(sqltext.substitute_parameters(sql, literals))

    def can_execute_many(self, sql: str) -> bool:
        """True when `execute_many` runs this statement for many parameter rows at once.

        A client pipelining the same INSERT (asyncpg executemany, JDBC batches, psycopg
        pipelines) then costs one backend call per batch instead of one per row.
        """
        return False

    def execute_many(
        self, sql: str, rows: Sequence[Sequence[Any]], param_types: Sequence[int]
    ) -> int | Awaitable[int]:
        """Run `sql` once per parameter row, as one all-or-nothing step; return the rows
        affected. Only called for statements `can_execute_many` accepted."""
        raise NotImplementedError

    def describe(
        self, sql: str, param_types: Sequence[int]
    ) -> Description | Awaitable[Description | None] | None:
        """Describe a statement without running it (asyncpg and JDBC ask before binding).

        `param_types` has one entry per parameter, 0 where the client left it to the server.
        Return None when you cannot tell: the library then derives what it can, running a
        row-returning statement with NULL parameters to learn its columns.
        """
        return None

    def parameter_types(
        self, sql: str, param_types: Sequence[int]
    ) -> Sequence[int] | Awaitable[Sequence[int] | None] | None:
        """The types PostgreSQL gives at Parse to the parameters a client left 0.

        Called at Parse only when some entry of `param_types` is 0; return the list with the
        zeros replaced where the SQL makes a type clear (`WHERE col = $1`, `INSERT INTO t (col)
        VALUES ($1)`), or None. A client that never sends Describe (psycopg's `execute`,
        pgjdbc's `setDate`) then has its text values read as that type, as PostgreSQL reads
        them. Called for every Parse of such a statement: keep it cheap (cache per text).
        """
        return None

    def check_syntax(self, sql: str) -> None:
        """Raise PgError (42601, with its position) when `sql` cannot be parsed: called at
        Parse and PREPARE, where PostgreSQL reports a syntax error. It must only parse (no
        I/O, nothing run); the default accepts every text, whose errors then come when it
        runs."""

    def set_parameter(self, name: str, value: str | None) -> bool | Awaitable[bool]:
        """A session parameter changed (SET, RESET, the end of a transaction, or startup).

        The library owns PostgreSQL's client parameters (TimeZone, DateStyle, ...) and tells
        the backend in case it cares. For any other name without a dot, return True if the
        backend took it (value None: reset it); False makes it 42704, as in PostgreSQL.
        """
        return False

    def split(self, sql: str) -> list[str]:
        """Split a simple Query's text into statements; override for another dialect."""
        return sqltext.split_statements(sql)

    # -- COPY (see docs/copy.md) ---------------------------------------------------------------

    async def table_columns(self, table: str) -> Sequence[Column]:
        """The columns of `table`, in order: COPY learns its target columns and their types
        here. `table` is the name as the client wrote it (`public."My T"`), ready for SQL.

        The default describes (or, failing that, runs) `SELECT * FROM table LIMIT 0`.
        """
        sql = f"SELECT * FROM {table} LIMIT 0"
        described: Description | None = await resolve(self.describe(sql, []))
        if described is not None and described.columns is not None:
            return described.columns
        result = await resolve(self.query(sql))
        if not isinstance(result, Rows):
            raise PgError(f'relation "{table}" does not exist', sqlstate.UNDEFINED_TABLE)
        for closer in (
            getattr(result.batches, "aclose", None),
            getattr(result.rows, "close", None),
        ):
            if closer is not None:
                await resolve(closer())
        return list(result.columns)

    async def copy_in(
        self,
        table: str,
        columns: Sequence[Column],
        rows: AsyncIterator[Sequence[Sequence[Any]]],
    ) -> int:
        """Load `COPY table (columns) FROM STDIN`: return how many rows were stored.

        `rows` yields batches (a few thousand rows each) of Python values in column order,
        None for NULL, parsed and typed as the data arrives: iterate it to the end and store
        each batch as it comes, never the whole load. An exception raised from it (CopyFail,
        a malformed row, the client gone) must propagate; so must any error of yours, which
        the client receives. When the session is outside a transaction block and the handler
        has `implicit_transactions`, the library runs this inside a hidden BEGIN ... COMMIT
        (ROLLBACK on any error), so a failed load leaves nothing behind.

        The default inserts each batch with multi-row `INSERT INTO table (cols) VALUES ...`
        statements through `execute`; a backend with a bulk path should override this.
        """
        names = ", ".join(_quote_ident(c.name) for c in columns)
        types = [c.type_oid for c in columns]
        width = len(columns)
        per_statement = max(1, min(1000, 30000 // max(width, 1)))
        count = 0
        async for batch in rows:
            for start in range(0, len(batch), per_statement):
                part = batch[start : start + per_statement]
                if not width:
                    for _ in part:
                        await resolve(self.query(f"INSERT INTO {table} DEFAULT VALUES"))
                    continue
                groups = []
                params: list[Any] = []
                for row in part:
                    base = len(params)
                    groups.append(
                        "(" + ", ".join(f"${base + i}" for i in range(1, width + 1)) + ")"
                    )
                    params.extend(row)
                sql = f"INSERT INTO {table} ({names}) VALUES {', '.join(groups)}"
                await resolve(self.execute(sql, params, types * len(part)))
            count += len(batch)
        return count

    async def close(self) -> None:
        """Called when the connection ends, however it ends."""


async def resolve(value: T | Awaitable[T]) -> T:
    """A handler method's result, awaited when the method was written `async`."""
    if inspect.isawaitable(value):
        return await value
    return value


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any, oid: int) -> str:
    """A parameter as SQL text: a quoted literal cast to its type, or NULL."""
    if value is None:
        return "NULL"
    info = registry.get(oid)
    text = registry.encoder(oid, TEXT)(value).decode()
    if info is None or oid in (0, 25, 705):  # text and unknown: a bare literal, as typed
        return sqltext.quote_literal(text)
    element = registry.get(info.element_oid) if info.element_oid else None
    name = f"{element.name}[]" if element is not None else info.name  # oid[], not _oid
    return f"{sqltext.quote_literal(text)}::{name}"
