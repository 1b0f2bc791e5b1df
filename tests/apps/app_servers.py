"""Where the application scenarios run: `pgwire serve` on each backend, and PostgreSQL 15.

DuckDB is the server's default (`pgwire serve`, in memory); SQLite is `pgwire serve x.sqlite`.
PostgreSQL 15 runs the same scenario as the reference, in a database of the scenario's own.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

BACKENDS = ("duckdb", "sqlite")


def start_pgwire(backend: str, tmp_path_factory: pytest.TempPathFactory) -> ServerProcess:
    """A started `pgwire serve` on `backend`; the caller stops it."""
    if backend == "duckdb":
        return ServerProcess().start()
    assert backend == "sqlite", backend
    return ServerProcess(str(tmp_path_factory.mktemp("apps") / "apps.sqlite")).start()


def postgres_database(postgres15: TempPostgres, name: str) -> str:
    """The URL of a new, empty database `name` on the PostgreSQL 15 cluster."""
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres15.dsn_for(name)
