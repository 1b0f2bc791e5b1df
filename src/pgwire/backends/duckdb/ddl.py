"""PostgreSQL's column definitions that DuckDB lacks, rewritten on tokens before DuckDB sees
them (`DuckDBSession._parse`), each text once.

- `serial`, `bigserial`, `smallserial` (and `serial4`, `serial8`, `serial2`): the column
  becomes int4, int8 or int2, NOT NULL, `DEFAULT nextval('<table>_<column>_seq')`, and a
  `CREATE SEQUENCE` of that name (in the table's schema, TEMP for a temporary table) runs
  first, in the same transaction.
- `GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [ (options) ]`: the same, keeping the column's
  type; the options become the sequence's. For ALWAYS the sequence is marked (see
  identity.py), where explicit values are refused as PostgreSQL refuses them.
- `jsonb` as a type name (a column's type, `::jsonb`, `CAST(x AS jsonb)`, `TYPE jsonb`):
  DuckDB's JSON.

In CREATE TABLE and ALTER TABLE ... ADD [COLUMN]. `DROP TABLE` also drops the sequences its
columns own (`owned_sequences`): those named `<table>_<column>_seq` that the column's default
draws from. Clauses DuckDB's parser refuses and that change nothing on DuckDB are removed
(clauses.py), and jsonb's containment and key operators become DuckDB's JSON functions
(jsonops.py), in any statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pgwire.backends.duckdb.arrays import array_literal_edits
from pgwire.backends.duckdb.clauses import clause_edits
from pgwire.backends.duckdb.columns import MARKER, owned_sequence
from pgwire.backends.duckdb.jsonops import json_operator_edits
from pgwire.backends.duckdb.locking import locking_edits
from pgwire.backends.duckdb.unnest import unnest_edits
from pgwire.sql import lexer
from pgwire.sql.lexer import IDENT, OP, PUNCT, WORD, Token
from pgwire.sql.reader import TokenReader

__all__ = ["Rewrite", "dropped_tables", "owned_sequence", "quote_ident", "rewrite"]

_SERIALS = {
    "serial": "INTEGER", "serial4": "INTEGER", "bigserial": "BIGINT", "serial8": "BIGINT",
    "smallserial": "SMALLINT", "serial2": "SMALLINT",
}  # fmt: skip
_CONSTRAINT_WORDS = frozenset(
    {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE", "LIKE"}
)
_JSON_OPERATORS = ("@>", "<@", "?")
_HINTS = (
    "serial", "identity", "jsonb", "deferr", "initially", "btree", "_ops", "concurrently",
    "unnest", "[]", "for update", "for share", "for no key", "for key share",
    *_JSON_OPERATORS,
)  # fmt: skip
# Sequence options of PostgreSQL that DuckDB's CREATE SEQUENCE has no use for.
_DROPPED_OPTIONS = frozenset({"CACHE", "AS", "OWNED", "SEQUENCE"})
_SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_$]*\Z")


@dataclass(frozen=True, slots=True)
class Rewrite:
    """What DuckDB runs for a statement: `sequences` first, then `text`, in one transaction."""

    text: str
    sequences: tuple[str, ...] = ()


_cache: dict[str, Rewrite | None] = {}
_CACHE_SIZE = 1024


def rewrite(sql: str) -> Rewrite | None:
    """`sql` as DuckDB runs it; None when it needs no rewriting."""
    try:
        return _cache[sql]
    except KeyError:
        pass
    lowered = sql.lower()
    found = _rewrite(sql) if any(hint in lowered for hint in _HINTS) else None
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[sql] = found
    return found


def quote_ident(name: str) -> str:
    return name if _SIMPLE_NAME.match(name) else '"' + name.replace('"', '""') + '"'


def _rewrite(sql: str) -> Rewrite | None:
    tokens = lexer.code(sql)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text
    sequences: list[str] = []
    table = _table_of(sql)
    if table is not None:
        temporary, schema, name, items = table
        adding = tokens[0].keyword == "ALTER"
        for first, end in items:
            _column(tokens[first:end], schema, name, temporary, edits, sequences, adding)
    _jsonb(tokens, edits)
    edits.extend(clause_edits(tokens))
    edits.extend(array_literal_edits(tokens))
    edits.extend(locking_edits(tokens))
    text = _edited(sql, edits)
    if "unnest" in text.lower():  # on the text as edited: its arguments may have been
        text = _edited(text, unnest_edits(text, lexer.code(text)))
    if any(op in text for op in _JSON_OPERATORS):  # on the text as edited: `::JSON` casts
        text = _edited(text, json_operator_edits(text, lexer.code(text)))
    return None if text == sql else Rewrite(text, tuple(sequences))


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _table_of(
    sql: str,
) -> tuple[bool, str | None, str, list[tuple[int, int]]] | None:
    """(temporary, schema, table, token ranges of the column definitions) of a CREATE TABLE
    or ALTER TABLE ... ADD [COLUMN]; None for anything else."""
    reader = TokenReader(sql)
    temporary = False
    if reader.keyword("CREATE"):
        reader.keywords("OR", "REPLACE")
        reader.keyword("GLOBAL", "LOCAL")
        temporary = reader.keyword("TEMP", "TEMPORARY") is not None
        reader.keyword("UNLOGGED")
        if not reader.keyword("TABLE"):
            return None
        reader.keywords("IF", "NOT", "EXISTS")
        schema, name = _name(reader)
        if name is None or not reader.char("("):
            return None
        items = reader.bracketed()
        return None if items is None else (temporary, schema, name, items)
    if reader.keywords("ALTER", "TABLE"):
        reader.keywords("IF", "EXISTS")
        reader.keyword("ONLY")
        schema, name = _name(reader)
        if name is None or not reader.keyword("ADD"):
            return None
        reader.keyword("COLUMN")
        reader.keywords("IF", "NOT", "EXISTS")
        return False, schema, name, [(reader.i, len(reader.tokens))]
    return None


def _name(reader: TokenReader) -> tuple[str | None, str | None]:
    parts: list[str] = []
    while True:
        part = reader.name()
        if part is None:
            return None, None
        parts.append(part)
        if not reader.char("."):
            break
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _column(
    item: tuple[Token, ...],
    schema: str | None,
    table: str,
    temporary: bool,
    edits: list[tuple[int, int, str]],
    sequences: list[str],
    adding: bool = False,
) -> None:
    if len(item) < 2 or item[0].keyword in _CONSTRAINT_WORDS:
        return
    if item[0].kind not in (WORD, IDENT) or item[1].kind != WORD:
        return
    column = item[0].value
    serial = _SERIALS.get(item[1].value)
    identity = _identity(item)
    if serial is None and identity is None:
        return
    sequence = f"{table}_{column}_seq"
    qualified = (
        quote_ident(sequence)
        if schema is None
        else f"{quote_ident(schema)}.{quote_ident(sequence)}"
    )
    words = {t.keyword for t in item}
    # DuckDB refuses NOT NULL in ALTER TABLE ... ADD COLUMN on a table with rows: the
    # default fills every row there anyway.
    not_null = "" if "NULL" in words or adding else " NOT NULL"
    literal = "'" + qualified.replace("'", "''") + "'"
    default = f" DEFAULT nextval({literal}){not_null}"
    options = ""
    always = False
    if serial is not None:
        edits.append((item[1].start, item[1].end, serial + default))
    else:
        assert identity is not None
        first, last, options = identity
        always = item[first + 1].keyword == "ALWAYS"
        edits.append((item[first].start, item[last - 1].end, default.lstrip()))
    temp = "TEMP " if temporary else ""
    sequences.append(f"CREATE {temp}SEQUENCE {qualified}{options}")
    if always:
        sequences.append(f"COMMENT ON SEQUENCE {qualified} IS '{MARKER}'")


def _identity(item: tuple[Token, ...]) -> tuple[int, int, str] | None:
    """Where `GENERATED ... AS IDENTITY [(options)]` is in a column definition (token range)
    and the options as DuckDB's CREATE SEQUENCE takes them."""
    for i, token in enumerate(item):
        if token.keyword != "GENERATED":
            continue
        words = [t.keyword for t in item[i + 1 : i + 5]]
        if words[:3] == ["ALWAYS", "AS", "IDENTITY"]:
            end = i + 4
        elif words[:4] == ["BY", "DEFAULT", "AS", "IDENTITY"]:
            end = i + 5
        else:
            return None
        options = ""
        if end < len(item) and item[end].kind == PUNCT and item[end].text == "(":
            close = end + 1
            depth = 0
            while close < len(item) and not (depth == 0 and item[close].text == ")"):
                depth += {"(": 1, ")": -1}.get(item[close].text, 0)
                close += 1
            options = _sequence_options(item[end + 1 : close])
            end = close + 1
        return i, end, options
    return None


