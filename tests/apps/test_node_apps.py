"""postgres.js and knex (npm) against `pgwire serve`, on DuckDB and SQLite, and PostgreSQL 15.

tests/apps/node/ pins `postgres`, `knex` and `pg` in package.json and package-lock.json;
`make node-apps` (and this module, when they are missing) runs `npm ci` there. Each script
(postgresjs.mjs, knex.js) runs its checks with node's assert and prints one JSON object,
check name -> {"ok": ...}; every check is one test here, per backend. The same scripts run
against PostgreSQL 15 first: a check is what PostgreSQL does.

A check a backend does not pass yet is an expected failure naming the cause, strict: it
fails the suite the day it passes, so the mark goes with the fix.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.app_servers import BACKENDS, postgres_database, start_pgwire
from tests.conftest import skip_or_fail
from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPTS = {"postgresjs": "postgresjs.mjs", "knex": "knex.js"}
CHECKS = {
    "postgresjs": [
        "tagged-parameters",
        "transaction",
        "savepoint-read",
        "savepoint-write",
        "jsonb",
        "array-parameters",
        "array-sql",
        "dates",
        "date-arithmetic",
    ],
    "knex": [
        "schema-builder",
        "rename-table",
        "foreign-key",
        "insert-select-update-delete",
        "transaction",
        "column-info-serial",
        "column-info",
        "migrations",
    ],
}

# (script, backend, check) -> why it fails.
EXPECTED_FAILURES = {
    ("postgresjs", "duckdb", "date-arithmetic"): (
        "DuckDB's date - date is bigint (int8, which postgres.js reads as a string), "
        "PostgreSQL's integer"
    ),
    ("postgresjs", "sqlite", "array-sql"): (
        'SQLite: casts to an array type and = ANY(array): 42601 syntax error at or near "<" '
        "(sqlglot writes CAST(x AS ARRAY<INT>))"
    ),
    ("postgresjs", "sqlite", "date-arithmetic"): (
        "SQLite: date + integer is integer arithmetic on the text ('2024-02-28' + 2 = 2026), "
        "PostgreSQL's a date"
    ),
    ("knex", "duckdb", "column-info"): (
        "DuckDB: jsonb columns are described as json; VARCHAR(n) keeps no length (text)"
    ),
}


def _cases() -> Iterator[Any]:
    for script, checks in CHECKS.items():
        for backend in BACKENDS:
            for check in checks:
                why = EXPECTED_FAILURES.get((script, backend, check))
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
                yield pytest.param(
                    script, backend, check, marks=marks, id=f"{script}-{backend}-{check}"
                )


# --- node and the pinned packages ----------------------------------------------------------


def _pinned() -> dict[str, str]:
    manifest = json.loads((NODE_DIR / "package.json").read_text())
    return {name: str(version) for name, version in manifest["dependencies"].items()}


def _installed(name: str) -> str | None:
    manifest = NODE_DIR / "node_modules" / name / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text()).get("version"))


def _missing() -> list[str]:
    return [name for name, version in _pinned().items() if _installed(name) != version]


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        skip_or_fail("node is not installed (Debian: nodejs)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def node_packages(node: str) -> None:
    """tests/apps/node/node_modules as package-lock.json pins it (`npm ci` when it is not)."""
    lock = Path(tempfile.gettempdir()) / f"pgwire-npm-{os.getuid()}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one installer at a time
        if _missing():
            npm = shutil.which("npm")
            if npm is None:
                skip_or_fail("npm is not installed (Debian: npm)")
            assert npm is not None
            cmd = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
            proc = subprocess.run(cmd, cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
            if proc.returncode != 0:
                skip_or_fail(f"`npm ci` in {NODE_DIR} failed:\n{proc.stdout}\n{proc.stderr}")
    assert not _missing(), f"npm did not install {_missing()} as pinned"


def run_script(
    node: str, script: str, url: str, backend: str, tmp: Path
) -> dict[str, dict[str, Any]]:
    """Run one script against `url`; check name -> its result."""
    # knex's migrations are files in a directory; postgres.js's savepoint check needs to know
    # the backend (DuckDB must refuse a rollback after a write).
    args = [url, str(tmp)] if script == "knex" else [url, backend]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.run(
        [node, SCRIPTS[script], *args],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    last = proc.stdout.strip().splitlines()[-1:] or ["{}"]
    results: dict[str, dict[str, Any]] = json.loads(last[0])
    results["_output"] = {"stdout": proc.stdout, "stderr": proc.stderr[-4000:]}
    return results


@pytest.fixture(scope="module")
def results(
    request: pytest.FixtureRequest,
    node: str,
    node_packages: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, str], dict[str, dict[str, Any]]]]:
    """(script, backend) -> that script's results, each run once per module."""
    done: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    servers: dict[str, ServerProcess] = {}

    def url(backend: str) -> str:
        if backend == "postgres":
            postgres15: TempPostgres = request.getfixturevalue("postgres15")
            return postgres_database(postgres15, "apps_node")
        if backend not in servers:
            servers[backend] = start_pgwire(backend, tmp_path_factory)
        return servers[backend].dsn

    def get(script: str, backend: str) -> dict[str, dict[str, Any]]:
        if (script, backend) not in done:
            tmp = tmp_path_factory.mktemp(f"{script}-{backend}")
            done[script, backend] = run_script(node, script, url(backend), backend, tmp)
        return done[script, backend]

    try:
        yield get
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("script", list(SCRIPTS))
def test_scripts_pass_on_postgres(
    results: Callable[[str, str], dict[str, dict[str, Any]]], script: str
) -> None:
    """The checks are PostgreSQL 15's behaviour: all of them pass there."""
    got = results(script, "postgres")
    failed = {name: r for name, r in got.items() if name != "_output" and not r["ok"]}
    assert not failed, got["_output"]
    assert sorted(name for name in got if name != "_output") == sorted(CHECKS[script])


@pytest.mark.parametrize(("script", "backend", "check"), list(_cases()))
def test_check(
    results: Callable[[str, str], dict[str, dict[str, Any]]],
    script: str,
    backend: str,
    check: str,
) -> None:
    got = results(script, backend)
    assert check in got, got["_output"]
    assert got[check]["ok"], got[check]
