"""Codecs on their own (no PostgreSQL needed): input parsing, errors, round trips, registry."""

from __future__ import annotations

import ipaddress
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import BINARY, Interval, oid_for_value, oids, registry, text_of
from pgwire.types.array import parse_array_text


def enc(oid: int, value: Any, fmt: int = 0) -> bytes:
    return registry.encoder(oid, fmt)(value)


def dec(oid: int, data: bytes, fmt: int = 0) -> Any:
    return registry.decoder(oid, fmt)(data)


def error_code(oid: int, data: bytes, fmt: int = 0) -> str:
    with pytest.raises(PgError) as info:
        dec(oid, data, fmt)
    return info.value.sqlstate


# --- registry -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "oid"),
    [
        ("int4", oids.INT4),
        ("integer", oids.INT4),
        ("INT", oids.INT4),
        ("bigint", oids.INT8),
        ("double precision", oids.FLOAT8),
        ("real", oids.FLOAT4),
        ("boolean", oids.BOOL),
        ("character varying", oids.VARCHAR),
        ("timestamp with time zone", oids.TIMESTAMPTZ),
        ("decimal", oids.NUMERIC),
        ("int4[]", oids.INT4_ARRAY),
        ("integer[]", oids.INT4_ARRAY),
        ("_text", oids.TEXT_ARRAY),
        ("text[]", oids.TEXT_ARRAY),
        ("jsonb", oids.JSONB),
        ("point", oids.POINT),
        ("void", oids.VOID),
        ("record", oids.RECORD),
    ],
)
def test_names_and_aliases(name: str, oid: int) -> None:
    assert registry.oid_of(name) == oid


def test_every_builtin_is_registered_with_text_codecs() -> None:
    for oid, name, size, array_oid, element_oid, _delim in oids.BUILTINS:
        info = registry.get(oid)
        assert info is not None, name
        assert (info.name, info.size) == (name, size)
        assert info.array_oid == array_oid
        assert info.element_oid == element_oid
        assert info.text_encode is not None and info.text_decode is not None, name


def test_unknown_type_name() -> None:
    with pytest.raises(PgError) as info:
        registry.oid_of("no_such_type")
    assert info.value.sqlstate == sqlstate.UNDEFINED_OBJECT


# --- scalar input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [(b"t", True), (b"TRUE", True), (b" yes ", True), (b"on", True), (b"1", True),
     (b"y", True), (b"f", False), (b"false", False), (b"no", False), (b"off", False),
     (b"0", False), (b"n", False)],
)  # fmt: skip
def test_bool_input(text: bytes, value: bool) -> None:
    assert dec(oids.BOOL, text) is value


def test_bool_errors_and_binary() -> None:
    assert error_code(oids.BOOL, b"maybe") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert error_code(oids.BOOL, b"o") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert enc(oids.BOOL, 1) == b"t" and enc(oids.BOOL, 0) == b"f"
    assert enc(oids.BOOL, True, BINARY) == b"\x01"
    assert dec(oids.BOOL, b"\x00", BINARY) is False


def test_integer_input() -> None:
    assert dec(oids.INT4, b" 42 ") == 42
    assert dec(oids.INT2, b"-32768") == -32768
    assert error_code(oids.INT2, b"32768") == sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
    assert error_code(oids.INT4, b"2147483648") == sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
    assert error_code(oids.INT8, b"9223372036854775808") == sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
    assert error_code(oids.INT4, b"12a") == sqlstate.INVALID_TEXT_REPRESENTATION
    with pytest.raises(PgError) as info:
        dec(oids.INT4, b"abc")
    assert info.value.message == 'invalid input syntax for type integer: "abc"'
    assert dec(oids.INT8, enc(oids.INT8, -(2**63), BINARY), BINARY) == -(2**63)
    assert error_code(oids.INT4, b"\x00\x01", BINARY) == sqlstate.INVALID_BINARY_REPRESENTATION


def test_float_input() -> None:
    assert math.isnan(dec(oids.FLOAT8, b"NaN"))
    assert dec(oids.FLOAT8, b"Infinity") == math.inf
    assert dec(oids.FLOAT8, b"-inf") == -math.inf
    assert dec(oids.FLOAT4, b"1.5") == 1.5
    assert error_code(oids.FLOAT4, b"1e39") == sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
    assert error_code(oids.FLOAT8, b"one") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert enc(oids.FLOAT8, 3) == b"3"  # ints in a float column
    assert enc(oids.FLOAT8, Decimal("2.5")) == b"2.5"
    assert enc(oids.FLOAT8, 10**20) == b"1e+20"
    assert enc(oids.FLOAT4, 1e39) == b"Infinity"  # beyond float4: as a cast in C would


