"""Describing statements on DuckDB without running them: `DuckDBSession.describe` and the
parameter-type inference of `pgwire.backends.sqlparams`."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

import pytest

duckdb = pytest.importorskip("duckdb")

from pgwire import sqlstate  # noqa: E402
from pgwire.backends.duckdb import DuckDBHandler, DuckDBSession  # noqa: E402
from pgwire.backends.duckdb.describe import describe_returning  # noqa: E402
from pgwire.backends.sqlparams import (  # noqa: E402
    infer_parameter_types,
    returning_query,
    splice,
    tokenize,
)
from pgwire.errors import PgError  # noqa: E402
from pgwire.handler import Description, Rows, SessionInfo  # noqa: E402
from pgwire.types import oids  # noqa: E402

INT4, INT8, TEXT, NUMERIC, DATE, FLOAT8 = (
    oids.INT4,
    oids.INT8,
    oids.TEXT,
    oids.NUMERIC,
    oids.DATE,
    oids.FLOAT8,
)

# --------------------------------------------------------------------------------------------
# the SQL side, against a catalog of our own

CATALOG: dict[tuple[str, ...], list[tuple[str, int]]] = {
    ("t",): [("id", INT4), ("a", TEXT), ("b", NUMERIC), ("d", DATE)],
    ("u",): [("id", INT8), ("t_id", INT4), ("x", FLOAT8)],
    ("s", "w"): [("k", INT8)],
}


def lookup(name: tuple[str, ...]) -> list[tuple[str, int]] | None:
    return CATALOG.get(tuple(part.lower() for part in name))


def infer(sql: str, types: Sequence[int] | None = None) -> list[int]:
    from pgwire.sql import parameter_count

    return infer_parameter_types(sql, types or [0] * parameter_count(sql), lookup)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select a from t where id = $1", [INT4]),
        ("select a from t where $1 = id", [INT4]),
        ("select * from t where id <> $1 and b >= $2 and d < $3", [INT4, NUMERIC, DATE]),
        ("select * from t where a like $1 or a not ilike $2", [TEXT, TEXT]),
        ("select * from t where id in ($1, $2, 3) and id not in ($3)", [INT4, INT4, INT4]),
        ("select * from t where d between $1 and $2", [DATE, DATE]),
        ("select * from t where d not between symmetric $1 and $2", [DATE, DATE]),
        ("select * from t limit $1 offset $2", [INT8, INT8]),
        ("select * from t x where x.id = $1", [INT4]),
        ('select * from "T" as x where X.ID = $1', [INT4]),
        ("select * from t where t.id = $1", [INT4]),
        ("select * from s.w where k = $1", [INT8]),
        ("select * from s.w v where v.k = $1", [INT8]),
        ("select * from t join u on u.t_id = t.id where u.id = $1 and x > $2", [INT8, FLOAT8]),
        ("select * from t, u where u.x = $1", [FLOAT8]),
        # the same name in two tables of one query level: ambiguous, as in PostgreSQL
        ("select * from t, u where id = $1", [0]),
        ("update t set a = $1, b = $2 where id = $3", [TEXT, NUMERIC, INT4]),
        ("update t set a = $1 from u where u.t_id = t.id and u.x = $2", [TEXT, FLOAT8]),
        ("delete from t where id = $1", [INT4]),
        ("delete from t using u where u.t_id = t.id and u.id = $1", [INT8]),
        ("insert into t values ($1, $2, $3, $4)", [INT4, TEXT, NUMERIC, DATE]),
        ("insert into t (d, id) values ($1, $2), ($3, $4)", [DATE, INT4, DATE, INT4]),
        ("insert into t (id, a) values ($1, lower($2))", [INT4, 0]),
        (
            "insert into t (id, a) values ($1, $2) on conflict (id) do update set a = $3",
            [INT4, TEXT, TEXT],
        ),
        ("insert or replace into t (id) values ($1)", [INT4]),
        # subqueries: each level sees its own FROM, then the levels around it
        ("select * from t where id in (select t_id from u where x = $1)", [FLOAT8]),
        ("select * from t where exists (select 1 from u where u.t_id = t.id and a = $1)", [TEXT]),
        ("select * from u where id = (select id from t where a = $1) and id = $2", [TEXT, INT8]),
        ("with q as (select * from t where id = $1) select * from q where a = $2", [INT4, 0]),
        ("select * from (select * from t) sub where id = $1", [0]),
        ("select * from t, generate_series(1, 3) g where id = $1", [0]),
        ("select extract(year from d) from t where d = $1", [DATE]),
        ("select * from t where a is distinct from $1 and id = $2", [0, INT4]),
        # not a bare parameter, or not a bare column: unclear
        ("select * from t where id = $1 + 1", [0]),
        ("select * from t where id + 1 = $1", [0]),
        ("select * from t where lower(a) = $1", [0]),
        ("select * from t where id::text = $1", [0]),
        ("select * from t where id = -$1", [0]),
        ("select $1, $2 from t", [0, 0]),
        ("select * from nope where id = $1", [0]),
        ("select * from t where nope = $1", [0]),
        ("select * from t where id = any($1)", [0]),
        # quoting, comments and literals hide what is not code
        ("select * from t where a = '$1' and id = $1", [INT4]),
        ("select * from t /* where a = $1 */ where id = $1", [INT4]),
        ("select * from t where a = E'it''s \\' $2' and id = $1", [INT4]),
    ],
)
def test_infer_parameter_types(sql: str, expected: list[int]) -> None:
    assert infer(sql) == expected


def test_declared_and_cast_types_are_kept() -> None:
    assert infer("select * from t where id = $1 and a = $2", [INT8, 0]) == [INT8, TEXT]
    assert infer("select 1", []) == []


def test_catalog_is_asked_once_per_table_and_not_at_all_when_all_known() -> None:
    asked: list[tuple[str, ...]] = []

    def counting(name: tuple[str, ...]) -> list[tuple[str, int]] | None:
        asked.append(name)
        return lookup(name)

    sql = "select * from t where id = $1 or id = $2 or a = $3"
    assert infer_parameter_types(sql, [0, 0, 0], counting) == [INT4, INT4, TEXT]
    assert asked == [("t",)]
    asked.clear()
    assert infer_parameter_types(sql, [INT4, INT4, TEXT], counting) == [INT4, INT4, TEXT]
    assert asked == []
    # only for a column compared with a parameter that needs a type
    sql = "select * from t, u where t.id = u.t_id and u.x = $1 and t.a = $2::text"
    assert infer_parameter_types(sql, [0, TEXT], counting) == [FLOAT8, TEXT]
    assert asked == [("u",)]


def test_tokenize() -> None:
    tokens = tokenize("select \"A\"\"b\".x, E'q''s' -- c\n, $12 <>-1 /* $3 */ ::int")
    assert [(t.kind, t.value) for t in tokens] == [
        ("word", "select"),
        ("ident", 'A"b'),
        ("punct", "."),
        ("word", "x"),
        ("punct", ","),
        ("string", "E'q''s'"),
        ("punct", ","),
        ("param", "12"),
        ("op", "<>"),
        ("op", "-"),
        ("number", "1"),
        ("op", "::"),
        ("word", "int"),
    ]


def test_splice_maps_positions_back() -> None:
    sql = "select $1 + $2, 'x$1' from t where $10 = 1"
    spliced = splice(sql, ["NULL::int4"] * 9 + ["NULL"])
    assert spliced.text == "select NULL::int4 + NULL::int4, 'x$1' from t where NULL = 1"
    for word in ("select", "+", "'x$1'", "from", "= 1"):
        assert spliced.original_position(spliced.text.index(word) + 1) == sql.index(word) + 1
    # inside a replacement: the parameter itself
    assert spliced.original_position(spliced.text.index("int4 +") + 1) == sql.index("$1") + 1
    with pytest.raises(PgError) as info:
        splice("select $3", ["NULL"])
    assert info.value.sqlstate == sqlstate.UNDEFINED_PARAMETER


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("insert into t values (1) returning id, a", "SELECT id, a FROM t"),
        ("insert into t as x (id) values (1) returning x.id", "SELECT x.id FROM t AS x"),
        ("insert or replace into s.w values (1) returning *", "SELECT * FROM s.w"),
        ("update t set a = 'returning' where id = 1 returning *", "SELECT * FROM t"),
        ("update t x set a = 1 returning x.a", "SELECT x.a FROM t AS x"),
        (
            "update t set a = u.x from u, v where u.id = t.id returning t.id, u.x",
            "SELECT t.id, u.x FROM t, u, v",
        ),
        ("delete from t returning id", "SELECT id FROM t"),
        ("delete from only t where id in (select 1) returning id", "SELECT id FROM t"),
        ("delete from t using u where u.id = t.id returning u.x", "SELECT u.x FROM t, u"),
        (
            "with q as (select 1 as id) delete from t where id in (select id from q) returning 1",
            "with q as (select 1 as id) SELECT 1 FROM t",
        ),
        ("insert into t values (1)", None),
        ("select 1 as returning", None),
    ],
)
def test_returning_query(sql: str, expected: str | None) -> None:
    assert returning_query(sql) == expected


# --------------------------------------------------------------------------------------------
# DuckDBSession.describe


def run(body: Callable[[DuckDBSession], Awaitable[None]]) -> None:
    async def main() -> None:
        handler = DuckDBHandler()
        s = await handler.connect(SessionInfo("tester", "memory", 1))
        try:
            for sql in (
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a VARCHAR, b DECIMAL(10,2), d DATE, "
                "l INTEGER[], st STRUCT(x INTEGER), big UBIGINT, ts TIMESTAMPTZ)",
                "CREATE TABLE u (id BIGINT, t_id INTEGER, x DOUBLE)",
                "CREATE SEQUENCE seq",
                "INSERT INTO t (id, a) VALUES (1, 'one'), (2, 'two')",
            ):
                await s.query(sql)
            await asyncio.wait_for(body(s), 60)
        finally:
            await s.close()
            handler.shutdown()

    asyncio.run(main())


async def describe(s: DuckDBSession, sql: str, types: Sequence[int] | None = None) -> Description:
    from pgwire.sql import parameter_count

    described = await s.describe(sql, list(types or [0] * parameter_count(sql)))
    assert described is not None, sql
    return described


def columns(d: Description) -> list[tuple[str, int]] | None:
    return None if d.columns is None else [(c.name, c.type_oid) for c in d.columns]


async def rows(s: DuckDBSession, sql: str) -> list[tuple[Any, ...]]:
    result = await s.query(sql)
    assert isinstance(result, Rows)
    out: list[tuple[Any, ...]] = []
    assert result.batches is not None
    async for batch in result.batches:
        out.extend(tuple(r) for r in batch)
    return out


def test_select_columns_and_parameters() -> None:
    async def body(s: DuckDBSession) -> None:
        d = await describe(s, "select $1::int + 1 as x", [INT4])
        assert (d.param_types, columns(d)) == ([INT4], [("x", INT4)])
        d = await describe(s, "select a, b, l, st, big, ts from t where id = $1")
        assert d.param_types == [INT4]
        assert columns(d) == [
            ("a", TEXT),
            ("b", NUMERIC),
            ("l", oids.INT4_ARRAY),
            ("st", oids.RECORD),
            ("big", NUMERIC),
            ("ts", oids.TIMESTAMPTZ),
        ]
        assert d.columns is not None and d.columns[1].type_modifier == ((10 << 16) | 2) + 4
        # duplicate names stay as they are (a subquery wrapper would rename them)
        d = await describe(s, "select 1 as a, 2 as a, count(*) from t")
        assert columns(d) == [("a", INT4), ("a", INT4), ("count", INT8)]
        d = await describe(s, "select * from t where d between $1 and $2 limit $3")
        assert d.param_types == [DATE, DATE, INT8]
        # no context: unknown (0), reported as text; a declared type shapes the column
        assert (await describe(s, "select $1")).param_types == [0]
        assert columns(await describe(s, "select $1", [INT8])) == [("?column?", INT8)]

        for sql in ("values (1, 'x')", "table u", "from u", "show tables", "summarize u"):
            assert (await describe(s, sql)).columns, sql

    run(body)


def test_columns_match_what_running_it_returns() -> None:
    async def body(s: DuckDBSession) -> None:
        for sql in (
            "select * from t",
            "select id * 1.5, a || 'x', d + 1, now(), [1, 2], {'k': 1} from t",
            "select sum(id), avg(id), min(a) from t group by d",
            "with q as (select id from t) select count(*) from q",
        ):
            described = columns(await describe(s, sql))
            result = await s.query(sql)
            assert isinstance(result, Rows)
            assert described == [(c.name, c.type_oid) for c in result.columns], sql
            await rows(s, "select 1")  # drains the result above

    run(body)


@pytest.mark.parametrize(
    ("oid", "value"),
    [
        (INT4, 5),
        (INT8, 5),
        (TEXT, "x"),
        (oids.BOOL, True),
        (oids.BYTEA, b"\x00\xff"),
        (NUMERIC, Decimal("1.5")),
        (NUMERIC, Decimal("12345678901234567890.5")),
        (FLOAT8, 0.5),
        (DATE, dt.date(2024, 2, 29)),
        (oids.TIMESTAMPTZ, dt.datetime(2024, 2, 29, tzinfo=dt.UTC)),
        (oids.INTERVAL, dt.timedelta(days=1)),
        (oids.UUID, uuid.uuid4()),
        (oids.JSON, "{}"),
        (oids.JSONB, "{}"),
        (oids.TEXT_ARRAY, ["a", None]),
        (oids.INT4_ARRAY, [1, None]),
        (oids.INET, "10.0.0.1"),  # a type DuckDB lacks: spliced bare, as text
    ],
)
def test_parameter_columns_match_what_running_it_returns(oid: int, value: Any) -> None:
    """A parameter's NULL stands in for it as the execute path splices its value."""

    async def body(s: DuckDBSession) -> None:
        (described,) = (await describe(s, "select $1 as v", [oid])).columns or []
        result = await s.execute("select $1 as v", [value], [oid])
        assert isinstance(result, Rows)
        assert described.type_oid == result.columns[0].type_oid
        await rows(s, "select 1")  # drains the result above

    run(body)


