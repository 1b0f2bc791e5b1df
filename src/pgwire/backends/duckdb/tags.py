"""PostgreSQL's CommandComplete tag for a DuckDB statement, from DuckDB's statement type and the
statement's leading words: DuckDB's types are coarser ('CREATE' for CREATE TABLE and CREATE
VIEW, 'UPDATE' for TRUNCATE) and it names some objects its own way (a MACRO is a FUNCTION).
"""

from __future__ import annotations

from pgwire.handler import command_tag
from pgwire.sql import leading_words

__all__ = ["COUNTED_TYPES", "ROW_VERBS", "command_tag_for"]

_CREATE_SKIP = {"OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "PERSISTENT", "GLOBAL", "LOCAL"}
_OBJECT_NAMES = {"MACRO": "FUNCTION"}  # DuckDB's macros are PostgreSQL's SQL functions
# Statement types DuckDB may answer with one BIGINT column "Count": the rows written.
COUNTED_TYPES = {"INSERT", "UPDATE", "DELETE", "MERGE_INTO", "COPY", "CREATE"}
# The tag's verb for statement types that return rows (RETURNING); any other: SELECT.
ROW_VERBS = {"INSERT": "INSERT", "UPDATE": "UPDATE", "DELETE": "DELETE", "MERGE_INTO": "MERGE"}
_TRANSACTION_TAGS = {
    "BEGIN": "BEGIN",
    "START": "START TRANSACTION",
    "COMMIT": "COMMIT",
    "END": "COMMIT",
    "ROLLBACK": "ROLLBACK",
    "ABORT": "ROLLBACK",
}


def _object_tag(verb: str, words: list[str]) -> str:
    """'CREATE TABLE', 'DROP VIEW', 'ALTER TABLE', ...: the verb and the kind of object."""
    for word in words[1:]:
        if word not in _CREATE_SKIP:
            return f"{verb} {_OBJECT_NAMES.get(word, word)}"
    return verb


def command_tag_for(statement_type: str, sql: str, count: int | None) -> str:
    """PostgreSQL's CommandComplete tag for a DuckDB statement that returned no rows."""
    words = leading_words(sql, 6)
    first = words[0] if words else statement_type
    if statement_type == "INSERT":
        return command_tag("INSERT", count or 0)
    if statement_type in ("UPDATE", "DELETE"):
        if first == "TRUNCATE":
            return "TRUNCATE TABLE"
        return command_tag(statement_type, count or 0)
    if statement_type == "MERGE_INTO":
        return command_tag("MERGE", count or 0)
    if statement_type == "COPY":
        return command_tag("COPY", count or 0)
    if statement_type == "CREATE":
        if count is not None:  # CREATE TABLE ... AS: PostgreSQL says SELECT n
            return command_tag("SELECT", count)
        return _object_tag("CREATE", words)
    if statement_type == "DROP":
        return "DEALLOCATE" if first == "DEALLOCATE" else _object_tag("DROP", words)
    if statement_type == "ALTER":
        return "COMMENT" if first == "COMMENT" else _object_tag("ALTER", words)
    if statement_type == "TRANSACTION":
        return _TRANSACTION_TAGS.get(first, first)
    if statement_type == "SET":
        return "RESET" if first == "RESET" else "SET"
    return first
