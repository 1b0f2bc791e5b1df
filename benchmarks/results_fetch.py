"""Large results: a 3-column, N-row `generate_series` result fetched whole, rows/s.

    SELECT g, g::text, g*1.5 FROM generate_series(1, N) g

- psycopg 3 (text results): `cursor.execute(sql)` then `cursor.fetchall()`; psycopg sends
  every statement with the extended protocol and asks for text results.
- asyncpg (binary results): `connection.fetch(sql)`, a named prepared statement with
  Describe and binary results.

Targets: PostgreSQL 15 and `pgwire serve` (in-memory DuckDB). The types differ: PostgreSQL
answers int4, text, numeric; DuckDB BIGINT, VARCHAR, DECIMAL(18,1) (int8, text, numeric on
the wire). Timed: from sending the query to the last row decoded into Python objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from benchmarks.clientsuite import (
    ClientOutcome,
    ClientWorkload,
    Timer,
    asyncpg_options,
    conninfo,
    run_suite,
    section,
)
from benchmarks.common import Pinning, Target, base_name

ROWS = 1_000_000
SMOKE_ROWS = 10_000
WARMUP_ROWS = 10_000
TARGETS = ("postgres", "pgwire-duckdb")
TITLE = "Large results"


def query(rows: int) -> str:
    return f"SELECT g, g::text, g*1.5 FROM generate_series(1, {rows}) g"


def psycopg_text(port: int, rows: int, timer: Timer) -> int:
    import psycopg

    with psycopg.connect(conninfo(port), autocommit=True) as conn, conn.cursor() as cursor:
        with timer:
            cursor.execute(query(rows))
            got = cursor.fetchall()
        return len(got)


def asyncpg_binary(port: int, rows: int, timer: Timer) -> int:
    import asyncpg

    async def fetch() -> int:
        conn = await asyncpg.connect(**asyncpg_options(port))
        try:
            with timer:
                got = await conn.fetch(query(rows))
            return len(got)
        finally:
            await conn.close()

    return asyncio.run(fetch())


WORKLOADS = (
    ClientWorkload(
        "psycopg",
        "psycopg 3, text: execute + fetchall",
        "benchmarks.results_fetch:psycopg_text",
        TARGETS,
    ),
    ClientWorkload(
        "asyncpg",
        "asyncpg, binary: fetch",
        "benchmarks.results_fetch:asyncpg_binary",
        TARGETS,
    ),
)


def run(
    targets: Sequence[Target],
    *,
    rows: int,
    reps: int,
    warmup: bool,
    pinning: Pinning,
    say: Callable[[str], None],
) -> ClientOutcome:
    return run_suite(
        title=TITLE,
        unit="row",
        workloads=WORKLOADS,
        targets=[t for t in targets if base_name(t.name) in TARGETS],
        size=rows,
        warmup_size=min(WARMUP_ROWS, rows) if warmup else 0,
        reps=reps,
        pinning=pinning,
        say=say,
    )


def render(outcome: ClientOutcome) -> str:
    method = (
        f"`{query(outcome.size)}` fetched whole, {outcome.size:,} rows of 3 columns: by "
        "psycopg 3 (text results, `cursor.execute` + `fetchall`) and by asyncpg (binary "
        "results, `connection.fetch`), timed from sending the query to the last row decoded "
        "into Python objects (`benchmarks/results_fetch.py`). PostgreSQL answers int4, text, "
        "numeric; DuckDB int8, text, numeric (BIGINT, VARCHAR, DECIMAL)."
    )
    return section(outcome, method)
