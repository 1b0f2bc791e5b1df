"""ALTER TABLE as PostgreSQL runs it, on DuckDB: which actions DuckDB runs itself and which
need the table made again (rebuild.py).

- `ADD [CONSTRAINT name] CHECK (...)` and `... FOREIGN KEY ...`, and `ADD COLUMN` with a
  REFERENCES, CHECK or PRIMARY KEY constraint: the table is made again with it (DuckDB
  cannot add either to an existing table);
- `DROP CONSTRAINT [IF EXISTS] name`, by the name the catalog shows (constraints.py): the table
  is made again without it; a primary key written on its column cannot be dropped (0A000);
- `DROP COLUMN` of a table with key constraints, indexes or tables referring to it: made
  again without the column and the constraints that name it, as PostgreSQL drops them;
- `ALTER COLUMN ... TYPE t` where `t` is the column's DuckDB type already (varchar(150) for
  a varchar: DuckDB keeps no length) changes nothing and is accepted as is;
- any other single action (SET/DROP NOT NULL, SET/DROP DEFAULT, TYPE, RENAME) on a table
  that indexes or referring tables depend on: run once they are out of the way.

Everything else goes to DuckDB as written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgwire import sqlstate
from pgwire.backends.duckdb.constraints import pg_constraint_name
from pgwire.backends.duckdb.rebuild import Change, dependents, locate, rebuild
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader

__all__ = ["Statement", "parse", "run"]

_INLINE = frozenset({"REFERENCES", "CHECK", "PRIMARY"})  # constraints DuckDB's ADD COLUMN lacks


@dataclass(frozen=True, slots=True)
class Statement:
    """`ALTER TABLE [IF EXISTS] [ONLY] <schema>.<table> <action>`: one action, its first
    words upper-cased (`words`), its text (`action`)."""

    schema: str | None
    table: str
    if_exists: bool
    words: tuple[str, ...]
    action: str
    sql: str


def parse(sql: str) -> Statement | None:
    reader = TokenReader(sql)
    if not reader.keywords("ALTER", "TABLE"):
        return None
    if_exists = reader.keywords("IF", "EXISTS")
    reader.keyword("ONLY")
    parts: list[str] = []
    while True:
        part = reader.name()
        if part is None:
            return None
        parts.append(part)
        if not reader.char("."):
            break
    start = reader.i
    if len(reader.split(",")) != 1 or start >= len(reader.tokens):
        return None  # several actions: DuckDB's to judge
    words = tuple(t.keyword for t in reader.tokens[start : start + 6])
    schema = parts[-2] if len(parts) > 1 else None
    action = reader.text(start, len(reader.tokens))
    return Statement(schema, parts[-1], if_exists, words, action, sql)


def run(cursor: Any, statement: Statement) -> bool:
    """Run `statement` when it is one DuckDB cannot run as written; False when DuckDB can
    (nothing was done). The caller holds the transaction."""
    words = statement.words
    if words[:1] == ("ADD",):
        return _add(cursor, statement)
    if words[:2] == ("DROP", "CONSTRAINT"):
        return _drop_constraint(cursor, statement)
    if words[:1] == ("RENAME",) or words[:1] == ("ALTER",) or words[:1] == ("DROP",):
        return _in_place(cursor, statement)
    return False


def _where(cursor: Any, statement: Statement) -> tuple[str, str] | None:
    try:
        return locate(cursor, statement.schema, statement.table)
    except PgError:
        if statement.if_exists:
            return None
        raise


def _add(cursor: Any, statement: Statement) -> bool:
    reader = TokenReader(statement.action)
    reader.keyword("ADD")
    start = reader.i
    if reader.keyword("CONSTRAINT"):
        reader.name()
        start = reader.i
    kind = reader.keyword("CHECK", "FOREIGN", "UNIQUE", "PRIMARY")
    if kind is None:
        return _add_column(cursor, statement, reader)
    where = _where(cursor, statement)
    if where is None:
        return True
    clause = reader.text(start, len(reader.tokens))
    if kind in ("UNIQUE", "PRIMARY"):
        indexes, referrers = dependents(cursor, where[1], statement.table)
        if not indexes and not referrers:
            return False
        rebuild(cursor, *where, statement.table, Change(alter=statement.sql))
        return True
    if "NOT VALID" in clause.upper():
        what = "CHECK" if kind == "CHECK" else "FOREIGN KEY"
        raise PgError(
            f"ALTER TABLE ... ADD {what} ... NOT VALID is not supported on DuckDB",
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    rebuild(cursor, *where, statement.table, Change(items=lambda items: [*items, clause]))
    return True


def _add_column(cursor: Any, statement: Statement, reader: TokenReader) -> bool:
    """ADD COLUMN: DuckDB adds a column whatever depends on the table, but not one with a
    REFERENCES, CHECK or PRIMARY KEY constraint (Django adds a ForeignKey field so): the
    table is made again with it, the existing rows taking its default."""
    reader.keyword("COLUMN")
    if_not_exists = reader.keywords("IF", "NOT", "EXISTS")
    first = reader.i
    column = reader.name()
    if column is None or not {t.keyword for t in reader.tokens[reader.i :]} & _INLINE:
        return False
    where = _where(cursor, statement)
    if where is None:
        return True
    existing = _columns(cursor, where, statement.table)
    if column in existing and if_not_exists:
        return True
    definition = reader.text(first, len(reader.tokens))
    change = Change(items=lambda items: [*items, definition], keep=existing)
    rebuild(cursor, *where, statement.table, change)
    return True


def _columns(cursor: Any, where: tuple[str, str], table: str) -> list[str]:
    return [
        name
        for (name,) in cursor.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND "
            "schema_name = ? AND table_name = ? ORDER BY column_index",
            [*where, table],
        ).fetchall()
    ]


def _drop_constraint(cursor: Any, statement: Statement) -> bool:
    reader = TokenReader(statement.action)
    reader.keywords("DROP", "CONSTRAINT")
    if_exists = reader.keywords("IF", "EXISTS")
    name = reader.name()
    where = _where(cursor, statement)
    if where is None or name is None:
        return True
    found = None
    for kind, columns, text in cursor.execute(
        "SELECT constraint_type, constraint_column_names, constraint_text "
        "FROM duckdb_constraints() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND constraint_type <> 'NOT NULL'",
        [*where, statement.table],
    ).fetchall():
        if name in _names_of(statement.table, kind, columns):
            found = (kind, text)
            break
    if found is None:
        if if_exists:
            return True
        raise PgError(
            f'constraint "{name}" of relation "{statement.table}" does not exist',
            sqlstate.UNDEFINED_OBJECT,
        )
    kind, text = found
    wanted = _squeezed(text)

    def without(items: list[str]) -> list[str]:
        kept = [item for item in items if _squeezed(item) != wanted]
        if len(kept) == len(items):
            raise PgError(
                f'ALTER TABLE ... DROP CONSTRAINT is not supported on DuckDB for "{name}":'
                f" a {kind} written on its column",
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        return kept

    rebuild(cursor, *where, statement.table, Change(items=without))
    return True


# Names that spell out the table and columns, as migration tools name constraints themselves
# (knex: `<table>_<columns>_unique` / `_foreign`, `<table>_pkey`), by kind.
_SUFFIXES = {
    "UNIQUE": ("key", "unique", "uniq"),
    "FOREIGN KEY": ("fkey", "foreign", "fk"),
    "CHECK": ("check",),
    "PRIMARY KEY": ("pkey", "primary"),
}


def _names_of(table: str, kind: str, columns: list[str]) -> set[str]:
    """The names DROP CONSTRAINT finds a constraint by: the one the catalog shows, and the
    ones naming its table, columns and kind (DuckDB keeps no name given to it)."""
    names = {pg_constraint_name(table, kind, columns)}
    for suffix in _SUFFIXES.get(kind, ()):
        names.add(f"{table}_{'_'.join(columns)}_{suffix}")
        if kind == "PRIMARY KEY":
            names.add(f"{table}_{suffix}")
    return names


def _in_place(cursor: Any, statement: Statement) -> bool:
    """An action DuckDB runs itself unless something depends on the table."""
    words = statement.words
    where = _where(cursor, statement)
    if where is None:
        return True
    if words[:1] == ("ALTER",) and _same_type(cursor, where, statement):
        return True
    indexes, referrers = dependents(cursor, where[1], statement.table)
    dropping = _dropped_column(statement)
    if dropping is not None:
        has_keys = cursor.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE database_name = ? AND "
            "schema_name = ? AND table_name = ? AND constraint_type IN "
            "('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')",
            [*where, statement.table],
        ).fetchone()[0]
        if not (indexes or referrers or has_keys):
            return False
        keep = _columns(cursor, where, statement.table)
        if dropping not in keep:
            return False  # DuckDB's error (or IF EXISTS) as it is
        keep.remove(dropping)
        change = Change(items=_minus(dropping), keep=keep, dropped_column=dropping)
        rebuild(cursor, *where, statement.table, change)
        return True
    if not indexes and not referrers:
        return False
    table, column = _renames(statement)
    change = Change(alter=statement.sql, renamed_table=table, renamed_column=column)
    rebuild(cursor, *where, statement.table, change)
    return True


def _same_type(cursor: Any, where: tuple[str, str], statement: Statement) -> bool:
    """`ALTER [COLUMN] c [SET DATA] TYPE t` without USING, where `t` is c's DuckDB type."""
    reader = TokenReader(statement.action)
    reader.keyword("ALTER")
    reader.keyword("COLUMN")
    column = reader.name()
    reader.keywords("SET", "DATA")
    if column is None or not reader.keyword("TYPE"):
        return False
    rest = reader.rest()
    tokens = lexer.code(rest)
    using = next((i for i, t in enumerate(tokens) if t.keyword == "USING"), None)
    if using is not None:
        # knex writes `TYPE t USING ("c"::t)`: the column cast to the type, nothing more
        expression = [t for t in tokens[using + 1 :] if t.text not in ("(", ")")]
        rest = rest[: tokens[using].start].strip()
        cast = "".join(t.text for t in expression[2:]).lower()
        if len(expression) < 3 or expression[0].value != column or expression[1].text != "::":
            return False
        if cast != "".join(t.text for t in lexer.code(rest) if t.text not in "()").lower():
            return False
    if not rest:
        return False
    row = cursor.execute(
        f"SELECT typeof(CAST(NULL AS {rest})), (SELECT data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? AND column_name = ?)",
        [*where, statement.table, column],
    ).fetchone()
    return row is not None and row[1] is not None and row[0] == row[1]


