"""A statement's `$n` parameters: how many, the types its casts give them, substitution."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql.lexer import IDENT, OP, PARAM, PUNCT, WORD, Token, code, tokenize


@functools.lru_cache(maxsize=4096)
def parameter_count(sql: str) -> int:
    """The highest $n placeholder outside literals and comments (0: none)."""
    return max((int(t.text[1:]) for t in code(sql) if t.kind == PARAM), default=0)


_TYPE_SUFFIXES = {"precision", "varying"}


def parameter_casts(sql: str) -> dict[int, str]:
    """Types the SQL itself gives its parameters: `$1::int4`, `CAST($2 AS text)`, by their
    names as written (lower case, `[]` for an array): {1: "int4", 2: "text"}."""
    tokens = code(sql)
    found: dict[int, str] = {}
    for i, token in enumerate(tokens):
        if token.kind != PARAM:
            continue
        after = tokens[i + 1 : i + 2]
        if after and after[0].kind == OP and after[0].text == "::":
            name = _type_name(tokens, i + 2, cast_function=False)
        elif (
            i >= 2
            and tokens[i - 1].text == "("
            and tokens[i - 2].kind == WORD
            and tokens[i - 2].text.upper() == "CAST"
            and tokens[i + 1 : i + 2]
            and tokens[i + 1].kind == WORD
            and tokens[i + 1].text.upper() == "AS"
        ):
            name = _type_name(tokens, i + 2, cast_function=True)
        else:
            continue
        if name is not None:
            found.setdefault(int(token.text[1:]), name)
    return found


def _type_name(tokens: Sequence[Token], i: int, *, cast_function: bool) -> str | None:
    """The type name at tokens[i]: a word, `double precision`, `character varying`,
    `timestamp with[out] time zone` (`::` only), then an optional `[]`."""
    if i >= len(tokens):
        return None
    if tokens[i].kind == IDENT:  # "char": the one-byte type, as quoted
        name = tokens[i].value
        return name + "[]" if _array_brackets(tokens, i + 1) else name
    if tokens[i].kind != WORD:
        return None
    words = [tokens[i].value]
    i += 1
    lowered = [t.value if t.kind == WORD else "" for t in tokens[i : i + 3]]
    if lowered[:1] and lowered[0] in _TYPE_SUFFIXES:
        words.append(lowered[0])
        i += 1
    elif (
        not cast_function
        and lowered[:1] in (["with"], ["without"])
        and lowered[1:]
        == [
            "time",
            "zone",
        ]
    ):
        words += lowered
        i += 3
    name = " ".join(words)
    # CHAR unquoted is SQL's character(n), bpchar; only "char" quoted is the one-byte type.
    name = _SQL_CHARACTER.get(name, name)
    return name + "[]" if _array_brackets(tokens, i) else name


_SQL_CHARACTER = {"char": "bpchar", "char varying": "varchar"}


def _array_brackets(tokens: Sequence[Token], i: int) -> bool:
    return (
        i + 1 < len(tokens)
        and tokens[i].kind == PUNCT
        and tokens[i].text == "["
        and tokens[i + 1].text == "]"
    )


def substitute_parameters(sql: str, replacements: Sequence[str]) -> str:
    """`sql` with each $n outside literals and comments replaced by replacements[n-1]."""
    out: list[str] = []
    for token in tokenize(sql):
        if token.kind != PARAM:
            out.append(token.text)
            continue
        index = int(token.text[1:])
        if not 1 <= index <= len(replacements):
            raise PgError(f"there is no parameter ${index}", sqlstate.UNDEFINED_PARAMETER)
        out.append(replacements[index - 1])
    return "".join(out)


def quote_literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings on: only quotes are doubled)."""
    return "'" + text.replace("'", "''") + "'"
