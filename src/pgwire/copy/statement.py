"""The COPY statement, parsed: target, columns, and options in both syntaxes.

`WITH (FORMAT csv, HEADER)` and the older `WITH CSV HEADER DELIMITER ','` that psql's `\\copy`
passes through are both understood, with PostgreSQL's errors for conflicting or invalid
options. Sans-IO: `pgwire.server.copy` runs the statement over a connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.copy.format import CopyOptions
from pgwire.errors import PgError
from pgwire.sql import lexer

__all__ = ["CopyStatement", "is_copy", "parse"]


def is_copy(sql: str) -> bool:
    return sqltext.leading_words(sql, 1) == ["COPY"]


# ---------------------------------------------------------------------------------------------
# the statement


@dataclass(slots=True)
class CopyStatement:
    is_from: bool
    table: str | None = None  # the table as written (SQL text: qualified, quoted as typed)
    relname: str = ""  # its own name, unquoted: what error contexts call it
    columns: list[str] | None = None  # the column list as written (SQL text each)
    query: str | None = None  # COPY (query) TO
    target: str = "stdio"  # "stdio", "file" or "program"
    where: str | None = None
    options: CopyOptions = field(default_factory=CopyOptions)
    text: str = ""  # the statement as given


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # word, ident, string, number, punct
    text: str  # as written
    value: str  # words upper-cased, identifiers and strings unquoted
    start: int


_KINDS = {lexer.WORD: "word", lexer.IDENT: "ident", lexer.STRING: "string", lexer.NUMBER: "number"}


def _tokens(sql: str) -> list[_Tok]:
    """The statement's tokens as the lexer reads them; a sign joins the number after it."""
    out: list[_Tok] = []
    tokens = lexer.code(sql)
    for i, token in enumerate(tokens):
        kind = _KINDS.get(token.kind, "punct")
        if kind == "word":
            value = token.text.upper()
        elif kind in ("ident", "string"):
            value = token.value
        else:
            value = token.text
        if (
            kind == "number"
            and out
            and out[-1].text in ("+", "-")
            and tokens[i - 1].end == token.start
            and (i < 2 or tokens[i - 2].kind != lexer.NUMBER)
        ):
            sign = out.pop()
            out.append(_Tok("number", sign.text + token.text, sign.text + value, sign.start))
            continue
        out.append(_Tok(kind, token.text, value, token.start))
    return out


