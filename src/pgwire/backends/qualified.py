"""PostgreSQL's qualified names for backends whose default schema is called `main`.

PostgreSQL's default schema is `public`; DuckDB's and SQLite's is `main`. The catalog
emulation shows `main` as `public`, and `rewrite` maps what a client writes to what the
backend knows, on tokens, once per statement text:

- `public.t` (and `public.t.column`, `CREATE SCHEMA public`, `DROP SCHEMA public`) name `main`;
- a name qualified with the connected database (`testdb.public.t`, `"testdb"."public"."t"`,
  as dbt writes them) loses that part; another database's name is PostgreSQL's 0A000
  "cross-database references are not implemented";
- the sequence name given to nextval(), currval() and setval() as a string, likewise.

`search_path_schemas` reads a search_path value as PostgreSQL does.
"""

from __future__ import annotations

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.sql.lexer import IDENT, OP, PUNCT, STRING, WORD, Token
from pgwire.sql.reader import TokenReader

__all__ = [
    "DEFAULT_SCHEMA",
    "PUBLIC",
    "backend_schema",
    "drop_schemas_one_by_one",
    "relation",
    "rewrite",
    "search_path_schemas",
]

PUBLIC = "public"
DEFAULT_SCHEMA = "main"  # the backends' name for PostgreSQL's public

