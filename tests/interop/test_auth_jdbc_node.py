"""Authentication with pgjdbc and node-postgres: every method, right and wrong passwords, TLS."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.interop import test_node_pg
from tests.interop.test_auth import METHODS, PASSWORDS
from tests.interop.test_jdbc import JAR
from tests.interop.test_node_pg import NODE_DIR
from tests.support.certs import Certs
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

SOURCE = Path(__file__).resolve().parent / "java" / "JdbcAuthCheck.java"

# The pinned node-postgres install, shared with the node-postgres tests.
node_path = test_node_pg.node_path
node_modules = test_node_pg.node_modules
EXPECTED = ["ok plain 42", "ok tls 42"]


@pytest.fixture(scope="module", params=METHODS)
def server(
    request: pytest.FixtureRequest, certs: Certs, users_file: Path
) -> Iterator[ServerProcess]:
    args = ["--users", str(users_file), "--auth", request.param]
    args += ["--tls-cert", str(certs.cert), "--tls-key", str(certs.key)]
    with ServerProcess(None, *args) as running:
        yield running


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None or not JAR.exists():
        skip_or_fail("java, javac or the pgjdbc jar is missing")
    out = tmp_path_factory.mktemp("jdbc-auth")
    proc = subprocess.run(
        ["javac", "-encoding", "UTF-8", "-d", str(out), "-cp", str(JAR), str(SOURCE)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_pgjdbc(server: ServerProcess, compiled: Path) -> None:
    proc = subprocess.run(
        ["java", "-cp", f"{JAR}:{compiled}", "JdbcAuthCheck", "127.0.0.1", str(server.port),
         "plain", PASSWORDS["plain"]],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.split("\n")
    assert lines[:3] == [*EXPECTED, "state wrong 28P01"], proc.stdout + proc.stderr


def test_node_pg(server: ServerProcess, node_modules: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    proc = subprocess.run(
        [node, "auth.js", "127.0.0.1", str(server.port), "plain", PASSWORDS["plain"]],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.split("\n")
    assert lines[:3] == [*EXPECTED, "code wrong 28P01"], proc.stdout + proc.stderr
