"""pgwire servers for the interop tests: real clients against `pgwire serve` processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import skip_or_fail
from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def duckdb_server() -> Iterator[ServerProcess]:
    """`pgwire serve` with no target: an in-memory DuckDB, shared by a module's tests."""
    with ServerProcess() as server:
        yield server
    assert not server.alive


@pytest.fixture(scope="module")
def fixed_server() -> Iterator[ServerProcess]:
    with ServerProcess("examples.fixed:handler") as server:
        yield server


@pytest.fixture(scope="session")
def psql_path() -> str:
    path = shutil.which("psql")
    if path is None:
        skip_or_fail("psql is not installed")
    assert path is not None
    return path
