"""`DuckDBSession`: one client connection on a DuckDB cursor of its own.

Its DuckDB work runs in a thread pool (`EXECUTOR`), never on the event loop, and is interrupted
when the awaiting task is cancelled. Results stream in batches from DuckDB's streaming result;
a statement that needs the cursor while a result is still streaming buffers the rest first.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb

from pgwire.backends import qualified
from pgwire.backends.catalog import NotCatalog, is_catalog_query
from pgwire.backends.catalog.parameters import parameter_types as catalog_parameter_types
from pgwire.backends.duckdb import alter, constraints, ddl, dialect, identity, sequences
from pgwire.backends.duckdb.catalog import DuckDBCatalog
from pgwire.backends.duckdb.columns import TableColumns
from pgwire.backends.duckdb.copy_in import append_rows, copy_converter
from pgwire.backends.duckdb.describe import describe, pg_type_named
from pgwire.backends.duckdb.enums import EnumTypes
from pgwire.backends.duckdb.errors import to_pg_error
from pgwire.backends.duckdb.inserts import insert_chunks, values_insert
from pgwire.backends.duckdb.parameters import SCHEMA_CHANGES, InferredTypes
from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.backends.duckdb.short_rows import with_column_list
from pgwire.backends.duckdb.syntax import check_syntax
from pgwire.backends.duckdb.tags import COUNTED_TYPES, ROW_VERBS, command_tag_for
from pgwire.backends.duckdb.types import (
    duck_literal,
    duck_param,
    interval_converter,
    interval_sql,
    json_columns,
    pg_type,
    struct_converter,
)
from pgwire.backends.duckdb.violations import Violations
from pgwire.backends.inheritance import drop_only
from pgwire.backends.offloop import run_interruptible
from pgwire.backends.sequence_reads import sequence_read, sequence_row
from pgwire.errors import PgError
from pgwire.handler import Column, Command, Description, Handler, Result, Rows, SessionInfo
from pgwire.sql import leading_words, substitute_parameters, transaction_verb
from pgwire.types import oids

__all__ = ["BATCH_ROWS", "EXECUTOR", "DuckDBSession"]

# DuckDB releases the GIL while it executes, so threads give real concurrency between clients.
# A pool of our own: a slow query must not starve the loop's default executor.
EXECUTOR = ThreadPoolExecutor(max_workers=64, thread_name_prefix="pgwire-duckdb")

BATCH_ROWS = 1000  # rows per fetch: the first batch comes back with the execute itself
_STATEMENT_CACHE = 256  # parsed statements kept per session, keyed by SQL text

_T = TypeVar("_T")
Row = tuple[Any, ...]

# PostgreSQL settings that pgjdbc SETs on every connection and DuckDB does not have
# ("SET extra_float_digits = 3", "SET application_name = '...'"): accepted and ignored.
# Floats already print shortest-exact, as PostgreSQL does with extra_float_digits >= 1.
_IGNORED_SETTINGS = frozenset({"EXTRA_FLOAT_DIGITS", "APPLICATION_NAME"})


def _ignored_setting(sql: str) -> bool:
    words = leading_words(sql, 3)
    if words[:1] != ["SET"]:
        return False
    if words[1:2] in (["SESSION"], ["LOCAL"]):
        words = words[1:]
    return len(words) > 1 and words[1] in _IGNORED_SETTINGS


@dataclass(slots=True)
class _Stream:
    """The rest of a result that has not been fetched yet."""

    batch_rows: int
    # Per column (None: as is), when DuckDB's Python values need fixing.
    converters: list[Callable[[Any], Any] | None] | None = None
    buffered: list[Row] = field(default_factory=list)  # drained early (see _drain)
    done: bool = False


@dataclass(slots=True)
class _Outcome:
    command: str | None = None
    columns: list[Column] = field(default_factory=list)
    first: list[Row] = field(default_factory=list)
    stream: _Stream | None = None
    verb: str = "SELECT"


# Statements after which the identity columns are read again (see identity.py).

_SETTING_NAMES: frozenset[str] | None = None  # DuckDB's own settings, read once


_RECORDS = frozenset({oids.RECORD, oids.RECORD_ARRAY})


def _convert_structs(stream: _Stream, description: Sequence[Any]) -> None:
    """STRUCT columns' dicts become the Records their description promises."""
    converters = stream.converters or [None] * len(description)
    stream.converters = [
        convert if convert is not None else struct_converter(duck_type)
        for convert, (_name, duck_type, *_) in zip(converters, description, strict=True)
    ]


