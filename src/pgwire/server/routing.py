"""Which statements the front end answers itself, and which of its modules answers each."""

from __future__ import annotations

import functools

from pgwire.copy.statement import is_copy
from pgwire.server import setcommands, sqlcommands
from pgwire.server.notifysql import is_notify_command


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def front_end_kind(sql: str) -> str | None:
    """ "sql" (PREPARE, cursors), "set" (SET, SHOW, ...), "copy" or "notify" for the
    statements the front end runs; None for the backend's."""
    if sqlcommands.is_front_end_command(sql):
        return "sql"
    if setcommands.is_set_command(sql):
        return "set"
    if is_copy(sql):
        return "copy"
    if is_notify_command(sql):
        return "notify"
    return None
