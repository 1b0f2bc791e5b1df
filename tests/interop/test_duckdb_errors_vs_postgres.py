"""Constraint violations and data exceptions on DuckDB, side by side with PostgreSQL 15: the
same statements on both servers give the same SQLSTATE, message and ErrorResponse fields
(schema, table, column, constraint), and the same detail where pgwire can know it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

SETUP = [
    "create table err_parent (a int primary key, b text unique, c int not null,"
    " d int check (d > 0), e int, f int, g int, unique (f, g))",
    "create table err_child (x int references err_parent (a), y int)",
    "create table err_multi (p int, q text, primary key (p, q))",
    "insert into err_parent values (1, 'x', 1, 1, 1, 1, 1)",
    "insert into err_child values (1, 1)",
    "insert into err_multi values (1, 'it''s, q: x')",
    "insert into err_multi values (2, 'it''s, q: x')",
]

# (statement, compare the detail too): PostgreSQL's detail of a not-null or check violation
# is the whole failing row, which DuckDB does not give.
CONSTRAINT_CASES = [
    ("insert into err_parent values (1, 'y', 1, 1, 1, 2, 2)", True),
    ("insert into err_parent values (2, 'x', 1, 1, 1, 2, 2)", True),
    ("insert into err_parent values (2, 'z', 1, 1, 1, 1, 1)", True),
    ("insert into err_multi values (1, 'it''s, q: x')", True),
    ("update err_parent set a = 1, b = 'x' where a = 1 and false", None),  # no error
    ("insert into err_parent values (3, 'k', null, 1, 1, 3, 3)", False),
    ("insert into err_parent values (3, 'k', 1, 0, 1, 3, 3)", False),
    ("insert into err_child values (9, 1)", True),
    ("update err_child set x = 9", True),
    ("update err_parent set a = 5 where a = 1", True),
    ("update err_multi set p = 1 where p = 2", True),
    ("delete from err_parent where a = 1", True),
]

DATA_CASES = [
    "select 5 % 0",
    "select 2147483647::int + 1",
    "select 32767::int2 + 1::int2",
    "select 9223372036854775807::int8 * 2",
    "select 100000::int2",
    "select 3000000000::int8::int4",
    "select '3000000000'::int",
    "select 'abc'::int",
    "select 'abc'::int8",
    "select 'abc'::numeric",
    "select 'abc'::boolean",
    "select 'abc'::uuid",
    "select 12345.678::numeric(5,2)",
    "select '2020-13-01'::date",
    "select 'xyz'::date",
    "select 'abc'::timestamp",
    "select '25:00'::time",
    "select 'abc'::interval",
]

FIELDS = ("sqlstate", "message_primary", "schema_name", "table_name", "column_name",
          "constraint_name")  # fmt: skip


@pytest.fixture(scope="module")
def pg_dsn(postgres15: TempPostgres) -> Iterator[str]:
    """A database of this module's own on the shared PostgreSQL 15 cluster."""
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop database if exists errors_side_by_side")
        conn.execute("create database errors_side_by_side")
    dsn = postgres15.dsn_for("errors_side_by_side")
    _setup(dsn)
    yield dsn
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop database errors_side_by_side")


@pytest.fixture(scope="module")
def pgwire_dsn(duckdb_server: ServerProcess) -> str:
    _setup(duckdb_server.dsn)
    return duckdb_server.dsn