def _dropped_column(statement: Statement) -> str | None:
    reader = TokenReader(statement.action)
    reader.keyword("DROP")
    reader.keyword("COLUMN")
    reader.keywords("IF", "EXISTS")
    return reader.name() if statement.words[:1] == ("DROP",) else None


def _minus(column: str) -> Callable[[list[str]], list[str]]:
    """Items without the column's own and without the table constraints naming it."""

    def items(found: list[str]) -> list[str]:
        kept = []
        for item in found:
            tokens = lexer.code(item)
            if tokens and tokens[0].value == column:
                continue
            if any(t.value == column for t in tokens[1:]) and tokens[0].keyword in (
                "UNIQUE", "PRIMARY", "CHECK", "FOREIGN", "CONSTRAINT",
            ):  # fmt: skip
                continue
            kept.append(item)
        return kept

    return items


def _renames(statement: Statement) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """((old, new) table name, (old, new) column name) of a RENAME."""
    reader = TokenReader(statement.action)
    if not reader.keyword("RENAME"):
        return None, None
    if reader.keyword("TO"):
        new = reader.name()
        return (None if new is None else (statement.table, new)), None
    reader.keyword("COLUMN")
    old = reader.name()
    new = reader.name() if old is not None and reader.keyword("TO") else None
    return None, (None if old is None or new is None else (old, new))


def _squeezed(text: str) -> str:
    return "".join(t.text for t in lexer.code(text)).lower()
