"""Text output under the session settings (TimeZone, DateStyle, IntervalStyle,
extra_float_digits) against what PostgreSQL 15 prints after SETting the same value, and the
parse_* functions that validate and normalise those settings against PostgreSQL's SET/SHOW.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest

from pgwire.errors import PgError
from pgwire.types import TEXT, Interval, oids, registry
from pgwire.types.datestyle import parse_datestyle, parse_intervalstyle
from pgwire.types.datetime import date_text_encode, timestamp_text_encode
from pgwire.types.interval import interval_text_encode
from pgwire.types.numeric import float4_text_encode, float8_text_encode, parse_extra_float_digits
from pgwire.types.registry import DEFAULT_FORMATS, TextFormats
from pgwire.types.timezones import canonical_timezone, parse_timezone, session_zone, zone_lookup
from tests.support.postgres import TempPostgres

pytestmark = pytest.mark.postgres


class StyledPg:
    """A connection of our own (the shared one keeps its settings pinned) that SETs settings
    with set_config() and hands back raw text results."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def _exec(self, sql: str, params: Sequence[bytes | None] = ()) -> Any:
        result = self.conn.pgconn.exec_params(sql.encode(), list(params))
        if result.status not in (1, 2):  # COMMAND_OK, TUPLES_OK
            raise AssertionError(f"{sql}: {result.error_message.decode()}")
        return result

    def configure(self, settings: dict[str, str]) -> None:
        self._exec("RESET ALL")
        for name, value in settings.items():
            self._exec("SELECT set_config($1, $2, false)", [name.encode(), value.encode()])

    def column(self, settings: dict[str, str], sql: str, *params: str) -> list[bytes | None]:
        self.configure(settings)
        result = self._exec(sql, [p.encode() for p in params])
        return [result.get_value(i, 0) for i in range(result.ntuples)]

    def value(self, settings: dict[str, str], sql: str, *params: str) -> bytes | None:
        return self.column(settings, sql, *params)[0]

    def set_config(self, name: str, value: str, before: dict[str, str] | None = None) -> Any:
        """What SHOW prints after SETting `value`, or the error PostgreSQL raises (as a tuple
        of SQLSTATE, message, detail, hint)."""
        psycopg = pytest.importorskip("psycopg")
        self.configure(before or {})
        try:
            row = self.conn.execute("SELECT set_config(%s, %s, false)", [name, value]).fetchone()
        except psycopg.Error as exc:
            diag = exc.diag
            return (exc.sqlstate, diag.message_primary, diag.message_detail, diag.message_hint)
        return row[0]


@pytest.fixture(scope="module")
def spg(postgres15: TempPostgres) -> Iterator[StyledPg]:
    psycopg = pytest.importorskip("psycopg")
    conn = psycopg.connect(postgres15.dsn, autocommit=True)
    yield StyledPg(conn)
    conn.close()


def ours(call: Any, *args: Any) -> Any:
    """Our answer in the shape `StyledPg.set_config` gives PostgreSQL's."""
    try:
        return call(*args)
    except PgError as exc:
        return (exc.sqlstate, exc.message, exc.detail, exc.hint)


