"""A cursor over a statement's tokens, for the few statements the front end parses itself.

SET, SHOW, PREPARE, EXECUTE, DECLARE, FETCH, LISTEN, NOTIFY and their kin are small enough
to read token by token; this is what they share: keywords, punctuation, names folded as
PostgreSQL folds them, comma-separated lists inside brackets, the text of what remains, and
PostgreSQL's syntax errors. Comments anywhere in the statement are skipped.
"""

from __future__ import annotations

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.sql import lexer
from pgwire.sql.lexer import IDENT, OP, PUNCT, WORD, Token


class TokenReader:
    __slots__ = ("i", "sql", "tokens")

    def __init__(self, sql: str) -> None:
        self.sql = sql
        tokens = lexer.code(sql)
        if tokens and tokens[-1].kind == PUNCT and tokens[-1].text == ";":
            tokens = tokens[:-1]
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.i += 1
        return token

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def keyword(self, *words: str) -> str | None:
        """The next token when it is one of `words` (upper case), consumed; else None."""
        token = self.peek()
        if token is not None and token.kind == WORD:
            word = token.text.upper()
            if word in words:
                self.i += 1
                return word
        return None

    def keywords(self, *words: str) -> bool:
        """The next tokens are `words`, in order: consumed; else nothing is."""
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.kind != WORD or token.text.upper() != word:
                return False
        self.i += len(words)
        return True

    def char(self, c: str) -> bool:
        """The next token is the punctuation or operator `c`: consumed."""
        token = self.peek()
        if token is not None and token.kind in (PUNCT, OP) and token.text == c:
            self.i += 1
            return True
        return False

    def at_name(self) -> bool:
        token = self.peek()
        return token is not None and token.kind in (WORD, IDENT)

    def name(self) -> str | None:
        """An identifier as PostgreSQL folds it (quoted kept, unquoted in lower case)."""
        if not self.at_name():
            return None
        token = self.tokens[self.i]
        self.i += 1
        return token.value

    def qualified_name(self) -> str | None:
        """A name with dots (`a.b.c`), each part folded, joined by dots."""
        first = self.name()
        if first is None:
            return None
        parts = [first]
        while self.peek() is not None and self.peek(1) is not None:
            dot, part = self.tokens[self.i], self.tokens[self.i + 1]
            if not (dot.kind == PUNCT and dot.text == "." and part.kind in (WORD, IDENT)):
                break
            self.i += 2
            parts.append(part.value)
        return ".".join(parts)

    def rest(self) -> str:
        """The text from the next token to the end (without a final semicolon)."""
        if self.at_end():
            return ""
        return self.sql[self.tokens[self.i].start : self.tokens[-1].end]

    def text(self, first: int, end: int) -> str:
        """The text of tokens[first:end], as written."""
        if first >= end:
            return ""
        return self.sql[self.tokens[first].start : self.tokens[end - 1].end]

    def bracketed(self) -> list[tuple[int, int]] | None:
        """After an opening `(`: the token ranges of the comma-separated items up to its
        closing `)` (nested brackets kept whole), consumed; None when it is not closed."""
        items: list[tuple[int, int]] = []
        depth = 0
        first = self.i
        for j in range(self.i, len(self.tokens)):
            token = self.tokens[j]
            if token.kind != PUNCT:
                continue
            if token.text in "([":
                depth += 1
            elif token.text in ")]":
                if depth == 0 and token.text == ")":
                    if j > first or items:
                        items.append((first, j))
                    self.i = j + 1
                    return items
                depth -= 1
            elif token.text == "," and depth == 0:
                items.append((first, j))
                first = j + 1
        return None

    def split(self, sep: str = ",") -> list[tuple[int, int]]:
        """The rest, as token ranges of items separated by top-level `sep`; consumed."""
        items: list[tuple[int, int]] = []
        depth = 0
        first = self.i
        for j in range(self.i, len(self.tokens)):
            token = self.tokens[j]
            if token.kind == PUNCT and token.text in "([":
                depth += 1
            elif token.kind == PUNCT and token.text in ")]":
                depth -= 1
            elif token.kind == PUNCT and token.text == sep and depth == 0:
                items.append((first, j))
                first = j + 1
        items.append((first, len(self.tokens)))
        self.i = len(self.tokens)
        return items

    def error(self) -> PgError:
        """PostgreSQL's syntax error at the next token (or at the end of the input)."""
        token = self.peek()
        if token is None:
            return PgError("syntax error at end of input", sqlstate.SYNTAX_ERROR)
        return PgError(
            f'syntax error at or near "{token.text}"',
            sqlstate.SYNTAX_ERROR,
            position=token.start + 1,
        )
