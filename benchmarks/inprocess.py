"""DuckDB's own rate for `SELECT 1` in process: the upper bound for the pgwire-duckdb target.

`python -m benchmarks.inprocess SECONDS` loops `cursor.execute('SELECT 1').fetchall()` for
SECONDS and prints one JSON line; measure() runs that pinned to the server CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.common import ROOT, Pinning

BATCH = 50  # queries between clock reads


@dataclass(frozen=True)
class InprocessResult:
    qps: float | None = None
    duckdb_version: str = ""
    error: str | None = None


def loop(seconds: float) -> dict[str, float | int | str]:
    import duckdb

    cursor = duckdb.connect(":memory:").cursor()
    cursor.execute("SELECT 1").fetchall()  # warm up
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while (now := time.perf_counter()) < deadline:
        for _ in range(BATCH):
            cursor.execute("SELECT 1").fetchall()
        count += BATCH
    return {"qps": count / (now - start), "queries": count, "duckdb": duckdb.__version__}


def measure(seconds: int, pinning: Pinning) -> InprocessResult:
    cmd = [*pinning.server_prefix(), sys.executable, "-m", "benchmarks.inprocess", str(seconds)]
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    except subprocess.TimeoutExpired:
        return InprocessResult(error=f"did not finish within {seconds + 60} s")
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        return InprocessResult(error=lines[-1])
    data = json.loads(done.stdout)
    return InprocessResult(float(data["qps"]), str(data["duckdb"]))


def main(argv: Sequence[str]) -> int:
    print(json.dumps(loop(float(argv[0]) if argv else 5.0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
