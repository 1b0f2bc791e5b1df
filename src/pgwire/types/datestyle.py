"""DateStyle and IntervalStyle: the values SET accepts, and how each DateStyle prints dates.

`parse_datestyle` and `parse_intervalstyle` check and normalise the settings as SET and SHOW
do ('iso' → 'ISO, MDY'). `date_formatter` and `timestamp_formatter` give the text of a date or
timestamp, from its fields, in a DateStyle, as PostgreSQL 15's EncodeDateOnly and
EncodeDateTime write it: ISO ('2026-11-23 17:00:00+01'), SQL ('11/23/2026 17:00:00 CET', DMY:
'23/11/2026'), Postgres ('Mon Nov 23 17:00:00 2026 CET') and German ('23.11.2026'). TimeZone
lives in `pgwire.types.timezones`, the IntervalStyle formats in `pgwire.types.interval`.
"""

from __future__ import annotations

from collections.abc import Callable

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types._calendar import days_from_civil

# ---------------------------------------------------------------------------------------------
# session settings: DateStyle, IntervalStyle

_DATESTYLES = {"ISO": "ISO", "SQL": "SQL", "POSTGRES": "Postgres", "GERMAN": "German"}
_DATEORDERS = ("MDY", "DMY", "YMD")
_INTERVALSTYLES = ("postgres", "postgres_verbose", "sql_standard", "iso_8601")
_SCANNER_SPACE = " \t\n\r\f"


def _split_identifiers(text: str) -> list[str] | None:
    """SplitIdentifierString(text, ','): names, unquoted ones lower-cased; None: bad syntax."""
    names: list[str] = []
    pos, length = 0, len(text)
    while pos < length and text[pos] in _SCANNER_SPACE:
        pos += 1
    if pos == length:
        return names
    while True:
        if pos == length:  # a trailing separator
            return None
        if text[pos] == '"':
            chunks: list[str] = []
            pos += 1
            while True:
                end = text.find('"', pos)
                if end < 0:
                    return None
                chunks.append(text[pos:end])
                if text[end + 1 : end + 2] != '"':
                    break
                chunks.append('"')
                pos = end + 2
            name = "".join(chunks)
            pos = end + 1
        else:
            start = pos
            while pos < length and text[pos] != "," and text[pos] not in _SCANNER_SPACE:
                pos += 1
            if pos == start:
                return None
            name = text[start:pos].translate(_ASCII_LOWER)
        while pos < length and text[pos] in _SCANNER_SPACE:
            pos += 1
        names.append(name)
        if pos == length:
            return names
        if text[pos] != ",":
            return None
        pos += 1
        while pos < length and text[pos] in _SCANNER_SPACE:
            pos += 1


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _invalid_parameter(name: str, value: str, detail: str | None = None) -> PgError:
    return PgError(
        f'invalid value for parameter "{name}": "{value}"',
        sqlstate.INVALID_PARAMETER_VALUE,
        detail=detail,
    )


def parse_datestyle(text: str, current: str = "ISO, MDY", default: str = "ISO, MDY") -> str:
    """A `SET DateStyle` value, normalised as check_datestyle() does: 'iso' → 'ISO, MDY'.

    A style or an order given alone keeps the other part of `current` (the session's value):
    'dmy' after 'SQL, MDY' is 'SQL, DMY'. 'German' brings DMY unless an order is given;
    'European'/'Euro...' mean DMY, 'US'/'NonEuro...' MDY; 'DEFAULT' is `default`.
    PgError 22023 for unknown words, conflicting parts and bad list syntax.
    """
    style, order = datestyle_parts(current)
    have_style = have_order = False
    ok = True
    names = _split_identifiers(text)
    if names is None:
        raise _invalid_parameter("DateStyle", text, "List syntax is invalid.")
    for token in names:
        upper = token.upper()
        new_style = new_order = None
        if upper in ("ISO", "SQL", "GERMAN") or upper.startswith("POSTGRES"):
            new_style = _DATESTYLES.get(upper, "Postgres")
        elif upper == "YMD":
            new_order = "YMD"
        elif upper == "DMY" or upper.startswith("EURO"):
            new_order = "DMY"
        elif upper in ("MDY", "US") or upper.startswith("NONEURO"):
            new_order = "MDY"
        elif upper == "DEFAULT":
            default_style, default_order = datestyle_parts(parse_datestyle(default, current))
            if not have_style:
                style = default_style
            if not have_order:
                order = default_order
            continue
        else:
            raise _invalid_parameter("DateStyle", text, f'Unrecognized key word: "{token}".')
        if new_style is not None:
            if have_style and style != new_style:
                ok = False
            style, have_style = new_style, True
            if new_style == "German" and not have_order:
                order = "DMY"
        if new_order is not None:
            if have_order and order != new_order:
                ok = False
            order, have_order = new_order, True
    if not ok:
        raise _invalid_parameter("DateStyle", text, 'Conflicting "datestyle" specifications.')
    return f"{style}, {order}"


