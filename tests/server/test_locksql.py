"""The advisory-lock statements as the front end reads them: which it answers, which it refuses."""

from __future__ import annotations

import pytest

from pgwire.errors import PgError
from pgwire.server.locksql import Arg, is_lock_command, parameter_types, parse
from pgwire.types import oids


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select pg_advisory_lock(1)", True),
        ("SELECT PG_TRY_ADVISORY_LOCK ( $1 )", True),
        ("select * from jobs where pg_try_advisory_lock(id)", True),
        ("select pg_catalog.pg_advisory_unlock_all()", True),
        ("select 'pg_advisory_lock(1)'", False),
        ("select 1 -- pg_advisory_lock(1)", False),
        ("select pg_advisory_lock from t", False),
        ("select advisory_lock(1)", False),
        ("select set_config('a', 'b', false)", False),
    ],
)
def test_is_lock_command(sql: str, expected: bool) -> None:
    assert is_lock_command(sql) is expected


def test_parse_whole_statements() -> None:
    (call,) = parse("SELECT pg_catalog.pg_advisory_lock(-5::bigint) AS got;")
    assert (call.function, call.args, call.label) == ("pg_advisory_lock", (Arg(-5),), "got")
    assert (call.mode, call.level, call.result_type) == ("ExclusiveLock", "session", "void")
    calls = parse("select pg_try_advisory_xact_lock_shared($2, '7') x, pg_advisory_unlock_all()")
    assert [c.label for c in calls] == ["x", "pg_advisory_unlock_all"]
    assert calls[0].args == (Arg(param=2, type="unknown"), Arg(7, type="unknown"))
    assert (calls[0].mode, calls[0].level, calls[0].result_type) == (
        "ShareLock",
        "transaction",
        "bool",
    )
    assert parse("select pg_advisory_lock(0x10)")[0].args == (Arg(16, type="integer"),)
    assert parse("select pg_advisory_lock(null)")[0].args == (Arg(None, type="unknown"),)
    assert parse("select pg_advisory_lock(5000000000)")[0].args == (Arg(5000000000),)
    assert parameter_types(parse("select pg_advisory_lock($1), pg_advisory_lock($2, $3)"), 4) == [
        oids.INT8, oids.INT4, oids.INT4, 0
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("select * from jobs where pg_try_advisory_lock(id)", "0A000"),
        ("select pg_advisory_lock(1) from t", "0A000"),
        ("select pg_advisory_lock(1 + 1)", "0A000"),
        ("select pg_advisory_lock(abs(1))", "0A000"),
        ("select 1, pg_advisory_lock(1)", "0A000"),
        ("with x as (select 1) select pg_advisory_lock(1)", "0A000"),
        ("select pg_advisory_lock()", "42883"),
        ("select pg_advisory_lock(1, 2, 3)", "42883"),
        ("select pg_advisory_lock(1.5)", "42883"),
        ("select pg_advisory_lock(1, 5000000000)", "42883"),
        ("select pg_advisory_lock(1::text)", "42883"),
        ("select pg_advisory_unlock_all(1)", "42883"),
        ("select pg_advisory_lock('x')", "22P02"),
    ],
)
def test_parse_refuses(sql: str, code: str) -> None:
    with pytest.raises(PgError) as caught:
        parse(sql)
    assert caught.value.sqlstate == code
