"""The type PostgreSQL gives a result expression, read from the statement alone.

PostgreSQL types every expression before it runs it; SQLite does not, and the type of a value
it returns says little (1 + 1 is an int like any other, a comparison is 0 or 1). What a query
says decides here, as PostgreSQL's rules would:

- literals: an integer is int4, int8 past 2^31, numeric past 2^63; one with a point or an
  exponent is numeric; a string is text;
- casts: the type cast to (`$1::int`, `CAST(x AS bigint)`);
- arithmetic (+ - * / %) on numbers: the wider operand's type in int2 < int4 < int8 <
  numeric < float8 (float4 counts as float8); int / int is integer division in both;
  `^` is float8, numeric with a numeric operand; a string literal takes the other side's type;
- comparisons, LIKE, IN, IS, EXISTS, AND/OR/NOT: bool;
- count() int8; sum() int8 of integers (numeric of int8), avg() numeric (float8 of floats);
  max()/min()/abs()/nullif() their (first) argument's type; coalesce() and CASE the common
  type of their branches;
- nextval()/currval()/setval()/lastval() int8;
- string functions and || text, length() int4, now()/current_timestamp timestamptz,
  current_date date.

A column reference, a parameter without a cast, a subquery or any other function is not
known here (None): the caller then asks SQLite (the declared type of a column) or the values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from pgwire.backends.sqlite.types import PgType, declared_type
from pgwire.types import oids

__all__ = ["ColumnTypes", "expression_type"]

# The type of a column reference (its declared type, as SQLite reports it), when known.
ColumnTypes = Callable[[exp.Column], "PgType | None"]

_BOOLEAN_NODES = (
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike, exp.In,
    exp.Between, exp.Is, exp.Exists, exp.And, exp.Or, exp.Not, exp.Boolean, exp.RegexpLike,
    exp.NullSafeEQ, exp.NullSafeNEQ, exp.SimilarTo,
)  # fmt: skip
_TEXT_NODES = (
    exp.DPipe, exp.Concat, exp.ConcatWs, exp.Lower, exp.Upper, exp.Trim, exp.Substring,
    exp.GroupConcat, exp.Initcap, exp.Replace, exp.Left, exp.Right, exp.Pad, exp.Repeat,
    exp.Reverse, exp.MD5, exp.Chr,
)  # fmt: skip
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv)
_SAME_AS_ARGUMENT = (exp.Max, exp.Min, exp.Abs)
_SEQUENCE_FUNCTIONS = frozenset({"nextval", "currval", "setval", "lastval"})
_INT4_MAX = (1 << 31) - 1
_INT8_MAX = (1 << 63) - 1

# The numeric types by rank: an operation on two of them gives the higher one's type.
_RANK = {
    oids.INT2: 0,
    oids.INT4: 1,
    oids.INT8: 2,
    oids.NUMERIC: 3,
    oids.FLOAT4: 4,
    oids.FLOAT8: 4,
}
_INTEGERS = frozenset({oids.INT2, oids.INT4, oids.INT8})
_UNKNOWN: PgType = (0, -1)  # a string literal: takes its type from what it meets


def expression_type(node: exp.Expr, columns: ColumnTypes | None = None) -> PgType | None:
    """The type PostgreSQL would give `node`, when the statement (and `columns`, the types of
    the columns it reads) says it."""
    found = _Typer(columns).type(node)
    if found == _UNKNOWN:
        return oids.TEXT, -1  # a result column of an unknown literal is text
    return found


class _Typer:
    def __init__(self, columns: ColumnTypes | None) -> None:
        self._columns = columns

    def type(self, node: exp.Expr) -> PgType | None:
        if isinstance(node, exp.Column):
            return self._columns(node) if self._columns is not None else None
        if isinstance(node, exp.Alias | exp.Paren):
            return self.type(node.this)
        if isinstance(node, exp.Cast):
            return declared_type(node.to.sql(dialect="postgres"))
        if isinstance(node, _BOOLEAN_NODES):
            return oids.BOOL, -1
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Neg):
            return self.type(node.this)
        if isinstance(node, _ARITHMETIC):
            return _arithmetic(self.type(node.this), self.type(node.expression))
        if isinstance(node, exp.Pow):
            sides = (self.type(node.this), self.type(node.expression))
            if any(side is None for side in sides):
                return None
            numeric = any(side is not None and side[0] == oids.NUMERIC for side in sides)
            return (oids.NUMERIC if numeric else oids.FLOAT8), -1
        if isinstance(node, exp.Count):
            return oids.INT8, -1
        if isinstance(node, exp.Sum):
            return _sum(self.type(node.this))
        if isinstance(node, exp.Avg):
            return _avg(self.type(node.this))
        if isinstance(node, exp.Anonymous) and node.name.lower() in _SEQUENCE_FUNCTIONS:
            return oids.INT8, -1
        if isinstance(node, exp.Nullif):
            return _known(self.type(node.this))
        if isinstance(node, _SAME_AS_ARGUMENT):
            return _known(self.type(node.this))
        if isinstance(node, exp.Coalesce):
            return self._common([node.this, *node.expressions])
        if isinstance(node, exp.Case):
            branches = [when.args["true"] for when in node.args.get("ifs") or ()]
            default = node.args.get("default")
            return self._common([*branches, default] if default is not None else branches)
        if isinstance(node, _TEXT_NODES):
            return oids.TEXT, -1
        if isinstance(node, exp.Length):
            return oids.INT4, -1
        if isinstance(node, exp.CurrentTimestamp):
            return oids.TIMESTAMPTZ, -1
        if isinstance(node, exp.CurrentDate):
            return oids.DATE, -1
        return None

    def _common(self, branches: Sequence[exp.Expr]) -> PgType | None:
        """The type of coalesce()/CASE: the branches' common type; None if one is not known."""
        types = [self.type(branch) for branch in branches if not isinstance(branch, exp.Null)]
        known = [t for t in types if t != _UNKNOWN]
        if any(t is None for t in known):
            return None
        if not known:
            return (oids.TEXT, -1) if types else None
        if len({t for t in known}) == 1:
            return known[0]
        if all(t is not None and t[0] in _RANK for t in known):
            found: PgType | None = known[0]
            for t in known[1:]:
                found = _arithmetic(found, t)
            return found
        return None  # PostgreSQL would convert or refuse: the values tell


