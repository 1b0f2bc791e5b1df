"""PostgreSQL clauses that DuckDB's parser refuses and that mean nothing different on DuckDB,
removed from the text before it runs:

- `USING btree` in CREATE INDEX (DuckDB's ART index is its only ordered index; other methods
  such as gin or gist are left for DuckDB to refuse);
- operator classes after an index column (`varchar_pattern_ops`, `text_pattern_ops`, ...):
  DuckDB's ART index answers LIKE 'prefix%' without one;
- `CONCURRENTLY` in DROP INDEX (DuckDB takes it in CREATE INDEX itself);
- `DEFERRABLE`, `NOT DEFERRABLE`, `INITIALLY {DEFERRED | IMMEDIATE}` after a constraint:
  DuckDB checks every constraint at once, as PostgreSQL checks a NOT DEFERRABLE one. A
  transaction that relies on a deferred check (a row inserted before the row it refers to)
  is refused by DuckDB at that statement with 23503, never accepted with different data.
"""

from __future__ import annotations

from pgwire.sql.lexer import IDENT, PUNCT, WORD, Token

__all__ = ["clause_edits"]

_TWO_WORDS = frozenset(
    {("NOT", "DEFERRABLE"), ("INITIALLY", "DEFERRED"), ("INITIALLY", "IMMEDIATE")}
)
Edit = tuple[int, int, str]  # (start, end, replacement) in the text


def clause_edits(tokens: tuple[Token, ...]) -> list[Edit]:
    """Edits removing the clauses above from a CREATE TABLE, ALTER TABLE, CREATE INDEX or
    DROP INDEX statement; [] for anything else."""
    words = [t.keyword for t in tokens[:4]]
    if words[:1] == ["DROP"] and "INDEX" in words[:2] and words[2:3] == ["CONCURRENTLY"]:
        return [(tokens[2].start, tokens[3].start, "")]
    if words[:1] == ["CREATE"] and "INDEX" in words[:3]:
        return _index_edits(tokens)
    if words[:2] in (["CREATE", "TABLE"], ["ALTER", "TABLE"]) or "TABLE" in words[:4]:
        return _deferrable_edits(tokens)
    return []


def _index_edits(tokens: tuple[Token, ...]) -> list[Edit]:
    edits: list[Edit] = []
    depth = 0
    for i, token in enumerate(tokens):
        if token.kind == PUNCT and token.text in "([":
            depth += 1
        elif token.kind == PUNCT and token.text in ")]":
            depth -= 1
        elif (
            depth == 0
            and token.keyword == "USING"
            and i + 1 < len(tokens)
            and tokens[i + 1].keyword == "BTREE"
        ):
            edits.append((token.start, tokens[i + 1].end, ""))
        elif (
            depth == 1
            and token.kind == WORD
            and token.value.endswith("_ops")
            and i > 0
            and tokens[i - 1].kind in (WORD, IDENT)
            and not (tokens[i - 1].kind == WORD and tokens[i - 1].keyword in ("ON", "USING"))
        ):
            edits.append((tokens[i - 1].end, token.end, ""))  # `col varchar_pattern_ops`
    return edits


def _deferrable_edits(tokens: tuple[Token, ...]) -> list[Edit]:
    edits: list[Edit] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1].keyword if i + 1 < len(tokens) else ""
        if token.keyword == "DEFERRABLE":
            edits.append((token.start, token.end, ""))
        elif (token.keyword, nxt) in _TWO_WORDS:
            edits.append((token.start, tokens[i + 1].end, ""))
            i += 1
        i += 1
    return edits
