"""`ONLY` before a table name: PostgreSQL's "this table, not its inheritance children".

Neither DuckDB nor SQLite has table inheritance, so `FROM ONLY t`, `UPDATE ONLY t`,
`DELETE FROM ONLY t`, `TRUNCATE ONLY t` and `ALTER TABLE ONLY t` mean `t` itself; their
parsers do not know the word, so it is dropped before they see the statement (pg_dump reads
every table with `SELECT ... FROM ONLY t`).
"""

from __future__ import annotations

import functools

from pgwire.sql import lexer

# `ONLY` after these words names a table (not LIMIT's `FETCH FIRST n ROWS ONLY`)
_BEFORE = frozenset({"FROM", "JOIN", "UPDATE", "TRUNCATE", "TABLE", ","})


@functools.lru_cache(maxsize=4096)
def drop_only(sql: str) -> str:
    if "only" not in sql.lower():
        return sql
    tokens = lexer.tokenize(sql)
    out: list[str] = []
    previous = ""  # the last code token, upper-cased
    for i, token in enumerate(tokens):
        code = token.kind not in (lexer.SPACE, lexer.COMMENT)
        if code and token.kind == lexer.WORD and token.text.upper() == "ONLY":
            following = next(
                (t for t in tokens[i + 1 :] if t.kind not in (lexer.SPACE, lexer.COMMENT)), None
            )
            names_table = following is not None and following.kind in (lexer.WORD, lexer.IDENT)
            if previous in _BEFORE and names_table:
                previous = "ONLY"
                continue
        out.append(token.text)
        if code:
            previous = token.text.upper()
    return "".join(out)
