"""The examples run: each served through the real server and queried with psycopg."""

from __future__ import annotations

import psycopg
import pytest

from tests.support.server import ServerProcess


def test_fixed() -> None:
    with ServerProcess("examples.fixed:handler") as server, psycopg.connect(server.conninfo()) as c:
        assert c.execute("select whatever").fetchone() == (1,)


def test_keyvalue_simple_and_extended() -> None:
    with (
        ServerProcess("examples.keyvalue:handler") as server,
        psycopg.connect(server.conninfo(), autocommit=True) as conn,
    ):
        cur = psycopg.ClientCursor(conn)
        cur.execute("put color blue")
        assert cur.rowcount == 1
        # psycopg sends "get $1" with the value bound, over the extended protocol.
        assert conn.execute("get %s", ["color"], prepare=True).fetchall() == [("color", "blue")]
        assert conn.execute("keys").fetchall() == [("color", "blue")]
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute("delete everything")


def test_notices() -> None:
    with (
        ServerProcess("examples.notices:handler") as server,
        psycopg.connect(server.conninfo(), autocommit=True) as conn,
    ):
        seen: list[str] = []
        conn.add_notice_handler(lambda d: seen.append(d.severity or ""))
        assert conn.execute("select 1").fetchone() == (42,)
        assert seen == ["NOTICE", "WARNING"]


def test_examples_import() -> None:
    import examples.duckdb_file
    import examples.sqlite_file

    assert callable(examples.duckdb_file.main)
    assert examples.sqlite_file.__doc__
