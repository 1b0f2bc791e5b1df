"""Where the server finds a user's stored secret: a dict, a TOML users file, or a callable.

A source answers `secret_for(user)` with the stored secret (a password, an md5 hash or a
SCRAM verifier) or None for an unknown user. Secrets are never logged.
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Protocol


class CredentialSource(Protocol):
    async def secret_for(self, user: str) -> str | None: ...


class DictSource:
    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = dict(users)

    async def secret_for(self, user: str) -> str | None:
        return self._users.get(user)

    def items(self) -> list[tuple[str, str]]:
        return list(self._users.items())

    def __repr__(self) -> str:
        return f"DictSource({len(self._users)} users)"


class UsersFile(DictSource):
    """A TOML file with a [users] table of `name = "secret"` lines."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self.path.open("rb") as f:
            data = tomllib.load(f)
        users = data.get("users")
        if not isinstance(users, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in users.items()
        ):
            raise ValueError(f'{self.path}: expected a [users] table of name = "secret" lines')
        super().__init__(users)


class CallableSource:
    """Wraps `fn(user) -> secret | None`, plain or async, for custom lookups."""

    def __init__(self, fn: Callable[[str], str | Awaitable[str | None] | None]) -> None:
        self._fn = fn

    async def secret_for(self, user: str) -> str | None:
        result = self._fn(user)
        if inspect.isawaitable(result):
            return await result
        return result
