"""Reading a statement's SQL for its `$n` parameters, shared by the backends.

A tokenizer (`tokenize`), and what a statement's parameters are, inferred from its SQL the way
PostgreSQL infers them. PostgreSQL gives an untyped parameter the type its context needs: the
column it is compared with, the column it is inserted into, int8 after LIMIT. Neither DuckDB's
nor sqlite3's Python API describes a prepared statement's parameters, so their sessions'
`describe` reads the SQL here. Only clear contexts count, each with a bare `$n` (not `$n + 1`,
not `$n::type`):

    col = $1        col <> $1  (any comparison)  $1 < col        col [NOT] LIKE $1
    col [NOT] IN ($1, $2, ...)                   col [NOT] BETWEEN $1 AND $2
    UPDATE t SET col = $1                        LIMIT $1  OFFSET $2  (int8)
    INSERT INTO t [(a, b)] VALUES ($1, $2), ...  (the target columns, in order)

where `col` is a column (`col`, `alias.col`, `table.col`) of a table named in the statement
(FROM, JOIN, UPDATE, INSERT INTO, DELETE ... USING, MERGE INTO). The catalog is asked through
a callback, so this module knows no backend. Names resolve as PostgreSQL resolves them: in the
query level (the statement, or a parenthesised subquery) the column appears in, then the
levels around it. A level that also reads a subquery, a CTE or a table function leaves an
unqualified name unknown (it may come from there), and so does a name found in two of its
tables. Anything unclear stays 0, which the library reports as text, as PostgreSQL does for a
parameter whose type it cannot determine.

The module also splices NULLs in place of the parameters (keeping a map back to the original
positions for error cursors) and rewrites `... RETURNING list` into a SELECT of that list,
so that a DML statement's result columns can be described without running it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.types import oids

__all__ = [
    "Spliced",
    "TableColumns",
    "Token",
    "infer_parameter_types",
    "returning_query",
    "splice",
    "tokenize",
]

INT8 = oids.INT8

# A table's columns, in order, as (name, type OID); None: no such table (or not a table).
# The argument is the table's name as written, one element per dotted part.
TableColumns = Callable[[tuple[str, ...]], Sequence[tuple[str, int]] | None]

# ---------------------------------------------------------------------------------------------
# tokens


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "ident" (quoted), "param", "number", "string", "op", "punct"
    value: str  # words lower-cased, quoted identifiers unquoted, params their number
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.value in words

    def is_punct(self, char: str) -> bool:
        return self.kind == "punct" and self.value == char


_KINDS = {
    lexer.WORD: "word", lexer.IDENT: "ident", lexer.PARAM: "param", lexer.NUMBER: "number",
    lexer.STRING: "string", lexer.OP: "op", lexer.PUNCT: "punct",
}  # fmt: skip


def tokenize(sql: str) -> list[Token]:
    """The tokens of `sql` as `pgwire.sql.lexer` reads them, comments and white space dropped;
    words lower-cased, quoted identifiers unquoted, parameters their number."""
    tokens: list[Token] = []
    for token in lexer.code(sql):
        kind = _KINDS[token.kind]
        if kind in ("word", "ident"):
            value = token.value
        elif kind == "param":
            value = token.text[1:]
        else:
            value = token.text
        tokens.append(Token(kind, value, token.start, token.end))
    return tokens


def _matching(tokens: Sequence[Token], i: int) -> int:
    """Index of the `)` (or `]`) closing the bracket at tokens[i]; len(tokens) if none."""
    opening = tokens[i].value
    closing = ")" if opening == "(" else "]"
    depth = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        if token.kind != "punct":
            continue
        if token.value == opening:
            depth += 1
        elif token.value == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(tokens)


def _depths(tokens: Sequence[Token]) -> list[int]:
    """Parenthesis depth of each token (a bracket itself counts as outside)."""
    out = []
    depth = 0
    for token in tokens:
        if token.is_punct(")") or token.is_punct("]"):
            depth = max(depth - 1, 0)
        out.append(depth)
        if token.is_punct("(") or token.is_punct("["):
            depth += 1
    return out


# ---------------------------------------------------------------------------------------------
# splicing NULLs for the parameters


@dataclass(slots=True)
class Spliced:
    """SQL with its parameters replaced, and the way back to positions in the original."""

    text: str
    # (start, end) in `text` and (start, end) in the original, of each replacement, in order
    edits: list[tuple[int, int, int, int]] = field(default_factory=list)

    def original_position(self, position: int) -> int:
        """A 1-based position in `text` as a 1-based position in the original SQL."""
        index = position - 1
        shift = 0
        for new_start, new_end, old_start, old_end in self.edits:
            if index < new_start:
                break
            if index < new_end:
                return old_start + 1
            shift = new_end - old_end
        return index - shift + 1


def splice(sql: str, replacements: Sequence[str]) -> Spliced:
    """`sql` with each `$n` replaced by replacements[n-1] (as `pgwire.sql` would do it)."""
    out: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    pos = 0
    size = 0
    for token in tokenize(sql):
        if token.kind != "param":
            continue
        index = int(token.value)
        if not 1 <= index <= len(replacements):
            raise PgError(f"there is no parameter ${index}", sqlstate.UNDEFINED_PARAMETER)
        before = sql[pos : token.start]
        out.append(before)
        size += len(before)
        replacement = replacements[index - 1]
        out.append(replacement)
        edits.append((size, size + len(replacement), token.start, token.end))
        size += len(replacement)
        pos = token.end
    out.append(sql[pos:])
    return Spliced("".join(out), edits)


# ---------------------------------------------------------------------------------------------
# tables named in a statement

# Words that end a table reference instead of naming its alias.
_NOT_ALIAS = frozenset({
    "where", "join", "inner", "left", "right", "full", "outer", "cross", "natural", "on",
    "using", "set", "group", "order", "limit", "offset", "union", "except", "intersect",
    "returning", "window", "having", "values", "default", "select", "qualify", "lateral",
    "tablesample", "fetch", "for", "positional", "asof", "anti", "semi", "by", "overriding",
    "from", "into", "as", "with", "do", "when", "then", "else", "end", "and", "or", "not",
    "is", "in", "like", "ilike", "between", "partition", "rows", "range",
})  # fmt: skip
# The first word of a parenthesised query (not a function's argument list).
_QUERY_WORDS = frozenset({"select", "with", "values", "from", "table"})

Name = tuple[str, ...]
_NAMES = ("word", "ident")


@dataclass(slots=True)
class _Region:
    """The FROM items of one query level (the statement, or one parenthesised subquery)."""

    tables: list[Name] = field(default_factory=list)
    aliases: dict[str, Name | None] = field(default_factory=dict)  # None: not a table
    # Some FROM item is not a catalog table (a subquery, a CTE, a table function): an
    # unqualified column name may come from it, so it stays unknown.
    opaque: bool = False

    def add(self, key: str, table: Name | None) -> None:
        if table is not None and table not in self.tables:
            self.tables.append(table)
        if key in self.aliases and self.aliases[key] != table:
            self.aliases[key] = None  # the same name for two things: ambiguous
        else:
            self.aliases[key] = table


@dataclass(slots=True)
class _Scope:
    """Which tables each part of a statement sees."""

    # For each token, the index of the "(" enclosing it (-1: none): a query level is keyed
    # by the "(" its subquery starts with, the statement's own by -1.
    parent: list[int]
    regions: dict[int, _Region] = field(default_factory=dict)
    ctes: set[str] = field(default_factory=set)
    insert_target: Name | None = None
    insert_columns: list[str] | None = None  # as listed after the target; None: all
    insert_values: int | None = None  # index of VALUES' first "(" in the tokens

    def region(self, i: int) -> _Region:
        """The query level the token at `i` belongs to (created on first use)."""
        return self.regions.setdefault(self.parent[i], _Region())

    def levels(self, i: int) -> list[_Region]:
        """The query levels a column at token `i` may come from, innermost first."""
        out = []
        key = self.parent[i]
        while True:
            found = self.regions.get(key)
            if found is not None:
                out.append(found)
            if key < 0:
                return out
            key = self.parent[key]


def _parents(tokens: Sequence[Token]) -> list[int]:
    out = []
    stack = [-1]
    for i, token in enumerate(tokens):
        if token.is_punct(")") and len(stack) > 1:
            stack.pop()
        out.append(stack[-1])
        if token.is_punct("("):
            stack.append(i)
    return out


def _name_at(tokens: Sequence[Token], i: int) -> tuple[Name, int]:
    """A dotted name starting at tokens[i]: its parts and the index after it."""
    parts: list[str] = []
    n = len(tokens)
    while i < n and tokens[i].kind in _NAMES:
        parts.append(tokens[i].value)
        if i + 2 < n and tokens[i + 1].is_punct(".") and tokens[i + 2].kind in _NAMES:
            i += 2
            continue
        i += 1
        break
    return tuple(parts), i


def _alias_at(tokens: Sequence[Token], i: int) -> tuple[str | None, int]:
    """An optional `[AS] alias [(columns)]` at tokens[i]."""
    n = len(tokens)
    explicit = i < n and tokens[i].is_word("as")
    if explicit:
        i += 1
    if i < n and (
        tokens[i].kind == "ident"
        or (tokens[i].kind == "word" and (explicit or tokens[i].value not in _NOT_ALIAS))
    ):
        alias = tokens[i].value
        i += 1
        if i < n and tokens[i].is_punct("("):  # column aliases
            i = _matching(tokens, i) + 1
        return alias, i
    return None, i


def _table_item(tokens: Sequence[Token], i: int, region: _Region, scope: _Scope) -> int:
    """Record the FROM item at tokens[i] in `region`; return the index after it."""
    n = len(tokens)
    while i < n and tokens[i].is_word("lateral", "only"):
        i += 1
    if i >= n:
        return i
    if tokens[i].is_punct("("):  # a subquery or a parenthesised join: scanned on its own
        region.opaque = True
        alias, after = _alias_at(tokens, _matching(tokens, i) + 1)
        if alias is not None:
            region.add(alias, None)
        return after
    name, i = _name_at(tokens, i)
    if not name:
        return i
    if i < n and tokens[i].is_punct("("):  # a table function
        region.opaque = True
        alias, i = _alias_at(tokens, _matching(tokens, i) + 1)
        region.add(alias or name[-1], None)
        return i
    alias, i = _alias_at(tokens, i)
    if len(name) == 1 and name[0] in scope.ctes:
        region.opaque = True
        region.add(alias or name[0], None)
    else:
        region.add(alias or name[-1], name)
    return i


def _is_clause_from(tokens: Sequence[Token], i: int, scope: _Scope) -> bool:
    """Whether FROM at tokens[i] starts a FROM clause, not `extract(x FROM y)` or similar."""
    if i > 0 and tokens[i - 1].is_word("distinct"):  # IS [NOT] DISTINCT FROM
        return False
    opening = scope.parent[i]
    if opening < 0:
        return True
    first = tokens[opening + 1]
    if first.kind == "word" and first.value in _QUERY_WORDS:
        return True
    return opening == 0 or tokens[opening - 1].kind not in _NAMES


def _scope(tokens: Sequence[Token]) -> _Scope:
    scope = _Scope(_parents(tokens))
    n = len(tokens)
    # CTE names first: `name [(columns)] AS [[NOT] MATERIALIZED] (`.
    for i, token in enumerate(tokens):
        if token.is_word("as") and i > 0:
            j = i + 1
            while j < n and tokens[j].is_word("not", "materialized"):
                j += 1
            if j < n and tokens[j].is_punct("("):
                k = i - 1
                if tokens[k].is_punct(")"):
                    k = scope.parent[k - 1] - 1 if k > 0 else -1
                if k >= 0 and tokens[k].kind in _NAMES:
                    scope.ctes.add(tokens[k].value)
    i = 0
    seen_insert = False
    while i < n:
        token = tokens[i]
        seen_insert = seen_insert or token.is_word("insert")
        lists = False  # FROM and USING take a list of items
        if token.is_word("from") and _is_clause_from(tokens, i, scope):
            lists = True
        elif token.is_word("using") and i + 1 < n and not tokens[i + 1].is_punct("("):
            lists = True  # DELETE ... USING t (JOIN ... USING has a column list)
        elif token.is_word("into") and seen_insert:
            i = _insert_target(tokens, i + 1, scope)
            continue
        elif not (
            token.is_word("join")
            or (token.is_word("into") and i > 0 and tokens[i - 1].is_word("merge"))
            # not ON CONFLICT DO UPDATE SET, not FOR UPDATE [OF t]
            or (token.is_word("update") and not (i > 0 and tokens[i - 1].is_word("do", "for")))
        ):
            i += 1
            continue
        region = scope.region(i)
        i = _table_item(tokens, i + 1, region, scope)
        while lists and i < n and tokens[i].is_punct(","):
            i = _table_item(tokens, i + 1, region, scope)
    return scope


def _insert_target(tokens: Sequence[Token], i: int, scope: _Scope) -> int:
    """`INSERT INTO name [AS alias] [(columns)] [VALUES ...]`: the target and its columns."""
    n = len(tokens)
    region = scope.region(i - 1)
    name, i = _name_at(tokens, i)
    if not name:
        return i
    scope.insert_target = name
    alias = None
    if i + 1 < n and tokens[i].is_word("as"):
        alias = tokens[i + 1].value
        i += 2
    region.add(alias or name[-1], name)
    if (
        i + 1 < n
        and tokens[i].is_punct("(")
        and (
            tokens[i + 1].kind == "ident"
            or (tokens[i + 1].kind == "word" and tokens[i + 1].value not in _QUERY_WORDS)
        )
    ):
        close = _matching(tokens, i)
        scope.insert_columns = [t.value for t in tokens[i + 1 : close] if t.kind in _NAMES]
        i = close + 1
    if i + 1 < n and tokens[i].is_word("values") and tokens[i + 1].is_punct("("):
        scope.insert_values = i + 1
    return i


# ---------------------------------------------------------------------------------------------
# parameter types from their context

_COMPARISONS = frozenset({"=", "<>", "!=", "<", "<=", ">", ">="})


def _bare_param_at(tokens: Sequence[Token], i: int) -> int | None:
    """The number of the parameter at tokens[i] if nothing after it binds tighter than a
    comparison (no `$1 + 1`, `$1::int`, `$1[2]`, `$1.x`)."""
    if i >= len(tokens) or tokens[i].kind != "param":
        return None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if after is not None and (after.kind == "op" or after.value in ("[", ".", "(")):
        return None
    return int(tokens[i].value)


def _column_before(tokens: Sequence[Token], i: int) -> tuple[Name, int] | None:
    """The column reference ending at tokens[i] (its parts and first index), when nothing
    before it binds tighter than a comparison (no `a + b = $1`, `x::int = $1`)."""
    if i < 0 or tokens[i].kind not in ("word", "ident"):
        return None
    start = i
    while start >= 2 and tokens[start - 1].is_punct(".") and tokens[start - 2].kind in _NAMES:
        start -= 2
    before = tokens[start - 1] if start > 0 else None
    if before is not None and (before.kind == "op" or before.value in (".", "[")):
        return None
    return tuple(tokens[j].value for j in range(start, i + 1, 2)), start


def _column_after(tokens: Sequence[Token], i: int) -> Name | None:
    """The column reference starting at tokens[i], when nothing after it binds tighter."""
    name, end = _name_at(tokens, i)
    if not name:
        return None
    after = tokens[end] if end < len(tokens) else None
    if after is not None and (after.kind == "op" or after.value in ("[", ".", "(")):
        return None
    return name


def _column_type(name: Name, at: int, scope: _Scope, columns: _Columns) -> int:
    """The type OID of column `name` (`col`, `alias.col`, `table.col`) used at token `at`,
    looked up as PostgreSQL would: the innermost query level that has it; 0 when unclear."""
    *qualifier, column = name
    for region in scope.levels(at):
        if qualifier:
            key = qualifier[-1]
            if key not in region.aliases:
                continue
            table = region.aliases[key]
            if table is None:
                return 0
            found = columns.of(table).get(column.lower(), [])
            return found[0] if len(found) == 1 else 0
        if region.opaque or any(columns.missing(table) for table in region.tables):
            return 0  # it may come from a FROM item we cannot see into
        oids_found = [
            oid for table in region.tables for oid in columns.of(table).get(column.lower(), [])
        ]
        if oids_found:
            return oids_found[0] if len(oids_found) == 1 else 0
    return 0


@dataclass(slots=True)
class _Columns:
    """The catalog, asked once per table."""

    lookup: TableColumns
    cache: dict[Name, dict[str, list[int]]] = field(default_factory=dict)
    ordered: dict[Name, list[int]] = field(default_factory=dict)
    unknown: set[Name] = field(default_factory=set)  # not found in the catalog

    def of(self, table: Name) -> dict[str, list[int]]:
        found = self.cache.get(table)
        if found is None:
            listed = self.lookup(table)
            if listed is None:
                self.unknown.add(table)
                listed = []
            found = {}
            for column, oid in listed:
                found.setdefault(column.lower(), []).append(oid)
            self.cache[table] = found
            self.ordered[table] = [oid for _, oid in listed]
        return found

    def missing(self, table: Name) -> bool:
        self.of(table)
        return table in self.unknown

    def in_order(self, table: Name) -> list[int]:
        self.of(table)
        return self.ordered[table]


def infer_parameter_types(sql: str, types: Sequence[int], lookup: TableColumns) -> list[int]:
    """`types` with its zeros replaced where the SQL makes a parameter's type clear."""
    result = list(types)
    if all(result):
        return result
    tokens = tokenize(sql)
    if not any(t.kind == "param" for t in tokens):
        return result
    scope = _scope(tokens)
    columns = _Columns(lookup)
    n = len(tokens)

    def wanted(numbers: list[int | None]) -> list[int]:
        """Those of `numbers` that are parameters whose type is still unknown."""
        return [k for k in numbers if k is not None and 0 < k <= len(result) and not result[k - 1]]

    def assign(numbers: list[int | None], column: Name, at: int, pattern: bool = False) -> None:
        todo = wanted(numbers)
        if todo:  # the catalog is asked only for a parameter that needs it
            oid = _column_type(column, at, scope, columns)
            if pattern and oid and oid != oids.BYTEA:
                oid = oids.TEXT  # LIKE's pattern is text for name, varchar and char(n) alike
            for k in todo:
                result[k - 1] = result[k - 1] or oid

    if scope.insert_target is not None and scope.insert_values is not None:
        _insert_values(tokens, scope, columns, wanted, result)

    for i, token in enumerate(tokens):
        if token.kind == "op" and token.value in _COMPARISONS:
            left = _column_before(tokens, i - 1)
            if left is not None:  # col = $1
                assign([_bare_param_at(tokens, i + 1)], *left)
            if i > 0 and tokens[i - 1].kind == "param":  # $1 = col
                before = tokens[i - 2] if i >= 2 else None
                if before is None or (before.kind != "op" and before.value not in (".", "[")):
                    right = _column_after(tokens, i + 1)
                    if right is not None:
                        assign([int(tokens[i - 1].value)], right, i + 1)
        elif token.is_word("like", "ilike", "in", "between"):
            k = i - 1
            if k >= 0 and tokens[k].is_word("not"):
                k -= 1
            left = _column_before(tokens, k)
            if left is None:
                continue
            if token.value in ("like", "ilike"):
                assign([_bare_param_at(tokens, i + 1)], *left, pattern=True)
            elif token.value == "in" and i + 1 < n and tokens[i + 1].is_punct("("):
                items = _items(tokens, i + 1)
                assign([_bare_param_at(tokens, it[0]) for it in items if len(it) == 1], *left)
            elif token.value == "between":
                j = i + 1
                if j < n and tokens[j].is_word("symmetric", "asymmetric"):
                    j += 1
                if j + 2 < n and tokens[j].kind == "param" and tokens[j + 1].is_word("and"):
                    assign([int(tokens[j].value), _bare_param_at(tokens, j + 2)], *left)
        elif token.is_word("limit", "offset"):
            for k in wanted([_bare_param_at(tokens, i + 1)]):
                result[k - 1] = INT8
    return result


