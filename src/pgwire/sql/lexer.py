"""PostgreSQL's lexical rules: SQL text as tokens, once per text.

Every part of pgwire that reads SQL (statement splitting, classification, parameters, the
front end's own statements, COPY, the catalog rewriter, parameter-type inference) reads it
as these tokens, so quotes, comments and operators are understood one way everywhere:

- white space (ASCII only: other characters are identifier characters, as PostgreSQL reads
  them) and comments (`--` to the end of the line; `/* */`, nested) are tokens too, so
  that the text can be rebuilt or cut exactly; most readers skip them (`code`);
- string constants: `'...'` (doubled quotes), `E'...'` (backslash escapes), `B'...'` and
  `X'...'` (no escapes at all), `N'...'`, `U&'...'` and dollar quotes `$tag$...$tag$`; a
  constant goes on after white space that holds a newline (`'a'` newline `'b'` is `'ab'`);
- quoted identifiers `"..."` and `U&"..."`; words (keywords and plain identifiers, which may
  hold `$` after the first character); parameters `$n`; numbers (with `_` between digits,
  and `0x`, `0o`, `0b` integers, as PostgreSQL 16 reads them);
- operators as PostgreSQL cuts them: the longest run of `+-*/<>=~!@#%^&|`?`, cut before a
  `--` or `/*` inside it, and without trailing `+`/`-` unless it holds one of ``~!@#%^&|`?``
  (so `a=-1` is `=` then `-`); `::` is the cast operator;
- anything else is a one-character punctuation token: `( ) [ ] , ; . :`.

A literal left open runs to the end of the text: the backend reports the error. Tokens of a
text are computed once and kept (`tokenize` is cached by text); PostgreSQL's own scanner
(pglast) is the reference the tests compare this lexer with.
"""

from __future__ import annotations

import re
from typing import NamedTuple

SPACE = "space"
COMMENT = "comment"
STRING = "string"
IDENT = "ident"  # a quoted identifier
WORD = "word"  # a keyword or an unquoted identifier
PARAM = "param"
NUMBER = "number"
OP = "op"
PUNCT = "punct"

_SKIPPED = frozenset({SPACE, COMMENT})

