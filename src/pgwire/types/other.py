"""Every other built-in type of PostgreSQL 15: known by OID, name and size, and passed through.

Types no family module claims travel as text in PostgreSQL's spelling (a str, or bytes), so
clients still see the right type OID. A few have simple Python forms here: bit/varbit (str of
'0'/'1'), void, and int2vector/oidvector (sequences of ints).
"""

from __future__ import annotations

from typing import Any

from pgwire.types import oids
from pgwire.types._util import INT4, invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry


def passthrough_text_encode(value: Any) -> bytes:
    if type(value) is str:
        return value.encode()
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def passthrough_text_decode(data: bytes) -> str:
    return data.decode()


# bit and varbit: text '0101'; binary int32 bit count, then the bits MSB first, zero-padded.


def bits_text_encode(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    return "".join("1" if bit else "0" for bit in value).encode()


def bits_text_decode(data: bytes) -> str:
    text = data.decode(errors="replace").strip()
    if text[:1] in ("x", "X"):
        try:
            return "".join(f"{int(c, 16):04b}" for c in text[1:])
        except ValueError:
            raise invalid_input("bit", data) from None
    if text[:1] in ("b", "B"):
        text = text[1:]
    if text.strip("01"):
        raise invalid_input("bit", data)
    return text


def bits_binary_encode(value: Any) -> bytes:
    bits = bits_text_encode(value).decode()
    padded = bits + "0" * (-len(bits) % 8)
    body = int(padded, 2).to_bytes(len(padded) // 8, "big") if padded else b""
    return INT4.pack(len(bits)) + body


def bits_binary_decode(data: bytes) -> str:
    if len(data) < 4:
        raise invalid_binary("bit")
    count: int = INT4.unpack_from(data)[0]
    body = data[4:]
    if len(body) != (count + 7) // 8:
        raise invalid_binary("bit")
    return "".join(f"{byte:08b}" for byte in body)[:count]


def void_encode(value: Any) -> bytes:
    return b""


def void_decode(data: bytes) -> None:
    return None


def vector_text_encode(value: Any) -> bytes:
    """int2vector/oidvector: space-separated, not an array literal."""
    if isinstance(value, str | bytes):
        return passthrough_text_encode(value)
    return " ".join(str(int(v)) for v in value).encode()


def vector_text_decode(data: bytes) -> list[int]:
    try:
        return [int(v) for v in data.split()]
    except ValueError:
        raise invalid_input("oidvector", data) from None


_SPECIFIC: dict[int, tuple[Any, Any, Any, Any]] = {
    oids.BIT: (bits_text_encode, bits_text_decode, bits_binary_encode, bits_binary_decode),
    oids.VARBIT: (bits_text_encode, bits_text_decode, bits_binary_encode, bits_binary_decode),
    oids.VOID: (void_encode, void_decode, void_encode, void_decode),
    oids.INT2VECTOR: (vector_text_encode, vector_text_decode, None, None),
    oids.OIDVECTOR: (vector_text_encode, vector_text_decode, None, None),
}
_ALIASES = {oids.VARBIT: ("bit varying",)}


def register(reg: TypeRegistry) -> None:
    """Register the built-in scalar types no family module has claimed."""
    for oid, name, size, array_oid, element_oid, _delimiter in oids.BUILTINS:
        if element_oid or reg.get(oid) is not None:
            continue  # arrays are pgwire.types.array's
        text_encode, text_decode, binary_encode, binary_decode = _SPECIFIC.get(
            oid, (passthrough_text_encode, passthrough_text_decode, None, None)
        )
        reg.register(
            TypeInfo(
                oid,
                name,
                size,
                array_oid=array_oid,
                text_encode=text_encode,
                text_decode=text_decode,
                binary_encode=binary_encode,
                binary_decode=binary_decode,
                aliases=_ALIASES.get(oid, ()),
            )
        )


register(registry)
