"""DuckDB's own catalog as a Snapshot, and the catalog emulation for a DuckDB session.

Read through the session's own connection, inside its transaction: a table the client created
in an open transaction is in its snapshot, one that another client has not committed is not.
Only the session's default database is described (other ATTACHed databases are not); its
temporary objects appear in the schema `temp`, which DuckDB resolves (`temp.t`). DuckDB's
default schema `main` is PostgreSQL's `public` (see `pgwire.backends.qualified`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pgwire.backends.catalog import model
from pgwire.backends.catalog.engine import CatalogEngine, CatalogResult, CatalogSession
from pgwire.backends.duckdb.constraints import pg_constraint_name
from pgwire.backends.qualified import DEFAULT_SCHEMA, PUBLIC, search_path_schemas
from pgwire.handler import SessionInfo

TypeOf = Callable[[str], tuple[int, int]]  # DuckDB type name → (PostgreSQL OID, typmod)

TEMP_SCHEMA = "temp"
_CONSTRAINT_KINDS = {"PRIMARY KEY": model.PK, "UNIQUE": model.UNIQUE,
                     "FOREIGN KEY": model.FOREIGN_KEY, "CHECK": model.CHECK}  # fmt: skip
_VIEW_QUERY = re.compile(
    r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?VIEW\s+.+?\s+AS\s+(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_QUOTED = re.compile(r'^"((?:[^"]|"")+)"$')


def snapshot(
    conn: Any, type_of: TypeOf, search_path: Sequence[str] | None = None
) -> model.Snapshot:
    """The catalog of `conn`'s default database (and its temporary objects); its search
    path is the schemas of `search_path` (PostgreSQL's) that exist, else DuckDB's own."""
    database, current = conn.execute("SELECT current_database(), current_schema()").fetchone()
    where = "database_name = ? OR database_name = 'temp'"
    dbs = [database]

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return list(conn.execute(sql, dbs).fetchall())

    def schema_of(db: str, name: str) -> str:
        return TEMP_SCHEMA if db == "temp" else _pg_schema(name)

    schemas = [
        model.Schema(_pg_schema(name), comment)
        for name, comment in rows(
            "SELECT schema_name, comment FROM duckdb_schemas() WHERE database_name = ? "
            "ORDER BY schema_name"
        )
    ]
    columns: dict[tuple[str, str], list[model.Column]] = {}
    for db, schema, table, name, default, nullable, data_type, comment in rows(
        "SELECT database_name, schema_name, table_name, column_name, column_default, "
        f"is_nullable, data_type, comment FROM duckdb_columns() WHERE {where} "
        "ORDER BY database_name, schema_name, table_name, column_index"
    ):
        oid, typmod = type_of(data_type)
        columns.setdefault((schema_of(db, schema), table), []).append(
            model.Column(name, oid, typmod, not nullable, _pg_default(default), comment)
        )
    constraints: dict[tuple[str, str], list[model.Constraint]] = {}
    for db, schema, table, kind, _name, names, expression, ref_table, ref_names in rows(
        "SELECT database_name, schema_name, table_name, constraint_type, constraint_name, "
        "constraint_column_names, expression, referenced_table, referenced_column_names "
        f"FROM duckdb_constraints() WHERE ({where}) AND constraint_type <> 'NOT NULL' "
        "ORDER BY constraint_index"
    ):
        code = _CONSTRAINT_KINDS.get(kind)
        if code is None:
            continue
        key = (schema_of(db, schema), table)
        constraints.setdefault(key, []).append(
            model.Constraint(
                pg_constraint_name(table, kind, names),
                code,
                tuple(names),
                expression=expression,
                ref_schema=key[0] if ref_table else None,
                ref_table=ref_table,
                ref_columns=tuple(ref_names or ()),
            )
        )
    indexes: dict[tuple[str, str], list[model.Index]] = {}
    for db, schema, table, name, unique, primary, expressions in rows(
        "SELECT database_name, schema_name, table_name, index_name, is_unique, is_primary, "
        f"TRY_CAST(expressions AS VARCHAR[]) FROM duckdb_indexes() WHERE {where} "
        "ORDER BY index_name"
    ):
        key = (schema_of(db, schema), table)
        indexes.setdefault(key, []).append(
            model.Index(name, tuple(_index_column(e) for e in expressions or ()), unique, primary)
        )
    relations = []
    for db, schema, table, comment, temporary in rows(
        "SELECT database_name, schema_name, table_name, comment, temporary FROM duckdb_tables() "
        f"WHERE {where} ORDER BY schema_name, table_name"
    ):
        key = (schema_of(db, schema), table)
        relations.append(
            model.Relation(
                key[0], table, "r", tuple(columns.get(key, ())), tuple(indexes.get(key, ())),
                tuple(constraints.get(key, ())), comment, temporary=temporary,
            )
        )  # fmt: skip
    for db, schema, view, sql, comment, temporary in rows(
        "SELECT database_name, schema_name, view_name, sql, comment, temporary FROM "
        f"duckdb_views() WHERE NOT internal AND ({where}) ORDER BY schema_name, view_name"
    ):
        key = (schema_of(db, schema), view)
        found = _VIEW_QUERY.match(sql or "")
        definition = " " + (found.group(1) if found else (sql or "")).strip()
        relations.append(
            model.Relation(
                key[0], view, "v", tuple(columns.get(key, ())), comment=comment,
                definition=definition, temporary=temporary,
            )
        )  # fmt: skip
    for db, schema, name, comment, temporary, *options in rows(
        "SELECT database_name, schema_name, sequence_name, comment, temporary, start_value, "
        "increment_by, min_value, max_value, cycle FROM "
        f"duckdb_sequences() WHERE {where} ORDER BY schema_name, sequence_name"
    ):
        relations.append(
            model.Relation(
                schema_of(db, schema), name, "S", comment=comment, temporary=temporary,
                sequence=model.SequenceOptions(*options),
            )
        )  # fmt: skip
    functions = []
    for schema, name, kind, parameters, parameter_types, definition, comment in rows(
        "SELECT schema_name, function_name, function_type, parameters, parameter_types, "
        "macro_definition, comment FROM duckdb_functions() WHERE NOT internal "
        "AND database_name = ? AND function_type IN ('macro', 'table_macro') "
        "ORDER BY schema_name, function_name"
    ):
        types = tuple(type_of(t)[0] if t else 0 for t in parameter_types or ())
        functions.append(
            model.Function(
                _pg_schema(schema), name, tuple(parameters or ()), types,
                returns_set=kind == "table_macro", source=definition or "", comment=comment,
            )
        )  # fmt: skip
    enums = [
        model.Enum(_pg_schema(schema), name, tuple(labels or ()), comment)
        for schema, name, labels, comment in rows(
            "SELECT schema_name, type_name, labels, comment FROM duckdb_types() "
            "WHERE NOT internal AND logical_type = 'ENUM' AND database_name = ? "
            "ORDER BY schema_name, type_name"
        )
    ]
    if any(r.schema == TEMP_SCHEMA for r in relations):
        schemas.append(model.Schema(TEMP_SCHEMA))
    if search_path is None:
        path = [_pg_schema(s) for s in [current, *_search_path(conn, database, current)]]
    else:
        names = {schema.name for schema in schemas}
        path = [s for s in search_path if s in names]
    path.append(TEMP_SCHEMA)
    settings = tuple(
        (str(name), str(value), str(description or ""))
        for name, value, description in conn.execute(
            "SELECT name, value, description FROM duckdb_settings() WHERE value IS NOT NULL"
        ).fetchall()
    )
    return model.Snapshot(
        tuple(schemas), tuple(relations), tuple(functions), tuple(enums),
        tuple(dict.fromkeys(path)), settings,
    )  # fmt: skip


def activity(conn: Any) -> model.Activity:
    """DuckDB's transaction id (txid_current(): the same within a transaction, increasing
    across them) and size estimates: a table's estimated rows times a row width guessed from its
    column types (8 bytes a fixed-width value, 32 a string or nested one, 24 a row), its
    indexes 16 bytes a row each; the database, the larger of that sum and its used blocks.
    Rows written in the open transaction count once it commits."""
    (xid,) = conn.execute("SELECT txid_current()").fetchone()
    database = conn.execute("SELECT current_database()").fetchone()[0]
    relations = tuple(
        (TEMP_SCHEMA if db == "temp" else _pg_schema(schema), name, int(table), int(index))
        for db, schema, name, table, index in conn.execute(
            "SELECT t.database_name, t.schema_name, t.table_name, t.estimated_size * (24 + "
            "coalesce((SELECT sum(CASE WHEN c.data_type IN ('VARCHAR', 'BLOB', 'JSON') OR "
            "c.data_type LIKE '%[]' OR c.data_type LIKE 'STRUCT%' OR c.data_type LIKE 'MAP%' "
            "THEN 32 ELSE 8 END) FROM duckdb_columns() c WHERE c.table_oid = t.table_oid), 0)), "
            "t.estimated_size * 16 * t.index_count "
            "FROM duckdb_tables() t WHERE t.database_name = ? OR t.database_name = 'temp'",
            [database],
        ).fetchall()
    )
    used = 0
    row = conn.execute(
        "SELECT used_blocks * block_size FROM pragma_database_size() WHERE database_name = ?",
        [database],
    ).fetchone()
    if row is not None and row[0] is not None:
        used = int(row[0])
    total = sum(table + index for _, _, table, index in relations)
    return model.Activity(int(xid), max(used, total, 8192), relations)


def _pg_schema(name: str) -> str:
    return PUBLIC if name == DEFAULT_SCHEMA else name


_MAIN_SEQUENCE = f"nextval('{DEFAULT_SCHEMA}."


def _pg_default(default: str | None) -> str | None:
    """A column default as PostgreSQL names it: a sequence of public, not main."""
    if default is not None and default.startswith(_MAIN_SEQUENCE):
        return f"nextval('{PUBLIC}." + default[len(_MAIN_SEQUENCE) :]
    return default


def _index_column(expression: str) -> str:
    """An index expression: a column's name when it is just a column, else the expression."""
    text = expression.strip()
    quoted = _QUOTED.match(text)
    if quoted:
        return quoted.group(1).replace('""', '"')
    return text


