"""Incremental framing: bytes in (split anywhere), whole frames out, limits checked first.

A frame is (type byte, payload). The startup phase has untyped packets (length + payload),
whose type is b"". Every length is checked against its limit as soon as its header is
complete, before the payload is waited for or copied, so a hostile length costs nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from pgwire.errors import ProtocolViolation

MAX_STARTUP_PACKET = 10_000
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024  # PostgreSQL allows 1 GB; a server rarely needs it

_HEADER = struct.Struct("!ci")
_LENGTH = struct.Struct("!i")


class FrameReader:
    """Buffers received bytes and cuts them into frames."""

    __slots__ = ("_buf", "_pos", "max_message_size", "untyped")

    def __init__(
        self, *, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE, untyped: bool = False
    ) -> None:
        self._buf = bytearray()
        self._pos = 0
        self.max_message_size = max_message_size
        self.untyped = untyped  # True while the peer sends startup-phase packets

    def feed(self, data: bytes) -> None:
        if self._pos and self._pos >= len(self._buf) // 2:
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned in a frame."""
        return len(self._buf) - self._pos

    def peek(self, n: int) -> bytes:
        return bytes(self._buf[self._pos : self._pos + n])

    def lookahead(self, limit: int) -> Iterator[tuple[bytes, bytes]]:
        """The complete typed frames already received after the next one to be returned, up
        to `limit`, left in place: a server can see what a pipelining client sends next."""
        buf = self._buf
        pos = self._pos
        end = len(buf)
        for _ in range(limit):
            if self.untyped or end - pos < 5:
                return
            type_byte, length = _HEADER.unpack_from(buf, pos)
            if length < 4 or end < pos + 1 + length:
                return
            yield type_byte, bytes(buf[pos + 5 : pos + 1 + length])
            pos += 1 + length

    def take(self) -> bytes:
        """Every buffered byte, removed: for a layer (TLS) that must see them instead."""
        data = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        return data

    def next_frame(self) -> tuple[bytes, bytes] | None:
        """The next complete frame, or None until more bytes arrive."""
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if self.untyped:
            if avail < 4:
                return None
            (length,) = _LENGTH.unpack_from(buf, pos)
            if length < 8 or length > MAX_STARTUP_PACKET:
                raise ProtocolViolation("invalid length of startup packet")
            if avail < length:
                return None
            self._pos = pos + length
            return b"", bytes(buf[pos + 4 : pos + length])
        if avail < 5:
            return None
        type_byte, length = _HEADER.unpack_from(buf, pos)
        if length < 4:
            raise ProtocolViolation(f"invalid message length {length}")
        if length - 4 > self.max_message_size:
            raise ProtocolViolation(
                f"message of type {type_byte!r} is {length - 4} bytes long, "
                f"the limit is {self.max_message_size}"
            )
        end = pos + 1 + length
        if len(buf) < end:
            return None
        self._pos = end
        return type_byte, bytes(buf[pos + 5 : end])
