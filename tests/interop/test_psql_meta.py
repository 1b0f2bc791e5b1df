"""psql's meta-commands (\\l \\dn \\dt \\d \\df \\du \\conninfo ...) against `pgwire serve` on
DuckDB: they read pg_catalog, which the catalog emulation answers from DuckDB's own catalog."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

SETUP = """
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x',
                    price DECIMAL(10, 2), tags VARCHAR[], created TIMESTAMPTZ DEFAULT now(),
                    m mood);
CREATE UNIQUE INDEX items_name ON items (name);
CREATE TABLE orders (id BIGINT PRIMARY KEY, item INTEGER REFERENCES items (id),
                     qty INTEGER CHECK (qty > 0));
CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10;
COMMENT ON TABLE items IS 'things for sale';
COMMENT ON COLUMN items.name IS 'what it is';
CREATE MACRO add_one(x) AS x + 1;
CREATE SCHEMA extra;
CREATE TABLE extra.t2 (a INTEGER);
CREATE SEQUENCE counter;
"""


@pytest.fixture(scope="module")
def server(psql_path: str) -> Iterator[ServerProcess]:
    with ServerProcess() as found:
        psql(found, "-c", SETUP)
        yield found
    assert not found.alive


def psql(server: ServerProcess, *args: str) -> str:
    env = dict(os.environ, PGCONNECT_TIMEOUT="10", PGAPPNAME="pgwire-tests")
    env.pop("PGSSLMODE", None)
    cmd = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", str(server.port),
           "-U", "tester", "-d", "testdb", *args]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, f"psql {args} failed: {proc.stderr}"
    assert "ERROR" not in proc.stderr, proc.stderr
    return proc.stdout


def rows(server: ServerProcess, command: str) -> list[list[str]]:
    """A meta-command's table, unaligned: one list of fields per row, headers dropped."""
    out = psql(server, "-A", "-t", "-c", command)
    return [line.split("|") for line in out.splitlines() if line and "|" in line]


def test_list_databases(server: ServerProcess) -> None:
    found = rows(server, r"\l")
    assert found[0][:3] == ["testdb", "tester", "UTF8"]


def test_list_schemas(server: ServerProcess) -> None:
    assert rows(server, r"\dn") == [["extra", "tester"], ["public", "tester"]]


def test_list_tables(server: ServerProcess) -> None:
    assert rows(server, r"\dt") == [
        ["public", "items", "table", "tester"],
        ["public", "orders", "table", "tester"],
    ]
    # extra is not on the search path: named, its tables show
    assert rows(server, r"\dt extra.*") == [["extra", "t2", "table", "tester"]]
    assert ["public", "items", "table", "tester", "permanent", "heap", "0 bytes",
            "things for sale"] in rows(server, r"\dt+")  # fmt: skip


def test_list_relations(server: ServerProcess) -> None:
    assert rows(server, r"\d") == [
        ["public", "cheap", "view", "tester"],
        ["public", "counter", "sequence", "tester"],
        ["public", "items", "table", "tester"],
        ["public", "orders", "table", "tester"],
    ]
    assert rows(server, r"\dv") == [["public", "cheap", "view", "tester"]]
    assert rows(server, r"\ds") == [["public", "counter", "sequence", "tester"]]
    assert rows(server, r"\di") == [
        ["public", "items_name", "index", "tester", "items"],
        ["public", "items_pkey", "index", "tester", "items"],
        ["public", "orders_pkey", "index", "tester", "orders"],
    ]


def test_describe_table(server: ServerProcess) -> None:
    out = psql(server, "-c", r"\d items")
    assert 'Table "public.items"' in out
    lines = [[field.strip() for field in line.split("|")] for line in out.splitlines()]
    columns = [line for line in lines if len(line) == 5]
    assert columns[1:] == [
        ["id", "integer", "", "not null", ""],
        ["name", "text", "", "not null", "'x'"],
        ["price", "numeric(10,2)", "", "", ""],
        ["tags", "text[]", "", "", ""],
        ["created", "timestamp with time zone", "", "", "now()"],
        ["m", "mood", "", "", ""],  # a named enum, as PostgreSQL shows it
    ]
    assert 'Indexes:\n    "items_pkey" PRIMARY KEY, btree (id)\n' in out
    assert '    "items_name" UNIQUE, btree (name)\n' in out
    assert (
        'Referenced by:\n    TABLE "orders" CONSTRAINT "orders_item_fkey" '
        "FOREIGN KEY (item) REFERENCES items(id)" in out
    )