def test_numeric_input_and_binary_specials() -> None:
    assert dec(oids.NUMERIC, b"1.50") == Decimal("1.50")
    assert dec(oids.NUMERIC, b"-Infinity") == Decimal("-Infinity")
    assert error_code(oids.NUMERIC, b"1.2.3") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert error_code(oids.NUMERIC, b"sNaN") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert enc(oids.NUMERIC, 12) == b"12"
    assert enc(oids.NUMERIC, 0.1) == b"0.1"
    assert enc(oids.NUMERIC, "3.14") == b"3.14"
    assert dec(oids.NUMERIC, enc(oids.NUMERIC, Decimal("NaN"), BINARY), BINARY).is_nan()


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: abs(d.adjusted()) < 200
    )
)
def test_numeric_binary_round_trip(value: Decimal) -> None:
    back = dec(oids.NUMERIC, enc(oids.NUMERIC, value, BINARY), BINARY)
    assert back == value
    if value.as_tuple().exponent < 0:  # type: ignore[operator]
        assert back.as_tuple().exponent == value.as_tuple().exponent  # scale kept


def test_money() -> None:
    assert enc(oids.MONEY, Decimal("-1234.5")) == b"-$1,234.50"
    assert dec(oids.MONEY, b"$1,234.56") == Decimal("1234.56")
    assert dec(oids.MONEY, b"-$0.01") == Decimal("-0.01")
    assert dec(oids.MONEY, enc(oids.MONEY, Decimal("12.34"), BINARY), BINARY) == Decimal("12.34")


def test_text_family() -> None:
    assert enc(oids.TEXT, "é") == "é".encode()
    assert dec(oids.VARCHAR, "é".encode()) == "é"
    assert enc(oids.CHAR, "xyz") == b"x"
    assert enc(oids.NAME, "n", BINARY) == b"n"


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, b"1.5"), (True, b"t"), (42, b"42"), (Decimal("1E+3"), b"1000"),
     (date(2024, 1, 2), b"2024-01-02"), ([1, None], b"{1,NULL}"), (b"raw", b"raw"),
     (UUID(int=1), b"00000000-0000-0000-0000-000000000001"), ({"a": 1}, b'{"a": 1}'),
     (timedelta(days=1), b"1 day"), (object, str(object).encode())],
)  # fmt: skip
def test_text_column_prints_other_values_the_postgres_way(value: Any, text: bytes) -> None:
    assert enc(oids.TEXT, value) == text


def test_bytea_input() -> None:
    assert dec(oids.BYTEA, b"\\x0102ff") == b"\x01\x02\xff"
    assert dec(oids.BYTEA, b"\\x01 02") == b"\x01\x02"
    assert dec(oids.BYTEA, b"abc\\000\\\\\\101") == b"abc\x00\\A"  # escape format
    assert dec(oids.BYTEA, b"plain") == b"plain"
    assert error_code(oids.BYTEA, b"\\xzz") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert error_code(oids.BYTEA, b"bad\\9") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert enc(oids.BYTEA, bytearray(b"\x00")) == b"\\x00"
    assert enc(oids.BYTEA, memoryview(b"\x10")) == b"\\x10"


@given(st.binary(max_size=64))
def test_bytea_round_trip(value: bytes) -> None:
    assert dec(oids.BYTEA, enc(oids.BYTEA, value)) == value


def test_uuid_and_network() -> None:
    u = UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    assert enc(oids.UUID, "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}") == str(u).encode()
    assert dec(oids.UUID, enc(oids.UUID, u, BINARY), BINARY) == u
    assert error_code(oids.UUID, b"nope") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert dec(oids.INET, b"10.1.2.3/8") == ipaddress.ip_interface("10.1.2.3/8")
    assert dec(oids.INET, b"::1") == ipaddress.ip_address("::1")
    assert dec(oids.CIDR, b"10.0.0.0/8") == ipaddress.ip_network("10.0.0.0/8")
    assert error_code(oids.CIDR, b"10.0.0.1/8") == sqlstate.INVALID_TEXT_REPRESENTATION
    for value in (ipaddress.ip_interface("10.1.2.3/8"), ipaddress.ip_address("2001:db8::1")):
        assert dec(oids.INET, enc(oids.INET, value, BINARY), BINARY) == value
    assert enc(oids.INET, "10.0.0.1") == b"10.0.0.1"


