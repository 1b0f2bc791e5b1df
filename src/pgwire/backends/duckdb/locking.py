"""Row-locking clauses of SELECT (`FOR UPDATE`, `FOR SHARE`, ...), which DuckDB's parser
refuses, removed before it runs.

DuckDB takes no row locks: its transactions are optimistic, and of two transactions writing
the same row the second fails (40001, could not serialize) instead of waiting. So a SELECT ...
FOR UPDATE (Django's select_for_update(), a job queue's SKIP LOCKED) runs without locking,
and the lost update it guards against in PostgreSQL still cannot happen: the later writer
gets 40001 and retries. NOWAIT and SKIP LOCKED never have anything to wait for or skip.
"""

from __future__ import annotations

from pgwire.sql.lexer import PUNCT, Token

__all__ = ["locking_edits"]

Edit = tuple[int, int, str]  # (start, end, replacement) in the text
_STRENGTHS = (("UPDATE",), ("NO", "KEY", "UPDATE"), ("SHARE",), ("KEY", "SHARE"))


def locking_edits(tokens: tuple[Token, ...]) -> list[Edit]:
    """Edits removing every `FOR {UPDATE | NO KEY UPDATE | SHARE | KEY SHARE} [OF t, ...]
    [NOWAIT | SKIP LOCKED]` at its query's own level."""
    if not tokens or tokens[0].keyword not in ("SELECT", "WITH", "("):
        return []
    edits: list[Edit] = []
    n = len(tokens)
    i = 0
    while i < n:
        if tokens[i].keyword != "FOR":
            i += 1
            continue
        end = _clause_end(tokens, i)
        if end is None:
            i += 1
            continue
        edits.append((tokens[i].start, tokens[end - 1].end, ""))
        i = end
    return edits


def _clause_end(tokens: tuple[Token, ...], i: int) -> int | None:
    """The index after a locking clause starting at `tokens[i]` (FOR); None: not one."""
    n = len(tokens)
    for strength in _STRENGTHS:
        words = tuple(t.keyword for t in tokens[i + 1 : i + 1 + len(strength)])
        if words == strength:
            j = i + 1 + len(strength)
            break
    else:
        return None
    if j < n and tokens[j].keyword == "OF":
        j += 1
        while j < n and (tokens[j].kind != PUNCT or tokens[j].text in (",", ".")):
            if tokens[j].keyword in ("NOWAIT", "SKIP", "FOR", "LIMIT", "OFFSET"):
                break
            j += 1
    if j < n and tokens[j].keyword == "NOWAIT":
        j += 1
    elif j + 1 < n and tokens[j].keyword == "SKIP" and tokens[j + 1].keyword == "LOCKED":
        j += 2
    return j
