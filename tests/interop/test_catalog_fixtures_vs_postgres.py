"""Every captured client catalog query (tests/fixtures/catalog_queries) on PostgreSQL 15 and on
`pgwire serve` (DuckDB, and SQLite), over the same schema made by the same DDL: the answers
must be the same — column names, column types and rows.

What may differ is said here, not silenced:

- OIDs of user objects differ between servers: a value in an OID column (or an integer that
  is the OID of one of the server's user objects) is compared as the object it names;
- rows are compared as multisets (ties under ORDER BY come in any order);
- `SCHEMA_ALIASES`: DuckDB's schema `main` stands for PostgreSQL's `public`;
- `EXPECTED_DIFFERENCES`: the queries whose answers differ, each with the reason; they run as
  strict xfails, so one that starts to match must be taken off the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from pgwire.backends.catalog.sqltext import COMMENT, WS, tokenize  # noqa: E402
from tests.fixtures.catalog_queries import (  # noqa: E402
    OID_OF,
    PLACEHOLDER,
    Statement,
    load_all,
)
from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

# The same DDL on PostgreSQL and on the backend (what each backend keeps of it).
DDL = {
    "duckdb": [
        "CREATE TYPE mood AS ENUM ('sad', 'happy')",
        "CREATE TABLE items (id integer PRIMARY KEY, name varchar NOT NULL DEFAULT 'x', "
        "price numeric(10, 2), tags text[], created timestamptz, m mood)",
        "CREATE UNIQUE INDEX items_name ON items (name)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, item integer REFERENCES items (id), "
        "qty integer CHECK (qty > 0))",
        "CREATE VIEW cheap AS SELECT * FROM items WHERE price < 10",
        "COMMENT ON TABLE items IS 'things for sale'",
        "CREATE SCHEMA extra",
    ],
    "sqlite": [
        "CREATE TABLE items (id integer PRIMARY KEY, name varchar NOT NULL DEFAULT 'x', "
        "price numeric(10, 2), created timestamptz)",
        "CREATE UNIQUE INDEX items_name ON items (name)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, item integer REFERENCES items (id), "
        "qty integer CHECK (qty > 0))",
        "CREATE VIEW cheap AS SELECT * FROM items WHERE price < 10",
    ],
}

# DuckDB's default schema is `main`, PostgreSQL's `public`. Until the backend shows `main` as
# `public`, a schema name in a query's text or answer is read through this map: this is the
# one place that knows it (remove it when pgwire answers `public` itself).
SCHEMA_ALIASES: dict[str, str] = {}  # none since main shows as public on both backends

# Statements in the captures that are no catalog query: the front end answers them (SHOW),
# or they are the client's transaction control.
_NOT_QUERIES = ("show", "savepoint", "release")

FIRST_NORMAL_OID = 16384
OID_TYPES = {26, 2205, 2206, 24, 4089, 4096}  # oid, regclass, regtype, regproc, regnamespace...
OID_ARRAY_TYPES = {1028, 30}  # oid[], oidvector

# Why answers differ. Each names a limit of the emulation or of a backend, or a part of
# "main shown as public" still to come.
REG_AS_TEXT = (
    "a reg* cast shown as a name (c.oid::regclass) is described as text: sent as regclass, "
    "its binary form would have to be the OID"
)
NAME_AS_TEXT = (
    "an expression of type name (unnest() or ARRAY() of names, a name through a scalar "
    "subquery or a function, information_schema's sql_identifier columns) is described as "
    "text or text[]: coltypes.py does not follow it that far"
)
INT2VECTOR_POSITIONS = (
    "generate_series(1, n) over an int2vector's positions gives DuckDB's BIGINT; PostgreSQL's "
    "generate_series of int4 is int4"
)
ANYARRAY = "anyarray columns (attmissingval) are stored and described as text"
INTEGER_DIVISION = "current_setting(...)::int / 100: DuckDB's / divides integers to a double"
VARCHAR_AS_TEXT = "a ::varchar result is described as text (the emulation stores one string type)"
PREDEFINED_ROLES = (
    "PostgreSQL's predefined roles (pg_checkpoint, pg_read_all_data, ...) are not emulated: "
    "pg_roles holds the session's user"
)
ONE_DATABASE = (
    "pgwire serves one database: PostgreSQL also lists postgres, template0, template1 (and "
    "the cluster's other databases)"
)
SCHEMA_OWNER = (
    "PostgreSQL 15's public schema belongs to pg_database_owner; the backend's schema to the "
    "user (part of main shown as public)"
)
BOOTSTRAP_USER = (
    "OID 10, the bootstrap superuser owning the built-in objects, is the connected user in "
    "pgwire and postgres in PostgreSQL (with its ACLs)"
)
ROW_TYPES = (
    "no composite row type per table and view (pg_type rows, pg_class.reltype), nor "
    "PostgreSQL's own catalogs' row types"
)
BUILTINS = (
    "PostgreSQL's built-in objects are emulated only in part (information_schema's own views "
    "and functions, pg_proc, collations, conversions, operator classes, plpgsql, system "
    "indexes)"
)
STORAGE = "relation sizes are the backend's estimates, not PostgreSQL's pages"
NODE_TREE = "conbin/adbin hold the expression's text, not PostgreSQL's node tree"
DEPARSE = (
    "pg_get_viewdef() gives the view's query as written; PostgreSQL deparses it (qualified "
    "columns, casts)"
)
VERSION = "version() names pgwire and its backend"
SERVER_SETTINGS = (
    "server-level settings (unix_socket_directories) are pgwire's, not the reference cluster's"
)
NO_FUNCTION = (
    "the fixture names add_one(), which the shared DDL does not create (a DuckDB macro and a "
    "PostgreSQL function are not the same DDL)"
)
DUCKDB_NAMES = (
    "DuckDB names constraints itself (items_id_pkey, orders_item_id_fkey); PostgreSQL: "
    "items_pkey, orders_item_fkey"
)
INDEXDEF_QUALIFIED = (
    "pg_get_indexdef() always qualifies the table; PostgreSQL omits a schema on the search path"
)
STATISTICS = (
    "no planner statistics: reltuples stays -1 where PostgreSQL's autovacuum-free new table shows 0"
)
VARCHAR = (
    "DuckDB has one string type: varchar columns are text (format_type, defaults without "
    "::character varying)"
)
NULL_CONCAT = (
    "NULL || ARRAY(...) is NULL in DuckDB, the array in PostgreSQL (psql's reloptions list)"
)

FOREIGN_KEY_OPERATORS = (
    "a FOREIGN KEY's equality operators (conpfeqop, conppeqop, conffeqop) are not emulated"
)

DEFAULT_AS_WRITTEN = (
    "SQLite keeps a default as written: pg_get_expr() gives 'x' where PostgreSQL gives "
    "'x'::character varying"
)

# Queries whose answers differ, by the reason for the first difference (strict xfails):
# "backend:client/file#n".
EXPECTED_DIFFERENCES: dict[str, tuple[str, ...]] = {
    NAME_AS_TEXT: (
        "duckdb:dbeaver/navigator#31",
        "duckdb:grafana/datasource#4",
        "duckdb:pgcli/refresh#1",
        "duckdb:pgcli/refresh#8",
        "duckdb:pgcli/session#17",
        "duckdb:pgcli/session#25",
        "duckdb:pgcli/session#26",
        "duckdb:pgcli/session#4",
        "duckdb:pgcli/session#8",
        "duckdb:psql/d_plus_table#3",
        "duckdb:psql/d_table#3",
        "duckdb:psql/d_view#3",
        "duckdb:psql/du#1",
        "sqlite:dbeaver/navigator#31",
        "sqlite:grafana/datasource#4",
        "sqlite:pgcli/refresh#1",
        "sqlite:pgcli/refresh#8",
        "sqlite:pgcli/session#17",
        "sqlite:pgcli/session#25",
        "sqlite:pgcli/session#26",
        "sqlite:pgcli/session#4",
        "sqlite:pgcli/session#8",
        "sqlite:psql/d_plus_table#3",
        "sqlite:psql/d_table#3",
        "sqlite:psql/d_view#3",
        "sqlite:psql/du#1",
    ),
    BOOTSTRAP_USER: (
        "duckdb:dbeaver/navigator#10",
        "duckdb:dbeaver/navigator#27",
        "duckdb:dbeaver/navigator#28",
        "duckdb:dbeaver/navigator#30",
        "duckdb:dbeaver/navigator#7",
        "duckdb:dbeaver/navigator#8",
        "sqlite:dbeaver/navigator#10",
        "sqlite:dbeaver/navigator#27",
        "sqlite:dbeaver/navigator#28",
        "sqlite:dbeaver/navigator#30",
        "sqlite:dbeaver/navigator#7",
        "sqlite:dbeaver/navigator#8",
    ),
    ROW_TYPES: (
        "duckdb:dbeaver/navigator#11",
        "duckdb:dbeaver/navigator#12",
        "duckdb:jdbc/meta#12",
        "sqlite:dbeaver/navigator#11",
        "sqlite:dbeaver/navigator#12",
        "sqlite:jdbc/meta#12",
    ),
    STORAGE: (
        "duckdb:dbeaver/navigator#13",
        "sqlite:dbeaver/navigator#13",
        "sqlite:dbeaver/navigator#19",
    ),
    ANYARRAY: (
        "duckdb:dbeaver/navigator#14",
        "duckdb:dbeaver/navigator#15",
        "sqlite:dbeaver/navigator#14",
        "sqlite:dbeaver/navigator#15",
    ),
    DUCKDB_NAMES: (
        "duckdb:dbeaver/navigator#16",
        "duckdb:dbeaver/navigator#19",
        "duckdb:jdbc/meta#3",
        "duckdb:pgcli/session#18",
        "duckdb:psql/d_plus_table#4",
        "duckdb:psql/d_table#4",
    ),
    NODE_TREE: ("duckdb:dbeaver/navigator#17",),
    BUILTINS: (
        "duckdb:dbeaver/navigator#29",
        "duckdb:dbeaver/navigator#5",
        "duckdb:jdbc/meta#11",
        "duckdb:pgcli/refresh#3",
        "duckdb:pgcli/refresh#4",
        "duckdb:pgcli/refresh#5",
        "duckdb:pgcli/refresh#6",
        "duckdb:pgcli/session#10",
        "duckdb:pgcli/session#13",
        "duckdb:pgcli/session#6",
        "duckdb:pgcli/session#7",
        "duckdb:pgcli/session#9",
        "duckdb:sqlalchemy/inspect#16",
        "sqlite:dbeaver/navigator#29",
        "sqlite:dbeaver/navigator#5",
        "sqlite:jdbc/meta#11",
        "sqlite:jdbc/meta#3",
        "sqlite:pgcli/refresh#3",
        "sqlite:pgcli/refresh#4",
        "sqlite:pgcli/refresh#5",
        "sqlite:pgcli/refresh#6",
        "sqlite:pgcli/session#10",
        "sqlite:pgcli/session#13",
        "sqlite:pgcli/session#6",
        "sqlite:pgcli/session#7",
        "sqlite:pgcli/session#9",
        "sqlite:sqlalchemy/inspect#16",
    ),
    ONE_DATABASE: (
        "duckdb:dbeaver/navigator#4",
        "duckdb:pgcli/refresh#10",
        "duckdb:pgcli/refresh#9",
        "duckdb:pgcli/session#12",
        "duckdb:psql/l#1",
        "sqlite:dbeaver/navigator#4",
        "sqlite:pgcli/refresh#10",
        "sqlite:pgcli/refresh#9",
        "sqlite:pgcli/session#12",
        "sqlite:psql/l#1",
    ),
    PREDEFINED_ROLES: (
        "duckdb:dbeaver/navigator#9",
        "sqlite:dbeaver/navigator#9",
    ),
    INTEGER_DIVISION: (
        "duckdb:grafana/datasource#2",
        "sqlite:grafana/datasource#2",
    ),
    VARCHAR_AS_TEXT: (
        "duckdb:grafana/datasource#7",
        "duckdb:grafana/datasource#8",
        "sqlite:grafana/datasource#7",
        "sqlite:grafana/datasource#8",
    ),
    INT2VECTOR_POSITIONS: (
        "duckdb:jdbc/meta#8",
        "duckdb:jdbc/meta#9",
        "sqlite:jdbc/meta#8",
        "sqlite:jdbc/meta#9",
    ),
    STATISTICS: (
        "duckdb:metabase/sync#3",
        "sqlite:metabase/sync#3",
    ),
    VARCHAR: ("duckdb:metabase/sync#5", "duckdb:sqlalchemy/inspect#11"),
    DEFAULT_AS_WRITTEN: ("sqlite:sqlalchemy/inspect#11",),
    SERVER_SETTINGS: (
        "duckdb:pgcli/refresh#11",
        "sqlite:pgcli/refresh#11",
    ),
    DEPARSE: (
        "duckdb:pgcli/refresh#12",
        "sqlite:pgcli/refresh#12",
    ),
    NO_FUNCTION: (
        "duckdb:pgcli/refresh#13",
        "sqlite:pgcli/refresh#13",
    ),
    REG_AS_TEXT: (
        "duckdb:pgcli/session#20",
        "duckdb:pgcli/session#22",
        "duckdb:pgcli/session#23",
        "duckdb:psql/d_plus_table#10",
        "duckdb:psql/d_plus_table#11",
        "duckdb:psql/d_plus_table#12",
        "duckdb:psql/d_plus_table#5",
        "duckdb:psql/d_plus_table#6",
        "duckdb:psql/d_plus_table#8",
        "duckdb:psql/d_table#10",
        "duckdb:psql/d_table#11",
        "duckdb:psql/d_table#12",
        "duckdb:psql/d_table#5",
        "duckdb:psql/d_table#6",
        "duckdb:psql/d_table#8",
        "sqlite:pgcli/session#20",
        "sqlite:pgcli/session#22",
        "sqlite:pgcli/session#23",
        "sqlite:psql/d_plus_table#10",
        "sqlite:psql/d_plus_table#11",
        "sqlite:psql/d_plus_table#12",
        "sqlite:psql/d_plus_table#5",
        "sqlite:psql/d_plus_table#6",
        "sqlite:psql/d_plus_table#8",
        "sqlite:psql/d_table#10",
        "sqlite:psql/d_table#11",
        "sqlite:psql/d_table#12",
        "sqlite:psql/d_table#5",
        "sqlite:psql/d_table#6",
        "sqlite:psql/d_table#8",
    ),
    SCHEMA_OWNER: (
        "duckdb:pgcli/session#24",
        "duckdb:psql/dn#1",
        "sqlite:pgcli/session#24",
        "sqlite:psql/dn#1",
    ),
    NULL_CONCAT: (
        "duckdb:psql/d_plus_table#2",
        "sqlite:psql/d_plus_table#2",
    ),
    VERSION: (
        "duckdb:sqlalchemy/inspect#1",
        "sqlite:sqlalchemy/inspect#1",
    ),
    INDEXDEF_QUALIFIED: (
        "sqlite:pgcli/session#18",
        "sqlite:psql/d_plus_table#4",
        "sqlite:psql/d_table#4",
    ),
    FOREIGN_KEY_OPERATORS: ("sqlite:dbeaver/navigator#16", "sqlite:dbeaver/navigator#17"),
}
_EXPECTED = {case: reason for reason, cases in EXPECTED_DIFFERENCES.items() for case in cases}


@dataclass
class Target:
    name: str
    dsn: str
    objects: dict[int, str]  # OID → kind:name of the server's objects

    def query(self, sql: str) -> tuple[list[tuple[str, int]], list[tuple[Any, ...]]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cursor = conn.execute(sql)
            if cursor.description is None:
                return [], []
            columns = [(c.name, c.type_code) for c in cursor.description]
            return columns, cursor.fetchall()


_OBJECTS = """
SELECT oid::bigint, 'class:' || relname FROM pg_catalog.pg_class
UNION ALL SELECT oid::bigint, 'namespace:' || nspname FROM pg_catalog.pg_namespace
UNION ALL SELECT oid::bigint, 'type:' || typname FROM pg_catalog.pg_type
UNION ALL SELECT oid::bigint, 'constraint:' || conname FROM pg_catalog.pg_constraint
UNION ALL SELECT oid::bigint, 'proc:' || proname FROM pg_catalog.pg_proc
UNION ALL SELECT oid::bigint, 'database:' || datname FROM pg_catalog.pg_database
UNION ALL SELECT oid::bigint, 'role:' || rolname FROM pg_catalog.pg_roles
UNION ALL SELECT oid::bigint, 'enum:' || enumlabel FROM pg_catalog.pg_enum
UNION ALL SELECT oid::bigint, 'attrdef:' || adnum FROM pg_catalog.pg_attrdef
"""


def _target(name: str, dsn: str) -> Target:
    target = Target(name, dsn, {})
    _, rows = target.query(_OBJECTS)
    target.objects = {number: _unalias(label) for number, label in rows}
    return target


def _unalias(text: str) -> str:
    kind, _, name = text.partition(":")
    return f"{kind}:{SCHEMA_ALIASES.get(name, name)}"


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def targets(
    request: pytest.FixtureRequest,
    postgres15: TempPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Target, Target]]:
    """(PostgreSQL 15, pgwire) with the same objects, both owned by and used as `tester`."""
    backend = request.param
    database = f"fixtures_{backend}"
    postgres15.psql(
        "DO $$ BEGIN CREATE ROLE tester SUPERUSER LOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    postgres15.psql(f"DROP DATABASE IF EXISTS {database}")
    postgres15.psql(f"CREATE DATABASE {database} OWNER tester")
    pg_dsn = f"postgresql://tester@127.0.0.1:{postgres15.port}/{database}"
    path = tmp_path_factory.mktemp("fixtures") / f"db.{backend}"
    with ServerProcess(str(path)) as server:
        pgwire_dsn = f"postgresql://tester@127.0.0.1:{server.port}/{database}"
        for dsn in (pg_dsn, pgwire_dsn):
            with psycopg.connect(dsn, autocommit=True) as conn:
                for statement in DDL[backend]:
                    conn.execute(statement)
        yield _target("postgres", pg_dsn), _target(backend, pgwire_dsn)


def _sql_for(statement: Statement, target: Target) -> str:
    sql = statement.sql
    for number, literal in sorted(statement.parameters, reverse=True):  # $10 before $1
        sql = sql.replace(f"${number}", literal)
    for theirs, ours in SCHEMA_ALIASES.items():  # the fixtures name either
        if target.name == "postgres":
            sql = sql.replace(f"'{theirs}'", f"'{ours}'").replace(f"'{theirs}.", f"'{ours}.")
        else:
            sql = sql.replace(f"'{ours}'", f"'{theirs}'")
    for kind, name in set(PLACEHOLDER.findall(sql)):
        name_here = SCHEMA_ALIASES.get(name, name) if target.name == "postgres" else name
        lookup = OID_OF[kind].replace("$1", f"'{name_here}'")
        _, rows = target.query(lookup)
        sql = sql.replace(f"{{{{{kind}:{name}}}}}", str(rows[0][0] if rows else 0))
    return sql


def _normal(value: Any, type_oid: int, target: Target) -> Any:
    """A value as compared: OIDs as the objects they name, schema names through the map."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        # in an OID column any OID (PostgreSQL's public schema is 2200); elsewhere only those
        # of user objects, as small numbers are also counts and positions
        if (type_oid in OID_TYPES or value >= FIRST_NORMAL_OID) and value in target.objects:
            return target.objects[value]
        if type_oid in OID_TYPES and value >= FIRST_NORMAL_OID:
            return "<an OID of no object>"
        return value
    if isinstance(value, str):
        if type_oid in OID_ARRAY_TYPES:
            return [_normal(int(v), 26, target) for v in value.split()]
        if value in SCHEMA_ALIASES:
            return SCHEMA_ALIASES[value]
        for theirs, ours in SCHEMA_ALIASES.items():
            value = value.replace(f"{theirs}.", f"{ours}.")
        return value
    if isinstance(value, list):
        element_type = 26 if type_oid in OID_ARRAY_TYPES else 0
        return [_normal(v, element_type, target) for v in value]
    return value


