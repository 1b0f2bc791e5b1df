"""Capture golden protocol bytes from a real PostgreSQL 15 and real clients.

    .venv/bin/python tools/capture_golden.py [--out tests/protocol/golden]

Starts a throwaway cluster (as the `postgres` OS user, since PostgreSQL refuses to run as
root), puts a recording TCP proxy in front of it, drives psql (libpq 15), psycopg (its bundled
libpq), asyncpg, pg_recvlogical and libpq's fast-path PQfn through the proxy, splits each
recorded stream into protocol frames and writes one JSON file per scenario. The frames are
labelled from the raw bytes alone (type byte, request code, auth state), never by pgwire's own
decoder, so the tests in tests/protocol/test_messages.py check pgwire against them honestly.

Needs: initdb/pg_ctl (PostgreSQL 15), psql, pg_recvlogical, root (for runuser), and the
project venv (psycopg, asyncpg). Contents such as process ids, cancel keys, SCRAM nonces and
WAL positions differ on every run; the files are captured once and committed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import multiprocessing
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SSL_REQUEST_CODE = 80877103
GSSENC_REQUEST_CODE = 80877104
CANCEL_REQUEST_CODE = 80877102
PASSWORD = "golden-secret"

FRONTEND_NAMES = {
    "Q": "Query",
    "P": "Parse",
    "B": "Bind",
    "D": "Describe",
    "E": "Execute",
    "C": "Close",
    "S": "Sync",
    "H": "Flush",
    "X": "Terminate",
    "d": "CopyData",
    "c": "CopyDone",
    "f": "CopyFail",
    "F": "FunctionCall",
}
BACKEND_NAMES = {
    "K": "BackendKeyData",
    "S": "ParameterStatus",
    "Z": "ReadyForQuery",
    "v": "NegotiateProtocolVersion",
    "T": "RowDescription",
    "D": "DataRow",
    "C": "CommandComplete",
    "I": "EmptyQueryResponse",
    "E": "ErrorResponse",
    "N": "NoticeResponse",
    "1": "ParseComplete",
    "2": "BindComplete",
    "3": "CloseComplete",
    "n": "NoData",
    "s": "PortalSuspended",
    "t": "ParameterDescription",
    "G": "CopyInResponse",
    "H": "CopyOutResponse",
    "W": "CopyBothResponse",
    "A": "NotificationResponse",
    "V": "FunctionCallResponse",
    "d": "CopyData",
    "c": "CopyDone",
}
AUTH_NAMES = {
    0: "AuthenticationOk",
    2: "AuthenticationKerberosV5",
    3: "AuthenticationCleartextPassword",
    5: "AuthenticationMD5Password",
    7: "AuthenticationGSS",
    8: "AuthenticationGSSContinue",
    9: "AuthenticationSSPI",
    10: "AuthenticationSASL",
    11: "AuthenticationSASLContinue",
    12: "AuthenticationSASLFinal",
}
# Which 'p' message answers which authentication request.
AUTH_ANSWERS = {
    3: "PasswordMessage",
    5: "PasswordMessage",
    7: "GSSResponse",
    8: "GSSResponse",
    10: "SASLInitialResponse",
    11: "SASLResponse",
}


# --------------------------------------------------------------------------------------------
# The recording proxy


Chunks = list[tuple[str, bytes]]  # in arrival order, tagged 'F' (client) or 'B' (server)
CONNECTION_DEADLINE = 60.0  # seconds; then the proxy cuts the connection so a stuck client fails


@dataclass
class Recording:
    chunks: Chunks = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)


class _Recorder:
    """A threaded TCP proxy that records every byte. It runs in its own process: libpq calls
    that hold the GIL while blocking on the server (psycopg's synchronous PGconn methods) would
    otherwise starve the forwarding threads and deadlock."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.recordings: list[Recording] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            for sock in (client, server):  # forward each write as it comes
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rec = Recording()
            with self._lock:
                self.recordings.append(rec)
            pumps = [
                threading.Thread(target=self._pump, args=(client, server, "F", rec), daemon=True),
                threading.Thread(target=self._pump, args=(server, client, "B", rec), daemon=True),
            ]
            for t in pumps:
                t.start()
            args = (pumps, client, server, rec)
            threading.Thread(target=self._finish, args=args, daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, tag: str, rec: Recording) -> None:
        try:
            while data := src.recv(65536):
                with rec.lock:  # record before forwarding: a reply can't be logged first
                    rec.chunks.append((tag, data))
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    @staticmethod
    def _finish(
        pumps: list[threading.Thread], a: socket.socket, b: socket.socket, rec: Recording
    ) -> None:
        deadline = time.monotonic() + CONNECTION_DEADLINE
        for t in pumps:
            t.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in pumps):
            print("proxy: cutting a connection that outlived its deadline", file=sys.stderr)
            for sock in (a, b):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            for t in pumps:
                t.join()
        a.close()
        b.close()
        rec.done.set()

    def take(self) -> list[Chunks]:
        """The connections made since the last call, once all of them have closed."""
        with self._lock:
            taken, self.recordings = self.recordings, []
        for rec in taken:
            rec.done.wait()
        return [rec.chunks for rec in taken]


