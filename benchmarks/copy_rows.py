"""COPY throughput: psql `COPY t FROM STDIN` and `COPY t TO STDOUT` of N rows x 3 columns.

    python -m benchmarks.copy_rows                    # 1,000,000 rows, 3 repetitions
    python -m benchmarks.copy_rows --rows 200000 --reps 1 --out benchmarks/results/copy.md

Targets: PostgreSQL 15 (tests/support/postgres.py) and `pgwire serve` (in-memory DuckDB),
pinned as the other suites are (server on one CPU, psql on the other), interleaved within
each repetition; each cell is the median (min-max) of the repetitions. The table is
`(a int, b text, c float8)` and the data PostgreSQL's text format of
`i, 'name ' || i, i * 0.5`, loaded by psql from a file on stdin. The table is dropped and
created again before each load. While each load runs, the server's RSS is sampled every 20 ms
from /proc (pgwire: its process; PostgreSQL: the largest process of its tree, the backend).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import (
    HOST,
    PgwireTarget,
    PostgresTarget,
    Summary,
    Target,
    TargetStartError,
    detect_pinning,
    markdown_table,
    process_tree,
    ratio,
)

TABLE = "copy_bench"
COLUMNS = "(a int, b text, c float8)"


def write_rows(path: Path, rows: int) -> None:
    with path.open("w") as out:
        for start in range(0, rows, 100_000):
            out.writelines(
                f"{i}\tname {i}\t{i * 0.5:.15g}\n" for i in range(start, min(rows, start + 100_000))
            )


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU of `pids` and of their children already reaped (PostgreSQL's
    backends, once they exit, count in the postmaster's cutime/cstime)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / _TICK


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """The largest RSS seen among `pids()` every 20 ms, until stopped."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max([self.peak, *(_rss_kib(pid) for pid in self.pids)])
            self._stop_event.wait(0.02)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def server_pids(target: Target) -> list[int]:
    if isinstance(target, PgwireTarget):
        proc = target._proc
        return [proc.pid] if proc is not None else []
    if isinstance(target, PostgresTarget):
        pg = target._pg
        if pg is None:
            return []
        root = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
        return process_tree(root)
    return []


def psql(target: Target, prefix: Sequence[str], sql: str, **kw: object) -> float:
    user = "postgres" if isinstance(target, PostgresTarget) else "bench"
    env = dict(os.environ, PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
    cmd = [*prefix, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", HOST]
    cmd += ["-p", str(target.port), "-U", user, "-d", "postgres", "-c", sql]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, timeout=600, **kw)  # type: ignore[call-overload]
    return time.perf_counter() - started


def count(target: Target, prefix: Sequence[str]) -> int:
    with tempfile.TemporaryFile() as out:
        psql(target, prefix, f"SELECT count(*) FROM {TABLE}", stdout=out)
        out.seek(0)
        lines = out.read().decode().split()
    return int(next(word for word in lines if word.isdigit()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.copy_rows", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--out", type=Path, help="also write the markdown report here")
    args = parser.parse_args(argv)

    pinning = detect_pinning(not args.no_pin)
    client = pinning.client_prefix()
    targets: list[Target] = [
        PostgresTarget(pinning),
        PgwireTarget("pgwire-duckdb", None, pinning),
    ]
    started: list[Target] = []
    for target in targets:
        try:
            target.start()
            started.append(target)
        except TargetStartError as exc:
            print(f"skipping {target.name}: {exc}", file=sys.stderr)
    results: dict[tuple[str, str], list[float]] = {}
    peaks: dict[str, list[int]] = {}
    baselines: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="copy-bench-") as tmp:
        data = Path(tmp) / "rows.txt"
        write_rows(data, args.rows)
        size_mib = data.stat().st_size / 2**20
        try:
            for rep in range(args.reps):
                for target in started:
                    ddl = f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} {COLUMNS}"
                    psql(target, client, ddl, stderr=subprocess.DEVNULL)
                    pids = server_pids(target)
                    baselines.setdefault(target.name, []).append(
                        max((_rss_kib(p) for p in pids), default=0)
                    )
                    sampler = RssSampler(pids)
                    sampler.start()
                    cpu = cpu_seconds(pids)
                    with data.open("rb") as source:
                        seconds = psql(target, client, f"COPY {TABLE} FROM STDIN", stdin=source)
                    peaks.setdefault(target.name, []).append(sampler.stop())
                    cpu = cpu_seconds(server_pids(target)) - cpu
                    results.setdefault((target.name, "from-cpu"), []).append(args.rows / cpu)
                    loaded = count(target, client)
                    if loaded != args.rows:
                        raise RuntimeError(f"{target.name} loaded {loaded} rows, not {args.rows}")
                    results.setdefault((target.name, "from"), []).append(args.rows / seconds)
                    pids = server_pids(target)
                    cpu = cpu_seconds(pids)
                    seconds = psql(
                        target, client, f"COPY {TABLE} TO STDOUT", stdout=subprocess.DEVNULL
                    )
                    cpu = cpu_seconds(server_pids(target)) - cpu
                    results.setdefault((target.name, "to"), []).append(args.rows / seconds)
                    results.setdefault((target.name, "to-cpu"), []).append(args.rows / cpu)
                    print(
                        f"rep {rep + 1}: {target.name}: "
                        f"from {results[(target.name, 'from')][-1]:,.0f} rows/s, "
                        f"to {results[(target.name, 'to')][-1]:,.0f} rows/s, "
                        f"peak RSS {peaks[target.name][-1] / 1024:,.0f} MiB",
                        file=sys.stderr,
                    )
        finally:
            for target in started:
                target.stop()
    directions = ("from", "to", "from-cpu", "to-cpu")
    reference = (
        {d: Summary.of(results[("postgres", d)]) for d in directions}
        if any(t.name == "postgres" for t in started)
        else {}
    )
    rows = []
    for target in started:
        cells = [target.name]
        for direction in directions:
            summary = Summary.of(results[(target.name, direction)])
            cells += [summary.format(), ratio(summary, reference.get(direction))]
        cells += [
            f"{statistics.median(baselines[target.name]) / 1024:,.0f}",
            f"{max(peaks[target.name]) / 1024:,.0f}",
        ]
        rows.append(cells)
    report = "\n".join(
        [
            f"# COPY of {args.rows:,} rows x 3 columns ({size_mib:.1f} MiB of text)",
            "",
            f"Pinning: {pinning.describe()}. Median (min-max) of {args.reps} repetitions.",
            "rows/s is wall clock (psql's run); rows per server CPU s divides by the server's "
            "user + system CPU time, which other load on the machine disturbs less.",
            "",
            markdown_table(
                [
                    "target",
                    "COPY FROM rows/s",
                    "vs PostgreSQL",
                    "COPY TO rows/s",
                    "vs PostgreSQL",
                    "COPY FROM rows per server CPU s",
                    "vs PostgreSQL",
                    "COPY TO rows per server CPU s",
                    "vs PostgreSQL",
                    "RSS before (MiB)",
                    "peak RSS in load (MiB)",
                ],
                rows,
            ),
            "",
        ]
    )
    print(report)
    if args.out is not None:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
