"""bool: 't'/'f' in text, one byte in binary."""

from __future__ import annotations

from typing import Any

from pgwire.types import oids
from pgwire.types._util import invalid_binary, invalid_input
from pgwire.types.registry import TypeInfo, TypeRegistry, registry


class _ByTruth(dict[Any, bytes]):
    """True/False (and 1/0) hit the dict in C; anything else falls back to its truth value."""

    def __init__(self, true: bytes, false: bytes) -> None:
        super().__init__({True: true, False: false})
        self._true = true
        self._false = false

    def __missing__(self, value: Any) -> bytes:
        return self._true if value else self._false


bool_text_encode = _ByTruth(b"t", b"f").__getitem__
bool_binary_encode = _ByTruth(b"\x01", b"\x00").__getitem__

# boolin accepts any unique prefix of these words, case-insensitively, after trimming.
_WORDS = (("true", True), ("false", False), ("yes", True), ("no", False))


def bool_text_decode(data: bytes) -> bool:
    text = data.decode(errors="replace").strip().lower()
    if text in ("t", "1", "on"):
        return True
    if text in ("f", "0", "of", "off"):
        return False
    if text:
        for word, value in _WORDS:
            if word.startswith(text):
                return value
    raise invalid_input("boolean", data)


def bool_binary_decode(data: bytes) -> bool:
    if len(data) != 1:
        raise invalid_binary("boolean")
    return data != b"\x00"


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.BOOL,
            "bool",
            1,
            array_oid=oids.BOOL_ARRAY,
            text_encode=bool_text_encode,
            text_decode=bool_text_decode,
            binary_encode=bool_binary_encode,
            binary_decode=bool_binary_decode,
            aliases=("boolean",),
        )
    )


register(registry)
