"""Every captured client catalog query (tests/fixtures/catalog_queries) on PostgreSQL 15 and on
`pgwire serve` (DuckDB, and SQLite), over the same schema made by the same DDL: the answers
must be the same — column names, column types and rows.

What may differ is said here, not silenced:

- OIDs of user objects differ between servers: a value in an OID column (or an integer that
  is the OID of one of the server's objects) is compared as the object it names;
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
SCHEMA_ALIASES = {"main": "public"}

# Statements in the captures that are no catalog query: the front end answers them (SHOW),
# or they are the client's transaction control.
_NOT_QUERIES = ("show", "savepoint", "release")

FIRST_NORMAL_OID = 16384
OID_TYPES = {26, 2205, 2206, 24, 4089, 4096}  # oid, regclass, regtype, regproc, regnamespace...
OID_ARRAY_TYPES = {1028, 30}  # oid[], oidvector

# Queries whose answers differ, and why (strict xfail). Keys: "backend:client/file#n" or
# "*:client/file#n" for both backends.
EXPECTED_DIFFERENCES: dict[str, str] = {}


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
        if value >= FIRST_NORMAL_OID and value in target.objects:
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
    normal = [
        tuple(_normal(v, columns[i][1], target) for i, v in enumerate(row)) for row in rows
    ]
    if "order by" not in statement.sql.lower():
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
    reason = EXPECTED_DIFFERENCES.get(f"{pgwire.name}:{statement.name}") or (
        EXPECTED_DIFFERENCES.get(f"*:{statement.name}")
    )
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    expected = answer(statement, postgres)
    found = answer(statement, pgwire)
    difference = first_difference(expected, found)
    assert difference is None, difference


def first_difference(
    expected: tuple[list[tuple[str, int]], list[Any]], found: tuple[list[tuple[str, int]], list[Any]]
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
        return f"{len(rows)} rows (PostgreSQL: {len(expected_rows)}); missing {missing}, extra {extra}"
    for row, expected_row in zip(rows, expected_rows, strict=True):
        if row != expected_row:
            cells = [
                f"{name}={ours!r} (PostgreSQL: {theirs!r})"
                for name, ours, theirs in zip(names, row, expected_row, strict=True)
                if ours != theirs
            ]
            return "row: " + ", ".join(cells)
    return None
