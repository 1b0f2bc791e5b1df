"""Running catalog queries: a private in-memory DuckDB database holds the emulated catalog.

    engine = CatalogEngine.shared()                 # one per process, laid out once
    session = engine.session(SessionState("me", "db", process_id=42))
    rows = session.run(sql, snapshot_of_my_backend)  # blocking: call it off the event loop
    session.close()

Any backend can use it: it only needs a `Snapshot` of the backend's catalog (model.py). The
database is the engine's own, never the backend's: a client's catalog query cannot touch the
backend's data or transaction, and a catalog query that fails leaves nothing behind. External
access (files, extensions) is off in it.

A catalog query the emulation does not cover fails with PostgreSQL's error for what is missing
(42P01 relation, 42883 function, 42704 type, 42703 column, else 0A000), naming it, and is
logged at WARNING with the query so that it can be added. A query that turns out to read a
relation that is not the catalog's raises `NotCatalog`: the backend runs it itself.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pgwire import sqlstate
from pgwire.backends.catalog import build, coltypes, pg15, schema, sqltext
from pgwire.backends.catalog.model import Activity, SessionState, Snapshot
from pgwire.errors import PgError
from pgwire.handler import Column
from pgwire.types import oids

__all__ = ["CatalogEngine", "CatalogResult", "CatalogSession", "NotCatalog"]

log = logging.getLogger("pgwire.catalog")


class NotCatalog(Exception):
    """The statement reads relations that are not the catalog's: the backend's business."""


@dataclass(slots=True)
class CatalogResult:
    columns: list[Column]
    rows: list[tuple[Any, ...]]


# DuckDB result types → PostgreSQL type OIDs (catalog results hold only these).
_RESULT_TYPES = {
    "BOOLEAN": oids.BOOL, "TINYINT": oids.INT2, "SMALLINT": oids.INT2, "INTEGER": oids.INT4,
    "BIGINT": oids.INT8, "HUGEINT": oids.NUMERIC, "UTINYINT": oids.INT2,
    "USMALLINT": oids.INT4, "UINTEGER": oids.INT8, "UBIGINT": oids.NUMERIC,
    "FLOAT": oids.FLOAT4, "DOUBLE": oids.FLOAT8, "VARCHAR": oids.TEXT, "BLOB": oids.BYTEA,
    "DATE": oids.DATE, "TIME": oids.TIME, "TIMESTAMP": oids.TIMESTAMP,
    "TIMESTAMP WITH TIME ZONE": oids.TIMESTAMPTZ, "INTERVAL": oids.INTERVAL,
    "UUID": oids.UUID, "JSON": oids.JSON, "\"NULL\"": oids.TEXT,
}  # fmt: skip


def _result_type(duck_type: Any) -> int:
    text = str(duck_type)
    if text.endswith("[]"):
        element = _result_type(text[:-2])
        return oids.ARRAY_OF.get(element, oids.TEXT_ARRAY)
    if text.startswith("DECIMAL"):
        return oids.NUMERIC
    return _RESULT_TYPES.get(text, oids.TEXT)


class CatalogEngine:
    """The process's catalog database: PostgreSQL's built-ins, tables, views, functions."""

    _shared: ClassVar[CatalogEngine | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        import duckdb  # the engine's dependency, whichever backend uses it

        self._duckdb = duckdb
        self._db = duckdb.connect(
            ":memory:",
            config={
                "threads": 1,
                "memory_limit": "256MB",
                "enable_external_access": False,
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
            },
        )
        self._db.execute("SET python_enable_replacements = false")
        self._type_spellings = build.builtin_type_spellings()
        self._lock = threading.Lock()
        self._lay_out()

    @classmethod
    def shared(cls) -> CatalogEngine:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def session(self, state: SessionState) -> CatalogSession:
        with self._lock:
            cursor = self._db.cursor()
        return CatalogSession(self, cursor, state)

    def _lay_out(self) -> None:
        db = self._db
        for statement in schema.types() + schema.tables():
            db.execute(statement)
        type_names = self._type_spellings
        static = build.static_rows()
        static["pgwire_builtin_type"] = build.builtin_types()
        static["pgwire_builtin_typename"] = build.builtin_type_names()
        static["pgwire_builtin_proc"] = build.builtin_procs()
        static["pgwire_builtin_procdef"] = build.builtin_proc_defs(type_names)
        for table, rows in static.items():
            _insert(db, f"main.{table}", build.columns_of(table), rows)
        keywords = [
            dict(zip(("word", "catcode", "barelabel", "catdesc", "baredesc"), k, strict=True))
            for k in pg15.KEYWORDS
        ]
        keyword_columns = (("word", "VARCHAR"), ("catcode", "VARCHAR"),
                           ("barelabel", "BOOLEAN"), ("catdesc", "VARCHAR"),
                           ("baredesc", "VARCHAR"))  # fmt: skip
        _insert(db, f"main.{schema.KEYWORDS_TABLE}", keyword_columns, keywords)
        for statement in schema.union_views() + schema.macros() + schema.views():
            db.execute(statement)


class CatalogSession:
    """One client session's view of the catalog: its snapshot, its settings, its queries."""

    def __init__(self, engine: CatalogEngine, cursor: Any, state: SessionState) -> None:
        self.state = state
        self._engine = engine
        self._cursor = cursor
        self._loaded: tuple[Any, ...] | None = None
        self._activity: Activity | None = None
        self._filled: set[str] = set()
        cursor.execute("SET python_enable_replacements = false")
        for statement in schema.temp_tables():
            cursor.execute(statement)

    def set_setting(self, name: str, value: str | None) -> None:
        """A session parameter changed (None: reset to its default)."""
        if value is None:
            self.state.settings.pop(name.lower(), None)
        else:
            self.state.settings[name.lower()] = value

    def run(
        self,
        sql: str,
        snapshot: Callable[[], Snapshot],
        activity: Callable[[], Activity] | None = None,
    ) -> CatalogResult:
        """Run one catalog query; blocking. Raises PgError, or NotCatalog (see the module).
        `activity` is read only when the query calls a function that reports it."""
        rewritten = sqltext.rewrite(sql)
        self._load(snapshot())
        duckdb = self._engine._duckdb
        try:
            if activity is not None and _ACTIVITY_CALL.search(sql):
                self._load_activity(activity())
            if _LOCKS_READ.search(sql):
                self._load_locks()
            self._cursor.execute(rewritten)
            description = self._cursor.description or []
            rows = self._cursor.fetchall() if description else []
        except duckdb.Error as exc:
            refused = _REFUSED.search(str(exc))
            if refused:
                raise PgError(refused.group(1), sqlstate.FEATURE_NOT_SUPPORTED) from None
            raise self._error(exc, sql, rewritten) from None
        shows = coltypes.result_types(sql)
        columns = []
        for name, duck_type, *_ in description:
            oid = _result_type(duck_type)
            # PostgreSQL's type for a catalog column (oid, name, "char", oid[], int2vector):
            # the same values, described as PostgreSQL describes them
            shown = shows.type_of(name)
            if shown is None and name != name.lower():
                shown = shows.type_of(name.lower())
            if shown is not None and coltypes.stored(shown) == oid:
                oid = shown
            columns.append(Column(name, oid))
        return CatalogResult(columns, rows)

    def interrupt(self) -> None:
        """Stop the query running now, if any (a cancel request): it fails with an error."""
        with contextlib.suppress(self._engine._duckdb.Error):
            self._cursor.interrupt()

    def close(self) -> None:
        with contextlib.suppress(self._engine._duckdb.Error):
            self._cursor.close()

    # -- loading a snapshot

    def _load(self, snapshot: Snapshot) -> None:
        state = self.state
        key = (snapshot, tuple(sorted(state.settings.items())), state.user, state.database,
               state.process_id, state.server_version, state.backend)  # fmt: skip
        if key == self._loaded:
            return
        built = build.build(snapshot, state, self._engine._type_spellings)
        cursor = self._cursor
        cursor.execute("BEGIN")
        try:
            for table in schema.DYNAMIC:
                if table in self._filled:
                    cursor.execute(f"DELETE FROM temp.{table}")
                    self._filled.discard(table)
                rows = built.tables.get(table)
                if rows:
                    _insert(cursor, f"temp.{table}", build.columns_of(table), rows)
                    self._filled.add(table)
            session = built.tables["pgwire_session"][0]
            for statement in _session_macros(session, built.tables["pg_settings"]):
                cursor.execute(statement)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            self._filled = set(schema.DYNAMIC)  # unsure what is left: clear it all next time
            self._loaded = None
            raise
        self._loaded = key

    def _load_activity(self, activity: Activity) -> None:
        if activity == self._activity:
            return
        self._activity = None
        cursor = self._cursor
        cursor.execute(f"DELETE FROM temp.{schema.STORAGE}")
        rows = [
            dict(
                zip(("schema_name", "relation_name", "table_bytes", "index_bytes"), r, strict=True)
            )
            for r in activity.relations
        ]
        _insert(cursor, f"temp.{schema.STORAGE}", build.columns_of(schema.STORAGE), rows)
        xid = int(activity.transaction_id)
        for name, body in (
            ("txid_current()", f"{xid}::BIGINT"),
            ("pg_current_xact_id()", f"{xid}::BIGINT"),
            ("pgwire_database_bytes()", f"{int(activity.database_bytes)}::BIGINT"),
        ):
            cursor.execute(f"CREATE OR REPLACE TEMP MACRO {name} AS {body}")
        self._activity = activity

    def _load_locks(self) -> None:
        cursor = self._cursor
        cursor.execute(f"DELETE FROM temp.{schema.LOCKS}")
        rows = [lock._asdict() for lock in self.state.locks()]
        for row in rows:
            row["database_name"] = row.pop("database")
        _insert(cursor, f"temp.{schema.LOCKS}", build.columns_of(schema.LOCKS), rows)

    # -- errors

    def _error(self, exc: Exception, sql: str, rewritten: str) -> PgError:
        text = str(exc)
        first = text.split("\n", 1)[0]
        first = re.sub(r"^[A-Za-z ]*Error: ", "", first)
        kind = type(exc).__name__
        raised = _RAISED.match(first)
        if raised:  # the emulation's own error(), e.g. a reg* input naming nothing
            return PgError(raised.group(2), raised.group(1))
        missing = _MISSING_TABLE.search(first)
        if missing:
            name = missing.group(1)
            if not _is_catalog_name(name):
                raise NotCatalog(name)
            return self._uncovered(
                f'relation "{_pg_name(name)}" does not exist', sqlstate.UNDEFINED_TABLE, sql,
                rewritten, f"pgwire's pg_catalog emulation has no {_pg_name(name)}.",
            )  # fmt: skip
        function = _MISSING_FUNCTION.search(first) or _NO_MATCH.search(first)
        if function:
            name = function.group(1)
            return self._uncovered(
                f"function {name}() does not exist", sqlstate.UNDEFINED_FUNCTION, sql,
                rewritten, f"pgwire's pg_catalog emulation has no function {name}().",
            )  # fmt: skip
        type_missing = _MISSING_TYPE.search(first)
        if type_missing:
            name = type_missing.group(1)
            return self._uncovered(
                f'type "{name}" does not exist', sqlstate.UNDEFINED_OBJECT, sql, rewritten,
                f"pgwire's pg_catalog emulation has no type {name}.",
            )  # fmt: skip
        column = _MISSING_COLUMN.search(first)
        if column:
            return self._uncovered(
                f'column "{column.group(1)}" does not exist', sqlstate.UNDEFINED_COLUMN, sql,
                rewritten, "pgwire's pg_catalog emulation may lack this column.",
            )  # fmt: skip
        if kind in ("ConversionException", "InvalidInputException", "OutOfRangeException"):
            return PgError(first, sqlstate.INVALID_TEXT_REPRESENTATION)
        return self._uncovered(
            f"catalog query not supported by pgwire's pg_catalog emulation: {first}",
            sqlstate.FEATURE_NOT_SUPPORTED, sql, rewritten, None,
        )  # fmt: skip

    def _uncovered(
        self, message: str, code: str, sql: str, rewritten: str, hint: str | None
    ) -> PgError:
        log.warning(
            "catalog query not covered (%s %s), session %s:\n%s\n-- as run in the catalog "
            "engine:\n%s",
            code, message, self.state.process_id, sql, rewritten,
        )  # fmt: skip
        return PgError(message, code, hint=hint)


