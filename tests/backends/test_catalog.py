"""The catalog emulation (pgwire.backends.catalog): SQL rewriting, the engine on a backend-neutral
snapshot, and the DuckDB backend's catalog as clients see it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("duckdb")

from pgwire import sqlstate
from pgwire.backends.catalog import (
    CatalogEngine,
    CatalogSession,
    NotCatalog,
    is_catalog_query,
    model,
    rewrite,
)
from pgwire.backends.catalog.build import quote_ident
from pgwire.backends.catalog.model import (
    Column,
    Constraint,
    Enum,
    Function,
    Index,
    Relation,
    Schema,
    SessionState,
    Snapshot,
    stable_oid,
)
from pgwire.backends.duckdb import DuckDBHandler, DuckDBSession
from pgwire.errors import PgError
from pgwire.handler import Rows, SessionInfo
from pgwire.types import oids, registry
from tests.support.postgres import TempPostgres

# ---------------------------------------------------------------------------------------------
# which statements are catalog queries


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT d.datname FROM pg_catalog.pg_database d",
        "select relname from pg_class",
        "SELECT version()",
        "select current_user",
        "SELECT 'items'::regclass",
        "select table_name from information_schema.tables",
        "SELECT c.relname FROM t c WHERE c.relname OPERATOR(pg_catalog.~) '^a$'",
        "WITH x AS (SELECT oid FROM pg_type) SELECT * FROM x",
        "(SELECT format_type(23, -1))",
        "select pg_catalog.pg_backend_pid()",
        'SELECT 1 FROM "pg_catalog"."pg_class"',
    ],
)
def test_catalog_queries_are_recognized(sql: str) -> None:
    assert is_catalog_query(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select 1",
        "select * from items",
        "insert into items select * from pg_class",  # not a query: the backend's business
        "create table pg_class_copy (a int)",
        "select t.pg_class from t",  # a column that happens to be called so
        "select 'pg_class', 'version()'",  # in literals
        "-- select * from pg_class\nselect 1",  # in a comment
        'select "pg_class" from t',  # a quoted name of the user's
    ],
)
def test_other_statements_are_not(sql: str) -> None:
    assert not is_catalog_query(sql)


# ---------------------------------------------------------------------------------------------
# rewriting


def test_pg_catalog_qualifiers_go() -> None:
    out = rewrite(
        'SELECT pg_catalog.pg_class.relname FROM "pg_catalog"."pg_class" '
        "WHERE pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid)"
    )
    assert "pg_catalog" not in out
    assert 'pg_class.relname FROM "pg_class"' in out
    assert "pg_table_is_visible(pg_class.oid)" in out


def test_information_schema_is_the_emulations() -> None:
    out = rewrite(
        "SELECT x FROM information_schema.tables t, information_schema._pg_expandarray(a)"
    )
    assert "pgwire_information_schema.tables t" in out
    assert "_pg_expandarray(a)" in out and "information_schema._pg" not in out


def test_operator_and_collate() -> None:
    out = rewrite(
        "SELECT 1 FROM pg_class c WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' "
        "COLLATE pg_catalog.default AND c.relname <> 'x' COLLATE \"C\""
    )
    assert "OPERATOR" not in out and "COLLATE" not in out
    assert "c.relname ~ '^(t)$'" in out


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # a whole select item shows the name
        ("SELECT c.oid::regclass FROM pg_class c", 'pgwire_regclass_name(c.oid) AS "oid"'),
        ("SELECT conrelid::pg_catalog.regclass AS ontable FROM pg_constraint",
         "pgwire_regclass_name(conrelid) AS ontable"),
        # cast on to text: the name; to oid: the OID
        ("SELECT 1 FROM pg_class c ORDER BY c.oid::regclass::text",
         "pgwire_regclass_name(c.oid)::text"),
        ("WITH v AS (SELECT 'x'::regclass::oid AS o) SELECT o FROM v",
         "pgwire_regclass_oid('x')::oid"),
        # elsewhere: the OID
        ("SELECT 1 FROM pg_attribute WHERE attrelid = 'items'::regclass",
         "attrelid = pgwire_regclass_oid('items')"),
        ("SELECT 1 FROM pg_description d WHERE d.classoid = CAST('pg_class' AS REGCLASS)",
         "d.classoid = pgwire_regclass_oid('pg_class')"),
        ("SELECT CAST(CAST(attrelid AS REGCLASS) AS TEXT) FROM pg_attribute",
         "pgwire_regclass_name(attrelid)::TEXT"),
        ("SELECT typinput = 'array_in'::regproc AS is_array FROM pg_type",
         "typinput = pgwire_regproc_oid('array_in') AS is_array"),
        ("SELECT proargtypes::regtype[] FROM pg_proc", "pgwire_regtype_names(proargtypes)"),
        ("SELECT 1 FROM pg_proc p WHERE p.prorettype::regtype != 'trigger'::regtype",
         "pgwire_regtype_oid(p.prorettype) != pgwire_regtype_oid('trigger')"),
    ],
)  # fmt: skip
def test_reg_casts_by_context(sql: str, expected: str) -> None:
    assert expected in rewrite(sql)


def test_untyped_array_parameters_become_lists() -> None:
    """psycopg sends a list of str untyped ('{r,p}'): under ANY() it is a list."""
    out = rewrite(
        "SELECT 1 FROM pg_class c WHERE c.relkind = ANY('{r,p,\"\"}') AND oid = ANY('{1,2}')"
    )
    assert "ANY(['r', 'p', ''])" in out and "ANY([1, 2])" in out


def test_collate_as_a_name_stays() -> None:
    out = rewrite("SELECT d.datcollate as collate, d.datctype FROM pg_database d")
    assert "as collate, d.datctype" in out


def test_array_literals_become_lists() -> None:
    out = rewrite("SELECT 1 FROM pg_policy p WHERE p.polroles = '{0}'")
    assert "p.polroles = '[0]'" in out
    out = rewrite("SELECT 1 FROM pg_get_keywords() WHERE word <> ALL ('{a,\"b c\",NULL}'::text[])")
    assert "'[a, \"b c\", NULL]'::text[]" in out


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT version()", "version"),
        ("SELECT pg_catalog.current_database()", "current_database"),
        ("SELECT current_user", "current_user"),
        ("SELECT session_user", "session_user"),
        ("SELECT count(*) FROM pg_class", "count"),
        ("SELECT row_number() OVER (ORDER BY oid) FROM pg_class", "row_number"),
        ("SELECT 'x'::text FROM pg_class", "text"),
        ("SELECT relname::text FROM pg_class", "relname"),
        ("SELECT 1 FROM pg_class", "?column?"),
        ("SELECT NULL FROM pg_class", "?column?"),
        ("SELECT relpages + 1 FROM pg_class", "?column?"),
        ("SELECT true FROM pg_class", "bool"),
        ("SELECT CASE WHEN relpages > 0 THEN 1 END FROM pg_class", "case"),
        ("SELECT CASE WHEN relpages > 0 THEN '' ELSE relname::text END FROM pg_class", "relname"),
        ("SELECT (SELECT max(oid) FROM pg_am) FROM pg_class", "max"),
        ("SELECT (SELECT amname AS a FROM pg_am LIMIT 1) FROM pg_class", "a"),
        ("SELECT ARRAY(SELECT oid FROM pg_am) FROM pg_class", "array"),
    ],
)
def test_unnamed_items_get_postgresql_names(sql: str, name: str) -> None:
    assert f'AS "{name}"' in rewrite(sql)


def test_unquoted_aliases_fold_to_lower_case() -> None:
    out = rewrite('SELECT relname AS TABLE_NAME, relkind "Kind", CASE WHEN true THEN 1 END X '
                  "FROM pg_class")  # fmt: skip
    assert "AS table_name" in out and '"Kind"' in out and "END x" in out


def test_tableoid_is_the_catalog_relations_oid() -> None:
    out = rewrite(
        "SELECT c.tableoid, a.tableoid, (SELECT tableoid FROM pg_type LIMIT 1) "
        "FROM pg_class c JOIN pg_attribute AS a ON a.attrelid = c.oid"
    )
    assert out.count("CAST(1259 AS BIGINT)") == 1 and out.count("CAST(1249 AS BIGINT)") == 1
    assert "CAST(1247 AS BIGINT)" in out and "tableoid" not in out.replace('"tableoid"', "")


def test_named_items_keep_their_names() -> None:
    out = rewrite("SELECT version() AS v, current_schema() s, relname FROM pg_class")
    assert 'AS "' not in out


def test_special_values_become_functions() -> None:
    out = rewrite("SELECT user, current_user, session_user, current_catalog FROM pg_class")
    assert out.count("pgwire_current_user()") == 3
    assert "current_database()" in out
    # a column or a name that happens to be spelled so is left alone
    assert "u.user" in rewrite("SELECT u.user FROM pg_user u")


def test_scalar_function_in_from_becomes_one_row() -> None:
    out = rewrite("SELECT s[1] FROM generate_series(1, 2) AS i, string_to_array('a,b', ',') s")
    assert "generate_series(1, 2) AS i" in out
    assert "(SELECT string_to_array('a,b', ',') AS \"s\") AS \"s\"" in out
    # FROM inside trim(... FROM ...) is no FROM clause
    out = rewrite("SELECT trim(both '\"' from pg_get_indexdef(1, 1, false)) FROM pg_index")
    assert "from pg_get_indexdef(1, 1, false))" in out


def test_format_becomes_printf() -> None:
    out = rewrite("SELECT FORMAT('%I.%I', a, b), format('%s', c) FROM pg_class")
    assert "printf('%s.%s', a, b)" in out and "printf('%s', c)" in out


def test_quote_ident() -> None:
    assert quote_ident("items") == "items"
    assert quote_ident("Items") == '"Items"'
    assert quote_ident("select") == '"select"'  # reserved
    assert quote_ident("name") == "name"  # unreserved keyword
    assert quote_ident('a"b') == '"a""b"'


# ---------------------------------------------------------------------------------------------
# the engine, on a snapshot any backend could give

SNAPSHOT = Snapshot(
    schemas=(Schema("main"), Schema("sales", comment="the shop")),
    relations=(
        Relation(
            "main", "items", "r",
            (
                Column("id", oids.INT4, not_null=True),
                Column("name", oids.VARCHAR, 44, not_null=True, default="'x'",
                       comment="what it is"),
                Column("price", oids.NUMERIC, ((10 << 16) | 2) + 4),
                Column("tags", oids.TEXT_ARRAY),
            ),
            indexes=(Index("items_name", ("name",), unique=True),
                     Index("items_lower", ("lower(name)",))),
            constraints=(Constraint("items_pkey", model.PK, ("id",)),),
            comment="things for sale",
        ),
        Relation(
            "sales", "orders", "r",
            (Column("id", oids.INT8, not_null=True), Column("item", oids.INT4),
             Column("qty", oids.INT4)),
            constraints=(
                Constraint("orders_pkey", model.PK, ("id",)),
                Constraint("orders_item_fkey", model.FOREIGN_KEY, ("item",),
                           ref_schema="main", ref_table="items", ref_columns=("id",),
                           on_delete="c"),
                Constraint("orders_qty_check", model.CHECK, ("qty",), expression="qty > 0"),
            ),
        ),
        Relation("main", "cheap", "v", (Column("id", oids.INT4),),
                 definition=" SELECT id FROM items WHERE price < 10;"),
        Relation("main", "seq", "S"),
    ),
    functions=(
        Function("main", "add", ("a", "b"), (oids.INT4, oids.INT4), oids.INT4,
                 source="a + b", comment="adds"),
    ),
    enums=(Enum("main", "mood", ("sad", "happy")),),
    search_path=("main",),
)  # fmt: skip


@pytest.fixture
def catalog() -> Iterator[CatalogSession]:
    state = SessionState(
        "alice", "shop", 42, backend="Test 1.0", settings={"application_name": "t"}
    )
    session = CatalogEngine.shared().session(state)
    yield session
    session.close()


def q(session: CatalogSession, sql: str, snapshot: Snapshot = SNAPSHOT) -> list[tuple[Any, ...]]:
    return session.run(sql, lambda: snapshot).rows


def one(session: CatalogSession, sql: str) -> Any:
    rows = q(session, sql)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def test_session_functions(catalog: CatalogSession) -> None:
    row = one(
        catalog,
        "SELECT current_user, session_user, current_database(), current_schema(), "
        "current_schemas(true), current_schemas(false), pg_backend_pid(), "
        "current_setting('application_name'), current_setting('server_version_num')",
    )
    assert row == ("alice", "alice", "shop", "main", ["pg_catalog", "main"], ["main"], 42, "t",
                   "150000")  # fmt: skip
    assert one(catalog, "SELECT version()").startswith("PostgreSQL 15.0 (pgwire, Test 1.0)")


def test_oids_are_consistent_across_relations(catalog: CatalogSession) -> None:
    orphans = {
        "attribute": "SELECT a.attrelid FROM pg_attribute a "
                     "LEFT JOIN pg_class c ON c.oid = a.attrelid WHERE c.oid IS NULL",
        "attribute type": "SELECT a.atttypid FROM pg_attribute a "
                          "LEFT JOIN pg_type t ON t.oid = a.atttypid WHERE t.oid IS NULL",
        "class namespace": "SELECT c.oid FROM pg_class c "
                           "LEFT JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.oid IS NULL",
        "index": "SELECT i.indexrelid FROM pg_index i LEFT JOIN pg_class c ON "
                 "c.oid = i.indexrelid LEFT JOIN pg_class t ON t.oid = i.indrelid "
                 "WHERE c.oid IS NULL OR t.oid IS NULL OR c.relkind <> 'i'",
        "constraint": "SELECT x.oid FROM pg_constraint x LEFT JOIN pg_class c ON "
                      "c.oid = x.conrelid WHERE c.oid IS NULL",
        "constraint index": "SELECT x.oid FROM pg_constraint x LEFT JOIN pg_index i ON "
                            "i.indexrelid = x.conindid WHERE x.contype IN ('p', 'u', 'f') "
                            "AND i.indexrelid IS NULL",
        "foreign key": "SELECT x.oid FROM pg_constraint x LEFT JOIN pg_class c ON "
                       "c.oid = x.confrelid WHERE x.contype = 'f' AND c.oid IS NULL",
        "default": "SELECT d.adrelid FROM pg_attrdef d LEFT JOIN pg_attribute a ON "
                   "a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE a.attrelid IS NULL",
        "type namespace": "SELECT t.oid FROM pg_type t LEFT JOIN pg_namespace n ON "
                          "n.oid = t.typnamespace WHERE n.oid IS NULL",
        "enum": "SELECT e.enumtypid FROM pg_enum e LEFT JOIN pg_type t ON t.oid = e.enumtypid "
                "WHERE t.oid IS NULL",
        "array element": "SELECT t.oid FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem "
                         "WHERE t.typelem <> 0 AND e.oid IS NULL",
        "proc namespace": "SELECT p.oid FROM pg_proc p LEFT JOIN pg_namespace n ON "
                          "n.oid = p.pronamespace WHERE n.oid IS NULL",
    }  # fmt: skip
    for what, sql in orphans.items():
        assert q(catalog, sql) == [], what
    duplicates = "SELECT oid FROM pg_class GROUP BY oid HAVING count(*) > 1"
    assert q(catalog, duplicates) == []


def test_type_oids_are_postgresqls(catalog: CatalogSession) -> None:
    rows = dict(q(catalog, "SELECT typname, oid FROM pg_type WHERE typnamespace = 11"))
    names = ("bool", "int2", "int4", "int8", "text", "varchar", "numeric", "float8",
             "timestamptz", "date", "uuid", "json", "jsonb", "bytea", "_int4", "_text")  # fmt: skip
    for name in names:
        assert rows[name] == registry.by_name(name).oid, name
    columns = dict(
        q(catalog, "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = 'items'::regclass")
    )
    assert columns == {"id": oids.INT4, "name": oids.VARCHAR, "price": oids.NUMERIC,
                       "tags": oids.TEXT_ARRAY}  # fmt: skip


def test_oids_are_stable(catalog: CatalogSession) -> None:
    items = one(catalog, "SELECT oid FROM pg_class WHERE relname = 'items'")
    assert items == stable_oid("relation", "main", "items")
    other = CatalogEngine.shared().session(SessionState("bob", "shop", 43))
    try:
        assert q(other, "SELECT oid FROM pg_class WHERE relname = 'items'") == [(items,)]
    finally:
        other.close()
    assert one(catalog, "SELECT 'pg_class'::regclass::oid") == 1259
    assert one(catalog, "SELECT 'pg_catalog.pg_namespace'::regclass::oid") == 2615


def test_reg_names(catalog: CatalogSession) -> None:
    items, orders = (
        one(catalog, f"SELECT oid FROM pg_class WHERE relname = '{n}'") for n in ("items", "orders")
    )
    assert one(catalog, f"SELECT {items}::regclass") == "items"
    assert one(catalog, f"SELECT {orders}::regclass") == "sales.orders"  # not on the path
    assert one(catalog, "SELECT 'sales.orders'::regclass::oid") == orders
    assert one(catalog, "SELECT 'int4'::regtype, 1043::regtype, 'integer'::regtype::oid") == (
        "integer", "character varying", 23,
    )  # fmt: skip
    assert one(catalog, "SELECT 11::regnamespace, 10::regrole") == ("pg_catalog", "alice")
    assert one(catalog, "SELECT to_regclass('nope'), to_regclass('items') IS NOT NULL") == (
        None, True,
    )  # fmt: skip
    # A function without arguments has '{}' as its argument types (pgcli's completion).
    assert one(
        catalog,
        "SELECT proargtypes::regtype[]::text[], proallargtypes::regtype[] FROM pg_proc"
        " WHERE proname = 'pg_backend_pid'",
    ) == ([], None)


def test_definitions(catalog: CatalogSession) -> None:
    defs = dict(q(catalog, "SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint"))
    assert defs == {
        "items_pkey": "PRIMARY KEY (id)",
        "orders_pkey": "PRIMARY KEY (id)",
        "orders_item_fkey": "FOREIGN KEY (item) REFERENCES items(id) ON DELETE CASCADE",
        "orders_qty_check": "CHECK ((qty > 0))",
    }
    indexes = dict(q(catalog, "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                              "JOIN pg_class c ON c.oid = i.indexrelid"))  # fmt: skip
    assert indexes["items_pkey"] == "CREATE UNIQUE INDEX items_pkey ON main.items USING btree (id)"
    assert (
        indexes["items_lower"]
        == "CREATE INDEX items_lower ON main.items USING btree ((lower(name)))"
    )
    # main is not on this session's search_path: qualified, as PostgreSQL deparses it
    assert one(catalog, "SELECT pg_get_viewdef('cheap'::regclass, true)") == (
        " SELECT id FROM main.items WHERE price < 10;"
    )
    function = one(catalog, "SELECT pg_get_function_arguments(oid), pg_get_function_result(oid) "
                            "FROM pg_proc WHERE proname = 'add'")  # fmt: skip
    assert function == ("a integer, b integer", "integer")
    assert one(catalog, "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef") == "'x'"


def test_descriptions(catalog: CatalogSession) -> None:
    assert (
        one(catalog, "SELECT obj_description('items'::regclass, 'pg_class')") == "things for sale"
    )
    assert one(catalog, "SELECT col_description('items'::regclass, 2)") == "what it is"
    assert one(catalog, "SELECT obj_description(oid) FROM pg_proc WHERE proname = 'add'") == "adds"
    assert one(catalog, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace "
                        "WHERE nspname = 'sales'") == "the shop"  # fmt: skip


def test_format_type(catalog: CatalogSession) -> None:
    assert (
        one(
            catalog,
            "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = 'items'::regclass AND a.attname = 'price'",
        )
        == "numeric(10,2)"
    )
    enum = one(catalog, "SELECT format_type(oid, NULL) FROM pg_type WHERE typname = '_mood'")
    assert enum == "mood[]"
    assert q(catalog, "SELECT enumlabel FROM pg_enum ORDER BY enumsortorder") == [
        ("sad",), ("happy",),
    ]  # fmt: skip


FORMAT_TYPE_CASES = [(1043, 44), (1015, 44), (1700, 655366), (1700, -1), (1114, 3), (1184, 0),
                     (1266, 2), (1083, 6), (1560, 5), (1562, 9), (1042, 5), (1042, -1), (23, 5),
                     (99999, -1), (1186, -1), (25, -1)]  # fmt: skip


@pytest.mark.postgres
def test_format_type_matches_postgresql(catalog: CatalogSession, postgres15: TempPostgres) -> None:
    """Every built-in type, with no typmod, a NULL one, and typical typmods, as PostgreSQL 15
    spells them."""
    sql = (
        "SELECT t.oid, format_type(t.oid, -1), format_type(t.oid, NULL) FROM pg_type t "
        "WHERE t.typnamespace = 11 AND t.typrelid = 0 ORDER BY 1"
    )
    ours = [(int(o), a, b) for o, a, b in q(catalog, sql)]
    listed = ", ".join(str(oid) for oid, _, _ in ours)
    theirs = [
        (int(o), a, b)
        for o, a, b in (
            line.split("|")
            for line in postgres15.psql(
                sql.replace("ORDER BY", f"AND t.oid IN ({listed}) ORDER BY")
            ).splitlines()
        )
    ]
    assert len(ours) > 150
    assert ours == theirs
    calls = ", ".join(f"format_type({oid}, {typmod})" for oid, typmod in FORMAT_TYPE_CASES)
    assert "|".join(one(catalog, f"SELECT {calls}")) == postgres15.psql(f"SELECT {calls}")


def test_visibility_and_privileges(catalog: CatalogSession) -> None:
    visible = dict(q(catalog, "SELECT relname, pg_table_is_visible(oid) FROM pg_class "
                              "WHERE relname IN ('items', 'orders', 'pg_class')"))  # fmt: skip
    assert visible == {"items": True, "orders": False, "pg_class": True}
    assert one(catalog, "SELECT has_table_privilege('items', 'SELECT'), "
                        "has_schema_privilege(current_user, 'sales', 'USAGE'), "
                        "has_database_privilege(current_database(), 'CONNECT')") == (
        True, True, True,
    )  # fmt: skip


def test_information_schema(catalog: CatalogSession) -> None:
    assert q(catalog, "SELECT table_schema, table_name, table_type FROM information_schema.tables "
                      "ORDER BY 1, 2") == [
        ("main", "cheap", "VIEW"), ("main", "items", "BASE TABLE"),
        ("sales", "orders", "BASE TABLE"),
    ]  # fmt: skip
    columns = q(catalog, "SELECT column_name, data_type, is_nullable, character_maximum_length, "
                         "numeric_precision, numeric_scale, column_default, table_catalog "
                         "FROM information_schema.columns WHERE table_name = 'items' "
                         "ORDER BY ordinal_position")  # fmt: skip
    assert columns == [
        ("id", "integer", "NO", None, 32, 0, None, "shop"),
        ("name", "character varying", "NO", 40, None, None, "'x'", "shop"),
        ("price", "numeric", "YES", None, 10, 2, None, "shop"),
        ("tags", "ARRAY", "YES", None, None, None, None, "shop"),
    ]
    assert {r[0] for r in q(catalog, "SELECT schema_name FROM information_schema.schemata")} == {
        "pg_catalog", "information_schema", "main", "sales",
    }  # fmt: skip
    keys = q(catalog, "SELECT tc.constraint_type, kc.table_name, kc.column_name "
                      "FROM information_schema.table_constraints tc JOIN "
                      "information_schema.key_column_usage kc USING (constraint_name) "
                      "ORDER BY 1, 2")  # fmt: skip
    assert keys == [("FOREIGN KEY", "orders", "item"), ("PRIMARY KEY", "items", "id"),
                    ("PRIMARY KEY", "orders", "id")]  # fmt: skip


def test_settings(catalog: CatalogSession) -> None:
    rows = dict(q(catalog, "SELECT name, setting FROM pg_settings WHERE name IN "
                           "('max_index_keys', 'application_name', 'server_version', "
                           "'standard_conforming_strings')"))  # fmt: skip
    assert rows == {"max_index_keys": "32", "application_name": "t", "server_version": "15.0",
                    "standard_conforming_strings": "on"}  # fmt: skip
    catalog.set_setting("application_name", "changed")
    assert one(catalog, "SELECT current_setting('application_name')") == "changed"


def test_a_new_snapshot_is_loaded(catalog: CatalogSession) -> None:
    assert q(catalog, "SELECT relname FROM pg_class WHERE relname = 'extra'") == []
    more = Snapshot(SNAPSHOT.schemas, (*SNAPSHOT.relations, Relation("main", "extra")),
                    search_path=("main",))  # fmt: skip
    assert q(catalog, "SELECT relname FROM pg_class WHERE relname = 'extra'", more) == [("extra",)]
    # another session's snapshot is its own
    other = CatalogEngine.shared().session(SessionState("bob", "shop", 43))
    try:
        assert q(other, "SELECT relname FROM pg_class WHERE relname = 'extra'") == []
        assert q(catalog, "SELECT relname FROM pg_class WHERE relname = 'extra'", more) == [
            ("extra",)
        ]
    finally:
        other.close()


# -- what the emulation does not cover: PostgreSQL's errors, logged


@pytest.mark.parametrize(
    ("sql", "code", "named"),
    [
        ("SELECT * FROM pg_catalog.pg_stat_wal", sqlstate.UNDEFINED_TABLE,
         'relation "pg_catalog.pg_stat_wal" does not exist'),
        ("SELECT pg_catalog.pg_current_wal_lsn() FROM pg_class", sqlstate.UNDEFINED_FUNCTION,
         "function pg_current_wal_lsn() does not exist"),
        ("SELECT 'x'::pg_catalog.pg_brin_bloom_summary FROM pg_class", sqlstate.UNDEFINED_OBJECT,
         'type "pg_brin_bloom_summary" does not exist'),
        ("SELECT relnothere FROM pg_class", sqlstate.UNDEFINED_COLUMN,
         'column "relnothere" does not exist'),
    ],
)  # fmt: skip
def test_uncovered_queries_fail_clearly_and_are_logged(
    catalog: CatalogSession, caplog: pytest.LogCaptureFixture, sql: str, code: str, named: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="pgwire.catalog"), pytest.raises(PgError) as info:
        q(catalog, sql)
    assert info.value.sqlstate == code
    assert info.value.message == named
    assert any(sql in record.getMessage() for record in caplog.records)
    # the session goes on
    assert one(catalog, "SELECT count(*) > 0 FROM pg_class") is True


def test_a_query_of_other_tables_is_not_the_catalogs(catalog: CatalogSession) -> None:
    with pytest.raises(NotCatalog):
        q(catalog, "SELECT version(), count(*) FROM my_table")


# ---------------------------------------------------------------------------------------------
# the DuckDB backend's catalog

DUCKDB_SETUP = [
    "CREATE TYPE mood AS ENUM ('sad', 'happy')",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x', "
    "price DECIMAL(10,2), tags VARCHAR[], created TIMESTAMPTZ, m mood, flag BOOLEAN, "
    "f DOUBLE, d DATE, u UUID, b BLOB, h HUGEINT, j JSON)",
    "CREATE UNIQUE INDEX items_name ON items (name)",
    "CREATE TABLE orders (id BIGINT PRIMARY KEY, item INTEGER REFERENCES items (id), "
    "qty INTEGER CHECK (qty > 0))",
    "CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10",
    "COMMENT ON TABLE items IS 'things for sale'",
    "COMMENT ON COLUMN items.name IS 'what it is'",
    "CREATE MACRO add_one(x) AS x + 1",
    "CREATE SCHEMA extra",
    "CREATE TABLE extra.t2 (a INTEGER)",
    "CREATE SEQUENCE seq",
]


def run(body: Callable[[DuckDBSession, DuckDBHandler], Awaitable[None]]) -> None:
    async def main() -> None:
        handler = DuckDBHandler()
        session = await handler.connect(SessionInfo("tester", "testdb", 7, parameters={}))
        try:
            for statement in DUCKDB_SETUP:
                await session.query(statement)
            await asyncio.wait_for(body(session, handler), 60)
        finally:
            await session.close()
            handler.shutdown()

    asyncio.run(main())


async def rows_of(session: DuckDBSession, sql: str) -> tuple[Rows, list[tuple[Any, ...]]]:
    result = await session.query(sql)
    assert isinstance(result, Rows), result
    rows = [tuple(r) for r in result.rows]
    if result.batches is not None:
        async for batch in result.batches:
            rows.extend(tuple(r) for r in batch)
    return result, rows


async def fetch(session: DuckDBSession, sql: str) -> list[tuple[Any, ...]]:
    return (await rows_of(session, sql))[1]


def test_duckdb_catalog_matches_row_descriptions() -> None:
    """A column's pg_attribute type is the type its RowDescription gives."""

    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        described, _ = await rows_of(session, "SELECT * FROM items")
        catalog = await fetch(
            session,
            "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'items' ORDER BY attnum",
        )
        assert [(c.name, c.type_oid) for c in described.columns] == [
            (name, oid) for name, oid, _, _ in catalog
        ]
        assert [row[3] for row in catalog][:3] == [True, True, False]
        types = dict(
            await fetch(
                session,
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'items'::regclass",
            )
        )
        assert types["price"] == "numeric(10,2)"
        assert types["created"] == "timestamp with time zone"
        assert types["tags"] == "text[]"

    run(body)


