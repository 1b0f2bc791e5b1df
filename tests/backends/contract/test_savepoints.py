"""Savepoints over the wire, psycopg 3 against PostgreSQL 15, SQLite and DuckDB.

PostgreSQL and SQLite undo what a savepoint covers. DuckDB has no savepoints: the front end
keeps them, and ROLLBACK TO succeeds only when it undoes nothing; otherwise it fails (0A000)
and the whole transaction stays failed until ROLLBACK.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import pytest
from psycopg import errors as pgerr
from psycopg import pq, sql

from tests.backends.contract import test_wire

# The wire contract's fixtures: PostgreSQL 15 first, then every backend.
backend, conninfo, conn = test_wire.backend, test_wire.conninfo, test_wire.conn

pytestmark = pytest.mark.interop

INTRANS, INERROR, IDLE = (
    pq.TransactionStatus.INTRANS,
    pq.TransactionStatus.INERROR,
    pq.TransactionStatus.IDLE,
)


def make_table(conn: psycopg.Connection[Any], table: str) -> sql.Composable:
    t = sql.Identifier(table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(t))
    conn.execute(sql.SQL("CREATE TABLE {} (a int PRIMARY KEY)").format(t))
    return t


def values(conn: psycopg.Connection[Any], t: sql.Composable) -> list[int]:
    rows = conn.execute(sql.SQL("SELECT a FROM {} ORDER BY a").format(t)).fetchall()
    return [row[0] for row in rows]


def test_nested_blocks_commit(conn: psycopg.Connection[Any], table: str) -> None:
    t = make_table(conn, table)
    with conn.transaction():
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
        with conn.transaction():
            conn.execute(sql.SQL("INSERT INTO {} VALUES (2)").format(t))
            with conn.transaction():
                assert values(conn, t) == [1, 2]
    assert values(conn, t) == [1, 2]


def test_nested_read_only_block_rolls_back(conn: psycopg.Connection[Any], table: str) -> None:
    t = make_table(conn, table)
    with conn.transaction():
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
        with conn.transaction():
            assert values(conn, t) == [1]
            raise psycopg.Rollback
        conn.execute(sql.SQL("INSERT INTO {} VALUES (2)").format(t))
    assert values(conn, t) == [1, 2]


def test_nested_block_rolled_back_after_a_write(
    conn: psycopg.Connection[Any], table: str, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    t = make_table(conn, table)
    with caplog.at_level(logging.WARNING, logger="psycopg"), conn.transaction():
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
        with conn.transaction():
            conn.execute(sql.SQL("INSERT INTO {} VALUES (2)").format(t))
            raise psycopg.Rollback
        conn.execute(sql.SQL("INSERT INTO {} VALUES (3)").format(t))
    if backend == "duckdb":
        # ROLLBACK TO fails; psycopg logs it and rolls the outer block back too (the Rollback
        # goes on to it): nothing is kept, and the INSERT after the inner block never ran.
        [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert "error ignored in rollback" in warning
        assert 'cannot roll back to savepoint "_pg3_2"' in warning
        assert conn.info.transaction_status == IDLE
        assert values(conn, t) == []
    else:
        assert not [r for r in caplog.records if r.levelno == logging.WARNING]
        assert values(conn, t) == [1, 3]


def test_rollback_to_after_a_failed_statement(
    conn: psycopg.Connection[Any], table: str, backend: str
) -> None:
    t = make_table(conn, table)
    conn.execute("BEGIN")
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
    conn.execute("SAVEPOINT s")
    with pytest.raises(pgerr.UniqueViolation):
        conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
    assert conn.info.transaction_status == INERROR
    if backend == "duckdb":
        with pytest.raises(pgerr.FeatureNotSupported) as info:
            conn.execute("ROLLBACK TO SAVEPOINT s")
        diag = info.value.diag
        assert diag.message_primary is not None and 'savepoint "s"' in diag.message_primary
        assert diag.message_detail is not None and "failed" in diag.message_detail
        assert diag.message_hint == "Roll back the whole transaction (ROLLBACK)."
        assert conn.info.transaction_status == INERROR
        with pytest.raises(pgerr.InFailedSqlTransaction):
            conn.execute("SELECT 1")
        assert conn.execute("COMMIT").statusmessage == "ROLLBACK"
        assert values(conn, t) == []
        return
    assert conn.execute("ROLLBACK TO SAVEPOINT s").statusmessage == "ROLLBACK"
    assert conn.info.transaction_status == INTRANS
    conn.execute(sql.SQL("INSERT INTO {} VALUES (2)").format(t))
    assert conn.execute("COMMIT").statusmessage == "COMMIT"
    assert values(conn, t) == [1, 2]


def test_rollback_to_after_a_write(conn: psycopg.Connection[Any], table: str, backend: str) -> None:
    t = make_table(conn, table)
    conn.execute("BEGIN")
    conn.execute("SAVEPOINT s")
    conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(t))
    if backend == "duckdb":
        with pytest.raises(pgerr.FeatureNotSupported) as info:
            conn.execute("ROLLBACK TO s")
        assert info.value.diag.message_detail is not None
        assert "(INSERT)" in info.value.diag.message_detail
        assert conn.info.transaction_status == INERROR
        with pytest.raises(pgerr.InFailedSqlTransaction):
            conn.execute("RELEASE s")
        assert conn.execute("COMMIT").statusmessage == "ROLLBACK"  # the block cannot commit
        assert values(conn, t) == []
        return
    assert conn.execute("ROLLBACK TO s").statusmessage == "ROLLBACK"
    assert conn.execute("COMMIT").statusmessage == "COMMIT"
    assert values(conn, t) == []


def test_names_release_and_unknown_savepoints(conn: psycopg.Connection[Any]) -> None:
    """Every backend answers these as PostgreSQL: nothing is written, so DuckDB's subset
    covers them."""
    conn.execute("BEGIN")
    tags = [
        conn.execute(statement).statusmessage
        for statement in (
            "SAVEPOINT a", "SAVEPOINT b", "SAVEPOINT a",  # a repeated name: the latest wins
            "SELECT 1",
            "ROLLBACK TO SAVEPOINT a",  # the second a; it stays
            "RELEASE a",  # the second a
            "ROLLBACK TO b",  # b is still there
            "RELEASE SAVEPOINT a",  # the first a, and b set after it
        )
    ]  # fmt: skip
    assert tags == ["SAVEPOINT"] * 3 + ["SELECT 1", "ROLLBACK", "RELEASE", "ROLLBACK", "RELEASE"]
    assert conn.info.transaction_status == INTRANS
    for statement in ("RELEASE b", "ROLLBACK TO a"):  # released with a
        with pytest.raises(pgerr.InvalidSavepointSpecification) as info:
            conn.execute(statement)
        assert info.value.sqlstate == "3B001"
        assert info.value.diag.message_primary == f'savepoint "{statement[-1]}" does not exist'
        assert conn.info.transaction_status == INERROR
        conn.execute("ROLLBACK")
        conn.execute("BEGIN")
    conn.execute("ROLLBACK")


def test_savepoint_outside_a_block_is_25P01(conn: psycopg.Connection[Any]) -> None:
    for statement in ("SAVEPOINT a", "RELEASE a", "ROLLBACK TO a"):
        with pytest.raises(pgerr.NoActiveSqlTransaction):
            conn.execute(statement)
        assert conn.info.transaction_status == IDLE
