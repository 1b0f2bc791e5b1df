"""Reading a sequence as a relation: `SELECT last_value, is_called FROM seq`.

PostgreSQL lets a sequence be read like a one-row table (last_value, log_cnt, is_called);
pg_dump reads every sequence so to restore its position with setval(). Neither backend can
select from a sequence, so each answers that form from its own sequence state; this module
recognises it.
"""

from __future__ import annotations

import functools

from pgwire.handler import Column, Rows
from pgwire.sql.reader import TokenReader
from pgwire.types import oids

__all__ = ["COLUMNS", "sequence_read", "sequence_row"]

COLUMNS = ("last_value", "log_cnt", "is_called")
_TYPES = {"last_value": oids.INT8, "log_cnt": oids.INT8, "is_called": oids.BOOL}


def sequence_row(columns: tuple[str, ...], last_value: int, is_called: bool) -> Rows:
    """The one row a sequence read gives, with the columns it asked for."""
    values = {"last_value": last_value, "log_cnt": 0, "is_called": is_called}
    return Rows([Column(c, _TYPES[c]) for c in columns], [tuple(values[c] for c in columns)])


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
