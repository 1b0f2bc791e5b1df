"""The throwaway PostgreSQL cluster helper works."""

from __future__ import annotations

import socket

import pytest

from tests.support.postgres import TempPostgres

pytestmark = pytest.mark.postgres


def test_fixture_runs_postgresql_15(postgres15: TempPostgres) -> None:
    version = postgres15.psql("select version()")
    assert "PostgreSQL 15" in version
    assert postgres15.dsn == f"postgresql://postgres@127.0.0.1:{postgres15.port}/postgres"
    assert postgres15.psql("show fsync") == "off"
    assert postgres15.psql("show server_encoding") == "UTF8"
    assert postgres15.psql("select current_user") == "postgres"
    assert (postgres15.socket_dir / f".s.PGSQL.{postgres15.port}").exists()
    with socket.create_connection((postgres15.host, postgres15.port), timeout=5):
        pass


def test_psql_reports_errors(postgres15: TempPostgres) -> None:
    with pytest.raises(RuntimeError, match="does_not_exist"):
        postgres15.psql("select * from does_not_exist")


def test_extra_settings_and_cleanup(postgres15: TempPostgres) -> None:
    # postgres15 is only asked for so that missing binaries skip (or fail under CI) as usual.
    with TempPostgres({"log_statement": "all", "pgwire.note": "it's \\ quoted"}) as pg:
        assert pg.port != postgres15.port
        tmpdir = pg.tmpdir
        assert tmpdir is not None and tmpdir.exists()
        assert pg.psql("show log_statement") == "all"
        assert pg.psql("show pgwire.note") == "it's \\ quoted"
        assert pg.psql("select 1; select 2").splitlines()[-1] == "2"
    assert not tmpdir.exists()
    assert not pg.running
