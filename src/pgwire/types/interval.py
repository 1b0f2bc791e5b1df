"""Intervals: the `Interval` value and the interval type's codecs.

`Interval` keeps months, days and microseconds apart, as PostgreSQL does; a timedelta has only
days and seconds. Text input reads IntervalStyle postgres and postgres_verbose spellings and
ISO 8601 ('P1Y2M3DT4H5M6S'). Text output follows PostgreSQL 15's EncodeInterval: the
registered encoder prints IntervalStyle 'postgres' ('1 year 2 mons 3 days 04:05:06.5'),
`interval_text_encoder` builds the one for postgres_verbose ('@ 1 year 2 mons ago'),
sql_standard ('1-2', '3 4:05:06') or iso_8601 ('P1Y2M3DT4H5M6S'). Binary is int64
microseconds, int32 days, int32 months.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._util import INT4, INT8, invalid_binary, invalid_datetime
from pgwire.types.registry import Encoder, TextFormats, TypeInfo, TypeRegistry, registry

_USEC_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Interval:
    """A PostgreSQL interval: months, days and microseconds, each with its own sign."""

    months: int = 0
    days: int = 0
    microseconds: int = 0

    @classmethod
    def from_timedelta(cls, value: timedelta) -> Interval:
        days = value.days
        micros = value.seconds * 1_000_000 + value.microseconds
        if days < 0 < micros:  # timedelta(hours=-2) is days=-1, +22h: keep one sign
            days += 1
            micros -= _USEC_PER_DAY
        return cls(0, days, micros)

    def to_timedelta(self) -> timedelta:
        """As a timedelta, counting a month as 30 days (PostgreSQL's own rule for epoch)."""
        return timedelta(days=self.months * 30 + self.days, microseconds=self.microseconds)

    def __str__(self) -> str:
        return interval_text(self.months, self.days, self.microseconds)


# ---------------------------------------------------------------------------------------------
# text output: IntervalStyle postgres


def interval_text(months: int, days: int, micros: int) -> str:
    """IntervalStyle 'postgres', as EncodeInterval writes it."""
    years = abs(months) // 12 * (1 if months >= 0 else -1)
    parts: list[str] = []
    is_before = False
    for value, unit in ((years, "year"), (months - years * 12, "mon"), (days, "day")):
        if value:
            plus = "+" if is_before and value > 0 else ""
            parts.append(f"{plus}{value} {unit}{'' if value == 1 else 's'}")
            is_before = value < 0
    if not parts or micros:
        sign = "-" if micros < 0 else ("+" if is_before else "")
        hours, rest = divmod(abs(micros), 3_600_000_000)
        minutes, rest = divmod(rest, 60_000_000)
        seconds, fraction = divmod(rest, 1_000_000)
        clock = f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"
        if fraction:
            clock += f".{fraction:06d}".rstrip("0")
        parts.append(clock)
    return " ".join(parts)


def interval_text_encode(value: Any) -> bytes:
    if type(value) is Interval:
        return interval_text(value.months, value.days, value.microseconds).encode()
    if isinstance(value, timedelta):
        iv = Interval.from_timedelta(value)
        return interval_text(iv.months, iv.days, iv.microseconds).encode()
    if isinstance(value, Interval):
        return interval_text(value.months, value.days, value.microseconds).encode()
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} as interval")


# ---------------------------------------------------------------------------------------------
# text input

_UNIT_MICROS = {
    "microsecond": 1,
    "millisecond": 1_000,
    "second": 1_000_000,
    "minute": 60_000_000,
    "hour": 3_600_000_000,
}
_UNIT_DAYS = {"day": 1, "week": 7}
_UNIT_MONTHS = {"month": 1, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}
_UNIT_ALIASES = {
    "us": "microsecond", "usec": "microsecond", "usecs": "microsecond",
    "microseconds": "microsecond", "ms": "millisecond", "msec": "millisecond",
    "msecs": "millisecond", "milliseconds": "millisecond", "s": "second", "sec": "second",
    "secs": "second", "seconds": "second", "m": "minute", "min": "minute", "mins": "minute",
    "minutes": "minute", "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour",
    "d": "day", "days": "day", "w": "week", "weeks": "week", "mon": "month",
    "mons": "month", "months": "month", "y": "year", "yr": "year", "yrs": "year",
    "years": "year", "decades": "decade", "dec": "decade", "decs": "decade",
    "centuries": "century", "c": "century", "cent": "century", "millennia": "millennium",
    "mil": "millennium", "mils": "millennium", "millenniums": "millennium",
}  # fmt: skip
_INTERVAL_TOKEN = re.compile(
    r"\s*(?:(?P<clock>[+-]?\d+:\d+(?::\d+(?:\.\d*)?)?)"
    r"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+))\s*(?P<unit>[a-z]+)?"
    r"|(?P<ago>ago)|(?P<at>@))",
    re.IGNORECASE,
)
_ISO_INTERVAL = re.compile(
    r"(-)?P(?:(-?[\d.]+)Y)?(?:(-?[\d.]+)M)?(?:(-?[\d.]+)W)?(?:(-?[\d.]+)D)?"
    r"(?:T(?:(-?[\d.]+)H)?(?:(-?[\d.]+)M)?(?:(-?[\d.]+)S)?)?$",
    re.IGNORECASE,
)


