"""A DuckDB exception as a PgError: the nearest SQLSTATE, PostgreSQL's wording where it has one,
and DuckDB's LINE/caret excerpt as a cursor position in the client's SQL.
"""

from __future__ import annotations

import re
from typing import Any

from pgwire import sqlstate
from pgwire.errors import PgError

__all__ = ["to_pg_error"]


_PREFIX = re.compile(r"^[A-Za-z][A-Za-z ]*? Error: ")
_LINE = re.compile(r"LINE (\d+): (.*)\n( *)\^")
_DEPENDS_ON = re.compile(r'depends on (\w+) "(.+?)"\.?$')

# DuckDB's type names in its messages, as PostgreSQL names the types.
_PG_TYPES = {
    "INT16": "smallint", "INT32": "integer", "INT64": "bigint", "INT128": "numeric",
    "FLOAT": "real", "DOUBLE": "double precision", "DECIMAL": "numeric", "BOOL": "boolean",
    "VARCHAR": "text", "BLOB": "bytea", "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}  # fmt: skip
_INTEGERS = r"(?P<type>INT16|INT32|INT64)"
_DECIMAL = r"DECIMAL\((?P<precision>\d+),(?P<scale>\d+)\)"
_NUMERIC_OVERFLOW = (
    "numeric field overflow",
    "A field with precision {precision}, scale {scale} must round to an absolute value less"
    " than {limit}.",
)

# (exception class name, pattern on the message, SQLSTATE, PostgreSQL's wording or None, and
# optionally its detail). The wording is formatted with the pattern's groups: {0} by number,
# named ones by name ({type} in PostgreSQL's spelling); the named groups table and column also
# fill the error's fields of those names.
_Rule = tuple[str, re.Pattern[str], str, str | None, str | None]


def _rule(
    cls: str, pattern: str, code: str, wording: str | None, detail: str | None = None
) -> _Rule:
    return cls, re.compile(pattern, re.IGNORECASE | re.DOTALL), code, wording, detail


_ROWS: list[tuple[Any, ...]] = [
    ("Error", r"read-only", "25006", None),
    ("CatalogException", r'^Table with name "?(.+?)"? does not exist', "42P01",
     'relation "{0}" does not exist'),
    ("CatalogException", r'^(?:Table|View) with name "?(.+?)"? already exists', "42P07",
     'relation "{0}" already exists'),
    ("CatalogException", r"^(?:Scalar |Table |Aggregate |Pragma |Macro )?Function with "
     r'name "?(.+?)"? does not exist', "42883", "function {0} does not exist"),
    ("CatalogException", r'^Type with name "?(.+?)"? does not exist', "42704",
     'type "{0}" does not exist'),
    ("CatalogException", r'^Schema with name "?(.+?)"? does not exist', "3F000",
     'schema "{0}" does not exist'),
    # main is PostgreSQL's public (see pgwire.backends.qualified)
    ("CatalogException", r'^Schema with name "?main"? already exists', "42P06",
     'schema "public" already exists'),
    ("CatalogException", r'^Cannot drop entry "main" because it is an internal', "0A000",
     "cannot drop schema public, the default schema of DuckDB"),
    ("CatalogException", r'^Schema with name "?(.+?)"? already exists', "42P06",
     'schema "{0}" already exists'),
    ("CatalogException", r"^(?:View|Sequence) with name .* does not exist", "42P01", None),
    ("CatalogException", r"^unrecognized configuration parameter", "42704", None),
    ("CatalogException", r"does not exist", "42704", None),
    ("CatalogException", r"already exists", "42710", None),
    # 'Cannot drop this column: an index depends on it' (PostgreSQL drops the index too)
    ("CatalogException", r"depends on it", "2BP01", None),
    ("CatalogException", r"", "42P01", None),
    ("BinderException", r'^Referenced column "(.+?)" not found', "42703",
     'column "{0}" does not exist'),
    ("BinderException", r"^Referenced table .* not found", "42P01", None),
    ("BinderException", r"^Ambiguous reference", "42702", None),
    ("BinderException", r"must appear in the GROUP BY clause", "42803", None),
    ("BinderException", r"^No function matches", "42883", None),
    ("BinderException", r"^Could not choose a best candidate", "42725", None),
    ("BinderException", r"^Cannot change the type of a column", "0A000", None),
    ("BinderException", r"^Unknown index type", "0A000", None),
    ("BinderException", r"", "42000", None),
    # The constraint's name and PostgreSQL's wording come from the catalog (violations.py).
    ("ConstraintException", r"duplicate key|unique constraint|primary key", "23505", None),
    ("ConstraintException", r"^NOT NULL constraint failed: (?P<table>.+)\.(?P<column>.+)$",
     "23502", 'null value in column "{column}" of relation "{table}" violates not-null '
     "constraint"),
    ("ConstraintException", r"NOT NULL", "23502", None),
    ("ConstraintException", r"foreign key", "23503", None),
    ("ConstraintException", r"CHECK constraint", "23514", None),
    ("ConstraintException", r"", "23000", None),
    ("ConversionException", rf"^Could not convert string '(\s*[+-]?\d+\s*)' to {_INTEGERS}$",
     "22003", 'value "{0}" is out of range for type {type}'),
    ("ConversionException", rf"^Could not convert string '(.*)' to {_INTEGERS}$", "22P02",
     'invalid input syntax for type {type}: "{0}"'),
    ("ConversionException", r"^Type \w+ with value .* can't be cast because the value is out "
     rf"of range for the destination type {_INTEGERS}$", "22003", "{type} out of range"),
    ("ConversionException", rf'^Casting value ".*" to type {_DECIMAL} failed: value is out '
     "of range", "22003", *_NUMERIC_OVERFLOW),
    ("ConversionException", rf'^Could not convert string "[+-]?[\d.]+(?:e[+-]?\d+)?" to '
     rf"{_DECIMAL}$", "22003", *_NUMERIC_OVERFLOW),
    ("ConversionException", r'^Could not convert string ["\'](.*)["\'] to '
     r"(?P<type>INTERVAL)$", "22007", 'invalid input syntax for type {type}: "{0}"'),
    ("ConversionException", r'^Could not convert string ["\'](.*)["\'] to (?P<type>\w+)',
     "22P02", 'invalid input syntax for type {type}: "{0}"'),
    ("ConversionException", r'^(?:date|timestamp|time) field value out of range: "(.*?)"',
     "22008", 'date/time field value out of range: "{0}"'),
    ("ConversionException", r'^invalid (?P<type>date|timestamp|time) field format: "(.*?)"',
     "22007", 'invalid input syntax for type {type}: "{1}"'),
    ("ConversionException", r"out of range", "22003", None),
    ("ConversionException", r"date|time|interval", "22007", None),
    ("ConversionException", r"", "22P02", None),
    ("InvalidInputException", r"division by zero", "22012", "division by zero"),
    ("InvalidInputException", r"^Values were not provided", "08P01", None),
    ("InvalidInputException", r"", "22023", None),
    ("TransactionException", r"transaction is aborted", "25P02",
     "current transaction is aborted, commands ignored until end of transaction block"),
    ("TransactionException", r"within a transaction", "25001", None),
    ("TransactionException", r"no transaction is active", "25P01", None),
    ("TransactionException", r"conflict", "40001", None),
    ("TransactionException", r"", "25000", None),
    ("InterruptException", r"", "57014", "canceling statement due to user request"),
    ("ParserException", r"^FOREIGN KEY constraints cannot use", "0A000",
     "FOREIGN KEY ... ON DELETE/UPDATE CASCADE, SET NULL and SET DEFAULT are not supported"
     " on DuckDB"),
    ("ParserException", r"", "42601", None),
    ("SyntaxException", r"", "42601", None),
    ("OutOfRangeException", rf"^Overflow in \w+ of {_INTEGERS} ", "22003",
     "{type} out of range"),
    ("OutOfRangeException", r"", "22003", None),
    ("NotImplementedException", r"", "0A000", None),
    ("PermissionException", r"", "42501", None),
    ("DependencyException", r"", "2BP01", None),
    ("SequenceException", r"", "2200H", None),
    ("TypeMismatchException", r"", "42804", None),
    ("InvalidTypeException", r"", "42804", None),
    ("IOException", r"", "58030", None),
    ("HTTPException", r"", "58030", None),
    ("OutOfMemoryException", r"", "53200", None),
    ("ConnectionException", r"", "08000", None),
]  # fmt: skip
_RULES = [_rule(*row) for row in _ROWS]


def to_pg_error(exc: BaseException, sql: str = "") -> PgError:
    """A DuckDB exception as a PgError: nearest SQLSTATE, DuckDB's prefixes stripped, the
    'Did you mean' line as hint and the LINE/caret excerpt as a cursor position in `sql`."""
    text = _PREFIX.sub("", str(exc), count=1)
    body, _, excerpt = text.partition("\n\nLINE ")
    lines = [line.strip() for line in body.split("\n")]
    message = lines[0].rstrip("!") or type(exc).__name__
    hint = None
    details = []
    for line in lines[1:]:
        if not line:
            continue
        if line.startswith("Did you mean") or line.startswith("Candidate bindings"):
            hint = line if hint is None else f"{hint} {line}"
        else:
            details.append(line)
    code = sqlstate.INTERNAL_ERROR
    names = {cls.__name__ for cls in type(exc).__mro__}
    fields: dict[str, str] = {}
    for cls, pattern, rule_code, wording, detail in _RULES:
        if cls in names:
            match = pattern.search(message)
            if match:
                code = rule_code
                groups = _named(match)
                if wording is not None:
                    message = wording.format(*match.groups(), **groups)
                if detail is not None:
                    details = [detail.format(**groups)]
                fields = {k: v for k, v in groups.items() if k in ("table", "column")}
                break
    if code == "2BP01":
        # DuckDB's detail names what depends on what: PostgreSQL's message names the latter.
        found = next(filter(None, map(_DEPENDS_ON.search, details)), None)
        if found is not None:
            message = f"cannot drop {found[1]} {found[2]} because other objects depend on it"
    position = _position(excerpt, sql) if excerpt else None
    return PgError(
        message,
        code,
        detail="\n".join(details) or None,
        hint=hint,
        position=position,
        table=fields.get("table"),
        column=fields.get("column"),
    )


def _named(match: re.Match[str]) -> dict[str, str]:
    """A rule's named groups, with DuckDB's type name spelled as PostgreSQL's and a numeric
    type's limit (10^(precision - scale)) as PostgreSQL's overflow detail gives it."""
    groups = {k: v for k, v in match.groupdict().items() if v is not None}
    if "type" in groups:
        name = groups["type"].upper()
        groups["type"] = _PG_TYPES.get(name, name.lower())
    if "precision" in groups:
        digits = int(groups["precision"]) - int(groups["scale"])
        groups["limit"] = f"10^{digits}" if digits > 0 else "1"
    return groups


def _position(excerpt: str, sql: str) -> int | None:
    """1-based character position in `sql` of DuckDB's caret ('LINE 1: ...\\n   ^^^')."""
    match = _LINE.match("LINE " + excerpt)
    if not match or not sql:
        return None
    line_no, shown, spaces = int(match[1]), match[2], len(match[3])
    column = spaces - len(f"LINE {line_no}: ")
    sql_lines = sql.split("\n")
    if not 1 <= line_no <= len(sql_lines) or column < 0:
        return None
    line = sql_lines[line_no - 1]
    start = 0
    if shown.startswith("..."):  # DuckDB shortened a long line: find the piece it shows
        piece = shown[3:]
        piece = piece[:-3] if piece.endswith("...") else piece
        found = line.find(piece)
        if found < 0:
            return None
        start, column = found, column - 3
    offset = sum(len(previous) + 1 for previous in sql_lines[: line_no - 1])
    return offset + start + column + 1
