"""Which statements the front end answers itself, which of its modules answers each, and
what a statement may write that a savepoint kept by the front end could not undo."""

from __future__ import annotations

import functools

from pgwire import sql as sqltext
from pgwire.copy.statement import is_copy
from pgwire.server import setcommands, sqlcommands
from pgwire.server.locksql import is_lock_command
from pgwire.server.locktable import is_lock_table
from pgwire.server.notifysql import is_notify_command


@functools.lru_cache(maxsize=4096)  # asked of every statement: decide once per text
def front_end_kind(sql: str) -> str | None:
    """ "sql" (PREPARE, cursors), "set" (SET, SHOW, ...), "copy", "notify", "lock" (advisory
    locks) or "lock table" for the statements the front end runs; None for the backend's."""
    if sqlcommands.is_front_end_command(sql):
        return "sql"
    if setcommands.is_set_command(sql):
        return "set"
    if is_copy(sql):
        return "copy"
    if is_notify_command(sql):
        return "notify"
    if is_lock_command(sql):
        return "lock"
    if is_lock_table(sql):
        return "lock table"
    return None


_UNDONE_BY_THE_FRONT_END = frozenset({"PREPARE", "DEALLOCATE", "EXECUTE"})


@functools.lru_cache(maxsize=4096)
def write_kind(sql: str) -> str | None:
    """What a statement may write that a kept savepoint could not undo (None: nothing).

    LISTEN/UNLISTEN/NOTIFY follow savepoints in the front end; PREPARE and DEALLOCATE are not
    transactional in PostgreSQL either; EXECUTE's statement is judged when it runs.
    """
    kind = front_end_kind(sql)
    if kind == "notify":
        return None
    if kind == "sql" and sqltext.leading_words(sql, 1)[0] in _UNDONE_BY_THE_FRONT_END:
        return None
    return sqltext.write_kind(sql)
