"""PostgreSQL's column names inside a statement: the unnamed columns of a view, of CREATE
TABLE ... AS, of a subquery in FROM and of a WITH query get PostgreSQL's name as an alias
(`count(*)` becomes `count(*) AS "count"`), so that `SELECT * FROM v`, the table's columns
and `s.count` are named as on PostgreSQL. DuckDB would name them after the expression's text.

The statement's own result columns are renamed afterwards instead (names.rename), which
also keeps the duplicate names PostgreSQL allows there (`SELECT 1, 2`: two `?column?`).
"""

from __future__ import annotations

from collections.abc import Iterator

from pgwire.backends.duckdb.dialect.edits import Edit
from pgwire.backends.duckdb.dialect.names import UNNAMED, figure
from pgwire.backends.duckdb.dialect.schema import Schema
from pgwire.backends.duckdb.dialect.tree import Node, Tree, parse, walk
from pgwire.sql.lexer import PUNCT, WORD, Token

__all__ = ["edits"]

# Words that end a select list's last item (at parenthesis depth 0).
_ENDS = frozenset(
    {"FROM", "INTO", "WHERE", "GROUP", "HAVING", "WINDOW", "ORDER", "LIMIT", "OFFSET",
     "FETCH", "UNION", "INTERSECT", "EXCEPT", "FOR", "RETURNING"}
)  # fmt: skip


def edits(tree: Tree, schema: Schema) -> Iterator[Edit]:
    for select in _named_queries(tree):
        while select.get("op", "SETOP_NONE") != "SETOP_NONE":
            select = select["larg"]
        for target in select.get("targetList", ()):
            fields = target["ResTarget"]
            value = fields.get("val", {})
            if "name" in fields or "ColumnRef" in value:
                continue  # named already, or DuckDB names it after the column as PostgreSQL does
            start = fields["location"]
            end = _end(tree, start)
            if end is not None and _whole_expression(tree.text[start:end]):
                name = figure(value)[0] or UNNAMED
                yield end, end, ' AS "' + name.replace('"', '""') + '"'


def _named_queries(tree: Tree) -> Iterator[Node]:
    """The SELECTs whose column names are seen by name: views, CREATE TABLE AS, subqueries
    in FROM and WITH queries without column lists of their own."""
    for statement in tree.statements:
        for kind, fields in walk(statement):
            query = None
            if kind in ("ViewStmt", "CreateTableAsStmt") and not _has_columns(kind, fields):
                query = fields.get("query")
            elif kind == "RangeSubselect" and not fields.get("alias", {}).get("Alias", {}).get(
                "colnames"
            ):
                query = fields.get("subquery")
            elif kind == "CommonTableExpr" and not fields.get("aliascolnames"):
                query = fields.get("ctequery")
            if query is not None and "SelectStmt" in query:
                yield query["SelectStmt"]


def _has_columns(kind: str, fields: Node) -> bool:
    if kind == "ViewStmt":
        return bool(fields.get("aliases"))
    return bool(fields.get("into", {}).get("colNames"))


def _inside(previous: Token | None) -> bool:
    """Whether a clause word after `previous` is part of the expression: WITHIN GROUP,
    IS [NOT] DISTINCT FROM."""
    return previous is not None and previous.text.upper() in ("WITHIN", "DISTINCT")


def _whole_expression(text: str) -> bool:
    """Whether `text` is one select-list item without an alias (`_end` may stop early at a
    word it takes for a clause's: `a IS DISTINCT FROM b`, `rank(1) WITHIN GROUP (...)`)."""
    parsed = parse("SELECT " + text)
    if parsed is None or len(parsed.statements) != 1:
        return False
    targets = parsed.statements[0].get("SelectStmt", {}).get("targetList", ())
    return len(targets) == 1 and "name" not in targets[0]["ResTarget"]


def _end(tree: Tree, start: int) -> int | None:
    """Where the select-list item starting at `start` ends: before the `,` or the clause
    that follows it at the same parenthesis depth."""
    tokens = tree.tokens
    i = tree.token_at(start)
    if i >= len(tokens) or tokens[i].start != start:
        return None
    depth = 0
    last = None
    for token in tokens[i:]:
        if token.kind == PUNCT and token.text in "([":
            depth += 1
        elif token.kind == PUNCT and token.text in ")]":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (
            (token.kind == PUNCT and token.text in ",;")
            or (token.kind == WORD and token.text.upper() in _ENDS and not _inside(last))
        ):
            break
        last = token
    return None if last is None else last.start + len(last.text)
