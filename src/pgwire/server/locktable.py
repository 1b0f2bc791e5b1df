"""LOCK [TABLE] [ONLY] name [*] [, ...] [IN mode MODE] [NOWAIT], answered by the front end.

pg_dump locks every table it dumps IN ACCESS SHARE MODE inside its REPEATABLE READ
transaction, so that no one drops or alters them meanwhile. The backends read a transaction's
tables from a snapshot of their own (DuckDB's MVCC, SQLite's read transaction), so the
shared modes, which only keep out schema changes, are accepted once each table is found to
exist; the modes that would block other writers are refused with 0A000 rather than silently
not taken.
"""

from __future__ import annotations

import functools

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Command, Result, Rows, resolve
from pgwire.server.context import QueryContext
from pgwire.server.transaction import IDLE
from pgwire.sql import lexer
from pgwire.sql.reader import TokenReader

_SHARED_MODES = ("ACCESS SHARE", "ROW SHARE")
_MODES = (*_SHARED_MODES, "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE",
          "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE")  # fmt: skip


@functools.lru_cache(maxsize=4096)
def is_lock_table(sql: str) -> bool:
    return sqltext.leading_words(sql, 1) == ["LOCK"]


def parse(sql: str) -> tuple[list[str], str]:
    """The tables (as written, to name them to the backend) and the mode."""
    r = TokenReader(sql)
    r.keyword("LOCK")
    r.keyword("TABLE")
    tables: list[str] = []
    while True:
        r.keyword("ONLY")
        start = r.i
        if r.qualified_name() is None:
            raise r.error()
        tables.append(r.text(start, r.i))
        r.char("*")
        if not r.char(","):
            break
    mode = "ACCESS EXCLUSIVE"  # PostgreSQL's default
    if r.keyword("IN"):
        words: list[str] = []
        while (token := r.peek()) is not None and token.kind == lexer.WORD:
            if token.text.upper() == "MODE":
                break
            words.append(token.text.upper())
            r.take()
        mode = " ".join(words)
        if mode not in _MODES or not r.keyword("MODE"):
            raise r.error()
    r.keyword("NOWAIT")
    if not r.at_end():
        raise r.error()
    return tables, mode


async def run(ctx: QueryContext, sql: str) -> Result:
    tables, mode = parse(sql)
    if ctx.transaction.status == IDLE:
        raise PgError(
            "LOCK TABLE can only be used in transaction blocks", sqlstate.NO_ACTIVE_SQL_TRANSACTION
        )
    if mode not in _SHARED_MODES:
        raise PgError(
            f"LOCK TABLE IN {mode} MODE is not supported",
            sqlstate.FEATURE_NOT_SUPPORTED,
            hint="pgwire takes only the shared modes (ACCESS SHARE, ROW SHARE).",
        )
    for table in tables:  # 42P01 from the backend when one does not exist
        result = await resolve(ctx.handler.query(f"SELECT 1 FROM {table} LIMIT 0"))
        if isinstance(result, Rows) and result.batches is not None:
            async for _ in result.batches:
                pass
    return Command("LOCK TABLE")
