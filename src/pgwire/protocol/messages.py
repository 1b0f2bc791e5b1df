"""Every message of the PostgreSQL frontend/backend protocol (3.0 and 3.2), both directions.

Sans-IO: `encode()` returns a complete frame (type byte + int32 length + payload; the untyped
startup packets have no type byte) and `decode(payload)` parses what follows the length word.
Decoding is strict: anything PostgreSQL would reject as malformed raises `ProtocolViolation`
(08P01, fatal), worded like PostgreSQL's own messages; invalid UTF-8 in a string raises a plain
`PgError` with 22021, which PostgreSQL also treats as an ordinary, non-fatal error. Encoding
something the wire cannot carry (a NUL inside a string, an out-of-range integer) raises
`LocalProtocolError`: that is a bug on our side, not the peer's.

Counts of array elements (Int16 in the documentation) are read and written as unsigned 16-bit
integers, as PostgreSQL and libpq do, so up to 65,535 parameters or columns work.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Self

from pgwire import sqlstate
from pgwire.errors import LocalProtocolError, PgError, ProtocolViolation

__all__ = [
    "BACKEND",
    "BIND_COMPLETE",
    "CANCEL_REQUEST_CODE",
    "CLOSE_COMPLETE",
    "COPY_DONE",
    "EMPTY_QUERY_RESPONSE",
    "FLUSH",
    "FRONTEND",
    "GSSENC_REQUEST_CODE",
    "MAX_STARTUP_PACKET",
    "NO_DATA",
    "PARSE_COMPLETE",
    "PORTAL_SUSPENDED",
    "PROTOCOL_3_0",
    "PROTOCOL_3_2",
    "READY_FAILED",
    "READY_IDLE",
    "READY_IN_TRANSACTION",
    "SSL_REQUEST_CODE",
    "SYNC",
    "TERMINATE",
    "Authentication",
    "AuthenticationCleartextPassword",
    "AuthenticationGSS",
    "AuthenticationGSSContinue",
    "AuthenticationKerberosV5",
    "AuthenticationMD5Password",
    "AuthenticationOk",
    "AuthenticationSASL",
    "AuthenticationSASLContinue",
    "AuthenticationSASLFinal",
    "AuthenticationSSPI",
    "BackendKeyData",
    "Bind",
    "BindComplete",
    "CancelRequest",
    "Close",
    "CloseComplete",
    "CommandComplete",
    "CopyBothResponse",
    "CopyData",
    "CopyDone",
    "CopyFail",
    "CopyInResponse",
    "CopyOutResponse",
    "DataRow",
    "Describe",
    "EmptyQueryResponse",
    "ErrorResponse",
    "Execute",
    "FieldDescription",
    "Flush",
    "FunctionCall",
    "FunctionCallResponse",
    "GSSENCRequest",
    "GSSResponse",
    "Message",
    "NegotiateProtocolVersion",
    "NoData",
    "NoticeResponse",
    "NotificationResponse",
    "ParameterDescription",
    "ParameterStatus",
    "Parse",
    "ParseComplete",
    "PasswordMessage",
    "PortalSuspended",
    "Query",
    "ReadyForQuery",
    "RowDescription",
    "SASLInitialResponse",
    "SASLResponse",
    "SSLRequest",
    "StartupMessage",
    "Sync",
    "Terminate",
    "decode_authentication",
    "decode_startup_packet",
    "encode_data_row",
]

PROTOCOL_3_0 = 196608  # 3 << 16
PROTOCOL_3_2 = 196610  # (3 << 16) | 2
SSL_REQUEST_CODE = 80877103  # (1234 << 16) | 5679
GSSENC_REQUEST_CODE = 80877104  # (1234 << 16) | 5680
CANCEL_REQUEST_CODE = 80877102  # (1234 << 16) | 5678
# PostgreSQL refuses a startup packet whose payload (after the length word) exceeds this.
MAX_STARTUP_PACKET = 10000

# The cancel key is 4 bytes in 3.0 and up to 256 bytes in 3.2.
_MIN_KEY, _MAX_KEY = 4, 256

_I16 = struct.Struct("!h")
_U16 = struct.Struct("!H")
_I32 = struct.Struct("!i")
_U32 = struct.Struct("!I")
_HDR = struct.Struct("!ci")  # type byte + length
_ROW_HDR = struct.Struct("!ciH")  # DataRow: 'D' + length + column count
_FIELD = struct.Struct("!IhIhih")  # RowDescription, after the name
_I32_I32 = struct.Struct("!ii")
_LEN4 = b"\x00\x00\x00\x04"
_NULL = b"\xff\xff\xff\xff"  # int32 -1: a NULL value

# PostgreSQL's wording, so logs read the same whichever server produced them.
_INSUFFICIENT = "insufficient data left in message"
_INVALID_FORMAT = "invalid message format"
_INVALID_STRING = "invalid string in message"


# --------------------------------------------------------------------------------------------
# Helpers


def _bad_utf8(raw: bytes, exc: UnicodeDecodeError) -> PgError:
    """PostgreSQL's report_invalid_encoding: the offending character's bytes, in hex."""
    start = exc.start
    lead = raw[start]
    if lead < 0x80:
        width = 1
    elif lead & 0xE0 == 0xC0:
        width = 2
    elif lead & 0xF0 == 0xE0:
        width = 3
    elif lead & 0xF8 == 0xF0:
        width = 4
    else:
        width = 1
    shown = " ".join(f"0x{b:02x}" for b in raw[start : start + width])
    return PgError(
        f'invalid byte sequence for encoding "UTF8": {shown}', sqlstate.CHARACTER_NOT_IN_REPERTOIRE
    )


def _cstr(s: str) -> bytes:
    """A str as NUL-terminated UTF-8; the wire cannot carry a NUL inside it."""
    try:
        b = s.encode()
    except UnicodeEncodeError as e:  # lone surrogates
        raise LocalProtocolError(f"string is not encodable as UTF-8: {s[:40]!r}") from e
    if b"\x00" in b:
        raise LocalProtocolError(f"string contains a NUL character: {s[:40]!r}")
    return b + b"\x00"


def _frame(type_byte: bytes, payload: bytes) -> bytes:
    try:
        return _HDR.pack(type_byte, len(payload) + 4) + payload
    except struct.error as e:
        raise LocalProtocolError(f"message too large: {len(payload)} bytes") from e


def _pack_error(cls: type, e: struct.error) -> LocalProtocolError:
    return LocalProtocolError(f"cannot encode {cls.__name__}: {e}")


def _check_formats(formats: Sequence[int]) -> None:
    for f in formats:
        if f != 0 and f != 1:
            raise ProtocolViolation(f"unsupported format code: {f}")


def _check_formats_local(formats: Sequence[int]) -> None:
    for f in formats:
        if f != 0 and f != 1:
            raise LocalProtocolError(f"unsupported format code: {f}")


def _pack_i16s(values: Sequence[int]) -> bytes:
    return _U16.pack(len(values)) + struct.pack(f"!{len(values)}h", *values)


def _pack_u32s(values: Sequence[int]) -> bytes:
    return _U16.pack(len(values)) + struct.pack(f"!{len(values)}I", *values)


def _pack_values(parts: list[bytes], values: Sequence[bytes | None]) -> None:
    """Append an int16 count then each value as int32 length (-1 for NULL) + bytes."""
    append = parts.append
    append(_U16.pack(len(values)))
    for v in values:
        if v is None:
            append(_NULL)
        else:
            append(_I32.pack(len(v)))
            append(v)


class _Reader:
    """A cursor over one payload; every read checks bounds and raises ProtocolViolation."""

    __slots__ = ("buf", "pos")

    def __init__(self, payload: bytes) -> None:
        # Slicing must yield bytes even if a caller hands us a bytearray or memoryview.
        self.buf = payload if type(payload) is bytes else bytes(payload)
        self.pos = 0

    def byte(self) -> int:
        pos = self.pos
        if pos >= len(self.buf):
            raise ProtocolViolation(_INSUFFICIENT)
        self.pos = pos + 1
        return self.buf[pos]

    def int16(self) -> int:
        try:
            v: int = _I16.unpack_from(self.buf, self.pos)[0]
        except struct.error:
            raise ProtocolViolation(_INSUFFICIENT) from None
        self.pos += 2
        return v

    def count(self) -> int:
        """An array length: Int16 on paper, unsigned in PostgreSQL and libpq."""
        try:
            v: int = _U16.unpack_from(self.buf, self.pos)[0]
        except struct.error:
            raise ProtocolViolation(_INSUFFICIENT) from None
        self.pos += 2
        return v

    def int32(self) -> int:
        try:
            v: int = _I32.unpack_from(self.buf, self.pos)[0]
        except struct.error:
            raise ProtocolViolation(_INSUFFICIENT) from None
        self.pos += 4
        return v

    def uint32(self) -> int:
        try:
            v: int = _U32.unpack_from(self.buf, self.pos)[0]
        except struct.error:
            raise ProtocolViolation(_INSUFFICIENT) from None
        self.pos += 4
        return v

    def int16_array(self, n: int) -> list[int]:
        return self._array("h", 2, n)

    def uint32_array(self, n: int) -> list[int]:
        return self._array("I", 4, n)

    def formats(self) -> list[int]:
        """A counted list of format codes, each 0 (text) or 1 (binary)."""
        formats = self.int16_array(self.count())
        _check_formats(formats)
        return formats

    def _array(self, code: str, size: int, n: int) -> list[int]:
        pos = self.pos
        end = pos + size * n
        if end > len(self.buf):
            raise ProtocolViolation(_INSUFFICIENT)
        self.pos = end
        return list(struct.unpack_from(f"!{n}{code}", self.buf, pos))

    def bytes_(self, n: int) -> bytes:
        pos = self.pos
        end = pos + n
        if n < 0 or end > len(self.buf):
            raise ProtocolViolation(_INSUFFICIENT)
        self.pos = end
        return self.buf[pos:end]

    def value(self) -> bytes | None:
        """An int32 length (-1 meaning NULL) followed by that many bytes."""
        n = self.int32()
        if n == -1:
            return None
        if n < 0:
            raise ProtocolViolation(f"invalid value length {n}")
        return self.bytes_(n)

    def rest(self) -> bytes:
        pos = self.pos
        self.pos = len(self.buf)
        return self.buf[pos:]

    def remaining(self) -> int:
        return len(self.buf) - self.pos

    def cstring(self) -> str:
        buf = self.buf
        pos = self.pos
        end = buf.find(b"\x00", pos)
        if end < 0:
            raise ProtocolViolation(_INVALID_STRING)
        self.pos = end + 1
        raw = buf[pos:end]
        try:
            return raw.decode()
        except UnicodeDecodeError as e:
            raise _bad_utf8(raw, e) from None

    def end(self) -> None:
        if self.pos != len(self.buf):
            raise ProtocolViolation(_INVALID_FORMAT)


# --------------------------------------------------------------------------------------------
# Base classes


class Message:
    """A protocol message. Subclasses are slotted dataclasses."""

    __slots__ = ()
    type_byte: ClassVar[bytes]

    def encode(self) -> bytes:
        """The complete frame, ready to write."""
        raise NotImplementedError

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        """Parse the payload (the bytes after the length word); strict."""
        raise NotImplementedError


class _Empty(Message):
    """A message with no payload: its frame is a constant."""

    __slots__ = ()
    _frame: ClassVar[bytes] = b""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._frame = cls.type_byte + _LEN4

    def encode(self) -> bytes:
        return self._frame

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        if payload:
            raise ProtocolViolation(_INVALID_FORMAT)
        return cls()


# --------------------------------------------------------------------------------------------
# Untyped startup packets (client → server, first on the connection)


def _startup_code(r: _Reader, expected: int, what: str) -> None:
    code = r.uint32()
    if code != expected:
        raise ProtocolViolation(f"{what}: unexpected request code {code}")


@dataclass(slots=True)
class StartupMessage(Message):
    """Protocol version and the session parameters (user, database, options, ...).

    Only major version 3 defines the name/value layout; for any other major the rest of the
    packet is not parsed (parameters stay empty) so the Connection can refuse the version with
    PostgreSQL's "unsupported frontend protocol" error rather than a layout error.
    """

    type_byte: ClassVar[bytes] = b""
    protocol_version: int = PROTOCOL_3_0
    parameters: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        parts = [b"", b""]
        for name, value in self.parameters.items():
            if not name:
                raise LocalProtocolError("startup parameter names must not be empty")
            parts.append(_cstr(name))
            parts.append(_cstr(value))
        parts.append(b"\x00")
        try:
            parts[0] = _I32.pack(8 + sum(map(len, parts)))
            parts[1] = _U32.pack(self.protocol_version)
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return b"".join(parts)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        version = r.uint32()
        parameters: dict[str, str] = {}
        if version >> 16 != 3:
            return cls(version, parameters)
        layout = "invalid startup packet layout: expected terminator as last byte"
        # Every string, and the list, ends in NUL: so must the packet.
        if r.buf[-1] != 0:
            raise ProtocolViolation(layout)
        while True:
            if not r.remaining():
                raise ProtocolViolation(layout)
            name = r.cstring()
            if not name:
                break
            if name in parameters:
                raise ProtocolViolation(f'duplicate startup parameter "{name}"')
            if not r.remaining():
                raise ProtocolViolation(layout)
            parameters[name] = r.cstring()
        if r.remaining():
            raise ProtocolViolation(layout)
        return cls(version, parameters)


@dataclass(slots=True)
class SSLRequest(Message):
    type_byte: ClassVar[bytes] = b""

    def encode(self) -> bytes:
        return _SSL_REQUEST

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        _startup_code(r, SSL_REQUEST_CODE, "SSLRequest")
        r.end()
        return cls()


@dataclass(slots=True)
class GSSENCRequest(Message):
    type_byte: ClassVar[bytes] = b""

    def encode(self) -> bytes:
        return _GSSENC_REQUEST

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        _startup_code(r, GSSENC_REQUEST_CODE, "GSSENCRequest")
        r.end()
        return cls()


_SSL_REQUEST = _I32_I32.pack(8, SSL_REQUEST_CODE)
_GSSENC_REQUEST = _I32_I32.pack(8, GSSENC_REQUEST_CODE)


@dataclass(slots=True)
class CancelRequest(Message):
    """Sent on a new connection; the key is 4 bytes in 3.0 and up to 256 bytes in 3.2."""

    type_byte: ClassVar[bytes] = b""
    process_id: int
    secret_key: bytes = field(repr=False)

    def encode(self) -> bytes:
        key = self.secret_key
        if not _MIN_KEY <= len(key) <= _MAX_KEY:
            raise LocalProtocolError(f"cancel key must be 4 to 256 bytes, got {len(key)}")
        try:
            head = _I32.pack(12 + len(key)) + _U32.pack(CANCEL_REQUEST_CODE)
            return head + _I32.pack(self.process_id) + key
        except struct.error as e:
            raise _pack_error(type(self), e) from e

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        if not _MIN_KEY <= len(payload) - 8 <= _MAX_KEY:
            raise ProtocolViolation("invalid length of query cancel packet")
        r = _Reader(payload)
        _startup_code(r, CANCEL_REQUEST_CODE, "CancelRequest")
        return cls(r.int32(), r.rest())


def decode_startup_packet(
    payload: bytes,
) -> StartupMessage | SSLRequest | GSSENCRequest | CancelRequest:
    """Decode the first, untyped packet of a connection (the payload after its length word)."""
    if not 4 <= len(payload) <= MAX_STARTUP_PACKET:
        raise ProtocolViolation("invalid length of startup packet")
    code: int = _U32.unpack_from(payload)[0]
    if code == SSL_REQUEST_CODE:
        return SSLRequest.decode(payload)
    if code == GSSENC_REQUEST_CODE:
        return GSSENCRequest.decode(payload)
    if code == CANCEL_REQUEST_CODE:
        return CancelRequest.decode(payload)
    return StartupMessage.decode(payload)


# --------------------------------------------------------------------------------------------
# 'p': the password/SASL/GSS responses share a type byte; only the auth state tells them apart.


@dataclass(slots=True)
class PasswordMessage(Message):
    """A cleartext or MD5-hashed password."""

    type_byte: ClassVar[bytes] = b"p"
    password: str = field(repr=False)

    def encode(self) -> bytes:
        return _frame(b"p", _cstr(self.password))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        password = r.cstring()
        r.end()
        return cls(password)


@dataclass(slots=True)
class SASLInitialResponse(Message):
    type_byte: ClassVar[bytes] = b"p"
    mechanism: str
    data: bytes | None

    def encode(self) -> bytes:
        data = self.data
        if data is None:
            return _frame(b"p", _cstr(self.mechanism) + _NULL)
        return _frame(b"p", _cstr(self.mechanism) + _I32.pack(len(data)) + data)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        mechanism = r.cstring()
        data = r.value()
        r.end()
        return cls(mechanism, data)


@dataclass(slots=True)
class SASLResponse(Message):
    type_byte: ClassVar[bytes] = b"p"
    data: bytes

    def encode(self) -> bytes:
        return _frame(b"p", self.data)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        return cls(bytes(payload))


@dataclass(slots=True)
class GSSResponse(Message):
    type_byte: ClassVar[bytes] = b"p"
    data: bytes

    def encode(self) -> bytes:
        return _frame(b"p", self.data)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        return cls(bytes(payload))


# --------------------------------------------------------------------------------------------
# Frontend messages


@dataclass(slots=True)
class Query(Message):
    """A simple query: one string that may hold several statements."""

    type_byte: ClassVar[bytes] = b"Q"
    sql: str

    def encode(self) -> bytes:
        return _frame(b"Q", _cstr(self.sql))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        sql = r.cstring()
        r.end()
        return cls(sql)


@dataclass(slots=True)
class Parse(Message):
    type_byte: ClassVar[bytes] = b"P"
    name: str
    query: str
    param_types: list[int] = field(default_factory=list)

    def encode(self) -> bytes:
        try:
            types = _pack_u32s(self.param_types)
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"P", _cstr(self.name) + _cstr(self.query) + types)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        name = r.cstring()
        query = r.cstring()
        types = r.uint32_array(r.count())
        r.end()
        return cls(name, query, types)


@dataclass(slots=True)
class Bind(Message):
    """Parameter formats come as 0 entries (all text), 1 (applies to all) or one per value."""

    type_byte: ClassVar[bytes] = b"B"
    portal: str
    statement: str
    param_formats: list[int]
    params: list[bytes | None]
    result_formats: list[int]

    def encode(self) -> bytes:
        # Format codes and counts are written as given: the server judges them (see decode).
        pf, params, rf = self.param_formats, self.params, self.result_formats
        parts = [_cstr(self.portal), _cstr(self.statement)]
        try:
            parts.append(_pack_i16s(pf))
            _pack_values(parts, params)
            parts.append(_pack_i16s(rf))
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"B", b"".join(parts))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        # Format codes and their count are checked by the session, not here: PostgreSQL
        # answers a wrong code (22023) or count (08P01) with an ERROR, and the session lives.
        r = _Reader(payload)
        portal = r.cstring()
        statement = r.cstring()
        pf = r.int16_array(r.count())
        n = r.count()
        params = [r.value() for _ in range(n)]
        rf = r.int16_array(r.count())
        r.end()
        return cls(portal, statement, pf, params, rf)


def _kind_byte(kind: str, what: str) -> bytes:
    if kind != "S" and kind != "P":
        raise LocalProtocolError(f"{what} kind must be 'S' or 'P', got {kind!r}")
    return kind.encode()


def _read_kind(r: _Reader, what: str) -> str:
    kind = r.byte()
    if kind != 0x53 and kind != 0x50:  # 'S', 'P'
        raise ProtocolViolation(f"invalid {what} message subtype {kind}")
    return chr(kind)


@dataclass(slots=True)
class _Target(Message):
    """Describe and Close: a kind ('S' statement, 'P' portal) and a name."""

    _what: ClassVar[str] = ""
    kind: str
    name: str

    def encode(self) -> bytes:
        return _frame(self.type_byte, _kind_byte(self.kind, self._what) + _cstr(self.name))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        kind = _read_kind(r, cls._what.upper())
        name = r.cstring()
        r.end()
        return cls(kind, name)


@dataclass(slots=True)
class Describe(_Target):
    """Describe a prepared statement ('S') or a portal ('P')."""

    type_byte: ClassVar[bytes] = b"D"
    _what: ClassVar[str] = "Describe"


@dataclass(slots=True)
class Execute(Message):
    """Run a portal; max_rows 0 means no limit."""

    type_byte: ClassVar[bytes] = b"E"
    portal: str
    max_rows: int = 0

    def encode(self) -> bytes:
        try:
            return _frame(b"E", _cstr(self.portal) + _I32.pack(self.max_rows))
        except struct.error as e:
            raise _pack_error(type(self), e) from e

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        portal = r.cstring()
        max_rows = r.int32()
        r.end()
        return cls(portal, max_rows)


@dataclass(slots=True)
class Close(_Target):
    """Close a prepared statement ('S') or a portal ('P')."""

    type_byte: ClassVar[bytes] = b"C"
    _what: ClassVar[str] = "Close"


@dataclass(slots=True)
class Sync(_Empty):
    type_byte: ClassVar[bytes] = b"S"


@dataclass(slots=True)
class Flush(_Empty):
    type_byte: ClassVar[bytes] = b"H"


@dataclass(slots=True)
class Terminate(_Empty):
    type_byte: ClassVar[bytes] = b"X"


@dataclass(slots=True)
class CopyData(Message):
    """A chunk of COPY data, in either direction."""

    type_byte: ClassVar[bytes] = b"d"
    data: bytes

    def encode(self) -> bytes:
        return _frame(b"d", self.data)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        return cls(bytes(payload))


@dataclass(slots=True)
class CopyDone(_Empty):
    """End of COPY data, in either direction."""

    type_byte: ClassVar[bytes] = b"c"


@dataclass(slots=True)
class CopyFail(Message):
    type_byte: ClassVar[bytes] = b"f"
    message: str

    def encode(self) -> bytes:
        return _frame(b"f", _cstr(self.message))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        message = r.cstring()
        r.end()
        return cls(message)


@dataclass(slots=True)
class FunctionCall(Message):
    """The legacy fast-path function call."""

    type_byte: ClassVar[bytes] = b"F"
    function_oid: int
    arg_formats: list[int]
    args: list[bytes | None]
    result_format: int = 0

    def encode(self) -> bytes:
        af, args = self.arg_formats, self.args
        if len(af) > 1 and len(af) != len(args):
            raise LocalProtocolError(
                f"function call message has {len(af)} argument formats but {len(args)} arguments"
            )
        _check_formats_local(af)
        _check_formats_local((self.result_format,))
        try:
            parts = [_U32.pack(self.function_oid), _pack_i16s(af)]
            _pack_values(parts, args)
            parts.append(_I16.pack(self.result_format))
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"F", b"".join(parts))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        oid = r.uint32()
        af = r.formats()
        n = r.count()
        if len(af) > 1 and len(af) != n:
            raise ProtocolViolation(
                f"function call message contains {len(af)} argument formats but {n} arguments"
            )
        args = [r.value() for _ in range(n)]
        result_format = r.int16()
        _check_formats((result_format,))
        r.end()
        return cls(oid, af, args, result_format)


# --------------------------------------------------------------------------------------------
# Backend: the 'R' (authentication request) family


class Authentication(Message):
    """Base of the 'R' messages; decoding it dispatches on the int32 request code."""

    __slots__ = ()
    type_byte: ClassVar[bytes] = b"R"
    code: ClassVar[int] = -1

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        msg = decode_authentication(payload)
        if not isinstance(msg, cls):
            raise ProtocolViolation(
                f"expected {cls.__name__}, got {type(msg).__name__}"  # wrong request code
            )
        return msg

    @classmethod
    def _decode_body(cls, r: _Reader) -> Self:
        """Parse what follows the request code (the code is already checked)."""
        raise NotImplementedError


class _AuthNoData(Authentication):
    __slots__ = ()
    _frame: ClassVar[bytes] = b""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._frame = b"R" + _I32_I32.pack(8, cls.code)

    def encode(self) -> bytes:
        return self._frame

    @classmethod
    def _decode_body(cls, r: _Reader) -> Self:
        return cls()


@dataclass(slots=True)
class _AuthData(Authentication):
    """A request carrying opaque bytes (the rest of the payload)."""

    data: bytes

    def encode(self) -> bytes:
        return _frame(b"R", _I32.pack(self.code) + self.data)

    @classmethod
    def _decode_body(cls, r: _Reader) -> Self:
        return cls(r.rest())


@dataclass(slots=True)
class AuthenticationOk(_AuthNoData):
    code: ClassVar[int] = 0


@dataclass(slots=True)
class AuthenticationKerberosV5(_AuthNoData):
    code: ClassVar[int] = 2


@dataclass(slots=True)
class AuthenticationCleartextPassword(_AuthNoData):
    code: ClassVar[int] = 3


@dataclass(slots=True)
class AuthenticationMD5Password(Authentication):
    code: ClassVar[int] = 5
    salt: bytes

    def encode(self) -> bytes:
        if len(self.salt) != 4:
            raise LocalProtocolError(f"MD5 salt must be 4 bytes, got {len(self.salt)}")
        return b"R\x00\x00\x00\x0c\x00\x00\x00\x05" + self.salt

    @classmethod
    def _decode_body(cls, r: _Reader) -> Self:
        return cls(r.bytes_(4))


@dataclass(slots=True)
class AuthenticationGSS(_AuthNoData):
    code: ClassVar[int] = 7


@dataclass(slots=True)
class AuthenticationGSSContinue(_AuthData):
    code: ClassVar[int] = 8


@dataclass(slots=True)
class AuthenticationSSPI(_AuthNoData):
    code: ClassVar[int] = 9


@dataclass(slots=True)
class AuthenticationSASL(Authentication):
    """The SASL mechanisms the server offers, in order of preference."""

    code: ClassVar[int] = 10
    mechanisms: list[str]

    def encode(self) -> bytes:
        parts = [b"\x00\x00\x00\x0a"]
        for m in self.mechanisms:
            if not m:
                raise LocalProtocolError("SASL mechanism names must not be empty")
            parts.append(_cstr(m))
        parts.append(b"\x00")
        return _frame(b"R", b"".join(parts))

    @classmethod
    def _decode_body(cls, r: _Reader) -> Self:
        mechanisms: list[str] = []
        while True:
            m = r.cstring()
            if not m:
                return cls(mechanisms)
            mechanisms.append(m)


@dataclass(slots=True)
class AuthenticationSASLContinue(_AuthData):
    code: ClassVar[int] = 11


@dataclass(slots=True)
class AuthenticationSASLFinal(_AuthData):
    code: ClassVar[int] = 12


_AUTH_CLASSES: dict[int, type[Authentication]] = {
    c.code: c
    for c in (
        AuthenticationOk,
        AuthenticationKerberosV5,
        AuthenticationCleartextPassword,
        AuthenticationMD5Password,
        AuthenticationGSS,
        AuthenticationGSSContinue,
        AuthenticationSSPI,
        AuthenticationSASL,
        AuthenticationSASLContinue,
        AuthenticationSASLFinal,
    )
}


def decode_authentication(payload: bytes) -> Authentication:
    """Decode any 'R' payload into the class its request code names."""
    r = _Reader(payload)
    code = r.int32()
    cls = _AUTH_CLASSES.get(code)
    if cls is None:
        raise ProtocolViolation(f"authentication request type {code} not supported")
    msg = cls._decode_body(r)
    r.end()
    return msg


# --------------------------------------------------------------------------------------------
# Backend messages


@dataclass(slots=True)
class BackendKeyData(Message):
    """Process id and secret key for cancelling; the key is 4 bytes in 3.0, up to 256 in 3.2."""

    type_byte: ClassVar[bytes] = b"K"
    process_id: int
    secret_key: bytes = field(repr=False)

    def encode(self) -> bytes:
        key = self.secret_key
        if not _MIN_KEY <= len(key) <= _MAX_KEY:
            raise LocalProtocolError(f"cancel key must be 4 to 256 bytes, got {len(key)}")
        try:
            return _HDR.pack(b"K", 8 + len(key)) + _I32.pack(self.process_id) + key
        except struct.error as e:
            raise _pack_error(type(self), e) from e

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        if not _MIN_KEY <= len(payload) - 4 <= _MAX_KEY:
            raise ProtocolViolation(
                f"invalid BackendKeyData message: cancel key of {len(payload) - 4} bytes"
            )
        r = _Reader(payload)
        return cls(r.int32(), r.rest())


@dataclass(slots=True)
class ParameterStatus(Message):
    type_byte: ClassVar[bytes] = b"S"
    name: str
    value: str

    def encode(self) -> bytes:
        return _frame(b"S", _cstr(self.name) + _cstr(self.value))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        name = r.cstring()
        value = r.cstring()
        r.end()
        return cls(name, value)


READY_IDLE = b"Z\x00\x00\x00\x05I"
READY_IN_TRANSACTION = b"Z\x00\x00\x00\x05T"
READY_FAILED = b"Z\x00\x00\x00\x05E"
_READY = {"I": READY_IDLE, "T": READY_IN_TRANSACTION, "E": READY_FAILED}


@dataclass(slots=True)
class ReadyForQuery(Message):
    """status: 'I' idle, 'T' in a transaction, 'E' in a failed transaction."""

    type_byte: ClassVar[bytes] = b"Z"
    status: str

    def encode(self) -> bytes:
        frame = _READY.get(self.status)
        if frame is None:
            raise LocalProtocolError(f"invalid transaction status {self.status!r}")
        return frame

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        if len(payload) != 1:
            raise ProtocolViolation(_INVALID_FORMAT)
        status = chr(payload[0])
        if status not in _READY:
            raise ProtocolViolation(f"invalid transaction status {status!r} in ReadyForQuery")
        return cls(status)


@dataclass(slots=True)
class NegotiateProtocolVersion(Message):
    """The newest minor version the server supports and the `_pq_.` options it ignored."""

    type_byte: ClassVar[bytes] = b"v"
    newest_minor: int
    unrecognized: list[str] = field(default_factory=list)

    def encode(self) -> bytes:
        try:
            head = _I32_I32.pack(self.newest_minor, len(self.unrecognized))
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"v", head + b"".join(map(_cstr, self.unrecognized)))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        minor = r.int32()
        n = r.int32()
        if n < 0 or n > r.remaining():  # each name takes at least its NUL
            raise ProtocolViolation(f"invalid option count {n} in NegotiateProtocolVersion")
        names = [r.cstring() for _ in range(n)]
        r.end()
        return cls(minor, names)


@dataclass(slots=True)
class FieldDescription:
    """One column of a RowDescription."""

    name: str
    table_oid: int = 0
    column_attnum: int = 0
    type_oid: int = 25  # text
    type_size: int = -1
    type_modifier: int = -1
    format: int = 0


@dataclass(slots=True)
class RowDescription(Message):
    type_byte: ClassVar[bytes] = b"T"
    fields: list[FieldDescription]

    def encode(self) -> bytes:
        fields = self.fields
        pack = _FIELD.pack
        try:
            parts = [_U16.pack(len(fields))]
            for f in fields:
                if f.format != 0 and f.format != 1:
                    raise LocalProtocolError(f"unsupported format code: {f.format}")
                parts.append(_cstr(f.name))
                parts.append(
                    pack(
                        f.table_oid,
                        f.column_attnum,
                        f.type_oid,
                        f.type_size,
                        f.type_modifier,
                        f.format,
                    )
                )
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"T", b"".join(parts))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        n = r.count()
        fields = []
        for _ in range(n):
            name = r.cstring()
            try:
                table, attnum, oid, size, typmod, fmt = _FIELD.unpack_from(r.buf, r.pos)
            except struct.error:
                raise ProtocolViolation(_INSUFFICIENT) from None
            r.pos += _FIELD.size
            if fmt != 0 and fmt != 1:
                raise ProtocolViolation(f"unsupported format code: {fmt}")
            fields.append(FieldDescription(name, table, attnum, oid, size, typmod, fmt))
        r.end()
        return cls(fields)


def encode_data_row(values: Sequence[bytes | None]) -> bytes:
    """A DataRow frame; the server's hot path, so one join and no intermediate payload."""
    parts: list[bytes] = [b""]
    append = parts.append
    size = 6  # length word + column count
    pack = _I32.pack
    for v in values:
        if v is None:
            append(_NULL)
            size += 4
        else:
            n = len(v)
            append(pack(n))
            append(v)
            size += 4 + n
    try:
        parts[0] = _ROW_HDR.pack(b"D", size, len(values))
    except struct.error as e:
        raise LocalProtocolError(f"cannot encode DataRow: {e}") from e
    return b"".join(parts)


