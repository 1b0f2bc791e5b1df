"""pgcli's metadata queries (pgcli.pgexecute.PGExecute) on `pgwire serve`, beside PostgreSQL 15.

pgcli fills its completion from PGExecute's methods: search_path, schemata, tables, views,
columns, foreign keys, functions, data types, casing. Each runs here against a server on
DuckDB and on SQLite and against PostgreSQL 15, all holding the same small schema, and the
answers are compared. Object names are compared with the server's default schema spelled
`public` (DuckDB's and SQLite's is `main`); test_default_schema compares it as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from tests.apps.app_servers import BACKENDS, postgres_database, start_pgwire
from tests.support.postgres import TempPostgres

pytestmark = pytest.mark.interop

pgexecute = pytest.importorskip("pgcli.pgexecute")

SCHEMA = [
    "CREATE TABLE pc_authors (id integer PRIMARY KEY, name varchar(40) NOT NULL)",
    "CREATE TABLE pc_books (id integer PRIMARY KEY, author_id integer REFERENCES pc_authors (id),"
    " title text, price numeric(8,2))",
    "CREATE VIEW pc_titles AS SELECT title FROM pc_books",
    "INSERT INTO pc_authors VALUES (1, 'Ada')",
    "INSERT INTO pc_books VALUES (1, 1, 'Notes', 9.50), (2, 1, 'Letters', 12.00)",
]
ENUM = "CREATE TYPE pc_mood AS ENUM ('sad', 'ok')"  # SQLite has no types of its own
PREFIX = "pc_"


@dataclass
class Target:
    name: str
    dsn: str
    default_schema: str
    executor: Any  # pgcli's PGExecute

    def public(self, value: Any) -> Any:
        """`value` with the default schema's name spelled public."""
        return "public" if value == self.default_schema else value


def _connect(name: str, dsn: str) -> Target:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in SCHEMA if name == "sqlite" else [*SCHEMA, ENUM]:
            conn.execute(statement)
        row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return Target(name, dsn, row[0], pgexecute.PGExecute(dsn=dsn))


@pytest.fixture(scope="module")
def postgres(postgres15: TempPostgres) -> Iterator[Target]:
    target = _connect("postgres", postgres_database(postgres15, "apps_pgcli"))
    yield target
    target.executor.conn.close()


