"""Django's migrations and ORM, SQLAlchemy's metadata and Alembic's operations on the SQLite
backend, side by side with PostgreSQL 15: the same program against each, the same answers.

Django runs in a subprocess of its own (its settings are global to a process), on a fresh
database each side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from tests.support.postgres import TempPostgres  # noqa: E402
from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

MODELS = """
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Item(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    title = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_nonneg"),
            models.UniqueConstraint(fields=["category", "title"], name="uniq_cat_title"),
        ]


class Tag(models.Model):
    items = models.ManyToManyField(Item)
    word = models.SlugField(unique=True)
"""

# The models once SECOND_MIGRATION has run.
MODELS_AFTER = """
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=80)


class Item(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, null=True)
    label = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created = models.DateTimeField(auto_now_add=True)
    stock = models.IntegerField(default=5)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="price_nonneg"),
            models.UniqueConstraint(fields=["category", "label"], name="uniq_label"),
        ]


class Tag(models.Model):
    items = models.ManyToManyField(Item)
    word = models.SlugField(unique=True)
"""

# After the first migration: what a project's later migrations do to its tables.
SECOND_MIGRATION = """
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RemoveConstraint(model_name="item", name="uniq_cat_title"),
        migrations.RenameField(model_name="item", old_name="title", new_name="label"),
        migrations.AlterField(
            model_name="item", name="label", field=models.CharField(max_length=200)
        ),
        migrations.AlterField(
            model_name="item",
            name="category",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, to="shop.category"
            ),
        ),
        migrations.AddField(model_name="item", name="stock", field=models.IntegerField(default=5)),
        migrations.AlterField(
            model_name="category", name="name", field=models.CharField(max_length=80)
        ),
        migrations.AddConstraint(
            model_name="item",
            constraint=models.UniqueConstraint(fields=["category", "label"], name="uniq_label"),
        ),
    ]
"""

ORM = """
import json
import django
from decimal import Decimal
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

django.setup()
call_command("migrate", verbosity=0)
from shop.models import Category, Item, Tag

out = []
c = Category.objects.create(name="books")
out.append(c.id)
items = Item.objects.bulk_create(
    [Item(category=c, label=f"b{i}", price=Decimal("1.50") * i) for i in range(3)]
)
out.append([i.id for i in items])
x = Item.objects.create(category=c, label="x", price=Decimal("9.99"))
out.append([x.id, x.stock, str(Item.objects.get(id=x.id).price)])
t = Tag.objects.create(word="new")
t.items.add(x, items[0])
out.append(sorted(t.items.values_list("label", flat=True)))
for label, price, category in (("neg", -1, c.id), ("x", 1, c.id), ("fk", 1, 999)):
    try:
        with transaction.atomic():
            Item.objects.create(category_id=category, label=label, price=price)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        out.append("stored")
    except IntegrityError as exc:
        out.append(exc.__cause__.sqlstate)
