"""The contract over the wire: psycopg 3 against `pgwire serve` of every backend.

The same tests run against PostgreSQL 15 itself first ("postgres"), so the expected results
are PostgreSQL's, checked, not remembered.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import pq, sql

from tests.backends.contract.cases import ERROR_CASES, PARAMETER_CASES, TYPE_CASES
from tests.backends.contract.conftest import BACKENDS, known_difference
from tests.conftest import skip_or_fail
from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop


_REFERENCE_DB = "contract"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), *BACKENDS],
)
def backend(request: pytest.FixtureRequest) -> str:
    """Every backend, and PostgreSQL 15 as the reference (overrides conftest's)."""
    name: str = request.param
    if name != "postgres":
        module = BACKENDS[name][0]
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"the {name} backend needs {module}")
    return name


@pytest.fixture
def conninfo(backend: str, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        pg: TempPostgres = request.getfixturevalue("postgres15")
        if _REFERENCE_DB not in pg.psql("SELECT datname FROM pg_database"):
            pg.psql(f"CREATE DATABASE {_REFERENCE_DB}")
        return pg.dsn_for(_REFERENCE_DB)
    server: ServerProcess = request.getfixturevalue("server")
    return server.conninfo()


@pytest.fixture
def conn(conninfo: str, table: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        yield connection
        # The reference database outlives the test: leave nothing behind.
        with connection.transaction():
            connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))


def ident(name: str) -> sql.Identifier:
    return sql.Identifier(name)


def test_crud_command_tags(conn: psycopg.Connection[Any], table: str) -> None:
    t = ident(table)
    steps = [
        (sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, name text)").format(t), "CREATE TABLE"),
        (sql.SQL("INSERT INTO {} VALUES (1, 'a'), (2, 'b'), (3, 'c')").format(t), "INSERT 0 3"),
        (sql.SQL("SELECT * FROM {}").format(t), "SELECT 3"),
        (sql.SQL("UPDATE {} SET name = 'z' WHERE id > 1").format(t), "UPDATE 2"),
        (sql.SQL("DELETE FROM {} WHERE id = 3").format(t), "DELETE 1"),
        (sql.SQL("DROP TABLE {}").format(t), "DROP TABLE"),
    ]
    with conn.cursor() as cur:
        for statement, want in steps:
            cur.execute(statement)
            assert cur.statusmessage == want, statement.as_string(conn)


@pytest.mark.parametrize(
    ("column_type", "literal", "type_name", "printed", "difference"),
    [case[1:] for case in TYPE_CASES],
    ids=[case[0] for case in TYPE_CASES],
)
def test_types_print_as_postgres(
    conn: psycopg.Connection[Any],
    table: str,
    backend: str,
    request: pytest.FixtureRequest,
    column_type: str,
    literal: str,
    type_name: str,
    printed: str | None,
    difference: str | None,
) -> None:
    """What psql would show: the text PostgreSQL prints and the type it describes."""
    if difference is not None:
        known_difference(request, backend, difference)
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (v {})").format(t, sql.SQL(column_type)))
    conn.execute(sql.SQL("INSERT INTO {} VALUES ({})").format(t, sql.SQL(literal)))
    result = conn.pgconn.exec_(f'SELECT v FROM "{table}"'.encode())
    assert result.status == pq.ExecStatus.TUPLES_OK, result.error_message
    oid = result.ftype(0)
    value = result.get_value(0, 0)
    assert psycopg.adapters.types[oid].name == type_name
    assert (value.decode() if value is not None else None) == printed


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize(
    ("column_type", "value", "expected"),
    [case[1:] for case in PARAMETER_CASES],
    ids=[case[0] for case in PARAMETER_CASES],
)
def test_parameters_round_trip(
    conn: psycopg.Connection[Any],
    table: str,
    column_type: str,
    value: Any,
    expected: Any,
    binary: bool,
) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (id int, v {})").format(t, sql.SQL(column_type)))
    with conn.cursor(binary=binary) as cur:
        cur.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(t), (1, value))
        assert cur.statusmessage == "INSERT 0 1"
        cur.execute(sql.SQL("SELECT v FROM {} WHERE id = %s").format(t), (1,))
        assert cur.fetchall() == [(expected,)]