def answer(statement: Statement, target: Target) -> tuple[list[tuple[str, int]], list[Any]]:
    columns, rows = target.query(_sql_for(statement, target))
    normal = [tuple(_normal(v, columns[i][1], target) for i, v in enumerate(row)) for row in rows]
    # Compared as multisets: rows that tie under an ORDER BY come in no defined order (and
    # `main` sorts before `pg_catalog` where `public` sorts after it).
    normal.sort(key=repr)
    return columns, normal


CASES = [pytest.param(statement, id=statement.name) for statement in load_all()]


def _is_query(statement: Statement) -> bool:
    code = [t.text.lower() for t in tokenize(statement.sql) if t.kind not in (WS, COMMENT)]
    return code[0] not in _NOT_QUERIES


@pytest.mark.parametrize("statement", CASES)
def test_same_answer_as_postgres(
    targets: tuple[Target, Target], statement: Statement, request: pytest.FixtureRequest
) -> None:
    postgres, pgwire = targets
    if not _is_query(statement):
        pytest.skip("not a catalog query: answered by the front end or transaction control")
    reason = _EXPECTED.get(f"{pgwire.name}:{statement.name}")
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    expected = answer(statement, postgres)
    found = answer(statement, pgwire)
    difference = first_difference(expected, found)
    assert difference is None, difference


