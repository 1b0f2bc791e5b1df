"""`INSERT INTO t VALUES (...)` with fewer values than `t` has columns: PostgreSQL fills the
first columns and gives the rest their defaults; DuckDB refuses ("table has 3 columns but 2
values were supplied"). The statement is given the column list PostgreSQL implies.
"""

from __future__ import annotations

import functools

from pgwire.backends.duckdb.columns import TableColumns
from pgwire.backends.duckdb.rebuild import quote
from pgwire.sql.reader import TokenReader

__all__ = ["with_column_list"]

_PREFIX = 4096  # characters read to find the first row's values


def with_column_list(sql: str, tables: TableColumns, cursor: object) -> str | None:
    """`sql` with the column list its first row implies, when it has none and gives fewer
    values than its table has columns; None otherwise."""
    found = _shape(sql[:_PREFIX])
    if found is None:
        return None
    table, at, count = found
    names = tables.names(cursor, table)
    if not names or count >= len(names):
        return None
    columns = ", ".join(quote(name) for name in names[:count])
    return f"{sql[:at]} ({columns}){sql[at:]}"


@functools.lru_cache(maxsize=1024)
def _shape(prefix: str) -> tuple[str, int, int] | None:
    """(table, where a column list would go, values in the first row) of an INSERT without
    a column list whose first row is within `prefix`."""
    if prefix.lstrip()[:6].upper() != "INSERT":
        return None
    reader = TokenReader(prefix)
    if not reader.keywords("INSERT", "INTO"):
        return None
    name = reader.name()
    while name is not None and reader.char("."):
        name = reader.name()
    if name is None:
        return None
    if reader.keyword("AS"):
        reader.name()
    at = reader.tokens[reader.i - 1].end
    if reader.keyword("OVERRIDING"):
        reader.take()
        reader.keyword("VALUE")
    if not reader.keyword("VALUES") or not reader.char("("):
        return None
    items = reader.bracketed()
    if items is None:
        return None
    return name, at, len(items)
