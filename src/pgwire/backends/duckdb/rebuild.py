"""Changing a table that DuckDB will not ALTER in place, by making it again.

DuckDB refuses most ALTER TABLE actions on a table that an index (CREATE INDEX) or another
table's foreign key depends on ("Cannot alter entry ... because there are entries that depend
on it"), cannot add a CHECK or FOREIGN KEY to an existing table, and cannot drop a column that
a key constraint's index covers or follows. `rebuild` does what PostgreSQL does in those
cases, in the caller's transaction:

1. the tables whose foreign keys lead to the table (directly or through others) are copied
   aside (rows, definition, indexes, comments) and dropped, referrers first;
2. the table is copied aside and dropped (its indexes with it), created again from DuckDB's
   own definition, with the change applied when DuckDB cannot make it at all, and its rows
   put back (so they are checked against a new constraint, as PostgreSQL validates them);
   a new table because DuckDB keeps counting indexes dropped in the transaction as depending
   on the old one;
3. otherwise the ALTER TABLE itself runs on the new table, on which nothing depends;
4. indexes, comments and the referring tables (with their rows) are made again.

Every step runs inside the one transaction: a failure (a row that breaks the new constraint,
a renamed column an index still names) leaves everything as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader

__all__ = ["Change", "dependents", "quote", "rebuild"]


@dataclass(frozen=True, slots=True)
class Change:
    """What happens to the table: `alter` run as is (DuckDB can, once nothing depends on the
    table), or its definition's items rewritten by `items` (DuckDB cannot: the table is
    made again) with the rows copied back from the columns `keep` (None: all)."""

    alter: str | None = None
    items: Callable[[list[str]], list[str]] | None = None
    keep: list[str] | None = None
    # rename of the table or a column: (old, new) names other definitions must follow
    renamed_table: tuple[str, str] | None = None
    renamed_column: tuple[str, str] | None = None
    # a dropped column: the indexes on it go with it, as in PostgreSQL
    dropped_column: str | None = None


@dataclass(slots=True)
class _Saved:
    schema: str
    name: str
    qualified: str
    items: list[str]
    indexes: list[str]
    comment: str | None
    column_comments: list[tuple[str, str]] = field(default_factory=list)
    aside: str = ""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def locate(cursor: Any, schema: str | None, table: str) -> tuple[str, str]:
    """(database, schema) of a table named in a statement."""
    row = cursor.execute(
        "SELECT database_name, schema_name FROM duckdb_tables() WHERE table_name = ? AND "
        + ("schema_name = current_schema()" if schema is None else "schema_name = ?")
        + " ORDER BY temporary DESC LIMIT 1",
        [table] if schema is None else [table, schema],
    ).fetchone()
    if row is None:
        raise PgError(f'relation "{table}" does not exist', sqlstate.UNDEFINED_TABLE)
    return str(row[0]), str(row[1])


def dependents(cursor: Any, schema: str, table: str) -> tuple[list[str], list[str]]:
    """(indexes made by CREATE INDEX on the table, as their SQL; tables whose foreign keys
    lead to it, referrers of referrers first)."""
    indexes = [
        sql
        for (sql,) in cursor.execute(
            "SELECT sql FROM duckdb_indexes() WHERE table_name = ? AND schema_name = ? "
            "AND sql IS NOT NULL",
            [table, schema],
        ).fetchall()
    ]
    edges = cursor.execute(
        "SELECT DISTINCT table_name, referenced_table FROM duckdb_constraints() "
        "WHERE constraint_type = 'FOREIGN KEY' AND schema_name = ?",
        [schema],
    ).fetchall()
    order: list[str] = []

    def visit(name: str) -> None:
        for referrer, referenced in edges:
            if referenced == name and referrer not in order and referrer != table:
                order.append(referrer)
                visit(referrer)

    visit(table)
    # a referrer must go before the tables it refers to: latest found first
    return indexes, order[::-1]


def rebuild(cursor: Any, database: str, schema: str, table: str, change: Change) -> None:
    indexes, referrers = dependents(cursor, schema, table)
    saved = [_save(cursor, database, schema, name) for name in referrers]
    for other in saved:
        _set_aside(cursor, other)
        cursor.execute(f"DROP TABLE {other.qualified}")
    target = _save(cursor, database, schema, table)
    # Always a new table: DuckDB still counts indexes dropped earlier in the transaction as
    # depending on the old one, and refuses some ALTERs for them until COMMIT.
    _set_aside(cursor, target)
    cursor.execute(f"DROP TABLE {target.qualified}")
    items = target.items if change.items is None else change.items(target.items)
    cursor.execute(f"CREATE TABLE {target.qualified}({', '.join(items)})")
    columns = "*" if change.keep is None else ", ".join(quote(c) for c in change.keep)
    into = "" if change.keep is None else f"({columns})"
    cursor.execute(f"INSERT INTO {target.qualified}{into} SELECT {columns} FROM {target.aside}")
    cursor.execute(f"DROP TABLE {target.aside}")
    _comment(cursor, target, change.keep)
    if change.alter is not None:
        cursor.execute(change.alter)
    name = change.renamed_table[1] if change.renamed_table else table
    qualified = f"{quote(database)}.{quote(schema)}.{quote(name)}"
    for index in indexes:
        if change.dropped_column is None or not _indexes(index, change.dropped_column):
            cursor.execute(_follow(index, table, change, qualified))
    for other in reversed(saved):
        items = [_follow(item, table, change) for item in other.items]
        cursor.execute(f"CREATE TABLE {other.qualified}({', '.join(items)})")
        cursor.execute(f"INSERT INTO {other.qualified} SELECT * FROM {other.aside}")
        cursor.execute(f"DROP TABLE {other.aside}")
        for index in other.indexes:
            cursor.execute(index)
        _comment(cursor, other, None)


def _save(cursor: Any, database: str, schema: str, table: str) -> _Saved:
    row = cursor.execute(
        "SELECT sql, comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?",
        [database, schema, table],
    ).fetchone()
    if row is None:
        raise PgError(f'relation "{table}" does not exist', sqlstate.UNDEFINED_TABLE)
    definition, comment = row
    indexes = [
        sql
        for (sql,) in cursor.execute(
            "SELECT sql FROM duckdb_indexes() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? AND sql IS NOT NULL",
            [database, schema, table],
        ).fetchall()
    ]
    column_comments = cursor.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? AND "
        "schema_name = ? AND table_name = ? AND comment IS NOT NULL ORDER BY column_index",
        [database, schema, table],
    ).fetchall()
    qualified = ".".join(quote(p) for p in (database, schema, table))
    return _Saved(schema, table, qualified, _items(definition), indexes, comment, column_comments)


def _set_aside(cursor: Any, saved: _Saved) -> None:
    saved.aside = quote(f"_pgwire_rebuild_{saved.name}")
    cursor.execute(f"CREATE TEMP TABLE {saved.aside} AS SELECT * FROM {saved.qualified}")


def _comment(cursor: Any, saved: _Saved, keep: list[str] | None) -> None:
    if saved.comment:
        cursor.execute(f"COMMENT ON TABLE {saved.qualified} IS {_literal(saved.comment)}")
    for column, text in saved.column_comments:
        if keep is None or column in keep:
            cursor.execute(
                f"COMMENT ON COLUMN {saved.qualified}.{quote(column)} IS {_literal(text)}"
            )


def _items(definition: str) -> list[str]:
    """The column and constraint items of DuckDB's `CREATE TABLE name(...);`."""
    reader = TokenReader(definition)
    while not reader.at_end() and not reader.char("("):
        reader.take()
    items = reader.bracketed()
    if not items:
        raise PgError(f"cannot read the table definition {definition!r}", sqlstate.INTERNAL_ERROR)
    return [reader.text(first, end) for first, end in items]