def datestyle_parts(datestyle: str) -> tuple[str, str]:
    """A canonical DateStyle ('SQL, DMY') as (style, order); ('ISO', 'MDY') if it is not one."""
    style, _, order = datestyle.partition(",")
    style = _DATESTYLES.get(style.strip().upper(), "")
    order = order.strip().upper()
    if not style or order not in _DATEORDERS:
        return "ISO", "MDY"
    return style, order


def parse_intervalstyle(text: str, name: str = "IntervalStyle") -> str:
    """A `SET IntervalStyle` value, lower-cased; PgError 22023 (naming the parameter as the
    client spelled it, like PostgreSQL) for anything but the four styles."""
    value = text.lower()
    if value not in _INTERVALSTYLES:
        raise PgError(
            f'invalid value for parameter "{name}": "{text}"',
            sqlstate.INVALID_PARAMETER_VALUE,
            hint=f"Available values: {', '.join(_INTERVALSTYLES)}.",
        )
    return value


# ---------------------------------------------------------------------------------------------
# text output: EncodeDateOnly, EncodeDateTime for every DateStyle

_MONTH_ABBREV = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
_DAY_ABBREV = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")

DateFormatter = Callable[[int, int, int], str]
# (astronomical year, month, day, hour, minute, second, microsecond, zone text or None)
TimestampFormatter = Callable[[int, int, int, int, int, int, int, "str | None"], str]


def _clock(hour: int, minute: int, second: int, micro: int) -> str:
    if micro:
        return f"{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}".rstrip("0")
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _weekday(year: int, month: int, day: int) -> str:
    return _DAY_ABBREV[(days_from_civil(year, month, day) + 4) % 7]  # 1970-01-01: Thursday


def date_formatter(style: str, order: str) -> DateFormatter:
    """EncodeDateOnly: the year is astronomical (0 = 1 BC); YMD prints as MDY but in ISO."""
    dmy = order == "DMY"
    if style == "ISO":
        return _date_text_from_fields
    if style == "German" or (dmy and style in ("SQL", "Postgres")):
        sep = {"German": ".", "SQL": "/", "Postgres": "-"}[style]

        def day_first(year: int, month: int, day: int) -> str:
            if year > 0:
                return f"{day:02d}{sep}{month:02d}{sep}{year:04d}"
            return f"{day:02d}{sep}{month:02d}{sep}{1 - year:04d} BC"

        return day_first
    sep = "/" if style == "SQL" else "-"

    def month_first(year: int, month: int, day: int) -> str:
        if year > 0:
            return f"{month:02d}{sep}{day:02d}{sep}{year:04d}"
        return f"{month:02d}{sep}{day:02d}{sep}{1 - year:04d} BC"

    return month_first


def _date_text_from_fields(year: int, month: int, day: int) -> str:
    if year > 0:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{1 - year:04d}-{month:02d}-{day:02d} BC"


def timestamp_formatter(style: str, order: str) -> TimestampFormatter:
    """EncodeDateTime. The zone text is the numeric offset for ISO, else the abbreviation."""
    dmy = order == "DMY"
    if style == "ISO":

        def iso(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int,
                zone: str | None) -> str:  # fmt: skip
            year = y if y > 0 else 1 - y
            text = f"{year:04d}-{mo:02d}-{d:02d} {_clock(h, mi, s, us)}{zone or ''}"
            return text if y > 0 else text + " BC"

        return iso
    if style == "Postgres":

        def postgres(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int,
                     zone: str | None) -> str:  # fmt: skip
            year = y if y > 0 else 1 - y
            month = _MONTH_ABBREV[mo - 1]
            day = f"{d:02d} {month}" if dmy else f"{month} {d:02d}"
            text = f"{_weekday(y, mo, d)} {day} {_clock(h, mi, s, us)} {year:04d}"
            if zone is not None:
                text += " " + zone
            return text if y > 0 else text + " BC"

        return postgres
    date_text = date_formatter(style, order)

    def sql_or_german(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int,
                      zone: str | None) -> str:  # fmt: skip
        day = date_text(y if y > 0 else 1 - y, mo, d)
        text = f"{day} {_clock(h, mi, s, us)}"
        if zone is not None:
            text += " " + zone
        return text if y > 0 else text + " BC"

    return sql_or_german
