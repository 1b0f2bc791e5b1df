"""PostgreSQL's qualified names as the DuckDB and SQLite backends know them: the token
rewrites of `backends/qualified.py` and `backends/sqlite/searchpath.py`, case by case."""

from __future__ import annotations

import pytest

from pgwire import sqlstate
from pgwire.backends.qualified import drop_schemas_one_by_one, rewrite, search_path_schemas
from pgwire.backends.sqlite.searchpath import index_in_schema, qualify
from pgwire.errors import PgError


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select 1", None),
        ("select x.y from t x", None),
        ("select a.b.c from t", None),  # schema.table.column of another schema
        ("select * from public.t", "select * from main.t"),
        ("select public.t.id from public.t", "select main.t.id from main.t"),
        ('select * from "public"."T"', 'select * from main."T"'),
        ('select * from "testdb"."public"."t"', 'select * from main."t"'),
        ("select * from a, testdb.public.t", "select * from a, main.t"),
        ("select testdb.s.t.c from s.t", "select s.t.c from s.t"),
        ("insert into public.t (a) values (1)", "insert into main.t (a) values (1)"),
        (
            'create table "testdb"."public"."m__tmp" as (select 1)',
            'create table main."m__tmp" as (select 1)',
        ),
        ('alter table testdb.public.m rename to "m_old"', 'alter table main.m rename to "m_old"'),
        ("select nextval('public.t_id_seq')", "select nextval('main.t_id_seq')"),
        ("select setval('testdb.s.x', 3)", "select setval('s.x', 3)"),
        ("select nextval('t_id_seq')", None),
        ("select 'public.t'", None),  # a string, not a name
        ("create schema if not exists public", "create schema if not exists main"),
        ("drop schema if exists a, public cascade", "drop schema if exists a, main cascade"),
        ("select public from t", None),
    ],
)
def test_rewrite(sql: str, expected: str | None) -> None:
    assert rewrite(sql, "testdb") == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select * from otherdb.public.t", '"otherdb.public.t"'),
        ('select * from "Other".public.t', '"Other.public.t"'),
        ("update otherdb.s.t set a = 1", '"otherdb.s.t"'),
        ("create view otherdb.public.v as select 1", '"otherdb.public.v"'),
        ("select otherdb.s.t.c from s.t", "otherdb.s.t.c"),
        ("select nextval('otherdb.public.s')", "otherdb.public.s"),
    ],
)
def test_other_databases_are_refused(sql: str, message: str) -> None:
    with pytest.raises(PgError) as caught:
        rewrite(sql, "testdb")
    assert caught.value.sqlstate == sqlstate.FEATURE_NOT_SUPPORTED
    assert str(caught.value.message) == f"cross-database references are not implemented: {message}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"$user", public', ["alice", "public"]),
        ("a,  PUBLIC", ["a", "public"]),
        ('"My Schema", b', ["My Schema", "b"]),
        ('"a,b", c', ["a,b", "c"]),
        ('"q""x"', ['q"x']),
        ("", []),
    ],
)
def test_search_path_schemas(value: str, expected: list[str]) -> None:
    assert search_path_schemas(value, "alice") == expected


def test_drop_schemas_one_by_one() -> None:
    assert drop_schemas_one_by_one('DROP SCHEMA IF EXISTS a, "B" CASCADE') == (
        'DROP SCHEMA IF EXISTS a CASCADE; DROP SCHEMA IF EXISTS "B" CASCADE'
    )
    assert drop_schemas_one_by_one("drop schema a, b") == "DROP SCHEMA a; DROP SCHEMA b"
    assert drop_schemas_one_by_one("drop schema a cascade") is None
    assert drop_schemas_one_by_one("drop table a, b") is None


RELATIONS = {("s", "t"), ("main", "t"), ("main", "u"), ("temp", "tmp"), ("s", "tmp")}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from t", 'select * from "s".t'),
        ("select * from u", "select * from u"),  # only in public: SQLite finds it there
        ("select * from t join u on t.a = u.a", 'select * from "s".t join u on t.a = u.a'),
        ("select * from u, t", 'select * from u, "s".t'),
        ("select * from tmp", "select * from tmp"),  # a temporary table comes first
        ("insert into t (a) values (1)", 'insert into "s".t (a) values (1)'),
        ("update t set a = 1", 'update "s".t set a = 1'),
        ("delete from t", 'delete from "s".t'),
        ("truncate t", 'truncate "s".t'),
        ("drop table if exists t", 'drop table if exists "s".t'),
        ("create table if not exists n (a int)", 'create table if not exists "s".n (a int)'),
        ("create view v as select * from t", 'create view "s".v as select * from "s".t'),
        ("create temp table n (a int)", "create temp table n (a int)"),
        ("create index i on t (a)", 'create index i on "s".t (a)'),
        ("with t as (select 1) select * from t", "with t as (select 1) select * from t"),
        ("select extract(year from t) from u", "select extract(year from t) from u"),
        ("select a is distinct from t from u", "select a is distinct from t from u"),
        ("select * from generate_series(1, 2)", "select * from generate_series(1, 2)"),
        ("select * from main.t", "select * from main.t"),
        ("select * from (select * from t) q", 'select * from (select * from "s".t) q'),
    ],
)
def test_sqlite_lookup_along_the_path(sql: str, expected: str) -> None:
    assert qualify(sql, ["s", "main"], lambda schema, name: (schema, name) in RELATIONS) == (
        expected
    )


def test_sqlite_index_goes_to_its_tables_schema() -> None:
    assert index_in_schema("CREATE INDEX i ON s.t(x)") == "CREATE INDEX s.i ON t(x)"
    assert index_in_schema('CREATE UNIQUE INDEX IF NOT EXISTS i ON "a b".t (x)') == (
        'CREATE UNIQUE INDEX IF NOT EXISTS "a b".i ON t (x)'
    )
    assert index_in_schema("CREATE INDEX i ON t(x)") is None
    assert index_in_schema("CREATE TABLE t (x int)") is None