def _items(tokens: Sequence[Token], opening: int) -> list[list[int]]:
    """Token indexes of each comma-separated item inside the parentheses at `opening`."""
    close = _matching(tokens, opening)
    items: list[list[int]] = [[]]
    depth = 0
    for j in range(opening + 1, close):
        token = tokens[j]
        if token.kind == "punct" and token.value in "([":
            depth += 1
        elif token.kind == "punct" and token.value in ")]":
            depth -= 1
        elif depth == 0 and token.is_punct(","):
            items.append([])
            continue
        items[-1].append(j)
    return items


def _insert_values(
    tokens: Sequence[Token],
    scope: _Scope,
    columns: _Columns,
    wanted: Callable[[list[int | None]], list[int]],
    result: list[int],
) -> None:
    """INSERT ... VALUES (...), (...): each bare `$n` takes its target column's type."""
    assert scope.insert_target is not None and scope.insert_values is not None
    i = scope.insert_values
    n = len(tokens)
    rows: list[list[list[int]]] = []
    while i < n and tokens[i].is_punct("("):
        rows.append(_items(tokens, i))
        i = _matching(tokens, i) + 1
        if i < n and tokens[i].is_punct(","):
            i += 1
        else:
            break
    bare = [
        (position, _bare_param_at(tokens, item[0]))
        for items in rows
        for position, item in enumerate(items)
        if len(item) == 1
    ]
    if not wanted([k for _, k in bare]):
        return
    target = scope.insert_target
    if scope.insert_columns is None:
        types = columns.in_order(target)
    else:
        by_name = columns.of(target)
        types = [
            found[0] if len(found := by_name.get(c.lower(), [])) == 1 else 0
            for c in scope.insert_columns
        ]
    for position, number in bare:
        for k in wanted([number]):
            if position < len(types):
                result[k - 1] = types[position]