def test_json() -> None:
    assert enc(oids.JSONB, {"a": [1, 2.5, None, True]}) == b'{"a": [1, 2.5, null, true]}'
    assert enc(oids.JSON, {"n": float("nan"), "d": Decimal("1.10")}) == b'{"n": "NaN", "d": 1.10}'
    assert enc(oids.JSON, {1: date(2024, 1, 1)}) == b'{"1": "2024-01-01"}'
    assert enc(oids.JSON, '{"raw":1}') == b'{"raw":1}'  # str: JSON text already
    assert enc(oids.JSONB, {"a": 1}, BINARY) == b'\x01{"a": 1}'
    assert dec(oids.JSONB, b'\x01{"a": 1}', BINARY) == '{"a": 1}'
    assert error_code(oids.JSONB, b'\x02{"a": 1}', BINARY) == sqlstate.INVALID_BINARY_REPRESENTATION


def test_bits() -> None:
    assert dec(oids.VARBIT, b"x1f") == "00011111"
    assert enc(oids.VARBIT, [1, 0, 1]) == b"101"
    assert enc(oids.VARBIT, "1010000011", BINARY) == b"\x00\x00\x00\x0a\xa0\xc0"
    assert dec(oids.VARBIT, b"\x00\x00\x00\x0a\xa0\xc0", BINARY) == "1010000011"
    assert error_code(oids.BIT, b"102") == sqlstate.INVALID_TEXT_REPRESENTATION


# --- dates and times ------------------------------------------------------------------------


def test_date_input() -> None:
    assert dec(oids.DATE, b"2024-01-02") == date(2024, 1, 2)
    assert dec(oids.DATE, b"01/02/2024") == date(2024, 1, 2)  # DateStyle MDY
    assert dec(oids.DATE, b"epoch") == date(1970, 1, 1)
    assert dec(oids.DATE, b"Infinity") == "infinity"
    assert dec(oids.DATE, b"0045-03-15 BC") == "0045-03-15 BC"
    assert dec(oids.DATE, b"12000-01-01") == "12000-01-01"
    assert error_code(oids.DATE, b"yesterday-ish") == sqlstate.INVALID_DATETIME_FORMAT


@pytest.mark.parametrize(
    "value",
    [date(2000, 1, 1), date(1, 1, 1), date(9999, 12, 31), "infinity", "-infinity",
     "0045-03-15 BC", "4713-11-24 BC", "5874897-12-31", "0001-01-01 BC"],
)  # fmt: skip
def test_date_binary_round_trip(value: date | str) -> None:
    assert dec(oids.DATE, enc(oids.DATE, value, BINARY), BINARY) == value


def test_timestamp_input() -> None:
    assert dec(oids.TIMESTAMP, b"2024-01-02 03:04:05.5") == datetime(2024, 1, 2, 3, 4, 5, 500000)
    assert dec(oids.TIMESTAMP, b"2024-01-02T03:04:05+05") == datetime(2024, 1, 2, 3, 4, 5)
    assert dec(oids.TIMESTAMPTZ, b"2024-01-02 03:04:05") == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    aware = dec(oids.TIMESTAMPTZ, b"2024-01-02 03:04:05-08")
    assert aware == datetime(2024, 1, 2, 11, 4, 5, tzinfo=UTC)
    assert dec(oids.TIMESTAMP, b"infinity") == "infinity"
    assert dec(oids.TIMESTAMP, b"0045-03-15 01:02:03 BC") == "0045-03-15 01:02:03 BC"
    assert error_code(oids.TIMESTAMP, b"soon") == sqlstate.INVALID_DATETIME_FORMAT


@pytest.mark.parametrize(
    "value",
    [datetime(2000, 1, 1), datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999),
     "infinity", "-infinity", "0045-03-15 01:02:03.5 BC", "12000-01-01 00:00:00"],
)  # fmt: skip
def test_timestamp_binary_round_trip(value: datetime | str) -> None:
    assert dec(oids.TIMESTAMP, enc(oids.TIMESTAMP, value, BINARY), BINARY) == value


def test_timestamptz_binary_is_utc() -> None:
    value = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5)))
    back = dec(oids.TIMESTAMPTZ, enc(oids.TIMESTAMPTZ, value, BINARY), BINARY)
    assert back == value and back.tzinfo == UTC


