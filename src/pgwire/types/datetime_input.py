"""Date and time input as PostgreSQL 15 reads it (src/backend/utils/adt/datetime.c).

`parse_fields` splits the text into typed fields as ParseDateTime does; `decode_datetime`
(DecodeDateTime: date, timestamp, timestamptz) and `decode_time` (DecodeTimeOnly: time,
timetz) decide what each field is. Between them they accept what PostgreSQL accepts: ISO 8601
with 'T' or a space, month names ('January 8, 1999', '8 Jan 1999', 'Jan-08-1999'), numeric
dates in the DateStyle's field order ('1/8/1999'), run-together dates and times ('19990108',
'040506'), year.day-of-year ('1999.008'), Julian days ('J2451187'), BC years, AM/PM, 'Z',
numeric offsets, the Default time zone abbreviations ('PST', 'MSK'), zone names
('America/New_York') and the special words ('epoch', 'infinity', 'now', 'today', 'allballs').

Errors are PostgreSQL's: 22007 invalid input syntax, 22008 a field out of range (with the
DateStyle hint where PostgreSQL gives it), 22009 a time zone displacement out of range, 22023
an unknown zone name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types._calendar import civil_from_days, days_from_civil
from pgwire.types._zone_abbrevs import DYNAMIC, FIXED
from pgwire.types.timezones import ZoneLookup, local_offset, parse_timezone, zone_lookup

MAXDATELEN = 128
MAXDATEFIELDS = 25
USECS_PER_SEC = 1_000_000
USECS_PER_DAY = 86_400_000_000
UNIX_EPOCH_JDATE = 2440588  # date2j(1970, 1, 1)
POSTGRES_EPOCH_JDATE = 2451545  # date2j(2000, 1, 1)

# field types from the tokenizer (ftype)
NUMBER, STRING, DATE, TIME, TZ, SPECIAL = "number", "string", "date", "time", "tz", "special"

# what a field is (the bits of fmask/tmask)
_RESERV, _MONTH, _YEAR, _DAY, _TZ, _DTZ, _DYNTZ = 1, 2, 4, 8, 32, 64, 128
_AMPM, _HOUR, _MINUTE, _SECOND = 1 << 9, 1 << 10, 1 << 11, 1 << 12
_MILLISECOND, _MICROSECOND = 1 << 13, 1 << 14
_DOY, _DOW, _ADBC, _DTZMOD = 1 << 15, 1 << 16, 1 << 18, 1 << 28
DATE_M = _YEAR | _MONTH | _DAY
TIME_M = _HOUR | _MINUTE | _SECOND | _MILLISECOND | _MICROSECOND
_ALL_SECS_M = _SECOND | _MILLISECOND | _MICROSECOND

# the tokens of datetktbl: word → (kind, value)
_TOKENS: dict[str, tuple[str, object]] = {
    "-infinity": ("reserv", "-infinity"),
    "infinity": ("reserv", "infinity"),
    "epoch": ("reserv", "epoch"),
    "now": ("reserv", "now"),
    "today": ("reserv", "today"),
    "tomorrow": ("reserv", "tomorrow"),
    "yesterday": ("reserv", "yesterday"),
    "allballs": ("reserv", "zulu"),
    "ad": ("adbc", False),
    "bc": ("adbc", True),
    "am": ("ampm", "am"),
    "pm": ("ampm", "pm"),
    "at": ("ignore", None),
    "on": ("ignore", None),
    "dst": ("dtzmod", 3600),
    "t": ("isotime", "time"),
    "d": ("units", "day"),
    "h": ("units", "hour"),
    "j": ("units", "julian"),
    "jd": ("units", "julian"),
    "julian": ("units", "julian"),
    "m": ("units", "month"),
    "mm": ("units", "minute"),
    "s": ("units", "second"),
    "y": ("units", "year"),
}
for _number, _names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"), 1
):  # fmt: skip
    for _name in _names.split():
        _TOKENS[_name] = ("month", _number)
for _number, _names in enumerate(
    ("sun sunday", "mon monday", "tue tues tuesday", "wed weds wednesday",
     "thu thur thurs thursday", "fri friday", "sat saturday")
):  # fmt: skip
    for _name in _names.split():
        _TOKENS[_name] = ("dow", _number)

_KIND_MASK = {"reserv": _RESERV, "month": _MONTH, "dtzmod": _DTZMOD, "ampm": _AMPM,
              "adbc": _ADBC, "dow": _DOW}  # fmt: skip

_SPACE = " \t\n\v\f\r"
_DIGITS = "0123456789"
_ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM = _DIGITS + _ALPHA
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_DAYS_IN_MONTH = ((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31),
                  (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31))  # fmt: skip
_INT_MAX = 2**31 - 1


class DateTimeError(Exception):
    """A DTERR_* code: 'format', 'field', 'md_field' or 'tzdisp'."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _bad() -> DateTimeError:
    return DateTimeError("format")


