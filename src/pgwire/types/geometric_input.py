"""Geometric input: the spellings geo_ops.c's point_in, lseg_in, box_in, line_in, path_in,
poly_in and circle_in accept, read into coordinates; with float.h's overflow and underflow
checks where input is computed (a line given by two points).
"""

from __future__ import annotations

import math
import re

from pgwire import sqlstate
from pgwire.errors import PgError

Point = tuple[float, float]

# float8in's spellings: digits with an optional exponent, or NaN / Infinity / inf.
_FLOAT = re.compile(
    r"\s*([+-]?(?:(?P<hex>0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?)"
    r"|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|infinity|inf)|nan)",
    re.IGNORECASE,
)  # strtod's: decimal, hexadecimal ('0x1p3'), NaN, Infinity
_EPSILON = 1.0e-06  # geo_decls.h EPSILON: FPeq's tolerance


class Syntax(Exception):
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
            raise Syntax

    def number(self) -> float:
        match = _FLOAT.match(self.text, self.pos)
        if match is None:
            raise Syntax
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
                raise Syntax
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
                raise Syntax
        return points, is_open

    def end(self) -> None:
        if self.peek():
            raise Syntax


def _pair_count(text: str) -> int:
    commas = text.count(",")
    return (commas + 1) // 2 if commas % 2 else -1


# ---------------------------------------------------------------------------------------------
# text input → coordinates


def parse_point(text: str) -> list[float]:
    reader = _Reader(text)
    x, y = reader.pair()
    reader.end()
    return [x, y]


def parse_lseg(text: str) -> list[float]:
    reader = _Reader(text)
    points, _ = reader.path(2, True)
    reader.end()
    return [*points[0], *points[1]]


def parse_box(text: str) -> list[float]:
    reader = _Reader(text)
    (x1, y1), (x2, y2) = reader.path(2, False)[0]
    reader.end()
    return box_corners(x1, y1, x2, y2)


def _float8_lt(a: float, b: float) -> bool:
    """float8_lt: NaN sorts above every other value and equals itself."""
    if math.isnan(a):
        return False
    return math.isnan(b) or a < b


def box_corners(hx: float, hy: float, lx: float, ly: float) -> list[float]:
    """box_in and box_recv: the first corner is the high one unless it is lower."""
    if _float8_lt(hx, lx):
        hx, lx = lx, hx
    if _float8_lt(hy, ly):
        hy, ly = ly, hy
    return [hx, hy, lx, ly]


def parse_line(text: str) -> list[float]:
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


def parse_path(text: str) -> tuple[bool, list[Point]]:
    count = _pair_count(text)
    if count <= 0:
        raise Syntax
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


def parse_polygon(text: str) -> list[Point]:
    count = _pair_count(text)
    if count <= 0:
        raise Syntax
    reader = _Reader(text)
    points, _ = reader.path(count, False)
    reader.end()
    return points


def parse_circle(text: str) -> list[float]:
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
        raise Syntax
    while depth > 0:
        if reader.take(")") or (angle and depth == 1 and reader.take(">")):
            depth -= 1
        else:
            raise Syntax
    reader.end()
    return [x, y, radius]