def array_literal(items: Sequence[str]) -> str:
    quoted = ('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
    return "{" + ",".join(quoted) + "}"


def text_of(values: Sequence[bytes | None]) -> list[str | None]:
    return [None if v is None else v.decode() for v in values]


DATESTYLES = ["ISO, MDY", "ISO, DMY", "SQL, MDY", "SQL, DMY", "SQL, YMD", "Postgres, MDY",
              "Postgres, DMY", "Postgres, YMD", "German, DMY", "German, MDY"]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# timestamptz: TimeZone and DateStyle

ZONES = [
    "UTC",
    "Etc/UTC",
    "GMT",
    "Europe/Berlin",
    "Europe/Amsterdam",  # +00:19:32 (AMT/NST) until 1937, then +00:20 until 1940
    "Europe/Dublin",  # negative DST: IST in summer is standard time
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kolkata",  # +05:30, +06:30 in the war years
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute DST
    "Australia/Sydney",
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Apia",  # skipped 2011-12-30
    "Pacific/Kiritimati",  # +14
    "Africa/Casablanca",
    "Factory",  # abbreviation '-00'
    "posix/Europe/Berlin",
    "europe/berlin",  # case-insensitive lookup
    "+02",  # a number of hours: ISO sign
    "-5",
    "5.5",
    "UTC+3",  # POSIX: 3 hours west
    "utc-3",
    "-05:30",  # POSIX with an empty abbreviation: 5:30 east
    "<+03>-3",
    "EST5EDT",
    "XYZ5ABC",  # DST by the default (US) rules
    "CET-1CEST,M3.5.0,M10.5.0/3",
    "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",  # negative transition times
    "AAA-24",  # offsets of a day and more, which tzinfo cannot hold
    "<ABCDEFGHIJKLMN>-3",  # abbreviations print at most 10 characters
    "-100",
    "0.01",  # '<+00:00:36>-00:00:36', which PostgreSQL would not take back
    "INTERVAL '-08:00:30'",
]


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
         micro: int = 0) -> datetime:  # fmt: skip
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def _around(start: datetime, hours: int, step_minutes: int = 30) -> list[datetime]:
    return [start + timedelta(minutes=m) for m in range(0, hours * 60, step_minutes)]


def _instants() -> list[datetime | str]:
    values: list[datetime | str] = [
        _utc(2024, 1, 1, 12),
        _utc(2024, 7, 1, 12, 0, 0, 500000),
        _utc(2026, 11, 23, 17),
        _utc(1890, 1, 1, 12),
        _utc(1935, 7, 1, 12),
        _utc(1938, 1, 1, 12, 0, 0, 123456),
        _utc(1942, 6, 1),
        _utc(1901, 12, 13, 20, 45, 52),
        _utc(1970, 1, 1),
        _utc(2000, 1, 1),
        _utc(2000, 2, 29, 23, 59, 59, 999999),
        _utc(2038, 1, 19, 3, 14, 8),
        _utc(2100, 7, 1),
        _utc(2400, 3, 12, 10),
        _utc(9999, 6, 1),
        _utc(9999, 12, 31, 23, 59, 59, 999999),  # the next year locally east of UTC
        _utc(1, 1, 1),  # 1 BC locally west of UTC
        _utc(1, 1, 1, 23, 59, 59),
        _utc(1, 3, 1),
        _utc(1000, 1, 1),
        "0045-03-15 01:02:03.5+00 BC",
        "0001-12-31 23:00:00+00 BC",
        "4713-11-24 00:00:00+00 BC",
        "12000-01-01 00:00:00+00",
        "12000-07-01 00:00:00+00",
        "294276-12-31 23:59:59.999999+00",
        "infinity",
        "-infinity",
    ]
    for start, hours in (
        (_utc(2024, 3, 30, 22), 6),  # Europe spring forward
        (_utc(2024, 10, 26, 22), 6),  # Europe fall back
        (_utc(2024, 3, 10, 4), 6),  # US
        (_utc(2024, 11, 3, 3), 6),
        (_utc(2024, 4, 6, 13), 4),  # Australia, New Zealand
        (_utc(2024, 10, 5, 14), 4),
        (_utc(2018, 11, 4, 1), 4),  # Sao Paulo's last DST
        (_utc(1937, 6, 30, 21), 3),  # Amsterdam: +00:19:32 → +00:20
        (_utc(1940, 5, 15, 22), 4),  # Amsterdam: → CEST
        (_utc(1942, 8, 31, 17), 3),  # Kolkata
        (_utc(2011, 12, 29, 9), 3),  # Apia skips a day
    ):
        values.extend(_around(start, hours))
    rng = random.Random(20260615)
    low, high = _utc(1800, 1, 1).timestamp(), _utc(2200, 1, 1).timestamp()
    for _ in range(150):
        seconds = rng.uniform(low, high)
        values.append(_utc(1970, 1, 1) + timedelta(microseconds=round(seconds * 1e6)))
    return values


