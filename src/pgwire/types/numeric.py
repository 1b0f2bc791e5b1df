"""Numbers: int2/int4/int8, float4/float8, numeric, money, oid and the oid-like reg* types.

Floats print as PostgreSQL 15 does with its default extra_float_digits=1: the shortest text
that reads back to the same value (float4: to the same 32-bit value), in fixed notation for
decimal exponents -4 <= e < 15 (float4: < 6), otherwise as `1e+20`; 'NaN', 'Infinity',
'-Infinity'. Python's repr() is the same algorithm with a fixed range up to e < 16, so float8
only fixes up that one decade. extra_float_digits 0 and below print %.{15+n}g (float4:
%.{6+n}g) instead: `float8_text_encoder(n)`, `float4_text_encoder(n)`, and
`parse_extra_float_digits` checks a SET value.
"""

from __future__ import annotations

import functools
import math
import re
import struct
from decimal import Decimal, InvalidOperation
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import (
    FLOAT4,
    FLOAT8,
    INT2,
    INT4,
    INT8,
    UINT4,
    builtin,
    invalid_binary,
    invalid_input,
    out_of_range,
)
from pgwire.types.registry import Decoder, Encoder, TextFormats, TypeRegistry, registry

# ---------------------------------------------------------------------------------------------
# integers

# `b"%d" % v` is a C call with no Python frame: the cheapest int → ASCII there is.
int_text_encode: Encoder = b"%d".__mod__


def _int_text_decoder(type_name: str, low: int, high: int) -> Decoder:
    def decode(data: bytes) -> int:
        try:
            value = int(data)
        except ValueError:
            raise invalid_input(type_name, data) from None
        if not low <= value <= high:
            raise out_of_range(type_name, data)
        return value

    return decode


def _int_binary_decoder(packer: Any, type_name: str) -> Decoder:
    unpack = packer.unpack
    size = packer.size

    def decode(data: bytes) -> int:
        if len(data) != size:
            raise invalid_binary(type_name)
        value: int = unpack(data)[0]
        return value

    return decode


int2_text_decode = _int_text_decoder("smallint", -(2**15), 2**15 - 1)
int4_text_decode = _int_text_decoder("integer", -(2**31), 2**31 - 1)
int8_text_decode = _int_text_decoder("bigint", -(2**63), 2**63 - 1)
oid_text_decode = _int_text_decoder("oid", 0, 2**32 - 1)
xid8_text_decode = _int_text_decoder("xid8", 0, 2**64 - 1)

# ---------------------------------------------------------------------------------------------
# floats

_SPECIAL_TEXT = {"nan": b"NaN", "inf": b"Infinity", "-inf": b"-Infinity"}


def _pg_float_text(negative: bool, digits: str, exponent: int, fixed_below: int) -> str:
    """Lay out shortest `digits` (no trailing zeros) with decimal `exponent` PostgreSQL's way."""
    sign = "-" if negative else ""
    n = len(digits)
    if -4 <= exponent < fixed_below:
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
        if n <= exponent + 1:
            return f"{sign}{digits}{'0' * (exponent + 1 - n)}"
        return f"{sign}{digits[: exponent + 1]}.{digits[exponent + 1 :]}"
    mantissa = digits if n == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _on_boundary(value: float, candidate: str, up: float, down: float) -> bool:
    """Whether `candidate` lies exactly halfway to a neighbouring float of the integer `value`.

    Python's repr accepts such a tie (it reads back by round-half-even); PostgreSQL's Ryu does
    not and prints one more digit. A tie can only have few digits when the floats around
    `value` are integers, i.e. beyond the mantissa (2^53 for float8, 2^24 for float4).
    """
    exact = int(value)
    decimal = int(Decimal(candidate))
    gap_down = exact - int(down) if math.isfinite(down) else int(up) - exact
    gap_up = int(up) - exact if math.isfinite(up) else gap_down  # next to the largest float
    return 2 * (decimal - exact) == gap_up or 2 * (exact - decimal) == gap_down


def _float8_big(value: float) -> bytes:
    up, down = math.nextafter(value, math.inf), math.nextafter(value, -math.inf)
    candidate = repr(value)
    if _on_boundary(value, candidate, up, down):
        mantissa = candidate.partition("e")[0].lstrip("-")
        precision = len(mantissa.replace(".", "").strip("0")) + 1
        while True:
            candidate = f"{value:.{precision - 1}e}"
            if not _on_boundary(value, candidate, up, down) and float(candidate) == value:
                break
            precision += 1
    digits, exponent = _digits_exponent(candidate)
    return _pg_float_text(value < 0, digits, exponent, 15).encode()