def _search_path(conn: Any, database: str, current: str) -> list[str]:
    """Schemas of the default database on DuckDB's search_path, besides the current one."""
    row = conn.execute("SELECT current_setting('search_path')").fetchone()
    out = []
    for entry in str(row[0] if row else "").split(","):
        entry = entry.strip().strip('"')
        if not entry:
            continue
        db, _, schema = entry.rpartition(".")
        if db in ("", database):
            out.append(schema)
    return out


class DuckDBCatalog:
    """The catalog emulation for one DuckDB session (created on its first catalog query)."""

    def __init__(self, info: SessionInfo, type_of: TypeOf, backend: str) -> None:
        self._state = model.SessionState(
            user=info.user,
            database=info.database,
            process_id=info.process_id,
            server_version=info.server_version,
            backend=backend,
            settings={k.lower(): v for k, v in info.parameters.items() if k not in _STARTUP},
            locks=info.locks,
        )
        self._type_of = type_of
        self._session: CatalogSession | None = None
        self._search_path: list[str] | None = None  # PostgreSQL's, once set

    def set_parameter(self, name: str, value: str | None) -> None:
        if name.lower() == "search_path":
            self._search_path = search_path_schemas(value, self._state.user) if value else None
        if self._session is not None:
            self._session.set_setting(name, value)
        elif value is None:
            self._state.settings.pop(name.lower(), None)
        else:
            self._state.settings[name.lower()] = value

    def run(self, conn: Any, sql: str) -> CatalogResult:
        """Run a catalog query (blocking, on `conn`'s worker thread); raises PgError or
        NotCatalog."""
        if self._session is None:
            self._session = CatalogEngine.shared().session(self._state)
        return self._session.run(
            sql,
            lambda: snapshot(conn, self._type_of, self._search_path),
            lambda: activity(conn),
        )

    def interrupt(self) -> None:
        if self._session is not None:
            self._session.interrupt()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


_STARTUP = frozenset({"user", "database", "options", "replication"})
