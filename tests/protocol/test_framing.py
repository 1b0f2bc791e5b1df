"""Framing: input split at any byte, limits checked before anything is buffered or copied."""

from __future__ import annotations

import struct

import pytest

from pgwire.errors import ProtocolViolation
from pgwire.protocol.framing import MAX_STARTUP_PACKET, FrameReader

STARTUP = struct.pack("!ii", 8 + 10, 196608) + b"user\0bob\0\0"
QUERY = b"Q" + struct.pack("!i", 4 + 9) + b"select 1\0"
SYNC = b"S\0\0\0\4"


def frames(reader: FrameReader) -> list[tuple[bytes, bytes]]:
    out = []
    while (frame := reader.next_frame()) is not None:
        out.append(frame)
    return out


@pytest.mark.parametrize("split", range(1, len(QUERY + SYNC)))
def test_typed_frames_split_at_every_byte(split: int) -> None:
    data = QUERY + SYNC
    reader = FrameReader()
    reader.feed(data[:split])
    got = frames(reader)
    reader.feed(data[split:])
    got += frames(reader)
    assert got == [(b"Q", b"select 1\0"), (b"S", b"")]
    assert reader.buffered == 0


def test_byte_by_byte_startup_then_typed() -> None:
    reader = FrameReader(untyped=True)
    got: list[tuple[bytes, bytes]] = []
    for i, byte in enumerate(STARTUP):
        reader.feed(bytes([byte]))
        frame = reader.next_frame()
        if i < len(STARTUP) - 1:
            assert frame is None
        else:
            got.append(frame)  # type: ignore[arg-type]
    assert got == [(b"", STARTUP[4:])]
    reader.untyped = False
    for byte in QUERY:
        reader.feed(bytes([byte]))
    assert frames(reader) == [(b"Q", b"select 1\0")]


def test_oversize_typed_length_is_refused_from_the_header_alone() -> None:
    reader = FrameReader(max_message_size=1024)
    # Only the 5-byte header has arrived: the refusal must not wait for 2 GB of payload.
    reader.feed(b"Q" + struct.pack("!i", 0x7FFFFFFF))
    with pytest.raises(ProtocolViolation) as info:
        reader.next_frame()
    assert info.value.sqlstate == "08P01"
    assert reader.buffered == 5


@pytest.mark.parametrize("length", [-1, 0, 3])
def test_impossible_typed_lengths(length: int) -> None:
    reader = FrameReader()
    reader.feed(b"Q" + struct.pack("!i", length))
    with pytest.raises(ProtocolViolation):
        reader.next_frame()


@pytest.mark.parametrize("length", [-5, 0, 7, MAX_STARTUP_PACKET + 1, 0x7FFFFFFF])
def test_startup_length_limits(length: int) -> None:
    reader = FrameReader(untyped=True)
    reader.feed(struct.pack("!i", length))
    with pytest.raises(ProtocolViolation, match="startup packet"):
        reader.next_frame()


def test_message_at_the_limit_is_accepted() -> None:
    reader = FrameReader(max_message_size=10)
    reader.feed(b"d" + struct.pack("!i", 14) + b"x" * 10)
    assert reader.next_frame() == (b"d", b"x" * 10)
    reader.feed(b"d" + struct.pack("!i", 15))
    with pytest.raises(ProtocolViolation):
        reader.next_frame()


def test_buffer_is_compacted() -> None:
    reader = FrameReader()
    for _ in range(10_000):
        reader.feed(SYNC)
        assert reader.next_frame() == (b"S", b"")
    assert len(reader._buf) < 1024


def test_lookahead_sees_complete_frames_and_leaves_them() -> None:
    reader = FrameReader()
    reader.feed(QUERY + SYNC + QUERY[:7])  # the last frame is incomplete
    assert list(reader.lookahead(10)) == [(b"Q", b"select 1\0"), (b"S", b"")]
    assert list(reader.lookahead(1)) == [(b"Q", b"select 1\0")]
    assert frames(reader) == [(b"Q", b"select 1\0"), (b"S", b"")]  # nothing was consumed
    assert list(reader.lookahead(10)) == []
