"""dbt (dbt-postgres) against `pgwire serve`, on DuckDB and SQLite, and PostgreSQL 15.

A tiny project made in a temporary directory: a seed CSV, a view model and a table model
(both `ref` the seed), and `unique`/`not_null` schema tests. `dbt seed`, `dbt run` and
`dbt test` run as a user runs them (the `dbt` command, one sequence per server); then the
test reads the tables dbt made and compares them with what the CSV says they hold.

dbt lives in a virtualenv of its own, .venv-dbt (`make dbt-venv`, made here when missing):
its ~50 pinned dependencies stay out of the project's test extra
(tests/apps/dbt-requirements.txt).
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.apps.app_servers import postgres_database, start_pgwire
from tests.conftest import skip_or_fail
from tests.support.postgres import TempPostgres
from tests.support.server import ROOT

pytestmark = pytest.mark.interop

DBT_VENV = ROOT / ".venv-dbt"
DBT = DBT_VENV / "bin" / "dbt"
SEED = """id,name,price,sold_on
1,apple,0.50,2024-01-02
2,pear,0.75,2024-01-03
3,plum,1.25,2024-01-03
4,fig,2.00,2024-01-05
"""
MODELS = {
    "cheap_products.sql": (
        "{{ config(materialized='view') }}\n"
        "select id, name, price from {{ ref('products') }} where price < 1\n"
    ),
    "daily_sales.sql": (
        "{{ config(materialized='table') }}\n"
        "select sold_on, count(*) as n, sum(price) as total\n"
        "from {{ ref('products') }} group by sold_on\n"
    ),
    "schema.yml": """version: 2
models:
  - name: cheap_products
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: daily_sales
    columns:
      - name: sold_on
        data_tests: [unique, not_null]
""",
}
# backend -> (why, the errors dbt reports): while a backend fails with one of them, the test
# is an expected failure; failing any other way fails the test.
EXPECTED_FAILURES: dict[str, tuple[str, list[str]]] = {}


class KnownFailure(Exception):
    """dbt failed with the error named in EXPECTED_FAILURES."""


@pytest.fixture(scope="session")
def dbt() -> Path:
    """The `dbt` command of .venv-dbt, made by `make dbt-venv` when it is missing."""
    lock = Path(tempfile.gettempdir()) / f"pgwire-dbt-venv-{os.getuid()}.lock"
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not (DBT_VENV / ".pgwire-installed").is_file():
            proc = subprocess.run(
                ["make", "dbt-venv"], cwd=ROOT, capture_output=True, text=True, timeout=900
            )
            if proc.returncode != 0:
                skip_or_fail(f"`make dbt-venv` failed:\n{proc.stdout}\n{proc.stderr}")
    return DBT


@dataclass
class DbtRun:
    """What each dbt command did: its exit status, output and run_results.json."""

    codes: dict[str, int] = field(default_factory=dict)
    output: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)

    def explain(self) -> str:
        return "\n".join(
            f"--- dbt {c} (exit {self.codes[c]})\n{self.output[c]}" for c in self.codes
        )


def make_project(directory: Path, host: str, port: int, dbname: str, user: str) -> None:
    (directory / "seeds").mkdir(parents=True)
    (directory / "models").mkdir()
    (directory / "dbt_project.yml").write_text(
        'name: shop\nversion: "1.0"\nconfig-version: 2\nprofile: shop\n'
    )
    (directory / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: {host}\n      port: {port}\n      user: {user}\n"
        f'      password: ""\n      dbname: {dbname}\n      schema: public\n      threads: 1\n'
    )
    (directory / "seeds" / "products.csv").write_text(SEED)
    for name, text in MODELS.items():
        (directory / "models" / name).write_text(text)


def run_dbt(dbt: Path, project: Path) -> DbtRun:
    """dbt seed, run and test, stopping at the first that fails."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBT_"))}
    env.update(DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_PROFILES_DIR=str(project))
    run = DbtRun()
    for command in ("seed", "run", "test"):
        proc = subprocess.run(
            [str(dbt), "--no-use-colors", command],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        run.codes[command] = proc.returncode
        run.output[command] = (proc.stdout + proc.stderr)[-6000:]
        results = project / "target" / "run_results.json"
        if results.is_file():
            found = json.loads(results.read_text())["results"]
            run.statuses[command] = {r["unique_id"]: r["status"] for r in found}
        if proc.returncode != 0:
            break
    return run


def dbt_sequence(dbt: Path, tmp: Path, url_parts: tuple[str, int, str, str]) -> DbtRun:
    project = tmp / "shop"
    make_project(project, *url_parts)
    return run_dbt(dbt, project)


@pytest.fixture(scope="module", params=["duckdb", "sqlite", "postgres"])
def dbt_run(
    request: pytest.FixtureRequest, dbt: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, DbtRun]]:
    """(backend, libpq URL, what dbt did) after one seed/run/test sequence."""
    backend = request.param
    tmp = tmp_path_factory.mktemp(f"dbt-{backend}")
    if backend == "postgres":
        postgres15: TempPostgres = request.getfixturevalue("postgres15")
        url = postgres_database(postgres15, "apps_dbt")
        parts = (postgres15.host, postgres15.port, "apps_dbt", postgres15.user)
        yield backend, url, dbt_sequence(dbt, tmp, parts)
        return
    server = start_pgwire(backend, tmp_path_factory)
    try:
        parts = (server.host, server.port, "testdb", "tester")
        yield backend, server.dsn, dbt_sequence(dbt, tmp, parts)
    finally:
        server.stop()


