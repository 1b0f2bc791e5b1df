"""COPY with real clients (psql, psycopg 3, asyncpg) against `pgwire serve` on DuckDB, and the
bytes of COPY TO compared with PostgreSQL 15's for the same SQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
import pytest

from pgwire.protocol import messages as m
from pgwire.protocol.connection import State
from tests.support.postgres import TempPostgres
from tests.support.rawclient import RawClient
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

MILLION = 1_000_000


def psql(
    dsn: str, *args: str, stdin: bytes | Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    env.pop("PGSSLMODE", None)
    cmd = ["psql", "-X", "-q", "-d", dsn, *args]
    if isinstance(stdin, Path):
        with stdin.open("rb") as source:
            proc = subprocess.run(cmd, stdin=source, capture_output=True, env=env, timeout=300)
    else:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"psql failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc


def scalar(dsn: str, sql: str) -> str:
    return psql(dsn, "-At", "-c", sql).stdout.decode().strip()


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("copy") / "rows.txt"
    with path.open("w") as out:
        # Floats as PostgreSQL prints them: 1.5, 2 (not 2.0).
        out.writelines(f"{i}\tname {i}\t{i * 0.5:.15g}\n" for i in range(MILLION))
    return path


@pytest.fixture
def pg_schema(postgres15: TempPostgres) -> Iterator[str]:
    """A schema of this test's own on PostgreSQL 15, dropped afterwards."""
    name = f"copy_{uuid.uuid4().hex[:8]}"
    psql(postgres15.dsn, "-c", f"create schema {name}")
    yield name
    psql(postgres15.dsn, "-c", f"drop schema {name} cascade")


# ---------------------------------------------------------------------------------------------
# psql


def test_psql_copy_from_stdin_million_rows(
    duckdb_server: ServerProcess, million_rows: Path
) -> None:
    dsn = duckdb_server.dsn
    psql(dsn, "-c", "create table big1 (a int, b text, c float8)")
    out = psql(dsn, "-c", "COPY big1 FROM STDIN", stdin=million_rows).stdout.decode()
    assert "COPY 1000000" in out or out == ""  # -q hides the tag
    assert scalar(dsn, "select count(*), sum(a) from big1") == f"{MILLION}|{MILLION * 999_999 // 2}"


def test_psql_backslash_copy_million_rows(duckdb_server: ServerProcess, million_rows: Path) -> None:
    dsn = duckdb_server.dsn
    psql(dsn, "-c", "create table big2 (a int, b text, c float8)")
    proc = psql(dsn, "-v", "ON_ERROR_STOP=1", "-c", "\\copy big2 from stdin", stdin=million_rows)
    assert proc.returncode == 0
    assert scalar(dsn, "select count(*), max(b) from big2") == f"{MILLION}|name 999999"
    # ... and back out: the same bytes that went in.
    back = psql(dsn, "-c", "\\copy (select * from big2 order by a) to stdout").stdout
    assert back == million_rows.read_bytes()


CSV = (
    b'1,"plain",1.5\n'
    b'2,"with, comma",\n'
    b'3,"with ""quotes""",2\n'
    b'4,"two\nlines",3\n'
    b"5,,4\n"
    b'6,"",5\n'
    b"7,back\\slash,6\n"
)


def test_csv_round_trip_like_postgres(
    duckdb_server: ServerProcess, postgres15: TempPostgres, pg_schema: str
) -> None:
    outputs = {}
    for name, dsn, table in (
        ("pgwire", duckdb_server.dsn, "csv1"),
        ("postgres", postgres15.dsn, f"{pg_schema}.csv1"),
    ):
        psql(dsn, "-c", f"create table {table} (a int, b text, c float8)")
        psql(dsn, "-c", f"\\copy {table} from stdin with (format csv)", stdin=CSV)
        outputs[name] = [
            psql(dsn, "-c", f"COPY (SELECT * FROM {table} ORDER BY a) TO STDOUT {opts}").stdout
            for opts in ("", "WITH CSV HEADER", "(FORMAT csv, FORCE_QUOTE *, NULL 'NULL')")
        ]
        assert scalar(dsn, f"select count(*) from {table} where b is null") == "1"
    assert outputs["pgwire"] == outputs["postgres"]


