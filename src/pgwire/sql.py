"""Just enough SQL lexing for the front end: split a Query into statements, name a statement.

PostgreSQL splits a simple Query at top-level semicolons; quotes ('...', E'...', "...",
$tag$...$tag$) and comments (-- and nested /* */) hide semicolons. Nothing here parses SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence

from pgwire import sqlstate
from pgwire.errors import PgError

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$")
_WORD = re.compile(r"[A-Za-z_]+")


def skip_quoted(sql: str, i: int, quote: str, backslashes: bool) -> int:
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


def skip_block_comment(sql: str, i: int) -> int:
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


def spans(sql: str) -> Iterator[tuple[bool, int, int]]:
    """Cut `sql` into (is_code, start, end) spans: code, or a literal/identifier/comment."""
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _is_ident_char(sql[i - 2]))
            end = skip_quoted(sql, i, "'", escaped)
        elif c == '"':
            end = skip_quoted(sql, i, '"', False)
        elif c == "-" and sql.startswith("--", i):
            nl = sql.find("\n", i)
            end = n if nl < 0 else nl + 1
        elif c == "/" and sql.startswith("/*", i):
            end = skip_block_comment(sql, i)
        elif c == "$" and (i == 0 or not _is_ident_char(sql[i - 1])):
            m = _DOLLAR_TAG.match(sql, i)
            if not m:
                i += 1
                continue
            close = sql.find(m.group(0), m.end())
            end = n if close < 0 else close + len(m.group(0))
        else:
            i += 1
            continue
        if start < i:
            yield True, start, i
        yield False, i, end
        start = i = end
    if start < n:
        yield True, start, n


def split_statements(sql: str) -> list[str]:
    """Top-level statements of `sql`, stripped, without their semicolons; empty ones dropped."""
    out: list[str] = []
    start = 0
    for is_code, begin, end in spans(sql):
        if not is_code:
            continue
        semi = sql.find(";", begin, end)
        while semi >= 0:
            out.append(sql[start:semi])
            start = semi + 1
            semi = sql.find(";", start, end)
    out.append(sql[start:])
    return [s.strip() for s in out if not is_empty(s)]


_PARAM = re.compile(r"\$([0-9]+)")
_CAST = re.compile(
    r"\$([0-9]+)\s*::\s*([A-Za-z_][A-Za-z_0-9]*(?:\s+(?:precision|varying|with(?:out)?\s+time\s+zone))?(?:\s*\[\])?)",
    re.IGNORECASE,
)
_CAST_FN = re.compile(
    r"CAST\s*\(\s*\$([0-9]+)\s+AS\s+([A-Za-z_][A-Za-z_0-9]*(?:\s+precision|\s+varying)?(?:\s*\[\])?)",
    re.IGNORECASE,
)


def parameter_count(sql: str) -> int:
    """The highest $n placeholder outside literals and comments (0: none)."""
    highest = 0
    for is_code, begin, end in spans(sql):
        if is_code:
            for m in _PARAM.finditer(sql, begin, end):
                if begin == m.start() or not _is_ident_char(sql[m.start() - 1]):
                    highest = max(highest, int(m.group(1)))
    return highest


def parameter_casts(sql: str) -> dict[int, str]:
    """Types the SQL itself gives its parameters: `$1::int4`, `CAST($2 AS text)`."""
    found: dict[int, str] = {}
    for is_code, begin, end in spans(sql):
        if not is_code:
            continue
        code = sql[begin:end]
        for pattern in (_CAST, _CAST_FN):
            for m in pattern.finditer(code):
                found.setdefault(int(m.group(1)), " ".join(m.group(2).lower().split()))
    return found


def substitute_parameters(sql: str, replacements: Sequence[str]) -> str:
    """`sql` with each $n outside literals and comments replaced by replacements[n-1]."""
    out: list[str] = []
    for is_code, begin, end in spans(sql):
        if not is_code:
            out.append(sql[begin:end])
            continue
        pos = begin
        for m in _PARAM.finditer(sql, begin, end):
            if m.start() > begin and _is_ident_char(sql[m.start() - 1]):
                continue
            index = int(m.group(1))
            if not 1 <= index <= len(replacements):
                raise PgError(f"there is no parameter ${index}", sqlstate.UNDEFINED_PARAMETER)
            out.append(sql[pos : m.start()])
            out.append(replacements[index - 1])
            pos = m.end()
        out.append(sql[pos:end])
    return "".join(out)


def quote_literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings on: only quotes are doubled)."""
    return "'" + text.replace("'", "''") + "'"


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
            i = skip_block_comment(sql, i)
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
    return list(_leading_words(sql, count))


@functools.lru_cache(maxsize=4096)  # statements repeat: lex each text once
def _leading_words(sql: str, count: int) -> tuple[str, ...]:
    words: list[str] = []
    rest = strip_comments(sql)
    while len(words) < count:
        m = _WORD.match(rest)
        if not m:
            break
        words.append(m.group(0).upper())
        rest = strip_comments(rest[m.end() :])
    return tuple(words)


# Statement kinds the front end itself must recognise (transaction control).
_BEGIN = {"BEGIN", "START"}
_COMMIT = {"COMMIT", "END"}
_ROLLBACK = {"ROLLBACK", "ABORT"}


@functools.lru_cache(maxsize=4096)
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
