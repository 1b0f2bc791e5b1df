"""The advisory-lock functions, answered by the front end; waiting for a lock on the event loop.

`SELECT pg_advisory_lock(...)` and its kin (`locksql` reads them) never reach the backend.
Each session's `SessionLocks` asks the server's one `LockManager` (`locks`, the rules) and
does the waiting: a blocked request awaits a future the manager's grant resolves, so other
sessions and the event loop carry on; a cancel or statement_timeout takes the request out of
the queue (57014), and a wait that would deadlock fails at once with 40P01.

Transaction-level locks go at the end of their transaction: COMMIT or ROLLBACK of a block,
else the next ReadyForQuery (the end of a Query's implicit transaction, or a Sync). Session
ending, every lock goes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from pgwire import sql as sqltext
from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Column, Description, Result, Rows
from pgwire.server.context import Output
from pgwire.server.locks import SESSION, XACT, Deadlock, LockKey, LockManager
from pgwire.server.locksql import (
    INT4_MAX,
    INT4_MIN,
    LOCK,
    TRY,
    UNLOCK,
    UNLOCK_ALL,
    Arg,
    LockCall,
    bigint_input,
    is_lock_command,
    parameter_types,
    parse,
)

__all__ = ["LockContext", "SessionLocks", "describe", "run"]

T = TypeVar("T")


class SessionLocks:
    """One session's side of the lock manager: its requests, and its waits."""

    __slots__ = ("database", "manager", "owner")

    def __init__(self, manager: LockManager, owner: int, database: str) -> None:
        self.manager = manager
        self.owner = owner  # the session's process id
        self.database = database

    def try_lock(self, key: LockKey, mode: str, level: str) -> bool:
        return self.manager.try_acquire(self.owner, key, mode, level)

    async def lock(self, key: LockKey, mode: str, level: str) -> None:
        manager = self.manager
        if manager.try_acquire(self.owner, key, mode, level):
            return
        granted = asyncio.get_running_loop().create_future()

        def grant() -> None:
            if not granted.done():
                granted.set_result(None)

        try:
            waiter = manager.enqueue(self.owner, key, mode, level, grant)
        except Deadlock as deadlock:
            raise PgError(
                "deadlock detected",
                sqlstate.T_R_DEADLOCK_DETECTED,
                detail=deadlock.detail(),
                hint="See server log for query details.",
            ) from None
        try:
            await granted
        except BaseException:
            manager.abandon(waiter)  # out of the queue, or what it just got given back
            raise

    def unlock(self, key: LockKey, mode: str) -> bool:
        return self.manager.release(self.owner, key, mode, SESSION)

    def unlock_all(self) -> None:
        self.manager.release_level(self.owner, SESSION)

    def transaction_ended(self) -> None:
        """The transaction ended (committed or not): its locks go."""
        self.manager.release_level(self.owner, XACT)

    def close(self) -> None:
        self.manager.release_owner(self.owner)


class LockContext(Output, Protocol):
    def lock_state(self) -> SessionLocks:
        """The session's advisory locks, made on its first call of a lock function."""
        ...

    async def with_timeout(self, call: Awaitable[T]) -> T: ...


async def run(ctx: LockContext, sql: str, params: Sequence[Any] | None) -> Result:
    """Run `SELECT pg_advisory_lock(...) [, ...]` for a session: one row, a value per call."""
    calls = parse(sql)
    state = ctx.lock_state()
    row = [await _call(ctx, state, call, params) for call in calls]
    return Rows([Column(c.label, c.result_type) for c in calls], [tuple(row)])


async def _call(
    ctx: LockContext, state: SessionLocks, call: LockCall, params: Sequence[Any] | None
) -> Any:
    if call.action == UNLOCK_ALL:
        state.unlock_all()
        return ""
    key = _key(state.database, call.args, params)
    if key is None:
        return None  # strict functions: NULL in, NULL out, nothing done
    if call.action == LOCK:
        await ctx.with_timeout(state.lock(key, call.mode, call.level))
        return ""
    if call.action == TRY:
        return state.try_lock(key, call.mode, call.level)
    assert call.action == UNLOCK
    if state.unlock(key, call.mode):
        return True
    ctx.send_notice(
        PgError(f"you don't own a lock of type {call.mode}", sqlstate.WARNING, severity="WARNING")
    )
    return False


def describe(sql: str) -> Description | None:
    """What an advisory-lock statement takes and returns; None for any other statement."""
    if not is_lock_command(sql):
        return None
    calls = parse(sql)
    return Description(
        parameter_types(calls, sqltext.parameter_count(sql)),
        [Column(c.label, c.result_type) for c in calls],
    )


def _key(database: str, args: tuple[Arg, ...], params: Sequence[Any] | None) -> LockKey | None:
    values = [_value(arg, params, len(args) == 2) for arg in args]
    if any(v is None for v in values):
        return None
    if len(values) == 1:
        assert values[0] is not None
        return LockKey.bigint(database, values[0])
    key1, key2 = values
    assert key1 is not None and key2 is not None
    return LockKey.pair(database, key1, key2)


def _value(arg: Arg, params: Sequence[Any] | None, int4: bool) -> int | None:
    if not arg.param:
        value = arg.value
    else:
        if params is None or arg.param > len(params):
            raise PgError(f"there is no parameter ${arg.param}", sqlstate.UNDEFINED_PARAMETER)
        value = _integer(params[arg.param - 1])
    if value is not None and int4 and not INT4_MIN <= value <= INT4_MAX:
        raise PgError("integer out of range", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
    return value


def _integer(value: Any) -> int | None:
    """A parameter's value as a key, whatever type the client sent it as."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        return bigint_input(value)
    if isinstance(value, float | Decimal):
        try:
            whole = int(value)
        except (ValueError, OverflowError):  # NaN, infinity
            whole = None
        if whole is not None and whole == value:
            return bigint_input(str(whole))
    raise PgError(
        f'invalid input syntax for type bigint: "{value}"', sqlstate.INVALID_TEXT_REPRESENTATION
    )