def test_bad_row_rejected_like_postgres(
    duckdb_server: ServerProcess, postgres15: TempPostgres, pg_schema: str
) -> None:
    data = b"1\t2\n3\t4\n5\tabc\n7\t8\n"
    errors = {}
    for name, dsn, table in (
        ("pgwire", duckdb_server.dsn, "bad1"),
        ("postgres", postgres15.dsn, f"{pg_schema}.bad1"),
    ):
        psql(dsn, "-c", f"create table {table} (a int, b int)")
        proc = psql(dsn, "-c", f"\\copy {table} from stdin", stdin=data, check=False)
        assert proc.returncode != 0
        errors[name] = proc.stderr.decode()
        assert scalar(dsn, f"select count(*) from {table}") == "0"
    assert errors["pgwire"] == errors["postgres"]
    assert 'CONTEXT:  COPY bad1, line 3, column b: "abc"' in errors["pgwire"]


# COPY FROM data whose line ending is decided past a quoted CR or LF (CSV), or not (text).
LINE_ENDINGS: list[tuple[bytes, str]] = [
    (b'1,"a\rb"\n2,c\n', "(FORMAT csv)"),
    (b'1,"a\r\nb"\n2,c\n', "(FORMAT csv)"),
    (b'1,"a\nb"\r\n2,"c\rd"\r\n', "(FORMAT csv)"),
    (b'1,"a\r\nb"\r2,"\n"\r', "(FORMAT csv)"),
    (b'1,"\r"', "(FORMAT csv)"),
    (b'1,"a\\"\r"\n2,b\n', "(FORMAT csv, ESCAPE '\\')"),
    (b"1,'a\\'\r'\n2,'\"'\n", "(FORMAT csv, QUOTE '''', ESCAPE '\\')"),
    (b"1,'a\rb'\n2,'\"'\n", "(FORMAT csv, QUOTE '''')"),
    (b'a,"b\n"\r\n1,x\r\n', "(FORMAT csv, HEADER)"),
    (b'"a\rb",b\n1,x\n', "(FORMAT csv, HEADER)"),
    (b'1,x\n2,"y"\rz\n', "(FORMAT csv)"),
    (b'1,"\n"\r\n2,"y"\nz\r\n', "(FORMAT csv)"),
    (b'1\t"a\rb"\n', ""),
    (b'1\t"a\nb"\r\n2\tc\r\n', ""),
]


@pytest.mark.parametrize(
    ("index", "data", "options"), [(i, *c) for i, c in enumerate(LINE_ENDINGS)]
)
def test_line_endings_like_postgres(
    duckdb_server: ServerProcess,
    postgres15: TempPostgres,
    pg_schema: str,
    index: int,
    data: bytes,
    options: str,
) -> None:
    outcomes = []
    for dsn, schema in ((duckdb_server.conninfo(), ""), (postgres15.dsn, f"{pg_schema}.")):
        table = f"eol{index}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"create table {schema}{table} (a int, b text)")
            try:
                with (
                    conn.cursor() as cur,
                    cur.copy(f"COPY {schema}{table} FROM STDIN {options}") as copy,
                ):
                    for i in range(len(data)):  # a CopyData message per byte
                        copy.write(data[i : i + 1])
            except psycopg.Error as exc:
                diag = exc.diag
                outcomes.append(("error", diag.sqlstate, diag.message_primary, diag.context))
                continue
            rows = conn.execute(f"select a, b from {schema}{table} order by a").fetchall()
            outcomes.append(("rows", rows))
    ours, theirs = outcomes
    assert ours == theirs


COMPARED = """
    SELECT * FROM (VALUES
        (1, 'tab\there', 1.5::float8, true, DATE '2024-02-29', 12.50::numeric(10,2), -7::int8),
        (2, 'nl\nand \\ backslash', -0.25::float8, false, DATE '1999-12-31', 0.01::numeric(10,2),
         9000000000::int8),
        (3, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, '', 1e20::float8, true, DATE '2000-01-01', -3::numeric(10,2), 0::int8),
        (5, 'quote " and, comma', 123456.789::float8, false, DATE '2024-01-01', 1::numeric(10,2),
         1::int8)
    ) AS v(i, t, f, b, d, n, g) ORDER BY i
"""


@pytest.mark.parametrize(
    "options",
    [
        "",
        "(FORMAT text, DELIMITER '|', NULL 'nil', HEADER)",
        "(FORMAT csv)",
        "(FORMAT csv, HEADER, FORCE_QUOTE (t, n))",
        "(FORMAT csv, QUOTE '''', ESCAPE '\\', DELIMITER ';')",
        "(FORMAT binary)",
    ],
)
def test_copy_to_bytes_like_postgres(
    duckdb_server: ServerProcess, postgres15: TempPostgres, options: str
) -> None:
    sql = f"COPY ({COMPARED}) TO STDOUT {options}"
    ours = psql(duckdb_server.dsn, "-c", sql).stdout
    theirs = psql(postgres15.dsn, "-c", sql).stdout
    assert ours == theirs