def _digits_exponent(text: str) -> tuple[str, int]:
    """Significant digits (no trailing zeros) and decimal exponent of a number's text."""
    mantissa, _, exp = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exponent = (int(exp) if exp else 0) + len(whole) - 1 - (len(whole + fraction) - len(digits))
    return digits.rstrip("0") or "0", exponent


def float8_text_encode(value: float) -> bytes:
    # The common case in a few C calls: repr() and PostgreSQL agree below 1e15, but for the
    # '.0' that repr() adds to integral values.
    if type(value) is float and -1e15 < value < 1e15:
        s = repr(value)
        return (s[:-2] if s[-2:] == ".0" else s).encode()
    return _float8_text_other(value)


def _float8_text_other(value: Any) -> bytes:
    value = float(value)
    if not math.isfinite(value):
        return _SPECIAL_TEXT[repr(value)]
    if not -9007199254740992.0 < value < 9007199254740992.0:
        return _float8_big(value)  # beyond 2^53: mind Ryu's ties
    s = repr(value)
    if s[-2:] == ".0":
        s = s[:-2]
    # repr() stays fixed up to 16 integer digits, PostgreSQL only up to 15.
    if "e" not in s:
        negative = s[0] == "-"
        body = s[1:] if negative else s
        dot = body.find(".")
        if (dot if dot >= 0 else len(body)) == 16:
            digits = body.replace(".", "").rstrip("0")
            return _pg_float_text(negative, digits, 15, 15).encode()
    return s.encode()


def _float32(value: float) -> float:
    result: float = FLOAT4.unpack(FLOAT4.pack(value))[0]
    return result


def float4_text_encode(value: float) -> bytes:
    if type(value) is not float:
        value = float(value)
    if math.isnan(value):
        return b"NaN"
    if value == 0.0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    try:
        value = _float32(value)
    except OverflowError:
        value = math.inf if value > 0 else -math.inf
    if value in (math.inf, -math.inf):
        return b"Infinity" if value > 0 else b"-Infinity"
    # The fewest significant digits that read back to the same float32. Round-tripping is
    # monotonic in the digit count (9 always suffices), so bisect over 1..9.
    big = abs(value) >= 16777216.0
    if big:
        bits = struct.unpack(">i", FLOAT4.pack(value))[0]
        up = FLOAT4.unpack(struct.pack(">i", bits + 1))[0]
        down = FLOAT4.unpack(struct.pack(">i", bits - 1))[0]
    low, high = 1, 9
    while low < high:
        mid = (low + high) // 2
        candidate = f"{value:.{mid - 1}e}"
        if _float32(float(candidate)) == value and not (
            big and _on_boundary(value, candidate, up, down)
        ):
            high = mid
        else:
            low = mid + 1
    best = f"{value:.{high - 1}e}"
    mantissa, _, exp = best.partition("e")
    negative = mantissa[0] == "-"
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0") or "0"
    return _pg_float_text(negative, digits, int(exp), 6).encode()


# extra_float_digits: 1..3 print the shortest exact text (above); 0 and below print
# printf's %.{15+n}g for float8 and %.{6+n}g for float4 ('1e+20', '0.333333'), at least 1 digit.

_EXTRA_FLOAT_DIGITS = re.compile(
    r"[ \t\n\v\f\r]*(?:(?P<int>[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))"
    r"|(?P<float>[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][+-]?[0-9]+)?))"
    r"[ \t\n\v\f\r]*"
)


