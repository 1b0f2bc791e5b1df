"""COPY data formats without a server: text, CSV and binary rows, read in any split, written."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgwire import sqlstate
from pgwire.copy.format import (
    BINARY_SIGNATURE,
    CopyColumn,
    CopyOptions,
    CopyReader,
    reader_for,
    writer_for,
)
from pgwire.errors import PgError
from pgwire.types import oids

INT_TEXT = [CopyColumn("a", oids.INT4), CopyColumn("b", oids.TEXT)]
THREE = [CopyColumn("a", oids.INT4), CopyColumn("b", oids.INT4), CopyColumn("c", oids.TEXT)]


def opts(**kw: Any) -> CopyOptions:
    fmt = kw.get("format", "text")
    if fmt == "csv":
        kw.setdefault("delimiter", ",")
        kw.setdefault("null", "")
    return CopyOptions(**kw)


def read_all(reader: CopyReader, data: bytes, step: int = 0) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    if step:
        for i in range(0, len(data), step):
            rows.extend(reader.feed(data[i : i + step]))
    else:
        rows.extend(reader.feed(data))
    rows.extend(reader.finish())
    return rows


def read(
    data: bytes, columns: Sequence[CopyColumn] = INT_TEXT, step: int = 0, **kw: Any
) -> list[tuple[Any, ...]]:
    return read_all(reader_for("t", columns, opts(**kw)), data, step)


def error(data: bytes, columns: Sequence[CopyColumn] = THREE, **kw: Any) -> PgError:
    with pytest.raises(PgError) as info:
        read(data, columns, **kw)
    return info.value


# ---------------------------------------------------------------------------------------------
# text


def test_text_plain_and_null() -> None:
    assert read(b"1\tx\n2\t\\N\n\\N\t\n") == [(1, "x"), (2, None), (None, "")]


def test_text_escapes() -> None:
    data = b"1\ta\\tb\\nc\\\\d\\x41\\101\\q\\xg\n"
    assert read(data) == [(1, "a\tb\nc\\dAAqxg")]


def test_text_escaped_delimiter_and_newline() -> None:
    assert read(b"1\ta\\\tb\n2\tline\\\nnext\n") == [(1, "a\tb"), (2, "line\nnext")]


def test_text_crlf_and_cr() -> None:
    assert read(b"1\tx\r\n2\ty\r\n") == [(1, "x"), (2, "y")]
    assert read(b"1\tx\r2\ty\r") == [(1, "x"), (2, "y")]


def test_text_end_marker_ignores_the_rest() -> None:
    reader = reader_for("t", INT_TEXT, opts())
    assert reader.feed(b"1\tx\n\\.\n2\ty\n") == [(1, "x")]
    assert reader.ended
    assert reader.feed(b"3\tz\n") == []
    assert reader.finish() == []


def test_text_last_line_without_newline() -> None:
    assert read(b"1\tx\n2\ty") == [(1, "x"), (2, "y")]


def test_text_custom_delimiter_and_null() -> None:
    assert read(b"1|x\n2|NULL\n", delimiter="|", null="NULL") == [(1, "x"), (2, None)]


def test_text_header_skipped_and_matched() -> None:
    assert read(b"a\tb\n1\tx\n", header=True) == [(1, "x")]
    assert read(b"a\tb\n1\tx\n", header="match") == [(1, "x")]
    with pytest.raises(PgError) as info:
        read(b"a\tz\n1\tx\n", header="match")
    assert info.value.message == (
        'column name mismatch in header line field 2: got "z", expected "b"'
    )
    assert info.value.where == "COPY t, line 1"


@pytest.mark.parametrize("step", [1, 2, 3, 7, 1000])
def test_text_any_split(step: int) -> None:
    data = b"".join(b"%d\tv\\t%d\\N\n" % (i, i) for i in range(50)) + b"5\t\\N\n"
    whole = read(data)
    assert read(data, step=step) == whole
    assert whole[-1] == (5, None)


def test_text_errors_name_the_line_and_column() -> None:
    err = error(b"1\t2\tx\n3\tabc\ty\n")
    assert err.sqlstate == sqlstate.INVALID_TEXT_REPRESENTATION
    assert err.message == 'invalid input syntax for type integer: "abc"'
    assert err.where == 'COPY t, line 2, column b: "abc"'

    err = error(b"1\t2\n")
    assert err.sqlstate == sqlstate.BAD_COPY_FILE_FORMAT
    assert err.message == 'missing data for column "c"'
    assert err.where == 'COPY t, line 1: "1\t2"'

    err = error(b"1\t2\tx\t4\n")
    assert err.message == "extra data after last expected column"
    assert err.where == 'COPY t, line 1: "1\t2\tx\t4"'

    err = error(b"1\t2\tx\n1\t99999999999\tx\n")
    assert err.sqlstate == sqlstate.NUMERIC_VALUE_OUT_OF_RANGE
    assert err.where == 'COPY t, line 2, column b: "99999999999"'


def test_text_line_ending_errors() -> None:
    err = error(b"1\t2\tx\n1\t2\ty\rz\n")
    assert err.message == "literal carriage return found in data"
    assert err.hint == 'Use "\\r" to represent carriage return.'
    assert err.where == "COPY t, line 2"
    err = error(b"1\t2\tx\r\n1\t2\ty\nz\r\n")
    assert err.message == "literal newline found in data"


def test_text_end_marker_corrupt() -> None:
    assert error(b"1\t2\tx\n\\.x\n").message == "end-of-copy marker corrupt"


def test_text_invalid_utf8() -> None:
    err = error(b"1\t2\t\xff\n")
    assert err.sqlstate == sqlstate.CHARACTER_NOT_IN_REPERTOIRE
    assert err.message == 'invalid byte sequence for encoding "UTF8": 0xff'


def test_text_long_value_clipped_in_context() -> None:
    err = error(b"1\t" + b"9" * 150 + b"\tx\n")
    assert err.where is not None and err.where.endswith('9..."') and len(err.where) < 140


# ---------------------------------------------------------------------------------------------
# CSV


def test_csv_quotes_delimiters_newlines_nulls() -> None:
    data = b'1,"a,b"\n2,"say ""hi"""\n3,"two\nlines"\n4,\n5,""\n'
    assert read(data, format="csv") == [
        (1, "a,b"),
        (2, 'say "hi"'),
        (3, "two\nlines"),
        (4, None),
        (5, ""),
    ]


