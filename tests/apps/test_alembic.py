"""Alembic: a migrations directory made by the test, three revisions upgraded one by one and
downgraded to base through `alembic.command`, the schema inspected after each step.

r1 creates two tables joined by a foreign key, r2 adds a column with a server default and an
index on it, r3 alters columns (type, nullability). Alembic runs each command's revisions in
one transaction (PostgreSQL's DDL is transactional) and keeps `alembic_version`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.apps.conftest import App

sqlalchemy = pytest.importorskip("sqlalchemy")
alembic_command = pytest.importorskip("alembic.command")
alembic_config = pytest.importorskip("alembic.config")

pytestmark = pytest.mark.interop

ENV = """\
import sqlalchemy as sa
from alembic import context

engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""

REVISIONS = {
    "r1": (
        None,
        """
        op.create_table(
            "customer",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(40), nullable=False),
        )
        op.create_table(
            "purchase",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
            sa.Column("total", sa.Numeric(10, 2)),
        )
        """,
        """
        op.drop_table("purchase")
        op.drop_table("customer")
        """,
    ),
    "r2": (
        "r1",
        """
        op.add_column(
            "purchase",
            sa.Column("status", sa.String(10), nullable=False, server_default="new"),
        )
        op.create_index("ix_purchase_status", "purchase", ["status"])
        """,
        """
        op.drop_index("ix_purchase_status", table_name="purchase")
        op.drop_column("purchase", "status")
        """,
    ),
    "r3": (
        "r2",
        """
        op.alter_column("customer", "name", type_=sa.String(100),
                        existing_type=sa.String(40), existing_nullable=False)
        op.alter_column("purchase", "total", nullable=False,
                        existing_type=sa.Numeric(10, 2))
        """,
        """
        op.alter_column("purchase", "total", nullable=True,
                        existing_type=sa.Numeric(10, 2))
        op.alter_column("customer", "name", type_=sa.String(40),
                        existing_type=sa.String(100), existing_nullable=False)
        """,
    ),
}


def write_migrations(root: Path) -> None:
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(ENV)
    (root / "script.py.mako").write_text("")  # only `alembic revision` reads it
    for name, (down, upgrade, downgrade) in REVISIONS.items():
        (root / "versions" / f"{name}.py").write_text(
            "from alembic import op\nimport sqlalchemy as sa\n\n"
            f"revision = {name!r}\ndown_revision = {down!r}\n"
            "branch_labels = None\ndepends_on = None\n\n"
            f"def upgrade():\n{textwrap.indent(textwrap.dedent(upgrade), '    ')}\n"
            f"def downgrade():\n{textwrap.indent(textwrap.dedent(downgrade), '    ')}\n"
        )


