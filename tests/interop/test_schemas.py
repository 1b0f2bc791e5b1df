"""Schemas and names as PostgreSQL has them, on DuckDB and SQLite, side by side with PostgreSQL
15: the default schema public, CREATE/DROP SCHEMA and their errors, search_path in every
spelling PostgreSQL accepts and name lookup along it, names qualified with the database, and
what psql's \\dn and \\dt show.

Each test runs the same statements on pgwire and on PostgreSQL and compares the answers (rows,
or SQLSTATE and message). PostgreSQL's cluster is shared: objects here carry the `sch_` prefix
and are dropped again.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")
duckdb = pytest.importorskip("duckdb")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Answer = Any
CLEANUP = [
    'drop schema if exists sch_a, sch_b, sch_p, "Sch Mixed" cascade',
    "drop table if exists sch_t1, sch_t2, sch_t3, sch_t4, sch_old",
]


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A file database made by the engine itself before pgwire serves it: its tables (in
    the engine's `main`) must show in public."""
    kind = request.param
    path = tmp_path_factory.mktemp("schemas") / f"made_before.{kind}"
    if kind == "duckdb":
        made = duckdb.connect(str(path))
        made.execute("create table sch_old (id integer, label varchar)")
        made.execute("insert into sch_old values (1, 'before')")
        made.close()
    else:
        with sqlite3.connect(path) as made:
            made.execute("create table sch_old (id integer, label text)")
            made.execute("insert into sch_old values (1, 'before')")
        made.close()
    with ServerProcess(str(path)) as process:
        process.kind = kind  # type: ignore[attr-defined]
        yield process


@pytest.fixture
def postgres(postgres15: TempPostgres) -> Iterator[TempPostgres]:
    run(postgres15.dsn, CLEANUP)
    run(postgres15.dsn, ["create table sch_old (id integer, label text)",
                         "insert into sch_old values (1, 'before')"])  # fmt: skip
    yield postgres15
    run(postgres15.dsn, CLEANUP)


def dsn(server: ServerProcess | TempPostgres) -> str:
    return server.dsn if isinstance(server, TempPostgres) else server.conninfo()


def database(server: ServerProcess | TempPostgres) -> str:
    return "postgres" if isinstance(server, TempPostgres) else "testdb"


def run(conninfo: str, statements: Sequence[str], db: str = "") -> list[Answer]:
    """Each statement's rows (or command tag), or its error as (SQLSTATE, message)."""
    out: list[Answer] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for sql in statements:
            try:
                cur = conn.execute(sql.replace("{db}", db))
                out.append(cur.fetchall() if cur.description else cur.statusmessage)
            except psycopg.Error as exc:
                out.append((exc.sqlstate, exc.diag.message_primary))
    return out


def side_by_side(server: ServerProcess, postgres: TempPostgres, statements: list[str]) -> None:
    ours = run(dsn(server), statements, database(server))
    theirs = run(dsn(postgres), statements, database(postgres))
    different = [
        f"{sql}\n    pgwire:   {a!r}\n    postgres: {b!r}"
        for sql, a, b in zip(statements, ours, theirs, strict=True)
        if a != b
    ]
    assert not different, "\n".join(different)


def test_public_is_the_default_schema(server: ServerProcess, postgres: TempPostgres) -> None:
    side_by_side(server, postgres, [
        "select current_schema(), current_schemas(true), current_schemas(false)",
        "show search_path",
        "select nspname from pg_namespace where nspname = 'public'",
        "select schema_name from information_schema.schemata where schema_name = 'public'",
        "create table sch_t1 (id integer primary key, label text)",
        "select schemaname, tablename from pg_tables where tablename like 'sch%' order by 2",
        "select n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.relname = 'sch_t1'",
        "select table_schema, table_name from information_schema.tables "
        "where table_name in ('sch_old', 'sch_t1') order by 2",
        "select distinct table_schema from information_schema.columns "
        "where table_name = 'sch_t1'",
        "select 'public.sch_t1'::regclass::text, 'sch_t1'::regclass = 'public.sch_t1'::regclass",
        "insert into public.sch_t1 values (1, 'one') returning id",
        "select p.label from public.sch_t1 p",
        "select public.sch_t1.label from public.sch_t1",
        "update public.sch_t1 set label = 'uno' where id = 1",
        "select * from public.sch_old",
        "delete from public.sch_t1",
        "drop table public.sch_t1",
        "select count(*) from pg_tables where tablename = 'sch_t1'",
    ])  # fmt: skip


