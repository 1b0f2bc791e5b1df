"""Syntax errors found at Parse, as PostgreSQL finds them.

A statement is translated at Parse (the translation is cached, so running it costs nothing
more): one sqlglot reads as PostgreSQL is fine. One it cannot read goes to SQLite as
written, and SQLite's parser judges it on a connection of its own with no tables: SQLite
checks the grammar before it looks up names, so only a syntax error is a verdict (42601,
with the position of the token SQLite names). Each text's verdict is kept.
"""

from __future__ import annotations

import sqlite3
import threading

from pgwire import sqlstate
from pgwire.backends.sqlite.errors import to_pg_error
from pgwire.backends.sqlite.sql import translate
from pgwire.backends.syntax_cache import syntax_check
from pgwire.errors import PgError

__all__ = ["check_syntax"]

_parser: sqlite3.Connection | None = None
_parser_lock = threading.Lock()


def _verdict(sql: str) -> PgError | None:
    """The 42601 error when neither sqlglot nor SQLite can read `sql`."""
    try:
        translation = translate(sql)
    except PgError as exc:
        return exc if exc.sqlstate == sqlstate.SYNTAX_ERROR else None
    if not translation.passthrough or not translation.text:
        return None
    return _sqlite_verdict(translation.text, sql)


def _sqlite_verdict(text: str, sql: str) -> PgError | None:
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            _parser.execute(f"EXPLAIN {text}").close()
        except sqlite3.OperationalError as exc:
            error = to_pg_error(exc, sql)
            if error.sqlstate != sqlstate.SYNTAX_ERROR:
                return None
            if error.position is None:  # "incomplete input": at its end, as PostgreSQL says
                error.position = len(sql.rstrip().rstrip(";")) + 1
            return error
        except sqlite3.Error:
            return None  # not about the grammar (parameters not bound, ...)
    return None


check_syntax = syntax_check(_verdict)
