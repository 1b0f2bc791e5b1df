"""`UNNEST(a, b, ...)` with several arrays in FROM, as DuckDB runs it.

PostgreSQL's multi-argument UNNEST zips its arrays into rows, padding the shorter ones with
NULLs; Django's bulk_create writes `INSERT ... SELECT * FROM UNNEST(%s::varchar[],
%s::int[])`. DuckDB's unnest takes one list, but several unnest calls in one select list are
zipped the same way, so `FROM UNNEST(a, b)` becomes `FROM (SELECT UNNEST(a), UNNEST(b))`; an
alias after it (`AS t(x, y)`) names the subquery's columns as it named the function's.
"""

from __future__ import annotations

from pgwire.sql.lexer import PUNCT, Token

__all__ = ["unnest_edits"]

Edit = tuple[int, int, str]  # (start, end, replacement) in the text
_BEFORE = frozenset({"FROM", "JOIN", "LATERAL"})


def unnest_edits(sql: str, tokens: tuple[Token, ...]) -> list[Edit]:
    edits: list[Edit] = []
    for i, token in enumerate(tokens):
        if token.keyword != "UNNEST" or i == 0 or tokens[i - 1].keyword not in _BEFORE:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            continue
        arguments, closing = _arguments(tokens, i + 1)
        if closing is None or len(arguments) < 2:
            continue
        if closing + 1 < len(tokens) and tokens[closing + 1].keyword == "WITH":
            continue  # WITH ORDINALITY: left for DuckDB to judge
        calls = ", ".join(f"UNNEST({sql[first.start : last.end]})" for first, last in arguments)
        edits.append((token.start, tokens[closing].end, f"(SELECT {calls})"))
    return edits


def _arguments(
    tokens: tuple[Token, ...], opening: int
) -> tuple[list[tuple[Token, Token]], int | None]:
    """The arguments between the brackets at `opening` (first and last token of each), and
    the closing bracket's index (None: unbalanced)."""
    arguments: list[tuple[Token, Token]] = []
    depth = 0
    first: int | None = None
    for j in range(opening, len(tokens)):
        text = tokens[j].text if tokens[j].kind == PUNCT else ""
        if text in ("(", "["):
            depth += 1
            if depth == 1:
                continue
        elif text in (")", "]"):
            depth -= 1
            if depth == 0:
                if first is not None:
                    arguments.append((tokens[first], tokens[j - 1]))
                return arguments, j
        elif text == "," and depth == 1:
            if first is not None:
                arguments.append((tokens[first], tokens[j - 1]))
            first = None
            continue
        if first is None and depth >= 1:
            first = j
    return arguments, None
