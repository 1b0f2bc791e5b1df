"""pg8000 (pure Python) against `pgwire serve` (DuckDB), through both of its APIs.

pg8000 runs every statement with parameters over the extended protocol, and by default sends
each parameter as text with type OID 0, leaving its type to the server, unless the caller
gives OIDs (`types=`). PostgreSQL infers a parameter's type from where it is used; pgwire
does not, so an untyped parameter arrives in DuckDB as a string literal that DuckDB casts
implicitly: that works for the common scalar types, and the tests mark where it cannot.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pg8000.dbapi
import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

UTC = dt.UTC

# OIDs of PostgreSQL types, for pg8000's `types=` and for checking RowDescription.
BOOL, BYTEA, INT8, INT4, TEXT, JSONB = 16, 17, 20, 23, 25, 3802
FLOAT8, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 701, 1082, 1083, 1114, 1184, 1186
NUMERIC, UUID, INT4_ARRAY, TEXT_ARRAY = 1700, 2950, 1007, 1009

# (column, SQL type, value, type OID of the column as the server describes it)
COMMON: list[tuple[str, str, Any, int]] = [
    ("i", "integer", -7, INT4),
    ("b", "bigint", 2**40 + 1, INT8),
    ("f", "double precision", 1.25, FLOAT8),
    ("n", "numeric(12,3)", Decimal("12345.678"), NUMERIC),
    ("t", "text", 'it\'s "ünïcode" ☃ \\', TEXT),
    ("ok", "boolean", True, BOOL),
    ("d", "date", dt.date(2024, 2, 29), DATE),
    ("ts", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 123456), TIMESTAMP),
    ("tz", "timestamptz", dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), TIMESTAMPTZ),
    ("tm", "time", dt.time(12, 34, 56, 789), TIME),
    ("iv", "interval", dt.timedelta(days=3, seconds=7, microseconds=5), INTERVAL),
    ("u", "uuid", uuid.UUID("12345678-1234-5678-1234-567812345678"), UUID),
    # jsonb, as applications declare it: DuckDB keeps one JSON type, described as jsonb
    ("j", "jsonb", {"a": [1, "x", None], "b": {"c": True}}, JSONB),
]
COLUMNS = ", ".join(c[0] for c in COMMON)
DDL = ", ".join(f"{c[0]} {c[1]}" for c in COMMON)


def native(server: ServerProcess) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        "tester", host=server.host, port=server.port, database="testdb", timeout=30
    )


def dbapi(server: ServerProcess) -> pg8000.dbapi.Connection:
    return pg8000.dbapi.connect(
        user="tester", host=server.host, port=server.port, database="testdb", timeout=30
    )


@pytest.fixture
def con(duckdb_server: ServerProcess) -> Iterator[pg8000.native.Connection]:
    c = native(duckdb_server)
    try:
        yield c
    finally:
        c.close()


def sqlstate_of(exc: DatabaseError) -> str:
    fields: dict[str, str] = exc.args[0]
    return fields["C"]


# --------------------------------------------------------------------------------------------
# pg8000.native


def test_native_startup_and_simple_select(con: pg8000.native.Connection) -> None:
    assert con.run("select 1 as one, 'two' as two") == [[1, "two"]]
    assert con.columns is not None
    assert [(c["name"], c["type_oid"]) for c in con.columns] == [("one", INT4), ("two", TEXT)]
    assert con.parameter_statuses["server_encoding"] == "UTF8"
    assert con.parameter_statuses["client_encoding"] == "UTF8"


def test_native_insert_select_round_trip(con: pg8000.native.Connection) -> None:
    con.run(f"create table p8_types (id int primary key, {DDL})")
    params = {c[0]: c[2] for c in COMMON}
    names = ", ".join(f":{c[0]}" for c in COMMON)
    con.run(f"insert into p8_types (id, {COLUMNS}) values (:id, {names})", id=1, **params)
    assert con.row_count == 1
    con.run(
        f"insert into p8_types (id, {COLUMNS}) values (:id, {names})",
        id=2,
        **dict.fromkeys(params),
    )
    rows = con.run(f"select {COLUMNS} from p8_types order by id")
    assert rows[0] == [c[2] for c in COMMON]
    assert rows[1] == [None] * len(COMMON)
    assert con.columns is not None
    assert [c["type_oid"] for c in con.columns] == [c[3] for c in COMMON]


def _round_trip(con: pg8000.native.Connection) -> tuple[list[Any], list[int]]:
    con.run(f"create temporary table p8_cmp (id int, {DDL})")
    names = ", ".join(f":{c[0]}" for c in COMMON)
    con.run(
        f"insert into p8_cmp (id, {COLUMNS}) values (1, {names})", **{c[0]: c[2] for c in COMMON}
    )
    rows = con.run(f"select {COLUMNS} from p8_cmp")
    assert con.columns is not None
    return rows, [c["type_oid"] for c in con.columns]


@pytest.mark.postgres
def test_native_round_trip_matches_postgres(
    con: pg8000.native.Connection, postgres15: TempPostgres
) -> None:
    pg = pg8000.native.Connection(
        "postgres", host="127.0.0.1", port=postgres15.port, database="postgres", timeout=30
    )
    try:
        expected = _round_trip(pg)
    finally:
        pg.close()
    assert _round_trip(con) == expected


@pytest.mark.parametrize(("column", "value"), [(c[0], c[2]) for c in COMMON if c[0] != "j"])
def test_native_parameter_in_where(con: pg8000.native.Connection, column: str, value: Any) -> None:
    table = f"p8_where_{column}"
    con.run(f"create table {table} (id int, {DDL})")
    con.run(f"insert into {table} (id, {column}) values (1, :v), (2, NULL)", v=value)
    assert con.run(f"select id, {column} from {table} where {column} = :v", v=value) == [[1, value]]


def test_native_parameters_with_casts(con: pg8000.native.Connection) -> None:
    row = con.run(
        "select :a::int + 1, :b::bigint * 2, :c::numeric(10,2), :d::date + 1, :e::text || '!', "
        ":f::boolean, :g::double precision / 4",
        a=41,
        b=2**40,
        c=Decimal("3.14"),
        d=dt.date(2024, 12, 31),
        e="héllo",
        f=False,
        g=3.0,
    )
    assert row == [[42, 2**41, Decimal("3.14"), dt.date(2025, 1, 1), "héllo!", False, 0.75]]


def test_native_typed_parameters(con: pg8000.native.Connection) -> None:
    # With OIDs given (types=), bytea and arrays round-trip like any other value.
    con.run("create table p8_typed (id int, raw bytea, nums integer[], tags text[])")
    values = {
        "raw": b"\x00\x01\\x41'\xfe\xff",
        "nums": [1, None, -3],
        "tags": ["a", "b c", 'q"uote', "NULL"],
    }
    con.run(
        "insert into p8_typed values (1, :raw, :nums, :tags)",
        types={"raw": BYTEA, "nums": INT4_ARRAY, "tags": TEXT_ARRAY},
        **values,
    )
    assert con.run("select raw, nums, tags from p8_typed") == [list(values.values())]
    assert con.run("select :v", v=[5, 6], types={"v": INT4_ARRAY}) == [[[5, 6]]]


def test_native_untyped_parameters_take_the_column_type(con: pg8000.native.Connection) -> None:
    # pg8000 sends bytes as '\\x0001...' and lists as '{1,2}', both untyped: PostgreSQL
    # reads them by the type of the column they go into, and so must the server.
    con.run("create table p8_untyped (raw bytea, nums integer[], tags text[])")
    raw, nums, tags = b"\x00\x01\\x41\xfe\xff", [1, None, 3], ["a", "b c", 'q"uote', "NULL"]
    con.run("insert into p8_untyped values (:raw, :nums, :tags)", raw=raw, nums=nums, tags=tags)
    assert con.run("select raw, nums, tags from p8_untyped") == [[raw, nums, tags]]
    assert con.run("select count(*) from p8_untyped where raw = :raw", raw=raw) == [[1]]


def test_native_prepared_statement(con: pg8000.native.Connection) -> None:
    con.run("create table p8_prep (id int primary key, label text)")
    insert = con.prepare("insert into p8_prep values (:id, :label)")
    for i in range(50):
        insert.run(id=i, label=f"label {i} ✓")
    insert.close()
    select = con.prepare("select label from p8_prep where id = :id")
    for i in (0, 17, 49):
        assert select.run(id=i) == [[f"label {i} ✓"]]
    assert select.run(id=99) == []
    select.close()
    assert con.run("select count(*) from p8_prep") == [[50]]


def test_native_many_rows(con: pg8000.native.Connection) -> None:
    rows = con.run("select g, 'r' || g from generate_series(1, :n) as t(g) order by g", n=5000)
    assert len(rows) == 5000
    assert rows[0] == [1, "r1"]
    assert rows[-1] == [5000, "r5000"]


def test_native_error_then_recovery(con: pg8000.native.Connection) -> None:
    con.run("create table p8_err (id int primary key, name text not null)")
    con.run("insert into p8_err values (:id, :name)", id=1, name="one")
    cases = [
        ("insert into p8_err values (:id, :name)", {"id": 1, "name": "dup"}, "23505"),
        ("insert into p8_err values (:id, :name)", {"id": 2, "name": None}, "23502"),
        ("select * from p8_missing where id = :id", {"id": 1}, "42P01"),
        ("select nope from p8_err where id = :id", {"id": 1}, "42703"),
        ("selec :id", {"id": 1}, "42601"),
        ("select :a::int // :b::int", {"a": 1, "b": 0}, "22012"),
    ]
    for sql, params, code in cases:
        with pytest.raises(DatabaseError) as info:
            con.run(sql, **params)
        assert sqlstate_of(info.value) == code, sql
        # The connection is fine after each error.
        assert con.run("select name from p8_err where id = :id", id=1) == [["one"]]


def test_native_error_in_transaction_block(con: pg8000.native.Connection) -> None:
    con.run("create table p8_err_tx (id int primary key)")
    con.run("begin")
    con.run("insert into p8_err_tx values (:id)", id=1)
    with pytest.raises(DatabaseError) as info:
        con.run("insert into p8_err_tx values (:id)", id=1)
    assert sqlstate_of(info.value) == "23505"
    with pytest.raises(DatabaseError) as info:
        con.run("select 1")
    assert sqlstate_of(info.value) == "25P02"
    con.run("rollback")
    assert con.run("select count(*) from p8_err_tx") == [[0]]
    con.run("begin")
    con.run("insert into p8_err_tx values (:id)", id=2)
    con.run("commit")
    assert con.run("select id from p8_err_tx") == [[2]]


# --------------------------------------------------------------------------------------------
# pg8000.dbapi


def test_dbapi_round_trip_and_description(duckdb_server: ServerProcess) -> None:
    conn = dbapi(duckdb_server)
    try:
        cur = conn.cursor()
        cur.execute(f"create table p8_db (id int primary key, {DDL})")
        placeholders = ", ".join(["%s"] * (len(COMMON) + 1))
        cur.execute(
            f"insert into p8_db (id, {COLUMNS}) values ({placeholders})",
            (1, *(c[2] for c in COMMON)),
        )
        assert cur.rowcount == 1
        conn.commit()
        cur.execute(f"select {COLUMNS} from p8_db where id = %s", (1,))
        assert cur.fetchall() == ([c[2] for c in COMMON],)
        assert cur.description is not None
        assert [(d[0], d[1]) for d in cur.description] == [(c[0], c[3]) for c in COMMON]
        cur.close()
    finally:
        conn.close()


def test_dbapi_executemany_commit_rollback(duckdb_server: ServerProcess) -> None:
    conn = dbapi(duckdb_server)
    try:
        cur = conn.cursor()
        cur.execute("create table p8_many (id int primary key, name text)")
        conn.commit()
        cur.executemany("insert into p8_many values (%s, %s)", [(i, f"n{i}") for i in range(200)])
        assert cur.rowcount == 200
        conn.rollback()  # dbapi connections run in a transaction: all of it goes
        cur.execute("select count(*) from p8_many")
        assert cur.fetchone() == [0]
        cur.executemany("insert into p8_many values (%s, %s)", [(i, f"n{i}") for i in range(200)])
        conn.commit()
        cur.execute("select count(*), min(name), max(id) from p8_many")
        assert cur.fetchone() == [200, "n0", 199]
        cur.execute("select id from p8_many where id < %s order by id", (5,))
        assert cur.fetchmany(2) == ([0], [1])
        assert cur.fetchall() == ([2], [3], [4])
    finally:
        conn.close()


def test_dbapi_autocommit(duckdb_server: ServerProcess) -> None:
    conn = dbapi(duckdb_server)
    other = dbapi(duckdb_server)
    try:
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute("create table p8_auto (a int)")
        cur.execute("insert into p8_auto values (%s)", (1,))
        ocur = other.cursor()
        ocur.execute("select a from p8_auto")
        assert ocur.fetchall() == ([1],)
        other.rollback()
    finally:
        conn.close()
        other.close()


def test_dbapi_error_then_recovery(duckdb_server: ServerProcess) -> None:
    conn = dbapi(duckdb_server)
    try:
        cur = conn.cursor()
        cur.execute("create table p8_db_err (id int primary key)")
        cur.execute("insert into p8_db_err values (%s)", (1,))
        conn.commit()
        cur.execute("insert into p8_db_err values (%s)", (2,))
        with pytest.raises(pg8000.dbapi.DatabaseError) as info:
            cur.execute("insert into p8_db_err values (%s)", (1,))
        assert sqlstate_of(info.value) == "23505"
        with pytest.raises(pg8000.dbapi.DatabaseError) as info:
            cur.execute("select 1")
        assert sqlstate_of(info.value) == "25P02"
        conn.rollback()
        cur.execute("select id from p8_db_err order by id")
        assert cur.fetchall() == ([1],)  # the 2 went with the failed transaction
        with pytest.raises(pg8000.dbapi.DatabaseError) as info:
            cur.execute("select * from p8_db_missing")
        assert sqlstate_of(info.value) == "42P01"
        conn.rollback()
        cur.execute("select %s::int + %s::int", (40, 2))
        assert cur.fetchone() == [42]
        conn.commit()
    finally:
        conn.close()
