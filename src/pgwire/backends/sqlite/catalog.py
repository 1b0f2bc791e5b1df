"""SQLite's own catalog as the catalog emulation's `Snapshot` (see `backends/catalog/model`).

Read from sqlite_master and the pragmas (table_xinfo, index_list, index_info,
foreign_key_list) on the session's own connection, so a session sees its uncommitted DDL and
its temporary tables, as in PostgreSQL. CHECK constraints, which no pragma lists, come from
the table's CREATE statement, parsed by sqlglot. Column types are the ones the backend puts
in RowDescription (`types.declared_type`).

Names: each attached database is a schema (`main` shown as PostgreSQL's `public`, `temp` for
temporary tables, and one per CREATE SCHEMA, see `schemas`);
constraints get PostgreSQL's default names (t_pkey, t_a_key, t_b_fkey, t_c_check) unless
the DDL named them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sqlite3
from typing import Any

from pgwire.backends.catalog import model
from pgwire.backends.qualified import DEFAULT_SCHEMA, PUBLIC
from pgwire.backends.sqlite import comments
from pgwire.backends.sqlite.sequences import META_TABLE as SEQUENCES
from pgwire.backends.sqlite.types import declared_type
from pgwire.types import oids

__all__ = ["read_snapshot"]

_ACTIONS = {"NO ACTION": "a", "RESTRICT": "r", "CASCADE": "c", "SET NULL": "n", "SET DEFAULT": "d"}
_VIEW_BODY = re.compile(r"^\s*CREATE\s+(?:TEMP\w*\s+)?VIEW\s+.*?\s+AS\s+(.*)$", re.I | re.S)


def _pg_schema(name: str) -> str:
    return PUBLIC if name == DEFAULT_SCHEMA else name


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_snapshot(conn: sqlite3.Connection) -> model.Snapshot:
    """The catalog `conn` sees now: every attached database's tables and views."""
    schemas: list[model.Schema] = []
    relations: list[model.Relation] = []
    for _, schema, _ in conn.execute("PRAGMA database_list").fetchall():
        schema = str(schema)
        schemas.append(model.Schema(_pg_schema(schema)))
        master = "sqlite_temp_master" if schema == "temp" else "sqlite_master"
        rows = conn.execute(
            f"SELECT type, name, sql FROM {_quote(schema)}.{master} "
            "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "AND name NOT LIKE '\\_pgwire\\_%' ESCAPE '\\' ORDER BY name"
        ).fetchall()
        described = comments.read(conn, schema)
        for kind, name, sql in rows:
            relation = _relation(conn, schema, str(kind), str(name), str(sql or ""))
            relations.append(_with_comments(relation, described) if described else relation)
        if conn.execute(
            f"SELECT 1 FROM {_quote(schema)}.{master} WHERE type = 'table' AND name = ?",
            (SEQUENCES,),
        ).fetchone():  # serial and identity columns' sequences (`sequences`)
            for (sequence,) in conn.execute(
                f"SELECT name FROM {_quote(schema)}.{SEQUENCES} ORDER BY name"
            ).fetchall():
                relations.append(model.Relation(_pg_schema(schema), str(sequence), "S"))
    search_path = tuple(s.name for s in schemas if s.name != "temp")
    return model.Snapshot(
        schemas=tuple(schemas), relations=tuple(relations), search_path=search_path
    )


def _with_comments(
    relation: model.Relation, described: dict[tuple[str, str], str]
) -> model.Relation:
    """COMMENT ON's texts (`comments`) on the relation and its columns."""
    columns = tuple(
        dataclasses.replace(column, comment=described.get((relation.name, column.name)))
        for column in relation.columns
    )
    return dataclasses.replace(
        relation, comment=described.get((relation.name, "")), columns=columns
    )


def _relation(
    conn: sqlite3.Connection, schema: str, kind: str, name: str, sql: str
) -> model.Relation:
    prefix = f"{_quote(schema)}."
    table = _quote(name)
    info = conn.execute(f"PRAGMA {prefix}table_xinfo({table})").fetchall()
    columns = []
    primary: list[tuple[int, str]] = []
    for _cid, column, declared, not_null, default, pk, hidden in info:
        if hidden == 1:  # a virtual table's hidden column
            continue
        found = declared_type(str(declared or "")) or (oids.TEXT, -1)
        columns.append(
            model.Column(
                str(column),
                found[0],
                found[1],
                not_null=bool(not_null) or bool(pk),
                default=None if default is None else str(default),
            )
        )
        if pk:
            primary.append((int(pk), str(column)))
    if kind == "view":
        body = _VIEW_BODY.match(sql)
        return model.Relation(
            _pg_schema(schema),
            name,
            "v",
            tuple(columns),
            definition=body.group(1).strip() if body else sql,
            temporary=schema == "temp",
        )
    constraints: list[model.Constraint] = []
    if primary:
        keys = tuple(column for _, column in sorted(primary))
        constraints.append(model.Constraint(f"{name}_pkey", model.PK, keys))
    indexes: list[model.Index] = []
    for _seq, index, unique, origin, _partial in conn.execute(
        f"PRAGMA {prefix}index_list({table})"
    ).fetchall():
        parts = conn.execute(f"PRAGMA {prefix}index_info({_quote(str(index))})").fetchall()
        names = tuple(str(part[2]) if part[2] is not None else "expr" for part in parts)
        if origin == "u":
            constraints.append(
                model.Constraint(f"{name}_{'_'.join(names)}_key", model.UNIQUE, names)
            )
        elif origin == "c":
            indexes.append(model.Index(str(index), names, unique=bool(unique)))
    constraints.extend(_foreign_keys(conn, prefix, name, table, _key_names(sql)))
    constraints.extend(_checks(name, sql))
    return model.Relation(
        _pg_schema(schema),
        name,
        "r",
        tuple(columns),
        tuple(indexes),
        tuple(constraints),
        temporary=schema == "temp",
    )