@pytest.mark.parametrize("step", [1, 2, 5, 1000])
def test_csv_any_split(step: int) -> None:
    data = b'1,"a,b"\n2,"x\r\ny"\n3,\n' * 20
    assert read(data, format="csv", step=step) == read(data, format="csv")


def test_csv_quote_mid_field_and_escape() -> None:
    assert read(b'1,a"b,c"d\n', format="csv") == [(1, "ab,cd")]
    assert read(b'1,"a\\"b"\n', format="csv", escape="\\") == [(1, 'a"b')]


def test_csv_backslash_is_data() -> None:
    assert read(b"1,a\\N\n2,\\.\n", format="csv") == [(1, "a\\N"), (2, "\\.")]


def test_csv_end_marker_alone_on_a_line() -> None:
    assert read(b"1,x\n\\.\n2,y\n", format="csv") == [(1, "x")]


def test_csv_header_and_force_options() -> None:
    cols = [CopyColumn("a", oids.INT4), CopyColumn("b", oids.TEXT, force_not_null=True)]
    assert read(b"a,b\n1,\n", cols, format="csv", header=True) == [(1, "")]
    cols = [CopyColumn("a", oids.INT4), CopyColumn("b", oids.TEXT, force_null=True)]
    assert read(b'1,""\n2,x\n', cols, format="csv") == [(1, None), (2, "x")]


def test_csv_errors() -> None:
    err = error(b'1,2,"open\n', format="csv")
    assert err.message == "unterminated CSV quoted field"
    assert err.sqlstate == sqlstate.BAD_COPY_FILE_FORMAT
    err = error(b"1,2,x\n3,abc,y\n", format="csv")
    assert err.where == 'COPY t, line 2, column b: "abc"'
    err = error(b"1,2,x\n3,4,y\rz\n", format="csv")
    assert err.message == "unquoted carriage return found in data"


