"""Range types: int4range, int8range, numrange, tsrange, tstzrange and daterange (their
multiranges are in `pgwire.types.multiranges`).

Values travel as PostgreSQL's text ('[1,10)'): decoders return the text PostgreSQL prints,
in its canonical form (discrete ranges as '[a,b)', empty ranges as 'empty'); encoders read
any range literal and print it so (elements per the session's settings). Binary follows
rangetypes.c: a flags byte, then each finite bound as int32 length + the element's binary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import INT4, invalid_binary
from pgwire.types.numeric import numeric_binary_decode
from pgwire.types.registry import (
    TEXT,
    Decoder,
    Encoder,
    TextFormats,
    TypeInfo,
    TypeRegistry,
    registry,
)

# rangetypes.h flag bits
EMPTY = 0x01
LB_INC = 0x02
UB_INC = 0x04
LB_INF = 0x08
UB_INF = 0x10

# range oid → (element oid, multirange oid)
RANGES: dict[int, tuple[int, int]] = {
    oids.INT4RANGE: (oids.INT4, oids.INT4MULTIRANGE),
    oids.INT8RANGE: (oids.INT8, oids.INT8MULTIRANGE),
    oids.NUMRANGE: (oids.NUMERIC, oids.NUMMULTIRANGE),
    oids.TSRANGE: (oids.TIMESTAMP, oids.TSMULTIRANGE),
    oids.TSTZRANGE: (oids.TIMESTAMPTZ, oids.TSTZMULTIRANGE),
    oids.DATERANGE: (oids.DATE, oids.DATEMULTIRANGE),
}
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DATE_NOT_FINITE = frozenset(_INT32)  # DATEVAL_NOBEGIN, DATEVAL_NOEND


@dataclass(frozen=True, slots=True)
class Range:
    """A range in its stored form: flags, and each finite bound as the element's binary."""

    flags: int
    lower: bytes | None = None
    upper: bytes | None = None


