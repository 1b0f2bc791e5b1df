"""SQL as the front end reads it: one lexer, and what is derived from its tokens.

- `lexer`: PostgreSQL's lexical rules, tokens computed once per text;
- `split`: a simple Query cut into statements, comments around a statement;
- `classify`: a statement's first keywords, transaction control, whether it returns rows,
  whether it may write;
- `params`: `$n` parameters: count, casts, substitution.

Nothing here parses SQL beyond that: the backend's own parser does.
"""

from __future__ import annotations

from pgwire.sql.classify import leading_words, returns_rows, transaction_verb, write_kind
from pgwire.sql.lexer import Token, code, tokenize
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
    "split_statements",
    "strip_comments",
    "substitute_parameters",
    "tokenize",
    "transaction_verb",
    "write_kind",
]
