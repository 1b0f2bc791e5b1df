"""A throwaway PostgreSQL 15 cluster for tests and benchmarks.

    with TempPostgres() as pg:
        print(pg.dsn)                  # postgresql://postgres@127.0.0.1:PORT/postgres
        print(pg.psql("select 1"))     # '1'

The cluster is fast and not durable (fsync, synchronous_commit and full_page_writes off),
listens on 127.0.0.1 at a free port and on a unix socket inside its data directory, and trusts
every local connection. PostgreSQL refuses to run as root: when we are root, initdb, pg_ctl and
the server run as the unprivileged OS user ``postgres`` (created when missing) via ``runuser``.

Binaries are looked up, in order, in: the ``bindir`` argument, ``$PGWIRE_PG_BINDIR``,
``/usr/lib/postgresql/15/bin``, then ``pg_config --bindir``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["PostgresNotFound", "PostgresStartError", "TempPostgres", "find_bindir"]

BINDIR_ENV = "PGWIRE_PG_BINDIR"
DEFAULT_MAJOR = 15
SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
CONF_FILE = "pgwire_test.conf"  # our settings, included at the end of postgresql.conf


def _install_hint(major: int) -> str:
    return (
        f"install PostgreSQL {major} (Debian: apt-get install postgresql-{major} "
        f"postgresql-client-{major}; or run `bash .ci/run`), "
        f"or point ${BINDIR_ENV} at its bin directory"
    )


# Settings every throwaway cluster gets; constructor settings override them.
BASE_SETTINGS: dict[str, str | int | bool] = {
    "fsync": False,
    "synchronous_commit": False,
    "full_page_writes": False,
    "listen_addresses": "127.0.0.1",
    "max_connections": 200,
    "logging_collector": False,
}


class PostgresNotFound(RuntimeError):
    """No usable PostgreSQL server binaries of the wanted major version were found."""


class PostgresStartError(RuntimeError):
    """The binaries were found but the cluster could not be created or started."""


def _server_major(bindir: Path) -> int | None:
    """The major version of ``bindir/postgres``, or None when it does not run."""
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
    for word in out.split():
        head = word.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        out = subprocess.run(
            [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def find_bindir(bindir: str | os.PathLike[str] | None = None, major: int = DEFAULT_MAJOR) -> Path:
    """Find the bin directory of a PostgreSQL ``major`` server install.

    Raises PostgresNotFound, listing every place that was tried and why it was rejected.
    """
    candidates: list[tuple[str, Path | None]] = []
    if bindir is not None:
        candidates.append(("bindir argument", Path(bindir)))
    if os.environ.get(BINDIR_ENV):
        candidates.append((f"${BINDIR_ENV}", Path(os.environ[BINDIR_ENV])))
    candidates.append(("Debian layout", Path(f"/usr/lib/postgresql/{major}/bin")))
    candidates.append(("pg_config --bindir", _pg_config_bindir()))

    tried: list[str] = []
    for origin, path in candidates:
        if path is None:
            tried.append(f"{origin}: pg_config not found")
            continue
        missing = [name for name in SERVER_BINARIES if not os.access(path / name, os.X_OK)]
        if missing:
            tried.append(f"{origin} ({path}): missing {', '.join(missing)}")
            continue
        found = _server_major(path)
        if found != major:
            tried.append(f"{origin} ({path}): postgres is version {found}, not {major}")
            continue
        return path
    raise PostgresNotFound(
        f"PostgreSQL {major} server binaries not found ({'; '.join(tried)}): {_install_hint(major)}"
    )


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _quote_setting(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _clean_env() -> dict[str, str]:
    """The environment without libpq's PG* variables, which would redirect our commands."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


