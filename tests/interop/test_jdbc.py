"""pgjdbc (Debian's libpostgresql-jdbc-java) against `pgwire serve` on DuckDB.

tests/interop/java/JdbcCheck.java is compiled with javac into a temp dir and run once per
module, through a recording TCP proxy, so the tests below can check both what the driver saw
(each check prints "ok NAME" or "FAIL NAME: why") and what went over the wire: pgjdbc's named
server-side statements after prepareThreshold executions, and Execute with a row limit answered
by PortalSuspended when a fetch size is set.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import struct
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest

from tests.conftest import skip_or_fail
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

SOURCE = Path(__file__).resolve().parent / "java" / "JdbcCheck.java"
JAR = Path(os.environ.get("PGWIRE_PGJDBC_JAR", "/usr/share/java/postgresql.jar"))

CHECKS = [
    "connect",
    "prepared-reuse",
    "prepared-reuse-binary",
    "batch-insert",
    "types-extended",
    "types-binary",
    "types-simple",
    "types-prepared-params",
    "fetch-size",
    "sql-error",
    "transactions",
]


# --------------------------------------------------------------------------------------------
# A TCP proxy that notes the protocol messages passing through


@dataclass
class Wire:
    """What the proxy saw, over all connections."""

    client: Counter[str] = field(default_factory=Counter)  # message type byte -> count
    server: Counter[str] = field(default_factory=Counter)
    parse_names: list[str] = field(default_factory=list)  # Parse: statement names
    execute_limits: list[int] = field(default_factory=list)  # Execute: max_rows
    bind_param_formats: list[tuple[int, int]] = field(default_factory=list)  # (formats, params)
    lock: threading.Lock = field(default_factory=threading.Lock)


_ENCRYPTION_REQUESTS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: a 1-byte answer


class WireRecorder:
    """Listen on a free port; forward each connection to `target_port`, noting messages."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.wire = Wire()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = False

    def __enter__(self) -> Self:
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed = True
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, server]
            state = {"raw_bytes": 0}  # server bytes owed outside framing (encryption answers)
            for src, dst, side in ((client, server, "C"), (server, client, "S")):
                thread = threading.Thread(
                    target=self._pump, args=(src, dst, side, state), daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def _pump(
        self, src: socket.socket, dst: socket.socket, side: str, state: dict[str, int]
    ) -> None:
        buffer = b""
        startup = side == "C"
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                buffer += data
                pos = 0
                while True:
                    if side == "S" and state["raw_bytes"] and pos < len(buffer):
                        state["raw_bytes"] -= 1
                        pos += 1
                        continue
                    if startup:  # untyped: length, then a code
                        if len(buffer) - pos < 8:
                            break
                        length, code = struct.unpack_from("!ii", buffer, pos)
                        if len(buffer) - pos < length:
                            break
                        if code in _ENCRYPTION_REQUESTS:
                            state["raw_bytes"] += 1
                        else:
                            startup = False
                        pos += length
                        continue
                    if len(buffer) - pos < 5:
                        break
                    kind = chr(buffer[pos])
                    (length,) = struct.unpack_from("!i", buffer, pos + 1)
                    if len(buffer) - pos < 1 + length:
                        break
                    self._note(side, kind, buffer[pos + 5 : pos + 1 + length])
                    pos += 1 + length
                buffer = buffer[pos:]
                dst.sendall(data)  # noted before forwarding: the answer cannot overtake it
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def _note(self, side: str, kind: str, body: bytes) -> None:
        wire = self.wire
        with wire.lock:
            if side == "S":
                wire.server[kind] += 1
                return
            wire.client[kind] += 1
            if kind == "P":
                wire.parse_names.append(body[: body.index(b"\0")].decode())
            elif kind == "E":
                end = body.index(b"\0")
                wire.execute_limits.append(struct.unpack("!i", body[end + 1 : end + 5])[0])
            elif kind == "B":
                end = body.index(b"\0")  # portal
                end = body.index(b"\0", end + 1)  # statement
                (formats,) = struct.unpack("!h", body[end + 1 : end + 3])
                offset = end + 3 + 2 * formats
                (params,) = struct.unpack("!h", body[offset : offset + 2])
                wire.bind_param_formats.append((formats, params))


# --------------------------------------------------------------------------------------------
# Compiling and running JdbcCheck


@dataclass
class JdbcRun:
    returncode: int
    stdout: str
    stderr: str
    wire: Wire

    @property
    def results(self) -> dict[str, str]:
        """check name -> "ok" or the failure message."""
        found = {}
        for line in self.stdout.splitlines():
            if line.startswith("ok "):
                found[line[3:].strip()] = "ok"
            elif line.startswith("FAIL "):
                name, _, why = line[5:].partition(": ")
                found[name] = why
        return found

    def explain(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@pytest.fixture(scope="module")
def java_tools() -> tuple[str, str]:
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        skip_or_fail("java and javac are not installed (Debian: openjdk-17-jdk-headless)")
    if not JAR.is_file():
        skip_or_fail(f"pgjdbc is not installed: no {JAR} (Debian: libpostgresql-jdbc-java)")
    assert java is not None and javac is not None
    return java, javac


@pytest.fixture(scope="module")
def jdbc_classes(java_tools: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("jdbc-classes")
    proc = subprocess.run(
        [java_tools[1], "-encoding", "UTF-8", "-d", str(out), "-cp", str(JAR), str(SOURCE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"javac failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def jdbc_run(
    java_tools: tuple[str, str], jdbc_classes: Path, duckdb_server: ServerProcess
) -> Iterator[JdbcRun]:
    with WireRecorder(duckdb_server.port) as recorder:
        url = f"jdbc:postgresql://127.0.0.1:{recorder.port}/testdb"
        proc = subprocess.run(
            [
                java_tools[0],
                "-Dfile.encoding=UTF-8",
                "-Dstdout.encoding=UTF-8",
                "-Dstderr.encoding=UTF-8",
                "-cp",
                f"{JAR}{os.pathsep}{jdbc_classes}",
                "JdbcCheck",
                url,
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=100,
        )
    yield JdbcRun(proc.returncode, proc.stdout, proc.stderr, recorder.wire)


# --------------------------------------------------------------------------------------------
# The tests


def test_every_jdbc_check_passes(jdbc_run: JdbcRun) -> None:
    results = jdbc_run.results
    failed = {name: why for name, why in results.items() if why != "ok"}
    assert not failed, jdbc_run.explain()
    assert sorted(results) == sorted(CHECKS), jdbc_run.explain()
    assert jdbc_run.returncode == 0, jdbc_run.explain()
    assert f"passed {len(CHECKS)}/{len(CHECKS)} checks" in jdbc_run.stdout


@pytest.mark.parametrize("check", CHECKS)
def test_jdbc_check(jdbc_run: JdbcRun, check: str) -> None:
    """One test per check, so a report names exactly what broke."""
    assert jdbc_run.results.get(check) == "ok", jdbc_run.explain()


def test_prepared_statements_become_named_on_the_server(jdbc_run: JdbcRun) -> None:
    # pgjdbc names its server-side statements S_1, S_2, ... once prepareThreshold is reached.
    named = [name for name in jdbc_run.wire.parse_names if name]
    assert any(name.startswith("S_") for name in named), jdbc_run.wire.parse_names[:50]
    assert "" in jdbc_run.wire.parse_names  # the first executions use the unnamed statement


def test_fetch_size_uses_execute_row_limit_and_portal_suspended(jdbc_run: JdbcRun) -> None:
    wire = jdbc_run.wire
    assert 100 in wire.execute_limits
    # 1,050 rows by 100 suspend 10 times; 300 rows by 100, 3 times.
    assert wire.server["s"] >= 13, wire.server
    assert wire.client["E"] >= wire.server["s"]


def test_batch_pipelines_binds_before_sync(jdbc_run: JdbcRun) -> None:
    wire = jdbc_run.wire
    # The 1,000-row batch: one Bind/Execute per row, with 3 parameters each, and a Sync only
    # every hundred or so of them (pgjdbc pipelines; the whole run Syncs ~150 times).
    assert sum(1 for formats, params in wire.bind_param_formats if params == 3) >= 1000
    assert wire.client["B"] >= 1000
    assert wire.client["S"] < 400, wire.client
    assert wire.server["2"] >= 1000  # BindComplete