def _expected() -> dict[str, list[tuple[Any, ...]]]:
    """The seed's rows and what the two models make of them, computed from the CSV."""
    rows = list(csv.DictReader(SEED.splitlines()))
    products = [(int(r["id"]), r["name"], Decimal(r["price"]), r["sold_on"]) for r in rows]
    cheap = [(i, name, price) for i, name, price, _ in products if price < 1]
    days: dict[str, list[Decimal]] = {}
    for _, _, price, day in products:
        days.setdefault(day, []).append(price)
    daily = [(day, len(prices), sum(prices)) for day, prices in sorted(days.items())]
    return {"products": products, "cheap_products": cheap, "daily_sales": daily}


def _normalized(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Values as comparable across servers: numbers as Decimal, dates as ISO text."""
    out = []
    for row in rows:
        values: list[Any] = []
        for value in row:
            if isinstance(value, float | int) and not isinstance(value, bool):
                value = Decimal(str(value))
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            values.append(value)
        out.append(tuple(values))
    return out


def test_dbt_seed_run_test(
    request: pytest.FixtureRequest, dbt_run: tuple[str, str, DbtRun]
) -> None:
    backend, url, run = dbt_run
    if backend in EXPECTED_FAILURES:
        why, errors = EXPECTED_FAILURES[backend]
        request.applymarker(pytest.mark.xfail(strict=True, reason=why, raises=KnownFailure))
        if any(run.codes.values()) and any(error in run.explain() for error in errors):
            raise KnownFailure(why)
    assert run.codes == {"seed": 0, "run": 0, "test": 0}, run.explain()
    assert run.statuses["seed"] == {"seed.shop.products": "success"}
    assert run.statuses["run"] == {
        "model.shop.cheap_products": "success",
        "model.shop.daily_sales": "success",
    }
    assert sorted(run.statuses["test"].values()) == ["pass"] * 4, run.statuses["test"]
    expected = _expected()
    with psycopg.connect(url, autocommit=True) as conn:
        kinds = dict(
            conn.execute(
                "select table_name, table_type from information_schema.tables"
                " where table_schema = 'public' order by table_name"
            ).fetchall()
        )
        assert kinds == {
            "cheap_products": "VIEW",
            "daily_sales": "BASE TABLE",
            "products": "BASE TABLE",
        }
        queries = {
            "products": "select id, name, price, sold_on from public.products order by id",
            "cheap_products": "select id, name, price from public.cheap_products order by id",
            "daily_sales": "select sold_on, n, total from public.daily_sales order by sold_on",
        }
        for table, query in queries.items():
            got = _normalized(conn.execute(query).fetchall())
            assert got == _normalized(expected[table]), table
