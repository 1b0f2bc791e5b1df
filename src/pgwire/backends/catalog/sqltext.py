"""PostgreSQL catalog queries, as text: which statements are one, and rewriting them for DuckDB.

The catalog emulation runs clients' catalog queries in DuckDB, whose SQL is PostgreSQL's in
most of what these queries use. What differs is rewritten here, on tokens (never inside
literals, quoted names or comments):

- `pg_catalog.` qualifiers go (the emulated relations and functions are DuckDB's own, found
  unqualified); `information_schema.x` becomes the emulation's schema for it;
- `OPERATOR(pg_catalog.~)` becomes `~`, `COLLATE ...` clauses go;
- `::regclass`, `::regtype`, `::regproc`, `::regnamespace`, `::regrole` (and CAST(... AS
  regclass)) become function calls. PostgreSQL's reg* values are OIDs that print as names;
  DuckDB has no such type, so the context decides: a cast that is a whole select-list item or
  is cast on to text gives the name, anywhere else (comparisons, joins, IN lists) the OID;
- `'{a,b}'` array literals compared or cast to an array become DuckDB list literals;
- `user`, `current_user`, `session_user`, `current_role`, `current_catalog` and a bare
  `current_schema` become the emulation's functions;
- the system column `tableoid` of a catalog relation becomes that relation's OID;
- `format('%I.%I', ...)` becomes printf; `json_build_object` becomes json_object;
- unnamed select-list items named by a function call get PostgreSQL's column name for them
  (`SELECT version()` gives a column "version", not "version()").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from pgwire.backends.catalog import pg15
from pgwire.backends.catalog.build import INFORMATION_SCHEMA
from pgwire.backends.catalog.schema import function_names
from pgwire.sql import lexer

# ---------------------------------------------------------------------------------------------
# tokens

WS, COMMENT, STRING, QIDENT, IDENT, NUMBER, PARAM, OP, PUNCT = (
    "ws", "comment", "string", "qident", "ident", "number", "param", "op", "punct"
)  # fmt: skip


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    origin: str = ""  # what a rewritten token stood for: its PostgreSQL column name

    @property
    def word(self) -> str:
        """An identifier as PostgreSQL folds it (lower case unless quoted); else ''."""
        if self.kind == IDENT:
            return self.text.lower()
        if self.kind == QIDENT:
            return self.text[1:-1].replace('""', '"')
        return ""


_KINDS = {
    lexer.SPACE: WS, lexer.COMMENT: COMMENT, lexer.STRING: STRING, lexer.IDENT: QIDENT,
    lexer.WORD: IDENT, lexer.NUMBER: NUMBER, lexer.PARAM: PARAM, lexer.OP: OP,
    lexer.PUNCT: PUNCT,
}  # fmt: skip


def tokenize(sql: str) -> list[Token]:
    """The lexer's tokens of `sql`, white space and comments included, as tokens the
    rewriter may change."""
    return [Token(_KINDS[token.kind], token.text) for token in lexer.tokenize(sql)]


# ---------------------------------------------------------------------------------------------
# which statements are catalog queries


@functools.cache
def catalog_relations() -> frozenset[str]:
    """The emulated pg_catalog relations (an unqualified mention routes a statement)."""
    return frozenset(name for name in pg15.RELATIONS if "." not in name)


@functools.cache
def catalog_functions() -> frozenset[str]:
    """The emulated functions (DuckDB lacks them or answers differently): a call routes."""
    return frozenset(function_names())


_SPECIAL_VALUES = {"current_user", "session_user", "current_role", "current_catalog"}
REG_TYPES = {"regclass", "regtype", "regproc", "regprocedure", "regnamespace", "regrole",
             "regoper", "regoperator", "regconfig", "regdictionary", "regcollation"}  # fmt: skip


def _code(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind not in (WS, COMMENT)]


@functools.lru_cache(maxsize=4096)  # asked of every statement the backend runs
def is_catalog_query(sql: str) -> bool:
    """True when `sql` reads PostgreSQL's catalog: pg_catalog or information_schema relations,
    catalog functions (version(), format_type(), ...), reg* casts or OPERATOR(...)."""
    start = sql.lstrip(" \t\r\n(")[:6].lower()
    if not start.startswith(("select", "with", "values", "table", "-", "/")):
        return False  # INSERT, COPY, ...: never one (and never scanned: they can be long)
    lowered = sql.lower()
    if not any(hint in lowered for hint in _HINTS):
        return False
    code = _code(tokenize(sql))
    if not code or (code[0].word not in _QUERY_VERBS and code[0].text != "("):
        return False
    for i, token in enumerate(code):
        word = token.word
        if not word:
            continue
        after = code[i + 1] if i + 1 < len(code) else None
        before = code[i - 1] if i else None
        if word in ("pg_catalog", "information_schema") and after and after.text == ".":
            return True
        if before is not None and before.text == ".":
            continue  # a column or a qualified name of something else
        if word in catalog_relations():
            # quoted, only where a relation goes: "pg_class" may be the user's column
            after_from = before is not None and (
                before.word in ("from", "join") or before.text == ","
            )
            if token.kind == IDENT or after_from:
                return True
        if after is not None and after.text == "(":
            if word in catalog_functions() or word == "operator":
                return True
        elif word in _SPECIAL_VALUES and token.kind == IDENT:
            return True
        if word in REG_TYPES and before is not None and before.text == "::":
            return True
    return False


_QUERY_VERBS = {"select", "with", "values", "table"}
# Cheap pre-check: a catalog query mentions one of these somewhere.
_HINTS = ("pg_", "information_schema", "::reg", " reg", "version", "current_", "session_user",
          "format_type", "has_", "obj_description", "col_description", "quote_ident",
          "array_lower", "array_upper", "to_reg", "operator", "_privilege", "format(",
          "parse_ident", "shobj_description", "json_build_object", "txid_current",
          "set_config")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# a tree of parenthesized groups


@dataclass(slots=True)
class Group:
    open: Token  # "(" or "["
    items: list[Node] = field(default_factory=list)
    close: Token | None = None

    @property
    def text(self) -> str:
        return self.open.text + render(self.items) + (self.close.text if self.close else "")

    @property
    def kind(self) -> str:
        return "group"

    @property
    def word(self) -> str:
        return ""


Node = Token | Group
_CLOSERS = {"(": ")", "[": "]"}


def parse(tokens: list[Token]) -> list[Node]:
    root: list[Node] = []
    stack: list[Group] = []
    for token in tokens:
        current = stack[-1].items if stack else root
        if token.kind == PUNCT and token.text in _CLOSERS:
            group = Group(token)
            current.append(group)
            stack.append(group)
        elif stack and token.kind == PUNCT and token.text == _CLOSERS[stack[-1].open.text]:
            stack.pop().close = token
        else:
            current.append(token)
    return root


def render(nodes: list[Node]) -> str:
    return "".join(node.text for node in nodes)


def _walk_groups(nodes: list[Node]) -> Iterator[list[Node]]:
    """Every node list: the top level and each group's items, innermost last."""
    yield nodes
    for node in nodes:
        if isinstance(node, Group):
            yield from _walk_groups(node.items)