def parse_extra_float_digits(text: str, name: str = "extra_float_digits") -> int:
    """A `SET extra_float_digits` value as parse_int() reads it (decimal, 0x hex, 0 octal, or
    a fraction rounded half to even); PgError 22023 when it is no number or not in -15..3."""
    match = _EXTRA_FLOAT_DIGITS.fullmatch(text)
    if match is None:
        raise PgError(
            f'invalid value for parameter "{name}": "{text}"', sqlstate.INVALID_PARAMETER_VALUE
        )
    if match["int"]:
        body = match["int"].lstrip("+-")
        if body[:2] in ("0x", "0X"):
            value = int(body, 16)
        else:  # C's strtol(base 0): a leading 0 means octal
            value = int(body, 8) if body[0] == "0" else int(body)
        if match["int"][0] == "-":
            value = -value
    else:
        value = round(float(match["float"]))  # rint(): half to even, as round()
    if not -(2**31) <= value < 2**31:
        raise PgError(
            f'invalid value for parameter "{name}": "{text}"',
            sqlstate.INVALID_PARAMETER_VALUE,
            hint="Value exceeds integer range.",
        )
    if not -15 <= value <= 3:
        raise PgError(
            f'{value} is outside the valid range for parameter "{name}" (-15 .. 3)',
            sqlstate.INVALID_PARAMETER_VALUE,
        )
    return value


def float8_text_encoder(extra_float_digits: int = 1) -> Encoder:
    """The float8 text encoder for an extra_float_digits setting."""
    if extra_float_digits > 0:
        return float8_text_encode
    template = b"%%.%dg" % max(1, 15 + extra_float_digits)

    def encode(value: Any) -> bytes:
        text: bytes = template % float(value)
        if text[-1] in b"fn":  # b'inf', b'-inf', b'nan'
            return _SPECIAL_TEXT[text.decode()]
        return text

    return encode


def float4_text_encoder(extra_float_digits: int = 1) -> Encoder:
    """The float4 text encoder for an extra_float_digits setting."""
    if extra_float_digits > 0:
        return float4_text_encode
    template = b"%%.%dg" % max(1, 6 + extra_float_digits)

    def encode(value: Any) -> bytes:
        number = float(value)
        try:
            number = _float32(number)
        except OverflowError:
            number = math.inf if number > 0 else -math.inf
        text: bytes = template % number
        if text[-1] in b"fn":
            return _SPECIAL_TEXT[text.decode()]
        return text

    return encode


def _float8_for(formats: TextFormats) -> Encoder:
    return float8_text_encoder(formats.extra_float_digits)


def _float4_for(formats: TextFormats) -> Encoder:
    return float4_text_encoder(formats.extra_float_digits)


def _float_text_decoder(type_name: str, single: bool) -> Decoder:
    def decode(data: bytes) -> float:
        try:
            value = float(data)
        except ValueError:
            raise invalid_input(type_name, data) from None
        if single and not math.isinf(value) and not math.isnan(value):
            try:
                _float32(value)
            except OverflowError:
                raise out_of_range(type_name, data) from None
        return value

    return decode


float4_text_decode = _float_text_decoder("real", True)
float8_text_decode = _float_text_decoder("double precision", False)


def float4_binary_encode(value: float) -> bytes:
    try:
        return FLOAT4.pack(value)
    except OverflowError:
        return FLOAT4.pack(math.inf if value > 0 else -math.inf)


float8_binary_encode: Encoder = FLOAT8.pack


def _float_binary_decoder(packer: Any, type_name: str) -> Decoder:
    unpack = packer.unpack
    size = packer.size

    def decode(data: bytes) -> float:
        if len(data) != size:
            raise invalid_binary(type_name)
        value: float = unpack(data)[0]
        return value

    return decode


# ---------------------------------------------------------------------------------------------
# numeric


def numeric_text_encode(value: Any) -> bytes:
    """Decimal (and int, float, str) → numeric text: always plain notation, no negative zero."""
    if type(value) is Decimal:
        s = str(value)
        if "E" in s:  # str() turns to exponents for small and large scales; numeric never does
            s = format(value, "f")
        if s[0] == "-" and s[1] == "0" and value.is_zero():
            s = s[1:]  # PostgreSQL's numeric has no negative zero
        return s.encode()
    if type(value) is int:
        return b"%d" % value
    if isinstance(value, float):
        if math.isfinite(value):
            return numeric_text_encode(Decimal(repr(value)))
        return float8_text_encode(value)
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return numeric_text_encode(Decimal(value))


def numeric_text_decode(data: bytes) -> Decimal:
    text = data.decode(errors="replace").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise invalid_input("numeric", data) from None
    if value.is_snan() or "_" in text:
        raise invalid_input("numeric", data)
    return value


_NUMERIC_POS = 0x0000
_NUMERIC_NEG = 0x4000
_NUMERIC_NAN = 0xC000
_NUMERIC_PINF = 0xD000
_NUMERIC_NINF = 0xF000


