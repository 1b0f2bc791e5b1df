"""Connection set-up rate: connect, authenticate, one `SELECT 1`, disconnect, in a loop.

`pgbench -n -C -f select1.sql` (-C: a new connection per transaction) against PostgreSQL 15
and `pgwire serve examples.fixed:handler` (a fixed answer, so only the protocol costs),
configured alike in each of these configurations:

    trust             trust, no TLS
    md5               md5, an md5 secret, no TLS
    scram             scram-sha-256, a SCRAM verifier (4096 iterations), no TLS
    scram-tls         scram-sha-256 over TLS (hostssl); libpq picks SCRAM-SHA-256-PLUS
    trust-tls         trust over TLS (hostssl)

Plain configurations connect with `sslmode=disable` (no SSLRequest round trip), TLS ones
with `sslmode=require`. Every server of every configuration runs for the whole suite, so
each repetition interleaves configurations and targets; before measuring, psql checks that
each server does what its configuration says (the password works, a wrong one and a
plaintext connection to a TLS configuration are refused, TLS is on exactly when wanted).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import os
import re
import resource
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import (
    DASH,
    HOST,
    ROOT,
    TICK,
    Baseline,
    PgwireTarget,
    Pinning,
    PostgresTarget,
    Summary,
    Target,
    TargetStartError,
    markdown_table,
    ratio,
    source_root,
    tree_cpu,
)
from benchmarks.pgbench import (
    MAX_THREADS,
    PROCESSED,
    SCRIPT,
    first_error,
    pgbench_command,
    run_pgbench,
)
from tests.support.certs import Certs, make_certs
from tests.support.postgres import TempPostgres

REFERENCE = "postgres"
TARGETS = ("postgres", "pgwire-fixed")
CLIENTS = (1, 4)
SCRAM_ITERATIONS = 4096  # PostgreSQL's default (scram_iterations is not settable in 15)
SCRAM_SALT_BYTES = 16  # PostgreSQL's SCRAM_DEFAULT_SALT_LEN

_TPS = re.compile(
    r"^tps = ([\d.]+) \((?:including reconnection times|without initial connection time)\)",
    re.MULTILINE,
)
_LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)
_CONNECT = re.compile(r"^average connection time = ([\d.]+) ms", re.MULTILINE)
_SSL = re.compile(r"SSL connection \(protocol: ([^,]+), cipher: ([^,]+),")


# --- configurations ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuthConfig:
    name: str
    method: str  # as in pg_hba.conf
    tls: bool

    @property
    def label(self) -> str:
        return f"{self.method}, {'TLS' if self.tls else 'plain'}"

    @property
    def sslmode(self) -> str:
        return "require" if self.tls else "disable"

    @property
    def hba_type(self) -> str:
        return "hostssl" if self.tls else "host"

    @property
    def password_encryption(self) -> str:
        return "md5" if self.method == "md5" else "scram-sha-256"


CONFIGS: dict[str, AuthConfig] = {
    c.name: c
    for c in (
        AuthConfig("trust", "trust", tls=False),
        AuthConfig("md5", "md5", tls=False),
        AuthConfig("scram", "scram-sha-256", tls=False),
        AuthConfig("scram-tls", "scram-sha-256", tls=True),
        AuthConfig("trust-tls", "trust", tls=True),
    )
}
SMOKE_CONFIGS = ("trust", "scram")


def md5_secret(password: str, user: str) -> str:
    """PostgreSQL's stored md5 form, as in pg_authid: 'md5' + md5(password + user)."""
    return "md5" + hashlib.md5((password + user).encode()).hexdigest()


def scram_secret(password: str, iterations: int = SCRAM_ITERATIONS) -> str:
    """A SCRAM-SHA-256 verifier in pg_authid's format, as PostgreSQL 15 makes one.

    Computed here rather than with pgwire's own code, so the harness does not trust the
    code it measures. The password must be ASCII (SASLprep leaves it unchanged then).
    """
    salt = secrets.token_bytes(SCRAM_SALT_BYTES)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    b64 = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}"
        f"${b64(stored_key).decode()}:{b64(server_key).decode()}"
    )


def stored_secret(config: AuthConfig, password: str, user: str) -> str:
    """What the server keeps for the user: the form PostgreSQL's password_encryption makes."""
    if config.password_encryption == "md5":
        return md5_secret(password, user)
    return scram_secret(password)


