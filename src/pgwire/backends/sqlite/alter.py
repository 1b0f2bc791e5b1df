"""ALTER TABLE as PostgreSQL has it, on SQLite, whose ALTER TABLE only adds, renames and drops
columns and renames tables.

- ADD COLUMN, DROP COLUMN, RENAME [COLUMN] TO: SQLite's own (a serial column's sequence
  follows its table and column when they are renamed);
- ADD CONSTRAINT ... UNIQUE: a unique index named as the constraint;
- ADD CONSTRAINT ... CHECK / FOREIGN KEY, DROP CONSTRAINT, ALTER COLUMN SET/DROP NOT NULL,
  SET/DROP DEFAULT and TYPE: changes to the table's declaration alone, which do not touch
  how its rows are stored. They are made as SQLite documents for such changes ("ALTER TABLE:
  making other kinds of table schema changes"): the CREATE TABLE text kept in sqlite_schema
  is rewritten (writable_schema) and the schema version bumped, in the statement's
  transaction, after the rows are checked against the new constraint (23514, 23502, 23503,
  as PostgreSQL would fail). TYPE also converts the column's values (USING or a cast).
- ADD PRIMARY KEY, which would change how the rows are stored, is refused (0A000).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from pgwire import sqlstate
from pgwire.backends.sqlite import comments
from pgwire.backends.sqlite import sql as translation
from pgwire.backends.sqlite.sequences import Sequences
from pgwire.errors import PgError
from pgwire.sql import lexer

__all__ = ["given_columns", "insertable_columns", "run"]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prefix(schema: str | None) -> str:
    return f"{_quote(schema)}." if schema else ""


def _master(schema: str | None) -> str:
    if schema == "temp":
        return "sqlite_temp_master"
    return f"{_prefix(schema)}sqlite_master"


def _rename_view(conn: sqlite3.Connection, schema: str | None, view: str, new: str) -> bool:
    """ALTER TABLE (or VIEW) v RENAME TO w of a view, which SQLite cannot rename: made again
    under the new name from its own definition (dbt renames the views it builds into place).
    False when `view` is no view."""
    row = conn.execute(
        f"SELECT name, sql FROM {_master(schema)} WHERE type = 'view' AND name = ? COLLATE NOCASE",
        (view,),
    ).fetchone()
    if row is None:
        return False
    name, definition = str(row[0]), str(row[1])
    tokens = lexer.code(definition)
    at = next(i for i, t in enumerate(tokens) if t.keyword == "VIEW") + 1
    if [t.keyword for t in tokens[at : at + 3]] == ["IF", "NOT", "EXISTS"]:
        at += 3
    while at + 2 < len(tokens) and tokens[at + 1].text == ".":
        at += 2  # a qualified name: its last part is the view's
    rest = definition[tokens[at].end :]
    conn.execute(f"DROP VIEW {_prefix(schema)}{_quote(name)}")
    conn.execute(f"CREATE VIEW {_prefix(schema)}{_quote(new)}{rest}")
    return True


def insertable_columns(
    conn: sqlite3.Connection, schema: str | None, table: str
) -> list[tuple[str, str | None]]:
    """(name, default expression) of the columns an INSERT may give, in order."""
    rows = conn.execute(f"PRAGMA {_prefix(schema)}table_xinfo({_quote(table)})").fetchall()
    if not rows:
        raise PgError(f'relation "{table}" does not exist', sqlstate.UNDEFINED_TABLE)
    return [(str(row[1]), row[4]) for row in rows if row[6] == 0]


def given_columns(tree: exp.Expr | None, columns: Sequence[str]) -> set[str]:
    """The columns an INSERT gives a value other than DEFAULT in some row (lower case)."""
    values = tree.expression if tree is not None else None
    if not isinstance(values, exp.Values):
        return {column.lower() for column in columns}
    given: set[str] = set()
    for row in values.expressions:
        for column, node in zip(columns, row.expressions, strict=False):
            if not (isinstance(node, exp.Var) and node.name.upper() == "DEFAULT"):
                given.add(column.lower())
    return given


def run(conn: sqlite3.Connection, tree: exp.Alter, sequences: Sequences) -> None:
    """Every action of an ALTER TABLE, in order (the caller makes them one transaction)."""
    table_node = tree.this
    schema = table_node.db or None
    table = table_node.name
    exists = conn.execute(
        f"SELECT 1 FROM {_master(schema)} WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (table,),
    ).fetchone()
    actions = tree.args.get("actions") or []
    renaming = len(actions) == 1 and isinstance(actions[0], exp.AlterRename)
    if not exists and renaming and _rename_view(conn, schema, table, actions[0].this.name):
        return
    if not exists:
        if tree.args.get("exists"):
            return
        raise PgError(f'relation "{table}" does not exist', sqlstate.UNDEFINED_TABLE)
    for action in tree.args.get("actions") or []:
        _action(conn, schema, table, tree, action, sequences)
        if isinstance(action, exp.AlterRename):
            table = action.this.name


def _action(
    conn: sqlite3.Connection,
    schema: str | None,
    table: str,
    tree: exp.Alter,
    action: exp.Expr,
    sequences: Sequences,
) -> None:
    if isinstance(action, exp.AddConstraint):
        for constraint in action.expressions:
            _add_constraint(conn, schema, table, constraint)
        return
    if isinstance(action, exp.AlterColumn):
        _alter_column(conn, schema, table, action)
        return
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "CONSTRAINT":
        _drop_constraint(conn, schema, table, action)
        return
    if isinstance(action, exp.ColumnDef) and action.args.get("exists"):
        names = [name.lower() for name, _ in insertable_columns(conn, schema, table)]
        if action.name.lower() in names:
            return
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "COLUMN":
        for dropped in action.args.get("tables") or []:
            _drop_dependents(conn, schema, table, dropped.name)
    # SQLite says it itself: ADD/DROP/RENAME COLUMN, RENAME TO.
    single = tree.copy()
    one = action.copy()
    if isinstance(one, exp.Drop):
        one.set("cascade", None)  # SQLite has no dependent objects to drop with it
    single.set("actions", [one])
    single.set("exists", None)
    conn.execute(translation.generate_ddl(single))
    if isinstance(action, exp.AlterRename):
        sequences.renamed(table, action.this.name, None, None)
        comments.renamed(conn, schema, table, action.this.name)
    elif isinstance(action, exp.RenameColumn):
        sequences.renamed(table, None, action.this.name, action.args["to"].name)


def _drop_dependents(conn: sqlite3.Connection, schema: str | None, table: str, column: str) -> None:
    """What PostgreSQL drops with a column and SQLite refuses to drop it under: the indexes
    on it, and the table's CHECK and FOREIGN KEY constraints that use it."""
    prefix = _prefix(schema)
    for _seq, index, _unique, origin, _partial in conn.execute(
        f"PRAGMA {prefix}index_list({_quote(table)})"
    ).fetchall():
        parts = conn.execute(f"PRAGMA {prefix}index_info({_quote(str(index))})").fetchall()
        if origin == "c" and any(str(part[2]).lower() == column.lower() for part in parts):
            conn.execute(f"DROP INDEX {prefix}{_quote(str(index))}")
    tree = _declaration(conn, schema, table)
    changed = False
    for node in list(tree.this.expressions):
        if isinstance(node, exp.ColumnDef):
            continue
        used = {c.name.lower() for c in node.find_all(exp.Column)}
        used |= {
            i.name.lower()
            for fk in node.find_all(exp.ForeignKey)
            for i in fk.expressions
            if isinstance(i, exp.Identifier)
        }
        checks_or_keys = node.find(exp.CheckColumnConstraint) or node.find(exp.ForeignKey)
        if checks_or_keys is not None and column.lower() in used:
            node.pop()
            changed = True
    if changed:
        _redeclare(conn, schema, table, tree)


