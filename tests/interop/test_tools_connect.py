"""What database tools send on connect and to browse, against `pgwire serve` on DuckDB.

- pgjdbc's DatabaseMetaData (getTables, getColumns, getPrimaryKeys, ...), run by
  tests/interop/java/JdbcMetaCheck.java (compiled like JdbcCheck.java in test_jdbc.py);
- SQLAlchemy 2's inspector over psycopg 3;
- DBeaver's, Metabase's, Grafana's and pgcli's catalog queries, as their source code writes them
  (tests/fixtures/catalog_queries), and the captured psql/pgjdbc/SQLAlchemy ones, each sent
  through psycopg over the extended query protocol (Parse, Describe, Execute).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail
from tests.fixtures.catalog_queries import OID_OF, PLACEHOLDER, SETUP, Statement, load_all
from tests.support.server import ServerProcess

pytestmark = pytest.mark.interop

psycopg = pytest.importorskip("psycopg")

JAVA_SOURCE = Path(__file__).resolve().parent / "java" / "JdbcMetaCheck.java"
JAR = Path(os.environ.get("PGWIRE_PGJDBC_JAR", "/usr/share/java/postgresql.jar"))


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as found:
        with psycopg.connect(found.dsn, autocommit=True) as conn:
            for statement in SETUP:
                conn.execute(statement)
        yield found


# ---------------------------------------------------------------------------------------------
# pgjdbc DatabaseMetaData


@pytest.fixture(scope="module")
def jdbc_meta(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        skip_or_fail("java and javac are not installed (Debian: openjdk-17-jdk-headless)")
    if not JAR.is_file():
        skip_or_fail(f"pgjdbc is not installed: no {JAR} (Debian: libpostgresql-jdbc-java)")
    assert java is not None and javac is not None
    classes = tmp_path_factory.mktemp("jdbc-meta-classes")
    compiled = subprocess.run(
        [javac, "-encoding", "UTF-8", "-d", str(classes), "-cp", str(JAR), str(JAVA_SOURCE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert compiled.returncode == 0, f"javac failed:\n{compiled.stdout}\n{compiled.stderr}"
    url = f"jdbc:postgresql://127.0.0.1:{server.port}/testdb"
    proc = subprocess.run(
        [java, "-cp", f"{JAR}{os.pathsep}{classes}", "JdbcMetaCheck", url, "public", "setup"],
        capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=120,
    )  # fmt: skip
    results: dict[str, str] = {}
    rows: dict[str, list[dict[str, str]]] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("ok "):
            results[line[3:]] = "ok"
        elif line.startswith("FAIL "):
            name, _, why = line[5:].partition(": ")
            results[name] = why
        elif line.startswith("row "):
            call, _, fields = line[4:].partition(": ")
            rows.setdefault(call, []).append(
                dict(field.split("=", 1) for field in fields.split("|"))
            )
    return {"returncode": proc.returncode, "results": results, "rows": rows,
            "output": proc.stdout + proc.stderr}  # fmt: skip


JDBC_CALLS = ["getCatalogs", "getSchemas", "getTableTypes", "getTables", "getTablesAll",
              "getColumns", "getPrimaryKeys", "getIndexInfo", "getImportedKeys",
              "getExportedKeys", "getFunctions", "getTypeInfo"]  # fmt: skip


@pytest.mark.parametrize("call", JDBC_CALLS)
def test_jdbc_metadata_call_succeeds(jdbc_meta: dict[str, Any], call: str) -> None:
    assert jdbc_meta["results"].get(call) == "ok", jdbc_meta["output"]


def test_jdbc_get_tables(jdbc_meta: dict[str, Any]) -> None:
    tables = [(r["TABLE_SCHEM"], r["TABLE_NAME"], r["TABLE_TYPE"])
              for r in jdbc_meta["rows"]["getTables"]]  # fmt: skip
    assert tables == [("public", "meta_items", "TABLE"), ("public", "meta_orders", "TABLE")]
    catalogs = [r["TABLE_CAT"] for r in jdbc_meta["rows"]["getCatalogs"]]
    assert catalogs == ["testdb"]
    schemas = {r["TABLE_SCHEM"] for r in jdbc_meta["rows"]["getSchemas"]}
    assert {"public", "information_schema", "pg_catalog"} <= schemas


def test_jdbc_get_columns(jdbc_meta: dict[str, Any]) -> None:
    columns = {r["COLUMN_NAME"]: r for r in jdbc_meta["rows"]["getColumns"]}
    assert list(columns) == ["id", "name", "price"]
    assert (columns["id"]["TYPE_NAME"], columns["id"]["DATA_TYPE"], columns["id"]["NULLABLE"]) == (
        "int4", "4", "0",
    )  # fmt: skip
    assert (columns["name"]["TYPE_NAME"], columns["name"]["IS_NULLABLE"]) == ("text", "NO")
    price = columns["price"]
    assert (price["TYPE_NAME"], price["COLUMN_SIZE"], price["DECIMAL_DIGITS"]) == (
        "numeric", "10", "2",
    )  # fmt: skip
    assert price["COLUMN_DEF"] == "0" and price["IS_NULLABLE"] == "YES"


def test_jdbc_get_primary_and_foreign_keys(jdbc_meta: dict[str, Any]) -> None:
    [key] = jdbc_meta["rows"]["getPrimaryKeys"]
    assert (key["TABLE_NAME"], key["COLUMN_NAME"], key["KEY_SEQ"]) == ("meta_items", "id", "1")
    [imported] = jdbc_meta["rows"]["getImportedKeys"]
    assert (imported["FKTABLE_NAME"], imported["FKCOLUMN_NAME"], imported["PKTABLE_NAME"],
            imported["PKCOLUMN_NAME"]) == ("meta_orders", "item", "meta_items", "id")  # fmt: skip
    assert jdbc_meta["rows"]["getExportedKeys"] == jdbc_meta["rows"]["getImportedKeys"]
    [index] = jdbc_meta["rows"]["getIndexInfo"]
    assert (index["INDEX_NAME"], index["NON_UNIQUE"], index["COLUMN_NAME"]) == (
        key["PK_NAME"], "f", "id",
    )  # fmt: skip


def test_jdbc_type_info_lists_postgresql_types(jdbc_meta: dict[str, Any]) -> None:
    names = {r["TYPE_NAME"] for r in jdbc_meta["rows"]["getTypeInfo"]}
    assert {"int4", "text", "numeric", "timestamptz", "_int4", "bool"} <= names


# ---------------------------------------------------------------------------------------------
# SQLAlchemy 2


@pytest.fixture(params=["server-side binding", "client-side binding"])
def inspector(server: ServerProcess, request: pytest.FixtureRequest) -> Iterator[Any]:
    """SQLAlchemy's inspector over psycopg, binding parameters both ways (its reflection sends
    `CAST($1 AS REGCLASS)` with a table name)."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    url = f"postgresql+psycopg://tester@127.0.0.1:{server.port}/testdb"
    connect_args = {}
    if request.param == "client-side binding":
        connect_args = {"cursor_factory": psycopg.ClientCursor}
    engine = sqlalchemy.create_engine(url, connect_args=connect_args)
    try:
        yield sqlalchemy.inspect(engine)
    finally:
        engine.dispose()


