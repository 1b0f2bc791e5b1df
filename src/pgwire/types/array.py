"""Arrays of every registered element type.

Text follows array_out: '{1,2,NULL}', '{{1,2},{3,4}}'; an element is double-quoted (with
backslash escapes for '"' and '\\') when it is empty, spells NULL, or holds braces, quotes,
backslashes, the delimiter or white space. Python lists and tuples nest as dimensions (so a
list inside a json[] is a dimension, not a JSON array). Decoders return nested lists; lower
bounds ('[2:3]={1,2}') are read and dropped. Import this module after every family module:
`register` builds the array type of each element type the registry knows by then.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import Any

from pgwire.types import oids
from pgwire.types._util import INT4, UINT4, invalid_binary, invalid_input
from pgwire.types.registry import (
    TEXT,
    Decoder,
    Encoder,
    TextFormats,
    TypeInfo,
    TypeRegistry,
    registry,
)

# Element types whose text never needs quoting: skip the per-element check.
_NEVER_QUOTED = frozenset(
    {
        oids.BOOL,
        oids.INT2,
        oids.INT4,
        oids.INT8,
        oids.OID,
        oids.FLOAT4,
        oids.FLOAT8,
        oids.NUMERIC,
        oids.UUID,
    }
)
_NULL = b"NULL"
_NULL_ELEMENT = b"\xff\xff\xff\xff"  # binary: length -1


def _quote(text: bytes) -> bytes:
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def array_text_encoder(
    element_encode: Encoder, delimiter: str = ",", quote: bool = True
) -> Encoder:
    """The text encoder of an array whose elements encode with `element_encode`."""
    delim = delimiter.encode()
    special = re.compile(rb'[{}"\\\s' + re.escape(delim) + rb"]").search

    def encode(value: Any) -> bytes:
        if isinstance(value, str):
            return value.encode()  # an array literal already
        if isinstance(value, bytes):
            return value
        parts: list[bytes] = []
        append = parts.append
        for item in value:
            if item is None:
                append(_NULL)
            elif type(item) is list or type(item) is tuple:
                append(encode(item))
            else:
                text = element_encode(item)
                if quote and (
                    not text or special(text) or (len(text) == 4 and text.upper() == _NULL)
                ):
                    text = _quote(text)
                append(text)
        return b"{" + delim.join(parts) + b"}"

    return encode


def _shape(value: Any) -> list[int]:
    dims: list[int] = []
    while isinstance(value, list | tuple):
        dims.append(len(value))
        if not value:
            break
        value = value[0]
    return dims


def array_binary_encoder(
    element_oid: int, element_encode: Encoder, lower_bound: int = 1
) -> Encoder:
    """The binary encoder: ndim, has-null flag, element OID, (size, lower bound) per dimension,
    then each element as int32 length (-1 for NULL) + bytes."""
    lower = INT4.pack(lower_bound)

    def encode(value: Any) -> bytes:
        dims = _shape(value)
        if not dims or dims == [0]:
            return INT4.pack(0) + INT4.pack(0) + UINT4.pack(element_oid)
        items: list[bytes] = []
        has_null = False

        def walk(level: Any, depth: int) -> None:
            nonlocal has_null
            if len(level) != dims[depth]:
                raise ValueError("multidimensional arrays must have sub-arrays of equal size")
            for item in level:
                if depth + 1 < len(dims):
                    if not isinstance(item, list | tuple):
                        raise ValueError("multidimensional arrays must be rectangular")
                    walk(item, depth + 1)
                elif item is None:
                    has_null = True
                    items.append(_NULL_ELEMENT)
                else:
                    data = element_encode(item)
                    items.append(INT4.pack(len(data)) + data)

        walk(value, 0)
        header = INT4.pack(len(dims)) + INT4.pack(has_null) + UINT4.pack(element_oid)
        header += b"".join(INT4.pack(d) + lower for d in dims)
        return header + b"".join(items)

    return encode


# ---------------------------------------------------------------------------------------------
# decoding

_SPACE = " \t\n\r\v\f"  # array_isspace: what PostgreSQL skips, narrower than str.isspace()
_BOUNDS = re.compile(r"\s*((?:\[[+-]?\d+(?::[+-]?\d+)?\])+)\s*=\s*")


def parse_array_text(text: str, delimiter: str = ",") -> list[Any]:
    """An array literal → nested lists of element text (str) and None for NULL."""
    pos = 0
    match = _BOUNDS.match(text)
    if match:
        pos = match.end()
    length = len(text)

    def skip_space(i: int) -> int:
        while i < length and text[i] in _SPACE:
            i += 1
        return i

    def parse(i: int) -> tuple[list[Any], int]:
        if i >= length or text[i] != "{":
            raise ValueError("expected '{'")
        i = skip_space(i + 1)
        result: list[Any] = []
        if i < length and text[i] == "}":
            return result, i + 1
        while True:
            i = skip_space(i)
            if i >= length:
                raise ValueError("unterminated array")
            char = text[i]
            if char == "{":
                sub, i = parse(i)
                result.append(sub)
            elif char == '"':
                chunk: list[str] = []
                i += 1
                while True:
                    if i >= length:
                        raise ValueError("unterminated quoted element")
                    char = text[i]
                    if char == "\\":
                        i += 1
                        if i >= length:
                            raise ValueError("unterminated quoted element")
                        chunk.append(text[i])
                    elif char == '"':
                        i += 1
                        break
                    else:
                        chunk.append(char)
                    i += 1
                result.append("".join(chunk))
            else:
                chunk = []
                escaped = False
                kept = 0  # escaped characters are never trimmed, trailing spaces otherwise are
                while i < length and text[i] not in (delimiter, "}"):
                    char = text[i]
                    if char == "\\":
                        i += 1
                        if i >= length:
                            raise ValueError("unterminated element")
                        escaped = True
                        chunk.append(text[i])
                        kept = len(chunk)
                    elif char in '{"':
                        raise ValueError("unexpected character")
                    else:
                        chunk.append(char)
                    i += 1
                element = "".join(chunk[:kept]) + "".join(chunk[kept:]).rstrip(_SPACE)
                if not element and not escaped:
                    raise ValueError("empty element")
                result.append(None if not escaped and element.upper() == "NULL" else element)
            i = skip_space(i)
            if i < length and text[i] == delimiter:
                i += 1
                continue
            if i < length and text[i] == "}":
                return result, i + 1
            raise ValueError("expected delimiter or '}'")

    result, end = parse(skip_space(pos))
    if skip_space(end) != length:
        raise ValueError("junk after closing brace")
    return result


def array_text_decoder(element_decode: Decoder, delimiter: str = ",", name: str = "") -> Decoder:
    def convert(items: list[Any]) -> list[Any]:
        return [
            None
            if item is None
            else convert(item)
            if isinstance(item, list)
            else element_decode(item.encode())
            for item in items
        ]

    def decode(data: bytes) -> list[Any]:
        try:
            parsed = parse_array_text(data.decode(), delimiter)
        except ValueError:
            raise invalid_input(name or "array", data) from None
        return convert(parsed)

    return decode


def array_binary_decoder(element_decode: Decoder, name: str = "") -> Decoder:
    def decode(data: bytes) -> list[Any]:
        try:
            ndim: int = INT4.unpack_from(data, 0)[0]
            pos = 12
            dims = []
            for _ in range(ndim):
                dims.append(INT4.unpack_from(data, pos)[0])
                pos += 8
            flat: list[Any] = []
            count = 1
            for d in dims:
                count *= d
            for _ in range(count if ndim else 0):
                size: int = INT4.unpack_from(data, pos)[0]
                pos += 4
                if size == -1:
                    flat.append(None)
                else:
                    flat.append(element_decode(data[pos : pos + size]))
                    pos += size
        except (ValueError, IndexError, struct.error):
            raise invalid_binary(name or "array") from None
        if pos != len(data):
            raise invalid_binary(name or "array")
        # Reshape the flat list innermost dimension first.
        for d in reversed(dims[1:]):
            flat = [flat[i : i + d] for i in range(0, len(flat), d)]
        return flat

    return decode


# ---------------------------------------------------------------------------------------------

_DELIMITERS = {row[0]: row[5] for row in oids.BUILTINS}


def register_array(reg: TypeRegistry, element: TypeInfo, array_oid: int | None = None) -> TypeInfo:
    """Register the array type of `element` (its `array_oid`, unless given) with codecs."""
    oid = array_oid if array_oid is not None else element.array_oid
    delimiter = _DELIMITERS.get(element.oid, ",")
    name = f"_{element.name}"
    text_encode = text_decode = binary_encode = binary_decode = None
    text_encoder_for = None
    if element.text_encode is not None:
        quote = element.oid not in _NEVER_QUOTED
        text_encode = array_text_encoder(element.text_encode, delimiter, quote)
        if element.text_encoder_for is not None:
            text_encoder_for = _styled_array_encoder(reg, element.oid, delimiter, quote)
    if element.text_decode is not None:
        text_decode = array_text_decoder(element.text_decode, delimiter, f"{element.name}[]")
    if element.binary_encode is not None:
        binary_encode = array_binary_encoder(element.oid, element.binary_encode)
    if element.binary_decode is not None:
        binary_decode = array_binary_decoder(element.binary_decode, f"{element.name}[]")
    return reg.register(
        TypeInfo(
            oid,
            name,
            -1,
            element_oid=element.oid,
            text_encode=text_encode,
            text_decode=text_decode,
            binary_encode=binary_encode,
            binary_decode=binary_decode,
            aliases=tuple(f"{alias}[]" for alias in (element.name, *element.aliases)),
            text_encoder_for=text_encoder_for,
        )
    )


def _styled_array_encoder(
    reg: TypeRegistry, element_oid: int, delimiter: str, quote: bool
) -> Callable[[TextFormats], Encoder]:
    """Arrays print their elements as the session's settings make the element type print."""

    def build(formats: TextFormats) -> Encoder:
        return array_text_encoder(reg.encoder(element_oid, TEXT, formats), delimiter, quote)

    return build


