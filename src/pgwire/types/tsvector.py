"""tsvector: text "'cat':3A 'fat':2,4" (decoders return it as PostgreSQL prints it, lexemes
sorted and merged, positions sorted; encoders print any spelling so), binary as tsvectorsend
sends it: int32 lexeme count, then each lexeme NUL-terminated, a uint16 position count and
uint16 positions whose top two bits are the weight (A=3 ... D=0).
"""

from __future__ import annotations

import struct
from itertools import pairwise
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import INT4, invalid_binary
from pgwire.types.registry import TypeInfo, TypeRegistry, registry

_MAX_POS = (1 << 14) - 1  # positions beyond are kept as this (LIMITPOS)
_MAX_POSITIONS = 256  # MAXNUMPOS: more per lexeme are dropped
_WEIGHTS = {"a": 3, "b": 2, "c": 1, "d": 0}
_WEIGHT_LETTERS = ("", "C", "B", "A")
_UINT2 = struct.Struct(">H")

# lexeme → positions, each (weight << 14) | position
_Vector = dict[bytes, list[int]]


def _syntax(text: str) -> PgError:
    return PgError(f'syntax error in tsvector: "{text}"', sqlstate.SYNTAX_ERROR)


def _parse(text: str) -> _Vector:
    """gettoken_tsvector: quoted or bare words, backslash escapes, ':1A,2' positions."""
    words: _Vector = {}
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        chunk: list[str] = []
        if text[pos] == "'":
            pos += 1
            while True:
                if pos >= end:
                    raise _syntax(text)
                char = text[pos]
                if char == "\\" and pos + 1 < end:
                    chunk.append(text[pos + 1])
                    pos += 2
                elif char == "'":
                    if text[pos + 1 : pos + 2] == "'":
                        chunk.append("'")
                        pos += 2
                    else:
                        pos += 1
                        break
                else:
                    chunk.append(char)
                    pos += 1
        else:
            while pos < end and not text[pos].isspace() and text[pos] != ":":
                if text[pos] == "\\":
                    if pos + 1 >= end:
                        raise _syntax(text)
                    pos += 1
                elif text[pos] == "'":
                    raise _syntax(text)
                chunk.append(text[pos])
                pos += 1
        positions: list[int] = []
        if text[pos : pos + 1] == ":" and text[pos + 1 : pos + 2].isdigit():
            pos += 1
            while True:
                start = pos
                while pos < end and text[pos].isdigit():
                    pos += 1
                if start == pos:
                    raise _syntax(text)
                number = int(text[start:pos])
                if number == 0:
                    raise PgError(
                        f'wrong position info in tsvector: "{text}"', sqlstate.SYNTAX_ERROR
                    )
                weight = 0
                while pos < end and text[pos].lower() in _WEIGHTS:
                    weight = _WEIGHTS[text[pos].lower()]
                    pos += 1
                positions.append((weight << 14) | min(number, _MAX_POS))
                if text[pos : pos + 1] != ",":
                    break
                pos += 1
        elif text[pos : pos + 1] == ":":
            raise _syntax(text)
        if pos < end and not text[pos].isspace():
            raise _syntax(text)
        if not chunk:
            raise _syntax(text)
        words.setdefault("".join(chunk).encode(), []).extend(positions)
    return words


def _unique_positions(entries: list[int]) -> list[int]:
    """uniquePos: sorted by position, one entry per position (the highest weight wins), and
    nothing after the 256th entry or after the first at the largest position."""
    ordered = sorted(entries, key=lambda entry: entry & _MAX_POS)  # stable, like pg_qsort here
    if not ordered:
        return []
    kept = [ordered[0]]
    for entry in ordered[1:]:
        last = kept[-1]
        if entry & _MAX_POS != last & _MAX_POS:
            kept.append(entry)
            if len(kept) >= _MAX_POSITIONS or entry & _MAX_POS == _MAX_POS:
                break
        elif entry >> 14 > last >> 14:
            kept[-1] = entry
    return kept


def _normalize(words: _Vector) -> list[tuple[bytes, list[int]]]:
    """Lexemes in byte order, each with its unique positions."""
    return [(lexeme, _unique_positions(words[lexeme])) for lexeme in sorted(words)]


def _quote(lexeme: bytes) -> str:
    text = lexeme.decode(errors="replace")
    return "'" + text.replace("'", "''").replace("\\", "\\\\") + "'"


def _show(vector: list[tuple[bytes, list[int]]]) -> str:
    parts = []
    for lexeme, positions in vector:
        text = _quote(lexeme)
        if positions:
            text += ":" + ",".join(
                f"{entry & _MAX_POS}{_WEIGHT_LETTERS[entry >> 14]}" for entry in positions
            )
        parts.append(text)
    return " ".join(parts)


def _read_text(value: Any) -> list[tuple[bytes, list[int]]]:
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return _normalize(_parse(text))


def tsvector_text_encode(value: Any) -> bytes:
    return _show(_read_text(value)).encode()


def tsvector_text_decode(data: bytes) -> str:
    return _show(_read_text(data))


def tsvector_binary_encode(value: Any) -> bytes:
    vector = _read_text(value)
    parts = [INT4.pack(len(vector))]
    for lexeme, positions in vector:
        parts.append(lexeme + b"\0" + _UINT2.pack(len(positions)))
        parts.extend(_UINT2.pack(entry) for entry in positions)
    return b"".join(parts)


def tsvector_binary_decode(data: bytes) -> str:
    if len(data) < 4:
        raise invalid_binary("tsvector")
    count: int = INT4.unpack_from(data)[0]
    pos = 4
    words: _Vector = {}
    try:
        for _ in range(count):
            nul = data.index(b"\0", pos)
            lexeme = bytes(data[pos:nul])
            pos = nul + 1
            npos: int = _UINT2.unpack_from(data, pos)[0]
            pos += 2
            positions = list(struct.unpack_from(f">{npos}H", data, pos))
            pos += 2 * npos
            if not lexeme or any(entry & _MAX_POS == 0 for entry in positions):
                raise invalid_binary("tsvector")
            if any(b & _MAX_POS <= a & _MAX_POS for a, b in pairwise(positions)):
                raise PgError("position information is misordered", sqlstate.INTERNAL_ERROR)
            words.setdefault(lexeme, []).extend(positions)
    except (ValueError, struct.error):
        raise invalid_binary("tsvector") from None
    if count < 0 or pos != len(data):
        raise invalid_binary("tsvector")
    return _show(_normalize(words))


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.TSVECTOR,
            "tsvector",
            -1,
            array_oid=oids.TSVECTOR_ARRAY,
            text_encode=tsvector_text_encode,
            text_decode=tsvector_text_decode,
            binary_encode=tsvector_binary_encode,
            binary_decode=tsvector_binary_decode,
        )
    )


register(registry)