def test_sqlalchemy_inspect_tables(inspector: Any) -> None:
    assert inspector.default_schema_name == "public"
    assert {"public", "extra", "information_schema"} <= set(inspector.get_schema_names())
    assert set(inspector.get_table_names()) >= {"items", "orders"}
    assert inspector.get_view_names() == ["cheap"]
    assert inspector.has_table("items") and not inspector.has_table("nope")
    assert inspector.get_table_comment("items") == {"text": "things for sale"}


def test_sqlalchemy_inspect_columns(inspector: Any) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    columns = {c["name"]: c for c in inspector.get_columns("items")}
    assert list(columns) == ["id", "name", "price", "tags", "created", "m"]
    assert isinstance(columns["id"]["type"], sqlalchemy.INTEGER)
    assert not columns["id"]["nullable"] and not columns["name"]["nullable"]
    assert columns["name"]["default"] == "'x'"
    price = columns["price"]["type"]
    assert isinstance(price, sqlalchemy.NUMERIC) and (price.precision, price.scale) == (10, 2)
    assert isinstance(columns["created"]["type"], sqlalchemy.TIMESTAMP)
    assert columns["created"]["type"].timezone


def test_sqlalchemy_inspect_keys_and_indexes(inspector: Any) -> None:
    assert inspector.get_pk_constraint("items")["constrained_columns"] == ["id"]
    [fk] = inspector.get_foreign_keys("orders")
    assert (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
        ["item"], "items", ["id"],
    )  # fmt: skip
    [index] = inspector.get_indexes("items")
    assert (index["name"], index["unique"], index["column_names"]) == ("items_name", True, ["name"])