def test_dml() -> None:
    async def body(s: DuckDBSession) -> None:
        d = await describe(s, "insert into t (id, a) values ($1, $2)")
        assert (d.param_types, d.columns) == ([INT4, TEXT], None)
        d = await describe(s, "insert into t (b, id) values ($1, $2) returning id, a as aa, b")
        assert d.param_types == [NUMERIC, INT4]
        assert columns(d) == [("id", INT4), ("aa", TEXT), ("b", NUMERIC)]
        d = await describe(s, "update t set a = $1 where id = $2 returning *")
        assert d.param_types == [TEXT, INT4]
        assert d.columns is not None and [c.name for c in d.columns][:3] == ["id", "a", "b"]
        d = await describe(
            s, "delete from t using u where u.t_id = t.id and u.id = $1 returning t.id"
        )
        assert (d.param_types, columns(d)) == ([INT8], [("id", INT4)])
        d = await describe(s, "delete from t where id = $1")
        assert (d.param_types, d.columns) == ([INT4], None)
        for sql in ("truncate u", "create table z (a int)", "set threads = 2", "begin"):
            assert (await describe(s, sql)).columns is None, sql
        # nothing ran
        assert await rows(s, "select id, a from t order by id") == [(1, "one"), (2, "two")]
        assert await rows(s, "select count(*) from duckdb_tables() where table_name = 'z'") == [
            (0,)
        ]

    run(body)