def test_time_input_and_binary() -> None:
    assert dec(oids.TIME, b"12:34:56.789") == time(12, 34, 56, 789000)
    assert dec(oids.TIME, b"24:00:00") == "24:00:00"
    assert error_code(oids.TIME, b"25:00") == sqlstate.DATETIME_FIELD_OVERFLOW
    assert dec(oids.TIME, enc(oids.TIME, "24:00:00", BINARY), BINARY) == "24:00:00"
    value = time(1, 2, 3, 4, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    assert dec(oids.TIMETZ, enc(oids.TIMETZ, value, BINARY), BINARY) == value
    assert dec(oids.TIMETZ, b"01:02:03") == time(1, 2, 3, tzinfo=UTC)
    assert enc(oids.TIME, timedelta(hours=25, minutes=1)) == b"25:01:00"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"1 year 2 mons 3 days 04:05:06.5", Interval(14, 3, 14_706_500_000)),
        (b"1 year 2 months", Interval(14, 0, 0)),
        (b"-1 days +02:00:00", Interval(0, -1, 7_200_000_000)),
        (b"@ 1 day 2 hours ago", Interval(0, -1, -7_200_000_000)),
        (b"1 week", Interval(0, 7, 0)),
        (b"1.5 days", Interval(0, 1, 43_200_000_000)),
        (b"1.5 months", Interval(1, 15, 0)),
        (b"10:30", Interval(0, 0, 37_800_000_000)),
        (b"-00:00:00.5", Interval(0, 0, -500_000)),
        (b"90", Interval(0, 0, 90_000_000)),
        (b"2 centuries", Interval(2400, 0, 0)),
        (b"3 ms 4 us", Interval(0, 0, 3004)),
        (b"P1Y2M3DT4H5M6.5S", Interval(14, 3, 14_706_500_000)),
        (b"PT1.5S", Interval(0, 0, 1_500_000)),
        (b"-P1D", Interval(0, -1, 0)),
    ],
)
def test_interval_input(text: bytes, value: Interval) -> None:
    assert dec(oids.INTERVAL, text) == value


def test_interval_errors_and_conversions() -> None:
    assert error_code(oids.INTERVAL, b"one day") == sqlstate.INVALID_DATETIME_FORMAT
    assert error_code(oids.INTERVAL, b"") == sqlstate.INVALID_DATETIME_FORMAT
    assert error_code(oids.INTERVAL, b"1 fortnight") == sqlstate.INVALID_DATETIME_FORMAT
    assert Interval.from_timedelta(timedelta(hours=-2)) == Interval(0, 0, -7_200_000_000)
    assert Interval(1, 2, 3).to_timedelta() == timedelta(days=32, microseconds=3)
    assert str(Interval(-14, 0, 0)) == "-1 years -2 mons"


@given(
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1),
)
def test_interval_round_trips(months: int, days: int, micros: int) -> None:
    value = Interval(months, days, micros)
    assert dec(oids.INTERVAL, enc(oids.INTERVAL, value)) == value
    assert dec(oids.INTERVAL, enc(oids.INTERVAL, value, BINARY), BINARY) == value


def test_timestamptz_in_another_zone() -> None:
    from zoneinfo import ZoneInfo

    from pgwire.types.datetime import timestamptz_text_encoder

    encode = timestamptz_text_encoder(ZoneInfo("Asia/Kolkata"))
    assert encode(datetime(2024, 1, 1, tzinfo=UTC)) == b"2024-01-01 05:30:00+05:30"
    encode = timestamptz_text_encoder(ZoneInfo("America/New_York"))
    assert encode(datetime(2024, 7, 1, 12, tzinfo=UTC)) == b"2024-07-01 08:00:00-04"
    assert encode(datetime(2024, 7, 1, 12)) == b"2024-07-01 12:00:00-04"  # naive: local time


# --- arrays ---------------------------------------------------------------------------------


def test_array_text_parsing() -> None:
    assert parse_array_text("{}") == []
    assert parse_array_text('{a,"b c",NULL,"NULL",null, d e }') == [
        "a", "b c", None, "NULL", None, "d e"
    ]  # fmt: skip
    assert parse_array_text('{"a\\"b","c\\\\d",e\\,f}') == ['a"b', "c\\d", "e,f"]
    assert parse_array_text("{ a\\  ,b}") == ["a ", "b"]  # an escaped space stays
    assert parse_array_text("[1:2][3:4]={{1,2},{3,4}}") == [["1", "2"], ["3", "4"]]
    assert parse_array_text("{(1,1),(0,0);(2,2),(1,1)}", ";") == ["(1,1),(0,0)", "(2,2),(1,1)"]
    for bad in ("", "{", "{1,2", "{1,,2}", '{"a}', "{1}x", "1,2", '{a"b}'):
        with pytest.raises(ValueError):
            parse_array_text(bad)