out.append(Item.objects.filter(id__in=[1, 2]).count())
expensive = Item.objects.filter(price__gt=1).order_by("-price")
out.append(list(expensive.values_list("label", flat=True)))
Item.objects.filter(label="x").update(stock=42)
out.append(Item.objects.get(label="x").stock)
c.delete()
out.append(Item.objects.count())
print(json.dumps(out))
"""


def run_django(tmp_path: Path, host: str, port: int, user: str, name: str) -> Any:
    project = tmp_path / f"django-{port}"
    app = project / "shop"
    (app / "migrations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "migrations" / "__init__.py").write_text("")
    (app / "models.py").write_text(MODELS)
    (project / "settings.py").write_text(
        textwrap.dedent(f"""
        SECRET_KEY = "x"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
        DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql",
            "HOST": "{host}", "PORT": {port}, "NAME": "{name}", "USER": "{user}"}}}}
        USE_TZ = True
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        """)
    )
    env = {**os.environ, "PYTHONPATH": str(project), "DJANGO_SETTINGS_MODULE": "settings"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemigrations", "shop", "-v", "0"],
        cwd=project, env=env, check=True, timeout=120,
    )  # fmt: skip
    (app / "migrations" / "0002_changes.py").write_text(SECOND_MIGRATION)
    (app / "models.py").write_text(MODELS_AFTER)
    done = subprocess.run(
        [sys.executable, "-c", ORM], cwd=project, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_django_migrations_and_orm(
    tmp_path: Path, postgres15: TempPostgres, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pytest.importorskip("django")
    name = f"dj_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    try:
        postgres = run_django(tmp_path, postgres15.host, postgres15.port, postgres15.user, name)
    finally:
        with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
            conn.execute(f"drop database {name} with (force)")
    with ServerProcess(str(tmp_path_factory.mktemp("dj") / "dj.sqlite")) as server:
        pgwire = run_django(tmp_path, server.host, server.port, "tester", "testdb")
    assert pgwire == postgres
    assert postgres[4:7] == ["23514", "23505", "23503"]


def sqlalchemy_run(dsn: str) -> list[Any]:
    sa = pytest.importorskip("sqlalchemy")
    alembic_migration = pytest.importorskip("alembic.migration")
    alembic_operations = pytest.importorskip("alembic.operations")
    from sqlalchemy import (
        BigInteger,
        CheckConstraint,
        Column,
        DateTime,
        ForeignKey,
        Identity,
        Integer,
        MetaData,
        Numeric,
        String,
        Table,
        func,
        text,
    )  # fmt: skip

    engine = sa.create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(dsn))
    md = MetaData()
    users = Table(
        "oa_users", md,
        Column("id", Integer, primary_key=True),
        Column("name", String(50), nullable=False, unique=True),
        Column("created", DateTime(timezone=True), server_default=func.now()),
    )  # fmt: skip
    posts = Table(
        "oa_posts", md,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("user_id", ForeignKey("oa_users.id", ondelete="CASCADE")),
        Column("title", String(100)),
        Column("score", Numeric(10, 2), server_default="0"),
        CheckConstraint("score >= 0", name="score_pos"),
    )  # fmt: skip
    out: list[Any] = []
    md.drop_all(engine)
    with engine.begin() as c:
        c.execute(text("drop table if exists oa_articles"))
    md.create_all(engine)
    try:
        with engine.begin() as c:
            out.append(
                c.execute(
                    users.insert().returning(users.c.id), [{"name": "a"}, {"name": "b"}]
                ).all()
            )
            out.append(
                c.execute(
                    posts.insert().returning(posts.c.id),
                    [{"user_id": 1, "title": "t1"}, {"user_id": 2, "title": "t2"}],
                ).all()
            )
            out.append(
                c.execute(sa.select(posts).where(posts.c.id.in_([1, 2])).order_by(posts.c.id)).all()
            )
        inspector = sa.inspect(engine)
        out.append(
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("oa_posts")]
        )
        out.append([u["column_names"] for u in inspector.get_unique_constraints("oa_users")])
        out.append([c["name"] for c in inspector.get_check_constraints("oa_posts")])
        with engine.begin() as c:
            op = alembic_operations.Operations(alembic_migration.MigrationContext.configure(c))
            op.add_column("oa_posts", Column("views", Integer, nullable=False, server_default="0"))
            op.alter_column("oa_posts", "title", nullable=False, existing_type=String(100))
            op.alter_column("oa_posts", "title", type_=String(200), existing_type=String(100))
            op.alter_column("oa_posts", "views", server_default="7")
            op.create_index("ix_oa_posts_title", "oa_posts", ["title"])
            op.create_unique_constraint("uq_oa_posts_title", "oa_posts", ["title"])
            op.create_foreign_key("fk_oa_user2", "oa_posts", "oa_users", ["user_id"], ["id"])
            op.drop_constraint("fk_oa_user2", "oa_posts", type_="foreignkey")
            op.drop_constraint("uq_oa_posts_title", "oa_posts", type_="unique")
            op.drop_constraint("score_pos", "oa_posts", type_="check")
            op.create_check_constraint("views_pos", "oa_posts", "views >= 0")
            op.alter_column("oa_posts", "title", new_column_name="headline")
            op.rename_table("oa_posts", "oa_articles")
            op.drop_column("oa_articles", "views")
        with engine.begin() as c:
            out.append(
                c.execute(
                    text(
                        "insert into oa_articles (user_id, headline) values (1, 'z')"
                        " returning id, score"
                    )
                ).all()
            )
        out.append(
            [
                (c["name"], str(c["type"]), c["nullable"])
                for c in sa.inspect(engine).get_columns("oa_articles")
            ]
        )
    finally:
        with engine.begin() as c:
            c.execute(text("drop table if exists oa_articles"))
            c.execute(text("drop table if exists oa_posts"))
            c.execute(text("drop table if exists oa_users"))
        engine.dispose()
    return out


def test_sqlalchemy_and_alembic(
    postgres15: TempPostgres, tmp_path_factory: pytest.TempPathFactory
) -> None:
    postgres = sqlalchemy_run(postgres15.dsn)
    with ServerProcess(str(tmp_path_factory.mktemp("sa") / "sa.sqlite")) as server:
        pgwire = sqlalchemy_run(server.conninfo())
    assert pgwire == postgres