@dataclass(slots=True)
class DataRow(Message):
    """One row; each value is the already-encoded bytes or None for NULL."""

    type_byte: ClassVar[bytes] = b"D"
    values: list[bytes | None]

    def encode(self) -> bytes:
        return encode_data_row(self.values)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        # The client's hot path: a tight loop rather than _Reader calls.
        buf = payload if type(payload) is bytes else bytes(payload)
        size = len(buf)
        if size < 2:
            raise ProtocolViolation(_INSUFFICIENT)
        n: int = _U16.unpack_from(buf)[0]
        pos = 2
        values: list[bytes | None] = []
        append = values.append
        unpack = _I32.unpack_from
        for _ in range(n):
            if pos + 4 > size:
                raise ProtocolViolation(_INSUFFICIENT)
            length: int = unpack(buf, pos)[0]
            pos += 4
            if length == -1:
                append(None)
                continue
            end = pos + length
            if length < 0:
                raise ProtocolViolation(f"invalid value length {length}")
            if end > size:
                raise ProtocolViolation(_INSUFFICIENT)
            append(buf[pos:end])
            pos = end
        if pos != size:
            raise ProtocolViolation(_INVALID_FORMAT)
        return cls(values)


@dataclass(slots=True)
class CommandComplete(Message):
    """The command tag, e.g. 'SELECT 3', 'INSERT 0 1'."""

    type_byte: ClassVar[bytes] = b"C"
    tag: str

    def encode(self) -> bytes:
        return _frame(b"C", _cstr(self.tag))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        tag = r.cstring()
        r.end()
        return cls(tag)


