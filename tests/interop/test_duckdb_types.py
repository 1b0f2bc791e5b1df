"""DuckDB's own types as PostgreSQL types, through asyncpg (binary) and psycopg (text and
binary): what each is described as, the value a driver reads, and a parameter written back
into a column of that type. The mapping is the table in docs/backends.md."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

asyncpg = pytest.importorskip("asyncpg")
psycopg = pytest.importorskip("psycopg")

from tests.support.server import ServerProcess  # noqa: E402

pytestmark = pytest.mark.interop

HUGE = 170141183460469231731687303715884105727
UHUGE = 340282366920938463463374607431768211455
# (DuckDB column type, literal, PostgreSQL type name, the value drivers read)
CASES: list[tuple[str, str, str, Any]] = [
    ("HUGEINT", f"{HUGE}", "numeric", Decimal(HUGE)),
    ("UHUGEINT", f"{UHUGE}", "numeric", Decimal(UHUGE)),
    ("UBIGINT", "18446744073709551615", "numeric", Decimal(18446744073709551615)),
    ("UTINYINT", "255", "int2", 255),
    ("USMALLINT", "65535", "int4", 65535),
    ("UINTEGER", "4294967295", "int8", 4294967295),
    ("TINYINT", "-128", "int2", -128),
    ("DECIMAL(38,10)", "123.4567890123", "numeric", Decimal("123.4567890123")),
    (
        "TIMETZ",
        "'12:34:56+02'",
        "timetz",
        dt.time(12, 34, 56, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ),
    (
        "INTERVAL",
        "INTERVAL '3 days 04:05:06.7'",
        "interval",
        dt.timedelta(days=3, seconds=14706, microseconds=700000),
    ),
    ("TIMESTAMP_S", "'2024-01-02 03:04:05'", "timestamp", dt.datetime(2024, 1, 2, 3, 4, 5)),
    (
        "TIMESTAMP_MS",
        "'2024-01-02 03:04:05.123'",
        "timestamp",
        dt.datetime(2024, 1, 2, 3, 4, 5, 123000),
    ),
    (
        "TIMESTAMP_NS",
        "'2024-01-02 03:04:05.123456'",
        "timestamp",
        dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
    ),
    ("BLOB", "'\\xAA\\xBB'", "bytea", b"\xaa\xbb"),
    ("INTEGER[]", "[1, 2, NULL]", "int4[]", [1, 2, None]),
    ("INTEGER[][]", "[[1, 2], [3, 4]]", "int4[]", [[1, 2], [3, 4]]),
    ("VARCHAR[2]", "['a', 'b']", "text[]", ["a", "b"]),
    ("UUID", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "uuid", None),  # compared as str below
]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerProcess() as process:
        with psycopg.connect(process.conninfo(), autocommit=True) as conn:
            columns = ", ".join(f"c{i} {duck}" for i, (duck, *_) in enumerate(CASES))
            conn.execute(f"create table dt_types ({columns})")
            values = ", ".join(literal for _, literal, *_ in CASES)
            conn.execute(f"insert into dt_types values ({values})")
        yield process


def same(got: Any, i: int) -> bool:
    if CASES[i][0] == "UUID":
        return str(got) == CASES[i][1].strip("'")
    return bool(got == CASES[i][3])


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_asyncpg_reads_and_writes(server: ServerProcess, i: int) -> None:
    async def body() -> None:
        conn = await asyncpg.connect(server.dsn, timeout=10)
        try:
            statement = await conn.prepare(f"select c{i} from dt_types limit 1")
            assert statement.get_attributes()[0].type.name == CASES[i][2]
            value = await statement.fetchval()
            assert same(value, i), value
            # the value back through a parameter, compared in DuckDB
            assert await conn.fetchval(f"select count(*) from dt_types where c{i} = $1", value) == 1
        finally:
            await conn.close()

    asyncio.run(asyncio.wait_for(body(), 60))


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_psycopg_reads_and_writes(server: ServerProcess, binary: bool) -> None:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        names = ", ".join(f"c{i}" for i in range(len(CASES)))
        cur = conn.execute(f"select {names} from dt_types", binary=binary)
        row = cur.fetchone()
        assert row is not None
        for i, value in enumerate(row):
            assert same(value, i), (CASES[i][0], value)
            count = conn.execute(
                f"select count(*) from dt_types where c{i} = %s", [value]
            ).fetchone()
            assert count == (1,), CASES[i][0]