# The line ending is decided by the first CR or LF outside quotes: one in a quoted field of the
# first row is data, whatever the data's line ending turns out to be.
QUOTED_LINE_ENDINGS: list[tuple[bytes, dict[str, Any], list[tuple[Any, ...]]]] = [
    (b'1,"a\rb"\n2,c\n', {}, [(1, "a\rb"), (2, "c")]),
    (b'1,"a\r\nb"\n2,c\n', {}, [(1, "a\r\nb"), (2, "c")]),
    (b'1,"a\nb"\r\n2,"c\rd"\r\n', {}, [(1, "a\nb"), (2, "c\rd")]),
    (b'1,"a\r\nb"\r2,"\n"\r', {}, [(1, "a\r\nb"), (2, "\n")]),
    (b'1,"\r"', {}, [(1, "\r")]),  # no line ending at all: CopyDone ends the line
    (b'1,"say ""\r"""\n2,"\n"\n', {}, [(1, 'say "\r"'), (2, "\n")]),
    (b'1,"a\\"\r"\n2,b\n', {"escape": "\\"}, [(1, 'a"\r'), (2, "b")]),
    (b'1,"a\\\\"\r\n2,"\\"\n"\r\n', {"escape": "\\"}, [(1, "a\\"), (2, '"\n')]),
    (b"1,'a\rb'\n2,'\"'\n", {"quote": "'", "escape": "'"}, [(1, "a\rb"), (2, '"')]),
    (b"1,'a\\'\r'\n2,'\"'\n", {"quote": "'", "escape": "\\"}, [(1, "a'\r"), (2, '"')]),
    (b'a,"b\n"\r\n1,x\r\n', {"header": True}, [(1, "x")]),
    (b'"a\rb",b\n1,x\n', {"header": True}, [(1, "x")]),
]


@pytest.mark.parametrize("step", [0, 1, 2, 3, 1000])
@pytest.mark.parametrize(("data", "options", "rows"), QUOTED_LINE_ENDINGS)
def test_csv_quoted_line_ending_in_first_row(
    data: bytes, options: dict[str, Any], rows: list[tuple[Any, ...]], step: int
) -> None:
    assert read(data, format="csv", step=step, **options) == rows


def test_csv_quoted_carriage_return_round_trip() -> None:
    rows = [(None, "\r", None, None), (None, None, None, None)]
    data = write(rows, ROUND_COLUMNS, format="csv")
    assert data == b',"\r",,\n,,,\n'
    for step in (0, 1, 2, 3):
        assert read(data, ROUND_COLUMNS, step=step, format="csv") == rows


def test_csv_header_with_quoted_line_endings() -> None:
    cols = [CopyColumn("a\r\nb", oids.INT4), CopyColumn("b", oids.TEXT)]
    data = b'"a\r\nb",b\n1,x\n'
    for step in (0, 1, 2, 3):
        assert read(data, cols, step=step, format="csv", header="match") == [(1, "x")]
    err = error(b'"a\nb",c\n1,x\n', cols, format="csv", header="match")
    assert (
        err.message == 'column name mismatch in header line field 1: got "a\nb", expected "a\r\nb"'
    )
    # Without MATCH the header line is not parsed: even an unterminated quote goes unnoticed.
    assert read(b'"a,b\n', format="csv", header=True) == []


def test_csv_unquoted_line_endings_in_quoted_lines() -> None:
    err = error(b'1,2,x\n3,4,"y"\rz\n', format="csv")
    assert err.message == "unquoted carriage return found in data"
    assert err.where == "COPY t, line 2"
    err = error(b'1,2,"\r"\n3,4,"y"\r\n', format="csv")
    assert err.message == "unquoted carriage return found in data"
    assert err.where == "COPY t, line 2"
    err = error(b'1,2,"\n"\r\n3,4,"y"\nz\r\n', format="csv")
    assert err.message == "unquoted newline found in data"
    assert err.where == "COPY t, line 2"
    err = error(b'"\r",b\n1,2,"x"\rz\n', format="csv", header=True)
    assert err.where == "COPY t, line 2"
    assert err.message == "unquoted carriage return found in data"


def test_text_first_line_ending_decides_whatever_the_quotes() -> None:
    # Quotes mean nothing in text: the first CR or LF decides the line ending.
    err = error(b'1\t2\t"a\rb"\n', format="text")
    assert err.message == "literal newline found in data"
    assert err.where == "COPY t, line 2"
    err = error(b'1\t2\t"a\nb"\r\n', format="text")
    assert err.message == "literal carriage return found in data"
    assert err.where == "COPY t, line 2"


# ---------------------------------------------------------------------------------------------
# binary


def binary(rows: list[list[bytes | None]], trailer: bool = True) -> bytes:
    out = [BINARY_SIGNATURE, b"\0\0\0\0\0\0\0\0"]
    for row in rows:
        out.append(struct.pack(">h", len(row)))
        for value in row:
            if value is None:
                out.append(struct.pack(">i", -1))
            else:
                out.append(struct.pack(">i", len(value)) + value)
    if trailer:
        out.append(struct.pack(">h", -1))
    return b"".join(out)


