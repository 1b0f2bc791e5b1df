"""Pipelined statements: N parameterized statements sent without waiting, statements/s.

- psycopg 3 pipeline mode: N times `conn.execute("SELECT %s::int", (i,))` inside one
  `with conn.pipeline():` block (autocommit), then one row read back from each result.
  psycopg sends Parse/Bind/Describe/Execute per statement (named prepared statements after
  its prepare_threshold of 5) and a Sync when the block ends. Valid on PostgreSQL, on DuckDB
  and on the fixed handler (which answers any SELECT with one int4 row).
- asyncpg `executemany("INSERT INTO t VALUES ($1, $2)", rows)` of N (int, text) rows into a
  temporary table created beforehand (Bind/Execute per row, one Sync at the end); the count
  is checked afterwards. PostgreSQL and DuckDB only: the fixed handler has no tables.
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

STATEMENTS = 10_000
SMOKE_STATEMENTS = 200
WARMUP_STATEMENTS = 500
TARGETS = ("postgres", "pgwire-fixed", "pgwire-duckdb")
TITLE = "Pipelined statements"
SELECT = "SELECT %s::int"
TABLE = "executemany_bench"
INSERT = f"INSERT INTO {TABLE} VALUES ($1, $2)"


def psycopg_pipeline(port: int, statements: int, timer: Timer) -> int:
    import psycopg

    with psycopg.connect(conninfo(port), autocommit=True) as conn:
        with timer:
            with conn.pipeline():
                cursors = [conn.execute(SELECT, (i,)) for i in range(statements)]
            rows = sum(cursor.fetchone() is not None for cursor in cursors)
        return rows


def asyncpg_executemany(port: int, statements: int, timer: Timer) -> int:
    import asyncpg

    async def insert() -> int:
        conn = await asyncpg.connect(**asyncpg_options(port))
        try:
            await conn.execute(f"CREATE TEMPORARY TABLE {TABLE} (a int, b text)")
            rows = [(i, f"name {i}") for i in range(statements)]
            with timer:
                await conn.executemany(INSERT, rows)
            count: int = await conn.fetchval(f"SELECT count(*) FROM {TABLE}")
            return count
        finally:
            await conn.close()

    return asyncio.run(insert())


WORKLOADS = (
    ClientWorkload(
        "psycopg-pipeline",
        "psycopg 3 pipeline: SELECT $1::int",
        "benchmarks.pipeline:psycopg_pipeline",
        TARGETS,
    ),
    ClientWorkload(
        "asyncpg-executemany",
        "asyncpg executemany: INSERT",
        "benchmarks.pipeline:asyncpg_executemany",
        ("postgres", "pgwire-duckdb"),
    ),
)


def run(
    targets: Sequence[Target],
    *,
    statements: int,
    reps: int,
    warmup: bool,
    pinning: Pinning,
    say: Callable[[str], None],
) -> ClientOutcome:
    return run_suite(
        title=TITLE,
        unit="statement",
        workloads=WORKLOADS,
        targets=[t for t in targets if base_name(t.name) in TARGETS],
        size=statements,
        warmup_size=min(WARMUP_STATEMENTS, statements) if warmup else 0,
        reps=reps,
        pinning=pinning,
        say=say,
    )


def render(outcome: ClientOutcome) -> str:
    n = f"{outcome.size:,}"
    method = (
        f"{n} parameterized statements per run, sent without waiting for each answer "
        "(`benchmarks/pipeline.py`): psycopg 3 pipeline mode, `conn.execute('SELECT "
        f"%s::int', (i,))` {n} times in one `with conn.pipeline():` block (autocommit; "
        "psycopg prepares the statement after 5 executions), then one row read from each "
        f"result; asyncpg `executemany` of {n} `INSERT INTO t VALUES ($1, $2)` (int, text) "
        "into a temporary table (the row count checked afterwards; not through the fixed "
        "handler, which has no tables). Timed: the whole pipeline, results included."
    )
    return section(outcome, method)
