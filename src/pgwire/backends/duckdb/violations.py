"""Constraint violations on DuckDB as PostgreSQL reports them: the constraint's name (as the
catalog shows it: constraints.py), PostgreSQL's message and `Key (a)=(1) ...` detail, and the
schema, table and constraint fields of the ErrorResponse.

DuckDB's messages name no constraint: `Duplicate key "a: 1" violates primary key constraint.`
The statement's target table (INSERT INTO / UPDATE / DELETE FROM) and the database's
constraints tell which one it was. After the error the session's transaction is aborted and
its cursor reads nothing, so the constraints are read on a cursor of their own, once per
schema change (schema_version.py). That cursor sees committed tables only: for a table made
in the open transaction (or a temporary one) the name is derived from DuckDB's message alone
where it can be (keys), and left out where it cannot.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pgwire.backends import qualified
from pgwire.backends.duckdb.constraints import pg_constraint_name
from pgwire.backends.duckdb.schema_version import SchemaVersion
from pgwire.errors import PgError
from pgwire.sql.reader import TokenReader

__all__ = ["Violations"]

_PREFIX = 400  # characters read to find a statement's target table

_DUPLICATE = re.compile(r'Duplicate key "(.*)" violates (primary key|unique) constraint\.?$', re.S)
# A key repeated within the open transaction: DuckDB shows the values only.
_DUPLICATE_VALUES = re.compile(
    r'PRIMARY KEY or UNIQUE constraint violation: duplicate key "(.*)"$', re.S
)
_MISSING_REFERENCE = re.compile(
    r'Violates foreign key constraint because key "(.*)" does not exist in the referenced table',
    re.S,
)
_STILL_REFERENCED = re.compile(
    r'Violates foreign key constraint because key "(.*)" is still referenced by a foreign key',
    re.S,
)
# What PostgreSQL would not say: the cause may be DuckDB's own foreign-key limitation.
_STILL_REFERENCED_HINT = (
    "DuckDB checks a foreign key against the rows as they were when the transaction began:"
    " referring rows deleted earlier in the same transaction still count."
)
_CHECK = re.compile(
    r'CHECK constraint failed on table "(.+?)" with expression CHECK\((.*)\)$', re.S
)
_NOT_NULL = re.compile(r"NOT NULL constraint failed: (.+)\.(.+)$", re.S)


@dataclass(frozen=True)
class _Constraint:
    schema: str  # PostgreSQL's name (public for main)
    table: str
    kind: str  # DuckDB's: PRIMARY KEY, UNIQUE, FOREIGN KEY, CHECK, NOT NULL
    columns: tuple[str, ...]
    expression: str | None
    ref_table: str | None
    ref_columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return pg_constraint_name(self.table, self.kind, self.columns)


class Violations:
    """The constraints of one database, read on demand and kept until the schema changes."""

    def __init__(self, schema: SchemaVersion, connect: Callable[[], Any]) -> None:
        self._schema = schema
        self._connect = connect  # a new cursor on the database
        self._version = -1
        self._by_table: dict[str, list[_Constraint]] = {}
        self._lock = threading.Lock()

    def explain(self, error: PgError, message: str, sql: str) -> PgError:
        """`error` (from to_pg_error) with what PostgreSQL says of the same violation; the
        catalog is read here, so call it in the worker thread."""
        text = message.split("Error: ", 1)[-1].strip()
        target = _target(sql[:_PREFIX])
        for pattern, explain in _EXPLAINERS:
            found = pattern.match(text)
            if found:
                better = explain(self, found, target)
                if better is not None:
                    better.position = error.position
                    return better
                break
        return error

    # -- the catalog ---------------------------------------------------------------------------

    def _catalog(self) -> dict[str, list[_Constraint]]:
        with self._lock:
            if self._version != self._schema.value:
                self._version = self._schema.value  # read before it: a later change reads again
                self._by_table = _read(self._connect)
            return self._by_table

    def _constraints(self, table: str | None) -> list[_Constraint]:
        return [] if table is None else self._catalog().get(table, [])

    def _schema_of(self, table: str) -> str | None:
        found = self._constraints(table)
        return found[0].schema if found else None

    # -- one explainer per DuckDB message -------------------------------------------------------

    def _duplicate(self, found: re.Match[str], target: str | None) -> PgError | None:
        if target is None:
            return None
        kind = "PRIMARY KEY" if found[2].lower() == "primary key" else "UNIQUE"
        candidates = [c for c in self._constraints(target) if c.kind == kind]
        for constraint in candidates:
            values = _values(found[1], constraint.columns)
            if values is not None:
                return _duplicate_error(constraint, target, constraint.columns, values)
        parsed = _pairs(found[1])  # not in the committed catalog: the message names the columns
        if parsed is None:
            return None
        columns = tuple(column for column, _ in parsed)
        values = [value for _, value in parsed]
        constraint = _Constraint("", target, kind, columns, None, None, ())
        return _duplicate_error(constraint, target, columns, values)

    def _duplicate_values(self, found: re.Match[str], target: str | None) -> PgError | None:
        keys = [c for c in self._constraints(target) if c.kind in ("PRIMARY KEY", "UNIQUE")]
        count = found[1].count(", ") + 1
        candidates = [c for c in keys if len(c.columns) == count]
        if target is None or len(candidates) != 1:  # which key it was is not known
            return None
        constraint = candidates[0]
        values = found[1].split(", ") if count > 1 else [found[1]]
        return _duplicate_error(constraint, target, constraint.columns, values)

    def _missing_reference(self, found: re.Match[str], target: str | None) -> PgError | None:
        for constraint in self._constraints(target):
            if constraint.kind != "FOREIGN KEY" or constraint.ref_table is None:
                continue
            values = _values(found[1], constraint.ref_columns)
            if values is None:
                continue
            return PgError(
                f'insert or update on table "{constraint.table}" violates foreign key '
                f'constraint "{constraint.name}"',
                "23503",
                detail=f"Key ({', '.join(constraint.columns)})=({', '.join(values)}) is not "
                f'present in table "{constraint.ref_table}".',
                schema=constraint.schema,
                table=constraint.table,
                constraint=constraint.name,
            )
        return None

    def _still_referenced(self, found: re.Match[str], target: str | None) -> PgError | None:
        if target is None:
            return None
        referring = [
            c
            for constraints in self._catalog().values()
            for c in constraints
            if c.kind == "FOREIGN KEY" and c.ref_table == target
        ]
        for constraint in referring:
            values = _values(found[1], constraint.columns)
            if values is None:
                continue
            return PgError(
                f'update or delete on table "{target}" violates foreign key constraint '
                f'"{constraint.name}" on table "{constraint.table}"',
                "23503",
                detail=f"Key ({', '.join(constraint.ref_columns)})=({', '.join(values)}) is "
                f'still referenced from table "{constraint.table}".',
                hint=_STILL_REFERENCED_HINT,
                schema=constraint.schema,
                table=constraint.table,
                constraint=constraint.name,
            )
        return None

    def _check(self, found: re.Match[str], target: str | None) -> PgError | None:
        table, expression = found[1], found[2]
        for constraint in self._constraints(table):
            if constraint.kind == "CHECK" and constraint.expression == expression:
                return PgError(
                    f'new row for relation "{table}" violates check constraint "{constraint.name}"',
                    "23514",
                    schema=constraint.schema,
                    table=table,
                    constraint=constraint.name,
                )
        return None

    def _not_null(self, found: re.Match[str], target: str | None) -> PgError | None:
        table, column = found[1], found[2]
        return PgError(
            f'null value in column "{column}" of relation "{table}" violates not-null constraint',
            "23502",
            schema=self._schema_of(table),
            table=table,
            column=column,
        )


_Explainer = Callable[[Violations, re.Match[str], "str | None"], "PgError | None"]
_EXPLAINERS: list[tuple[re.Pattern[str], _Explainer]] = [
    (_DUPLICATE, Violations._duplicate),
    (_DUPLICATE_VALUES, Violations._duplicate_values),
    (_MISSING_REFERENCE, Violations._missing_reference),
    (_STILL_REFERENCED, Violations._still_referenced),
    (_CHECK, Violations._check),
    (_NOT_NULL, Violations._not_null),
]


def _duplicate_error(
    constraint: _Constraint, table: str, columns: Sequence[str], values: Sequence[str]
) -> PgError:
    name = constraint.name
    return PgError(
        f'duplicate key value violates unique constraint "{name}"',
        "23505",
        detail=f"Key ({', '.join(columns)})=({', '.join(values)}) already exists.",
        schema=constraint.schema or None,
        table=table,
        constraint=name,
    )


def _values(key: str, columns: Sequence[str]) -> list[str] | None:
    """The values of DuckDB's `a: 1, b: x` for exactly `columns`, in order; None when the key
    names other columns."""
    values = []
    rest = key
    for i, column in enumerate(columns):
        if not rest.startswith(f"{column}: "):
            return None
        rest = rest[len(column) + 2 :]
        if i + 1 < len(columns):
            end = rest.find(f", {columns[i + 1]}: ")
            if end < 0:
                return None
            values.append(rest[:end])
            rest = rest[end + 2 :]
        else:
            values.append(rest)
    return values


def _pairs(key: str) -> list[tuple[str, str]] | None:
    """DuckDB's `a: 1, b: x` split where a value holds no `, name: ` of its own."""
    parts = re.split(r", (?=[^\s:,]+: )", key)
    pairs = [tuple(part.split(": ", 1)) for part in parts]
    if any(len(pair) != 2 for pair in pairs):
        return None
    return [(pair[0], pair[1]) for pair in pairs]


@functools.lru_cache(maxsize=1024)
def _target(prefix: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes to (its last name part)."""
    reader = TokenReader(prefix)
    if not (
        reader.keywords("INSERT", "INTO")
        or reader.keyword("UPDATE")
        or reader.keywords("DELETE", "FROM")
    ):
        return None
    reader.keyword("ONLY")
    name = reader.qualified_name()
    return None if name is None else name.rsplit(".", 1)[-1]


def _read(connect: Callable[[], Any]) -> dict[str, list[_Constraint]]:
    cursor = connect()
    try:
        rows = cursor.execute(
            "SELECT schema_name, table_name, constraint_type, constraint_column_names, "
            "expression, referenced_table, referenced_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() ORDER BY constraint_index"
        ).fetchall()
    finally:
        cursor.close()
    by_table: dict[str, list[_Constraint]] = {}
    for schema, table, kind, columns, expression, ref_table, ref_columns in rows:
        pg_schema = qualified.PUBLIC if schema == qualified.DEFAULT_SCHEMA else schema
        by_table.setdefault(table, []).append(
            _Constraint(
                pg_schema, table, kind, tuple(columns or ()), expression, ref_table,
                tuple(ref_columns or ()),
            )
        )  # fmt: skip
    return by_table