INSTANTS = _instants()


def _pg_input(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _formats(zone: str = "UTC", datestyle: str = "ISO, MDY", intervalstyle: str = "postgres",
             extra_float_digits: int = 1) -> TextFormats:  # fmt: skip
    return TextFormats(canonical_timezone(zone), datestyle, intervalstyle, extra_float_digits)


@pytest.mark.parametrize("datestyle", DATESTYLES)
@pytest.mark.parametrize("zone", ZONES)
def test_timestamptz(spg: StyledPg, zone: str, datestyle: str) -> None:
    expected = spg.column(
        {"TimeZone": zone, "DateStyle": datestyle},
        "SELECT unnest($1::timestamptz[])::text",
        array_literal([_pg_input(v) for v in INSTANTS]),
    )
    encode = registry.encoder(oids.TIMESTAMPTZ, TEXT, _formats(zone, datestyle))
    got = [encode(v) for v in INSTANTS]
    mismatches = [(v, e, g) for v, e, g in zip(INSTANTS, expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:10]


@pytest.mark.parametrize("datestyle", ["ISO, MDY", "SQL, DMY", "Postgres, MDY", "German, DMY"])
@pytest.mark.parametrize("zone", ["UTC", "Europe/Amsterdam", "-05:30", "AAA-24"])
def test_timestamptz_array(spg: StyledPg, zone: str, datestyle: str) -> None:
    values = INSTANTS[:30]
    expected = spg.value(
        {"TimeZone": zone, "DateStyle": datestyle},
        "SELECT $1::timestamptz[]::text",
        array_literal([_pg_input(v) for v in values]),
    )
    encode = registry.encoder(oids.TIMESTAMPTZ_ARRAY, TEXT, _formats(zone, datestyle))
    assert encode(values) == expected


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "XYZ5ABC", "CET-1CEST,M3.5.0,M10.5.0/3",
             "UTC+3", "AAA-24", "UTC"]
)  # fmt: skip
def test_timestamptz_other_inputs(spg: StyledPg, zone: str) -> None:
    """Naive datetimes are local time in the session zone (PostgreSQL's reading of a
    timestamp without zone), dates local midnight; DuckDB spells BC its own way."""
    settings = {"TimeZone": zone, "DateStyle": "Postgres, DMY"}
    encode = registry.encoder(oids.TIMESTAMPTZ, TEXT, _formats(zone, "Postgres, DMY"))
    cases: list[tuple[str, Any]] = [
        ("'2024-07-01 12:00:00'::timestamp::timestamptz", datetime(2024, 7, 1, 12)),
        ("'2024-01-01 12:00:00.25'::timestamp::timestamptz",
         datetime(2024, 1, 1, 12, 0, 0, 250000)),
        ("'2024-03-05'::date::timestamptz", date(2024, 3, 5)),
        # in the gaps and overlaps of DST changes (Europe, US rules)
        ("'2024-10-27 02:30'::timestamp::timestamptz", datetime(2024, 10, 27, 2, 30)),
        ("'2024-03-31 02:30'::timestamp::timestamptz", datetime(2024, 3, 31, 2, 30)),
        ("'2024-11-03 01:30'::timestamp::timestamptz", datetime(2024, 11, 3, 1, 30)),
        ("'2024-03-10 02:30'::timestamp::timestamptz", datetime(2024, 3, 10, 2, 30)),
        ("'0001-01-01 00:30'::timestamp::timestamptz", datetime(1, 1, 1, 0, 30)),
        ("'9999-12-31 23:30'::timestamp::timestamptz", datetime(9999, 12, 31, 23, 30)),
        ("'0045-03-15 01:02:03.5+00 BC'::timestamptz", "0045-03-15 (BC) 01:02:03.5+00"),
        ("'2024-07-01 12:00:00+05:30'::timestamptz", "2024-07-01 12:00:00+05:30"),
        (
            "'2024-07-01 12:00:00+00'::timestamptz",
            datetime(2024, 7, 1, 14, tzinfo=timezone(timedelta(hours=2))),
        ),
    ]  # fmt: skip
    for sql, value in cases:
        assert encode(value) == spg.value(settings, f"SELECT ({sql})::text"), sql


