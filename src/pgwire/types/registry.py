"""One registry of PostgreSQL types: OID → name, size, array type and codecs.

A codec turns a Python value into the wire bytes of one format (0 = text, 1 = binary) and
back. Type-family modules (`pgwire.types.numeric`, `...text`, ...) register their types here at
import time; `pgwire.types` imports them all. Per statement the session resolves one encoder
per column with `encoder(oid, fmt)` and then applies only those per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pgwire import sqlstate
from pgwire.errors import PgError

TEXT = 0
BINARY = 1

Encoder = Callable[[Any], bytes]
Decoder = Callable[[bytes], Any]


@dataclass(frozen=True, slots=True)
class TextFormats:
    """The session settings that change how values print in text format."""

    timezone: str = "UTC"  # TimeZone: timestamptz and timetz print in it
    datestyle: str = "ISO, MDY"  # DateStyle: output style, then field order
    intervalstyle: str = "postgres"  # postgres, postgres_verbose, sql_standard, iso_8601
    extra_float_digits: int = 1  # 1..3: shortest exact; <= 0: that many fewer digits


DEFAULT_FORMATS = TextFormats()


@dataclass(slots=True)
class TypeInfo:
    oid: int
    name: str  # pg_type.typname, e.g. "int4"
    size: int  # pg_type.typlen: -1 varlena, -2 cstring
    array_oid: int = 0  # the OID of this type's array type (0: none)
    element_oid: int = 0  # for array types, the element type
    text_encode: Encoder | None = None
    text_decode: Decoder | None = None
    binary_encode: Encoder | None = None
    binary_decode: Decoder | None = None
    aliases: tuple[str, ...] = ()  # SQL spellings: "integer", "int", ...
    # For types whose text depends on session settings: builds the encoder for them.
    text_encoder_for: Callable[[TextFormats], Encoder] | None = None
    # Likewise for input read per the settings (DateStyle's field order, TimeZone).
    text_decoder_for: Callable[[TextFormats], Decoder] | None = None


class TypeRegistry:
    def __init__(self) -> None:
        self._by_oid: dict[int, TypeInfo] = {}
        self._by_name: dict[str, TypeInfo] = {}
        self._styled: dict[tuple[int, TextFormats], Encoder] = {}
        self._styled_input: dict[tuple[int, TextFormats], Decoder] = {}

    def register(self, info: TypeInfo) -> TypeInfo:
        self._by_oid[info.oid] = info
        self._by_name[info.name] = info
        for alias in info.aliases:
            self._by_name[alias] = info
        return info

    def add_user_type(self, info: TypeInfo) -> None:
        """A type a backend defines (an enum) under its stable OID: found by OID only, so a
        user's name never shadows a built-in one."""
        self._by_oid.setdefault(info.oid, info)

    def get(self, oid: int) -> TypeInfo | None:
        return self._by_oid.get(oid)

    def by_name(self, name: str) -> TypeInfo:
        info = self._by_name.get(name.lower())
        if info is None:
            raise PgError(f'type "{name}" does not exist', sqlstate.UNDEFINED_OBJECT)
        return info

    def oid_of(self, name_or_oid: int | str) -> int:
        if isinstance(name_or_oid, int):
            return name_or_oid
        return self.by_name(name_or_oid).oid

    def size_of(self, oid: int) -> int:
        info = self._by_oid.get(oid)
        return info.size if info is not None else -1

    def encoder(self, oid: int, fmt: int = TEXT, formats: TextFormats | None = None) -> Encoder:
        """The function that encodes a non-NULL Python value of type `oid` in format `fmt`,
        printing text as the session's `formats` (TimeZone, DateStyle, ...) ask."""
        info = self._by_oid.get(oid)
        if fmt == TEXT and info is not None and info.text_encoder_for is not None:
            styled = _styled(self._styled, oid, formats, info.text_encoder_for)
            if styled is not None:
                return styled
        if fmt == TEXT:
            if info is not None and info.text_encode is not None:
                return info.text_encode
            return _fallback_text_encode
        if info is not None and info.binary_encode is not None:
            return info.binary_encode
        name = info.name if info is not None else str(oid)
        raise PgError(
            f"no binary output function available for type {name}",
            sqlstate.UNDEFINED_FUNCTION,
        )

    def decoder(self, oid: int, fmt: int = TEXT, formats: TextFormats | None = None) -> Decoder:
        """The function that decodes the wire bytes of a parameter of type `oid`, reading
        text as the session's `formats` (DateStyle, TimeZone) ask."""
        info = self._by_oid.get(oid)
        if fmt == TEXT and info is not None and info.text_decoder_for is not None:
            styled = _styled(self._styled_input, oid, formats, info.text_decoder_for)
            if styled is not None:
                return styled
        if fmt == TEXT:
            if info is not None and info.text_decode is not None:
                return info.text_decode
            return _fallback_text_decode
        if info is not None and info.binary_decode is not None:
            return info.binary_decode
        name = info.name if info is not None else str(oid)
        raise PgError(
            f"no binary input function available for type {name}",
            sqlstate.UNDEFINED_FUNCTION,
        )


C = TypeVar("C")


def _styled(
    cache: dict[tuple[int, TextFormats], C],
    oid: int,
    formats: TextFormats | None,
    make: Callable[[TextFormats], C],
) -> C | None:
    """The codec of `oid` made for the session's `formats`, made once per (oid, formats);
    None with the default formats, whose codec is the plain one."""
    if formats is None or formats == DEFAULT_FORMATS:
        return None
    key = (oid, formats)
    found = cache.get(key)
    if found is None:
        found = cache[key] = make(formats)
    return found


def _fallback_text_encode(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def _fallback_text_decode(data: bytes) -> str:
    return data.decode()


registry = TypeRegistry()
