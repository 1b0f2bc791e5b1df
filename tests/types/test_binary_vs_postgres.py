"""Binary and text codecs of every built-in type against PostgreSQL 15, byte for byte.

For each sample PostgreSQL 15 gives the value's text and binary forms (and those of an array
holding it). Our binary decoder must read PostgreSQL's bytes to the value whose text is what
PostgreSQL printed, our binary encoder must give back PostgreSQL's bytes, and reading the
sample's input text ourselves must lead to the same bytes as PostgreSQL's input function.
"""

from __future__ import annotations

from typing import Any

import pytest

from pgwire.errors import PgError
from pgwire.types import BINARY, TEXT, TypeInfo, oids, registry
from pgwire.types.registry import TextFormats
from tests.types.conftest import PgServer

pytestmark = pytest.mark.postgres

# type name → input literals (the SQL text after `'...'::type`).
SAMPLES: dict[str, list[str]] = {
    "bool": ["t", "f"],
    "bytea": ["\\x00ff10", ""],
    '"char"': ["a", ""],
    "name": ["pg_class", "a b"],
    "int8": ["-9223372036854775808", "42"],
    "int2": ["-32768", "7"],
    "int4": ["2147483647", "-1"],
    "int2vector": ["1 2 3", ""],
    "oidvector": ["23 25", "4294967295"],
    "text": ["hello, world", 'quote " and \\ backslash', ""],
    "oid": ["4294967295", "0"],
    "tid": ["(0,1)", "( 4294967295, 65535)", "(-1,2)", "x(1,2) y"],
    "xid": ["4294967295", "3"],
    "cid": ["0", "12"],
    "xid8": ["0", "18446744073709551615"],
    "cstring": ["abc", ""],
    "regproc": ["1242"],
    "regprocedure": ["1242"],
    "regoper": ["15"],
    "regoperator": ["15"],
    "regclass": ["1259"],
    "regtype": ["23"],
    "regconfig": ["3748"],
    "regdictionary": ["3765"],
    "regnamespace": ["11"],
    "regrole": ["10"],
    "regcollation": ["100"],
    "json": ['{"a": [1, 2.50, null]}', "3"],
    "jsonb": ['{"b": 1, "a": [true, "x"]}', "null"],
    "jsonpath": ["$.a[*] ? (@ > 2)", "strict $.x"],
    "xml": [
        "<a>b &amp; c</a>",
        "text only",
        "",
        "<a/><b/>",
        '<?xml version="1.0"?>\n<a/>',
        '<?xml version="1.0" encoding="latin1"?><a/>',
        '<?xml version="1.0" standalone="yes"?><a/>',
        "<!DOCTYPE a><a/>",
        "<!-- c --><!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>",
    ],
    "point": [
        "(1,2)",
        " 1.5 , -2e-5 ",
        "(NaN,Infinity)",
        "(-0,1e300)",
        "( 1 , 2 )",
        "0x1p3,1",
        " inf , -Infinity",
        "1.,.5",
    ],
    "lseg": ["[(1,2),(3,4)]", "((0,0),(1,1))", "1,2,3,4", "[(1,2),(3,4))", "(1,2) ,(3,4)"],
    "path": [
        "[(1,2),(3,4),(5,6)]",
        "((0,0),(1,1))",
        "(0,0),(1,1),(2,0)",
        "(1,2)",
        "[1,2,3,4]",
        "( (1,2), (3,4) )",
    ],
    "box": ["(1,2),(3,4)", "((3,4),(1,2))", "0,0,-1,-1", " ( ( 1 , 2 ) , ( 3 , 4 ) ) "],
    "polygon": ["((0,0),(0,1),(1,0))", "(1,2),(3,4)", "1,2", "(1,2),(3,4),(5,6)"],
    "line": [
        "{1,2,3}",
        "[(0,0),(1,2)]",
        "((1,1),(1,5))",
        "((1,3),(5,3))",
        "{0,-1,0.5}",
        "1,2,3,4",
        "{1,2,3} ",
    ],
    "circle": ["<(1,2),3>", "((1,2),3)", "(1,2),0", "1,2,0.25", "<1,2,3>"],
    "cidr": ["10.0.0.0/8", "2001:db8::/32"],
    "float4": ["1.5", "-Infinity", "NaN", "3.4028235e38"],
    "float8": ["0.1", "-1e-300", "Infinity"],
    "macaddr8": [
        "08:00:2b:01:02:03:04:05",
        "08002b010203",
        "0800.2b01.0203.0405",
        "08-00-2b-01-02-03-04-05",
        "0800.2b01.0203",
        "08002b:010203",
        "0800-2b01-0203-0405",
        " 08:00:2b:01:02:03 ",
    ],
    "money": ["12.34", "-0.01"],
    "macaddr": [
        "08:00:2b:01:02:03",
        "08-00-2B-01-02-03",
        "0800.2b01.0203",
        "08002b-010203",
        "08:00:2b:01:02:3",
    ],
    "inet": ["192.168.0.1", "10.1.2.3/8", "::ffff:1.2.3.4", "2001:db8::1/64"],
    "bpchar": ["ab  ", "x"],
    "varchar": ["varying", ""],
    "date": ["2024-02-29", "infinity", "4713-01-01 BC"],
    "time": ["13:14:15.123456", "24:00:00"],
    "timestamp": ["2024-02-29 13:14:15.5", "-infinity"],
    "timestamptz": ["2024-02-29 13:14:15+05", "infinity"],
    "interval": ["1 year 2 mons 3 days 04:05:06.7", "-1 days +02:00:00"],
    "timetz": ["13:14:15+05:30", "00:00:00-14:59"],
    "bit(5)": ["10100"],
    "bit": ["1"],
    "varbit": ["", "110011001"],
    "numeric": ["-123.4500", "NaN", "Infinity", "1e-20"],
    "refcursor": ["portal 1"],
    "uuid": ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
    "txid_snapshot": ["10:20:10,12,15", "5:5:"],
    "pg_snapshot": ["10:20:", "1:9223372036854775807:3,3,7"],
    "pg_lsn": ["16/B374D848", "0/0", "FFFFFFFF/FFFFFFFF"],
    "tsvector": [
        "a fat cat sat on a mat and ate a fat rat",
        "a:1A fat:2B,4C cat:5D",
        "a:1A,1B,1 b:20000",
        "'don''t' 'a\\\\b' 'sp ace':3",
        "",
    ],
    "tsquery": [
        "fat & rat",
        "fat & (rat | cat)",
        "!a & !(b | c)",
        "'sup':*AB <-> c <2> d",
        "(a <-> b) <-> c",
        "a <-> (b <-> c)",
        "'don''t' | x:D",
        "!!a",
        "!(a <-> b) <-> c",
        "a <-> !b",
        "a & b <-> c | d",
        "a:*",
        "a:ab*",
        "a<0>b",
        "a|b&c",
        "",
    ],
    "int4range": [
        "[1,10]",
        "(1,10)",
        "(,5]",
        "[3,3)",
        "(1,2)",
        "empty",
        "(,)",
        "[ 1 , 2 )",
        '["1",2)',
        " EMPTY ",
        "[,]  ",
    ],
    "int8range": ["[-9223372036854775808,0)", "[1,2]"],
    "numrange": ["[1.5,2.5]", "(,0)", "[1.00,1.00]", "(NaN,NaN]"],
    "tsrange": ['["2024-01-01 10:00","2024-01-02 00:00")', "[-infinity,infinity]"],
    "tstzrange": ['["2024-01-01 10:00+02",)', "(,infinity]"],
    "daterange": ["[2024-01-01,2024-02-01]", "(infinity,infinity]", "[-infinity,2024-01-01)"],
    "int4multirange": [
        "{[5,7], [1,3), [3,4)}",
        "{}",
        "{empty, (,2)}",
        "{[1,2], [4,9)}",
        " { [1,2) , [3,4) } ",
        "{(,)}",
        "{[1,5), [2,3)}",
    ],
    "int8multirange": ["{[1,2)}"],
    "nummultirange": ["{[1,2), [2,3), (5,6)}", "{(5,6], (,5)}", "{(1,3), (3,4)}"],
    "tsmultirange": ['{["2024-01-01","2024-02-01"), ["2024-03-01",)}'],
    "tstzmultirange": ["{[2024-01-01+00,2024-02-01+00)}"],
    "datemultirange": ["{[2024-01-01,2024-01-05), [2024-01-05,2024-01-09]}"],
    "void": [""],
}
# Types whose text PostgreSQL prints from its catalogs (an OID as a name): binary is the OID,
# and the value we decode is that number.
CATALOG_NAMES = frozenset(name for name in SAMPLES if name.startswith("reg"))
# Types whose input PostgreSQL rewrites in ways we leave to the backend (jsonb sorts and
# dedupes keys, jsonpath reprints its expression): their input literals are not compared.
REWRITTEN_INPUT = frozenset({"jsonb", "jsonpath"})
# Types whose text encoders print any input spelling as PostgreSQL prints the value.
CANONICAL_TEXT = frozenset(
    {"point", "lseg", "path", "box", "polygon", "line", "circle", "macaddr", "macaddr8", "tid"}
    | {"pg_lsn", "txid_snapshot", "pg_snapshot", "tsvector", "tsquery", "xml"}
    | {name for name in SAMPLES if "range" in name}
)
CASES = [(name, literal) for name, literals in SAMPLES.items() for literal in literals]
IDS = [f"{name}:{literal!r}" for name, literal in CASES]


