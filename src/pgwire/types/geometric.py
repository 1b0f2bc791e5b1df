"""point, line, lseg, box, path, polygon and circle.

Values travel as PostgreSQL's text ('(1,2)', '<(0,0),1>'): decoders return that text as
PostgreSQL prints it, encoders read any spelling PostgreSQL's input functions accept and print
it as PostgreSQL does (numbers per extra_float_digits). Binary
is float8 coordinates in PostgreSQL's order (geo_ops.c): a box sends its upper right corner
first, a path a closed flag byte and a point count, a polygon a point count.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import FLOAT8, INT4, invalid_binary, invalid_input
from pgwire.types.numeric import float8_text_encode, float8_text_encoder
from pgwire.types.registry import Encoder, TextFormats, TypeInfo, TypeRegistry, registry

Point = tuple[float, float]

# float8in's spellings: digits with an optional exponent, or NaN / Infinity / inf.
_FLOAT = re.compile(
    r"\s*([+-]?(?:(?P<hex>0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?)"
    r"|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|infinity|inf)|nan)",
    re.IGNORECASE,
)  # strtod's: decimal, hexadecimal ('0x1p3'), NaN, Infinity
_EPSILON = 1.0e-06  # geo_decls.h EPSILON: FPeq's tolerance


class _Syntax(Exception):
    """Malformed geometric input; the caller reports it for its type."""


class _Reader:
    """A cursor over geometric input, after geo_ops.c's pair_decode and path_decode."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.take(char):
            raise _Syntax

    def number(self) -> float:
        match = _FLOAT.match(self.text, self.pos)
        if match is None:
            raise _Syntax
        self.pos = match.end()
        token = match.group(1)
        try:
            number = float.fromhex(token) if match.group("hex") else float(token)
        except OverflowError:
            number = math.inf
        # strtod's ERANGE, which float() does not report: too big, or a nonzero too small.
        digits = (
            token.lower().lstrip("+-").removeprefix("0x").split("p" if match.group("hex") else "e")
        )
        if (math.isinf(number) and token.lower().lstrip("+-")[:1] != "i") or (
            number == 0 and digits[0].strip("0.")
        ):
            raise PgError(
                f'"{token}" is out of range for type double precision',
                sqlstate.NUMERIC_VALUE_OUT_OF_RANGE,
            )
        return number

    def pair(self) -> Point:
        delimited = self.take("(")
        x = self.number()
        self.expect(",")
        y = self.number()
        if delimited:
            self.expect(")")
        return x, y

    def path(self, count: int, open_allowed: bool) -> tuple[list[Point], bool]:
        """`count` points, bracketed or parenthesized as path_decode reads them; and whether
        the spelling was open ('[...]')."""
        depth = 0
        is_open = False
        if self.peek() == "[":
            if not open_allowed:
                raise _Syntax
            is_open = True
            depth += 1
            self.pos += 1
        elif self.peek() == "(":
            after = self.pos + 1
            while after < len(self.text) and self.text[after].isspace():
                after += 1
            if self.text[after : after + 1] == "(" or self.text.rfind("(") == self.pos:
                depth += 1
                self.pos = after
        points = []
        for _ in range(count):
            points.append(self.pair())
            self.take(",")
        while depth > 0:
            if self.take(")") or (is_open and depth == 1 and self.take("]")):
                depth -= 1
            else:
                raise _Syntax
        return points, is_open

    def end(self) -> None:
        if self.peek():
            raise _Syntax


def _pair_count(text: str) -> int:
    commas = text.count(",")
    return (commas + 1) // 2 if commas % 2 else -1


# ---------------------------------------------------------------------------------------------
# text input → coordinates


def _point(text: str) -> list[float]:
    reader = _Reader(text)
    x, y = reader.pair()
    reader.end()
    return [x, y]


def _lseg(text: str) -> list[float]:
    reader = _Reader(text)
    points, _ = reader.path(2, True)
    reader.end()
    return [*points[0], *points[1]]


def _box(text: str) -> list[float]:
    reader = _Reader(text)
    (x1, y1), (x2, y2) = reader.path(2, False)[0]
    reader.end()
    return _box_corners(x1, y1, x2, y2)


def _float8_lt(a: float, b: float) -> bool:
    """float8_lt: NaN sorts above every other value and equals itself."""
    if math.isnan(a):
        return False
    return math.isnan(b) or a < b


def _box_corners(hx: float, hy: float, lx: float, ly: float) -> list[float]:
    """box_in and box_recv: the first corner is the high one unless it is lower."""
    if _float8_lt(hx, lx):
        hx, lx = lx, hx
    if _float8_lt(hy, ly):
        hy, ly = ly, hy
    return [hx, hy, lx, ly]


