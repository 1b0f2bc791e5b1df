"""What kind of statement a text is, from its first keywords: decided once per text.

The front end must recognise transaction control itself (it keeps the transaction status
and PostgreSQL's rules for it); the first keywords also route statements to the front end's
own commands (SET, PREPARE, COPY, LISTEN ...) and tell whether a statement returns rows.
"""

from __future__ import annotations

import functools

from pgwire.sql.lexer import WORD, code

_BEGIN = {"BEGIN", "START"}
_COMMIT = {"COMMIT", "END"}
_ROLLBACK = {"ROLLBACK", "ABORT"}


def leading_words(sql: str, count: int = 2) -> list[str]:
    """The first `count` keywords of a statement, upper-cased: ["CREATE", "TABLE"]."""
    return list(_leading_words(sql, count))


@functools.lru_cache(maxsize=4096)  # statements repeat: decide each text once
def _leading_words(sql: str, count: int) -> tuple[str, ...]:
    words: list[str] = []
    for token in code(sql):
        if token.kind != WORD or len(words) == count:
            break
        words.append(token.text.upper())
    return tuple(words)


@functools.lru_cache(maxsize=4096)
def transaction_verb(sql: str) -> str | None:
    """Which transaction-control statement `sql` is: "BEGIN", "COMMIT", "ROLLBACK",
    "ROLLBACK TO", "SAVEPOINT", "RELEASE", "PREPARE TRANSACTION", or None."""
    words = _leading_words(sql, 3)
    if not words:
        return None
    first = words[0]
    if first in _BEGIN:
        return "BEGIN" if first == "BEGIN" or words[1:2] == ("TRANSACTION",) else None
    if first in _COMMIT:
        return "COMMIT"
    if first in _ROLLBACK:
        rest = words[1:]
        if rest[:1] in (("WORK",), ("TRANSACTION",)):
            rest = rest[1:]
        return "ROLLBACK TO" if rest[:1] == ("TO",) else "ROLLBACK"
    if first in ("SAVEPOINT", "RELEASE"):
        return first
    if first == "PREPARE" and words[1:2] == ("TRANSACTION",):
        return "PREPARE TRANSACTION"
    return None


_ROW_VERBS = frozenset({"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "FETCH"})


def returns_rows(sql: str) -> bool:
    """A statement whose verb returns rows (SELECT, VALUES, SHOW, FETCH ...)."""
    words = _leading_words(sql, 1)
    return bool(words) and words[0] in _ROW_VERBS