def _type(type_name: str) -> TypeInfo:
    """The registry's entry for a SQL spelling ('"char"', 'bit(5)')."""
    return registry.by_name(type_name.strip('"').partition("(")[0])


def _quote(literal: str) -> str:
    return "'" + literal.replace("'", "''") + "'"


def _pg(pg: PgServer, sql: str) -> tuple[bytes, bytes, int]:
    text, oid = pg.value(sql)
    binary, _ = pg.value(sql, fmt=BINARY)
    assert text is not None and binary is not None
    return bytes(text), bytes(binary), oid


def _check(oid: int, literal_text: bytes | None, text: bytes, binary: bytes) -> None:
    value = registry.decoder(oid, BINARY)(binary)
    assert registry.encoder(oid, TEXT)(value) == text
    assert registry.encoder(oid, BINARY)(value) == binary
    from_text = registry.decoder(oid, TEXT)(text)
    assert registry.encoder(oid, TEXT)(from_text) == text
    assert registry.encoder(oid, BINARY)(from_text) == binary
    if literal_text is not None:
        assert registry.encoder(oid, BINARY)(registry.decoder(oid, TEXT)(literal_text)) == binary


@pytest.mark.parametrize(("type_name", "literal"), CASES, ids=IDS)
def test_value_matches_postgres(pg: PgServer, type_name: str, literal: str) -> None:
    info = _type(type_name)
    void = type_name == "void"
    sql = "SELECT pg_sleep(0)" if void else f"SELECT {_quote(literal)}::{type_name}"
    text, binary, oid = _pg(pg, sql)
    assert oid == info.oid
    if type_name in CATALOG_NAMES:
        number, _ = pg.value(f"SELECT {_quote(literal)}::{type_name}::oid")
        text = bytes(number or b"")
    literal_text = None if type_name == "void" or type_name in REWRITTEN_INPUT else literal
    _check(oid, literal_text.encode() if literal_text is not None else None, text, binary)
    if type_name in CANONICAL_TEXT:
        assert registry.encoder(oid, TEXT)(literal) == text


