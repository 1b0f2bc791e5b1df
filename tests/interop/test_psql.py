"""psql, the reference libpq client, against `pgwire serve` on DuckDB."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop


def psql(
    server: ServerProcess,
    *args: str,
    stdin: str | None = None,
    unix: bool = False,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    host = server.socket_dir if unix else server.host
    assert host is not None
    env = dict(os.environ, PGCONNECT_TIMEOUT="10", PGAPPNAME="pgwire-tests")
    env.pop("PGSSLMODE", None)  # default "prefer": SSLRequest first, answered 'N'
    cmd = ["psql", "-X", "-h", host, "-p", str(server.port), "-U", "tester", "-d", "testdb", *args]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"psql failed ({proc.returncode}): {proc.stderr}")
    return proc


def test_select_over_tcp(duckdb_server: ServerProcess) -> None:
    out = psql(duckdb_server, "-At", "-c", "select 1 + 1 as two").stdout
    assert out.strip() == "2"


def test_select_over_unix_socket(duckdb_server: ServerProcess) -> None:
    out = psql(duckdb_server, "-At", "-c", "select 'via socket'", unix=True).stdout
    assert out.strip() == "via socket"


def test_create_insert_select(duckdb_server: ServerProcess) -> None:
    proc = psql(
        duckdb_server,
        "-c", "create table psql_t (id integer primary key, name varchar)",
        "-c", "insert into psql_t values (1, 'one'), (2, 'two'), (3, NULL)",
        "-c", "update psql_t set name = 'TWO' where id = 2",
        "-c", "delete from psql_t where id = 1",
        "-c", "select id, name from psql_t order by id",
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert "CREATE TABLE" in lines
    assert "INSERT 0 3" in lines
    assert "UPDATE 1" in lines
    assert "DELETE 1" in lines
    assert any(line.split("|")[0].strip() == "2" and "TWO" in line for line in lines)
    assert "(2 rows)" in lines


def test_multi_statement_query_gives_each_result(duckdb_server: ServerProcess) -> None:
    # One -c string is one simple Query, run as one implicit transaction.
    proc = psql(
        duckdb_server,
        "-At",
        "-c",
        "create table multi_t (a int); insert into multi_t values (1), (2); "
        "select count(*) from multi_t",
    )
    assert proc.stdout.strip().splitlines()[-1] == "2"
    # psql 15 prints every result of a multi-statement Query (SHOW_ALL_RESULTS).
    proc = psql(duckdb_server, "-At", "-c", "select 1; select 2; select 3")
    assert proc.stdout.split() == ["1", "2", "3"]


def test_error_has_sqlstate_in_verbose_mode(duckdb_server: ServerProcess) -> None:
    proc = psql(
        duckdb_server,
        "-v", "VERBOSITY=verbose",
        "-c", "select * from no_such_table",
        check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "ERROR:  42P01:" in proc.stderr
    assert "no_such_table" in proc.stderr


def test_syntax_error_sqlstate(duckdb_server: ServerProcess) -> None:
    proc = psql(duckdb_server, "-v", "VERBOSITY=verbose", "-c", "selec 1", check=False)
    assert "ERROR:  42601:" in proc.stderr


def test_first_error_stops_the_rest_of_a_query(duckdb_server: ServerProcess) -> None:
    psql(duckdb_server, "-c", "create table stop_t (a int)")
    proc = psql(
        duckdb_server,
        "-c",
        "insert into stop_t values (1); select * from missing_table; insert into stop_t values (2)",
        check=False,
    )
    assert proc.returncode == 1
    out = psql(duckdb_server, "-At", "-c", "select a from stop_t order by a").stdout
    # The statement after the error never ran.
    assert "2" not in out.split()


def test_on_error_stop_script(duckdb_server: ServerProcess) -> None:
    script = "\n".join(
        [
            "\\set ON_ERROR_STOP on",
            "create table script_t (a int);",
            "insert into script_t values (1);",
            "select broken syntax here;",
            "insert into script_t values (2);",
        ]
    )
    proc = psql(duckdb_server, stdin=script, check=False)
    assert proc.returncode == 3  # psql's code for a script stopped by an error
    out = psql(duckdb_server, "-At", "-c", "select count(*) from script_t").stdout
    assert out.strip() == "1"


def test_failed_transaction_then_rollback(duckdb_server: ServerProcess) -> None:
    script = "\n".join(
        [
            "\\set VERBOSITY verbose",
            "create table tx_t (a int);",
            "begin;",
            "insert into tx_t values (1);",
            "select * from nope;",
            "insert into tx_t values (2);",
            "rollback;",
            "select count(*) as n from tx_t;",
        ]
    )
    proc = psql(duckdb_server, "-At", stdin=script, check=False)
    assert "25P02" in proc.stderr  # the insert inside the failed block
    assert "current transaction is aborted" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "0"


def test_commit_of_failed_transaction_reports_rollback(duckdb_server: ServerProcess) -> None:
    script = "begin;\nselect * from nope;\ncommit;\n"
    proc = psql(duckdb_server, stdin=script, check=False)
    assert "ROLLBACK" in proc.stdout.splitlines()


def test_begin_twice_warns(duckdb_server: ServerProcess) -> None:
    proc = psql(duckdb_server, stdin="begin;\nbegin;\ncommit;\ncommit;\n")
    assert "WARNING:  there is already a transaction in progress" in proc.stderr
    assert "WARNING:  there is no transaction in progress" in proc.stderr


def test_empty_query(duckdb_server: ServerProcess) -> None:
    proc = psql(duckdb_server, "-c", ";")
    assert proc.returncode == 0


def test_types_in_text(duckdb_server: ServerProcess) -> None:
    out = psql(
        duckdb_server,
        "-At",
        "-F",
        ",",
        "-c",
        "select true, 42::smallint, 1.50::decimal(10,2), 'x'::varchar, date '2024-02-29', "
        "[1, 2, NULL], NULL::int",
    ).stdout.strip()
    assert out == "t,42,1.50,x,2024-02-29,{1,2,NULL},"