# ---------------------------------------------------------------------------------------------
# RETURNING as a SELECT


def returning_query(sql: str) -> str | None:
    """For INSERT/UPDATE/DELETE ... RETURNING list: a SELECT of that list from the same
    tables, whose columns are those the statement would return; None without RETURNING.

        UPDATE t AS x SET a = 1 FROM u WHERE ... RETURNING x.a, u.b
        → SELECT x.a, u.b FROM t AS x, u
    """
    tokens = tokenize(sql)
    depths = _depths(tokens)
    top = [i for i, d in enumerate(depths) if d == 0]
    returning = [i for i in top if tokens[i].is_word("returning")]
    verb = next((i for i in top if tokens[i].is_word("insert", "update", "delete")), None)
    if not returning or verb is None:
        return None
    start = returning[-1]
    kind = tokens[verb].value
    n = len(tokens)
    i = verb + 1
    if kind == "insert":
        while i < n and not tokens[i].is_word("into"):
            i += 1  # INSERT OR REPLACE INTO
        i += 1
    elif kind == "delete" and i < n and tokens[i].is_word("from"):
        i += 1
    while i < n and tokens[i].is_word("only"):
        i += 1
    name_start = i
    name, i = _name_at(tokens, i)
    if not name:
        return None
    alias = None
    if kind == "insert":
        if i + 1 < n and tokens[i].is_word("as"):
            alias = tokens[i + 1]
    else:
        j = i + 1 if i < n and tokens[i].is_word("as") else i
        if j < n and (
            tokens[j].kind == "ident"
            or (tokens[j].kind == "word" and tokens[j].value not in _NOT_ALIAS)
        ):
            alias = tokens[j]
    target = sql[tokens[name_start].start : tokens[i - 1].end]
    if alias is not None:
        target += f" AS {sql[alias.start : alias.end]}"
    extra = ""
    joined = {"update": "from", "delete": "using"}.get(kind)
    if joined is not None:
        begin = next((j for j in top if j >= i and tokens[j].is_word(joined)), None)
        if begin is not None and begin + 1 < start:
            end = next(
                (j for j in top if j > begin and tokens[j].is_word("where", "returning")), start
            )
            extra = ", " + sql[tokens[begin + 1].start : tokens[end - 1].end]
    prefix = sql[: tokens[verb].start]  # a WITH clause
    return f"{prefix}SELECT {sql[tokens[start].end :].strip()} FROM {target}{extra}"