# ---------------------------------------------------------------------------------------------
# the CREATE TABLE text, edited


def _declaration(conn: sqlite3.Connection, schema: str | None, table: str) -> exp.Create:
    row = conn.execute(
        f"SELECT sql FROM {_master(schema)} WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (table,),
    ).fetchone()
    try:
        tree = sqlglot.parse_one(str(row[0]), read="sqlite")
    except sqlglot.errors.ParseError:
        tree = None
    if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Schema):
        raise PgError(
            f'the SQLite backend cannot change the declaration of table "{table}"',
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    for node in tree.find_all(exp.ColumnDef):
        kind = node.args.get("kind")
        if isinstance(kind, exp.DataType):  # as declared, not as sqlglot would write it
            node.set("kind", exp.Var(this=kind.sql(dialect="postgres")))
    return tree


def _redeclare(
    conn: sqlite3.Connection,
    schema: str | None,
    table: str,
    tree: exp.Create,
    autoindex: tuple[str, str, str] | None = None,
) -> None:
    """Store `tree` as the table's declaration: SQLite's documented procedure for changes
    that leave the stored rows as they are. `autoindex`: a UNIQUE constraint's index taken
    out of the table's declaration, declared as an index of its own (see `_autoindex`)."""
    text = translation.generate_ddl(tree)
    prefix = _prefix(schema)
    version = conn.execute(f"PRAGMA {prefix}schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema=ON")
    try:
        conn.execute(
            f"UPDATE {_master(schema)} SET sql = ? WHERE type = 'table' AND name = ?"
            " COLLATE NOCASE",
            (text, table),
        )
        if autoindex is not None:
            conn.execute(
                f"UPDATE {_master(schema)} SET name = ?, sql = ? WHERE type = 'index' AND name = ?",
                (autoindex[1], autoindex[2], autoindex[0]),
            )
        conn.execute(f"PRAGMA {prefix}schema_version={int(version) + 1}")
    finally:
        conn.execute("PRAGMA writable_schema=RESET")  # off, and the schema read again


def _column(tree: exp.Create, name: str, table: str) -> exp.ColumnDef:
    for node in tree.this.expressions:
        if isinstance(node, exp.ColumnDef) and node.name.lower() == name.lower():
            return node
    raise PgError(
        f'column "{name}" of relation "{table}" does not exist', sqlstate.UNDEFINED_COLUMN
    )


def _drop_kind(node: exp.ColumnDef, kind: type[exp.Expr]) -> None:
    for constraint in list(node.args.get("constraints") or []):
        if isinstance(constraint.kind, kind):
            constraint.pop()


def _alter_column(
    conn: sqlite3.Connection, schema: str | None, table: str, action: exp.AlterColumn
) -> None:
    tree = _declaration(conn, schema, table)
    column = _column(tree, action.name, table)
    target = f"{_prefix(schema)}{_quote(table)}"
    name = _quote(column.name)
    dtype = action.args.get("dtype")
    if dtype is not None:
        using = action.args.get("using")
        if not isinstance(using, exp.Expr):  # sqlglot says False for no USING
            using = exp.Cast(this=exp.column(column.name), to=dtype.copy())
        value = using.copy()
        update = exp.update(target, {column.name: value})
        conn.execute(translation.generate_dml(update))
        column.set("kind", exp.Var(this=dtype.sql(dialect="postgres")))
    elif action.args.get("allow_null") is False:  # SET NOT NULL
        if conn.execute(f"SELECT 1 FROM {target} WHERE {name} IS NULL LIMIT 1").fetchone():
            raise PgError(
                f'column "{column.name}" of relation "{table}" contains null values',
                sqlstate.NOT_NULL_VIOLATION,
            )
        _drop_kind(column, exp.NotNullColumnConstraint)
        column.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    elif action.args.get("allow_null") is True:  # DROP NOT NULL
        if any(
            isinstance(c.kind, exp.PrimaryKeyColumnConstraint)
            for c in column.args.get("constraints") or []
        ):
            raise PgError(
                f'column "{column.name}" is in a primary key', sqlstate.INVALID_TABLE_DEFINITION
            )
        _drop_kind(column, exp.NotNullColumnConstraint)
    elif action.args.get("default") is not None:  # SET DEFAULT
        _drop_kind(column, exp.DefaultColumnConstraint)
        default = translation.rewritten(action.args["default"].copy())
        column.append(
            "constraints",
            exp.ColumnConstraint(kind=exp.DefaultColumnConstraint(this=exp.Paren(this=default))),
        )
    elif action.args.get("drop"):  # DROP DEFAULT
        _drop_kind(column, exp.DefaultColumnConstraint)
    else:
        raise PgError(
            "this ALTER COLUMN is not supported by the SQLite backend",
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    _redeclare(conn, schema, table, tree)


def _add_constraint(
    conn: sqlite3.Connection, schema: str | None, table: str, constraint: exp.Expr
) -> None:
    kinds = constraint.expressions if isinstance(constraint, exp.Constraint) else [constraint]
    given = constraint.name if isinstance(constraint, exp.Constraint) else ""
    target = f"{_prefix(schema)}{_quote(table)}"
    for kind in kinds:
        if isinstance(kind, exp.UniqueColumnConstraint):
            schema_node = kind.this
            columns = [c.name for c in schema_node.expressions] if schema_node else []
            name = given or f"{table}_{'_'.join(columns)}_key"
            listed = ", ".join(_quote(c) for c in columns)
            conn.execute(
                f"CREATE UNIQUE INDEX {_prefix(schema)}{_quote(name)} ON {_quote(table)} ({listed})"
            )
        elif isinstance(kind, exp.CheckColumnConstraint):
            name = given or f"{table}_check"
            condition = translation.rewritten(kind.this.copy())
            where = translation.generate_dml(
                exp.select("1").from_(target).where(exp.not_(exp.Paren(this=condition.copy())))
            )
            if conn.execute(where).fetchone():
                raise PgError(
                    f'check constraint "{name}" of relation "{table}" is violated by some row',
                    sqlstate.CHECK_VIOLATION,
                )
            _append_constraint(conn, schema, table, name, kind)
        elif isinstance(kind, exp.ForeignKey):
            local = [c.name for c in kind.expressions]
            name = given or f"{table}_{'_'.join(local)}_fkey"
            _append_constraint(conn, schema, table, name, kind)
            broken = conn.execute(
                f"PRAGMA {_prefix(schema)}foreign_key_check({_quote(table)})"
            ).fetchone()
            if broken:
                raise PgError(
                    f'insert or update on table "{table}" violates foreign key constraint "{name}"',
                    sqlstate.FOREIGN_KEY_VIOLATION,
                )
        else:
            raise PgError(
                f"ALTER TABLE ... ADD {kind.key.upper().replace('COLUMNCONSTRAINT', '')} is not"
                " supported by the SQLite backend: SQLite stores a table by its primary key,"
                " so it cannot be added to an existing table",
                sqlstate.FEATURE_NOT_SUPPORTED,
                hint="Declare the primary key in CREATE TABLE.",
            )


def _append_constraint(
    conn: sqlite3.Connection, schema: str | None, table: str, name: str, kind: exp.Expr
) -> None:
    tree = _declaration(conn, schema, table)
    if _find_constraint(tree, name) is not None:
        raise PgError(
            f'constraint "{name}" for relation "{table}" already exists',
            sqlstate.DUPLICATE_OBJECT,
        )
    node = kind.copy()
    if isinstance(node, exp.CheckColumnConstraint):
        node.set("this", translation.rewritten(node.this))
    tree.this.append(
        "expressions", exp.Constraint(this=exp.to_identifier(name), expressions=[node])
    )
    _redeclare(conn, schema, table, tree)


def _find_constraint(tree: exp.Create, name: str) -> exp.Expr | None:
    for node in tree.this.expressions:
        if isinstance(node, exp.Constraint) and node.name.lower() == name.lower():
            return node
    for column in tree.this.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue
        for constraint in column.args.get("constraints") or []:
            if constraint.name and constraint.name.lower() == name.lower():
                found: exp.Expr = constraint
                return found
    return None


def _default_names(tree: exp.Create, table: str) -> dict[str, exp.Expr]:
    """Unnamed constraints by the names PostgreSQL (and the catalog) gives them."""
    names: dict[str, exp.Expr] = {}
    for node in tree.this.expressions:
        if isinstance(node, exp.ColumnDef):
            for constraint in node.args.get("constraints") or []:
                if isinstance(constraint.kind, exp.CheckColumnConstraint):
                    names[f"{table}_{node.name}_check"] = constraint
                elif isinstance(constraint.kind, exp.Reference):
                    names[f"{table}_{node.name}_fkey"] = constraint
                elif isinstance(constraint.kind, exp.UniqueColumnConstraint):
                    names[f"{table}_{node.name}_key"] = constraint
                elif isinstance(constraint.kind, exp.PrimaryKeyColumnConstraint):
                    names[f"{table}_pkey"] = constraint
        elif isinstance(node, exp.ForeignKey) or (
            isinstance(node, exp.Constraint) and isinstance(node.find(exp.ForeignKey), exp.Expr)
        ):
            key = node if isinstance(node, exp.ForeignKey) else node.find(exp.ForeignKey)
            assert key is not None
            names.setdefault(f"{table}_{'_'.join(c.name for c in key.expressions)}_fkey", node)
        elif isinstance(node, exp.UniqueColumnConstraint) and node.this is not None:
            names[f"{table}_{'_'.join(c.name for c in node.this.expressions)}_key"] = node
        elif isinstance(node, exp.PrimaryKey):
            names[f"{table}_pkey"] = node
        elif isinstance(node, exp.CheckColumnConstraint):
            names.setdefault(f"{table}_check", node)
    return names


def _drop_constraint(
    conn: sqlite3.Connection, schema: str | None, table: str, action: exp.Drop
) -> None:
    name = action.this.name if action.this is not None else ""
    if not name:
        tables = action.args.get("tables") or []
        name = tables[0].name if tables else ""
    index = conn.execute(
        f"SELECT name FROM {_master(schema)} WHERE type = 'index' AND tbl_name = ?"
        " COLLATE NOCASE AND name = ? COLLATE NOCASE AND sql IS NOT NULL",
        (table, name),
    ).fetchone()
    if index:  # a UNIQUE constraint added as an index
        conn.execute(f"DROP INDEX {_prefix(schema)}{_quote(str(index[0]))}")
        return
    tree = _declaration(conn, schema, table)
    found = _find_constraint(tree, name) or _default_names(tree, table.lower()).get(name.lower())
    if found is None:
        if action.args.get("exists"):
            return
        raise PgError(
            f'constraint "{name}" of relation "{table}" does not exist',
            sqlstate.UNDEFINED_OBJECT,
        )
    kinds = [found, *found.expressions] if isinstance(found, exp.Constraint) else [found]
    kinds += [getattr(node, "kind", None) for node in list(kinds)]
    if any(isinstance(k, exp.PrimaryKeyColumnConstraint | exp.PrimaryKey) for k in kinds):
        raise PgError(
            f'the SQLite backend cannot drop primary key "{name}": SQLite stores the table by it',
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    unique = next((k for k in kinds if isinstance(k, exp.UniqueColumnConstraint)), None)
    autoindex = None
    if unique is not None:
        column_def = found.find_ancestor(exp.ColumnDef)
        if column_def is not None:
            columns = [column_def.name]
        else:
            columns = [c.name for c in unique.this.expressions] if unique.this else []
        autoindex = _autoindex(conn, schema, table, columns)
    found.pop()
    _redeclare(conn, schema, table, tree, autoindex)
    if autoindex is not None:
        conn.execute(f"DROP INDEX {_prefix(schema)}{_quote(autoindex[1])}")


def _autoindex(
    conn: sqlite3.Connection, schema: str | None, table: str, columns: list[str]
) -> tuple[str, str, str]:
    """The index SQLite made for a UNIQUE constraint on `columns`: (its name, the name it is
    given to be dropped, a CREATE UNIQUE INDEX that declares it). The index's entries are
    what that statement would make, so declared so, it is dropped as any index is."""
    prefix = _prefix(schema)
    wanted = [c.lower() for c in columns]
    for _seq, index, _unique, origin, _partial in conn.execute(
        f"PRAGMA {prefix}index_list({_quote(table)})"
    ).fetchall():
        if origin != "u":
            continue
        parts = conn.execute(f"PRAGMA {prefix}index_info({_quote(str(index))})").fetchall()
        if [str(part[2]).lower() for part in parts] == wanted:
            name = f"pgwire_dropped_{index}"
            listed = ", ".join(_quote(str(part[2])) for part in parts)
            create = f"CREATE UNIQUE INDEX {_quote(name)} ON {_quote(table)} ({listed})"
            return str(index), name, create
    raise PgError(
        f"the SQLite backend found no index of the unique constraint on {', '.join(columns)}",
        sqlstate.INTERNAL_ERROR,
    )