# ---------------------------------------------------------------------------------------------
# psycopg 3


@pytest.mark.parametrize("binary", [False, True])
def test_psycopg_copy_both_directions(duckdb_server: ServerProcess, binary: bool) -> None:
    table = f"pg3_{'bin' if binary else 'text'}"
    fmt = "(FORMAT binary)" if binary else ""
    rows = [
        (1, "one", 1.5, date(2024, 1, 2), Decimal("1.25")),
        (2, "two\twith\nspecials\\", None, None, None),
        (3, None, -2.0, date(1999, 12, 31), Decimal("-0.50")),
    ]
    with psycopg.connect(duckdb_server.conninfo(), autocommit=True) as conn:
        conn.execute(f"create table {table} (a int, b text, c float8, d date, n numeric(10,2))")
        with conn.cursor() as cur:
            with cur.copy(f"COPY {table} FROM STDIN {fmt}") as copy:
                if binary:
                    copy.set_types(["int4", "text", "float8", "date", "numeric"])
                for row in rows * 1000:
                    copy.write_row(row)
            assert cur.rowcount == 3000
            query = f"SELECT DISTINCT * FROM {table} ORDER BY a"
            with cur.copy(f"COPY ({query}) TO STDOUT {fmt}") as copy:
                copy.set_types(["int4", "text", "float8", "date", "numeric"])
                got = list(copy.rows())
            assert got == rows
            # Raw blocks too, as psycopg's `copy.read()` / iteration hands them out.
            with cur.copy(f"COPY (SELECT a FROM {table} WHERE a = 1 LIMIT 2) TO STDOUT") as copy:
                assert b"".join(bytes(block) for block in copy) == b"1\n1\n"


def test_psycopg_copy_error_rolls_back(duckdb_server: ServerProcess) -> None:
    with psycopg.connect(duckdb_server.conninfo(), autocommit=True) as conn:
        conn.execute("create table pg3_err (a int)")
        with (
            pytest.raises(psycopg.errors.InvalidTextRepresentation) as info,
            conn.cursor() as cur,
            cur.copy("COPY pg3_err FROM STDIN") as copy,
        ):
            copy.write(b"1\n2\nzzz\n")
        assert info.value.diag.context == 'COPY pg3_err, line 3, column a: "zzz"'
        with (
            pytest.raises(psycopg.errors.QueryCanceled),
            conn.cursor() as cur,
            cur.copy("COPY pg3_err FROM STDIN") as copy,
        ):
            copy.write(b"1\n2\n")
            raise psycopg.errors.QueryCanceled("client gave up")  # psycopg sends CopyFail
        assert conn.execute("select count(*) from pg3_err").fetchone() == (0,)


# ---------------------------------------------------------------------------------------------
# asyncpg


def test_asyncpg_copy_records_and_query(duckdb_server: ServerProcess, tmp_path: Path) -> None:
    async def body() -> None:
        conn = await asyncpg.connect(
            host=duckdb_server.host, port=duckdb_server.port, user="tester", database="testdb"
        )
        try:
            await conn.execute("create table apg (a int, b text, c float8)")
            records = [(i, f"r{i}", i / 4) for i in range(20000)] + [(None, None, None)]
            result = await conn.copy_records_to_table("apg", records=records)
            assert result == "COPY 20001"
            assert await conn.fetchval("select count(*) from apg") == 20001
            assert await conn.fetchrow("select * from apg where a = 7") == (7, "r7", 1.75)
            out = tmp_path / "out.csv"
            result = await conn.copy_from_query(
                "SELECT a, b FROM apg WHERE a < 3 ORDER BY a", output=str(out), format="csv"
            )
            assert result == "COPY 3"
            assert out.read_bytes() == b"0,r0\n1,r1\n2,r2\n"
            result = await conn.copy_from_table("apg", output=str(out), columns=["b"])
            assert result == "COPY 20001"
            result = await conn.copy_to_table("apg", source=str(out), columns=["b"])
            assert result == "COPY 20001"
        finally:
            await conn.close()

    asyncio.run(body())


# ---------------------------------------------------------------------------------------------
# the messages themselves, against PostgreSQL 15


