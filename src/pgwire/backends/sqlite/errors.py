"""A sqlite3 exception as a PgError: the nearest SQLSTATE, by SQLite's (extended) result code
and its message, with PostgreSQL's wording where it has one.
"""

from __future__ import annotations

import re
import sqlite3

from pgwire import sqlstate
from pgwire.errors import PgError

__all__ = ["to_pg_error"]

# Extended result codes first (sqlite3's sqlite_errorcode), then the primary code.
_BY_CODE: dict[int, str] = {
    2067: sqlstate.UNIQUE_VIOLATION,  # SQLITE_CONSTRAINT_UNIQUE
    1555: sqlstate.UNIQUE_VIOLATION,  # SQLITE_CONSTRAINT_PRIMARYKEY
    1299: sqlstate.NOT_NULL_VIOLATION,  # SQLITE_CONSTRAINT_NOTNULL
    787: sqlstate.FOREIGN_KEY_VIOLATION,  # SQLITE_CONSTRAINT_FOREIGNKEY
    275: sqlstate.CHECK_VIOLATION,  # SQLITE_CONSTRAINT_CHECK
    517: sqlstate.T_R_SERIALIZATION_FAILURE,  # SQLITE_BUSY_SNAPSHOT
    5: sqlstate.LOCK_NOT_AVAILABLE,  # SQLITE_BUSY
    6: sqlstate.LOCK_NOT_AVAILABLE,  # SQLITE_LOCKED
    7: sqlstate.OUT_OF_MEMORY,  # SQLITE_NOMEM
    8: sqlstate.READ_ONLY_SQL_TRANSACTION,  # SQLITE_READONLY
    9: sqlstate.QUERY_CANCELED,  # SQLITE_INTERRUPT
    10: sqlstate.IO_ERROR,  # SQLITE_IOERR
    11: sqlstate.DATA_CORRUPTED,  # SQLITE_CORRUPT
    13: sqlstate.DISK_FULL,  # SQLITE_FULL
    14: sqlstate.IO_ERROR,  # SQLITE_CANTOPEN
    18: sqlstate.PROGRAM_LIMIT_EXCEEDED,  # SQLITE_TOOBIG
    19: sqlstate.INTEGRITY_CONSTRAINT_VIOLATION,  # SQLITE_CONSTRAINT
    20: sqlstate.DATATYPE_MISMATCH,  # SQLITE_MISMATCH
    25: sqlstate.PROTOCOL_VIOLATION,  # SQLITE_RANGE: a parameter number out of range
    26: sqlstate.IO_ERROR,  # SQLITE_NOTADB
}

