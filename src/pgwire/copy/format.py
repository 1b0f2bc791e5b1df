"""COPY data formats, sans-IO: text, CSV and binary rows, read incrementally and written.

PostgreSQL's three COPY formats, byte for byte (PostgreSQL 15's copyfromparse.c/copyto.c):

- **text**: one line per row, fields split by a delimiter (tab), `\\N` for NULL, backslash
  escapes (`\\b \\f \\n \\r \\t \\v \\\\`, `\\digits` octal, `\\xhh` hex, any other char
  as itself), line endings `\\n`, `\\r\\n` or `\\r` (the first line decides), `\\.` ends the
  data.
- **csv**: fields split by a delimiter (`,`), quoted with `"` where needed (a quote inside
  doubled, or preceded by ESCAPE); NULL is an unquoted empty field by default; a quoted field
  may hold CRs and newlines, so the first CR or LF outside quotes decides the line ending (as
  in text), and one outside quotes that is not such a line ending is an error; `\\.` alone on
  a line ends the data.
- **binary**: the `PGCOPY\\n\\377\\r\\n\\0` signature, int32 flags, int32 header extension
  length, then per row an int16 field count and per field an int32 length (-1: NULL) and the
  type's binary representation; an int16 -1 trailer.

Readers take CopyData payloads with `feed()` as they arrive and return the rows each payload
completed, as tuples of Python values decoded with the type registry (text codecs for text and
CSV, binary codecs for binary), so nothing but one partial line is ever buffered. A malformed
row raises `PgError` with PostgreSQL's SQLSTATE and wording, and a `where` field naming the
line as PostgreSQL does: `COPY t, line 3, column b: "abc"`.

Writers turn rows of Python values into the payload of one CopyData message each.

Text and CSV are parsed a chunk of complete lines at a time. A chunk with no quoting, no
escapes and the right number of fields on every line is decoded column by column with C-level
splits and `map()`; anything else (or any error) goes through the exact line-by-line parser,
which is also what produces the error messages.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError
from pgwire.types import oids
from pgwire.types.registry import BINARY, DEFAULT_FORMATS, TEXT, Encoder, TextFormats, registry

__all__ = [
    "BINARY_SIGNATURE",
    "CopyColumn",
    "CopyOptions",
    "CopyReader",
    "CopyWriter",
    "reader_for",
    "writer_for",
]

BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
MAX_DISPLAY = 100  # bytes of a line or value shown in an error context, as in PostgreSQL

Row = tuple[Any, ...]


@dataclass(slots=True)
class CopyOptions:
    """The options of one COPY statement, defaults filled in for its format."""

    format: str = "text"  # "text", "csv" or "binary"
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool | str = False  # True, False or "match"
    quote: str = '"'
    escape: str = '"'
    force_quote: list[str] | str = field(default_factory=list)  # "*": every column
    force_not_null: list[str] = field(default_factory=list)
    force_null: list[str] = field(default_factory=list)
    encoding: str = "UTF8"
    freeze: bool = False


@dataclass(slots=True)
class CopyColumn:
    """A target column: its name (for headers and error contexts) and type OID."""

    name: str
    type_oid: int
    force_quote: bool = False
    force_not_null: bool = False
    force_null: bool = False


def _context(relname: str, lineno: int, rest: str = "") -> str:
    return f"COPY {relname}, line {lineno}{rest}"


def _clip(data: bytes) -> str:
    """A line or value as PostgreSQL shows it in an error context: at most 100 bytes."""
    if len(data) > MAX_DISPLAY:
        cut = data[:MAX_DISPLAY]
        return cut.decode(errors="ignore") + "..."
    return data.decode(errors="replace")


def _bad(message: str, where: str, hint: str | None = None) -> PgError:
    return PgError(message, sqlstate.BAD_COPY_FILE_FORMAT, where=where, hint=hint)


def invalid_encoding(data: bytes, exc: UnicodeDecodeError) -> PgError:
    """PostgreSQL's 22021 for bytes that are not UTF-8: the offending character's bytes."""
    start = exc.start
    first = data[start] if start < len(data) else 0
    width = 1
    if first >= 0xF0:
        width = 4
    elif first >= 0xE0:
        width = 3
    elif first >= 0xC0:
        width = 2
    bad = data[start : start + width]
    return PgError(
        'invalid byte sequence for encoding "UTF8": ' + " ".join(f"0x{b:02x}" for b in bad),
        sqlstate.CHARACTER_NOT_IN_REPERTOIRE,
    )


# ---------------------------------------------------------------------------------------------
# decoding single values, and whole columns at once


class _Fallback(Exception):
    """A bulk decode met something it does not handle: redo the chunk line by line."""


def _bulk_int(low: int, high: int) -> Callable[[list[bytes]], list[Any]]:
    def decode(column: list[bytes]) -> list[Any]:
        values = list(map(int, column))
        if values and (min(values) < low or max(values) > high):
            raise _Fallback
        return values

    return decode


def _bulk_float(column: list[bytes]) -> list[Any]:
    return list(map(float, column))


def _bulk_str(column: list[bytes]) -> list[Any]:
    return list(map(bytes.decode, column))


# Column decoders that run at C speed over a list of non-NULL text values: they must accept
# and return exactly what the registry's decoder for the type would, or raise.
_BULK_TEXT: dict[int, Callable[[list[bytes]], list[Any]]] = {
    oids.INT2: _bulk_int(-(2**15), 2**15 - 1),
    oids.INT4: _bulk_int(-(2**31), 2**31 - 1),
    oids.INT8: _bulk_int(-(2**63), 2**63 - 1),
    oids.FLOAT8: _bulk_float,
    oids.TEXT: _bulk_str,
    oids.VARCHAR: _bulk_str,
}


class _Values:
    """Decoding of field values for one COPY: per column, single and bulk."""

    def __init__(self, relname: str, columns: Sequence[CopyColumn], fmt: int) -> None:
        self.relname = relname
        self.columns = list(columns)
        self.names = [c.name for c in columns]
        self.decoders = [registry.decoder(c.type_oid, fmt) for c in columns]
        self.sizes = [registry.size_of(c.type_oid) for c in columns]
        self.type_names = [
            info.name if (info := registry.get(c.type_oid)) is not None else str(c.type_oid)
            for c in columns
        ]
        self.bulk = [_BULK_TEXT.get(c.type_oid) if fmt == TEXT else None for c in columns]

    def text_value(self, index: int, data: bytes, lineno: int) -> Any:
        """One non-NULL text value, with PostgreSQL's error and context when it is bad."""
        if b"\x00" in data:
            raise PgError(
                'invalid byte sequence for encoding "UTF8": 0x00',
                sqlstate.CHARACTER_NOT_IN_REPERTOIRE,
                where=_context(self.relname, lineno),
            )
        try:
            return self.decoders[index](data)
        except PgError as err:
            if err.where is None:
                err.where = self._where(index, data, lineno)
            raise
        except UnicodeDecodeError as exc:
            bad = invalid_encoding(data, exc)
            bad.where = self._where(index, data, lineno)
            raise bad from None
        except Exception as exc:
            raise PgError(
                f'invalid input syntax for type {self.type_names[index]}: "{_clip(data)}"',
                sqlstate.INVALID_TEXT_REPRESENTATION,
                where=self._where(index, data, lineno),
            ) from exc

    def _where(self, index: int, data: bytes, lineno: int) -> str:
        return _context(self.relname, lineno, f', column {self.names[index]}: "{_clip(data)}"')

    def null_where(self, index: int, lineno: int) -> str:
        return _context(self.relname, lineno, f", column {self.names[index]}: null input")

    def column(self, index: int, values: list[bytes], null: bytes | None) -> list[Any]:
        """A whole column of a chunk; raises _Fallback (or anything) when not clean."""
        has_null = null is not None and null in values
        bulk = self.bulk[index]
        if bulk is not None and not has_null:
            return bulk(values)
        decode = self.decoders[index]
        if has_null:
            return [None if v == null else decode(v) for v in values]
        return list(map(decode, values))


