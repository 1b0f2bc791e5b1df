"""The one SQL lexer: examples, and PostgreSQL's own scanner (pglast) as the reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgwire.sql import lexer
from pgwire.sql.lexer import COMMENT, IDENT, NUMBER, OP, PARAM, PUNCT, SPACE, STRING, WORD

pglast_parser = pytest.importorskip("pglast.parser")


def kinds(sql: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in lexer.tokenize(sql) if t.kind != SPACE]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("a=-1", [(WORD, "a"), (OP, "="), (OP, "-"), (NUMBER, "1")]),
        ("a @-1", [(WORD, "a"), (OP, "@-"), (NUMBER, "1")]),
        ("x::int4[]", [(WORD, "x"), (OP, "::"), (WORD, "int4"), (PUNCT, "["), (PUNCT, "]")]),
        ("a<=b", [(WORD, "a"), (OP, "<="), (WORD, "b")]),
        ("a*/*c*/b", [(WORD, "a"), (OP, "*"), (COMMENT, "/*c*/"), (WORD, "b")]),
        ("1--c\n2", [(NUMBER, "1"), (COMMENT, "--c"), (NUMBER, "2")]),
        ("/* a /* b */ c */x", [(COMMENT, "/* a /* b */ c */"), (WORD, "x")]),
        ("E'it\\'s'", [(STRING, "E'it\\'s'")]),
        ("'it''s'", [(STRING, "'it''s'")]),
        ("$f$ a;'b $f$", [(STRING, "$f$ a;'b $f$")]),
        ("$$x$$", [(STRING, "$$x$$")]),
        ('"A""b"."c"', [(IDENT, '"A""b"'), (PUNCT, "."), (IDENT, '"c"')]),
        ("a$1 $2", [(WORD, "a$1"), (PARAM, "$2")]),
        ("1.5e3 .5 7.", [(NUMBER, "1.5e3"), (NUMBER, ".5"), (NUMBER, "7.")]),
        (
            "b'101' x'ff' n'x' u&'d'",
            [(STRING, "b'101'"), (STRING, "x'ff'"), (STRING, "n'x'"), (STRING, "u&'d'")],
        ),
        ("'open", [(STRING, "'open")]),
        ("b''''", [(STRING, "b''"), (STRING, "''")]),  # no doubled quotes in bit strings
        ("'a' 'b'", [(STRING, "'a'"), (STRING, "'b'")]),  # no newline: two constants
        (
            "f(a := 1)",
            [(WORD, "f"), (PUNCT, "("), (WORD, "a"), (OP, ":="), (NUMBER, "1"), (PUNCT, ")")],
        ),
        ("é\xa0x", [(WORD, "é\xa0x")]),  # non-ASCII characters are identifier characters
    ],
)
def test_tokens(sql: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(sql) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("FoO", "foo"),
        ('"FoO"', "FoO"),
        ('"a""b"', 'a"b'),
        ("'it''s'", "it's"),
        ("E'a\\nb\\x41\\101\\u00e9\\''", "a\nbAAé'"),
        ("$t$ x $ y $t$", " x $ y "),
        ("'open", "open"),
        ("'it'''", "it'"),
        ("'a'\n  'b'", "ab"),  # continued after a newline
        ("E'x\\n'\n'y'", "x\ny"),
        ("b'10'", "10"),
    ],
)
def test_values(text: str, value: str) -> None:
    (token,) = lexer.code(text)
    assert token.value == value


def test_text_is_rebuilt_exactly() -> None:
    sql = "select 'a' /* c */ ,\t$1 -- x\n; E'\\'' \"q\""
    tokens = lexer.tokenize(sql)
    assert "".join(t.text for t in tokens) == sql
    assert all(sql[t.start : t.end] == t.text for t in tokens)


def test_cached_per_text() -> None:
    sql = "select 4242 -- cached"
    assert lexer.tokenize(sql) is lexer.tokenize(sql)


# PostgreSQL's scanner through pglast: token boundaries must agree wherever PostgreSQL lexes
# the text at all (it raises on an unterminated literal or comment; we lex those to the end).
_PIECES = [
    "a", "b", "e", "E", "x", "u&", "1", "2", ".", "0.5", " ", "\n", "\t", "'", "''", '"',
    "$", "$1", "$t$", "-", "--", "/", "*", "/*", "*/", "+", "=", "<", ">", "@", "!", "~",
    "?", "|", "#", "%", "^", "&", "`", ";", ",", "(", ")", "[", "]", ":", "::", "\\", "_",
    "é", "select", "from",
]  # fmt: skip


def _pg_boundaries(sql: str) -> list[tuple[int, int]] | None:
    try:
        tokens = pglast_parser.scan(sql)
    except Exception:
        return None
    return [(t.start, t.end + 1) for t in tokens]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_same_boundaries_as_postgres(sql: str) -> None:
    expected = _pg_boundaries(sql)
    if expected is None:
        return
    ours = [(t.start, t.end) for t in lexer.tokenize(sql) if t.kind != SPACE]
    assert ours == expected, (sql, kinds(sql))