def exchange(client: RawClient, table: str, script: list[m.Message]) -> list[tuple[str, Any]]:
    """Send `script` (`{t}` in SQL is the table) as a client would, waiting for
    CopyInResponse before COPY data; return every reply up to the last ReadyForQuery owed."""
    out: list[tuple[str, Any]] = []
    owed = 0  # ReadyForQuery messages still to come
    syncs = 0  # Syncs sent since the last Execute: swallowed when COPY IN starts

    def read(until: type[m.Message] | None) -> None:
        nonlocal owed, syncs
        while owed > 0 or until is not None:
            reply = client.next()
            out.append(_brief(reply))
            if isinstance(reply, m.ReadyForQuery):
                owed -= 1
            if isinstance(reply, m.CopyInResponse):
                owed -= syncs
                syncs = 0
            if until is not None and isinstance(reply, until):
                return

    for msg in script:
        if isinstance(msg, m.Query):
            msg = m.Query(msg.sql.replace("{t}", table))
        elif isinstance(msg, m.Parse):
            msg = m.Parse(msg.name, msg.query.replace("{t}", table), msg.param_types)
        if isinstance(msg, m.CopyData | m.CopyDone | m.CopyFail):
            if client.conn.state is not State.COPY_IN:
                read(m.CopyInResponse)
        elif isinstance(msg, m.Query):
            read(None)
        client.send(msg)
        if isinstance(msg, m.Query):
            owed += 1
        elif isinstance(msg, m.Sync):
            owed += 1
            syncs += 1
        elif isinstance(msg, m.Execute):
            syncs = 0
    read(None)
    return out


def _brief(msg: m.Message) -> tuple[str, Any]:
    if isinstance(msg, m.CopyData):
        return ("CopyData", msg.data)
    if isinstance(msg, m.ErrorResponse):
        return ("Error", {k: v for k, v in msg.fields.items() if k in "CMWDH"})
    if isinstance(msg, m.CommandComplete):
        return ("Complete", msg.tag)
    if isinstance(msg, m.CopyInResponse | m.CopyOutResponse):
        return (type(msg).__name__, (msg.format, msg.column_formats))
    if isinstance(msg, m.ReadyForQuery):
        return ("Ready", msg.status)
    return (type(msg).__name__, None)


SCRIPTS: dict[str, list[m.Message]] = {
    "to-binary": [m.Query("COPY (SELECT 1::int4 AS a, 'x'::text AS b) TO STDOUT (FORMAT binary)")],
    "to-csv-header": [m.Query("COPY (SELECT 1::int4 AS a, 'x,y'::text AS b) TO STDOUT CSV HEADER")],
    "to-binary-empty": [m.Query("COPY (SELECT 1::int4 AS a WHERE false) TO STDOUT BINARY")],
    "from-fail": [
        m.Query("COPY {t} FROM STDIN"),
        m.CopyData(b"1\tx\n"),
        m.CopyFail("client says no"),
        m.Query("SELECT count(*) FROM {t}"),
    ],
    "from-bad-csv": [
        m.Query("COPY {t} FROM STDIN (FORMAT csv)"),
        m.CopyData(b'1,"a\n2,b\n'),
        m.CopyDone(),
    ],
    "from-extended": [
        m.Parse("", "COPY {t} FROM STDIN", []),
        m.Bind("", "", [], [], []),
        m.Describe("P", ""),
        m.Execute("", 0),
        m.Sync(),
        m.CopyData(b"1\tx\n2\t\\N\n"),
        m.CopyDone(),
        m.Sync(),
        m.Query("SELECT count(*) FROM {t}"),
    ],
    "from-extended-error": [
        m.Parse("", "COPY {t} FROM STDIN", []),
        m.Bind("", "", [], [], []),
        m.Execute("", 0),
        m.Sync(),
        m.CopyData(b"1\tx\t3\n"),
        m.CopyDone(),
        m.Sync(),
    ],
    "to-extended": [
        m.Parse("", "COPY (SELECT 7::int4 AS n) TO STDOUT", []),
        m.Bind("", "", [], [], []),
        m.Describe("P", ""),
        m.Execute("", 0),
        m.Sync(),
    ],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_messages_like_postgres(
    name: str, duckdb_server: ServerProcess, postgres15: TempPostgres, pg_schema: str
) -> None:
    results = []
    for host, port, table, user in (
        (duckdb_server.host, duckdb_server.port, f"raw_{name.replace('-', '_')}", "tester"),
        (postgres15.host, postgres15.port, f"{pg_schema}.raw_{name.replace('-', '_')}", "postgres"),
    ):
        with RawClient(host, port) as client:
            client.startup(user=user, database="postgres")
            client.query(f"CREATE TABLE {table} (a int, b text)")
            results.append(exchange(client, table, SCRIPTS[name]))
    ours, theirs = results
    assert ours == theirs