def test_array_decoding() -> None:
    assert dec(oids.INT4_ARRAY, b"{{1,2},{3,NULL}}") == [[1, 2], [3, None]]
    assert dec(oids.FLOAT8_ARRAY, b"{NaN,Infinity}")[1] == math.inf
    assert dec(oids.DATE_ARRAY, b'{2024-01-01,"0045-03-15 BC"}') == [
        date(2024, 1, 1), "0045-03-15 BC"
    ]  # fmt: skip
    assert error_code(oids.INT4_ARRAY, b"{1,2") == sqlstate.INVALID_TEXT_REPRESENTATION
    assert error_code(oids.INT4_ARRAY, b"{1,x}") == sqlstate.INVALID_TEXT_REPRESENTATION


@pytest.mark.parametrize(
    ("oid", "value"),
    [
        (oids.INT4_ARRAY, [1, None, 3]),
        (oids.INT4_ARRAY, [[1, 2], [3, 4]]),
        (oids.INT4_ARRAY, []),
        (oids.TEXT_ARRAY, ["a", None, "", 'q"\\']),
        (oids.FLOAT8_ARRAY, [[1.5], [None]]),
        (oids.NUMERIC_ARRAY, [Decimal("1.50")]),
        (oids.DATE_ARRAY, [date(2024, 1, 1)]),
        (oids.INTERVAL_ARRAY, [Interval(1, 2, 3)]),
        (oids.BYTEA_ARRAY, [b"\x00\x01"]),
    ],
)
def test_array_round_trips(oid: int, value: list[Any]) -> None:
    assert dec(oid, enc(oid, value)) == value
    assert dec(oid, enc(oid, value, BINARY), BINARY) == value


def test_array_binary_layout() -> None:
    data = enc(oids.INT4_ARRAY, (1, None), BINARY)
    assert data == (
        b"\x00\x00\x00\x01"  # ndim
        b"\x00\x00\x00\x01"  # has nulls
        b"\x00\x00\x00\x17"  # element OID 23
        b"\x00\x00\x00\x02\x00\x00\x00\x01"  # size 2, lower bound 1
        b"\x00\x00\x00\x04\x00\x00\x00\x01"  # 1
        b"\xff\xff\xff\xff"  # NULL
    )
    with pytest.raises(ValueError):
        enc(oids.INT4_ARRAY, [[1, 2], [3]], BINARY)
    assert (
        error_code(oids.INT4_ARRAY, b"\x00\x00", BINARY) == sqlstate.INVALID_BINARY_REPRESENTATION
    )


@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_text_array_round_trip(value: list[str | None]) -> None:
    value = [v.replace("\x00", "") if v is not None else None for v in value]
    assert dec(oids.TEXT_ARRAY, enc(oids.TEXT_ARRAY, value)) == value


def test_array_accepts_literal_text() -> None:
    assert enc(oids.INT4_ARRAY, "{1,2}") == b"{1,2}"


# --- Python type → PostgreSQL type ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "oid"),
    [(True, oids.BOOL), (1, oids.INT8), (2**70, oids.NUMERIC), (1.5, oids.FLOAT8),
     (Decimal(1), oids.NUMERIC), ("s", oids.TEXT), (b"b", oids.BYTEA), (date.today(), oids.DATE),
     (datetime(2024, 1, 1), oids.TIMESTAMP), (datetime(2024, 1, 1, tzinfo=UTC), oids.TIMESTAMPTZ),
     (time(1), oids.TIME), (time(1, tzinfo=UTC), oids.TIMETZ), (timedelta(1), oids.INTERVAL),
     (UUID(int=0), oids.UUID), ({"a": 1}, oids.JSONB), ([1, 2], oids.INT8_ARRAY),
     ([[None, "x"]], oids.TEXT_ARRAY), ([None], oids.TEXT_ARRAY),
     (ipaddress.ip_address("::1"), oids.INET), (ipaddress.ip_network("10.0.0.0/8"), oids.CIDR),
     (None, oids.TEXT), (object(), oids.TEXT)],
)  # fmt: skip
def test_oid_for_value(value: Any, oid: int) -> None:
    assert oid_for_value(value) == oid


def test_text_of() -> None:
    assert text_of([1.5, None]) == b"{1.5,NULL}"
    assert text_of(datetime(2024, 1, 1, tzinfo=UTC)) == b"2024-01-01 00:00:00+00"
