"""PostgreSQL's types for a catalog query's result columns, where DuckDB's cannot tell them.

The emulated catalog stores PostgreSQL's `oid`, `regproc`, `name`, `"char"`, `oid[]`,
`int2vector` and friends as DuckDB's BIGINT, VARCHAR and lists; DuckDB's result types alone
would describe them as int8, text, int8[]. Clients that read the catalog care: asyncpg
introspects every result type it has no codec for, so an int8[] column in its own type
introspection query sends it looking up int8[], and again, without end.

So a result column that shows a catalog column, or a catalog function's result, is described
with PostgreSQL's type for it (pgtypes.py, read from PostgreSQL 15). The query text tells
where a column comes from:

- a select-list item named by its alias or column (`t.typtype AS kind`, `ns.nspname`) is the
  column it names, followed through subqueries and CTEs by name (`ti.kind` → `kind` →
  `t.typtype`), among the catalog relations the query reads;
- `x::T` and `CAST(x AS T)` are of type T; `coalesce(a, b)`, `CASE ... THEN a ELSE b END`,
  `max(a)` and a scalar subquery `(SELECT a ...)` are of a's type when every branch agrees
  (NULL agrees with anything); `array_agg(a)` is an array of a's type; a catalog function's
  call (`format_type(...)`, `pg_get_userbyid(...)`) is of its result type;
- anything else (literals, arithmetic, an alias defined twice with different types) is
  unknown, and keeps DuckDB's type.

The engine applies a type only where DuckDB's result type is the one the emulation stores
that type as (`stored`), so a name that resolves wrongly cannot change what a value is. The
analysis is made once per query text.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from pgwire.backends.catalog import pgtypes
from pgwire.backends.catalog.sqltext import (
    _LIST_END,
    COMMENT,
    IDENT,
    QIDENT,
    WS,
    Group,
    Node,
    Token,
    _at,
    _bare_alias,
    _call_name,
    _is,
    _next,
    _operand_start,
    parse,
    tokenize,
)
from pgwire.errors import PgError
from pgwire.types import oids, registry

__all__ = ["ResultTypes", "result_types", "stored"]

_NULL = -1  # a NULL: of any type
_ANY = frozenset({_NULL})

# Functions whose result has their arguments' type (max and min of a name: text, as
# PostgreSQL has no max(name) and casts it).
_SAME_AS_ARGUMENT = {"coalesce", "nullif", "max", "min", "greatest", "least"}
# Keywords PostgreSQL calls functions of type name.
_NAME_KEYWORDS = {"current_user", "session_user", "user", "current_role", "current_catalog",
                  "current_schema"}  # fmt: skip

_OID_LIKE = frozenset({
    oids.OID, oids.REGPROC, oids.REGPROCEDURE, oids.REGOPER, oids.REGOPERATOR, oids.REGCLASS,
    oids.REGTYPE, oids.REGCONFIG, oids.REGDICTIONARY, oids.REGNAMESPACE, oids.REGROLE,
    oids.REGCOLLATION, oids.XID, oids.XID8, oids.CID,
})  # fmt: skip
_TEXT_LIKE = frozenset({oids.NAME, oids.CHAR, oids.ACLITEM, oids.PG_NODE_TREE, oids.VARCHAR})
_VECTORS = {oids.INT2VECTOR: oids.INT2_ARRAY, oids.OIDVECTOR: oids.INT8_ARRAY}


def stored(type_oid: int) -> int:
    """The type OID DuckDB's result type gives a value of PostgreSQL type `type_oid` as the
    emulation stores it (oid as BIGINT: int8; name as VARCHAR: text; oid[]: int8[])."""
    if type_oid in _OID_LIKE:
        return oids.INT8
    if type_oid in _TEXT_LIKE:
        return oids.TEXT
    if type_oid in _VECTORS:
        return _VECTORS[type_oid]
    element = oids.ELEMENT_OF.get(type_oid)
    if element is not None:
        return oids.ARRAY_OF.get(stored(element), oids.TEXT_ARRAY)
    return type_oid


class ResultTypes:
    """What one query's result columns show: `type_of(name)` → a PostgreSQL type OID."""

    def __init__(self, sql: str) -> None:
        nodes = parse(tokenize(sql))
        words = {node.word for items in _groups(nodes) for node in items}
        self._columns: dict[str, set[int]] = {}
        for relation in words & pgtypes.COLUMNS.keys():
            for column, type_oid in pgtypes.COLUMNS[relation]:
                self._columns.setdefault(column, set()).add(type_oid)
            self._columns.setdefault("tableoid", set()).add(oids.OID)  # a system column
        self._defined: dict[str, list[list[Node]]] = {}
        for items in _groups(nodes):
            for name, expression in _select_items(items):
                self._defined.setdefault(name, []).append(expression)
        self._known: dict[str, int | None] = {}

    def type_of(self, name: str) -> int | None:
        """PostgreSQL's type of the result column `name`, if the query shows where it is from."""
        if name not in self._known:
            self._known[name] = _single(self._name(name, frozenset()))
        return self._known[name]

    # -- what a name or an expression can be: a set of type OIDs (None: unknown)

    def _name(self, name: str, visiting: frozenset[str]) -> frozenset[int] | None:
        found: set[int] = set(self._columns.get(name, ()))
        if name in visiting:
            if not found and name in _NAME_KEYWORDS:
                return frozenset({oids.NAME})  # `session_user` named by itself
            return frozenset(found) if found else _ANY  # `x` as x: says nothing new
        for expression in self._defined.get(name, ()):
            types = self._expression(expression, visiting | {name})
            if types is None:
                return None
            found |= types
        if not found and name in _NAME_KEYWORDS:
            return frozenset({oids.NAME})
        return frozenset(found) if found else None

    def _expression(self, nodes: list[Node], visiting: frozenset[str]) -> frozenset[int] | None:
        code = [k for k, node in enumerate(nodes) if node.kind not in (WS, COMMENT)]
        if not code:
            return None
        first, last = nodes[code[0]], nodes[code[-1]]
        if len(code) == 1:
            if isinstance(first, Group):
                return self._group(first, visiting)
            if first.word == "null" and first.kind == IDENT:
                return _ANY
            if first.kind in (IDENT, QIDENT):
                return self._name(first.word, visiting)
            return None
        casts = [k for k in code if _is(nodes[k], "::")]
        if casts and _operand_start(nodes, casts[-1]) <= code[0]:
            return _cast_type([nodes[k] for k in code if k > casts[-1]])
        if _qualified_name(nodes, code):
            return self._name(last.word, visiting)
        if first.word == "case" and last.word == "end":
            return self._branches(nodes[code[0] + 1 : code[-1]], visiting)
        call = _call_name(nodes, code)
        if call is not None:
            if call == "cast" and len(code) == 2 and isinstance(last, Group):
                return self._cast_call(last)
            return self._call(call, nodes, code, visiting)
        return None

    def _group(self, group: Group, visiting: frozenset[str]) -> frozenset[int] | None:
        if group.open.text != "(":
            return None
        items = group.items
        select = next((k for k, node in enumerate(items) if node.word == "select"), None)
        if select is None:
            return self._expression(items, visiting)
        for _, expression in _select_items(items, only=select):
            return self._expression(expression, visiting)  # a scalar subquery: its one column
        return None

    def _branches(self, nodes: list[Node], visiting: frozenset[str]) -> frozenset[int] | None:
        """CASE ... END: the THEN and ELSE expressions (a nested CASE is one expression)."""
        branches: list[list[Node]] = []
        branch: list[Node] | None = None
        depth = 0
        for node in nodes:
            word = node.word if node.kind == IDENT else ""
            if depth == 0 and word in ("when", "then", "else"):
                branch = [] if word in ("then", "else") else None
                if branch is not None:
                    branches.append(branch)
                continue
            depth += (word == "case") - (word == "end")
            if branch is not None:
                branch.append(node)
        found: set[int] = set()
        for expression in branches:
            types = self._expression(expression, visiting)
            if types is None:
                return None
            found |= types
        return frozenset(found) if found else None

    def _call(
        self, name: str, nodes: list[Node], code: list[int], visiting: frozenset[str]
    ) -> frozenset[int] | None:
        group = next(nodes[k] for k in code if isinstance(nodes[k], Group))
        assert isinstance(group, Group)
        arguments = _arguments(group.items)
        if name in _SAME_AS_ARGUMENT and arguments:
            spread = name in ("coalesce", "greatest", "least")
            found: set[int] = set()
            for argument in arguments if spread else arguments[:1]:
                types = self._expression(argument, visiting)
                if types is None:
                    return None
                found |= types
            if name in ("max", "min") and oids.NAME in found:
                return frozenset({oids.TEXT})
            return frozenset(found)
        if name == "array_agg" and arguments:
            element = _single(self._expression(_before_order_by(arguments[0]), visiting))
            array = oids.ARRAY_OF.get(element) if element is not None else None
            return frozenset({array}) if array else None
        if name in pgtypes.RESULTS:
            return frozenset({pgtypes.RESULTS[name]})
        return None

    def _cast_call(self, group: Group) -> frozenset[int] | None:
        items = group.items
        at = max((k for k, node in enumerate(items) if node.word == "as"), default=None)
        if at is None:
            return None
        return _cast_type([node for node in items[at + 1 :] if node.kind not in (WS, COMMENT)])


