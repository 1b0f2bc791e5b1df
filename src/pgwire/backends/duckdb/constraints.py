"""Constraints on DuckDB as PostgreSQL shows and sets them.

DuckDB names constraints itself and keeps no name given in CONSTRAINT or ADD CONSTRAINT; the
catalog shows the names PostgreSQL chooses when none is given (`pg_constraint_name`), and
ALTER TABLE ... DROP CONSTRAINT finds a constraint by that name (alter.py). DuckDB checks
every constraint at once, so `SET CONSTRAINTS ... IMMEDIATE` changes nothing there and
`... DEFERRED` cannot be honoured (`set_constraints`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql.reader import TokenReader

__all__ = ["pg_constraint_name", "set_constraints"]

_SUFFIXES = {"PRIMARY KEY": "pkey", "UNIQUE": "key", "FOREIGN KEY": "fkey", "CHECK": "check"}
_NAMEDATALEN = 63


def pg_constraint_name(table: str, kind: str, columns: Sequence[str]) -> str:
    """The name PostgreSQL gives a constraint of DuckDB's `kind` ('PRIMARY KEY', 'UNIQUE',
    'FOREIGN KEY', 'CHECK') on `columns` when none is given: `t_pkey`, `t_a_b_key`,
    `t_b_fkey`, `t_c_check` (`t_check` when the check reads several columns), each part
    shortened as PostgreSQL shortens them to fit 63 bytes."""
    suffix = _SUFFIXES.get(kind, "key")
    if kind == "PRIMARY KEY" or (kind == "CHECK" and len(columns) != 1):
        label = ""
    else:
        label = "_".join(columns)
    return _choose_name(table, label, suffix)


def _choose_name(table: str, label: str, suffix: str) -> str:
    """PostgreSQL's makeObjectName: the longer of table and label is cut first."""
    room = _NAMEDATALEN - len(suffix) - 1 - (1 if label else 0)
    table_b, label_b = table.encode(), label.encode()
    while len(table_b) + len(label_b) > room:
        if len(table_b) > len(label_b):
            table_b = table_b[:-1]
        else:
            label_b = label_b[:-1]
    parts = [table_b.decode(errors="ignore")]
    if label:
        parts.append(label_b.decode(errors="ignore"))
    return "_".join([*parts, suffix])


def _feature(message: str) -> PgError:
    return PgError(message, sqlstate.FEATURE_NOT_SUPPORTED)


def set_constraints(sql: str) -> bool:
    """True for `SET CONSTRAINTS {ALL | names} IMMEDIATE`, which changes nothing on DuckDB
    (every constraint is checked at once); 0A000 for `... DEFERRED`, which DuckDB cannot do."""
    if sql[:40].upper().split()[:2] != ["SET", "CONSTRAINTS"]:
        return False
    reader = TokenReader(sql)
    last = reader.tokens[-1].keyword if reader.tokens else ""
    if last == "IMMEDIATE":
        return True
    if last == "DEFERRED":
        raise _feature("SET CONSTRAINTS ... DEFERRED is not supported on DuckDB")
    raise reader.error()