class Subtype:
    """What a range needs of its element type: binary ↔ text, ordering, canonical form."""

    def __init__(self, range_name: str, element: int, reg: TypeRegistry) -> None:
        self.range_name = range_name
        self.element = element
        self.to_binary = reg.encoder(element, 1)
        self.from_binary = reg.decoder(element, 1)
        self.width = {oids.INT4: 4, oids.DATE: 4, oids.INT8: 8}.get(element, 0)

    def key(self, data: bytes) -> Any:
        """A sort key: the stored integer for integers, dates and timestamps."""
        if self.element == oids.NUMERIC:
            number = numeric_binary_decode(data)
            return (1, Decimal(0)) if number.is_nan() else (0, number)
        return int.from_bytes(data, "big", signed=True)

    def step(self, data: bytes) -> bytes | None:
        """The next value of a discrete element (None: no canonical form, or infinite)."""
        if not self.width:
            return None
        value = int.from_bytes(data, "big", signed=True)
        if self.element == oids.DATE and value in _DATE_NOT_FINITE:
            return None
        high = (_INT64 if self.width == 8 else _INT32)[1]
        if value + 1 > high:
            what = "date" if self.element == oids.DATE else "integer"
            name = "bigint" if self.width == 8 else what
            raise PgError(f"{name} out of range", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
        return (value + 1).to_bytes(self.width, "big", signed=True)


def _make(sub: Subtype, flags: int, lower: bytes | None, upper: bytes | None) -> Range:
    """range_serialize then the canonical function: validate, normalize, maybe empty."""
    if flags & EMPTY:
        return Range(EMPTY)
    if lower is None:
        flags = (flags | LB_INF) & ~LB_INC
    if upper is None:
        flags = (flags | UB_INF) & ~UB_INC
    if lower is not None and upper is not None:
        low, high = sub.key(lower), sub.key(upper)
        if low > high:
            raise PgError(
                "range lower bound must be less than or equal to range upper bound",
                sqlstate.DATA_EXCEPTION,
            )
        if low == high and not (flags & LB_INC and flags & UB_INC):
            return Range(EMPTY)
    if sub.width:
        if lower is not None and not flags & LB_INC:
            stepped = sub.step(lower)
            if stepped is not None:
                lower, flags = stepped, flags | LB_INC
        if upper is not None and flags & UB_INC:
            stepped = sub.step(upper)
            if stepped is not None:
                upper, flags = stepped, flags & ~UB_INC
        # [a,a) after stepping: empty (infinite dates keep their inclusive brackets).
        if (
            lower is not None
            and upper is not None
            and sub.key(lower) >= sub.key(upper)
            and not (flags & LB_INC and flags & UB_INC)
        ):
            return Range(EMPTY)
    return Range(flags, lower, upper)


# ---------------------------------------------------------------------------------------------
# text


def malformed(kind: str, text: str, detail: str) -> PgError:
    return PgError(
        f'malformed {kind} literal: "{text}"', sqlstate.INVALID_TEXT_REPRESENTATION, detail=detail
    )


def _parse_bound(text: str, pos: int, whole: str) -> tuple[str | None, int]:
    """range_parse_bound: None for an empty (infinite) bound; quotes and backslashes."""
    if pos < len(text) and text[pos] in ",)]":
        return None, pos
    chunk: list[str] = []
    quoted = False
    while quoted or not (pos < len(text) and text[pos] in ",)]"):
        if pos >= len(text):
            raise malformed("range", whole, "Unexpected end of input.")
        char = text[pos]
        pos += 1
        if char == "\\":
            if pos >= len(text):
                raise malformed("range", whole, "Unexpected end of input.")
            chunk.append(text[pos])
            pos += 1
        elif char == '"':
            if not quoted:
                quoted = True
            elif pos < len(text) and text[pos] == '"':
                chunk.append('"')
                pos += 1
            else:
                quoted = False
        else:
            chunk.append(char)
    return "".join(chunk), pos


def _parse_range(text: str, pos: int, whole: str) -> tuple[int, str | None, str | None, int]:
    """range_parse from `pos`: (flags, lower text, upper text, end position)."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if text[pos : pos + 5].lower() == "empty":
        return EMPTY, None, None, pos + 5
    flags = 0
    if text[pos : pos + 1] == "[":
        flags |= LB_INC
    elif text[pos : pos + 1] != "(":
        raise malformed("range", whole, "Missing left parenthesis or bracket.")
    lower, pos = _parse_bound(text, pos + 1, whole)
    if text[pos : pos + 1] != ",":
        raise malformed("range", whole, "Missing comma after lower bound.")
    upper, pos = _parse_bound(text, pos + 1, whole)
    if text[pos : pos + 1] == "]":
        flags |= UB_INC
    elif text[pos : pos + 1] != ")":
        raise malformed("range", whole, "Too many commas.")
    return flags, lower, upper, pos + 1


def _escape(text: str) -> str:
    """range_bound_escape: double quotes around text with specials, doubling " and \\."""
    body = text.replace("\\", "\\\\").replace('"', '""')
    if not text or any(c in '"\\()[],' or c.isspace() for c in text):
        return f'"{body}"'
    return body


class RangeCodec:
    def __init__(self, sub: Subtype, parse_element: Decoder, print_element: Encoder) -> None:
        self.sub = sub
        self.parse_element = parse_element
        self.print_element = print_element

    def element_binary(self, text: str | None) -> bytes | None:
        if text is None:
            return None
        return self.sub.to_binary(self.parse_element(text.encode()))

    def element_text(self, data: bytes | None) -> str:
        assert data is not None
        return _escape(self.print_element(self.sub.from_binary(data)).decode())

    def parse(self, text: str, pos: int = 0, whole: str = "") -> tuple[Range, int]:
        flags, lower, upper, end = _parse_range(text, pos, whole or text)
        if flags & EMPTY:
            return Range(EMPTY), end
        return _make(self.sub, flags, self.element_binary(lower), self.element_binary(upper)), end

    def read_text(self, value: Any) -> Range:
        text = value.decode() if isinstance(value, bytes) else str(value)
        found, end = self.parse(text)
        if text[end:].strip():
            raise malformed("range", text, "Junk after right parenthesis or bracket.")
        return found

    def show(self, value: Range) -> str:
        if value.flags & EMPTY:
            return "empty"
        lower = "" if value.lower is None else self.element_text(value.lower)
        upper = "" if value.upper is None else self.element_text(value.upper)
        left = "[" if value.flags & LB_INC else "("
        right = "]" if value.flags & UB_INC else ")"
        return f"{left}{lower},{upper}{right}"

    def binary(self, value: Range) -> bytes:
        parts = [bytes((value.flags,))]
        for bound in (value.lower, value.upper):
            if bound is not None:
                parts.append(INT4.pack(len(bound)) + bound)
        return b"".join(parts)

    def read_binary(self, data: bytes) -> Range:
        if not data:
            raise invalid_binary(self.sub.range_name)
        flags = data[0]
        pos = 1
        bounds: list[bytes | None] = []
        for missing in (EMPTY | LB_INF, EMPTY | UB_INF):
            if flags & missing:
                bounds.append(None)
                continue
            if len(data) < pos + 4:
                raise invalid_binary(self.sub.range_name)
            size: int = INT4.unpack_from(data, pos)[0]
            pos += 4
            if size < 0 or len(data) < pos + size:
                raise invalid_binary(self.sub.range_name)
            element = data[pos : pos + size]
            pos += size
            # Through the element's own decoder and encoder: validated, in canonical bytes.
            bounds.append(self.sub.to_binary(self.sub.from_binary(element)))
        if pos != len(data):
            raise invalid_binary(self.sub.range_name)
        if flags & EMPTY:
            return Range(EMPTY)
        return _make(self.sub, flags & (LB_INC | UB_INC), bounds[0], bounds[1])


# ---------------------------------------------------------------------------------------------
# registration


def make_codecs(codec: Any) -> tuple[Encoder, Decoder, Encoder, Decoder]:
    """Text out (any literal, printed as PostgreSQL prints it), text in, binary out and in, of
    a codec with read_text, show, binary and read_binary (a range's or a multirange's)."""

    def text_encode(value: Any) -> bytes:
        return str(codec.show(codec.read_text(value))).encode()

    def text_decode(data: bytes) -> str:
        return str(codec.show(codec.read_text(data)))

    def binary_encode(value: Any) -> bytes:
        return bytes(codec.binary(codec.read_text(value)))

    def binary_decode(data: bytes) -> str:
        return str(codec.show(codec.read_binary(data)))

    return text_encode, text_decode, binary_encode, binary_decode


def register_type(
    reg: TypeRegistry, oid: int, sub: Subtype, wrap: Callable[[RangeCodec], Any]
) -> None:
    """Register a range type (wrap: the range codec itself) or a multirange type."""

    def styled(which: int) -> Callable[[TextFormats], Any]:
        # Output (0) is read and printed per the session's settings; input (1) is read per
        # them and printed with the defaults (ISO, UTC), the spelling values have whatever
        # the session.
        def build(formats: TextFormats) -> Any:
            printer = reg.encoder(sub.element, TEXT, formats if which == 0 else None)
            codec = RangeCodec(sub, reg.decoder(sub.element, TEXT, formats), printer)
            return make_codecs(wrap(codec))[which]

        return build

    codec = wrap(RangeCodec(sub, reg.decoder(sub.element), reg.encoder(sub.element)))
    text_encode, text_decode, binary_encode, binary_decode = make_codecs(codec)
    reg.register(
        TypeInfo(
            oid,
            oids.NAMES[oid],
            -1,
            array_oid=oids.ARRAY_OF[oid],
            text_encode=text_encode,
            text_decode=text_decode,
            binary_encode=binary_encode,
            binary_decode=binary_decode,
            text_encoder_for=styled(0),
            text_decoder_for=styled(1),
        )
    )


def register(reg: TypeRegistry) -> None:
    for range_oid, (element_oid, _multi) in RANGES.items():
        sub = Subtype(oids.NAMES[range_oid], element_oid, reg)
        register_type(reg, range_oid, sub, lambda codec: codec)


register(registry)
