"""A libpq connection to the shared PostgreSQL 15 cluster, returning raw result bytes.

The cluster comes from the suite's `postgres15` fixture (tests/conftest.py), which skips
locally (and fails under CI) when PostgreSQL cannot start.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.postgres import TempPostgres


class PgServer:
    """Runs statements over libpq and hands back raw result bytes (text or binary)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def raw(self, sql: str, params: list[bytes | None] | None = None, fmt: int = 0) -> Any:
        result = self.conn.pgconn.exec_params(sql.encode(), params or [], result_format=fmt)
        if result.status not in (1, 2):  # COMMAND_OK, TUPLES_OK
            raise AssertionError(f"{sql}: {result.error_message.decode()}")
        return result

    def value(self, sql: str, fmt: int = 0) -> tuple[bytes | None, int]:
        """The first column of the first row, and its type OID."""
        result = self.raw(sql, fmt=fmt)
        return result.get_value(0, 0), result.ftype(0)

    def column(self, sql: str, params: list[bytes | None] | None = None) -> list[bytes | None]:
        result = self.raw(sql, params)
        return [result.get_value(i, 0) for i in range(result.ntuples)]


@pytest.fixture(scope="session")
def pg(postgres15: TempPostgres) -> Iterator[PgServer]:
    psycopg = pytest.importorskip("psycopg")
    conn = psycopg.connect(postgres15.dsn, autocommit=True)
    # The output settings our encoders follow (PostgreSQL's defaults, pinned here).
    for setting in (
        "SET TimeZone = 'UTC'",
        "SET DateStyle = 'ISO, MDY'",
        "SET IntervalStyle = 'postgres'",
        "SET extra_float_digits = 1",
        "SET lc_monetary = 'C'",
        "SET bytea_output = 'hex'",
    ):
        conn.execute(setting)
    yield PgServer(conn)
    conn.close()