def first_difference(
    expected: tuple[list[tuple[str, int]], list[Any]],
    found: tuple[list[tuple[str, int]], list[Any]],
) -> str | None:
    """What differs first: column names, column types, the row count, or a row."""
    (expected_columns, expected_rows), (columns, rows) = expected, found
    names = [name for name, _ in columns]
    expected_names = [name for name, _ in expected_columns]
    if names != expected_names:
        return f"column names: {names} (PostgreSQL: {expected_names})"
    types = [
        f"{name} {ours} (PostgreSQL: {theirs})"
        for (name, ours), (_, theirs) in zip(columns, expected_columns, strict=True)
        if ours != theirs
    ]
    if types:
        return "column types: " + ", ".join(types)
    if len(rows) != len(expected_rows):
        missing = [r for r in expected_rows if r not in rows][:2]
        extra = [r for r in rows if r not in expected_rows][:2]
        count = f"{len(rows)} rows (PostgreSQL: {len(expected_rows)})"
        return f"{count}; missing {missing}, extra {extra}"
    for row, expected_row in zip(rows, expected_rows, strict=True):
        if row != expected_row:
            cells = [
                f"{name}={ours!r} (PostgreSQL: {theirs!r})"
                for name, ours, theirs in zip(names, row, expected_row, strict=True)
                if ours != theirs
            ]
            return "row: " + ", ".join(cells)
    return None
