"""pgwire servers for the interop tests: real clients against `pgwire serve` processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgwire.auth.password import md5_secret
from pgwire.auth.scram import ScramSecret
from tests.conftest import skip_or_fail
from tests.support.certs import Certs, make_certs
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


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.toml"
    path.write_text(
        "[users]\n"
        'plain = "wonderland"\n'
        f'hashed = "{md5_secret("builder", "hashed")}"\n'
        f'verifier = "{ScramSecret.from_password("s3cret").encode()}"\n'
    )
    return path
