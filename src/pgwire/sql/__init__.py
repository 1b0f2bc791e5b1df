"""SQL as the front end reads it: one lexer, and what is derived from its tokens.

- `lexer`: PostgreSQL's lexical rules, tokens computed once per text;
- `split`: a simple Query cut into statements, comments around a statement;
- `classify`: a statement's first keywords, transaction control, whether it returns rows;
- `params`: `$n` parameters: count, casts, substitution.

Nothing here parses SQL beyond that: the backend's own parser does.
"""

from __future__ import annotations

from collections.abc import Iterator

from pgwire.sql.classify import leading_words, returns_rows, transaction_verb
from pgwire.sql.lexer import (
    COMMENT,
    IDENT,
    STRING,
    Token,
    code,
    skip_block_comment,
    skip_quoted,
    tokenize,
)
from pgwire.sql.params import (
    parameter_casts,
    parameter_count,
    quote_literal,
    substitute_parameters,
)
from pgwire.sql.split import is_empty, split_statements, strip_comments

__all__ = [
    "Token",
    "code",
    "is_empty",
    "leading_words",
    "parameter_casts",
    "parameter_count",
    "quote_literal",
    "returns_rows",
    "skip_block_comment",
    "skip_quoted",
    "spans",
    "split_statements",
    "strip_comments",
    "substitute_parameters",
    "tokenize",
    "transaction_verb",
]

_OPAQUE = (STRING, IDENT, COMMENT)


def spans(sql: str) -> Iterator[tuple[bool, int, int]]:
    """Cut `sql` into (is_code, start, end) spans: code, or one literal, quoted identifier
    or comment (a reader that looks for characters in code skips the others)."""
    start = 0
    for token in tokenize(sql):
        if token.kind in _OPAQUE:
            if start < token.start:
                yield True, start, token.start
            yield False, token.start, token.end
            start = token.end
    if start < len(sql):
        yield True, start, len(sql)