def parse_error(error: DateTimeError, text: str, type_name: str) -> PgError:
    """DateTimeParseError: the PgError PostgreSQL reports for a DTERR_* code."""
    if error.code in ("field", "md_field"):
        hint = 'Perhaps you need a different "datestyle" setting.'
        return PgError(
            f'date/time field value out of range: "{text}"',
            sqlstate.DATETIME_FIELD_OVERFLOW,
            hint=hint if error.code == "md_field" else None,
        )
    if error.code == "tzdisp":
        return PgError(
            f'time zone displacement out of range: "{text}"',
            sqlstate.INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
        )
    return PgError(
        f'invalid input syntax for type {type_name}: "{text}"', sqlstate.INVALID_DATETIME_FORMAT
    )


# ---------------------------------------------------------------------------------------------
# ParseDateTime


def parse_fields(text: str) -> list[tuple[str, str]]:
    """The fields of `text` as (value, type); letters are lower-cased. DateTimeError."""
    fields: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    used = 0  # characters in PostgreSQL's work buffer, one terminator per field
    while pos < end:
        char = text[pos]
        if char in _SPACE:
            pos += 1
            continue
        if len(fields) >= MAXDATEFIELDS:
            raise _bad()
        start = pos
        if char in _DIGITS:
            pos = _span(text, pos, _DIGITS)
            nxt = text[pos : pos + 1]
            if nxt == ":":
                ftype = TIME
                pos = _span(text, pos + 1, _DIGITS + ":.")
            elif nxt and nxt in "-/.":
                pos += 1
                if text[pos : pos + 1].isdigit() and text[pos] in _DIGITS:
                    ftype = NUMBER if nxt == "." else DATE
                    pos = _span(text, pos, _DIGITS)
                    if text[pos : pos + 1] == nxt:
                        ftype = DATE
                        pos = _span(text, pos + 1, _DIGITS + nxt)
                else:
                    ftype = DATE
                    pos = _span(text, pos, _ALNUM + nxt)
            else:
                ftype = NUMBER
            value = text[start:pos].lower()
        elif char == ".":
            pos = _span(text, pos + 1, _DIGITS)
            ftype, value = NUMBER, text[start:pos]
        elif char in _ALPHA:
            ftype = STRING
            pos = _span(text, pos, _ALPHA)
            nxt = text[pos : pos + 1]
            is_date = False
            if nxt and nxt in "-/.":
                is_date = True
            elif nxt and nxt in "+" + _DIGITS:
                is_date = text[start:pos].lower() not in _TOKENS
            if is_date:
                ftype = DATE
                pos = _span(text, pos + 1, _ALNUM + "+-/_.:")
            value = text[start:pos].lower()
        elif char in "+-":
            pos += 1
            while pos < end and text[pos] in _SPACE:
                pos += 1
            nxt = text[pos : pos + 1]
            if nxt and nxt in _DIGITS:
                ftype = TZ
                rest = _span(text, pos + 1, _DIGITS + ":.-")
                value = char + text[pos:rest]
                pos = rest
            elif nxt and nxt in _ALPHA:
                ftype = SPECIAL
                rest = _span(text, pos, _ALPHA)
                value = char + text[pos:rest].lower()
                pos = rest
            else:
                raise _bad()
        elif char in _PUNCT:
            pos += 1
            continue
        else:
            raise _bad()
        # APPEND_CHAR refuses a character once the buffer holds MAXDATELEN of them.
        used += len(value)
        if used > MAXDATELEN:
            raise _bad()
        used += 1
        fields.append((value, ftype))
    return fields


def _span(text: str, pos: int, chars: str) -> int:
    end = len(text)
    while pos < end and text[pos] in chars:
        pos += 1
    return pos


# ---------------------------------------------------------------------------------------------
# field values