def _serve_proxy(upstream_port: int, pipe: Connection) -> None:
    recorder = _Recorder(upstream_port)
    pipe.send(recorder.port)
    while pipe.recv() == "take":
        pipe.send(recorder.take())
    recorder.listener.close()


class Proxy:
    """The parent's handle on the recording proxy process."""

    def __init__(self, upstream_port: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self._pipe, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve_proxy, args=(upstream_port, child), daemon=True)
        self._process.start()
        self.port: int = self._pipe.recv()

    def take(self) -> list[Chunks]:
        self._pipe.send("take")
        taken: list[Chunks] = self._pipe.recv()
        return taken

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send("stop")
        self._process.join(5)
        if self._process.is_alive():
            self._process.terminate()


# --------------------------------------------------------------------------------------------
# Splitting a recording into labelled frames


def printable(data: bytes) -> str:
    """The frame as text for human readers: printable ASCII kept, every other byte a dot."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data)


def _i32(data: bytes, pos: int) -> int:
    value: int = struct.unpack_from("!i", data, pos)[0]
    return value


def split(chunks: Chunks) -> list[dict[str, Any]]:
    streams = {"F": bytearray(), "B": bytearray()}
    # (direction, end offset in its stream, global chunk index) to restore the interleaving.
    marks: dict[str, list[tuple[int, int]]] = {"F": [], "B": []}
    for index, (tag, data) in enumerate(chunks):
        streams[tag] += data
        marks[tag].append((len(streams[tag]), index))

    def chunk_of(tag: str, end: int) -> int:
        for stream_end, index in marks[tag]:
            if end <= stream_end:
                return index
        raise AssertionError("offset past the stream")

    frames: list[tuple[int, int, dict[str, Any]]] = []
    client, server = bytes(streams["F"]), bytes(streams["B"])

    # Client: untyped packets until a StartupMessage (or a CancelRequest), then typed messages.
    pos, negotiations, typed = 0, 0, False
    p_frames: list[dict[str, Any]] = []
    while pos < len(client):
        if not typed:
            if pos + 8 > len(client):
                break
            length = _i32(client, pos)
            code = _i32(client, pos + 4)
            name = {
                SSL_REQUEST_CODE: "SSLRequest",
                GSSENC_REQUEST_CODE: "GSSENCRequest",
                CANCEL_REQUEST_CODE: "CancelRequest",
            }.get(code, "StartupMessage")
            negotiations += name in ("SSLRequest", "GSSENCRequest")
            typed = name == "StartupMessage"
            end = pos + length
        else:
            if pos + 5 > len(client):
                break
            kind = chr(client[pos])
            end = pos + 1 + _i32(client, pos + 1)
            name = "" if kind == "p" else FRONTEND_NAMES[kind]
        if end > len(client):
            break  # cut off (a killed client): drop the partial frame
        raw = client[pos:end]
        frame = {"from": "F", "class": name, "hex": raw.hex(), "text": printable(raw)}
        if name == "":  # 'p': named below, from the authentication request it answers
            p_frames.append(frame)
        frames.append((chunk_of("F", end), pos, frame))
        pos = end

    # Server: a one-byte answer per SSL/GSS request, then typed messages.
    pos = 0
    auth_requests: list[int] = []
    for _ in range(negotiations):
        if pos < len(server):
            byte = server[pos : pos + 1]
            note = {"from": "B", "class": None, "hex": byte.hex(), "note": "SSL/GSS answer"}
            frames.append((chunk_of("B", pos + 1), pos, note))
            pos += 1
    while pos + 5 <= len(server):
        kind = chr(server[pos])
        end = pos + 1 + _i32(server, pos + 1)
        if end > len(server):
            break
        if kind == "R":
            code = _i32(server, pos + 5)
            name = AUTH_NAMES[code]
            if code in AUTH_ANSWERS:
                auth_requests.append(code)
        else:
            name = BACKEND_NAMES[kind]
        raw = server[pos:end]
        frame = {"from": "B", "class": name, "hex": raw.hex(), "text": printable(raw)}
        frames.append((chunk_of("B", end), pos, frame))
        pos = end

    if len(p_frames) != len(auth_requests):
        raise AssertionError(f"{len(p_frames)} 'p' messages for {len(auth_requests)} requests")
    for frame, code in zip(p_frames, auth_requests, strict=True):
        frame["class"] = AUTH_ANSWERS[code]
    frames.sort(key=lambda f: (f[0], f[2]["from"] == "B", f[1]))
    return [f[2] for f in frames]


# --------------------------------------------------------------------------------------------
# The throwaway cluster


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Cluster:
    def __init__(self) -> None:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "-r", "postgres"], check=True)
        self.root = Path(tempfile.mkdtemp(prefix="pgwire-golden-"))
        self.data = self.root / "data"
        shutil.chown(self.root, "postgres")
        self.port = free_port()
        self.as_postgres(
            "initdb", "-D", str(self.data), "-A", "trust", "-E", "UTF8", "--locale", "C",
            "-U", "postgres",
        )  # fmt: skip
        hba = self.data / "pg_hba.conf"
        hba.write_text(
            "host all scram_user 127.0.0.1/32 scram-sha-256\n"
            "host all md5_user 127.0.0.1/32 md5\n"
            "host all password_user 127.0.0.1/32 password\n" + hba.read_text()
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} "
            "-c wal_level=logical -c fsync=off -c log_min_messages=warning"
        )
        self.as_postgres(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-o", options,
            "start",
        )  # fmt: skip

    def as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def sql(self, sql: str) -> str:
        out = subprocess.run(
            ["psql", "-X", "-q", "-At", "-h", str(self.data), "-p", str(self.port), "-U",
             "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return out.stdout.strip()

    def stop(self) -> None:
        try:
            self.as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# Scenarios: each drives a real client through the proxy


@dataclass
class Scenario:
    name: str
    description: str
    client: str
    run: Callable[[Cluster, int], None]


def psql(port: int, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> None:
    subprocess.run(
        ["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-d", "postgres", *args],
        input=stdin.encode(), capture_output=True, timeout=30,
        env={**os.environ, "PGSSLMODE": "disable", "PGGSSENCMODE": "disable", **(env or {})},
    )  # fmt: skip


def run_psql_simple(cluster: Cluster, port: int) -> None:
    commands = [
        "select 1 as a, null::text as b",
        "select 1/0",
        ";",
        "select 1 as one; select 'two' as two",
        "select 'ünïcödé' as \"ü\", 1.5::numeric as n, now() is not null as t",
        "DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$",
        "set application_name = 'golden'",
        "LISTEN ch",
        "NOTIFY ch, 'payload é'",
        "begin",
        "select 1/0",
        "rollback",
        "create temp table t (a int, b text)",
        "COPY t FROM STDIN",
        "COPY t TO STDOUT",
        "COPY t TO STDOUT (FORMAT binary)",
    ]
    args = [x for c in commands for x in ("-c", c)]
    psql(port, "-U", "postgres", *args, stdin="1\tone\n2\t\\N\n\\.\n")


def run_psql_sslrequest(cluster: Cluster, port: int) -> None:
    psql(port, "-U", "postgres", "-c", "select 1", env={"PGSSLMODE": "prefer"})


def run_auth(user: str) -> Callable[[Cluster, int], None]:
    def run(cluster: Cluster, port: int) -> None:
        psql(port, "-U", user, "-c", "select current_user", env={"PGPASSWORD": PASSWORD})
        psql(port, "-U", user, "-c", "select 1", env={"PGPASSWORD": "wrong"})

    return run


def run_psycopg_extended(cluster: Cluster, port: int) -> None:
    import psycopg

    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
    dsn += " gssencmode=disable"
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("select %s::int as a, %s::text as b", (1, None))
        cur.fetchall()
        for _ in range(2):
            cur.execute("select %s::int + 1 as p", (41,), prepare=True)
            cur.fetchall()
        bcur = conn.cursor(binary=True)
        bcur.execute("select %s::int8 as i, %s::float8 as f, 'x'::text as t", (1, 2.5))
        bcur.fetchall()
        with contextlib.suppress(psycopg.errors.DivisionByZero):
            cur.execute("select 1/%s", (0,))
        cur.execute("create temp table t2 (a int, b bytea)")
        cur.execute("insert into t2 values (%s, %b)", (1, b"\x00\xff"))
        with cur.copy("copy t2 from stdin") as copy:
            copy.write_row((2, b"\x01"))
        with contextlib.suppress(RuntimeError), cur.copy("copy t2 from stdin"):
            raise RuntimeError("golden copy failure")  # psycopg sends CopyFail
        with cur.copy("copy t2 to stdout (format binary)") as copy:
            for _ in copy:
                pass
        pg = conn.pgconn
        pg.nonblocking = 0  # psycopg runs libpq non-blocking; its sync calls below need blocking
        pg.prepare(b"s1", b"select $1::int + $2::int8 as total", [0, 0])
        pg.describe_prepared(b"s1")
        pg.close_prepared(b"s1")
        pg.exec_(b"begin")
        pg.exec_(b"declare c1 cursor for select 1 as x")
        pg.describe_portal(b"c1")
        pg.close_portal(b"c1")
        pg.exec_(b"commit")
        with conn.pipeline():
            cur.execute("select %s::text", ("in a pipeline",))
            cur.fetchall()
        cur.execute("LISTEN ch2")
        cur.execute("NOTIFY ch2")
        cancel_at = threading.Timer(0.5, conn.cancel_safe)
        cancel_at.start()
        with contextlib.suppress(psycopg.errors.QueryCanceled):
            cur.execute("select pg_sleep(10)")
        cancel_at.join()


def run_psycopg_3_2(cluster: Cluster, port: int) -> None:
    import psycopg

    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
    dsn += " gssencmode=disable max_protocol_version=3.2"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select 1").fetchall()


def run_asyncpg(cluster: Cluster, port: int) -> None:
    import asyncpg  # type: ignore[import-untyped]

    async def main() -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=port, user="postgres", database="postgres", ssl=False
        )
        try:
            await conn.fetch("select $1::int as n, $2::text as s", 7, "seven")
            async with conn.transaction():
                cursor = conn.cursor("select generate_series(1, 5) as n", prefetch=2)
                async for _ in cursor:
                    pass
        finally:
            await conn.close()

    asyncio.run(main())


def run_fastpath(cluster: Cluster, port: int) -> None:
    """libpq's PQfn: the only common client of FunctionCall."""
    oid = int(cluster.sql("select 'int4pl'::regproc::oid"))
    lib = ctypes.CDLL("libpq.so.5")
    lib.PQconnectdb.restype = ctypes.c_void_p
    lib.PQconnectdb.argtypes = [ctypes.c_char_p]
    lib.PQstatus.argtypes = [ctypes.c_void_p]
    lib.PQfinish.argtypes = [ctypes.c_void_p]
    lib.PQclear.argtypes = [ctypes.c_void_p]
    lib.PQresultStatus.argtypes = [ctypes.c_void_p]

    class ArgValue(ctypes.Union):
        _fields_ = [("ptr", ctypes.c_void_p), ("integer", ctypes.c_int)]

    class PQArgBlock(ctypes.Structure):
        _fields_ = [("len", ctypes.c_int), ("isint", ctypes.c_int), ("u", ArgValue)]

    lib.PQfn.restype = ctypes.c_void_p
    lib.PQfn.argtypes = [
        ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_int), ctypes.c_int, ctypes.POINTER(PQArgBlock), ctypes.c_int,
    ]  # fmt: skip
    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
    conn = lib.PQconnectdb((dsn + " gssencmode=disable").encode())
    try:
        if lib.PQstatus(conn) != 0:
            raise RuntimeError("libpq connection failed")
        args = (PQArgBlock * 2)()
        for i, value in enumerate((2, 40)):
            args[i].len, args[i].isint, args[i].u.integer = 4, 1, value
        result, result_len = ctypes.c_int(), ctypes.c_int()
        res = lib.PQfn(conn, oid, ctypes.byref(result), ctypes.byref(result_len), 1, args, 2)
        if result.value != 42:
            raise RuntimeError(f"PQfn returned {result.value}")
        lib.PQclear(res)
    finally:
        lib.PQfinish(conn)