# ---------------------------------------------------------------------------------------------
# timestamp and date: DateStyle

TIMESTAMPS: list[datetime | str] = [
    *(datetime(2023, 1, 1) + timedelta(days=d, seconds=d * 3517) for d in range(0, 365, 5)),
    datetime(2026, 11, 23, 17),
    datetime(2024, 2, 29, 1, 2, 3, 456000),
    datetime(1, 1, 1),
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(1970, 1, 1, 0, 0, 0, 1),
    datetime(2000, 12, 3, 4, 5, 6, 100000),
    datetime(1582, 10, 10),
    "0045-03-15 01:02:03.5 BC",
    "0001-12-31 23:59:59 BC",
    "4713-11-24 00:00:00 BC",
    "12000-01-01 00:00:00",
    "294276-12-31 23:59:59.999999",
    "infinity",
    "-infinity",
]

DATES: list[date | str] = [
    *(date(2023, 1, 1) + timedelta(days=d) for d in range(0, 365, 9)),
    date(2026, 11, 23),
    date(2024, 2, 29),
    date(1, 1, 1),
    date(9999, 12, 31),
    date(1970, 1, 1),
    date(2001, 9, 9),
    "0045-03-15 BC",
    "0001-12-31 BC",
    "4713-11-24 BC",
    "12000-01-01",
    "5874897-12-31",
    "infinity",
    "-infinity",
]


@pytest.mark.parametrize("datestyle", DATESTYLES)
def test_timestamp(spg: StyledPg, datestyle: str) -> None:
    inputs = [v if isinstance(v, str) else v.isoformat() for v in TIMESTAMPS]
    settings = {"DateStyle": datestyle}
    expected = spg.column(settings, "SELECT unnest($1::timestamp[])::text", array_literal(inputs))
    encode = registry.encoder(oids.TIMESTAMP, TEXT, _formats(datestyle=datestyle))
    assert text_of([encode(v) for v in TIMESTAMPS]) == text_of(expected)
    array = spg.value(settings, "SELECT $1::timestamp[]::text", array_literal(inputs))
    assert (
        registry.encoder(oids.TIMESTAMP_ARRAY, TEXT, _formats(datestyle=datestyle))(TIMESTAMPS)
        == array
    )
    # DuckDB's spelling of BC
    assert encode("0045-03-15 (BC) 01:02:03.5") == encode("0045-03-15 01:02:03.5 BC")


@pytest.mark.parametrize("datestyle", DATESTYLES)
def test_date(spg: StyledPg, datestyle: str) -> None:
    inputs = [v if isinstance(v, str) else v.isoformat() for v in DATES]
    settings = {"DateStyle": datestyle}
    expected = spg.column(settings, "SELECT unnest($1::date[])::text", array_literal(inputs))
    encode = registry.encoder(oids.DATE, TEXT, _formats(datestyle=datestyle))
    assert text_of([encode(v) for v in DATES]) == text_of(expected)
    array = spg.value(settings, "SELECT $1::date[]::text", array_literal(inputs))
    assert registry.encoder(oids.DATE_ARRAY, TEXT, _formats(datestyle=datestyle))(DATES) == array
    assert encode("0045-03-15 (BC)") == encode("0045-03-15 BC")
    assert encode(datetime(2024, 3, 5, 12)) == encode(date(2024, 3, 5))


