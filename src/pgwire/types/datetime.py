"""Dates and times: date, time, timetz, timestamp, timestamptz.

Text output follows the session settings as PostgreSQL 15's EncodeDateOnly and EncodeDateTime
do. The registered encoders print PostgreSQL's defaults (DateStyle 'ISO, MDY', TimeZone UTC:
'2024-01-01 12:00:00+00'); each type's `text_encoder_for` builds the encoder for other
settings: DateStyle ISO, SQL ('11/23/2026 17:00:00 CET', DMY: '23/11/2026'), Postgres
('Mon Nov 23 17:00:00 2026 CET') and German ('23.11.2026 17:00:00 CET') for date, timestamp
and timestamptz; TimeZone for timestamptz (time and timetz print the same under any setting).
The settings themselves are read in `pgwire.types.datestyle` (DateStyle, with its formatters)
and `pgwire.types.timezones`; intervals live in `pgwire.types.interval`.

Python's date/datetime cannot hold BC dates, years above 9999, 'infinity' or '24:00:00'. Such
values travel as str in PostgreSQL's own spelling ('0045-03-15 BC', 'infinity'): encoders read
such a str (DuckDB's ' (BC)' spelling too) and print it as the settings ask, passing text they
cannot read through, and decoders return a str for input that Python cannot represent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, TypeVar

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types._calendar import civil_from_days, days_from_civil
from pgwire.types._util import INT4, INT8, invalid_binary, invalid_datetime, out_of_range
from pgwire.types.datestyle import date_formatter, datestyle_parts, timestamp_formatter
from pgwire.types.datetime_input import (
    POSTGRES_EPOCH_JDATE,
    DateTimeError,
    date2j,
    decode_datetime,
    decode_time,
    parse_error,
    parse_fields,
)
from pgwire.types.interval import interval_text
from pgwire.types.registry import Decoder, Encoder, TextFormats, TypeInfo, TypeRegistry, registry
from pgwire.types.timezones import (
    PosixZone,
    ZoneLookup,
    local_offset,
    session_zone,
    zone_lookup,
)

_PG_EPOCH_ORDINAL = date(2000, 1, 1).toordinal()  # 730120
_UNIX_TO_PG_DAYS = 10957  # days from 1970-01-01 to 2000-01-01
_USEC_PER_DAY = 86_400_000_000
_INT32_MAX, _INT32_MIN = 2**31 - 1, -(2**31)
_INT64_MAX, _INT64_MIN = 2**63 - 1, -(2**63)
_INFINITIES = {"infinity": "infinity", "+infinity": "infinity", "-infinity": "-infinity"}


# ---------------------------------------------------------------------------------------------
# dates Python cannot hold (BC, years > 9999)


def _date_text_from_days(pg_days: int) -> str:
    """Days since 2000-01-01 → PostgreSQL's date text, BC and five-digit years included."""
    year, month, day = civil_from_days(pg_days + _UNIX_TO_PG_DAYS)
    if year <= 0:
        return f"{1 - year:04d}-{month:02d}-{day:02d} BC"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _bc(text: str) -> str:
    """DuckDB writes BC as '0045-03-15 (BC) 01:02:03'; PostgreSQL as '0045-03-15 01:02:03 BC'."""
    if " (BC)" in text:
        return text.replace(" (BC)", "") + " BC"
    return text


# ---------------------------------------------------------------------------------------------
# formatting helpers


