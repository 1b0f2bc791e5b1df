"""node-postgres (`pg` from npm) against `pgwire serve` on DuckDB.

tests/interop/node/ pins `pg` in package.json and package-lock.json; `npm ci` installs it into
tests/interop/node/node_modules once (again only when the pinned version changes), then
check.js runs its checks, printing "ok NAME" or "FAIL NAME: why" for each.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

NODE_DIR = Path(__file__).resolve().parent / "node"
CHECKS = [
    "simple-query",
    "parameters",
    "types",
    "prepared-named",
    "transaction",
    "errors",
    "large-result",
    "pool",
]


def _pinned_pg() -> str:
    return str(json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["pg"])


def _installed_pg() -> str | None:
    manifest = NODE_DIR / "node_modules" / "pg" / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text()).get("version"))


@pytest.fixture(scope="session")
def node_path() -> str:
    node = shutil.which("node")
    if node is None:
        skip_or_fail("node is not installed (Debian: nodejs)")
    assert node is not None
    return node


@pytest.fixture(scope="session")
def node_modules(node_path: str) -> Path:
    """tests/interop/node/node_modules with the pinned `pg`, installed by npm if missing."""
    lock = Path(tempfile.gettempdir()) / f"pgwire-npm-{os.getuid()}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one installer at a time
        if _installed_pg() != _pinned_pg():
            _npm_install()
    installed = _installed_pg()
    assert installed == _pinned_pg(), f"npm installed pg {installed}, expected {_pinned_pg()}"
    return NODE_DIR / "node_modules"


def _npm_install() -> None:
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("npm is not installed (Debian: npm)")
    assert npm is not None
    # npm ci installs exactly what the lockfile says; without a lockfile, npm install.
    has_lock = (NODE_DIR / "package-lock.json").is_file()
    args = ["ci"] if has_lock else ["install"]
    cmd = [npm, *args, "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        proc = subprocess.run(cmd, cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        skip_or_fail(f"`npm {args[0]}` in {NODE_DIR} timed out")
        return
    if proc.returncode != 0:
        skip_or_fail(f"`npm {args[0]}` in {NODE_DIR} failed:\n{proc.stdout}\n{proc.stderr}")


@dataclass
class NodeRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def results(self) -> dict[str, str]:
        """check name -> "ok" or the failure message."""
        found = {}
        for line in self.stdout.splitlines():
            if line.startswith("ok "):
                found[line[3:].strip()] = "ok"
            elif line.startswith("FAIL "):
                name, _, why = line[5:].partition(": ")
                found[name] = why
        return found

    def explain(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_check(node: str, *args: str, env: dict[str, str] | None = None) -> NodeRun:
    full_env = dict(os.environ)
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGWIRE_URL"):
        full_env.pop(name, None)
    full_env.update(env or {})
    proc = subprocess.run(
        [node, "check.js", *args],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=full_env,
        timeout=100,
    )
    return NodeRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def node_run(node_path: str, node_modules: Path, duckdb_server: ServerProcess) -> NodeRun:
    """check.js over TCP, the connection given as a URL argument."""
    return run_check(node_path, duckdb_server.dsn)


def test_every_node_pg_check_passes(node_run: NodeRun) -> None:
    failed = {name: why for name, why in node_run.results.items() if why != "ok"}
    assert not failed, node_run.explain()
    assert sorted(node_run.results) == sorted(CHECKS), node_run.explain()
    assert node_run.returncode == 0, node_run.explain()
    assert f"passed {len(CHECKS)}/{len(CHECKS)} checks" in node_run.stdout


@pytest.mark.parametrize("check", CHECKS)
def test_node_pg_check(node_run: NodeRun, check: str) -> None:
    """One test per check, so a report names exactly what broke."""
    assert node_run.results.get(check) == "ok", node_run.explain()


def test_node_pg_over_unix_socket_with_libpq_environment(
    node_path: str, node_modules: Path, duckdb_server: ServerProcess
) -> None:
    # pg reads PGHOST & co. like libpq; a directory as PGHOST means its unix socket.
    assert duckdb_server.socket_dir is not None
    run = run_check(
        node_path,
        env={
            "PGHOST": duckdb_server.socket_dir,
            "PGPORT": str(duckdb_server.port),
            "PGUSER": "tester",
            "PGDATABASE": "testdb",
            "TZ": "Asia/Kolkata",  # dates and timestamps must not depend on the client's zone
        },
    )
    assert run.returncode == 0, run.explain()
    assert all(run.results.get(check) == "ok" for check in CHECKS), run.explain()