def test_nothing_runs() -> None:
    async def body(s: DuckDBSession) -> None:
        await describe(s, "select nextval('seq') from range(1000)")
        await describe(s, "insert into u select nextval('seq'), 1, 2 from range(10) returning id")
        assert await rows(s, "select nextval('seq')") == [(1,)]
        assert await rows(s, "select count(*) from u") == [(0,)]

    run(body)


def test_statements_it_leaves_to_the_library() -> None:
    async def body(s: DuckDBSession) -> None:
        for sql in ("pragma table_info('t')", "explain select 1", "call pragma_version()"):
            assert await s.describe(sql, []) is None, sql

    run(body)


@pytest.mark.parametrize(
    ("sql", "code", "position"),
    [
        ("select * from nope where id = $1", "42P01", 15),
        ("select nope from t where id = $1", "42703", 8),
        ("select id\nfrom t where $1 = nope", "42703", 29),
        ("select $1 from from t", "42601", 16),
        ("selec $1", "42601", 1),
        ("insert into nope values ($1)", "42P01", None),
        # DuckDB's wording for this one maps to 42000 (PostgreSQL: 42703), running it too
        ("update t set nope = $1", "42000", None),
        ("select 1 from t where id = $2", "42P02", None),
    ],
)
def test_errors_are_those_running_it_gives(sql: str, code: str, position: int | None) -> None:
    async def body(s: DuckDBSession) -> None:
        with pytest.raises(PgError) as info:
            await s.describe(sql, [0])
        assert info.value.sqlstate == code, info.value.message
        if position is not None:
            assert info.value.position == position
        # running it gives the same SQLSTATE
        if code != "42P02":
            with pytest.raises(PgError) as ran:
                await s.execute(sql, [None], [TEXT])
            assert ran.value.sqlstate == code

    run(body)


