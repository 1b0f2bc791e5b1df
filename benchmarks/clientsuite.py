"""Workloads driven by a Python driver (psycopg 3, asyncpg), shared by the fetch and pipeline
suites (results_fetch.py, pipeline.py).

Each run is a process of its own on the client CPU:

    python -m benchmarks.clientsuite MODULE:FUNCTION PORT SIZE SERVER_PID

which connects, calls FUNCTION(port, size, timer) and prints one JSON line. The function
times only the work itself inside ``with timer:`` (connecting and setting up tables are
outside) and returns how many rows or statements it got back, which must be SIZE. The timer
reads the wall clock, the client process's own CPU time and the CPU time of the server's
whole process tree (PostgreSQL: postmaster and backends) from /proc, before and after.
A fresh process per run keeps a million-row result's memory out of the next run.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType

from benchmarks.common import (
    DASH,
    HOST,
    ROOT,
    Pinning,
    PostgresTarget,
    Summary,
    Target,
    TargetStartError,
    base_name,
    markdown_table,
    ratio,
    tree_on_cpu,
)

REFERENCE = "postgres"
CLIENT_TIMEOUT = 600  # seconds for one run, connecting included


def conninfo(port: int) -> str:
    """libpq connection string: no SSLRequest round trip, as in the other suites."""
    return f"host={HOST} port={port} user=postgres dbname=postgres sslmode=disable"


def asyncpg_options(port: int) -> dict[str, object]:
    return {"host": HOST, "port": port, "user": "postgres", "database": "postgres", "ssl": False}


# --- the client side ----------------------------------------------------------------------


class Timer:
    """Wall clock, own CPU and the server tree's CPU over the one ``with`` block it times."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.seconds = self.client_cpu = self.server_cpu = 0.0
        self.used = False
        self._start = (0.0, 0.0, 0.0)

    def __enter__(self) -> Timer:
        if self.used:
            raise RuntimeError("a Timer times one block")
        self.used = True
        server = tree_on_cpu(self.server_pid)
        self._start = (server, _own_cpu(), time.perf_counter())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        wall, cpu = time.perf_counter(), _own_cpu()
        server, own, started = self._start
        self.seconds = wall - started
        self.client_cpu = cpu - own
        self.server_cpu = tree_on_cpu(self.server_pid) - server


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


ClientFunction = Callable[[int, int, Timer], int]


def client_main(argv: Sequence[str]) -> int:
    spec, port, size, server_pid = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    module, _, name = spec.partition(":")
    function: ClientFunction = getattr(importlib.import_module(module), name)
    timer = Timer(server_pid or None)
    ops = function(port, size, timer)
    if not timer.used:
        raise RuntimeError(f"{spec} did not time its work")
    result = {
        "ops": ops,
        "seconds": timer.seconds,
        "client_cpu": timer.client_cpu,
        "server_cpu": timer.server_cpu,
    }
    print(json.dumps(result), flush=True)
    return 0


# --- the harness side ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClientWorkload:
    name: str  # short and unique within its suite
    label: str  # as shown in the report
    function: str  # "module:function", run by `python -m benchmarks.clientsuite`
    targets: tuple[str, ...]  # the targets it runs against (others cannot run it)


@dataclass(frozen=True)
class ClientResult:
    """One run: ops (rows or statements) in seconds, with CPU times, or what went wrong."""

    ops: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def rate(self) -> float | None:
        return self.ops / self.seconds if self.ok and self.seconds > 0 else None

    @property
    def server_us(self) -> float | None:
        """Server CPU microseconds per op."""
        return self.server_cpu * 1e6 / self.ops if self.ok and self.ops else None

    @property
    def client_pct(self) -> float | None:
        """The client's CPU time as a share of the wall clock: near 100, the client limits."""
        return self.client_cpu * 100 / self.seconds if self.ok and self.seconds > 0 else None


