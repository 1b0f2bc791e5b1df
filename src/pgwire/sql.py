"""Just enough SQL lexing for the front end: split a Query into statements, name a statement.

PostgreSQL splits a simple Query at top-level semicolons; quotes ('...', E'...', "...",
$tag$...$tag$) and comments (-- and nested /* */) hide semicolons. Nothing here parses SQL.
"""

from __future__ import annotations

import re

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$")
_WORD = re.compile(r"[A-Za-z_]+")


def _skip_quoted(sql: str, i: int, quote: str, backslashes: bool) -> int:
    """Index just past the closing quote of the literal opening at sql[i]."""
    n = len(sql)
    i += 1
    while i < n:
        c = sql[i]
        if backslashes and c == "\\":
            i += 2
            continue
        if c == quote:
            if i + 1 < n and sql[i + 1] == quote:  # doubled quote: an escaped one
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _skip_block_comment(sql: str, i: int) -> int:
    depth = 0
    n = len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def _is_ident_char(c: str) -> bool:
    return c.isalnum() or c == "_" or c == "$"


def split_statements(sql: str) -> list[str]:
    """Top-level statements of `sql`, stripped, without their semicolons; empty ones dropped."""
    out: list[str] = []
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _is_ident_char(sql[i - 2]))
            i = _skip_quoted(sql, i, "'", escaped)
        elif c == '"':
            i = _skip_quoted(sql, i, '"', False)
        elif c == "-" and sql.startswith("--", i):
            nl = sql.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif c == "/" and sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        elif c == "$" and (i == 0 or not _is_ident_char(sql[i - 1])):
            m = _DOLLAR_TAG.match(sql, i)
            if m:
                end = sql.find(m.group(0), m.end())
                i = n if end < 0 else end + len(m.group(0))
            else:
                i += 1
        elif c == ";":
            out.append(sql[start:i])
            i += 1
            start = i
        else:
            i += 1
    out.append(sql[start:])
    return [s.strip() for s in out if not is_empty(s)]


def strip_comments(sql: str) -> str:
    """`sql` with leading white space and comments removed."""
    i = 0
    n = len(sql)
    while i < n:
        if sql[i].isspace():
            i += 1
        elif sql.startswith("--", i):
            nl = sql.find("\n", i)
            i = n if nl < 0 else nl + 1
        elif sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        else:
            break
    return sql[i:]


def is_empty(sql: str) -> bool:
    """True when `sql` holds only white space, comments and semicolons."""
    rest = strip_comments(sql)
    while rest.startswith(";"):
        rest = strip_comments(rest[1:])
    return not rest


def leading_words(sql: str, count: int = 2) -> list[str]:
    """The first `count` keywords of a statement, upper-cased: ["CREATE", "TABLE"]."""
    words: list[str] = []
    rest = strip_comments(sql)
    while len(words) < count:
        m = _WORD.match(rest)
        if not m:
            break
        words.append(m.group(0).upper())
        rest = strip_comments(rest[m.end() :])
    return words


# Statement kinds the front end itself must recognise (transaction control).
_BEGIN = {"BEGIN", "START"}
_COMMIT = {"COMMIT", "END"}
_ROLLBACK = {"ROLLBACK", "ABORT"}


def transaction_verb(sql: str) -> str | None:
    """Which transaction-control statement `sql` is: "BEGIN", "COMMIT", "ROLLBACK",
    "ROLLBACK TO", "SAVEPOINT", "RELEASE", "PREPARE TRANSACTION", or None."""
    words = leading_words(sql, 3)
    if not words:
        return None
    first = words[0]
    if first in _BEGIN:
        return "BEGIN" if first == "BEGIN" or words[1:2] == ["TRANSACTION"] else None
    if first in _COMMIT:
        return "COMMIT"
    if first in _ROLLBACK:
        rest = words[1:]
        if rest[:1] in (["WORK"], ["TRANSACTION"]):
            rest = rest[1:]
        return "ROLLBACK TO" if rest[:1] == ["TO"] else "ROLLBACK"
    if first in ("SAVEPOINT", "RELEASE"):
        return first
    if first == "PREPARE" and words[1:2] == ["TRANSACTION"]:
        return "PREPARE TRANSACTION"
    return None