@dataclass(slots=True)
class EmptyQueryResponse(_Empty):
    type_byte: ClassVar[bytes] = b"I"


@dataclass(slots=True)
class _Fields(Message):
    """ErrorResponse and NoticeResponse: (code byte, string) pairs ended by a zero byte.

    A repeated field code keeps the last value, as libpq does.
    """

    fields: dict[str, str]

    def encode(self) -> bytes:
        parts = []
        for code, value in self.fields.items():
            if len(code) != 1 or not "\x01" <= code <= "\x7f":
                raise LocalProtocolError(f"field code must be one ASCII character: {code!r}")
            parts.append(code.encode())
            parts.append(_cstr(value))
        parts.append(b"\x00")
        return _frame(self.type_byte, b"".join(parts))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        fields: dict[str, str] = {}
        while True:
            code = r.byte()
            if code == 0:
                break
            if code > 0x7F:
                raise ProtocolViolation(f"invalid field code {code} in {cls.__name__}")
            fields[chr(code)] = r.cstring()
        r.end()
        return cls(fields)

    @classmethod
    def from_error(cls, err: PgError) -> Self:
        return cls(err.fields())

    def to_error(self) -> PgError:
        return PgError.from_fields(self.fields)


@dataclass(slots=True)
class ErrorResponse(_Fields):
    type_byte: ClassVar[bytes] = b"E"