def _next(nodes: list[Node], i: int) -> int:
    """Index of the next node after i that is not whitespace or a comment (len: none)."""
    i += 1
    while i < len(nodes) and nodes[i].kind in (WS, COMMENT):
        i += 1
    return i


def _prev(nodes: list[Node], i: int) -> int:
    i -= 1
    while i >= 0 and nodes[i].kind in (WS, COMMENT):
        i -= 1
    return i


def _is(node: Node | None, text: str) -> bool:
    return isinstance(node, Token) and node.kind in (PUNCT, OP) and node.text == text


def _at(nodes: list[Node], i: int) -> Node | None:
    return nodes[i] if 0 <= i < len(nodes) else None


# ---------------------------------------------------------------------------------------------
# rewriting


_RENAMED = {"json_build_object": "json_object", "jsonb_build_object": "json_object"}
_TEXT_TYPES = {"text", "varchar", "name", "bpchar", "char"}
_SPECIAL_CALLS = {"current_user": "pgwire_current_user()", "user": "pgwire_current_user()",
                  "session_user": "pgwire_current_user()", "current_role": "pgwire_current_user()",
                  "current_catalog": "current_database()",
                  "current_schema": "current_schema()"}  # fmt: skip
# After these a word is a name or a keyword, not a value.
_NOT_VALUE_BEFORE = {".", "as", "::", "table", "from", "join", "into", "update", "to", "role"}


@dataclass(slots=True)
class _Context:
    display_casts: set[int] = field(default_factory=set)  # id() of "::" of whole-item casts


def rewrite(sql: str) -> str:
    """A PostgreSQL catalog query as DuckDB runs it against the emulated catalog."""
    context = _Context()
    nodes = parse(tokenize(sql))
    for items in list(_walk_groups(nodes)):
        _simple_rewrites(items)
    _tableoids(nodes, {})
    for items in reversed(list(_walk_groups(nodes))):  # innermost first
        _cast_calls(items)
    _select_lists(nodes, context)
    for items in reversed(list(_walk_groups(nodes))):
        _casts(items, context)
    for items in list(_walk_groups(nodes)):
        _format_calls(items)
        _from_functions(items)
    return render(nodes)