# ---------------------------------------------------------------------------------------------
# readers


class CopyReader:
    """Parse COPY FROM data incrementally; `feed` and `finish` return completed rows."""

    #: The end-of-data marker was seen: whatever else arrives is ignored.
    ended: bool = False
    #: Lines (rows, for binary) read so far, the header included.
    lineno: int = 0

    def feed(self, data: bytes) -> list[Row]:
        raise NotImplementedError

    def finish(self) -> list[Row]:
        """The client sent CopyDone: the last line may lack its newline."""
        raise NotImplementedError


class _LineReader(CopyReader):
    """What text and CSV share: line endings, the header, chunking, the fast column path."""

    csv = False

    def __init__(self, relname: str, columns: Sequence[CopyColumn], options: CopyOptions) -> None:
        self.values = _Values(relname, columns, TEXT)
        self.relname = relname
        self.ncols = len(columns)
        self.delim = options.delimiter.encode()
        self.null = options.null.encode()
        self.header = options.header
        self.columns = list(columns)
        self._pending = b""
        self._eol: bytes | None = None
        self.lineno = 0
        self.ended = False
        self._header_pending = bool(options.header)

    # -- splitting into lines ------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Row]:
        if self.ended:
            return []
        buf = self._pending + data if self._pending else data
        if self._eol is None:
            found = self._detect_eol(buf, final=False)
            if found is None:
                self._pending = buf
                return []
        eol = self._eol
        assert eol is not None
        last = buf.rfind(eol)
        if last < 0:
            self._pending = buf
            return []
        end = last + len(eol)
        self._pending = buf[end:]
        return self._chunk(buf[:end], final=False)

    def finish(self) -> list[Row]:
        if self.ended:
            return []
        buf, self._pending = self._pending, b""
        if not buf:
            return []
        if self._eol is None:
            self._detect_eol(buf, final=True)
        assert self._eol is not None
        if not buf.endswith(self._eol):
            buf += self._eol
        return self._chunk(buf, final=True)

    def _detect_eol(self, buf: bytes, final: bool) -> bytes | None:
        """The line ending of the data, from the first CR or LF that ends a line in `buf`
        (the data so far); None while undecided."""
        at = self._first_eol(buf)
        if at < 0:
            if not final:
                return None
            self._eol = b"\n"
        elif buf[at] == 0x0D:  # \r
            if at + 1 >= len(buf) and not final:
                return None  # a lone \r so far: \r\n or \r?
            self._eol = b"\r\n" if buf[at + 1 : at + 2] == b"\n" else b"\r"
        else:
            self._eol = b"\n"
        return self._eol

    def _first_eol(self, buf: bytes) -> int:
        """Where the first CR or LF that ends a line is in `buf`, -1 if none yet. In text a
        raw CR or LF always ends a line; CSV overrides this to skip quoted ones."""
        nl = buf.find(b"\n")
        cr = buf.find(b"\r")
        return nl if cr < 0 or 0 <= nl < cr else cr

    def _chunk(self, chunk: bytes, final: bool) -> list[Row]:
        """Rows of `chunk`, which ends with a line ending (its last byte)."""
        eol = self._eol
        assert eol is not None
        if self._header_pending:
            end = chunk.find(eol)
            # In CSV a header cell could hold a quoted newline: let the slow path judge.
            if not self.csv or self.values_quote not in chunk[:end]:
                self._header_pending = False
                self.lineno += 1
                self._header_line(chunk[:end])
                chunk = chunk[end + len(eol) :]
                if not chunk:
                    return []
        fast = self._fast(chunk, eol)
        if fast is not None:
            return fast
        return self._slow(chunk, final)

    def _fast(self, chunk: bytes, eol: bytes) -> list[Row] | None:
        """The column-wise path for a chunk of plain lines; None: take the exact path."""
        if eol == b"\r\n":
            count = chunk.count(b"\n")
            if chunk.count(b"\r") != count or chunk.count(b"\r\n") != count:
                return None
            chunk = chunk.replace(b"\r\n", b"\n")
        elif eol != b"\n" or b"\r" in chunk:
            return None
        ncols = self.ncols
        if ncols == 0 or b"\x00" in chunk or self._special(chunk):
            return None
        count = chunk.count(b"\n")
        delim = self.delim
        if ncols == 1:
            if delim in chunk:
                return None
            flat = chunk[:-1].split(b"\n")
            step = 1
        else:
            # Each line ending becomes a field of its own: the lines all have `ncols` fields
            # exactly when those markers fall every ncols + 1 fields.
            flat = chunk.replace(b"\n", delim + b"\n" + delim).split(delim)
            step = ncols + 1
            if len(flat) != count * step + 1 or flat[ncols::step].count(b"\n") != count:
                return None
        stop = count * step
        columns = [flat[index:stop:step] for index in range(ncols)]
        null = self.null
        if self.null_backslashes:
            nulls = sum(column.count(null) for column in columns)
            if nulls * self.null_backslashes != chunk.count(b"\\"):
                return None  # a backslash outside a NULL marker: escapes to decode
        try:
            decoded = [
                self._fast_column(index, column, null) for index, column in enumerate(columns)
            ]
        except Exception:
            return None
        self.lineno += count
        return list(zip(*decoded, strict=True))

    def _fast_column(self, index: int, column: list[bytes], null: bytes) -> list[Any]:
        return self.values.column(index, column, null)

    # -- what text and CSV each define -----------------------------------------------------

    values_quote = b""
    null_backslashes = 0  # backslashes in the NULL marker (text format)

    def _special(self, chunk: bytes) -> bool:
        raise NotImplementedError

    def _slow(self, chunk: bytes, final: bool) -> list[Row]:
        raise NotImplementedError

    def _header_line(self, line: bytes) -> None:
        raise NotImplementedError

    # -- shared by both parsers ----------------------------------------------------------------

    def _check_header(self, fields: list[bytes | None]) -> None:
        if self.header != "match":
            return
        if len(fields) != self.ncols:
            raise _bad(
                f"wrong number of fields in header line: got {len(fields)}, expected {self.ncols}",
                _context(self.relname, self.lineno),
            )
        for number, (got, column) in enumerate(zip(fields, self.columns, strict=True), 1):
            if got is None:
                raise _bad(
                    f"column name mismatch in header line field {number}: got null value "
                    f'("{self.null.decode(errors="replace")}"), expected "{column.name}"',
                    _context(self.relname, self.lineno),
                )
            if got.decode(errors="replace") != column.name:
                raise _bad(
                    f"column name mismatch in header line field {number}: "
                    f'got "{got.decode(errors="replace")}", expected "{column.name}"',
                    _context(self.relname, self.lineno),
                )

    def _row(self, fields: list[bytes | None], line: bytes) -> Row:
        """Decode one line's fields, with PostgreSQL's errors for a wrong field count."""
        ncols = self.ncols
        lineno = self.lineno
        if len(fields) > ncols:
            raise _bad(
                "extra data after last expected column",
                _context(self.relname, lineno, f': "{_clip(line)}"'),
            )
        if len(fields) < ncols:
            raise _bad(
                f'missing data for column "{self.columns[len(fields)].name}"',
                _context(self.relname, lineno, f': "{_clip(line)}"'),
            )
        decode = self.values.text_value
        return tuple(
            None if raw is None else decode(i, raw, lineno) for i, raw in enumerate(fields)
        )

    def _line_ending_error(self, line: bytes, newline: bool) -> PgError:
        if self.csv:
            what = "newline" if newline else "carriage return"
            return _bad(
                f"unquoted {what} found in data",
                _context(self.relname, self.lineno),
                hint=f"Use quoted CSV field to represent {what}.",
            )
        if newline:
            return _bad(
                "literal newline found in data",
                _context(self.relname, self.lineno),
                hint='Use "\\n" to represent newline.',
            )
        return _bad(
            "literal carriage return found in data",
            _context(self.relname, self.lineno),
            hint='Use "\\r" to represent carriage return.',
        )

    def _check_line_ending(self, line: bytes) -> None:
        """A line (its ending removed) may not hold a bare CR or LF of another style."""
        eol = self._eol
        if eol == b"\n":
            if b"\r" in line:
                raise self._line_ending_error(line, newline=False)
        elif eol == b"\r":
            if b"\n" in line:
                raise self._line_ending_error(line, newline=True)
        else:
            if b"\r" in line:
                raise self._line_ending_error(line, newline=False)
            if b"\n" in line:
                raise self._line_ending_error(line, newline=True)