def test_lookups_leave_a_transaction_alone() -> None:
    async def body(s: DuckDBSession) -> None:
        await s.query("BEGIN")
        await s.query("INSERT INTO u VALUES (7, 1, 0.5)")
        # q is a CTE and g a table function: looking them up in the catalog fails, quietly
        sql = (
            "with q as (select 1 as k) select * from q, generate_series(1, 2) g, u "
            "where u.id = $1 and q.k = $2 and g.generate_series = $3"
        )
        assert (await describe(s, sql)).param_types == [INT8, 0, 0]
        # a RETURNING rewrite that does not bind or parse gives up without a trace
        assert describe_returning(s._cursor, "SELECT nope FROM u") is None
        assert describe_returning(s._cursor, "SELEC nope FROM u") is None
        assert await rows(s, "select id from u") == [(7,)]
        await s.query("COMMIT")
        assert await rows(s, "select id from u") == [(7,)]

    run(body)


def test_describe_while_a_result_streams() -> None:
    async def body(s: DuckDBSession) -> None:
        result = await s.query("select range as i from range(5000)")
        assert isinstance(result, Rows) and result.batches is not None
        batches = aiter(result.batches)
        first = await anext(batches)
        assert (await describe(s, "select a from t where id = $1")).param_types == [INT4]
        seen = len(first)
        async for batch in batches:
            seen += len(batch)
        assert seen == 5000

    run(body)
