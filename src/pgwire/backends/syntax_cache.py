"""A backend's syntax check at Parse, kept per statement text (`Handler.check_syntax`).

A backend gives `syntax_check` its verdict on one text (the 42601 PgError, or None); the
check made of it skips very long texts (bulk INSERTs, whose errors come when they run),
remembers each verdict, and raises a copy, since callers may adjust the fields of the one
they get.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

from pgwire.errors import PgError

__all__ = ["MAX_CHECKED", "syntax_check"]

MAX_CHECKED = 64 * 1024  # longer texts are not parsed twice


def syntax_check(verdict: Callable[[str], PgError | None]) -> Callable[[str], None]:
    remembered = functools.lru_cache(maxsize=4096)(verdict)

    def check(sql: str) -> None:
        if len(sql) > MAX_CHECKED:
            return
        error = remembered(sql)
        if error is not None:
            raise copy.copy(error)

    return check