@pytest.mark.parametrize(("type_name", "literal"), CASES, ids=IDS)
def test_array_matches_postgres(pg: PgServer, type_name: str, literal: str) -> None:
    if type_name == "void" or type_name in CATALOG_NAMES:
        pytest.skip("no array of void; reg* arrays print catalog names")
    element = _type(type_name)
    sql = f"SELECT ARRAY[{_quote(literal)}::{type_name}, NULL]"
    text, binary, oid = _pg(pg, sql)
    assert oid == element.array_oid
    value: Any = registry.decoder(oid, BINARY)(binary)
    if element.oid in (oids.INT2VECTOR, oids.OIDVECTOR):
        # A decoded vector is a list, which array encoders read as a dimension: give the
        # element as its text instead.
        element_text, _ = pg.value(f"SELECT {_quote(literal)}::{type_name}")
        assert value == [registry.decoder(element.oid)(bytes(element_text or b"")), None]
        value = [bytes(element_text or b"").decode(), None]
        assert registry.encoder(oid, BINARY)(value) == binary
        return
    assert registry.encoder(oid, TEXT)(value) == text
    assert registry.encoder(oid, BINARY)(value) == binary
    assert registry.encoder(oid, BINARY)(registry.decoder(oid, TEXT)(text)) == binary


ROWS = [
    "ROW(1, 'a b'::text, NULL::int4, 1.5::float4, '(1,2)'::point)",
    "ROW(''::text, 'x\"y\\z'::text, '2024-01-01 10:00+02'::timestamptz)",
    "ROW(ARRAY[1, 2], ROW(true, '[1,3)'::int4range))",
    "ROW()",
]