def test_transactions_commit_rollback_and_isolation(
    conninfo: str, conn: psycopg.Connection[Any], table: str
) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (v int)").format(t))
    count = sql.SQL("SELECT count(*) AS n FROM {}").format(t)
    with psycopg.connect(conninfo, connect_timeout=10) as other:  # not autocommit
        other.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
        assert other.info.transaction_status == pq.TransactionStatus.INTRANS
        assert conn.execute(count).fetchone() == (0,)  # uncommitted: not seen here
        other.rollback()
        assert conn.execute(count).fetchone() == (0,)
        other.execute(sql.SQL("INSERT INTO {} VALUES (2)").format(t))
        other.commit()
        assert conn.execute(count).fetchone() == (1,)
    with conn.transaction():
        conn.execute(sql.SQL("INSERT INTO {} VALUES (3)").format(t))
    with pytest.raises(psycopg.errors.UndefinedTable), conn.transaction():
        conn.execute(sql.SQL("INSERT INTO {} VALUES (4)").format(t))
        conn.execute("SELECT * FROM no_such_table")
    assert conn.execute(sql.SQL("SELECT v FROM {} ORDER BY v").format(t)).fetchall() == [
        (2,),
        (3,),
    ]


@pytest.mark.parametrize(
    ("statement", "code"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_error_sqlstates(
    conn: psycopg.Connection[Any], table: str, statement: str, code: str
) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, name text NOT NULL)").format(t))
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1, 'a')").format(t))
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement.format(t=f'"{table}"'))
    assert caught.value.sqlstate == code, str(caught.value)
    assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t)).fetchone() == (1,)


def test_error_in_a_transaction_block(conn: psycopg.Connection[Any], table: str) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY)").format(t))
    conn.execute("BEGIN")
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
    assert conn.info.transaction_status == pq.TransactionStatus.INERROR
    with pytest.raises(psycopg.errors.InFailedSqlTransaction):
        conn.execute("SELECT 1")
    conn.execute("ROLLBACK")
    assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t)).fetchone() == (0,)


def test_multi_statement_query_is_atomic(conn: psycopg.Connection[Any], table: str) -> None:
    conn.execute(f'CREATE TABLE "{table}" (v int)')
    with pytest.raises(psycopg.errors.UndefinedTable):
        conn.execute(
            f'INSERT INTO "{table}" VALUES (1); INSERT INTO "{table}" VALUES (2); '
            "SELECT * FROM no_such_table"
        )
    assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (0,)
    conn.execute(f'INSERT INTO "{table}" VALUES (1); INSERT INTO "{table}" VALUES (2)')
    assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() == (2,)


def test_server_side_cursors(conn: psycopg.Connection[Any], table: str) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (v int)").format(t))
    with conn.cursor() as cur:
        cur.executemany(sql.SQL("INSERT INTO {} VALUES (%s)").format(t), [(i,) for i in range(25)])
    with conn.transaction():
        with conn.cursor(name="contract_cursor") as named:  # DECLARE ... FETCH FORWARD n
            named.itersize = 7
            named.execute(sql.SQL("SELECT v FROM {} ORDER BY v").format(t))
            assert named.fetchmany(3) == [(0,), (1,), (2,)]
            assert [row[0] for row in named] == list(range(3, 25))
        conn.execute(sql.SQL("DECLARE c1 CURSOR FOR SELECT v FROM {} ORDER BY v").format(t))
        assert conn.execute("FETCH 2 FROM c1").fetchall() == [(0,), (1,)]
        cur = conn.execute("FETCH FORWARD 3 FROM c1")
        assert cur.fetchall() == [(2,), (3,), (4,)]
        assert cur.statusmessage == "FETCH 3"
        assert conn.execute("MOVE 10 IN c1").statusmessage == "MOVE 10"
        assert conn.execute("FETCH ALL FROM c1").fetchall() == [(i,) for i in range(15, 25)]
        assert conn.execute("CLOSE c1").statusmessage == "CLOSE CURSOR"


def test_prepared_statements(conn: psycopg.Connection[Any], table: str) -> None:
    t = ident(table)
    conn.execute(sql.SQL("CREATE TABLE {} (id int, name text)").format(t))
    insert = sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(t)
    for i in range(4):  # psycopg prepares server-side from the second run (prepare_threshold)
        conn.execute(insert, (i, f"n{i}"), prepare=True)
    select = sql.SQL("SELECT name FROM {} WHERE id = %s").format(t)
    assert [conn.execute(select, (i,), prepare=True).fetchone() for i in range(4)] == [
        ("n0",),
        ("n1",),
        ("n2",),
        ("n3",),
    ]
    conn.execute(sql.SQL("PREPARE by_id (int) AS SELECT id, name FROM {} WHERE id = $1").format(t))
    assert conn.execute("EXECUTE by_id(2)").fetchall() == [(2, "n2")]
    assert conn.execute("EXECUTE by_id(3)").fetchall() == [(3, "n3")]
    assert conn.execute("DEALLOCATE by_id").statusmessage == "DEALLOCATE"
