"""Django with its PostgreSQL backend (django.db.backends.postgresql, over psycopg 3): a
project made in a temporary directory (settings, one app with a foreign key, unique and
indexed fields and a JSONField), `makemigrations` and `migrate` including Django's own
contenttypes and auth apps, then ORM work: create, filter (also on JSON keys), update,
delete, a nested `transaction.atomic()` rolled back inside one that commits, and
`select_for_update()` inside `atomic()`.

Django keeps process-wide state (settings, the app registry), so each run is a child Python
process that prints what it found as JSON. PostgreSQL 15 runs the same scenario as the
reference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.apps.conftest import App
from tests.support.postgres import TempPostgres

pytest.importorskip("django")

pytestmark = pytest.mark.interop

MODELS = """\
from django.db import models


class Customer(models.Model):
    email = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=50, db_index=True)
    prefs = models.JSONField(default=dict)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    placed = models.DateTimeField(auto_now_add=True)
    paid = models.BooleanField(default=False)
"""

SCENARIO = """\
import json
import os
import sys
from decimal import Decimal

import django
from django.conf import settings

settings.configure(
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": os.environ["DB_PORT"],
            "USER": os.environ["DB_USER"],
            "NAME": os.environ["DB_NAME"],
        }
    },
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "shop"],
    USE_TZ=True,
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # fast
)
django.setup()

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402

from shop.models import Customer, Order  # noqa: E402

found = {}
call_command("makemigrations", "shop", verbosity=0)
call_command("migrate", verbosity=0)
found["tables"] = sorted(connection.introspection.table_names())
found["applied"] = sorted(
    {app for app, _ in MigrationRecorder(connection).applied_migrations()}
)

user = User.objects.create_user("ann", password="pw")
found["user"] = [user.check_password("pw"), Permission.objects.filter(
    content_type__app_label="shop").count()]

ann = Customer.objects.create(email="ann@x", name="Ann", prefs={"lang": "en", "tags": [1, 2]})
bob = Customer.objects.create(email="bob@y", name="Bob", prefs={"lang": "fr"})
Order.objects.create(customer=ann, total=Decimal("12.50"))
Order.objects.create(customer=ann, total=Decimal("3.25"), paid=True)
Order.objects.create(customer=bob, total=Decimal("7.00"))
found["json_filter"] = list(
    Customer.objects.filter(prefs__lang="en").values_list("email", flat=True))
found["join_filter"] = Order.objects.filter(customer__name="Ann", paid=False).count()
found["updated"] = Order.objects.filter(paid=False).update(paid=True)
found["totals"] = [
    [c.name, str(sum(o.total for o in c.orders.all()))]
    for c in Customer.objects.order_by("name").prefetch_related("orders")
]

with transaction.atomic():
    Customer.objects.create(email="cy@z", name="Cy")
    try:
        with transaction.atomic():
            Customer.objects.create(email="dee@z", name="Dee")
            raise ValueError("undo the inner block")
    except ValueError:
        pass
found["after_nested"] = list(Customer.objects.order_by("email").values_list("name", flat=True))

with transaction.atomic():
    row = Customer.objects.select_for_update().get(email="ann@x")
    row.name = "Anna"
    row.save()
found["locked_update"] = Customer.objects.get(email="ann@x").name

deleted, per_model = bob.delete()
found["deleted"] = [deleted, per_model]
found["left"] = [Customer.objects.count(), Order.objects.count()]
print(json.dumps(found))
"""

EXPECTED = {
    "applied": ["auth", "contenttypes", "shop"],
    "user": [True, 8],  # add/change/delete/view for each of the two models
    "json_filter": ["ann@x"],
    "join_filter": 1,
    "updated": 2,
    "totals": [["Ann", "15.75"], ["Bob", "7.00"]],
    "after_nested": ["Ann", "Bob", "Cy"],
    "locked_update": "Anna",
    "deleted": [2, {"shop.Order": 1, "shop.Customer": 1}],
    "left": [2, 2],
}
TABLES = [
    "auth_group", "auth_group_permissions", "auth_permission", "auth_user",
    "auth_user_groups", "auth_user_user_permissions", "django_content_type",
    "django_migrations", "shop_customer", "shop_order",
]  # fmt: skip


def run_scenario(tmp_path: Path, port: int, user: str, database: str) -> dict[str, Any]:
    (tmp_path / "shop" / "migrations").mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "migrations" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(MODELS)
    (tmp_path / "scenario.py").write_text(SCENARIO)
    env = dict(os.environ, DB_PORT=str(port), DB_USER=user, DB_NAME=database)
    done = subprocess.run(
        [sys.executable, "scenario.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the Django scenario failed:\n{done.stderr[-3000:]}")
    found: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return found


def check(found: dict[str, Any]) -> None:
    assert found.pop("tables") == TABLES
    assert found == EXPECTED


def test_django_on_pgwire(app: App, tmp_path: Path) -> None:
    # DuckDB: a transaction cannot delete a row whose referring rows it deleted before (its
    # foreign-key limitation), and Django's cascading delete does just that.
    with app.blocked("duckdb", 'violates foreign key constraint "shop_order_customer_id_fkey"'):
        check(run_scenario(tmp_path, app.server.port, "tester", "testdb"))


def test_django_on_postgres(postgres15: TempPostgres, tmp_path: Path) -> None:
    """The same scenario on PostgreSQL 15, in a database of its own: the reference."""
    with psycopg.connect(postgres15.dsn, autocommit=True) as conn:
        conn.execute("drop database if exists django_app")
        conn.execute("create database django_app")
    port = int(postgres15.dsn.rsplit(":", 1)[1].split("/", 1)[0])
    check(run_scenario(tmp_path, port, "postgres", "django_app"))