_TEXT_UNESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)
_TEXT_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


def _text_unescape_match(match: re.Match[bytes]) -> bytes:
    octal, hexa, char = match.groups()
    if octal is not None:
        return bytes((int(octal, 8) & 0xFF,))
    if hexa is not None:
        return bytes((int(hexa, 16),))
    return _TEXT_ESCAPES.get(char, char)


def text_unescape(raw: bytes) -> bytes:
    """A text-format field with its backslash escapes decoded."""
    if b"\\" not in raw:
        return raw
    if raw.endswith(b"\\") and (len(raw) - len(raw.rstrip(b"\\"))) % 2:
        raw = raw[:-1]  # a lone backslash at the very end is dropped, as PostgreSQL does
    return _TEXT_UNESCAPE.sub(_text_unescape_match, raw)


class TextReader(_LineReader):
    """COPY FROM ... (FORMAT text)."""

    def __init__(self, relname: str, columns: Sequence[CopyColumn], options: CopyOptions) -> None:
        super().__init__(relname, columns, options)
        self.null_backslashes = self.null.count(b"\\")
        self._split = re.compile(rb"\\.|" + re.escape(self.delim), re.DOTALL)

    def _special(self, chunk: bytes) -> bool:
        if b"\\" not in chunk:
            return False
        # Backslashes are fine only inside NULL markers (checked after the split).
        return not self.null_backslashes

    def _fields(self, line: bytes) -> list[bytes]:
        """Split on unescaped delimiters; the fields keep their escapes."""
        if b"\\" not in line:
            return line.split(self.delim)
        fields = []
        start = 0
        delim = self.delim
        for match in self._split.finditer(line):
            if match.group() == delim:
                fields.append(line[start : match.start()])
                start = match.end()
        fields.append(line[start:])
        return fields

    def _values(self, line: bytes) -> list[bytes | None]:
        null = self.null
        return [None if raw == null else text_unescape(raw) for raw in self._fields(line)]

    def _header_line(self, line: bytes) -> None:
        self._check_line_ending(line)
        self._check_header(self._values(line))

    def _lines(self, chunk: bytes, final: bool) -> list[bytes]:
        """Split into lines; a line ending escaped by a backslash does not end the line."""
        eol = self._eol
        assert eol is not None
        parts = chunk.split(eol)
        parts.pop()  # the chunk ends with a line ending: nothing after it
        if b"\\" not in chunk:
            return parts
        lines: list[bytes] = []
        carry: bytes | None = None
        for part in parts:
            line = part if carry is None else carry + eol + part
            stripped = line.rstrip(b"\\")
            if (len(line) - len(stripped)) % 2:  # odd: the line ending is escaped
                carry = line
                continue
            carry = None
            lines.append(line)
        if carry is not None:
            if final:
                lines.append(carry)
            else:
                self._pending = carry + eol + self._pending
        return lines

    def _slow(self, chunk: bytes, final: bool) -> list[Row]:
        rows: list[Row] = []
        for line in self._lines(chunk, final):
            self.lineno += 1
            if self._header_pending:
                self._header_pending = False
                self._header_line(line)
                continue
            marker = self._end_marker(line)
            if marker is not None:
                line = marker
                self.ended = True
                if not line:
                    break
            self._check_line_ending(line)
            rows.append(self._row(self._values(line), line))
            if self.ended:
                break
        return rows

    def _end_marker(self, line: bytes) -> bytes | None:
        """The part of `line` before an unescaped `\\.` (the end of the data), if any."""
        if b"\\." not in line:
            return None
        for match in self._split.finditer(line):
            if match.group() == b"\\.":
                if match.end() != len(line):
                    raise _bad("end-of-copy marker corrupt", _context(self.relname, self.lineno))
                return line[: match.start()]
        return None


