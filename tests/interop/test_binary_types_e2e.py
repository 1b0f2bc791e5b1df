"""The new types through a running server, next to PostgreSQL 15: a handler returns each value
as PostgreSQL's input text, or echoes a parameter sent in binary; libpq reads the results in
text and binary, and every byte must match what PostgreSQL 15 sends for the same statement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pgwire.types import registry
from tests.support.postgres import TempPostgres
from tests.support.server import ServerProcess
from tests.types.test_binary_vs_postgres import CANONICAL_TEXT, SAMPLES

pytestmark = pytest.mark.postgres

psycopg = pytest.importorskip("psycopg")

CASES = [
    (name, literal)
    for name, literals in SAMPLES.items()
    if name in CANONICAL_TEXT
    for literal in literals
]

_SETUP = ("SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, MDY'", "SET extra_float_digits = 1")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess("tests.support.echo_types:handler") as running:
        yield running


@pytest.fixture(scope="module")
def ours(server: ServerProcess) -> Iterator[Any]:
    conn = psycopg.connect(server.dsn, autocommit=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def theirs(postgres15: TempPostgres) -> Iterator[Any]:
    conn = psycopg.connect(postgres15.dsn, autocommit=True)
    for setting in _SETUP:
        conn.execute(setting)
    yield conn
    conn.close()


def _run(conn: Any, sql: str, params: list[bytes], types: list[int], fmt: int) -> bytes:
    result = conn.pgconn.exec_params(sql.encode(), params, types, [1] * len(params), fmt)
    assert result.status == 2, result.error_message.decode()
    return bytes(result.get_value(0, 0) or b"")


@pytest.mark.parametrize(("type_name", "literal"), CASES, ids=[f"{n}:{v!r}" for n, v in CASES])
def test_values_and_binary_parameters_match_postgres(
    ours: Any, theirs: Any, type_name: str, literal: str
) -> None:
    sql = "SELECT '" + literal.replace("'", "''") + f"'::{type_name}"
    expected = [_run(theirs, sql, [], [], fmt) for fmt in (0, 1)]
    assert [_run(ours, sql, [], [], fmt) for fmt in (0, 1)] == expected
    # The value PostgreSQL sent in binary goes back as a binary parameter, and out again.
    oid = registry.by_name(type_name).oid
    echo = f"SELECT $1::{type_name}"
    assert [_run(ours, echo, [expected[1]], [oid], fmt) for fmt in (0, 1)] == expected
