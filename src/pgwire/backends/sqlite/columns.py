"""What a SQLite statement's result columns are, as RowDescription describes them.

SQLite keeps the declared type of a table's columns, and reports it for a view's columns: a
query is made a temporary view for a moment to learn the declared type of each of its result
columns (cached per query text until the schema changes). An expression's column takes what
the query says (`sql.Translation.projections`, typed by `expressions`; one over columns from
the declared types of those columns, `sql.ColumnProbe`), else the type of its first value.
Describe answers from the same sources without running the statement, and what it told the
client is what Execute then keeps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.sql import STAR, Translation, translate
from pgwire.backends.sqlite.types import (
    Converter,
    PgType,
    convert_rows,
    converter,
    declared_type,
    type_of_value,
)
from pgwire.backends.sqlparams import infer_parameter_types
from pgwire.handler import Column, Description
from pgwire.sql import parameter_count, transaction_verb
from pgwire.types import oids

__all__ = ["ColumnTypes"]

_DESCRIBED_CACHE = 256  # statements whose described columns a session remembers
_VIEW = "_pgwire_describe"

Row = tuple[Any, ...]


class ColumnTypes:
    """One session's result column types, on its connection (in its worker thread)."""

    def __init__(self, conn: sqlite3.Connection, batch_rows: int) -> None:
        self._conn = conn
        self._batch_rows = batch_rows
        # Described columns by statement text: what Describe told the client, Execute keeps.
        self._described: dict[str, list[Column]] = {}
        # Declared types of a query's result columns, by its describe text; valid while the
        # schema (main's schema_version, and this session's own DDL) stays the same.
        self._decltypes: dict[str, list[str]] = {}
        self._schema_seen: int | None = None

    def forget(self) -> None:
        """The session changed the schema itself: what was learnt may be wrong now."""
        self._decltypes.clear()
        self._described.clear()

    # -- a result being run --------------------------------------------------------------------

    def of_result(
        self,
        sql: str,
        translation: Translation,
        cursor: sqlite3.Cursor,
        description: Sequence[Any],
    ) -> tuple[list[Column], list[Converter | None], list[Row], bool]:
        """The columns of the result `cursor` holds, a converter for each, its first batch of
        rows (converted) and whether that was all of them."""
        names = [str(d[0]) for d in description]
        described = self._described.get(sql)
        raw: list[Row] = cursor.fetchmany(self._batch_rows)
        done = len(raw) < self._batch_rows
        if described is not None and len(described) == len(names):
            types: list[PgType | None] = [(c.type_oid, c.type_modifier) for c in described]
        else:
            types = self._known_types(translation, len(names))
            for i, found in enumerate(types):
                if found is None:
                    value = next((row[i] for row in raw if row[i] is not None), None)
                    types[i] = type_of_value(value) if value is not None else (oids.TEXT, -1)
        columns = [
            Column(name, *(t or (oids.TEXT, -1))) for name, t in zip(names, types, strict=True)
        ]
        converters = [converter(c.type_oid, c.type_modifier) for c in columns]
        return columns, converters, convert_rows(raw, converters), done

    def _known_types(self, translation: Translation, width: int) -> list[PgType | None]:
        """Per result column: its declared type, else what the query says, else None."""
        types: list[PgType | None] = [None] * width
        if translation.describe is not None:
            try:
                declared = self._declared_types(translation.describe)
            except sqlite3.Error:  # not a query SQLite takes as a view: values decide
                declared = []
            if len(declared) == width:
                types = [declared_type(d) for d in declared]
        hints = translation.projections
        if hints is not None:
            for i, hint in _aligned(hints, width):
                if hint is not None and types[i] is None:
                    types[i] = hint
            self._probed(translation, types)
        return types

    def _probed(self, translation: Translation, types: list[PgType | None]) -> None:
        """Fill in the types of expressions over columns (`sum(qty)`), from the declared types
        of those columns."""
        probe = translation.probe
        hints = translation.projections
        if probe is None or hints is None:
            return
        width = len(types)
        wanted = [_column_of(k, hints, width) for k, _ in probe.expressions]
        if not any(i is not None and types[i] is None for i in wanted):
            return
        try:
            declared = self._declared_types(probe.text)
        except sqlite3.Error:  # not something SQLite takes as a view: values decide
            return
        if len(declared) != len(probe.keys):
            return
        found = probe.types([declared_type(d) for d in declared])
        for index, hint in found.items():
            i = _column_of(index, hints, width)
            if i is not None and hint is not None and types[i] is None:
                types[i] = hint

    def _declared_types(self, query: str) -> list[str]:
        """The declared type of each result column of `query` (a SELECT with no parameters),
        as SQLite reports it for the columns of a view; '' for an expression."""
        version = self._conn.execute("PRAGMA schema_version").fetchone()[0]
        if version != self._schema_seen:
            self._decltypes.clear()
            self._schema_seen = version
        found = self._decltypes.get(query)
        if found is not None:
            return found
        conn = self._conn
        conn.execute(f"CREATE TEMP VIEW {_VIEW} AS {query}")
        try:
            found = [str(row[2]) for row in conn.execute(f"PRAGMA temp.table_info({_VIEW})")]
        finally:
            conn.execute(f"DROP VIEW temp.{_VIEW}")
        if len(self._decltypes) >= _DESCRIBED_CACHE:
            self._decltypes.clear()
        self._decltypes[query] = found
        return found

    # -- describe ------------------------------------------------------------------------------

    def parameter_types(self, sql: str, types: list[int]) -> list[int]:
        """Types for the parameters left 0, from the columns they meet (PRAGMA table_info is
        cheap: nothing is kept)."""
        return infer_parameter_types(sql, types, self._table_columns)

    def describe(self, sql: str, types: list[int]) -> Description | None:
        """Parameter and result types of `sql` without running it."""
        try:
            if transaction_verb(sql) is not None:
                return Description(types, None)
            translation = translate(sql)
            if not all(types):
                types = infer_parameter_types(sql, types, self._table_columns)
            if translation.noop or not translation.text:
                return Description(types, None)
            if translation.rows is None:
                return None  # the library learns by running it
            if translation.rows is False or translation.describe is None:
                # Compiled, not run: errors (no such table, ...) show now, as in PostgreSQL.
                nulls = (None,) * parameter_count(sql)
                self._conn.execute(f"EXPLAIN {translation.text}", nulls).fetchall()
                if translation.rows is False:
                    return Description(types, None)
            if translation.describe is None:
                return None
            try:
                declared = self._declared_types(translation.describe)
            except sqlite3.Error:
                # Not a query SQLite takes as a view: compiling it tells whether it is an
                # error; if not, the library learns its columns by running it.
                nulls = (None,) * parameter_count(sql)
                self._conn.execute(f"EXPLAIN {translation.text}", nulls).fetchall()
                return None
        except sqlite3.Error as exc:
            raise to_pg_error(exc, sql) from None
        types_out: list[PgType | None] = [declared_type(d) for d in declared]
        if translation.projections is not None:
            for i, hint in _aligned(translation.projections, len(types_out)):
                if hint is not None and types_out[i] is None:
                    types_out[i] = hint
            self._probed(translation, types_out)
        names = self._view_names(translation.describe)
        columns = [
            Column(name, *(t or (oids.TEXT, -1))) for name, t in zip(names, types_out, strict=True)
        ]
        if len(self._described) >= _DESCRIBED_CACHE:
            self._described.clear()
        self._described[sql] = columns
        return Description(types, columns)

    def _view_names(self, query: str) -> list[str]:
        cursor = self._conn.execute(f"SELECT * FROM ({query}) LIMIT 0")
        names = [str(d[0]) for d in cursor.description or ()]
        cursor.close()
        return names

    def _table_columns(self, name: tuple[str, ...]) -> list[tuple[str, int]] | None:
        """A table's (or view's) columns and the parameter type each gives; None: no such
        table. For parameter type inference."""
        if len(name) > 2:
            return None
        schema = f'"{name[0]}".' if len(name) == 2 else ""
        table = name[-1].replace("'", "''")
        try:
            rows = self._conn.execute(f"PRAGMA {schema}table_info('{table}')").fetchall()
        except sqlite3.Error:
            return None
        if not rows:
            return None
        out = []
        for row in rows:
            found = declared_type(str(row[2]))
            out.append((str(row[1]), found[0] if found is not None else 0))
        return out


def _aligned(hints: Sequence[PgType | None], width: int) -> list[tuple[int, PgType | None]]:
    """(column index, hint) for projections whose column is known despite `*` expansions:
    those before the first star, and those after the last one counted from the end."""
    if STAR not in hints:
        return list(enumerate(hints)) if len(hints) == width else []
    first = hints.index(STAR)
    last = len(hints) - 1 - list(reversed(hints)).index(STAR)
    pairs = list(enumerate(hints[:first]))
    tail = hints[last + 1 :]
    pairs += [(width - len(tail) + k, hint) for k, hint in enumerate(tail)]
    return [(i, h) for i, h in pairs if 0 <= i < width]


def _column_of(index: int, hints: Sequence[PgType | None], width: int) -> int | None:
    """The result column of projection `index`, when `*` expansions leave it known."""
    if STAR not in hints:
        return index if len(hints) == width else None
    first = hints.index(STAR)
    last = len(hints) - 1 - list(reversed(hints)).index(STAR)
    if index < first:
        return index
    if index > last:
        return width - (len(hints) - index)
    return None