def _offset_text(offset: timedelta) -> str:
    """A UTC offset as PostgreSQL prints it: '+00', '+05:30', '-08', '+05:30:15'."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if secs:
        return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"
    if minutes:
        return f"{sign}{hours:02d}:{minutes:02d}"
    return f"{sign}{hours:02d}"


# ---------------------------------------------------------------------------------------------
# text encoders


def date_text_encode(value: Any) -> bytes:
    if type(value) is date:
        return value.isoformat().encode()
    return _date_text_other(value)


def _date_text_other(value: Any) -> bytes:
    if isinstance(value, datetime):
        return value.date().isoformat().encode()
    if isinstance(value, date):
        return value.isoformat().encode()
    if isinstance(value, str):
        return _bc(value).encode()
    if isinstance(value, bytes):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} as date")


def _time_text(value: time) -> str:
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    text = value.isoformat()
    return text.rstrip("0") if value.microsecond else text


def time_text_encode(value: Any) -> bytes:
    if type(value) is time and value.tzinfo is None:
        text = value.isoformat()
        return (text.rstrip("0") if value.microsecond else text).encode()
    return _time_text_other(value)


def _time_text_other(value: Any) -> bytes:
    if isinstance(value, time):
        return _time_text(value).encode()
    if isinstance(value, datetime):
        return _time_text(value.time()).encode()
    if isinstance(value, timedelta):  # some drivers hand a time of day over as timedelta
        micros = value // timedelta(microseconds=1)
        return interval_text(0, 0, micros).encode()
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} as time")


def timetz_text_encode(value: Any) -> bytes:
    if isinstance(value, time):
        offset = value.utcoffset()
        return (_time_text(value) + _offset_text(offset or timedelta(0))).encode()
    if isinstance(value, datetime):
        return timetz_text_encode(value.timetz())
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} as timetz")


def timestamp_text_encode(value: Any) -> bytes:
    if type(value) is datetime:
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        text: str = value.isoformat(" ")
        return (text.rstrip("0") if value.microsecond else text).encode()
    return _timestamp_text_other(value)


def _timestamp_text_other(value: Any) -> bytes:
    if isinstance(value, datetime):
        return timestamp_text_encode(datetime.combine(value.date(), value.timetz()))
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00:00".encode()
    if isinstance(value, str):
        return _bc(value).encode()
    if isinstance(value, bytes):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} as timestamp")


def timestamptz_text_encoder(zone: tzinfo = UTC, datestyle: str = "ISO, MDY") -> Encoder:
    """The timestamptz text encoder for a session TimeZone (a tzinfo: zoneinfo, UTC or one
    from `parse_timezone`) and DateStyle. Naive datetimes count as local time in `zone`."""
    style, order = datestyle_parts(datestyle)
    iso = style == "ISO"
    fmt = timestamp_formatter(style, order)
    lookup = zone_lookup(zone)
    # The tzinfo protocol cannot express PostgreSQL's offsets of 24 hours and more, nor tell
    # the two readings of an hour that repeats: a PosixZone works on UTC instants instead.
    native = not isinstance(zone, PosixZone)

    def from_utc_micros(micros: int) -> bytes:
        """Any instant (microseconds since 1970 UTC), BC and past 9999 included."""
        offset, abbrev = lookup(micros // 1_000_000)
        days, rest = divmod(micros + offset * 1_000_000, _USEC_PER_DAY)
        year, month, day = civil_from_days(days)
        seconds, fraction = divmod(rest, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        suffix = _offset_seconds_text(offset) if iso else abbrev[:_MAXTZLEN]
        return fmt(year, month, day, hour, minute, second, fraction, suffix).encode()

    def encode(value: Any) -> bytes:
        if isinstance(value, datetime):
            if value.tzinfo is None:  # naive: local time in the session's zone
                if not native:
                    return from_utc_micros(_local_to_utc(lookup, _unix_micros(value)))
                try:
                    value = _localize(value, zone)
                except OverflowError:
                    return from_utc_micros(_local_to_utc(lookup, _unix_micros(value)))
            if native:
                try:
                    local: datetime = value.astimezone(zone)
                except OverflowError:  # the local time is out of datetime's range
                    return from_utc_micros(_unix_micros(value))
                offset = local.utcoffset()
                seconds = 0 if offset is None else offset // _SECOND
                if iso:
                    naive = local.replace(tzinfo=None)
                    text = naive.isoformat(" ")
                    if naive.microsecond:
                        text = text.rstrip("0")
                    return (text + _offset_seconds_text(seconds)).encode()
                abbrev = (local.tzname() or "")[:_MAXTZLEN]
                return fmt(local.year, local.month, local.day, local.hour, local.minute,
                           local.second, local.microsecond, abbrev).encode()  # fmt: skip
            return from_utc_micros(_unix_micros(value))
        if isinstance(value, date):
            return encode(datetime(value.year, value.month, value.day))
        if isinstance(value, str):
            text = _bc(value)
            if text.strip().lower() in _INFINITIES:
                return text.encode()
            try:
                micros = _timestamp_micros_of_text(text, "timestamp with time zone")
            except PgError:
                return text.encode()
            return from_utc_micros(micros + _UNIX_TO_PG_DAYS * _USEC_PER_DAY)
        if isinstance(value, bytes):
            return value
        raise TypeError(f"cannot encode {type(value).__name__} as timestamptz")

    if zone is UTC and iso:
        return _utc_iso_encoder(encode)
    return encode


def _utc_iso_encoder(general: Encoder) -> Encoder:
    """The default timestamptz encoder (TimeZone UTC, DateStyle ISO): its common case fast."""

    def encode(value: Any) -> bytes:
        if type(value) is datetime:
            tz = value.tzinfo
            naive = value.replace(tzinfo=None)
            if tz is not None:
                offset = tz.utcoffset(value)
                if offset:
                    try:
                        naive -= offset
                    except OverflowError:
                        return general(value)
            text = naive.isoformat(" ")
            if naive.microsecond:
                text = text.rstrip("0")
            return (text + "+00").encode()
        return general(value)

    return encode


# ---------------------------------------------------------------------------------------------
# text decoders

_DATE_RE = re.compile(r"(\d{4,})-(\d{1,2})-(\d{1,2})(\s+BC)?$", re.IGNORECASE)
_MDY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$")
_TS_RE = re.compile(
    r"(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?)?(\s+BC| \(BC\))?$",
    re.IGNORECASE,
)


def _fields(data: bytes, type_name: str) -> tuple[str, list[tuple[str, str]]]:
    text = data.decode(errors="replace")
    try:
        return text, parse_fields(text)
    except DateTimeError as err:
        raise parse_error(err, text, type_name) from None


def _valid_julian(year: int, month: int) -> bool:
    """IS_VALID_JULIAN: from 4714-11-24 BC up to 5874898-06-03."""
    return (year > -4713 or (year == -4713 and month >= 11)) and (
        year < 5874898 or (year == 5874898 and month < 6)
    )


def date_text_decoder(datestyle: str = "ISO, MDY", zone: tzinfo = UTC) -> Decoder:
    """The date text decoder for a session's DateStyle (its field order reads '1/8/1999')
    and TimeZone (what 'today' is)."""
    order = datestyle_parts(datestyle)[1]

    def decode(data: bytes) -> date | str:
        if len(data) == 10 and data[4] == 45 and data[7] == 45:  # 'YYYY-MM-DD'
            try:
                return date.fromisoformat(data.decode())
            except ValueError:
                pass
        text, fields = _fields(data, "date")
        try:
            tm = decode_datetime(fields, order, zone, False)
        except DateTimeError as err:
            raise parse_error(err, text, "date") from None
        if tm.dtype == "date":
            if not _valid_julian(tm.year, tm.month):
                raise _date_out_of_range("date", text)
            if 1 <= tm.year <= 9999:
                return date(tm.year, tm.month, tm.day)
            days = date2j(tm.year, tm.month, tm.day) - POSTGRES_EPOCH_JDATE
            if not -POSTGRES_EPOCH_JDATE <= days < _DATE_END_JULIAN - POSTGRES_EPOCH_JDATE:
                raise _date_out_of_range("date", text)
            return _date_text_from_days(days)
        if tm.dtype == "epoch":
            return date(1970, 1, 1)
        if tm.dtype in ("infinity", "-infinity"):
            return tm.dtype
        raise invalid_datetime("date", text)

    return decode


_DATE_END_JULIAN = 2147483494
_MIN_TIMESTAMP = -211813488000000000  # 4714-11-24 00:00:00 BC
_END_TIMESTAMP = 9223371331200000000  # 294277-01-01 00:00:00
_ISO_TIMESTAMP = re.compile(
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(Z|[+-](?:0\d|1[0-5])(?::?\d\d)?)?"
)


def _date_out_of_range(type_name: str, text: str) -> PgError:
    what = "date" if type_name == "date" else "timestamp"
    return PgError(f'{what} out of range: "{text}"', sqlstate.DATETIME_VALUE_OUT_OF_RANGE)


_Clock = TypeVar("_Clock", datetime, time)


def _plain_iso(
    text: str, pattern: re.Pattern[str], parse: Callable[[str], _Clock], aware: bool, utc: bool
) -> _Clock | None:
    """Plain ISO input through Python's own parser (None: take PostgreSQL's general path).
    Text without a zone is read this way only where the session's zone is UTC."""
    match = pattern.fullmatch(text)
    if match is None or not (not aware or utc or match[1]):
        return None
    try:
        value = parse(text)
    except ValueError:
        return None
    if aware:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def _timestamp_decoder(type_name: str, aware: bool, order: str, zone: tzinfo) -> Decoder:
    utc = zone is UTC

    def decode(data: bytes) -> datetime | str:
        text = data.decode(errors="replace")
        fast = _plain_iso(text, _ISO_TIMESTAMP, datetime.fromisoformat, aware, utc)
        if fast is not None:
            return fast
        _text, fields = _fields(data, type_name)
        try:
            tm = decode_datetime(fields, order, zone, aware)
        except DateTimeError as err:
            raise parse_error(err, text, type_name) from None
        if tm.dtype == "date":
            if not _valid_julian(tm.year, tm.month):
                raise _date_out_of_range(type_name, text)
            days = date2j(tm.year, tm.month, tm.day) - POSTGRES_EPOCH_JDATE
            clock = (tm.hour * 60 + tm.minute) * 60 + tm.second
            micros = (days * 86400 + clock) * 1_000_000 + tm.fsec
            offset = (tm.tz or 0) if aware else 0
            micros += offset * 1_000_000
            if not _MIN_TIMESTAMP <= micros < _END_TIMESTAMP:
                raise _date_out_of_range(type_name, text)
            if not aware:
                return _timestamp_from_micros(micros, None)
            if offset:
                try:
                    local = _PG_EPOCH_DATETIME + timedelta(microseconds=micros - offset * 1_000_000)
                    return local.replace(tzinfo=timezone(timedelta(seconds=-offset)))
                except (OverflowError, ValueError):
                    pass
            return _timestamp_from_micros(micros, UTC)
        if tm.dtype == "epoch":
            return datetime(1970, 1, 1, tzinfo=UTC if aware else None)
        if tm.dtype in ("infinity", "-infinity"):
            return tm.dtype
        raise invalid_datetime(type_name, text)

    return decode


