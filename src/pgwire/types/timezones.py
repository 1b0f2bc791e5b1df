"""The session TimeZone: the names PostgreSQL accepts for it, resolved as PostgreSQL does.

`parse_timezone(text)` gives a tzinfo and `canonical_timezone(text)` the name SHOW prints,
following check_timezone() and pg_tzset():

- a number of hours, ISO sign (east positive): '-5', '5.5', '+02' → '<-05>+05', '<+05:30>-05:30'
- "INTERVAL '+05:30'" (what SET TIME ZONE INTERVAL '...' HOUR TO MINUTE arrives as)
- an IANA zone file, found case-insensitively: 'europe/berlin' → 'Europe/Berlin'; 'GMT'
- a POSIX TZ string, upper-cased: 'UTC+3' (3 hours *west*: POSIX's sign is inverted),
  '-05:30' (empty abbreviation, 5:30 east), 'CET-1CEST,M3.5.0,M10.5.0/3', 'XYZ5ABC' (DST by
  the US rules, as PostgreSQL's default)

Zone files come from the same directory PostgreSQL (built --with-system-tzdata) reads,
Python's zoneinfo.TZPATH, then the `tzdata` package. Encoders do not use the tzinfo protocol
(which cannot express offsets of 24 hours and more, which PostgreSQL allows): `zone_lookup(zone)`
gives UTC seconds → (UTC offset in seconds east, abbreviation) for any instant, BC included.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types.interval import interval_text_decode

ZoneLookup = Callable[[int], tuple[int, str]]

_SECS_PER_DAY = 86_400
_REPEAT = 146_097 * _SECS_PER_DAY  # the Gregorian calendar repeats every 400 years
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = int((datetime(1, 1, 2, tzinfo=UTC) - _UNIX_EPOCH).total_seconds())
_LATEST = int((datetime(9999, 12, 30, tzinfo=UTC) - _UNIX_EPOCH).total_seconds())
_Y2K = 946_684_800  # 2000-01-01 00:00:00 UTC, PostgreSQL's leap-second probe
_TZ_STRLEN_MAX = 255
_MAX_OFFSET_HOURS = 167  # HOURSPERDAY * DAYSPERWEEK - 1, tzcode's limit
_DEFAULT_RULES = ",M3.2.0,M11.1.0"  # TZDEFRULESTRING: a DST name without rules
_MONTH_DAYS = ((31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31),
               (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31))  # fmt: skip


def _invalid(text: str, detail: str | None = None) -> PgError:
    return PgError(
        f'invalid value for parameter "TimeZone": "{text}"',
        sqlstate.INVALID_PARAMETER_VALUE,
        detail=detail,
    )


# ---------------------------------------------------------------------------------------------
# calendar helpers (proleptic Gregorian, astronomical years)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _year_of_days(days: int) -> int:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    return yoe + era * 400 + (mp >= 10)


# ---------------------------------------------------------------------------------------------
# POSIX TZ strings, as PostgreSQL's tzparse() reads them


class _Rule:
    """One end of a POSIX DST period: 'Jn', 'n' or 'Mm.w.d', then '/time' (default 2:00)."""

    __slots__ = ("day", "kind", "month", "time", "week")

    def __init__(self, kind: str, day: int, month: int, week: int, time: int) -> None:
        self.kind, self.day, self.month, self.week, self.time = kind, day, month, week, time

    def seconds_into_year(self, year: int) -> int:
        """transtime(): midnight UTC of the rule's day, counted from January 1st, plus time."""
        leap = _is_leap(year)
        if self.kind == "J":
            value = (self.day - 1) * _SECS_PER_DAY
            if leap and self.day >= 60:
                value += _SECS_PER_DAY
        elif self.kind == "n":
            value = self.day * _SECS_PER_DAY
        else:
            first = _days_from_civil(year, self.month, 1)
            dow = (first + 4) % 7  # 1970-01-01 was a Thursday; 0 = Sunday
            d = (self.day - dow) % 7
            lengths = _MONTH_DAYS[leap]
            for _ in range(1, self.week):
                if d + 7 >= lengths[self.month - 1]:
                    break
                d += 7
            value = (d + sum(lengths[: self.month - 1])) * _SECS_PER_DAY
        return value + self.time