@functools.lru_cache(maxsize=1024)
def result_types(sql: str) -> ResultTypes:
    """The analysis of one catalog query's text (cached: clients repeat their queries)."""
    return ResultTypes(sql)


# -- helpers


def _groups(nodes: list[Node]) -> Iterator[list[Node]]:
    yield nodes
    for node in nodes:
        if isinstance(node, Group):
            yield from _groups(node.items)


def _single(types: frozenset[int] | None) -> int | None:
    if types is None:
        return None
    real = types - _ANY
    return next(iter(real)) if len(real) == 1 else None


def _qualified_name(nodes: list[Node], code: list[int]) -> bool:
    """`a.b` or `a.b.c`."""
    return len(code) % 2 == 1 and all(
        nodes[k].kind in (IDENT, QIDENT) if n % 2 == 0 else _is(nodes[k], ".")
        for n, k in enumerate(code)
    )


def _cast_type(nodes: list[Node]) -> frozenset[int] | None:
    """The type a cast names: `oid`, `text[]`, `pg_catalog.regtype`, `"char"`."""
    code = [node for node in nodes if node.kind not in (WS, COMMENT)]
    array = bool(code) and isinstance(code[-1], Group) and code[-1].open.text == "["
    if array:
        code = code[:-1]
    if not code or isinstance(code[-1], Group) or code[-1].kind not in (IDENT, QIDENT):
        return None
    word = code[-1].word
    name = "char" if code[-1].kind == QIDENT and word == "char" else word
    if name == "char" and code[-1].kind == IDENT:
        return None  # char (bpchar), not "char"
    try:
        type_oid = registry.by_name(name).oid
    except PgError:
        return None
    if array:
        array_oid = oids.ARRAY_OF.get(type_oid)
        return frozenset({array_oid}) if array_oid else None
    return frozenset({type_oid})