# The common tokens first: the engine tries the alternatives in order at each position.
_TOKEN = re.compile(
    r"""
    (?P<space>[\ \t\n\r\f\v]+)
    |(?P<word>(?![eEbBxXnN]'|[uU]&['"])[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9$\x80-\U0010ffff]*)
    |(?P<number>0[xX](?:_?[0-9A-Fa-f])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+
        |(?:[0-9](?:_?[0-9])*(?:\.(?![.])(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)
         (?:[eE][+-]?[0-9](?:_?[0-9])*)?)
    |(?P<comment>--[^\n\r]*)
    |(?P<block>/\*)
    |(?P<estring>[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z))
    |(?P<bits>[bBxX]'[^']*(?:'|\Z))
    |(?P<string>(?:[nN]|[uU]&)?'(?:[^']|'')*(?:'|\Z))
    |(?P<ident>(?:[uU]&)?"(?:[^"]|"")*(?:"|\Z))
    |(?P<dollar>\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$)
    |(?P<param>\$[0-9]+)
    |(?P<op>::|:=|\.\.|[+\-*/<>=~!@#%^&|`?]+)
    |(?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_GAP = r"[\ \t\r\f\v]*\n[\ \t\n\r\f\v]*"
_STRING_PART = re.compile(_GAP + r"'(?:[^']|'')*(?:'|\Z)")
_ESTRING_PART = re.compile(_GAP + r"'(?:[^'\\]|\\.|'')*(?:'|\Z)", re.DOTALL)
_BITS_PART = re.compile(_GAP + r"'[^']*(?:'|\Z)")
_CONTINUED = {"estring": _ESTRING_PART, "bits": _BITS_PART, "string": _STRING_PART}
_OP_SPECIAL = frozenset("~!@#%^&|`?")
_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S
)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Token(NamedTuple):
    kind: str
    text: str  # exactly as written
    start: int  # offset in the text it came from

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def value(self) -> str:
        """A word folded as PostgreSQL folds identifiers (ASCII lower case), a quoted
        identifier or a string constant unquoted, anything else as written."""
        kind = self.kind
        if kind == WORD:
            return self.text.translate(_ASCII_LOWER)
        if kind == IDENT:
            return ident_value(self.text)
        if kind == STRING:
            return string_value(self.text)
        return self.text

    @property
    def keyword(self) -> str:
        """A word upper-cased, for comparing with keywords; '' for any other token."""
        return self.text.upper() if self.kind == WORD else ""


def is_code(token: Token) -> bool:
    return token.kind not in _SKIPPED


_cache: dict[str, tuple[Token, ...]] = {}
_CACHE_SIZE = 4096


def tokenize(sql: str) -> tuple[Token, ...]:
    """Every token of `sql`, white space and comments included, in order; cached by text."""
    tokens = _cache.get(sql)
    if tokens is None:
        tokens = _tokenize(sql)
        remember(sql, tokens)
    return tokens


def remember(sql: str, tokens: tuple[Token, ...]) -> None:
    """Keep `tokens` as the tokens of `sql` (a statement cut from a larger text is not
    scanned again)."""
    if len(_cache) >= _CACHE_SIZE:
        del _cache[next(iter(_cache))]  # the oldest
    _cache[sql] = tokens


def code(sql: str) -> tuple[Token, ...]:
    """The tokens of `sql` without white space and comments; cached by text."""
    tokens = _code_cache.get(sql)
    if tokens is None:
        tokens = tuple(t for t in tokenize(sql) if t.kind not in _SKIPPED)
        if len(_code_cache) >= _CACHE_SIZE:
            del _code_cache[next(iter(_code_cache))]
        _code_cache[sql] = tokens
    return tokens


_code_cache: dict[str, tuple[Token, ...]] = {}


def _tokenize(sql: str) -> tuple[Token, ...]:
    out: list[Token] = []
    append = out.append
    n = len(sql)
    pos = 0
    match = _TOKEN.match
    while pos < n:
        found = match(sql, pos)
        assert found is not None  # `punct` matches any character
        kind = found.lastgroup
        end = found.end()
        if kind == "block":
            end = skip_block_comment(sql, pos)
            kind = COMMENT
        elif kind in ("estring", "bits", "string"):
            # A constant goes on after white space holding a newline: 'a'\n'b' is 'ab'.
            part = _CONTINUED[kind]
            while sql[end - 1 : end] == "'" and end - pos > 1 and (more := part.match(sql, end)):
                end = more.end()
            kind = STRING
        elif kind == "dollar":
            tag = found.group()
            close = sql.find(tag, end)
            end = n if close < 0 else close + len(tag)
            kind = STRING
        elif kind == "op" and end - pos > 1:
            end = pos + _operator_length(sql[pos:end])
        assert kind is not None
        append(Token(kind, sql[pos:end], pos))
        pos = end
    return tuple(out)


def _operator_length(op: str) -> int:
    """How much of a run of operator characters PostgreSQL takes as one operator."""
    for comment in ("--", "/*"):  # a comment starting inside the run ends the operator
        at = op.find(comment)
        if at > 0:
            op = op[:at]
    if len(op) > 1 and op[-1] in "+-" and not _OP_SPECIAL.intersection(op):
        op = op.rstrip("+-") or op[0]  # `=-1` is `=` then `-1`
    return len(op)


def skip_block_comment(sql: str, i: int) -> int:
    """Index just past the (nested) block comment opening at sql[i]; len(sql) if open."""
    return _block_comment(sql, i)[0]


def _block_comment(sql: str, i: int) -> tuple[int, bool]:
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
                return i, True
        else:
            i += 1
    return n, False


def ident_value(text: str) -> str:
    """A quoted identifier's name (`"a""b"` is `a"b`)."""
    if text[:1] in "uU":  # U&"...": its escapes are rare in names, kept as written
        text = text[2:]
    return _body(_IDENT_BODY, text, 1)[0].replace('""', '"')


def string_value(text: str) -> str:
    """A string constant's value: quotes removed, escapes applied (E'...'), dollar quotes
    unwrapped, continued parts joined. B'...' and X'...' keep their digits; U&'...' its
    escapes."""
    if text.startswith("$"):
        tag = text[: text.index("$", 1) + 1]
        body = text[len(tag) :]
        return body[: -len(tag)] if body.endswith(tag) else body
    parts, _closed = _parts(text)
    if text[:1] in "eE":
        return unescape("".join(parts))
    if text[:1] in "bBxX":
        return "".join(parts)
    return "".join(parts).replace("''", "'")


def closed(token: Token) -> bool:
    """False for a literal, quoted identifier or block comment left open at the end."""
    text = token.text
    if token.kind == STRING:
        if text.startswith("$"):
            tag = text[: text.index("$", 1) + 1]
            return len(text) >= 2 * len(tag) and text.endswith(tag)
        return _parts(text)[1]
    if token.kind == IDENT:
        return _body(_IDENT_BODY, text, text.index('"') + 1)[1]
    if token.kind == COMMENT and text.startswith("/*"):
        return _block_comment(text, 0)[1]
    return True


def _parts(text: str) -> tuple[list[str], bool]:
    """The bodies of a quoted constant's parts ('a' and 'b' of 'a'\n'b'), and whether the
    last one is closed."""
    quote = text.index("'")
    prefix = text[:quote]
    pattern = (
        _ESTRING_SEGMENT
        if prefix in ("e", "E")
        else (_BITS_SEGMENT if prefix in ("b", "B", "x", "X") else _STRING_SEGMENT)
    )
    parts: list[str] = []
    pos = quote
    while True:
        found = pattern.match(text, pos)
        assert found is not None
        parts.append(found.group(1))
        pos = found.end()
        gap = _GAP_RE.match(text, pos)
        if not found.group(2) or gap is None or gap.end() >= len(text):
            return parts, bool(found.group(2))
        pos = gap.end()


_STRING_SEGMENT = re.compile(r"'((?:[^']|'')*)(')?", re.S)
_ESTRING_SEGMENT = re.compile(r"'((?:[^'\\]|\\.|'')*)(')?", re.S)
_BITS_SEGMENT = re.compile(r"'([^']*)(')?", re.S)
_GAP_RE = re.compile(_GAP)


def _body(pattern: re.Pattern[str], text: str, start: int) -> tuple[str, bool]:
    """A quoted token's body and whether its closing quote is there."""
    found = pattern.match(text, start)
    assert found is not None
    return found.group(1), bool(found.group(2))


_IDENT_BODY = re.compile(r'((?:[^"]|"")*)(")?\Z', re.S)


def unescape(body: str) -> str:
    """The value of an E'...' string's body: `''` and backslash escapes."""

    def one(found: re.Match[str]) -> str:
        octal, hex2, u4, u8, other = found.groups()
        if octal:
            return chr(int(octal, 8) & 0xFF)
        if hex2 or u4 or u8:
            return chr(int(hex2 or u4 or u8, 16))
        return _SIMPLE_ESCAPES.get(other, other)

    return _ESCAPE.sub(one, body.replace("''", "'"))