def _vector_encoder(encode: Encoder, vector: TypeInfo, element_oid: int) -> Encoder:
    """A vector given as its text ('1 2 3') is read first."""
    text_decode = vector.text_decode

    def run(value: Any) -> bytes:
        if isinstance(value, str | bytes) and text_decode is not None:
            value = text_decode(value.encode() if isinstance(value, str) else value)
        if not value:  # one dimension of length 0, as PostgreSQL stores an empty vector
            return INT4.pack(1) + INT4.pack(0) + UINT4.pack(element_oid) + INT4.pack(0) * 2
        return encode(value)

    return run


def register(reg: TypeRegistry) -> None:
    """Register the array type of every element type registered so far."""
    # int2vector and oidvector travel in binary as one-dimensional arrays counted from 0
    # (int2vectorsend and oidvectorsend are array_send); first, so their arrays get binary too.
    for vector_oid, element_oid in ((oids.INT2VECTOR, oids.INT2), (oids.OIDVECTOR, oids.OID)):
        vector, element = reg.get(vector_oid), reg.get(element_oid)
        if vector is None or element is None or vector.binary_encode is not None:
            continue
        assert element.binary_encode is not None and element.binary_decode is not None
        vector.binary_encode = _vector_encoder(
            array_binary_encoder(element_oid, element.binary_encode, 0), vector, element_oid
        )
        vector.binary_decode = array_binary_decoder(element.binary_decode, vector.name)
    for oid, _name, _size, array_oid, _element, _delimiter in oids.BUILTINS:
        element = reg.get(oid)
        if element is not None and array_oid and reg.get(array_oid) is None:
            register_array(reg, element, array_oid)


register(registry)
