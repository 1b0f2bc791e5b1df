"""Our text (and binary) output against what PostgreSQL 15 itself prints for the same values."""

from __future__ import annotations

import ipaddress
import math
import random
import struct
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from pgwire.types import BINARY, Interval, oids, registry
from tests.types.conftest import PgServer

pytestmark = pytest.mark.postgres

TZ5 = timezone(timedelta(hours=5))
TZM8 = timezone(timedelta(hours=-8))
TZ530 = timezone(timedelta(hours=5, minutes=30))

# (SQL expression, type OID PostgreSQL gives it, the Python value we encode)
CASES: list[tuple[str, int, Any]] = [
    # bool
    ("true", oids.BOOL, True),
    ("false", oids.BOOL, False),
    # integers
    ("32767::int2", oids.INT2, 32767),
    ("(-32768)::int2", oids.INT2, -32768),
    ("2147483647", oids.INT4, 2147483647),
    ("(-2147483648)::int4", oids.INT4, -2147483648),
    ("9223372036854775807", oids.INT8, 9223372036854775807),
    ("(-9223372036854775808)::int8", oids.INT8, -9223372036854775808),
    ("0::int4", oids.INT4, 0),
    ("4294967295::oid", oids.OID, 4294967295),
    # float8
    ("1e20::float8", oids.FLOAT8, 1e20),
    ("1.5::float8", oids.FLOAT8, 1.5),
    ("0.1::float8", oids.FLOAT8, 0.1),
    ("1e-5::float8", oids.FLOAT8, 1e-5),
    ("0.0001::float8", oids.FLOAT8, 0.0001),
    ("1e15::float8", oids.FLOAT8, 1e15),
    ("123456789012345::float8", oids.FLOAT8, 123456789012345.0),
    ("1234567890123456::float8", oids.FLOAT8, 1234567890123456.0),
    ("(-1234567890123456.5)::float8", oids.FLOAT8, -1234567890123456.5),
    ("1e16::float8", oids.FLOAT8, 1e16),
    ("1e100::float8", oids.FLOAT8, 1e100),
    ("1.7976931348623157e308::float8", oids.FLOAT8, 1.7976931348623157e308),
    ("5e-324::float8", oids.FLOAT8, 5e-324),
    ("2.2250738585072014e-308::float8", oids.FLOAT8, 2.2250738585072014e-308),
    ("'-0'::float8", oids.FLOAT8, -0.0),
    ("0::float8", oids.FLOAT8, 0.0),
    ("'NaN'::float8", oids.FLOAT8, math.nan),
    ("'Infinity'::float8", oids.FLOAT8, math.inf),
    ("'-Infinity'::float8", oids.FLOAT8, -math.inf),
    ("(1/3::float8)", oids.FLOAT8, 1 / 3),
    ("100::float8", oids.FLOAT8, 100.0),
    # float4
    ("0.1::float4", oids.FLOAT4, 0.1),
    ("1.5::float4", oids.FLOAT4, 1.5),
    ("1e6::float4", oids.FLOAT4, 1e6),
    ("123456::float4", oids.FLOAT4, 123456.0),
    ("1234567::float4", oids.FLOAT4, 1234567.0),
    ("1e-5::float4", oids.FLOAT4, 1e-5),
    ("3.4028235e38::float4", oids.FLOAT4, 3.4028234663852886e38),
    ("1e-45::float4", oids.FLOAT4, 1.401298464324817e-45),
    ("'NaN'::float4", oids.FLOAT4, math.nan),
    ("'-Infinity'::float4", oids.FLOAT4, -math.inf),
    ("'-0'::float4", oids.FLOAT4, -0.0),
    ("(1::float4/3::float4)", oids.FLOAT4, struct.unpack("f", struct.pack("f", 1 / 3))[0]),
    # numeric
    ("1.50::numeric", oids.NUMERIC, Decimal("1.50")),
    ("123::numeric(10,3)", oids.NUMERIC, Decimal("123.000")),
    ("1e20::numeric", oids.NUMERIC, Decimal("1E+20")),
    ("0.000000000000000000001::numeric", oids.NUMERIC, Decimal("1E-21")),
    ("(-0.0)::numeric", oids.NUMERIC, Decimal("-0.0")),
    ("'NaN'::numeric", oids.NUMERIC, Decimal("NaN")),
    ("'Infinity'::numeric", oids.NUMERIC, Decimal("Infinity")),
    ("'-Infinity'::numeric", oids.NUMERIC, Decimal("-Infinity")),
    (
        "123456789012345678901234567890.123456789012345678901234567890::numeric",
        oids.NUMERIC,
        Decimal("123456789012345678901234567890.123456789012345678901234567890"),
    ),
    ("(-98765432109876543210)::numeric", oids.NUMERIC, -98765432109876543210),
    ("0::numeric", oids.NUMERIC, Decimal(0)),
    ("10000::numeric", oids.NUMERIC, Decimal("10000")),
    ("0.0001::numeric", oids.NUMERIC, Decimal("0.0001")),
    # money (lc_monetary C)
    ("1234.56::money", oids.MONEY, Decimal("1234.56")),
    ("(-1234567.5)::money", oids.MONEY, Decimal("-1234567.50")),
    # text family
    ("'hello'::text", oids.TEXT, "hello"),
    ("'héllo ☃'::text", oids.TEXT, "héllo ☃"),
    ("''::text", oids.TEXT, ""),
    ("'x'::varchar(5)", oids.VARCHAR, "x"),
    ("'ab'::char(5)", oids.BPCHAR, "ab   "),
    ("'pg_class'::name", oids.NAME, "pg_class"),
    ("'x'::\"char\"", oids.CHAR, "x"),
    # bytea
    ("'\\x0102'::bytea", oids.BYTEA, b"\x01\x02"),
    ("''::bytea", oids.BYTEA, b""),
    ("'\\x00ff7f80'::bytea", oids.BYTEA, b"\x00\xff\x7f\x80"),
    # date
    ("'2024-02-29'::date", oids.DATE, date(2024, 2, 29)),
    ("'0001-01-01'::date", oids.DATE, date(1, 1, 1)),
    ("'9999-12-31'::date", oids.DATE, date(9999, 12, 31)),
    ("'0045-03-15 BC'::date", oids.DATE, "0045-03-15 BC"),
    ("'0045-03-15 BC'::date", oids.DATE, "0045-03-15 (BC)"),  # DuckDB's spelling
    ("'4713-11-24 BC'::date", oids.DATE, "4713-11-24 BC"),
    ("'12000-01-01'::date", oids.DATE, "12000-01-01"),
    ("'infinity'::date", oids.DATE, "infinity"),
    ("'-infinity'::date", oids.DATE, "-infinity"),
    # time / timetz
    ("'00:00:00'::time", oids.TIME, time(0, 0)),
    ("'23:59:59.999999'::time", oids.TIME, time(23, 59, 59, 999999)),
    ("'12:34:56.5'::time", oids.TIME, time(12, 34, 56, 500000)),
    ("'24:00:00'::time", oids.TIME, "24:00:00"),
    ("'01:02:03+05'::timetz", oids.TIMETZ, time(1, 2, 3, tzinfo=TZ5)),
    ("'01:02:03+05:30'::timetz", oids.TIMETZ, time(1, 2, 3, tzinfo=TZ530)),
    ("'01:02:03.25-08'::timetz", oids.TIMETZ, time(1, 2, 3, 250000, tzinfo=TZM8)),
    ("'01:02:03'::timetz", oids.TIMETZ, time(1, 2, 3, tzinfo=UTC)),
    # timestamp
    ("'2024-01-02 03:04:05'::timestamp", oids.TIMESTAMP, datetime(2024, 1, 2, 3, 4, 5)),
    (
        "'2024-01-02 03:04:05.000001'::timestamp",
        oids.TIMESTAMP,
        datetime(2024, 1, 2, 3, 4, 5, 1),
    ),
    ("'2024-01-02 03:04:05.12'::timestamp", oids.TIMESTAMP, datetime(2024, 1, 2, 3, 4, 5, 120000)),
    ("'0001-01-01 00:00:00'::timestamp", oids.TIMESTAMP, datetime(1, 1, 1)),
    (
        "'9999-12-31 23:59:59.999999'::timestamp",
        oids.TIMESTAMP,
        datetime(9999, 12, 31, 23, 59, 59, 999999),
    ),
    ("'294276-12-31 23:59:59.999999'::timestamp", oids.TIMESTAMP, "294276-12-31 23:59:59.999999"),
    ("'0045-03-15 01:02:03.5 BC'::timestamp", oids.TIMESTAMP, "0045-03-15 (BC) 01:02:03.5"),
    ("'infinity'::timestamp", oids.TIMESTAMP, "infinity"),
    ("'2024-01-01'::date::timestamp", oids.TIMESTAMP, date(2024, 1, 1)),
    # timestamptz (session TimeZone UTC)
    (
        "'2024-01-02 03:04:05+05'::timestamptz",
        oids.TIMESTAMPTZ,
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=TZ5),
    ),
    (
        "'2024-01-02 03:04:05.123'::timestamptz",
        oids.TIMESTAMPTZ,
        datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=UTC),
    ),
    (
        "'2024-01-02 03:04:05'::timestamptz",
        oids.TIMESTAMPTZ,
        datetime(2024, 1, 2, 3, 4, 5),  # naive: taken as session time
    ),
    ("'12000-01-01 00:00:00+00'::timestamptz", oids.TIMESTAMPTZ, "12000-01-01 00:00:00+00"),
    ("'0045-03-15 01:02:03.5+00 BC'::timestamptz", oids.TIMESTAMPTZ, "0045-03-15 01:02:03.5+00 BC"),
    ("'-infinity'::timestamptz", oids.TIMESTAMPTZ, "-infinity"),
    # interval
    (
        "'1 year 2 mons 3 days 04:05:06.5'::interval",
        oids.INTERVAL,
        Interval(14, 3, 14_706_500_000),
    ),
    ("'-1 day 2 hours'::interval", oids.INTERVAL, Interval(0, -1, 7_200_000_000)),
    ("'-1 year -2 mons'::interval", oids.INTERVAL, Interval(-14, 0, 0)),
    ("'-2 hours'::interval", oids.INTERVAL, timedelta(hours=-2)),
    ("'0'::interval", oids.INTERVAL, Interval()),
    ("'1 mon -1 day'::interval", oids.INTERVAL, Interval(1, -1, 0)),
    ("'100 hours 0.000001 sec'::interval", oids.INTERVAL, Interval(0, 0, 360_000_000_001)),
    ("'-0.5 sec'::interval", oids.INTERVAL, Interval(0, 0, -500_000)),
    ("'1 year -1 mon'::interval", oids.INTERVAL, Interval(11, 0, 0)),
    ("'1 day'::interval", oids.INTERVAL, timedelta(days=1)),
    ("'3 days 00:00:01'::interval", oids.INTERVAL, timedelta(days=3, seconds=1)),
    ("'-1 mons 1 day -00:00:01'::interval", oids.INTERVAL, Interval(-1, 1, -1_000_000)),
    ("'178000000 years'::interval", oids.INTERVAL, Interval(178_000_000 * 12, 0, 0)),
    # uuid
    (
        "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid",
        oids.UUID,
        UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ),
    # json / jsonb
    ("'{\"a\":1}'::json", oids.JSON, '{"a":1}'),
    (
        '\'{"a":1,"b":[1,2,{"c":null}],"d":"x"}\'::jsonb',
        oids.JSONB,
        {"a": 1, "b": [1, 2, {"c": None}], "d": "x"},
    ),
    ("'[1.50, true, false, \"é\"]'::jsonb", oids.JSONB, [Decimal("1.50"), True, False, "é"]),
    ("'\"text\"'::jsonb", oids.JSONB, '"text"'),
    # network
    ("'::ffff:1.2.3.4'::inet", oids.INET, ipaddress.ip_address("::ffff:1.2.3.4")),
    ("'::1.2.3.4'::inet", oids.INET, ipaddress.ip_address("::1.2.3.4")),
    ("'::1'::inet", oids.INET, ipaddress.ip_address("::1")),
    ("'::'::inet", oids.INET, ipaddress.ip_address("::")),
    ("'10.0.0.0/8'::inet", oids.INET, ipaddress.ip_interface("10.0.0.0/8")),
    ("'10.1.2.3/8'::inet", oids.INET, ipaddress.ip_interface("10.1.2.3/8")),
    ("'1.2.3.4/32'::inet", oids.INET, ipaddress.ip_interface("1.2.3.4/32")),
    ("'192.168.0.1'::inet", oids.INET, ipaddress.ip_address("192.168.0.1")),
    ("'fe80::1:0:0:1'::inet", oids.INET, ipaddress.ip_address("fe80::1:0:0:1")),
    ("'2001:db8::1/64'::inet", oids.INET, ipaddress.ip_interface("2001:db8::1/64")),
    ("'10.0.0.0/8'::cidr", oids.CIDR, ipaddress.ip_network("10.0.0.0/8")),
    ("'1.2.3.4/32'::cidr", oids.CIDR, ipaddress.ip_network("1.2.3.4/32")),
    ("'2001:db8::/32'::cidr", oids.CIDR, ipaddress.ip_network("2001:db8::/32")),
    # bit strings
    ("B'1010'::varbit", oids.VARBIT, "1010"),
    ("B'101'::bit(3)", oids.BIT, "101"),
    # arrays
    ("ARRAY[1, NULL, 3]", oids.INT4_ARRAY, [1, None, 3]),
    ("ARRAY[[1,2],[3,4]]", oids.INT4_ARRAY, [[1, 2], [3, 4]]),
    ("ARRAY[[[1],[2]],[[3],[4]]]", oids.INT4_ARRAY, [[[1], [2]], [[3], [4]]]),
    ("'{}'::int4[]", oids.INT4_ARRAY, []),
    (
        "ARRAY['a b', NULL, '', 'NULL', 'null', 'x\"y', 'a\\b', '{', ',', 'é', ' x', 'plain']",
        oids.TEXT_ARRAY,
        ["a b", None, "", "NULL", "null", 'x"y', "a\\b", "{", ",", "é", " x", "plain"],
    ),
    ("ARRAY['tab\there', 'new\nline']", oids.TEXT_ARRAY, ["tab\there", "new\nline"]),
    (
        "ARRAY[1.5::float8, 'NaN', '-Infinity', 1e20, NULL]",
        oids.FLOAT8_ARRAY,
        [1.5, math.nan, -math.inf, 1e20, None],
    ),
    ("ARRAY[0.1::float4]", oids.FLOAT4_ARRAY, [0.1]),
    ("ARRAY[1.50, 'NaN']::numeric[]", oids.NUMERIC_ARRAY, [Decimal("1.50"), Decimal("NaN")]),
    ("ARRAY[true, false, NULL]", oids.BOOL_ARRAY, [True, False, None]),
    ("ARRAY['\\x0102'::bytea, '']", oids.BYTEA_ARRAY, [b"\x01\x02", b""]),
    (
        "ARRAY['2024-01-01'::date, '0045-03-15 BC']",
        oids.DATE_ARRAY,
        [date(2024, 1, 1), "0045-03-15 (BC)"],
    ),
    ("ARRAY['2024-01-01 00:00'::timestamp]", oids.TIMESTAMP_ARRAY, [datetime(2024, 1, 1)]),
    (
        "ARRAY['2024-01-01 00:00+00'::timestamptz]",
        oids.TIMESTAMPTZ_ARRAY,
        [datetime(2024, 1, 1, tzinfo=UTC)],
    ),
    ("ARRAY['1 day 01:00'::interval]", oids.INTERVAL_ARRAY, [Interval(0, 1, 3_600_000_000)]),
    ("ARRAY['{\"a\": 1}'::json]", oids.JSON_ARRAY, ['{"a": 1}']),
    ("ARRAY['{\"a\": 1}'::jsonb]", oids.JSONB_ARRAY, [{"a": 1}]),
    (
        "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]",
        oids.UUID_ARRAY,
        [UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")],
    ),
    ("ARRAY['10.0.0.1'::inet]", oids.INET_ARRAY, [ipaddress.ip_address("10.0.0.1")]),
    ("ARRAY['12:00'::time]", oids.TIME_ARRAY, [time(12, 0)]),
    ("ARRAY[1::int2]", oids.INT2_ARRAY, [1]),
    ("ARRAY[1::int8, NULL]", oids.INT8_ARRAY, [1, None]),
    ("ARRAY['x'::varchar]", oids.VARCHAR_ARRAY, ["x"]),
    ("ARRAY['1.5'::money]", oids.MONEY_ARRAY, [Decimal("1.5")]),
    ("ARRAY[B'101'::varbit]", oids.VARBIT_ARRAY, ["101"]),
    ("ARRAY['(1,2)'::point]", oids.POINT_ARRAY, ["(1,2)"]),
    ("ARRAY['(1,1),(0,0)'::box, '(2,2),(1,1)']", oids.BOX_ARRAY, ["(1,1),(0,0)", "(2,2),(1,1)"]),
    # passed-through types
    ("'(1,2)'::point", oids.POINT, "(1,2)"),
    ("'[1,5)'::int4range", oids.INT4RANGE, "[1,5)"),
]