def hba(config: AuthConfig) -> str:
    return (
        "# written by benchmarks/connect.py\n"
        "local all all trust\n"
        f"{config.hba_type} all all 127.0.0.1/32 {config.method}\n"
    )


# --- the servers, configured -----------------------------------------------------------


class ConnectPostgres(PostgresTarget):
    """PostgreSQL 15 with a password for the benchmark user, pg_hba and TLS per config."""

    def __init__(
        self, pinning: Pinning, config: AuthConfig, password: str, certs: Certs | None
    ) -> None:
        super().__init__(pinning)
        self.config = config
        self.password = password
        self.certs = certs
        self.rolpassword = ""

    def configure(self, pg: TempPostgres) -> None:
        config = self.config
        pg.psql(
            f"SET password_encryption = '{config.password_encryption}'; "
            f"ALTER ROLE {self.user} PASSWORD '{self.password}'"
        )
        self.rolpassword = pg.psql(
            f"SELECT rolpassword FROM pg_authid WHERE rolname = '{self.user}'"
        )
        prefix = "md5" if config.password_encryption == "md5" else "SCRAM-SHA-256$4096:"
        if not self.rolpassword.startswith(prefix):
            raise RuntimeError(f"stored password is {self.rolpassword[:20]}..., not {prefix}...")
        settings: dict[str, str | int | float | bool] = {}
        if config.tls:
            if self.certs is None:
                raise RuntimeError("a TLS configuration without certificates")
            pg.install_file("server.crt", self.certs.cert.read_bytes(), 0o644)
            pg.install_file("server.key", self.certs.key.read_bytes(), 0o600)
            settings = {"ssl": True, "ssl_cert_file": "server.crt", "ssl_key_file": "server.key"}
        pg.reload(settings, hba=hba(config))  # checked by check() with new connections