@pytest.mark.parametrize("row", ROWS)
def test_record_matches_postgres(pg: PgServer, row: str) -> None:
    text, binary, oid = _pg(pg, f"SELECT {row}")
    assert oid == oids.RECORD
    value = registry.decoder(oid, BINARY)(binary)
    assert registry.encoder(oid, TEXT)(value) == text
    assert registry.encoder(oid, BINARY)(value) == binary
    # record[] carries records, each naming its column types.
    text, binary, oid = _pg(pg, f"SELECT ARRAY[{row}, NULL]")
    assert oid == oids.RECORD_ARRAY
    value = registry.decoder(oid, BINARY)(binary)
    assert registry.encoder(oid, TEXT)(value) == text
    assert registry.encoder(oid, BINARY)(value) == binary


def test_pg_node_tree_matches_postgres(pg: PgServer) -> None:
    text, binary, oid = _pg(pg, "SELECT ev_action FROM pg_rewrite ORDER BY oid LIMIT 1")
    assert oid == oids.PG_NODE_TREE
    _check(oid, None, text, binary)


def test_plain_tuple_encodes_as_record(pg: PgServer) -> None:
    text, binary, _ = _pg(pg, "SELECT ROW(7::int8, 'seven'::text, NULL::text)")
    assert registry.encoder(oids.RECORD, TEXT)((7, "seven", None)) == text
    assert registry.encoder(oids.RECORD, BINARY)((7, "seven", None)) == binary


def test_anyarray_matches_postgres(pg: PgServer) -> None:
    pg.raw("CREATE TEMP TABLE IF NOT EXISTS stats_probe (n int4, word text)")
    pg.raw("TRUNCATE stats_probe")
    pg.raw("INSERT INTO stats_probe SELECT g % 3, 'w' || (g % 2) FROM generate_series(1, 300) g")
    pg.raw("ANALYZE stats_probe")
    for column, element in (("n", oids.INT4), ("word", oids.TEXT)):
        sql = (
            "SELECT most_common_vals FROM pg_stats "
            f"WHERE tablename = 'stats_probe' AND attname = '{column}'"
        )
        text, binary, oid = _pg(pg, sql)
        assert oid == oids.ANYARRAY
        value = registry.decoder(oid, BINARY)(binary)
        assert value.element_oid == element
        assert registry.encoder(oid, TEXT)(value) == text
        assert registry.encoder(oid, BINARY)(value) == binary


BAD_INPUT: list[tuple[str, str]] = [
    ("point", "(1,2"),
    ("point", "1,2,3"),
    ("point", "(a,b)"),
    ("point", "((1,2))"),
    ("path", "((1,2),(3,4)]"),
    ("path", "1,2,3"),
    ("box", "[(1,2),(3,4)]"),
    ("circle", "(1,2,3)"),
    ("macaddr", "0800:2b01:0203"),
    ("macaddr8", "08002b01020304"),
    ("macaddr8", "08:00-2b:01:02:03"),
    ("lseg", "[(1,2),(3,4)"),
    ("box", "(1,2)"),
    ("path", "[(1,2),(3,4)"),
    ("path", "(1,2),(3"),
    ("polygon", "[(1,2),(3,4)]"),
    ("line", "{0,0,1}"),
    ("line", "{1,2}"),
    ("line", "[(1,1),(1,1)]"),
    ("circle", "<(1,2),-1>"),
    ("circle", "<(1,2),3"),
    ("macaddr", "08:00:2b:01:02"),
    ("macaddr", "08:00:2b:01:02:03:04"),
    ("macaddr8", "08:00:2b:01:02:03:04"),
    ("tid", "(1,2"),
    ("tid", "(1,-2)"),
    ("tid", "1,2)"),
    ("point", "(1e400,1)"),
    ("point", "(1,-1e-400)"),
    ("pg_lsn", "16/"),
    ("pg_lsn", "G/0"),
    ("txid_snapshot", "20:10:"),
    ("txid_snapshot", "10:20:25"),
    ("pg_snapshot", "10:20:15,12"),
    ("pg_snapshot", "0:20:"),
    ("int4range", "[1,2"),
    ("int4range", "1,2)"),
    ("int4range", "[1,2,3)"),
    ("int4range", "[1,2) x"),
    ("int4range", "[2,1)"),
    ("int4range", "[a,2)"),
    ("int4range", "[1,2147483647]"),
    ("numrange", '["1.5,2)'),
    ("int4multirange", "[1,2)"),
    ("int4multirange", "{[1,2) [3,4)}"),
    ("int4multirange", "{[1,2)} x"),
    ("xml", "<a>"),
    ("xml", "plain & text"),
    ("xml", "<a>&nbsp;</a>"),
    ("xml", '  <?xml version="1.0"?><a/>'),
    ("xml", "<!DOCTYPE a><a/><b/>"),
    ("tsvector", "'unterminated"),
    ("tsvector", "a:0"),
    ("tsquery", "a &"),
    ("tsquery", "(a | b"),
    ("tsquery", "a <x> b"),
    ("tsquery", "a & | b"),
    ("tsquery", "& b"),
    ("tsquery", "()"),
    ("tsquery", "a b"),
    ("tsquery", "a <-1> b"),
    ("tsquery", "a <16385> b"),
    ("tsvector", "a:x"),
    ("tsvector", "a:1,"),
    ("tsvector", "''"),
]


