"""Run `pgwire serve` in a child process, as a user would, and find where it listens."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Self

_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
ROOT = Path(__file__).resolve().parent.parent.parent


class ServerProcess:
    """`python -m pgwire serve TARGET --port 0 ...` with a unix socket in a temp dir."""

    def __init__(self, target: str | None = None, *args: str, unix_socket: bool = True) -> None:
        self.target = target
        self.args = list(args)
        self.socket_dir = tempfile.mkdtemp(prefix="pgwire-sock-") if unix_socket else None
        self.port = 0
        self.host = "127.0.0.1"
        self.log: list[str] = []
        self._proc: subprocess.Popen[str] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://tester@127.0.0.1:{self.port}/testdb"

    def conninfo(self, **extra: str) -> str:
        parts = {"host": "127.0.0.1", "port": str(self.port), "user": "tester", "dbname": "testdb"}
        parts.update(extra)
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def start(self, timeout: float = 20.0) -> Self:
        cmd = [sys.executable, "-m", "pgwire", "serve"]
        if self.target:
            cmd.append(self.target)
        cmd += ["--port", "0", "--log-level", "info", *self.args]
        if self.socket_dir:
            cmd += ["--unix-socket", self.socket_dir]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
        )
        self._proc = subprocess.Popen(
            cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
        )
        assert self._proc.stderr is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self._proc.stderr.readline()
            if not line:
                break
            self.log.append(line)
            found = _LISTENING.search(line)
            if found:
                self.port = int(found.group(1))
                break
        if not self.port:
            self.stop()
            raise RuntimeError("pgwire serve did not start:\n" + "".join(self.log))
        if self.socket_dir:  # the unix listener is logged right after the TCP one
            line = self._proc.stderr.readline()
            self.log.append(line)
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            self.log.append(line)

    def stop(self) -> int | None:
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.socket_dir and os.path.isdir(self.socket_dir):
            for name in os.listdir(self.socket_dir):
                os.unlink(os.path.join(self.socket_dir, name))
            os.rmdir(self.socket_dir)
        return proc.returncode

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
