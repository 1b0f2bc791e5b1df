"""SET / SHOW / RESET and ParameterStatus, as psycopg and psql see them."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop


def connect(server: ServerProcess, **kw: object) -> psycopg.Connection:
    return psycopg.connect(server.conninfo(), autocommit=True, **kw)  # type: ignore[arg-type]


def test_set_reports_parameter_status(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        info = conn.info
        assert info.parameter_status("application_name") == ""
        conn.execute("set application_name = 'reporting'")
        assert info.parameter_status("application_name") == "reporting"
        conn.execute("set timezone to 'America/New_York'")
        assert info.parameter_status("TimeZone") == "America/New_York"
        conn.execute("set datestyle = 'iso, dmy'")
        assert info.parameter_status("DateStyle") == "ISO, DMY"
        conn.execute("reset application_name")
        assert info.parameter_status("application_name") == ""


def test_show_and_current_setting(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("set statement_timeout = '5s'")
        assert conn.execute("show statement_timeout").fetchone() == ("5s",)
        assert conn.execute("select current_setting('statement_timeout')").fetchone() == ("5s",)
        assert conn.execute("show time zone").fetchone() == ("UTC",)
        names = {row[0] for row in conn.execute("show all").fetchall()}
        assert {"DateStyle", "TimeZone", "application_name", "statement_timeout"} <= names


def test_set_config_and_custom_options(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        got = conn.execute("select set_config('myapp.tenant', 'acme', false)").fetchone()
        assert got == ("acme",)
        assert conn.execute("show myapp.tenant").fetchone() == ("acme",)
        with pytest.raises(psycopg.errors.UndefinedObject):
            conn.execute("set no_such_parameter = 1")
        with pytest.raises(psycopg.errors.UndefinedObject):
            conn.execute("show also_unknown")
        assert conn.execute("select current_setting('also_unknown', true)").fetchone() == (None,)


def test_set_in_rolled_back_transaction_is_undone(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("set application_name = 'before'")
        conn.execute("begin")
        conn.execute("set application_name = 'inside'")
        assert conn.info.parameter_status("application_name") == "inside"
        conn.execute("rollback")
        assert conn.execute("show application_name").fetchone() == ("before",)
        assert conn.info.parameter_status("application_name") == "before"


def test_set_local_lasts_until_commit(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("begin")
        conn.execute("set local statement_timeout = '1min'")
        assert conn.execute("show statement_timeout").fetchone() == ("1min",)
        conn.execute("commit")
        assert conn.execute("show statement_timeout").fetchone() == ("0",)


def test_invalid_values(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        for sql in (
            "set statement_timeout = 'soon'",
            "set default_transaction_isolation = 'sometimes'",
            "set client_encoding = 'LATIN1'",
        ):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                conn.execute(sql)
        with pytest.raises(psycopg.errors.CantChangeRuntimeParam):
            conn.execute("set server_version = '99'")


def test_statement_timeout_cancels_with_57014(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("set statement_timeout = 300")
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute("select count(*) from range(5000000000) t(x) where x % 7 = 3")
        conn.execute("set statement_timeout = 0")
        assert conn.execute("select 1").fetchone() == (1,)


def test_startup_options(duckdb_server: ServerProcess) -> None:
    with psycopg.connect(
        duckdb_server.conninfo(), options="-c statement_timeout=7s -c myapp.x=1"
    ) as conn:
        assert conn.execute("show statement_timeout").fetchone() == ("7s",)
        assert conn.execute("show myapp.x").fetchone() == ("1",)


def test_discard_all(duckdb_server: ServerProcess) -> None:
    with connect(duckdb_server) as conn:
        conn.execute("set application_name = 'x'")
        conn.execute("prepare p as select 1")
        conn.execute("discard all")
        assert conn.execute("show application_name").fetchone() == ("",)
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            conn.execute("execute p")


def test_date_input_follows_the_session(
    postgres15: TempPostgres, duckdb_server: ServerProcess
) -> None:
    """Parameters in text read as the session's DateStyle (field order) and TimeZone (for a
    time stamp written without a zone) ask, as on PostgreSQL 15."""
    queries = [
        ("select %s::date", "8/1/1999"),
        ("select %s::timestamp", "8/1/1999 10:30"),
        ("select %s::timestamptz::text", "2024-01-01 12:00"),
        ("select %s::timestamptz::text", "2024-07-01 12:00:00+02"),
    ]

    def answers(conninfo: str) -> list[object]:
        out: list[object] = []
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SET DateStyle TO 'ISO, DMY'")
            conn.execute("SET TimeZone TO 'America/New_York'")
            for sql, value in queries:
                out.append(conn.execute(sql, [value]).fetchone()[0])  # type: ignore[index]
        return out

    expected = answers(postgres15.dsn)
    assert answers(duckdb_server.conninfo()) == expected
    assert str(expected[0]) == "1999-01-08"  # day first
