"""uuid: lower-case hyphenated text, 16 raw bytes in binary."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pgwire.types import oids
from pgwire.types._util import invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry


def uuid_text_encode(value: Any) -> bytes:
    if type(value) is UUID:
        return str(value).encode()
    if isinstance(value, str):
        return str(UUID(value)).encode()  # normalise '{...}', upper case, no hyphens
    if isinstance(value, bytes):
        return str(UUID(bytes=value) if len(value) == 16 else UUID(value.decode())).encode()
    return str(value).encode()


def uuid_text_decode(data: bytes) -> UUID:
    try:
        return UUID(data.decode(errors="replace").strip())
    except ValueError:
        raise invalid_input("uuid", data) from None


def uuid_binary_encode(value: Any) -> bytes:
    if isinstance(value, UUID):
        return value.bytes
    if isinstance(value, bytes) and len(value) == 16:
        return value
    return UUID(value.decode() if isinstance(value, bytes) else str(value)).bytes


def uuid_binary_decode(data: bytes) -> UUID:
    if len(data) != 16:
        raise invalid_binary("uuid")
    return UUID(bytes=bytes(data))


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.UUID,
            "uuid",
            16,
            array_oid=oids.UUID_ARRAY,
            text_encode=uuid_text_encode,
            text_decode=uuid_text_decode,
            binary_encode=uuid_binary_encode,
            binary_decode=uuid_binary_decode,
        )
    )


register(registry)
