"""Reading a sequence as a relation: `SELECT last_value, is_called FROM seq`.

PostgreSQL lets a sequence be read like a one-row table (last_value, log_cnt, is_called);
pg_dump reads every sequence so to restore its position with setval(). DuckDB cannot select
from a sequence, so that form is answered from duckdb_sequences(): last_value is the last
value nextval() gave (the start value before the first call), is_called whether it gave one.
"""

from __future__ import annotations

import functools

from pgwire.sql.reader import TokenReader

COLUMNS = ("last_value", "log_cnt", "is_called")


@functools.lru_cache(maxsize=1024)
def sequence_read(sql: str) -> tuple[tuple[str, ...], str | None, str] | None:
    """`SELECT c [, ...] FROM [ONLY] [schema.]name` with c among COLUMNS: (the columns,
    the schema or None, the name); None for anything else."""
    if "last_value" not in sql.lower() and "is_called" not in sql.lower():
        return None
    r = TokenReader(sql)
    if not r.keyword("SELECT"):
        return None
    columns = []
    while True:
        name = r.name()
        if name not in COLUMNS:
            return None
        columns.append(name)
        if not r.char(","):
            break
    if not r.keyword("FROM"):
        return None
    r.keyword("ONLY")
    qualified = r.qualified_name()
    if qualified is None or not r.at_end():
        return None
    parts = qualified.split(".")
    if len(parts) > 2:
        return None
    schema = parts[0] if len(parts) == 2 else None
    return tuple(columns), schema, parts[-1]


def query(schema: str | None, name: str) -> tuple[str, list[str]]:
    """The duckdb_sequences() query giving (last_value, log_cnt, is_called), and its
    parameters (the current schema when none is named)."""
    schema_test = "schema_name = ?" if schema is not None else "schema_name = current_schema()"
    params = [name] + ([schema] if schema is not None else [])
    return (
        "SELECT coalesce(last_value, start_value), 0::BIGINT, last_value IS NOT NULL "
        f"FROM duckdb_sequences() WHERE sequence_name = ? AND {schema_test} "
        "AND database_name = current_database()",
        params,
    )