def _arguments(items: list[Node]) -> list[list[Node]]:
    out: list[list[Node]] = [[]]
    for node in items:
        if _is(node, ","):
            out.append([])
        else:
            out[-1].append(node)
    return [argument for argument in out if any(n.kind not in (WS, COMMENT) for n in argument)]


def _before_order_by(nodes: list[Node]) -> list[Node]:
    """An aggregate's argument without its ORDER BY clause."""
    for k, node in enumerate(nodes):
        following = _at(nodes, _next(nodes, k))
        if node.word == "order" and following is not None and following.word == "by":
            return nodes[:k]
    return nodes


def _select_items(nodes: list[Node], only: int | None = None) -> Iterator[tuple[str, list[Node]]]:
    """(output name, expression) of each named item of each select list in `nodes` (of the
    one at `only`); unnamed items that are not a column or a call are left out."""
    starts = [only] if only is not None else [k for k, n in enumerate(nodes) if n.word == "select"]
    for select_at in starts:
        i = _next(nodes, select_at)
        node = _at(nodes, i)
        if node is not None and node.word in ("distinct", "all"):
            i = _next(nodes, i)
            node = _at(nodes, i)
            if node is not None and node.word == "on":
                i = _next(nodes, _next(nodes, i))
        item: list[Node] = []
        for k in range(i, len(nodes) + 1):
            node = nodes[k] if k < len(nodes) else Token(IDENT, "from")
            if node.word in _LIST_END or _is(node, ";") or _is(node, ","):
                named = _named(item)
                if named is not None:
                    yield named
                item = []
                if not _is(node, ","):
                    break
            else:
                item.append(node)


def _named(item: list[Node]) -> tuple[str, list[Node]] | None:
    code = [k for k, node in enumerate(item) if node.kind not in (WS, COMMENT)]
    if not code:
        return None
    last = item[code[-1]]
    if len(code) >= 2 and item[code[-2]].word == "as" and last.kind in (IDENT, QIDENT):
        return last.word, item[: code[-2]]
    if len(code) >= 2 and _bare_alias(item[code[-2]], last):
        return last.word, item[: code[-1]]
    if last.kind in (IDENT, QIDENT) and (len(code) == 1 or _is(item[code[-2]], ".")):
        return last.word, item  # a column: named after itself
    name = _call_name(item, code)
    if name is not None:
        return name, item
    return None
