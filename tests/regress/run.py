#!/usr/bin/env python3
"""Run PostgreSQL regression .sql files against a server; record every statement's outcome.

    run.py HOST PORT [--user U] [--db D] [--files a,b,...] [--out results.jsonl]
                     [--server-cmd CMD] [--create-db] [--no-setup] [--timeout 10]

Each statement goes alone, over the simple query protocol, as psql sends it (autocommit,
explicit BEGIN/COMMIT in the files are sent as they are); results come back as the server's
text, byte for byte (libpq level: psycopg.pq, no type loaders involved).

Every file runs on a fresh connection in a fresh state:
  --create-db        (PostgreSQL) CREATE DATABASE pgr_<file> for the file, DROP it after;
  --server-cmd CMD   start CMD (a shell-less command line; {port} is replaced by PORT) before
                     the file, stop it (its process group) by its process id after: a fresh
                     in-memory database. PORT 0: a free port is picked for every start;
                     a PORT something already listens on is refused;
  neither            the same database for all files (leftovers of one file reach the next).
Before each file, test_setup.sql (PostgreSQL's fixtures: INT4_TBL, onek, tenk1, ...) runs first,
quietly, unless --no-setup; its C-function statements are left out and its server-side COPY of
data files is sent as COPY FROM STDIN. test_setup itself is also recorded as a file of its own.

Session settings as pg_regress has them (PGDATESTYLE='Postgres, MDY', PGTZ=PST8PDT) plus
statement_timeout = TIMEOUT are SET first on every connection. A statement that has not
finished TIMEOUT+2 s later is cancelled from the client; 5 s after that the connection is
dropped and a new one made (the server restarted too, with --server-cmd, when it is gone),
so a run always finishes.

SIGTERM and SIGINT stop the server before run.py exits.

Output: one JSON object a line. kind=run (once), kind=prep and kind=setup (per file),
kind=stmt: file, idx (0-based, statements only), line, sql, outcome ok|error|timeout,
sqlstate, message, results [{tag, columns, types, nrows, rows | rows_head, digest, mdigest}],
ms.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import select
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import IO, Any

from psycopg import pq
from psycopg.pq.abc import PGconn, PGresult

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # psqlscript next to this file, however run.py is started
import psqlscript  # noqa: E402

DEFAULT_FILES = sorted(  # every file under sql/ but the fixture
    f[:-4]
    for f in os.listdir(os.path.join(HERE, "sql"))
    if f.endswith(".sql") and f != "test_setup.sql"
)
Record = dict[str, Any]  # one statement's outcome, one line of the output
MAX_CELLS = 20000  # results larger than this are kept as digests plus their first rows
HEAD_ROWS = 100


class Hang(Exception):
    pass


class Lost(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang("client-side guard")


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the server


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 0.5).close()
    except OSError:
        return False
    return True


def load_items(name: str) -> list[psqlscript.Item]:
    with open(os.path.join(HERE, "sql", name + ".sql"), encoding="utf-8") as f:
        return psqlscript.split(f.read(), HERE)


_NAME_COL = re.compile(r"(\s)name(\s*[,)])")


def setup_items(portable: bool = False) -> list[psqlscript.Item]:
    """test_setup.sql's statements, minus C functions (regress.so is not there).

    portable: columns of type `name` (onek, tenk1, emp: stringu1, stringu2, string4, manager)
    become `text`, on every server alike, so that a server without PostgreSQL's `name` type
    still gets the fixtures most files read. Used for the setup run before each file only;
    the file test_setup itself is always recorded verbatim.
    """
    out: list[psqlscript.Item] = []
    for it in load_items("test_setup"):
        if (
            it.kind == "sql"
            and "regresslib" not in it.text
            and " LANGUAGE C" not in it.text.upper()
        ):
            if portable and it.text.upper().startswith("CREATE TABLE"):
                it.text = _NAME_COL.sub(r"\1text\2", it.text)
            out.append(it)
    return out


class Runner:
    def __init__(self, args: argparse.Namespace) -> None:
        self.a = args
        self.port: int = args.port
        self.proc: subprocess.Popen[bytes] | None = None
        self.pg: PGconn | None = None
        self.db: str = args.db
        self.logf: IO[bytes] | None = None

    # ---- server and connection ------------------------------------------------------------
    def conninfo(self, db: str) -> bytes:
        parts = {
            "host": self.a.host,
            "port": str(self.port),
            "user": self.a.user,
            "dbname": db,
            "connect_timeout": "10",
            "client_encoding": "UTF8",
            "sslmode": "disable",
            "application_name": "pgregress",
        }
        return " ".join(f"{k}='{v}'" for k, v in parts.items()).encode()

    def start_server(self, name: str) -> None:
        if not self.a.server_cmd:
            return
        for attempt in range(3):  # with PORT 0, another process may take the port first
            if self.a.port == 0:
                self.port = _free_port(self.a.host)
            elif _listening(self.a.host, self.port):
                raise RuntimeError(f"port {self.port} is in use: not our server")
            try:
                self._start_server_once(name)
                return
            except RuntimeError:
                self.stop_server()
                if self.a.port != 0 or attempt == 2:
                    raise

    def _start_server_once(self, name: str) -> None:
        os.makedirs(self.a.log_dir, exist_ok=True)
        # kept open while the server runs; closed by stop_server
        self.logf = open(os.path.join(self.a.log_dir, f"server-{name}.log"), "ab")  # noqa: SIM115
        cmd = shlex.split(self.a.server_cmd.replace("{port}", str(self.port)))
        self.proc = subprocess.Popen(
            cmd,
            stdout=self.logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            if _listening(self.a.host, self.port):
                if self.proc.poll() is not None:  # what answered was not our server
                    raise RuntimeError(f"server exited with {self.proc.returncode}")
                return
            time.sleep(0.2)
        raise RuntimeError("server did not start listening within 60 s")

    def stop_server(self) -> None:
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)  # the group started by start_server
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        if self.logf:
            self.logf.close()
            self.logf = None

    def connect(self, db: str) -> PGconn:
        pg = pq.PGconn.connect(self.conninfo(db))
        if pg.status != pq.ConnStatus.OK:
            msg = pg.error_message.decode("utf-8", "replace").strip()
            pg.finish()
            raise Lost(msg)
        pg.notice_handler = lambda res: None
        return pg

    def close(self) -> None:
        if self.pg is not None:
            with contextlib.suppress(Exception):
                self.pg.finish()
            self.pg = None

    # ---- one statement ---------------------------------------------------------------------
    def _wait(self, fd: int, until: float, write: bool = False) -> bool:
        left = until - time.monotonic()
        if left <= 0:
            return False
        r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
        return bool(r or w)

    def execute(self, sql: str, copy_data: str | None) -> Record:
        pg = self.pg
        assert pg is not None
        t0 = time.monotonic()
        soft = t0 + self.a.timeout + 2
        hard = soft + 5
        results: list[Record] = []
        notes: list[str] = []
        cancelled = False
        signal.alarm(int(self.a.timeout + 30))
        try:
            try:
                pg.send_query(sql.encode("utf-8"))
            except Exception as e:
                raise Lost(str(e)) from e
            while True:
                if pg.is_busy():
                    if not self._wait(pg.socket, soft if not cancelled else hard):
                        if not cancelled:
                            cancelled = True
                            notes.append("cancelled by the client-side guard")
                            with contextlib.suppress(Exception):
                                pg.get_cancel().cancel()
                            continue
                        raise Hang("no answer 5 s after a cancel")
                    pg.consume_input()
                    if pg.status != pq.ConnStatus.OK:
                        raise Lost(pg.error_message.decode("utf-8", "replace").strip())
                    continue
                r = pg.get_result()
                if r is None:
                    break
                st = r.status
                if st == pq.ExecStatus.COPY_IN:
                    if copy_data is None:
                        notes.append(
                            "server accepted COPY FROM STDIN with no data block: sent none"
                        )
                    else:
                        data = copy_data.encode("utf-8")
                        for k in range(0, len(data), 65536):
                            if pg.put_copy_data(data[k : k + 65536]) < 0:
                                raise Lost(pg.error_message.decode("utf-8", "replace"))
                    pg.put_copy_end(None)
                    continue
                if st == pq.ExecStatus.COPY_OUT:
                    chunks: list[bytes] = []
                    while True:
                        n, chunk = pg.get_copy_data(1)
                        if n > 0:
                            chunks.append(bytes(chunk))
                        elif n == 0:
                            if not self._wait(pg.socket, hard):
                                raise Hang("COPY TO STDOUT stalled")
                            pg.consume_input()
                        else:
                            break
                    text = b"".join(chunks).decode("utf-8", "replace")
                    lines: list[list[str | None]] = (
                        [[x] for x in text.split("\n")[:-1]] if text else []
                    )
                    results.append(self._rows_record(["copy_out"], [25], lines, "COPY OUT"))
                    continue
                results.append(self._result(r))
        finally:
            signal.alarm(0)
        out: Record = {
            "outcome": "ok",
            "results": results,
            "ms": round((time.monotonic() - t0) * 1000, 1),
        }
        errs = [x for x in results if "sqlstate" in x]
        if errs:
            out["outcome"] = "error"
            out["sqlstate"] = errs[0]["sqlstate"]
            out["message"] = errs[0]["message"]
        if notes:
            out["notes"] = notes
        return out

    def _result(self, r: PGresult) -> Record:
        st = r.status
        if st in (
            pq.ExecStatus.FATAL_ERROR,
            pq.ExecStatus.NONFATAL_ERROR,
            pq.ExecStatus.BAD_RESPONSE,
        ):
            code = r.error_field(pq.DiagnosticField.SQLSTATE)
            msg = r.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or r.error_message
            return {
                "sqlstate": code.decode() if code else "?????",
                "message": msg.decode("utf-8", "replace").strip()[:500],
            }
        tag = (r.command_status or b"").decode("utf-8", "replace")
        if st == pq.ExecStatus.TUPLES_OK or st == pq.ExecStatus.SINGLE_TUPLE:
            nf, nt = r.nfields, r.ntuples
            cols = [(r.fname(i) or b"").decode("utf-8", "replace") for i in range(nf)]
            types = [r.ftype(i) for i in range(nf)]
            rows: list[list[str | None]] = []
            for t in range(nt):
                row: list[str | None] = []
                for i in range(nf):
                    v = r.get_value(t, i)
                    row.append(None if v is None else bytes(v).decode("utf-8", "replace"))
                rows.append(row)
            return self._rows_record(cols, types, rows, tag)
        if st == pq.ExecStatus.EMPTY_QUERY:
            return {"tag": "EMPTY"}
        return {"tag": tag}

    @staticmethod
    def _rows_record(
        cols: list[str], types: list[int], rows: list[list[str | None]], tag: str
    ) -> Record:
        enc = [json.dumps(x, ensure_ascii=False) for x in rows]
        rec = {
            "tag": tag,
            "columns": cols,
            "types": types,
            "nrows": len(rows),
            "digest": hashlib.sha1("\n".join(enc).encode()).hexdigest(),
            "mdigest": hashlib.sha1("\n".join(sorted(enc)).encode()).hexdigest(),
        }
        if len(rows) * max(1, len(cols)) <= MAX_CELLS:
            rec["rows"] = rows
        else:
            rec["rows_head"] = rows[:HEAD_ROWS]
        return rec

    # ---- a file ------------------------------------------------------------------------------
    def prep(self) -> list[Record]:
        out: list[Record] = []
        for s in (
            f"SET statement_timeout = '{int(self.a.timeout)}s'",
            "SET datestyle = 'Postgres, MDY'",
            "SET timezone = 'PST8PDT'",
        ):
            if self.a.no_regress_env and "statement_timeout" not in s:
                continue
            r = self.execute(s, None)
            out.append(
                {
                    "sql": s,
                    "outcome": r["outcome"],
                    "sqlstate": r.get("sqlstate"),
                    "message": r.get("message"),
                }
            )
        return out

    def open_session(self, name: str, fresh: bool) -> list[Record]:
        """Connect (after starting the server / making the database when fresh); SET prep."""
        if fresh:
            self.start_server(name)
            if self.a.create_db:
                self.db = f"pgr_{name}"
                admin = self.connect(self.a.db)
                self.pg = admin
                self.execute(f"DROP DATABASE IF EXISTS {self.db}", None)
                r = self.execute(f"CREATE DATABASE {self.db} TEMPLATE template0", None)
                self.close()
                if r["outcome"] != "ok":
                    raise RuntimeError(f"CREATE DATABASE failed: {r.get('message')}")
        self.pg = self.connect(self.db)
        return self.prep()

    def recover(self, name: str, setup: list[psqlscript.Item]) -> str:
        """After a hang or a lost connection: reconnect; restart the server if it is gone."""
        self.close()
        with contextlib.suppress(Exception):
            self.pg = self.connect(self.db)
            self.prep()
            return "reconnected"
        if self.a.server_cmd:
            self.stop_server()
            self.open_session(name, fresh=True)
            for it in setup:
                self.run_item(it)
            return "server restarted, setup re-run (earlier state of the file lost)"
        self.pg = self.connect(self.db)
        self.prep()
        return "reconnected"

    def run_item(self, it: psqlscript.Item) -> Record:
        try:
            return self.execute(it.text, it.copy_data)
        except Hang as e:
            return {
                "outcome": "timeout",
                "sqlstate": "57014",
                "message": f"timeout: {e}",
                "results": [],
                "ms": None,
                "_broken": True,
            }
        except Lost as e:
            return {
                "outcome": "error",
                "sqlstate": "08006",
                "message": f"connection lost: {e}",
                "results": [],
                "ms": None,
                "_broken": True,
            }

    def run_file(self, name: str, out: IO[str]) -> None:
        t0 = time.monotonic()
        is_setup_file = name == "test_setup"
        setup = (
            [] if (self.a.no_setup or is_setup_file) else setup_items(self.a.fixture == "portable")
        )
        fresh = bool(self.a.server_cmd or self.a.create_db)
        try:
            prep = self.open_session(name, fresh)
        except Exception as e:
            out.write(json.dumps({"kind": "prep", "file": name, "failed": str(e)}) + "\n")
            self.stop_server()
            return
        out.write(json.dumps({"kind": "prep", "file": name, "statements": prep}) + "\n")
        if setup:
            errs = {}
            for k, it in enumerate(setup):
                r = self.run_item(it)
                if r.get("_broken"):
                    self.recover(name, [])
                if r["outcome"] != "ok":
                    errs[str(k)] = {
                        "sql": it.text[:120],
                        "sqlstate": r.get("sqlstate"),
                        "message": (r.get("message") or "")[:200],
                    }
            out.write(
                json.dumps(
                    {"kind": "setup", "file": name, "statements": len(setup), "errors": errs}
                )
                + "\n"
            )
        items = setup_items() if is_setup_file else load_items(name)
        idx = 0
        skipped: list[dict[str, Any]] = []
        for it in items:
            if it.kind != "sql":
                skipped.append({"line": it.line, "meta": it.text[:120]})
                continue
            r = self.run_item(it)
            rec = {"kind": "stmt", "file": name, "idx": idx, "line": it.line, "sql": it.text}
            if it.notes:
                rec["split_notes"] = it.notes
            if r.pop("_broken", False):
                r.setdefault("notes", []).append(self.recover(name, setup))
            rec.update(r)
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
            idx += 1
        out.write(
            json.dumps(
                {
                    "kind": "file_done",
                    "file": name,
                    "statements": idx,
                    "meta_skipped": skipped,
                    "seconds": round(time.monotonic() - t0, 1),
                }
            )
            + "\n"
        )
        out.flush()
        self.close()
        if self.a.create_db:
            with contextlib.suppress(Exception):
                self.pg = self.connect(self.a.db)
                self.execute(f"DROP DATABASE IF EXISTS {self.db}", None)
            self.close()
            self.db = self.a.db
        self.stop_server()
        print(
            f"{name}: {idx} statements, {time.monotonic() - t0:.1f} s", file=sys.stderr, flush=True
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--db", default="postgres")
    ap.add_argument(
        "--files",
        default=",".join(DEFAULT_FILES),
        help="comma-separated names under sql/ (default: all but test_setup)",
    )
    ap.add_argument("--out", default="results.jsonl")
    ap.add_argument(
        "--server-cmd",
        default=None,
        help="start this server per file ({port} is replaced), stop it by PID after",
    )
    ap.add_argument(
        "--create-db", action="store_true", help="a fresh database per file (PostgreSQL)"
    )
    ap.add_argument(
        "--no-setup", action="store_true", help="do not run test_setup.sql before each file"
    )
    ap.add_argument(
        "--fixture",
        choices=["portable", "verbatim"],
        default="portable",
        help="setup before each file: verbatim test_setup, or with name columns as text "
        "(default portable; on every server alike)",
    )
    ap.add_argument(
        "--no-regress-env",
        action="store_true",
        help="do not SET datestyle/timezone as pg_regress does",
    )
    ap.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per statement (default 10)"
    )
    ap.add_argument(
        "--log-dir",
        default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "pg-regress-logs"),
        help="the servers' output, one file per file run (with --server-cmd)",
    )
    a = ap.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    handler: Callable[[int, FrameType | None], None] = _terminate
    signal.signal(signal.SIGTERM, handler)
    files = [f for f in a.files.split(",") if f]
    if not a.no_setup and "test_setup" not in files:
        files = ["test_setup", *files]
    runner = Runner(a)
    with open(a.out, "w", encoding="utf-8") as out:
        out.write(
            json.dumps(
                {
                    "kind": "run",
                    "host": a.host,
                    "port": a.port,
                    "files": files,
                    "server_cmd": a.server_cmd,
                    "create_db": a.create_db,
                    "setup": not a.no_setup,
                    "fixture": a.fixture,
                    "timeout": a.timeout,
                    "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                }
            )
            + "\n"
        )
        for name in files:
            try:
                runner.run_file(name, out)
            except Exception as e:  # keep going: one broken file must not end the run
                out.write(
                    json.dumps({"kind": "file_failed", "file": name, "error": repr(e)}) + "\n"
                )
                runner.close()
                runner.stop_server()
                print(f"{name}: FAILED {e!r}", file=sys.stderr, flush=True)
            finally:
                runner.close()
                runner.stop_server()


if __name__ == "__main__":
    main()