# A query calling one of these reads the backend's model.Activity first.
_ACTIVITY_CALL = re.compile(
    r"\b(?:txid_current|pg_current_xact_id|pg_relation_size|pg_total_relation_size|"
    r"pg_table_size|pg_indexes_size|pg_database_size)\s*\(",
    re.IGNORECASE,
)
# A query naming pg_locks reads the front end's advisory locks first.
_LOCKS_READ = re.compile(r"\bpg_locks\b", re.IGNORECASE)
# A function that refuses what it cannot do (set_config() changing a parameter): 0A000.
_REFUSED = re.compile(r"pgwire refuses: ([^\n]*)")
_RAISED = re.compile(r"^([0-9A-Z]{5}):(.*)$", re.DOTALL)
_MISSING_TABLE = re.compile(r'^Table with name "?([^"!]+?)"? does not exist', re.IGNORECASE)
_MISSING_FUNCTION = re.compile(
    r'^(?:Scalar |Table |Aggregate |Pragma |Macro )?Function with name "?([^"!]+?)"? '
    r"does not exist",
    re.IGNORECASE,
)
_NO_MATCH = re.compile(r"^No function matches the given name and argument types '([^(']+)\(")
_MISSING_TYPE = re.compile(r'^Type with name "?([^"!]+?)"? does not exist', re.IGNORECASE)
_MISSING_COLUMN = re.compile(r'^Referenced column "?([^"!]+?)"? not found', re.IGNORECASE)


