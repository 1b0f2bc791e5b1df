"""Unqualified relation names looked up along PostgreSQL's search_path, on SQLite.

SQLite looks an unqualified table up in temp, main, then the attached databases in the order
they were attached, and creates it in main. When a session's search_path puts another schema
first, `qualify` writes the schema into each unqualified relation name where a relation
goes (after FROM, JOIN, INTO, UPDATE, TABLE, VIEW, TRUNCATE, and between the relations of a
FROM list): the first schema of the path that has the relation; for CREATE TABLE and CREATE
VIEW the first schema of the path; the same for CREATE INDEX ... ON its table. A temporary
relation stays unqualified (PostgreSQL, too, looks in pg_temp first), as do names of the
statement's own WITH queries and names no schema of the path has (SQLite then looks them up
its own way). `index_in_schema` moves the schema of `CREATE INDEX i ON s.t` where SQLite wants
it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pgwire.sql import lexer
from pgwire.sql.lexer import IDENT, OP, PUNCT, WORD, Token

__all__ = ["index_in_schema", "qualify"]

Has = Callable[[str, str], bool]  # (schema, relation) → the schema has that table or view

_BEFORE_RELATION = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "VIEW", "TRUNCATE"})
_SKIPPED_WORDS = frozenset({"IF", "NOT", "EXISTS", "ONLY"})
_FROM_ENDS = frozenset(
    {"WHERE", "ON", "USING", "GROUP", "ORDER", "HAVING", "LIMIT", "WINDOW", "UNION",
     "EXCEPT", "INTERSECT", "SET", "VALUES", "RETURNING", "SELECT", "OFFSET"}
)  # fmt: skip


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualify(sql: str, path: Sequence[str], has: Has) -> str:
    """`sql` with its unqualified relation names qualified along `path` (SQLite's names of
    the schemas, `main` for public, only those that exist, the first not main)."""
    tokens = lexer.code(sql)
    if not tokens:
        return sql
    own = _with_names(tokens)
    creating = _created(tokens)
    edits: list[tuple[int, int, str]] = []
    in_from = False
    calls: list[bool] = []  # per open bracket: a function call's (extract(x FROM y), ...)
    previous: Token | None = None
    distinct_from = False  # `IS [NOT] DISTINCT FROM x`: x is a value
    for i, token in enumerate(tokens):
        keyword = token.keyword
        if token.kind == PUNCT and token.text == "(":
            calls.append(previous is not None and _is_call(previous))
        elif token.kind == PUNCT and token.text == ")" and calls:
            calls.pop()
        if keyword == "FROM":
            distinct_from = previous is not None and previous.keyword == "DISTINCT"
        if keyword in ("FROM", "JOIN") and not (calls and calls[-1]) and not distinct_from:
            in_from = True
        elif keyword in _FROM_ENDS or (token.kind == PUNCT and token.text in "();"):
            in_from = False
        if (
            token.kind in (WORD, IDENT)
            and previous is not None
            and not (calls and calls[-1])
            and not (distinct_from and previous.keyword == "FROM")
            and _relation_slot(previous, in_from)
        ):
            name = token.value
            if (
                not _qualified_or_call(tokens, i, previous)
                and name not in own
                and not has("temp", name)
            ):
                if i == creating:
                    schema: str | None = path[0]
                else:
                    schema = next((s for s in path if has(s, name)), None)
                if schema is not None and schema != "main":
                    edits.append((token.start, token.start, _quote(schema) + "."))
        if keyword not in _SKIPPED_WORDS:
            previous = token
    index = _index_on(tokens)
    if (
        index is not None
        and tokens[index[0] + 3 : index[0] + 4] != ()
        and (tokens[index[0] + 3].text != ".")
    ):
        name_at, table = index
        schema = next((s for s in path if has(s, table)), None)
        if schema is not None and schema != "main" and not has("temp", table):
            at = tokens[name_at + 2].start
            edits.append((at, at, _quote(schema) + "."))
    text = sql
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _relation_slot(previous: Token, in_from: bool) -> bool:
    if previous.keyword in _BEFORE_RELATION:
        return True
    return in_from and previous.kind == PUNCT and previous.text == ","


def _is_call(token: Token) -> bool:
    """A bracket after this token opens a function's arguments."""
    if token.kind == IDENT:
        return True
    return token.kind == WORD and token.keyword not in _NOT_CALLS


