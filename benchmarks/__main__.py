"""`python -m benchmarks`: pgbench against PostgreSQL 15 and pgwire, side by side."""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from benchmarks import inprocess, pgbench, report
from benchmarks.common import (
    PgwireTarget,
    Pinning,
    PostgresTarget,
    Target,
    TargetStartError,
    detect_pinning,
    machine_facts,
)

TARGETS: dict[str, Callable[[Pinning], Target]] = {
    "postgres": PostgresTarget,
    "pgwire-fixed": lambda pin: PgwireTarget("pgwire-fixed", "examples.fixed:handler", pin),
    "pgwire-duckdb": lambda pin: PgwireTarget("pgwire-duckdb", None, pin),
}
WARMUP = pgbench.Workload("simple", 1)


def _names(choices: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
        if unknown := [n for n in names if n not in choices]:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(unknown)}; choose from {choices}")
        return names

    return parse


def _ints(text: str) -> list[int]:
    try:
        values = [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {text}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("client counts must be positive")
    return values


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="pgbench SELECT 1 against PostgreSQL 15 and pgwire servers, interleaved, "
        "pinned (server on one CPU, client on another), as a markdown table of medians.",
    )
    parser.add_argument("--reps", type=int, help="repetitions (default: 3)")
    parser.add_argument("--seconds", type=int, help="pgbench -T per run (default: 5)")
    parser.add_argument("--clients", type=_ints, help="client counts, e.g. 1,8 (default: 1,8)")
    modes = _names(pgbench.MODES)
    parser.add_argument("--modes", type=modes, help="query modes (default: all three)")
    targets = _names(tuple(TARGETS))
    parser.add_argument("--targets", type=targets, help=f"default: {','.join(TARGETS)}")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check the harness: 1 rep of 1 s, simple mode, c=1 and c=8, every target; "
        "fails only when the harness breaks, never because a target is slow or failing",
    )
    parser.add_argument("--out", type=Path, help="also write the markdown report to this file")
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs with taskset")
    parser.add_argument(
        "--warmup", type=int, default=1, help="seconds of pgbench per target before measuring"
    )
    args = parser.parse_args(argv)
    smoke = args.smoke  # its defaults; options given explicitly still win
    args.reps = args.reps or (1 if smoke else 3)
    args.seconds = args.seconds or (1 if smoke else 5)
    args.clients = args.clients or list(pgbench.CLIENTS)
    args.modes = args.modes or (["simple"] if smoke else list(pgbench.MODES))
    args.targets = args.targets or list(TARGETS)
    if args.reps < 1 or args.seconds < 1:
        parser.error("--reps and --seconds must be at least 1")
    return args


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _start(targets: Sequence[Target], outcome: report.Outcome, args: argparse.Namespace) -> None:
    for target in targets:
        _say(f"starting {target.name} ...")
        try:
            target.start()
        except TargetStartError as exc:
            outcome.skipped[target.name] = str(exc)
            _say(f"SKIPPING {target.name}: {exc}")
            continue
        if args.warmup:
            warm = pgbench.run(args.pgbench, target, WARMUP, args.warmup, args.pinning)
            _say(f"  warm-up: {_describe(warm)}")


def _describe(result: pgbench.RunResult) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    latency = f", {result.latency_ms:.3f} ms" if result.latency_ms is not None else ""
    return f"{result.tps:,.0f} tps{latency}"


def _measure(targets: Sequence[Target], outcome: report.Outcome, args: argparse.Namespace) -> None:
    running = [t for t in targets if t.name not in outcome.skipped]
    for rep in range(1, args.reps + 1):
        for workload in outcome.workloads:
            for target in running:
                result = pgbench.run(args.pgbench, target, workload, args.seconds, args.pinning)
                outcome.add(workload, target.name, result)
                _say(f"[rep {rep}/{args.reps}] {workload.label} {target.name}: {_describe(result)}")
        if "pgwire-duckdb" in args.targets:
            ref = inprocess.measure(args.seconds, args.pinning)
            outcome.inprocess.append(ref)
            shown = f"{ref.qps:,.0f} queries/s" if ref.qps else f"failed: {ref.error}"
            _say(f"[rep {rep}/{args.reps}] DuckDB in process: {shown}")


def _terminate(signum: int, frame: object) -> NoReturn:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the servers


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    args.pgbench = pgbench.find_pgbench()
    if args.pgbench is None:
        _say("pgbench not found: install postgresql-client-15 or set $PGBENCH")
        return 2
    args.pinning = Pinning() if args.no_pin else detect_pinning()
    signal.signal(signal.SIGTERM, _terminate)
    targets = [TARGETS[name](args.pinning) for name in args.targets]
    workloads = [pgbench.Workload(m, c) for m in args.modes for c in args.clients]
    outcome = report.Outcome(
        date=datetime.date.today().isoformat(),
        reps=args.reps,
        seconds=args.seconds,
        workloads=workloads,
        targets=args.targets,
        facts=[],
    )
    try:
        _start(targets, outcome, args)
        _measure(targets, outcome, args)
    finally:
        for target in targets:
            target.stop()
    pg_version = next((t.version for t in targets if isinstance(t, PostgresTarget)), "n/a")
    outcome.facts = machine_facts(args.pinning, pg_version)
    text = report.render(outcome)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        _say(f"wrote {args.out}")
    if args.smoke and (problem := _smoke_problem(outcome)):
        _say(f"smoke FAILED: {problem}")
        return 1
    return 0


def _smoke_problem(outcome: report.Outcome) -> str | None:
    """Why the harness itself is broken, judged by the reference: PostgreSQL must work.

    pgwire targets may fail or be slow; that is data, not a broken harness.
    """
    if "postgres" not in outcome.targets:
        return None
    if "postgres" in outcome.skipped:
        return f"PostgreSQL 15 did not start: {outcome.skipped['postgres']}"
    if not any(
        r.ok for (_, name), runs in outcome.runs.items() if name == "postgres" for r in runs
    ):
        return "no pgbench run against PostgreSQL succeeded"
    return None


if __name__ == "__main__":
    sys.exit(main())