class PosixZone(tzinfo):
    """A zone from a POSIX TZ string (and the fixed offsets PostgreSQL writes as one).

    Offsets are seconds east of UTC. DST, when there is any, follows the rules every year.
    As a tzinfo it only works for offsets under 24 hours; `lookup` works for all.
    """

    def __init__(
        self,
        name: str,
        std: tuple[int, str],
        dst: tuple[int, str] | None = None,
        rules: tuple[_Rule, _Rule] | None = None,
    ) -> None:
        self.name = name
        self.std_info = std
        self.dst_info = dst
        self.rules = rules
        self._perpetual_dst = False
        self._by_year: dict[int, list[tuple[int, bool]]] = {}
        if dst is not None and rules is not None:
            self._perpetual_dst = not any(self._events(y) for y in range(2000, 2004))

    def __repr__(self) -> str:
        return f"PosixZone({self.name!r})"

    def _events(self, year: int) -> list[tuple[int, bool]]:
        """The year's transitions: (UTC seconds, DST after it), as tzparse() lays them out."""
        events = self._by_year.get(year)
        if events is None:
            if len(self._by_year) > 1024:
                self._by_year.clear()
            events = self._by_year[year] = self._compute_events(year)
        return events

    def _compute_events(self, year: int) -> list[tuple[int, bool]]:
        assert self.dst_info is not None and self.rules is not None
        start_rule, end_rule = self.rules
        jan1 = _days_from_civil(year, 1, 1) * _SECS_PER_DAY
        start = jan1 + start_rule.seconds_into_year(year) - self.std_info[0]
        end = jan1 + end_rule.seconds_into_year(year) - self.dst_info[0]
        year_secs = (366 if _is_leap(year) else 365) * _SECS_PER_DAY
        if end < start:
            return [(end, False), (start, True)]
        if start < end and end - start < year_secs:
            return [(start, True), (end, False)]
        return []

    def lookup(self, utc_seconds: int) -> tuple[int, str]:
        """UTC seconds since 1970 → (offset east in seconds, abbreviation)."""
        if self.dst_info is None:
            return self.std_info
        if self._perpetual_dst:
            return self.dst_info
        year = _year_of_days((utc_seconds + self.std_info[0]) // _SECS_PER_DAY)
        # The transition in effect: the latest one at or before the instant, this year or
        # in the years before (rules whose period wraps the year have none in some years).
        for back in range(0, 10):
            events = self._events(year + 1 - back)
            for at, is_dst in reversed(events):
                if at <= utc_seconds:
                    return self.dst_info if is_dst else self.std_info
        return self.std_info

    # tzinfo protocol (offsets under 24 hours only), with PEP 495's fold: in an overlap fold=0
    # is the earlier reading, in a gap fold=0 takes the offset from before the change.

    def _local_lookup(self, dt: datetime) -> tuple[int, str]:
        local = _seconds_of(dt.replace(tzinfo=None))
        before = self.lookup(local - _SECS_PER_DAY)
        after = self.lookup(local + _SECS_PER_DAY)
        if before == after:
            return before
        before_valid = self.lookup(local - before[0]) == before
        after_valid = self.lookup(local - after[0]) == after
        if before_valid != after_valid:
            return before if before_valid else after
        return after if dt.fold else before

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None or self.dst_info is None:
            return timedelta(seconds=self.std_info[0])
        return timedelta(seconds=self._local_lookup(dt)[0])

    def dst(self, dt: datetime | None) -> timedelta | None:
        if dt is None or self.dst_info is None:
            return timedelta(0)
        return timedelta(seconds=self._local_lookup(dt)[0] - self.std_info[0])

    def tzname(self, dt: datetime | None) -> str:
        if dt is None or self.dst_info is None:
            return self.std_info[1]
        return self._local_lookup(dt)[1]

    def fromutc(self, dt: datetime) -> datetime:
        utc = _seconds_of(dt.replace(tzinfo=None))
        info = self.lookup(utc)
        local = dt + timedelta(seconds=info[0])
        if self._local_lookup(local) != info:  # the later reading of a repeated hour
            local = local.replace(fold=1)
        return local


def local_offset(lookup: ZoneLookup, local_seconds: int) -> int:
    """The UTC offset of a local time (seconds since 1970, local), as PostgreSQL's
    DetermineTimeZoneOffset decides it: in a spring-forward gap the offset from before the
    change, in a fall-back overlap the one from after it (the smaller offset, both times)."""
    before = lookup(local_seconds - _SECS_PER_DAY)[0]
    after = lookup(local_seconds + _SECS_PER_DAY)[0]
    if before == after:
        return before
    before_valid = lookup(local_seconds - before)[0] == before
    after_valid = lookup(local_seconds - after)[0] == after
    if before_valid != after_valid:
        return before if before_valid else after
    return min(before, after)


def _seconds_of(naive: datetime) -> int:
    return (naive - datetime(1970, 1, 1)) // timedelta(seconds=1)


def _zname(text: str, pos: int) -> int:
    """getzname(): an unquoted abbreviation runs to a digit, ',', '-', '+' or the end."""
    while pos < len(text) and not text[pos].isdigit() and text[pos] not in ",-+":
        pos += 1
    return pos


def _num(text: str, pos: int, low: int, high: int) -> tuple[int, int] | None:
    start = pos
    value = 0
    while pos < len(text) and "0" <= text[pos] <= "9":
        value = value * 10 + ord(text[pos]) - 48
        if value > high:
            return None
        pos += 1
    if pos == start or value < low:
        return None
    return value, pos


def _secs(text: str, pos: int) -> tuple[int, int] | None:
    """getsecs(): hh[:mm[:ss]], hours up to 167."""
    got = _num(text, pos, 0, _MAX_OFFSET_HOURS)
    if got is None:
        return None
    hours, pos = got
    seconds = hours * 3600
    if pos < len(text) and text[pos] == ":":
        got = _num(text, pos + 1, 0, 59)
        if got is None:
            return None
        seconds += got[0] * 60
        pos = got[1]
        if pos < len(text) and text[pos] == ":":
            got = _num(text, pos + 1, 0, 60)
            if got is None:
                return None
            seconds += got[0]
            pos = got[1]
    return seconds, pos


def _offset(text: str, pos: int) -> tuple[int, int] | None:
    """getoffset(): [+-]hh[:mm[:ss]] in POSIX's sign (positive = west)."""
    negative = False
    if pos < len(text) and text[pos] in "+-":
        negative = text[pos] == "-"
        pos += 1
    got = _secs(text, pos)
    if got is None:
        return None
    return (-got[0] if negative else got[0]), got[1]


def _rule(text: str, pos: int) -> tuple[_Rule, int] | None:
    kind, day, month, week = "n", 0, 0, 0
    got: tuple[int, int] | None
    if pos < len(text) and text[pos] == "J":
        kind = "J"
        got = _num(text, pos + 1, 1, 365)
        if got is None:
            return None
        day, pos = got
    elif pos < len(text) and text[pos] == "M":
        kind = "M"
        got = _num(text, pos + 1, 1, 12)
        if got is None or got[1] >= len(text) or text[got[1]] != ".":
            return None
        month, pos = got
        got = _num(text, pos + 1, 1, 5)
        if got is None or got[1] >= len(text) or text[got[1]] != ".":
            return None
        week, pos = got
        got = _num(text, pos + 1, 0, 6)
        if got is None:
            return None
        day, pos = got
    elif pos < len(text) and text[pos].isdigit():
        got = _num(text, pos, 0, 365)
        if got is None:
            return None
        day, pos = got
    else:
        return None
    time = 2 * 3600
    if pos < len(text) and text[pos] == "/":
        got = _offset(text, pos + 1)
        if got is None:
            return None
        time, pos = got
    return _Rule(kind, day, month, week, time), pos


def _abbreviation(text: str, pos: int) -> tuple[str, int] | None:
    """A quoted '<...>' or unquoted abbreviation at `pos`."""
    if pos < len(text) and text[pos] == "<":
        end = text.find(">", pos + 1)
        if end < 0:
            return None
        return text[pos + 1 : end], end + 1
    end = _zname(text, pos)
    return text[pos:end], end


def parse_posix_tz(text: str) -> PosixZone | None:
    """tzparse(text, lastditch=false) on the upper-cased `text`; None when it is not one."""
    name = text.upper()
    got = _abbreviation(name, 0)
    if got is None:
        return None
    std_abbr, pos = got
    if pos >= len(name):  # PostgreSQL allows an empty abbreviation, but not a missing offset
        return None
    off = _offset(name, pos)
    if off is None:
        return None
    std_west, pos = off
    std = (-std_west, std_abbr)
    if pos >= len(name):
        return PosixZone(name, std)
    got = _abbreviation(name, pos)
    if got is None or not got[0]:
        return None
    dst_abbr, pos = got
    dst_west = std_west - 3600
    if pos < len(name) and name[pos] not in ",;":
        off = _offset(name, pos)
        if off is None:
            return None
        dst_west, pos = off
    rules_text, rpos = (name, pos) if pos < len(name) else (_DEFAULT_RULES, 0)
    if rules_text[rpos] not in ",;":
        return None
    start = _rule(rules_text, rpos + 1)
    if start is None or start[1] >= len(rules_text) or rules_text[start[1]] != ",":
        return None
    end = _rule(rules_text, start[1] + 1)
    if end is None or end[1] != len(rules_text):
        return None
    return PosixZone(name, std, (-dst_west, dst_abbr), (start[0], end[0]))


# ---------------------------------------------------------------------------------------------
# zone files


def _zone_dirs() -> list[Path]:
    dirs = [Path(p) for p in zoneinfo.TZPATH]
    spec = importlib.util.find_spec("tzdata")  # the fallback zoneinfo itself uses
    if spec is not None and spec.origin is not None:
        dirs.append(Path(spec.origin).parent / "zoneinfo")
    return [d for d in dirs if d.is_dir()]


def _find_zone_file(name: str) -> tuple[Path, str] | None:
    """pg_open_tzfile(): each path component matched case-insensitively, hidden names never."""
    if name.startswith(":"):
        name = name[1:]
    if not name or len(name) > _TZ_STRLEN_MAX:
        return None
    parts = name.split("/")
    if any(not part or part.startswith(".") for part in parts):
        return None
    for root in _zone_dirs():
        path = root
        canonical: list[str] = []
        for part in parts:
            try:
                entries = os.listdir(path)
            except OSError:
                break
            if part in entries:
                match = part
            else:
                lowered = part.lower()
                found = sorted(e for e in entries if e.lower() == lowered and e[0] != ".")
                if not found:
                    break
                match = found[0]
            canonical.append(match)
            path = path / match
        else:
            if path.is_file():
                return path, "/".join(canonical)
    return None


def _load_zone_file(path: Path, key: str) -> tuple[tzinfo, bool] | None:
    """The zone in a TZif file, and whether it counts leap seconds; None: not a TZif file."""
    try:
        with path.open("rb") as file:
            header = file.read(44)
            if len(header) < 44 or header[:4] != b"TZif":
                return None
            leap_seconds = int.from_bytes(header[28:32], "big") > 0
            file.seek(0)
            zone = zoneinfo.ZoneInfo.from_file(file, key=key)
    except (OSError, ValueError):
        return None
    return zone, leap_seconds


# ---------------------------------------------------------------------------------------------
# check_timezone()

_STRTOD = re.compile(
    r"[ \t\n\v\f\r]*(?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|[ \t\n\v\f\r]*(?P<hex>[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
    r"(?:[pP][+-]?\d+)?)"
    r"|[ \t\n\v\f\r]*(?P<special>[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?))",
    re.IGNORECASE,
)


def _offset_name(gmtoffset: int) -> str:
    """pg_tzset_offset(): the POSIX name of a fixed offset (seconds *west*)."""
    absolute = abs(gmtoffset)
    text = f"{absolute // 3600:02d}"
    absolute %= 3600
    if absolute:
        text += f":{absolute // 60:02d}"
        if absolute % 60:
            text += f":{absolute % 60:02d}"
    return f"<-{text}>+{text}" if gmtoffset > 0 else f"<+{text}>-{text}"


def _fixed_offset(text: str, gmtoffset: int, detail: str) -> tuple[tzinfo, str]:
    zone = parse_posix_tz(_offset_name(gmtoffset))
    if zone is None:
        raise _invalid(text, detail)
    return zone, zone.name


def _interval_offset(text: str) -> tuple[tzinfo, str]:
    """INTERVAL 'value': months and days are not allowed, the rest is the offset east."""
    rest = text[8:].lstrip(" \t\n\v\f\r")
    if not rest.startswith("'") or rest.find("'", 1) != len(rest) - 1:
        raise _invalid(text)
    interval = interval_text_decode(rest[1:-1].encode())
    if interval.months:
        raise _invalid(text, "Cannot specify months in time zone interval.")
    if interval.days:
        raise _invalid(text, "Cannot specify days in time zone interval.")
    seconds = abs(interval.microseconds) // 1_000_000
    west = -seconds if interval.microseconds >= 0 else seconds
    return _fixed_offset(text, west, "UTC timezone offset is out of range.")


@functools.lru_cache(maxsize=256)
def _resolve(text: str) -> tuple[tzinfo, str]:
    if text[:8].lower() == "interval":
        return _interval_offset(text)
    number = _STRTOD.fullmatch(text)
    if number is not None:
        out_of_range = "UTC timezone offset is out of range."
        if number["special"]:
            raise _invalid(text, out_of_range)
        hours = float(number["num"]) if number["num"] else float.fromhex(number["hex"])
        west = -hours * 3600  # SQL's sign convention to POSIX's
        if not math.isfinite(west) or abs(west) >= 2**62:
            raise _invalid(text, out_of_range)
        return _fixed_offset(text, math.trunc(west), out_of_range)
    if len(text) > _TZ_STRLEN_MAX:
        raise _invalid(text)
    zone: tzinfo | None
    leap_seconds = False
    if text.upper() == "GMT":
        zone, canonical = PosixZone("GMT", (0, "GMT")), "GMT"
    else:
        found = _find_zone_file(text)
        loaded = _load_zone_file(*found) if found is not None else None
        if found is not None and loaded is not None:
            zone, canonical = loaded[0], found[1]
            leap_seconds = loaded[1]
        else:
            zone = None if text.startswith(":") else parse_posix_tz(text)
            if zone is None:
                raise _invalid(text)
            canonical = text.upper()
    # pg_tz_acceptable(): 2000-01-01 00:00:00 UTC must show zero seconds in the zone.
    if leap_seconds or zone_lookup(zone)(_Y2K)[0] % 60:
        raise PgError(
            f'time zone "{text}" appears to use leap seconds',
            sqlstate.INVALID_PARAMETER_VALUE,
            detail="PostgreSQL does not support leap seconds.",
        )
    return zone, canonical


_BY_CANONICAL: dict[str, tzinfo] = {"UTC": UTC}


def session_zone(setting: str) -> tzinfo:
    """The zone of a TimeZone value as `canonical_timezone` gave it. Some of those PostgreSQL
    would not take back ('0.01' is '<+00:00:36>-00:00:36', which looks like leap seconds),
    so they are remembered; anything unknown is UTC (the settings layer validates)."""
    zone = _BY_CANONICAL.get(setting)
    if zone is None:
        try:
            zone = parse_timezone(setting)
        except PgError:
            zone = parse_posix_tz(setting)  # '<+00:00:36>-00:00:36' and its like
            return zone if zone is not None else UTC
    return zone


def parse_timezone(text: str) -> tzinfo:
    """The zone a `SET TimeZone` value names; PgError 22023 when PostgreSQL would refuse it."""
    return _resolve(text)[0]


def canonical_timezone(text: str) -> str:
    """The TimeZone value as SHOW prints it ('europe/berlin' → 'Europe/Berlin',
    '-5' → '<-05>+05', 'utc+3' → 'UTC+3'); PgError 22023 for what PostgreSQL refuses."""
    zone, canonical = _resolve(text)
    if canonical not in _BY_CANONICAL:
        if len(_BY_CANONICAL) >= 4096:  # many distinct SETs: forget, parse_timezone still works
            _BY_CANONICAL.clear()
            _BY_CANONICAL["UTC"] = UTC
        _BY_CANONICAL[canonical] = zone
    return canonical


# ---------------------------------------------------------------------------------------------
# instants → offsets


def _zoneinfo_lookup(zone: tzinfo) -> ZoneLookup:
    def lookup(utc_seconds: int) -> tuple[int, str]:
        if utc_seconds < _EARLIEST:  # everything before year 1 is before the first transition
            utc_seconds = _EARLIEST
        elif utc_seconds > _LATEST:  # past 9999 the rules repeat every 400 years
            utc_seconds -= ((utc_seconds - _LATEST) // _REPEAT + 1) * _REPEAT
        local = (_UNIX_EPOCH + timedelta(seconds=utc_seconds)).astimezone(zone)
        offset = local.utcoffset()
        seconds = 0 if offset is None else offset // timedelta(seconds=1)
        return seconds, local.tzname() or ""

    return lookup


def zone_lookup(zone: tzinfo) -> ZoneLookup:
    """UTC seconds since 1970 (any year) → (offset east in seconds, abbreviation) in `zone`."""
    if isinstance(zone, PosixZone):
        return zone.lookup
    if zone is UTC:
        return lambda _seconds: (0, "UTC")
    return _zoneinfo_lookup(zone)
