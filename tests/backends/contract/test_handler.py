"""The contract at the handler level: every backend, driven as the server drives it."""

from __future__ import annotations

import pytest

from pgwire.errors import PgError
from pgwire.handler import Description, Handler, Rows
from pgwire.types import oids
from tests.backends.contract.cases import ERROR_CASES, TYPE_CASES
from tests.backends.contract.conftest import (
    Driver,
    drive,
    known_difference,
    rows_of,
    run,
    tag,
    text,
)


def test_crud_command_tags(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        expected = [
            ("CREATE TABLE items (id int PRIMARY KEY, name text)", "CREATE TABLE"),
            ("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')", "INSERT 0 3"),
            ("INSERT INTO items (id, name) VALUES (4, 'd')", "INSERT 0 1"),
            ("SELECT * FROM items", "SELECT 4"),
            ("SELECT * FROM items WHERE id > 100", "SELECT 0"),
            ("UPDATE items SET name = 'z' WHERE id > 2", "UPDATE 2"),
            ("UPDATE items SET name = 'y' WHERE id > 100", "UPDATE 0"),
            ("DELETE FROM items WHERE id = 4", "DELETE 1"),
            ("INSERT INTO items SELECT id + 10, name FROM items", "INSERT 0 3"),
            ("CREATE TABLE copy AS SELECT * FROM items", "SELECT 6"),
            ("CREATE INDEX items_name ON items (name)", "CREATE INDEX"),
            ("CREATE VIEW v AS SELECT id FROM items", "CREATE VIEW"),
            ("ALTER TABLE copy ADD COLUMN extra int", "ALTER TABLE"),
            ("DROP VIEW v", "DROP VIEW"),
            ("DROP INDEX items_name", "DROP INDEX"),
            ("TRUNCATE copy", "TRUNCATE TABLE"),
            ("DROP TABLE copy", "DROP TABLE"),
            ("DELETE FROM items", "DELETE 6"),
        ]
        for sql, want in expected:
            assert await tag(s, sql) == want, sql

    drive(driver, body)


def test_select_rows_and_names(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE people (id int, name text)")
        await run(s, "INSERT INTO people VALUES (2, 'bo'), (1, 'al'), (3, NULL)")
        names, rows, done = await text(s, "SELECT id, name AS who FROM people ORDER BY id")
        assert names == ["int4", "text"]
        assert rows == [["1", "al"], ["2", "bo"], ["3", None]]
        assert done == "SELECT 3"
        result = await run(s, "SELECT id, name AS who FROM people LIMIT 0")
        assert isinstance(result, Rows)
        assert [c.name for c in result.columns] == ["id", "who"]
        assert await rows_of(result) == []

    drive(driver, body)


def test_returning(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE r (id int, v text)")
        names, rows, done = await text(s, "INSERT INTO r VALUES (1, 'a'), (2, 'b') RETURNING id")
        assert (names, rows, done) == (["int4"], [["1"], ["2"]], "INSERT 0 2")
        _, rows, done = await text(s, "UPDATE r SET v = 'z' WHERE id = 2 RETURNING v")
        assert (rows, done) == ([["z"]], "UPDATE 1")
        _, rows, done = await text(s, "DELETE FROM r RETURNING id")
        assert (sorted(rows), done) == ([["1"], ["2"]], "DELETE 2")

    drive(driver, body)


@pytest.mark.parametrize(
    ("column_type", "literal", "type_name", "printed", "difference"),
    [case[1:] for case in TYPE_CASES],
    ids=[case[0] for case in TYPE_CASES],
)
def test_types_round_trip(
    driver: Driver,
    backend: str,
    request: pytest.FixtureRequest,
    column_type: str,
    literal: str,
    type_name: str,
    printed: str | None,
    difference: str | None,
) -> None:
    if difference is not None:
        known_difference(request, backend, difference)

    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, f"CREATE TABLE typed (v {column_type})")
        await run(s, f"INSERT INTO typed VALUES ({literal})")
        names, rows, _ = await text(s, "SELECT v FROM typed")
        assert (names, rows) == ([type_name], [[printed]])

    drive(driver, body)


def test_count_is_named_count(driver: Driver, backend: str, request: pytest.FixtureRequest) -> None:
    known_difference(request, backend, "count name")

    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE c (a int)")
        result = await run(s, "SELECT count(*) FROM c")
        assert isinstance(result, Rows)
        assert [(c.name, c.type_oid) for c in result.columns] == [("count", oids.INT8)]

    drive(driver, body)


def test_parameters_are_bound(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE p (id int, name text)")
        await run(s, "INSERT INTO p VALUES ($1, $2)", [1, "it's"], [oids.INT4, oids.TEXT])
        await run(s, "INSERT INTO p VALUES ($1, $2)", [2, "'); DROP TABLE p; --"], [0, 0])
        _, rows, _ = await text(s, "SELECT name FROM p WHERE id = $1", [1], [oids.INT4])
        assert rows == [["it's"]]
        _, rows, _ = await text(s, "SELECT id FROM p WHERE name = $1", ["'); DROP TABLE p; --"])
        assert rows == [["2"]]
        _, rows, _ = await text(s, "SELECT count(*) AS n FROM p WHERE name = $1", [None])
        assert rows == [["0"]]

    drive(driver, body)


def test_transactions_commit_and_rollback(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE tx (a int)")
        assert await tag(s, "BEGIN") == "BEGIN"
        await run(s, "INSERT INTO tx VALUES (1)")
        assert await tag(s, "ROLLBACK") == "ROLLBACK"
        _, rows, _ = await text(s, "SELECT count(*) AS n FROM tx")
        assert rows == [["0"]]
        await run(s, "BEGIN")
        await run(s, "INSERT INTO tx VALUES (2)")
        assert await tag(s, "COMMIT") == "COMMIT"
        _, rows, _ = await text(s, "SELECT a FROM tx")
        assert rows == [["2"]]

    drive(driver, body)


def test_sessions_are_isolated(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        a = await d.session()
        b = await d.session()
        await run(a, "CREATE TABLE iso (v int)")
        await run(a, "INSERT INTO iso VALUES (1)")
        await run(a, "BEGIN")
        await run(a, "INSERT INTO iso VALUES (2)")
        _, rows, _ = await text(b, "SELECT v FROM iso ORDER BY v")
        assert rows == [["1"]]  # not a's uncommitted row
        _, rows, _ = await text(a, "SELECT v FROM iso ORDER BY v")
        assert rows == [["1"], ["2"]]  # a sees its own
        await run(a, "COMMIT")
        _, rows, _ = await text(b, "SELECT v FROM iso ORDER BY v")
        assert rows == [["1"], ["2"]]

    drive(driver, body)


@pytest.mark.parametrize(
    ("sql", "code"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_error_sqlstates(driver: Driver, sql: str, code: str) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE e (id int PRIMARY KEY, name text NOT NULL)")
        await run(s, "INSERT INTO e VALUES (1, 'a')")
        with pytest.raises(PgError) as caught:
            await text(s, sql.format(t="e"))
        assert caught.value.sqlstate == code, caught.value.message
        _, rows, _ = await text(s, "SELECT count(*) AS n FROM e")
        assert rows == [["1"]]  # the session lives on

    drive(driver, body)


def test_describe_parameters_and_columns(driver: Driver) -> None:
    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE dsc (id int, name text, born date)")
        described = await run_describe(s, "SELECT name, born FROM dsc WHERE id = $1", [0])
        assert described is not None
        assert described.param_types == [oids.INT4]
        assert described.columns is not None
        assert [(c.name, c.type_oid) for c in described.columns] == [
            ("name", oids.TEXT),
            ("born", oids.DATE),
        ]
        described = await run_describe(s, "INSERT INTO dsc (id, name) VALUES ($1, $2)", [0, 0])
        assert described is not None
        assert described.param_types == [oids.INT4, oids.TEXT]
        assert described.columns is None
        with pytest.raises(PgError) as caught:
            await run_describe(s, "SELECT * FROM no_such_table WHERE id = $1", [0])
        assert caught.value.sqlstate == "42P01"

    drive(driver, body)


async def run_describe(session: Handler, sql: str, types: list[int]) -> Description | None:
    found = session.describe(sql, types)
    if found is not None and not isinstance(found, Description):
        found = await found
    assert found is None or isinstance(found, Description)
    return found


def test_catalog_describes_tables(driver: Driver) -> None:
    """pg_catalog and information_schema, emulated from the backend's own catalog."""
    pytest.importorskip("duckdb")  # the emulation runs in a DuckDB database of its own

    async def body(d: Driver) -> None:
        s = await d.session()
        await run(
            s,
            "CREATE TABLE cat (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2), "
            "born date, ok boolean)",
        )
        _, rows, _ = await text(
            s,
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
            "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname = 'cat' AND a.attnum > 0 ORDER BY a.attnum",
        )
        assert rows == [
            ["id", "integer", "t"],
            ["name", "text", "t"],
            ["price", "numeric(10,2)", "f"],
            ["born", "date", "f"],
            ["ok", "boolean", "f"],
        ]
        _, rows, _ = await text(
            s,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'cat' ORDER BY ordinal_position",
        )
        assert rows == [
            ["id", "integer"],
            ["name", "text"],
            ["price", "numeric"],
            ["born", "date"],
            ["ok", "boolean"],
        ]
        # a parameter, as an extended-query client sends it
        _, rows, _ = await text(
            s,
            "SELECT relname FROM pg_catalog.pg_class WHERE relname = $1",
            ["cat"],
            [oids.TEXT],
        )
        assert rows == [["cat"]]

    drive(driver, body)


def test_catalog_primary_key_name(
    driver: Driver, backend: str, request: pytest.FixtureRequest
) -> None:
    pytest.importorskip("duckdb")
    known_difference(request, backend, "primary key name")

    async def body(d: Driver) -> None:
        s = await d.session()
        await run(s, "CREATE TABLE pk (id int PRIMARY KEY, v text)")
        _, rows, _ = await text(
            s,
            "SELECT i.relname FROM pg_catalog.pg_index x "
            "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = 'pk' AND x.indisprimary",
        )
        assert rows == [["pk_pkey"]]  # PostgreSQL's name for it

    drive(driver, body)
