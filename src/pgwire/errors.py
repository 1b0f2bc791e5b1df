"""Errors that know their wire reply.

`PgError` carries every field of PostgreSQL's ErrorResponse/NoticeResponse, so any layer can
raise one and the server turns it into bytes unchanged. Protocol errors say whose fault it is:
`ProtocolViolation` (the peer broke the protocol; 08P01, fatal) versus `LocalProtocolError`
(our own code misused the core).
"""

from __future__ import annotations

from typing import Any

from pgwire import sqlstate

# Field codes of ErrorResponse/NoticeResponse, in the order PostgreSQL sends them.
FIELD_CODES: dict[str, str] = {
    "severity": "S",
    "severity_nonlocalized": "V",
    "sqlstate": "C",
    "message": "M",
    "detail": "D",
    "hint": "H",
    "position": "P",
    "internal_position": "p",
    "internal_query": "q",
    "where": "W",
    "schema": "s",
    "table": "t",
    "column": "c",
    "data_type": "d",
    "constraint": "n",
    "file": "F",
    "line": "L",
    "routine": "R",
}
FIELD_NAMES: dict[str, str] = {code: name for name, code in FIELD_CODES.items()}

SEVERITIES = frozenset({"ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "DEBUG", "INFO", "LOG"})


class PgError(Exception):
    """An error (or notice) with PostgreSQL's fields; raise it from handlers.

    >>> raise PgError("relation \"t\" does not exist", sqlstate.UNDEFINED_TABLE)
    """

    def __init__(
        self,
        message: str,
        code: str = sqlstate.INTERNAL_ERROR,
        *,
        severity: str = "ERROR",
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
        internal_position: int | None = None,
        internal_query: str | None = None,
        where: str | None = None,
        schema: str | None = None,
        table: str | None = None,
        column: str | None = None,
        data_type: str | None = None,
        constraint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        routine: str | None = None,
    ) -> None:
        super().__init__(message)
        if len(code) != 5:
            raise ValueError(f"SQLSTATE must have 5 characters, got {code!r}")
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        self.message = message
        self.sqlstate = code
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.position = position
        self.internal_position = internal_position
        self.internal_query = internal_query
        self.where = where
        self.schema = schema
        self.table = table
        self.column = column
        self.data_type = data_type
        self.constraint = constraint
        self.file = file
        self.line = line
        self.routine = routine

    @property
    def is_fatal(self) -> bool:
        return self.severity in ("FATAL", "PANIC")

    def fields(self) -> dict[str, str]:
        """The ErrorResponse fields, keyed by their one-letter protocol codes."""
        out: dict[str, str] = {"S": self.severity, "V": self.severity, "C": self.sqlstate}
        out["M"] = self.message
        for name in FIELD_CODES:
            if name in ("severity", "severity_nonlocalized", "sqlstate", "message"):
                continue
            value: Any = getattr(self, name)
            if value is not None:
                out[FIELD_CODES[name]] = str(value)
        return out

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> PgError:
        """Rebuild an error received from a server (the client and proxy use this)."""
        kwargs: dict[str, Any] = {}
        for code, value in fields.items():
            name = FIELD_NAMES.get(code)
            if name is None or name in ("severity_nonlocalized", "sqlstate", "message"):
                continue
            if name in ("position", "internal_position", "line"):
                kwargs[name] = int(value) if value.isdigit() else None
            else:
                kwargs[name] = value
        severity = fields.get("V") or fields.get("S") or "ERROR"
        kwargs["severity"] = severity if severity in SEVERITIES else "ERROR"
        code = fields.get("C", sqlstate.INTERNAL_ERROR)
        if len(code) != 5:
            code = sqlstate.INTERNAL_ERROR
        return cls(fields.get("M", ""), code, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, {self.sqlstate!r})"


class ProtocolViolation(PgError):
    """The peer broke the protocol. Always fatal: the connection cannot be trusted after it."""

    def __init__(self, message: str, code: str = sqlstate.PROTOCOL_VIOLATION) -> None:
        super().__init__(message, code, severity="FATAL")


class LocalProtocolError(Exception):
    """Our own code asked the protocol core for something the protocol does not allow."""