@pytest.mark.parametrize(
    "settings",
    [
        {"DateStyle": "Postgres, DMY", "TimeZone": "Asia/Kolkata"},
        {"DateStyle": "SQL, MDY", "TimeZone": "America/New_York"},
        {"DateStyle": "German", "TimeZone": "-05:30", "IntervalStyle": "iso_8601"},
    ],
)
def test_time_and_timetz_ignore_the_settings(spg: StyledPg, settings: dict[str, str]) -> None:
    formats = _formats(
        settings["TimeZone"], parse_datestyle(settings["DateStyle"]),
        settings.get("IntervalStyle", "postgres"),
    )  # fmt: skip
    tz = timezone(timedelta(hours=5, minutes=30))
    for sql, oid, value in (
        ("'12:34:56.5'::time", oids.TIME, time(12, 34, 56, 500000)),
        ("'12:34:56.5+05:30'::timetz", oids.TIMETZ, time(12, 34, 56, 500000, tzinfo=tz)),
        ("'23:59:59-08'::timetz", oids.TIMETZ,
         time(23, 59, 59, tzinfo=timezone(timedelta(hours=-8)))),
    ):  # fmt: skip
        encode = registry.encoder(oid, TEXT, formats)
        assert encode is registry.encoder(oid, TEXT)
        assert encode(value) == spg.value(settings, f"SELECT ({sql})::text"), sql


# ---------------------------------------------------------------------------------------------
# interval: IntervalStyle

INTERVAL_STYLES = ["postgres", "postgres_verbose", "sql_standard", "iso_8601"]
HOUR = 3_600_000_000


def _intervals() -> list[Interval]:
    values = [
        Interval(14, 3, 4 * HOUR + 5 * 60_000_000 + 6_500_000),
        Interval(-14, 0, 0),
        Interval(1, -1, 0),
        Interval(0, -1, 2 * HOUR),
        Interval(0, 0, 0),
        Interval(0, 0, -500_000),
        Interval(0, 0, 1_000_000),
        Interval(0, 0, -1_000_000),
        Interval(0, 0, 1_500_000),
        Interval(0, -1, -1_000_000),
        Interval(14, -3, 4 * HOUR + 5 * 60_000_000 + 6_000_000),
        Interval(0, -3, -(4 * HOUR + 5 * 60_000_000 + 6_000_001)),
        Interval(178_000_000 * 12, 0, 0),
        Interval(0, 0, 100 * HOUR + 1),
        Interval(-1, 1, -1_000_000),
        Interval(0, 1, 0),
        Interval(0, -1, 0),
        Interval(0, 0, 1),
        Interval(0, 0, -2 * HOUR),
        Interval(0, 0, -60_000_000),
        Interval(12, 0, 0),
        Interval(-12, 0, 0),
        Interval(3, 0, 0),
        Interval(11, 0, 0),
        Interval(-1, 2, 0),
        Interval(0, 2, -500_000),
        Interval(0, -2, 500_000),
        Interval(0, -1, 1_000_000),
        Interval(5, 0, 7),
        Interval(0, 7, 0),
        Interval(-5, -3, -7),
        Interval(0, 0, 59_999_999),
        Interval(0, 0, -3_599_999_999),
        Interval(2**31 - 1, 2**31 - 1, 2**63 - 1),
        Interval(-(2**31), -(2**31), -(2**63)),
    ]
    rng = random.Random(1234)
    for _ in range(200):
        months = rng.choice([0, 0, rng.randint(-30, 30), rng.randint(-(2**31), 2**31 - 1)])
        days = rng.choice([0, 0, rng.randint(-40, 40), rng.randint(-(2**31), 2**31 - 1)])
        micros = rng.choice(
            [0, rng.randint(-10**7, 10**7), rng.randint(-10**12, 10**12) // 10**6 * 10**6,
             rng.randint(-(2**63), 2**63 - 1)]
        )  # fmt: skip
        values.append(Interval(months, days, micros))
    return values


INTERVALS = _intervals()


def _interval_input(value: Interval) -> str:
    # Every field signed: under sql_standard a leading '-' would otherwise negate the rest.
    return f"{value.months:+d} mons {value.days:+d} days {value.microseconds:+d} microseconds"