class _Parser:
    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.toks = _tokens(sql)
        self.i = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise self.error(None)
        self.i += 1
        return tok

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.value in words

    def at_punct(self, char: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "punct" and tok.value == char

    def accept_word(self, *words: str) -> str | None:
        if self.at_word(*words):
            return self.next().value
        return None

    def expect_word(self, *words: str) -> str:
        if not self.at_word(*words):
            raise self.error(self.peek())
        return self.next().value

    def expect_punct(self, char: str) -> None:
        if not self.at_punct(char):
            raise self.error(self.peek())
        self.next()

    def error(self, tok: _Tok | None) -> PgError:
        if tok is None:
            return PgError(
                "syntax error at end of input",
                sqlstate.SYNTAX_ERROR,
                position=len(self.sql.rstrip()) + 1,
            )
        return PgError(
            f'syntax error at or near "{tok.text}"',
            sqlstate.SYNTAX_ERROR,
            position=tok.start + 1,
        )

    def name(self) -> tuple[str, str]:
        """A possibly qualified name: (SQL text as written, the last part unquoted)."""
        parts: list[_Tok] = []
        while True:
            tok = self.next()
            if tok.kind not in ("word", "ident"):
                raise self.error(tok)
            parts.append(tok)
            if not self.at_punct("."):
                break
            self.next()
        text = ".".join(p.text for p in parts)
        last = parts[-1]
        return text, last.value if last.kind == "ident" else last.text.lower()

    def column_list(self) -> list[_Tok]:
        self.expect_punct("(")
        cols = []
        while True:
            tok = self.next()
            if tok.kind not in ("word", "ident"):
                raise self.error(tok)
            cols.append(tok)
            if self.at_punct(","):
                self.next()
                continue
            self.expect_punct(")")
            return cols

    def parenthesized(self) -> str:
        """The text between a `(` (current token) and its matching `)`."""
        open_tok = self.next()
        depth = 1
        while True:
            tok = self.next()
            if tok.kind == "punct" and tok.value == "(":
                depth += 1
            elif tok.kind == "punct" and tok.value == ")":
                depth -= 1
                if depth == 0:
                    return self.sql[open_tok.start + 1 : tok.start].strip()


def _column_name(tok: _Tok) -> str:
    return tok.value if tok.kind == "ident" else tok.text.lower()


def parse(sql: str) -> CopyStatement:
    """Parse a COPY statement (both option syntaxes); PgError 42601 where PostgreSQL's
    grammar would refuse it."""
    text = sqltext.strip_comments(sql).strip().rstrip(";").rstrip()
    p = _Parser(text)
    p.expect_word("COPY")
    binary_prefix = p.accept_word("BINARY") is not None  # pre-7.3: COPY BINARY t ...
    stmt = CopyStatement(is_from=False, text=sql)
    column_toks: list[_Tok] | None = None
    if p.at_punct("("):
        stmt.query = p.parenthesized()
        if not stmt.query:
            raise p.error(p.peek(-1))
    else:
        stmt.table, stmt.relname = p.name()
        if p.at_punct("("):
            column_toks = p.column_list()
            stmt.columns = [t.text for t in column_toks]
    direction = p.expect_word("FROM", "TO")
    stmt.is_from = direction == "FROM"
    if stmt.is_from and stmt.query is not None:
        raise p.error(p.peek(-1))
    tok = p.next()
    if tok.kind == "word" and tok.value in ("STDIN", "STDOUT"):
        if (tok.value == "STDIN") != stmt.is_from:
            raise p.error(tok)
    elif tok.kind == "word" and tok.value == "PROGRAM":
        if p.next().kind != "string":
            raise p.error(p.peek(-1))
        stmt.target = "program"
    elif tok.kind == "string":
        stmt.target = "file"
    else:
        raise p.error(tok)
    raw: list[tuple[str, Any, _Tok]] = []
    if binary_prefix:
        raw.append(("format", "binary", tok))
    if p.at_word("USING") and p.peek(1) is not None and p.peek(1).value == "DELIMITERS":  # type: ignore[union-attr]
        p.next()
        p.next()
        raw.append(("delimiter", _string(p), tok))
    p.accept_word("WITH")
    if p.at_punct("("):
        raw.extend(_new_options(p))
    else:
        raw.extend(_old_options(p))
    if p.at_word("WHERE"):
        where_tok = p.next()
        if not stmt.is_from:
            raise PgError(
                "WHERE clause not allowed with COPY TO",
                sqlstate.FEATURE_NOT_SUPPORTED,
                position=where_tok.start + 1,
            )
        stmt.where = text[where_tok.start :]
        p.i = len(p.toks)
    if p.peek() is not None:
        raise p.error(p.peek())
    stmt.options = _options(raw, stmt.is_from)
    return stmt


def _string(p: _Parser) -> str:
    tok = p.next()
    if tok.kind != "string":
        raise p.error(tok)
    return tok.value


def _new_options(p: _Parser) -> list[tuple[str, Any, _Tok]]:
    """`( name [value], ... )`: values are strings, numbers, words, `*` or `(col, ...)`."""
    p.expect_punct("(")
    out: list[tuple[str, Any, _Tok]] = []
    while True:
        name_tok = p.next()
        if name_tok.kind not in ("word", "ident"):
            raise p.error(name_tok)
        name = name_tok.value.lower() if name_tok.kind == "word" else name_tok.value
        value: Any = None
        tok = p.peek()
        if tok is None:
            raise p.error(None)
        if tok.kind == "punct" and tok.value == "(":
            value = [_column_name(t) for t in p.column_list()]
        elif tok.kind == "punct" and tok.value == "*":
            p.next()
            value = "*"
        elif tok.kind in ("string", "number"):
            value = p.next().value
        elif tok.kind in ("word", "ident"):
            value = p.next().value.lower() if tok.kind == "word" else tok.value
        out.append((name, value, name_tok))
        if p.at_punct(","):
            p.next()
            continue
        p.expect_punct(")")
        return out


def _old_options(p: _Parser) -> list[tuple[str, Any, _Tok]]:
    """The pre-9.0 syntax: BINARY, DELIMITER [AS] 'x', NULL [AS] 'x', CSV, HEADER, QUOTE,
    ESCAPE, FORCE QUOTE cols|*, FORCE NOT NULL cols, ENCODING 'x', FREEZE."""
    out: list[tuple[str, Any, _Tok]] = []
    while True:
        tok = p.peek()
        if tok is None or tok.kind != "word" or tok.value == "WHERE":
            return out
        p.next()
        word = tok.value
        if word == "BINARY":
            out.append(("format", "binary", tok))
        elif word == "CSV":
            out.append(("format", "csv", tok))
        elif word == "HEADER":
            out.append(("header", True, tok))
        elif word == "FREEZE":
            out.append(("freeze", True, tok))
        elif word in ("DELIMITER", "NULL", "QUOTE", "ESCAPE", "ENCODING"):
            p.accept_word("AS")
            out.append((word.lower(), _string(p), tok))
        elif word == "FORCE":
            if p.accept_word("QUOTE"):
                if p.at_punct("*"):
                    p.next()
                    out.append(("force_quote", "*", tok))
                else:
                    out.append(("force_quote", _bare_columns(p), tok))
            else:
                p.expect_word("NOT")
                p.expect_word("NULL")
                out.append(("force_not_null", _bare_columns(p), tok))
        else:
            raise p.error(tok)


def _bare_columns(p: _Parser) -> list[str]:
    cols = []
    while True:
        tok = p.next()
        if tok.kind not in ("word", "ident"):
            raise p.error(tok)
        cols.append(_column_name(tok))
        if not p.at_punct(","):
            return cols
        p.next()


_BOOL_TRUE = {"true", "on", "1"}
_BOOL_FALSE = {"false", "off", "0"}
_UTF8_NAMES = {"utf8", "utf-8", "unicode", "sql_ascii"}
_TEXT_BAD_DELIMITERS = "\\.abcdefghijklmnopqrstuvwxyz0123456789"


def _conflict(tok: _Tok) -> PgError:
    return PgError(
        "conflicting or redundant options", sqlstate.SYNTAX_ERROR, position=tok.start + 1
    )


def _boolean(name: str, value: Any, allow_match: bool = False, is_from: bool = True) -> Any:
    if value is None or value is True:
        return True
    text = str(value).lower()
    if text in _BOOL_TRUE:
        return True
    if text in _BOOL_FALSE:
        return False
    if allow_match and text == "match":
        if not is_from:
            raise PgError(
                'cannot use "match" with HEADER in COPY TO', sqlstate.FEATURE_NOT_SUPPORTED
            )
        return "match"
    if allow_match:
        raise PgError(f'{name} requires a Boolean value or "match"', sqlstate.SYNTAX_ERROR)
    raise PgError(f"{name} requires a Boolean value", sqlstate.SYNTAX_ERROR)


def _options(raw: list[tuple[str, Any, _Tok]], is_from: bool) -> CopyOptions:
    """Validate options as PostgreSQL 15's ProcessCopyOptions does, in its order."""
    seen: dict[str, Any] = {}
    for name, value, tok in raw:
        if name == "format":
            if name in seen:
                raise _conflict(tok)
            if value not in ("text", "csv", "binary"):
                raise PgError(
                    f'COPY format "{value}" not recognized',
                    sqlstate.INVALID_PARAMETER_VALUE,
                    position=tok.start + 1,
                )
            seen[name] = value
        elif name in ("freeze", "header"):
            if name in seen:
                raise _conflict(tok)
            seen[name] = _boolean(name, value, name == "header", is_from)
        elif name in ("delimiter", "null", "quote", "escape", "encoding"):
            if name in seen:
                raise _conflict(tok)
            if not isinstance(value, str):
                raise PgError(f"{name} requires a string value", sqlstate.SYNTAX_ERROR)
            seen[name] = value
        elif name in ("force_quote", "force_not_null", "force_null"):
            if name in seen:
                raise _conflict(tok)
            if value == "*" and name == "force_quote":
                seen[name] = "*"
            elif isinstance(value, list):
                seen[name] = value
            else:
                raise PgError(
                    f'argument to option "{name}" must be a list of column names',
                    sqlstate.SYNTAX_ERROR,
                    position=tok.start + 1,
                )
        else:
            raise PgError(
                f'option "{name}" not recognized', sqlstate.SYNTAX_ERROR, position=tok.start + 1
            )
    fmt = seen.get("format", "text")
    csv = fmt == "csv"
    binary = fmt == "binary"
    if binary and "delimiter" in seen:
        raise PgError("cannot specify DELIMITER in BINARY mode", sqlstate.SYNTAX_ERROR)
    if binary and "null" in seen:
        raise PgError("cannot specify NULL in BINARY mode", sqlstate.SYNTAX_ERROR)
    delimiter = seen.get("delimiter", "," if csv else "\t")
    null = seen.get("null", "" if csv else "\\N")
    quote = seen.get("quote", '"')
    escape = seen.get("escape", quote)
    header = seen.get("header", False)
    if len(delimiter.encode()) != 1:
        raise PgError(
            "COPY delimiter must be a single one-byte character", sqlstate.FEATURE_NOT_SUPPORTED
        )
    if delimiter in "\r\n":
        raise PgError(
            "COPY delimiter cannot be newline or carriage return",
            sqlstate.INVALID_PARAMETER_VALUE,
        )
    if "\r" in null or "\n" in null:
        raise PgError(
            "COPY null representation cannot use newline or carriage return",
            sqlstate.INVALID_PARAMETER_VALUE,
        )
    if not csv and delimiter in _TEXT_BAD_DELIMITERS:
        raise PgError(f'COPY delimiter cannot be "{delimiter}"', sqlstate.INVALID_PARAMETER_VALUE)
    if binary and header:
        raise PgError("cannot specify HEADER in BINARY mode", sqlstate.SYNTAX_ERROR)
    if not csv and "quote" in seen:
        raise PgError("COPY quote available only in CSV mode", sqlstate.FEATURE_NOT_SUPPORTED)
    if csv and len(quote.encode()) != 1:
        raise PgError(
            "COPY quote must be a single one-byte character", sqlstate.FEATURE_NOT_SUPPORTED
        )
    if csv and delimiter == quote:
        raise PgError(
            "COPY delimiter and quote must be different", sqlstate.INVALID_PARAMETER_VALUE
        )
    if not csv and "escape" in seen:
        raise PgError("COPY escape available only in CSV mode", sqlstate.FEATURE_NOT_SUPPORTED)
    if csv and len(escape.encode()) != 1:
        raise PgError(
            "COPY escape must be a single one-byte character", sqlstate.FEATURE_NOT_SUPPORTED
        )
    for name, words in (
        ("force_quote", "force quote"),
        ("force_not_null", "force not null"),
        ("force_null", "force null"),
    ):
        if name not in seen:
            continue
        if not csv:
            raise PgError(
                f"COPY {words} available only in CSV mode", sqlstate.FEATURE_NOT_SUPPORTED
            )
        if (name == "force_quote") == is_from:
            using = "COPY TO" if name == "force_quote" else "COPY FROM"
            raise PgError(
                f"COPY {words} only available using {using}", sqlstate.FEATURE_NOT_SUPPORTED
            )
    if not binary and delimiter in null:
        raise PgError(
            "COPY delimiter must not appear in the NULL specification",
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    if csv and quote in null:
        raise PgError(
            "CSV quote character must not appear in the NULL specification",
            sqlstate.FEATURE_NOT_SUPPORTED,
        )
    encoding = seen.get("encoding", "UTF8")
    if encoding.lower() not in _UTF8_NAMES:
        raise PgError(
            f'COPY encoding "{encoding}" is not supported',
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="pgwire speaks UTF8 only: convert the data to UTF-8 on the client.",
        )
    return CopyOptions(
        format=fmt,
        delimiter=delimiter,
        null=null,
        header=header,
        quote=quote,
        escape=escape,
        force_quote=seen.get("force_quote", []),
        force_not_null=seen.get("force_not_null", []),
        force_null=seen.get("force_null", []),
        encoding="UTF8",
        freeze=bool(seen.get("freeze", False)),
    )
