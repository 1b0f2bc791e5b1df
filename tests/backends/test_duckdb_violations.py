"""violations.py on an in-process DuckDB: the constraints are read once per schema change."""

from __future__ import annotations

from typing import Any

import pytest

duckdb = pytest.importorskip("duckdb")

from pgwire.backends.duckdb.errors import to_pg_error  # noqa: E402
from pgwire.backends.duckdb.schema_version import SchemaVersion  # noqa: E402
from pgwire.backends.duckdb.violations import Violations  # noqa: E402
from pgwire.errors import PgError  # noqa: E402


def _violation(db: Any, violations: Violations, sql: str) -> PgError:
    with pytest.raises(duckdb.ConstraintException) as raised:
        db.execute(sql)
    return violations.explain(to_pg_error(raised.value, sql), str(raised.value), sql)


def test_catalog_read_once_per_schema_change() -> None:
    db = duckdb.connect()
    db.execute("create table v (a int primary key, b int unique)")
    db.execute("insert into v values (1, 1)")
    reads = []

    def connect() -> Any:
        reads.append(1)
        return db.cursor()

    schema = SchemaVersion()
    violations = Violations(schema, connect)
    for _ in range(3):
        error = _violation(db, violations, "insert into v values (1, 2)")
        assert error.constraint == "v_pkey"
    assert len(reads) == 1
    schema.bump()
    error = _violation(db, violations, "insert into v values (2, 1)")
    assert (error.sqlstate, error.constraint, error.detail) == (
        "23505", "v_b_key", "Key (b)=(1) already exists."
    )  # fmt: skip
    assert len(reads) == 2


def test_a_statement_without_a_target_keeps_duckdb_s_words() -> None:
    db = duckdb.connect()
    db.execute("create table w (a int primary key)")
    db.execute("insert into w values (1)")
    sql = "with x as (select 1) insert into w select * from x"
    error = _violation(db, Violations(SchemaVersion(), db.cursor), sql)
    assert error.sqlstate == "23505"
    assert error.constraint is None