def _setup(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in SETUP:
            conn.execute(statement)


def _error(dsn: str, statement: str, *, autocommit: bool, before: list[str] = ()) -> Any:
    """The error `statement` raises (None if none), run alone or inside a transaction."""
    with psycopg.connect(dsn, autocommit=autocommit) as conn:
        try:
            for sql in [*before, statement]:
                conn.execute(sql)
        except psycopg.Error as exc:
            return exc
        finally:
            if not autocommit:
                conn.rollback()
    return None


def _fields(exc: Any, detail: bool) -> dict[str, Any] | None:
    if exc is None:
        return None
    fields = {name: getattr(exc.diag, name) for name in FIELDS}
    if detail:
        fields["message_detail"] = exc.diag.message_detail
    return fields


@pytest.mark.parametrize("autocommit", [True, False], ids=["autocommit", "transaction"])
@pytest.mark.parametrize(("statement", "detail"), CONSTRAINT_CASES)
def test_constraint_violations_match_postgres(
    pg_dsn: str, pgwire_dsn: str, statement: str, detail: bool | None, autocommit: bool
) -> None:
    expected = _fields(_error(pg_dsn, statement, autocommit=autocommit), bool(detail))
    got = _fields(_error(pgwire_dsn, statement, autocommit=autocommit), bool(detail))
    assert (expected is None) == (detail is None)
    assert got == expected


def test_not_null_and_check_name_the_row_s_relation(pgwire_dsn: str) -> None:
    exc = _error(pgwire_dsn, CONSTRAINT_CASES[5][0], autocommit=True)
    assert exc.diag.message_detail is None  # DuckDB does not show the failing row


@pytest.mark.parametrize("statement", DATA_CASES)
def test_data_exceptions_match_postgres(pg_dsn: str, pgwire_dsn: str, statement: str) -> None:
    expected = _error(pg_dsn, statement, autocommit=True)
    got = _error(pgwire_dsn, statement, autocommit=True)
    assert expected is not None
    assert _fields(got, True) == _fields(expected, True)


def test_key_repeated_within_the_transaction(pg_dsn: str, pgwire_dsn: str) -> None:
    """DuckDB shows only the values of a key repeated within the open transaction: the
    table's one key with that many columns is the one."""
    statement = "insert into err_multi values (5, 'v')"
    expected = _error(pg_dsn, statement, autocommit=False, before=[statement])
    got = _error(pgwire_dsn, statement, autocommit=False, before=[statement])
    assert _fields(got, True) == _fields(expected, True)


def test_ambiguous_repeated_key_keeps_its_sqlstate(pgwire_dsn: str) -> None:
    """Several single-column keys: DuckDB's values alone cannot tell which one it was."""
    statement = "insert into err_parent values (7, 'n', 1, 1, 1, 7, 7)"
    got = _error(pgwire_dsn, statement, autocommit=False, before=[statement])
    assert got.diag.sqlstate == "23505"


def test_temporary_table_key_is_named_from_the_message(pg_dsn: str, pgwire_dsn: str) -> None:
    """A temporary table is not in the catalog another cursor reads: DuckDB's message names
    the key's columns, and PostgreSQL's default name follows from them."""
    before = ["create temp table err_tmp (id int, code int, primary key (id, code))",
              "insert into err_tmp values (1, 2)"]  # fmt: skip
    statement = "insert into err_tmp values (1, 2)"
    expected = _fields(_error(pg_dsn, statement, autocommit=True, before=before), True)
    got = _fields(_error(pgwire_dsn, statement, autocommit=True, before=before), True)
    assert expected is not None and got is not None
    del expected["schema_name"], got["schema_name"]  # pg_temp_N on PostgreSQL
    assert got == expected


def test_the_error_names_the_constraint_pg_constraint_shows(pgwire_dsn: str) -> None:
    """DuckDB keeps no name given in CONSTRAINT name: the error and the catalog agree on the
    name PostgreSQL would choose, so DROP CONSTRAINT by the error's name works."""
    with psycopg.connect(pgwire_dsn, autocommit=True) as conn:
        conn.execute("create table err_named (a int, constraint err_named_given unique (a))")
        try:
            conn.execute("insert into err_named values (1)")
            with pytest.raises(psycopg.errors.UniqueViolation) as raised:
                conn.execute("insert into err_named values (1)")
            name = raised.value.diag.constraint_name
            shown = conn.execute(
                "select conname from pg_constraint where conrelid = 'err_named'::regclass"
            ).fetchall()
            assert (name,) in shown
            conn.execute(f'alter table err_named drop constraint "{name}"')
            conn.execute("insert into err_named values (1)")
        finally:
            conn.execute("drop table err_named")
