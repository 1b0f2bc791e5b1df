"""Syntax errors found at Parse, as PostgreSQL finds them: DuckDB's parser, grammar only.

DuckDB's parser is PostgreSQL's grammar (with DuckDB's additions), so a text it rejects is
one PostgreSQL would reject at Parse too. Parsing reads no catalog: one parser connection
serves every session, from the event loop's thread, and each text's verdict is kept.
"""

from __future__ import annotations

import threading

import duckdb

from pgwire.backends.duckdb.errors import to_pg_error
from pgwire.backends.inheritance import drop_only
from pgwire.backends.syntax_cache import syntax_check
from pgwire.errors import PgError

__all__ = ["check_syntax"]

_parser: duckdb.DuckDBPyConnection | None = None
_parser_lock = threading.Lock()


def _verdict(sql: str) -> PgError | None:
    """The 42601 error (with DuckDB's position) when DuckDB's parser rejects `sql`."""
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect()  # made on first use: never before a fork (--workers)
        try:
            _parser.extract_statements(drop_only(sql))
        except duckdb.ParserException as exc:
            return to_pg_error(exc, sql)
        except duckdb.Error:
            return None  # not a verdict on the grammar: running it will tell
    return None


check_syntax = syntax_check(_verdict)
