"""Parameter types of a catalog query, as PostgreSQL infers them at Parse.

`WHERE c.relnamespace = $1` makes $1 an oid and `n.nspname = $1` a name, from PostgreSQL 15's
column types (pgtypes.py): a driver that asks (asyncpg) then sends an int where an int is
wanted. The same `sqlparams` rules as for the backends' own tables, over the catalog's columns;
made once per query text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pgwire.backends.catalog import pgtypes
from pgwire.backends.sqlparams import infer_parameter_types

__all__ = ["parameter_types"]


def parameter_types(sql: str, types: Sequence[int]) -> list[int]:
    """`types` with its zeros replaced where a catalog column the SQL compares makes it clear."""
    return list(_inferred(sql, tuple(types)))


@functools.lru_cache(maxsize=1024)
def _inferred(sql: str, types: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(infer_parameter_types(sql, types, _catalog_columns))


def _catalog_columns(name: tuple[str, ...]) -> list[tuple[str, int]] | None:
    if len(name) > 2 or (len(name) == 2 and name[0].lower() != "pg_catalog"):
        return None  # information_schema's columns are domains: left as text
    columns = pgtypes.COLUMNS.get(name[-1].lower())
    return None if columns is None else list(columns)