def test_serial_sequence_in_public(server: ServerProcess, postgres: TempPostgres) -> None:
    if server.kind == "sqlite":  # type: ignore[attr-defined]
        pytest.skip("SQLite has no sequences")
    side_by_side(server, postgres, [
        "create table sch_t2 (id serial primary key, label text)",
        "select pg_get_serial_sequence('sch_t2', 'id')",
        "select pg_get_serial_sequence('public.sch_t2', 'id')",
        "select nextval('public.sch_t2_id_seq'), currval('public.sch_t2_id_seq')",
        "create table public.sch_t3 (id serial primary key)",
        "select pg_get_serial_sequence('sch_t3', 'id')",
        "insert into sch_t3 default values returning id",
        "drop table public.sch_t3",
        "select count(*) from pg_class where relname = 'sch_t3_id_seq'",
        "drop table sch_t2",
    ])  # fmt: skip


def test_create_and_drop_schema(server: ServerProcess, postgres: TempPostgres) -> None:
    side_by_side(server, postgres, [
        "create schema sch_a",
        "create schema sch_a",
        "create schema if not exists sch_a",
        "create schema public",
        "create table sch_a.t (x integer)",
        "insert into sch_a.t values (1)",
        "select * from sch_a.t",
        "create index sch_a_x on sch_a.t (x)",
        "select schemaname, tablename, indexname from pg_indexes where schemaname = 'sch_a'",
        "select schemaname, tablename from pg_tables where schemaname = 'sch_a'",
        "select nspname from pg_namespace where nspname like 'sch%'",
        "select schema_name from information_schema.schemata where schema_name like 'sch%'",
        "drop schema sch_a",
        "drop schema sch_a restrict",
        "drop schema sch_missing",
        "drop schema if exists sch_missing",
        "drop schema if exists sch_missing, sch_a cascade",
        "select nspname from pg_namespace where nspname like 'sch%'",
        "select * from sch_a.t",
        "create schema sch_b",
        "drop schema sch_b",
        "select nspname from pg_namespace where nspname like 'sch%'",
    ])  # fmt: skip


def test_search_path_spellings(server: ServerProcess, postgres: TempPostgres) -> None:
    side_by_side(server, postgres, [
        "create schema sch_p",
        "SET search_path TO sch_p, public",
        "show search_path",
        "select current_schema(), current_schemas(false)",
        'SET search_path TO "$user", public',
        "show search_path",
        "select current_schema()",
        "SET search_path = DEFAULT",
        "show search_path",
        "select set_config('search_path', 'sch_missing, sch_p', false)",
        "select current_schema(), current_schemas(false)",
        "SET SCHEMA 'sch_p'",
        "show search_path",
        "select current_schema()",
        "SET search_path TO 'sch_p','public'",
        "show search_path",
        "SET search_path TO sch_missing",
        "select current_schema(), current_schemas(false)",
        "RESET search_path",
        "select current_schema()",
        'create schema "Sch Mixed"',
        'SET search_path TO "Sch Mixed", public',
        "show search_path",
        "select current_schema()",
        "RESET search_path",
        "drop schema sch_p",
        'drop schema "Sch Mixed"',
    ])  # fmt: skip


def test_lookup_follows_search_path(server: ServerProcess, postgres: TempPostgres) -> None:
    side_by_side(server, postgres, [
        "create schema sch_p",
        "create table sch_t4 (v text)",
        "insert into sch_t4 values ('in public')",
        "create table sch_p.sch_t4 (v text)",
        "insert into sch_p.sch_t4 values ('in sch_p')",
        "select v from sch_t4",
        "SET search_path TO sch_p, public",
        "select v from sch_t4",
        "select count(*) from sch_old",
        "create table sch_t1 (x integer)",
        "insert into sch_t1 values (1)",
        "select schemaname from pg_tables where tablename = 'sch_t1'",
        "select x from sch_p.sch_t1",
        "create view sch_t2 as select v from sch_t4",
        "select * from sch_p.sch_t2",
        "create index sch_t1_x on sch_t1 (x)",
        "select schemaname, indexname from pg_indexes where indexname = 'sch_t1_x'",
        "select o.label, t.v from sch_old o join sch_t4 t on true",
        "with sch_t4 as (select 'cte' as v) select v from sch_t4",
        "select count(*) from sch_t4 where v is distinct from 'x'",
        "update sch_t4 set v = v || '!' returning v",
        "delete from sch_t1",
        "drop view sch_t2",
        "drop table sch_t1",
        "select count(*) from pg_tables where tablename = 'sch_t1'",
        "SET search_path TO public, sch_p",
        "select v from sch_t4",
        "RESET search_path",
        "drop table sch_t4",
        "drop schema sch_p cascade",
    ])  # fmt: skip


def test_names_qualified_with_the_database(server: ServerProcess, postgres: TempPostgres) -> None:
    side_by_side(server, postgres, [
        "create table sch_t1 (id integer)",
        'insert into "{db}"."public"."sch_t1" values (7)',
        'select id from "{db}"."public"."sch_t1"',
        "select id from {db}.public.sch_t1 t",
        "select * from otherdb.public.sch_t1",
        'select * from "otherdb"."public"."sch_t1"',
        "drop table {db}.public.sch_t1",
    ])  # fmt: skip


