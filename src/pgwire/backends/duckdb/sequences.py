"""A sequence read as a relation on DuckDB (see `backends.sequence_reads`), answered from
duckdb_sequences(): last_value is the last value nextval() gave (the start value before the
first call), is_called whether it gave one.
"""

from __future__ import annotations


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