class CsvReader(_LineReader):
    """COPY FROM ... (FORMAT csv)."""

    csv = True

    def __init__(self, relname: str, columns: Sequence[CopyColumn], options: CopyOptions) -> None:
        super().__init__(relname, columns, options)
        self.quote = options.quote.encode()
        self.escape = options.escape.encode()
        self.values_quote = self.quote
        self._force_not_null = [c.force_not_null for c in columns]
        self._force_null = [c.force_null for c in columns]
        self._forced = any(self._force_not_null) or any(self._force_null)
        specials = {self.quote, self.escape, self.delim}
        self._token = re.compile(
            b"|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True))
        )
        # Where the search for the first line ending stopped, and whether inside quotes.
        self._eol_token = re.compile(b"[" + re.escape(self.quote) + b"\r\n]")
        self._scan_pos = 0
        self._scan_quoted = False

    def _first_eol(self, buf: bytes) -> int:
        """The first CR or LF outside quotes, as PostgreSQL decides the line ending: one in a
        quoted field is data. `buf` only grows at its end until the line ending is known, so
        a search that runs out of data carries on from where it stopped."""
        first = super()._first_eol(buf)
        if buf.find(self.quote, 0, first if first >= 0 else len(buf)) < 0:
            return first  # no quote before it: the common case
        at, self._scan_pos, self._scan_quoted = self._unquoted_crlf(
            buf, self._scan_pos, self._scan_quoted
        )
        return at

    def _unquoted_crlf(self, buf: bytes, pos: int, quoted: bool) -> tuple[int, int, bool]:
        """The first CR or LF outside quotes in `buf` from `pos` (`quoted`: inside quotes
        there), -1 if none; and where the search stopped, and whether inside quotes then."""
        quote, escape = self.quote, self.escape
        n = len(buf)
        while pos < n:
            if quoted:
                end = buf.find(quote, pos)
                if escape != quote:
                    esc = buf.find(escape, pos, end if end >= 0 else n)
                    if esc >= 0:
                        # The escape and the byte after it: a quote or escape it escapes,
                        # or another byte, which cannot matter here.
                        pos = esc + 2
                        continue
                if end < 0:
                    return -1, n, True
                quoted = False
                pos = end + 1
                continue
            match = self._eol_token.search(buf, pos)
            if match is None:
                return -1, n, False
            pos = match.start()
            if match.group() != quote:
                return pos, pos, False
            quoted = True
            pos += 1
        return -1, pos, quoted

    def _check_line_ending(self, line: bytes) -> None:
        """A line (its ending removed) may hold CR and LF only inside quoted fields."""
        # Line endings left in a logical line were inside quotes: only other CRs and LFs
        # need the search.
        eol = self._eol
        if eol == b"\n":
            if b"\r" not in line:
                return
        elif eol == b"\r":
            if b"\n" not in line:
                return
        elif line.count(b"\r") == line.count(b"\n") == line.count(b"\r\n"):
            return
        at, _pos, _quoted = self._unquoted_crlf(line, 0, False)
        if at >= 0:
            raise self._line_ending_error(line, newline=line[at] == 0x0A)

    def _special(self, chunk: bytes) -> bool:
        return self.quote in chunk or b"\\." in chunk or self._forced

    def _fast_column(self, index: int, column: list[bytes], null: bytes) -> list[Any]:
        return self.values.column(index, column, null)

    def _header_line(self, line: bytes) -> None:
        self._check_line_ending(line)
        if self.header == "match":  # otherwise PostgreSQL does not parse the header line
            self._check_header([v for v, _quoted in self._parse(line)])

    def _logical_lines(self, chunk: bytes, final: bool) -> list[bytes]:
        """Split into lines; a line ending inside a quoted field does not end the line."""
        eol = self._eol
        assert eol is not None
        parts = chunk.split(eol)
        parts.pop()
        quote = self.quote
        if quote not in chunk:
            return parts
        lines: list[bytes] = []
        carry: bytes | None = None
        for part in parts:
            if carry is None and quote not in part:
                lines.append(part)
                continue
            line = part if carry is None else carry + eol + part
            if self._open_quote(line):
                carry = line
                continue
            carry = None
            lines.append(line)
        if carry is not None:
            if final:
                lines.append(carry)  # its unterminated quote is reported by _parse
            else:
                self._pending = carry + eol + self._pending
        return lines

    def _open_quote(self, line: bytes) -> bool:
        """True when `line` ends inside a quoted field."""
        quote, escape = self.quote, self.escape
        if escape == quote:
            return line.count(quote) % 2 == 1
        in_quote = False
        i = 0
        n = len(line)
        while i < n:
            c = line[i : i + 1]
            if in_quote and c == escape and line[i + 1 : i + 2] in (quote, escape):
                i += 2
                continue
            if c == quote:
                in_quote = not in_quote
            i += 1
        return in_quote

    def _parse(self, line: bytes) -> list[tuple[bytes | None, bool]]:
        """Fields of one logical line: (value, quoted), value None for NULL."""
        quote, escape, delim, null = self.quote, self.escape, self.delim, self.null
        out: list[tuple[bytes | None, bool]] = []
        pieces: list[bytes] = []
        start = 0  # where the current field began
        pos = 0
        saw_quote = False
        in_quote = False
        n = len(line)
        token = self._token
        while True:
            if in_quote:
                # Inside quotes: runs up to the next quote or escape.
                q = line.find(quote, pos)
                e = line.find(escape, pos) if escape != quote else q
                nxt = min(x for x in (q, e) if x >= 0) if q >= 0 or e >= 0 else -1
                if nxt < 0:
                    shown = _clip(line + (self._eol or b"\n"))  # PostgreSQL's line buffer
                    raise _bad(
                        "unterminated CSV quoted field",
                        _context(self.relname, self.lineno, f': "{shown}"'),
                    )
                pieces.append(line[pos:nxt])
                c = line[nxt : nxt + 1]
                follow = line[nxt + 1 : nxt + 2]
                if c == escape and follow and follow in (quote, escape):
                    pieces.append(follow)
                    pos = nxt + 2
                    continue
                if c == quote:
                    in_quote = False
                    pos = nxt + 1
                    continue
                pieces.append(c)  # an escape char not escaping anything
                pos = nxt + 1
                continue
            match = token.search(line, pos)
            while match is not None and match.group() not in (quote, delim):
                match = token.search(line, match.end())  # an escape outside quotes: plain
            if match is None:
                pieces.append(line[pos:])
                out.append(self._field(line[start:], pieces, saw_quote, null))
                return out
            pieces.append(line[pos : match.start()])
            if match.group() == delim:
                out.append(self._field(line[start : match.start()], pieces, saw_quote, null))
                pieces = []
                saw_quote = False
                pos = start = match.end()
                if pos >= n:
                    out.append(self._field(b"", [], False, null))
                    return out
                continue
            saw_quote = True
            in_quote = True
            pos = match.end()

    @staticmethod
    def _field(
        raw: bytes, pieces: list[bytes], saw_quote: bool, null: bytes
    ) -> tuple[bytes | None, bool]:
        if not saw_quote and raw == null:
            return None, False
        return b"".join(pieces), saw_quote

    def _slow(self, chunk: bytes, final: bool) -> list[Row]:
        rows: list[Row] = []
        null = self.null
        for line in self._logical_lines(chunk, final):
            self.lineno += 1  # PostgreSQL counts lines of data, not newlines in quotes
            if self._header_pending:
                self._header_pending = False
                self._header_line(line)
                continue
            if line == b"\\.":
                self.ended = True
                break
            self._check_line_ending(line)
            parsed = self._parse(line)
            fields: list[bytes | None] = []
            for index, (value, _quoted) in enumerate(parsed):
                if index < self.ncols:
                    if value is None and self._force_not_null[index]:
                        value = null
                    elif value is not None and self._force_null[index] and value == null:
                        value = None
                fields.append(value)
            rows.append(self._row(fields, line))
        return rows


