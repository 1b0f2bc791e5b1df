"""PostgreSQL's result column names and integer division, on DuckDB as on PostgreSQL 15."""

from __future__ import annotations

import pytest

from tests.backends.duckdb_dialect.conftest import Both

pytestmark = pytest.mark.postgres

SETUP = [
    "CREATE TABLE nd_t (a int, b bigint, c numeric(10,2), d float8, s text)",
    "INSERT INTO nd_t VALUES (7, 7, 7.5, 7.5, 'x'), (-7, 9, 1.25, -2.5, NULL)",
]

NAMED = [
    "SELECT count(*) FROM nd_t",
    "SELECT a AND b FROM (SELECT true AS a, false AS b) s",
    "SELECT a::text, '1'::int, 1::int8, CAST(a AS int8) FROM nd_t ORDER BY 1",
    "SELECT a + 1, -a, a IS NULL, coalesce(s, 'none'), nullif(a, 7) FROM nd_t ORDER BY a",
    "SELECT max(a), sum(b), (SELECT 1), (SELECT max(a) FROM nd_t), EXISTS (SELECT 1) FROM nd_t",
    "SELECT CASE WHEN a > 0 THEN 'p' END, CASE WHEN a > 0 THEN a ELSE b END FROM nd_t ORDER BY 1",
    "SELECT ARRAY[1, 2], ROW(1, 2), greatest(1, 2), least(1, 2) FROM nd_t LIMIT 1",
    "VALUES (1, 'one'), (2, 'two')",
    'SELECT 1 AS True, 2 AS "Mixed", 3 x',
    "SELECT * FROM nd_t WHERE a > 0",
    "SELECT t.*, a * 2 FROM nd_t t ORDER BY a",
    "SELECT 1 AS two UNION SELECT 2 ORDER BY 1",
    "SELECT * FROM (SELECT count(*), max(a) FROM nd_t) s",
    "WITH w AS (SELECT a + 1 FROM nd_t) SELECT * FROM w ORDER BY 1",
    "SELECT s.count FROM (SELECT count(*) FROM nd_t) s",
    "SELECT count FROM (SELECT count(*) FROM nd_t) s",
    "SELECT a / 2, b / 2, d / 2, -7 / 2, 7 / -2, a % 3 FROM nd_t ORDER BY a",
    "SELECT sum(a) / 2, count(*) / 2, length(s) / 2, 7 / 2 * 2 FROM nd_t",
    "SELECT (a + 1) / (b - 4), (a * 3) / 2 FROM nd_t ORDER BY a",
    "SELECT 1 / 0",
    "SELECT a / 0 FROM nd_t",
    "SELECT 1.0 / 0",
    "SELECT 1::float8 / 0",
    "SELECT 5 % 0",
    "SELECT x FROM (VALUES (1), (NULL), (3)) v(x) ORDER BY x DESC",
    "SELECT x FROM (VALUES (1), (NULL), (3)) v(x) ORDER BY x",
]


def test_names_rows_and_errors_as_on_postgres(both: Both) -> None:
    for pg, duck in both(SETUP):
        assert duck == pg
    for sql, (pg, duck) in zip(NAMED, both(NAMED), strict=True):
        assert duck.sqlstate == pg.sqlstate, sql
        assert duck.names == pg.names, sql
        assert duck.rows == pg.rows, sql


def test_views_and_tables_made_from_queries_name_columns_as_postgres(both: Both) -> None:
    statements = [
        *(sql.replace("nd_t", "nd_t2") for sql in SETUP),
        "CREATE VIEW nd_v AS SELECT count(*), a + 1, max(a) FROM nd_t2 GROUP BY a",
        "SELECT * FROM nd_v ORDER BY 2",
        "CREATE TABLE nd_c AS SELECT a::text, a > 1, rank() OVER (ORDER BY a) FROM nd_t2",
        "SELECT * FROM nd_c ORDER BY 1",
        "CREATE VIEW nd_w AS SELECT a IS DISTINCT FROM 7, percentile_disc(0.5) WITHIN GROUP "
        "(ORDER BY a) FROM nd_t2 GROUP BY a",
        "SELECT * FROM nd_w ORDER BY 1",
    ]
    for sql, (pg, duck) in zip(statements, both(statements), strict=True):
        assert duck == pg, sql
