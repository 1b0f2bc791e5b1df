"""macaddr and macaddr8: text '08:00:2b:01:02:03' (decoders return it so, encoders print any
spelling so), binary the 6 or 8 bytes. Input takes the spellings PostgreSQL's mac.c and
mac8.c take; a 6-byte address given as macaddr8 gets FF:FE in the middle (EUI-48 to EUI-64),
as PostgreSQL does.
"""

from __future__ import annotations

import re
from typing import Any

from pgwire.types import oids
from pgwire.types._util import invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

_H = "([0-9a-fA-F]{1,2})"
# macaddr_in's sscanf formats, each hex field one or two digits.
_MACADDR = [
    re.compile(pattern.replace("H", _H))
    for pattern in (
        "H:H:H:H:H:H",
        "H-H-H-H-H-H",
        "HHH:HHH",
        "HHH-HHH",
        r"HH\.HH\.HH",
        "HH-HH-HH",
        "HHHHHH",
    )
]
_MACADDR8_SEPARATED = re.compile(r"[0-9a-fA-F]{2}(?:([:.-]?)[0-9a-fA-F]{2})*")


def _text_of(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _macaddr_bytes(value: Any) -> bytes:
    text = _text_of(value).strip()
    for pattern in _MACADDR:
        match = pattern.fullmatch(text)
        if match is not None:
            return bytes(int(group, 16) for group in match.groups())
    raise invalid_input("macaddr", text)


def _macaddr8_bytes(value: Any) -> bytes:
    text = _text_of(value).strip()
    match = _MACADDR8_SEPARATED.fullmatch(text)
    separator = match.group(1) if match is not None else None
    digits = re.sub(r"[:.-]", "", text)
    # One separator throughout (or none), as macaddr8_in insists.
    if match is None or (separator and len(set(re.findall(r"[:.-]", text))) > 1):
        raise invalid_input("macaddr8", text)
    data = bytes.fromhex(digits)
    if len(data) == 6:
        return data[:3] + b"\xff\xfe" + data[3:]
    if len(data) != 8:
        raise invalid_input("macaddr8", text)
    return data


def _show(data: bytes) -> str:
    return ":".join(f"{b:02x}" for b in data)


def macaddr_text_encode(value: Any) -> bytes:
    return _show(_macaddr_bytes(value)).encode()


def macaddr8_text_encode(value: Any) -> bytes:
    return _show(_macaddr8_bytes(value)).encode()


def macaddr_text_decode(data: bytes) -> str:
    return _show(_macaddr_bytes(data))


def macaddr_binary_decode(data: bytes) -> str:
    if len(data) != 6:
        raise invalid_binary("macaddr")
    return _show(data)


def macaddr8_text_decode(data: bytes) -> str:
    return _show(_macaddr8_bytes(data))


def macaddr8_binary_decode(data: bytes) -> str:
    # macaddr8_recv takes 6 bytes too, widening them like text input does.
    if len(data) == 6:
        data = data[:3] + b"\xff\xfe" + data[3:]
    if len(data) != 8:
        raise invalid_binary("macaddr8")
    return _show(data)


def register(reg: TypeRegistry) -> None:
    for oid, size, text_encode, text_decode, binary_encode, binary_decode in (
        (oids.MACADDR, 6, macaddr_text_encode, macaddr_text_decode, _macaddr_bytes,
         macaddr_binary_decode),
        (oids.MACADDR8, 8, macaddr8_text_encode, macaddr8_text_decode, _macaddr8_bytes,
         macaddr8_binary_decode),
    ):  # fmt: skip
        reg.register(
            TypeInfo(
                oid,
                oids.NAMES[oid],
                size,
                array_oid=oids.ARRAY_OF[oid],
                text_encode=text_encode,
                text_decode=text_decode,
                binary_encode=binary_encode,
                binary_decode=binary_decode,
            )
        )


register(registry)