@dataclass(slots=True)
class Tm:
    """struct pg_tm plus fsec: the decoded fields. `tz` is seconds *west* of UTC (PostgreSQL's
    sign), None when the input named no zone; `dtype` 'date', 'time', or a special word."""

    year: int = 0
    month: int = 0
    day: int = 0
    hour: int = 0
    minute: int = 0
    second: int = 0
    fsec: int = 0
    yday: int = 0
    tz: int | None = None
    dtype: str = "date"


def _strtoint(text: str, pos: int = 0) -> tuple[int, int]:
    """strtoint(): digits from `pos` (none: 0, pos unchanged); DateTimeError on int overflow."""
    end = _span(text, pos, _DIGITS)
    if end == pos:
        return 0, pos
    value = int(text[pos:end])
    if value > _INT_MAX:
        raise DateTimeError("field")
    return value, end


def _fraction(text: str) -> float:
    """strtod() of '.ddd' that must use the whole text (ParseFraction); '.' alone is 0."""
    if text == ".":
        return 0.0
    if len(text) < 2 or not text[1:].isdigit() or not text[1:].isascii():
        raise _bad()
    return float(text)


def _fractional_second(text: str) -> int:
    """ParseFractionalSecond: '.ddd' → microseconds, rounded half to even as rint()."""
    return round(_fraction(text) * USECS_PER_SEC)


def date2j(year: int, month: int, day: int) -> int:
    return days_from_civil(year, month, day) + UNIX_EPOCH_JDATE


def j2date(julian: int) -> tuple[int, int, int]:
    return civil_from_days(julian - UNIX_EPOCH_JDATE)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _decode_timezone(text: str) -> int:
    """DecodeTimezone: '+hh', '+hh:mm[:ss]', '-hhmm' → seconds west."""
    if text[:1] not in ("+", "-"):
        raise _bad()
    try:
        hour, pos = _strtoint(text, 1)
        minute = second = 0
        if text[pos : pos + 1] == ":":
            minute, pos = _strtoint(text, pos + 1)
            if text[pos : pos + 1] == ":":
                second, pos = _strtoint(text, pos + 1)
        elif pos == len(text) and len(text) > 3:
            hour, minute = divmod(hour, 100)
    except DateTimeError:
        raise DateTimeError("tzdisp") from None
    if hour > 15 or minute >= 60 or second >= 60:
        raise DateTimeError("tzdisp")
    east = (hour * 60 + minute) * 60 + second
    if pos != len(text):
        raise _bad()
    return east if text[0] == "-" else -east


def _decode_time(text: str, tm: Tm) -> int:
    """DecodeTime: 'hh:mm[:ss[.fff]]' or 'mm:ss.fff'. Returns the mask."""
    tm.hour, pos = _strtoint(text)
    if text[pos : pos + 1] != ":":
        raise _bad()
    tm.minute, pos = _strtoint(text, pos + 1)
    rest = text[pos:]
    if not rest:
        tm.second, tm.fsec = 0, 0
    elif rest[0] == ".":
        tm.fsec = _fractional_second(rest)
        tm.second, tm.minute, tm.hour = tm.minute, tm.hour, 0
    elif rest[0] == ":":
        tm.second, pos = _strtoint(text, pos + 1)
        rest = text[pos:]
        if rest[:1] == ".":
            tm.fsec = _fractional_second(rest)
        elif rest:
            raise _bad()
    else:
        raise _bad()
    if tm.minute > 59 or tm.second > 60 or tm.fsec > USECS_PER_SEC:
        raise DateTimeError("field")
    return TIME_M


def _time_overflows(tm: Tm) -> bool:
    if not (0 <= tm.hour <= 24 and 0 <= tm.minute < 60 and 0 <= tm.second <= 60):
        return True
    if not 0 <= tm.fsec <= USECS_PER_SEC:
        return True
    total = ((tm.hour * 60 + tm.minute) * 60 + tm.second) * USECS_PER_SEC + tm.fsec
    return total > USECS_PER_DAY


class _State:
    """The flags DecodeDateTime and DecodeTimeOnly carry between fields."""

    __slots__ = ("bc", "is2digits", "isjulian")

    def __init__(self) -> None:
        self.is2digits = False
        self.isjulian = False
        self.bc = False


