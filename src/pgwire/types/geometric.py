"""point, line, lseg, box, path, polygon and circle.

Values travel as PostgreSQL's text ('(1,2)', '<(0,0),1>'): decoders return that text as
PostgreSQL prints it, encoders read any spelling PostgreSQL's input functions accept. Binary
is float8 coordinates in PostgreSQL's order (geo_ops.c): a box sends its upper right corner
first, a path a closed flag byte and a point count, a polygon a point count.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import FLOAT8, INT4, invalid_binary, invalid_input
from pgwire.types.numeric import float8_text_encode
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

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


def _parse(type_name: str, parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        try:
            return parse(text)
        except _Syntax:
            raise invalid_input(type_name, text) from None

    return run


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
# coordinates → text


def _num(value: float) -> str:
    return float8_text_encode(value).decode()


def _pair_text(x: float, y: float) -> str:
    return f"({_num(x)},{_num(y)})"


def _points_text(points: list[Point]) -> str:
    return ",".join(_pair_text(x, y) for x, y in points)


def _point_text(c: list[float]) -> str:
    return _pair_text(c[0], c[1])


def _lseg_text(c: list[float]) -> str:
    return f"[{_pair_text(c[0], c[1])},{_pair_text(c[2], c[3])}]"


def _box_text(c: list[float]) -> str:
    return f"{_pair_text(c[0], c[1])},{_pair_text(c[2], c[3])}"


def _line_text(c: list[float]) -> str:
    return "{" + ",".join(_num(v) for v in c) + "}"


def _circle_text(c: list[float]) -> str:
    return f"<{_pair_text(c[0], c[1])},{_num(c[2])}>"


def _path_text(closed: bool, points: list[Point]) -> str:
    body = _points_text(points)
    return f"({body})" if closed else f"[{body}]"


def _polygon_text(points: list[Point]) -> str:
    return f"({_points_text(points)})"


# ---------------------------------------------------------------------------------------------
# codecs


def _fixed(
    type_name: str, count: int, parse: Callable[[str], list[float]], show: Callable[..., str]
) -> tuple[Any, Any, Any, Any]:
    """Codecs of a type made of `count` float8s."""
    packer = struct.Struct(">" + "d" * count)
    read = _parse(type_name, parse)

    def text_decode(data: bytes) -> str:
        return show(read(data))

    def binary_encode(value: Any) -> bytes:
        return packer.pack(*read(value))

    def binary_decode(data: bytes) -> str:
        if len(data) != packer.size:
            raise invalid_binary(type_name)
        return show(list(packer.unpack(data)))

    return _text_encode, text_decode, binary_encode, binary_decode


def _text_encode(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _check_line(data: bytes) -> bytes:
    a, b, _ = struct.unpack(">ddd", data) if len(data) == 24 else (1.0, 1.0, 0.0)
    if a == 0 and b == 0:
        raise PgError(
            "invalid line specification: A and B cannot both be zero",
            sqlstate.INVALID_BINARY_REPRESENTATION,
        )
    return data


def _check_box(data: bytes) -> bytes:
    """box_recv puts the upper right corner first."""
    if len(data) != 32:
        raise invalid_binary("box")
    return struct.pack(">dddd", *_box_corners(*struct.unpack(">dddd", data)))


def _check_circle(data: bytes) -> bytes:
    if len(data) == 24 and struct.unpack_from(">d", data, 16)[0] < 0:
        raise PgError(
            'invalid radius in external "circle" value', sqlstate.INVALID_BINARY_REPRESENTATION
        )
    return data


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


_read_path = _parse("path", _path)
_read_polygon = _parse("polygon", _polygon)


def path_text_decode(data: bytes) -> str:
    return _path_text(*_read_path(data))


def path_binary_encode(value: Any) -> bytes:
    closed, points = _read_path(value)
    return bytes((closed,)) + _points_binary(points)


def path_binary_decode(data: bytes) -> str:
    if not data:
        raise invalid_binary("path")
    return _path_text(data[0] != 0, _points_from(data, 1, "path"))


def polygon_text_decode(data: bytes) -> str:
    return _polygon_text(_read_polygon(data))


def polygon_binary_encode(value: Any) -> bytes:
    return _points_binary(_read_polygon(value))


def polygon_binary_decode(data: bytes) -> str:
    return _polygon_text(_points_from(data, 0, "polygon"))


def _checked(decode: Callable[[bytes], str], check: Callable[[bytes], bytes]) -> Any:
    def run(data: bytes) -> str:
        return decode(check(data))

    return run


def register(reg: TypeRegistry) -> None:
    fixed = {
        oids.POINT: _fixed("point", 2, _point, _point_text),
        oids.LSEG: _fixed("lseg", 4, _lseg, _lseg_text),
        oids.BOX: _fixed("box", 4, _box, _box_text),
        oids.LINE: _fixed("line", 3, _line, _line_text),
        oids.CIRCLE: _fixed("circle", 3, _circle, _circle_text),
    }
    checks = {oids.LINE: _check_line, oids.BOX: _check_box, oids.CIRCLE: _check_circle}
    codecs: dict[int, tuple[Any, Any, Any, Any]] = {
        oids.PATH: (_text_encode, path_text_decode, path_binary_encode, path_binary_decode),
        oids.POLYGON: (
            _text_encode,
            polygon_text_decode,
            polygon_binary_encode,
            polygon_binary_decode,
        ),
    }
    for oid, (text_encode, text_decode, binary_encode, binary_decode) in fixed.items():
        check = checks.get(oid)
        if check is not None:
            binary_decode = _checked(binary_decode, check)
        codecs[oid] = (text_encode, text_decode, binary_encode, binary_decode)
    for oid, (text_encode, text_decode, binary_encode, binary_decode) in codecs.items():
        reg.register(
            TypeInfo(
                oid,
                oids.NAMES[oid],
                _SIZES[oid],
                array_oid=oids.ARRAY_OF[oid],
                text_encode=text_encode,
                text_decode=text_decode,
                binary_encode=binary_encode,
                binary_decode=binary_decode,
            )
        )


_SIZES = {row[0]: row[2] for row in oids.BUILTINS}

register(registry)
