"""The statements pg_dump sends besides catalog queries, on PostgreSQL 15 and on `pgwire serve`
(DuckDB and SQLite) side by side: the settings it sets, LOCK TABLE, SELECT ... FROM ONLY,
reading a sequence as a relation, and the catalog functions its queries call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

SETUP = ["CREATE TABLE lt (id integer PRIMARY KEY, name text)", "INSERT INTO lt VALUES (1, 'a')"]


@pytest.fixture(scope="module", params=["duckdb", "sqlite"])
def pair(
    request: pytest.FixtureRequest,
    postgres15: TempPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, str]]:
    """(backend, PostgreSQL DSN, pgwire DSN), both as the user tester with table lt."""
    backend = request.param
    database = f"dumpstmt_{backend}"
    postgres15.psql(
        "DO $$ BEGIN CREATE ROLE tester SUPERUSER LOGIN; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    postgres15.psql(f"DROP DATABASE IF EXISTS {database}")
    postgres15.psql(f"CREATE DATABASE {database} OWNER tester")
    pg = f"postgresql://tester@127.0.0.1:{postgres15.port}/{database}"
    path = tmp_path_factory.mktemp("dumpstmt") / f"db.{backend}"
    with ServerProcess(str(path)) as server:
        ours = f"postgresql://tester@127.0.0.1:{server.port}/{database}"
        for dsn in (pg, ours):
            with psycopg.connect(dsn, autocommit=True) as conn:
                for statement in SETUP:
                    conn.execute(statement)
        yield backend, pg, ours


def outcome(dsn: str, statements: list[str]) -> list[Any]:
    """Each statement's rows (or its SQLSTATE), in one session, in a transaction if BEGIN."""
    out: list[Any] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in statements:
            try:
                cursor = conn.execute(sql)
                out.append(cursor.fetchall() if cursor.description else cursor.statusmessage)
            except psycopg.Error as exc:
                out.append(exc.sqlstate)
                if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                    conn.execute("ROLLBACK")
    return out


def same(pair: tuple[str, str, str], statements: list[str]) -> list[Any]:
    _, pg, ours = pair
    expected = outcome(pg, statements)
    assert outcome(ours, statements) == expected
    return expected


def test_settings_pg_dump_sets(pair: tuple[str, str, str]) -> None:
    same(pair, [
        "SET synchronize_seqscans TO off", "SHOW synchronize_seqscans",
        "SET synchronize_seqscans TO maybe",
        "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings "
        "WHERE name = 'restrict_nonsystem_relation_kind'",
        "SHOW restrict_nonsystem_relation_kind",
        "SELECT set_config(name, 'x', false) FROM pg_settings WHERE name = 'no_such_setting'",
        "SET restrict_nonsystem_relation_kind TO 'table'",
    ])  # fmt: skip


def test_lock_table(pair: tuple[str, str, str]) -> None:
    found = same(pair, [
        "LOCK TABLE lt IN ACCESS SHARE MODE",  # outside a transaction block: 25P01
        "BEGIN", "LOCK TABLE lt IN ACCESS SHARE MODE", "LOCK lt, ONLY lt IN ROW SHARE MODE",
        "SELECT count(*) FROM lt", "COMMIT",
        "BEGIN", "LOCK TABLE no_such_table IN ACCESS SHARE MODE",
    ])  # fmt: skip
    assert found[0] == "25P01" and found[-1] == "42P01"


def test_lock_modes_that_would_block_writers_are_refused(pair: tuple[str, str, str]) -> None:
    _, pg, ours = pair
    statements = ["BEGIN", "LOCK TABLE lt IN EXCLUSIVE MODE", "ROLLBACK"]
    assert outcome(pg, statements) == ["BEGIN", "LOCK TABLE", "ROLLBACK"]
    assert outcome(ours, statements)[1] == "0A000"  # not silently left untaken


def test_from_only(pair: tuple[str, str, str]) -> None:
    same(pair, [
        "SELECT id, name FROM ONLY lt", "SELECT l.id FROM ONLY lt AS l JOIN ONLY lt m USING (id)",
        "SELECT 'only' AS only_word FROM lt",
    ])  # fmt: skip


def test_sequence_read_as_a_relation(pair: tuple[str, str, str]) -> None:
    backend, _, _ = pair
    if backend == "sqlite":
        pytest.skip("SQLite has no sequences")
    same(pair, [
        "CREATE SEQUENCE dump_seq START 5",
        "SELECT last_value, is_called FROM dump_seq",
        "SELECT nextval('dump_seq')", "SELECT nextval('dump_seq')",
        "SELECT is_called, last_value FROM dump_seq",
        "DROP SEQUENCE dump_seq",
    ])  # fmt: skip


def test_catalog_functions_pg_dump_calls(pair: tuple[str, str, str]) -> None:
    same(pair, [
        "SELECT pg_catalog.quote_literal('it''s'), quote_literal(E'back\\\\slash'), "
        "quote_literal(NULL::text), quote_literal(42)",
        "SELECT k, acldefault(k::\"char\", r.oid)::text[] FROM pg_roles r, "
        "unnest(ARRAY['c', 'r', 's', 'f', 'l', 'n', 'T', 'F', 'S', 'L', 'd', 't']) AS k "
        "WHERE r.rolname = current_user ORDER BY k",
        "SELECT option_name, option_value FROM pg_options_to_table(ARRAY['a=1', 'b=x=y']) "
        "ORDER BY 1",
        "SELECT c.tableoid::regclass::text, a.tableoid = 'pg_attribute'::regclass "
        "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE c.relname = 'lt' AND a.attname = 'id'",
    ])  # fmt: skip
