"""PostgreSQL array literals cast to an array type (`'{a,b}'::text[]`), as DuckDB reads them.

DuckDB casts no string to a LIST (`'{a,b}'::VARCHAR[]` fails with 22P02), yet clients write
them: postgres.js, and Django whenever it binds on the client side (`INSERT ... SELECT * FROM
UNNEST(('{"a","b"}')::varchar[], ...)`). The literal is read with PostgreSQL's array input
for the type, then written as DuckDB's list literal (`['a'::varchar, 'b'::varchar]::varchar[]`);
a literal PostgreSQL would refuse is left for DuckDB to refuse.
"""

from __future__ import annotations

from pgwire.backends.duckdb.types import duck_literal
from pgwire.errors import PgError
from pgwire.sql.lexer import IDENT, STRING, WORD, Token
from pgwire.types.registry import registry

__all__ = ["array_literal_edits"]

Edit = tuple[int, int, str]  # (start, end, replacement) in the text


def array_literal_edits(tokens: tuple[Token, ...]) -> list[Edit]:
    edits: list[Edit] = []
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.kind != STRING:
            continue
        start, j = token.start, i + 1
        if i > 0 and tokens[i - 1].text == "(" and j < n and tokens[j].text == ")":
            start, j = tokens[i - 1].start, j + 1  # ('{...}')::T[]
        if j >= n or tokens[j].text != "::":
            continue
        k = j + 1
        while k < n and tokens[k].kind in (WORD, IDENT):
            k += 1
        if k == j + 1 or k + 1 >= n or tokens[k].text != "[" or tokens[k + 1].text != "]":
            continue
        end = k + 1
        while end + 2 < n and tokens[end + 1].text == "[" and tokens[end + 2].text == "]":
            end += 2  # int[][]: PostgreSQL's arrays have any number of dimensions anyway
        replacement = _list_literal(" ".join(t.value for t in tokens[j + 1 : k]), token.value)
        if replacement is not None:
            edits.append((start, tokens[end].end, replacement))
    return edits


def _list_literal(type_name: str, text: str) -> str | None:
    try:
        array_oid = registry.by_name(type_name.lower()).array_oid
        if not array_oid:
            return None
        value = registry.decoder(array_oid)(text.encode())
    except PgError:
        return None
    return duck_literal(value, array_oid)
