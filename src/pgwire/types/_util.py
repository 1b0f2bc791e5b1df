"""Small helpers the type-family modules share: PostgreSQL's input errors and byte packers."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.registry import Encoder, TextFormats, TypeInfo

# Precompiled packers: a bound `Struct.pack` is a C call, cheaper than `struct.pack(fmt, ...)`.
INT2 = struct.Struct(">h")
INT4 = struct.Struct(">i")
INT8 = struct.Struct(">q")
UINT4 = struct.Struct(">I")
FLOAT4 = struct.Struct(">f")
FLOAT8 = struct.Struct(">d")


def invalid_input(type_name: str, data: bytes | str) -> PgError:
    """PostgreSQL's 22P02 for text that does not parse as `type_name`."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return PgError(
        f'invalid input syntax for type {type_name}: "{text}"',
        sqlstate.INVALID_TEXT_REPRESENTATION,
    )


def invalid_datetime(type_name: str, data: bytes | str) -> PgError:
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return PgError(
        f'invalid input syntax for type {type_name}: "{text}"',
        sqlstate.INVALID_DATETIME_FORMAT,
    )


def out_of_range(type_name: str, data: bytes | str) -> PgError:
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return PgError(
        f'value "{text}" is out of range for type {type_name}',
        sqlstate.NUMERIC_VALUE_OUT_OF_RANGE,
    )


def invalid_binary(type_name: str, detail: str = "") -> PgError:
    message = f"incorrect binary data format for type {type_name}"
    return PgError(message, sqlstate.INVALID_BINARY_REPRESENTATION, detail=detail or None)


_BUILTINS = {row[0]: row for row in oids.BUILTINS}


def builtin(
    oid: int,
    text: tuple[Any, Any],
    binary: tuple[Any, Any] | None = None,
    aliases: tuple[str, ...] = (),
    text_encoder_for: Callable[[TextFormats], Encoder] | None = None,
) -> TypeInfo:
    """A TypeInfo for a built-in type: name, size and array type from `oids.BUILTINS`."""
    _, name, size, array_oid, element_oid, _delimiter = _BUILTINS[oid]
    return TypeInfo(
        oid,
        name,
        size,
        array_oid=array_oid,
        element_oid=element_oid,
        text_encode=text[0],
        text_decode=text[1],
        binary_encode=binary[0] if binary else None,
        binary_decode=binary[1] if binary else None,
        aliases=aliases,
        text_encoder_for=text_encoder_for,
    )
