"""Character types (text, varchar, bpchar, name, "char", unknown) and bytea.

Text is UTF-8 on the wire (the server reports client_encoding=UTF8). A value that is not a str
in a text column prints as PostgreSQL would print it in its own type (see `pgwire.types.adapt`),
so a handler may put an int or a date in a column it declared as text. bytea prints in hex
format ('\\x0102'), PostgreSQL's default bytea_output.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import invalid_input
from pgwire.types.adapt import text_of
from pgwire.types.registry import TypeInfo, TypeRegistry, registry


def text_encode(value: Any) -> bytes:
    if type(value) is str:
        return value.encode()
    return _text_encode_other(value)


def _text_encode_other(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    return text_of(value)


def text_decode(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        raise _invalid_utf8(data, exc) from None


def _invalid_utf8(data: bytes, exc: UnicodeDecodeError) -> PgError:
    """PostgreSQL's 22021, naming the offending character's bytes."""
    first = data[exc.start]
    width = 4 if first >= 0xF0 else 3 if first >= 0xE0 else 2 if first >= 0xC0 else 1
    bad = data[exc.start : exc.start + width]
    return PgError(
        'invalid byte sequence for encoding "UTF8": ' + " ".join(f"0x{b:02x}" for b in bad),
        sqlstate.CHARACTER_NOT_IN_REPERTOIRE,
    )


def char_text_encode(value: Any) -> bytes:
    """The one-byte "char" type: PostgreSQL prints its single byte as is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return bytes((value & 0xFF,)) if value else b""
    return text_encode(value)[:1]


def char_text_decode(data: bytes) -> str:
    return data[:1].decode(errors="replace")


def char_binary_encode(value: Any) -> bytes:
    """charsend: always the one byte, NUL for the empty "char"."""
    return char_text_encode(value) or b"\0"


def char_binary_decode(data: bytes) -> str:
    return "" if data == b"\0" else char_text_decode(data)


# ---------------------------------------------------------------------------------------------
# bytea


def bytea_text_encode(value: Any) -> bytes:
    if type(value) is bytes:
        return b"\\x" + binascii.hexlify(value)
    if isinstance(value, bytearray | memoryview):
        return b"\\x" + binascii.hexlify(value)
    if isinstance(value, str):
        return b"\\x" + binascii.hexlify(value.encode())
    return b"\\x" + binascii.hexlify(bytes(value))


_OCTAL = re.compile(rb"\\([0-3][0-7]{2})|\\\\")


def bytea_text_decode(data: bytes) -> bytes:
    """Hex format ('\\x0102', whitespace between digit pairs allowed) or escape format."""
    if data[:2] == b"\\x":
        try:
            return bytes.fromhex(data[2:].decode())
        except ValueError:
            raise invalid_input("bytea", data) from None
    if b"\\" not in data:
        return bytes(data)

    def unescape(match: re.Match[bytes]) -> bytes:
        octal = match.group(1)
        return bytes((int(octal, 8),)) if octal else b"\\"

    result = _OCTAL.sub(unescape, data)
    if b"\\" in _OCTAL.sub(b"", data):
        raise invalid_input("bytea", data)
    return result


def bytea_binary_encode(value: Any) -> bytes:
    if type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


def bytes_decode(data: bytes) -> bytes:
    return bytes(data)


def register(reg: TypeRegistry) -> None:
    for oid, name, size, array_oid, aliases in (
        (oids.TEXT, "text", -1, oids.TEXT_ARRAY, ()),
        (oids.VARCHAR, "varchar", -1, oids.VARCHAR_ARRAY, ("character varying",)),
        (oids.BPCHAR, "bpchar", -1, oids.BPCHAR_ARRAY, ("character",)),
        (oids.NAME, "name", 64, oids.NAME_ARRAY, ()),
        (oids.UNKNOWN, "unknown", -2, 0, ()),
        # Their send functions send the text too (textsend, cstring_send; pg_node_tree
        # only ever goes out).
        (oids.REFCURSOR, "refcursor", -1, oids.REFCURSOR_ARRAY, ()),
        (oids.CSTRING, "cstring", -2, oids.CSTRING_ARRAY, ()),
        (oids.PG_NODE_TREE, "pg_node_tree", -1, 0, ()),
    ):
        reg.register(
            TypeInfo(
                oid,
                name,
                size,
                array_oid=array_oid,
                text_encode=text_encode,
                text_decode=text_decode,
                # Binary text is the same UTF-8 bytes.
                binary_encode=text_encode,
                binary_decode=text_decode,
                aliases=aliases,
            )
        )
    reg.register(
        TypeInfo(
            oids.CHAR,
            "char",
            1,
            array_oid=oids.CHAR_ARRAY,
            text_encode=char_text_encode,
            text_decode=char_text_decode,
            binary_encode=char_binary_encode,
            binary_decode=char_binary_decode,
        )
    )
    reg.register(
        TypeInfo(
            oids.BYTEA,
            "bytea",
            -1,
            array_oid=oids.BYTEA_ARRAY,
            text_encode=bytea_text_encode,
            text_decode=bytea_text_decode,
            binary_encode=bytea_binary_encode,
            binary_decode=bytes_decode,
        )
    )


register(registry)
