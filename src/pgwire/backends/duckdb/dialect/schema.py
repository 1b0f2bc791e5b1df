"""What the passes may know of the database: the declared types of its tables' columns, read
through the session (and kept per schema version by `TableColumns`)."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Schema"]


class Schema:
    """Column types by table name; `reads` counts the lookups, so that a translation that
    read the schema is kept only while `version` stays put."""

    __slots__ = ("_lookup", "_version", "reads")

    def __init__(
        self,
        version: Callable[[], int] = lambda: 0,
        lookup: Callable[[str], dict[str, str]] = lambda table: {},
    ) -> None:
        self._version = version
        self._lookup = lookup
        self.reads = 0

    @property
    def version(self) -> int:
        return self._version()

    def column_types(self, table: str) -> dict[str, str]:
        """Column name → DuckDB type name (upper case, as DuckDB's catalog spells it)."""
        self.reads += 1
        return self._lookup(table)
