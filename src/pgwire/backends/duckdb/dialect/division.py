"""`/` between integers divides as integers, as in PostgreSQL (`7/2` is 3, `-7/2` is -3):
DuckDB's `/` is always fractional, its `//` truncates. DuckDB's integer_division setting
cannot be used: it makes every `/` integer division, numeric and float ones too.

Which `/` are between integers is read from the tree: integer literals, casts to an integer
type, columns of the statement's tables declared as integers (`Schema`), integer arithmetic,
and functions whose result is an integer whatever their arguments (count, length, ...). A
quoted literal takes the other operand's type, as PostgreSQL resolves an unknown-typed
literal. A `/` whose operands cannot be told stays DuckDB's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgwire.backends.duckdb.dialect.edits import Edit
from pgwire.backends.duckdb.dialect.schema import Schema
from pgwire.backends.duckdb.dialect.tree import Node, Tree, walk

__all__ = ["edits"]

INT, NUMERIC, FLOAT, LITERAL, OTHER = "int", "numeric", "float", "literal", "other"

_INTEGER_TYPES = frozenset(
    {"int2", "int4", "int8", "smallint", "integer", "int", "bigint", "int16", "int32", "int64",
     "tinyint", "hugeint", "utinyint", "usmallint", "uinteger", "ubigint", "int1"}
)  # fmt: skip
_NUMERIC_TYPES = frozenset({"numeric", "decimal"})
_FLOAT_TYPES = frozenset({"float4", "float8", "real", "double", "float"})
# Functions whose result is an integer, or of their first argument's kind.
_INTEGER_FUNCTIONS = frozenset(
    {"count", "length", "char_length", "character_length", "octet_length", "bit_length",
     "strpos", "position", "ascii", "array_length", "cardinality", "array_lower",
     "array_upper", "width_bucket", "row_number", "rank", "dense_rank", "ntile",
     "extract_int", "gcd", "lcm"}
)  # fmt: skip
_SAME_FUNCTIONS = frozenset({"abs", "min", "max", "mod", "coalesce", "greatest", "least"})
_ARITHMETIC = frozenset({"+", "-", "*", "%", "/"})


def edits(tree: Tree, schema: Schema) -> Iterator[Edit]:
    if "/" not in tree.text:
        return
    for statement in tree.statements:
        scope = _Scope(statement, schema)
        for kind, fields in walk(statement):
            if kind != "A_Expr" or _operator(fields) != "/" or "lexpr" not in fields:
                continue
            at = fields["location"]
            if tree.text[at : at + 1] == "/" and _kind({kind: fields}, scope) == INT:
                yield at, at + 1, "//"


def _operator(fields: Node) -> str | None:
    if fields.get("kind") != "AEXPR_OP":
        return None
    name = fields.get("name", ())
    return name[-1]["String"]["sval"] if name else None


class _Scope:
    """The statement's tables by name and alias, their column types read when first needed."""

    def __init__(self, statement: Node, schema: Schema) -> None:
        self._schema = schema
        self._tables: dict[str, str] = {}  # alias or name → table name
        for kind, fields in walk(statement):
            if kind == "RangeVar":
                name = fields["relname"]
                alias = fields.get("alias", {}).get("Alias", {}).get("aliasname") or name
                self._tables[alias] = name
        self._types: dict[str, dict[str, str]] = {}

    def column(self, fields: list[Node]) -> str | None:
        names = [f["String"]["sval"] for f in fields if "String" in f]
        if not names or len(names) != len(fields):
            return None
        column = names[-1]
        tables = [self._tables.get(names[-2])] if len(names) >= 2 else list(self._tables.values())
        found = {self._of(table).get(column) for table in tables if table is not None}
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def _of(self, table: str) -> dict[str, str]:
        if table not in self._types:
            declared = self._schema.column_types(table)
            self._types[table] = {name: kind.lower() for name, kind in declared.items()}
        return self._types[table]


def _kind(node: Any, scope: _Scope) -> str | None:
    """INT, NUMERIC, FLOAT, LITERAL (a quoted constant), OTHER, or None: cannot tell."""
    if not isinstance(node, dict) or len(node) != 1:
        return None
    ((kind, fields),) = node.items()
    if kind == "A_Const":
        if "ival" in fields:
            return INT
        if "fval" in fields:
            return NUMERIC
        if "sval" in fields:
            return LITERAL
        return OTHER
    if kind == "TypeCast":
        return _type_kind(fields["typeName"])
    if kind == "ColumnRef":
        declared = scope.column(fields["fields"])
        return None if declared is None else _declared_kind(declared)
    if kind == "A_Expr":
        operator = _operator(fields)
        if operator not in _ARITHMETIC:
            return None
        right = _kind(fields.get("rexpr"), scope)
        if "lexpr" not in fields:  # unary minus or plus
            return right
        return _combined(_kind(fields["lexpr"], scope), right)
    if kind == "FuncCall":
        name = fields["funcname"][-1]["String"]["sval"]
        if name in _INTEGER_FUNCTIONS:
            return INT
        if name == "sum":  # sum of int2 and int4 is int8; of int8 numeric
            args = fields.get("args", ())
            if len(args) == 1 and _kind(args[0], scope) == INT and not _may_be_int8(args[0], scope):
                return INT
            return None
        if name in _SAME_FUNCTIONS:
            kinds = {_kind(arg, scope) for arg in fields.get("args", ())}
            return kinds.pop() if len(kinds) == 1 else None
        return None
    if kind == "CoalesceExpr" or kind == "MinMaxExpr":
        kinds = {_kind(arg, scope) for arg in fields.get("args", ())}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _combined(left: str | None, right: str | None) -> str | None:
    if left is None or right is None:
        return None
    if left == LITERAL:
        left = right
    if right == LITERAL:
        right = left
    kinds = {left, right}
    if kinds == {INT}:
        return INT
    if FLOAT in kinds:
        return FLOAT
    if kinds <= {INT, NUMERIC}:
        return NUMERIC
    return OTHER


def _type_kind(type_name: Node) -> str:
    if type_name.get("arrayBounds"):
        return OTHER
    return _declared_kind(type_name["names"][-1]["String"]["sval"])


def _declared_kind(name: str) -> str:
    name = name.lower()
    if name in _INTEGER_TYPES:
        return INT
    if name in _NUMERIC_TYPES or name.startswith("decimal("):
        return NUMERIC
    if name in _FLOAT_TYPES:
        return FLOAT
    return OTHER


def _may_be_int8(node: Node, scope: _Scope) -> bool:
    """Whether an integer expression may be bigint (whose sum PostgreSQL makes numeric)."""
    ((kind, fields),) = node.items()
    if kind == "A_Const":
        return False
    if kind == "TypeCast":
        return fields["typeName"]["names"][-1]["String"]["sval"].lower() in ("int8", "bigint")
    if kind == "ColumnRef":
        return scope.column(fields["fields"]) not in ("integer", "smallint", "tinyint")
    return True