def run_client(
    workload: ClientWorkload, target: Target, size: int, pinning: Pinning
) -> ClientResult:
    """One run pinned to the client CPU; a failing run is a result, never an exception."""
    if not target.alive():
        return ClientResult(error=f"{target.name} is not running")
    pid = target.server_pid() or 0
    cmd = [*pinning.client_prefix(), sys.executable, "-m", "benchmarks.clientsuite"]
    cmd += [workload.function, str(target.port), str(size), str(pid)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    try:
        done = subprocess.run(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ClientResult(error=f"did not finish within {CLIENT_TIMEOUT} s")
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        errors = [" ".join(x.split()) for x in done.stderr.splitlines() if x.strip()]
        return ClientResult(error=errors[-1] if errors else f"exit code {done.returncode}")
    data = json.loads(lines[-1])
    if data["ops"] != size:
        return ClientResult(error=f"got {data['ops']:,} rows or results, expected {size:,}")
    return ClientResult(
        int(data["ops"]),
        float(data["seconds"]),
        float(data["client_cpu"]),
        float(data["server_cpu"]),
    )


@dataclass
class ClientOutcome:
    title: str
    unit: str  # "row", "statement"
    size: int
    reps: int
    workloads: Sequence[ClientWorkload]
    targets: Sequence[str]
    skipped: dict[str, str] = field(default_factory=dict)
    runs: dict[tuple[str, str], list[ClientResult]] = field(default_factory=dict)
    postgres_version: str = "n/a"
    load: list[float] = field(default_factory=list)  # 1-minute load average, before and after

    def add(self, workload: ClientWorkload, target: str, result: ClientResult) -> None:
        self.runs.setdefault((workload.name, target), []).append(result)


def describe(result: ClientResult, unit: str) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    return (
        f"{result.rate or 0:,.0f} {unit}s/s in {result.seconds:.2f} s, server "
        f"{result.server_us or 0:,.2f} µs/{unit}, client CPU {result.client_pct or 0:.0f}%"
    )


def run_suite(
    *,
    title: str,
    unit: str,
    workloads: Sequence[ClientWorkload],
    targets: Sequence[Target],
    size: int,
    warmup_size: int,
    reps: int,
    pinning: Pinning,
    say: Callable[[str], None],
) -> ClientOutcome:
    """Start the targets, warm each up with one small run per workload, then measure
    every workload on every target it supports, interleaved within each repetition."""
    outcome = ClientOutcome(title, unit, size, reps, workloads, [t.name for t in targets])
    outcome.load.append(os.getloadavg()[0])
    running: list[Target] = []
    try:
        for target in targets:
            say(f"starting {target.name} ...")
            try:
                target.start()
            except TargetStartError as exc:
                outcome.skipped[target.name] = str(exc)
                say(f"SKIPPING {target.name}: {exc}")
                continue
            running.append(target)
            for workload in workloads:
                if warmup_size and base_name(target.name) in workload.targets:
                    warm = run_client(workload, target, warmup_size, pinning)
                    say(f"  warm-up {workload.label}: {describe(warm, unit)}")
        for rep in range(1, reps + 1):
            for workload in workloads:
                for target in running:
                    if base_name(target.name) not in workload.targets:
                        continue
                    result = run_client(workload, target, size, pinning)
                    outcome.add(workload, target.name, result)
                    say(
                        f"[rep {rep}/{reps}] {workload.label} {target.name}: "
                        f"{describe(result, unit)}"
                    )
    finally:
        for target in targets:
            target.stop()
    outcome.load.append(os.getloadavg()[0])
    versions = [t.version for t in targets if isinstance(t, PostgresTarget)]
    outcome.postgres_version = next((v for v in versions if v != "n/a"), "n/a")
    return outcome


def smoke_problem(outcome: ClientOutcome) -> str | None:
    """The harness is broken when a workload fails on PostgreSQL; pgwire may fail or be slow."""
    if REFERENCE not in outcome.targets:
        return None
    if REFERENCE in outcome.skipped:
        return f"PostgreSQL 15 did not start: {outcome.skipped[REFERENCE]}"
    for workload in outcome.workloads:
        runs = outcome.runs.get((workload.name, REFERENCE), [])
        if REFERENCE in workload.targets and not any(r.ok for r in runs):
            errors = "; ".join(dict.fromkeys(r.error or "" for r in runs))
            return f"{workload.label} failed on PostgreSQL: {errors}"
    return None


# --- markdown -----------------------------------------------------------------------------


def _summary(results: Sequence[ClientResult], attr: str) -> Summary | None:
    values = [v for r in results if (v := getattr(r, attr)) is not None]
    return Summary.of(values) if values else None


def _row(outcome: ClientOutcome, workload: ClientWorkload, target: str) -> list[str]:
    results = outcome.runs.get((workload.name, target), [])
    reference = outcome.runs.get((workload.name, REFERENCE), [])
    rate, ref_rate = _summary(results, "rate"), _summary(reference, "rate")
    failed = sum(not r.ok for r in results)
    if rate is None:
        cell = "failed"
    else:
        cell = rate.format() + (f" ({failed}/{len(results)} failed)" if failed else "")
    server, ref_server = _summary(results, "server_us"), _summary(reference, "server_us")
    client = _summary(results, "client_pct")
    return [
        workload.label,
        target,
        cell,
        ratio(rate, ref_rate),
        server.format(",.2f") if server else "n/a",
        ratio(server, ref_server),
        f"{client.median:.0f}%" if client else "n/a",
    ]


def table(outcome: ClientOutcome) -> str:
    unit = outcome.unit
    headers = (
        "workload",
        "target",
        f"{unit}s/s median (min{DASH}max)",
        "vs PG",
        f"server CPU µs/{unit}",
        "srv. vs PG",
        "client CPU",
    )
    rows = [
        _row(outcome, workload, target)
        for workload in outcome.workloads
        for target in outcome.targets
        if base_name(target) in workload.targets and target not in outcome.skipped
    ]
    return markdown_table(headers, rows)


def section(outcome: ClientOutcome, method: str) -> str:
    """The markdown section: title, ``method`` (what the workloads do), table, failures."""
    unit = outcome.unit
    parts = [f"## {outcome.title}", method]
    parts.append(
        f"Each run is a client process of its own (`benchmarks/clientsuite.py`) pinned to the "
        f"client CPU; {outcome.reps} repetition(s) after one small warm-up run per workload "
        f"and target, the targets interleaved in each; median (min{DASH}max) over the "
        f"repetitions; ratios to PostgreSQL's median in the same run. {unit}s/s is the wall "
        f"clock of the timed work only (connecting and setup excluded). Server CPU µs/{unit} "
        "is the on-CPU time of every thread of the server's process tree over the same "
        "interval (/proc/PID/task/TID/schedstat; lower is better), less disturbed by other "
        "work on the machine than the wall clock. Client CPU is the client process's CPU time "
        "as a share of the wall clock: near 100%, the client, not the server, sets the rate."
    )
    if len(outcome.load) == 2:
        parts.append(
            f"1-minute load average before the suite: {outcome.load[0]:.2f}, after: "
            f"{outcome.load[1]:.2f} ({os.cpu_count()} CPUs)."
        )
    parts.append(table(outcome))
    failures = []
    for (name, target), results in outcome.runs.items():
        errors = [r.error for r in results if r.error is not None]
        if errors:
            label = next(w.label for w in outcome.workloads if w.name == name)
            distinct = "; ".join(dict.fromkeys(errors))
            failures.append(f"- {target} {label}: {len(errors)}/{len(results)} failed: {distinct}")
    if failures:
        parts.append("Failed runs (last error line):\n\n" + "\n".join(failures))
    if outcome.skipped:
        skipped = [f"- {name}: {_gist(why)}" for name, why in outcome.skipped.items()]
        parts.append("Skipped targets (did not start):\n\n" + "\n".join(skipped))
    return "\n\n".join(parts) + "\n"


def _gist(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 2 else f"{lines[0]} ... {lines[-1]}"


if __name__ == "__main__":
    sys.exit(client_main(sys.argv[1:]))  # an exception: a traceback, exit code 1
