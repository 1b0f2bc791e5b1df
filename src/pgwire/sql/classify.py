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


_READ_ONLY_VERBS = frozenset({"SHOW", "FETCH", "MOVE", "TABLE"})
_QUERY_VERBS = frozenset({"SELECT", "WITH", "VALUES"})
_MODIFYING = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "INTO"})
_TWO_WORD_VERBS = frozenset({"CREATE", "DROP", "ALTER"})


@functools.lru_cache(maxsize=4096)
def write_kind(sql: str) -> str | None:
    """None when `sql` only reads; else what it may write, named by its first keywords
    ("INSERT", "CREATE TABLE", "SELECT INTO", "WITH ... DELETE").

    Judged conservatively, from keywords alone: SELECT, VALUES and WITH read unless INSERT,
    UPDATE (but FOR [NO KEY] UPDATE), DELETE, MERGE or INTO appears anywhere in them; SHOW,
    TABLE, FETCH and MOVE read; EXPLAIN reads unless it has ANALYZE. Anything else writes.
    """
    tokens = code(sql)
    start = 0
    while start < len(tokens) and tokens[start].text == "(":
        start += 1  # (SELECT ...) UNION (SELECT ...)
    if start == len(tokens):
        return None
    if tokens[start].kind != WORD:
        return tokens[start].text
    verb = tokens[start].text.upper()
    if verb in _READ_ONLY_VERBS:
        return None
    words = [t.text.upper() for t in tokens[start:] if t.kind == WORD]
    if verb == "EXPLAIN":
        return "EXPLAIN ANALYZE" if "ANALYZE" in words or "ANALYSE" in words else None
    if verb in _QUERY_VERBS:
        previous = ""
        for word in words:
            if word in _MODIFYING and not (word == "UPDATE" and previous in ("FOR", "KEY")):
                return f"{verb} INTO" if word == "INTO" else f"{verb} ... {word}"
            previous = word
        return None
    if verb in _TWO_WORD_VERBS and len(words) > 1:
        return f"{verb} {words[1]}"
    return verb
