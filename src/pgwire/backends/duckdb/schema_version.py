"""`SchemaVersion`: what the sessions of one DuckDB database keep about its schema (parameter
types inferred per statement text, the names of enum types) is valid while it stays put."""

from __future__ import annotations

__all__ = ["SchemaVersion"]


class SchemaVersion:
    """A counter shared by the sessions of one database, moved on by any schema change."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1