def numeric_binary_encode(value: Any) -> bytes:
    """numeric's binary form: ndigits, weight, sign, dscale, then base-10000 digits."""
    if type(value) is not Decimal:
        if isinstance(value, float):
            value = Decimal(repr(value)) if math.isfinite(value) else Decimal(value)
        elif isinstance(value, bytes):
            value = Decimal(value.decode())
        else:
            value = Decimal(value)
    if not value.is_finite():
        if value.is_nan():
            flag = _NUMERIC_NAN
        else:
            flag = _NUMERIC_NINF if value.is_signed() else _NUMERIC_PINF
        # PostgreSQL's numeric_send reads dscale out of the special value's header bits:
        # 0 for NaN, 32 for ±Infinity.
        dscale = 0 if flag == _NUMERIC_NAN else 32
        return INT2.pack(0) + INT2.pack(0) + flag.to_bytes(2, "big") + INT2.pack(dscale)
    # Digits via Decimal's C formatting, grouped by four around the decimal point.
    text = format(value, "f")
    negative = text[0] == "-"
    whole, _, fraction = text.lstrip("-").partition(".")
    dscale = len(fraction)
    whole = whole.lstrip("0")
    digits = "0" * (-len(whole) % 4) + whole + fraction + "0" * (-len(fraction) % 4)
    weight = (len(whole) + 3) // 4 - 1
    groups = [int(digits[i : i + 4]) for i in range(0, len(digits), 4)]
    start = 0
    while start < len(groups) and groups[start] == 0:
        start += 1
        weight -= 1
    end = len(groups)
    while end > start and groups[end - 1] == 0:
        end -= 1
    groups = groups[start:end]
    if not groups:
        weight = 0
    sign = _NUMERIC_NEG if negative and groups else _NUMERIC_POS
    return _numeric_header(len(groups)).pack(len(groups), weight, sign, dscale, *groups)


@functools.lru_cache(maxsize=256)
def _numeric_header(ndigits: int) -> struct.Struct:
    return struct.Struct(f"!hhHh{ndigits}H")


def numeric_binary_decode(data: bytes) -> Decimal:
    if len(data) < 8:
        raise invalid_binary("numeric")
    ndigits, weight = INT2.unpack_from(data, 0)[0], INT2.unpack_from(data, 2)[0]
    sign = int.from_bytes(data[4:6], "big")
    dscale = INT2.unpack_from(data, 6)[0]
    if sign == _NUMERIC_NAN:
        return Decimal("NaN")
    if sign == _NUMERIC_PINF:
        return Decimal("Infinity")
    if sign == _NUMERIC_NINF:
        return Decimal("-Infinity")
    if len(data) != 8 + 2 * ndigits or sign not in (_NUMERIC_POS, _NUMERIC_NEG):
        raise invalid_binary("numeric")
    groups = [INT2.unpack_from(data, 8 + 2 * i)[0] for i in range(ndigits)]
    digits = "".join(f"{g:04d}" for g in groups)
    # Place the decimal point after (weight + 1) groups, then show exactly dscale decimals.
    point = (weight + 1) * 4
    if point <= 0:
        digits = "0" * (-point) + digits
        point = 0
    elif point > len(digits):
        digits += "0" * (point - len(digits))
    whole = digits[:point].lstrip("0") or "0"
    fraction = digits[point:][:dscale].ljust(dscale, "0")
    text = f"{'-' if sign == _NUMERIC_NEG else ''}{whole}{'.' if dscale else ''}{fraction}"
    return Decimal(text)  # exact: construction ignores the context's precision


# ---------------------------------------------------------------------------------------------
# money (lc_monetary=C: "$1,234.56", "-$1,234.56"); binary is int64 cents