class TempPostgres:
    """A throwaway PostgreSQL cluster in a temporary directory.

    ``settings`` are extra postgresql.conf settings (e.g. ``{"log_statement": "all"}``);
    they override the defaults in BASE_SETTINGS. ``port`` 0 picks a free port.
    """

    user = "postgres"  # the database superuser (initdb -U)
    host = "127.0.0.1"

    def __init__(
        self,
        settings: Mapping[str, str | int | float | bool] | None = None,
        *,
        port: int = 0,
        bindir: str | os.PathLike[str] | None = None,
        major: int = DEFAULT_MAJOR,
        base_dir: str | os.PathLike[str] | None = None,
        initdb_args: Sequence[str] = (),
        os_user: str = "postgres",
        start_timeout: float = 60.0,
    ) -> None:
        self.settings: dict[str, str | int | float | bool] = {**BASE_SETTINGS, **(settings or {})}
        self.requested_port = port
        self.port = port
        self.major = major
        self._bindir_arg = bindir
        self._base_dir_arg = base_dir
        self.initdb_args = tuple(initdb_args)
        self.start_timeout = start_timeout
        self._os_user_wanted = os_user
        self.bindir: Path | None = None
        self.tmpdir: Path | None = None
        self._runas: str | None = None  # OS user the server runs as, when we are root
        self.running = False

    # -- paths and connection strings ---------------------------------------------------

    def _require_tmpdir(self) -> Path:
        if self.tmpdir is None:
            raise RuntimeError("TempPostgres is not started")
        return self.tmpdir

    @property
    def data_dir(self) -> Path:
        return self._require_tmpdir() / "data"

    @property
    def socket_dir(self) -> Path:
        """Directory of the unix socket (``.s.PGSQL.<port>``): the data directory."""
        return self.data_dir

    @property
    def log_path(self) -> Path:
        return self._require_tmpdir() / "postgres.log"

    @property
    def dsn(self) -> str:
        """A libpq URL over TCP, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``."""
        return self.dsn_for("postgres")

    def dsn_for(self, dbname: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def _bin(self, name: str) -> str:
        if self.bindir is None:
            raise RuntimeError("TempPostgres is not started")
        return str(self.bindir / name)

    # -- running commands -----------------------------------------------------------------

    def _resolve_os_user(self) -> str | None:
        """None when we are not root; otherwise an unprivileged user to run the server as."""
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(self._os_user_wanted)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            result = subprocess.run(
                [
                    useradd,
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    self._os_user_wanted,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0 and not _user_exists(self._os_user_wanted):
                raise PostgresStartError(
                    f"running as root and could not create OS user {self._os_user_wanted!r} "
                    f"for PostgreSQL: {result.stderr.strip()}"
                ) from None
        if shutil.which("runuser") is None:
            raise PostgresStartError("running as root but `runuser` (util-linux) is missing")
        return self._os_user_wanted

    def _run_server_cmd(
        self, args: Sequence[str], *, timeout: float, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run an initdb / pg_ctl command as the server's OS user."""
        cmd = list(args)
        if self._runas is not None:
            cmd = ["runuser", "-u", self._runas, "--", *cmd]
        result = subprocess.run(
            cmd,
            cwd=self._require_tmpdir(),
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise PostgresStartError(
                f"{' '.join(cmd)} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )
        return result

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- last lines of {self.log_path} ---\n{tail}" if tail else ""

    def psql(self, sql: str, *, dbname: str = "postgres", timeout: float = 60.0) -> str:
        """Run ``sql`` with ``psql -At -X`` (stop on the first error); return its stdout."""
        cmd = [
            self._bin("psql"),
            "-At",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            self.dsn_for(dbname),
            "-c",
            sql,
        ]
        result = subprocess.run(
            cmd,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed (exit {result.returncode}): {result.stderr.strip()}")
        return result.stdout.rstrip("\n")

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self.running:
            return self
        self.bindir = find_bindir(self._bindir_arg, self.major)
        self._runas = self._resolve_os_user()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="pgwire-pg-", dir=self._base_dir_arg))
        atexit.register(self.stop)
        try:
            if self._runas is not None:
                entry = pwd.getpwnam(self._runas)
                os.chown(self.tmpdir, entry.pw_uid, entry.pw_gid)
                probe = self._run_server_cmd(
                    ["test", "-w", str(self.tmpdir)], timeout=30, check=False
                )
                if probe.returncode != 0:
                    raise PostgresStartError(
                        f"OS user {self._runas!r} cannot write to {self.tmpdir}: a parent "
                        "directory is not traversable; pass base_dir= (or set TMPDIR) to a "
                        "directory such as /tmp"
                    )
            self._run_server_cmd(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.data_dir),
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale",
                    "C",
                    "-U",
                    self.user,
                    "--no-sync",
                    *self.initdb_args,
                ],
                timeout=300,
            )
            self._start_server()
        except BaseException:
            self.stop()
            raise
        return self

    def _write_config(self) -> None:
        """(Re)write our settings into an include file read at the end of postgresql.conf."""
        settings = {
            **self.settings,
            "port": self.port,
            "unix_socket_directories": str(self.socket_dir),
        }
        lines = [f"{key} = {_quote_setting(value)}" for key, value in settings.items()]
        conf = self.data_dir / CONF_FILE
        conf.write_text("# written by tests/support/postgres.py\n" + "\n".join(lines) + "\n")
        main_conf = self.data_dir / "postgresql.conf"
        include = f"include = '{CONF_FILE}'\n"
        if include not in main_conf.read_text():
            with main_conf.open("a") as f:
                f.write("\n" + include)
        if self._runas is not None:
            entry = pwd.getpwnam(self._runas)
            os.chown(conf, entry.pw_uid, entry.pw_gid)

    # -- reconfiguring a running cluster (auth, TLS) ------------------------------------

    def install_file(self, name: str, data: bytes, mode: int = 0o600) -> Path:
        """Write ``data`` to ``name`` in the data directory, owned by the server's OS user.

        For files the server reads, e.g. ``ssl_key_file`` (PostgreSQL wants the key 0600
        and owned by the server user).
        """
        path = self.data_dir / name
        path.write_bytes(data)
        path.chmod(mode)
        if self._runas is not None:
            entry = pwd.getpwnam(self._runas)
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return path

    def reload(
        self,
        settings: Mapping[str, str | int | float | bool] | None = None,
        *,
        hba: str | None = None,
    ) -> None:
        """Apply more ``settings`` and/or replace pg_hba.conf with ``hba``, then reload.

        Only settings PostgreSQL takes on reload (ssl, ssl_*_file, password_encryption, ...)
        apply; the reload is asynchronous, so check the effect with a new connection.
        """
        if settings:
            self.settings.update(settings)
            self._write_config()
        if hba is not None:
            self.install_file("pg_hba.conf", hba.encode(), 0o600)
        self._run_server_cmd([self._bin("pg_ctl"), "-D", str(self.data_dir), "reload"], timeout=60)

    def _start_server(self) -> None:
        attempts = 1 if self.requested_port else 5
        last: PostgresStartError | None = None
        for _ in range(attempts):
            self.port = self.requested_port or _free_port(self.host)
            self._write_config()
            result = self._run_server_cmd(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_path),
                    "-w",
                    "-t",
                    str(int(self.start_timeout)),
                    "start",
                ],
                timeout=self.start_timeout + 30,
                check=False,
            )
            if result.returncode == 0:
                self.running = True
                return
            last = PostgresStartError(
                f"pg_ctl start failed on port {self.port} (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )
            # Another process may have taken the port between our probe and the bind.
            self._stop_server()
        assert last is not None
        raise last

    def _stop_server(self) -> None:
        if self.tmpdir is None or not (self.data_dir / "postmaster.pid").exists():
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError, PostgresStartError):
            self._run_server_cmd(
                [self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
                timeout=60,
                check=False,
            )
        pidfile = self.data_dir / "postmaster.pid"
        if pidfile.exists():  # pg_ctl failed: signal the postmaster ourselves
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGQUIT)

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl -m immediate``) and remove its directory."""
        atexit.unregister(self.stop)
        self._stop_server()
        self.running = False
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"{self.dsn} (running)" if self.running else "stopped"
        return f"<TempPostgres {state}>"


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