_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_HEADER_FIXED = len(BINARY_SIGNATURE) + 8


class BinaryReader(CopyReader):
    """COPY FROM ... (FORMAT binary)."""

    def __init__(self, relname: str, columns: Sequence[CopyColumn]) -> None:
        self.values = _Values(relname, columns, BINARY)
        self.relname = relname
        self.ncols = len(columns)
        self._buf = b""
        self._pos = 0
        self._header_done = False
        self._header_skip = 0
        self._trailer_seen = False
        self.lineno = 0
        self.ended = False

    def _where(self, column: int | None = None) -> str:
        if column is None:
            return _context(self.relname, self.lineno)
        return _context(self.relname, self.lineno, f", column {self.values.names[column]}")

    def feed(self, data: bytes) -> list[Row]:
        if self._trailer_seen:
            if data:
                raise _bad("received copy data after EOF marker", self._where())
            return []
        buf = self._buf[self._pos :] + data if self._pos < len(self._buf) else data
        self._buf, self._pos = buf, 0
        rows: list[Row] = []
        if not self._header_done and not self._header():
            return rows
        ncols = self.ncols
        unpack16 = _INT16.unpack_from
        unpack32 = _INT32.unpack_from
        values = self.values
        decoders = values.decoders
        sizes = values.sizes
        n = len(buf)
        pos = self._pos
        while pos + 2 <= n:
            (count,) = unpack16(buf, pos)
            if count == -1:
                self._trailer_seen = True
                self.ended = True
                if pos + 2 < n:
                    self.lineno += 1
                    raise _bad("received copy data after EOF marker", self._where())
                pos += 2
                break
            if count != ncols:
                self.lineno += 1
                raise _bad(f"row field count is {count}, expected {ncols}", self._where())
            p = pos + 2
            row: list[Any] = []
            complete = True
            for index in range(ncols):
                if p + 4 > n:
                    complete = False
                    break
                (length,) = unpack32(buf, p)
                p += 4
                if length == -1:
                    row.append(None)
                    continue
                if length < -1:
                    self.lineno += 1
                    raise _bad("invalid field size", self._where(index))
                if p + length > n:
                    complete = False
                    break
                raw = buf[p : p + length]
                p += length
                size = sizes[index]
                if size > 0 and length != size:
                    self.lineno += 1
                    raise self._size_error(index, length, size)
                try:
                    row.append(decoders[index](raw))
                except PgError as err:
                    self.lineno += 1
                    if err.where is None:
                        err.where = self._where(index)
                    raise
                except Exception as exc:
                    self.lineno += 1
                    raise PgError(
                        "incorrect binary data format",
                        sqlstate.INVALID_BINARY_REPRESENTATION,
                        where=self._where(index),
                    ) from exc
            if not complete:
                break
            self.lineno += 1
            rows.append(tuple(row))
            pos = p
        self._pos = pos
        return rows

    def _size_error(self, index: int, length: int, size: int) -> PgError:
        if length < size:
            return PgError(
                "insufficient data left in message",
                sqlstate.PROTOCOL_VIOLATION,
                where=self._where(index),
            )
        return PgError(
            "incorrect binary data format",
            sqlstate.INVALID_BINARY_REPRESENTATION,
            where=self._where(index),
        )

    def _header(self) -> bool:
        buf = self._buf
        if len(buf) < _HEADER_FIXED:
            if buf and not BINARY_SIGNATURE.startswith(buf[: len(BINARY_SIGNATURE)]):
                raise _bad("COPY file signature not recognized", self._where())
            return False
        if buf[: len(BINARY_SIGNATURE)] != BINARY_SIGNATURE:
            raise _bad("COPY file signature not recognized", self._where())
        (flags,) = _INT32.unpack_from(buf, len(BINARY_SIGNATURE))
        if flags & (1 << 16):
            raise _bad("invalid COPY file header (WITH OIDS)", self._where())
        if (flags >> 16) & 0xFFFF:
            raise _bad("unrecognized critical flags in COPY file header", self._where())
        (extension,) = _INT32.unpack_from(buf, len(BINARY_SIGNATURE) + 4)
        if extension < 0:
            raise _bad("invalid COPY file header (wrong length)", self._where())
        if len(buf) < _HEADER_FIXED + extension:
            return False
        self._pos = _HEADER_FIXED + extension
        self._header_done = True
        return True

    def finish(self) -> list[Row]:
        if not self._header_done:
            have = len(self._buf)
            if have < len(BINARY_SIGNATURE):
                raise _bad("COPY file signature not recognized", self._where())
            if have < len(BINARY_SIGNATURE) + 4:
                raise _bad("invalid COPY file header (missing flags)", self._where())
            if have < _HEADER_FIXED:
                raise _bad("invalid COPY file header (missing length)", self._where())
            raise _bad("invalid COPY file header (wrong length)", self._where())
        if self._pos < len(self._buf):
            self.lineno += 1
            raise _bad("unexpected EOF in COPY data", self._where())
        return []


