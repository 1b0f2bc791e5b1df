"""Multirange types: int4multirange ... datemultirange.

Text '{[1,3),[5,7)}' (decoders return it as PostgreSQL prints it: empty ranges dropped, the
rest sorted and merged where they overlap or touch; encoders print any spelling so); binary
an int32 count of ranges, each with an int32 length first (multirange_send).
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from pgwire.types import oids
from pgwire.types._util import INT4, invalid_binary
from pgwire.types.ranges import (
    EMPTY,
    LB_INC,
    LB_INF,
    RANGES,
    UB_INC,
    UB_INF,
    Range,
    RangeCodec,
    Subtype,
    malformed,
    register_type,
)
from pgwire.types.registry import TypeRegistry, registry


def _compare_bounds(
    sub: Subtype, a: bytes | None, a_inc: bool, a_lower: bool, b: bytes | None, b_inc: bool,
    b_lower: bool,
) -> int:  # fmt: skip
    """range_cmp_bounds: order two bounds, lower or upper, infinite or not."""
    if a is None and b is None:
        return 0 if a_lower == b_lower else (-1 if a_lower else 1)
    if a is None:
        return -1 if a_lower else 1
    if b is None:
        return 1 if b_lower else -1
    ka, kb = sub.key(a), sub.key(b)
    if ka != kb:
        return -1 if ka < kb else 1
    if not a_inc and not b_inc:
        return 0 if a_lower == b_lower else (1 if a_lower else -1)
    if not a_inc:
        return 1 if a_lower else -1
    if not b_inc:
        return -1 if b_lower else 1
    return 0


def _normalize(sub: Subtype, ranges: list[Range]) -> list[Range]:
    """multirange_canonicalize: drop empties, sort, merge what overlaps or touches."""

    def lower_cmp(r: Range, s: Range) -> int:
        found = _compare_bounds(
            sub, r.lower, bool(r.flags & LB_INC), True, s.lower, bool(s.flags & LB_INC), True
        )
        if found:
            return found
        return _compare_bounds(
            sub, r.upper, bool(r.flags & UB_INC), False, s.upper, bool(s.flags & UB_INC), False
        )

    kept = sorted((r for r in ranges if not r.flags & EMPTY), key=cmp_to_key(lower_cmp))
    merged: list[Range] = []
    for current in kept:
        if merged:
            last = merged[-1]
            last_up_inc, cur_low_inc = bool(last.flags & UB_INC), bool(current.flags & LB_INC)
            order = _compare_bounds(
                sub, current.lower, cur_low_inc, True, last.upper, last_up_inc, False
            )
            touching = (
                current.lower is not None
                and last.upper is not None
                and sub.key(current.lower) == sub.key(last.upper)
                and last_up_inc != cur_low_inc
            )
            if order <= 0 or touching:
                cur_up_inc = bool(current.flags & UB_INC)
                upper_order = _compare_bounds(
                    sub, current.upper, cur_up_inc, False, last.upper, last_up_inc, False
                )
                if upper_order > 0:
                    flags = (last.flags & (LB_INC | LB_INF)) | (current.flags & (UB_INC | UB_INF))
                    merged[-1] = Range(flags, last.lower, current.upper)
                continue
        merged.append(current)
    return merged


class MultirangeCodec:
    def __init__(self, ranges: RangeCodec) -> None:
        self.ranges = ranges
        self.name = oids.NAMES[_MULTIRANGE_OF[ranges.sub.element]]

    def read_text(self, value: Any) -> list[Range]:
        text = value.decode() if isinstance(value, bytes) else str(value)
        pos = _skip_space(text, 0)
        if text[pos : pos + 1] != "{":
            raise malformed("multirange", text, "Missing left brace.")
        pos = _skip_space(text, pos + 1)
        found: list[Range] = []
        if text[pos : pos + 1] == "}":
            pos += 1
        else:
            while True:
                if pos >= len(text):
                    raise malformed("multirange", text, "Unexpected end of input.")
                one, pos = self.ranges.parse(text, pos, text)
                found.append(one)
                pos = _skip_space(text, pos)
                if text[pos : pos + 1] == ",":
                    pos += 1
                elif text[pos : pos + 1] == "}":
                    pos += 1
                    break
                else:
                    raise malformed("multirange", text, "Expected comma or end of multirange.")
        if text[pos:].strip():
            raise malformed("multirange", text, "Junk after closing right brace.")
        return _normalize(self.ranges.sub, found)

    def show(self, value: list[Range]) -> str:
        return "{" + ",".join(self.ranges.show(r) for r in value) + "}"

    def binary(self, value: list[Range]) -> bytes:
        parts = [INT4.pack(len(value))]
        for one in value:
            data = self.ranges.binary(one)
            parts.append(INT4.pack(len(data)) + data)
        return b"".join(parts)

    def read_binary(self, data: bytes) -> list[Range]:
        if len(data) < 4:
            raise invalid_binary(self.name)
        count: int = INT4.unpack_from(data)[0]
        pos = 4
        found = []
        for _ in range(count):
            if len(data) < pos + 4:
                raise invalid_binary(self.name)
            size: int = INT4.unpack_from(data, pos)[0]
            pos += 4
            if size < 0 or len(data) < pos + size:
                raise invalid_binary(self.name)
            found.append(self.ranges.read_binary(data[pos : pos + size]))
            pos += size
        if pos != len(data):
            raise invalid_binary(self.name)
        return _normalize(self.ranges.sub, found)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


_MULTIRANGE_OF = {element: multi for element, multi in RANGES.values()}


def register(reg: TypeRegistry) -> None:
    for range_oid, (element_oid, multi_oid) in RANGES.items():
        sub = Subtype(oids.NAMES[range_oid], element_oid, reg)
        register_type(reg, multi_oid, sub, MultirangeCodec)


register(registry)