def test_duckdb_catalog_content() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        relations = await fetch(
            session,
            "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'extra') ORDER BY 1, 2",
        )
        assert relations == [
            ("extra", "t2", "r"), ("public", "cheap", "v"), ("public", "items", "r"),
            ("public", "items_name", "i"), ("public", "items_pkey", "i"),
            ("public", "orders", "r"), ("public", "orders_pkey", "i"), ("public", "seq", "S"),
        ]  # fmt: skip
        constraints = dict(
            await fetch(session, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint")
        )
        assert constraints == {
            "items_pkey": "PRIMARY KEY (id)",
            "orders_pkey": "PRIMARY KEY (id)",
            "orders_item_fkey": "FOREIGN KEY (item) REFERENCES items(id)",
            "orders_qty_check": "CHECK ((qty > 0))",
        }
        assert await fetch(
            session,
            "SELECT obj_description('items'::regclass), col_description('items'::regclass, 2)",
        ) == [("things for sale", "what it is")]
        assert await fetch(session, "SELECT enumlabel FROM pg_enum ORDER BY enumsortorder") == [
            ("sad",), ("happy",),
        ]  # fmt: skip
        assert await fetch(
            session, "SELECT proname, pg_get_function_arguments(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        ) == [("add_one", 'x "any"')]  # fmt: skip
        assert await fetch(
            session, "SELECT current_database(), current_user, current_schema()"
        ) == [("testdb", "tester", "public")]
        view = await fetch(session, "SELECT pg_get_viewdef('cheap'::regclass)")
        assert "WHERE (price < 10)" in view[0][0]

    run(body)


def test_duckdb_catalog_sees_the_sessions_transaction() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        other = await handler.connect(SessionInfo("tester", "testdb", 8))
        try:
            find = "SELECT relname FROM pg_class WHERE relname = 'fresh'"
            await session.query("BEGIN")
            await session.query("CREATE TABLE fresh (a INTEGER)")
            assert await fetch(session, find) == [("fresh",)]
            assert await fetch(other, find) == []  # not committed
            await session.query("ROLLBACK")
            assert await fetch(session, find) == []
            await session.query("CREATE TEMP TABLE scratch (a INTEGER)")
            assert await fetch(
                session,
                "SELECT n.nspname, pg_table_is_visible(c.oid) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relname = 'scratch'",
            ) == [("temp", True)]
            assert await fetch(
                other, "SELECT count(*) FROM pg_class WHERE relname = 'scratch'"
            ) == [(0,)]
        finally:
            await other.close()

    run(body)


def test_duckdb_catalog_errors_leave_the_session_working() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        await session.query("BEGIN")
        await session.query("INSERT INTO items (id, name) VALUES (1, 'a')")
        with pytest.raises(PgError) as info:
            await session.query("SELECT * FROM pg_catalog.pg_stat_wal")
        assert info.value.sqlstate == sqlstate.UNDEFINED_TABLE
        # the backend's transaction is untouched by the catalog's error
        assert await fetch(session, "SELECT count(*) FROM items") == [(1,)]
        await session.query("COMMIT")
        assert await fetch(session, "SELECT count(*) FROM items") == [(1,)]

    run(body)


def test_duckdb_queries_of_its_own_tables_run_as_before() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        # version() reads the catalog's, but items is the client's: DuckDB answers it all
        rows = await fetch(session, "SELECT version() AS v, count(*) FROM items")
        assert rows[0][1] == 0
        assert await session.describe("SELECT * FROM pg_catalog.pg_class", []) is None

    run(body)


def test_duckdb_session_parameters_reach_the_catalog() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        await session.set_parameter("application_name", "reporter")
        assert await fetch(session, "SELECT current_setting('application_name')") == [("reporter",)]

    run(body)


def test_catalog_column_types(catalog: CatalogSession) -> None:
    """Catalog columns carry PostgreSQL's types: "char" (asyncpg reads it as bytes), name,
    int2vector/oidvector (also renamed), oid, regproc, oid[]; expressions keep DuckDB's."""
    result = catalog.run(
        "SELECT t.typtype AS kind, relkind, i.indkey, i.indkey AS keys, t.typname, t.oid, "
        "t.typinput, c.relnamespace AS ns, p.proargtypes, p.proallargtypes, "
        "t.typname || 'x' AS label, t.oid + 1 AS next, count(*) OVER () AS n "
        "FROM pg_type t, pg_class c, pg_index i, pg_proc p LIMIT 1",
        lambda: SNAPSHOT,
    )
    assert [c.type_oid for c in result.columns] == [
        oids.CHAR, oids.CHAR, oids.INT2VECTOR, oids.INT2VECTOR, oids.NAME, oids.OID,
        oids.REGPROC, oids.OID, oids.OIDVECTOR, oids.OID_ARRAY, oids.TEXT, oids.INT8, oids.INT8,
    ]  # fmt: skip
    assert registry.encoder(oids.INT2VECTOR)([1, 2]) == b"1 2"


def test_catalog_types_through_subqueries(catalog: CatalogSession) -> None:
    """A column keeps its catalog type through aliases, subqueries, CTEs, CASE, coalesce,
    array_agg, casts and catalog functions; an alias defined with other types does not."""
    result = catalog.run(
        "WITH x AS (SELECT t.oid AS id, t.typdelim AS delim, t.typelem FROM pg_type t) "
        "SELECT x.id, x.delim, coalesce(x.typelem, NULL) AS elem, "
        "CASE WHEN x.id > 0 THEN (SELECT array_agg(a.atttypid ORDER BY a.attnum) "
        "FROM pg_attribute a) ELSE NULL END AS atts, "
        "x.id::regtype::text AS tname, format_type(x.id, NULL) AS spelled, "
        "pg_get_userbyid(10) AS owner, CAST(x.id AS oid) AS cast_id, "
        "(SELECT 1 AS id) AS one, x.typelem "
        "FROM x LIMIT 1",
        lambda: SNAPSHOT,
    )
    assert {c.name: c.type_oid for c in result.columns} == {
        "id": oids.INT8,  # `1 AS id` too: not known, DuckDB's type
        "delim": oids.CHAR, "elem": oids.OID, "atts": oids.OID_ARRAY, "tname": oids.TEXT,
        "spelled": oids.TEXT, "owner": oids.NAME, "cast_id": oids.OID, "one": oids.INT4,
        "typelem": oids.OID,
    }  # fmt: skip


def test_duckdb_settings_reach_pg_settings() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        [(threads,)] = await fetch(
            session, "SELECT value FROM duckdb_settings() WHERE name = 'threads'"
        )
        assert await fetch(session, "SELECT current_setting('threads')") == [(threads,)]
        assert await fetch(
            session, "SELECT setting, category FROM pg_settings WHERE name = 'threads'"
        ) == [(threads, "Backend Options")]
        # PostgreSQL's parameters have pgwire's defaults where the client set none
        assert await fetch(session, "SELECT current_setting('TimeZone')") == [("UTC",)]

    run(body)


def test_duckdb_read_only_database_has_a_catalog(tmp_path: Path) -> None:
    import duckdb

    path = str(tmp_path / "ro.duckdb")
    with duckdb.connect(path) as conn:
        conn.execute("CREATE TABLE kept (a INTEGER PRIMARY KEY, b VARCHAR)")

    async def main() -> None:
        handler = DuckDBHandler(path, read_only=True)
        session = await handler.connect(SessionInfo("tester", "ro", 9))
        try:
            assert await fetch(
                session,
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
                "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                "WHERE c.relname = 'kept' ORDER BY a.attnum",
            ) == [("kept", "a", "integer"), ("kept", "b", "text")]
        finally:
            await session.close()
            handler.shutdown()

    asyncio.run(main())


def test_duckdb_catalog_queries_from_many_sessions_at_once() -> None:
    async def body(session: DuckDBSession, handler: DuckDBHandler) -> None:
        sessions = [
            await handler.connect(SessionInfo(f"user{n}", "testdb", 100 + n)) for n in range(16)
        ]
        try:
            query = (
                "SELECT current_user, a.attname FROM pg_attribute a JOIN pg_class c "
                "ON c.oid = a.attrelid WHERE c.relname = 'orders' ORDER BY a.attnum"
            )
            for _ in range(2):  # one statement at a time per session, as the front end runs them
                results = await asyncio.gather(*(fetch(s, query) for s in sessions))
                for n, rows in enumerate(results):
                    assert rows == [(f"user{n}", name) for name in ("id", "item", "qty")]
        finally:
            for s in sessions:
                await s.close()

    run(body)