def test_sqlalchemy_default_configuration(server: ServerProcess) -> None:
    """The default engine probes for hstore at first connect inside a SAVEPOINT (psycopg's
    TypeInfo.fetch): DuckDB has none, the front end keeps it, and the probe finds no hstore."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    engine = sqlalchemy.create_engine(f"postgresql+psycopg://tester@127.0.0.1:{server.port}/testdb")
    try:
        with engine.connect() as connection:
            assert connection.dialect._has_native_hstore is False
            assert connection.exec_driver_sql("SELECT 41 + 1").scalar() == 42
        inspector = sqlalchemy.inspect(engine)
        assert inspector.get_pk_constraint("items")["constrained_columns"] == ["id"]
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# every captured or collected tool query, over the wire

# Not catalog queries, with what keeps them from working today.
_OUTSIDE = {
    'savepoint "_pg3_1"': "captured inside a transaction block; alone it is 25P01",
    'release "_pg3_1"': "captured inside a transaction block; alone it is 25P01",
}


@pytest.fixture(scope="module")
def connection(server: ServerProcess) -> Iterator[Any]:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        yield conn


def _resolve(connection: Any, sql: str) -> str:
    for kind, name in set(PLACEHOLDER.findall(sql)):
        query = OID_OF[kind].replace("$1", "%(name)s")
        found = connection.execute(query, {"name": name}).fetchone()
        sql = sql.replace(f"{{{{{kind}:{name}}}}}", str(found[0]))
    return sql


CASES = [pytest.param(statement, id=statement.name) for statement in load_all()]


@pytest.mark.parametrize("statement", CASES)
def test_tool_query_over_the_wire(connection: Any, statement: Statement) -> None:
    sql = _resolve(connection, statement.with_literals())
    reason = _OUTSIDE.get(" ".join(sql.lower().split()))
    if reason is not None:
        pytest.skip(reason)
    cursor = connection.execute(sql)
    if cursor.description is not None:
        cursor.fetchall()


# ---------------------------------------------------------------------------------------------
# pgcli itself, driven in tmux (optional: pgcli is no test dependency)


def test_pgcli_browses(server: ServerProcess, tmp_path: Path) -> None:
    import time

    pgcli = os.environ.get("PGWIRE_PGCLI") or shutil.which("pgcli")
    tmux = shutil.which("tmux")
    if pgcli is None or tmux is None:
        pytest.skip("optional: pgcli (PGWIRE_PGCLI=path) and tmux")
    name = f"pgwire-pgcli-{os.getpid()}"
    command = (f"HOME={tmp_path} {pgcli} -h 127.0.0.1 -p {server.port} -U tester testdb "
               "--less-chatty")  # fmt: skip
    subprocess.run([tmux, "new-session", "-d", "-s", name, "-x", "200", "-y", "60", command],
                   check=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30

        def screen() -> str:
            return subprocess.run(
                [tmux, "capture-pane", "-t", name, "-p", "-S", "-300"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip

        while "testdb>" not in screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        for keys in (r"\dt", r"\d orders", r"\l"):
            subprocess.run([tmux, "send-keys", "-t", name, keys, "Enter"], check=True)
            time.sleep(1.5)
        shown = screen()
    finally:
        subprocess.run([tmux, "kill-session", "-t", name], capture_output=True)
    assert "| public | items  | table | tester |" in shown, shown
    assert '"orders_item_fkey" FOREIGN KEY (item) REFERENCES items(id)' in shown, shown
    assert "| testdb | tester | UTF8" in shown, shown
    assert "Traceback" not in shown and "ERROR" not in shown, shown
    assert not [line for line in server.log if "catalog query not covered" in line]
