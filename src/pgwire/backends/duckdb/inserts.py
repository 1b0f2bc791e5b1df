"""Many rows of one `INSERT ... VALUES (...)` as multi-row INSERTs, for
`DuckDBSession.execute_many`: one DuckDB call per chunk of rows instead of one per row, values
bound as for `execute`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from pgwire.backends.duckdb.types import duck_param
from pgwire.sql import code, leading_words, substitute_parameters
from pgwire.sql.lexer import PUNCT

__all__ = ["insert_chunks", "values_insert"]

_MANY_PARAMS = 4000  # parameters bound in one multi-row INSERT


@functools.lru_cache(maxsize=256)
def values_insert(sql: str) -> tuple[str, str] | None:
    """("INSERT INTO t (a, b) VALUES", "($1, $2)") for a plain one-row INSERT ... VALUES;
    None for anything else (RETURNING, ON CONFLICT, several rows, a SELECT)."""
    if leading_words(sql, 2) != ["INSERT", "INTO"]:
        return None
    tokens = code(sql)
    if tokens and tokens[-1].text == ";":
        tokens = tokens[:-1]
    keywords = [token.keyword for token in tokens]
    if _REFUSED.intersection(keywords) or "VALUES" not in keywords:
        return None
    values = len(keywords) - 1 - keywords[::-1].index("VALUES")
    row = tokens[values + 1 :]
    if not row or row[0].kind != PUNCT or row[0].text != "(":
        return None
    depth = 0
    for i, token in enumerate(row):
        if token.kind == PUNCT:
            depth += token.text == "("
            depth -= token.text == ")"
            if depth == 0 and i != len(row) - 1:
                return None  # a second tuple, or something after the first
    if depth != 0:
        return None
    return sql[: tokens[values].end].strip(), sql[row[0].start : row[-1].end]


_REFUSED = frozenset({"RETURNING", "CONFLICT", "SELECT", "DEFAULT"})


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
