"""Parameter types at Parse (`DuckDBSession.parameter_types`), kept per statement text.

PostgreSQL gives a parameter the client left untyped the type of the column it is compared
with or inserted into, when it parses the statement; Bind then reads the value as that type
(`'2024-02-29 +00'` as a date, `'{a,b}'` as text[]). The same texts come again and again (an
unnamed statement is parsed anew for every execution), and asking DuckDB for a table's columns
costs about 130 µs, so each session keeps its answers until the schema may have changed: any
session's DDL, or the end of a transaction that ran some, moves the database's
`SchemaVersion` on.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import duckdb

from pgwire.backends.duckdb.describe import table_columns
from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.backends.sqlparams import infer_parameter_types

__all__ = ["SCHEMA_CHANGES", "InferredTypes"]

# DuckDB statement types after which a table's columns may read differently.
SCHEMA_CHANGES = frozenset({"CREATE", "DROP", "ALTER", "ATTACH", "DETACH", "IMPORT"})
_KEPT = 512  # answers kept per session


class InferredTypes:
    """One session's answers, each valid for the schema version it was computed in."""

    __slots__ = ("_answers", "_version")

    def __init__(self, version: SchemaVersion) -> None:
        self._version = version
        self._answers: dict[tuple[str, tuple[int, ...]], tuple[int, list[int]]] = {}

    def known(self, sql: str, types: Sequence[int]) -> list[int] | None:
        found = self._answers.get((sql, tuple(types)))
        if found is not None and found[0] == self._version.value:
            return found[1]
        return None

    def infer(self, cursor: duckdb.DuckDBPyConnection, sql: str, types: Sequence[int]) -> list[int]:
        """Infer on `cursor` (in the session's worker thread) and keep the answer."""
        version = self._version.value  # read first: a change meanwhile makes the answer stale
        inferred = infer_parameter_types(sql, types, functools.partial(table_columns, cursor))
        if len(self._answers) >= _KEPT:
            self._answers.clear()
        self._answers[(sql, tuple(types))] = (version, inferred)
        return inferred

    def forget(self) -> None:
        """Name resolution changed for this session alone (search_path)."""
        self._answers.clear()