class ConnectPgwire(PgwireTarget):
    """`pgwire serve examples.fixed:handler --users FILE` with the config's method and TLS."""

    def __init__(
        self,
        pinning: Pinning,
        config: AuthConfig,
        password: str,
        certs: Certs | None,
        name: str = "pgwire-fixed",
        sources: Path = ROOT,
    ) -> None:
        super().__init__(name, "examples.fixed:handler", pinning, sources)
        self.config = config
        self.secret = stored_secret(config, password, self.user)
        self.certs = certs
        self._dir: Path | None = None

    def command(self) -> list[str]:
        assert self._dir is not None
        options = ["--users", str(self._dir / "users.toml")]
        if self.config.tls:
            assert self.certs is not None
            options += ["--tls-cert", str(self.certs.cert), "--tls-key", str(self.certs.key)]
            # pg_hba's `hostssl all all 127.0.0.1/32 METHOD`: no match for plaintext
            options += ["--auth-rule", f"hostssl all all {self.config.method}"]
        else:
            options += ["--auth", self.config.method]
        return [*super().command(), *options]

    def start(self, timeout: float = 60.0) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="pgwire-connect-"))
        users = self._dir / "users.toml"
        users.write_text(f'[users]\n{self.user} = "{self.secret}"\n')
        users.chmod(0o600)
        try:
            super().start(timeout)
        except BaseException:
            self._remove_dir()
            raise

    def stop(self) -> None:
        super().stop()
        self._remove_dir()

    def _remove_dir(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


# --- checking a server against its configuration ---------------------------------------


def _psql(
    psql: str, target: Target, password: str, sslmode: str, channel_binding: str = "prefer"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        PGPASSWORD=password,
        PGSSLMODE=sslmode,
        PGCHANNELBINDING=channel_binding,
        PGCONNECT_TIMEOUT="10",
    )
    cmd = [psql, "-X", "-At", "-h", HOST, "-p", str(target.port), "-U", target.user]
    cmd += ["-d", target.dbname, "-c", "\\conninfo"]
    return subprocess.run(
        cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
    )


def _error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [" ".join(x.split()) for x in done.stderr.splitlines() if x.strip()]
    return lines[0] if lines else f"psql exited with code {done.returncode}"


def check_once(psql: str, target: Target, config: AuthConfig, password: str) -> tuple[str, str]:
    """(problem, TLS in use): problem is "" when the server behaves as configured."""
    # SCRAM over TLS must be SCRAM-SHA-256-PLUS on both servers: libpq's default
    # channel_binding=prefer then uses it in the measured runs too.
    binding = "require" if config.tls and config.method == "scram-sha-256" else "prefer"
    good = _psql(psql, target, password, config.sslmode, binding)
    if good.returncode != 0:
        return f"the right password with sslmode={config.sslmode} failed: {_error(good)}", ""
    tls = _SSL.search(good.stdout)
    if bool(tls) != config.tls:
        return f"TLS is {'on' if tls else 'off'}: {good.stdout.strip()}", ""
    if config.method != "trust":
        bad = _psql(psql, target, "wrong-" + password, config.sslmode)
        if bad.returncode == 0:
            return "a wrong password was accepted", ""
    if config.tls:
        plain = _psql(psql, target, password, "disable")
        if plain.returncode == 0:
            return "a plaintext connection was accepted by a TLS configuration", ""
    return "", f"{tls.group(1)} {tls.group(2)}" if tls else "none"


def check(psql: str, target: Target, config: AuthConfig, password: str, settle: float = 0.0) -> str:
    """The TLS protocol and cipher in use ("none" without TLS), or TargetStartError.

    ``settle``: seconds to keep trying (PostgreSQL applies a reload asynchronously).
    """
    deadline = time.monotonic() + settle
    while True:
        problem, tls = check_once(psql, target, config, password)
        if not problem:
            return tls
        if time.monotonic() >= deadline:
            raise TargetStartError(f"{target.name} not configured as {config.label}: {problem}")
        time.sleep(0.2)


# --- the workload -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectWorkload:
    clients: int

    @property
    def threads(self) -> int:
        return min(MAX_THREADS, self.clients)

    @property
    def label(self) -> str:
        jobs = f" -j {self.threads}" if self.threads > 1 else ""
        return f"-C -c {self.clients}{jobs}"


# --- CPU accounting: noise-resistant costs, and how much other work shared the machine --


def machine_busy() -> float:
    """CPU seconds spent not idle, all CPUs, since boot (/proc/stat; steal included)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / TICK


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class ConnectResult:
    """One pgbench -C run: connections (= transactions) per second, or what went wrong.

    CPU times are over the whole pgbench run (its start and finish included): the server's
    process tree, pgbench's own, and everything else the machine did meanwhile.
    """

    tps: float | None = None
    latency_ms: float | None = None
    connect_ms: float | None = None  # pgbench's "average connection time"
    error: str | None = None
    connections: int = 0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_cpu: float = 0.0  # share of all CPUs used by other processes, 0..1

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def server_us(self) -> float | None:
        """Server CPU microseconds per connection."""
        return self.server_cpu * 1e6 / self.connections if self.connections else None

    @property
    def client_us(self) -> float | None:
        return self.client_cpu * 1e6 / self.connections if self.connections else None

    @property
    def other_pct(self) -> float:
        return self.other_cpu * 100


def command(pgbench: str, target: Target, workload: ConnectWorkload, seconds: int) -> list[str]:
    return pgbench_command(pgbench, target, workload.clients, workload.threads, seconds, "-C")


def run(
    pgbench: str,
    target: Target,
    config: AuthConfig,
    password: str,
    workload: ConnectWorkload,
    seconds: int,
    pinning: Pinning,
) -> ConnectResult:
    """pgbench -C pinned to the client CPU; a failing run is a result, never an exception."""
    if not target.alive():
        return ConnectResult(error=f"{target.name} is not running")
    cmd = [*pinning.client_prefix(), *command(pgbench, target, workload, seconds)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(PGPASSWORD=password, PGSSLMODE=config.sslmode)
    server = target.server_pid()
    busy, server_cpu, client_cpu = machine_busy(), tree_cpu(server), children_cpu()
    start = time.monotonic()
    done = run_pgbench(cmd, env, seconds)
    if isinstance(done, str):
        return ConnectResult(error=done)
    wall = time.monotonic() - start
    server_cpu = tree_cpu(server) - server_cpu
    client_cpu = children_cpu() - client_cpu
    other = machine_busy() - busy - server_cpu - client_cpu
    result = parse(done.returncode, done.stdout, done.stderr)
    processed = PROCESSED.search(done.stdout)
    return dataclasses.replace(
        result,
        connections=int(processed.group(1)) if processed else 0,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
        other_cpu=max(0.0, other) / (wall * (os.cpu_count() or 1)),
    )


def parse(returncode: int, stdout: str, stderr: str) -> ConnectResult:
    tps = _TPS.search(stdout)
    if returncode != 0 or tps is None:
        return ConnectResult(error=first_error(stderr) or f"pgbench exited with code {returncode}")
    latency, connect = _LATENCY.search(stdout), _CONNECT.search(stdout)
    return ConnectResult(
        float(tps.group(1)),
        float(latency.group(1)) if latency else None,
        float(connect.group(1)) if connect else None,
    )


# --- the suite ----------------------------------------------------------------------------

Key = tuple[str, str]  # (config name, target name)


@dataclass
class ConnectOutcome:
    date: str
    reps: int
    seconds: int
    configs: Sequence[AuthConfig]
    workloads: Sequence[ConnectWorkload]
    targets: Sequence[str]
    skipped: dict[Key, str] = field(default_factory=dict)
    tls: dict[Key, str] = field(default_factory=dict)  # protocol and cipher, per server
    runs: dict[tuple[str, ConnectWorkload, str], list[ConnectResult]] = field(default_factory=dict)
    postgres_version: str = "n/a"
    load: list[float] = field(default_factory=list)  # 1-minute load average, before and after

    def add(self, config: str, workload: ConnectWorkload, target: str, r: ConnectResult) -> None:
        self.runs.setdefault((config, workload, target), []).append(r)


def find_psql(pgbench: str) -> str | None:
    beside = Path(pgbench).with_name("psql")
    return str(beside) if os.access(beside, os.X_OK) else shutil.which("psql")


def _describe(result: ConnectResult) -> str:
    if result.error is not None:
        return f"failed: {result.error}"
    connect = f", connect {result.connect_ms:.3f} ms" if result.connect_ms is not None else ""
    server = f", server {result.server_us:,.0f} µs/conn" if result.server_us is not None else ""
    return f"{result.tps:,.0f} conn/s{connect}{server}, other load {result.other_pct:.0f}%"


def run_suite(
    *,
    pgbench: str,
    pinning: Pinning,
    configs: Sequence[str],
    targets: Sequence[str],
    reps: int,
    seconds: int,
    warmup: int,
    date: str,
    say: Callable[[str], None],
    baseline: Baseline | None = None,
) -> ConnectOutcome:
    """Start every server of every configuration, check them, then measure, interleaved.

    With a ``baseline``, pgwire-fixed has a twin running that revision, configured alike.
    """
    chosen = [CONFIGS[name] for name in configs]
    names = [t for t in TARGETS if t in targets]
    if baseline is not None:
        twins = {t: [t] if t == REFERENCE else [t, baseline.twin_name(t)] for t in names}
        names = [n for t in names for n in twins[t]]
    outcome = ConnectOutcome(
        date, reps, seconds, chosen, [ConnectWorkload(c) for c in CLIENTS], names
    )
    outcome.load.append(os.getloadavg()[0])
    psql = find_psql(pgbench)
    password = "bench-" + secrets.token_hex(8)
    servers: dict[Key, Target] = {}
    with tempfile.TemporaryDirectory(prefix="pgwire-connect-certs-") as tmp:
        certs = make_certs(Path(tmp)) if any(c.tls for c in chosen) else None
        try:
            for config in chosen:
                for name in names:
                    target: Target
                    if name == "postgres":
                        target = ConnectPostgres(pinning, config, password, certs)
                    else:
                        root = source_root(name, baseline)
                        target = ConnectPgwire(pinning, config, password, certs, name, root)
                    servers[config.name, name] = target
                    _start(target, config, password, psql, pgbench, pinning, outcome, warmup, say)
            for rep in range(1, reps + 1):
                for config in chosen:
                    for workload in outcome.workloads:
                        for name in names:
                            if (config.name, name) in outcome.skipped:
                                continue
                            target = servers[config.name, name]
                            r = run(pgbench, target, config, password, workload, seconds, pinning)
                            outcome.add(config.name, workload, name, r)
                            say(
                                f"[rep {rep}/{reps}] {config.label} {workload.label} {name}: "
                                f"{_describe(r)}"
                            )
        finally:
            for target in servers.values():
                target.stop()
    outcome.load.append(os.getloadavg()[0])
    versions = [t.version for t in servers.values() if isinstance(t, PostgresTarget)]
    outcome.postgres_version = next((v for v in versions if v != "n/a"), "n/a")
    return outcome


def _start(
    target: Target,
    config: AuthConfig,
    password: str,
    psql: str | None,
    pgbench: str,
    pinning: Pinning,
    outcome: ConnectOutcome,
    warmup: int,
    say: Callable[[str], None],
) -> None:
    key = (config.name, target.name)
    say(f"starting {target.name} ({config.label}) ...")
    try:
        target.start()
        if psql is None:
            raise TargetStartError("psql not found: cannot check the configuration")
        settle = 10.0 if isinstance(target, PostgresTarget) else 0.0
        outcome.tls[key] = check(psql, target, config, password, settle)
    except TargetStartError as exc:
        target.stop()
        outcome.skipped[key] = str(exc)
        say(f"SKIPPING {target.name} ({config.label}): {exc}")
        return
    if warmup:
        warm = run(pgbench, target, config, password, ConnectWorkload(1), warmup, pinning)
        say(f"  checked (TLS: {outcome.tls[key]}); warm-up: {_describe(warm)}")


def smoke_problem(outcome: ConnectOutcome) -> str | None:
    """The harness is broken when PostgreSQL fails in some configuration; pgwire may fail."""
    if REFERENCE not in outcome.targets:
        return None
    for config in outcome.configs:
        key = (config.name, REFERENCE)
        if key in outcome.skipped:
            return f"PostgreSQL ({config.label}) did not start: {outcome.skipped[key]}"
        if not any(
            r.ok
            for (c, _, name), runs in outcome.runs.items()
            if c == config.name and name == REFERENCE
            for r in runs
        ):
            return f"no pgbench -C run against PostgreSQL ({config.label}) succeeded"
    return None


# --- markdown ------------------------------------------------------------------------------

HEADERS = (
    "configuration",
    "workload",
    "target",
    f"conn/s median (min{DASH}max)",
    "vs PG",
    "connect ms",
    "conn. vs PG",
    "server CPU µs/conn",
    "srv. vs PG",
    "client CPU µs/conn",
    "other load",
)


def _summary(results: Sequence[ConnectResult], attr: str) -> Summary | None:
    values = [v for r in results if r.ok and (v := getattr(r, attr)) is not None]
    return Summary.of(values) if values else None


def _row(
    outcome: ConnectOutcome, config: AuthConfig, workload: ConnectWorkload, target: str
) -> list[str]:
    results = outcome.runs.get((config.name, workload, target), [])
    reference = outcome.runs.get((config.name, workload, REFERENCE), [])

    def pair(attr: str) -> tuple[Summary | None, Summary | None]:
        return _summary(results, attr), _summary(reference, attr)

    tps, ref_tps = pair("tps")
    failed = sum(not r.ok for r in results)
    if tps is None:
        cell = "failed"
    else:
        cell = tps.format() + (f" ({failed}/{len(results)} failed)" if failed else "")
    row = [config.label, workload.label, target, cell, ratio(tps, ref_tps)]
    if workload.clients == 1:
        conn, ref_conn = pair("connect_ms")
        row += [conn.format(".3f") if conn else "n/a", ratio(conn, ref_conn)]
    else:
        row += ["", ""]
    server, ref_server = pair("server_us")
    client, other = _summary(results, "client_us"), _summary(results, "other_pct")
    return [
        *row,
        server.format() if server else "n/a",
        ratio(server, ref_server),
        f"{client.median:,.0f}" if client else "n/a",
        f"{other.median:.0f}%" if other else "n/a",
    ]


def table(outcome: ConnectOutcome) -> str:
    rows = [
        _row(outcome, config, workload, target)
        for config in outcome.configs
        for workload in outcome.workloads
        for target in outcome.targets
        if (config.name, target) not in outcome.skipped
    ]
    return markdown_table(HEADERS, rows)


def document(outcome: ConnectOutcome, facts: Sequence[tuple[str, str]]) -> str:
    """A report of its own: title, facts about the machine, then section()."""
    head = f"# pgwire connection benchmarks, {outcome.date}"
    lines = "\n".join(f"- {key}: {value}" for key, value in facts)
    return f"{head}\n\n{lines}\n\n{section(outcome)}"


def section(outcome: ConnectOutcome) -> str:
    """The markdown section: method, configuration, table, failures."""
    parts = ["## Connection set-up rate"]
    parts.append(
        f"`pgbench -n -C -f benchmarks/{SCRIPT.name} -T {outcome.seconds}`: -C opens a new "
        "connection for every transaction, so tps is connections per second, each one "
        "TCP connect + startup + authentication + one `SELECT 1` + Terminate. "
        f"{outcome.reps} repetition(s), every configuration and target interleaved in each; "
        f"median (min{DASH}max) over the repetitions; ratios to PostgreSQL's median for the "
        "same configuration in the same run (conn/s: higher is better; connect ms, pgbench's "
        "average connection time, shown for c=1: lower is better); ratios within ±10% are "
        "noise."
    )
    parts.append(
        "\n".join(
            [
                "How the two targets are configured alike (`benchmarks/connect.py`):",
                "",
                "- PostgreSQL 15: `SET password_encryption = 'md5'|'scram-sha-256'; ALTER ROLE "
                "postgres PASSWORD ...`; pg_hba.conf `host|hostssl all all 127.0.0.1/32 "
                "METHOD`; for TLS `ssl = on` with copies of a generated certificate and "
                "key (EC P-256) owned by the server user, key mode 0600.",
                "- pgwire: `pgwire serve examples.fixed:handler --users FILE` with the secret "
                "in PostgreSQL's stored form (md5 hash, or a SCRAM verifier with 4096 "
                "iterations, as pg_authid holds), and `--auth METHOD`; for TLS `--tls-cert "
                "--tls-key --auth-rule 'hostssl all all METHOD'`.",
                "- pgbench gets the password in PGPASSWORD; `PGSSLMODE=disable` for plain "
                "configurations (no SSLRequest), `require` for TLS ones. SCRAM over TLS is "
                "SCRAM-SHA-256-PLUS (channel binding) with both servers.",
                "- Before measuring, psql checked each server: the password works, a wrong "
                "one is refused, a TLS configuration refuses plaintext, TLS is on exactly "
                "when wanted. The client computes PBKDF2 (4096 iterations) for every SCRAM "
                "connection, on the client CPU.",
                "- CPU columns, from /proc over each whole pgbench run, divided by the "
                "connections made: server CPU is the server's process tree (PostgreSQL: "
                "postmaster, backends it reaped, background processes; pgwire: its one "
                "process), client CPU is pgbench's. Less sensitive to other work than "
                "conn/s, they say where the time goes. Other load is the median share of "
                "both CPUs used by processes outside the benchmark during the runs: when it "
                "is high, conn/s is unreliable.",
            ]
        )
    )
    notes = []
    if tls := sorted({v for (c, _), v in outcome.tls.items() if CONFIGS[c].tls}):
        notes.append(f"TLS negotiated: {'; '.join(tls)}.")
    if outcome.load:
        before, after = outcome.load[0], outcome.load[-1]
        notes.append(
            f"1-minute load average just before the suite: {before:.2f}, at its end: "
            f"{after:.2f} ({os.cpu_count()} CPUs; the suite itself keeps about 2 busy while it "
            "measures, so a high value before it means other work shared the CPUs)."
        )
    if notes:
        parts.append(" ".join(notes))
    parts.append(table(outcome))
    if failures := _failures(outcome):
        parts.append("Failed runs (first error line):\n\n" + "\n".join(failures))
    if outcome.skipped:
        skipped = [
            f"- {target} ({CONFIGS[config].label}): {_gist(why)}"
            for (config, target), why in outcome.skipped.items()
        ]
        parts.append("Skipped (did not start or not configured as asked):\n\n" + "\n".join(skipped))
    return "\n\n".join(parts) + "\n"


def _failures(outcome: ConnectOutcome) -> list[str]:
    lines = []
    for (config, workload, target), results in outcome.runs.items():
        errors = [r.error for r in results if r.error is not None]
        if errors:
            distinct = "; ".join(dict.fromkeys(errors))
            lines.append(
                f"- {target} {CONFIGS[config].label} `{workload.label}`: "
                f"{len(errors)}/{len(results)} runs failed: {distinct}"
            )
    return lines


def _gist(text: str) -> str:
    """The first and last line of a multi-line message (a traceback ends with its error)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) <= 2:
        return " ".join(lines)
    return f"{lines[0]} ... {lines[-1]}"
