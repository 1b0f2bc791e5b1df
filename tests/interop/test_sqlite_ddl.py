"""DDL and DML as applications write them, on the SQLite backend, side by side with PostgreSQL
15: serial and identity columns with their sequences, ALTER TABLE, DEFAULT in VALUES,
division by zero, syntax errors at Parse, COMMENT ON, SET CONSTRAINTS.

Each test runs the same statements on `pgwire serve x.sqlite` and on PostgreSQL 15 and
compares what psycopg (or asyncpg) gets: values, type OIDs, SQLSTATEs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Server = ServerProcess | TempPostgres


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(str(tmp_path_factory.mktemp("ddl") / "ddl.sqlite")) as server:
        yield server


@pytest.fixture(params=["pgwire", "postgres"])
def server(request: pytest.FixtureRequest, sqlite_server: ServerProcess) -> Iterator[Server]:
    if request.param == "postgres":
        yield request.getfixturevalue("postgres15")
    else:
        yield sqlite_server


def dsn(server: Server) -> str:
    return server.dsn if isinstance(server, TempPostgres) else server.conninfo()


def answers(server: Server, statements: list[tuple[str, tuple[Any, ...] | None]]) -> list[Any]:
    """Per statement: its rows with the result's type OIDs, or its SQLSTATE."""
    out: list[Any] = []
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        for sql, params in statements:
            try:
                cursor = conn.execute(sql, params)
            except psycopg.Error as exc:
                out.append(exc.sqlstate)
                continue
            if cursor.description is None:
                out.append(cursor.statusmessage)
            else:
                types = [c.type_code for c in cursor.description]
                out.append((types, cursor.fetchall()))
    return out


def same(statements: list[tuple[str, tuple[Any, ...] | None]], request: Any) -> list[Any]:
    """The answers of pgwire, asserted equal to PostgreSQL's."""
    pgwire = answers(request.getfixturevalue("sqlite_server"), statements)
    postgres = answers(request.getfixturevalue("postgres15"), statements)
    assert pgwire == postgres
    return pgwire


def test_serial_columns_draw_from_their_sequences(request: pytest.FixtureRequest) -> None:
    found = same(
        [
            ("drop table if exists sd_serial", None),
            (
                "create table sd_serial (id serial primary key, big bigserial,"
                " small smallserial, name text)",
                None,
            ),
            ("insert into sd_serial (name) values ('a'), ('b') returning id, big, small", None),
            ("select nextval('sd_serial_id_seq')", None),
            ("select currval('sd_serial_id_seq')", None),
            ("select setval('sd_serial_id_seq', 10)", None),
            ("insert into sd_serial (name) values (%s) returning id", ("c",)),
            ("insert into sd_serial values (default, default, default, 'd') returning *", None),
            ("insert into sd_serial default values returning id, name", None),
            ("select currval('sd_serial_big_seq')", None),
            ("create table sd_serial (id serial)", None),
            ("create table if not exists sd_serial (id serial)", None),
            ("select nextval('sd_nothing_seq')", None),
            ("select id, name from sd_serial where id in (%s, %s) order by id", (1, 11)),
            ("truncate sd_serial", None),
            ("insert into sd_serial (name) values ('e') returning id, big", None),
            ("truncate sd_serial restart identity cascade", None),
            ("insert into sd_serial (name) values ('f') returning id, big, small", None),
            ("drop table sd_serial", None),
            ("select nextval('sd_serial_id_seq')", None),  # dropped with its table
        ],
        request,
    )
    assert found[2] == ([23, 20, 21], [(1, 1, 1), (2, 2, 2)])  # int4, int8, int2
    assert found[6] == ([23], [(11,)])