def money_text_encode(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    amount = Decimal(value) if not isinstance(value, Decimal) else value
    text = f"{abs(amount):,.2f}"
    return f"{'-' if amount < 0 else ''}${text}".encode()


def money_text_decode(data: bytes) -> Decimal:
    text = data.decode(errors="replace").strip()
    negative = text.startswith("-") or (text.startswith("(") and text.endswith(")"))
    cleaned = text.strip("()-").replace("$", "").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise invalid_input("money", data) from None
    return -amount if negative else amount


def money_binary_encode(value: Any) -> bytes:
    amount = Decimal(value) if not isinstance(value, Decimal) else value
    return INT8.pack(int((amount * 100).to_integral_value()))


def money_binary_decode(data: bytes) -> Decimal:
    if len(data) != 8:
        raise invalid_binary("money")
    return Decimal(INT8.unpack(data)[0]).scaleb(-2)


# ---------------------------------------------------------------------------------------------


def register(reg: TypeRegistry) -> None:
    uint4_binary = (UINT4.pack, _int_binary_decoder(UINT4, "oid"))
    uint8 = struct.Struct(">Q")
    for info in (
        builtin(oids.INT2, (int_text_encode, int2_text_decode),
                (INT2.pack, _int_binary_decoder(INT2, "smallint")), ("smallint",)),
        builtin(oids.INT4, (int_text_encode, int4_text_decode),
                (INT4.pack, _int_binary_decoder(INT4, "integer")), ("integer", "int")),
        builtin(oids.INT8, (int_text_encode, int8_text_decode),
                (INT8.pack, _int_binary_decoder(INT8, "bigint")), ("bigint",)),
        builtin(oids.FLOAT4, (float4_text_encode, float4_text_decode),
                (float4_binary_encode, _float_binary_decoder(FLOAT4, "real")), ("real",),
                text_encoder_for=_float4_for),
        builtin(oids.FLOAT8, (float8_text_encode, float8_text_decode),
                (float8_binary_encode, _float_binary_decoder(FLOAT8, "double precision")),
                ("double precision", "float"), text_encoder_for=_float8_for),
        builtin(oids.NUMERIC, (numeric_text_encode, numeric_text_decode),
                (numeric_binary_encode, numeric_binary_decode), ("decimal",)),
        builtin(oids.MONEY, (money_text_encode, money_text_decode),
                (money_binary_encode, money_binary_decode)),
        builtin(oids.XID8, (int_text_encode, xid8_text_decode),
                (uint8.pack, _int_binary_decoder(uint8, "xid8"))),
    ):  # fmt: skip
        reg.register(info)
    # oid and its kin: the reg* types print names in PostgreSQL; given numbers, they print those.
    oid_like = (oids.OID, oids.REGPROC, oids.REGPROCEDURE, oids.REGOPER, oids.REGOPERATOR,
                oids.REGCLASS, oids.REGTYPE, oids.REGCONFIG, oids.REGDICTIONARY,
                oids.REGNAMESPACE, oids.REGROLE, oids.REGCOLLATION, oids.XID, oids.CID)  # fmt: skip
    names = frozenset(oid_like) - {oids.OID, oids.XID, oids.CID}
    for oid in oid_like:
        if oid in names:
            binary = (_reg_binary_encoder(reg, oid), uint4_binary[1])
            reg.register(builtin(oid, (_reg_text_encode, _reg_text_decode), binary))
        else:
            reg.register(builtin(oid, (int_text_encode, oid_text_decode), uint4_binary))


def _reg_text_encode(value: Any) -> bytes:
    """A reg* value: an OID prints as a number, a name ('pg_class') as itself."""
    if isinstance(value, str):
        return value.encode()
    return int_text_encode(value)


def _reg_binary_encoder(reg: TypeRegistry, oid: int) -> Encoder:
    """A reg* value goes out in binary as its OID: a number as is, a type name (regtype) as
    the registry knows it; any other name needs a catalog, which the backend holds."""
    type_name = oids.NAMES[oid]

    def encode(value: Any) -> bytes:
        if isinstance(value, int):
            return UINT4.pack(value)
        text = value.decode() if isinstance(value, bytes) else str(value)
        if text.strip().isdigit():
            return UINT4.pack(int(text))
        if oid == oids.REGTYPE:
            return UINT4.pack(reg.by_name(text.strip()).oid)
        raise PgError(
            f'{type_name} value "{text}" is a name: binary output needs its OID',
            sqlstate.FEATURE_NOT_SUPPORTED,
        )

    return encode


def _reg_text_decode(data: bytes) -> int | str:
    """A reg* parameter: a number is an OID; anything else is a name ('pg_class', 'int4')
    for the backend's catalog to resolve, as PostgreSQL's regclassin does."""
    text = data.decode().strip()
    if text.isdigit():
        return int(text)
    return text


register(registry)
