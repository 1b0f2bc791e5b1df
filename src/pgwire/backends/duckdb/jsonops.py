"""PostgreSQL's jsonb operators that DuckDB lacks, rewritten on tokens into DuckDB's JSON
functions (`->`, `->>`, `#>`, `#>>` are DuckDB's own):

- `a @> b` → `json_contains(a, b)`, `a <@ b` → `json_contains(b, a)`;
- `a ? k` → whether `k` is a key of the object `a`, or a string element of the array `a`;
- `a ?| keys` / `a ?& keys` → whether any / all of the text array `keys` are keys of `a`.

An operand is what binds tighter than these operators in the common forms: a column (maybe
qualified), a literal, a parameter, a bracketed expression or a function call, each with its
`::type` casts, and on the left a chain of `->`/`->>`/`#>`/`#>>` steps. Anything else around
them goes to DuckDB as written, where it fails to parse or bind (42601/42883) rather than
meaning something else.
"""

from __future__ import annotations

from pgwire.sql.lexer import IDENT, NUMBER, OP, PARAM, PUNCT, STRING, WORD, Token

__all__ = ["json_operator_edits"]

Edit = tuple[int, int, str]
_OPERATORS = frozenset({"@>", "<@", "?", "?|", "?&"})
_STEPS = frozenset({"->", "->>", "#>", "#>>"})


def json_operator_edits(sql: str, tokens: tuple[Token, ...]) -> list[Edit]:
    edits: list[Edit] = []
    for i, token in enumerate(tokens):
        if token.kind != OP or token.text not in _OPERATORS:
            continue
        left = _left(tokens, i)
        right = _right(tokens, i + 1)
        if left is None or right is None:
            continue
        if edits and edits[-1][1] > tokens[left].start:
            continue  # overlaps the previous rewrite: `a @> b @> c` is left as it is
        a = sql[tokens[left].start : token.start].strip()
        b = sql[tokens[i + 1].start : tokens[right].end].strip()
        edits.append((tokens[left].start, tokens[right].end, _call(token.text, a, b)))
    return edits


def _call(operator: str, a: str, b: str) -> str:
    if operator == "@>":
        return f"json_contains({a}, {b})"
    if operator == "<@":
        return f"json_contains({b}, {a})"
    if operator == "?":
        return (
            f"(CASE json_type({a}) WHEN 'OBJECT' THEN list_contains(json_keys({a}), {b})"
            f" WHEN 'ARRAY' THEN list_contains(CAST(json_extract_string({a}, '$[*]') AS"
            f" VARCHAR[]), {b}) ELSE json_extract_string({a}, '$') = {b} END)"
        )
    function = "list_has_any" if operator == "?|" else "list_has_all"
    return f"{function}(json_keys({a}), {b})"


def _left(tokens: tuple[Token, ...], op: int) -> int | None:
    """First token of the operand ending just before tokens[op]."""
    start = _primary_before(tokens, op)
    while start is not None and start >= 2 and tokens[start - 1].text in _STEPS:
        earlier = _primary_before(tokens, start - 1)
        if earlier is None:
            break
        start = earlier
    return start


def _primary_before(tokens: tuple[Token, ...], end: int) -> int | None:
    j = end - 1
    while j >= 1 and tokens[j - 1].kind == OP and tokens[j - 1].text == "::":
        j -= 2  # `x::type`: step over the cast (a one-word type)
    if j < 0:
        return None
    token = tokens[j]
    if token.kind == PUNCT and token.text == ")":
        depth = 0
        while j >= 0:
            if tokens[j].text == ")":
                depth += 1
            elif tokens[j].text == "(":
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        if j < 0:
            return None
        if j >= 1 and tokens[j - 1].kind in (WORD, IDENT):
            j -= 1  # a function call
        return j
    if token.kind in (STRING, NUMBER, PARAM):
        return j
    if token.kind in (WORD, IDENT):
        while j >= 2 and tokens[j - 1].text == "." and tokens[j - 2].kind in (WORD, IDENT):
            j -= 2
        return j
    return None


def _right(tokens: tuple[Token, ...], first: int) -> int | None:
    """Last token of the operand starting at tokens[first]."""
    if first >= len(tokens):
        return None
    j = first
    token = tokens[j]
    if token.kind in (WORD, IDENT) and j + 1 < len(tokens) and tokens[j + 1].text in "([":
        j += 1  # a function call, CAST(...), or ARRAY[...]
        token = tokens[j]
    if token.kind == PUNCT and token.text in "([":
        depth = 0
        while j < len(tokens):
            if tokens[j].text in "([":
                depth += 1
            elif tokens[j].text in ")]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(tokens):
            return None
    elif token.kind in (WORD, IDENT):
        while j + 2 < len(tokens) and tokens[j + 1].text == "." and tokens[j + 2].kind in (
            WORD, IDENT,
        ):  # fmt: skip
            j += 2
    elif token.kind not in (STRING, NUMBER, PARAM):
        return None
    while j + 2 < len(tokens) and tokens[j + 1].kind == OP and tokens[j + 1].text == "::":
        j += 2
        if j + 1 < len(tokens) and tokens[j + 1].text == "[":  # `::text[]`
            j += 2
    return j