def _indexes(index: str, column: str) -> bool:
    """Whether a CREATE INDEX statement names `column` in its brackets."""
    tokens = lexer.code(index)
    opening = next((i for i, t in enumerate(tokens) if t.text == "("), len(tokens))
    return any(t.value == column and t.kind in ("word", "ident") for t in tokens[opening:])


def _follow(text: str, table: str, change: Change, qualified: str | None = None) -> str:
    """An index's SQL or a referring table's item, following a rename of `table` or of one
    of its columns (the table after ON or REFERENCES, the columns in the brackets after it)."""
    if change.renamed_table is None and change.renamed_column is None:
        return text
    reader = TokenReader(text)
    tokens = reader.tokens
    edits: list[tuple[int, int, str]] = []
    for i, token in enumerate(tokens):
        if token.keyword not in ("ON", "REFERENCES") or i + 1 >= len(tokens):
            continue
        j = i + 1
        while j + 2 < len(tokens) and tokens[j + 1].text == ".":
            j += 2  # a qualified name: its last part is the table
        if tokens[j].value != table:
            continue
        if change.renamed_table is not None:
            if qualified is not None and token.keyword == "ON":
                edits.append((tokens[i + 1].start, tokens[j].end, qualified))
            else:
                edits.append((tokens[j].start, tokens[j].end, quote(change.renamed_table[1])))
        if change.renamed_column is not None and j + 1 < len(tokens):
            old, new = change.renamed_column
            depth = 0
            for k in range(j + 1, len(tokens)):
                if tokens[k].text == "(":
                    depth += 1
                elif tokens[k].text == ")":
                    depth -= 1
                    if depth == 0:
                        break
                elif tokens[k].value == old and tokens[k].kind in ("word", "ident"):
                    edits.append((tokens[k].start, tokens[k].end, quote(new)))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