def reader_for(relname: str, columns: Sequence[CopyColumn], options: CopyOptions) -> CopyReader:
    """The reader for `options.format`; `relname` names the table in error contexts."""
    if options.format == "binary":
        return BinaryReader(relname, columns)
    if options.format == "csv":
        return CsvReader(relname, columns, options)
    return TextReader(relname, columns, options)


# ---------------------------------------------------------------------------------------------
# writers

# Types whose text never holds a control character, backslash or quote: with a delimiter
# none of their characters use, their values need no escaping or quoting check.
_PLAIN_TYPES = frozenset(
    {oids.INT2, oids.INT4, oids.INT8, oids.OID, oids.FLOAT4, oids.FLOAT8, oids.NUMERIC, oids.BOOL}
)
_PLAIN_CHARS = b"0123456789+-.eEaAfFiInNtTyY"


class CopyWriter:
    """Encode rows for COPY TO: `header()`, then `rows()` per batch, then `trailer()`.

    `rows` returns one payload per row (a CopyData message each). Batches are encoded column
    by column: `map()` over each column's values, a NULL check and an escaping check per
    column of the batch, not per value.
    """

    def __init__(
        self, columns: Sequence[CopyColumn], fmt: int, text_formats: TextFormats | None
    ) -> None:
        self.columns = list(columns)
        self.width = len(columns)
        self._getters = [itemgetter(index) for index in range(len(columns))]
        self.encoders: list[Encoder] = [
            registry.encoder(c.type_oid, fmt, text_formats) for c in columns
        ]
        # Whole-column encoders that give what the registry's would, at C speed, or raise.
        default_text = fmt == TEXT and (text_formats is None or text_formats == DEFAULT_FORMATS)
        self.fast: list[Callable[[Sequence[Any]], list[bytes]] | None] = [
            (_BULK_TEXT_OUT.get(c.type_oid) if default_text else None) for c in columns
        ]

    def header(self) -> bytes | None:
        return None

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[bytes]:
        raise NotImplementedError

    def trailer(self) -> bytes | None:
        return None

    def _columns(self, rows: Sequence[Sequence[Any]], null: bytes | None) -> list[list[Any]]:
        """The batch's values encoded, column by column; NULLs as `null` (None: kept)."""
        width = self.width
        if set(map(len, rows)) != {width}:
            bad = next(row for row in rows if len(row) != width)
            raise PgError(
                f"row has {len(bad)} values, the result has {width} columns",
                sqlstate.DATATYPE_MISMATCH,
            )
        out: list[list[Any]] = []
        for index, getter in enumerate(self._getters):
            values = list(map(getter, rows))
            encode = self.encoders[index]
            if None in values:
                out.append([null if v is None else encode(v) for v in values])
                continue
            fast = self.fast[index]
            if fast is not None:
                try:
                    out.append(fast(values))
                    continue
                except (TypeError, ValueError):
                    pass  # not all of the usual type: the registry's encoder prints them
            out.append(list(map(encode, values)))
        return out


