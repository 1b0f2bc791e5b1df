"""Many rows of one `INSERT ... VALUES (...)` as multi-row INSERTs, for
`DuckDBSession.execute_many`: one DuckDB call per chunk of rows instead of one per row, values
bound as for `execute`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from pgwire.backends.duckdb.types import duck_param
from pgwire.sql import leading_words, spans, substitute_parameters

__all__ = ["insert_chunks", "values_insert"]

_MANY_PARAMS = 4000  # parameters bound in one multi-row INSERT


@functools.lru_cache(maxsize=256)
def values_insert(sql: str) -> tuple[str, str] | None:
    """("INSERT INTO t (a, b) VALUES", "($1, $2)") for a plain one-row INSERT ... VALUES;
    None for anything else (RETURNING, ON CONFLICT, several rows, a SELECT)."""
    if leading_words(sql, 2) != ["INSERT", "INTO"]:
        return None
    code = "".join(sql[b:e] if is_code else " " * (e - b) for is_code, b, e in spans(sql))
    upper = code.upper()
    if any(word in upper.split() for word in ("RETURNING", "CONFLICT", "SELECT", "DEFAULT")):
        return None
    at = upper.rfind(" VALUES")
    if at < 0:
        return None
    row = sql[at + len(" VALUES") :].strip().rstrip(";").rstrip()
    if not (row.startswith("(") and row.endswith(")")):
        return None
    depth = 0
    for is_code, b, e in spans(row):
        for i, c in enumerate(row[b:e] if is_code else "", start=b):
            depth += c == "("
            depth -= c == ")"
            if depth == 0 and i != len(row) - 1:
                return None  # a second tuple, or something after the first
    return sql[: at + len(" VALUES")].strip(), row


def insert_chunks(
    head: str, row_text: str, rows: Sequence[Sequence[Any]], param_types: Sequence[int]
) -> Iterator[tuple[str, list[Any], int]]:
    """(SQL, bound values, row count) of each multi-row INSERT holding `rows`, where `head` and
    `row_text` are what `values_insert` split the one-row statement into."""
    per_chunk = max(1, _MANY_PARAMS // max(1, len(param_types)))
    for start in range(0, len(rows), per_chunk):
        tuples: list[str] = []
        values: list[Any] = []
        for row in rows[start : start + per_chunk]:
            pairs = [
                duck_param(v, oid, len(values) + n)
                for n, (v, oid) in enumerate(zip(row, param_types, strict=True), start=1)
            ]
            tuples.append(substitute_parameters(row_text, [ph for ph, _ in pairs]))
            values.extend(value for _, value in pairs)
        yield f"{head} {', '.join(tuples)}", values, len(tuples)
