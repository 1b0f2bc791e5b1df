"""A blocking client over the sans-IO core, for tests that need exact control of messages.

It speaks to pgwire and to PostgreSQL 15 alike, so a test can send the same messages to
both and compare what comes back.
"""

from __future__ import annotations

import contextlib
import socket
from types import TracebackType
from typing import Self

from pgwire.protocol import messages as m
from pgwire.protocol.connection import NEED_DATA, Connection, Role, State


class RawClient:
    def __init__(self, host: str, port: int, timeout: float = 20.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.conn = Connection(Role.CLIENT)
        self.backend_key: m.BackendKeyData | None = None
        self.parameters: dict[str, str] = {}

    def send(self, *msgs: m.Message) -> None:
        self.sock.sendall(b"".join(self.conn.send(x) for x in msgs))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def next(self) -> m.Message:
        while True:
            event = self.conn.next_event()
            if event is not NEED_DATA:
                assert isinstance(event, m.Message)
                return event
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            self.conn.receive_data(data)

    def until(self, cls: type[m.Message] = m.ReadyForQuery) -> list[m.Message]:
        out: list[m.Message] = []
        while True:
            msg = self.next()
            out.append(msg)
            if isinstance(msg, cls):
                return out

    def startup(self, user: str = "postgres", database: str = "postgres", **params: str) -> Self:
        self.send(m.StartupMessage(parameters={"user": user, "database": database, **params}))
        for msg in self.until(m.ReadyForQuery):
            if isinstance(msg, m.BackendKeyData):
                self.backend_key = msg
            elif isinstance(msg, m.ParameterStatus):
                self.parameters[msg.name] = msg.value
            elif isinstance(msg, m.ErrorResponse):
                raise msg.to_error()
        return self

    def query(self, sql: str) -> list[m.Message]:
        self.send(m.Query(sql))
        return self.until(m.ReadyForQuery)

    def close(self) -> None:
        if self.conn.state is not State.CLOSED:
            with contextlib.suppress(OSError):
                self.send(m.Terminate())
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def summary(msgs: list[m.Message]) -> list[str]:
    """Messages as short comparable strings: type, plus tag/SQLSTATE/values where they matter."""
    out = []
    for msg in msgs:
        if isinstance(msg, m.CommandComplete):
            out.append(f"C:{msg.tag}")
        elif isinstance(msg, m.ErrorResponse):
            out.append(f"E:{msg.fields.get('C')}")
        elif isinstance(msg, m.DataRow):
            out.append("D:" + ",".join("NULL" if v is None else v.hex() for v in msg.values))
        elif isinstance(msg, m.ReadyForQuery):
            out.append(f"Z:{msg.status}")
        elif isinstance(msg, m.RowDescription):
            out.append("T:" + ",".join(f"{f.name}/{f.format}" for f in msg.fields))
        elif isinstance(msg, m.NoticeResponse):
            out.append(f"N:{msg.fields.get('C')}")
        else:
            out.append(type(msg).__name__)
    return out