def _str_column(values: Sequence[Any]) -> list[bytes]:
    return list(map(str.encode, values))  # TypeError unless every value is a str


_FLOAT_DOT_ZERO = re.compile(r"\.0(?=\x00)")


def _float8_column(values: Sequence[Any]) -> list[bytes]:
    """float8 text as `numeric.float8_text_encode` prints it in its common case: repr(), less
    a trailing '.0', for finite floats below 1e15 in magnitude."""
    texts = list(map(float.__repr__, values))  # TypeError unless every value is a float
    if not min(values) > -1e15 or not max(values) < 1e15 or "nan" in texts:
        raise ValueError("outside the common case")
    joined = _FLOAT_DOT_ZERO.sub("", "\x00".join(texts) + "\x00")
    return joined.encode().split(b"\x00")[:-1]


_BULK_TEXT_OUT: dict[int, Callable[[Sequence[Any]], list[bytes]]] = {
    oids.TEXT: _str_column,
    oids.VARCHAR: _str_column,
    oids.FLOAT8: _float8_column,
}


class TextWriter(CopyWriter):
    def __init__(
        self,
        columns: Sequence[CopyColumn],
        options: CopyOptions,
        text_formats: TextFormats | None = None,
    ) -> None:
        super().__init__(columns, TEXT, text_formats)
        self.delim = delim = options.delimiter.encode()
        self.null = options.null.encode()
        self.names = [c.name for c in columns]
        self.with_header = bool(options.header)
        specials = {b"\\", b"\b", b"\f", b"\n", b"\r", b"\t", b"\v", delim}
        self._special = re.compile(b"[" + b"".join(re.escape(s) for s in specials) + b"]")
        self._table = {
            b"\\": b"\\\\",
            b"\b": b"\\b",
            b"\f": b"\\f",
            b"\n": b"\\n",
            b"\r": b"\\r",
            b"\t": b"\\t",
            b"\v": b"\\v",
        }
        self._table.setdefault(delim, b"\\" + delim)
        plain_ok = delim not in _PLAIN_CHARS
        self.plain = [plain_ok and c.type_oid in _PLAIN_TYPES for c in columns]

    def _escape(self, value: bytes) -> bytes:
        if self._special.search(value) is None:
            return value
        table = self._table
        return self._special.sub(lambda m: table[m.group()], value)

    def header(self) -> bytes | None:
        if not self.with_header:
            return None
        return self.delim.join(self._escape(n.encode()) for n in self.names) + b"\n"

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[bytes]:
        if not rows:
            return []
        if not self.width:
            return [b"\n"] * len(rows)
        columns = self._columns(rows, self.null)
        special = self._special.search
        for index, values in enumerate(columns):
            if not self.plain[index] and special(b"".join(values)) is not None:
                null = self.null
                columns[index] = [v if v is null else self._escape(v) for v in values]
        columns[-1] = list(map(bytes.__add__, columns[-1], repeat(b"\n")))
        return list(map(self.delim.join, zip(*columns, strict=True)))


