"""Parameters a client leaves untyped get their type at Parse, as in PostgreSQL, side by side
with PostgreSQL 15: psycopg's `execute` never sends Describe, so what the server infers at Parse
decides how Bind reads its text values (a date with a zone suffix, a list of str into text[]).
The answer follows the schema when another session changes a table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")
import psycopg.errors as pgerr  # noqa: E402

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

Server = ServerProcess | TempPostgres


@pytest.fixture(scope="module", params=["duckdb", "sqlite", "postgres"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if request.param == "postgres":
        yield request.getfixturevalue("postgres15")
        return
    target = None if request.param == "duckdb" else str(tmp_path_factory.mktemp("pt") / "pt.sqlite")
    with ServerProcess(target) as process:
        yield process


def connect(server: Server) -> Any:
    dsn = server.dsn if isinstance(server, TempPostgres) else server.conninfo()
    return psycopg.connect(dsn, autocommit=True)


@pytest.fixture
def table(server: Server, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"ppt_{request.node.name.split('[')[0].removeprefix('test_')}"
    with connect(server) as conn:
        conn.execute(f"drop table if exists {name}")
    yield name
    with connect(server) as conn:
        conn.execute(f"drop table if exists {name}")


def test_str_values_read_as_their_columns_types(server: Server, table: str) -> None:
    with connect(server) as conn:
        conn.execute(f"create table {table} (d date, n integer, tags text[])")
        # pgjdbc's setDate sends a date with a zone suffix as an untyped string
        conn.execute(
            f"insert into {table} (d, n, tags) values (%s, %s, %s)",
            ("2024-02-29 +00", "5", ["a", "b"]),
        )
        rows = conn.execute(f"select d, n, tags from {table} where n = %s", ("5",)).fetchall()
    assert rows == [(dt.date(2024, 2, 29), 5, ["a", "b"])]


def test_a_bad_value_fails_at_bind_as_its_type(server: Server, table: str) -> None:
    with connect(server) as conn:
        conn.execute(f"create table {table} (n integer)")
        with pytest.raises(pgerr.InvalidTextRepresentation) as caught:
            conn.execute(f"insert into {table} values (%s)", ("five",))
    assert 'invalid input syntax for type integer: "five"' in str(caught.value)


def test_types_follow_another_sessions_ddl(server: Server, table: str) -> None:
    with connect(server) as conn, connect(server) as other:
        conn.execute(f"create table {table} (v integer)")
        insert = f"insert into {table} values (%s)"
        conn.execute(insert, ("7",))
        other.execute(f"drop table {table}")
        other.execute(f"create table {table} (v date)")
        conn.execute(insert, ("2024-01-02 +00",))  # read as a date now, not an integer
        assert conn.execute(f"select v from {table}").fetchall() == [(dt.date(2024, 1, 2),)]


def test_types_follow_ddl_committed_by_another_transaction(server: Server, table: str) -> None:
    if isinstance(server, TempPostgres):
        pytest.skip("PostgreSQL locks the table: the query would wait for the DROP to commit")
    with connect(server) as conn, connect(server) as other:
        conn.execute(f"create table {table} (v integer)")
        conn.execute(f"insert into {table} values (8)")
        count = f"select count(*) from {table} where v = %s"
        with other.transaction():
            other.execute(f"drop table {table}")
            other.execute(f"create table {table} (v date)")
            other.execute(f"insert into {table} values ('2024-01-02')")
            assert conn.execute(count, ("8",)).fetchone() == (1,)  # the table conn still sees
        assert conn.execute(count, ("2024-01-02 +00",)).fetchone() == (1,)  # a date now
