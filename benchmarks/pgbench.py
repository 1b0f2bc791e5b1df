"""The pgbench workloads: `SELECT 1` from a script file, per query mode and client count."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import HOST, Pinning, Target, server_cpu

SCRIPT = Path(__file__).with_name("select1.sql")
MODES = ("simple", "extended", "prepared")
CLIENTS = (1, 8)
MAX_THREADS = 2  # one per CPU of the machine this was written for; `-c 8 -j 2`

_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)
PROCESSED = re.compile(r"^number of transactions actually processed: (\d+)", re.MULTILINE)


def find_pgbench() -> str | None:
    """$PGBENCH, PostgreSQL 15's Debian location, then PATH."""
    for candidate in (os.environ.get("PGBENCH"), "/usr/lib/postgresql/15/bin/pgbench"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("pgbench")


@dataclass(frozen=True)
class Workload:
    mode: str
    clients: int

    @property
    def threads(self) -> int:
        return min(MAX_THREADS, self.clients)

    @property
    def label(self) -> str:
        jobs = f" -j {self.threads}" if self.threads > 1 else ""
        return f"-M {self.mode} -c {self.clients}{jobs}"


@dataclass(frozen=True)
class RunResult:
    """One pgbench run: tps, average latency and the server's CPU time over the run (its
    process tree, connecting and disconnecting included), or the first line of what went
    wrong."""

    tps: float | None = None
    latency_ms: float | None = None
    error: str | None = None
    transactions: int = 0  # one `SELECT 1` each
    server_cpu: float = 0.0  # seconds

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def server_us(self) -> float | None:
        """Server CPU microseconds per statement."""
        return self.server_cpu * 1e6 / self.transactions if self.ok and self.transactions else None


def pgbench_command(
    pgbench: str, target: Target, clients: int, threads: int, seconds: int, *options: str
) -> list[str]:
    """pgbench on select1.sql against `target`, with `options` (-M mode, -C, ...)."""
    return [
        pgbench,
        "-n",  # no vacuum of pgbench_* tables, which do not exist
        *options,
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(seconds),
        "-f",
        str(SCRIPT),
        "-h",
        HOST,
        "-p",
        str(target.port),
        "-U",
        target.user,
        target.dbname,
    ]


def run_pgbench(
    cmd: list[str], env: dict[str, str], seconds: int
) -> subprocess.CompletedProcess[str] | str:
    """The finished run, or why it did not finish."""
    try:
        return subprocess.run(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"pgbench did not finish within {seconds + 60} s"


def command(pgbench: str, target: Target, workload: Workload, seconds: int) -> list[str]:
    return pgbench_command(
        pgbench, target, workload.clients, workload.threads, seconds, "-M", workload.mode
    )


def run(
    pgbench: str, target: Target, workload: Workload, seconds: int, pinning: Pinning
) -> RunResult:
    """Run pgbench pinned to the client CPU; a failing run is a result, never an exception."""
    if not target.alive():
        return RunResult(error=f"{target.name} is not running")
    cmd = [*pinning.client_prefix(), *command(pgbench, target, workload, seconds)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    root = target.server_pid()
    target.settle()
    before = server_cpu(root)
    done = run_pgbench(cmd, env, seconds)
    if isinstance(done, str):
        return RunResult(error=done)
    target.settle()  # PostgreSQL's backends exit and are reaped: their time is counted
    used = server_cpu(root) - before
    result = parse(done.returncode, done.stdout, done.stderr)
    processed = PROCESSED.search(done.stdout)
    if not result.ok or processed is None:
        return result
    return dataclasses.replace(result, transactions=int(processed.group(1)), server_cpu=used)


def parse(returncode: int, stdout: str, stderr: str) -> RunResult:
    tps, latency = _TPS.search(stdout), _LATENCY.search(stdout)
    if returncode != 0 or tps is None:
        return RunResult(error=first_error(stderr) or f"pgbench exited with code {returncode}")
    return RunResult(float(tps.group(1)), float(latency.group(1)) if latency else None)


def first_error(stderr: str) -> str:
    """The first line that names an error (else the first line), without pgbench's prefix."""
    lines = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    line = next((x for x in lines if "error" in x.lower()), lines[0] if lines else "")
    return line.removeprefix("pgbench: ").removeprefix("error: ")