def _decode_number_field(text: str, fmask: int, tm: Tm, st: _State) -> tuple[int, str]:
    """DecodeNumberField: run-together 'yyyymmdd', 'yymmdd', 'hhmmss[.fff]', 'hhmm'.
    Returns (mask, DATE or TIME)."""
    dot = text.find(".")
    if dot >= 0:
        tail = text[dot:]
        tm.fsec = 0 if tail == "." else round(float(tail) * USECS_PER_SEC)
        text = text[:dot]
    elif fmask & DATE_M != DATE_M and len(text) >= 6:
        tm.day = int(text[-2:])
        tm.month = int(text[-4:-2])
        tm.year = int(text[:-4] or "0")
        if len(text) - 4 == 2:
            st.is2digits = True
        return DATE_M, DATE
    if fmask & TIME_M != TIME_M:
        if len(text) == 6:
            tm.hour, tm.minute, tm.second = int(text[:2]), int(text[2:4]), int(text[4:])
            return TIME_M, TIME
        if len(text) == 4:
            tm.hour, tm.minute, tm.second = int(text[:2]), int(text[2:]), 0
            return TIME_M, TIME
    raise _bad()


def _decode_number(text: str, text_month: bool, fmask: int, tm: Tm, st: _State, order: str) -> int:
    """DecodeNumber: one numeric field of a date (or a run-together date or time)."""
    value, pos = _strtoint(text)
    if pos == 0:
        raise _bad()
    flen = len(text)
    if pos < flen:
        if text[pos] != ".":
            raise _bad()
        if pos > 2:
            return _decode_number_field(text, fmask | DATE_M, tm, st)[0]
        tm.fsec = _fractional_second(text[pos:])
    if flen == 3 and fmask & DATE_M == _YEAR and 1 <= value <= 366:
        tm.yday = value
        return _DOY | _MONTH | _DAY
    have = fmask & DATE_M
    if have == 0:
        if flen >= 3 or order == "YMD":
            mask, tm.year = _YEAR, value
        elif order == "DMY":
            mask, tm.day = _DAY, value
        else:
            mask, tm.month = _MONTH, value
    elif have == _YEAR:
        mask, tm.month = _MONTH, value
    elif have == _MONTH:
        if text_month and (flen >= 3 or order == "YMD"):
            mask, tm.year = _YEAR, value
        else:
            mask, tm.day = _DAY, value
    elif have == _YEAR | _MONTH:
        mask = _DAY
        if text_month and flen >= 3 and st.is2digits:
            tm.day, tm.year = tm.year, value
            st.is2digits = False
        else:
            tm.day = value
    elif have == _DAY:
        mask, tm.month = _MONTH, value
    elif have == _MONTH | _DAY:
        mask, tm.year = _YEAR, value
    elif have == DATE_M:
        return _decode_number_field(text, fmask, tm, st)[0]
    else:
        raise _bad()
    if mask == _YEAR:
        st.is2digits = flen <= 2
    return mask


def _decode_date(text: str, fmask: int, tm: Tm, st: _State, order: str) -> int:
    """DecodeDate: a date field with separators, 'yyyy-mm-dd', '1/8/1999', 'jan-08-1999'."""
    parts: list[str] = []
    pos, end = 0, len(text)
    while pos < end and len(parts) < MAXDATEFIELDS:
        pos = _skip_to_alnum(text, pos)
        if pos == end:
            raise _bad()
        start = pos
        pos = _span(text, pos, _DIGITS if text[pos] in _DIGITS else _ALPHA)
        parts.append(text[start:pos])
        if pos < end:
            pos += 1
    tmask = 0
    text_month = False
    numbers: list[str] = []
    for part in parts:
        if part[:1] in _ALPHA:
            kind, value = _TOKENS.get(part, ("unknown", None))
            if kind == "ignore":
                continue
            if kind != "month":
                raise _bad()
            assert isinstance(value, int)
            tm.month = value
            text_month = True
            if fmask & _MONTH:
                raise _bad()
            fmask |= _MONTH
            tmask |= _MONTH
        else:
            numbers.append(part)
    for part in numbers:
        if not part:
            raise _bad()
        mask = _decode_number(part, text_month, fmask, tm, st, order)
        if fmask & mask:
            raise _bad()
        fmask |= mask
        tmask |= mask
    if fmask & ~(_DOY | _TZ) != DATE_M:
        raise _bad()
    return tmask


def _skip_to_alnum(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] not in _ALNUM:
        pos += 1
    return pos