@pytest.fixture(scope="module", params=BACKENDS)
def pgwire(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    server = start_pgwire(request.param, tmp_path_factory)
    try:
        target = _connect(request.param, server.dsn)
        yield target
        target.executor.conn.close()
    finally:
        server.stop()


def _xfail_on(request: pytest.FixtureRequest, target: Target, causes: dict[str, str]) -> None:
    if target.name in causes:
        request.applymarker(pytest.mark.xfail(strict=True, reason=causes[target.name]))


def _ours(rows: Any, target: Target) -> list[tuple[Any, ...]]:
    """The rows about this test's objects, the first column (a schema) spelled public."""
    return sorted(
        (target.public(row[0]), *row[1:]) for row in rows if str(row[1]).startswith(PREFIX)
    )


def test_default_schema(request: pytest.FixtureRequest, pgwire: Target, postgres: Target) -> None:
    assert pgwire.executor.search_path() == postgres.executor.search_path()


def test_schemata(request: pytest.FixtureRequest, pgwire: Target, postgres: Target) -> None:
    _xfail_on(
        request,
        pgwire,
        {"sqlite": "schemata lists main and temp, and no public"},
    )
    assert pgwire.executor.schemata() == postgres.executor.schemata()


def test_search_path_holds_the_default_schema(pgwire: Target) -> None:
    assert pgwire.executor.search_path() == ["pg_catalog", pgwire.default_schema]
    assert pgwire.default_schema in pgwire.executor.schemata()


def test_tables_and_views(pgwire: Target, postgres: Target) -> None:
    for method in ("tables", "views"):
        got = _ours(getattr(pgwire.executor, method)(), pgwire)
        assert got == _ours(getattr(postgres.executor, method)(), postgres), method
    assert _ours(pgwire.executor.views(), pgwire) == [("public", "pc_titles")]


def test_columns(request: pytest.FixtureRequest, pgwire: Target, postgres: Target) -> None:
    _xfail_on(request, pgwire, {"duckdb": "DuckDB keeps no varchar length: varchar(40) is text"})
    for method in ("table_columns", "view_columns"):
        got = _ours(getattr(pgwire.executor, method)(), pgwire)
        assert got == _ours(getattr(postgres.executor, method)(), postgres), method


def test_foreign_keys(pgwire: Target, postgres: Target) -> None:
    def keys(target: Target) -> list[tuple[Any, ...]]:
        return sorted(
            (target.public(k.parentschema), k.parenttable, k.parentcolumn,
             target.public(k.childschema), k.childtable, k.childcolumn)
            for k in target.executor.foreignkeys()
            if k.childtable.startswith(PREFIX)
        )  # fmt: skip

    assert (
        keys(pgwire)
        == keys(postgres)
        == [("public", "pc_authors", "id", "public", "pc_books", "author_id")]
    )


# Functions pgcli completes with their signature; pgwire lists part of PostgreSQL's built-ins,
# and those it lists must read as PostgreSQL's.
FUNCTIONS = ("pg_backend_pid", "current_database", "pg_get_expr", "format_type", "version")


def test_functions(pgwire: Target, postgres: Target) -> None:
    def wanted(target: Target) -> set[tuple[Any, ...]]:
        return {f for f in target.executor.functions() if f.func_name in FUNCTIONS}

    got = wanted(pgwire)
    assert {f.func_name for f in got} == set(FUNCTIONS)
    missing = got - wanted(postgres)
    assert not missing, missing


_ONLY_CATALOG_FUNCTIONS = (
    "pg_proc lists the catalog emulation's functions only: no aggregate (count, sum, ...), "
    "nor the other built-ins the backend runs"
)


def test_functions_include_aggregates_and_set_returning(
    request: pytest.FixtureRequest, pgwire: Target, postgres: Target
) -> None:
    _xfail_on(request, pgwire, dict.fromkeys(BACKENDS, _ONLY_CATALOG_FUNCTIONS))

    def kinds(target: Target) -> dict[str, tuple[bool, bool, bool]]:
        return {
            f.func_name: (f.is_aggregate, f.is_window, f.is_set_returning)
            for f in target.executor.functions()
            if f.func_name in ("count", "row_number", "generate_series", "now")
        }

    assert kinds(pgwire) == kinds(postgres)


def test_datatypes(pgwire: Target, postgres: Target) -> None:
    def types(target: Target) -> list[tuple[Any, ...]]:
        return sorted((target.public(s), t) for s, t in target.executor.datatypes())

    expected = types(postgres) if pgwire.name != "sqlite" else []
    assert types(pgwire) == expected
    assert types(postgres) == [("public", "pc_mood")]


def test_casing(pgwire: Target, postgres: Target) -> None:
    assert list(pgwire.executor.casing()) == list(postgres.executor.casing())


def test_view_definition_recreates_the_view(pgwire: Target, postgres: Target) -> None:
    """pgcli's \\ev: the definition it shows, run again, makes the same view."""
    for target in (postgres, pgwire):
        definition = target.executor.view_definition("pc_titles")
        head = f'CREATE OR REPLACE VIEW "{target.default_schema}"."pc_titles" AS'
        assert definition.startswith(head), definition
        with psycopg.connect(target.dsn, autocommit=True) as conn:
            conn.execute(definition)
            rows = conn.execute("SELECT title FROM pc_titles ORDER BY title").fetchall()
        assert rows == [("Letters",), ("Notes",)], target.name


def test_function_definition(pgwire: Target, postgres: Target) -> None:
    """pgcli's \\sf for a built-in function."""
    head = "CREATE OR REPLACE FUNCTION pg_catalog.pg_backend_pid()\n RETURNS integer\n"
    for target in (postgres, pgwire):
        assert target.executor.function_definition("pg_backend_pid").startswith(head)


def test_function_definition_of_an_unknown_function(
    request: pytest.FixtureRequest, pgwire: Target, postgres: Target
) -> None:
    with pytest.raises(RuntimeError, match="Function nope does not exist"):
        postgres.executor.function_definition("nope")
    with pytest.raises(RuntimeError, match="Function nope does not exist"):
        pgwire.executor.function_definition("nope")


def test_databases_and_time_zone(pgwire: Target, postgres: Target) -> None:
    assert "testdb" in pgwire.executor.databases()
    assert "apps_pgcli" in postgres.executor.databases()
    for target in (postgres, pgwire):
        target.executor.set_timezone("Europe/Paris")
        assert target.executor.get_timezone() == "Europe/Paris"
        target.executor.set_timezone("UTC")


def test_run_several_statements(
    request: pytest.FixtureRequest, pgwire: Target, postgres: Target
) -> None:
    """pgcli's run(): one result per statement, with pgcli's title/rows/headers/status."""

    def results(target: Target) -> list[tuple[Any, ...]]:
        out = []
        for title, cur, headers, status, *_ in target.executor.run(
            "select count(*) from pc_books; update pc_books set price = price where id = 1"
        ):
            out.append((title, list(cur) if cur is not None else None, headers, status))
        return out

    assert results(pgwire) == results(postgres)