def _simple_rewrites(nodes: list[Node]) -> None:
    i = 0
    while i < len(nodes):
        node = nodes[i]
        word = node.word
        j = _next(nodes, i)
        after = _at(nodes, j)
        if word == "pg_catalog" and _is(after, "."):
            del nodes[i : j + 1]  # pg_catalog.x → x
            continue
        if word == "information_schema" and _is(after, "."):
            k = _next(nodes, j)
            called = isinstance(_at(nodes, _next(nodes, k)), Group)
            if called:  # information_schema._pg_expandarray(...) → _pg_expandarray(...)
                del nodes[i : j + 1]
                continue
            nodes[i] = Token(IDENT, INFORMATION_SCHEMA)
        elif word == "operator" and isinstance(after, Group) and after.open.text == "(":
            inner = _code([t for t in after.items if isinstance(t, Token)])
            if inner and inner[-1].kind == OP:
                nodes[i : j + 1] = [Token(OP, inner[-1].text)]
                continue
        elif (
            word == "collate"
            and node.kind == IDENT
            and isinstance(after, Token)
            and after.kind in (IDENT, QIDENT)  # a collation's name: not `AS collate,`
            and (i == 0 or nodes[_prev(nodes, i)].word != "as")
        ):
            end = _next(nodes, i)  # the collation's name, qualified perhaps
            while end < len(nodes):
                following = _next(nodes, end)
                if _is(_at(nodes, following), "."):
                    end = _next(nodes, following)
                else:
                    break
            del nodes[i : end + 1]
            continue
        elif node.kind == IDENT and word in _SPECIAL_CALLS:
            before = _at(nodes, _prev(nodes, i))
            before_word = before.word or before.text.lower() if before is not None else ""
            called = isinstance(after, Group) and after.open.text == "("
            if not called and not _is(after, ".") and before_word not in _NOT_VALUE_BEFORE:
                nodes[i] = Token(IDENT, _SPECIAL_CALLS[word], origin=word)
        elif word in ("any", "all", "some") and isinstance(after, Group):
            # = ANY('{r,p}'): an untyped array parameter (psycopg sends lists of str so)
            contents = [n for n in after.items if n.kind not in (WS, COMMENT)]
            only = contents[0] if len(contents) == 1 else None
            if isinstance(only, Token) and only.kind == STRING and only.text.startswith("'{"):
                elements = _array_elements(only.text)
                if elements is not None:
                    after.items[:] = [Token(IDENT, _list_expression(elements))]
        elif word in _RENAMED and isinstance(after, Group):
            nodes[i] = Token(IDENT, _RENAMED[word])
        elif node.kind == STRING and node.text.startswith("'{") and _array_context(nodes, i):
            converted = _array_literal(node.text)
            if converted is not None:
                nodes[i] = Token(STRING, converted)
        i += 1


# -- the tableoid system column: the catalog relation's OID (pg_dump reads it everywhere)


@functools.cache
def _relation_oids() -> dict[str, int]:
    return {name: oid for oid, _, name, *_ in pg15.CATALOG_RELATIONS}


_ALIAS_NOT = frozenset({
    "on", "using", "natural", "join", "inner", "left", "right", "full", "cross", "where",
    "group", "having", "window", "order", "limit", "offset", "union", "intersect", "except",
    "fetch", "for", "lateral",
})  # fmt: skip


def _from_relations(nodes: list[Node]) -> dict[str, int]:
    """The catalog relations this level's FROM clauses read: alias (or name) → OID."""
    found: dict[str, int] = {}
    relation_oids = _relation_oids()
    for i, node in enumerate(nodes):
        if node.kind != IDENT or node.word not in relation_oids:
            continue
        before = _at(nodes, _prev(nodes, i))
        if before is None or not (before.word in ("from", "join", "only") or _is(before, ",")):
            continue
        j = _next(nodes, i)
        after = _at(nodes, j)
        if isinstance(after, Group) or _is(after, "."):
            continue  # a function call, or a qualified name: not this relation
        if after is not None and after.word == "as":
            j = _next(nodes, j)
            after = _at(nodes, j)
        alias = node.word
        if after is not None and after.kind in (IDENT, QIDENT) and after.word not in _ALIAS_NOT:
            alias = after.word
        found[alias] = relation_oids[node.word]
    return found


def _tableoids(nodes: list[Node], outer: dict[str, int]) -> None:
    """`x.tableoid` (x a catalog relation or its alias) and a bare `tableoid` where this
    level reads one catalog relation: that relation's OID, as PostgreSQL's system column."""
    own = _from_relations(nodes)
    scope = {**outer, **own}
    single = next(iter(own.values())) if len(set(own.values())) == 1 else None
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if isinstance(node, Group):
            _tableoids(node.items, scope)
        elif node.kind == IDENT and node.word == "tableoid":
            dot = _prev(nodes, i)
            if _is(_at(nodes, dot), "."):
                qualifier = _prev(nodes, dot)
                found = scope.get(nodes[qualifier].word) if qualifier >= 0 else None
                if found is not None:
                    nodes[qualifier : i + 1] = [_oid_token(found)]
                    i = qualifier
            elif single is not None and not _is(_at(nodes, _next(nodes, i)), "."):
                nodes[i] = _oid_token(single)
        i += 1


