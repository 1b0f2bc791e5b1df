"""Inputs and expected results shared by the handler-level and wire-level contract tests."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

# (id, column type, SQL literal, type name PostgreSQL describes, text PostgreSQL prints,
#  known difference or None)
TYPE_CASES: list[tuple[str, str, str, str, str | None, str | None]] = [
    ("int", "int", "42", "int4", "42", None),
    ("int-negative", "integer", "-7", "int4", "-7", None),
    ("bigint", "bigint", "9000000000", "int8", "9000000000", None),
    ("double", "double precision", "1.5", "float8", "1.5", None),
    ("float", "float", "0.25", "float8", "0.25", "float is float8"),
    ("numeric-scale", "numeric(10,2)", "12.5", "numeric", "12.50", None),
    ("numeric", "numeric", "1.5", "numeric", "1.5", "bare numeric"),
    ("text", "text", "'héllo wörld'", "text", "héllo wörld", None),
    ("varchar", "varchar(10)", "'abc'", "varchar", "abc", "varchar type"),
    ("bool-true", "boolean", "true", "bool", "t", None),
    ("bool-false", "boolean", "false", "bool", "f", None),
    ("bytea", "bytea", "'\\x01ff'::bytea", "bytea", "\\x01ff", "bytea literal"),
    ("date", "date", "'2024-02-29'", "date", "2024-02-29", None),
    ("timestamp", "timestamp", "'2024-01-02 03:04:05.25'", "timestamp",
     "2024-01-02 03:04:05.25", None),
    ("null", "int", "NULL", "int4", None, None),
]  # fmt: skip

# (id, column type, Python value sent as a parameter, what psycopg reads back)
PARAMETER_CASES: list[tuple[str, str, Any, Any]] = [
    ("int", "int", 42, 42),
    ("bigint", "bigint", 9_000_000_000, 9_000_000_000),
    ("double", "double precision", 1.25, 1.25),
    ("numeric", "numeric(10,2)", Decimal("12.34"), Decimal("12.34")),
    ("text", "text", "it's ünïcode", "it's ünïcode"),
    ("bool", "boolean", True, True),
    ("bytea", "bytea", b"\x00\x01\xfe", b"\x00\x01\xfe"),
    ("date", "date", datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
    ("timestamp", "timestamp", datetime.datetime(2024, 1, 2, 3, 4, 5, 250000),
     datetime.datetime(2024, 1, 2, 3, 4, 5, 250000)),
    ("null", "text", None, None),
]  # fmt: skip

# (id, SQL run after `CREATE TABLE {t} (id int PRIMARY KEY, name text NOT NULL)` and one
#  row (1, 'a'), SQLSTATE PostgreSQL answers)
ERROR_CASES: list[tuple[str, str, str]] = [
    ("undefined-table", "SELECT * FROM no_such_table", "42P01"),
    ("undefined-column", "SELECT no_such_column FROM {t}", "42703"),
    ("syntax", "SELEC 1", "42601"),
    ("syntax-end", "SELECT * FROM", "42601"),
    ("unique", "INSERT INTO {t} VALUES (1, 'again')", "23505"),
    ("not-null", "INSERT INTO {t} (id) VALUES (2)", "23502"),
]