@pytest.mark.parametrize("style", INTERVAL_STYLES)
def test_interval(spg: StyledPg, style: str) -> None:
    settings = {"IntervalStyle": style}
    inputs = array_literal([_interval_input(v) for v in INTERVALS])
    expected = spg.column(settings, "SELECT unnest($1::interval[])::text", inputs)
    encode = registry.encoder(oids.INTERVAL, TEXT, _formats(intervalstyle=style))
    got = [encode(v) for v in INTERVALS]
    mismatches = [(v, e, g) for v, e, g in zip(INTERVALS, expected, got, strict=True) if e != g]
    assert not mismatches, mismatches[:10]
    array = spg.value(settings, "SELECT $1::interval[]::text", inputs)
    assert (
        registry.encoder(oids.INTERVAL_ARRAY, TEXT, _formats(intervalstyle=style))(INTERVALS)
        == array
    )
    # timedeltas and interval text print the same
    assert encode(timedelta(days=-1, hours=-3)) == encode(Interval(0, -1, -3 * HOUR))
    assert encode("1 year 2 mons -3 days") == encode(Interval(14, -3, 0))


# ---------------------------------------------------------------------------------------------
# float4, float8: extra_float_digits


def _floats() -> list[float]:
    values = [1e20, 0.1, 1 / 3, -0.0, 0.0, math.nan, math.inf, -math.inf, 123456789012345678.0,
              1e-5, 1e15, 1e16, 100.0, 1.5e300, 5e-324, 2.2250738585072014e-308, 0.0001,
              123456.7, 1.7976931348623157e308, -2.5, 1e-4, 9.999999e-5, 123456789.0,
              999999.5, 0.5, 1e6, 1234567.0, 3.4028234663852886e38]  # fmt: skip
    rng = random.Random(99)
    for _ in range(150):
        values.append(struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0])
        values.append(rng.uniform(-1, 1) * 10 ** rng.randint(-12, 22))
    return [v for v in values if not (math.isnan(v) and str(v) != "nan")]


FLOATS = _floats()


def _f32(value: float) -> float:
    try:
        result: float = struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)
    return result