class CsvWriter(CopyWriter):
    def __init__(
        self,
        columns: Sequence[CopyColumn],
        options: CopyOptions,
        text_formats: TextFormats | None = None,
    ) -> None:
        super().__init__(columns, TEXT, text_formats)
        self.delim = delim = options.delimiter.encode()
        self.null = options.null.encode()
        self.quote = quote = options.quote.encode()
        self.escape = options.escape.encode()
        self.names = [c.name for c in columns]
        self.with_header = bool(options.header)
        self.single = len(columns) == 1
        self.force = [c.force_quote for c in columns]
        self._needs = re.compile(
            b"[" + b"".join(re.escape(s) for s in {delim, quote, b"\n", b"\r"}) + b"]"
        )
        self._doubling = re.compile(
            b"[" + b"".join(re.escape(s) for s in {quote, self.escape}) + b"]"
        )
        plain_ok = delim not in _PLAIN_CHARS and quote not in _PLAIN_CHARS
        self.plain = [
            plain_ok and c.type_oid in _PLAIN_TYPES and not c.force_quote for c in columns
        ]

    def _field(self, value: bytes, force: bool) -> bytes:
        if not force:
            if value == self.null or (self.single and value == b"\\."):
                force = True
            elif self._needs.search(value) is None:
                return value
        escaped = self._doubling.sub(lambda m: self.escape + m.group(), value)
        return self.quote + escaped + self.quote

    def header(self) -> bytes | None:
        if not self.with_header:
            return None
        return self.delim.join(self._field(n.encode(), False) for n in self.names) + b"\n"

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[bytes]:
        if not rows:
            return []
        if not self.width:
            return [b"\n"] * len(rows)
        null = self.null
        # NULLs stay None until the quoting check: a value equal to the NULL text is quoted.
        columns = self._columns(rows, None)
        for index, values in enumerate(columns):
            has_null = None in values
            if self.plain[index]:
                if has_null:
                    columns[index] = [null if v is None else v for v in values]
                continue
            force = self.force[index]
            if (
                force
                or null in values
                or (self.single and b"\\." in values)
                or self._needs.search(b"".join([v for v in values if v is not None]))
            ):
                columns[index] = [null if v is None else self._field(v, force) for v in values]
            elif has_null:
                columns[index] = [null if v is None else v for v in values]
        columns[-1] = list(map(bytes.__add__, columns[-1], repeat(b"\n")))
        return list(map(self.delim.join, zip(*columns, strict=True)))


_NULL_FIELD = _INT32.pack(-1)


class BinaryWriter(CopyWriter):
    def __init__(self, columns: Sequence[CopyColumn]) -> None:
        super().__init__(columns, BINARY, None)
        self._count = _INT16.pack(len(columns))

    def header(self) -> bytes | None:
        return BINARY_SIGNATURE + b"\x00\x00\x00\x00\x00\x00\x00\x00"

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[bytes]:
        if not rows:
            return []
        if not self.width:
            return [self._count] * len(rows)
        pack = _INT32.pack
        fields = []
        for values in self._columns(rows, None):
            if None in values:
                fields.append([_NULL_FIELD if v is None else pack(len(v)) + v for v in values])
            else:
                fields.append(list(map(bytes.__add__, map(pack, map(len, values)), values)))
        fields[0] = list(map(bytes.__add__, repeat(self._count), fields[0]))
        return list(map(b"".join, zip(*fields, strict=True)))

    def trailer(self) -> bytes | None:
        return _INT16.pack(-1)


def writer_for(
    columns: Sequence[CopyColumn], options: CopyOptions, text_formats: TextFormats | None = None
) -> CopyWriter:
    """The writer for `options.format`; text values print as `text_formats` (DateStyle, ...)."""
    if options.format == "binary":
        return BinaryWriter(columns)
    if options.format == "csv":
        return CsvWriter(columns, options, text_formats)
    return TextWriter(columns, options, text_formats)