def _validate_date(fmask: int, st: _State, tm: Tm) -> None:
    """ValidateDate: BC and two-digit years, day of year, month and day ranges."""
    if fmask & DATE_M:
        if st.isjulian:
            pass
        elif st.bc:
            if tm.year <= 0:
                raise DateTimeError("field")
            tm.year = -(tm.year - 1)
        elif st.is2digits:
            if tm.year < 0:
                raise DateTimeError("field")
            if tm.year < 70:
                tm.year += 2000
            elif tm.year < 100:
                tm.year += 1900
        elif tm.year <= 0:
            raise DateTimeError("field")
    if fmask & _DOY:
        tm.year, tm.month, tm.day = j2date(date2j(tm.year, 1, 1) + tm.yday - 1)
    if fmask & _MONTH and not 1 <= tm.month <= 12:
        raise DateTimeError("md_field")
    if fmask & _DAY and not 1 <= tm.day <= 31:
        raise DateTimeError("md_field")
    if fmask & DATE_M == DATE_M and tm.day > _DAYS_IN_MONTH[_is_leap(tm.year)][tm.month - 1]:
        raise DateTimeError("field")


def _apply_meridian(meridian: str | None, tm: Tm) -> None:
    if meridian is not None and tm.hour > 12:
        raise DateTimeError("field")
    if meridian == "am" and tm.hour == 12:
        tm.hour = 0
    elif meridian == "pm" and tm.hour != 12:
        tm.hour += 12


# ---------------------------------------------------------------------------------------------
# zones


@functools.lru_cache(maxsize=256)
def _named_zone(name: str) -> ZoneLookup | None:
    """pg_tzset(): a zone file or POSIX TZ string by (lower-cased) name."""
    try:
        return zone_lookup(parse_timezone(name))
    except PgError:
        return None


@functools.lru_cache(maxsize=64)
def session_lookup(zone: tzinfo) -> ZoneLookup:
    return zone_lookup(zone)


def _local_seconds(tm: Tm) -> int:
    days = date2j(tm.year, tm.month, tm.day) - UNIX_EPOCH_JDATE
    return days * 86400 + (tm.hour * 60 + tm.minute) * 60 + tm.second


def _zone_offset(tm: Tm, lookup: ZoneLookup) -> int:
    """DetermineTimeZoneOffset: seconds west for the local time in `tm`."""
    return -local_offset(lookup, _local_seconds(tm))


def _abbrev_offset(tm: Tm, abbrev: str, lookup: ZoneLookup) -> int:
    """DetermineTimeZoneAbbrevOffset: the offset the zone used with this abbreviation around
    the local time in `tm`, else the zone's offset then."""
    local = _local_seconds(tm)
    for probe in (local - 86400, local + 86400):
        offset, name = lookup(probe - lookup(probe)[0])
        if name.lower() == abbrev and lookup(local - offset)[1].lower() == abbrev:
            return -offset
    return _zone_offset(tm, lookup)


