"""A session's parameters at work: SET and RESET reach the settings, the backend and the client.

`pgwire.settings` validates values and keeps PostgreSQL's undo rules (SET LOCAL, a rolled-back
SET); this object carries each change on to the handler's `set_parameter` and, for the
parameters PostgreSQL reports (GUC_REPORT), to the client as ParameterStatus.
"""

from __future__ import annotations

from collections.abc import Callable

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.handler import Handler, resolve
from pgwire.protocol import messages as m
from pgwire.settings import Settings


class Parameters:
    __slots__ = ("handler", "send", "settings")

    def __init__(
        self, settings: Settings, handler: Handler, send: Callable[[m.Message], None]
    ) -> None:
        self.settings = settings
        self.handler = handler
        self.send = send

    async def apply_startup(self) -> None:
        """Tell the handler the values the startup packet changed from the defaults."""
        for name, value in self.settings.changed_from_defaults().items():
            await resolve(self.handler.set_parameter(name, value))

    async def set(self, name: str, value: str | None, *, local: bool, in_block: bool) -> None:
        """SET (value) or RESET (None) one parameter, telling the client and the backend."""
        settings = self.settings
        known = settings.known(name)
        if value is None:
            value = settings.session_defaults.get(name.lower())
        if known is None and "." not in name:
            # Not ours: perhaps the backend's own (DuckDB: threads, memory_limit, ...).
            if not await resolve(self.handler.set_parameter(name, value)):
                raise PgError(
                    f'unrecognized configuration parameter "{name}"', sqlstate.UNDEFINED_OBJECT
                )
            if value is not None:
                settings.set(name, value, local=local, in_transaction=in_block)
            return
        if value is None:
            settings.get(name)  # 42704 for a custom option never set
            value = ""
        before = settings.values.get(name.lower())
        new = settings.set(name, value, local=local, in_transaction=in_block)
        if known is not None:
            await resolve(self.handler.set_parameter(known.name, new))
            if known.reported and new != before:
                self.send(m.ParameterStatus(known.name, new))

    async def reset_all(self, *, in_block: bool) -> None:
        before = dict(self.settings.values)
        self.settings.reset_all(in_transaction=in_block)
        await self._changed(before)

    async def transaction_ended(self, committed: bool) -> None:
        before = dict(self.settings.values)
        self.settings.end_transaction(committed)
        await self._changed(before)

    async def _changed(self, before: dict[str, str]) -> None:
        for key, value in self.settings.values.items():
            if before.get(key) == value:
                continue
            known = self.settings.known(key)
            name = known.name if known is not None else key
            await resolve(self.handler.set_parameter(name, value))
            if known is not None and known.reported:
                self.send(m.ParameterStatus(known.name, value))