def _oid_token(oid: int) -> Token:
    return Token(IDENT, f"CAST({oid} AS BIGINT)", origin="tableoid")


def _array_context(nodes: list[Node], i: int) -> bool:
    """A '{...}' literal compared, or cast to an array type: PostgreSQL reads an array."""
    before = _at(nodes, _prev(nodes, i))
    if isinstance(before, Token) and before.kind == OP and before.text in ("=", "<>", "!="):
        return True
    j = _next(nodes, i)
    if _is(_at(nodes, j), "::"):
        k = _next(nodes, j)
        while k < len(nodes) and not isinstance(nodes[k], Group) and nodes[k].kind != OP:
            k = _next(nodes, k)  # the type's name
        group = _at(nodes, k)
        return isinstance(group, Group) and group.open.text == "["
    return False


def _list_expression(elements: list[str | None]) -> str:
    """A DuckDB list of the elements: numbers bare (they compare with OIDs), text quoted."""
    parts = []
    for element in elements:
        if element is None:
            parts.append("NULL")
        elif re.fullmatch(r"-?\d+", element):
            parts.append(element)
        else:
            parts.append("'" + element.replace("'", "''") + "'")
    return "[" + ", ".join(parts) + "]"


def _array_elements(text: str) -> list[str | None] | None:
    """The elements of a '{a,"b c",NULL}' literal (None for NULL); None if not an array."""
    listed = _array_literal(text)
    if listed is None:
        return None
    body = text[1:-1].replace("''", "'")[1:-1]
    out: list[str | None] = []
    current, quoted, was_quoted, i = "", False, False, 0
    while i < len(body):
        c = body[i]
        if quoted:
            if c == "\\" and i + 1 < len(body):
                current += body[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                current += c
        elif c == '"':
            quoted = was_quoted = True
        elif c == ",":
            out.append(_element(current, was_quoted))
            current, was_quoted = "", False
        else:
            current += c
        i += 1
    if body:
        out.append(_element(current, was_quoted))
    return out


def _element(text: str, quoted: bool) -> str | None:
    if quoted:
        return text
    text = text.strip()
    return None if text.upper() == "NULL" else text


def _array_literal(text: str) -> str | None:
    """'{a,"b c",NULL}' → '[a, "b c", NULL]' (DuckDB's list text); None if not an array."""
    body = text[1:-1].replace("''", "'")
    if not (body.startswith("{") and body.endswith("}")):
        return None
    items: list[str] = []
    current = ""
    quoted = False
    i = 1
    while i < len(body) - 1:
        c = body[i]
        if quoted:
            if c == "\\" and i + 1 < len(body) - 1:
                current += body[i + 1]
                i += 1
            elif c == '"':
                quoted = False
            else:
                current += c
        elif c == '"':
            quoted = True
            current = current or ""
            current += "\0"  # marks a quoted element (never NULL)
        elif c == ",":
            items.append(current)
            current = ""
        elif c in "{}":
            return None  # nested arrays: left alone
        else:
            current += c
        i += 1
    if body != "{}":
        items.append(current)
    parts = []
    for item in items:
        if item.startswith("\0"):
            value = item[1:]
            parts.append('"' + value.replace('"', '\\"') + '"')
        elif item.strip().upper() == "NULL":
            parts.append("NULL")
        else:
            parts.append(item.strip())
    return "'[" + ", ".join(parts).replace("'", "''") + "]'"


def _cast_calls(nodes: list[Node]) -> None:
    """CAST(x AS type) → (x)::type, so that every cast is handled alike."""
    i = 0
    while i < len(nodes):
        node = nodes[i]
        j = _next(nodes, i)
        group = _at(nodes, j)
        if node.word == "cast" and isinstance(group, Group) and group.open.text == "(":
            items = group.items
            as_at = None
            depth_items = [k for k, item in enumerate(items) if item.word == "as"]
            if depth_items:
                as_at = depth_items[-1]
            if as_at is not None:
                expression = _strip(items[:as_at])
                type_nodes = _strip(items[as_at + 1 :])
                if not _primary_chain(expression):  # x + 1 AS int: (x + 1)::int
                    expression = [Group(Token(PUNCT, "("), expression, Token(PUNCT, ")"))]
                nodes[i : j + 1] = [*expression, Token(OP, "::"), *type_nodes]
        i += 1


def _primary_chain(nodes: list[Node]) -> bool:
    """A name, literal, call or group, cast any number of times: `x` in `x::t` unchanged."""
    if not nodes:
        return False
    probe = [*nodes, Token(OP, "::")]
    return _operand_start(probe, len(probe) - 1) == 0


def _strip(nodes: list[Node]) -> list[Node]:
    start, end = 0, len(nodes)
    while start < end and nodes[start].kind in (WS, COMMENT):
        start += 1
    while end > start and nodes[end - 1].kind in (WS, COMMENT):
        end -= 1
    return nodes[start:end]


# -- casts to reg* types


def _casts(nodes: list[Node], context: _Context) -> None:
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if not (_is(node, "::")):
            i += 1
            continue
        t = _next(nodes, i)
        type_token = _at(nodes, t)
        reg = type_token.word if type_token is not None else ""
        if reg not in REG_TYPES:
            i += 1
            continue
        end = t
        array = False
        bracket = _at(nodes, _next(nodes, t))
        if (
            isinstance(bracket, Group)
            and bracket.open.text == "["
            and not _code([x for x in bracket.items if isinstance(x, Token)])
        ):
            end = _next(nodes, t)
            array = True
        start = _operand_start(nodes, i)
        operand = render(_strip(nodes[start:i]))
        following = _at(nodes, _next(nodes, end))
        target = ""
        if _is(following, "::"):
            next_type = _at(nodes, _next(nodes, _next(nodes, end)))
            target = next_type.word if next_type is not None else ""
        if array:
            call = f"pgwire_{reg}_names({operand})"
        elif target in _TEXT_TYPES or id(node) in context.display_casts:
            call = f"pgwire_{reg}_name({operand})"  # shown: the name
        else:
            call = f"pgwire_{reg}_oid({operand})"  # compared, joined, cast to oid: the OID
        nodes[start : end + 1] = [Token(IDENT, call)]
        i = start + 1


def _operand_start(nodes: list[Node], i: int) -> int:
    """Index of the first node of the operand of the `::` at i."""
    k = _prev(nodes, i)
    while k >= 0:
        node = nodes[k]
        if isinstance(node, Group):
            before = _prev(nodes, k)
            prior = _at(nodes, before)
            if node.open.text == "[":
                if prior is not None and prior.word == "array":
                    return _continue_cast(nodes, before)
                k = before  # a subscript: the operand goes on before it
                continue
            if (
                prior is not None
                and prior.kind in (IDENT, QIDENT)
                and prior.word not in (_KEYWORDS_BEFORE_GROUP)
            ):
                return _continue_cast(nodes, _name_start(nodes, before))
            return _continue_cast(nodes, k)
        if node.kind in (STRING, NUMBER, PARAM):
            return _continue_cast(nodes, k)
        if node.kind in (IDENT, QIDENT):
            return _continue_cast(nodes, _name_start(nodes, k))
        return k + 1
    return 0


_KEYWORDS_BEFORE_GROUP = {"in", "any", "all", "some", "exists", "and", "or", "not", "select",
                          "where", "on", "when", "then", "else", "values", "as", "is"}  # fmt: skip


def _name_start(nodes: list[Node], k: int) -> int:
    """Back over a qualified name a.b.c ending at k."""
    while True:
        dot = _prev(nodes, k)
        if _is(_at(nodes, dot), "."):
            before = _prev(nodes, dot)
            prior = _at(nodes, before)
            if prior is not None and prior.kind in (IDENT, QIDENT):
                k = before
                continue
        return k


def _continue_cast(nodes: list[Node], k: int) -> int:
    """x::a::b: the operand of the second cast includes the first."""
    before = _prev(nodes, k)
    if _is(_at(nodes, before), "::"):
        return _operand_start(nodes, before)
    return k


# -- select lists: reg* casts that are a whole item, and PostgreSQL's column names

_LIST_END = {"from", "where", "group", "having", "window", "order", "limit", "offset",
             "union", "intersect", "except", "fetch", "for", "into", "returning"}  # fmt: skip
_OPERATOR_WORDS = {"and", "or", "not", "is", "in", "like", "ilike", "between", "similar",
                   "escape", "then", "else", "when", "case", "distinct", "all", "any", "some",
                   "as", "collate", "at", "zone", "operator", "array", "interval", "null",
                   "true", "false", "end", "select", "on", "unknown", "desc", "asc"}  # fmt: skip


def _select_lists(nodes: list[Node], context: _Context) -> None:
    for items in list(_walk_groups(nodes)):
        i = 0
        while i < len(items):
            if items[i].word == "select":
                i = _select_list(items, i, context)
            else:
                i += 1


def _select_list(nodes: list[Node], select_at: int, context: _Context) -> int:
    i = _next(nodes, select_at)
    if _at(nodes, i) is not None and nodes[i].word in ("distinct", "all"):
        i = _next(nodes, i)
        if _at(nodes, i) is not None and nodes[i].word == "on":
            i = _next(nodes, _next(nodes, i))
    start = i
    k = start
    items: list[tuple[int, int]] = []
    while k < len(nodes):
        node = nodes[k]
        if node.word in _LIST_END or _is(node, ";"):
            break
        if _is(node, ","):
            items.append((start, k))
            start = k + 1
        k += 1
    items.append((start, k))
    inserted = 0
    for begin, end in items:
        begin += inserted
        end += inserted
        alias = _alias_needed(nodes, begin, end, context)
        if alias is not None:
            last = _prev(nodes, end)
            nodes.insert(last + 1, Token(WS, f' AS "{alias}"'))
            inserted += 1
    return k + inserted


def _alias_needed(nodes: list[Node], begin: int, end: int, context: _Context) -> str | None:
    """Mark a reg* cast that is a whole item (it shows the name); return PostgreSQL's name
    for an unnamed item where DuckDB would name it otherwise (function calls and casts)."""
    code = [k for k in range(begin, end) if nodes[k].kind not in (WS, COMMENT)]
    expression = code
    aliased = False
    if len(code) >= 2 and nodes[code[-2]].word == "as":
        expression, aliased = code[:-2], True
    elif len(code) >= 2 and _bare_alias(nodes[code[-2]], nodes[code[-1]]):
        expression, aliased = code[:-1], True
    alias = nodes[code[-1]] if aliased else None
    if isinstance(alias, Token) and alias.kind == IDENT:
        alias.text = alias.text.lower()  # PostgreSQL folds an unquoted alias to lower case
    if not expression:
        return None
    casts = [k for k in expression if _is(nodes[k], "::")]
    if casts:
        type_at = _next(nodes, casts[-1])
        type_word = nodes[type_at].word if type_at < len(nodes) else ""
        tail = [nodes[k] for k in expression if k > type_at]
        whole = _operand_start(nodes, casts[-1]) <= expression[0]
        if (
            whole
            and type_word in REG_TYPES
            and all(isinstance(node, Group) and node.open.text == "[" for node in tail)
        ):
            token = nodes[casts[-1]]
            assert isinstance(token, Token)
            context.display_casts.add(id(token))
    only = nodes[expression[0]] if len(expression) == 1 else None
    if isinstance(only, Token) and only.origin and not aliased:
        return only.origin
    if aliased:
        return None
    pure_cast = bool(casts) and _operand_start(nodes, casts[-1]) <= expression[0]
    if pure_cast or _is_call(nodes, expression):
        return _column_name(nodes, expression)
    if len(expression) == 1 and nodes[expression[0]].word in ("null", "true", "false"):
        return "?column?" if nodes[expression[0]].word == "null" else "bool"
    if all(nodes[k].kind in (IDENT, QIDENT) or _is(nodes[k], ".") for k in expression):
        return None  # a column: DuckDB names it as PostgreSQL does
    if any(_is(nodes[k], "*") for k in expression[-1:]):
        return None  # * or t.*
    return _unnamed(nodes, expression)


def _unnamed(nodes: list[Node], code: list[int]) -> str:
    """PostgreSQL's name for an unnamed item that is no column, call or cast: CASE, ARRAY,
    EXISTS and a scalar subquery have theirs, anything else (literals, operators) ?column?"""
    first, last = nodes[code[0]], nodes[code[-1]]
    if first.word == "case" and last.word == "end":
        # named by its ELSE result when that has a name of its own (FigureColname)
        elses = [n for n, k in enumerate(code) if nodes[k].word == "else"]
        result = code[elses[-1] + 1 : -1] if elses else []
        return (_column_name(nodes, result) if result else None) or "case"
    if first.word in ("array", "exists") and len(code) == 2 and isinstance(last, Group):
        return first.word
    if len(code) == 1 and isinstance(first, Group) and first.open.text == "(":
        inner = [k for k in range(len(first.items)) if first.items[k].kind not in (WS, COMMENT)]
        if inner and first.items[inner[0]].word == "select":
            return _subquery_name(first.items, inner)
    return "?column?"


def _subquery_name(nodes: list[Node], code: list[int]) -> str:
    """A scalar subquery is named by its one select-list item."""
    item = []
    for k in code[1:]:
        if nodes[k].word in _LIST_END or _is(nodes[k], ","):
            break
        item.append(k)
    if nodes[code[1]].word in ("distinct", "all") if len(code) > 1 else False:
        item = item[1:]
    if not item:
        return "?column?"
    if len(item) >= 2 and nodes[item[-2]].word == "as":
        return nodes[item[-1]].word or "?column?"
    if len(item) >= 2 and _bare_alias(nodes[item[-2]], nodes[item[-1]]):
        return nodes[item[-1]].word or "?column?"
    if all(nodes[k].kind in (IDENT, QIDENT) or _is(nodes[k], ".") for k in item):
        return nodes[item[-1]].word or "?column?"
    return _column_name(nodes, item) or _unnamed(nodes, item)


def _bare_alias(prior: Node, last: Node) -> bool:
    """`expr alias`: a name after a complete expression (not after `.`, `::` or a keyword)."""
    if last.kind not in (IDENT, QIDENT) or last.word in _OPERATOR_WORDS:
        return False
    if prior.word == "end":  # CASE ... END alias
        return True
    if _is(prior, ".") or _is(prior, "::") or prior.word in _OPERATOR_WORDS:
        return False
    return prior.kind in (IDENT, QIDENT, STRING, NUMBER) or isinstance(prior, Group)


def _is_call(nodes: list[Node], code: list[int]) -> bool:
    """`[q.]f(...)` (with FILTER, OVER, WITHIN GROUP clauses), the whole item."""
    return _call_name(nodes, code) is not None


def _call_name(nodes: list[Node], code: list[int]) -> str | None:
    # strip trailing FILTER (...), OVER (...)/OVER name, WITHIN GROUP (...)
    end = len(code)
    while end >= 2:
        last, before = nodes[code[end - 1]], nodes[code[end - 2]]
        if before.word in ("over", "filter") and (
            isinstance(last, Group) or last.kind in (IDENT, QIDENT)
        ):
            end -= 2
        elif end >= 3 and nodes[code[end - 3]].word == "within" and before.word == "group":
            end -= 3
        else:
            break
    code = code[:end]
    if len(code) < 2 or not isinstance(nodes[code[-1]], Group):
        return None
    group = nodes[code[-1]]
    assert isinstance(group, Group)
    if group.open.text != "(":
        return None
    names = code[:-1]
    for n, k in enumerate(names):
        expected_name = n % 2 == 0
        if expected_name and nodes[k].kind not in (IDENT, QIDENT):
            return None
        if not expected_name and not _is(nodes[k], "."):
            return None
    if len(names) % 2 != 1 or nodes[names[-1]].word in _OPERATOR_WORDS:
        return None
    return nodes[names[-1]].word or None


def _column_name(nodes: list[Node], code: list[int]) -> str | None:
    """PostgreSQL's name for an unnamed select-list item (FigureColname), or None."""
    # strip trailing casts: x::a::b is named by x, or by the last type if x has no name
    first_cast = next((n for n, k in enumerate(code) if _is(nodes[k], "::")), None)
    head = code if first_cast is None else code[:first_cast]
    first = nodes[head[0]] if len(head) == 1 else None
    if isinstance(first, Token) and first.origin:
        return first.origin
    if head and _is_call(nodes, head):
        return _call_name(nodes, head)
    if head and all(nodes[k].kind in (IDENT, QIDENT) or _is(nodes[k], ".") for k in head):
        last = nodes[head[-1]]
        if last.kind in (IDENT, QIDENT) and last.word not in _OPERATOR_WORDS:
            return last.word
    if len(head) == 1 and isinstance(nodes[head[0]], Group):
        inner = nodes[head[0]]
        assert isinstance(inner, Group)
        inner_code = [k for k in range(len(inner.items)) if inner.items[k].kind not in (WS,)]
        if inner_code and not any(inner.items[k].word == "select" for k in inner_code):
            return _column_name(inner.items, inner_code)
    if first_cast is not None:
        type_at = _next(nodes, code[first_cast])
        last_cast = [k for k in code if _is(nodes[k], "::")][-1]
        type_at = _next(nodes, last_cast)
        if type_at < len(nodes) and nodes[type_at].word:
            word = nodes[type_at].word
            return {"int4": "int4", "integer": "int4", "int": "int4", "bigint": "int8",
                    "smallint": "int2", "varchar": "varchar", "boolean": "bool",
                    "bool": "bool"}.get(word, word)  # fmt: skip
    return None


# -- format('%I.%I', a, b) → printf('%s.%s', a, b)


def _format_calls(nodes: list[Node]) -> None:
    for i, node in enumerate(nodes):
        if node.word != "format" or not isinstance(node, Token):
            continue
        group = _at(nodes, _next(nodes, i))
        if not isinstance(group, Group) or group.open.text != "(":
            continue
        first = next((n for n in group.items if n.kind not in (WS, COMMENT)), None)
        if isinstance(first, Token) and first.kind == STRING:
            nodes[i] = Token(IDENT, "printf")
            index = group.items.index(first)
            text = first.text.replace("%I", "%s").replace("%L", "'%s'")
            group.items[index] = Token(STRING, text)


# -- a scalar function in FROM: string_to_array(...) s → (SELECT string_to_array(...) AS s) s

# Functions that return rows in DuckDB (the rest are scalar: PostgreSQL allows those in FROM,
# as one row whose column is named after the alias).
TABLE_FUNCTIONS = frozenset({
    "generate_series", "generate_subscripts", "unnest", "range", "pg_get_keywords",
    "pg_partition_ancestors", "json_each", "json_tree", "pg_options_to_table",
    "regexp_split_to_table", "pg_show_all_settings", "aclexplode", "pg_timezone_names",
    "pg_timezone_abbrevs", "pg_event_trigger_ddl_commands", "pg_listening_channels",
})  # fmt: skip
_FROM_END = _LIST_END - {"from"} | {"on", "using", "natural"}


def _from_functions(nodes: list[Node]) -> None:
    in_from = False
    item_start = False
    selecting = False  # FROM in trim(... FROM x) or extract(... FROM x) is no FROM clause
    i = 0
    while i < len(nodes):
        node = nodes[i]
        word = node.word if node.kind == IDENT else ""
        if word == "select":
            selecting = True
        if word == "from" and selecting:
            in_from, item_start = True, True
        elif in_from and (word == "join" or _is(node, ",")):
            item_start = True
        elif in_from and word in _FROM_END:
            in_from = word == "on" or word == "using"  # the join goes on after its condition
            item_start = False
        elif (in_from and item_start and node.kind in (WS, COMMENT)) or (
            in_from and item_start and word == "lateral"
        ):
            pass
        elif in_from and item_start and node.kind in (IDENT, QIDENT):
            item_start = False
            call = _next(nodes, i)
            group = _at(nodes, call)
            if node.word == "unnest" and isinstance(group, Group) and group.open.text == "(":
                i = _zip_unnest(nodes, i, call)
            elif (
                isinstance(group, Group)
                and group.open.text == "("
                and node.word not in TABLE_FUNCTIONS
                and node.word not in _NOT_FUNCTIONS
            ):
                i = _wrap_scalar(nodes, i, call)
        else:
            item_start = False
        i += 1


_NOT_FUNCTIONS = {"select", "values", "with", "lateral", "only"}


def _zip_unnest(nodes: list[Node], name_at: int, call: int) -> int:
    """`unnest(a, b) [WITH ORDINALITY] [AS] t(x, y, n)` (Django's constraint introspection):
    DuckDB's unnest takes one list and no WITH ORDINALITY, so the arrays are unnested side
    by side in a subquery's select list, the ordinality from generate_subscripts()."""
    group = nodes[call]
    assert isinstance(group, Group)
    arguments: list[str] = []
    current: list[Node] = []
    for item in group.items:
        if _is(item, ","):
            arguments.append(render(current).strip())
            current = []
        else:
            current.append(item)
    arguments.append(render(current).strip())
    end = call
    k = _next(nodes, call)
    ordinality = False
    if _at(nodes, k) is not None and nodes[k].word == "with":
        after = _next(nodes, k)
        if _at(nodes, after) is not None and nodes[after].word == "ordinality":
            ordinality, end, k = True, after, _next(nodes, after)
    if len(arguments) < 2 and not ordinality:
        return name_at  # a plain unnest(list): DuckDB's own
    alias, columns = "unnest", []
    if _at(nodes, k) is not None and nodes[k].word == "as":
        k = _next(nodes, k)
    candidate = _at(nodes, k)
    if (
        candidate is not None
        and candidate.kind in (IDENT, QIDENT)
        and candidate.word not in _FROM_END
        and candidate.word not in ("join", "left", "right", "inner", "full", "cross")
    ):
        alias, end = candidate.word, k
        names = _at(nodes, _next(nodes, k))
        if isinstance(names, Group) and names.open.text == "(":
            columns = [t.word for t in names.items if t.kind in (IDENT, QIDENT)]
            end = _next(nodes, k)
    count = len(arguments) + (1 if ordinality else 0)
    columns += [f"unnest{n}" for n in range(len(columns), count)]
    items = [f'unnest({a}) AS "{c}"' for a, c in zip(arguments, columns, strict=False)]
    if ordinality:
        items.append(f'generate_subscripts({arguments[0]}, 1) AS "{columns[len(arguments)]}"')
    nodes[name_at : end + 1] = [Token(IDENT, f'(SELECT {", ".join(items)}) AS "{alias}"')]
    return name_at


def _wrap_scalar(nodes: list[Node], name_at: int, call: int) -> int:
    """Replace `f(...) [AS] alias[(column)]` at name_at with a one-row subquery."""
    function = nodes[name_at].word
    end = call
    alias = function
    column = function
    k = _next(nodes, call)
    if _at(nodes, k) is not None and nodes[k].word == "as":
        k = _next(nodes, k)
    candidate = _at(nodes, k)
    if (
        candidate is not None
        and candidate.kind in (IDENT, QIDENT)
        and candidate.word not in _FROM_END
        and candidate.word not in ("join", "left", "right", "inner", "full", "cross", "with")
    ):
        alias = column = candidate.word
        end = k
        columns = _at(nodes, _next(nodes, k))
        if isinstance(columns, Group) and columns.open.text == "(":
            names = [t.word for t in columns.items if t.kind in (IDENT, QIDENT)]
            if names:
                column = names[0]
            end = _next(nodes, k)
    call_text = nodes[name_at].text + nodes[call].text
    quoted_alias = '"' + alias.replace('"', '""') + '"'
    quoted_column = '"' + column.replace('"', '""') + '"'
    nodes[name_at : end + 1] = [
        Token(IDENT, f"(SELECT {call_text} AS {quoted_column}) AS {quoted_alias}")
    ]
    return name_at
