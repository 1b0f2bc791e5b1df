"""Server memory per idle connection: N connections opened and held, KiB per connection.

The client opens N TCP connections one after another, each with a plain StartupMessage
(protocol 3.0, user and database `postgres`, no SSLRequest) read up to ReadyForQuery, and
keeps them all open, idle. After a settling pause the server's memory is read from
/proc/PID/smaps_rollup:

- pgwire is one process: (its memory with N connections - its memory before) / N, for PSS,
  USS (Private_Clean + Private_Dirty) and RSS; the headline is the RSS increase;
- PostgreSQL forks a backend per connection: the mean PSS, USS and RSS of the N new backend
  processes (PSS shares the pages a backend has in common with the postmaster and the other
  backends, shared_buffers included, among them); the headline is the PSS.

For both, the whole server's PSS increase (every process of its tree) / N is shown too.
Every target is a fresh server in every repetition (memory a Python process has freed is not
always returned to the system, so a second round on the same server would measure less),
warmed up by 10 connections opened and closed before the baseline. PostgreSQL runs with
`max_connections` N + 100, pgwire with `--max-connections` N + 100; the client raises its
soft file-descriptor limit (RLIMIT_NOFILE) to fit N sockets, which the servers it starts
inherit.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    DASH,
    HOST,
    PgwireTarget,
    PostgresTarget,
    Summary,
    Target,
    TargetStartError,
    base_name,
    client_backends,
    markdown_table,
    process_tree,
    ratio,
    wait_backends_gone,
)

CONNECTIONS = 1_000
SMOKE_CONNECTIONS = 50
WARMUP_CONNECTIONS = 10
HEADROOM = 100  # connection slots above N
TARGETS = ("postgres", "pgwire-fixed", "pgwire-duckdb")
REFERENCE = "postgres"
SETTLE = 1.0  # seconds between the last connection and reading memory
TITLE = "Memory per idle connection"

PROTOCOL_3_0 = 196608
TERMINATE = b"X\x00\x00\x00\x04"


# --- memory from /proc --------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    """KiB, from /proc/PID/smaps_rollup."""

    rss: int = 0
    pss: int = 0
    uss: int = 0  # Private_Clean + Private_Dirty

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss + other.rss, self.pss + other.pss, self.uss + other.uss)

    def __sub__(self, other: Memory) -> Memory:
        return Memory(self.rss - other.rss, self.pss - other.pss, self.uss - other.uss)


def memory(pid: int) -> Memory:
    """A process's memory; zero when it has exited."""
    fields: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return Memory()
    for line in text.splitlines()[1:]:
        name, _, value = line.partition(":")
        parts = value.split()
        if parts and parts[0].isdigit():
            fields[name] = int(parts[0])
    return Memory(
        fields.get("Rss", 0),
        fields.get("Pss", 0),
        fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0),
    )


def total(pids: Iterable[int]) -> Memory:
    return sum((memory(pid) for pid in pids), Memory())


# --- the client: raw startup over sockets -------------------------------------------------


def startup_message(user: str, database: str) -> bytes:
    body = struct.pack("!i", PROTOCOL_3_0)
    body += f"user\0{user}\0database\0{database}\0\0".encode()
    return struct.pack("!i", len(body) + 4) + body


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection during startup")
        data += chunk
    return bytes(data)


def _error_text(body: bytes) -> str:
    fields = {f[:1]: f[1:].decode(errors="replace") for f in body.split(b"\0") if f}
    return f"{fields.get(b'C', '?????')}: {fields.get(b'M', 'error')}"


def open_idle(port: int, user: str, database: str, timeout: float = 30.0) -> socket.socket:
    """A connection through startup to its first ReadyForQuery (trust authentication)."""
    sock = socket.create_connection((HOST, port), timeout)
    try:
        sock.sendall(startup_message(user, database))
        while True:
            kind, length = struct.unpack("!ci", _recv_exactly(sock, 5))
            body = _recv_exactly(sock, length - 4)
            if kind == b"E":
                raise ConnectionError(_error_text(body))
            if kind == b"R" and struct.unpack("!i", body[:4])[0] != 0:
                raise ConnectionError("the server asks for a password: trust expected")
            if kind == b"Z":
                return sock
    except BaseException:
        sock.close()
        raise