@pytest.mark.parametrize("step", [0, 1, 3, 11])
def test_binary_rows(step: int) -> None:
    data = binary([[struct.pack(">i", 1), b"x"], [None, b"\xc3\xa9"]])
    assert read(data, step=step, format="binary") == [(1, "x"), (None, "é")]


def test_binary_without_trailer() -> None:
    assert read(binary([[struct.pack(">i", 7), b"y"]], trailer=False), format="binary") == [
        (7, "y")
    ]


def test_binary_errors() -> None:
    err = error(b"PGCOPY\nxx", INT_TEXT, format="binary")
    assert err.message == "COPY file signature not recognized"
    err = error(binary([[struct.pack(">i", 1)]]), INT_TEXT, format="binary")
    assert err.message == "row field count is 1, expected 2"
    assert err.where == "COPY t, line 1"
    err = error(binary([[struct.pack(">i", 1), b"x"]])[:-4], INT_TEXT, format="binary")
    assert err.message == "unexpected EOF in COPY data"
    err = error(binary([[b"\0\0\0\0\0", b"x"]]), INT_TEXT, format="binary")
    assert err.sqlstate == sqlstate.INVALID_BINARY_REPRESENTATION
    assert err.where == "COPY t, line 1, column a"
    err = error(binary([[struct.pack(">i", 1), b"x"]]) + b"junk", INT_TEXT, format="binary")
    assert err.message == "received copy data after EOF marker"


# ---------------------------------------------------------------------------------------------
# writers, and round trips


def write(rows: list[tuple[Any, ...]], columns: Sequence[CopyColumn], **kw: Any) -> bytes:
    writer = writer_for(columns, opts(**kw))
    parts = [writer.header() or b"", *writer.rows(rows), writer.trailer() or b""]
    return b"".join(parts)


def test_text_writer_escapes() -> None:
    rows = [(1, "a\tb\nc\\d\x08\x0b\x0c\re"), (None, "")]
    assert write(rows, INT_TEXT) == b"1\ta\\tb\\nc\\\\d\\b\\v\\f\\re\n\\N\t\n"
    assert write([(1, "a|b")], INT_TEXT, delimiter="|") == b"1|a\\|b\n"
    assert write([(1, "x")], INT_TEXT, header=True) == b"a\tb\n1\tx\n"


def test_csv_writer_quotes_what_it_must() -> None:
    rows = [(1, "a,b"), (2, 'say "hi"'), (3, "two\nlines"), (None, ""), (5, "plain")]
    assert write(rows, INT_TEXT, format="csv", header=True) == (
        b'a,b\n1,"a,b"\n2,"say ""hi"""\n3,"two\nlines"\n,""\n5,plain\n'
    )
    forced = [CopyColumn("a", oids.INT4, force_quote=True), CopyColumn("b", oids.TEXT)]
    assert write([(1, "x")], forced, format="csv") == b'"1",x\n'
    assert write([("\\.",)], [CopyColumn("b", oids.TEXT)], format="csv") == b'"\\."\n'


def test_binary_writer() -> None:
    out = write([(1, "x"), (None, None)], INT_TEXT, format="binary")
    assert out == binary([[struct.pack(">i", 1), b"x"], [None, None]])


ROUND_COLUMNS = [
    CopyColumn("i", oids.INT8),
    CopyColumn("t", oids.TEXT),
    CopyColumn("f", oids.FLOAT8),
    CopyColumn("n", oids.NUMERIC),
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.none() | st.integers(-(2**63), 2**63 - 1),
            st.none() | st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0")),
            st.none() | st.floats(allow_nan=False),
            st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=3),
        ),
        max_size=20,
    ),
    st.sampled_from(["text", "csv", "binary"]),
    st.integers(1, 50),
)
def test_round_trip(rows: list[tuple[Any, ...]], fmt: str, step: int) -> None:
    data = write(rows, ROUND_COLUMNS, format=fmt)
    back = read(data, ROUND_COLUMNS, step=step, format=fmt)
    assert len(back) == len(rows)
    for got, want in zip(back, rows, strict=True):
        assert got[:3] == want[:3]
        assert (got[3] is None) == (want[3] is None)
        if want[3] is not None:
            assert Decimal(got[3]) == want[3]