def _pg_error(pg: PgServer, sql: str) -> tuple[str, str]:
    from psycopg.pq import DiagnosticField

    result = pg.conn.pgconn.exec_params(sql.encode(), [], result_format=0)
    assert result.status not in (1, 2), f"{sql} did not fail"
    sqlstate = (result.error_field(DiagnosticField.SQLSTATE) or b"").decode()
    message = (result.error_field(DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
    return sqlstate, message


@pytest.mark.parametrize(("type_name", "literal"), BAD_INPUT, ids=[repr(c) for c in BAD_INPUT])
def test_bad_input_fails_as_postgres_fails(pg: PgServer, type_name: str, literal: str) -> None:
    expected = _pg_error(pg, f"SELECT {_quote(literal)}::{type_name}")
    oid = _type(type_name).oid
    for run in (registry.decoder(oid, TEXT), registry.encoder(oid, BINARY)):
        with pytest.raises(PgError) as caught:
            run(literal.encode())
        assert (caught.value.sqlstate, caught.value.message) == expected


@pytest.mark.parametrize("type_name", ["text", "varchar", "json", "xml"])
def test_binary_text_that_is_not_utf8_fails_as_postgres_fails(pg: PgServer, type_name: str) -> None:
    from psycopg.pq import DiagnosticField

    info = _type(type_name)
    bad = b"ok\xe2\x82"
    result = pg.conn.pgconn.exec_params(
        f"SELECT $1::{type_name}".encode(), [bad], [info.oid], [BINARY]
    )
    expected = (
        (result.error_field(DiagnosticField.SQLSTATE) or b"").decode(),
        (result.error_field(DiagnosticField.MESSAGE_PRIMARY) or b"").decode(),
    )
    with pytest.raises(PgError) as caught:
        registry.decoder(info.oid, BINARY)(bad)
    assert (caught.value.sqlstate, caught.value.message) == expected


STYLED = [
    ("tstzrange", '["2024-01-01 10:00+02","2024-06-01 00:00+00")'),
    ("tstzmultirange", "{[2024-01-01+00,2024-02-01+00), [2024-03-01+00,)}"),
    ("tsrange", '["2024-01-31 10:00",)'),
    ("daterange", "[2024-01-31,2024-02-02)"),
    ("datemultirange", "{[2024-01-31,2024-02-02), [2024-03-01,)}"),
    ("point", "(0.1,0.3333333333333333)"),
    ("circle", "<(1e-7,2.5),0.30000000000000004>"),
]
# extra_float_digits = 0 prints 15 digits: PostgreSQL's own text no longer holds the value.
LOSSY = frozenset({"point", "circle"})


@pytest.mark.parametrize(("type_name", "literal"), STYLED)
def test_text_follows_session_settings(pg: PgServer, type_name: str, literal: str) -> None:
    """TimeZone, DateStyle and extra_float_digits change ranges' and geometry's text as they
    change PostgreSQL's; text input is read per the same settings into a value that means
    the same under any settings."""
    formats = TextFormats(timezone="America/New_York", datestyle="SQL, DMY", extra_float_digits=0)
    oid = _type(type_name).oid
    settings = ("TimeZone = 'America/New_York'", "DateStyle = 'SQL, DMY'", "extra_float_digits = 0")
    try:
        for setting in settings:
            pg.raw(f"SET {setting}")
        text, binary, _ = _pg(pg, f"SELECT {_quote(literal)}::{type_name}")
    finally:
        pg.raw("SET TimeZone = 'UTC'")
        pg.raw("SET DateStyle = 'ISO, MDY'")
        pg.raw("SET extra_float_digits = 1")
    assert registry.encoder(oid, TEXT, formats)(literal) == text
    value = registry.decoder(oid, TEXT, formats)(text)
    assert registry.encoder(oid, TEXT, formats)(value) == text
    if type_name not in LOSSY:
        assert registry.encoder(oid, BINARY)(value) == binary
        assert value == registry.decoder(oid, BINARY)(binary)