def _id(case: tuple[str, int, Any]) -> str:
    return case[0][:60]


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_text_output_matches_postgres(pg: PgServer, case: tuple[str, int, Any]) -> None:
    sql, oid, value = case
    expected, pg_oid = pg.value(f"SELECT {sql}")
    assert pg_oid == oid, f"PostgreSQL typed {sql} as {pg_oid}"
    assert registry.encoder(oid)(value) == expected


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal) and isinstance(b, Decimal) and a.is_nan() and b.is_nan():
        return True
    return bool(a == b)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_binary_output_matches_postgres(pg: PgServer, case: tuple[str, int, Any]) -> None:
    sql, oid, value = case
    info = registry.get(oid)
    assert info is not None
    if info.binary_encode is None:
        pytest.skip(f"no binary codec for {info.name}")
    expected, _ = pg.value(f"SELECT {sql}", fmt=BINARY)
    assert registry.encoder(oid, BINARY)(value) == expected


# Values that do not come back as the same Python object from PostgreSQL's text.
_NOT_ROUND_TRIPPED = {oids.JSON, oids.JSONB, oids.JSON_ARRAY, oids.JSONB_ARRAY, oids.MONEY,
                      oids.MONEY_ARRAY}  # fmt: skip


def _has_text(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return isinstance(value, str)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_decode_postgres_text(pg: PgServer, case: tuple[str, int, Any]) -> None:
    sql, oid, value = case
    text, _ = pg.value(f"SELECT {sql}")
    assert text is not None
    decoded = registry.decoder(oid)(text)
    # Whatever we decode prints back as PostgreSQL's exact text...
    assert registry.encoder(oid)(decoded) == text
    # ...and equals the value we started from, where that value has one Python form.
    if oid in _NOT_ROUND_TRIPPED or _has_text(value) or value in ([], -0.0):
        return
    if isinstance(value, ipaddress.IPv4Interface) and value.network.prefixlen == 32:
        return
    expected = value
    if isinstance(value, timedelta):
        expected = Interval.from_timedelta(value)
    if isinstance(value, date) and oid == oids.TIMESTAMP and not isinstance(value, datetime):
        expected = datetime(value.year, value.month, value.day)
    if oid == oids.TIMESTAMPTZ and isinstance(value, datetime) and value.tzinfo is None:
        expected = value.replace(tzinfo=UTC)
    if oid == oids.FLOAT4 and isinstance(value, float) and math.isfinite(value):
        # float4 text is the shortest float32 spelling, read back here as a float64.
        assert struct.pack("f", decoded) == struct.pack("f", value)
        return
    assert _same(decoded, expected), (decoded, expected)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_decode_postgres_binary(pg: PgServer, case: tuple[str, int, Any]) -> None:
    sql, oid, _value = case
    info = registry.get(oid)
    assert info is not None
    if info.binary_decode is None:
        pytest.skip(f"no binary codec for {info.name}")
    data, _ = pg.value(f"SELECT {sql}", fmt=BINARY)
    assert data is not None
    decoded = registry.decoder(oid, BINARY)(data)
    # What we decode must encode back to PostgreSQL's exact bytes.
    assert registry.encoder(oid, BINARY)(decoded) == data


# --- bulk comparisons over random values -------------------------------------------------------


def _array_literal(items: list[str]) -> bytes:
    return ("{" + ",".join(f'"{item}"' for item in items) + "}").encode()


def test_random_float8(pg: PgServer) -> None:
    rng = random.Random(8)
    values = [struct.unpack("d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(3000)]
    values += [rng.uniform(-1e6, 1e6) for _ in range(1000)]
    values += [float(rng.randint(-(10**17), 10**17)) for _ in range(1000)]
    values += [10.0**e for e in range(-30, 30)] + [1.5 * 10.0**e for e in range(-30, 30)]
    values = [v for v in values if math.isfinite(v)]
    out = pg.column("SELECT unnest($1::float8[])", [_array_literal([repr(v) for v in values])])
    encode = registry.encoder(oids.FLOAT8)
    mismatches = [(v, encode(v), e) for v, e in zip(values, out, strict=True) if encode(v) != e]
    assert not mismatches[:10]


def test_random_float4(pg: PgServer) -> None:
    rng = random.Random(4)
    values = [struct.unpack("f", rng.getrandbits(32).to_bytes(4, "little"))[0] for _ in range(4000)]
    values += [struct.unpack("f", struct.pack("f", rng.uniform(-1e4, 1e4)))[0] for _ in range(1000)]
    values += [struct.unpack("f", struct.pack("f", 10.0**e))[0] for e in range(-38, 38)]
    values = [v for v in values if math.isfinite(v)]
    out = pg.column("SELECT unnest($1::float4[])", [_array_literal([repr(v) for v in values])])
    encode = registry.encoder(oids.FLOAT4)
    mismatches = [(v, encode(v), e) for v, e in zip(values, out, strict=True) if encode(v) != e]
    assert not mismatches[:10]


def test_random_numeric(pg: PgServer) -> None:
    rng = random.Random(1700)
    values = []
    for _ in range(2000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
        scale = rng.randint(0, 30)
        sign = rng.choice(["", "-"])
        values.append(Decimal(f"{sign}{digits}E-{scale}"))
    literals = [format(v, "f") for v in values]
    out = pg.column("SELECT unnest($1::numeric[])", [_array_literal(literals)])
    encode = registry.encoder(oids.NUMERIC)
    assert [encode(v) for v in values] == out
    binary = pg.raw("SELECT unnest($1::numeric[])", [_array_literal(literals)], fmt=BINARY)
    encode_binary = registry.encoder(oids.NUMERIC, BINARY)
    decode_binary = registry.decoder(oids.NUMERIC, BINARY)
    for i, value in enumerate(values):
        data = binary.get_value(i, 0)
        assert encode_binary(value) == data, value
        assert decode_binary(data) == value


def test_random_intervals(pg: PgServer) -> None:
    rng = random.Random(1186)
    values = [
        Interval(
            rng.choice([0, rng.randint(-300, 300)]),
            rng.choice([0, rng.randint(-1000, 1000)]),
            rng.choice([0, rng.randint(-(10**12), 10**12), rng.randint(-(10**6), 10**6)]),
        )
        for _ in range(1500)
    ]
    literals = [f"{v.months} mons {v.days} days {v.microseconds} microseconds" for v in values]
    out = pg.column("SELECT unnest($1::interval[])", [_array_literal(literals)])
    encode = registry.encoder(oids.INTERVAL)
    decode = registry.decoder(oids.INTERVAL)
    for value, expected in zip(values, out, strict=True):
        assert expected is not None
        assert encode(value) == expected, value
        assert decode(expected) == value


def test_random_timestamps(pg: PgServer) -> None:
    rng = random.Random(1114)
    values = [
        datetime(1, 1, 1) + timedelta(microseconds=rng.randint(0, 315537897599999999))
        for _ in range(1500)
    ]
    out = pg.column(
        "SELECT unnest($1::timestamp[])", [_array_literal([v.isoformat(" ") for v in values])]
    )
    encode = registry.encoder(oids.TIMESTAMP)
    assert [encode(v) for v in values] == out
    out = pg.column(
        "SELECT unnest($1::timestamptz[])",
        [_array_literal([v.isoformat(" ") + "+00" for v in values])],
    )
    encode = registry.encoder(oids.TIMESTAMPTZ)
    assert [encode(v.replace(tzinfo=UTC)) for v in values] == out


def test_random_text_arrays(pg: PgServer) -> None:
    rng = random.Random(1009)
    alphabet = 'ab {}",\\\t\n NULLé'
    values = [
        ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(4)]
        for _ in range(300)
    ]
    encode = registry.encoder(oids.TEXT_ARRAY)
    decode = registry.decoder(oids.TEXT_ARRAY)
    for value in values:
        # Send each element as its own parameter so PostgreSQL builds the array itself.
        params: list[bytes | None] = [v.encode() for v in value]
        result = pg.raw("SELECT ARRAY[$1::text, $2, $3, $4]", params)
        expected = result.get_value(0, 0)
        assert encode(value) == expected, value
        assert decode(expected) == value


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_timestamptz_in_a_session_time_zone(pg: PgServer, zone: str) -> None:
    from zoneinfo import ZoneInfo

    from pgwire.types.datetime import timestamptz_text_encoder

    encode = timestamptz_text_encoder(ZoneInfo(zone))
    values = [
        datetime(1850, 1, 1, 12, tzinfo=UTC),  # local mean time: offsets in seconds
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2024, 3, 10, 6, 59, 59, tzinfo=UTC),
        datetime(2024, 3, 10, 7, 0, 0, 1, tzinfo=UTC),
        datetime(2024, 7, 1, 12, tzinfo=UTC),
        datetime(2024, 11, 3, 5, 30, tzinfo=UTC),
        datetime(2024, 11, 3, 6, 30, tzinfo=UTC),
    ]
    literal = _array_literal([v.isoformat(" ") for v in values])
    pg.raw(f"SET TimeZone = '{zone}'")
    try:
        out = pg.column("SELECT unnest($1::timestamptz[])", [literal])
    finally:
        pg.raw("SET TimeZone = 'UTC'")
    assert [encode(v) for v in values] == out