def _add_unit(acc: list[float], amount: float, unit: str) -> None:
    unit = _UNIT_ALIASES.get(unit, unit)
    if unit in _UNIT_MONTHS:
        months = amount * _UNIT_MONTHS[unit]
        whole = int(months)
        acc[0] += whole
        acc[1] += (months - whole) * 30  # fractional months spill into days, as in PostgreSQL
    elif unit in _UNIT_DAYS:
        days = amount * _UNIT_DAYS[unit]
        whole = int(days)
        acc[1] += whole
        acc[2] += (days - whole) * _USEC_PER_DAY
    elif unit in _UNIT_MICROS:
        acc[2] += amount * _UNIT_MICROS[unit]
    else:
        raise ValueError(unit)


def _clock_micros(clock: str) -> float:
    negative = clock.startswith("-")
    fields = clock.lstrip("+-").split(":")
    micros = int(fields[0]) * 3_600_000_000 + int(fields[1]) * 60_000_000
    if len(fields) > 2:
        micros += round(float(fields[2]) * 1_000_000)
    return -micros if negative else micros


def interval_text_decode(data: bytes) -> Interval:
    """IntervalStyle postgres / postgres_verbose input, and ISO 8601 'P1Y2M3DT4H5M6S'."""
    text = data.decode(errors="replace").strip()
    acc: list[float] = [0, 0, 0]
    try:
        iso = _ISO_INTERVAL.match(text)
        if iso and len(text) > 1:
            for group, unit in zip(range(2, 9), ("year", "month", "week", "day", "hour",
                                                 "minute", "second"), strict=True):  # fmt: skip
                if iso[group]:
                    _add_unit(acc, float(iso[group]), unit)
            if iso[1]:
                acc = [-x for x in acc]
        else:
            pos, ago, seen = 0, False, False
            while pos < len(text):
                match = _INTERVAL_TOKEN.match(text, pos)
                if not match or match.end() == pos:
                    raise ValueError(text)
                pos = match.end()
                if match["clock"]:
                    acc[2] += _clock_micros(match["clock"])
                elif match["num"]:
                    number = match["num"]
                    unit = (match["unit"] or "second").lower()
                    amount = float(number) if "." in number else int(number)
                    _add_unit(acc, amount, unit)
                elif match["ago"]:
                    ago = True
                seen = seen or bool(match["clock"] or match["num"])
            if not seen:
                raise ValueError(text)
            if ago:
                acc = [-x for x in acc]
    except ValueError:
        raise invalid_datetime("interval", data) from None
    days = int(acc[1])
    micros = round(acc[2] + (acc[1] - days) * _USEC_PER_DAY)
    return Interval(int(acc[0]), days, micros)


# ---------------------------------------------------------------------------------------------
# binary: int64 microseconds, int32 days, int32 months


def interval_binary_encode(value: Any) -> bytes:
    if isinstance(value, timedelta):
        value = Interval.from_timedelta(value)
    elif not isinstance(value, Interval):
        value = interval_text_decode(value if isinstance(value, bytes) else str(value).encode())
    return INT8.pack(value.microseconds) + INT4.pack(value.days) + INT4.pack(value.months)


def interval_binary_decode(data: bytes) -> Interval:
    if len(data) != 16:
        raise invalid_binary("interval")
    micros: int = INT8.unpack_from(data)[0]
    days: int = INT4.unpack_from(data, 8)[0]
    months: int = INT4.unpack_from(data, 12)[0]
    return Interval(months, days, micros)


# ---------------------------------------------------------------------------------------------
# text output in the other IntervalStyles


def _seconds_text(second: int, fraction: int, zero_pad: bool) -> str:
    """AppendSeconds: |second| (two digits when `zero_pad`), then .fraction without zeros."""
    text = f"{abs(second):02d}" if zero_pad else str(abs(second))
    if fraction:
        text += f".{abs(fraction):06d}".rstrip("0")
    return text


def _trunc_divmod(value: int, divisor: int) -> tuple[int, int]:
    """C's division: quotient towards zero, remainder with the dividend's sign."""
    quotient = abs(value) // divisor
    if value < 0:
        return -quotient, value + quotient * divisor
    return quotient, value - quotient * divisor


def _interval_fields(months: int, micros: int) -> tuple[int, int, int, int, int, int]:
    """interval2itm: year, month, hour, minute, second, microsecond, each with its sign."""
    year, month = _trunc_divmod(months, 12)
    hour, rest = _trunc_divmod(micros, 3_600_000_000)
    minute, rest = _trunc_divmod(rest, 60_000_000)
    second, fraction = _trunc_divmod(rest, 1_000_000)
    return year, month, hour, minute, second, fraction