@dataclass(slots=True)
class NoticeResponse(_Fields):
    type_byte: ClassVar[bytes] = b"N"


@dataclass(slots=True)
class ParseComplete(_Empty):
    type_byte: ClassVar[bytes] = b"1"


@dataclass(slots=True)
class BindComplete(_Empty):
    type_byte: ClassVar[bytes] = b"2"


@dataclass(slots=True)
class CloseComplete(_Empty):
    type_byte: ClassVar[bytes] = b"3"


@dataclass(slots=True)
class NoData(_Empty):
    type_byte: ClassVar[bytes] = b"n"


@dataclass(slots=True)
class PortalSuspended(_Empty):
    type_byte: ClassVar[bytes] = b"s"


@dataclass(slots=True)
class ParameterDescription(Message):
    type_byte: ClassVar[bytes] = b"t"
    type_oids: list[int]

    def encode(self) -> bytes:
        try:
            return _frame(b"t", _pack_u32s(self.type_oids))
        except struct.error as e:
            raise _pack_error(type(self), e) from e

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        oids = r.uint32_array(r.count())
        r.end()
        return cls(oids)


@dataclass(slots=True)
class _CopyResponse(Message):
    """CopyIn/CopyOut/CopyBothResponse: overall format (int8) and one format per column."""

    format: int
    column_formats: list[int]

    def encode(self) -> bytes:
        _check_formats_local((self.format,))
        _check_formats_local(self.column_formats)
        try:
            payload = bytes((self.format,)) + _pack_i16s(self.column_formats)
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(self.type_byte, payload)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        fmt = r.byte()
        _check_formats((fmt,))
        column_formats = r.formats()
        r.end()
        return cls(fmt, column_formats)


