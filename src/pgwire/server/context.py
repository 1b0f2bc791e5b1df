"""What the front-end commands may use of a session: narrow protocols, not the session itself.

SET/SHOW, PREPARE/EXECUTE and cursors, COPY and LISTEN/NOTIFY are answered by the front end,
never by a backend. Each command module is handed the session typed as the protocol below
that it needs, so the arrows run one way: `session` imports the commands, no command imports
`session`. LISTEN/NOTIFY's protocol lives in `notify` with the state it hands out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from pgwire.errors import PgError
from pgwire.handler import Handler, Result
from pgwire.protocol import messages as m
from pgwire.server.parameters import Parameters
from pgwire.server.portals import Portal, Prepared, PreparedStatement
from pgwire.server.results import ResultStream
from pgwire.server.transaction import Transaction
from pgwire.settings import Settings


class Output(Protocol):
    """Messages to the client, written at the session's next flush point."""

    def send(self, message: m.Message) -> None: ...

    def send_notice(self, notice: PgError) -> None: ...


class PortalContext(Protocol):
    """PREPARE / EXECUTE / DEALLOCATE and DECLARE / FETCH / MOVE / CLOSE."""

    @property
    def prepared(self) -> Prepared: ...

    @property
    def transaction(self) -> Transaction: ...

    def prepare(self, name: str, sql: str, declared: Sequence[int]) -> PreparedStatement: ...

    async def run_statement(
        self, sql: str, params: Sequence[Any] | None = None, types: Sequence[int] = ()
    ) -> Result: ...

    async def start_portal(self, portal: Portal) -> None: ...

    async def describe_statement(self, statement: PreparedStatement) -> None: ...


class QueryContext(Protocol):
    """What the simple and extended protocols both use of their session."""

    @property
    def handler(self) -> Handler: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def transaction(self) -> Transaction: ...

    @property
    def prepared(self) -> Prepared: ...

    def send(self, message: m.Message) -> None: ...

    async def run_statement(
        self, sql: str, params: Sequence[Any] | None = None, types: Sequence[int] = ()
    ) -> Result: ...

    async def run_hidden(self, sql: str) -> None: ...

    async def run_guarded(self, step: Callable[..., Awaitable[None]], *args: Any) -> bool: ...

    async def stream_rows(self, stream: ResultStream, max_rows: int) -> int: ...


class ParameterContext(Output, Protocol):
    """SET / RESET / SHOW / DISCARD, set_config() and current_setting()."""

    @property
    def settings(self) -> Settings: ...

    @property
    def parameters(self) -> Parameters: ...

    @property
    def transaction(self) -> Transaction: ...

    async def discard_all(self) -> None: ...


class CopyContext(Output, Protocol):
    """COPY ... FROM STDIN / TO STDOUT: the sub-protocol over the session's connection."""

    @property
    def handler(self) -> Handler: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def transaction(self) -> Transaction: ...

    def send_encoded(self, data: bytes) -> None: ...

    async def flush_if_full(self) -> None: ...

    async def next_message(self) -> m.Message | None: ...