_NOT_CALLS = frozenset(
    {"FROM", "JOIN", "IN", "EXISTS", "AS", "ON", "ANY", "ALL", "SOME", "SELECT", "WHERE",
     "AND", "OR", "NOT", "VALUES", "INTO", "USING", "LATERAL", "OVER", "TABLE", "VIEW",
     "WITH", "UNION", "EXCEPT", "INTERSECT", "RETURNING", "BY", "HAVING", "THEN", "ELSE",
     "WHEN", "CASE", "SET", "IS", "LIKE", "BETWEEN", "RECURSIVE", "MATERIALIZED"}
)  # fmt: skip


def _qualified_or_call(tokens: tuple[Token, ...], i: int, previous: Token) -> bool:
    """The name is followed by `.` (it is a schema) or `(` (a table function)."""
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    dotted = after is not None and after.kind in (PUNCT, OP) and after.text == "."
    called = (
        after is not None
        and after.text == "("
        and previous.keyword not in ("TABLE", "INTO", "VIEW")
    )
    return dotted or called


def _created(tokens: tuple[Token, ...]) -> int | None:
    """Where the name of a CREATE [OR REPLACE] TABLE or VIEW is (not a temporary one)."""
    words = [t.keyword for t in tokens[:4]]
    if not words or words[0] != "CREATE" or {"TEMP", "TEMPORARY"} & set(words):
        return None
    for i, token in enumerate(tokens[:8]):
        if token.keyword in ("TABLE", "VIEW"):
            j = i + 1
            while j < len(tokens) and tokens[j].keyword in _SKIPPED_WORDS:
                j += 1
            return j
    return None


def _index_on(tokens: tuple[Token, ...]) -> tuple[int, str] | None:
    """CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table: (where name is, table)."""
    words = [t.keyword for t in tokens[:3]]
    if words[:1] != ["CREATE"] or "INDEX" not in words:
        return None
    i = words.index("INDEX") + 1
    while i < len(tokens) and tokens[i].keyword in _SKIPPED_WORDS:
        i += 1
    if i + 2 >= len(tokens) or tokens[i + 1].keyword != "ON":
        return None
    table = tokens[i + 2]
    if table.kind not in (WORD, IDENT):
        return None
    return i, table.value


def _with_names(tokens: tuple[Token, ...]) -> set[str]:
    """Names of WITH queries: `name [(columns)] AS (`."""
    names: set[str] = set()
    for i, token in enumerate(tokens[:-2]):
        if token.kind not in (WORD, IDENT) or (i and tokens[i - 1].keyword in ("VIEW", "TABLE")):
            continue
        j = i + 1
        if tokens[j].text == "(":
            depth = 0
            while j < len(tokens):
                depth += {"(": 1, ")": -1}.get(tokens[j].text, 0)
                j += 1
                if depth == 0:
                    break
        if (
            j + 1 < len(tokens)
            and tokens[j].keyword == "AS"
            and (tokens[j + 1].text == "(" or tokens[j + 1].keyword in ("MATERIALIZED", "NOT"))
        ):
            names.add(token.value)
    return names


def index_in_schema(sql: str) -> str | None:
    """PostgreSQL's `CREATE INDEX i ON s.t (...)` as SQLite wants it, `CREATE INDEX s.i ON t
    (...)`: an index lives in its table's schema. None for anything else."""
    tokens = lexer.code(sql)
    found = _index_on(tokens)
    if found is None:
        return None
    name_at = found[0]
    on = name_at + 2
    if not (
        on + 2 < len(tokens) and tokens[on + 1].text == "." and tokens[on].kind in (WORD, IDENT)
    ):
        return None
    schema = sql[tokens[on].start : tokens[on + 1].end]  # `s.`
    text = sql[: tokens[on].start] + sql[tokens[on + 2].start :]
    start = tokens[name_at].start
    return text[:start] + schema + text[start:]
