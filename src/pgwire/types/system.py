"""Types of the server's own bookkeeping: tid, pg_lsn, txid_snapshot and pg_snapshot.

tid is text '(block,offset)' (a (block, offset) tuple encodes too), binary uint32 + uint16.
pg_lsn is an int ('16/B374D848' in text), binary uint64. A snapshot is text
'xmin:xmax:xip,...' (decoders return it as PostgreSQL prints it), binary int32 count, int64
xmin, int64 xmax, then the int64 in-progress ids (txid.c / xid8funcs.c).
"""

from __future__ import annotations

import re
import struct
from typing import Any

from pgwire.types import oids
from pgwire.types._util import INT4, INT8, invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

_TID = struct.Struct(">IH")
_UINT8 = struct.Struct(">Q")
# tidin finds the first '(' and reads from there; what follows the ')' it ignores.
_TID_TEXT = re.compile(r"[^,(]*\(\s*([+-]?\d+),\s*([+-]?\d+)\).*", re.DOTALL)
_SNAPSHOT_TEXT = re.compile(r"(\d+):(\d+):((?:\d+(?:,\d+)*)?)")
_XID8_MAX = 2**63 - 1  # FullTransactionId travels as a signed int64


def _tid_parts(value: Any) -> tuple[int, int]:
    if isinstance(value, tuple):
        return int(value[0]), int(value[1])
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    match = _TID_TEXT.fullmatch(text)
    if match is None:
        raise invalid_input("tid", text)
    block, offset = int(match.group(1)), int(match.group(2))
    if -(2**31) <= block < 0:
        block += 2**32  # strtoul wraps a negative block number; tidin takes it as int32
    if not 0 <= block <= 0xFFFFFFFF or not 0 <= offset <= 0xFFFF:
        raise invalid_input("tid", text)
    return block, offset


def tid_text_encode(value: Any) -> bytes:
    return "({},{})".format(*_tid_parts(value)).encode()


def tid_text_decode(data: bytes) -> str:
    return "({},{})".format(*_tid_parts(data))


def tid_binary_encode(value: Any) -> bytes:
    return _TID.pack(*_tid_parts(value))


def tid_binary_decode(data: bytes) -> str:
    if len(data) != _TID.size:
        raise invalid_binary("tid")
    return "({},{})".format(*_TID.unpack(data))


def lsn_text_encode(value: Any) -> bytes:
    if not isinstance(value, int):
        value = lsn_text_decode(value if isinstance(value, bytes) else str(value).encode())
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}".encode()


_LSN_TEXT = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def lsn_text_decode(data: bytes) -> int:
    match = _LSN_TEXT.fullmatch(data.decode(errors="replace"))
    if match is None:
        raise invalid_input("pg_lsn", data)
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def lsn_binary_encode(value: Any) -> bytes:
    if not isinstance(value, int):
        value = lsn_text_decode(value if isinstance(value, bytes) else str(value).encode())
    return _UINT8.pack(value)


def lsn_binary_decode(data: bytes) -> int:
    if len(data) != 8:
        raise invalid_binary("pg_lsn")
    number: int = _UINT8.unpack(data)[0]
    return number


def _snapshot_parts(value: Any, type_name: str) -> tuple[int, int, list[int]]:
    """parse_snapshot: xmin <= xmax, both valid; the ids sorted within [xmin, xmax)."""
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    match = _SNAPSHOT_TEXT.fullmatch(text)
    if match is None:
        raise invalid_input("pg_snapshot", text)
    xmin, xmax = int(match.group(1)), int(match.group(2))
    ids = [int(v) for v in match.group(3).split(",")] if match.group(3) else []
    checked = _checked_ids(xmin, xmax, ids)
    if checked is None:
        raise invalid_input("pg_snapshot", text)  # txid_snapshot's input is pg_snapshot's
    return xmin, xmax, checked


def _checked_ids(xmin: int, xmax: int, ids: list[int]) -> list[int] | None:
    if not 0 < xmin <= xmax <= _XID8_MAX:
        return None
    kept: list[int] = []
    for xid in ids:
        if xid < xmin or xid >= xmax or (kept and xid < kept[-1]):
            return None
        if not kept or xid != kept[-1]:
            kept.append(xid)  # duplicates are dropped, as PostgreSQL does
    return kept


def _snapshot_text(xmin: int, xmax: int, ids: list[int]) -> str:
    return f"{xmin}:{xmax}:{','.join(str(x) for x in ids)}"


def _snapshot_codecs(type_name: str) -> tuple[Any, Any, Any, Any]:
    def text_encode(value: Any) -> bytes:
        return _snapshot_text(*_snapshot_parts(value, type_name)).encode()

    def text_decode(data: bytes) -> str:
        return _snapshot_text(*_snapshot_parts(data, type_name))

    def binary_encode(value: Any) -> bytes:
        xmin, xmax, ids = _snapshot_parts(value, type_name)
        return INT4.pack(len(ids)) + b"".join(INT8.pack(x) for x in (xmin, xmax, *ids))

    def binary_decode(data: bytes) -> str:
        if len(data) < 20:
            raise invalid_binary(type_name)
        count: int = INT4.unpack_from(data)[0]
        if count < 0 or len(data) != 20 + 8 * count:
            raise invalid_binary(type_name)
        xmin, xmax, *ids = struct.unpack_from(f">{count + 2}q", data, 4)
        checked = _checked_ids(xmin, xmax, ids)
        if checked is None:
            raise invalid_binary(type_name)
        return _snapshot_text(xmin, xmax, checked)

    return text_encode, text_decode, binary_encode, binary_decode


def register(reg: TypeRegistry) -> None:
    codecs = {
        oids.TID: (tid_text_encode, tid_text_decode, tid_binary_encode, tid_binary_decode),
        oids.PG_LSN: (lsn_text_encode, lsn_text_decode, lsn_binary_encode, lsn_binary_decode),
        oids.TXID_SNAPSHOT: _snapshot_codecs("txid_snapshot"),
        oids.PG_SNAPSHOT: _snapshot_codecs("pg_snapshot"),
    }
    sizes = {row[0]: row[2] for row in oids.BUILTINS}
    for oid, (text_encode, text_decode, binary_encode, binary_decode) in codecs.items():
        reg.register(
            TypeInfo(
                oid,
                oids.NAMES[oid],
                sizes[oid],
                array_oid=oids.ARRAY_OF[oid],
                text_encode=text_encode,
                text_decode=text_decode,
                binary_encode=binary_encode,
                binary_decode=binary_decode,
            )
        )


register(registry)
