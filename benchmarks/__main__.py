"""`python -m benchmarks`: pgbench against PostgreSQL 15 and pgwire, side by side.

Suites: `query` (SELECT 1 over open connections, per query mode and client count),
`connect` (connection set-up rate per authentication method and TLS, benchmarks/connect.py),
`fetch` (a large result through psycopg and asyncpg, benchmarks/results_fetch.py),
`pipeline` (psycopg pipeline mode and asyncpg executemany, benchmarks/pipeline.py) and
`idle` (server memory per idle connection, benchmarks/idle.py); `all` (the default) runs
them all into one report. `--baseline REV` measures another git revision's pgwire beside the
working tree's in the same run: a twin target per selected pgwire target.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from benchmarks import (
    clientsuite,
    connect,
    idle,
    inprocess,
    pgbench,
    pipeline,
    report,
    results_fetch,
)
from benchmarks.common import (
    Baseline,
    BaselineError,
    PgwireTarget,
    Pinning,
    PostgresTarget,
    Target,
    TargetStartError,
    detect_pinning,
    exported_revision,
    machine_facts,
)

TARGETS: dict[str, Callable[[Pinning], Target]] = {
    "postgres": PostgresTarget,
    "pgwire-fixed": lambda pin: PgwireTarget("pgwire-fixed", "examples.fixed:handler", pin),
    "pgwire-duckdb": lambda pin: PgwireTarget("pgwire-duckdb", None, pin),
}
WARMUP = pgbench.Workload("simple", 1)
SUITES = ("query", "connect", "fetch", "pipeline", "idle", "all")


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
        description="pgbench and Python drivers against PostgreSQL 15 and pgwire servers, "
        "interleaved, pinned (server on one CPU, client on another), as markdown tables of "
        "medians.",
    )
    parser.add_argument(
        "--suite",
        choices=SUITES,
        default="all",
        help="query: SELECT 1 over open connections; connect: connection set-up rate per "
        "authentication method and TLS (pgbench -C); fetch: a large result through psycopg "
        "(text) and asyncpg (binary); pipeline: psycopg pipeline mode and asyncpg "
        "executemany; idle: server memory per idle connection; all: every suite (default)",
    )
    parser.add_argument("--reps", type=int, help="repetitions (default: 3)")
    parser.add_argument("--seconds", type=int, help="pgbench -T per run (default: 5)")
    parser.add_argument(
        "--clients", type=_ints, help="query suite: client counts, e.g. 1,8 (default: 1,8)"
    )
    modes = _names(pgbench.MODES)
    parser.add_argument("--modes", type=modes, help="query suite: query modes (default: all)")
    targets = _names(tuple(TARGETS))
    parser.add_argument(
        "--targets",
        type=targets,
        help=f"default: {','.join(TARGETS)} (the connect suite runs "
        f"{' and '.join(connect.TARGETS)} only)",
    )
    configs = _names(tuple(connect.CONFIGS))
    parser.add_argument(
        "--auth-configs",
        type=configs,
        help=f"connect suite: configurations (default: {','.join(connect.CONFIGS)})",
    )
    parser.add_argument(
        "--rows",
        type=int,
        help=f"fetch suite: result rows (default: {results_fetch.ROWS:,}; smoke: "
        f"{results_fetch.SMOKE_ROWS:,})",
    )
    parser.add_argument(
        "--statements",
        type=int,
        help=f"pipeline suite: statements per run (default: {pipeline.STATEMENTS:,}; smoke: "
        f"{pipeline.SMOKE_STATEMENTS:,})",
    )
    parser.add_argument(
        "--idle-connections",
        type=int,
        help=f"idle suite: connections held (default: {idle.CONNECTIONS:,}; smoke: "
        f"{idle.SMOKE_CONNECTIONS:,})",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check the harness: 1 rep of 1 s; query suite: simple mode, c=1 and c=8, every "
        f"target; connect suite: {' and '.join(connect.SMOKE_CONFIGS)} only; fetch, pipeline "
        "and idle suites: the small sizes; fails only when the harness breaks, never because "
        "a target is slow or failing",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also measure pgwire at git revision REV (a commit, HEAD~3, a branch): its src/ "
        "and examples/ are exported to a temporary directory and every selected pgwire target "
        "gets a twin, TARGET@SHORTREV, running the same command on them; twins are "
        "interleaved with the other targets and shown next to their counterparts, in every "
        "suite (connect: pgwire-fixed's twin, configured alike)",
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
    args.auth_configs = args.auth_configs or list(
        connect.SMOKE_CONFIGS if smoke else connect.CONFIGS
    )
    args.rows = args.rows or (results_fetch.SMOKE_ROWS if smoke else results_fetch.ROWS)
    args.statements = args.statements or (
        pipeline.SMOKE_STATEMENTS if smoke else pipeline.STATEMENTS
    )
    args.idle_connections = args.idle_connections or (
        idle.SMOKE_CONNECTIONS if smoke else idle.CONNECTIONS
    )
    if args.reps < 1 or args.seconds < 1:
        parser.error("--reps and --seconds must be at least 1")
    if min(args.rows, args.statements, args.idle_connections) < 1:
        parser.error("--rows, --statements and --idle-connections must be at least 1")
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
    server = f", server {result.server_us:,.2f} µs/stmt" if result.server_us is not None else ""
    return f"{result.tps:,.0f} tps{latency}{server}"


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
    if args.pgbench is None and args.suite in ("query", "connect", "all"):
        _say("pgbench not found: install postgresql-client-15 or set $PGBENCH")
        return 2
    args.pinning = Pinning() if args.no_pin else detect_pinning()
    signal.signal(signal.SIGTERM, _terminate)
    with contextlib.ExitStack() as stack:  # the baseline's export is removed on the way out
        rev, args.baseline = args.baseline, None
        if rev is not None:
            try:
                args.baseline = stack.enter_context(exported_revision(rev))
            except BaselineError as exc:
                _say(f"--baseline {rev}: {exc}")
                return 2
            _say(f"baseline: {args.baseline.short} {args.baseline.subject}")
            if not any(
                isinstance(TARGETS[name](args.pinning), PgwireTarget) for name in args.targets
            ):
                _say("--baseline: no pgwire target selected, so no twins")
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    date = datetime.date.today().isoformat()
    outcome, pg_version = None, "n/a"
    if args.suite in ("query", "all"):
        outcome, pg_version = _query_suite(args, date)
    connected = None
    if args.suite in ("connect", "all"):
        connect_targets = [t for t in args.targets if t in connect.TARGETS]
        if connect_targets:
            connected = connect.run_suite(
                pgbench=args.pgbench,
                pinning=args.pinning,
                configs=args.auth_configs,
                targets=connect_targets,
                reps=args.reps,
                seconds=args.seconds,
                warmup=args.warmup,
                date=date,
                say=_say,
                baseline=args.baseline,
            )
            if pg_version == "n/a":
                pg_version = connected.postgres_version
        else:
            _say(f"connect suite skipped: it runs {' and '.join(connect.TARGETS)} only")
    sections, problems, version = _client_suites(args)
    if pg_version == "n/a":
        pg_version = version
    facts = machine_facts(args.pinning, pg_version)
    if args.baseline is not None:
        facts.append(("baseline", args.baseline.describe()))
    if outcome is not None:
        outcome.facts = facts
        text = report.render(outcome)
        if connected is not None:
            text += "\n" + connect.section(connected)
    elif connected is not None and not sections:
        text = connect.document(connected, facts)
    elif connected is not None or sections:
        text = f"# pgwire benchmarks, {date}\n\n"
        text += "\n".join(f"- {key}: {value}" for key, value in facts) + "\n"
        if connected is not None:
            text += "\n" + connect.section(connected)
    else:
        _say("nothing was measured")
        return 2
    text += "".join("\n" + section for section in sections)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        _say(f"wrote {args.out}")
    if args.smoke:
        problem = (_smoke_problem(outcome) if outcome is not None else None) or (
            connect.smoke_problem(connected) if connected is not None else None
        )
        problem = problem or next(iter(problems), None)
        if problem:
            _say(f"smoke FAILED: {problem}")
            return 1
    return 0


def _targets(names: Sequence[str], pinning: Pinning, baseline: Baseline | None) -> list[Target]:
    """New targets, not started; with a baseline, each pgwire one followed by its twin."""
    targets = []
    for name in names:
        target = TARGETS[name](pinning)
        targets.append(target)
        if baseline is not None and isinstance(target, PgwireTarget):
            twin = baseline.twin_name(name)
            targets.append(PgwireTarget(twin, target.spec, pinning, baseline.root))
    return targets


def _suite_targets(args: argparse.Namespace, suite: str, names: Sequence[str]) -> list[Target]:
    """The targets of ``suite`` among those asked for (and their twins), new and not started."""
    chosen = [name for name in args.targets if name in names]
    if not chosen:
        _say(f"{suite} suite skipped: it runs {', '.join(names)} only")
    return _targets(chosen, args.pinning, args.baseline)


def _client_suites(args: argparse.Namespace) -> tuple[list[str], list[str], str]:
    """The fetch, pipeline and idle suites asked for: their markdown sections, the smoke
    problems they found (harness failures) and PostgreSQL's version."""
    sections: list[str] = []
    problems: list[str | None] = []
    versions: list[str] = []
    warmup = args.warmup > 0
    if args.suite in ("fetch", "all") and (
        targets := _suite_targets(args, "fetch", results_fetch.TARGETS)
    ):
        fetched = results_fetch.run(
            targets,
            rows=args.rows,
            reps=args.reps,
            warmup=warmup,
            pinning=args.pinning,
            say=_say,
        )
        sections.append(results_fetch.render(fetched))
        problems.append(clientsuite.smoke_problem(fetched))
        versions.append(fetched.postgres_version)
    if args.suite in ("pipeline", "all") and (
        targets := _suite_targets(args, "pipeline", pipeline.TARGETS)
    ):
        piped = pipeline.run(
            targets,
            statements=args.statements,
            reps=args.reps,
            warmup=warmup,
            pinning=args.pinning,
            say=_say,
        )
        sections.append(pipeline.render(piped))
        problems.append(clientsuite.smoke_problem(piped))
        versions.append(piped.postgres_version)
    if args.suite in ("idle", "all") and (targets := _suite_targets(args, "idle", idle.TARGETS)):
        held = idle.run(targets, connections=args.idle_connections, reps=args.reps, say=_say)
        sections.append(idle.render(held))
        problems.append(idle.smoke_problem(held))
        versions.append(held.postgres_version)
    found = [p for p in problems if p is not None]
    return sections, found, next((v for v in versions if v != "n/a"), "n/a")


def _query_suite(args: argparse.Namespace, date: str) -> tuple[report.Outcome, str]:
    """SELECT 1 over open connections: every target, mode and client count, interleaved."""
    targets = _targets(args.targets, args.pinning, args.baseline)
    workloads = [pgbench.Workload(m, c) for m in args.modes for c in args.clients]
    outcome = report.Outcome(
        date=date,
        reps=args.reps,
        seconds=args.seconds,
        workloads=workloads,
        targets=[t.name for t in targets],
        facts=[],
    )
    try:
        _start(targets, outcome, args)
        _measure(targets, outcome, args)
    finally:
        for target in targets:
            target.stop()
    pg_version = next((t.version for t in targets if isinstance(t, PostgresTarget)), "n/a")
    return outcome, pg_version


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
