"""The results of one benchmark run as markdown: facts, one table, reference, failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.common import DASH, Summary, markdown_table, ratio
from benchmarks.inprocess import InprocessResult
from benchmarks.pgbench import SCRIPT, RunResult, Workload

REFERENCE = "postgres"
HEADERS = (
    "workload",
    "target",
    f"tps median (min{DASH}max)",
    "tps vs PG",
    "server CPU µs/stmt",
    "srv. vs PG",
    "latency ms",
    "lat. vs PG",
)


@dataclass
class Outcome:
    """Everything measured in one run of the harness."""

    date: str
    reps: int
    seconds: int
    workloads: Sequence[Workload]
    targets: Sequence[str]  # in the order they were run
    facts: Sequence[tuple[str, str]]
    skipped: dict[str, str] = field(default_factory=dict)  # target -> why it did not start
    runs: dict[tuple[Workload, str], list[RunResult]] = field(default_factory=dict)
    inprocess: list[InprocessResult] = field(default_factory=list)

    def add(self, workload: Workload, target: str, result: RunResult) -> None:
        self.runs.setdefault((workload, target), []).append(result)


def _summary(results: Sequence[RunResult], attr: str) -> Summary | None:
    values = [v for r in results if (v := getattr(r, attr)) is not None]
    return Summary.of(values) if values else None


def _row(outcome: Outcome, workload: Workload, target: str) -> list[str]:
    results = outcome.runs.get((workload, target), [])
    reference = outcome.runs.get((workload, REFERENCE), [])
    tps, ref_tps = _summary(results, "tps"), _summary(reference, "tps")
    failed = sum(not r.ok for r in results)
    if tps is None:
        cell = "failed"
    else:
        cell = tps.format() + (f" ({failed}/{len(results)} failed)" if failed else "")
    server, ref_server = _summary(results, "server_us"), _summary(reference, "server_us")
    row = [
        workload.label,
        target,
        cell,
        ratio(tps, ref_tps),
        server.format(",.2f") if server else "n/a",
        ratio(server, ref_server),
    ]
    if workload.clients != 1:
        return [*row, "", ""]
    lat, ref_lat = _summary(results, "latency_ms"), _summary(reference, "latency_ms")
    lat_cell = lat.format(".3f") if lat else "n/a"
    return [*row, lat_cell, ratio(lat, ref_lat)]


def table(outcome: Outcome) -> str:
    ran = [t for t in outcome.targets if t not in outcome.skipped]
    rows = [_row(outcome, w, t) for w in outcome.workloads for t in ran]
    return markdown_table(HEADERS, rows)


def _inprocess_line(results: Sequence[InprocessResult]) -> str:
    good = [r for r in results if r.qps is not None]
    head = "DuckDB in process, `cursor.execute('SELECT 1').fetchall()` on the server CPU"
    if not good:
        errors = "; ".join(sorted({r.error or "" for r in results}))
        return f"{head}: failed: {errors}"
    qps = Summary.of([r.qps for r in good if r.qps is not None])
    return (
        f"{head} (the upper bound for pgwire-duckdb): {qps.format()} queries/s, "
        f"DuckDB {good[0].duckdb_version}"
    )


def _failures(outcome: Outcome) -> list[str]:
    lines = []
    for (workload, target), results in outcome.runs.items():
        errors = [r.error for r in results if r.error is not None]
        if errors:
            distinct = "; ".join(dict.fromkeys(errors))
            lines.append(
                f"- {target} `{workload.label}`: {len(errors)}/{len(results)} runs failed: "
                f"{distinct}"
            )
    return lines


def render(outcome: Outcome) -> str:
    parts = [
        f"# pgwire benchmarks, {outcome.date}",
        f"pgbench `SELECT 1` (`benchmarks/{SCRIPT.name}`, `-n -T {outcome.seconds}`), "
        f"{outcome.reps} repetition(s) with the targets interleaved in each. tps is the median "
        f"(min{DASH}max) over the repetitions; server CPU µs/stmt is the on-CPU time of the "
        "server's whole process tree over the pgbench run (/proc/PID/task/TID/schedstat; "
        "PostgreSQL's backends, reaped when they exit, in clock ticks from the postmaster's "
        "cutime and cstime) divided by the statements pgbench completed, connecting and "
        "disconnecting included: less disturbed by other work on the machine than tps; "
        "latency is pgbench's average, shown for c=1. Ratios are to PostgreSQL's median in "
        "the same run (tps: higher is better; server CPU and latency: lower is better); "
        "ratios within ±10% are noise.",
        "\n".join(f"- {key}: {value}" for key, value in outcome.facts),
        table(outcome),
    ]
    if outcome.inprocess:
        parts.append(_inprocess_line(outcome.inprocess))
    if failures := _failures(outcome):
        parts.append("Failed runs (first error line):\n\n" + "\n".join(failures))
    if outcome.skipped:
        skipped = [f"- {name}: {_gist(why)}" for name, why in outcome.skipped.items()]
        parts.append("Skipped targets (did not start):\n\n" + "\n".join(skipped))
    return "\n\n".join(parts) + "\n"


def _gist(text: str) -> str:
    """The first and last line of a multi-line message (a traceback ends with its error)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) <= 2:
        return " ".join(lines)
    return f"{lines[0]} ... {lines[-1]}"