def timestamp_text_decoder(datestyle: str = "ISO, MDY", zone: tzinfo = UTC) -> Decoder:
    return _timestamp_decoder("timestamp", False, datestyle_parts(datestyle)[1], zone)


def timestamptz_text_decoder(datestyle: str = "ISO, MDY", zone: tzinfo = UTC) -> Decoder:
    """Text without a zone is local time in `zone`, as the session's TimeZone."""
    order = datestyle_parts(datestyle)[1]
    return _timestamp_decoder("timestamp with time zone", True, order, zone)


_ISO_TIME = re.compile(r"\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(Z|[+-](?:0\d|1[0-5])(?::?\d\d)?)?")


def _time_decoder(type_name: str, aware: bool, order: str, zone: tzinfo) -> Decoder:
    utc = zone is UTC

    def decode(data: bytes) -> time | str:
        text = data.decode(errors="replace")
        fast = _plain_iso(text, _ISO_TIME, time.fromisoformat, aware, utc)
        if fast is not None:
            return fast
        _text, fields = _fields(data, type_name)
        try:
            tm = decode_time(fields, order, zone, aware)
        except DateTimeError as err:
            raise parse_error(err, text, type_name) from None
        micros = ((tm.hour * 60 + tm.minute) * 60 + tm.second) * 1_000_000 + tm.fsec
        offset = tm.tz or 0
        if micros == _USEC_PER_DAY:
            return "24:00:00" + (_offset_seconds_text(-offset) if aware else "")
        seconds, fraction = divmod(micros, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        if not aware:
            return time(hour, minute, second, fraction)
        zone_info = timezone(timedelta(seconds=-offset)) if offset else UTC
        return time(hour, minute, second, fraction, tzinfo=zone_info)

    return decode


def time_text_decoder(datestyle: str = "ISO, MDY", zone: tzinfo = UTC) -> Decoder:
    return _time_decoder("time", False, datestyle_parts(datestyle)[1], zone)


def timetz_text_decoder(datestyle: str = "ISO, MDY", zone: tzinfo = UTC) -> Decoder:
    """Text without a zone takes `zone`'s offset at its date, or today."""
    return _time_decoder("time with time zone", True, datestyle_parts(datestyle)[1], zone)


date_text_decode = date_text_decoder()
timestamp_text_decode = timestamp_text_decoder()
timestamptz_text_decode = timestamptz_text_decoder()
time_text_decode = time_text_decoder()
timetz_text_decode = timetz_text_decoder()


# ---------------------------------------------------------------------------------------------
# binary: dates are int32 days, times and timestamps int64 microseconds, from 2000-01-01


def _pg_days(value: Any, type_name: str) -> int:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.toordinal() - _PG_EPOCH_ORDINAL
    text = _bc(value.decode() if isinstance(value, bytes) else str(value)).strip()
    lower = text.lower()
    if lower in _INFINITIES:
        return _INT32_MAX if _INFINITIES[lower] == "infinity" else _INT32_MIN
    match = _DATE_RE.match(text)
    if not match:
        raise invalid_datetime(type_name, text)
    year = int(match[1])
    if match[4]:
        year = 1 - year
    return days_from_civil(year, int(match[2]), int(match[3])) - _UNIX_TO_PG_DAYS


def date_binary_encode(value: Any) -> bytes:
    if type(value) is date:
        return INT4.pack(value.toordinal() - _PG_EPOCH_ORDINAL)
    return INT4.pack(_pg_days(value, "date"))


def date_binary_decode(data: bytes) -> date | str:
    if len(data) != 4:
        raise invalid_binary("date")
    days: int = INT4.unpack(data)[0]
    if days == _INT32_MAX:
        return "infinity"
    if days == _INT32_MIN:
        return "-infinity"
    ordinal = days + _PG_EPOCH_ORDINAL
    if 1 <= ordinal <= date.max.toordinal():
        return date.fromordinal(ordinal)
    return _date_text_from_days(days)


def _time_micros(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def time_binary_encode(value: Any) -> bytes:
    if isinstance(value, time):
        return INT8.pack(_time_micros(value))
    if isinstance(value, timedelta):
        return INT8.pack(value // timedelta(microseconds=1))
    text = value.decode() if isinstance(value, bytes) else str(value)
    if re.fullmatch(r"24:00(:00(\.0*)?)?", text.strip()):
        return INT8.pack(_USEC_PER_DAY)
    return INT8.pack(_time_micros(time.fromisoformat(text.strip())))


_TZDISP_LIMIT = 16 * 3600  # (MAX_TZDISP_HOUR + 1) hours


def _check_time_micros(micros: int) -> None:
    """time_recv and timetz_recv: from midnight to 24:00:00, no further."""
    if not 0 <= micros <= _USEC_PER_DAY:
        raise PgError("time out of range", sqlstate.INVALID_BINARY_REPRESENTATION)


def time_binary_decode(data: bytes) -> time | str:
    if len(data) != 8:
        raise invalid_binary("time")
    micros: int = INT8.unpack(data)[0]
    _check_time_micros(micros)
    if micros == _USEC_PER_DAY:
        return "24:00:00"
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, fraction)


def timetz_binary_encode(value: Any) -> bytes:
    if not isinstance(value, time):
        parsed = timetz_text_decode(value if isinstance(value, bytes) else str(value).encode())
        if isinstance(parsed, str):
            raise out_of_range("time with time zone", parsed)
        value = parsed
    offset = value.utcoffset() or timedelta(0)
    # The zone is stored as seconds *west* of UTC.
    return INT8.pack(_time_micros(value)) + INT4.pack(-int(offset.total_seconds()))


def timetz_binary_decode(data: bytes) -> time:
    if len(data) != 12:
        raise invalid_binary("time with time zone")
    micros: int = INT8.unpack_from(data)[0]
    zone: int = INT4.unpack_from(data, 8)[0]
    _check_time_micros(micros)
    if not -_TZDISP_LIMIT <= zone <= _TZDISP_LIMIT:
        raise PgError("time zone displacement out of range", sqlstate.INVALID_BINARY_REPRESENTATION)
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour % 24, minute, second, fraction, tzinfo=timezone(timedelta(seconds=-zone)))


def _timestamp_micros(value: datetime) -> int:
    days = value.toordinal() - _PG_EPOCH_ORDINAL
    return (
        days * 86400 + value.hour * 3600 + value.minute * 60 + value.second
    ) * 1_000_000 + value.microsecond


def _timestamp_micros_of_text(text: str, type_name: str) -> int:
    text = _bc(text.strip())
    lower = text.lower()
    if lower in _INFINITIES:
        return _INT64_MAX if _INFINITIES[lower] == "infinity" else _INT64_MIN
    match = _TS_RE.match(text)
    if not match:
        raise invalid_datetime(type_name, text)
    year = int(match[1])
    if match[9]:
        year = 1 - year
    days = days_from_civil(year, int(match[2]), int(match[3])) - _UNIX_TO_PG_DAYS
    clock = (int(match[4] or 0) * 60 + int(match[5] or 0)) * 60 + int(match[6] or 0)
    micros = (days * 86400 + clock) * 1_000_000 + int((match[7] or "0")[:6].ljust(6, "0"))
    zone = match[8]
    if zone and zone.upper() != "Z":
        sign = -1 if zone[0] == "-" else 1
        fields = zone[1:].split(":") if ":" in zone else [zone[1:3], zone[3:5], zone[5:7]]
        hours, minutes, seconds = (int(f) if f else 0 for f in [*fields, "", ""][:3])
        micros -= sign * (hours * 3600 + minutes * 60 + seconds) * 1_000_000
    return micros


def timestamp_binary_encode(value: Any) -> bytes:
    if type(value) is datetime:
        return INT8.pack(_timestamp_micros(value))
    if isinstance(value, datetime):
        return INT8.pack(_timestamp_micros(value))
    if isinstance(value, date):
        return INT8.pack((value.toordinal() - _PG_EPOCH_ORDINAL) * _USEC_PER_DAY)
    text = value.decode() if isinstance(value, bytes) else str(value)
    return INT8.pack(_timestamp_micros_of_text(text, "timestamp"))


def timestamptz_binary_encode(value: Any) -> bytes:
    if isinstance(value, datetime):
        offset = value.utcoffset()
        micros = _timestamp_micros(value)
        if offset:
            micros -= offset // timedelta(microseconds=1)
        return INT8.pack(micros)
    if isinstance(value, date):
        return INT8.pack((value.toordinal() - _PG_EPOCH_ORDINAL) * _USEC_PER_DAY)
    text = value.decode() if isinstance(value, bytes) else str(value)
    return INT8.pack(_timestamp_micros_of_text(text, "timestamp with time zone"))


_PG_EPOCH_DATETIME = datetime(2000, 1, 1)


def _timestamp_from_micros(micros: int, zone: tzinfo | None) -> datetime | str:
    if micros == _INT64_MAX:
        return "infinity"
    if micros == _INT64_MIN:
        return "-infinity"
    try:
        value = _PG_EPOCH_DATETIME + timedelta(microseconds=micros)
    except OverflowError:
        days, rest = divmod(micros, _USEC_PER_DAY)
        seconds, fraction = divmod(rest, 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        day_text = _date_text_from_days(days)
        clock = f"{hour:02d}:{minute:02d}:{second:02d}"
        if fraction:
            clock += f".{fraction:06d}".rstrip("0")
        suffix = "+00" if zone is not None else ""
        if day_text.endswith(" BC"):
            return f"{day_text[:-3]} {clock}{suffix} BC"
        return f"{day_text} {clock}{suffix}"
    return value.replace(tzinfo=zone) if zone is not None else value


def timestamp_binary_decode(data: bytes) -> datetime | str:
    if len(data) != 8:
        raise invalid_binary("timestamp")
    return _timestamp_from_micros(INT8.unpack(data)[0], None)


def timestamptz_binary_decode(data: bytes) -> datetime | str:
    if len(data) != 8:
        raise invalid_binary("timestamp with time zone")
    return _timestamp_from_micros(INT8.unpack(data)[0], UTC)


# ---------------------------------------------------------------------------------------------
# styled text output: date and timestamp in every DateStyle, timestamptz in any TimeZone

_MAXTZLEN = 10  # time zone abbreviations print at most this long
_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_UNIX_EPOCH = datetime(1970, 1, 1)
_UNIX_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=512)
def _offset_seconds_text(seconds: int) -> str:
    return _offset_text(timedelta(seconds=seconds))


def _unix_micros(value: datetime) -> int:
    if value.tzinfo is None:
        return (value - _UNIX_EPOCH) // _MICROSECOND
    return (value - _UNIX_EPOCH_UTC) // _MICROSECOND


def _local_to_utc(lookup: ZoneLookup, local: int) -> int:
    """Microseconds of local time → UTC, as PostgreSQL reads a timestamp in a zone."""
    return local - local_offset(lookup, local // 1_000_000) * 1_000_000


def _localize(value: datetime, zone: tzinfo) -> datetime:
    """A naive local time in `zone` → aware, UTC. In a gap or an overlap PostgreSQL takes
    the smaller of the two offsets (see `local_offset`); fold=0 and fold=1 give both."""
    first = value.replace(tzinfo=zone).utcoffset()
    second = value.replace(tzinfo=zone, fold=1).utcoffset()
    offset = first if second is None or (first is not None and first <= second) else second
    return (value - offset if offset else value).replace(tzinfo=UTC)


def _date_fields(text: str) -> tuple[int, int, int] | None:
    """'0045-03-15 BC' (or DuckDB's '0045-03-15 (BC)') → (-44, 3, 15); None: not a date."""
    match = _DATE_RE.match(_bc(text).strip())
    if match is None:
        return None
    year = int(match[1])
    return (1 - year if match[4] else year), int(match[2]), int(match[3])


def _timestamp_fields(text: str) -> tuple[int, int, int, int, int, int, int] | None:
    match = _TS_RE.match(_bc(text).strip())
    if match is None or match[8]:
        return None
    year = int(match[1])
    fraction = int((match[7] or "0")[:6].ljust(6, "0"))
    return ((1 - year if match[9] else year), int(match[2]), int(match[3]), int(match[4] or 0),
            int(match[5] or 0), int(match[6] or 0), fraction)  # fmt: skip


def date_text_encoder(datestyle: str = "ISO, MDY") -> Encoder:
    """The date text encoder for a DateStyle."""
    style, order = datestyle_parts(datestyle)
    if style == "ISO":
        return date_text_encode
    fmt = date_formatter(style, order)

    def encode(value: Any) -> bytes:
        if isinstance(value, date):
            return fmt(value.year, value.month, value.day).encode()
        if isinstance(value, str):
            fields = _date_fields(value)
            return (fmt(*fields) if fields is not None else _bc(value)).encode()
        if isinstance(value, bytes):
            return value
        raise TypeError(f"cannot encode {type(value).__name__} as date")

    return encode


def timestamp_text_encoder(datestyle: str = "ISO, MDY") -> Encoder:
    """The timestamp (without time zone) text encoder for a DateStyle."""
    style, order = datestyle_parts(datestyle)
    if style == "ISO":
        return timestamp_text_encode
    fmt = timestamp_formatter(style, order)

    def encode(value: Any) -> bytes:
        if isinstance(value, datetime):
            return fmt(value.year, value.month, value.day, value.hour, value.minute,
                       value.second, value.microsecond, None).encode()  # fmt: skip
        if isinstance(value, date):
            return fmt(value.year, value.month, value.day, 0, 0, 0, 0, None).encode()
        if isinstance(value, str):
            fields = _timestamp_fields(value)
            return (fmt(*fields, None) if fields is not None else _bc(value)).encode()
        if isinstance(value, bytes):
            return value
        raise TypeError(f"cannot encode {type(value).__name__} as timestamp")

    return encode


timestamptz_text_encode = timestamptz_text_encoder()


def _date_for(formats: TextFormats) -> Encoder:
    return date_text_encoder(formats.datestyle)


def _timestamp_for(formats: TextFormats) -> Encoder:
    return timestamp_text_encoder(formats.datestyle)


def _timestamptz_for(formats: TextFormats) -> Encoder:
    return timestamptz_text_encoder(session_zone(formats.timezone), formats.datestyle)


def _input_for(
    factory: Callable[[str, tzinfo], Decoder],
) -> Callable[[TextFormats], Decoder]:
    def make(formats: TextFormats) -> Decoder:
        return factory(formats.datestyle, session_zone(formats.timezone))

    return make


_STYLED_INPUT: dict[int, Callable[[TextFormats], Decoder]] = {
    oids.DATE: _input_for(date_text_decoder),
    oids.TIME: _input_for(time_text_decoder),
    oids.TIMETZ: _input_for(timetz_text_decoder),
    oids.TIMESTAMP: _input_for(timestamp_text_decoder),
    oids.TIMESTAMPTZ: _input_for(timestamptz_text_decoder),
}  # field order (DateStyle) and the zone of input without one (TimeZone)


def register(reg: TypeRegistry) -> None:
    styled: dict[int, Callable[[TextFormats], Encoder]] = {
        oids.DATE: _date_for,
        oids.TIMESTAMP: _timestamp_for,
        oids.TIMESTAMPTZ: _timestamptz_for,
    }  # time and timetz print the same whatever the settings
    for oid, name, size, array_oid, text, binary, aliases in (
        (oids.DATE, "date", 4, oids.DATE_ARRAY, (date_text_encode, date_text_decode),
         (date_binary_encode, date_binary_decode), ()),
        (oids.TIME, "time", 8, oids.TIME_ARRAY, (time_text_encode, time_text_decode),
         (time_binary_encode, time_binary_decode), ("time without time zone",)),
        (oids.TIMETZ, "timetz", 12, oids.TIMETZ_ARRAY, (timetz_text_encode, timetz_text_decode),
         (timetz_binary_encode, timetz_binary_decode), ("time with time zone",)),
        (oids.TIMESTAMP, "timestamp", 8, oids.TIMESTAMP_ARRAY,
         (timestamp_text_encode, timestamp_text_decode),
         (timestamp_binary_encode, timestamp_binary_decode), ("timestamp without time zone",)),
        (oids.TIMESTAMPTZ, "timestamptz", 8, oids.TIMESTAMPTZ_ARRAY,
         (timestamptz_text_encode, timestamptz_text_decode),
         (timestamptz_binary_encode, timestamptz_binary_decode), ("timestamp with time zone",)),
    ):  # fmt: skip
        reg.register(
            TypeInfo(
                oid,
                name,
                size,
                array_oid=array_oid,
                text_encode=text[0],
                text_decode=text[1],
                binary_encode=binary[0],
                binary_decode=binary[1],
                aliases=aliases,
                text_encoder_for=styled.get(oid),
                text_decoder_for=_STYLED_INPUT[oid],
            )
        )


register(registry)