def interval_text_sql_standard(months: int, days: int, micros: int) -> str:
    """IntervalStyle 'sql_standard': '1-2', '3 4:05:06', '-1-2', '+1-2 +3 +4:05:06'."""
    year, month, hour, minute, second, fraction = _interval_fields(months, micros)
    has_negative = months < 0 or days < 0 or micros < 0
    has_positive = months > 0 or days > 0 or micros > 0
    if not has_negative and not has_positive:
        return "0"
    standard = not (has_negative and has_positive) and not (months and (days or micros))
    if not standard:
        year_sign = "-" if year < 0 or month < 0 else "+"
        day_sign = "-" if days < 0 else "+"
        time_sign = "-" if micros < 0 else "+"
        return (
            f"{year_sign}{abs(year)}-{abs(month)} {day_sign}{abs(days)} "
            f"{time_sign}{abs(hour)}:{abs(minute):02d}:{_seconds_text(second, fraction, True)}"
        )
    sign = ""
    if has_negative:
        sign = "-"
        year, month, days, hour, minute = -year, -month, -days, -hour, -minute
    if months:
        return f"{sign}{year}-{month}"
    clock = f"{hour}:{minute:02d}:{_seconds_text(second, fraction, True)}"
    return f"{sign}{days} {clock}" if days else f"{sign}{clock}"


def interval_text_iso_8601(months: int, days: int, micros: int) -> str:
    """IntervalStyle 'iso_8601': 'P1Y2M3DT4H5M6.5S', 'PT0S'."""
    if not months and not days and not micros:
        return "PT0S"
    year, month, hour, minute, second, fraction = _interval_fields(months, micros)
    parts = ["P"]
    for value, unit in ((year, "Y"), (month, "M"), (days, "D")):
        if value:
            parts.append(f"{value}{unit}")
    if micros:
        parts.append("T")
        for value, unit in ((hour, "H"), (minute, "M")):
            if value:
                parts.append(f"{value}{unit}")
        if second or fraction:
            sign = "-" if second < 0 or fraction < 0 else ""
            parts.append(f"{sign}{_seconds_text(second, fraction, False)}S")
    return "".join(parts)


def interval_text_postgres_verbose(months: int, days: int, micros: int) -> str:
    """IntervalStyle 'postgres_verbose': '@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs',
    '@ 1 day -2 hours ago' (the first nonzero field's sign becomes 'ago')."""
    year, month, hour, minute, second, fraction = _interval_fields(months, micros)
    parts = ["@"]
    is_zero, is_before = True, False
    for value, unit in ((year, "year"), (month, "mon"), (days, "day"), (hour, "hour"),
                        (minute, "min")):  # fmt: skip
        if not value:
            continue
        if is_zero:
            is_before = value < 0
            value = abs(value)
        elif is_before:
            value = -value
        parts.append(f" {value} {unit}{'' if value == 1 else 's'}")
        is_zero = False
    if second or fraction:
        sign = ""
        if second < 0 or (second == 0 and fraction < 0):
            if is_zero:
                is_before = True
            elif not is_before:
                sign = "-"
        elif is_before:
            sign = "-"
        plural = "s" if abs(second) != 1 or fraction else ""
        parts.append(f" {sign}{_seconds_text(second, fraction, False)} sec{plural}")
        is_zero = False
    if is_zero:
        parts.append(" 0")
    if is_before:
        parts.append(" ago")
    return "".join(parts)


_INTERVAL_STYLE_TEXT: dict[str, Callable[[int, int, int], str]] = {
    "postgres": interval_text,
    "postgres_verbose": interval_text_postgres_verbose,
    "sql_standard": interval_text_sql_standard,
    "iso_8601": interval_text_iso_8601,
}


def interval_text_encoder(intervalstyle: str = "postgres") -> Encoder:
    """The interval text encoder for an IntervalStyle."""
    style = intervalstyle.lower()
    if style not in _INTERVAL_STYLE_TEXT or style == "postgres":
        return interval_text_encode
    text_of = _INTERVAL_STYLE_TEXT[style]

    def encode(value: Any) -> bytes:
        interval: Interval
        if type(value) is Interval or isinstance(value, Interval):
            interval = value
        elif isinstance(value, timedelta):
            interval = Interval.from_timedelta(value)
        elif isinstance(value, str):
            try:
                interval = interval_text_decode(value.encode())
            except PgError:
                return value.encode()
        elif isinstance(value, bytes):
            return value
        else:
            raise TypeError(f"cannot encode {type(value).__name__} as interval")
        return text_of(interval.months, interval.days, interval.microseconds).encode()

    return encode


def _interval_for(formats: TextFormats) -> Encoder:
    return interval_text_encoder(formats.intervalstyle)


def register(reg: TypeRegistry) -> None:
    reg.register(
        TypeInfo(
            oids.INTERVAL,
            "interval",
            16,
            array_oid=oids.INTERVAL_ARRAY,
            text_encode=interval_text_encode,
            text_decode=interval_text_decode,
            binary_encode=interval_binary_encode,
            binary_decode=interval_binary_decode,
            text_encoder_for=_interval_for,
        )
    )


register(registry)
