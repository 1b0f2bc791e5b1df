"""psycopg 3 over the simple protocol (ClientCursor), TCP and unix socket, many connections."""

from __future__ import annotations

import threading
from decimal import Decimal

import psycopg
import pytest
from psycopg import pq

from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop


def connect(server: ServerProcess, unix: bool = False, **kw: object) -> psycopg.Connection:
    host = server.socket_dir if unix else server.host
    return psycopg.connect(
        host=host,
        port=server.port,
        user="tester",
        dbname="testdb",
        cursor_factory=psycopg.ClientCursor,
        connect_timeout=10,
        **kw,  # type: ignore[arg-type]
    )


def test_startup_parameters(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server, application_name="ps-test") as conn:
        info = conn.info
        assert info.parameter_status("server_encoding") == "UTF8"
        assert info.parameter_status("client_encoding") == "UTF8"
        assert info.parameter_status("DateStyle") == "ISO, MDY"
        assert info.parameter_status("integer_datetimes") == "on"
        assert info.parameter_status("standard_conforming_strings") == "on"
        assert info.parameter_status("application_name") == "ps-test"
        assert info.parameter_status("session_authorization") == "tester"
        assert info.server_version >= 150000
        assert info.backend_pid > 0
        assert info.transaction_status == pq.TransactionStatus.IDLE


def test_values_round_trip_in_text(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        row = conn.execute(
            "select 7::integer, 3000000000::bigint, 2.5::double, 12.345::decimal(8,3), "
            "'héllo'::varchar, true, NULL::varchar"
        ).fetchone()
    assert row == (7, 3000000000, 2.5, Decimal("12.345"), "héllo", True, None)


def test_transaction_status_follows_ready_for_query(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server, autocommit=True) as conn:
        conn.execute("create table ps_tx (a int)")
        conn.execute("begin")
        assert conn.info.transaction_status == pq.TransactionStatus.INTRANS
        conn.execute("insert into ps_tx values (1)")
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("select * from ps_nope")
        assert conn.info.transaction_status == pq.TransactionStatus.INERROR
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            conn.execute("select 1")
        conn.execute("rollback")
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert conn.execute("select count(*) from ps_tx").fetchone() == (0,)


def test_psycopg_managed_transaction(duckdb_server: ServerProcess) -> None:
    # Non-autocommit psycopg sends BEGIN itself before the first statement.
    with connect(duckdb_server) as conn:
        conn.execute("create table ps_managed (a int)")
        conn.commit()
        conn.execute("insert into ps_managed values (1), (2)")
        conn.rollback()
        conn.execute("insert into ps_managed values (3)")
        conn.commit()
        assert conn.execute("select a from ps_managed").fetchall() == [(3,)]


def test_rowcount_and_description(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("create table ps_rc (a int, b text)")
        cur.execute("insert into ps_rc values (1, 'a'), (2, 'b'), (3, 'c')")
        assert cur.rowcount == 3
        cur.execute("update ps_rc set b = 'z' where a > 1")
        assert cur.rowcount == 2
        cur.execute("select a, b from ps_rc order by a")
        assert cur.description is not None
        assert [d.name for d in cur.description] == ["a", "b"]
        assert [d.type_code for d in cur.description] == [23, 25]
        assert cur.fetchall() == [(1, "a"), (2, "z"), (3, "z")]


def test_unix_socket(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server, unix=True) as conn:
        assert conn.execute("select 'unix'").fetchone() == ("unix",)


def test_concurrent_connections(duckdb_server: ServerProcess) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with connect(duckdb_server, autocommit=True) as conn:
                for i in range(20):
                    got = conn.execute(f"select {n} * 1000 + {i}").fetchone()
                    assert got == (n * 1000 + i,)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def test_slow_query_does_not_block_others(duckdb_server: ServerProcess) -> None:
    import time

    slow_done = threading.Event()

    def slow() -> None:
        with connect(duckdb_server, autocommit=True) as conn:
            conn.execute("select count(*) from range(300000000) t(x) where x % 7 = 3")
        slow_done.set()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    with connect(duckdb_server, autocommit=True) as conn:
        for _ in range(5):
            assert conn.execute("select 1").fetchone() == (1,)
    fast = time.monotonic() - start
    t.join(120)
    assert slow_done.is_set()
    assert fast < 2.0, f"quick queries took {fast:.2f}s while a slow one ran"