def _sequence_options(tokens: tuple[Token, ...]) -> str:
    kept: list[str] = []
    skip = 0
    for i, token in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        if token.keyword in _DROPPED_OPTIONS:
            skip = 1  # CACHE n, AS type, SEQUENCE NAME is not carried over
            if token.keyword == "SEQUENCE" and i + 1 < len(tokens):
                skip = 2
            continue
        kept.append(token.text)
    return (" " + " ".join(kept)) if kept else ""


def _jsonb(tokens: tuple[Token, ...], edits: list[tuple[int, int, str]]) -> None:
    """`jsonb` where a type name goes: after `::`, `AS` in a CAST, `TYPE`, or a column's
    name in a column definition."""
    for i, token in enumerate(tokens):
        if token.kind != WORD or token.value != "jsonb" or i == 0:
            continue
        before = tokens[i - 1]
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is not None and after.text == "(":
            continue  # a function
        is_type = (
            (before.kind == OP and before.text == "::")
            or before.keyword == "TYPE"
            or (before.keyword == "AS" and after is not None and after.text in (")", "["))
            or (
                before.kind in (WORD, IDENT)
                and i >= 2
                and (
                    (tokens[i - 2].kind == PUNCT and tokens[i - 2].text in ("(", ","))
                    or tokens[i - 2].keyword in ("ADD", "COLUMN")
                )
            )
        )
        if is_type:
            edits.append((token.start, token.end, "JSON"))


def dropped_tables(sql: str) -> list[tuple[str | None, str]]:
    """The tables a `DROP TABLE` names, as (schema or None, name); [] for anything else."""
    reader = TokenReader(sql)
    if not reader.keywords("DROP", "TABLE"):
        return []
    reader.keywords("IF", "EXISTS")
    names: list[tuple[str | None, str]] = []
    while True:
        schema, name = _name(reader)
        if name is None:
            return []
        names.append((schema, name))
        if not reader.char(","):
            return names
