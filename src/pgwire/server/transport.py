"""The asyncio side of one connection: bytes in and out, with flow control both ways.

`data_received` feeds the sans-IO Connection directly and wakes the session task; reading
pauses while too much unprocessed input is buffered, writing waits (`drain`) while the
socket's buffer is full, so neither a fast client nor a slow one makes the server hoard memory.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from typing import Any

from pgwire.protocol.connection import Connection
from pgwire.server.tls import TLSLayer

log = logging.getLogger("pgwire.transport")

READ_PAUSE_AT = 4 * 1024 * 1024  # unprocessed input bytes before we stop reading


class StreamTransport(asyncio.Protocol):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.closed = False
        self._reading_paused = False
        self._write_paused = False
        self._data_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        self.tls: TLSLayer | None = None
        self._tls_ready: asyncio.Future[None] | None = None
        self.local = False  # a unix-socket connection

    # ------------------------------------------------------------ asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Answers are written whole at flush points; never wait for more.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            host, port = transport.get_extra_info("peername")[:2]
            self.peer = f"{host}:{port}"
        else:
            self.peer = "[local]"
            self.local = True

    def data_received(self, data: bytes) -> None:
        if self.tls is not None:
            data = self._decrypt(data)
            if not data:
                return
        self.conn.receive_data(data)
        if self.conn.buffered > READ_PAUSE_AT and not self._reading_paused:
            assert self.transport is not None
            self.transport.pause_reading()
            self._reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._finish_handshake()
        self._wake_reader()
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiter = self._drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------ for the session

    async def wait_for_data(self) -> bool:
        """Wait until more bytes arrived; False once the peer has gone."""
        if self.closed:
            return False
        if self._reading_paused:
            assert self.transport is not None
            self._reading_paused = False
            self.transport.resume_reading()
        waiter = self._loop.create_future()
        self._data_waiter = waiter
        try:
            await waiter
        finally:
            self._data_waiter = None
        return not self.closed or self.conn.buffered > 0

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            if self.tls is not None:
                data = self.tls.send(data)
            self.transport.write(data)

    async def start_tls(self, layer: TLSLayer, initial: bytes = b"") -> bool:
        """Switch to TLS; `initial` is ciphertext already read. False if the handshake fails."""
        self.tls = layer
        self._tls_ready = self._loop.create_future()
        if initial:
            self._decrypt(initial)
        if not layer.handshake_done:
            await self._tls_ready
        return not self.closed

    def _decrypt(self, data: bytes) -> bytes:
        assert self.tls is not None and self.transport is not None
        was_done = self.tls.handshake_done
        try:
            plain, reply = self.tls.receive(data)
        except ssl.SSLError as exc:
            log.info("TLS failed with %s: %s", self.peer, exc.reason or exc)
            self.close()
            self._finish_handshake()
            self._wake_reader()
            return b""
        if reply:
            self.transport.write(reply)
        if self.tls.handshake_done and not was_done:
            self._finish_handshake()
        return plain

    def _finish_handshake(self) -> None:
        if self._tls_ready is not None and not self._tls_ready.done():
            self._tls_ready.set_result(None)

    @property
    def must_drain(self) -> bool:
        return self._write_paused

    async def drain(self) -> None:
        if not self._write_paused or self.closed:
            return
        waiter = self._loop.create_future()
        self._drain_waiter = waiter
        try:
            await waiter
        finally:
            self._drain_waiter = None

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.closed = True

    def extra(self, name: str) -> Any:
        return self.transport.get_extra_info(name) if self.transport is not None else None

    def wake(self) -> None:
        """Wake a session waiting for data, so it can notice a shutdown."""
        self._wake_reader()

    def _wake_reader(self) -> None:
        waiter = self._data_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
