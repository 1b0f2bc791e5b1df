"""Side by side: the same statements on PostgreSQL 15 and on `pgwire serve` (in-memory DuckDB),
compared as the server's text (psycopg's raw protocol level: no type loaders involved)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import pq

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess


@dataclass(frozen=True)
class Outcome:
    """What one statement gave: its columns and rows as text, or its SQLSTATE."""

    names: tuple[str, ...] = ()
    rows: tuple[tuple[str | None, ...], ...] = ()
    sqlstate: str | None = None


def run(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> Outcome:
    result = conn.pgconn.exec_(sql.encode())
    status = result.status
    if status == pq.ExecStatus.FATAL_ERROR:
        state = result.error_field(pq.DiagnosticField.SQLSTATE)
        return Outcome(sqlstate=state.decode() if state else "?")
    names = tuple((result.fname(i) or b"").decode() for i in range(result.nfields))
    rows = tuple(
        tuple(
            None if (v := result.get_value(r, c)) is None else v.decode()
            for c in range(result.nfields)
        )
        for r in range(result.ntuples)
    )
    return Outcome(names, rows)


Both = Callable[[Sequence[str]], list[tuple[Outcome, Outcome]]]


@pytest.fixture(scope="module")
def duckdb_pgwire() -> Iterator[ServerProcess]:
    with ServerProcess() as server:
        yield server


@pytest.fixture
def both(postgres15: TempPostgres, duckdb_pgwire: ServerProcess) -> Iterator[Both]:
    """Run statements on a fresh PostgreSQL schema and on the DuckDB server, in autocommit;
    gives (PostgreSQL's outcome, pgwire's) per statement."""
    pg = psycopg.connect(postgres15.dsn, autocommit=True)
    duck = psycopg.connect(duckdb_pgwire.dsn, autocommit=True)
    pg.execute("DROP SCHEMA IF EXISTS dialect_test CASCADE; CREATE SCHEMA dialect_test")
    pg.execute("SET search_path = dialect_test")

    def compare(statements: Sequence[str]) -> list[tuple[Outcome, Outcome]]:
        return [(run(pg, sql), run(duck, sql)) for sql in statements]

    try:
        yield compare
    finally:
        pg.execute("DROP SCHEMA dialect_test CASCADE")
        pg.close()
        duck.close()
