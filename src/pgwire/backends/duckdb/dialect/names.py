"""Result column names by PostgreSQL's rules (FigureColname in parse_target.c), where DuckDB
names a column after the expression's text: `count(*)` is `count`, `a AND b` is `?column?`,
`x::int` is `x`, `'1'::int` is `int4`, a VALUES list's columns are `column1`, `column2`, ...

`target_names(tree)` gives one entry per target of the statement's result: a name, or None
for a `*` (those columns keep the names DuckDB gives them, which are the columns' own).
`rename(names, got)` fits that list onto the columns DuckDB returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pgwire.backends.duckdb.dialect.tree import Node, Tree

__all__ = ["UNNAMED", "figure", "rename", "target_names"]

UNNAMED = "?column?"
_VALUE_FUNCTIONS = {
    "SVFOP_CURRENT_DATE": "current_date",
    "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time",
    "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp",
    "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime",
    "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp",
    "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user",
    "SVFOP_USER": "user",
    "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_CATALOG": "current_catalog",
    "SVFOP_CURRENT_SCHEMA": "current_schema",
}


def target_names(tree: Tree) -> tuple[str | None, ...] | None:
    """PostgreSQL's names for the result columns of the tree's one statement; None when it
    has several statements or returns no rows."""
    if len(tree.statements) != 1:
        return None
    ((kind, fields),) = tree.statements[0].items()
    if kind == "SelectStmt":
        return _select_names(fields)
    if kind in ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"):
        returning = fields.get("returningList")
        return _targets(returning) if returning else None
    return None


def rename(names: Sequence[str | None] | None, got: Sequence[str]) -> list[str]:
    """DuckDB's column names `got`, with PostgreSQL's in their place where they fit: a `*`
    (None) stands for however many columns DuckDB's result has there; with more than one `*`
    the widths are unknown and DuckDB's names stay."""
    if names is None:
        return list(got)
    stars = sum(name is None for name in names)
    if stars == 0:
        return [name or "" for name in names] if len(names) == len(got) else list(got)
    width = len(got) - (len(names) - 1)
    if stars > 1 or width < 0:
        return list(got)
    out: list[str] = []
    for name in names:
        if name is None:
            out.extend(got[len(out) : len(out) + width])
        else:
            out.append(name)
    return out


def _select_names(select: Node) -> tuple[str | None, ...] | None:
    while select.get("op", "SETOP_NONE") != "SETOP_NONE":  # a set operation: its first arm
        select = select["larg"]  # (larg and rarg are SelectStmt fields, unwrapped)
    values = select.get("valuesLists")
    if values:
        first = values[0]["List"].get("items", ())
        return tuple(f"column{n}" for n in range(1, len(first) + 1))
    targets = select.get("targetList")
    return _targets(targets) if targets else None


def _targets(targets: list[Node]) -> tuple[str | None, ...]:
    names: list[str | None] = []
    for target in targets:
        fields = target["ResTarget"]
        name = fields.get("name")
        if name is not None:
            names.append(name)
            continue
        value = fields.get("val", {})
        if _is_star(value):
            names.append(None)
        else:
            names.append(figure(value)[0] or UNNAMED)
    return tuple(names)


def _is_star(value: Node) -> bool:
    ref = value.get("ColumnRef")
    return ref is not None and "A_Star" in ref["fields"][-1]


def figure(node: Any) -> tuple[str | None, int]:
    """(name, strength): 2 for a name of its own, 1 for a type's or `case`, 0 for none."""
    if not isinstance(node, dict) or len(node) != 1:
        return None, 0
    ((kind, fields),) = node.items()
    if kind == "ColumnRef":
        strings = [f["String"]["sval"] for f in fields["fields"] if "String" in f]
        return (strings[-1], 2) if strings else (None, 0)
    if kind == "A_Indirection":
        strings = [f["String"]["sval"] for f in fields["indirection"] if "String" in f]
        return (strings[-1], 2) if strings else figure(fields["arg"])
    if kind == "FuncCall":
        return fields["funcname"][-1]["String"]["sval"], 2
    if kind == "A_Expr":
        return ("nullif", 2) if fields.get("kind") == "AEXPR_NULLIF" else (None, 0)
    if kind == "TypeCast":
        name, strength = figure(fields.get("arg"))
        if strength <= 1:
            return fields["typeName"]["names"][-1]["String"]["sval"], 1
        return name, strength
    if kind == "CollateClause":
        return figure(fields.get("arg"))
    if kind == "GroupingFunc":
        return "grouping", 2
    if kind == "SubLink":
        return _sublink(fields)
    if kind == "CaseExpr":
        name, strength = figure(fields.get("defresult"))
        return (name, strength) if strength > 1 else ("case", 1)
    if kind == "A_ArrayExpr":
        return "array", 2
    if kind == "RowExpr":
        return "row", 2
    if kind == "CoalesceExpr":
        return "coalesce", 2
    if kind == "MinMaxExpr":
        return ("greatest" if fields.get("op") == "IS_GREATEST" else "least"), 2
    if kind == "SQLValueFunction":
        name = _VALUE_FUNCTIONS.get(fields.get("op", ""))
        return (name, 2) if name else (None, 0)
    if kind == "XmlSerialize":
        return "xmlserialize", 2
    return None, 0


def _sublink(fields: Node) -> tuple[str | None, int]:
    kind = fields.get("subLinkType")
    if kind == "EXISTS_SUBLINK":
        return "exists", 2
    if kind == "ARRAY_SUBLINK":
        return "array", 2
    if kind == "EXPR_SUBLINK":  # the subquery's single column, named as it names it
        inner = _select_names(fields["subselect"]["SelectStmt"])
        if inner and inner[0] is not None:
            return inner[0], 2
    return None, 0
