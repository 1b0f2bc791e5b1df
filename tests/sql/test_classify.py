"""Whether a statement may write: what a savepoint kept by the front end must know."""

from __future__ import annotations

import pytest

from pgwire.sql import write_kind


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t",
        "select a from t where b = 'insert into x'",  # words in literals do not count
        'SELECT "delete" FROM t',  # nor quoted identifiers
        "SELECT * FROM t FOR UPDATE",
        "SELECT * FROM t FOR NO KEY UPDATE",
        "(SELECT 1) UNION (SELECT 2)",
        "VALUES (1), (2)",
        "TABLE t",
        "SHOW TimeZone",
        "EXPLAIN SELECT * FROM t",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "FETCH 10 FROM c",
        "MOVE NEXT IN c",
        "",
        "-- nothing",
    ],
)
def test_reads(sql: str) -> None:
    assert write_kind(sql) is None


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO t VALUES (1)", "INSERT"),
        ("update t set a = 1", "UPDATE"),
        ("DELETE FROM t", "DELETE"),
        ("CREATE TABLE t (a int)", "CREATE TABLE"),
        ("drop view v", "DROP VIEW"),
        ("SELECT * INTO t2 FROM t", "SELECT INTO"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "WITH ... DELETE"),
        ("EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN ANALYZE"),
        ("COPY t FROM STDIN", "COPY"),
        ("SET TimeZone = 'UTC'", "SET"),
        ("DECLARE c CURSOR FOR SELECT 1", "DECLARE"),
        ("CALL p()", "CALL"),
        ("FROM t", "FROM"),  # DuckDB's FROM-first query: not known, so a write
    ],
)
def test_writes(sql: str, kind: str) -> None:
    assert write_kind(sql) == kind
