"""The token cursor the front end's own statements are parsed with."""

from __future__ import annotations

from pgwire import sqlstate
from pgwire.sql.reader import TokenReader


def test_keywords_names_and_rest() -> None:
    r = TokenReader('PREPARE /* c */ "My""Plan" (int4, numeric(10, 2)) AS select $1 ;')
    assert r.keyword("PREPARE") == "PREPARE"
    assert r.name() == 'My"Plan'
    assert r.char("(")
    items = r.bracketed()
    assert items is not None
    assert [r.text(*item) for item in items] == ["int4", "numeric(10, 2)"]
    assert r.keyword("AS") == "AS"
    assert r.rest() == "select $1"


def test_qualified_names_fold_each_part() -> None:
    r = TokenReader('SET MyApp."Key".x = 1')
    r.keyword("SET")
    assert r.qualified_name() == "myapp.Key.x"
    assert r.char("=")
    assert [r.text(*item) for item in r.split()] == ["1"]


def test_split_keeps_nested_commas() -> None:
    r = TokenReader("a, f(b, c), 'd,e'")
    assert [r.text(*item) for item in r.split()] == ["a", "f(b, c)", "'d,e'"]


def test_keywords_consume_all_or_nothing() -> None:
    r = TokenReader("SHOW TRANSACTION LEVEL")
    r.keyword("SHOW")
    assert not r.keywords("TRANSACTION", "ISOLATION", "LEVEL")
    assert r.keyword("TRANSACTION") == "TRANSACTION"


def test_errors_point_at_the_token() -> None:
    r = TokenReader("SET x TO")
    r.keyword("SET")
    r.name()
    r.keyword("TO")
    assert r.error().message == "syntax error at end of input"
    r = TokenReader("SET x ~ 1")
    r.keyword("SET")
    r.name()
    err = r.error()
    assert (err.sqlstate, err.message, err.position) == (
        sqlstate.SYNTAX_ERROR,
        'syntax error at or near "~"',
        7,
    )
