"""What every benchmark needs: CPU pinning, the servers under test, statistics, markdown.

Servers run on one CPU and clients on another (see "Benchmarking on 2 shared cores" in the
field notes): unpinned numbers swing 3-4x with the scheduler's mood.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.postgres import PostgresNotFound, PostgresStartError, TempPostgres

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TICK = os.sysconf("SC_CLK_TCK")
DASH, TIMES = "\u2013", "\u00d7"  # for "median (min-max)" and "0.42x"

# --- CPU pinning ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinning:
    """The CPU servers run on and the CPU clients run on; None for both means unpinned."""

    server_cpu: int | None = None
    client_cpu: int | None = None

    @property
    def enabled(self) -> bool:
        return self.server_cpu is not None

    def server_prefix(self) -> list[str]:
        return _taskset(self.server_cpu)

    def client_prefix(self) -> list[str]:
        return _taskset(self.client_cpu)

    def describe(self) -> str:
        if not self.enabled:
            return "none"
        return (
            f"servers on CPU {self.server_cpu} (pgwire under `taskset -c`, PostgreSQL's "
            f"process tree with `taskset -a -p`), clients on CPU {self.client_cpu}"
        )


def _taskset(cpu: int | None) -> list[str]:
    return [] if cpu is None else ["taskset", "-c", str(cpu)]


def detect_pinning(wanted: bool = True) -> Pinning:
    """Server on the first usable CPU, client on the second, when there are two and taskset."""
    cpus = sorted(os.sched_getaffinity(0))
    if not wanted or len(cpus) < 2 or shutil.which("taskset") is None:
        return Pinning()
    return Pinning(cpus[0], cpus[1])


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ')'
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def pin_tree(root: int, cpu: int) -> list[int]:
    """Pin every thread of ``root`` and its descendants to ``cpu``; return the pids pinned.

    Children forked later (PostgreSQL's backends) inherit the postmaster's affinity.
    """
    pinned = []
    for pid in process_tree(root):
        cmd = ["taskset", "-a", "-p", "-c", str(cpu), str(pid)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            pinned.append(pid)
        elif pid == root:
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
    return pinned


# --- CPU time of a server's process tree ------------------------------------------------


def tree_cpu(root: int | None) -> float:
    """CPU seconds used by ``root``, its descendants and the children they have reaped.

    PostgreSQL's postmaster reaps its backends, so their time lands in its cutime/cstime.
    """
    if root is None:
        return 0.0
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def tree_on_cpu(root: int | None) -> float:
    """On-CPU seconds of every thread of ``root``'s process tree so far.

    From /proc/PID/task/TID/schedstat (nanoseconds, user + system) where the kernel has it;
    else from clock ticks (/proc/PID/stat, 10 ms). Threads and processes that exit in the
    interval are lost to the first (the workloads here start and stop none).
    """
    if root is None:
        return 0.0
    total = 0
    for pid in process_tree(root):
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue  # exited meanwhile
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except FileNotFoundError:
                if not os.path.exists("/proc/self/schedstat"):
                    return tree_cpu(root)  # a kernel without schedstat
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e9


def server_cpu(root: int | None) -> float:
    """On-CPU seconds of ``root``'s process tree so far, processes it has reaped included.

    tree_on_cpu() for the running processes, plus the time of the children they have
    waited for (cutime + cstime in /proc/PID/stat, clock ticks): PostgreSQL's backends that
    served a run and exited. Read it when no process of the tree is exiting (settle()).
    """
    if root is None:
        return 0.0
    if not os.path.exists("/proc/self/schedstat"):
        return tree_cpu(root)  # ticks for all of it
    reaped = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        reaped += int(fields[13]) + int(fields[14])  # cutime cstime
    return tree_on_cpu(root) + reaped / TICK


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def client_backends(pids: Iterable[int]) -> list[int]:
    """PostgreSQL processes serving a TCP client ("postgres: USER DB 127.0.0.1(PORT) ...")."""
    backends = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if f"{HOST}(".encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                backends.append(pid)
    return backends


def wait_backends_gone(root: int, timeout: float = 30.0) -> None:
    """Wait until no PostgreSQL backend serves a TCP client under ``root`` and every
    process of its tree that exited has been reaped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = process_tree(root)
        if not client_backends(tree) and not any(_zombie(pid) for pid in tree):
            return
        time.sleep(0.05)


# --- targets: the servers under test ----------------------------------------------------


class TargetStartError(RuntimeError):
    """A server under test did not start; the benchmark skips it."""


class Target(ABC):
    """A server pgbench connects to over TCP at HOST:port."""

    user = "postgres"
    dbname = "postgres"

    def __init__(self, name: str, pinning: Pinning) -> None:
        self.name = name
        self.pinning = pinning
        self.port = 0

    @abstractmethod
    def start(self) -> None:
        """Start the server, or raise TargetStartError having cleaned up after itself."""

    @abstractmethod
    def stop(self) -> None:
        """Stop every process start() started; safe to call twice."""

    @abstractmethod
    def alive(self) -> bool: ...

    def server_pid(self) -> int | None:
        """The server's root process (its children are the server too), when running."""
        return None

    def settle(self) -> None:
        """Wait until the server has finished with the connections clients have closed."""
        return None  # a pgwire server is one process: nothing to reap


class PostgresTarget(Target):
    """A throwaway PostgreSQL 15 cluster (tests/support/postgres.py), pinned like the others."""

    def __init__(
        self,
        pinning: Pinning,
        name: str = "postgres",
        settings: Mapping[str, str | int | float | bool] | None = None,
    ) -> None:
        super().__init__(name, pinning)
        self.version = "n/a"
        self.pinned_pids: list[int] = []
        self.settings = dict(settings or {})  # postgresql.conf settings, e.g. max_connections
        self._pg: TempPostgres | None = None

    def start(self) -> None:
        pg = TempPostgres(self.settings)
        try:
            pg.start()
        except (PostgresNotFound, PostgresStartError, OSError) as exc:
            raise TargetStartError(f"PostgreSQL did not start: {exc}") from exc
        self._pg, self.port = pg, pg.port
        try:
            if self.pinning.server_cpu is not None:
                self.pinned_pids = pin_tree(self._postmaster_pid(), self.pinning.server_cpu)
            self.version = pg.psql("SHOW server_version")
            self.configure(pg)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            self.stop()
            raise TargetStartError(f"PostgreSQL started but is unusable: {exc}") from exc

    def configure(self, pg: TempPostgres) -> None:
        """Called once the cluster runs, pinned: subclasses set passwords, pg_hba, TLS."""

    def _postmaster_pid(self) -> int:
        assert self._pg is not None
        return int((self._pg.data_dir / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self._pg is not None:
            self._pg.stop()
            self._pg = None

    def server_pid(self) -> int | None:
        if self._pg is None:
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            return self._postmaster_pid()
        return None

    def settle(self) -> None:
        if (pid := self.server_pid()) is not None:
            wait_backends_gone(pid, timeout=10.0)

    def alive(self) -> bool:
        if self._pg is None:
            return False
        try:
            os.kill(self._postmaster_pid(), 0)
        except (OSError, ValueError):
            return False
        return True


class PgwireTarget(Target):
    """`python -m pgwire serve [spec]` in a child process on a free loopback port.

    ``source_root`` holds the `src/` and `examples/` it runs: the working tree (ROOT) by
    default, or another revision's copy of them. The server runs in that directory with its
    `src` and itself first on PYTHONPATH, and start() checks that pgwire and the spec's
    module are imported from there.
    """

    def __init__(
        self, name: str, spec: str | None, pinning: Pinning, source_root: Path = ROOT
    ) -> None:
        super().__init__(name, pinning)
        self.spec = spec
        self.source_root = source_root
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    def command(self) -> list[str]:
        serve = [sys.executable, "-m", "pgwire", "serve", *([self.spec] if self.spec else [])]
        options = ["--host", HOST, "--port", str(self.port), "--log-level", "warning"]
        return [*self.pinning.server_prefix(), *serve, *options]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        root = self.source_root
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(root / "src"), str(root), env.get("PYTHONPATH")) if p
        )
        return env

    def check_sources(self, env: Mapping[str, str]) -> None:
        """TargetStartError unless pgwire and the spec's module come from source_root."""
        modules = ["pgwire", *([self.spec.split(":")[0].split(".")[0]] if self.spec else [])]
        code = (
            "import importlib.util as u, sys\nfor m in sys.argv[1:]: print(u.find_spec(m).origin)"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, *modules],
                cwd=self.source_root,
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise TargetStartError(f"{self.name}: cannot locate {modules}: {exc}") from exc
        origins = done.stdout.splitlines()
        if done.returncode != 0 or len(origins) != len(modules):
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise TargetStartError(f"{self.name}: cannot locate {modules}: {last}")
        root = self.source_root.resolve()
        for module, origin in zip(modules, origins, strict=True):
            if not Path(origin).resolve().is_relative_to(root):
                raise TargetStartError(f"{self.name}: {module} comes from {origin}, not {root}")

    def start(self, timeout: float = 60.0) -> None:
        env = self.environment()
        self.check_sources(env)
        self.port = free_port()
        fd, log = tempfile.mkstemp(prefix=f"{self.name}-", suffix=".log")
        self._log = Path(log)
        with os.fdopen(fd, "wb") as out:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                cwd=self.source_root,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                problem = f"exited with code {self._proc.returncode}"
                break
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return
            time.sleep(0.1)
        else:
            problem = f"not listening on {HOST}:{self.port} after {timeout:.0f} s"
        tail = self.log_tail()
        self.stop()
        raise TargetStartError(f"{self.name} {problem}" + (f":\n{tail}" if tail else ""))

    def log_tail(self, lines: int = 8) -> str:
        if self._log is None or not self._log.exists():
            return ""
        text = self._log.read_text(errors="replace").strip()
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def server_pid(self) -> int | None:
        return self._proc.pid if self.alive() and self._proc is not None else None


# --- another revision of pgwire, measured side by side ------------------------------------


class BaselineError(RuntimeError):
    """The revision asked for cannot be exported."""


@dataclass(frozen=True)
class Baseline:
    """Another revision's `src/` and `examples/`, exported for the twin targets that run it.

    A twin of target NAME is named NAME@SHORT and runs the same command with this tree's
    sources instead of the working tree's.
    """

    rev: str  # as given, e.g. HEAD~3
    commit: str
    short: str
    subject: str
    root: Path  # the exported tree

    def twin_name(self, name: str) -> str:
        return f"{name}@{self.short}"

    def describe(self) -> str:
        return (
            f"{self.short} ({self.subject}; `--baseline {self.rev}`): targets named "
            f"NAME@{self.short} run that revision's src/ and examples/ (`git archive`), the "
            "others the working tree"
        )


def base_name(name: str) -> str:
    """The target a twin is of: ``pgwire-fixed@94a586f`` -> ``pgwire-fixed``."""
    return name.partition("@")[0]


def source_root(name: str, baseline: Baseline | None) -> Path:
    """Where the sources of target ``name`` are: the baseline's for a twin, else ROOT."""
    return baseline.root if baseline is not None and base_name(name) != name else ROOT


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BaselineError(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout.strip()


@contextlib.contextmanager
def exported_revision(rev: str) -> Iterator[Baseline]:
    """``rev``'s `src/` and `examples/` in a temporary directory, removed afterwards:
    `git archive REV src examples | tar -x -C DIR`."""
    commit = _git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    short = _git("rev-parse", "--short", commit)
    subject = _git("log", "-1", "--format=%s", commit)
    paths = [p for p in ("src", "examples") if _git("ls-tree", "--name-only", commit, p)]
    if "src" not in paths:
        raise BaselineError(f"{rev} ({short}) has no src/")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "--", *paths], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise BaselineError(f"git archive {rev}: {archive.stderr.decode(errors='replace')}")
    with tempfile.TemporaryDirectory(prefix=f"pgwire-baseline-{short}-") as tmp:
        untar = subprocess.run(
            ["tar", "-x", "-C", tmp], input=archive.stdout, capture_output=True, check=False
        )
        if untar.returncode != 0:
            raise BaselineError(f"tar -x: {untar.stderr.decode(errors='replace').strip()}")
        yield Baseline(rev, commit, short, subject, Path(tmp))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


# --- statistics and markdown ------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Median and range of repeated measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(statistics.median(values), min(values), max(values))

    def format(self, spec: str = ",.0f") -> str:
        """``median (min-max)``; just the value when there is one."""
        median = f"{self.median:{spec}}"
        if self.low == self.high:
            return median
        return f"{median} ({self.low:{spec}}{DASH}{self.high:{spec}})"


def ratio(value: Summary | None, reference: Summary | None) -> str:
    """The ratio of two medians, e.g. ``0.42x``."""
    if value is None or reference is None or not reference.median:
        return "n/a"
    return f"{value.median / reference.median:.2f}{TIMES}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = [list(headers), *([c.replace("|", "\\|") for c in row] for row in rows)]
    widths = [max(3, *(len(row[i]) for row in cells)) for i in range(len(headers))]
    cells.insert(1, ["-" * w for w in widths])
    return "\n".join(
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    )


# --- facts about the machine ------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{rev} (with uncommitted changes)" if dirty else rev


def machine_facts(pinning: Pinning, postgres_version: str) -> list[tuple[str, str]]:
    return [
        ("CPUs (nproc)", str(len(os.sched_getaffinity(0)))),
        ("CPU model", cpu_model()),
        ("Python", platform.python_version()),
        ("PostgreSQL", postgres_version),
        ("pinning", pinning.describe()),
        ("pgwire revision", git_revision()),
    ]
