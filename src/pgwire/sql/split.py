"""A simple Query cut into statements, and the text around a statement's code.

PostgreSQL splits a simple Query at top-level semicolons; quotes, dollar quotes and comments
hide them (the lexer knows which). A statement cut out here is not scanned again: its tokens
are handed on to the lexer's cache with its text.
"""

from __future__ import annotations

import functools

from pgwire.sql.lexer import COMMENT, PUNCT, SPACE, Token, remember, tokenize


def split_statements(sql: str) -> list[str]:
    """Top-level statements of `sql`, stripped, without their semicolons; empty ones dropped."""
    return list(_split(sql))


@functools.lru_cache(maxsize=4096)  # the same Query texts come again and again
def _split(sql: str) -> tuple[str, ...]:
    tokens = tokenize(sql)
    out: list[str] = []
    first = 0
    for i, token in enumerate(tokens):
        if token.kind == PUNCT and token.text == ";":
            _statement(sql, tokens, first, i, out)
            first = i + 1
    _statement(sql, tokens, first, len(tokens), out)
    return tuple(out)


def _statement(sql: str, tokens: tuple[Token, ...], first: int, end: int, out: list[str]) -> None:
    while first < end and tokens[first].kind == SPACE:
        first += 1
    while end > first and tokens[end - 1].kind == SPACE:
        end -= 1
    if all(token.kind == COMMENT for token in tokens[first:end]):
        return  # nothing but comments: no statement
    start = tokens[first].start
    text = sql[start : tokens[end - 1].end]
    if text != sql:
        remember(text, tuple(Token(t.kind, t.text, t.start - start) for t in tokens[first:end]))
    out.append(text)


def strip_comments(sql: str) -> str:
    """`sql` from its first token that is neither white space nor a comment."""
    for token in tokenize(sql):
        if token.kind not in (SPACE, COMMENT):
            return sql[token.start :] if token.start else sql
    return ""


def is_empty(sql: str) -> bool:
    """True when `sql` holds only white space, comments and semicolons."""
    return all(
        token.kind in (SPACE, COMMENT) or (token.kind == PUNCT and token.text == ";")
        for token in tokenize(sql)
    )