def close_all(sockets: Iterable[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.sendall(TERMINATE)
        sock.close()


def still_open(sockets: Sequence[socket.socket]) -> int:
    """How many of the connections the server has not closed (nothing to read on any)."""
    count = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            closed = sock.recv(1) == b""
        except BlockingIOError:
            closed = False
        except OSError:
            closed = True
        finally:
            sock.setblocking(True)
        count += not closed
    return count


def raise_fd_limit(wanted: int) -> str | None:
    """Raise the soft RLIMIT_NOFILE to ``wanted``; why that is impossible, else None."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            return f"RLIMIT_NOFILE hard limit {hard} < {wanted} needed"
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return None


# --- the servers --------------------------------------------------------------------------


class IdlePgwire(PgwireTarget):
    """`pgwire serve` allowing the N connections and some to spare."""

    def __init__(self, base: PgwireTarget, max_connections: int) -> None:
        super().__init__(base.name, base.spec, base.pinning, base.source_root)
        self.max_connections = max_connections

    def command(self) -> list[str]:
        return [*super().command(), "--max-connections", str(self.max_connections)]


def for_idle(target: Target, connections: int) -> Target:
    """The same server, configured to accept the connections."""
    slots = connections + HEADROOM
    if isinstance(target, PgwireTarget):
        return IdlePgwire(target, slots)
    if isinstance(target, PostgresTarget):
        settings = {**target.settings, "max_connections": max(slots, 200)}
        return PostgresTarget(target.pinning, target.name, settings)
    raise TypeError(f"no idle variant of {type(target).__name__}")


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IdleResult:
    """One target, one repetition: KiB per connection, or what went wrong."""

    connections: int = 0
    memory: float = 0.0  # the headline: PostgreSQL's PSS per backend, pgwire's RSS increase
    pss: float = 0.0
    uss: float = 0.0
    rss: float = 0.0
    server_pss: float = 0.0  # the whole tree's PSS increase / connections
    before_mib: float = 0.0  # the whole tree's PSS
    after_mib: float = 0.0
    open_seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def measure(target: Target, connections: int) -> IdleResult:
    """Open ``connections`` on a running, warmed-up target and read the server's memory."""
    root = target.server_pid()
    if root is None or not target.alive():
        return IdleResult(error=f"{target.name} is not running")
    postgres = isinstance(target, PostgresTarget)
    before_pids = set(process_tree(root))
    before = total(before_pids)
    sockets: list[socket.socket] = []
    try:
        started = time.perf_counter()
        try:
            for _ in range(connections):
                sockets.append(open_idle(target.port, target.user, target.dbname))
        except (OSError, struct.error) as exc:  # ConnectionError is an OSError
            return IdleResult(error=f"connection {len(sockets) + 1} failed: {exc}")
        open_seconds = time.perf_counter() - started
        time.sleep(SETTLE)
        after_pids = set(process_tree(root))
        after = total(after_pids)
        held = still_open(sockets)
        if held != connections:
            return IdleResult(error=f"the server closed {connections - held} idle connections")
        if postgres:
            backends = client_backends(after_pids - before_pids)
            if len(backends) != connections:
                return IdleResult(
                    error=f"{len(backends)} new backends for {connections} connections"
                )
            per = total(backends)
            count = len(backends)
        else:
            per, count = after - before, connections
        return IdleResult(
            connections=connections,
            memory=(per.pss if postgres else per.rss) / count,
            pss=per.pss / count,
            uss=per.uss / count,
            rss=per.rss / count,
            server_pss=(after.pss - before.pss) / connections,
            before_mib=before.pss / 1024,
            after_mib=after.pss / 1024,
            open_seconds=open_seconds,
        )
    finally:
        close_all(sockets)
        if postgres:
            wait_backends_gone(root)


def warm_up(target: Target) -> None:
    sockets = [
        open_idle(target.port, target.user, target.dbname) for _ in range(WARMUP_CONNECTIONS)
    ]
    close_all(sockets)
    root = target.server_pid()
    if isinstance(target, PostgresTarget) and root is not None:
        wait_backends_gone(root)
    time.sleep(0.2)


@dataclass
class IdleOutcome:
    connections: int
    reps: int
    targets: Sequence[str]
    skipped: dict[str, str] = field(default_factory=dict)
    runs: dict[str, list[IdleResult]] = field(default_factory=dict)
    postgres_version: str = "n/a"
    fd_limit: str = ""

    def add(self, target: str, result: IdleResult) -> None:
        self.runs.setdefault(target, []).append(result)


def describe(result: IdleResult) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    return (
        f"{result.memory:,.0f} KiB/conn: PSS {result.pss:,.0f}, USS {result.uss:,.0f}, "
        f"RSS {result.rss:,.0f}; server "
        f"PSS {result.before_mib:,.1f} -> {result.after_mib:,.1f} MiB "
        f"(opened in {result.open_seconds:.1f} s)"
    )


def run(
    targets: Sequence[Target],
    *,
    connections: int,
    reps: int,
    say: Callable[[str], None],
) -> IdleOutcome:
    """Each repetition: each target started fresh, warmed up, measured, stopped."""
    chosen = [for_idle(t, connections) for t in targets if base_name(t.name) in TARGETS]
    outcome = IdleOutcome(connections, reps, [t.name for t in chosen])
    problem = raise_fd_limit(connections + 256)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    outcome.fd_limit = f"{soft} (hard {hard})"
    if problem is not None:
        for target in chosen:
            outcome.skipped[target.name] = problem
        say(f"SKIPPING the idle suite: {problem}")
        return outcome
    for rep in range(1, reps + 1):
        for target in chosen:
            if target.name in outcome.skipped:
                continue
            try:
                target.start()
                if isinstance(target, PostgresTarget):
                    outcome.postgres_version = target.version
                warm_up(target)
            except (TargetStartError, OSError, struct.error) as exc:
                target.stop()
                outcome.skipped[target.name] = str(exc)
                say(f"SKIPPING {target.name}: {exc}")
                continue
            try:
                result = measure(target, connections)
            finally:
                target.stop()
            outcome.add(target.name, result)
            say(f"[rep {rep}/{reps}] {connections:,} idle {target.name}: {describe(result)}")
    return outcome


def smoke_problem(outcome: IdleOutcome) -> str | None:
    if REFERENCE not in outcome.targets:
        return None
    if REFERENCE in outcome.skipped:
        return f"PostgreSQL 15 did not start: {outcome.skipped[REFERENCE]}"
    runs = outcome.runs.get(REFERENCE, [])
    if not any(r.ok for r in runs):
        errors = "; ".join(dict.fromkeys(r.error or "" for r in runs))
        return f"idle connections to PostgreSQL failed: {errors}"
    return None


# --- markdown -----------------------------------------------------------------------------

HEADERS = (
    "target",
    f"KiB/conn median (min{DASH}max)",
    "vs PG",
    "PSS KiB/conn",
    "USS KiB/conn",
    "RSS KiB/conn",
    "server PSS increase KiB/conn",
    "server PSS MiB, before → with N",
)


def _summary(results: Sequence[IdleResult], attr: str) -> Summary | None:
    values = [float(getattr(r, attr)) for r in results if r.ok]
    return Summary.of(values) if values else None


def _row(outcome: IdleOutcome, target: str) -> list[str]:
    results = outcome.runs.get(target, [])
    headline = _summary(results, "memory")
    reference = _summary(outcome.runs.get(REFERENCE, []), "memory")
    failed = sum(not r.ok for r in results)
    if headline is None:
        return [target, "failed", "n/a", "", "", "", "", ""]
    cell = headline.format(",.1f") + (f" ({failed}/{len(results)} failed)" if failed else "")

    def median(attr: str, spec: str = ",.0f") -> str:
        summary = _summary(results, attr)
        return f"{summary.median:{spec}}" if summary else "n/a"

    return [
        target,
        cell,
        ratio(headline, reference),
        median("pss"),
        median("uss"),
        median("rss"),
        median("server_pss"),
        f"{median('before_mib', ',.1f')} → {median('after_mib', ',.1f')}",
    ]


def render(outcome: IdleOutcome) -> str:
    n = f"{outcome.connections:,}"
    parts = [f"## {TITLE}"]
    parts.append(
        f"{n} connections opened one after another and held idle after ReadyForQuery (raw "
        "StartupMessage over TCP, trust, no SSLRequest; `benchmarks/idle.py`), then, after "
        f"{SETTLE:.0f} s, the server's memory from /proc/PID/smaps_rollup. KiB/conn, the "
        "headline: for PostgreSQL (a process per connection) the mean PSS of its "
        f"{n} backends (proportional set size: pages shared with other processes, "
        "shared_buffers included, split among them); for pgwire (one process) its RSS "
        f"increase / {n}. PSS, USS (private pages), RSS: the same three for both kinds, "
        f"per backend for PostgreSQL, as the increase / {n} for pgwire (whose PSS moves "
        "with other processes on the machine that share its library pages, so its USS and "
        "RSS increases are the steadier). Server PSS increase: the whole process tree's "
        f"PSS with the connections held minus before, / {n}, for both. Every target is "
        f"started afresh in each of the {outcome.reps} repetition(s) and warmed up with "
        f"{WARMUP_CONNECTIONS} connections; median (min{DASH}max) over the repetitions, "
        "other columns medians; the ratio is to PostgreSQL's KiB/conn (lower is better). "
        f"PostgreSQL ran with `max_connections = {outcome.connections + HEADROOM}`, pgwire "
        f"with `--max-connections {outcome.connections + HEADROOM}`; the client's "
        f"RLIMIT_NOFILE: {outcome.fd_limit}. Kernel memory (socket buffers, page tables) is "
        "in none of these numbers."
    )
    rows = [
        _row(outcome, t) for t in outcome.targets if t not in outcome.skipped or t in outcome.runs
    ]
    parts.append(markdown_table(HEADERS, rows))
    failures = []
    for target, results in outcome.runs.items():
        errors = [r.error for r in results if r.error is not None]
        if errors:
            distinct = "; ".join(dict.fromkeys(errors))
            failures.append(f"- {target}: {len(errors)}/{len(results)} failed: {distinct}")
    if failures:
        parts.append("Failed runs:\n\n" + "\n".join(failures))
    if outcome.skipped:
        skipped = [
            f"- {name}: {' '.join(why.split())[:300]}" for name, why in outcome.skipped.items()
        ]
        parts.append("Skipped targets:\n\n" + "\n".join(skipped))
    return "\n\n".join(parts) + "\n"
