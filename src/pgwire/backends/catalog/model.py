"""What a backend tells the catalog emulation about itself: a snapshot of its own catalog.

Backend-neutral plain data. A backend reads its own catalog (DuckDB: duckdb_tables() and
friends; SQLite: sqlite_master and the pragmas) into a `Snapshot`; the emulation builds
pg_catalog and information_schema from it. Types are PostgreSQL type OIDs (and typmods), the
same ones the backend puts in RowDescription for those columns.

OIDs are derived from names (`stable_oid`), so the same object has the same OID in every
query, session and process: psql looks a table up by name in one query and by OID in the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pgwire.handler import HeldLock

# PostgreSQL's fixed OIDs, and where user objects start (FirstNormalObjectId).
PG_CATALOG_OID = 11
PG_TOAST_OID = 99
PUBLIC_OID = 2200
INFORMATION_SCHEMA_OID = 13_000
SUPERUSER_OID = 10
FIRST_NORMAL_OID = 16_384
_OID_SPAN = 2**31 - FIRST_NORMAL_OID - 1  # OIDs stay below 2**31: drivers read them as int4

PK, UNIQUE, FOREIGN_KEY, CHECK = "p", "u", "f", "c"  # pg_constraint.contype


def stable_oid(kind: str, *names: str) -> int:
    """A deterministic OID for a named object, in PostgreSQL's range for user objects."""
    digest = hashlib.blake2b("\0".join((kind, *names)).encode(), digest_size=8).digest()
    return FIRST_NORMAL_OID + int.from_bytes(digest, "big") % _OID_SPAN


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type_oid: int  # PostgreSQL's, as in RowDescription (pgwire.types.oids)
    typmod: int = -1
    not_null: bool = False
    default: str | None = None  # the default expression's SQL text
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    columns: tuple[str, ...]  # column names; an expression stands for an expression column
    unique: bool = False
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Constraint:
    name: str
    kind: str  # PK, UNIQUE, FOREIGN_KEY or CHECK
    columns: tuple[str, ...] = ()
    expression: str | None = None  # CHECK: the condition's SQL text
    ref_schema: str | None = None  # FOREIGN KEY: the referenced table and columns
    ref_table: str | None = None
    ref_columns: tuple[str, ...] = ()
    on_update: str = "a"  # pg_constraint.confupdtype: a no action, r restrict, c cascade...
    on_delete: str = "a"


@dataclass(frozen=True, slots=True)
class SequenceOptions:
    """A sequence's CREATE SEQUENCE options (pg_sequence)."""

    start: int = 1
    increment: int = 1
    minimum: int = 1
    maximum: int = 2**63 - 1
    cycle: bool = False
    type_oid: int = 20  # int8: the sequence's data type


@dataclass(frozen=True, slots=True)
class Relation:
    schema: str
    name: str
    kind: str = "r"  # pg_class.relkind: r table, v view, m materialized view, S sequence
    columns: tuple[Column, ...] = ()
    indexes: tuple[Index, ...] = ()  # indexes of their own; PK/UNIQUE constraints add theirs
    constraints: tuple[Constraint, ...] = ()
    comment: str | None = None
    definition: str | None = None  # a view's query
    temporary: bool = False
    sequence: SequenceOptions | None = None  # a sequence's options (kind S)


@dataclass(frozen=True, slots=True)
class Function:
    schema: str
    name: str
    argument_names: tuple[str, ...] = ()
    argument_types: tuple[int, ...] = ()  # type OIDs; 0 (or ANY) when the backend cannot tell
    result_type: int = 0  # 0: unknown
    kind: str = "f"  # pg_proc.prokind: f function, a aggregate, w window, p procedure
    returns_set: bool = False
    language: str = "sql"
    source: str = ""
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Enum:
    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A backend's catalog at one moment, as the session running the query sees it."""

    schemas: tuple[Schema, ...] = ()
    relations: tuple[Relation, ...] = ()
    functions: tuple[Function, ...] = ()
    enums: tuple[Enum, ...] = ()
    search_path: tuple[str, ...] = ()  # schemas in name lookup order; the first is current
    # The backend's own settings (DuckDB's threads, memory_limit, ...): (name, value,
    # description), shown in pg_settings and current_setting() after PostgreSQL's own.
    settings: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Activity:
    """What changes with every transaction and write, read only for the queries that ask:
    txid_current(), pg_current_xact_id() and the size functions. Sizes are the backend's
    estimates in bytes, not exact."""

    transaction_id: int = 0
    database_bytes: int = 0
    relations: tuple[tuple[str, str, int, int], ...] = ()  # (schema, name, table, indexes)


def _no_locks() -> Sequence[HeldLock]:
    return ()


@dataclass(slots=True)
class SessionState:
    """What the catalog functions report about the session: current_user, version(), ..."""

    user: str
    database: str
    process_id: int = 0
    server_version: str = "15.0"
    backend: str = ""  # e.g. "DuckDB 1.2.0", shown in version()
    settings: dict[str, str] = field(default_factory=dict)  # session parameters by lower name
    # pg_locks: every session's advisory locks (`SessionInfo.locks`), read when a query asks
    locks: Callable[[], Sequence[HeldLock]] = field(default=_no_locks, compare=False)