@dataclass(slots=True)
class CopyInResponse(_CopyResponse):
    type_byte: ClassVar[bytes] = b"G"


@dataclass(slots=True)
class CopyOutResponse(_CopyResponse):
    type_byte: ClassVar[bytes] = b"H"


@dataclass(slots=True)
class CopyBothResponse(_CopyResponse):
    type_byte: ClassVar[bytes] = b"W"


@dataclass(slots=True)
class NotificationResponse(Message):
    """A NOTIFY delivered to a listening session."""

    type_byte: ClassVar[bytes] = b"A"
    process_id: int
    channel: str
    payload: str = ""

    def encode(self) -> bytes:
        try:
            pid = _I32.pack(self.process_id)
        except struct.error as e:
            raise _pack_error(type(self), e) from e
        return _frame(b"A", pid + _cstr(self.channel) + _cstr(self.payload))

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        pid = r.int32()
        channel = r.cstring()
        text = r.cstring()
        r.end()
        return cls(pid, channel, text)


@dataclass(slots=True)
class FunctionCallResponse(Message):
    type_byte: ClassVar[bytes] = b"V"
    result: bytes | None

    def encode(self) -> bytes:
        result = self.result
        if result is None:
            return _frame(b"V", _NULL)
        return _frame(b"V", _I32.pack(len(result)) + result)

    @classmethod
    def decode(cls, payload: bytes) -> Self:
        r = _Reader(payload)
        result = r.value()
        r.end()
        return cls(result)