def _is_catalog_name(name: str) -> bool:
    bare = name.lower().rsplit(".", 1)[-1]
    return bare.startswith("pg_") or name.lower().startswith(
        (build.INFORMATION_SCHEMA, "pg_catalog", "information_schema")
    )


def _pg_name(name: str) -> str:
    """The relation's name as PostgreSQL would report it."""
    if name.startswith(build.INFORMATION_SCHEMA):
        return name.replace(build.INFORMATION_SCHEMA, "information_schema", 1)
    if name.startswith("pg_") and "." not in name:
        return f"pg_catalog.{name}"
    return name


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]::VARCHAR[]"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _session_macros(session: build.Row, settings: Sequence[build.Row]) -> list[str]:
    """The session's constants as TEMP macros (they shadow main's, which read pgwire_session):
    literals, so that they work where DuckDB allows no subquery (table function arguments)."""
    path = _literal(session["search_path"])
    values_map = ", ".join(
        f"{_literal(row['name'].lower())}: {_literal(row['setting'])}"
        for row in settings
        if row.get("setting") is not None
    )
    setting = f"MAP {{{values_map}}}[lower(_name)]"
    values = {
        "version()": _literal(session["version"]),
        "current_database()": _literal(session["database_name"]),
        "pgwire_current_user()": _literal(session["user_name"]),
        "current_schema()": f"({path})[1]",
        "current_schemas(_implicit)": (
            f"CASE WHEN _implicit THEN list_concat(['pg_catalog'], {path}) ELSE {path} END"
        ),
        "pg_backend_pid()": _literal(session["pid"]),
        "current_setting(_name)": f"{setting}, (_name, _missing_ok) AS {setting}",
    }
    return [f"CREATE OR REPLACE TEMP MACRO {name} AS {body}" for name, body in values.items()]


def _insert(
    conn: Any, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[build.Row]
) -> None:
    """Rows into `table` in one statement: one list parameter per column, unnested."""
    if not rows:
        return
    names = [name for name, _ in columns]
    fill = not table.split(".")[-1].startswith(build.INFORMATION_SCHEMA_PREFIX)
    data = build.columns_of_rows_for(columns, rows, fill)
    selects = ", ".join(f"unnest(?::{duck_type}[])" for _, duck_type in columns)
    quoted = ", ".join(f'"{name}"' for name in names)
    conn.execute(f"INSERT INTO {table} ({quoted}) SELECT {selects}", data)
