"""A statement as PostgreSQL's own parser reads it (pglast's JSON parse tree), with every
node's `location` turned from a byte offset into a character offset of the text, so that
passes can edit the text where a node starts.

The JSON form is used rather than pglast's Python node classes: libpg_query produces it in
about 10 µs for a short statement, where building node objects costs 15 times that.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import parser

from pgwire.sql import lexer
from pgwire.sql.lexer import Token

__all__ = ["Node", "Tree", "parse", "walk"]

Node = dict[str, Any]  # {"NodeType": {fields}} as libpg_query writes it


@dataclass(frozen=True, slots=True)
class Tree:
    text: str
    statements: list[Node]  # one RawStmt's "stmt" per statement

    @property
    def tokens(self) -> tuple[Token, ...]:
        """The text's tokens without white space and comments (pgwire.sql.lexer, which
        keeps them per text)."""
        return lexer.code(self.text)

    def token_at(self, offset: int) -> int:
        """Index in `tokens` of the token starting at character `offset`."""
        tokens = self.tokens
        low, high = 0, len(tokens)
        while low < high:
            mid = (low + high) // 2
            if tokens[mid].start < offset:
                low = mid + 1
            else:
                high = mid
        return low


@functools.lru_cache(maxsize=256)  # the translation and the column names read the same text
def parse(text: str) -> Tree | None:
    """`text` parsed by PostgreSQL's grammar; None when PostgreSQL would not parse it (it may
    be in DuckDB's own dialect: DuckDB judges it as written). Trees are shared: read only."""
    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError:
        return None
    if not text.isascii():
        raw = _char_locations(raw, text)
    statements = [stmt.get("stmt", {}) for stmt in json.loads(raw).get("stmts", ())]
    return Tree(text, statements)


def _char_locations(raw: str, text: str) -> str:
    """The JSON with byte offsets ("location": N) as character offsets."""
    data = text.encode()
    tree = json.loads(raw)
    for _kind, fields in walk(tree):
        for key in ("location", "stmt_location"):
            at = fields.get(key)
            if isinstance(at, int) and at > 0:
                fields[key] = len(data[:at].decode(errors="ignore"))
    return json.dumps(tree)


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every node under `node`, depth first, as (node type, its fields)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value
                    stack.append(value)
                elif isinstance(value, list):
                    stack.extend(reversed(value))
        elif isinstance(item, list):
            stack.extend(reversed(item))