# --------------------------------------------------------------------------------------------
# Constant frames for the hot paths, and the registries

PARSE_COMPLETE = b"1\x00\x00\x00\x04"
BIND_COMPLETE = b"2\x00\x00\x00\x04"
CLOSE_COMPLETE = b"3\x00\x00\x00\x04"
NO_DATA = b"n\x00\x00\x00\x04"
EMPTY_QUERY_RESPONSE = b"I\x00\x00\x00\x04"
PORTAL_SUSPENDED = b"s\x00\x00\x00\x04"
COPY_DONE = b"c\x00\x00\x00\x04"
SYNC = b"S\x00\x00\x00\x04"
FLUSH = b"H\x00\x00\x00\x04"
TERMINATE = b"X\x00\x00\x00\x04"

FRONTEND: dict[bytes, type[Message]] = {
    c.type_byte: c
    for c in (
        Query,
        Parse,
        Bind,
        Describe,
        Execute,
        Close,
        Sync,
        Flush,
        Terminate,
        CopyData,
        CopyDone,
        CopyFail,
        FunctionCall,
        # 'p' is ambiguous; the Connection re-decodes it as SASL/GSS by its auth state.
        PasswordMessage,
    )
}

BACKEND: dict[bytes, type[Message]] = {
    c.type_byte: c
    for c in (
        Authentication,
        BackendKeyData,
        ParameterStatus,
        ReadyForQuery,
        NegotiateProtocolVersion,
        RowDescription,
        DataRow,
        CommandComplete,
        EmptyQueryResponse,
        ErrorResponse,
        NoticeResponse,
        ParseComplete,
        BindComplete,
        CloseComplete,
        NoData,
        PortalSuspended,
        ParameterDescription,
        CopyInResponse,
        CopyOutResponse,
        CopyBothResponse,
        NotificationResponse,
        FunctionCallResponse,
        CopyData,
        CopyDone,
    )
}