# (pattern on SQLite's message, SQLSTATE, PostgreSQL's wording or None to keep SQLite's)
_RULES: list[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(pattern, re.IGNORECASE | re.DOTALL), code, wording)
    for pattern, code, wording in [
        (r"^no such table: (?:main\.)?(.+)$", sqlstate.UNDEFINED_TABLE,
         'relation "{0}" does not exist'),
        (r"^no such view: (?:main\.)?(.+)$", sqlstate.UNDEFINED_TABLE,
         'relation "{0}" does not exist'),
        (r"^no such column: (.+)$", sqlstate.UNDEFINED_COLUMN, 'column "{0}" does not exist'),
        (r"^table \S+ has no column named (.+)$", sqlstate.UNDEFINED_COLUMN,
         'column "{0}" does not exist'),
        (r"^no such function: (.+)$", sqlstate.UNDEFINED_FUNCTION, "function {0} does not exist"),
        (r"^wrong number of arguments to function (.+?)\(\)$", sqlstate.UNDEFINED_FUNCTION,
         "function {0} does not exist"),
        (r"^no such index: (.+)$", sqlstate.UNDEFINED_OBJECT, 'index "{0}" does not exist'),
        (r"^no such savepoint: (.+)$", sqlstate.S_E_INVALID_SPECIFICATION,
         'savepoint "{0}" does not exist'),
        (r"^no such collation sequence", sqlstate.UNDEFINED_OBJECT, None),
        (r"^no such", sqlstate.UNDEFINED_OBJECT, None),
        (r"^(?:table|view) \"?(.+?)\"? already exists$", sqlstate.DUPLICATE_TABLE,
         'relation "{0}" already exists'),
        (r"^index \"?(.+?)\"? already exists$", sqlstate.DUPLICATE_TABLE,
         'relation "{0}" already exists'),
        (r"already exists", sqlstate.DUPLICATE_OBJECT, None),
        (r"^duplicate column name: (.+)$", sqlstate.DUPLICATE_COLUMN,
         'column "{0}" specified more than once'),
        (r"^ambiguous column name: (.+)$", sqlstate.AMBIGUOUS_COLUMN,
         'column reference "{0}" is ambiguous'),
        (r'^near "(.+?)": syntax error$', sqlstate.SYNTAX_ERROR, 'syntax error at or near "{0}"'),
        (r"^incomplete input$", sqlstate.SYNTAX_ERROR, "syntax error at end of input"),
        (r"^unrecognized token: \"?(.+?)\"?$", sqlstate.SYNTAX_ERROR,
         'syntax error at or near "{0}"'),
        (r"syntax error", sqlstate.SYNTAX_ERROR, None),
        (r"^misuse of aggregate", sqlstate.GROUPING_ERROR, None),
        (r"GROUP BY", sqlstate.GROUPING_ERROR, None),
        (r"^integer overflow$", sqlstate.NUMERIC_VALUE_OUT_OF_RANGE, "bigint out of range"),
        (r"^too many (?:SQL variables|columns|terms)", sqlstate.PROGRAM_LIMIT_EXCEEDED, None),
        (r"^cannot commit - no transaction is active", sqlstate.NO_ACTIVE_SQL_TRANSACTION, None),
        (r"^cannot rollback - no transaction is active", sqlstate.NO_ACTIVE_SQL_TRANSACTION,
         None),
        (r"within a transaction", sqlstate.ACTIVE_SQL_TRANSACTION, None),
        (r"^sub-select returns", sqlstate.SYNTAX_ERROR, None),
        (r"SELECTs to the left and right of", sqlstate.SYNTAX_ERROR,
         "each UNION query must have the same number of columns"),
        (r"^Incorrect number of bindings", sqlstate.PROTOCOL_VIOLATION, None),
        (r"^parameters are not allowed", sqlstate.FEATURE_NOT_SUPPORTED, None),
        (r"^not authorized", sqlstate.INSUFFICIENT_PRIVILEGE, None),
    ]
]  # fmt: skip

# Errors PostgreSQL points at a token for: the one SQLite names, where the client's SQL has it.
_POSITIONED = frozenset(
    {sqlstate.SYNTAX_ERROR, sqlstate.UNDEFINED_TABLE, sqlstate.UNDEFINED_COLUMN}
)

_CONSTRAINT = re.compile(
    r"^(NOT NULL|UNIQUE|PRIMARY KEY|FOREIGN KEY|CHECK) constraint failed(?:: (.*))?$",
    re.IGNORECASE | re.DOTALL,
)