def _today(zone: tzinfo) -> tuple[int, int, int]:
    """GetCurrentDateTime: today's date in the session's zone."""
    seconds = int(datetime.now(UTC).timestamp())
    return civil_from_days((seconds + session_lookup(zone)(seconds)[0]) // 86400)


def _now(tm: Tm, zone: tzinfo) -> None:
    """GetCurrentTimeUsec: the current time in the session's zone."""
    now = datetime.now(UTC)
    micros = (now - datetime(1970, 1, 1, tzinfo=UTC)) // _MICRO
    offset = session_lookup(zone)(micros // USECS_PER_SEC)[0]
    local = micros + offset * USECS_PER_SEC
    days, rest = divmod(local, USECS_PER_DAY)
    tm.year, tm.month, tm.day = civil_from_days(days)
    seconds, tm.fsec = divmod(rest, USECS_PER_SEC)
    minutes, tm.second = divmod(seconds, 60)
    tm.hour, tm.minute = divmod(minutes, 60)
    tm.tz = -offset


_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)


def _string_field(value: str) -> tuple[str, object]:
    """DecodeTimezoneAbbrev then DecodeSpecial: (kind, value) of a word."""
    fixed = FIXED.get(value)
    if fixed is not None:
        return ("dtz" if fixed[1] else "tz"), fixed[0]
    dynamic = DYNAMIC.get(value)
    if dynamic is not None:
        return "dyntz", dynamic
    return _TOKENS.get(value, ("unknown", None))


def _zone_not_recognized(name: str) -> PgError:
    return PgError(f'time zone "{name}" not recognized', sqlstate.INVALID_PARAMETER_VALUE)


# ---------------------------------------------------------------------------------------------
# DecodeDateTime


def decode_datetime(fields: list[tuple[str, str]], order: str, zone: tzinfo, want_tz: bool) -> Tm:
    """DecodeDateTime for date, timestamp and timestamptz. `order` is the DateStyle's field
    order (MDY, DMY, YMD), `zone` the session's TimeZone; the zone offset (Tm.tz) is worked
    out only when `want_tz`. DateTimeError, or PgError for an unknown zone name."""
    tm = Tm()
    st = _State()
    fmask = 0
    ptype: str | None = None
    meridian: str | None = None
    text_month = False
    named: ZoneLookup | None = None
    dynamic: tuple[ZoneLookup, str] | None = None
    tz = 0
    count = len(fields)
    for i, (value, ftype) in enumerate(fields):
        if ftype == DATE:
            if ptype == "julian":
                # an integral Julian day with a time zone attached: 'J2451187-08'
                number, pos = _strtoint(value)
                tm.year, tm.month, tm.day = j2date(number)
                st.isjulian = True
                tz = _decode_timezone(value[pos:])
                tmask = DATE_M | TIME_M | _TZ
                ptype = None
            elif ptype is not None or fmask & (_MONTH | _DAY) == _MONTH | _DAY:
                if value[0] in _DIGITS or ptype is not None:
                    if ptype is not None:
                        if ptype != "time":
                            raise _bad()
                        ptype = None
                    if fmask & TIME_M == TIME_M:
                        raise _bad()
                    dash = value.find("-")
                    if dash < 0:
                        raise _bad()
                    tz = _decode_timezone(value[dash:])
                    tmask = _decode_number_field(value[:dash], fmask, tm, st)[0] | _TZ
                else:
                    named = _named_zone(value)
                    if named is None:
                        raise _zone_not_recognized(value)
                    tmask = _TZ
            else:
                tmask = _decode_date(value, fmask, tm, st, order)
        elif ftype == TIME:
            if ptype is not None:
                if ptype != "time":
                    raise _bad()
                ptype = None
            tmask = _decode_time(value, tm)
            if _time_overflows(tm):
                raise DateTimeError("field")
        elif ftype == TZ:
            tz = _decode_timezone(value)
            tmask = _TZ
        elif ftype == NUMBER:
            if ptype is not None:
                tmask = _labelled_number(value, ptype, fmask, tm, st)
                if ptype == "tz":
                    tz = _decode_timezone(value)
                ptype = None
                tm.dtype = "date"
            else:
                flen = len(value)
                dot = value.find(".")
                if dot >= 0 and not fmask & DATE_M:
                    tmask = _decode_date(value, fmask, tm, st, order)
                elif dot > 2 or (flen >= 6 and (not fmask & DATE_M or not fmask & TIME_M)):
                    tmask = _decode_number_field(value, fmask, tm, st)[0]
                else:
                    tmask = _decode_number(value, text_month, fmask, tm, st, order)
        elif ftype in (STRING, SPECIAL):
            kind, val = _string_field(value)
            if kind == "ignore":
                continue
            tmask = _KIND_MASK.get(kind, 0)
            if kind == "reserv":
                if val == "now":
                    tmask = DATE_M | TIME_M | _TZ
                    tm.dtype = "date"
                    _now(tm, zone)
                    tz = tm.tz or 0
                elif val in ("today", "tomorrow", "yesterday"):
                    tmask = DATE_M
                    tm.dtype = "date"
                    shift = {"today": 0, "tomorrow": 1, "yesterday": -1}[str(val)]
                    tm.year, tm.month, tm.day = j2date(date2j(*_today(zone)) + shift)
                elif val == "zulu":
                    tmask = TIME_M | _TZ
                    tm.dtype = "date"
                    tm.hour = tm.minute = tm.second = 0
                    tz = 0
                else:
                    tm.dtype = str(val)
            elif kind == "month":
                assert isinstance(val, int)
                if (fmask & _MONTH and not text_month and not fmask & _DAY
                        and 1 <= tm.month <= 31):  # fmt: skip
                    tm.day = tm.month
                    tmask = _DAY
                text_month = True
                tm.month = val
            elif kind == "dtzmod":
                assert isinstance(val, int)
                tmask |= _DTZ
                tz -= val
            elif kind == "dtz":
                assert isinstance(val, int)
                tmask = _DTZ | _TZ
                tz = -val
            elif kind == "tz":
                assert isinstance(val, int)
                tmask = _TZ
                tz = -val
            elif kind == "dyntz":
                tmask = _DYNTZ | _TZ
                found = _named_zone(str(val))
                if found is None:
                    raise _bad()
                dynamic = (found, value)
            elif kind == "ampm":
                meridian = str(val)
            elif kind == "adbc":
                st.bc = bool(val)
            elif kind == "dow":
                pass
            elif kind == "units":
                tmask = 0
                ptype = str(val)
            elif kind == "isotime":
                tmask = 0
                if fmask & DATE_M != DATE_M:
                    raise _bad()
                if i >= count - 1 or fields[i + 1][1] not in (NUMBER, TIME, DATE):
                    raise _bad()
                ptype = "time"
            else:  # not a known word: perhaps an all-letters zone name
                named = _named_zone(value)
                if named is None:
                    raise _bad()
                tmask = _TZ
        else:
            raise _bad()
        if tmask & fmask:
            raise _bad()
        fmask |= tmask

    _validate_date(fmask, st, tm)
    _apply_meridian(meridian, tm)
    if tm.dtype == "date":
        if fmask & DATE_M != DATE_M:
            raise _bad()  # a time alone (DecodeDateTime's 1) is no date either
        if (named is not None or dynamic is not None) and fmask & _DTZMOD:
            raise _bad()
        if not fmask & _TZ and fmask & _DTZMOD:
            raise _bad()
        if want_tz:
            if named is not None:
                tz = _zone_offset(tm, named)
            elif dynamic is not None:
                tz = _abbrev_offset(tm, dynamic[1], dynamic[0])
            elif not fmask & _TZ:
                tz = _zone_offset(tm, session_lookup(zone))
            tm.tz = tz
    return tm


def _labelled_number(value: str, ptype: str, fmask: int, tm: Tm, st: _State) -> int:
    """A number after a unit label ('y2001m02d04', 'J2451187', 'T040506')."""
    number, pos = _strtoint(value)
    rest = value[pos:]
    if rest[:1] == ".":
        if ptype not in ("julian", "time", "second"):
            raise _bad()
    elif rest:
        raise _bad()
    if ptype == "year":
        tm.year = number
        return _YEAR
    if ptype == "month":
        if fmask & _MONTH and fmask & _HOUR:
            tm.minute = number
            return _MINUTE
        tm.month = number
        return _MONTH
    if ptype == "day":
        tm.day = number
        return _DAY
    if ptype == "hour":
        tm.hour = number
        return _HOUR
    if ptype == "minute":
        tm.minute = number
        return _MINUTE
    if ptype == "second":
        tm.second = number
        if rest:
            tm.fsec = _fractional_second(rest)
            return _ALL_SECS_M
        return _SECOND
    if ptype == "julian":
        tm.year, tm.month, tm.day = j2date(number)
        st.isjulian = True
        mask = DATE_M
        if rest:
            micros = int(_fraction(rest) * USECS_PER_DAY)
            seconds, tm.fsec = divmod(micros, USECS_PER_SEC)
            minutes, tm.second = divmod(seconds, 60)
            tm.hour, tm.minute = divmod(minutes, 60)
            mask |= TIME_M
        return mask
    if ptype == "time":
        mask, _kind = _decode_number_field(value, fmask | DATE_M, tm, st)
        if mask != TIME_M:
            raise _bad()
        return mask
    raise _bad()


# ---------------------------------------------------------------------------------------------
# DecodeTimeOnly


def decode_time(fields: list[tuple[str, str]], order: str, zone: tzinfo, want_tz: bool) -> Tm:
    """DecodeTimeOnly for time and timetz: a date may come along (and sets the date the zone
    offset is taken at), the time zone is worked out only when `want_tz`."""
    tm = Tm(dtype="time")
    st = _State()
    fmask = 0
    ptype: str | None = None
    meridian: str | None = None
    named: ZoneLookup | None = None
    dynamic: tuple[ZoneLookup, str] | None = None
    tz = 0
    count = len(fields)
    types = [ftype for _value, ftype in fields]
    for i, (value, ftype) in enumerate(fields):
        if ftype == DATE:
            if i == 0 and count >= 2 and (types[-1] == DATE or types[1] == TIME):
                tmask = _decode_date(value, fmask, tm, st, order)
            elif value[0] in _DIGITS:
                if fmask & TIME_M == TIME_M:
                    raise _bad()
                dash = value.find("-")
                if dash < 0:
                    raise _bad()
                tz = _decode_timezone(value[dash:])
                mask, kind = _decode_number_field(value[:dash], fmask | DATE_M, tm, st)
                types[i] = kind
                tmask = mask | _TZ
            else:
                named = _named_zone(value)
                if named is None:
                    raise _zone_not_recognized(value)
                types[i] = TZ
                tmask = _TZ
        elif ftype == TIME:
            tmask = _decode_time(value, tm)
        elif ftype == TZ:
            tz = _decode_timezone(value)
            tmask = _TZ
        elif ftype == NUMBER:
            if ptype is not None:
                tmask = _labelled_number(value, ptype, fmask, tm, st)
                if ptype == "tz":
                    tz = _decode_timezone(value)
                ptype = None
                tm.dtype = "date"
            else:
                flen = len(value)
                dot = value.find(".")
                if dot >= 0:
                    if i == 0 and count >= 2 and types[-1] == DATE:
                        tmask = _decode_date(value, fmask, tm, st, order)
                    elif dot > 2:
                        tmask, types[i] = _decode_number_field(value, fmask | DATE_M, tm, st)
                    else:
                        raise _bad()
                elif flen > 4:
                    tmask, types[i] = _decode_number_field(value, fmask | DATE_M, tm, st)
                else:
                    tmask = _decode_number(value, False, fmask | DATE_M, tm, st, order)
        elif ftype in (STRING, SPECIAL):
            kind, val = _string_field(value)
            if kind == "ignore":
                continue
            tmask = _KIND_MASK.get(kind, 0)
            if kind == "reserv":
                if val == "now":
                    tmask = TIME_M
                    tm.dtype = "time"
                    _now(tm, zone)
                    tm.tz = None
                    tm.year = tm.month = tm.day = 0
                elif val == "zulu":
                    tmask = TIME_M | _TZ
                    tm.dtype = "time"
                    tm.hour = tm.minute = tm.second = 0
                else:
                    raise _bad()
            elif kind == "dtzmod":
                assert isinstance(val, int)
                tmask |= _DTZ
                tz -= val
            elif kind == "dtz":
                assert isinstance(val, int)
                tmask = _DTZ | _TZ
                tz = -val
            elif kind == "tz":
                assert isinstance(val, int)
                tmask = _TZ
                tz = -val
            elif kind == "dyntz":
                tmask = _DYNTZ | _TZ
                found = _named_zone(str(val))
                if found is None:
                    raise _bad()
                dynamic = (found, value)
            elif kind == "ampm":
                meridian = str(val)
            elif kind == "adbc":
                st.bc = bool(val)
            elif kind == "units":
                tmask = 0
                ptype = str(val)
            elif kind == "isotime":
                tmask = 0
                if i >= count - 1 or types[i + 1] not in (NUMBER, TIME, DATE):
                    raise _bad()
                ptype = "time"
            elif kind == "unknown":
                named = _named_zone(value)
                if named is None:
                    raise _bad()
                tmask = _TZ
            else:
                raise _bad()
        else:
            raise _bad()
        if tmask & fmask:
            raise _bad()
        fmask |= tmask

    _validate_date(fmask, st, tm)
    _apply_meridian(meridian, tm)
    if _time_overflows(tm):
        raise DateTimeError("field")
    if fmask & TIME_M != TIME_M:
        raise _bad()
    if (named is not None or dynamic is not None or not fmask & _TZ) and fmask & _DTZMOD:
        raise _bad()
    if named is not None:
        fixed = _fixed_offset(named)
        if fixed is not None:
            tz = fixed
        elif fmask & DATE_M != DATE_M:
            raise _bad()
        elif want_tz:
            tz = _zone_offset(tm, named)
    elif dynamic is not None or not fmask & _TZ:
        if fmask & DATE_M and fmask & DATE_M != DATE_M:
            raise _bad()
        if want_tz:
            probe = Tm(hour=tm.hour, minute=tm.minute, second=tm.second)
            if fmask & DATE_M:
                probe.year, probe.month, probe.day = tm.year, tm.month, tm.day
            else:
                probe.year, probe.month, probe.day = _today(zone)
            if dynamic is not None:
                tz = _abbrev_offset(probe, dynamic[1], dynamic[0])
            else:
                tz = _zone_offset(probe, session_lookup(zone))
    tm.tz = tz
    return tm


def _fixed_offset(lookup: ZoneLookup) -> int | None:
    """pg_get_timezone_offset: seconds west when the zone never changes its offset."""
    offsets = {lookup(at)[0] for at in (-(2**40), 0, 15_000_000, 1_700_000_000, 2**33)}
    if len(offsets) == 1:
        return -offsets.pop()
    return None
