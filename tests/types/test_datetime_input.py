"""Date and time text input against PostgreSQL 15: each input goes to `SELECT $1::type` on
the server and through pgwire's decoder; both must give the same value (printed by pgwire's
encoder for the same settings), or both refuse it with the same SQLSTATE and message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import pytest

from pgwire.errors import PgError
from pgwire.types import datetime as dt
from pgwire.types.timezones import parse_timezone
from tests.types.conftest import PgServer

D, TS, TSTZ, T, TTZ = "date", "timestamp", "timestamptz", "time", "timetz"

CASES: list[tuple[str, str]] = [
    # dates: ISO, with zones (ignored), month names, field orders, run-together, special
    (D, "2024-02-29"), (D, "2024-02-29 +00"), (D, "2024-02-29 -08:00"), (D, "2024-02-29Z"),
    (D, "2024-02-29 PST"), (D, "2024-02-29 America/New_York"), (D, "1999-01-08 04:05:06"),
    (D, "January 8, 1999"), (D, "8 Jan 1999"), (D, "Jan-08-1999"), (D, "08-Jan-1999"),
    (D, "1999-Jan-08"), (D, "Friday January 8 1999"), (D, "1/8/1999"), (D, "1/18/1999"),
    (D, "01/02/03"), (D, "08-01-1999"), (D, "19990108"), (D, "990108"), (D, "1999.008"),
    (D, "J2451187"), (D, "0044-03-15 BC"), (D, "44-03-15 BC"), (D, "epoch"), (D, "infinity"),
    (D, "-infinity"), (D, "  2024-02-29  "), (D, "2024-2-9"), (D, "12345-01-01"),
    (D, "5874897-12-31"), (D, "4714-11-24 BC"), (D, "1999 Jan 8"), (D, "Jan 8 99"),
    (D, "1999/01/08"), (D, "1999.01.08"), (D, "jan 08 1999 ad"), (D, "2000-02-29"),
    # dates PostgreSQL refuses
    (D, "1999-02-29"), (D, "1999-13-01"), (D, "99-01-08"), (D, "1/18/1999 x"), (D, "foo"),
    (D, ""), (D, "2024-02-29 12"), (D, "0000-01-01"), (D, "4714-11-23 BC"), (D, "5874898-01-01"),
    (D, "2024-02-29 +16"), (D, "2024-02-29 foo/bar"), (D, "2024-02-29 2024-02-29"),
    (D, "12:00:00"), (D, "Jan Feb 1999"), (D, "1999-01-08 now"), (D, "2024-02-29 é"),
    (D, "+infinity"), (D, "1999-01-08 12:00:00 junk"), (D, "2024-02-30"), (D, "00-00-00"),
    # timestamps
    (TS, "2024-02-29 12:34:56"), (TS, "2024-02-29T12:34:56"), (TS, "2024-02-29 12:34:56.5"),
    (TS, "2024-02-29 12:34:56.1234565"), (TS, "2024-02-29 12:34:56.1234575"),
    (TS, "2024-02-29 12:34:56.9999995"), (TS, "2024-02-29 12:34"), (TS, "2024-02-29"),
    (TS, "2024-02-29 23:59:60"), (TS, "2024-02-29 12:59:60"), (TS, "2024-02-29 24:00:00"),
    (TS, "2024-02-29 12:34:56+05"), (TS, "January 8 04:05:06 1999 PST"),
    (TS, "Fri Jan 08 04:05:06 1999"), (TS, "1999-01-08 04:05:06 PM"), (TS, "1999-01-08 12:00 AM"),
    (TS, "19990108 040506"), (TS, "19990108T040506"), (TS, "1999-01-08T0405"),
    (TS, "J2451187 04:05:06"), (TS, "J2451187.5"), (TS, "0044-03-15 12:00:00 BC"),
    (TS, "epoch"), (TS, "infinity"), (TS, "-infinity"), (TS, "y1999m01d08h04mm05s06"),
    (TS, "1999-01-08 04:05:06 allballs"), (TS, "10000-01-01 00:00:00"),
    (TS, "294276-12-31 23:59:59"),
    (TS, "2024-02-29 25:00"), (TS, "2024-02-29 12:60"), (TS, "2024-02-29 12:34:61"),
    (TS, "2024-02-29 23:59:60.5"), (TS, "2024-02-29 13:00 PM"), (TS, "2024-02-29T"),
    (TS, "2024-02-29T12"), (TS, "294277-01-01 00:00:00"), (TS, "2024-02-29 12:00:00."),
    (TS, "2024-02-29 12:00:00.5.5"), (TS, "now now"),
    # timestamps with time zone (session TimeZone UTC)
    (TSTZ, "2024-02-29 12:34:56+00"), (TSTZ, "2024-02-29 12:34:56Z"),
    (TSTZ, "2024-02-29T12:34:56+05:30"), (TSTZ, "2024-02-29 12:34:56-0800"),
    (TSTZ, "2024-02-29 12:34:56 -8"), (TSTZ, "2024-02-29 12:34:56+05:30:15"),
    (TSTZ, "2024-02-29 12:34:56 PST"), (TSTZ, "2024-07-01 12:00 PDT"),
    (TSTZ, "2024-02-29 12:34:56 CET"), (TSTZ, "2024-01-01 12:00 MSK"),
(TSTZ, "2024-02-29 12:34:56 America/New_York"),
    (TSTZ, "2024-07-01 12:34:56 Europe/Berlin"), (TSTZ, "2024-03-31 02:30 Europe/Berlin"),
    (TSTZ, "2024-10-27 02:30 Europe/Berlin"), (TSTZ, "2024-02-29 12:00 EST5EDT"),
    (TSTZ, "2024-02-29 12:00 UTC+3"), (TSTZ, "2024-02-29 12:00 MET DST"),
    (TSTZ, "2024-02-29 12:00 zulu"), (TSTZ, "2024-02-29 12:00 GMT"),
    (TSTZ, "0044-03-15 12:00:00+02 BC"), (TSTZ, "epoch"), (TSTZ, "infinity"),
    (TSTZ, "J2451187-08"), (TSTZ, "19990108T040506-08"), (TSTZ, "2024-02-29 12:00 +15:59"),
    (TSTZ, "2024-02-29 12:00 +16"), (TSTZ, "2024-02-29 12:00 +05:60"),
    (TSTZ, "2024-02-29 12:00 Mars/Olympus"), (TSTZ, "2024-02-29 12:00 xyz"),
    (TSTZ, "2024-02-29 12:00 dst"), (TSTZ, "2024-02-29 12:00 Europe/Berlin DST"),
    # time
    (T, "04:05:06"), (T, "04:05:06.789"), (T, "04:05"), (T, "040506"), (T, "0405"),
    (T, "04:05 AM"), (T, "04:05 PM"), (T, "12:00 AM"), (T, "04:05:06 PST"),
    (T, "04:05:06-08:00"), (T, "2003-04-12 04:05:06 America/New_York"),
    (T, "2003-04-12 04:05:06"), (T, "allballs"), (T, "24:00:00"), (T, "23:59:60"),
    (T, "12:59:60"), (T, "05:06.5"), (T, "04:05:06.1234565"), (T, "T040506"),
    (T, "h04mm05s06"), (T, "040506.789"),
    (T, "24:00:01"), (T, "25:00"), (T, "04:60"), (T, "13:00 PM"), (T, "noon"), (T, "4"),
    (T, "04:05:06 Mars/Olympus"), (T, "2024-02-29"), (T, "epoch"), (T, "23:59:60.5"),
    # time with time zone
    (TTZ, "04:05:06+00"), (TTZ, "04:05:06-08"), (TTZ, "04:05:06+05:30"), (TTZ, "04:05:06Z"),
    (TTZ, "04:05:06 PST"), (TTZ, "04:05:06 CET"), (TTZ, "040506-08"), (TTZ, "allballs"),
    (TTZ, "24:00:00+02"), (TTZ, "2003-04-12 04:05:06 America/New_York"),
    (TTZ, "2003-07-12 04:05:06 Europe/Berlin"), (TTZ, "04:05:06 EST5EDT"),
    (TTZ, "04:05:06 UTC"), (TTZ, "04:05:06 Etc/GMT+3"),
    (TTZ, "04:05:06 America/New_York"), (TTZ, "04:05:06 +16"), (TTZ, "04:05:06 +15:60"),
]  # fmt: skip

STYLED: list[tuple[str, str, str]] = [
    (D, "1/8/1999", "ISO, DMY"), (D, "1/8/1999", "ISO, YMD"), (D, "08-01-1999", "ISO, DMY"),
    (D, "99-01-08", "ISO, YMD"), (D, "01/02/03", "ISO, DMY"), (D, "01/02/03", "ISO, YMD"),
    (D, "8 Jan 99", "ISO, YMD"), (D, "99 Jan 08", "ISO, YMD"), (D, "1/18/1999", "ISO, DMY"),
    (TS, "1/8/1999 04:05", "ISO, DMY"), (TTZ, "2003-04-12 04:05:06", "ISO, MDY"),
]  # fmt: skip

ZONED: list[tuple[str, str, str]] = [
    (TSTZ, "2024-02-29 12:34:56", "Europe/Berlin"), (TSTZ, "2024-07-01 12:00", "Europe/Berlin"),
    (TSTZ, "2024-03-31 02:30", "Europe/Berlin"), (TSTZ, "2024-10-27 02:30", "Europe/Berlin"),
    (TSTZ, "2024-02-29", "America/New_York"), (TSTZ, "2024-02-29 12:00+01", "Asia/Tokyo"),
    (TTZ, "2003-07-12 04:05:06", "Europe/Berlin"), (TTZ, "04:05:06+03", "Europe/Berlin"),
]  # fmt: skip

_DECODERS = {
    D: dt.date_text_decoder,
    TS: dt.timestamp_text_decoder,
    TSTZ: dt.timestamptz_text_decoder,
    T: dt.time_text_decoder,
    TTZ: dt.timetz_text_decoder,
}


def _encode(type_name: str, value: Any, datestyle: str, zone: tzinfo) -> bytes:
    if type_name == TSTZ:
        return dt.timestamptz_text_encoder(zone, "ISO, MDY")(value)
    return {D: dt.date_text_encode, TS: dt.timestamp_text_encode, T: dt.time_text_encode,
            TTZ: dt.timetz_text_encode}[type_name](value)  # fmt: skip


def _postgres(pg: PgServer, type_name: str, text: str, datestyle: str, zone: str) -> Any:
    pg.conn.execute(f"SET DateStyle = '{datestyle}'")
    pg.conn.execute(f"SET TimeZone = '{zone}'")
    try:
        result = pg.conn.pgconn.exec_params(f"SELECT $1::{type_name}".encode(), [text.encode()])
    finally:
        pg.conn.execute("SET DateStyle = 'ISO, MDY'")
        pg.conn.execute("SET TimeZone = 'UTC'")
    if result.status == 2:
        return result.get_value(0, 0)
    return (result.error_field(ord("C")).decode(), result.error_field(ord("M")).decode())


def _check(pg: PgServer, type_name: str, text: str, datestyle: str, zone_name: str) -> None:
    expected = _postgres(pg, type_name, text, datestyle, zone_name)
    zone = UTC if zone_name == "UTC" else parse_timezone(zone_name)
    decode = _DECODERS[type_name](datestyle, zone)
    try:
        value = decode(text.encode())
    except PgError as err:
        assert (err.sqlstate, err.message) == expected, text
        return
    # Output in ISO: only the field order of the input differs between the DateStyles.
    assert _encode(type_name, value, datestyle, zone) == expected, (text, value)


@pytest.mark.parametrize(("type_name", "text"), CASES)
def test_input_as_postgres(pg: PgServer, type_name: str, text: str) -> None:
    _check(pg, type_name, text, "ISO, MDY", "UTC")


@pytest.mark.parametrize(("type_name", "text", "datestyle"), STYLED)
def test_input_in_each_field_order(pg: PgServer, type_name: str, text: str, datestyle: str) -> None:
    _check(pg, type_name, text, datestyle, "UTC")


@pytest.mark.parametrize(("type_name", "text", "zone"), ZONED)
def test_input_in_the_session_zone(pg: PgServer, type_name: str, text: str, zone: str) -> None:
    _check(pg, type_name, text, "ISO, MDY", zone)


@pytest.mark.parametrize("word", ["today", "tomorrow", "yesterday"])
@pytest.mark.parametrize("type_name", [D, TS, TSTZ])
def test_relative_days(pg: PgServer, type_name: str, word: str) -> None:
    _check(pg, type_name, word, "ISO, MDY", "UTC")


def test_now() -> None:
    before = datetime.now(UTC)
    stamp = dt.timestamptz_text_decode(b"now")
    assert isinstance(stamp, datetime)
    assert before <= stamp <= datetime.now(UTC)
    assert dt.date_text_decode(b"now") in (before.date(), before.date() + timedelta(days=1))
    assert isinstance(dt.time_text_decode(b"now"), type(before.time()))
    assert dt.date_text_decode(b"2024-02-29") == date(2024, 2, 29)


def test_enough_cases() -> None:
    assert len(CASES) + len(STYLED) + len(ZONED) >= 120
