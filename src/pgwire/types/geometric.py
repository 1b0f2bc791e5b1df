"""point, line, lseg, box, path, polygon and circle.

Values travel as PostgreSQL's text ('(1,2)', '<(0,0),1>'): decoders return that text as
PostgreSQL prints it, encoders read any spelling PostgreSQL's input functions accept
(`pgwire.types.geometric_input`) and print it as PostgreSQL does (numbers per
extra_float_digits). Binary is float8 coordinates in PostgreSQL's order (geo_ops.c): a box
sends its upper right corner first, a path a closed flag byte and a point count, a polygon a
point count.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import FLOAT8, INT4, invalid_binary, invalid_input
from pgwire.types.geometric_input import (
    Point,
    Syntax,
    box_corners,
    parse_box,
    parse_circle,
    parse_line,
    parse_lseg,
    parse_path,
    parse_point,
    parse_polygon,
)
from pgwire.types.numeric import float8_text_encode, float8_text_encoder
from pgwire.types.registry import Encoder, TextFormats, TypeInfo, TypeRegistry, registry

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
    return box_corners(*c)  # box_recv puts the upper right corner first


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
        except Syntax:
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
        (oids.POINT, "point", 2, parse_point, _point_text, None),
        (oids.LSEG, "lseg", 4, parse_lseg, _lseg_text, None),
        (oids.BOX, "box", 4, parse_box, _box_text, _box_checked),
        (oids.LINE, "line", 3, parse_line, _line_text, _line_checked),
        (oids.CIRCLE, "circle", 3, parse_circle, _circle_text, _circle_checked),
    )
    found = {
        oid: _Geometry(name, parse, show, *_floats(name, count, check))
        for oid, name, count, parse, show, check in fixed
    }
    found[oids.PATH] = _Geometry("path", parse_path, _path_text, _path_pack, _path_unpack)
    found[oids.POLYGON] = _Geometry(
        "polygon", parse_polygon, _polygon_text, _points_binary, _polygon_unpack
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
