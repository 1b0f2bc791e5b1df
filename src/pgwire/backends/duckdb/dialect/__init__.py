"""PostgreSQL's meaning on DuckDB: a statement as PostgreSQL reads it, made into one DuckDB
runs with PostgreSQL's results.

DuckDB's parser is a descendant of PostgreSQL's, so most statements run as written; where
DuckDB gives the same text another meaning (`7/2` is 3.5, `numeric` is DECIMAL(18,3),
`format('%s', x)` is fmt's), or lacks a form, the statement is edited before DuckDB sees it.
Where a DuckDB setting gives PostgreSQL's meaning it is set instead (`settings`).

Each pass (one module per concern, listed in `PASSES`) reads the statement's parse tree from
PostgreSQL's own grammar (pglast; see `tree`) and returns edits of the text; the text is
parsed again after a pass that changed it, so a pass sees what the passes before it wrote.
A text PostgreSQL's grammar does not accept (DuckDB's own dialect) passes through untouched.

PostgreSQL functions DuckDB lacks, or has under another meaning, are DuckDB macros named
`pg_<name>` (`MACROS`, gathered from the passes' modules); a pass renames the call, and the
session creates the macros a statement uses as TEMP macros of its own connection before the
statement first runs (`Translation.macros`): nothing is written into the user's database.

`translate` is cached per text (and schema version, for the passes that read the tables'
column types); `column_names` gives PostgreSQL's names for the result's columns (`names`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pgwire.backends.duckdb.dialect import aliases, division
from pgwire.backends.duckdb.dialect.edits import Edit, apply
from pgwire.backends.duckdb.dialect.names import rename, target_names
from pgwire.backends.duckdb.dialect.schema import Schema
from pgwire.backends.duckdb.dialect.settings import SETTINGS
from pgwire.backends.duckdb.dialect.tree import Tree, parse

__all__ = [
    "MACROS",
    "SETTINGS",
    "Schema",
    "Translation",
    "column_names",
    "rename",
    "syntax_text",
    "translate",
]

Pass = Callable[[Tree, Schema], Iterable[Edit]]

# In order; each sees the text as the passes before it left it.
PASSES: tuple[Pass, ...] = (division.edits, aliases.edits)

# name → the CREATE OR REPLACE TEMP MACRO statement that defines it, of every pass's module.
MACROS: dict[str, str] = {}

CACHE_SIZE = 2048
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Translation:
    text: str  # what DuckDB runs
    macros: tuple[str, ...] = ()  # the statements creating the macros it calls (MACROS)


@dataclass(frozen=True, slots=True)
class _Translated:
    translation: Translation
    version: int | None  # the schema version the passes read; None: they read no table


_translated: dict[str, _Translated] = {}
_names: dict[str, tuple[str | None, ...] | None] = {}


def translate(sql: str, schema: Schema) -> Translation:
    """`sql` as DuckDB runs it with PostgreSQL's meaning (`sql` itself when nothing changes)."""
    found = _translated.get(sql)
    if found is not None and (found.version is None or found.version == schema.version):
        return found.translation
    reads_before = schema.reads
    text = _translate(sql, schema)
    version = schema.version if schema.reads != reads_before else None
    macros = tuple(create for name, create in MACROS.items() if name in text) if text != sql else ()
    translation = Translation(text, macros)
    if len(_translated) >= CACHE_SIZE:
        _translated.clear()
    _translated[sql] = _Translated(translation, version)
    return translation


def syntax_text(sql: str) -> str:
    """`sql` translated without reading the tables (nor the cache): for judging the syntax
    at Parse, where a statement DuckDB's parser refuses as written may be PostgreSQL's."""
    return _translate(sql, Schema())


def _translate(sql: str, schema: Schema) -> str:
    try:
        return _passes(sql, schema)
    except Exception:  # a pass's own bug: the statement runs as written, and it is logged
        _log.exception("could not translate for DuckDB: %.200s", sql)
        return sql


def _passes(sql: str, schema: Schema) -> str:
    tree = parse(sql)
    if tree is None:
        return sql
    for one_pass in PASSES:
        edits = list(one_pass(tree, schema))
        if edits:
            changed = parse(apply(tree.text, edits))
            if changed is None:  # a pass wrote what PostgreSQL's grammar refuses: its bug
                raise AssertionError(f"{one_pass.__module__} made an unparsable statement")
            tree = changed
    return tree.text


def column_names(sql: str) -> tuple[str | None, ...] | None:
    """PostgreSQL's names for the columns `sql` returns (see names.py), per text; None when
    PostgreSQL's grammar does not read it or it returns no rows."""
    try:
        return _names[sql]
    except KeyError:
        pass
    tree = parse(sql)
    try:
        names = None if tree is None else target_names(tree)
    except (KeyError, IndexError, TypeError, ValueError):  # a tree names.py does not know
        _log.exception("could not name the columns of: %.200s", sql)
        names = None
    if len(_names) >= CACHE_SIZE:
        _names.clear()
    _names[sql] = names
    return names