def run_replication(cluster: Cluster, port: int) -> None:
    cluster.sql("select pg_create_logical_replication_slot('golden', 'test_decoding')")
    cluster.sql("create table if not exists repl (a int); insert into repl values (1)")
    endpos = cluster.sql("select pg_current_wal_lsn()")
    subprocess.run(
        [str(PG_BIN / "pg_recvlogical"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
         "-d", "postgres", "--slot", "golden", "--start", "--endpos", endpos, "-f", "-",
         "--no-loop"],
        capture_output=True, timeout=30,
        env={**os.environ, "PGSSLMODE": "disable", "PGGSSENCMODE": "disable"},
    )  # fmt: skip


SCENARIOS = [
    Scenario(
        "psql_simple",
        "Simple query protocol: results, NULL, errors, empty query, multi-statement, notice, "
        "ParameterStatus, LISTEN/NOTIFY, failed transaction, COPY in/out (text and binary).",
        "psql",
        run_psql_simple,
    ),
    Scenario(
        "psql_sslrequest",
        "sslmode=prefer against a server without TLS: SSLRequest, 'N', then a plain startup.",
        "psql",
        run_psql_sslrequest,
    ),
    Scenario(
        "auth_scram",
        "SCRAM-SHA-256: AuthenticationSASL/Continue/Final with the 'p' answers; then a wrong "
        "password.",
        "psql",
        run_auth("scram_user"),
    ),
    Scenario(
        "auth_md5",
        "MD5: AuthenticationMD5Password and the hashed PasswordMessage; then a wrong password.",
        "psql",
        run_auth("md5_user"),
    ),
    Scenario(
        "auth_password",
        "Cleartext: AuthenticationCleartextPassword and PasswordMessage; then a wrong password.",
        "psql",
        run_auth("password_user"),
    ),
    Scenario(
        "psycopg_extended",
        "Extended query protocol: Parse/Bind/Describe/Execute/Sync, named statements, binary "
        "results, errors, NoData, COPY with CopyFail, Describe/Close of statements and portals, "
        "ParameterDescription, pipeline Flush, a CancelRequest.",
        "psycopg",
        run_psycopg_extended,
    ),
    Scenario(
        "psycopg_protocol_3_2",
        "A 3.2 StartupMessage answered by PostgreSQL 15 with NegotiateProtocolVersion.",
        "psycopg",
        run_psycopg_3_2,
    ),
    Scenario(
        "asyncpg_portal",
        "asyncpg: statement description and a cursor fetched 2 rows at a time (Execute with "
        "max_rows, PortalSuspended).",
        "asyncpg",
        run_asyncpg,
    ),
    Scenario(
        "libpq_fastpath",
        "libpq PQfn: FunctionCall int4pl(2, 40) and FunctionCallResponse.",
        "libpq",
        run_fastpath,
    ),
    Scenario(
        "replication",
        "pg_recvlogical: replication startup, CopyBothResponse, XLogData/keepalive CopyData, "
        "CopyDone in both directions.",
        "pg_recvlogical",
        run_replication,
    ),
]


def client_versions() -> dict[str, str]:
    import asyncpg
    import psycopg

    psql_version = subprocess.run(["psql", "--version"], capture_output=True, text=True)
    libpq = psycopg.pq.version()
    return {
        "psql": psql_version.stdout.strip(),
        "pg_recvlogical": psql_version.stdout.strip().replace("psql", "pg_recvlogical"),
        "libpq": "libpq 15 (system, via ctypes)",
        "psycopg": f"psycopg {psycopg.__version__}, libpq {libpq // 10000}.{libpq % 10000}",
        "asyncpg": f"asyncpg {asyncpg.__version__}",
    }


def write(path: Path, header: dict[str, Any], connections: list[list[dict[str, Any]]]) -> None:
    """JSON with one frame per line, so diffs and reviews stay readable."""
    lines = ["{"]
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "connections": [')
    for i, frames in enumerate(connections):
        lines.append("    [")
        body = [f"      {json.dumps(f, ensure_ascii=False)}" for f in frames]
        lines.append(",\n".join(body))
        lines.append("    ]" + ("," if i < len(connections) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("tests/protocol/golden"))
    parser.add_argument("--only", nargs="*", help="scenario names to capture")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # On SIGTERM, unwind through the finally below so the cluster is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    versions = client_versions()
    cluster = Cluster()
    proxy = Proxy(cluster.port)
    try:
        cluster.sql(
            f"set password_encryption = 'scram-sha-256';"
            f" create role scram_user login password '{PASSWORD}';"
            f" set password_encryption = 'md5'; create role md5_user login password '{PASSWORD}';"
            f" create role password_user login password '{PASSWORD}'"
        )
        server = cluster.sql("show server_version")
        for scenario in SCENARIOS:
            if args.only and scenario.name not in args.only:
                continue
            scenario.run(cluster, proxy.port)
            connections = [split(chunks) for chunks in proxy.take()]
            header = {
                "scenario": scenario.name,
                "description": scenario.description,
                "server": f"PostgreSQL {server}",
                "client": versions[scenario.client],
            }
            write(args.out / f"{scenario.name}.json", header, connections)
            count = sum(map(len, connections))
            print(f"{scenario.name}: {len(connections)} connections, {count} frames")
    finally:
        proxy.close()
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