def _line(text: str) -> list[float]:
    reader = _Reader(text)
    if reader.take("{"):
        a = reader.number()
        reader.expect(",")
        b = reader.number()
        reader.expect(",")
        c = reader.number()
        reader.expect("}")
        reader.end()
        if a == 0 and b == 0:
            raise PgError(
                "invalid line specification: A and B cannot both be zero",
                sqlstate.INVALID_TEXT_REPRESENTATION,
            )
        return [a, b, c]
    (x1, y1), (x2, y2) = reader.path(2, True)[0]
    reader.end()
    if _same_point(x1, y1, x2, y2):
        raise PgError(
            "invalid line specification: must be two distinct points",
            sqlstate.INVALID_TEXT_REPRESENTATION,
        )
    return _line_through(x1, y1, x2, y2)


def _fp_eq(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= _EPSILON


def _same_point(x1: float, y1: float, x2: float, y2: float) -> bool:
    """point_eq_point: equal within EPSILON; with a NaN, exactly equal (NaN equals NaN)."""
    if any(math.isnan(v) for v in (x1, y1, x2, y2)):
        return _float8_eq(x1, x2) and _float8_eq(y1, y2)
    return _fp_eq(x1, x2) and _fp_eq(y1, y2)


def _float8_eq(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _line_through(x1: float, y1: float, x2: float, y2: float) -> list[float]:
    """line_construct(pt1, point_sl(pt1, pt2)): Ax + By + C = 0 with B = -1 unless vertical."""
    if _fp_eq(x1, x2):
        slope = math.inf
    elif _fp_eq(y1, y2):
        slope = 0.0
    else:
        slope = _arith(_minus(y1, y2) / _minus(x1, x2), y1 - y2, x1 - x2, divide=True)
    if math.isinf(slope):
        return [-1.0, 0.0, x1]
    if slope == 0:
        return [0.0, -1.0, y1]
    c = _minus(y1, _arith(slope * x1, slope, x1))
    return [slope, -1.0, c if c != 0 else 0.0]  # no -0, as line_construct avoids it


def _minus(a: float, b: float) -> float:
    return _arith(a - b, a, b, underflow=False)


def _arith(
    result: float, a: float, b: float, *, divide: bool = False, underflow: bool = True
) -> float:
    """float.h's checks on float8 arithmetic: an infinite result from finite operands
    overflows, a zero from nonzero ones (a finite divisor, when dividing) underflows."""
    if math.isinf(result) and not math.isinf(a) and not math.isinf(b):
        raise PgError("value out of range: overflow", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
    if underflow and result == 0 and a != 0 and (not math.isinf(b) if divide else b != 0):
        raise PgError("value out of range: underflow", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE)
    return result


def _path(text: str) -> tuple[bool, list[Point]]:
    count = _pair_count(text)
    if count <= 0:
        raise _Syntax
    reader = _Reader(text)
    depth = 0
    if reader.peek() == "(" and text.rfind("(") == reader.pos:
        reader.pos += 1
        depth += 1
    points, is_open = reader.path(count, True)
    if depth:
        reader.expect(")")
    reader.end()
    return not is_open, points


def _polygon(text: str) -> list[Point]:
    count = _pair_count(text)
    if count <= 0:
        raise _Syntax
    reader = _Reader(text)
    points, _ = reader.path(count, False)
    reader.end()
    return points


def _circle(text: str) -> list[float]:
    reader = _Reader(text)
    depth = 0
    angle = False
    if reader.take("<"):
        depth, angle = 1, True
    elif reader.peek() == "(":
        after = reader.pos + 1
        while after < len(text) and text[after].isspace():
            after += 1
        if text[after : after + 1] == "(":
            depth += 1
            reader.pos = after
    x, y = reader.pair()
    reader.take(",")
    radius = reader.number()
    if radius < 0:
        raise _Syntax
    while depth > 0:
        if reader.take(")") or (angle and depth == 1 and reader.take(">")):
            depth -= 1
        else:
            raise _Syntax
    reader.end()
    return [x, y, radius]


# ---------------------------------------------------------------------------------------------
# coordinates → text, each number printed by `num` (float8out under extra_float_digits)

Num = Callable[[float], str]


def _default_num(value: float) -> str:
    return float8_text_encode(value).decode()


def _pair_text(x: float, y: float, num: Num) -> str:
    return f"({num(x)},{num(y)})"


def _points_text(points: list[Point], num: Num) -> str:
    return ",".join(_pair_text(x, y, num) for x, y in points)


def _point_text(c: list[float], num: Num) -> str:
    return _pair_text(c[0], c[1], num)


def _lseg_text(c: list[float], num: Num) -> str:
    return f"[{_pair_text(c[0], c[1], num)},{_pair_text(c[2], c[3], num)}]"


def _box_text(c: list[float], num: Num) -> str:
    return f"{_pair_text(c[0], c[1], num)},{_pair_text(c[2], c[3], num)}"


def _line_text(c: list[float], num: Num) -> str:
    return "{" + ",".join(num(v) for v in c) + "}"


def _circle_text(c: list[float], num: Num) -> str:
    return f"<{_pair_text(c[0], c[1], num)},{num(c[2])}>"


def _path_text(path: tuple[bool, list[Point]], num: Num) -> str:
    body = _points_text(path[1], num)
    return f"({body})" if path[0] else f"[{body}]"


def _polygon_text(points: list[Point], num: Num) -> str:
    return f"({_points_text(points, num)})"


# ---------------------------------------------------------------------------------------------
# binary, checked as the *_recv functions check it


def _line_checked(c: list[float]) -> list[float]:
    if c[0] == 0 and c[1] == 0:
        raise PgError(
            "invalid line specification: A and B cannot both be zero",
            sqlstate.INVALID_BINARY_REPRESENTATION,
        )
    return c


def _circle_checked(c: list[float]) -> list[float]:
    if c[2] < 0:
        raise PgError(
            'invalid radius in external "circle" value', sqlstate.INVALID_BINARY_REPRESENTATION
        )
    return c


def _box_checked(c: list[float]) -> list[float]:
    return _box_corners(*c)  # box_recv puts the upper right corner first


def _points_binary(points: list[Point]) -> bytes:
    return INT4.pack(len(points)) + b"".join(FLOAT8.pack(x) + FLOAT8.pack(y) for x, y in points)


def _points_from(data: bytes, pos: int, type_name: str) -> list[Point]:
    if len(data) < pos + 4:
        raise invalid_binary(type_name)
    count: int = INT4.unpack_from(data, pos)[0]
    pos += 4
    if count <= 0 or len(data) != pos + 16 * count:
        raise PgError(
            f'invalid number of points in external "{type_name}" value',
            sqlstate.INVALID_BINARY_REPRESENTATION,
        )
    flat = struct.unpack_from(f">{2 * count}d", data, pos)
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _path_pack(path: tuple[bool, list[Point]]) -> bytes:
    return bytes((path[0],)) + _points_binary(path[1])


def _path_unpack(data: bytes) -> tuple[bool, list[Point]]:
    if not data:
        raise invalid_binary("path")
    return data[0] != 0, _points_from(data, 1, "path")


def _polygon_unpack(data: bytes) -> list[Point]:
    return _points_from(data, 0, "polygon")


def _floats(type_name: str, count: int, check: Callable[[list[float]], list[float]] | None) -> Any:
    """(pack, unpack) of a type made of `count` float8s."""
    packer = struct.Struct(">" + "d" * count)

    def pack(c: list[float]) -> bytes:
        return packer.pack(*c)

    def unpack(data: bytes) -> list[float]:
        if len(data) != packer.size:
            raise invalid_binary(type_name)
        c = list(packer.unpack(data))
        return check(c) if check is not None else c

    return pack, unpack


# ---------------------------------------------------------------------------------------------
# codecs


@dataclass(frozen=True, slots=True)
class _Geometry:
    """One geometric type: text ↔ coordinates ↔ binary."""

    name: str
    parse: Callable[[str], Any]
    show: Callable[[Any, Num], str]
    pack: Callable[[Any], bytes]
    unpack: Callable[[bytes], Any]

    def read(self, value: Any) -> Any:
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        try:
            return self.parse(text)
        except _Syntax:
            raise invalid_input(self.name, text) from None

    def text_encoder(self, num: Num) -> Encoder:
        """Text of a value given in any spelling PostgreSQL reads, printed as it prints."""

        def encode(value: Any) -> bytes:
            return self.show(self.read(value), num).encode()

        return encode

    def text_encoder_for(self, formats: TextFormats) -> Encoder:
        float_text = float8_text_encoder(formats.extra_float_digits)
        return self.text_encoder(lambda value: float_text(value).decode())

    def text_decode(self, data: bytes) -> str:
        return self.show(self.read(data), _default_num)

    def binary_encode(self, value: Any) -> bytes:
        return self.pack(self.read(value))

    def binary_decode(self, data: bytes) -> str:
        return self.show(self.unpack(data), _default_num)


def _geometries() -> dict[int, _Geometry]:
    fixed = (
        (oids.POINT, "point", 2, _point, _point_text, None),
        (oids.LSEG, "lseg", 4, _lseg, _lseg_text, None),
        (oids.BOX, "box", 4, _box, _box_text, _box_checked),
        (oids.LINE, "line", 3, _line, _line_text, _line_checked),
        (oids.CIRCLE, "circle", 3, _circle, _circle_text, _circle_checked),
    )
    found = {
        oid: _Geometry(name, parse, show, *_floats(name, count, check))
        for oid, name, count, parse, show, check in fixed
    }
    found[oids.PATH] = _Geometry("path", _path, _path_text, _path_pack, _path_unpack)
    found[oids.POLYGON] = _Geometry(
        "polygon", _polygon, _polygon_text, _points_binary, _polygon_unpack
    )
    return found


def register(reg: TypeRegistry) -> None:
    sizes = {row[0]: row[2] for row in oids.BUILTINS}
    for oid, geometry in _geometries().items():
        reg.register(
            TypeInfo(
                oid,
                geometry.name,
                sizes[oid],
                array_oid=oids.ARRAY_OF[oid],
                text_encode=geometry.text_encoder(_default_num),
                text_decode=geometry.text_decode,
                binary_encode=geometry.binary_encode,
                binary_decode=geometry.binary_decode,
                text_encoder_for=geometry.text_encoder_for,
            )
        )


register(registry)
