"""DuckDB's own settings that give PostgreSQL's meaning, set on every connection: cheaper and
surer than any rewrite."""

from __future__ import annotations

__all__ = ["SETTINGS"]

SETTINGS: tuple[str, ...] = (
    # NULL is larger than any value: last in ascending order, first in descending.
    "SET default_null_order = 'nulls_last_on_asc_first_on_desc'",
    # PostgreSQL raises 22012 for any division by zero, and errors for sqrt(-1), ln(0), ...
    "SET ieee_floating_point_ops = false",
    # Unquoted identifiers fold to lower case (`AS True` names the column `true`).
    "SET preserve_identifier_case = 'lowercase'",
)