def _float_input(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


@pytest.mark.parametrize("digits", range(-15, 4))
def test_float(spg: StyledPg, digits: int) -> None:
    settings = {"extra_float_digits": str(digits)}
    formats = _formats(extra_float_digits=digits)
    for oid, array_oid, name, values in (
        (oids.FLOAT8, oids.FLOAT8_ARRAY, "float8", FLOATS),
        (oids.FLOAT4, oids.FLOAT4_ARRAY, "float4", [_f32(v) for v in FLOATS]),
    ):
        inputs = array_literal([_float_input(v) for v in values])
        expected = spg.column(settings, f"SELECT unnest($1::{name}[])::text", inputs)
        encode = registry.encoder(oid, TEXT, formats)
        got = [encode(v) for v in values]
        mismatches = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
        assert not mismatches, (name, mismatches[:10])
        array = spg.value(settings, f"SELECT $1::{name}[]::text", inputs)
        assert registry.encoder(array_oid, TEXT, formats)(values[:50]) == spg.value(
            settings, f"SELECT $1::{name}[]::text",
            array_literal([_float_input(v) for v in values[:50]]),
        )  # fmt: skip
        assert array is not None


def test_float4_rounds_doubles_first(spg: StyledPg) -> None:
    encode = registry.encoder(oids.FLOAT4, TEXT, _formats(extra_float_digits=0))
    assert encode(0.1) == spg.value({"extra_float_digits": "0"}, "SELECT 0.1::float4::text")
    assert encode(1e39) == b"Infinity"


# ---------------------------------------------------------------------------------------------
# encoders for settings that do not change a type's output are the default ones


def test_default_encoders_where_settings_do_not_matter() -> None:
    assert registry.encoder(oids.DATE, TEXT, _formats("Europe/Berlin")) is date_text_encode
    assert registry.encoder(oids.TIMESTAMP, TEXT, _formats("-5")) is timestamp_text_encode
    assert registry.encoder(oids.INTERVAL, TEXT, _formats(datestyle="SQL, DMY")) is (
        interval_text_encode
    )
    assert registry.encoder(oids.FLOAT8, TEXT, _formats(extra_float_digits=3)) is (
        float8_text_encode
    )
    assert registry.encoder(oids.FLOAT4, TEXT, _formats(extra_float_digits=2)) is (
        float4_text_encode
    )
    styled = registry.encoder(oids.TIMESTAMPTZ, TEXT, _formats("Asia/Kolkata"))
    assert styled is registry.encoder(oids.TIMESTAMPTZ, TEXT, _formats("Asia/Kolkata"))
    assert registry.encoder(oids.TIMESTAMPTZ, TEXT, DEFAULT_FORMATS) is registry.encoder(
        oids.TIMESTAMPTZ, TEXT
    )


# ---------------------------------------------------------------------------------------------
# parse_*: what SET accepts and SHOW prints

TIMEZONE_SPELLINGS = [
    "UTC", "utc", "Utc", "GMT", "gmt", "Etc/UTC", "Zulu", "europe/berlin", "EUROPE/BERLIN",
    "America/new_york", "Asia/Calcutta", "US/Pacific", "posixrules", "Factory", "EST", "CET",
    "Etc/GMT+3", "Etc/GMT-14", ":Europe/Berlin", "posix/Europe/Berlin",
    "+02", "+2", "2", "-5", "5.5", "-5.25", "0", "-0", "15", "167", "-167", "0.0001", "0.01",
    "1e1", "0x10", "  5", "168", "-168", "1000", "inf", "-Infinity", "nan", "-0530", "+0530",
    "UTC+3", "utc+3", "UTC0", "GMT+0", "XYZ5", "XYZ5ABC", "xyz5abc4", "-05:30", "+02:30",
    "<+03>-3", "<abc>5<def>", "<>5", "<ABCDEFGHIJKLMN>-3", "EST5EDT,M3.2.0,M11.1.0",
    "CET-1CEST,M3.5.0,M10.5.0/3", "XYZ5ABC4,J60/1,J300", "XYZ5ABC,100,200",
    "XYZ5ABC4,M3.2.0/-1,M11.1.0/26", "EST5EDT,0/0,J365/25", "AAA3BBB,J1/0,J1/0",
    "XYZ-3ABC,M10.1.0,M3.1.0", "foo/bar5", "1e", "5 ", "AAA-14", "AAA-24", "AAA-167:59:59",
    "AAA-0:00:30", "AAA168", "XYZ5ABC;M3.2.0,M11.1.0", "XYZ5,M3.2.0,M11.1.0",
    "XYZ5ABC,M13.1.0,M1.1.0", "XYZ5ABC,M3.2.0", "XYZ5ABC,J0,J1", "<ABC5", "foo", "ABC", "Z",
    " UTC", "", " ", "../etc",
    "Europe", "Europe//Berlin", "/Europe/Berlin", "tzdata.zi", "zone.tab", "right/UTC",
    "Mars/Olympus_Mons", "INTERVAL '-08:00'", "interval '+05:30'", "INTERVAL '1 day'",
    "INTERVAL '1 mon'", "INTERVAL '-08:00:30'", "INTERVAL'01:00'", "INTERVAL '01:00' x",
    "INTERVAL 170:00",
]  # fmt: skip


@pytest.mark.parametrize("spelling", TIMEZONE_SPELLINGS)
def test_timezone_setting(spg: StyledPg, spelling: str) -> None:
    expected = spg.set_config("TimeZone", spelling)
    assert ours(canonical_timezone, spelling) == expected
    if isinstance(expected, str):
        # SETting what SHOW printed again: PostgreSQL takes it back, mostly
        assert ours(canonical_timezone, expected) == spg.set_config("TimeZone", expected)
        assert parse_timezone(spelling) is parse_timezone(spelling)


@pytest.mark.parametrize(
    "spelling",
    ["Europe/Berlin", "UTC+3", "XYZ5ABC", "<+05:30>-05:30", "CET-1CEST,M3.5.0,M10.5.0/3"],
)
def test_parse_timezone_gives_a_working_tzinfo(spg: StyledPg, spelling: str) -> None:
    zone = parse_timezone(spelling)
    instants = [_utc(2024, 1, 15, 12), _utc(2024, 7, 15, 12)]
    instants += _around(_utc(2024, 11, 3, 4), 4, 20) + _around(_utc(2024, 3, 10, 5), 4, 20)
    instants += _around(_utc(2024, 10, 27, 0), 2, 20) + _around(_utc(2024, 3, 31, 0), 2, 20)
    for instant in instants:
        local = instant.astimezone(zone)
        expected = spg.value(
            {"TimeZone": spelling, "DateStyle": "SQL, MDY"},
            "SELECT $1::timestamptz::text",
            instant.isoformat(),
        )
        assert expected is not None
        assert local.strftime("%m/%d/%Y %H:%M:%S ") + (local.tzname() or "") == expected.decode()
        assert local.astimezone(UTC) == instant


DATESTYLE_VALUES = [
    "iso", "ISO", "sql", "SQL", "postgres", "Postgres", "Postgresxyz", "german", "GERMAN",
    "dmy", "mdy", "ymd", "DMY", "european", "euro", "Europe", "noneuropean", "noneuro", "us",
    "US", "German, MDY", "MDY, German", "iso, dmy", "ISO, DMY", "sql,dmy", "SQL , DMY",
    " iso ", "ISO, DMY, DMY", "default", "sql, default", "default, dmy", "", '"ISO"', '"iso"',
    '"ISO", "DMY"', 'ISO, "D""MY"', "iso, sql", "dmy, mdy", "iso,,dmy", "iso dmy", "foo",
    "iso, foo", "iso, sql, foo", ",iso", "iso,", '"iso', '""',
]  # fmt: skip


@pytest.mark.parametrize("current", ["ISO, MDY", "SQL, DMY", "Postgres, YMD"])
@pytest.mark.parametrize("value", DATESTYLE_VALUES)
def test_datestyle_setting(spg: StyledPg, current: str, value: str) -> None:
    expected = spg.set_config("DateStyle", value, {"DateStyle": current})
    assert ours(parse_datestyle, value, current) == expected


INTERVALSTYLE_VALUES = ["postgres", "POSTGRES", "postgres_verbose", "sql_standard",
                        "SQL_STANDARD", "iso_8601", "Iso_8601", "foo", "", "iso 8601",
                        " postgres"]  # fmt: skip


@pytest.mark.parametrize("value", INTERVALSTYLE_VALUES)
def test_intervalstyle_setting(spg: StyledPg, value: str) -> None:
    expected = spg.set_config("IntervalStyle", value)
    assert ours(parse_intervalstyle, value) == expected


EXTRA_FLOAT_DIGITS_VALUES = ["3", "2", "1", "0", "-1", "-5", "-15", "4", "-16", "2.5", "1.5",
                             "-0.5", "0x2", "0X3", " 2 ", "abc", "2abc", "1e0", "-0", "+2",
                             "010", "02", "08", "99999999999999999999", ".5e1", "1.", "",
                             "-2147483648", "2147483648", "3 ms", "2e"]  # fmt: skip


@pytest.mark.parametrize("value", EXTRA_FLOAT_DIGITS_VALUES)
def test_extra_float_digits_setting(spg: StyledPg, value: str) -> None:
    expected = spg.set_config("extra_float_digits", value)
    got = ours(parse_extra_float_digits, value)
    assert (str(got) if isinstance(got, int) else got) == expected


def test_session_zone_of_values_postgresql_would_not_take_back() -> None:
    assert zone_lookup(session_zone("<+00:00:36>-00:00:36"))(0) == (36, "+00:00:36")
    assert session_zone("no such zone") is UTC
    assert session_zone("UTC") is UTC
