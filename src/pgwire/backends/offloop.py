"""Running a backend's blocking calls off the event loop, interruptibly.

One slow query must never stall the other connections, so DuckDB and SQLite calls run in a
thread pool. When the awaiting task is cancelled (a cancel request, statement_timeout, the
client gone), the backend is told to stop, and the worker is awaited before anyone uses the
connection again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")


async def run_interruptible(
    executor: Executor, interrupt: Callable[[], None], fn: Callable[..., T], *args: Any
) -> T:
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(executor, fn, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        interrupt()
        with contextlib.suppress(BaseException):
            await future
        raise
