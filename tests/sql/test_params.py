"""The types a statement's casts give its parameters, named as PostgreSQL reads them."""

from __future__ import annotations

import pytest

from pgwire.sql import parameter_casts


@pytest.mark.parametrize(
    ("sql", "casts"),
    [
        ("select $1::int4, CAST($2 AS text)", {1: "int4", 2: "text"}),
        ("select $1::double precision, $2::character varying", {1: "double precision",
                                                                 2: "character varying"}),
        ("select $1::timestamp with time zone, $2::int[]",
         {1: "timestamp with time zone", 2: "int[]"}),
        # SQLAlchemy writes `relpersistence != $3::CHAR`: SQL's character(1), not "char"
        ("select $1::CHAR, $2::char varying, CAST($3 AS char)",
         {1: "bpchar", 2: "varchar", 3: "bpchar"}),
        ('select $1::"char", $2::"char"[]', {1: "char", 2: "char[]"}),
        ("select '$1::int', $2", {}),
    ],
)  # fmt: skip
def test_parameter_casts(sql: str, casts: dict[int, str]) -> None:
    assert parameter_casts(sql) == casts