def test_asyncpg_startup_search_path(server: ServerProcess, postgres: TempPostgres) -> None:
    async def answers(conninfo: str) -> list[Any]:
        setup = await asyncpg.connect(conninfo)
        await setup.execute("create schema sch_b")
        await setup.execute("create table sch_b.sch_t1 (x integer)")
        await setup.execute("insert into sch_b.sch_t1 values (42)")
        await setup.close()
        conn = await asyncpg.connect(conninfo, server_settings={"search_path": "sch_b,public"})
        try:
            return [
                await conn.fetchval("select current_schema()"),
                await conn.fetchval("show search_path"),
                await conn.fetchval("select x from sch_t1"),
                [tuple(r) for r in await conn.fetch("select * from public.sch_old")],
                await conn.execute("drop schema sch_b cascade"),
            ]
        finally:
            await conn.close()

    ours = asyncio.run(asyncio.wait_for(answers(server.dsn), 30))
    theirs = asyncio.run(asyncio.wait_for(answers(postgres.dsn), 30))
    assert ours == theirs


def psql(conninfo: str, command: str) -> list[list[str]]:
    done = subprocess.run(
        ["psql", "-X", "-A", "-t", "-d", conninfo, "-c", command],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [line.split("|") for line in done.stdout.splitlines() if "|" in line]


def test_psql_lists_schemas_and_tables(
    server: ServerProcess, postgres: TempPostgres, psql_path: str
) -> None:
    statements = ["create schema sch_a", "create table sch_a.sch_t2 (x integer)",
                  "create table sch_t1 (x integer)"]  # fmt: skip
    shown = []
    for target in (server, postgres):
        run(dsn(target), statements)
        schemas = [row[0] for row in psql(dsn(target), r"\dn sch*|public")]
        tables = [row[:3] for row in psql(dsn(target), r"\dt sch_t*")]
        qualified = [row[:3] for row in psql(dsn(target), r"\dt sch_a.*")]
        run(dsn(target), ["drop schema sch_a cascade", "drop table sch_t1"])
        shown.append((schemas, tables, qualified))
    assert shown[0] == shown[1]
    assert shown[1] == (
        ["public", "sch_a"],
        [["public", "sch_t1", "table"]],
        [["sch_a", "sch_t2", "table"]],
    )


def test_sqlite_schema_made_by_another_session(server: ServerProcess, tmp_path: Path) -> None:
    """A schema one session creates is there for the others, and gone when dropped."""
    with (
        psycopg.connect(dsn(server), autocommit=True) as one,
        psycopg.connect(dsn(server), autocommit=True) as two,
    ):
        two.execute("select 1")
        one.execute("create schema sch_a")
        one.execute("create table sch_a.t (x integer)")
        one.execute("insert into sch_a.t values (5)")
        assert two.execute("select x from sch_a.t").fetchall() == [(5,)]
        names = "select nspname from pg_namespace where nspname = 'sch_a'"
        assert two.execute(names).fetchall() == [("sch_a",)]
        one.execute("drop schema sch_a cascade")
        assert two.execute(names).fetchall() == []
        with pytest.raises(psycopg.errors.UndefinedTable):
            two.execute("select x from sch_a.t")


def test_schema_statements_inside_a_transaction(server: ServerProcess) -> None:
    """DuckDB runs them in a transaction, as PostgreSQL does; SQLite cannot attach in one."""
    with psycopg.connect(dsn(server)) as conn:
        if server.kind == "duckdb":  # type: ignore[attr-defined]
            conn.execute("create schema sch_a")
            conn.rollback()
            found = conn.execute("select count(*) from pg_namespace where nspname = 'sch_a'")
            assert found.fetchone() == (0,)
        else:
            with pytest.raises(psycopg.errors.ActiveSqlTransaction):
                conn.execute("create schema sch_a")


def test_copy_into_qualified_names(server: ServerProcess, postgres: TempPostgres) -> None:
    def copied(target: ServerProcess | TempPostgres) -> list[Any]:
        db = database(target)
        with psycopg.connect(dsn(target), autocommit=True) as conn:
            conn.execute("create schema sch_a")
            conn.execute("create table sch_t1 (id integer, label text)")
            conn.execute("create table sch_a.t (id integer)")
            names = ("public.sch_t1", f'"{db}".public.sch_t1', "sch_a.t")
            for number, name in enumerate(names, start=1):
                with conn.cursor().copy(f"copy {name} (id) from stdin") as copy:
                    copy.write_row((number,))
            out = [conn.execute("select id from sch_t1 order by id").fetchall()]
            with conn.cursor().copy("copy sch_a.t to stdout") as copy:
                out.append(list(copy.rows()))
            conn.execute("drop schema sch_a cascade")
            conn.execute("drop table sch_t1")
        return out

    assert copied(server) == copied(postgres) == [[(1,), (2,)], [("3",)]]