def test_serial_sequence_and_currval_before_nextval(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        conn.execute("drop table if exists sd_seq")
        conn.execute("create table sd_seq (id serial, v text)")
        row = conn.execute("select pg_get_serial_sequence('sd_seq', 'id')").fetchone()
        assert row is not None and row[0].split(".")[-1] == "sd_seq_id_seq"  # public / main
        with pytest.raises(psycopg.Error) as caught:
            conn.execute("select currval('sd_seq_id_seq')")
        assert caught.value.sqlstate == "55000"
        conn.execute("drop table sd_seq")


def test_identity_columns(request: pytest.FixtureRequest) -> None:
    found = same(
        [
            ("drop table if exists sd_identity", None),
            (
                "create table sd_identity (id int generated always as identity primary key,"
                " n bigint generated by default as identity (start with 10 increment by 5),"
                " v text)",
                None,
            ),
            ("insert into sd_identity (v) values ('a'), ('b') returning id, n", None),
            ("insert into sd_identity (id, v) values (7, 'x')", None),
            ("insert into sd_identity values (7, 1, 'x')", None),
            ("insert into sd_identity (id, v) overriding system value values (7, 'x')", None),
            ("insert into sd_identity values (default, 3, 'y') returning id, n", None),
            ("insert into sd_identity (n, v) values (default, 'z') returning id, n", None),
            ("insert into sd_identity default values returning id, n, v", None),
            ("insert into sd_identity (v) select 'w' returning id", None),
            ("insert into sd_identity (id, v) select 9, 'w'", None),
            ("update sd_identity set id = 5 where v = 'a'", None),
            (
                "update sd_identity set id = default, v = default where v = 'b' returning id, v",
                None,
            ),
            ("select id, n, v from sd_identity order by id", None),
            ("drop table sd_identity", None),
        ],
        request,
    )
    assert found[3] == "428C9" and found[4] == "428C9"
    assert found[2] == ([23, 20], [(1, 10), (2, 15)])


def test_alter_table_constraints_and_columns(request: pytest.FixtureRequest) -> None:
    found = same(
        [
            ("drop table if exists sd_child", None),
            ("drop table if exists sd_parent", None),
            ("create table sd_parent (id int primary key)", None),
            ("insert into sd_parent values (1), (2)", None),
            ("create table sd_child (id int primary key, p int, code text, qty int)", None),
            ("insert into sd_child values (1, 1, 'a', 5), (2, 3, 'a', null)", None),
            ("alter table sd_child add constraint sd_code unique (code)", None),
            ("alter table sd_child add constraint sd_qty check (qty > 5)", None),
            ("alter table sd_child add constraint sd_qty check (qty > 0)", None),
            ("insert into sd_child values (3, 1, 'c', -1)", None),
            ("alter table sd_child add constraint sd_p foreign key (p) references sd_parent", None),
            ("update sd_child set p = 2 where id = 2", None),
            ("alter table sd_child add constraint sd_p foreign key (p) references sd_parent", None),
            ("insert into sd_child values (3, 9, 'c', 1)", None),
            ("alter table sd_child alter column qty set not null", None),
            ("update sd_child set qty = 1 where qty is null", None),
            ("alter table sd_child alter column qty set not null", None),
            ("insert into sd_child (id, p, code) values (3, 1, 'c')", None),
            ("alter table sd_child alter column qty set default 4", None),
            ("insert into sd_child (id, p, code) values (3, 1, 'c') returning qty", None),
            ("alter table sd_child alter column qty drop default", None),
            ("alter table sd_child alter column qty drop not null", None),
            ("alter table sd_child drop constraint sd_qty", None),
            ("alter table sd_child drop constraint sd_missing", None),
            ("insert into sd_child values (4, 1, 'd', -1)", None),
            ("alter table sd_child alter column code type int using length(code)", None),
            ("alter table sd_child drop constraint sd_code", None),
            ("insert into sd_child values (5, 1, 1, 1)", None),
            ("alter table sd_child add column note text default 'n'", None),
            ("alter table sd_child rename column note to remark", None),
            ("alter table sd_child rename to sd_kid", None),
            ("select id, p, code, qty, remark from sd_kid order by id", None),
            ("drop table sd_kid", None),
            ("drop table sd_parent", None),
        ],
        request,
    )
    assert found[7] == "23514" and found[10] == "23503" and found[14] == "23502"
    assert found[31][0] == [23, 23, 23, 23, 25]  # code is an int now


def test_insert_forms(request: pytest.FixtureRequest) -> None:
    same(
        [
            ("drop table if exists sd_kv", None),
            ("create table sd_kv (k int primary key, v text default 'none', n int)", None),
            ("create index concurrently if not exists sd_kv_v on sd_kv using btree (v)", None),
            ("create index concurrently if not exists sd_kv_v on sd_kv using btree (v)", None),
            ("insert into sd_kv values (1, default, %s), (2, 'b', default)", (5,)),
            (
                "insert into sd_kv values (1, 'x', 1) on conflict (k) do update"
                " set v = excluded.v, n = sd_kv.n + 1 returning k, v, n",
                None,
            ),
            ("insert into sd_kv (k, v) select k + 10, v from sd_kv on conflict do nothing", None),
            ("select k, v, n from sd_kv order by k", None),
            ("drop table sd_kv", None),
        ],
        request,
    )


def test_values_with_column_aliases(request: pytest.FixtureRequest) -> None:
    sql = "select * from (values (1, 'a'), (2, 'b')) as t(a, b) where a > %s order by a desc"
    pgwire = answers(request.getfixturevalue("sqlite_server"), [(sql, (0,))])
    postgres = answers(request.getfixturevalue("postgres15"), [(sql, (0,))])
    assert pgwire[0][1] == postgres[0][1] == [(2, "b"), (1, "a")]
    # Known difference: VALUES columns are typed from their values (int8), not int4.


def test_division_by_zero(request: pytest.FixtureRequest) -> None:
    found = same(
        [
            ("select 7 / 2, -7 / 2, 7 % 3, -7 % 3", None),
            ("select 1 / 0", None),
            ("select 1 % 0", None),
            ("select 1.5 / 0", None),
            ("select 2.5 % 0", None),
            ("select 1 / nullif(0, 0)", None),
        ],
        request,
    )
    assert found[0] == ([23, 23, 23, 23], [(3, -3, 1, -1)])
    assert found[1:5] == ["22012"] * 4


def test_division_of_whole_numerics(request: pytest.FixtureRequest) -> None:
    """SQLite keeps a whole numeric (7.00) as an integer: dividing it still divides as
    numbers, as PostgreSQL does (equal as numbers: the display scale differs)."""
    found = same(
        [
            ("drop table if exists sd_num", None),
            ("create table sd_num (x numeric(10,2), i int, f float8)", None),
            ("insert into sd_num values (7.00, 7, 7), (7.5, 2, 2)", None),
            (
                "select x / 2, i / 2, x / i, f / 4, i / 2.0, i::numeric / 4, %s::numeric / 2"
                " from sd_num order by i desc",
                (7,),
            ),
            ("select a.x / b.i from sd_num a join sd_num b on a.i = b.i order by 1", None),
            ("update sd_num set x = x / 2 where i = 7 returning x", None),
            ("select x / 0 from sd_num", None),
            ("drop table sd_num", None),
        ],
        request,
    )
    assert found[3][1][0][0] == 3.5 and found[3][1][0][1] == 3


def test_syntax_errors_at_parse(server: Server) -> None:
    """A statement neither grammar reads fails at Parse (asyncpg's prepare), with 42601."""

    async def main() -> list[tuple[str, Any]]:
        if isinstance(server, TempPostgres):
            conn = await asyncpg.connect(server.dsn, timeout=10)
        else:
            conn = await asyncpg.connect(
                host=server.host, port=server.port, user="tester", database="testdb"
            )
        out = []
        try:
            for sql in ("selec 1", "select * from where", "select (1"):
                try:
                    await conn.prepare(sql)
                except asyncpg.PostgresError as exc:
                    out.append((exc.sqlstate, exc.position is not None))
                else:
                    out.append(("prepared", None))
        finally:
            await conn.close()
        return out

    assert asyncio.run(asyncio.wait_for(main(), 30)) == [("42601", True)] * 3


def test_comments(request: pytest.FixtureRequest) -> None:
    same(
        [
            ("drop table if exists sd_noted", None),
            ("create table sd_noted (id int, v text)", None),
            ("comment on table sd_noted is 'a table'", None),
            ("comment on column sd_noted.v is 'a value'", None),
            ("comment on column sd_noted.nope is 'x'", None),
            (
                "select obj_description('sd_noted'::regclass, 'pg_class'),"
                " col_description('sd_noted'::regclass, 2)",
                None,
            ),
            ("comment on table sd_noted is null", None),
            ("select obj_description('sd_noted'::regclass, 'pg_class')", None),
            ("drop table sd_noted", None),
        ],
        request,
    )


def test_set_constraints_all_immediate_checks_deferred_keys(server: Server) -> None:
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        conn.execute("drop table if exists sd_d_child")
        conn.execute("drop table if exists sd_d_parent")
        conn.execute("create table sd_d_parent (id int primary key)")
        conn.execute(
            "create table sd_d_child (id int, p int references sd_d_parent"
            " deferrable initially deferred)"
        )
        with conn.transaction():
            conn.execute("insert into sd_d_child values (1, 1)")  # deferred: no error yet
            conn.execute("insert into sd_d_parent values (1)")
            conn.execute("set constraints all immediate")  # satisfied by now
        with pytest.raises(psycopg.Error) as caught, conn.transaction():
            conn.execute("insert into sd_d_child values (2, 2)")
            conn.execute("set constraints all immediate")
        assert caught.value.sqlstate == "23503"
        assert conn.execute("select count(*) from sd_d_child").fetchone() == (1,)
        conn.execute("drop table sd_d_child")
        conn.execute("drop table sd_d_parent")


def test_constraint_introspection_as_django_does_it(request: pytest.FixtureRequest) -> None:
    """Django's schema editor finds constraints by unnesting index keys WITH ORDINALITY and
    reads foreign keys by the names ALTER TABLE gave them."""
    same(
        [
            ("drop table if exists sd_ref", None),
            ("drop table if exists sd_target", None),
            ("create table sd_target (id int primary key)", None),
            ("create table sd_ref (id int primary key, t int, a int, b int)", None),
            (
                "alter table sd_ref add constraint sd_ref_t_named_fk foreign key (t)"
                " references sd_target (id) deferrable initially deferred",
                None,
            ),
            ("create unique index sd_ref_ab on sd_ref (a, b)", None),
            (
                "select c2.relname, koi.key, koi.arridx from pg_index i,"
                " unnest(i.indkey, i.indoption) with ordinality koi(key, option, arridx),"
                " pg_class c2 where c2.oid = i.indexrelid"
                " and i.indrelid = 'sd_ref'::regclass order by 1, 3",
                None,
            ),
            (
                "select conname, contype from pg_constraint"
                " where conrelid = 'sd_ref'::regclass order by 1",
                None,
            ),
            ("alter table sd_ref drop constraint sd_ref_t_named_fk", None),
            ("insert into sd_ref values (1, 99, 1, 1)", None),
            ("drop table sd_ref", None),
            ("drop table sd_target", None),
        ],
        request,
    )


def asyncpg_answers(server: Server, statements: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
    """Per statement, prepared (Parse, Describe) then run by asyncpg: column types and rows."""

    async def main() -> list[Any]:
        if isinstance(server, TempPostgres):
            conn = await asyncpg.connect(server.dsn, timeout=10)
        else:
            conn = await asyncpg.connect(
                host=server.host, port=server.port, user="tester", database="testdb"
            )
        out: list[Any] = []
        try:
            for sql, args in statements:
                statement = await conn.prepare(sql)
                types = [a.type.oid for a in statement.get_attributes()]
                out.append((types, [tuple(r) for r in await statement.fetch(*args)]))
        finally:
            await conn.close()
        return out

    return asyncio.run(asyncio.wait_for(main(), 30))


def test_prepared_statements_describe_defaults_and_sequences(
    request: pytest.FixtureRequest,
) -> None:
    setup = [
        ("drop table if exists sd_prep", None),
        ("create table sd_prep (id serial primary key, v text default 'd', n int)", None),
    ]
    statements: list[tuple[str, tuple[Any, ...]]] = [
        ("insert into sd_prep values (default, $1, $2) returning id, v", ("x", 1)),
        ("insert into sd_prep (v, n) values (default, $1) returning id, v, n", (5,)),
        ("insert into sd_prep values (default, $1, $2)", ("y", 2)),
        ("select nextval('sd_prep_id_seq'), currval('sd_prep_id_seq')", ()),
        ("select setval('sd_prep_id_seq', 20, false), nextval('sd_prep_id_seq')", ()),
        ("select id, v, n from sd_prep where id in ($1, $2) order by id", (1, 2)),
    ]
    found = []
    for name in ("sqlite_server", "postgres15"):
        server = request.getfixturevalue(name)
        answers(server, setup)
        found.append(asyncpg_answers(server, statements))
        answers(server, [("drop table sd_prep", None)])
    assert found[0] == found[1]