def _named(columns: list[Column], sql: str) -> list[Column]:
    """`columns` with PostgreSQL's names for them (see dialect/names.py)."""
    names = dialect.rename(dialect.column_names(sql), [column.name for column in columns])
    for column, name in zip(columns, names, strict=True):
        column.name = name
    return columns


class DuckDBSession(Handler):
    """One client connection: a DuckDB cursor of its own."""

    implicit_transactions = True
    runs_savepoints = False  # DuckDB has none: the front end keeps them

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        info: SessionInfo,
        batch_rows: int = BATCH_ROWS,
        schema: SchemaVersion | None = None,
        tables: TableColumns | None = None,
    ) -> None:
        self.info = info
        self._cursor = cursor
        self._batch_rows = batch_rows
        # What the sessions of the database keep about its schema is valid while this stays put.
        self._schema = SchemaVersion() if schema is None else schema
        self._changed_schema = False  # DDL ran in the open transaction
        # The database's columns, shared by its sessions (identity.py, short_rows.py).
        self._tables = TableColumns(self._schema) if tables is None else tables
        self._inferred = InferredTypes(self._schema)
        # What the PostgreSQL-to-DuckDB passes may read of the tables (see dialect/).
        self._dialect = dialect.Schema(
            lambda: self._schema.value, lambda table: self._tables.types(self._cursor, table)
        )
        self._enums = EnumTypes(self._schema, cursor.cursor)
        self._violations = Violations(self._schema, cursor.cursor)
        self._statements: dict[str, list[Any]] = {}
        self._macros: set[str] = set()  # the dialect's macros made on this cursor
        self._open: _Stream | None = None  # a result still being streamed to the client
        self._closed = False
        self._in_transaction = False  # inside BEGIN ... COMMIT (the client's or the library's)
        self._search_path: str | None = None  # PostgreSQL's, once the client sets it
        self._schemas_changed = False  # CREATE/DROP SCHEMA in the open transaction
        # pg_catalog and information_schema, emulated (backends/catalog)
        self._catalog = DuckDBCatalog(info, self._type_of, f"DuckDB {duckdb.__version__}")

    async def _pg_error(self, exc: duckdb.Error, sql: str) -> PgError:
        """`exc` as PostgreSQL reports it; a constraint violation names its constraint, read
        from the catalog in the worker thread (violations.py)."""
        error = to_pg_error(exc, sql)
        if isinstance(exc, duckdb.ConstraintException):
            error = await self._run(self._violations.explain, error, str(exc), sql)
        return error

    # -- running things off the loop -----------------------------------------------------------

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await run_interruptible(EXECUTOR, self._interrupt, fn, *args)

    def _interrupt(self) -> None:
        self._cursor.interrupt()
        self._catalog.interrupt()

    # -- the handler API -----------------------------------------------------------------------

    async def query(self, sql: str) -> Result:
        if _ignored_setting(sql):
            return Command("SET")
        read = sequence_read(sql)
        if read is not None:
            found_sequence = await self._run(self._read_sequence, *read)
            if found_sequence is not None:
                return found_sequence
        if is_catalog_query(sql):
            try:
                found = await self._run(self._catalog_query, sql)
                return Rows(found.columns, found.rows)
            except NotCatalog:
                pass  # it reads the client's tables too: DuckDB's own answer
        return await self._query(sql, None)

    async def _query(
        self,
        sql: str,
        params: list[Any] | None,
        client_sql: str | None = None,
        param_types: Sequence[int] = (),
    ) -> Result:
        if constraints.set_constraints(sql):
            return Command("SET CONSTRAINTS")
        try:
            outcome = await self._run(self._execute, sql, params)
        except duckdb.Error as exc:
            raise await self._pg_error(exc, sql) from None
        if outcome.command is not None:
            return Command(outcome.command)
        columns = _named(outcome.columns, client_sql or sql)
        columns = json_columns(columns, client_sql or sql, param_types)
        return Rows(columns, batches=self._batches(outcome, sql), command=outcome.verb)

    def execute(
        self, sql: str, params: Sequence[Any], param_types: Sequence[int]
    ) -> Result | Awaitable[Result]:
        if is_catalog_query(sql):
            # The catalog emulation answers from its own tables and reads the text.
            literals = [duck_literal(v, oid) for v, oid in zip(params, param_types, strict=True)]
            return self.query(substitute_parameters(sql, literals))
        pairs = [
            duck_param(v, oid, n)
            for n, (v, oid) in enumerate(zip(params, param_types, strict=True), start=1)
        ]
        text = substitute_parameters(sql, [placeholder for placeholder, _ in pairs])
        return self._query(text, [value for _, value in pairs], sql, param_types)

    def can_execute_many(self, sql: str) -> bool:
        return values_insert(sql) is not None

    async def execute_many(
        self, sql: str, rows: Sequence[Sequence[Any]], param_types: Sequence[int]
    ) -> int:
        """Many rows of one `INSERT ... VALUES (...)` as one multi-row INSERT per chunk of
        rows: one DuckDB call instead of one each, values bound as for `execute`."""
        split = values_insert(sql)
        assert split is not None
        done = 0
        for text, values, count in insert_chunks(*split, rows, param_types):
            try:
                await self._run(self._execute, text, values)
            except duckdb.Error as exc:
                raise await self._pg_error(exc, sql) from None
            done += count
        return done

    async def describe(self, sql: str, param_types: Sequence[int]) -> Description | None:
        """Parameter and result types of `sql`, from DuckDB's binder: nothing runs.

        Parameters left 0 by the client are inferred from their context where it is clear
        (see `sqlparams`). Result columns come from `DESCRIBE <query>` with each parameter
        replaced by a NULL cast as the execute path casts its value; for INSERT/UPDATE/DELETE
        ... RETURNING from a SELECT of the RETURNING list. Errors are those running the
        statement would give (42P01, 42601, ...). None where DuckDB cannot tell (PRAGMA,
        CALL, EXPLAIN, ...) and for catalog queries: the library then derives what it can.
        """
        if is_catalog_query(sql) or constraints.set_constraints(sql):
            return None
        if transaction_verb(sql) is not None:
            # Answered here or by the front end (savepoints), never parsed by DuckDB, which
            # has no SAVEPOINT: asyncpg and SQLAlchemy's asyncpg dialect prepare them.
            return Description(list(param_types), None)
        return await self._run(self._describe, sql, list(param_types))

    def parameter_types(
        self, sql: str, param_types: Sequence[int]
    ) -> Sequence[int] | Awaitable[Sequence[int] | None] | None:
        """From the columns parameters are compared with or inserted into (`sqlparams`),
        kept per text until the schema changes (see `parameters`)."""
        if is_catalog_query(sql):
            return catalog_parameter_types(sql, param_types)
        known = self._inferred.known(sql, param_types)
        if known is not None:
            return known
        return self._run(self._infer, sql, param_types)

    def _infer(self, sql: str, param_types: Sequence[int]) -> list[int]:
        self._drain()
        return self._inferred.infer(self._cursor, sql, param_types)

    def check_syntax(self, sql: str) -> None:
        """DuckDB's parser judges the grammar at Parse, except for the texts the backend
        does not hand to DuckDB as they are (catalog queries are rewritten first,
        transaction control and some SETs are answered here)."""
        if _ignored_setting(sql) or transaction_verb(sql) or is_catalog_query(sql):
            return
        if constraints.set_constraints(sql):
            return
        try:
            self._check_syntax(sql)
        except PgError:
            translated = dialect.syntax_text(sql)  # the text may be PostgreSQL's alone
            if translated == sql:
                raise
            self._check_syntax(translated)

    def _check_syntax(self, sql: str) -> None:
        sql = self._backend_text(sql)
        rewritten = ddl.rewrite(sql)
        text = sql if rewritten is None else rewritten.text
        if text[:16].lstrip()[:5].upper() == "ALTER" and alter.parse(text) is not None:
            return  # some ALTER TABLE actions DuckDB's parser refuses are run here
        check_syntax(text)

    async def set_parameter(self, name: str, value: str | None) -> bool:
        """Session parameters: TimeZone is mirrored into DuckDB (its date functions use it);
        DuckDB's own settings (threads, memory_limit, ...) are SET or RESET; the rest of
        PostgreSQL's client parameters are the front end's business."""
        self._catalog.set_parameter(name, value)  # for current_setting() and pg_settings
        if name == "search_path":
            self._inferred.forget()  # unqualified names may now mean other tables
            self._search_path = value
            await self._run(self._apply_search_path)
            return True
        if name == "TimeZone" and value is not None:
            zone = value.replace("'", "''")
            # DuckDB knows IANA names; PostgreSQL's offset spellings stay front-end only.
            with contextlib.suppress(duckdb.Error):
                await self._run(self._cursor.execute, f"SET TimeZone = '{zone}'")
            return True
        key = name.lower()
        if key not in await self._duckdb_settings():
            return False
        try:
            if value is None:
                await self._run(self._cursor.execute, f'RESET "{key}"')
            else:
                literal = value.replace("'", "''")
                await self._run(self._cursor.execute, f"SET \"{key}\" = '{literal}'")
        except duckdb.Error as exc:
            raise to_pg_error(exc, name) from None
        return True

    async def _duckdb_settings(self) -> frozenset[str]:
        global _SETTING_NAMES
        if _SETTING_NAMES is None:
            rows = await self._run(
                lambda: self._cursor.execute("SELECT name FROM duckdb_settings()").fetchall()
            )
            _SETTING_NAMES = frozenset(str(r[0]).lower() for r in rows)
        return _SETTING_NAMES

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cursor.interrupt()
        with contextlib.suppress(duckdb.Error):
            await self._run(self._cursor.close)
            await self._run(self._enums.close)
        self._catalog.close()

    # -- in the worker thread ------------------------------------------------------------------

    def _catalog_query(self, sql: str) -> Any:
        self._drain()
        return self._catalog.run(self._cursor, sql)

    def _read_sequence(
        self, columns: tuple[str, ...], schema: str | None, name: str
    ) -> Rows | None:
        self._drain()
        if schema is not None:
            schema = qualified.backend_schema(schema)  # public is DuckDB's main
        sql, params = sequences.query(schema, name)
        found = self._cursor.execute(sql, params).fetchall()
        if not found:
            return None  # not a sequence: DuckDB answers (a table, or 42P01)
        last_value, _log_cnt, is_called = found[0]
        return sequence_row(columns, last_value, is_called)

    def _type_of(self, type_name: str) -> tuple[int, int]:
        return pg_type_named(self._cursor, type_name, self._enums)

    def _apply_search_path(self) -> None:
        """PostgreSQL's search_path as DuckDB's: the schemas of the list that exist (public
        is main), or DuckDB's default (main) when none does. Again after CREATE and DROP
        SCHEMA: PostgreSQL looks the list up on every use."""
        self._drain()
        value = self._search_path
        wanted = qualified.search_path_schemas(value or "", self.info.user) if value else []
        existing = {
            row[0]
            for row in self._cursor.execute(
                "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()"
            ).fetchall()
        }
        path = [s for s in dict.fromkeys(map(qualified.backend_schema, wanted)) if s in existing]
        if not path:
            self._cursor.execute("RESET search_path")
            return
        text = ",".join('"' + s.replace('"', '""') + '"' for s in path).replace("'", "''")
        self._cursor.execute(f"SET search_path = '{text}'")

    def _backend_text(self, sql: str) -> str:
        """`sql` with PostgreSQL's qualified names as DuckDB knows them (see `qualified`)."""
        return qualified.rewrite(sql, self.info.database) or sql

    def _parse(self, sql: str) -> list[Any]:
        statements = self._statements.get(sql)
        if statements is None:
            text = drop_only(self._backend_text(sql))  # DuckDB has no inheritance
            if text[:40].lstrip().upper().startswith("DROP"):  # DuckDB drops one at a time
                text = qualified.drop_schemas_one_by_one(text) or text
            rewritten = ddl.rewrite(text)  # serial, identity, jsonb: see ddl.py
            if rewritten is None:
                statements = self._cursor.extract_statements(text)
            else:
                made = [self._cursor.extract_statements(s)[0] for s in rewritten.sequences]
                statements = made + self._cursor.extract_statements(rewritten.text)
            if len(self._statements) >= _STATEMENT_CACHE:
                self._statements.clear()
            self._statements[sql] = statements
        return statements

    def _drain(self) -> None:
        """Buffer what is left of a result still being streamed: the cursor is needed again."""
        stream, self._open = self._open, None
        if stream is not None and not stream.done:
            stream.buffered.extend(self._fetch(stream, None))
            stream.done = True

    def _fetch(self, stream: _Stream, count: int | None) -> list[Row]:
        rows = self._cursor.fetchall() if count is None else self._cursor.fetchmany(count)
        converters = stream.converters
        if converters is not None and rows:
            rows = [
                tuple(value if convert is None else convert(value)
                      for convert, value in zip(converters, row, strict=True))
                for row in rows
            ]  # fmt: skip
        return rows

    def _translate(self, sql: str) -> str:
        """`sql` with PostgreSQL's meaning on DuckDB (see dialect/), its macros made."""
        translation = dialect.translate(sql, self._dialect)
        for create in translation.macros:
            if create not in self._macros:
                self._cursor.execute(create)
                self._macros.add(create)
        return translation.text

    def _execute(self, sql: str, params: list[Any] | None = None) -> _Outcome:
        self._drain()
        sql = self._translate(sql)
        if sql[:16].lstrip()[:5].upper() == "ALTER":  # before DuckDB's parser refuses it
            altered = self._alter(sql)
            if altered is not None:
                return altered
        statements = self._parse(sql)
        if not statements:
            return _Outcome(command="")
        kind: str = statements[-1].type.name
        if kind in SCHEMA_CHANGES:
            self._schema_changes()
        if kind == "TRANSACTION":
            verb = transaction_verb(sql)
            if verb in ("COMMIT", "ROLLBACK"):
                self._in_transaction = False  # a failed COMMIT ends it too
                if verb == "ROLLBACK":
                    self._macros.clear()  # made in the transaction, they are gone with it
                if self._changed_schema:  # other sessions see it now (or never)
                    self._schema.bump()
                    self._changed_schema = False
            outcome = self._run_statements(statements, sql, params)
            if verb == "BEGIN":
                self._in_transaction = True
            elif self._schemas_changed:
                self._schemas_changed = False
                self._apply_search_path()  # a schema of the path may be gone or come back
            return outcome
        if kind in ("INSERT", "UPDATE"):
            identity.check(self._cursor, self._tables, sql)
            filled = with_column_list(sql, self._tables, self._cursor)
            if filled is not None:
                statements = self._parse(filled)
        owned: list[str] = []
        if kind == "DROP":
            owned = self._owned_sequences(ddl.dropped_tables(self._backend_text(sql)))
        if self._in_transaction:  # the client's transaction holds table and sequences
            outcome = self._run_statements(statements, sql, params)
            for sequence in owned:
                self._cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")
            self._schema_statement_ran(sql)
            return outcome
        if len(statements) == 1 and not owned:
            outcome = self._run_statements(statements, sql, params)
            self._schema_statement_ran(sql)
            return outcome
        # A table and its sequences are created (or dropped) together or not at all.
        self._cursor.begin()
        try:
            outcome = self._run_statements(statements, sql, params)
            for sequence in owned:
                self._cursor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")
            self._cursor.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                self._cursor.rollback()
            raise
        self._schema_statement_ran(sql)
        return outcome

    def _schema_changes(self) -> None:
        """A statement changes the schema: what the sessions keep about it is read again
        (and again when the transaction ends, if it is inside one)."""
        self._schema.bump()
        self._changed_schema = self._changed_schema or self._in_transaction

    def _alter(self, sql: str) -> _Outcome | None:
        """An ALTER TABLE that DuckDB cannot run as written, done here (see alter.py); None
        when DuckDB runs it."""
        sql = self._backend_text(sql)
        rewritten = ddl.rewrite(sql)
        statement = alter.parse(sql if rewritten is None else rewritten.text)
        if statement is None:
            return None
        self._schema_changes()
        if self._in_transaction:
            done = alter.run(self._cursor, statement)
        else:
            self._cursor.begin()
            try:
                done = alter.run(self._cursor, statement)
                self._cursor.commit()
            except BaseException:
                with contextlib.suppress(duckdb.Error):
                    self._cursor.rollback()
                raise
        return _Outcome(command=command_tag_for("ALTER", sql, None)) if done else None

    def _schema_statement_ran(self, sql: str) -> None:
        """After CREATE or DROP SCHEMA: the search_path again, as PostgreSQL looks it up on
        every use; once more when the transaction ends (a rollback undoes the schema)."""
        if self._search_path is not None and leading_words(sql, 2)[1:] == ["SCHEMA"]:
            self._schemas_changed = self._schemas_changed or self._in_transaction
            self._apply_search_path()

    def _owned_sequences(self, tables: list[tuple[str | None, str]]) -> list[str]:
        """The sequences that columns of `tables` own (see `ddl.owned_sequence`), quoted."""
        if not tables:
            return []
        rows = self._cursor.execute(
            "SELECT database_name, schema_name, table_name, column_name, column_default "
            "FROM duckdb_columns() WHERE column_default LIKE 'nextval(%' AND NOT internal"
        ).fetchall()
        dropped = {name for _, name in tables}
        schemas = {name: schema for schema, name in tables}
        owned = []
        for database, schema, table, column, default in rows:
            if table not in dropped or schemas[table] not in (None, schema):
                continue
            sequence = ddl.owned_sequence(table, column, default)
            if sequence is not None:
                if "." not in sequence:
                    sequence = f"{ddl.quote_ident(schema)}.{sequence}"
                owned.append(f"{ddl.quote_ident(database)}.{sequence}")
        return owned

    def _run_statements(
        self, statements: list[Any], sql: str, params: list[Any] | None
    ) -> _Outcome:
        cursor = self._cursor
        for statement in statements[:-1]:  # the session splits; DuckDB may still see several
            cursor.execute(statement)
        statement = statements[-1]
        cursor.execute(statement, params)
        kind: str = statement.type.name
        description = cursor.description
        if not description:
            return _Outcome(command=command_tag_for(kind, sql, None))
        if len(description) == 1:
            only_name, only_type = description[0][0], str(description[0][1])
            if (
                only_name == "Success"
                and only_type == "BOOLEAN"
                and kind not in ("SELECT", "EXECUTE")
            ):
                return _Outcome(command=command_tag_for(kind, sql, None))
            # Without RETURNING, DuckDB answers DML with one BIGINT column "Count".
            if only_name == "Count" and only_type == "BIGINT" and kind in COUNTED_TYPES:
                row = cursor.fetchone()
                return _Outcome(command=command_tag_for(kind, sql, None if row is None else row[0]))
        columns = []
        for name, duck_type, *_ in description:
            oid, typmod = pg_type(duck_type, self._enums)
            columns.append(Column(name, oid, typmod))
        stream = _Stream(self._batch_rows)
        if kind == "SELECT":
            self._fix_intervals(statement, description, stream, params)
        if any(column.type_oid in _RECORDS for column in columns):
            _convert_structs(stream, description)
        verb = ROW_VERBS.get(kind, "SELECT")
        if kind == "SELECT" and statement.query[:4].upper() == "SHOW":  # leading comments gone
            verb = "SHOW"
        elif kind == "EXPLAIN":
            verb = "EXPLAIN"
        first = self._fetch(stream, stream.batch_rows)
        stream.done = len(first) < stream.batch_rows
        if not stream.done:
            self._open = stream
        return _Outcome(columns=columns, first=first, stream=stream, verb=verb)

    def _describe(self, sql: str, types: list[int]) -> Description | None:
        self._drain()
        client_sql = sql
        sql = self._translate(sql)
        if sql[:16].lstrip()[:5].upper() == "ALTER" and alter.parse(sql) is not None:
            return None  # no result; some actions DuckDB's parser refuses are run here
        try:
            statements = self._parse(sql)
        except duckdb.Error as exc:
            raise to_pg_error(exc, sql) from None
        sql = self._backend_text(sql)
        rewritten = ddl.rewrite(sql)
        if rewritten is not None:
            sql = rewritten.text
            statements = statements[len(rewritten.sequences) :]  # the table's own statement
        filled = with_column_list(sql, self._tables, self._cursor)
        if filled is not None:  # described as it will run
            sql, statements = filled, self._cursor.extract_statements(filled)
        described = describe(self._cursor, sql, statements, types, self._enums)
        if described is not None and described.columns:
            named = _named(list(described.columns), client_sql)
            described.columns = json_columns(named, client_sql, types)
        return described

    def _fix_intervals(
        self,
        statement: Any,
        description: Sequence[Any],
        stream: _Stream,
        params: list[Any] | None = None,
    ) -> None:
        """Re-run a SELECT with its intervals split into parts (see the package docstring)."""
        exprs = []
        converters: list[Callable[[Any], Any] | None] = []
        for i, (_name, duck_type, *_) in enumerate(description, start=1):
            fixed = interval_sql(f"#{i}", duck_type)
            exprs.append(fixed or f"#{i}")
            converters.append(interval_converter(duck_type) if fixed else None)
        if not any(converters):
            return
        inner = statement.query.strip().rstrip(";").rstrip()
        wrapped = f"SELECT {', '.join(exprs)} FROM (\n{inner}\n) AS _pgwire_q"
        try:
            self._cursor.execute(wrapped, params)
        except duckdb.Error:
            self._cursor.execute(statement, params)  # cannot wrap it: intervals stay approximate
            return
        stream.converters = converters

    # -- streaming -----------------------------------------------------------------------------

    async def _batches(self, outcome: _Outcome, sql: str) -> AsyncIterator[list[Row]]:
        stream = outcome.stream
        assert stream is not None
        try:
            if outcome.first:
                yield outcome.first
            outcome.first = []
            while not stream.done or stream.buffered:
                if stream.buffered:
                    rows, stream.buffered = stream.buffered, []
                    yield rows
                    continue
                try:
                    rows = await self._run(self._fetch_next, stream)
                except duckdb.Error as exc:
                    raise to_pg_error(exc, sql) from None
                if rows:
                    yield rows
        finally:
            # Abandoned (client gone, error while sending): nothing will read the rest, so
            # the next statement must not buffer it.
            if self._open is stream:
                self._open = None

    def _fetch_next(self, stream: _Stream) -> list[Row]:
        if stream.done:  # drained by another statement meanwhile: rows are in the buffer
            return []
        rows = self._fetch(stream, stream.batch_rows)
        if len(rows) < stream.batch_rows:
            stream.done = True
            if self._open is stream:
                self._open = None
        return rows

    # -- COPY FROM STDIN -----------------------------------------------------------------------

    async def copy_in(
        self,
        table: str,
        columns: Sequence[Column],
        rows: AsyncIterator[Sequence[Sequence[Any]]],
    ) -> int:
        """Load through DuckDB's appender: each batch is appended in the worker thread while the
        event loop parses the next one, and flushed (one INSERT of the rows buffered, inside the
        session's transaction) every COPY_FLUSH_ROWS rows and at the end. The library's hidden
        transaction makes the load all or nothing."""
        convert = copy_converter(columns)
        try:
            table = qualified.relation(table, self.info.database)
            appender = await self._run(self._copy_appender, table, [c.name for c in columns])
        except duckdb.Error as exc:
            raise to_pg_error(exc) from None
        return await append_rows(appender, rows, convert, EXECUTOR, self._cursor.interrupt)

    def _copy_appender(self, table: str, names: list[str]) -> Any:
        self._drain()
        return self._cursor.appender(table, columns=names)
