"""SQLAlchemy's CREATE TABLE and Alembic's ALTER TABLE operations on DuckDB, side by side with
PostgreSQL 15: the DDL runs, and the tables then behave alike (identity, keys, checks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")
sqlalchemy = pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

from alembic.migration import MigrationContext  # noqa: E402
from alembic.operations import Operations  # noqa: E402
from sqlalchemy import (  # noqa: E402
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB  # noqa: E402

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop


@pytest.fixture(params=["pgwire", "postgres"])
def engine(request: pytest.FixtureRequest, duckdb_server: ServerProcess) -> Iterator[Any]:
    server: ServerProcess | TempPostgres = (
        request.getfixturevalue("postgres15") if request.param == "postgres" else duckdb_server
    )
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(server.dsn)
    )
    try:
        yield engine
    finally:
        engine.dispose()


def sqlstate_of(engine: Any, sql: str, **params: Any) -> str:
    with pytest.raises(sqlalchemy.exc.DBAPIError) as info, engine.begin() as conn:
        conn.execute(text(sql), params)
    return str(info.value.orig.sqlstate)


def test_sqlalchemy_tables_and_alembic_operations(engine: Any) -> None:
    metadata = MetaData()
    Table(
        "sa_parent", metadata,
        Column("id", Integer, Identity(always=True), primary_key=True),
        Column("name", String(50), nullable=False, unique=True),
    )  # fmt: skip
    Table(
        "sa_child", metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("parent_id", ForeignKey("sa_parent.id"), nullable=False),
        Column("doc", JSONB),
        Column("qty", Integer, CheckConstraint("qty > 0")),
        Index("ix_child_parent", "parent_id"),
    )  # fmt: skip
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        op.add_column("sa_child", Column("note", String(20), server_default="n"))
        op.create_index("ix_child_note", "sa_child", ["note"])
        op.alter_column("sa_child", "note", existing_type=String(20), nullable=False)
        op.create_unique_constraint("uq_child_note", "sa_child", ["note", "parent_id"])
        op.create_check_constraint("ck_qty_small", "sa_child", "qty < 1000")
        op.alter_column("sa_child", "note", new_column_name="remark")
        op.alter_column("sa_child", "remark", type_=String(40), existing_type=String(20))
        op.add_column("sa_child", Column("gone", Integer))
        op.drop_column("sa_child", "gone")
    with engine.begin() as conn:
        parent = conn.execute(
            text("insert into sa_parent (name) values ('p') returning id")
        ).scalar_one()
        assert parent == 1
        conn.execute(
            text("insert into sa_child (parent_id, doc, qty) values (:p, :d, 5)"),
            {"p": parent, "d": '{"a": 1}'},
        )
        row = conn.execute(text("select parent_id, qty, remark from sa_child")).one()
        assert tuple(row) == (1, 5, "n")
    assert sqlstate_of(engine, "insert into sa_parent (id, name) values (5, 'q')") == "428C9"
    assert sqlstate_of(engine, "insert into sa_child (parent_id, qty) values (9, 5)") == "23503"
    for qty in (0, 5000):  # the column's CHECK and Alembic's
        insert = f"insert into sa_child (parent_id, qty, remark) values (1, {qty}, 'z')"
        assert sqlstate_of(engine, insert) == "23514"
    assert sqlstate_of(engine, "insert into sa_child (parent_id, qty) values (1, 6)") == "23505"
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        op.drop_index("ix_child_note", table_name="sa_child")
        op.drop_column("sa_child", "remark")  # the unique constraint on it goes too
        conn.execute(text("insert into sa_child (parent_id, qty) values (1, 6)"))
    inspector = sqlalchemy.inspect(engine)
    keys = inspector.get_foreign_keys("sa_child")
    assert [(k["constrained_columns"], k["referred_table"]) for k in keys] == [
        (["parent_id"], "sa_parent")
    ]
    assert [i["column_names"] for i in inspector.get_indexes("sa_child")] == [["parent_id"]]
    metadata.drop_all(engine)