_SEQUENCE_CALLS = frozenset({"nextval", "currval", "setval"})
# After these a three-part name is a relation's (database.schema.name), not a column's.
_RELATION_BEFORE = frozenset(
    {"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "VIEW", "SEQUENCE", "ONLY", "EXISTS"}
)
_FROM_ENDS = frozenset(
    {"WHERE", "ON", "USING", "GROUP", "ORDER", "HAVING", "LIMIT", "WINDOW", "UNION",
     "EXCEPT", "INTERSECT", "SET", "VALUES", "RETURNING", "SELECT", "OFFSET", "FETCH"}
)  # fmt: skip

_cache: dict[tuple[str, str], str | None] = {}
_CACHE_SIZE = 1024


def backend_schema(name: str) -> str:
    """The backend's name of a PostgreSQL schema."""
    return DEFAULT_SCHEMA if name == PUBLIC else name


def rewrite(sql: str, database: str) -> str | None:
    """`sql` with PostgreSQL's qualifiers as the backend knows them; None when unchanged.
    PgError 0A000 for a name qualified with another database."""
    key = (sql, database)
    try:
        return _cache[key]
    except KeyError:
        pass
    found = _rewrite(sql, database) if "." in sql or _names_schema(sql) else None
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[key] = found
    return found


def relation(name: str, database: str) -> str:
    """A relation's name as written (`public.t`, `db.public."T"`) as the backend knows it."""
    found = rewrite(f"TABLE {name}", database)
    return name if found is None else found[len("TABLE ") :]


def _names_schema(sql: str) -> bool:
    lowered = sql.lower()
    return "schema" in lowered and PUBLIC in lowered


def _rewrite(sql: str, database: str) -> str | None:
    tokens = lexer.code(sql)
    edits: list[tuple[int, int, str]] = []
    in_from = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        keyword = token.keyword
        if keyword in ("FROM", "JOIN"):
            in_from = True
        elif keyword in _FROM_ENDS or (token.kind == PUNCT and token.text in "();"):
            in_from = False
        if token.kind == STRING and _sequence_argument(tokens, i):
            text = _sequence_name(token, database)
            if text is not None:
                edits.append((token.start, token.end, text))
            i += 1
            continue
        if keyword == "SCHEMA":
            i = _schema_names(tokens, i + 1, edits)
            continue
        if token.kind not in (WORD, IDENT) or _after_dot(tokens, i):
            i += 1
            continue
        chain, after = _chain(tokens, i)
        if len(chain) > 1:
            before = tokens[i - 1] if i else None
            relation = before is not None and (
                before.keyword in _RELATION_BEFORE
                or (in_from and before.kind == PUNCT and before.text == ",")
            )
            _qualified(chain, database, relation, edits)
        i = after
    if not edits:
        return None
    text = sql
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _after_dot(tokens: tuple[Token, ...], i: int) -> bool:
    return i > 0 and tokens[i - 1].kind in (PUNCT, OP) and tokens[i - 1].text == "."


def _chain(tokens: tuple[Token, ...], i: int) -> tuple[list[Token], int]:
    """The names of `a.b.c` starting at token i, and the index after them."""
    chain = [tokens[i]]
    j = i + 1
    while (
        j + 1 < len(tokens)
        and tokens[j].kind in (PUNCT, OP)
        and tokens[j].text == "."
        and tokens[j + 1].kind in (WORD, IDENT)
    ):
        chain.append(tokens[j + 1])
        j += 2
    return chain, j


def _qualified(
    chain: list[Token], database: str, relation: bool, edits: list[tuple[int, int, str]]
) -> None:
    names = [t.value for t in chain]
    if len(names) >= 4 or (len(names) == 3 and (relation or names[0] == database)):
        if names[0] != database:
            written = ".".join(names)
            raise PgError(
                "cross-database references are not implemented: "
                + (f'"{written}"' if len(names) == 3 else written),
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        edits.append((chain[0].start, chain[1].start, ""))  # `db.` goes
        chain = chain[1:]
        names = names[1:]
    if names[0] == PUBLIC and len(names) >= 2:
        edits.append((chain[0].start, chain[0].end, DEFAULT_SCHEMA))


def _schema_names(tokens: tuple[Token, ...], i: int, edits: list[tuple[int, int, str]]) -> int:
    """After SCHEMA in CREATE/DROP/ALTER SCHEMA: `public` names main (a list for DROP)."""
    while i < len(tokens) and tokens[i].keyword in ("IF", "NOT", "EXISTS"):
        i += 1
    while i < len(tokens) and tokens[i].kind in (WORD, IDENT):
        if tokens[i].value == PUBLIC:
            edits.append((tokens[i].start, tokens[i].end, DEFAULT_SCHEMA))
        if i + 1 < len(tokens) and tokens[i + 1].kind == PUNCT and tokens[i + 1].text == ",":
            i += 2
            continue
        return i + 1
    return i


def _sequence_argument(tokens: tuple[Token, ...], i: int) -> bool:
    """The string is the first argument of nextval(), currval() or setval()."""
    return (
        i >= 2
        and tokens[i - 1].text == "("
        and tokens[i - 2].kind == WORD
        and tokens[i - 2].value in _SEQUENCE_CALLS
    )


def _sequence_name(token: Token, database: str) -> str | None:
    """A sequence name written as a string, as the backend knows it; None when unchanged."""
    parts = lexer.code(token.value)
    names = [t for t in parts if t.kind in (WORD, IDENT)]
    if len(names) < 2 or len(parts) != 2 * len(names) - 1:
        return None
    if len(names) == 3:
        if names[0].value != database:
            raise PgError(
                f"cross-database references are not implemented: {token.value}",
                sqlstate.FEATURE_NOT_SUPPORTED,
            )
        names = names[1:]
    if names[0].value == PUBLIC:
        text = f"{DEFAULT_SCHEMA}.{names[1].text}"
    elif len(parts) == 5:
        text = f"{names[0].text}.{names[1].text}"
    else:
        return None
    return "'" + text.replace("'", "''") + "'"


def drop_schemas_one_by_one(sql: str) -> str | None:
    """`DROP SCHEMA [IF EXISTS] a, b [CASCADE | RESTRICT]` as one statement per schema, for
    a backend that drops one object at a time; None for anything else."""
    reader = TokenReader(sql)
    if not reader.keywords("DROP", "SCHEMA"):
        return None
    if_exists = " IF EXISTS" if reader.keywords("IF", "EXISTS") else ""
    names: list[str] = []
    while reader.at_name():
        first = reader.i
        reader.take()
        names.append(reader.text(first, reader.i))
        if not reader.char(","):
            break
    if len(names) < 2:
        return None
    rest = reader.text(reader.i, len(reader.tokens)) if not reader.at_end() else ""
    return "; ".join(f"DROP SCHEMA{if_exists} {name} {rest}".rstrip() for name in names)


def search_path_schemas(value: str, user: str) -> list[str]:
    """The schemas a search_path value names, in order, as PostgreSQL reads the list
    (quoted names keep their case, "$user" is the session's user)."""
    out: list[str] = []
    for item in _split_list(value):
        if not item:
            continue
        if item.startswith('"') and item.endswith('"') and len(item) >= 2:
            name = item[1:-1].replace('""', '"')
        else:
            name = item.lower()
        out.append(user if name == "$user" else name)
    return out


def _split_list(value: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    items.append("".join(current).strip())
    return items