def to_pg_error(exc: BaseException, sql: str = "") -> PgError:
    """A sqlite3 exception as a PgError: the nearest SQLSTATE, PostgreSQL's wording where it
    has one (SQLite's own message then goes in the detail), and the cursor position of the
    token a syntax error names."""
    message = str(exc) or type(exc).__name__
    code = getattr(exc, "sqlite_errorcode", None)
    state = None
    if isinstance(code, int):
        state = _BY_CODE.get(code) or _BY_CODE.get(code & 0xFF)
    if state in (sqlstate.LOCK_NOT_AVAILABLE, sqlstate.T_R_SERIALIZATION_FAILURE):
        return _lock_error(state, message)
    if state == sqlstate.QUERY_CANCELED:
        return PgError("canceling statement due to user request", state)
    constraint = _CONSTRAINT.match(message)
    if constraint is not None:
        kind = constraint.group(1).upper().split()[0]  # NOT, UNIQUE, PRIMARY, FOREIGN, CHECK
        return _constraint_error(state, kind, constraint.group(2), message)
    for pattern, rule_code, wording in _RULES:
        match = pattern.search(message)
        if match:
            if wording is None:
                return PgError(message, rule_code)
            text = wording.format(*(g.strip('"') for g in match.groups()))
            position = None
            if match.groups() and rule_code in _POSITIONED:
                position = _position(sql, match.group(1).strip('"'))
            return PgError(text, rule_code, detail=f"SQLite: {message}", position=position)
    if state is not None:
        return PgError(message, state)
    if isinstance(exc, sqlite3.IntegrityError):
        return PgError(message, sqlstate.INTEGRITY_CONSTRAINT_VIOLATION)
    if isinstance(exc, sqlite3.DataError):
        return PgError(message, sqlstate.DATA_EXCEPTION)
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.OperationalError):
        return PgError(message, sqlstate.SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION)
    return PgError(message, sqlstate.INTERNAL_ERROR)


def _lock_error(state: str, message: str) -> PgError:
    if state == sqlstate.T_R_SERIALIZATION_FAILURE:
        return PgError(
            "could not serialize access due to concurrent update",
            state,
            detail=f"SQLite: {message} (another session committed a write after this "
            "transaction's snapshot)",
            hint="Retry the transaction.",
        )
    return PgError(
        "could not obtain lock on the SQLite database",
        state,
        detail=f"SQLite: {message} (another session holds the write lock)",
        hint="SQLite allows one writer at a time: retry, or keep write transactions short.",
    )


def _constraint_error(state: str | None, kind: str, target: str | None, message: str) -> PgError:
    """SQLite names the columns ('t.a, t.b') or the CHECK constraint; PostgreSQL's wording."""
    columns = [part.strip() for part in (target or "").split(",") if part.strip()]
    table = columns[0].split(".")[0] if columns and "." in columns[0] else None
    names = [c.split(".", 1)[-1] for c in columns]
    detail = f"SQLite: {message}"
    if kind in ("UNIQUE", "PRIMARY"):
        constraint = f"{table}_{'_'.join(names)}_key" if table and names else None
        if kind == "PRIMARY" and table:
            constraint = f"{table}_pkey"
        return PgError(
            "duplicate key value violates unique constraint"
            + (f' "{constraint}"' if constraint else ""),
            sqlstate.UNIQUE_VIOLATION,
            detail=f"Key ({', '.join(names)}) already exists." if names else detail,
            table=table,
            constraint=constraint,
        )
    if kind == "NOT":  # "NOT NULL constraint failed: t.a"
        column = names[0] if names else None
        where = f' of relation "{table}"' if table else ""
        return PgError(
            f'null value in column "{column}"{where} violates not-null constraint',
            sqlstate.NOT_NULL_VIOLATION,
            detail=detail,
            table=table,
            column=column,
        )
    if kind == "FOREIGN":
        return PgError(
            "insert or update on table violates foreign key constraint",
            sqlstate.FOREIGN_KEY_VIOLATION,
            detail=detail,
        )
    if kind == "CHECK":
        name = target.strip() if target else None
        return PgError(
            "new row violates check constraint" + (f' "{name}"' if name else ""),
            sqlstate.CHECK_VIOLATION,
            detail=detail,
            constraint=name,
        )
    return PgError(message, state or sqlstate.INTEGRITY_CONSTRAINT_VIOLATION)


def _position(sql: str, token: str) -> int | None:
    """1-based position of the token SQLite names, when it occurs once in the client's SQL."""
    if not sql or not token:
        return None
    lowered, wanted = sql.lower(), token.lower()
    found = lowered.find(wanted)
    if found < 0 or lowered.find(wanted, found + 1) >= 0:
        return None
    return found + 1
