"""PostgreSQL's regression SQL on PostgreSQL 15 and on pgwire's DuckDB backend, compared.

Every file of tests/regress/sql runs statement by statement on a throwaway PostgreSQL 15 (a
fresh database per file) and on `pgwire serve` (in-memory DuckDB, a fresh server per file);
compare.py sorts each statement's outcome, and the per-file figures must reach
thresholds.toml. The summary and every difference are written to a results directory
($PGWIRE_REGRESS_RESULTS, or one under pytest's tmp dir), whose path is printed.
See docs/regress.md.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail
from tests.regress import compare, thresholds
from tests.support.postgres import PostgresNotFound, TempPostgres, find_bindir
from tests.support.server import ROOT

pytestmark = pytest.mark.postgres

HERE = Path(__file__).resolve().parent
RESULTS_ENV = "PGWIRE_REGRESS_RESULTS"
STATEMENT_TIMEOUT = 10  # seconds, per statement (run.py cancels and reconnects past it)
SIDE_TIMEOUT = 600  # seconds for a whole side; measured ~10 s (PostgreSQL), ~30 s (pgwire)


def _run_side(args: list[str], out: Path, log: Path) -> float:
    """run.py with ARGS, writing OUT; stopped with SIGTERM (it then stops its server).

    Returns the seconds it took.
    """
    started = time.monotonic()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [
        sys.executable,
        str(HERE / "run.py"),
        *args,
        "--out",
        str(out),
        "--timeout",
        str(STATEMENT_TIMEOUT),
        "--log-dir",
        str(log.parent / "server-logs"),
    ]
    with log.open("w") as log_file:
        proc = subprocess.Popen(
            cmd, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
        try:
            code = proc.wait(SIDE_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"run.py took over {SIDE_TIMEOUT} s: {shlex.join(cmd)} (log: {log})")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    assert code == 0, f"run.py exited with {code}: {shlex.join(cmd)} (log: {log})"
    return time.monotonic() - started


def _results_dir(tmp_path: Path) -> Path:
    chosen = os.environ.get(RESULTS_ENV)
    results = Path(chosen) if chosen else tmp_path / "regress"
    results.mkdir(parents=True, exist_ok=True)
    return results


@pytest.mark.timeout(2 * SIDE_TIMEOUT + 120)
def test_regression_corpus_reaches_thresholds(tmp_path: Path) -> None:
    try:
        find_bindir()
    except PostgresNotFound as exc:
        skip_or_fail(str(exc))
    results = _results_dir(tmp_path)
    print(f"\nregression corpus results: {results}")
    pg_out, pgwire_out = results / "pg15.jsonl", results / "pgwire.jsonl"
    server_cmd = shlex.join(
        [sys.executable, "-m", "pgwire", "serve", "--host", "127.0.0.1", "--port", "{port}"]
    )
    started = time.monotonic()
    with TempPostgres() as pg:
        pg_seconds = time.monotonic() - started
        pg_seconds += _run_side(
            ["127.0.0.1", str(pg.port), "--user", pg.user, "--create-db"],
            pg_out,
            results / "run-pg15.log",
        )
    # port 0: run.py picks a free port for every server it starts
    pgwire_seconds = _run_side(
        ["127.0.0.1", "0", "--server-cmd", server_cmd], pgwire_out, results / "run-pgwire.log"
    )

    cmp = compare.compare(str(pg_out), str(pgwire_out))
    (results / "summary.md").write_text(compare.summary_markdown(cmp, "pgwire (DuckDB)"))
    (results / "diffs.md").write_text(compare.diffs_markdown(cmp, "pgwire (DuckDB)"))
    counts = cmp.counts()
    (results / "counts.json").write_text(json.dumps(counts, indent=1) + "\n")

    expected_files = sorted(p.stem for p in (HERE / "sql").glob("*.sql"))
    unfinished = [f for f in expected_files if "file_done" not in cmp.pg_meta.get(f, {})]
    assert not unfinished, f"did not run to the end on PostgreSQL: {unfinished} ({pg_out})"
    total = counts[thresholds.TOTAL]
    print(
        f"same {total['same']} of {total['n']} ({100 * total['same'] / total['n']:.1f}%), "
        f"diff data {total['diff_data']} ({total['diff_downstream']} downstream); "
        f"summary: {results / 'summary.md'}; PostgreSQL side {pg_seconds:.0f} s (cluster "
        f"start included), pgwire side {pgwire_seconds:.0f} s"
    )
    problems = thresholds.check(counts, thresholds.load())
    assert not problems, (
        f"regression corpus vs {thresholds.THRESHOLDS.name} (results: {results}):\n  "
        + "\n  ".join(problems)
    )