def _key_names(sql: str) -> dict[tuple[str, ...], str]:
    """Named FOREIGN KEY constraints of a CREATE TABLE text, by their columns (the pragma
    gives no names): `CONSTRAINT x FOREIGN KEY (a) ...` as ALTER TABLE ... ADD makes them."""
    if "FOREIGN" not in sql.upper() or "CONSTRAINT" not in sql.upper():
        return {}
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="sqlite")
    except Exception:  # a statement sqlglot cannot read: default names
        return {}
    names = {}
    for constraint in tree.find_all(exp.Constraint):
        key = constraint.find(exp.ForeignKey)
        if key is not None and constraint.name:
            names[tuple(c.name for c in key.expressions)] = constraint.name
    return names


def _foreign_keys(
    conn: sqlite3.Connection,
    prefix: str,
    name: str,
    table: str,
    named: dict[tuple[str, ...], str] | None = None,
) -> list[model.Constraint]:
    by_id: dict[int, list[Any]] = {}
    for row in conn.execute(f"PRAGMA {prefix}foreign_key_list({table})").fetchall():
        by_id.setdefault(int(row[0]), []).append(row)
    out = []
    for rows in by_id.values():
        rows.sort(key=lambda r: int(r[1]))
        local = tuple(str(r[3]) for r in rows)
        first = rows[0]
        out.append(
            model.Constraint(
                (named or {}).get(local) or f"{name}_{'_'.join(local)}_fkey",
                model.FOREIGN_KEY,
                local,
                ref_schema=_pg_schema(prefix.strip(".").strip('"')),
                ref_table=str(first[2]),
                ref_columns=tuple(str(r[4]) for r in rows if r[4] is not None),
                on_update=_ACTIONS.get(str(first[5]).upper(), "a"),
                on_delete=_ACTIONS.get(str(first[6]).upper(), "a"),
            )
        )
    return out


def _checks(name: str, sql: str) -> list[model.Constraint]:
    """CHECK constraints from the CREATE TABLE text (no pragma lists them)."""
    if "CHECK" not in sql.upper():
        return []
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="sqlite")
    except Exception:  # a statement sqlglot cannot read: its CHECKs stay unlisted
        return []
    out = []
    for check in tree.find_all(exp.CheckColumnConstraint):
        holder = check.parent
        column_def = check.find_ancestor(exp.ColumnDef)
        column = column_def.name if column_def is not None else None
        given = holder.name if isinstance(holder, exp.ColumnConstraint | exp.Constraint) else ""
        constraint_name = given or f"{name}_{column or ''}_check".replace("__", "_")
        with contextlib.suppress(Exception):
            condition = check.this.sql(dialect="postgres")
            out.append(
                model.Constraint(
                    constraint_name,
                    model.CHECK,
                    (column,) if column else (),
                    expression=condition,
                )
            )
    return out


def read_sizes(conn: sqlite3.Connection) -> tuple[int, tuple[tuple[str, str, int, int], ...]]:
    """Bytes of the database and of each table and its indexes: the pages they use, from the
    dbstat virtual table where SQLite has it, else page_count times page_size for the database
    and 16 bytes a column a row, rounded up to pages, for a table (an estimate)."""
    database = 0
    relations: list[tuple[str, str, int, int]] = []
    for _, schema, _ in conn.execute("PRAGMA database_list").fetchall():
        schema = str(schema)
        quoted = _quote(schema)
        page = int(conn.execute(f"PRAGMA {quoted}.page_size").fetchone()[0])
        database += page * int(conn.execute(f"PRAGMA {quoted}.page_count").fetchone()[0])
        master = "sqlite_temp_master" if schema == "temp" else "sqlite_master"
        try:
            rows = conn.execute(
                f"SELECT m.tbl_name, sum(CASE WHEN m.type = 'table' THEN s.pgsize ELSE 0 END), "
                f"sum(CASE WHEN m.type = 'index' THEN s.pgsize ELSE 0 END) "
                f"FROM dbstat(?) s JOIN {quoted}.{master} m ON m.name = s.name "
                "WHERE m.tbl_name NOT LIKE 'sqlite_%' GROUP BY m.tbl_name",
                (schema,),
            ).fetchall()
        except sqlite3.Error:  # no dbstat in this build of SQLite
            rows = []
            for (name,) in conn.execute(
                f"SELECT name FROM {quoted}.{master} WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchall():
                table = f"{quoted}.{_quote(str(name))}"
                count = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                width = len(conn.execute(f"PRAGMA {quoted}.table_info({_quote(str(name))})")
                            .fetchall())  # fmt: skip
                rows.append((name, -(-count * 16 * max(width, 1) // page) * page + page, 0))
        relations += [(_pg_schema(schema), str(n), int(t or 0), int(i or 0)) for n, t, i in rows]
    return database, tuple(relations)