def test_describe_table_constraints(server: ServerProcess) -> None:
    out = psql(server, "-c", r"\d orders")
    assert '"orders_pkey" PRIMARY KEY, btree (id)' in out
    assert 'Check constraints:\n    "orders_qty_check" CHECK ((qty > 0))' in out
    assert (
        'Foreign-key constraints:\n    "orders_item_fkey" FOREIGN KEY (item) '
        "REFERENCES items(id)" in out
    )


def test_describe_plus_shows_comments(server: ServerProcess) -> None:
    out = psql(server, "-c", r"\d+ items")
    name = next(line for line in out.splitlines() if line.startswith(" name "))
    assert name.rstrip().endswith("what it is")
    assert "Access method: heap" in out


def test_describe_view_index_and_other_schema(server: ServerProcess) -> None:
    view = psql(server, "-c", r"\d+ cheap")
    assert 'View "public.cheap"' in view
    assert 'View definition:\n SELECT id, "name" FROM items WHERE (price < 10);' in view or (
        "View definition:" in view and "price < 10" in view
    )
    index = psql(server, "-c", r"\d items_name")
    assert 'Index "public.items_name"' in index
    assert 'unique, btree, for table "public.items"' in index
    other = psql(server, "-c", r"\d extra.t2")
    assert 'Table "extra.t2"' in other and " a      | integer |" in other


def test_list_functions(server: ServerProcess) -> None:
    assert rows(server, r"\df") == [["public", "add_one", '"any"', 'x "any"', "func"]]


def test_list_types(server: ServerProcess) -> None:
    assert rows(server, r"\dT") == [["public", "mood", ""]]


def test_list_roles(server: ServerProcess) -> None:
    found = rows(server, r"\du")
    assert found[0][0] == "tester"
    assert "Superuser" in found[0][1]


def test_conninfo(server: ServerProcess) -> None:
    out = psql(server, "-c", r"\conninfo")
    assert 'You are connected to database "testdb" as user "tester"' in out


def test_meta_commands_need_nothing_the_emulation_lacks(server: ServerProcess) -> None:
    for command in (r"\l", r"\dn", r"\dt", r"\d", r"\d items", r"\d+ items", r"\d orders",
                    r"\d cheap", r"\df", r"\du", r"\dT", r"\di", r"\dv", r"\ds"):  # fmt: skip
        psql(server, "-c", command)
    assert not [line for line in server.log if "catalog query not covered" in line]


def test_unknown_catalog_relation_is_a_clear_error(server: ServerProcess) -> None:
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    env.pop("PGSSLMODE", None)
    proc = subprocess.run(
        ["psql", "-X", "-h", server.host, "-p", str(server.port), "-U", "tester", "-d", "testdb",
         "-v", "VERBOSITY=verbose", "-c", "select * from pg_catalog.pg_stat_wal",
         "-c", "select count(*) from items"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert 'ERROR:  42P01: relation "pg_catalog.pg_stat_wal" does not exist' in proc.stderr
    assert "pgwire's pg_catalog emulation has no pg_catalog.pg_stat_wal" in proc.stderr
    assert proc.stdout.strip().splitlines()[-2].strip() == "0"  # the session went on
    assert any("catalog query not covered" in line for line in server.log)


# -- against PostgreSQL 15 itself

# Types that DuckDB and PostgreSQL spell alike.
REFERENCE = """
CREATE TABLE ref_t (id integer PRIMARY KEY, big bigint NOT NULL, amount numeric(12,3),
                    note text, flag boolean, day date, ts timestamp with time zone,
                    ratio double precision, nums integer[]);
"""


@pytest.mark.postgres
def test_describe_matches_postgresql(server: ServerProcess, postgres15: TempPostgres) -> None:
    postgres15.psql("CREATE SCHEMA IF NOT EXISTS pgwire_meta; SET search_path = pgwire_meta;"
                    + REFERENCE)  # fmt: skip
    try:
        psql(server, "-c", REFERENCE)
        ours = psql(server, "-A", "-c", r"\d ref_t").splitlines()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGOPTIONS"] = "-c search_path=pgwire_meta"
        theirs = subprocess.run(
            ["psql", "-X", "-A", "-d", postgres15.dsn, "-c", r"\d ref_t"],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        ).stdout.splitlines()  # fmt: skip
        # the column lines (Column|Type|Collation|Nullable|Default), defaults aside
        ours_columns = [line.split("|")[:4] for line in ours if line.count("|") == 4]
        theirs_columns = [line.split("|")[:4] for line in theirs if line.count("|") == 4]
        assert ours_columns == theirs_columns
        assert len(ours_columns) == 10  # header and nine columns
    finally:
        postgres15.psql("DROP SCHEMA pgwire_meta CASCADE")
        psql(server, "-c", "DROP TABLE IF EXISTS ref_t")
