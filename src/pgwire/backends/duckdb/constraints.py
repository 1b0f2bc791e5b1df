"""ALTER TABLE's constraint actions that DuckDB's ALTER TABLE lacks.

DuckDB adds UNIQUE and PRIMARY KEY constraints to an existing table itself, but not CHECK or
FOREIGN KEY ("No support for adding ... constraints with ALTER TABLE"), and drops none. ORMs
add their foreign keys after CREATE TABLE (Django always does, `DEFERRABLE INITIALLY
DEFERRED`), so `ADD [CONSTRAINT name] {CHECK | FOREIGN KEY} ...` rebuilds the table in one
transaction: its rows are copied aside, the table is created again from DuckDB's own
definition with the constraint appended, the rows go back (so they are checked against the
new constraint, as PostgreSQL validates them), and its indexes and comments are made again.
A table that another table's foreign key refers to cannot be dropped in DuckDB, so adding a
constraint to it fails with 0A000 naming the reason; so does `DROP CONSTRAINT`.

DuckDB names constraints itself and keeps no name given in CONSTRAINT or ADD CONSTRAINT; the
catalog shows the names PostgreSQL chooses when none is given (`pg_constraint_name`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql.reader import TokenReader

__all__ = [
    "AddConstraint",
    "add_constraint",
    "pg_constraint_name",
    "rebuild_with",
    "set_constraints",
]

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


_REBUILT = frozenset({"CHECK", "FOREIGN"})


@dataclass(frozen=True, slots=True)
class AddConstraint:
    """`ALTER TABLE <schema>.<table> ADD <clause>` where DuckDB cannot add `clause` itself."""

    schema: str | None
    table: str
    clause: str  # `CHECK (...)` or `FOREIGN KEY (...) REFERENCES ...`, as written


def _feature(message: str) -> PgError:
    return PgError(message, sqlstate.FEATURE_NOT_SUPPORTED)


def add_constraint(sql: str) -> AddConstraint | PgError | None:
    """What `sql` asks when it is ALTER TABLE ... ADD a CHECK or FOREIGN KEY constraint, or
    DROP CONSTRAINT (a PgError to raise); None for any other statement."""
    reader = TokenReader(sql)
    if not reader.keywords("ALTER", "TABLE"):
        return None
    reader.keywords("IF", "EXISTS")
    reader.keyword("ONLY")
    parts: list[str] = []
    while True:
        part = reader.name()
        if part is None:
            return None
        parts.append(part)
        if not reader.char("."):
            break
    schema, table = (parts[-2] if len(parts) > 1 else None), parts[-1]
    if reader.keywords("DROP", "CONSTRAINT"):
        return _feature(
            f'ALTER TABLE ... DROP CONSTRAINT is not supported on DuckDB (table "{table}"):'
            " DuckDB cannot drop a constraint from an existing table"
        )
    if not reader.keyword("ADD"):
        return None
    start = reader.i
    if reader.keyword("CONSTRAINT"):
        reader.name()
        start = reader.i
    kind = reader.keyword(*_REBUILT)
    if kind is None:
        return None
    what = "CHECK" if kind == "CHECK" else "FOREIGN KEY"
    items = reader.split(",")
    if len(items) > 1:
        return _feature(
            f"ALTER TABLE ... ADD {what} is supported on DuckDB only as the statement's one action"
        )
    clause = reader.text(start, len(reader.tokens))
    if "NOT VALID" in clause.upper():
        return _feature(f"ALTER TABLE ... ADD {what} ... NOT VALID is not supported on DuckDB")
    return AddConstraint(schema, table, clause)


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


def rebuild_with(cursor: Any, add: AddConstraint) -> None:
    """Make `add.table` again with `add.clause` added; the caller holds a transaction."""
    schema_filter = "schema_name = current_schema()" if add.schema is None else "schema_name = ?"
    params: list[Any] = [add.table] + ([] if add.schema is None else [add.schema])
    row = cursor.execute(
        "SELECT database_name, schema_name, sql, comment FROM duckdb_tables() "
        f"WHERE table_name = ? AND {schema_filter} AND NOT temporary",
        params,
    ).fetchone()
    if row is None:
        raise PgError(f'relation "{add.table}" does not exist', sqlstate.UNDEFINED_TABLE)
    database, schema, definition, comment = row
    qualified = ".".join(_quote(p) for p in (database, schema, add.table))
    referring = cursor.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' "
        "AND referenced_table = ? AND schema_name = ? AND table_name <> ?",
        [add.table, schema, add.table],
    ).fetchone()
    if referring is not None:
        raise _feature(
            f"ALTER TABLE ... ADD {add.clause.split()[0].upper()} is not supported on DuckDB"
            f' for table "{add.table}": table "{referring[0]}" has a foreign key to it, and'
            " DuckDB adds the constraint by making the table again"
        )
    indexes = [
        sql
        for (sql,) in cursor.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = ? AND schema_name = ? "
            "AND sql IS NOT NULL",
            [add.table, schema],
        ).fetchall()
    ]
    columns = cursor.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? "
        "AND schema_name = ? AND database_name = ? ORDER BY column_index",
        [add.table, schema, database],
    ).fetchall()
    body = _body(definition)
    aside = _quote(f"_pgwire_rebuild_{add.table}")
    cursor.execute(f"CREATE TEMP TABLE {aside} AS SELECT * FROM {qualified}")
    cursor.execute(f"DROP TABLE {qualified}")
    cursor.execute(f"CREATE TABLE {qualified}({body}, {add.clause})")
    cursor.execute(f"INSERT INTO {qualified} SELECT * FROM {aside}")
    cursor.execute(f"DROP TABLE {aside}")
    for index in indexes:
        cursor.execute(index)
    if comment:
        cursor.execute(f"COMMENT ON TABLE {qualified} IS {_literal(comment)}")
    for name, column_comment in columns:
        if column_comment:
            cursor.execute(
                f"COMMENT ON COLUMN {qualified}.{_quote(name)} IS {_literal(column_comment)}"
            )


def _body(definition: str) -> str:
    """The column and constraint list of DuckDB's `CREATE TABLE name(...);`."""
    reader = TokenReader(definition)
    while not reader.at_end() and not reader.char("("):
        reader.take()
    first = reader.i
    items = reader.bracketed()
    if not items:
        raise PgError(f"cannot read the table definition {definition!r}", sqlstate.INTERNAL_ERROR)
    return reader.text(first, items[-1][1])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