def _literal(node: exp.Literal) -> PgType:
    if node.is_string:
        return _UNKNOWN
    text = node.name
    if text.isdigit():
        number = int(text)
        if number <= _INT4_MAX:
            return oids.INT4, -1
        return (oids.INT8, -1) if number <= _INT8_MAX else (oids.NUMERIC, -1)
    return oids.NUMERIC, -1


def _known(found: PgType | None) -> PgType | None:
    return (oids.TEXT, -1) if found == _UNKNOWN else found


def _arithmetic(left: PgType | None, right: PgType | None) -> PgType | None:
    if left == _UNKNOWN:
        left = right
    if right == _UNKNOWN:
        right = left
    if left is None or right is None or left == _UNKNOWN:
        return None
    if left[0] not in _RANK or right[0] not in _RANK:
        return None  # dates, intervals, text: not read here
    higher = left if _RANK[left[0]] >= _RANK[right[0]] else right
    oid = higher[0]
    if oid == oids.FLOAT4 and left[0] != right[0]:
        oid = oids.FLOAT8
    return oid, -1  # the result has no typmod, as in PostgreSQL


def _sum(argument: PgType | None) -> PgType | None:
    if argument is None or argument[0] not in _RANK:
        return None
    if argument[0] in (oids.INT2, oids.INT4):
        return oids.INT8, -1
    if argument[0] == oids.INT8:
        return oids.NUMERIC, -1
    return argument[0], -1


def _avg(argument: PgType | None) -> PgType | None:
    if argument is None or argument[0] not in _RANK:
        return None
    return (oids.FLOAT8 if argument[0] in (oids.FLOAT4, oids.FLOAT8) else oids.NUMERIC), -1