@pytest.fixture
def migrations(app: App, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """(alembic Config, SQLAlchemy engine) over a fresh migrations directory."""
    write_migrations(tmp_path / "migrations")
    config = alembic_config.Config()
    config.set_main_option("script_location", str(tmp_path / "migrations"))
    config.set_main_option("sqlalchemy.url", app.url())
    engine = sqlalchemy.create_engine(app.url())
    try:
        yield config, engine
    finally:
        with engine.begin() as conn:  # whatever a failed step left behind
            for table in ("purchase", "customer", "alembic_version"):
                conn.execute(sqlalchemy.text(f"drop table if exists {table}"))
        engine.dispose()


def schema(app: App, engine: Any) -> dict[str, Any]:
    """What the inspector sees: per table, columns as (name, type, nullable, default),
    foreign keys as (columns, referred table, referred columns), indexes as (name, columns,
    unique); and the version alembic recorded. One query each for all tables
    (`get_multi_*`): SQLAlchemy's column query costs the catalog emulation about a second."""
    inspector = sqlalchemy.inspect(engine)
    columns = inspector.get_multi_columns()
    foreign_keys = inspector.get_multi_foreign_keys()
    indexes = inspector.get_multi_indexes()
    found: dict[str, Any] = {}
    for key in sorted(columns, key=lambda k: k[1]):
        table = key[1]
        if table == "alembic_version":
            continue
        found[table] = {
            "columns": [
                (
                    c["name"],
                    type_name(app, c["type"]),
                    c["nullable"],
                    serial_default(app, table, c["default"]) if c["name"] == "id" else c["default"],
                )
                for c in columns[key]
            ],
            "foreign_keys": [
                (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in foreign_keys.get(key, [])
            ],
            "indexes": [
                (ix["name"], ix["column_names"], ix["unique"]) for ix in indexes.get(key, [])
            ],
        }
    with engine.connect() as conn:
        versions = (
            conn.execute(sqlalchemy.text("select version_num from alembic_version")).scalars()
            if any(k[1] == "alembic_version" for k in columns)
            else []
        )
        found["version"] = list(versions)
    return found


def type_name(app: App, kind: Any) -> str:
    """A column's type as the migration wrote it: "int", "varchar(n)", "numeric(p,s)".

    DuckDB keeps no length for VARCHAR (any varchar(n) is its VARCHAR, shown as text), and
    SQLite's serial key is its 64-bit rowid (shown as bigint): those count as written."""
    if isinstance(kind, sqlalchemy.Integer):
        return "int"
    if isinstance(kind, sqlalchemy.Numeric):
        return f"numeric({kind.precision},{kind.scale})"
    if isinstance(kind, sqlalchemy.String):
        if kind.length is None and app.backend == "duckdb":
            return "varchar"
        return f"varchar({kind.length})"
    return repr(kind)


def varchar(app: App, length: int) -> str:
    return "varchar" if app.backend == "duckdb" else f"varchar({length})"


def customer(app: App, name_length: int) -> dict[str, Any]:
    return {
        "columns": [
            ("id", "int", False, default_of(app, "customer")),
            ("name", varchar(app, name_length), False, None),
        ],
        "foreign_keys": [],
        "indexes": [],
    }


def purchase(app: App, *, status: bool, total_nullable: bool) -> dict[str, Any]:
    columns = [
        ("id", "int", False, default_of(app, "purchase")),
        ("customer_id", "int", False, None),
        ("total", "numeric(10,2)", total_nullable, None),
    ]
    if status:
        columns.append(("status", varchar(app, 10), False, "'new'"))
    return {
        "columns": columns,
        "foreign_keys": [(["customer_id"], "customer", ["id"])],
        "indexes": [("ix_purchase_status", ["status"], False)] if status else [],
    }


def default_of(app: App, table: str) -> str | None:
    """A serial key's default: nextval of its sequence (PostgreSQL's spelling adds
    ::regclass); SQLite's rowid key has none."""
    if app.backend == "sqlite":
        return None
    return f"nextval('{table}_id_seq')"


def serial_default(app: App, table: str, default: str | None) -> str | None:
    """The id column's default as `default_of` spells it, when it is one of the ways a
    serial key is shown: nextval of `<table>_id_seq` in any case, or none on SQLite."""
    if default is not None and default.lower() == f"nextval('{table}_id_seq')":
        return default_of(app, table)
    if default is None and app.backend == "sqlite":
        return default_of(app, table)
    return default


def test_upgrade_and_downgrade(app: App, migrations: tuple[Any, Any]) -> None:
    config, engine = migrations
    alembic_command.upgrade(config, "r1")
    assert schema(app, engine) == {
        "customer": customer(app, 40),
        "purchase": purchase(app, status=False, total_nullable=True),
        "version": ["r1"],
    }
    alembic_command.upgrade(config, "r2")
    assert schema(app, engine) == {
        "customer": customer(app, 40),
        "purchase": purchase(app, status=True, total_nullable=True),
        "version": ["r2"],
    }
    # DROP INDEX, then DROP COLUMN in one transaction: DuckDB makes the table again
    alembic_command.downgrade(config, "r1")
    assert schema(app, engine) == {
        "customer": customer(app, 40),
        "purchase": purchase(app, status=False, total_nullable=True),
        "version": ["r1"],
    }
    alembic_command.downgrade(config, "base")
    assert schema(app, engine) == {"version": []}


def test_alter_columns(app: App, migrations: tuple[Any, Any]) -> None:
    config, engine = migrations
    alembic_command.upgrade(config, "r2")
    alembic_command.upgrade(config, "head")
    assert schema(app, engine) == {
        "customer": customer(app, 100),
        "purchase": purchase(app, status=True, total_nullable=False),
        "version": ["r3"],
    }
    alembic_command.downgrade(config, "r2")
    assert schema(app, engine) == {
        "customer": customer(app, 40),
        "purchase": purchase(app, status=True, total_nullable=True),
        "version": ["r2"],
    }
