"""Anonymous records (record, record[]) and arrays of any element type (anyarray,
anycompatiblearray), whose binary form names its own column or element types.

A record travels as text '(1,"a b",)' (record_out) and in binary as record_send writes it: an
int32 column count, then per column the type OID, an int32 length (-1: NULL) and the value
in that type's binary form. Binary decoding gives a `Record` (values and their type OIDs),
which prints as PostgreSQL prints the row; a plain tuple encodes too, each value typed as
`oid_for_value` types it. PostgreSQL takes neither form of an anonymous record as input, so
text input stays the text itself.

An anyarray value is array_send's form, whose header carries the element type: binary
decoding gives a `TypedArray` (a list that knows its element type).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from pgwire.types import oids
from pgwire.types._util import INT4, UINT4, invalid_binary
from pgwire.types.adapt import oid_for_value
from pgwire.types.registry import BINARY, TEXT, TypeInfo, TypeRegistry, registry

_SPECIAL = frozenset('"\\(),')


@dataclass(frozen=True, slots=True)
class Record:
    """A row value: its column values and each column's type OID."""

    values: tuple[Any, ...]
    types: tuple[int, ...]


class TypedArray(list[Any]):
    """An array decoded from a value that named its element type (anyarray)."""

    def __init__(self, items: list[Any], element_oid: int) -> None:
        super().__init__(items)
        self.element_oid = element_oid


def _columns(value: Any) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    if isinstance(value, Record):
        return value.values, value.types
    values = tuple(value)
    return values, tuple(oids.TEXT if v is None else oid_for_value(v) for v in values)


def _quoted(text: str) -> str:
    """record_out's quoting: empty text, or text with specials or white space."""
    if text and not any(c in _SPECIAL or c.isspace() for c in text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'


def record_text_encode(value: Any, reg: TypeRegistry = registry) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    values, types = _columns(value)
    parts = [
        "" if v is None else _quoted(reg.encoder(oid, TEXT)(v).decode())
        for v, oid in zip(values, types, strict=True)
    ]
    return f"({','.join(parts)})".encode()


def record_text_decode(data: bytes) -> str:
    return data.decode()


def record_binary_encode(value: Any, reg: TypeRegistry = registry) -> bytes:
    values, types = _columns(value)
    parts = [INT4.pack(len(values))]
    for v, oid in zip(values, types, strict=True):
        if v is None:
            parts.append(UINT4.pack(oid) + INT4.pack(-1))
        else:
            data = reg.encoder(oid, BINARY)(v)
            parts.append(UINT4.pack(oid) + INT4.pack(len(data)) + data)
    return b"".join(parts)


def record_binary_decode(data: bytes, reg: TypeRegistry = registry) -> Record:
    try:
        count: int = INT4.unpack_from(data)[0]
        pos = 4
        values: list[Any] = []
        types: list[int] = []
        for _ in range(count):
            oid: int = UINT4.unpack_from(data, pos)[0]
            size: int = INT4.unpack_from(data, pos + 4)[0]
            pos += 8
            types.append(oid)
            if size == -1:
                values.append(None)
                continue
            if size < 0 or pos + size > len(data):
                raise invalid_binary("record")
            values.append(reg.decoder(oid, BINARY)(data[pos : pos + size]))
            pos += size
    except (ValueError, IndexError, struct.error):
        raise invalid_binary("record") from None
    if count < 0 or pos != len(data):
        raise invalid_binary("record")
    return Record(tuple(values), tuple(types))


# ---------------------------------------------------------------------------------------------
# anyarray


def _array_oid(value: Any) -> int:
    if isinstance(value, TypedArray):
        return oids.ARRAY_OF.get(value.element_oid, oids.TEXT_ARRAY)
    return oid_for_value(list(value))


def anyarray_text_encode(value: Any, reg: TypeRegistry = registry) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    return reg.encoder(_array_oid(value), TEXT)(value)


def anyarray_binary_encode(value: Any, reg: TypeRegistry = registry) -> bytes:
    if isinstance(value, str | bytes):
        # Text whose element type nobody named ('{1,2}' from a catalog): a text[] then.
        data = value.encode() if isinstance(value, str) else value
        return reg.encoder(oids.TEXT_ARRAY, BINARY)(reg.decoder(oids.TEXT_ARRAY)(data))
    return reg.encoder(_array_oid(value), BINARY)(value)


def anyarray_binary_decode(data: bytes, reg: TypeRegistry = registry) -> TypedArray:
    if len(data) < 12:
        raise invalid_binary("anyarray")
    element_oid: int = UINT4.unpack_from(data, 8)[0]
    array_oid = oids.ARRAY_OF.get(element_oid)
    if array_oid is None:
        raise invalid_binary("anyarray", f"no array type of type {element_oid}")
    return TypedArray(reg.decoder(array_oid, BINARY)(data), element_oid)


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.RECORD,
            "record",
            -1,
            array_oid=oids.RECORD_ARRAY,
            text_encode=record_text_encode,
            text_decode=record_text_decode,
            binary_encode=record_binary_encode,
            binary_decode=record_binary_decode,
            aliases=("row",),
        )
    )
    for oid in (oids.ANYARRAY, oids.ANYCOMPATIBLEARRAY):
        reg.register(
            TypeInfo(
                oid,
                oids.NAMES[oid],
                -1,
                text_encode=anyarray_text_encode,
                text_decode=record_text_decode,
                binary_encode=anyarray_binary_encode,
                binary_decode=anyarray_binary_decode,
            )
        )


register(registry)
